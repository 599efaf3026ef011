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

// ---------------------------------------------------------------------------------------------
// Grammar elements, one test per parser

/// `(rest, output)` of a parser that must succeed.
fn ok<'a, O>(parsed: Res<'a, O>) -> (&'a [u8], O) {
    parsed.unwrap_or_else(|e| panic!("parser failed: {e:?}"))
}

#[test]
fn raw_line_keeps_its_newline_and_stops_at_the_end() {
    assert_eq!(ok(raw_line(b"ab\ncd")), (&b"cd"[..], &b"ab\n"[..]));
    assert_eq!(ok(raw_line(b"\n")), (&b""[..], &b"\n"[..]));
    assert_eq!(ok(raw_line(b"last")), (&b""[..], &b"last"[..]));
    assert!(raw_line(b"").is_err());
}

#[test]
fn c_string_ends_at_nul() {
    assert_eq!(ok(c_string(b"ab\0cd\n")).1, b"ab");
    assert_eq!(ok(c_string(b"ab\n")).1, b"ab\n");
    assert_eq!(ok(c_string(b"\0")).1, b"");
}

#[test]
fn blanks_are_spaces_and_tabs_only() {
    assert_eq!(ok(blanks(b" \t x")), (&b"x"[..], &b" \t "[..]));
    assert_eq!(ok(blanks(b"\rx")).1, b"");
    assert_eq!(skip_blanks(b"a  b", 1), 3);
    assert_eq!(skip_blanks(b"a", 5), 5);
}

#[test]
fn blank_ahead_is_not_consumed() {
    assert_eq!(ok(blank_ahead(b"\tx")), (&b"\tx"[..], '\t'));
    assert!(blank_ahead(b"x").is_err());
    assert!(blank_ahead(b"").is_err());
    assert!(blank_ahead(b"\r").is_err());
}

#[test]
fn word_runs_to_a_blank() {
    assert_eq!(ok(word(b"ssh-rsa AAAA")), (&b" AAAA"[..], &b"ssh-rsa"[..]));
    assert_eq!(ok(word(b"a\r\n")).1, b"a\r\n");
    assert_eq!(ok(word(b" x")).1, b"");
}

#[test]
fn ignored_line_is_a_comment_or_white_space() {
    for line in [&b""[..], b"\n", b"  \t\n", b"\r\n", b" \x0b\x0c\r\n", b"# x\n", b"\t#"] {
        assert!(ignored_line(line).is_ok(), "{line:?}");
    }
    for line in [&b"x\n"[..], b" ssh-rsa\n", b" \r x"] {
        assert!(ignored_line(line).is_err(), "{line:?}");
    }
}

#[test]
fn options_field_steps_over_quotes() {
    let field = |s: &[u8]| options_field(s).ok().map(|(_, f)| String::from_utf8_lossy(f).into_owned());
    assert_eq!(field(b"restrict,pty ssh-rsa").as_deref(), Some("restrict,pty"));
    assert_eq!(field(b"command=\"a b\" key").as_deref(), Some("command=\"a b\""));
    assert_eq!(field(b"command=\"a \\\" b\" key").as_deref(), Some("command=\"a \\\" b\""));
    // `\"` outside quotes neither opens a quote nor lets a blank in.
    assert_eq!(field(b"from=\\\"a b\\\" key").as_deref(), Some("from=\\\"a"));
    assert_eq!(field(b"a\\b\tc").as_deref(), Some("a\\b"));
    assert_eq!(field(b"\"\"x y").as_deref(), Some("\"\"x"));
    assert_eq!(field(b"x\n").as_deref(), Some("x\n"));
    // An open quote at the end of the line is a failure, not a shorter field.
    assert!(matches!(options_field(b"command=\"ls key\n"), Err(nom::Err::Failure(_))));
    assert!(matches!(options_field(b"a=\"x\\\""), Err(nom::Err::Failure(_))));
}

#[test]
fn quoted_run_needs_its_closing_quote() {
    assert_eq!(ok(quoted_run(b"\"a b\"c")), (&b"c"[..], &b"\"a b\""[..]));
    assert_eq!(ok(quoted_run(b"\"\\\"\"")).1, b"\"\\\"\"");
    assert!(matches!(quoted_run(b"x"), Err(nom::Err::Error(_))));
    assert!(matches!(quoted_run(b"\"abc"), Err(nom::Err::Failure(_))));
}

#[test]
fn quoted_piece_kinds() {
    assert_eq!(ok(quoted_piece(b"\\\"x")).1, b"\\\"");
    assert_eq!(ok(quoted_piece(b"\\x")).1, b"\\");
    assert_eq!(ok(quoted_piece(b"ab c\\\"")).1, b"ab c");
    assert!(quoted_piece(b"\"").is_err());
    assert!(quoted_piece(b"").is_err());
}

#[test]
fn key_type_needs_a_blank_after_it() {
    assert_eq!(ok(key_type(b"ssh-rsa\tAAAA")), (&b"\tAAAA"[..], &b"ssh-rsa"[..]));
    assert!(key_type(b"ssh-rsa").is_err());
    assert!(key_type(b"ssh-rsa\n").is_err());
}

#[test]
fn key_data_needs_something_after_the_blanks() {
    assert_eq!(ok(key_data(b" \tAAAA= c")), (&b" c"[..], &b"AAAA="[..]));
    assert_eq!(ok(key_data(b" AAAA\r\n")).1, b"AAAA\r\n");
    assert!(key_data(b"   ").is_err());
    assert!(key_data(b"").is_err());
}

#[test]
fn flag_option_prefixes_and_negation() {
    assert_eq!(ok(flag_option(b"restrict,")), (&b","[..], OptionKind::Restrict));
    assert_eq!(ok(flag_option(b"Cert-Authority")).1, OptionKind::CertAuthority);
    assert_eq!(ok(flag_option(b"NO-PTY")).1, OptionKind::Flag { flag: Flag::Pty, allow: false });
    assert_eq!(ok(flag_option(b"x11-forwarding")).1, OptionKind::Flag { flag: Flag::X11Forwarding, allow: true });
    // A prefix match: what follows is the separator's business.
    assert_eq!(ok(flag_option(b"ptyx")), (&b"x"[..], OptionKind::Flag { flag: Flag::Pty, allow: true }));
    assert!(flag_option(b"no-restrict").is_err());
    assert!(flag_option(b"no-cert-authority").is_err());
    assert!(flag_option(b"command=\"x\"").is_err());
}

#[test]
fn permission_takes_no_prefix() {
    let mut p = permission("user-rc", Flag::UserRc);
    assert_eq!(
        p.parse(&b"no-USER-RC"[..]).ok().map(|(_, k)| k),
        Some(OptionKind::Flag { flag: Flag::UserRc, allow: false })
    );
    assert_eq!(
        p.parse(&b"user-rc"[..]).ok().map(|(_, k)| k),
        Some(OptionKind::Flag { flag: Flag::UserRc, allow: true })
    );
    assert!(p.parse(&b"no-pty"[..]).is_err());
}

#[test]
fn valued_option_name_needs_the_equals_sign() {
    assert_eq!(ok(valued_option_name(b"Command=\"x\"")), (&b"\"x\""[..], Valued::Command));
    assert_eq!(ok(valued_option_name(b"permitlisten=")).1, Valued::PermitListen);
    assert_eq!(ok(valued_option_name(b"expiry-time=")).1, Valued::ExpiryTime);
    assert!(valued_option_name(b"command \"x\"").is_err());
    assert!(valued_option_name(b"commands=\"x\"").is_err());
    assert_eq!(Valued::Tunnel.name(), "tunnel");
}

#[test]
fn quoted_value_unescapes_and_cuts() {
    assert_eq!(ok(quoted_value(b"\"echo \\\"hi\\\"\",x")), (&b",x"[..], b"echo \"hi\"".to_vec()));
    assert_eq!(ok(quoted_value(b"\"a\\b\"")).1, b"a\\b".to_vec());
    assert_eq!(ok(quoted_value(b"\"\"")).1, Vec::<u8>::new());
    assert!(matches!(quoted_value(b"ls"), Err(nom::Err::Error(_))), "no opening quote");
    assert!(matches!(quoted_value(b"\"ls"), Err(nom::Err::Failure(_))), "no closing quote");
    assert!(matches!(quoted_value(b"\"ls\\\""), Err(nom::Err::Failure(_))), "escaped quote does not close");
}

#[test]
fn field_end_is_a_blank_or_the_end() {
    assert!(field_end(b"").is_ok());
    assert_eq!(ok(field_end(b" key")).0, b" key");
    assert!(field_end(b"\tkey").is_ok());
    assert!(field_end(b",").is_err());
    assert!(field_end(b"\n").is_err());
}

#[test]
fn option_separator_comma_or_end() {
    assert_eq!(ok(option_separator(b",pty")), (&b"pty"[..], Separator::Comma));
    assert_eq!(ok(option_separator(b",")), (&b""[..], Separator::Comma));
    assert_eq!(ok(option_separator(b" key")), (&b" key"[..], Separator::End));
    assert_eq!(ok(option_separator(b"")).1, Separator::End);
    assert!(option_separator(b"x").is_err());
    assert!(option_separator(b"=\"x\"").is_err());
}

#[test]
fn option_word_for_error_spans() {
    assert_eq!(ok(option_word(b"bogus,pty")).1, b"bogus");
    assert_eq!(ok(option_word(b"command=\"a b\"")).1, b"command=\"a");
    assert_eq!(ok(option_word(b"x\r\n")).1, b"x");
    assert_eq!(word_end(b"ab,c", 0), 2);
    assert_eq!(word_end(b",c", 0), 1, "at least one byte");
    assert_eq!(word_end(b"ab", 2), 2, "never past the text");
}

#[test]
fn valued_option_checks_values() {
    let mut seen = Seen::default();
    let kind = |name, value: &[u8], seen: &mut Seen| valued_option(name, value, &[], seen);
    assert_eq!(kind(Valued::Command, b"ls", &mut seen), Ok(OptionKind::Command("ls".into())));
    assert_eq!(kind(Valued::PermitListen, b"2222", &mut seen), Ok(OptionKind::PermitListen("*:2222".into())));
    assert_eq!(kind(Valued::PermitListen, b"h:22", &mut seen), Ok(OptionKind::PermitListen("h:22".into())));
    assert_eq!(seen.permitlisten, 2);
    assert_eq!(kind(Valued::Tunnel, b"any", &mut seen), Ok(OptionKind::Tunnel(None)));
    assert!(kind(Valued::ExpiryTime, b"19700101", &mut seen).is_err(), "epoch 0 is refused");
    assert_eq!(
        kind(Valued::Environment, b"A=b=c", &mut seen),
        Ok(OptionKind::Environment { name: "A".into(), value: "b=c".into() })
    );
    assert_eq!(seen.env_names, vec![b"A".to_vec()]);
    let earlier = [KeyOption { span: Span::default(), value_span: None, kind: OptionKind::From(Vec::new()) }];
    let second = valued_option(Valued::From, b"*", &earlier, &mut seen);
    assert!(second.is_err_and(|m| m.starts_with("second `from=`")));
}

#[test]
fn env_assignment_splits_at_the_first_equals() {
    assert_eq!(ok(env_assignment(b"A=b=c")).1, (&b"A"[..], &b"b=c"[..]));
    assert_eq!(ok(env_assignment(b"=x")).1, (&b""[..], &b"x"[..]));
    assert!(env_assignment(b"NOEQUALS").is_err());
}

#[test]
fn env_name_letters_digits_underscore() {
    assert_eq!(ok(env_name(b"A_1-x")), (&b"-x"[..], &b"A_1"[..]));
    assert!(env_name(b"-x").is_err());
    assert!(env_name(b"").is_err());
}

#[test]
fn aton_part_bases() {
    assert_eq!(ok(aton_part(b"10.")), (&b"."[..], 10));
    assert_eq!(ok(aton_part(b"0x1F")).1, 31);
    assert_eq!(ok(aton_part(b"0X")).1, 0);
    assert_eq!(ok(aton_part(b"010")).1, 8);
    assert_eq!(ok(aton_part(b"09")), (&b"9"[..], 0), "octal stops at 9, which then fails the address");
    assert_eq!(ok(aton_part(b"4294967295")).1, 4_294_967_295);
    assert!(aton_part(b"4294967296").is_err());
    assert!(aton_part(b"x1").is_err());
}

#[test]
fn aton_parts_whole_text() {
    assert_eq!(ok(aton_parts(b"1.2.3.4.5")).1, vec![1, 2, 3, 4, 5]);
    assert!(aton_parts(b"1.2.").is_err());
    assert!(aton_parts(b"").is_err());
    assert!(aton_parts(b"1 ").is_err());
}

#[test]
fn permit_host_forms() {
    assert_eq!(ok(permit_host(b"host:22")), (&b":22"[..], &b"host"[..]));
    assert_eq!(ok(permit_host(b"h/22")).1, b"h");
    assert_eq!(ok(permit_host(b"[::1]:22")), (&b":22"[..], &b"[::1]"[..]));
    assert_eq!(ok(permit_host(b"[::1]")).1, b"[::1]");
    assert_eq!(ok(permit_host(b"host")).1, b"host");
    assert!(matches!(permit_host(b"[::1"), Err(nom::Err::Failure(_))));
    assert!(matches!(permit_host(b"[::1]x:22"), Err(nom::Err::Failure(_))));
}

#[test]
fn permit_port_after_the_delimiter() {
    assert_eq!(ok(permit_port(b":22")).1, Some(&b"22"[..]));
    assert_eq!(ok(permit_port(b"/*")).1, Some(&b"*"[..]));
    assert_eq!(ok(permit_port(b":")).1, Some(&b""[..]));
    assert_eq!(ok(permit_port(b"")).1, None);
}

#[test]
fn check_permit_ports() {
    assert_eq!(check_permit(b"host:22"), Ok(()));
    assert_eq!(check_permit(b"[::1]:ssh"), Ok(()));
    assert_eq!(check_permit(b"h/*"), Ok(()));
    assert_eq!(check_permit(b"host:0"), Err("invalid permission port"));
    assert_eq!(check_permit(b"host"), Err("invalid permission port"));
    assert_eq!(check_permit(b"[::1"), Err("invalid permission hostname"));
    let long = format!("{}:22", "h".repeat(NI_MAXHOST));
    assert_eq!(check_permit(long.as_bytes()), Err("invalid permission hostname"));
}

#[test]
fn decimal_as_strtoll_reads_it() {
    assert_eq!(ok(decimal(b" \t+7")).1, (Some('+'), &b"7"[..]));
    assert_eq!(ok(decimal(b"-12")).1, (Some('-'), &b"12"[..]));
    assert!(decimal(b"7 ").is_err());
    assert!(decimal(b"+").is_err());
    assert!(decimal(b"0x10").is_err());
    assert_eq!(strtonum(b"  +7", 0, 10), Some(7));
    assert_eq!(strtonum(b"-1", 0, 10), None);
    assert_eq!(strtonum(b"99999999999999999999999", 0, i64::MAX), None);
    assert_eq!(a2port(b"ssh"), Some(22));
    assert_eq!(a2tun(b"AnY"), Some(None));
}

#[test]
fn absolute_time_fields_and_zone() {
    let fields = |s: &[u8]| absolute_time(s).ok().map(|(_, f)| (f.0, f.1, f.2.is_some()));
    assert_eq!(fields(b"20300101"), Some(((2030, 1, 1), None, false)));
    assert_eq!(fields(b"203001010203utc"), Some(((2030, 1, 1), Some((2, 3, None)), true)));
    assert_eq!(fields(b"20300101020304Z"), Some(((2030, 1, 1), Some((2, 3, Some(4))), true)));
    assert_eq!(fields(b"2030010102"), None, "10 characters");
    assert_eq!(fields(b"20300101Zutc"), None);
    assert_eq!(fields(b"20300101 Z"), None);
}

#[test]
fn time_field_reads_a_whole_fixed_width_number() {
    let mut month = time_field(2, 1, 12);
    assert_eq!(month.parse(&b"12x"[..]).ok(), Some((&b"x"[..], 12)));
    assert_eq!(month.parse(&b" 9"[..]).ok().map(|(_, v)| v), Some(9));
    assert!(month.parse(&b"13"[..]).is_err());
    assert!(month.parse(&b"00"[..]).is_err());
    assert!(month.parse(&b"9 "[..]).is_err(), "the field must be used up");
    assert!(month.parse(&b"1"[..]).is_err(), "too short");
}

#[test]
fn from_patterns_split_and_negate() {
    let p = from_patterns("a,!b,,");
    let got: Vec<(bool, &str)> = p.iter().map(|f| (f.negated, f.pattern.as_str())).collect();
    assert_eq!(got, vec![(false, "a"), (true, "b"), (false, ""), (false, "")]);
}

#[test]
fn random_input_never_panics() {
    // Bytes that matter to the grammar, and key material, in random order and length.
    let pieces: &[&[u8]] = &[
        b" ",
        b"\t",
        b"\n",
        b"\r",
        b"\0",
        b"\"",
        b"\\",
        b",",
        b"=",
        b"#",
        b"\xff",
        b"no-",
        b"command=",
        b"from=\"",
        b"permitopen=\"[",
        b"]:",
        b"expiry-time=\"2030",
        b"environment=\"",
        b"tunnel=\"",
        b"ssh-ed25519",
        b"ssh-rsa",
        b"ecdsa-sha2-nistp521",
        b"AAAA",
        b"==",
        b"1.2.3.4/",
        b"restrict",
    ];
    let blobs: Vec<&str> = [ED25519, ECDSA256, ECDSA521, CERT, RSA2048].iter().map(|k| blob_of(k)).collect();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for _ in 0..3000 {
        let mut input = Vec::new();
        for _ in 0..next(24) {
            match next(10) {
                0 => {
                    let b = blobs[next(blobs.len())].as_bytes();
                    let cut = next(b.len() + 1);
                    input.extend(&b[..cut]);
                }
                1 => input.push(next(256) as u8),
                _ => input.extend(pieces[next(pieces.len())]),
            }
        }
        let ast = parse(&input);
        for e in &ast.lines {
            let all = [Some(e.span), e.options_span, e.comment].into_iter().flatten();
            let all = all.chain(e.problems.iter().map(|p| p.span)).chain(e.options.iter().map(|o| o.span));
            for span in all {
                assert!(span.start <= span.end && span.end as usize <= input.len(), "{input:?}: {span:?}");
            }
        }
    }
}
