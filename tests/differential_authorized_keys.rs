//! Differential tests: sshlint's authorized_keys reader against the real OpenSSH 9.2p1 key reader,
//! `ssh-keygen -l -f FILE`, one line per file.
//!
//! What is comparable. ssh-keygen's `do_fingerprint` reads each line with the same `sshkey_read`
//! sshd uses (no expected type, `b64_pton`, blob parsing with the same checks), and when that
//! fails it skips a leading field with the same quote rules as `sshkey_advance_past_options` and
//! tries again. Where it differs from sshd:
//! - it never parses the options (sshd's `sshauthopt_parse`): a line with options sshd refuses
//!   is still fingerprinted. So ssh-keygen's verdict is compared with "sshlint read a key"
//!   (`Entry::key.is_some()`), not with "sshd would use the key";
//! - a first word that `strtol` reads as a non-zero number followed by a blank is not skipped
//!   (a relic of SSH1 keys), while sshd skips it as options and then refuses it as an unknown
//!   option; the generator never starts a line with a number;
//! - on line 1, "PRIVATE KEY" anywhere makes it read the file as a private key: every file here
//!   starts with a comment line;
//! - it verifies certificate signatures, which sshlint does not: certificates are only used
//!   unmutated;
//! - it cuts the `\n` off each line; sshd keeps it, which changes nothing that is compared here.
//!
//! For each line the comparison is (key read?, type short name, bits) against ssh-keygen's
//! (exit 0?, `(TYPE)`, `BITS`).
//!
//! Environment: `SSHLINT_REQUIRE_ORACLES=1` turns a missing `ssh-keygen` into a failure (otherwise
//! the test prints why and passes); `SSHLINT_DIFF_SEED` seeds the random lines (printed);
//! `SSHLINT_DIFF_CASES` sets how many (default 400); `SSHLINT_DIFF_SHOW=N` prints N mismatches.

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sshlint::ast::authorized_keys::Entry;
use sshlint::syntax::authorized_keys::parse;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::{Rng, TempDir, env_flag, env_usize, escape_bytes, parallel_map, run_with_limit, seed_from_env};

const DEFAULT_SEED: u64 = 0x4b45_5953_0000_0001;
const DEFAULT_CASES: usize = 400;

/// True when ssh-keygen can run; otherwise prints why (or fails under SSHLINT_REQUIRE_ORACLES=1).
fn oracle_ready(test: &str) -> bool {
    let reason = match Command::new("ssh-keygen").arg("-?").output() {
        Ok(_) => return true,
        Err(e) => format!("cannot run ssh-keygen: {e}"),
    };
    assert!(!env_flag("SSHLINT_REQUIRE_ORACLES"), "{test}: SSHLINT_REQUIRE_ORACLES=1 but {reason}");
    eprintln!("{test}: skipped: {reason}");
    false
}

/// A generated key: its `.pub` line and private key path.
struct Key {
    name: String,
    line: String,
}

impl Key {
    fn type_name(&self) -> &str {
        self.line.split(' ').next().unwrap_or("")
    }
    fn blob(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or("")
    }
}

fn keygen(dir: &Path, args: &[&str], name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("ssh-keygen {args:?}: {e}"));
    assert!(out.status.success(), "ssh-keygen {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    path
}

fn wire(v: &[u8]) -> Vec<u8> {
    let mut out = (v.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(v);
    out
}

/// Keys of every type ssh-keygen makes here, a certificate, and two hand-built FIDO keys.
fn make_keys(dir: &Path) -> Vec<Key> {
    let mut keys = Vec::new();
    for (t, b) in [
        ("rsa", "1024"),
        ("rsa", "2048"),
        ("rsa", "3072"),
        ("ed25519", "256"),
        ("ecdsa", "256"),
        ("ecdsa", "384"),
        ("ecdsa", "521"),
        ("dsa", "1024"),
    ] {
        let name = format!("{t}-{b}");
        let path = keygen(dir, &["-t", t, "-b", b], &name);
        let line = fs::read_to_string(path.with_extension("pub")).unwrap_or_default().trim_end().to_string();
        keys.push(Key { name, line });
    }
    // A user certificate for the ECDSA 256 key, signed by the Ed25519 key.
    let ca = dir.join("ed25519-256");
    let subject = dir.join("ecdsa-256.pub");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-s"])
        .arg(&ca)
        .args(["-I", "test", "-n", "alice"])
        .arg(&subject)
        .output()
        .unwrap_or_else(|e| panic!("ssh-keygen -s: {e}"));
    assert!(out.status.success(), "ssh-keygen -s: {}", String::from_utf8_lossy(&out.stderr));
    let cert = fs::read_to_string(dir.join("ecdsa-256-cert.pub")).unwrap_or_default().trim_end().to_string();
    keys.push(Key { name: "cert".into(), line: cert });
    // FIDO keys need a token to generate; their public halves are plain data.
    let mut sk = wire(b"sk-ssh-ed25519@openssh.com");
    sk.extend(wire(&[0x42; 32]));
    sk.extend(wire(b"ssh:"));
    keys.push(Key { name: "sk-ed25519".into(), line: format!("sk-ssh-ed25519@openssh.com {}", STANDARD.encode(sk)) });
    let ecdsa = keys.iter().find(|k| k.name == "ecdsa-256").map(|k| k.blob().to_string()).unwrap_or_default();
    let raw = STANDARD.decode(ecdsa).unwrap_or_default();
    let point = raw.get(4 + 19 + 4 + 8 + 4..).unwrap_or_default();
    let mut sk = wire(b"sk-ecdsa-sha2-nistp256@openssh.com");
    sk.extend(wire(b"nistp256"));
    sk.extend(wire(point));
    sk.extend(wire(b"ssh:"));
    keys.push(Key {
        name: "sk-ecdsa".into(),
        line: format!("sk-ecdsa-sha2-nistp256@openssh.com {}", STANDARD.encode(sk)),
    });
    keys
}

/// Fixed cases: every key plain, with options, quoting and the mistakes people make.
fn corpus(keys: &[Key]) -> Vec<Vec<u8>> {
    let mut lines: Vec<String> = Vec::new();
    let ed = keys.iter().find(|k| k.name == "ed25519-256").map_or("", |k| k.line.as_str());
    let rsa = keys.iter().find(|k| k.name == "rsa-2048").map_or("", |k| k.line.as_str());
    for k in keys {
        let (t, b) = (k.type_name(), k.blob());
        lines.push(k.line.clone());
        lines.push(format!("{t} {b}"));
        lines.push(format!("  \t{t}\t{b}\tcomment with  spaces"));
        lines.push(format!("{t} {b} crlf\r"));
        lines.push(format!("restrict,command=\"echo \\\"hi there\\\"\" {t} {b} c"));
        lines.push(format!("from=\"10.0.0.0/8\",no-pty {t} {b}"));
        lines.push(format!("{t} {}", &b[..b.len() / 2]));
        lines.push(format!("{t} {}", &b[..b.len() - 1]));
        lines.push(format!("{t} {}=", b.trim_end_matches('=')));
        lines.push(t.to_string());
        lines.push(format!("{t} "));
        lines.push(b.to_string());
        lines.push(format!("{t}X {b}"));
        lines.push(format!("{} {b}", t.to_uppercase()));
    }
    // Wrong type names on the line.
    for k in keys {
        for other in ["ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ssh-dss", "rsa-sha2-512"]
        {
            lines.push(format!("{other} {}", k.blob()));
        }
    }
    for extra in [
        format!("command=\"unterminated {ed}"),
        format!("bogus-option {ed}"),
        format!("\"quoted words\" {ed}"),
        format!("ssh-rsa {ed}"),
        format!("a\\\"b {ed}"),
        format!("x=\"a b\",y=\"c\\\"d e\" {rsa}"),
        format!("{ed} trailing \"quote"),
        "restrict".to_string(),
        "command=\"x\"".to_string(),
        "# comment".to_string(),
        String::new(),
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEE=".to_string(),
    ] {
        lines.push(extra);
    }
    let mut out: Vec<Vec<u8>> = lines.into_iter().map(String::into_bytes).collect();
    // White space b64_pton skips, a NUL, bytes that are not UTF-8.
    let (t, b) = ed.split_once(' ').unwrap_or_default();
    let b = b.split(' ').next().unwrap_or("");
    out.push(format!("{t} {}\x0b{}", &b[..10], &b[10..]).into_bytes());
    out.push(format!("{t} {}\r{}", &b[..12], &b[12..]).into_bytes());
    out.push(format!("{t} {b}\0 after a NUL").into_bytes());
    out.push(format!("{t} {}\0{}", &b[..12], &b[12..]).into_bytes());
    let mut latin1 = format!("{t} {b} caf").into_bytes();
    latin1.extend(b"\xe9\xff");
    out.push(latin1);
    let mut bad = b"\xff\xfe ".to_vec();
    bad.extend(ed.as_bytes());
    out.push(bad);
    out
}

const OPTION_WORDS: &[&str] = &[
    "restrict",
    "no-pty",
    "pty",
    "cert-authority",
    "command=\"ls -l\"",
    "command=\"a \\\"b\\\" c\"",
    "from=\"*.example.com,!10.0.0.1\"",
    "environment=\"A=b c\"",
    "expiry-time=\"20301231\"",
    "permitopen=\"localhost:80\"",
    "tunnel=\"1\"",
    "bogus",
    "command=\"unclosed",
    "x=\"a\\\"",
    "\"",
];

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A mutation of a valid (non-certificate) key line.
fn random_line(rng: &mut Rng, keys: &[Key]) -> Vec<u8> {
    let plain: Vec<&Key> = keys.iter().filter(|k| k.name != "cert").collect();
    let k = *rng.pick(&plain);
    let mut type_name = k.type_name().to_string();
    let mut blob = k.blob().as_bytes().to_vec();
    let mut prefix = String::new();
    for _ in 0..rng.range(1, 3) {
        match rng.below(9) {
            0 if !blob.is_empty() => {
                let i = rng.below(blob.len());
                blob[i] = *rng.pick(B64);
            }
            1 if !blob.is_empty() => {
                let i = rng.below(blob.len());
                blob.remove(i);
            }
            2 => {
                let i = rng.below(blob.len() + 1);
                blob.insert(i, *rng.pick(B64));
            }
            3 => {
                let new_len = rng.below(blob.len() + 1);
                blob.truncate(new_len);
            }
            4 => type_name = rng.pick(keys).type_name().to_string(),
            5 => {
                let n = rng.range(1, 3);
                let words: Vec<&str> = (0..n).map(|_| *rng.pick(OPTION_WORDS)).collect();
                prefix = format!("{} ", words.join(","));
            }
            6 => {
                // Flip a bit in the decoded key (keeps the base64 valid).
                let mut raw = STANDARD.decode(&blob).unwrap_or_default();
                if !raw.is_empty() {
                    let i = rng.below(raw.len());
                    raw[i] ^= 1 << rng.below(8);
                    blob = STANDARD.encode(raw).into_bytes();
                }
            }
            7 => {
                let pad = ["", "=", "==", "\r", "\x0b"];
                blob.extend(rng.pick(&pad).as_bytes());
            }
            _ => {}
        }
    }
    let mut line = prefix.into_bytes();
    line.extend(type_name.as_bytes());
    line.push(if rng.percent(80) { b' ' } else { b'\t' });
    line.extend(&blob);
    if rng.percent(50) {
        line.extend(b" comment");
    }
    line
}

/// ssh-keygen's reading of a one-line file: `Some((type, bits))` when it fingerprints the key.
fn oracle(dir: &Path, index: usize, line: &[u8]) -> Result<Option<(String, u32)>, String> {
    let path = dir.join(format!("line-{index:05}"));
    let mut file = b"# oracle: a first line that is not a private key\n".to_vec();
    file.extend(line);
    file.push(b'\n');
    fs::write(&path, &file).map_err(|e| format!("write {}: {e}", path.display()))?;
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-l", "-f"]).arg(&path);
    let out = run_with_limit(&mut cmd, Duration::from_secs(60)).map_err(|e| format!("ssh-keygen: {e}"))?;
    let _ = fs::remove_file(&path);
    match out.status {
        Some(0) => {}
        Some(_) => return Ok(None),
        None => return Err(format!("ssh-keygen {}", out.status_text())),
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or("");
    let bits = first.split(' ').next().and_then(|b| b.parse().ok()).ok_or(format!("ssh-keygen said {first:?}"))?;
    let ty = first.rsplit_once('(').and_then(|(_, t)| t.strip_suffix(')')).ok_or(format!("ssh-keygen: {first:?}"))?;
    Ok(Some((ty.to_string(), bits)))
}

/// sshlint's reading of the same file, in ssh-keygen's terms.
fn sshlint_reading(line: &[u8]) -> (Option<(String, u32)>, Option<Entry>) {
    let mut file = b"# oracle: a first line that is not a private key\n".to_vec();
    file.extend(line);
    file.push(b'\n');
    let entry = parse(&file).lines.into_iter().next();
    let read = entry.as_ref().and_then(|e| e.key.as_ref()).map(|k| {
        let ty = format!("{}{}", k.kind.short_name(), if k.certificate { "-CERT" } else { "" });
        (ty, k.bits)
    });
    (read, entry)
}

fn compare(name: &str, lines: &[Vec<u8>]) {
    let Ok(dir) = TempDir::new("authorized-keys-oracle") else { panic!("{name}: no temp dir") };
    let indexed: Vec<(usize, &Vec<u8>)> = lines.iter().enumerate().collect();
    let results = parallel_map(&indexed, |&(i, line)| (oracle(dir.path(), i, line), sshlint_reading(line)));
    let show = env_usize("SSHLINT_DIFF_SHOW", 20);
    let mut report = String::new();
    let (mut mismatches, mut accepted) = (0usize, 0usize);
    for ((i, line), (theirs, (ours, entry))) in indexed.iter().zip(results) {
        let theirs = theirs.unwrap_or_else(|e| panic!("{name} line {i}: {e}"));
        accepted += usize::from(theirs.is_some());
        if theirs != ours {
            mismatches += 1;
            if mismatches <= show {
                let problems = entry.map(|e| e.problems.iter().map(|p| p.message.clone()).collect::<Vec<_>>());
                let _ = writeln!(
                    report,
                    "  case {i}: {}\n    ssh-keygen: {theirs:?}\n    sshlint:    {ours:?} {problems:?}",
                    escape_bytes(line)
                );
            }
        }
    }
    eprintln!(
        "{name}: {} lines compared with ssh-keygen, {accepted} keys read by it, {mismatches} mismatches",
        lines.len()
    );
    assert_eq!(mismatches, 0, "{name}: sshlint and ssh-keygen disagree:\n{report}");
}

#[test]
fn corpus_agrees_with_ssh_keygen() {
    if !oracle_ready("corpus_agrees_with_ssh_keygen") {
        return;
    }
    let Ok(dir) = TempDir::new("authorized-keys-keys") else { panic!("no temp dir") };
    let keys = make_keys(dir.path());
    compare("corpus", &corpus(&keys));
}

#[test]
fn random_lines_agree_with_ssh_keygen() {
    if !oracle_ready("random_lines_agree_with_ssh_keygen") {
        return;
    }
    let seed = seed_from_env(DEFAULT_SEED);
    let cases = env_usize("SSHLINT_DIFF_CASES", DEFAULT_CASES);
    eprintln!("random_lines_agree_with_ssh_keygen: SSHLINT_DIFF_SEED={seed:#x}, {cases} lines");
    let Ok(dir) = TempDir::new("authorized-keys-keys") else { panic!("no temp dir") };
    let keys = make_keys(dir.path());
    let lines: Vec<Vec<u8>> = (0..cases).map(|i| random_line(&mut Rng::for_item(seed, i as u64), &keys)).collect();
    compare(&format!("random (seed {seed:#x})"), &lines);
}

// ---------------------------------------------------------------------------------------------
// Bad input: no oracle needed, only no panic and bounded work.

/// A hang guard, not a speed test: a debug build on a busy 2-core machine stays far below it.
const GUARD: Duration = Duration::from_secs(60);

#[test]
fn huge_base64_line_parses_in_bounded_time() {
    let mut text = b"ssh-ed25519 ".to_vec();
    text.extend(std::iter::repeat_n(b'A', 64 << 20));
    text.extend(b" comment\n");
    let start = Instant::now();
    let ast = parse(&text);
    let elapsed = start.elapsed();
    assert!(elapsed < GUARD, "64 MiB line took {elapsed:?}");
    let entry = ast.lines.first().expect("one entry");
    assert!(entry.key.is_none() && !entry.problems.is_empty(), "{:?}", entry.problems);
}

#[test]
fn nul_bytes_invalid_utf8_and_options_only() {
    let inputs: [&[u8]; 6] = [
        b"\0\0\0\n\0ssh-ed25519\n",
        b"\xff\xfe\xfd\n\xc3\x28 \xa0\xa1\n",
        b"restrict\nno-pty,command=\"x\"\nfrom=\"a\",\"\n",
        b"command=\"a\\\"\\\"\\\"\\\"\n",
        b"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\n",
        b"\r\r\r\n\t\t\n \x0b\x0c\n",
    ];
    for input in inputs {
        let ast = parse(input);
        for e in &ast.lines {
            assert!(!e.is_usable(), "{}: {e:?}", escape_bytes(input));
            assert!(e.span.end as usize <= input.len());
            for p in &e.problems {
                assert!(p.span.start <= p.span.end && p.span.end as usize <= input.len(), "{p:?}");
                assert!(p.message.chars().next().is_some_and(|c| !c.is_uppercase()), "{p:?}");
            }
        }
    }
    // Many options, quotes and commas on one long line: linear work.
    let mut line = "restrict,".repeat(200_000).into_bytes();
    line.extend(b"command=\"");
    line.extend("\\\"".repeat(200_000).as_bytes());
    line.extend(b"\" ssh-ed25519 AAAA\n");
    let start = Instant::now();
    let ast = parse(&line);
    assert!(start.elapsed() < GUARD);
    assert_eq!(ast.lines.len(), 1);
}
