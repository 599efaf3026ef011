//! Unit tests for the authorized_keys reader. Keys come from `fixtures/authorized_keys/keys/`
//! (made with `ssh-keygen`), hand-built blobs cover what ssh-keygen will not write.

use super::*;
use crate::ast::authorized_keys::{Curve, Entry, Flag, KeyKind, OptionKind, ProblemKind};

const RSA1024: &str = include_str!("../../../fixtures/authorized_keys/keys/rsa_1024.pub");
const RSA2048: &str = include_str!("../../../fixtures/authorized_keys/keys/rsa_2048.pub");
const ED25519: &str = include_str!("../../../fixtures/authorized_keys/keys/ed25519_256.pub");
const ECDSA256: &str = include_str!("../../../fixtures/authorized_keys/keys/ecdsa_256.pub");
const ECDSA384: &str = include_str!("../../../fixtures/authorized_keys/keys/ecdsa_384.pub");
const ECDSA521: &str = include_str!("../../../fixtures/authorized_keys/keys/ecdsa_521.pub");
const DSA: &str = include_str!("../../../fixtures/authorized_keys/keys/dsa_1024.pub");
const CERT: &str = include_str!("../../../fixtures/authorized_keys/keys/ecdsa_256-cert.pub");

/// `type base64` of a .pub file, without its comment.
fn key(pubfile: &str) -> String {
    pubfile.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

fn blob_of(pubfile: &str) -> &str {
    pubfile.split_whitespace().nth(1).unwrap_or("")
}

fn one(text: &str) -> Entry {
    let ast = parse(text.as_bytes());
    assert_eq!(ast.lines.len(), 1, "{text:?}: {ast:?}");
    ast.lines.into_iter().next().unwrap_or_else(|| unreachable!())
}

fn usable(text: &str) -> Entry {
    let e = one(text);
    assert!(e.is_usable(), "{text:?} should be usable: {:?}", e.problems);
    e
}

fn problem(text: &str) -> String {
    let e = one(text);
    assert!(!e.is_usable(), "{text:?} should have a problem");
    e.problems.first().map(|p| p.message.clone()).unwrap_or_default()
}

fn string(v: &[u8]) -> Vec<u8> {
    let mut out = (v.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(v);
    out
}

fn b64(raw: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(raw)
}

#[test]
fn reads_each_key_type_with_its_size() {
    let cases: &[(&str, KeyKind, u32, Option<Curve>)] = &[
        (RSA1024, KeyKind::Rsa, 1024, None),
        (RSA2048, KeyKind::Rsa, 2048, None),
        (ED25519, KeyKind::Ed25519, 256, None),
        (ECDSA256, KeyKind::Ecdsa, 256, Some(Curve::P256)),
        (ECDSA384, KeyKind::Ecdsa, 384, Some(Curve::P384)),
        (ECDSA521, KeyKind::Ecdsa, 521, Some(Curve::P521)),
        (DSA, KeyKind::Dsa, 1024, None),
    ];
    for &(pubfile, kind, bits, curve) in cases {
        let e = usable(pubfile);
        let k = e.key.as_ref().unwrap_or_else(|| unreachable!());
        assert_eq!((k.kind, k.bits, k.curve, k.certificate), (kind, bits, curve, false), "{pubfile}");
        assert!(e.comment.is_some());
    }
}

#[test]
fn reads_a_certificate() {
    let e = usable(CERT);
    let k = e.key.as_ref().unwrap_or_else(|| unreachable!());
    assert!(k.certificate);
    assert_eq!((k.kind, k.bits), (KeyKind::Ecdsa, 256));
}

#[test]
fn spans_point_at_type_blob_and_comment() {
    let text = format!("  {} my laptop\r\n", key(ED25519));
    let e = usable(&text);
    let k = e.key.as_ref().unwrap_or_else(|| unreachable!());
    assert_eq!(&text[k.type_span.range()], "ssh-ed25519");
    assert_eq!(&text[k.blob_span.range()], blob_of(ED25519));
    assert_eq!(e.comment.map(|c| &text[c.range()]), Some("my laptop"));
    assert_eq!(&text[e.span.range()], text.trim_end_matches('\n'));
}

#[test]
fn comments_blank_lines_and_crlf_are_skipped() {
    let text = format!("# a comment\n\n   \n\t# indented\r\n\r\n{}\r\n", key(ED25519));
    let ast = parse(text.as_bytes());
    assert_eq!(ast.lines.len(), 1);
    assert_eq!(ast.lines[0].number, 6);
    assert!(ast.lines[0].is_usable());
}

#[test]
fn key_without_newline_or_comment() {
    usable(&key(ED25519));
    let e = usable(&format!("{}\n", key(RSA2048)));
    assert!(e.comment.is_none());
}

#[test]
fn type_name_alone_or_unknown() {
    assert!(problem("ssh-ed25519\n").contains("no key data after `ssh-ed25519`"));
    assert!(problem("ssh-ed25519   \n").contains("no key data"));
    assert!(problem(&format!("ssh-foo {}\n", blob_of(ED25519))).contains("`ssh-foo` is not a key type"));
    // Type names are case-sensitive on the line.
    assert!(problem(&format!("SSH-ED25519 {}\n", blob_of(ED25519))).contains("not a key type"));
}

#[test]
fn mismatched_type_is_refused() {
    let msg = problem(&format!("ssh-rsa {}\n", blob_of(ED25519)));
    assert!(msg.contains("is a `ssh-ed25519` key but the line says `ssh-rsa`"), "{msg}");
    let msg = problem(&format!("ecdsa-sha2-nistp384 {}\n", blob_of(ECDSA256)));
    assert!(msg.contains("curve 256"), "{msg}");
    // A certificate is not a plain key.
    assert!(problem(&format!("ecdsa-sha2-nistp256 {}\n", blob_of(CERT))).contains("line says"));
}

#[test]
fn rsa_sha2_names_are_rsa_keys() {
    let e = usable(&format!("rsa-sha2-512 {}\n", blob_of(RSA2048)));
    assert_eq!(e.key.map(|k| k.kind), Some(KeyKind::Rsa));
}

#[test]
fn short_type_name_inside_the_blob() {
    // sshkey_type_from_name takes a plain key's short name in any case inside the blob.
    let mut raw = string(b"ed25519");
    raw.extend(string(&[9u8; 32]));
    usable(&format!("ssh-ed25519 {}\n", b64(&raw)));
    // … but ECDSA needs the exact name for its curve.
    let mut raw = string(b"ECDSA");
    raw.extend(string(b"nistp256"));
    assert!(problem(&format!("ecdsa-sha2-nistp256 {}\n", b64(&raw))).contains("sshd cannot use"));
}

#[test]
fn truncated_and_garbage_blobs() {
    let blob = blob_of(RSA2048);
    let cut = &blob[..blob.len() - 8];
    let msg = problem(&format!("ssh-rsa {cut}\n"));
    assert!(msg.contains("truncated") || msg.contains("base64"), "{msg}");
    assert!(problem("ssh-rsa AAAA!!!!\n").contains("not valid base64"));
    assert!(problem("ssh-rsa AAA\n").contains("not valid base64"));
    assert!(problem("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM6y\n").contains("truncated"));
    // Trailing data after the key.
    let mut raw = string(b"ssh-ed25519");
    raw.extend(string(&[1u8; 32]));
    raw.push(0);
    assert!(problem(&format!("ssh-ed25519 {}\n", b64(&raw))).contains("trailing data"));
}

#[test]
fn base64_white_space_and_padding() {
    assert_eq!(b64_decode(b"QUJD"), Ok(b"ABC".to_vec()));
    assert_eq!(b64_decode(b"QUI="), Ok(b"AB".to_vec()));
    assert_eq!(b64_decode(b"QQ=="), Ok(b"A".to_vec()));
    assert_eq!(b64_decode(b"QQ=\r="), Ok(b"A".to_vec()));
    assert_eq!(b64_decode(b"QU\x0bJD\r\n"), Ok(b"ABC".to_vec()));
    assert!(b64_decode(b"QQ=").is_err());
    assert!(b64_decode(b"QR==").is_err(), "leftover bits must be zero");
    assert!(b64_decode(b"QUI=QUJD").is_err());
    assert!(b64_decode(b"Q===").is_err());
    assert!(b64_decode(b"QUJ").is_err());
}

#[test]
fn rsa_under_1024_bits_is_refused() {
    let mut raw = string(b"ssh-rsa");
    raw.extend(string(&[1, 0, 1]));
    let mut n = vec![0u8, 0x7f];
    n.extend([0xffu8; 127]);
    raw.extend(string(&n));
    let msg = problem(&format!("ssh-rsa {}\n", b64(&raw)));
    assert!(msg.contains("1023 bits"), "{msg}");
    let mut raw = string(b"ssh-rsa");
    raw.extend(string(&[1, 0, 1]));
    raw.extend(string(&[0x80u8; 128]));
    assert!(problem(&format!("ssh-rsa {}\n", b64(&raw))).contains("negative"));
}

#[test]
fn ecdsa_point_must_be_on_the_curve() {
    let blob = b64_decode(blob_of(ECDSA256).as_bytes()).unwrap_or_default();
    let mut bad = blob.clone();
    if let Some(last) = bad.last_mut() {
        *last ^= 1;
    }
    assert!(problem(&format!("ecdsa-sha2-nistp256 {}\n", b64(&bad))).contains("invalid point"));
    for pubfile in [ECDSA384, ECDSA521] {
        let mut bad = b64_decode(blob_of(pubfile).as_bytes()).unwrap_or_default();
        if let Some(b) = bad.get_mut(60) {
            *b ^= 0x10;
        }
        let ty = pubfile.split_whitespace().next().unwrap_or("");
        assert!(problem(&format!("{ty} {}\n", b64(&bad))).contains("invalid point"));
    }
}

#[test]
fn security_keys_read_their_application() {
    let mut raw = string(b"sk-ssh-ed25519@openssh.com");
    raw.extend(string(&[5u8; 32]));
    raw.extend(string(b"ssh:"));
    let e = usable(&format!("sk-ssh-ed25519@openssh.com {} yubikey\n", b64(&raw)));
    let k = e.key.unwrap_or_else(|| unreachable!());
    assert_eq!((k.kind, k.sk_application.as_deref()), (KeyKind::Ed25519Sk, Some("ssh:")));
    // The ECDSA flavour, with a real P-256 point.
    let point_blob = b64_decode(blob_of(ECDSA256).as_bytes()).unwrap_or_default();
    let mut w = Wire(&point_blob);
    let _ = w.string();
    let _ = w.string();
    let point = w.string().unwrap_or_default().to_vec();
    let mut raw = string(b"sk-ecdsa-sha2-nistp256@openssh.com");
    raw.extend(string(b"nistp256"));
    raw.extend(string(&point));
    raw.extend(string(b"ssh:"));
    let e = usable(&format!("sk-ecdsa-sha2-nistp256@openssh.com {}\n", b64(&raw)));
    assert_eq!(e.key.map(|k| (k.kind, k.bits)), Some((KeyKind::EcdsaSk, 256)));
}

#[test]
fn every_option_parses() {
    let k = key(ED25519);
    let line = format!(
        "agent-forwarding,cert-authority,command=\"echo \\\"hi\\\"\",environment=\"A_1=x=y\",\
         expiry-time=\"20300101Z\",from=\"10.0.0.0/8,!10.1.2.3,*.example.com\",no-agent-forwarding,\
         no-port-forwarding,no-pty,no-user-rc,no-X11-forwarding,no-touch-required,permitopen=\"host:22\",\
         permitlisten=\"2222\",port-forwarding,principals=\"alice,bob\",pty,restrict,tunnel=\"0\",user-rc,\
         verify-required,X11-forwarding,touch-required,no-verify-required {k} c\n"
    );
    let e = usable(&line);
    assert_eq!(e.options.len(), 24, "{:?}", e.options);
    assert_eq!(e.command(), Some("echo \"hi\""));
    assert!(e.is_restricted());
    assert_eq!(e.expiry().map(|t| (t.epoch, t.utc)), Some((1_893_456_000, true)));
    let from = e.from_patterns().unwrap_or_default();
    assert_eq!(from.len(), 3);
    assert!(from[1].negated && from[1].pattern == "10.1.2.3");
    assert!(e.options.iter().any(|o| o.kind == OptionKind::PermitListen("*:2222".into())));
    assert!(e.options.iter().any(|o| o.kind == OptionKind::Tunnel(Some(0))));
    assert!(e.options.iter().any(|o| o.kind == OptionKind::Flag { flag: Flag::Pty, allow: false }));
    assert!(e.options.iter().any(|o| o.kind == OptionKind::Environment { name: "A_1".into(), value: "x=y".into() }));
    let options_end = line.find(" ssh-ed25519").unwrap_or(0);
    assert_eq!(&line[e.options_span.unwrap_or_default().range()], &line[..options_end]);
    assert_eq!(&line[e.options[2].span.range()], "command=\"echo \\\"hi\\\"\"");
}

#[test]
fn option_names_are_case_insensitive() {
    let e = usable(&format!("RESTRICT,Command=\"x\",No-Pty,FROM=\"*\" {}\n", key(ED25519)));
    assert_eq!(e.options.len(), 4);
}

#[test]
fn unknown_and_malformed_options() {
    let k = key(ED25519);
    let cases = [
        (format!("bogus {k}"), "unknown option `bogus`"),
        (format!("restrictx {k}"), "unknown option `restrictx`"),
        (format!("no-restrict {k}"), "unknown option `no-restrict`"),
        (format!("no-cert-authority {k}"), "unknown option"),
        (format!("command {k}"), "unknown option `command`"),
        (format!("command=ls {k}"), "needs a double-quoted value"),
        (format!("command=\"a\"b {k}"), "unknown option"),
        (format!("command=\"a\",command=\"b\" {k}"), "second `command=`"),
        (format!("from=\"a\",from=\"b\" {k}"), "second `from=`"),
        (format!("principals=\"a\",principals=\"b\" {k}"), "second `principals=`"),
        (format!("expiry-time=\"2030\" {k}"), "`expiry-time`"),
        (format!("expiry-time=\"20301301\" {k}"), "`expiry-time`"),
        (format!("expiry-time=\"19691231Z\" {k}"), "`expiry-time`"),
        (format!("environment=\"NOEQUALS\" {k}"), "has no `=`"),
        (format!("environment=\"A-B=1\" {k}"), "not a valid environment variable name"),
        (format!("tunnel=\"x\" {k}"), "`tunnel=`"),
        (format!("tunnel=\"-1\" {k}"), "`tunnel=`"),
        (format!("permitopen=\"host\" {k}"), "invalid permission port"),
        (format!("permitopen=\"host:0\" {k}"), "invalid permission port"),
        (format!("permitopen=\"[::1\" {k}"), "invalid permission hostname"),
        (format!("permitlisten=\"host:99999\" {k}"), "invalid permission port"),
    ];
    for (line, want) in cases {
        let e = one(&line);
        let p = e.problems.first().unwrap_or_else(|| panic!("{line:?}: no problem"));
        assert!(p.message.contains(want), "{line:?}: {p:?}");
        assert_eq!(p.kind, ProblemKind::Options, "{line:?}");
        assert!(e.key.is_some(), "{line:?}: the key is read before the options");
        assert!(p.message.ends_with("sshd skips this line"));
    }
}

#[test]
fn option_quirks_sshd_accepts() {
    let k = key(ED25519);
    // A leading comma, doubled commas and a comma before the key are all accepted.
    usable(&format!(",restrict {k}"));
    usable(&format!("restrict,,pty {k}"));
    usable(&format!("restrict, {k}"));
    // Spaces inside quotes do not end the options.
    let e = usable(&format!("command=\"echo a b\",no-pty {k}"));
    assert_eq!(e.command(), Some("echo a b"));
    usable(&format!("tunnel=\"ANY\",tunnel=\"  +7\",permitopen=\"[::1]:ssh\",permitopen=\"h/*\" {k}"));
    usable(&format!("expiry-time=\"203001010000UTC\",expiry-time=\"20300101000000\" {k}"));
    // Duplicated environment names: the first wins, no error.
    usable(&format!("environment=\"A=1\",environment=\"A=2\" {k}"));
}

#[test]
fn unterminated_quote_and_missing_key() {
    let msg = problem(&format!("command=\"ls {}\n", key(ED25519)));
    assert!(msg.contains("unterminated quote"), "{msg}");
    assert!(problem("restrict,pty\n").contains("no key after the options"));
    assert!(problem("restrict,pty   \n").contains("no key after the options"));
    assert!(problem("command=\"x\" foo bar\n").contains("`foo` is not a key type"));
}

#[test]
fn escaped_quote_outside_quotes() {
    // `\"` outside quotes is skipped by sshkey_advance_past_options, so the space ends the field.
    let e = one(&format!("from=\\\"a b\\\" {}\n", key(ED25519)));
    assert!(!e.is_usable());
}

#[test]
fn bad_key_after_type_reports_the_key_not_the_options() {
    let msg = problem("ssh-ed25519 AAAA-not-base64 comment\n");
    assert!(msg.contains("not valid base64"), "{msg}");
    // A key type word followed by a real key: read as options, and sshd refuses that option.
    let msg = problem(&format!("ssh-rsa {}\n", key(ED25519)));
    assert!(msg.contains("unknown option `ssh-rsa`"), "{msg}");
}

#[test]
fn invalid_from_list_is_refused_at_login() {
    let k = key(ED25519);
    for (list, want) in [
        ("10.0.0.1/8", "bits set outside its mask"),
        ("10.0.0.0/33", "mask longer"),
        ("a,,b", "empty entry"),
        ("", "empty entry"),
        ("!", "empty entry"),
        ("10/8", "bits set outside"),
        ("2001:db8::1/32", "bits set outside"),
    ] {
        let e = one(&format!("from=\"{list}\" {k}"));
        assert!(e.is_read() && !e.is_usable(), "{list}");
        let p = &e.problems[0];
        assert_eq!(p.kind, ProblemKind::Refused);
        assert!(p.message.contains(want), "{list}: {}", p.message);
    }
    for list in ["10.0.0.0/8", "*.example.com", "192.168.1.?", "::1", "2001:db8::/32", "10.0.0.1/x", "host/99"] {
        usable(&format!("from=\"{list}\" {k}"));
    }
}

#[test]
fn nul_byte_ends_the_line_text() {
    let text = format!("{}\0 garbage\n{}\n", key(ED25519), key(RSA2048));
    let ast = parse(text.as_bytes());
    assert_eq!(ast.lines.len(), 2);
    assert!(ast.lines.iter().all(Entry::is_usable));
    assert!(ast.lines[0].comment.is_none());
    // A NUL inside the base64 cuts it short.
    let blob = blob_of(ED25519);
    let text = format!("ssh-ed25519 {}\0{}\n", &blob[..20], &blob[20..]);
    assert!(!one(&text).is_usable());
}

#[test]
fn invalid_utf8_is_fine_where_sshd_does_not_look() {
    let mut text = key(ED25519).into_bytes();
    text.extend(b" caf\xe9 \xff\xfe\n");
    let ast = parse(&text);
    assert!(ast.lines[0].is_usable());
    let ast = parse(b"\xff\xfe ssh-ed25519\n");
    assert!(!ast.lines[0].is_usable());
}

#[test]
fn absolute_times() {
    let t = |s: &str| parse_absolute_time(s.as_bytes()).map(|t| t.epoch);
    assert_eq!(t("19700102Z"), Some(86400));
    assert_eq!(t("197001010001utc"), Some(60));
    assert_eq!(t("20000229"), Some(951_782_400));
    assert_eq!(t("20010229Z"), Some(983_404_800), "Feb 29 of a common year rolls over to Mar 1");
    assert_eq!(t("2000 101Z"), Some(946_684_800), "strptime skips blanks before a number");
    assert_eq!(t("20001301"), None);
    assert_eq!(t("20000100"), None);
    assert_eq!(t("200001011260"), None);
    assert_eq!(t("20000101125961"), Some(946_731_601), "seconds up to 61");
    assert_eq!(t("2000010a"), None);
    assert_eq!(t("Z"), None);
}

#[test]
fn inet_aton_forms() {
    assert_eq!(inet_aton(b"10.1.2.3"), Some(0x0a01_0203));
    assert_eq!(inet_aton(b"10"), Some(10));
    assert_eq!(inet_aton(b"10.1"), Some(0x0a00_0001));
    assert_eq!(inet_aton(b"0x0a.010.0.1"), Some(0x0a08_0001));
    assert_eq!(inet_aton(b"1.2.3.4.5"), None);
    assert_eq!(inet_aton(b"256.1.1.1"), None);
    assert_eq!(inet_aton(b"09"), None);
    assert_eq!(inet_aton(b"1.2.3."), None);
}

#[test]
fn huge_line_is_refused_without_decoding() {
    // Data that would decode past sshd's buffer is refused from the counting pass (the real limit,
    // 128 MiB, is scaled down here).
    let blob = vec![b'A'; 4096];
    assert!(b64_decode_limited(&blob, 3071).is_err_and(|e| e.contains("over sshd's limit")));
    assert!(b64_decode_limited(&blob, 3072).is_ok());
}

#[test]
fn only_options_file() {
    let ast = parse(b"restrict\ncommand=\"x\",no-pty\nfrom=\"*\"\n");
    assert_eq!(ast.lines.len(), 3);
    assert!(ast.lines.iter().all(|e| e.key.is_none() && e.problems.len() == 1));
}
