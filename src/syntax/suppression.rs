//! Suppression comments in linted files: `sshlint: ignore[CODE,…] reason` (one line) and
//! `sshlint: ignore-file[CODE,…] reason` (the whole file), written in each format's own comment
//! syntax. Finds and parses them and says which line each one covers; which findings they
//! suppress is the checker's business (`rules::suppress`).
//!
//! Where a comment counts:
//! - A comment alone on its line covers the next line that is neither blank nor a comment, so
//!   several directives can be stacked above one line.
//! - A comment after other text covers its own line, in the formats whose programs read it as a
//!   comment there: sshd_config (`#` at the start of a token), authorized_keys (sshd never reads
//!   past the key) and XML. iptables-restore, ufw and systemd take `#` only at the start of a line.
//! - `ignore-file` counts only in the comment block at the top of the file (after an XML
//!   declaration, for XML).

use crate::source::Span;
use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{tag, take_while1},
    character::complete::{char, space0},
    multi::separated_list1,
    sequence::delimited,
};

/// How a file format writes comments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentStyle {
    /// `#` (and `;` when `semicolon`) at the start of a line; after other text too when
    /// `trailing`.
    Hash { trailing: bool, semicolon: bool },
    /// `<!-- … -->`.
    Xml,
}

/// What a directive covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A line, 0-based; `None` when no line follows the comment.
    Line(Option<usize>),
    /// The whole file.
    File,
    /// An `ignore-file` that is not in the comment block at the top.
    MisplacedFile,
}

/// One `sshlint:` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The comment's text from `sshlint:` to its end, in file offsets.
    pub span: Span,
    pub target: Target,
    pub parsed: Result<Parsed, String>,
}

/// A directive that parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// Rule codes or names as written, with their spans.
    pub codes: Vec<(String, Span)>,
    /// The text after the brackets, trimmed; `None` when there is none.
    pub reason: Option<String>,
}

const MARKER: &str = "sshlint:";

/// Every `sshlint:` comment in `text`.
pub fn directives(text: &str, style: CommentStyle) -> Vec<Directive> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let lines: Vec<(usize, &str)> = line_offsets(text);
    let code_line: Vec<bool> = lines.iter().map(|(_, l)| !is_blank_or_comment(l, style)).collect();
    let header_end = match style {
        CommentStyle::Xml => lines
            .iter()
            .position(|(_, l)| {
                let t = l.trim();
                !(t.is_empty() || is_xml_comment_line(t) || t.starts_with("<?xml"))
            })
            .unwrap_or(lines.len()),
        CommentStyle::Hash { .. } => code_line.iter().position(|&c| c).unwrap_or(lines.len()),
    };
    let mut out = Vec::new();
    for (n, &(start, line)) in lines.iter().enumerate() {
        let Some((at, body, alone)) = comment_body(line, style) else { continue };
        let Some(after) = body.strip_prefix(MARKER) else { continue };
        let body_start = start + at;
        let body_end = match style {
            CommentStyle::Xml => body.find("-->").map_or(body.len(), |e| e),
            CommentStyle::Hash { .. } => body.len(),
        };
        let body = body.get(..body_end).unwrap_or(body).trim_end_matches(['\r', '\n']);
        let after = after.get(..body.len().saturating_sub(MARKER.len())).unwrap_or(after);
        let parsed = parse(after, body_start + MARKER.len());
        let file_level = parsed.as_ref().is_ok_and(|p| p.1);
        let target = if file_level {
            if n < header_end { Target::File } else { Target::MisplacedFile }
        } else if alone {
            Target::Line(code_line.iter().skip(n + 1).position(|&c| c).map(|k| n + 1 + k))
        } else {
            Target::Line(Some(n))
        };
        out.push(Directive {
            span: Span::new(body_start, body_start + body.trim_end().len()),
            target,
            parsed: parsed.map(|(p, _)| p),
        });
    }
    out
}

/// `(offset, text)` of each line, without its `\n`.
fn line_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split('\n') {
        out.push((start, line));
        start += line.len() + 1;
    }
    if text.ends_with('\n') {
        out.pop();
    }
    out
}

fn is_xml_comment_line(t: &str) -> bool {
    t.starts_with("<!--") && t.ends_with("-->")
}

fn is_blank_or_comment(line: &str, style: CommentStyle) -> bool {
    let t = line.trim();
    match style {
        CommentStyle::Hash { semicolon, .. } => t.is_empty() || t.starts_with('#') || semicolon && t.starts_with(';'),
        CommentStyle::Xml => t.is_empty() || is_xml_comment_line(t),
    }
}

/// The comment text on a line (after `#` or `<!--` and blanks), its offset in the line, and
/// whether the comment is alone on the line.
fn comment_body(line: &str, style: CommentStyle) -> Option<(usize, &str, bool)> {
    let indent = line.len() - line.trim_start().len();
    let (open, alone) = match style {
        CommentStyle::Hash { trailing, semicolon } => {
            let t = line.trim_start();
            if t.starts_with('#') || semicolon && t.starts_with(';') {
                (indent, true)
            } else if trailing {
                // `#` at the start of a token: after a blank.
                let hash = line.char_indices().find(|&(i, c)| {
                    c == '#' && i > 0 && line.as_bytes().get(i - 1).is_some_and(|b| b.is_ascii_whitespace())
                })?;
                (hash.0, false)
            } else {
                return None;
            }
        }
        CommentStyle::Xml => {
            let open = line.find("<!--")?;
            let alone = line.trim().starts_with("<!--") && line.trim_end().ends_with("-->");
            (open + 3, alone)
        }
    };
    let rest = line.get(open + 1..)?;
    let skip = rest.len() - rest.trim_start().len();
    Some((open + 1 + skip, rest.trim_start(), alone))
}

/// Parse what follows `sshlint:`; `base` is its file offset. Returns the directive and whether
/// it is file-level.
fn parse(input: &str, base: usize) -> Result<(Parsed, bool), String> {
    // Codes are slices of `input`, so their offsets follow from their addresses.
    let offset = |part: &str| base + (part.as_ptr() as usize).saturating_sub(input.as_ptr() as usize);
    let rest = input.trim_start_matches([' ', '\t']);
    let (rest, kind) = kind(rest)
        .map_err(|_| format!("expected `ignore[CODE] reason` or `ignore-file[CODE] reason` after `{MARKER}`"))?;
    let (rest, codes) = code_list(rest)
        .map_err(|_| format!("expected rule codes in brackets right after `{kind}`, like `{kind}[SSHD201]`"))?;
    let codes = codes.into_iter().map(|c| (c.to_string(), Span::new(offset(c), offset(c) + c.len()))).collect();
    let reason = rest.trim();
    Ok((Parsed { codes, reason: (!reason.is_empty()).then(|| reason.to_string()) }, kind == "ignore-file"))
}

/// `ignore-file` or `ignore`.
fn kind(input: &str) -> IResult<&str, &str> {
    alt((tag("ignore-file"), tag("ignore"))).parse(input)
}

/// `[CODE, name, …]`.
fn code_list(input: &str) -> IResult<&str, Vec<&str>> {
    delimited(
        char('['),
        separated_list1(delimited(space0, char(','), space0), delimited(space0, code, space0)),
        char(']'),
    )
    .parse(input)
}

/// A rule code or name: letters, digits, `-` and `_`.
fn code(input: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_').parse(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SSHD: CommentStyle = CommentStyle::Hash { trailing: true, semicolon: false };
    const IPT: CommentStyle = CommentStyle::Hash { trailing: false, semicolon: false };

    fn codes(d: &Directive) -> Vec<String> {
        d.parsed.as_ref().map(|p| p.codes.iter().map(|c| c.0.clone()).collect()).unwrap_or_default()
    }

    #[test]
    fn kind_and_code_list() {
        assert_eq!(kind("ignore-file[X]"), Ok(("[X]", "ignore-file")));
        assert_eq!(kind("ignore[X]"), Ok(("[X]", "ignore")));
        assert!(kind("ignroe[X]").is_err());
        assert_eq!(code_list("[SSHD201, root-login-permitted ]r"), Ok(("r", vec!["SSHD201", "root-login-permitted"])));
        assert!(code_list("[]").is_err());
        assert!(code_list("SSHD201").is_err());
        assert_eq!(code("SSHD201,"), Ok((",", "SSHD201")));
    }

    #[test]
    fn own_line_covers_next_code_line() {
        let text = "# sshlint: ignore[SSHD201] legacy\n\n# other\nPermitRootLogin yes\n";
        let d = directives(text, SSHD);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].target, Target::Line(Some(3)));
        assert_eq!(codes(&d[0]), ["SSHD201"]);
        assert_eq!(d[0].parsed.as_ref().map(|p| p.reason.clone()), Ok(Some("legacy".into())));
        assert_eq!(&text[d[0].span.range()], "sshlint: ignore[SSHD201] legacy");
        let c = d[0].parsed.as_ref().map(|p| p.codes[0].1).unwrap_or_default();
        assert_eq!(&text[c.range()], "SSHD201");
    }

    #[test]
    fn stacked_directives_cover_the_same_line() {
        let text = "Port 22\n# sshlint: ignore[A] a\n# sshlint: ignore[B] b\nX y\n";
        let d = directives(text, IPT);
        assert_eq!(d.iter().map(|d| d.target).collect::<Vec<_>>(), [Target::Line(Some(3)), Target::Line(Some(3))]);
    }

    #[test]
    fn trailing_only_where_the_format_allows_it() {
        let text = "PermitRootLogin yes # sshlint: ignore[SSHD201] lab host\n";
        assert_eq!(directives(text, SSHD)[0].target, Target::Line(Some(0)));
        assert!(directives(text, IPT).is_empty());
        // `#` inside a token is not a comment in sshd_config.
        assert!(directives("Banner a#sshlint:ignore[X]\n", SSHD).is_empty());
    }

    #[test]
    fn file_level_only_at_the_top() {
        let text = "# header\n# sshlint: ignore-file[FW201] generated\n*filter\n# sshlint: ignore-file[FW202] x\n";
        let d = directives(text, IPT);
        assert_eq!(d[0].target, Target::File);
        assert_eq!(d[1].target, Target::MisplacedFile);
    }

    #[test]
    fn xml_comments() {
        let text = "<?xml version=\"1.0\"?>\n<!-- sshlint: ignore-file[FW201] stock -->\n<zone>\n  <service name=\"ssh\"/> <!-- sshlint: ignore[FW101] why -->\n  <!-- sshlint: ignore[FW102] r -->\n  <port port=\"22\"/>\n</zone>\n";
        let d = directives(text, CommentStyle::Xml);
        assert_eq!(
            d.iter().map(|d| d.target).collect::<Vec<_>>(),
            [Target::File, Target::Line(Some(3)), Target::Line(Some(5))]
        );
        assert_eq!(d[1].parsed.as_ref().map(|p| p.reason.clone()), Ok(Some("why".into())));
        assert_eq!(&text[d[1].span.range()], "sshlint: ignore[FW101] why");
    }

    #[test]
    fn malformed_and_reasonless() {
        let d = directives("# sshlint: ignroe[X] r\n# sshlint: ignore SSHD201\n# sshlint: ignore[X]\nA b\n", IPT);
        assert!(d[0].parsed.as_ref().is_err_and(|e| e.contains("expected `ignore[CODE] reason`")));
        assert!(d[1].parsed.as_ref().is_err_and(|e| e.contains("in brackets")));
        assert_eq!(d[2].parsed.as_ref().map(|p| p.reason.clone()), Ok(None));
        // A comment that merely mentions sshlint is not a directive.
        assert!(directives("# run sshlint: it helps\n", IPT).is_empty());
    }

    #[test]
    fn no_line_after() {
        assert_eq!(directives("X y\n# sshlint: ignore[A] r\n", IPT)[0].target, Target::Line(None));
    }

    #[test]
    fn semicolon_comments_in_systemd_units() {
        let style = CommentStyle::Hash { trailing: false, semicolon: true };
        let d = directives("; sshlint: ignore[SSHD008] r\n[Socket]\n", style);
        assert_eq!(d[0].target, Target::Line(Some(1)));
    }
}
