//! authorized_keys reading exactly as sshd 9.2 does it (auth2-pubkeyfile.c
//! `auth_check_authkeys_file`/`auth_check_authkey_line`, authfile.c
//! `sshkey_advance_past_options`, auth-options.c `sshauthopt_parse`, sshkey.c `sshkey_read`,
//! misc.c). Turns bytes into [`AuthorizedKeys`]; it judges nothing beyond what sshd refuses.
//!
//! Facts this module models (OpenSSH 9.2p1):
//! - Lines come from getline() with no length limit; each is then a C string, so a NUL byte ends
//!   the line's text (the rest up to `\n` is never seen) and the `\n` stays part of the text.
//! - Leading spaces and tabs are skipped; empty lines and lines starting `#` are ignored.
//! - sshd first reads a key at the start of the line; only if that fails does it skip an options
//!   field (up to the first space or tab outside double quotes, `\"` escaping a quote) and read a
//!   key after it. Options are parsed only once a key was read, and any error in them makes sshd
//!   skip the line.
//! - A key is `type base64 [comment]`: the type name must be exact (case-sensitive), the base64
//!   runs to the next space or tab and is decoded by `b64_pton` (other white space inside it is
//!   skipped, padding is required, leftover bits must be zero), the decoded blob must parse
//!   completely and name the same key type as the line. Decoded data over 128 MiB does not fit
//!   an sshbuf.
//! - The written comment, and anything after the key data, is never looked at by sshd.
//!
//! The grammar is nom 8 over `&[u8]`, one small named parser per element (a line, blanks, a
//! word, the key's type and data, the options field and its quoted stretches, a flag, a valued
//! option's name and quoted value, the separator after an option, and the value grammars:
//! `strtonum` numbers, `hpdelim2`'s host and port, `inet_aton` parts, `expiry-time` fields).
//! Each line's text is cut at its first NUL before any parser sees it, so the end of the input is
//! the C string's terminator. What sshd does when a part is missing (which message, which span)
//! and the checks on values (duplicates, counts, ranges) are plain code around the parsers, as
//! are the things that are not grammars: `b64_pton`, the SSH wire format of key blobs and the
//! curve arithmetic.

use crate::ast::authorized_keys::{
    AuthorizedKeys, Curve, Entry, ExpiryTime, Flag, FromPattern, KeyKind, KeyOption, OptionKind, Problem, ProblemKind,
    PublicKey,
};
use crate::source::Span;
use nom::{
    IResult, Offset, Parser,
    branch::alt,
    bytes::complete::{tag, tag_no_case, take, take_till, take_till1, take_while},
    character::complete::{char, digit1, hex_digit0, oct_digit0, one_of},
    combinator::{all_consuming, cut, eof, map, map_opt, opt, peek, recognize, rest, value, verify},
    error::context,
    multi::{fold_many0, many0_count, separated_list1},
    sequence::{preceded, separated_pair, terminated},
};

/// sshbuf's hard size limit (`SSHBUF_SIZE_MAX`): a key blob that decodes to more is refused.
pub const MAX_BLOB: usize = 0x800_0000;
/// Largest accepted bignum, in bytes (`SSHBUF_MAX_BIGNUM`, 16384 bits).
const MAX_BIGNUM: usize = 16384 / 8;
/// Largest accepted EC point, in bytes (`SSHBUF_MAX_ECPOINT`).
const MAX_ECPOINT: usize = (528 * 2 / 8) + 1;
/// `SSH_RSA_MINIMUM_MODULUS_SIZE`.
const RSA_MIN_BITS: u32 = 1024;
/// `SSHKEY_CERT_MAX_PRINCIPALS`.
const CERT_MAX_PRINCIPALS: usize = 256;
/// `SSH_AUTHOPT_ENV_MAX` and `SSH_AUTHOPT_PERMIT_MAX`.
const ENV_MAX: usize = 1024;
const PERMIT_MAX: usize = 4096;
/// `SSH_TUNID_MAX`.
const TUNID_MAX: i64 = 0x7fff_fffd;
/// `NI_MAXHOST`.
const NI_MAXHOST: usize = 1025;

const SKIPS: &str = "sshd skips this line";
const REFUSES: &str = "sshd refuses this key at login";

/// What the parsers here return.
type Res<'a, O> = IResult<&'a [u8], O>;

/// Read a whole authorized_keys file.
pub fn parse(bytes: &[u8]) -> AuthorizedKeys {
    let mut lines = Vec::new();
    let mut rest = bytes;
    let mut number = 0u32;
    while let Ok((next, raw)) = raw_line(rest) {
        number = number.saturating_add(1);
        let start = bytes.offset(raw);
        let end = start + raw.strip_suffix(b"\n").unwrap_or(raw).len();
        let text = c_string(raw).map_or(raw, |(_, text)| text);
        if let Some(entry) = parse_line(text, start, end, number) {
            lines.push(entry);
        }
        rest = next;
    }
    AuthorizedKeys { lines }
}

/// One line as getline() returns it: through its `\n`, or the rest of the file; fails only at
/// the end of the file.
fn raw_line(input: &[u8]) -> Res<'_, &[u8]> {
    context("line", alt((recognize((take_till(|b| b == b'\n'), char('\n'))), verify(rest, |r: &[u8]| !r.is_empty()))))
        .parse(input)
}

/// The C string sshd works on: the bytes before the first NUL (with the `\n`, if no NUL comes
/// first).
fn c_string(input: &[u8]) -> Res<'_, &[u8]> {
    context("C string", take_till(|b| b == 0)).parse(input)
}

/// The byte at `i` of a C string, `0` past its end.
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// C `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `skip_space`: spaces and tabs (possibly none).
fn blanks(input: &[u8]) -> Res<'_, &[u8]> {
    context("blanks", take_while(is_blank)).parse(input)
}

/// One space or tab, not consumed: what ends a word.
fn blank_ahead(input: &[u8]) -> Res<'_, char> {
    context("blank", peek(one_of(" \t"))).parse(input)
}

/// A word as `strcspn(s, " \t")` measures it: up to the next space or tab (possibly empty).
fn word(input: &[u8]) -> Res<'_, &[u8]> {
    context("word", take_till(is_blank)).parse(input)
}

/// `s` from offset `i`, empty at its end when `i` is past it: always a subslice of `s`, so the
/// offsets of what parsers return stay relative to `s`.
fn tail(s: &[u8], i: usize) -> &[u8] {
    s.get(i.min(s.len())..).unwrap_or_default()
}

/// The offset in `s` after the blanks at `i`.
fn skip_blanks(s: &[u8], i: usize) -> usize {
    s.get(i..).and_then(|from| blanks(from).ok()).map_or(i, |(after, _)| s.offset(after))
}

/// A line sshd ignores: `#` after the blanks, or nothing but white space (an empty line, or a
/// CRLF file's blank line, which sshd tries and finds nothing in).
fn ignored_line(input: &[u8]) -> Res<'_, &[u8]> {
    context("comment or blank line", preceded(blanks, alt((tag("#"), all_consuming(take_while(is_space))))))
        .parse(input)
}

/// Offsets `start..end` of `text` (which starts at file offset `base`) without a trailing
/// `\r`/`\n`, as a file span.
fn span_trimmed(text: &[u8], base: usize, start: usize, mut end: usize) -> Span {
    while end > start && matches!(at(text, end - 1), b'\n' | b'\r') {
        end -= 1;
    }
    Span::new(base + start, base + end)
}

fn show(bytes: &[u8]) -> String {
    let trimmed = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
    let mut s = String::from_utf8_lossy(trimmed).into_owned();
    if s.chars().count() > 40 {
        s = s.chars().take(40).collect::<String>() + "…";
    }
    s
}

/// One line: `text` is what sshd sees (C string, `\n` kept), `base` its file offset, `end` the
/// offset of the line's `\n` (or end of file).
fn parse_line(text: &[u8], base: usize, end: usize, number: u32) -> Option<Entry> {
    if ignored_line(text).is_ok() {
        return None;
    }
    let cp = skip_blanks(text, 0);
    let mut entry = Entry {
        number,
        span: Span::new(base, end),
        options_span: None,
        options: Vec::new(),
        key: None,
        comment: None,
        problems: Vec::new(),
    };
    let first = match read_key(text, base, cp) {
        Ok(read) => {
            finish_key(&mut entry, text, base, read);
            return Some(entry);
        }
        Err(e) => e,
    };
    let Ok((_, field)) = options_field(tail(text, cp)) else {
        entry.problems.push(if first.not_a_type {
            Problem {
                span: span_trimmed(text, base, cp, text.len()),
                message: format!("unterminated quote in the options: {SKIPS}"),
                kind: ProblemKind::Key,
            }
        } else {
            first.into_problem(base)
        });
        return Some(entry);
    };
    let options_end = cp + field.len();
    entry.options_span = Some(Span::new(base + cp, base + options_end));
    let key_at = skip_blanks(text, options_end);
    let read = match read_key(text, base, key_at) {
        Ok(read) => read,
        Err(second) => {
            // Name the likelier cause: a broken key at the start, or a broken key after what
            // reads as options, or a first word that is neither options nor a key type.
            let options_text = text.get(..span_trimmed(text, 0, cp, options_end).end as usize).unwrap_or_default();
            let looks_like_options = parse_options(options_text, base, cp).is_ok();
            let problem = if !first.not_a_type || (second.not_a_type && !looks_like_options) {
                first.into_problem(base)
            } else if second.not_a_type && matches!(at(text, key_at), 0 | b'\n' | b'\r') {
                Problem {
                    span: Span::new(base + cp, base + options_end),
                    message: format!("no key after the options: {SKIPS}"),
                    kind: ProblemKind::Key,
                }
            } else {
                second.into_problem(base)
            };
            entry.problems.push(problem);
            return Some(entry);
        }
    };
    finish_key(&mut entry, text, base, read);
    match parse_options(text, base, cp) {
        Ok(options) => {
            check_from(&options, &mut entry.problems);
            entry.options = options;
        }
        Err((options, problem)) => {
            entry.options = options;
            entry.problems.push(problem);
        }
    }
    Some(entry)
}

fn finish_key(entry: &mut Entry, text: &[u8], base: usize, read: KeyRead) {
    let comment = span_trimmed(text, base, read.comment_at, text.len());
    entry.comment = (!comment.is_empty()).then_some(comment);
    entry.key = Some(read.key);
}

/// `sshkey_advance_past_options`: the options field, up to the first space or tab outside double
/// quotes (`\"` is stepped over as a pair wherever it stands, so it neither opens nor closes a
/// quote). Fails (cut) at a quote left open at the end of the line.
fn options_field(input: &[u8]) -> Res<'_, &[u8]> {
    context(
        "options field",
        recognize(many0_count(alt((
            tag("\\\""),
            quoted_run,
            take_till1(|b| is_blank(b) || b == b'"' || b == b'\\'),
            tag("\\"),
        )))),
    )
    .parse(input)
}

/// A double-quoted stretch of the options field, quotes included: spaces and tabs inside it do
/// not end the field. Once the quote opens, the closing one is required.
fn quoted_run(input: &[u8]) -> Res<'_, &[u8]> {
    context("quoted run", recognize(preceded(char('"'), cut(terminated(many0_count(quoted_piece), char('"'))))))
        .parse(input)
}

/// One piece of text inside double quotes: `\"`, a lone `\`, or a run of other bytes.
fn quoted_piece(input: &[u8]) -> Res<'_, &[u8]> {
    context("quoted text", alt((tag("\\\""), take_till1(|b| b == b'"' || b == b'\\'), tag("\\")))).parse(input)
}

// ---------------------------------------------------------------------------------------------
// Keys

/// The key types sshd 9.2 knows, in sshkey.c's `keyimpls` order (which decides name lookups).
struct Impl {
    name: &'static str,
    short: &'static str,
    kind: KeyKind,
    cert: bool,
    curve: Option<Curve>,
}

const fn imp(name: &'static str, short: &'static str, kind: KeyKind, cert: bool, curve: Option<Curve>) -> Impl {
    Impl { name, short, kind, cert, curve }
}

const IMPLS: &[Impl] = &[
    imp("ssh-ed25519", "ED25519", KeyKind::Ed25519, false, None),
    imp("ssh-ed25519-cert-v01@openssh.com", "ED25519-CERT", KeyKind::Ed25519, true, None),
    imp("sk-ssh-ed25519@openssh.com", "ED25519-SK", KeyKind::Ed25519Sk, false, None),
    imp("sk-ssh-ed25519-cert-v01@openssh.com", "ED25519-SK-CERT", KeyKind::Ed25519Sk, true, None),
    imp("ecdsa-sha2-nistp256", "ECDSA", KeyKind::Ecdsa, false, Some(Curve::P256)),
    imp("ecdsa-sha2-nistp256-cert-v01@openssh.com", "ECDSA-CERT", KeyKind::Ecdsa, true, Some(Curve::P256)),
    imp("ecdsa-sha2-nistp384", "ECDSA", KeyKind::Ecdsa, false, Some(Curve::P384)),
    imp("ecdsa-sha2-nistp384-cert-v01@openssh.com", "ECDSA-CERT", KeyKind::Ecdsa, true, Some(Curve::P384)),
    imp("ecdsa-sha2-nistp521", "ECDSA", KeyKind::Ecdsa, false, Some(Curve::P521)),
    imp("ecdsa-sha2-nistp521-cert-v01@openssh.com", "ECDSA-CERT", KeyKind::Ecdsa, true, Some(Curve::P521)),
    imp("sk-ecdsa-sha2-nistp256@openssh.com", "ECDSA-SK", KeyKind::EcdsaSk, false, Some(Curve::P256)),
    imp("sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "ECDSA-SK-CERT", KeyKind::EcdsaSk, true, Some(Curve::P256)),
    imp("webauthn-sk-ecdsa-sha2-nistp256@openssh.com", "ECDSA-SK", KeyKind::EcdsaSk, false, Some(Curve::P256)),
    imp("ssh-dss", "DSA", KeyKind::Dsa, false, None),
    imp("ssh-dss-cert-v01@openssh.com", "DSA-CERT", KeyKind::Dsa, true, None),
    imp("ssh-rsa", "RSA", KeyKind::Rsa, false, None),
    imp("ssh-rsa-cert-v01@openssh.com", "RSA-CERT", KeyKind::Rsa, true, None),
    imp("rsa-sha2-256", "RSA", KeyKind::Rsa, false, None),
    imp("rsa-sha2-256-cert-v01@openssh.com", "RSA-CERT", KeyKind::Rsa, true, None),
    imp("rsa-sha2-512", "RSA", KeyKind::Rsa, false, None),
    imp("rsa-sha2-512-cert-v01@openssh.com", "RSA-CERT", KeyKind::Rsa, true, None),
];

/// `peek_type_nid`: the exact name written at the start of a key.
fn impl_by_exact_name(name: &[u8]) -> Option<&'static Impl> {
    IMPLS.iter().find(|i| i.name.as_bytes() == name)
}

/// `sshkey_type_from_name`: the name inside a key blob (exact, or a plain type's short name in
/// any case).
fn impl_by_blob_name(name: &[u8]) -> Option<&'static Impl> {
    IMPLS.iter().find(|i| i.name.as_bytes() == name || (!i.cert && i.short.as_bytes().eq_ignore_ascii_case(name)))
}

/// True when `name` is a key type name sshd knows (exact spelling).
pub fn is_key_type(name: &str) -> bool {
    impl_by_exact_name(name.as_bytes()).is_some()
}

struct KeyRead {
    key: PublicKey,
    comment_at: usize,
}

/// Why `sshkey_read` failed, with line offsets.
struct KeyError {
    start: usize,
    end: usize,
    message: String,
    /// The word at the start was not a key type name (the options path may still find a key).
    not_a_type: bool,
    text_end: usize,
}

impl KeyError {
    fn into_problem(self, base: usize) -> Problem {
        let mut end = self.end.min(self.text_end);
        if end < self.start {
            end = self.start;
        }
        Problem { span: Span::new(base + self.start, base + end), message: self.message, kind: ProblemKind::Key }
    }
}

/// The key type word: a word that a space or tab follows (`sshkey_read` gives up on a word that
/// runs to the end of the line, whatever it says).
fn key_type(input: &[u8]) -> Res<'_, &[u8]> {
    context("key type", terminated(word, blank_ahead)).parse(input)
}

/// The base64 key data after the type: blanks, then a word that is not empty (there must be
/// something before the end of the line).
fn key_data(input: &[u8]) -> Res<'_, &[u8]> {
    context("key data", preceded(blanks, verify(word, |w: &[u8]| !w.is_empty()))).parse(input)
}

/// `sshkey_read` with no expected type: `type base64` at `pos`.
fn read_key(s: &[u8], base: usize, pos: usize) -> Result<KeyRead, KeyError> {
    let fail = |start: usize, end: usize, message: String, not_a_type: bool| KeyError {
        start,
        end,
        message,
        not_a_type,
        text_end: s.len(),
    };
    let input = tail(s, pos);
    let Ok((after_type, type_word)) = key_type(input) else {
        // sshd fails here whatever the word; the name (without a line end) only chooses the
        // message.
        let end = span_trimmed(s, 0, pos, s.len()).end as usize;
        let found = impl_by_exact_name(s.get(pos..end).unwrap_or_default());
        let message = match found {
            Some(i) => format!("no key data after `{}`: {SKIPS}", i.name),
            None => format!("`{}` is not a key type: {SKIPS}", show(input)),
        };
        return Err(fail(pos, end, message, found.is_none()));
    };
    let type_end = s.offset(after_type);
    let Some(found) = impl_by_exact_name(type_word) else {
        return Err(fail(pos, type_end, format!("`{}` is not a key type: {SKIPS}", show(type_word)), true));
    };
    let Ok((after_data, blob_text)) = key_data(after_type) else {
        return Err(fail(pos, type_end, format!("no key data after `{}`: {SKIPS}", found.name), false));
    };
    let blob_start = s.offset(blob_text);
    let blob_end = s.offset(after_data);
    let blob_span_end = span_trimmed(s, 0, blob_start, blob_end).end as usize;
    let bad = |message: String| fail(blob_start, blob_span_end, message, false);
    let blob = b64_decode(blob_text).map_err(|e| bad(format!("{e}: {SKIPS}")))?;
    if blob.is_empty() {
        return Err(fail(pos, type_end, format!("no key data after `{}`: {SKIPS}", found.name), false));
    }
    let decoded = from_blob(&blob, true).map_err(|e| bad(format!("{e}: {SKIPS}")))?;
    if decoded.kind != found.kind || decoded.cert != found.cert {
        return Err(bad(format!("key data is a `{}` key but the line says `{}`: {SKIPS}", decoded.name, found.name)));
    }
    if found.curve.is_some() && decoded.curve != found.curve {
        return Err(bad(format!(
            "key data is on curve {} but the line says `{}`: {SKIPS}",
            decoded.curve.map_or(0, Curve::bits),
            found.name
        )));
    }
    let key = PublicKey {
        type_name: found.name.to_string(),
        type_span: Span::new(base + pos, base + type_end),
        blob_span: Span::new(base + blob_start, base + blob_span_end),
        kind: decoded.kind,
        certificate: decoded.cert,
        bits: decoded.bits,
        curve: decoded.curve,
        sk_application: decoded.sk_application,
    };
    Ok(KeyRead { key, comment_at: skip_blanks(s, blob_end) })
}

/// `b64_pton`: white space anywhere before the padding is skipped, padding must be complete,
/// only white space may follow it and the bits left over must be zero. Validates before it
/// allocates, and refuses data that would not fit sshd's buffer.
pub fn b64_decode(text: &[u8]) -> Result<Vec<u8>, String> {
    b64_decode_limited(text, MAX_BLOB)
}

fn b64_decode_limited(text: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let invalid = || "key data is not valid base64".to_string();
    // Pass 1: validate and count.
    let mut digits = 0usize;
    let mut last = 0u32;
    let mut pad_at = None;
    for (i, &c) in text.iter().enumerate() {
        if is_space(c) {
            continue;
        }
        if c == b'=' {
            pad_at = Some(i);
            break;
        }
        last = value(c).ok_or_else(invalid)?;
        digits += 1;
    }
    match pad_at {
        None if !digits.is_multiple_of(4) => return Err(invalid()),
        None => {}
        Some(i) => {
            let rest = text.get(i + 1..).unwrap_or_default();
            let mut rest = rest.iter().copied().filter(|&c| !is_space(c));
            match digits % 4 {
                2 => {
                    if rest.next() != Some(b'=') || rest.next().is_some() || last & 0x0f != 0 {
                        return Err(invalid());
                    }
                }
                3 => {
                    if rest.next().is_some() || last & 0x03 != 0 {
                        return Err(invalid());
                    }
                }
                _ => return Err(invalid()),
            }
        }
    }
    let len = digits / 4 * 3 + (digits % 4).saturating_sub(1);
    if len > limit {
        return Err(format!("key data decodes to {len} bytes, over sshd's limit of {limit}"));
    }
    // Pass 2: decode.
    let mut out = Vec::with_capacity(len);
    let mut acc = 0u32;
    let mut n = 0u32;
    for &c in text {
        if c == b'=' {
            break;
        }
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
            acc &= (1 << n) - 1;
        }
    }
    Ok(out)
}

/// What a key blob holds.
struct Decoded {
    name: &'static str,
    kind: KeyKind,
    cert: bool,
    bits: u32,
    curve: Option<Curve>,
    sk_application: Option<String>,
}

/// A cursor over SSH wire data, failing as sshbuf does.
struct Wire<'a>(&'a [u8]);

const TRUNCATED: &str = "key data is truncated";

impl<'a> Wire<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.0.len() {
            return Err(TRUNCATED.into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([at(b, 0), at(b, 1), at(b, 2), at(b, 3)]))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok((u64::from(self.u32()?) << 32) | u64::from(self.u32()?))
    }
    fn string(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        if n > MAX_BLOB - 4 {
            return Err("key data holds an oversized string".into());
        }
        self.take(n)
    }
    /// `sshbuf_get_cstring`: a NUL is allowed only as the last byte.
    fn cstring(&mut self, what: &str) -> Result<&'a [u8], String> {
        let s = self.string()?;
        match s.iter().position(|&b| b == 0) {
            Some(i) if i + 1 < s.len() => Err(format!("{what} in the key data contains a NUL byte")),
            Some(i) => Ok(s.get(..i).unwrap_or_default()),
            None => Ok(s),
        }
    }
    /// `sshbuf_get_bignum2_bytes_direct`: the magnitude without leading zeros.
    fn bignum(&mut self) -> Result<&'a [u8], String> {
        let s = self.string()?;
        if s.first().is_some_and(|&b| b & 0x80 != 0) {
            return Err("key data holds a negative number".into());
        }
        if s.len() > MAX_BIGNUM + 1 || (s.len() == MAX_BIGNUM + 1 && at(s, 0) != 0) {
            return Err("key data holds a number over 16384 bits".into());
        }
        let zeros = s.iter().take_while(|&&b| b == 0).count();
        Ok(s.get(zeros..).unwrap_or_default())
    }
}

/// `BN_num_bits` of a big-endian magnitude without leading zeros.
fn num_bits(m: &[u8]) -> u32 {
    match m.first() {
        None => 0,
        Some(&top) => (m.len() as u32 - 1).saturating_mul(8).saturating_add(8 - top.leading_zeros()),
    }
}

/// `sshkey_from_blob_internal`: the whole blob must be one key.
fn from_blob(blob: &[u8], allow_cert: bool) -> Result<Decoded, String> {
    let mut w = Wire(blob);
    let ktype = w.cstring("the key type name")?;
    let found = impl_by_blob_name(ktype).ok_or_else(|| format!("key data holds unknown key type `{}`", show(ktype)))?;
    if found.cert && !allow_cert {
        return Err("the certificate's CA key is itself a certificate".into());
    }
    if found.cert {
        w.string()?; // nonce
    }
    let mut decoded =
        Decoded { name: found.name, kind: found.kind, cert: found.cert, bits: 0, curve: None, sk_application: None };
    match found.kind {
        KeyKind::Rsa => {
            let _e = w.bignum()?;
            let n = w.bignum()?;
            decoded.bits = num_bits(n);
            if decoded.bits < RSA_MIN_BITS {
                return Err(format!("RSA key of {} bits, sshd refuses keys under {RSA_MIN_BITS} bits", decoded.bits));
            }
        }
        KeyKind::Dsa => {
            let p = w.bignum()?;
            for _ in 0..3 {
                w.bignum()?;
            }
            decoded.bits = num_bits(p);
        }
        KeyKind::Ecdsa | KeyKind::EcdsaSk => {
            // `sshkey_ecdsa_nid_from_name`: exact names only (not "ECDSA").
            let nid = IMPLS
                .iter()
                .find(|i| i.curve.is_some() && i.name.as_bytes() == ktype)
                .and_then(|i| i.curve)
                .ok_or_else(|| format!("key data names ECDSA as `{}`, which sshd cannot use", show(ktype)))?;
            let curve_name = w.cstring("the curve name")?;
            let curve = match curve_name {
                b"nistp256" => Some(Curve::P256),
                b"nistp384" => Some(Curve::P384),
                b"nistp521" => Some(Curve::P521),
                _ => None,
            };
            if curve != Some(nid) {
                return Err(format!("key data names curve `{}` for a `{}` key", show(curve_name), found.name));
            }
            let point = w.string()?;
            check_ec_point(nid, point)?;
            decoded.curve = Some(nid);
            decoded.bits = nid.bits();
        }
        KeyKind::Ed25519 | KeyKind::Ed25519Sk => {
            let pk = w.string()?;
            if pk.len() != 32 {
                return Err(format!("Ed25519 public key of {} bytes (must be 32)", pk.len()));
            }
            decoded.bits = 256;
        }
    }
    if matches!(found.kind, KeyKind::EcdsaSk | KeyKind::Ed25519Sk) {
        let app = w.cstring("the security key application")?;
        decoded.sk_application = Some(String::from_utf8_lossy(app).into_owned());
    }
    if found.cert {
        cert_body(&mut w)?;
    }
    if !w.0.is_empty() {
        return Err(format!("{} bytes of trailing data after the key", w.0.len()));
    }
    Ok(decoded)
}

/// `cert_parse` up to (not including) the signature check, which sshlint cannot do.
fn cert_body(w: &mut Wire) -> Result<(), String> {
    let bad = |_| "certificate data is truncated".to_string();
    w.u64().map_err(bad)?;
    let cert_type = w.u32().map_err(bad)?;
    w.cstring("the certificate key id").map_err(bad)?;
    let principals = w.string().map_err(bad)?;
    w.u64().map_err(bad)?;
    w.u64().map_err(bad)?;
    let critical = w.string().map_err(bad)?;
    let extensions = w.string().map_err(bad)?;
    w.string().map_err(bad)?; // reserved
    let ca = w.string().map_err(bad)?;
    w.string().map_err(bad)?; // signature
    if cert_type != 1 && cert_type != 2 {
        return Err(format!("certificate of unknown type {cert_type}"));
    }
    let mut p = Wire(principals);
    let mut count = 0usize;
    while !p.0.is_empty() {
        if count >= CERT_MAX_PRINCIPALS {
            return Err(format!("certificate with more than {CERT_MAX_PRINCIPALS} principals"));
        }
        p.cstring("a certificate principal").map_err(|_| "certificate principals are malformed".to_string())?;
        count += 1;
    }
    for section in [critical, extensions] {
        let mut s = Wire(section);
        while !s.0.is_empty() {
            s.string().and_then(|_| s.string()).map_err(|_| "certificate options are malformed".to_string())?;
        }
    }
    from_blob(ca, false).map_err(|e| format!("certificate CA key is invalid ({e})"))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// EC public points (OpenSSL `EC_POINT_oct2point`, sshkey.c `sshkey_ec_validate_public`)

/// An uncompressed point (`0x04 x y`, each coordinate as wide as the field) that is on the curve
/// and within sshd's bounds (`big`).
fn check_ec_point(curve: Curve, point: &[u8]) -> Result<(), String> {
    let invalid = || format!("key data holds an invalid point for curve nistp{}", curve.bits());
    if point.is_empty() || point.len() > MAX_ECPOINT || at(point, 0) != 0x04 {
        return Err(invalid());
    }
    let field_len = (curve.bits() as usize).div_ceil(8);
    if point.len() != 1 + 2 * field_len {
        return Err(invalid());
    }
    let coordinates = point.get(1..).and_then(|xy| xy.split_at_checked(field_len));
    match coordinates {
        Some((x, y)) if big::valid_public_point(curve, x, y) => Ok(()),
        _ => Err(invalid()),
    }
}

// ---------------------------------------------------------------------------------------------
// Options (auth-options.c `sshauthopt_parse`)

/// A flag option (`opt_flag`): the name matched as a prefix, case-insensitively, in sshd's
/// order; the permissions also as `no-name`. What follows the name is the separator's business.
fn flag_option(input: &[u8]) -> Res<'_, OptionKind> {
    context(
        "flag option",
        alt((
            value(OptionKind::Restrict, tag_no_case("restrict")),
            value(OptionKind::CertAuthority, tag_no_case("cert-authority")),
            permission("port-forwarding", Flag::PortForwarding),
            permission("agent-forwarding", Flag::AgentForwarding),
            permission("x11-forwarding", Flag::X11Forwarding),
            permission("touch-required", Flag::TouchRequired),
            permission("verify-required", Flag::VerifyRequired),
            permission("pty", Flag::Pty),
            permission("user-rc", Flag::UserRc),
        )),
    )
    .parse(input)
}

/// `name` (allowed) or `no-name` (denied), case-insensitive.
fn permission<'a>(
    name: &'static str,
    flag: Flag,
) -> impl Parser<&'a [u8], Output = OptionKind, Error = nom::error::Error<&'a [u8]>> {
    map((opt(tag_no_case("no-")), tag_no_case(name)), move |(no, _)| OptionKind::Flag { flag, allow: no.is_none() })
}

/// The options that take a double-quoted value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Valued {
    Command,
    Principals,
    From,
    ExpiryTime,
    Environment,
    PermitOpen,
    PermitListen,
    Tunnel,
}

impl Valued {
    fn name(self) -> &'static str {
        match self {
            Valued::Command => "command",
            Valued::Principals => "principals",
            Valued::From => "from",
            Valued::ExpiryTime => "expiry-time",
            Valued::Environment => "environment",
            Valued::PermitOpen => "permitopen",
            Valued::PermitListen => "permitlisten",
            Valued::Tunnel => "tunnel",
        }
    }
}

/// `name=` of an option that takes a value (`opt_match`: case-insensitive, `=` right after).
fn valued_option_name(input: &[u8]) -> Res<'_, Valued> {
    let named = |v: Valued| value(v, terminated(tag_no_case(v.name()), char('=')));
    context(
        "valued option",
        alt((
            named(Valued::Command),
            named(Valued::Principals),
            named(Valued::From),
            named(Valued::ExpiryTime),
            named(Valued::Environment),
            named(Valued::PermitOpen),
            named(Valued::PermitListen),
            named(Valued::Tunnel),
        )),
    )
    .parse(input)
}

/// `opt_dequote`: a double-quoted value, `\"` standing for `"`. Without the opening quote this is
/// an error; once it is there, a missing closing quote is a failure (cut).
fn quoted_value(input: &[u8]) -> Res<'_, Vec<u8>> {
    let unescape = |mut out: Vec<u8>, piece: &[u8]| {
        out.extend_from_slice(if piece == b"\\\"" { b"\"" } else { piece });
        out
    };
    context(
        "quoted value",
        preceded(char('"'), cut(terminated(fold_many0(quoted_piece, Vec::new, unescape), char('"')))),
    )
    .parse(input)
}

/// The end of the options field, not consumed: a space, a tab or the end of the line.
fn field_end(input: &[u8]) -> Res<'_, ()> {
    context("end of the options", value((), alt((eof, recognize(blank_ahead))))).parse(input)
}

/// What follows an option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Separator {
    /// `,`: another option may follow.
    Comma,
    /// A space, a tab or the end of the line: the options end.
    End,
}

/// The separator after an option (anything else makes the option unknown).
fn option_separator(input: &[u8]) -> Res<'_, Separator> {
    context("option separator", alt((value(Separator::Comma, char(',')), value(Separator::End, field_end))))
        .parse(input)
}

/// An option word as error spans show it: up to the next comma, blank or line end.
fn option_word(input: &[u8]) -> Res<'_, &[u8]> {
    context("option word", take_till(|b| matches!(b, b',' | b' ' | b'\t' | b'\n' | b'\r'))).parse(input)
}

/// The end of the option word at `i` for error spans: at least one byte, within the text.
fn word_end(s: &[u8], i: usize) -> usize {
    let len = option_word(tail(s, i)).map_or(0, |(_, w)| w.len());
    (i + len).max(i + 1).min(s.len())
}

type OptionsResult = Result<Vec<KeyOption>, (Vec<KeyOption>, Problem)>;

/// What `sshauthopt_parse` counts across one line's options.
#[derive(Default)]
struct Seen {
    env_names: Vec<Vec<u8>>,
    permitopen: usize,
    permitlisten: usize,
}

/// `sshauthopt_parse` over the options field at `start`.
fn parse_options(s: &[u8], base: usize, start: usize) -> OptionsResult {
    let mut options: Vec<KeyOption> = Vec::new();
    let mut seen = Seen::default();
    let mut rest = tail(s, start);
    let problem = |from: usize, to: usize, message: String| Problem {
        span: Span::new(base + from, base + to),
        message,
        kind: ProblemKind::Options,
    };
    while field_end(rest).is_err() {
        let opt_start = s.offset(rest);
        if let Ok((after, kind)) = flag_option(rest) {
            options.push(KeyOption {
                span: Span::new(base + opt_start, base + s.offset(after)),
                value_span: None,
                kind,
            });
            rest = after;
        } else if let Ok((value_input, name)) = valued_option_name(rest) {
            let (after, value) = match quoted_value(value_input) {
                Ok(parsed) => parsed,
                Err(nom::Err::Failure(_)) => {
                    let to = span_trimmed(s, 0, opt_start, s.len()).end as usize;
                    let message = format!("`{}=` value has no closing quote: {SKIPS}", name.name());
                    return Err((options, problem(opt_start, to, message)));
                }
                Err(_) => {
                    let message = format!("`{}=` needs a double-quoted value: {SKIPS}", name.name());
                    return Err((options, problem(opt_start, word_end(s, opt_start), message)));
                }
            };
            let end = s.offset(after);
            match valued_option(name, &value, &options, &mut seen) {
                Ok(kind) => options.push(KeyOption {
                    span: Span::new(base + opt_start, base + end),
                    value_span: Some(Span::new(base + s.offset(value_input), base + end)),
                    kind,
                }),
                Err(message) => return Err((options, problem(opt_start, end, message))),
            }
            rest = after;
        }
        match option_separator(rest) {
            Ok((_, Separator::End)) => break,
            // A comma with nothing after it (not even a blank).
            Ok(([], Separator::Comma)) => {
                let comma = s.offset(rest);
                return Err((options, problem(comma, comma + 1, format!("options end with a comma: {SKIPS}"))));
            }
            Ok((after, Separator::Comma)) => rest = after,
            Err(_) => {
                let end = word_end(s, opt_start);
                let word = s.get(opt_start..end).unwrap_or_default();
                return Err((options, problem(opt_start, end, format!("unknown option `{}`: {SKIPS}", show(word)))));
            }
        }
    }
    Ok(options)
}

/// What sshd makes of an option's dequoted value, or why it refuses it (`seen` counts across the
/// line; `options` are the ones before, for duplicates).
fn valued_option(name: Valued, value: &[u8], options: &[KeyOption], seen: &mut Seen) -> Result<OptionKind, String> {
    let text = String::from_utf8_lossy(value).into_owned();
    let has = |pred: fn(&OptionKind) -> bool| options.iter().any(|o| pred(&o.kind));
    let second = || Err(format!("second `{}=` option: {SKIPS}", name.name()));
    Ok(match name {
        Valued::Command if has(|k| matches!(k, OptionKind::Command(_))) => return second(),
        Valued::Command => OptionKind::Command(text),
        Valued::Principals if has(|k| matches!(k, OptionKind::Principals(_))) => return second(),
        Valued::Principals => OptionKind::Principals(text),
        Valued::From if has(|k| matches!(k, OptionKind::From(_))) => return second(),
        Valued::From => OptionKind::From(from_patterns(&text)),
        Valued::ExpiryTime => match parse_absolute_time(value) {
            Some(t) if t.epoch != 0 => OptionKind::ExpiryTime(t),
            _ => return Err(format!("`expiry-time` `{}` is not YYYYMMDD[HHMM[SS]][Z]: {SKIPS}", show(value))),
        },
        Valued::Environment => {
            if seen.env_names.len() > ENV_MAX {
                return Err(format!("more than {ENV_MAX} `environment=` options: {SKIPS}"));
            }
            let Ok((_, (var, val))) = env_assignment(value) else {
                return Err(format!("`environment=` value has no `=`: {SKIPS}"));
            };
            if all_consuming(env_name).parse(var).is_err() {
                return Err(format!("`{}` is not a valid environment variable name: {SKIPS}", show(var)));
            }
            if !seen.env_names.iter().any(|n| n.as_slice() == var) {
                seen.env_names.push(var.to_vec());
            }
            OptionKind::Environment {
                name: String::from_utf8_lossy(var).into_owned(),
                value: String::from_utf8_lossy(val).into_owned(),
            }
        }
        Valued::PermitOpen | Valued::PermitListen => {
            let listen = name == Valued::PermitListen;
            let count = if listen { &mut seen.permitlisten } else { &mut seen.permitopen };
            if *count > PERMIT_MAX {
                return Err(format!("more than {PERMIT_MAX} `{}=` options: {SKIPS}", name.name()));
            }
            let target = if listen && !value.contains(&b':') { format!("*:{text}") } else { text };
            if let Err(why) = check_permit(target.as_bytes()) {
                return Err(format!("`{}=\"{}\"`: {why}: {SKIPS}", name.name(), show(value)));
            }
            *count += 1;
            if listen { OptionKind::PermitListen(target) } else { OptionKind::PermitOpen(target) }
        }
        Valued::Tunnel => match a2tun(value) {
            Some(t) => OptionKind::Tunnel(t),
            None => return Err(format!("`tunnel=` `{}` is not a device number or `any`: {SKIPS}", show(value))),
        },
    })
}

/// `environment="NAME=value"`: the name before the first `=` and the value after it.
fn env_assignment(input: &[u8]) -> Res<'_, (&[u8], &[u8])> {
    context("environment assignment", separated_pair(take_till(|b| b == b'='), char('='), rest)).parse(input)
}

/// A variable name sshd accepts: letters, digits and `_`.
fn env_name(input: &[u8]) -> Res<'_, &[u8]> {
    context("environment variable name", take_till1(|b: u8| !(b.is_ascii_alphanumeric() || b == b'_'))).parse(input)
}

fn from_patterns(list: &str) -> Vec<FromPattern> {
    list.split(',')
        .map(|p| match p.strip_prefix('!') {
            Some(rest) => FromPattern { negated: true, pattern: rest.to_string() },
            None => FromPattern { negated: false, pattern: p.to_string() },
        })
        .collect()
}

/// `addr_match_list` errors: an empty entry, or an address/mask sshd refuses (mask too long,
/// host bits set). sshd only finds these when the key matches at login, and then refuses the key
/// (`match_host_and_ip` returns -1) unless a negated entry earlier in the list matched first.
fn check_from(options: &[KeyOption], problems: &mut Vec<Problem>) {
    for option in options {
        let OptionKind::From(patterns) = &option.kind else { continue };
        let span = option.value_span.unwrap_or(option.span);
        for p in patterns {
            let why = if p.pattern.is_empty() {
                Some("an empty entry".to_string())
            } else {
                cidr_error(&p.pattern).map(|e| format!("`{}` {e}", p.pattern))
            };
            if let Some(why) = why {
                problems.push(Problem {
                    span,
                    message: format!("`from=` list has {why}: {REFUSES}"),
                    kind: ProblemKind::Refused,
                });
                return;
            }
        }
    }
}

/// `addr_pton_cidr` returning -2: a parsable address whose mask is too long or leaves host bits.
fn cidr_error(pattern: &str) -> Option<&'static str> {
    if pattern.len() >= 64 {
        return None;
    }
    let (addr, mask) = match pattern.split_once('/') {
        Some((a, m)) => {
            if !m.bytes().next().is_some_and(|b| b.is_ascii_digit()) || !m.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let len: u32 = m.parse().unwrap_or(u32::MAX);
            if len > 128 {
                return None;
            }
            (a, Some(len))
        }
        None => (pattern, None),
    };
    let (value, width): (u128, u32) = if let Some(v4) = inet_aton(addr.as_bytes()) {
        (u128::from(v4), 32)
    } else {
        let plain = addr.split_once('%').map_or(addr, |(a, _)| a);
        let v6: std::net::Ipv6Addr = plain.parse().ok()?;
        (u128::from(v6), 128)
    };
    let mask = mask.unwrap_or(width);
    if mask > width {
        return Some("has a mask longer than the address");
    }
    let host_bits = width - mask;
    let host_mask = if host_bits == 0 { 0 } else { u128::MAX >> (128 - host_bits) };
    if value & host_mask != 0 {
        return Some("has bits set outside its mask");
    }
    None
}

/// glibc `inet_aton_exact` (what getaddrinfo(AI_NUMERICHOST) uses for IPv4): one to four parts,
/// the last part filling the remaining bytes.
fn inet_aton(s: &[u8]) -> Option<u32> {
    let (_, parts) = aton_parts(s).ok()?;
    let (last, head) = parts.split_last()?;
    let limit = match head.len() {
        0 => u64::from(u32::MAX),
        1 => 0xff_ffff,
        2 => 0xffff,
        3 => 0xff,
        _ => return None,
    };
    if *last > limit || head.iter().any(|&p| p > 0xff) {
        return None;
    }
    let mut value = *last;
    for (k, &p) in head.iter().enumerate() {
        value |= p << (24 - 8 * k);
    }
    u32::try_from(value).ok()
}

/// The whole text as dot-separated `inet_aton` parts (any number of them; more than four is the
/// caller's refusal).
fn aton_parts(input: &[u8]) -> Res<'_, Vec<u64>> {
    context("IPv4 address", all_consuming(separated_list1(char('.'), aton_part))).parse(input)
}

/// One `inet_aton` part: `0x` hex, `0` octal or decimal (`strtoul` base 0; `0x` alone is 0), at
/// most 2³²-1.
fn aton_part(input: &[u8]) -> Res<'_, u64> {
    let number = |(digits, radix): (&[u8], u32)| {
        digits.iter().try_fold(0u64, |n, &d| {
            let n = n * u64::from(radix) + u64::from(char::from(d).to_digit(radix)?);
            (n <= u64::from(u32::MAX)).then_some(n)
        })
    };
    context(
        "address part",
        map_opt(
            alt((
                map(preceded(tag_no_case("0x"), hex_digit0), |d| (d, 16)),
                map(preceded(char('0'), oct_digit0), |d| (d, 8)),
                map(digit1, |d| (d, 10)),
            )),
            number,
        ),
    )
    .parse(input)
}

/// `handle_permit`'s check: `host:port` (or `host/port`, `[v6]:port`), port a number 1-65535, a
/// known service name, or `*`.
fn check_permit(target: &[u8]) -> Result<(), &'static str> {
    let (after_host, host) = permit_host(target).map_err(|_| "invalid permission hostname")?;
    if host.len() >= NI_MAXHOST {
        return Err("invalid permission hostname");
    }
    let Ok((_, Some(port))) = permit_port(after_host) else { return Err("invalid permission port") };
    if port == b"*" || a2port(port).is_some_and(|p| p > 0) { Ok(()) } else { Err("invalid permission port") }
}

/// `hpdelim2`'s host: `[…]` up to the first `]`, which must end the text or stand before the
/// delimiter (cut: anything else is a bad host), or everything before the first `:` or `/`.
fn permit_host(input: &[u8]) -> Res<'_, &[u8]> {
    let delimiter_or_end = || peek(alt((eof, recognize(one_of(":/")))));
    context(
        "permission host",
        alt((
            recognize(preceded(char('['), cut((take_till(|b| b == b']'), char(']'), delimiter_or_end())))),
            take_till(|b| b == b':' || b == b'/'),
        )),
    )
    .parse(input)
}

/// The port after `hpdelim2`'s delimiter (`:` or `/`), if there is a delimiter.
fn permit_port(input: &[u8]) -> Res<'_, Option<&[u8]>> {
    context("permission port", opt(preceded(one_of(":/"), rest))).parse(input)
}

/// `a2port`: a number 0-65535 or a TCP service name. sshd asks getservbyname(), i.e. the host's
/// /etc/services; sshlint knows the names Debian's netbase lists for the usual services
/// ([`crate::ast::iptables::SERVICES`], the table iptables port names are read with).
fn a2port(s: &[u8]) -> Option<i64> {
    if let Some(n) = strtonum(s, 0, 65535) {
        return Some(n);
    }
    crate::ast::iptables::SERVICES.iter().find(|(name, _)| name.as_bytes() == s).map(|&(_, port)| i64::from(port))
}

/// `a2tun(s, NULL)`: `any` (`Some(None)`) or 0..=2147483645.
fn a2tun(s: &[u8]) -> Option<Option<u32>> {
    if s.eq_ignore_ascii_case(b"any") {
        return Some(None);
    }
    strtonum(s, 0, TUNID_MAX).and_then(|n| u32::try_from(n).ok()).map(Some)
}

/// OpenBSD `strtonum` over `strtoll(…, 10)`: leading white space and a sign allowed, nothing after
/// the digits.
fn strtonum(s: &[u8], min: i64, max: i64) -> Option<i64> {
    let (_, (sign, digits)) = decimal(s).ok()?;
    let mut value: i128 = 0;
    for &d in digits {
        value = (value * 10 + i128::from(d - b'0')).min(i128::from(i64::MAX) + 1);
    }
    if sign == Some('-') {
        value = -value;
    }
    (i128::from(min)..=i128::from(max)).contains(&value).then_some(value as i64)
}

/// The whole text as `strtoll(…, 10)` reads a number: white space, a sign, decimal digits.
fn decimal(input: &[u8]) -> Res<'_, (Option<char>, &[u8])> {
    context("decimal number", all_consuming(preceded(take_while(is_space), (opt(one_of("+-")), digit1)))).parse(input)
}

/// `parse_absolute_time`: `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, optionally ending `Z` or
/// `UTC` (any case), read with glibc strptime's number rules and normalised as mktime does.
pub fn parse_absolute_time(s: &[u8]) -> Option<ExpiryTime> {
    let (_, ((year, month, day), time, zone)) = absolute_time(s).ok()?;
    let (hour, minute, second) = time.map_or((0, 0, 0), |(h, m, s)| (h, m, s.unwrap_or(0)));
    let days = days_from_civil(year, month, 1) + day - 1;
    let epoch = days * 86400 + hour * 3600 + minute * 60 + second;
    (epoch >= 0).then_some(ExpiryTime { epoch, utc: zone.is_some() })
}

/// The date, the optional time (with optional seconds) and the optional `Z`/`UTC`: sshd strips
/// the zone from the end and then chooses the format by length (8, 12 or 14), which comes to the
/// same fixed-width fields.
type TimeFields<'a> = ((i64, i64, i64), Option<(i64, i64, Option<i64>)>, Option<&'a [u8]>);

fn absolute_time(input: &[u8]) -> Res<'_, TimeFields<'_>> {
    context(
        "absolute time",
        all_consuming((
            (time_field(4, 0, 9999), time_field(2, 1, 12), time_field(2, 1, 31)),
            opt((time_field(2, 0, 23), time_field(2, 0, 59), opt(time_field(2, 0, 61)))),
            opt(alt((tag_no_case("z"), tag_no_case("utc")))),
        )),
    )
    .parse(input)
}

/// One fixed-width field (sshd copies it with `%.Ns` between literal separators) read as glibc
/// strptime's `get_number` reads it: white space, then digits to the end of the field, within
/// `lo..=hi`. (`get_number` also stops early once another digit would pass `hi`; in a field that
/// must be used up that changes nothing, since the whole number would be out of range.)
fn time_field<'a>(
    width: usize,
    lo: i64,
    hi: i64,
) -> impl Parser<&'a [u8], Output = i64, Error = nom::error::Error<&'a [u8]>> {
    let number = move |field: &'a [u8]| {
        let (_, digits) =
            all_consuming(preceded(take_while(is_space), digit1::<_, nom::error::Error<_>>)).parse(field).ok()?;
        let value = digits.iter().fold(0i64, |v, &d| v * 10 + i64::from(d - b'0'));
        (lo..=hi).contains(&value).then_some(value)
    };
    context("time field", map_opt(take(width), number))
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (month 1-12; days past the end of
/// the month roll over, as mktime normalises them).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = (month + 9) % 12;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

mod big;
#[cfg(test)]
mod tests;
