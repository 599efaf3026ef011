//! Parser for systemd unit files and drop-ins, line by line as systemd's `config_parse` reads
//! them (systemd.syntax(7)): `#` and `;` comment lines, a trailing unescaped backslash joining
//! the next line (the backslash becomes a space, comment lines inside the continuation are
//! skipped), `[Section]` headers, `Key=Value` with the whitespace around `=` dropped. Values are
//! kept as written: quoting and `%` specifiers are the business of each setting. Never fails: a
//! bad line becomes [`UnitItem::Invalid`] and parsing goes on (except where systemd itself stops:
//! see [`UnitItem::Invalid::fatal`]).

use crate::ast::systemd::{Assignment, UnitFileAst, UnitItem};
use crate::source::Span;

/// systemd's `WHITESPACE`.
fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// A comment line: `#` or `;` after leading whitespace.
fn is_comment(line: &str) -> bool {
    matches!(line.trim_start_matches(is_ws).chars().next(), Some('#' | ';'))
}

/// The line ends in a backslash that is not itself escaped (`\\` at the end does not continue).
fn continues(line: &str) -> bool {
    let mut escaped = false;
    for c in line.chars() {
        escaped = !escaped && c == '\\';
    }
    escaped
}

/// Physical lines joined into one logical line, remembering where each piece is in the file.
#[derive(Default)]
struct Logical {
    text: String,
    /// `(offset in text, offset in file)` where each piece starts.
    pieces: Vec<(usize, usize)>,
    /// File offset of the end of the last piece.
    end: usize,
}

impl Logical {
    fn push(&mut self, file_start: usize, line: &str) {
        self.pieces.push((self.text.len(), file_start));
        self.text.push_str(line);
        self.end = file_start + line.len();
    }

    /// Replace the trailing backslash by a space (the line continues).
    fn continue_line(&mut self) {
        self.text.pop();
        self.text.push(' ');
    }

    /// File offset of an offset into the joined text.
    fn file_offset(&self, at: usize) -> usize {
        let i = self.pieces.partition_point(|&(t, _)| t <= at).saturating_sub(1);
        self.pieces.get(i).map_or(self.end, |&(t, f)| f + (at - t)).min(self.end)
    }

    fn span(&self, from: usize, to: usize) -> Span {
        Span::new(self.file_offset(from), if to >= self.text.len() { self.end } else { self.file_offset(to) })
    }
}

/// Parse a unit file or drop-in.
pub fn parse(text: &str) -> UnitFileAst {
    let mut ast = UnitFileAst::default();
    let mut section: Option<String> = None;
    let mut pending: Option<Logical> = None;
    for (start, line) in super::lines(text) {
        if is_comment(line) {
            continue;
        }
        let mut logical = pending.take().unwrap_or_default();
        logical.push(start, line);
        if continues(&logical.text) {
            logical.continue_line();
            pending = Some(logical);
            continue;
        }
        if finish(&logical, &mut section, &mut ast) {
            return ast;
        }
    }
    if let Some(logical) = pending {
        finish(&logical, &mut section, &mut ast);
    }
    ast
}

/// Parse one logical line into `ast`; true when systemd stops reading the file here.
fn finish(logical: &Logical, section: &mut Option<String>, ast: &mut UnitFileAst) -> bool {
    match logical_line(logical, section.as_deref()) {
        None => false,
        Some(UnitItem::Section { name, span }) => {
            *section = Some(name.clone());
            ast.items.push(UnitItem::Section { name, span });
            false
        }
        Some(item) => {
            let fatal = matches!(item, UnitItem::Invalid { fatal: true, .. });
            ast.items.push(item);
            fatal
        }
    }
}

/// One logical line: nothing (blank), a section header, an assignment, or an invalid line.
fn logical_line(l: &Logical, section: Option<&str>) -> Option<UnitItem> {
    let text = l.text.as_str();
    let lead = text.len() - text.trim_start_matches(is_ws).len();
    let body = text.trim_matches(is_ws);
    if body.is_empty() {
        return None;
    }
    let span = l.span(lead, lead + body.len());
    if body.starts_with('[') {
        return Some(section_header(body, span));
    }
    Some(assignment(l, lead, body, section, span))
}

/// `[Name]`: anything else starting with `[` makes systemd reject the whole file.
fn section_header(body: &str, span: Span) -> UnitItem {
    match body.strip_prefix('[').and_then(|b| b.strip_suffix(']')) {
        Some(name) => UnitItem::Section { name: name.to_string(), span },
        None => UnitItem::Invalid {
            span,
            error: format!("invalid section header `{body}`: systemd stops reading the file"),
            fatal: true,
        },
    }
}

/// `Key=Value` (a line without `=`, or with nothing before it, is ignored by systemd).
fn assignment(l: &Logical, lead: usize, body: &str, section: Option<&str>, span: Span) -> UnitItem {
    let Some(eq) = body.find('=') else {
        return UnitItem::Invalid { span, error: format!("`{body}` has no `=`"), fatal: false };
    };
    let raw_key = &body[..eq];
    let key = raw_key.trim_matches(is_ws);
    if key.is_empty() {
        return UnitItem::Invalid { span, error: "the line has no key before `=`".into(), fatal: false };
    }
    let raw_value = &body[eq + 1..];
    let value = raw_value.trim_matches(is_ws);
    let key_start = lead + (raw_key.len() - raw_key.trim_start_matches(is_ws).len());
    let value_start = lead + eq + 1 + (raw_value.len() - raw_value.trim_start_matches(is_ws).len());
    UnitItem::Assignment(Assignment {
        section: section.map(str::to_string),
        key: key.to_string(),
        key_span: l.span(key_start, key_start + key.len()),
        value: value.to_string(),
        value_span: l.span(value_start, value_start + value.len()),
        span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Assignment {
        match parse(text).items.into_iter().find(|i| matches!(i, UnitItem::Assignment(_))) {
            Some(UnitItem::Assignment(a)) => a,
            other => panic!("no assignment in {text:?}: {other:?}"),
        }
    }

    #[test]
    fn comments_are_hash_or_semicolon_lines() {
        assert!(is_comment("# x") && is_comment("  ; y") && !is_comment("Key=#1"));
        let ast = parse("# c\n; d\n\n[Socket]\n");
        assert_eq!(ast.items.len(), 1);
    }

    #[test]
    fn continuation_needs_an_unescaped_backslash() {
        assert!(continues("a \\") && !continues("a \\\\") && continues("a \\\\\\") && !continues("a"));
    }

    #[test]
    fn section_headers() {
        let ast = parse("[Socket]\nListenStream=22\n");
        assert!(matches!(&ast.items[0], UnitItem::Section { name, .. } if name == "Socket"));
        let a = one("[Socket]\nListenStream=22\n");
        assert_eq!(a.section.as_deref(), Some("Socket"));
    }

    #[test]
    fn an_unterminated_header_stops_the_file() {
        let ast = parse("[Socket\nListenStream=22\n");
        assert_eq!(ast.items.len(), 1);
        assert!(matches!(ast.items[0], UnitItem::Invalid { fatal: true, .. }));
    }

    #[test]
    fn assignments_trim_around_the_equals_sign() {
        let text = "[Socket]\n  ListenStream =  [::]:22  \n";
        let a = one(text);
        assert_eq!((a.key.as_str(), a.value.as_str()), ("ListenStream", "[::]:22"));
        assert_eq!(&text[a.key_span.range()], "ListenStream");
        assert_eq!(&text[a.value_span.range()], "[::]:22");
        assert_eq!(&text[a.span.range()], "ListenStream =  [::]:22");
    }

    #[test]
    fn empty_assignment_keeps_an_empty_value() {
        let a = one("[Socket]\nListenStream=\n");
        assert_eq!(a.value, "");
    }

    #[test]
    fn lines_without_equals_or_key_are_invalid_and_skipped() {
        let ast = parse("[Socket]\nListenStream 22\n=22\nAccept=no\n");
        let invalid = ast.items.iter().filter(|i| matches!(i, UnitItem::Invalid { fatal: false, .. })).count();
        assert_eq!(invalid, 2);
        assert!(ast.assignments("Socket").any(|a| a.key == "Accept"));
    }

    #[test]
    fn continued_lines_join_with_a_space_and_skip_comments() {
        let text = "[Socket]\nListenStream=0.0.0.0:\\\n# ignored\n; ignored\n2222\n";
        let a = one(text);
        assert_eq!(a.value, "0.0.0.0: 2222");
        assert!(text[a.value_span.range()].starts_with("0.0.0.0:"));
        assert!(text[a.value_span.range()].ends_with("2222"));
    }

    #[test]
    fn a_continuation_at_end_of_file_is_still_parsed() {
        assert_eq!(one("[Socket]\nAccept=no\\").value, "no");
    }

    #[test]
    fn assignments_before_any_section_have_none() {
        assert_eq!(one("ListenStream=22\n").section, None);
    }

    #[test]
    fn crlf_and_odd_bytes_never_panic() {
        let a = one("[Socket]\r\nListenStream=22\r\n");
        assert_eq!(a.value, "22");
        for text in ["\\", "[", "]", "=", "\\\n\\\n", "[Socket]\n\u{10ff00}=\u{e9}\\", "a\\\n#\n"] {
            let _ = parse(text);
        }
    }
}
