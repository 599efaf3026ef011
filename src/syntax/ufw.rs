//! Parsers for ufw's own files as the `ufw` command (0.36) reads them: the lines and
//! `### tuple ###` comments of `user.rules`/`user6.rules` (`_read_rules`), the port items of a
//! tuple or profile (`UFWRule.set_port`), and application profiles with the rules of Python's
//! `configparser.RawConfigParser` (strict mode, `=`/`:` delimiters, `#`/`;` full-line comments,
//! indented continuation lines, `[DEFAULT]`). Nothing here knows what an action or a protocol
//! means: that is `model::firewall::ufw_tuple` and `ufw_app`.
//!
//! "Whitespace" is Python's (`str.strip`, `\s`): Unicode white space plus U+001C..U+001F.

use crate::ast::ufw::{
    AppFileAst, AppOption, AppSection, IniError, IniErrorKind, Tuple, UserLine, UserLineKind, UserRulesAst, Word,
};
use crate::source::Span;
use nom::{
    IResult, Parser,
    bytes::complete::{tag, take_while, take_while1},
    character::complete::{char, satisfy},
    combinator::{all_consuming, recognize},
    error::context,
    sequence::separated_pair,
};
use std::collections::HashSet;

/// Python's `str.isspace()`.
pub fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// What ufw splits a line on to find a tuple's comment.
const COMMENT_MARKER: &str = " comment=";

/// Parse a `user.rules`/`user6.rules` file line by line.
pub fn parse_user_rules(text: &str) -> UserRulesAst {
    let lines = super::lines(text)
        .map(|(start, line)| UserLine {
            span: Span::new(start, start + line.len()),
            kind: classify(line, start),
            comment_markers: u32::try_from(line.matches(COMMENT_MARKER).count()).unwrap_or(u32::MAX),
        })
        .collect();
    UserRulesAst { lines }
}

/// `### tuple ###` and the whitespace after it (ufw's `^### tuple ###\s*`).
fn tuple_prefix(input: &str) -> IResult<&str, &str> {
    context("tuple prefix", recognize((tag("### tuple ###"), take_while(py_space)))).parse(input)
}

/// `#…# tuple #…` in any case and spacing: a comment meant as a tuple.
fn tuple_lookalike(input: &str) -> IResult<&str, &str> {
    let hashes = || take_while1(|c| c == '#');
    let blanks = || take_while(py_space);
    context("tuple look-alike", recognize((hashes(), blanks(), tag("tuple"), blanks(), hashes()))).parse(input)
}

fn classify(line: &str, start: usize) -> UserLineKind {
    // ufw cuts ` comment=` and what follows off before it looks for the tuple prefix.
    let (head, comment) = match line.find(COMMENT_MARKER) {
        Some(i) => (&line[..i], Some((i + COMMENT_MARKER.len(), &line[i + COMMENT_MARKER.len()..]))),
        None => (line, None),
    };
    if let Ok((rest, prefix)) = tuple_prefix(head) {
        let fields = words(rest, start + prefix.len());
        let comment = comment.map(|(at, text)| {
            let (lead, body) = trimmed(text);
            Word { text: body.to_string(), span: Span::new(start + at + lead, start + at + lead + body.len()) }
        });
        return tuple_from(fields, comment);
    }
    let trimmed_line = line.trim_matches(py_space);
    match trimmed_line {
        "" => UserLineKind::Blank,
        "### RULES ###" => UserLineKind::RulesStart,
        "### END RULES ###" => UserLineKind::RulesEnd,
        t if t.starts_with('#') => {
            let lower = t.to_ascii_lowercase();
            if tuple_lookalike(&lower).is_ok() { UserLineKind::LooksLikeTuple } else { UserLineKind::Comment }
        }
        _ => UserLineKind::Other,
    }
}

/// (bytes of leading whitespace, the text trimmed on both sides).
fn trimmed(text: &str) -> (usize, &str) {
    let body = text.trim_start_matches(py_space);
    (text.len() - body.len(), body.trim_end_matches(py_space))
}

/// The whitespace-separated words of `text` (which starts at file offset `base`).
fn words(text: &str, base: usize) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (py_space(c), start) {
            (true, Some(s)) => {
                out.push(Word { text: text[s..i].to_string(), span: Span::new(base + s, base + i) });
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

fn tuple_from(fields: Vec<Word>, comment: Option<Word>) -> UserLineKind {
    let n = fields.len();
    if !(6..=9).contains(&n) {
        return UserLineKind::BadTuple { fields: n };
    }
    let mut it = fields.into_iter();
    let mut next = || it.next().unwrap_or(Word { text: String::new(), span: Span::default() });
    let (action, protocol, dport, dst, sport, src) = (next(), next(), next(), next(), next(), next());
    let apps = (n >= 8).then(|| (next(), next()));
    let direction = (n == 7 || n == 9).then(next);
    UserLineKind::Tuple(Box::new(Tuple { action, protocol, dport, dst, sport, src, apps, direction, comment }))
}

/// One comma-separated item of a port field, as `UFWRule.set_port` tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortItem<'a> {
    /// `\d+`, kept as written (`0022` stays `0022`).
    Number(&'a str),
    /// `\d+:\d+`.
    Range(&'a str, &'a str),
    /// Starts like a service name (`\w[\w-]+`): ufw asks getservbyname(3) for the whole item.
    Name(&'a str),
    Bad,
}

fn digits(input: &str) -> IResult<&str, &str> {
    context("digits", take_while1(|c: char| c.is_ascii_digit())).parse(input)
}

fn port_range(input: &str) -> IResult<&str, (&str, &str)> {
    context("port range", all_consuming(separated_pair(digits, char(':'), digits))).parse(input)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `\w[\w\-]+` at the start of an item.
fn service_start(input: &str) -> IResult<&str, &str> {
    context("service name", recognize((satisfy(is_word_char), take_while1(|c: char| is_word_char(c) || c == '-'))))
        .parse(input)
}

/// Classify one item of a port list.
pub fn port_item(item: &str) -> PortItem<'_> {
    if let Ok((_, (lo, hi))) = port_range(item) {
        return PortItem::Range(lo, hi);
    }
    if all_consuming(digits).parse(item).is_ok() {
        return PortItem::Number(item);
    }
    if service_start(item).is_ok() {
        return PortItem::Name(item);
    }
    PortItem::Bad
}

// ---------------------------------------------------------------------------------------------
// Application profiles (configparser)

/// Where options go while reading.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Defaults,
    Section(usize),
}

/// The option whose value further lines may continue.
type Open = (Target, usize);

fn option_mut(ast: &mut AppFileAst, (target, index): Open) -> Option<&mut AppOption> {
    match target {
        Target::Defaults => ast.defaults.get_mut(index),
        Target::Section(i) => ast.sections.get_mut(i)?.options.get_mut(index),
    }
}

/// Parse an application profile file the way `RawConfigParser.read` does.
pub fn parse_app_file(text: &str) -> AppFileAst {
    let mut ast = AppFileAst::default();
    let mut current: Option<Target> = None;
    let mut open: Option<Open> = None;
    let mut indent_level = 0usize;
    let mut names: HashSet<String> = HashSet::new();
    let mut seen: HashSet<(Option<usize>, String)> = HashSet::new();
    for (start, line) in super::lines(text) {
        let stripped = line.trim_matches(py_space);
        let comment = stripped.starts_with('#') || stripped.starts_with(';');
        if stripped.is_empty() || comment {
            // Blank lines belong to the value being read (empty_lines_in_values); comments do not.
            if !comment && let Some(o) = open.and_then(|o| option_mut(&mut ast, o)) {
                o.value.push('\n');
            }
            continue;
        }
        let lead = line.len() - line.trim_start_matches(py_space).len();
        let indent = line[..lead].chars().count();
        let span = Span::new(start + lead, start + lead + stripped.len());
        if current.is_some()
            && indent > indent_level
            && let Some(o) = open.and_then(|o| option_mut(&mut ast, o))
        {
            o.value.push('\n');
            o.value.push_str(stripped);
            o.span = o.span.cover(span);
            continue;
        }
        indent_level = indent;
        if let Some(name) = section_header(stripped) {
            let name_at = span.start as usize + 1;
            let name = Word { text: name.to_string(), span: Span::new(name_at, name_at + name.len()) };
            open = None;
            if names.contains(&name.text) {
                ast.errors.push(IniError { span, kind: IniErrorKind::DuplicateSection(name.text) });
                break;
            }
            if name.text == "DEFAULT" {
                current = Some(Target::Defaults);
            } else {
                names.insert(name.text.clone());
                ast.sections.push(AppSection { name, header: span, options: Vec::new() });
                current = Some(Target::Section(ast.sections.len() - 1));
            }
            continue;
        }
        let Some(target) = current else {
            ast.errors.push(IniError { span, kind: IniErrorKind::MissingSectionHeader });
            break;
        };
        let Some((key, value)) = option_line(stripped) else {
            // A ParsingError is collected and reading goes on; the open option stays open.
            ast.errors.push(IniError { span, kind: IniErrorKind::NotAnOption });
            continue;
        };
        let key_text = key.to_lowercase();
        let section = match target {
            Target::Defaults => None,
            Target::Section(i) => Some(i),
        };
        if !seen.insert((section, key_text.clone())) {
            ast.errors.push(IniError { span, kind: IniErrorKind::DuplicateOption(key_text) });
            break;
        }
        let option = AppOption {
            key: Word { text: key_text, span: Span::new(span.start as usize, span.start as usize + key.len()) },
            value: value.to_string(),
            span,
        };
        let list = match target {
            Target::Defaults => &mut ast.defaults,
            Target::Section(i) => match ast.sections.get_mut(i) {
                Some(s) => &mut s.options,
                None => continue,
            },
        };
        list.push(option);
        open = Some((target, list.len() - 1));
    }
    // configparser joins the value lines with `\n` and drops trailing white space.
    let all = ast.defaults.iter_mut().chain(ast.sections.iter_mut().flat_map(|s| s.options.iter_mut()));
    for o in all {
        let keep = o.value.trim_end_matches(py_space).len();
        o.value.truncate(keep);
    }
    ast
}

/// `[NAME]`: the text between `[` and the last `]` (at least one character); anything after
/// that `]` is ignored, as configparser's `\[(?P<header>.+)\]` match does.
fn section_header(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('[')?;
    let close = inner.rfind(']')?;
    (close > 0).then(|| &inner[..close])
}

/// `key = value` / `key: value`: the key is everything before the first `=` or `:`, right-
/// trimmed and not empty; the value everything after it, trimmed.
fn option_line(line: &str) -> Option<(&str, &str)> {
    let d = line.find(['=', ':'])?;
    let key = line[..d].trim_end_matches(py_space);
    let value = line[d + 1..].trim_matches(py_space);
    (!key.is_empty()).then_some((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(line: &str) -> UserLineKind {
        parse_user_rules(line).lines.into_iter().next().map(|l| l.kind).unwrap_or(UserLineKind::Blank)
    }

    fn tuple(line: &str) -> Tuple {
        match kind(line) {
            UserLineKind::Tuple(t) => *t,
            other => panic!("not a tuple: {other:?}"),
        }
    }

    #[test]
    fn tuple_prefix_takes_following_blanks() {
        assert_eq!(tuple_prefix("### tuple ###   allow"), Ok(("allow", "### tuple ###   ")));
        assert_eq!(tuple_prefix("### tuple ###allow"), Ok(("allow", "### tuple ###")));
        assert!(tuple_prefix(" ### tuple ### allow").is_err());
        assert!(tuple_prefix("###  tuple ### allow").is_err());
    }

    #[test]
    fn six_field_tuple_has_no_direction() {
        let t = tuple("### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0");
        assert_eq!(t.action.text, "allow");
        assert_eq!(t.src.text, "0.0.0.0/0");
        assert!(t.direction.is_none() && t.apps.is_none());
    }

    #[test]
    fn nine_field_tuple_with_comment_keeps_spans() {
        let line = "### tuple ### allow tcp 22 0.0.0.0/0 any 192.168.1.0/24 OpenSSH - in_eth0 comment=61646d696e";
        let t = tuple(line);
        let (dapp, sapp) = t.apps.clone().expect("apps");
        assert_eq!((dapp.text.as_str(), sapp.text.as_str()), ("OpenSSH", "-"));
        let dir = t.direction.clone().expect("direction");
        assert_eq!(&line[dir.span.range()], "in_eth0");
        let c = t.comment.expect("comment");
        assert_eq!(&line[c.span.range()], "61646d696e");
        assert_eq!(&line[t.dport.span.range()], "22");
    }

    #[test]
    fn eight_fields_are_apps_without_direction() {
        let t = tuple("### tuple ### allow tcp 39 0.0.0.0/0 any 0.0.0.0/0 OpenSSH in");
        assert!(t.direction.is_none());
        assert_eq!(t.apps.map(|(d, s)| (d.text, s.text)), Some(("OpenSSH".into(), "in".into())));
    }

    #[test]
    fn truncated_tuple_is_bad_length() {
        assert_eq!(kind("### tuple ### allow tcp 22"), UserLineKind::BadTuple { fields: 3 });
        assert_eq!(kind("### tuple ###"), UserLineKind::BadTuple { fields: 0 });
        assert_eq!(kind("### tuple ###    \t"), UserLineKind::BadTuple { fields: 0 });
    }

    #[test]
    fn huge_field_counts_are_bad_length() {
        let many = format!("### tuple ### {}", vec!["x"; 100_000].join(" "));
        assert_eq!(kind(&many), UserLineKind::BadTuple { fields: 100_000 });
        assert_eq!(
            kind("### tuple ### allow tcp 24 0.0.0.0/0 any 0.0.0.0/0 - - in extra"),
            UserLineKind::BadTuple { fields: 10 }
        );
    }

    #[test]
    fn comment_is_cut_before_counting_fields() {
        let t = tuple("### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=zz not hex");
        assert_eq!(t.comment.map(|c| c.text), Some("zz not hex".into()));
        let l = &parse_user_rules("### tuple ### allow tcp 22 ::/0 any ::/0 in comment=61 comment=62\n").lines[0];
        assert_eq!(l.comment_markers, 2);
    }

    #[test]
    fn markers_comments_and_lookalikes() {
        assert_eq!(kind("### RULES ###"), UserLineKind::RulesStart);
        assert_eq!(kind("### END RULES ###\r"), UserLineKind::RulesEnd);
        assert_eq!(kind(" ### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in"), UserLineKind::LooksLikeTuple);
        assert_eq!(kind("## TUPLE ## allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in"), UserLineKind::LooksLikeTuple);
        assert_eq!(kind("# tuples are written by ufw"), UserLineKind::Comment);
        assert_eq!(kind("-A ufw-user-input -j ACCEPT"), UserLineKind::Other);
        assert_eq!(kind("   "), UserLineKind::Blank);
    }

    #[test]
    fn garbage_never_panics() {
        for text in ["\u{0}\u{ff}### tuple ###\u{1c}é", "### tuple ### é é é é é é\r\n", "\n\n\r", " comment= comment="]
        {
            let ast = parse_user_rules(text);
            for l in &ast.lines {
                assert!(text.get(l.span.range()).is_some());
            }
        }
    }

    #[test]
    fn rules_block_between_markers() {
        let ast = parse_user_rules("*filter\n### RULES ###\n-A x\n### END RULES ###\nCOMMIT\n");
        assert_eq!(ast.rules_block(), Some(2..3));
        assert_eq!(parse_user_rules("### END RULES ###\n### RULES ###\n").rules_block(), None);
    }

    #[test]
    fn port_items() {
        assert_eq!(port_item("22"), PortItem::Number("22"));
        assert_eq!(port_item("0022"), PortItem::Number("0022"));
        assert_eq!(port_item("6000:6010"), PortItem::Range("6000", "6010"));
        assert_eq!(port_item("ssh"), PortItem::Name("ssh"));
        assert_eq!(port_item("22:"), PortItem::Name("22:"));
        assert_eq!(port_item("s"), PortItem::Bad);
        assert_eq!(port_item(""), PortItem::Bad);
        assert_eq!(port_item(":22"), PortItem::Bad);
        assert_eq!(port_item("1:2:3"), PortItem::Bad);
        assert_eq!(port_item("12:3:4"), PortItem::Name("12:3:4"));
    }

    #[test]
    fn profile_basic() {
        let text = "[OpenSSH]\ntitle=Secure shell\ndescription=OpenSSH\nports=22/tcp\n";
        let ast = parse_app_file(text);
        assert!(ast.errors.is_empty());
        let s = &ast.sections[0];
        assert_eq!(s.name.text, "OpenSSH");
        assert_eq!(&text[s.name.span.range()], "OpenSSH");
        let ports = s.options.iter().find(|o| o.key.text == "ports").expect("ports");
        assert_eq!(ports.value, "22/tcp");
        assert_eq!(&text[ports.span.range()], "ports=22/tcp");
    }

    #[test]
    fn profile_keys_fold_case_and_continue() {
        let text = "[Foo]\nTitle : t\nDESCRIPTION= d\nports:\n  22/tcp\n\n  |80/tcp\n# c\n";
        let ast = parse_app_file(text);
        assert!(ast.errors.is_empty(), "{:?}", ast.errors);
        let o = &ast.sections[0].options;
        assert_eq!(o[0].key.text, "title");
        assert_eq!(o[0].value, "t");
        assert_eq!(o[2].value, "\n22/tcp\n\n|80/tcp");
        assert_eq!(&text[o[2].span.range()], "ports:\n  22/tcp\n\n  |80/tcp");
    }

    #[test]
    fn profile_header_takes_last_bracket() {
        assert_eq!(section_header("[Foo] trailing"), Some("Foo"));
        assert_eq!(section_header("[a]b]"), Some("a]b"));
        assert_eq!(section_header("[]"), None);
        assert_eq!(section_header("x[a]"), None);
    }

    #[test]
    fn profile_errors() {
        let e = |t: &str| parse_app_file(t).errors.into_iter().map(|e| e.kind).collect::<Vec<_>>();
        assert_eq!(e("title=t\n[Foo]\n"), vec![IniErrorKind::MissingSectionHeader]);
        assert_eq!(e("[Foo]\n[Foo]\n"), vec![IniErrorKind::DuplicateSection("Foo".into())]);
        assert_eq!(e("[Foo]\ntitle=a\nTITLE=b\n"), vec![IniErrorKind::DuplicateOption("title".into())]);
        assert_eq!(e("[Foo]\njunk\n[Bar]\nmore junk\n"), vec![IniErrorKind::NotAnOption, IniErrorKind::NotAnOption]);
        assert_eq!(e("[Foo]\n=x\n"), vec![IniErrorKind::NotAnOption]);
        assert!(e("[DEFAULT]\ntitle=t\n[DEFAULT]\ndescription=d\n[Foo]\nports=1\n").is_empty());
    }

    #[test]
    fn profile_defaults_are_kept_apart() {
        let ast = parse_app_file("[DEFAULT]\ntitle=t\n[Foo]\nports=22\n");
        assert_eq!(ast.defaults.len(), 1);
        assert_eq!(ast.sections.len(), 1);
        assert_eq!(ast.sections[0].options.len(), 1);
    }

    #[test]
    fn profile_garbage_never_panics() {
        for text in ["[", "]", "[é]\n\u{1c}x=y\n  é", "[a]\n\t=\n:\n", "\u{0}\u{ff}\r\n[x]\r\nk=v\r\n  c\r\n"] {
            let ast = parse_app_file(text);
            for s in &ast.sections {
                assert!(text.get(s.header.range()).is_some());
                for o in &s.options {
                    assert!(text.get(o.span.range()).is_some());
                }
            }
        }
    }

    #[test]
    fn many_sections_and_options_scale() {
        let mut text = String::from("[Big]\n");
        for i in 0..100_000 {
            text += &format!("k{i}=v\n");
        }
        for i in 0..100_000 {
            text += &format!("[S{i}]\nports=1\n");
        }
        let ast = parse_app_file(&text);
        assert!(ast.errors.is_empty());
        assert_eq!(ast.sections.len(), 100_001);
        assert_eq!(ast.sections[0].options.len(), 100_000);
    }
}
