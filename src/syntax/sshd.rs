//! sshd_config tokenising exactly as sshd does it (servconf.c `load_server_config`,
//! `process_server_config_line_depth`; misc.c `strdelim`, `argv_split`).
//!
//! sshd's reader is a byte-level state machine with C-string quirks (a NUL byte swallows the
//! rest of its line *and* its newline; `strdelim` drops an opening quote wherever it sits in a
//! token). Those rules are written out directly below rather than as nom combinators: the
//! quirks are the specification, and they read more plainly as loops. Value grammars (times,
//! sizes, MaxStartups, addresses) are nom parsers in [`super::values`].

use crate::ast::sshd::{Arg, ConfigAst, Directive, LineText};

const WHITESPACE: &[u8] = b" \t\r\n";

/// Split a file into sshd's logical lines and tokenise each one.
pub fn parse(text: &str) -> ConfigAst {
    let mut lines = Vec::new();
    for (number, line) in logical_lines(text.as_bytes()).into_iter().enumerate() {
        if let Some(d) = parse_line(line, u32::try_from(number + 1).unwrap_or(u32::MAX)) {
            lines.push(d);
        }
    }
    ConfigAst { directives: lines }
}

/// sshd reads with getline(), strips leading `" \t\r"`, and appends each line up to its first
/// NUL (so a NUL also drops the newline, joining the next line on). The buffer is then split on
/// `\n`. Returns each logical line with a map back to file offsets.
pub fn logical_lines(bytes: &[u8]) -> Vec<LineText> {
    let mut out = Vec::new();
    let mut current = LineText::default();
    let mut pos = 0usize;
    while pos < bytes.len() {
        let end = memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        let mut start = pos;
        while start < end && matches!(bytes[start], b' ' | b'\t' | b'\r') {
            start += 1;
        }
        let physical = &bytes[start..end];
        let (kept, has_newline) = match memchr(0, physical) {
            Some(nul) => (&physical[..nul], false),
            None => match physical.last() {
                Some(b'\n') => (&physical[..physical.len() - 1], true),
                _ => (physical, false),
            },
        };
        current.push(kept, start);
        if has_newline {
            out.push(std::mem::take(&mut current));
        }
        pos = end;
    }
    if !current.bytes.is_empty() || !bytes.is_empty() && !bytes.ends_with(b"\n") {
        out.push(current);
    }
    out
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Tokenise one logical line. `None` for blank lines, comments and lines sshd ignores.
pub fn parse_line(mut line: LineText, number: u32) -> Option<Directive> {
    // Trailing whitespace (and form feed) is stripped, but never the first byte.
    let mut len = line.bytes.len();
    while len > 1 && matches!(line.bytes[len - 1], b' ' | b'\t' | b'\r' | b'\n' | 0x0c) {
        len -= 1;
    }
    line.bytes.truncate(len);
    if line.bytes.is_empty() {
        return None;
    }
    let bytes = &line.bytes;
    let mut cursor = Some(0usize);
    let mut keyword = strdelim(bytes, &mut cursor, true)?;
    if keyword.text.is_empty() {
        keyword = strdelim(bytes, &mut cursor, true)?;
    }
    if keyword.text.is_empty() || keyword.text.starts_with('#') {
        return None;
    }
    let rest = cursor.filter(|&c| c < bytes.len());
    let args = match rest {
        Some(start) => argv_split(bytes, start),
        None => Ok(Vec::new()),
    };
    Some(Directive { number, keyword, rest, args, line })
}

/// `strdelim`: the next token separated by whitespace or (with `split_equals`) one `=`;
/// a double quote starts a quoted run that ends at the next double quote. `cursor` becomes
/// `None` at the end of the string. Returns `None` on an unmatched quote (sshd then ignores
/// the rest of the line).
pub fn strdelim(bytes: &[u8], cursor: &mut Option<usize>, split_equals: bool) -> Option<Arg> {
    let start = (*cursor)?;
    let is_delim = |b: u8| WHITESPACE.contains(&b) || b == b'"' || (split_equals && b == b'=');
    let Some(off) = bytes[start..].iter().position(|&b| is_delim(b)) else {
        *cursor = None;
        return Some(Arg::from_bytes(&bytes[start..], start, bytes.len()));
    };
    let d = start + off;
    if bytes[d] == b'"' {
        let Some(close) = memchr(b'"', &bytes[d + 1..]).map(|i| d + 1 + i) else {
            *cursor = None;
            return None;
        };
        let mut text = bytes[start..d].to_vec();
        text.extend_from_slice(&bytes[d + 1..close]);
        *cursor = Some(skip_ws(bytes, close + 1));
        return Some(Arg::from_vec(text, start, close + 1));
    }
    let token = Arg::from_bytes(&bytes[start..d], start, d);
    let mut next = skip_ws(bytes, d + 1);
    if split_equals && bytes[d] != b'=' && bytes.get(next) == Some(&b'=') {
        next = skip_ws(bytes, next + 1);
    }
    *cursor = Some(next);
    Some(token)
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && WHITESPACE.contains(&bytes[i]) {
        i += 1;
    }
    i
}

/// Where an `argv_split` failed: the offset of the unterminated quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnterminatedQuote(pub usize);

/// `argv_split(…, terminate_on_comment=1)`: space/tab separated words, single and double
/// quotes group, `\\ \" \'` and (outside quotes) `\ ` are escapes, a word starting with `#`
/// ends the line.
pub fn argv_split(bytes: &[u8], start: usize) -> Result<Vec<Arg>, UnterminatedQuote> {
    let mut args = Vec::new();
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            b'#' => break,
            _ => {}
        }
        let token_start = i;
        let mut quote: Option<(u8, usize)> = None;
        let mut text = Vec::new();
        while i < bytes.len() {
            let c = bytes[i];
            if c == b'\\' {
                let next = bytes.get(i + 1).copied();
                if matches!(next, Some(b'\'' | b'"' | b'\\')) || (quote.is_none() && next == Some(b' ')) {
                    i += 1;
                    text.push(bytes[i]);
                } else {
                    text.push(c);
                }
            } else if quote.is_none() && (c == b' ' || c == b'\t') {
                break;
            } else if quote.is_none() && (c == b'"' || c == b'\'') {
                quote = Some((c, i));
            } else if quote.is_some_and(|(q, _)| q == c) {
                quote = None;
            } else {
                text.push(c);
            }
            i += 1;
        }
        if let Some((_, at)) = quote {
            return Err(UnterminatedQuote(at));
        }
        args.push(Arg::from_vec(text, token_start, i));
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> (String, Vec<String>) {
        let ast = parse(line);
        let d = &ast.directives[0];
        let args = d.args.as_ref().map(|a| a.iter().map(|x| x.text.clone()).collect()).unwrap_or_default();
        (d.keyword.text.clone(), args)
    }

    #[test]
    fn equals_and_spaces_separate_keyword() {
        assert_eq!(words("Port=2222"), ("Port".into(), vec!["2222".into()]));
        assert_eq!(words("pOrT   =   2222"), ("pOrT".into(), vec!["2222".into()]));
        assert_eq!(words("Port==2222").1, vec!["=2222".to_string()]);
    }

    #[test]
    fn quoted_keywords_lose_their_quotes() {
        assert_eq!(words("\"PermitRootLogin\" yes").0, "PermitRootLogin");
        assert_eq!(words("Permit\"RootLogin\" yes").0, "PermitRootLogin");
        assert_eq!(words("PermitRootLogin \"y\"es").1, vec!["yes".to_string()]);
    }

    #[test]
    fn comments_only_at_token_start() {
        assert_eq!(words("AllowUsers alice # bob").1, vec!["alice".to_string()]);
        assert_eq!(words("AllowUsers alice#bob").1, vec!["alice#bob".to_string()]);
        assert!(parse("  # comment\n\n#Port 22\n").directives.is_empty());
    }

    #[test]
    fn single_and_double_quotes_group() {
        assert_eq!(words("AllowUsers 'bob smith' \"a b\"").1, vec!["bob smith".to_string(), "a b".into()]);
        assert_eq!(words("Banner a\\ b").1, vec!["a b".to_string()]);
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let ast = parse("Banner \"/etc/issue\n");
        assert!(ast.directives[0].args.is_err());
    }

    #[test]
    fn unmatched_quote_in_keyword_ignores_line() {
        assert!(parse("\"PermitRootLogin yes\n").directives.is_empty());
    }

    #[test]
    fn nul_joins_the_next_line() {
        let ast = parse("PermitRootLogin yes\0 junk\nPort 22\n");
        assert_eq!(ast.directives.len(), 1);
        assert_eq!(ast.directives[0].args.as_ref().map(|a| a[0].text.clone()).unwrap_or_default(), "yesPort");
    }

    #[test]
    fn crlf_and_form_feed_are_trailing_whitespace() {
        assert_eq!(words("Port 22\r\n").1, vec!["22".to_string()]);
        assert_eq!(words("Port 22\x0c").1, vec!["22".to_string()]);
    }

    #[test]
    fn keyword_without_argument_has_no_rest() {
        let ast = parse("Port\n");
        assert!(ast.directives[0].rest.is_none());
    }

    #[test]
    fn line_numbers_count_logical_lines() {
        let ast = parse("\n\nPort 22\n");
        assert_eq!(ast.directives[0].number, 3);
    }

    #[test]
    fn spans_map_to_file_offsets() {
        let text = "  Port 2222\n";
        let ast = parse(text);
        let d = &ast.directives[0];
        let arg = &d.args.as_ref().expect("args")[0];
        assert_eq!(&text[d.line.file_range(arg.start, arg.end)], "2222");
    }
}
