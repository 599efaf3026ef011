//! iptables-save / iptables-restore files read the way iptables-restore 1.8 (xtables-restore.c,
//! xshared.c `add_param_to_argv`, `do_parse`) reads them. Owns the line grammar, the quote
//! rules, getopt_long's option resolution (aliases, unique-prefix abbreviations, `--opt=value`)
//! and the option tables of the common match and target modules. It must not evaluate rules:
//! whether a chain exists or a target is allowed where it stands is for `model` and `rules`.
//!
//! Line-level recovery: a rejected line becomes [`Invalid`] and parsing goes on. Small grammar
//! elements (table header, chain declaration, counters, ports, addresses) are nom parsers; the
//! quote state machine and getopt emulation are loops, because their quirks are the
//! specification.

use crate::ast::iptables::{
    self as ast, ChainDecl, Command, CommandExtra, CommandKind, Counters, Family, Invalid, IptablesAst, Line,
    NewMatch as Match, NewOpt as Opt, NewRule as Rule, NewTarget as Target, NewWord as Word, SERVICES, Store,
    SyntaxError, Table, TableName, TargetKind,
};
use crate::source::Span;
use nom::{
    IResult, Parser,
    bytes::complete::{tag, take_till, take_while, take_while1},
    character::complete::char,
    combinator::{all_consuming, opt, rest},
    error::context,
    sequence::{delimited, preceded, separated_pair},
};
use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::rc::Rc;
use std::sync::Arc;

/// Text the parser can keep: an `Arc<str>` (a [`crate::source::SourceFile`]'s) is shared,
/// anything else copied once.
pub trait IntoText {
    fn into_text(self) -> Arc<str>;
}

impl IntoText for Arc<str> {
    fn into_text(self) -> Arc<str> {
        self
    }
}

impl IntoText for &Arc<str> {
    fn into_text(self) -> Arc<str> {
        self.clone()
    }
}

impl IntoText for &str {
    fn into_text(self) -> Arc<str> {
        self.into()
    }
}

impl IntoText for &String {
    fn into_text(self) -> Arc<str> {
        self.as_str().into()
    }
}

impl IntoText for String {
    fn into_text(self) -> Arc<str> {
        self.into()
    }
}

/// Parse an IPv4 file (`iptables-restore`).
pub fn parse(text: impl IntoText) -> IptablesAst {
    parse_family(text, Family::Ipv4)
}

/// Parse a file for `iptables-restore` (IPv4) or `ip6tables-restore` (IPv6). The AST keeps the
/// text (an `Arc<str>` is shared, not copied).
pub fn parse_family(text: impl IntoText, family: Family) -> IptablesAst {
    let text = text.into_text();
    let mut store = Store::new(text.clone());
    let text = &*text;
    store.reserve(text.bytes().filter(|&b| b == b'\n').count() + 1);
    let mut ast = IptablesAst { family, ..IptablesAst::default() };
    let mut current: Option<Table> = None;
    // The words of the current command line (a buffer reused from line to line).
    let mut words = Vec::with_capacity(32);
    let mut offset = 0usize;
    let mut seen_cr = false;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let span = Span::new(start, start + line.len());
        if line.is_empty() {
            continue;
        }
        if line.starts_with('#') {
            ast.comments.push(span);
            continue;
        }
        // A carriage return is reported once per file; later lines are read without it so
        // that one CRLF conversion gives one diagnostic.
        let line = if let Some(cr) = line.find('\r') {
            if !seen_cr {
                seen_cr = true;
                let invalid = invalid(
                    span,
                    Span::new(start + cr, start + cr + 1),
                    "line ends in a carriage return: iptables-restore rejects CRLF line endings".into(),
                );
                push_line(&mut ast, &mut current, Line::Invalid(invalid));
            }
            line.strip_suffix('\r').unwrap_or(line)
        } else {
            line
        };
        match current.as_mut() {
            Some(table) if line == "COMMIT" => {
                table.commit = Some(span);
                if let Some(t) = current.take() {
                    ast.tables.push(t);
                }
            }
            Some(table) if line.trim_end().eq_ignore_ascii_case("COMMIT") => {
                // Rejected, but it plainly ends the table: close it so the error is reported once.
                let message = if line.trim_end() == "COMMIT" {
                    "`COMMIT` followed by blanks: iptables-restore accepts only the bare word".to_string()
                } else {
                    format!("`{line}` is not `COMMIT`: iptables-restore accepts only upper case")
                };
                table.lines.push(Line::Invalid(invalid(span, span, message)));
                table.commit = Some(span);
                if let Some(t) = current.take() {
                    ast.tables.push(t);
                }
            }
            Some(table) if line.starts_with(':') => {
                let l = chain_line(line, start, table.name, family);
                table.lines.push(l);
            }
            Some(table) => {
                let l = command_line(line, start, table.name, family, &mut store, &mut words);
                table.lines.push(l);
            }
            None if line.starts_with('*') => {
                let mut table = table_line(line, start);
                // Room for the table's lines up to its COMMIT, so the vector never grows (a
                // kube-proxy table has hundreds of thousands).
                let rest = text.get(offset..).unwrap_or("");
                let body = rest.find("\nCOMMIT").map_or(rest, |end| &rest[..end]);
                table.lines.reserve(body.bytes().filter(|&b| b == b'\n').count() + 1);
                current = Some(table);
            }
            None => {
                let message = if line == "COMMIT" {
                    "`COMMIT` outside a table: there is no `*table` line to commit".to_string()
                } else if line.eq_ignore_ascii_case("commit") {
                    format!("`{line}` outside a table (and `COMMIT` must be upper case)")
                } else {
                    "line outside a table: iptables-restore needs a `*filter` (or other `*table`) line first"
                        .to_string()
                };
                ast.invalid.push(*invalid(span, span, message));
            }
        }
    }
    if let Some(mut t) = current.take() {
        let name = t.name.map_or("?", TableName::as_str);
        t.missing_commit = Some(SyntaxError {
            span: t.header,
            message: format!("table `{name}` is never committed: iptables-restore rejects a file without `COMMIT`"),
        });
        ast.tables.push(t);
    }
    ast.store = Rc::new(store);
    ast
}

fn push_line(ast: &mut IptablesAst, current: &mut Option<Table>, line: Line) {
    match (current.as_mut(), line) {
        (Some(t), l) => t.lines.push(l),
        (None, Line::Invalid(i)) => ast.invalid.push(*i),
        (None, _) => {}
    }
}

fn invalid(span: Span, at: Span, message: String) -> Box<Invalid> {
    Box::new(Invalid { span, error: SyntaxError { span: at, message } })
}

/// The span of `text`, a slice of `line`, which starts at `line_start` in the file.
fn span_in(text: &str, line: &str, line_start: usize) -> Span {
    let off = text.as_ptr() as usize - line.as_ptr() as usize;
    Span::new(line_start + off, line_start + off + text.len())
}

// ---------------------------------------------------------------------------------------------
// Table header and chain declarations

/// Separators of `strtok(…, " \t\n")`.
fn is_sep(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// One `strtok` field: skip separators, take a run of non-separators.
fn field(input: &str) -> IResult<&str, &str> {
    context("field", preceded(take_while(is_sep), take_while1(|c| !is_sep(c)))).parse(input)
}

/// `*table`: the first field after `*` names the table; the rest of the line is ignored.
fn table_header(input: &str) -> IResult<&str, &str> {
    context("table header", preceded(char('*'), field)).parse(input)
}

fn table_line(line: &str, start: usize) -> Table {
    let span = Span::new(start, start + line.len());
    let mut table = Table {
        name: None,
        header: span,
        name_span: span,
        lines: Vec::new(),
        commit: None,
        missing_commit: None,
        name_error: None,
    };
    match table_header(line) {
        Ok((_, name)) => {
            let span = span_in(name, line, start);
            table.name_span = span;
            table.name = TableName::from_name(name);
            if table.name.is_none() {
                table.name_error = Some(SyntaxError {
                    span,
                    message: format!("unknown table `{name}`: expected `filter`, `nat`, `mangle`, `raw` or `security`"),
                });
            }
        }
        Err(_) => {
            table.name_error = Some(SyntaxError { span, message: "`*` without a table name".into() });
        }
    }
    table
}

/// `:NAME POLICY [counters]`: name and policy fields; anything after them is ignored by
/// iptables-restore unless it runs with `-c`.
fn chain_decl(input: &str) -> IResult<&str, (&str, Option<&str>, Option<&str>)> {
    context("chain declaration", (preceded(char(':'), field), opt(field), opt(field))).parse(input)
}

fn chain_line(line: &str, start: usize, table: Option<TableName>, family: Family) -> Line {
    let span = Span::new(start, start + line.len());
    let Ok((_, (name, policy, counters))) = chain_decl(line) else {
        return Line::Invalid(invalid(span, span, "chain declaration without a chain name".into()));
    };
    let name_span = span_in(name, line, start);
    let Some(policy) = policy else {
        return Line::Invalid(invalid(
            span,
            name_span,
            format!("chain `{name}` is declared without a policy: write `ACCEPT`, `DROP` or `-`"),
        ));
    };
    let policy_span = span_in(policy, line, start);
    let builtin = table.is_some_and(|t| t.builtin_chains().contains(&name));
    if !builtin {
        if let Err(message) = check_chain_name(name, family) {
            return Line::Invalid(invalid(span, name_span, message));
        }
    } else if !matches!(policy, "ACCEPT" | "DROP" | "-") {
        return Line::Invalid(invalid(
            span,
            policy_span,
            format!("bad policy `{policy}` for built-in chain `{name}`: expected `ACCEPT` or `DROP`"),
        ));
    }
    let counters = counters.map(|c| ast::Word::plain(span_in(c, line, start)));
    Line::Chain(ChainDecl {
        span,
        name: ast::Word::plain(name_span),
        policy: ast::Word::plain(policy_span),
        counters,
        builtin,
    })
}

/// The checks iptables applies to a new user chain's name (`-N` and `:NAME`).
fn check_chain_name(name: &str, _family: Family) -> Result<(), String> {
    if name.len() >= 29 {
        return Err(format!("chain name `{name}` is too long: at most 28 characters"));
    }
    if name.starts_with('-') {
        return Err(format!("chain name `{name}` starts with `-`"));
    }
    if name.starts_with('!') {
        return Err(format!("chain name `{name}` starts with `!`"));
    }
    if ast::is_target_extension(name) {
        return Err(format!("chain name `{name}` clashes with the target of that name"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Command lines: counters, words, options

/// `[packets:bytes]` at the very start of a command line (iptables-save -c).
fn counters_prefix(input: &str) -> IResult<&str, (&str, &str)> {
    context(
        "counters",
        delimited(
            char('['),
            separated_pair(take_till(|c| c == ':' || c == ']'), char(':'), take_till(|c| c == ']')),
            char(']'),
        ),
    )
    .parse(input)
}

/// Split a command line into words as `add_param_to_argv` does: blanks separate words; a `"`
/// opens a quote anywhere in a word, a closing `"` ends the word; inside quotes `\` escapes the
/// next character. An unterminated quote runs to the end of the line.
pub fn split_words(line: &str, base: usize) -> Vec<Word<'_>> {
    let mut words = Vec::new();
    split_words_into(line, base, &mut words);
    words
}

/// [`split_words`] into a buffer the caller reuses from line to line. The special characters
/// are ASCII, so the line is scanned byte by byte; words are slices of it unless quotes join
/// parts or escapes drop backslashes.
/// The most words iptables-restore 1.8 accepts on one command line (checked with
/// `iptables-restore --test`: 251 load, 252 give "Parser cannot handle more arguments").
const MAX_WORDS: usize = 251;

fn split_words_into<'t>(line: &'t str, base: usize, words: &mut Vec<Word<'t>>) {
    let bytes = line.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let start = i;
        // The unquoted part of the word.
        while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'"') {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'"' {
            words.push(Word {
                text: Cow::Borrowed(&line[start..i]),
                span: Span::new(base + start, base + i),
                quoted: false,
            });
            continue;
        }
        // A quote: the word runs to the closing quote (or the end of the line).
        let quote = i;
        let mut buf: Option<String> = (quote > start).then(|| line[start..quote].to_string());
        i += 1;
        let mut closed = false;
        let mut piece = i;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => {
                    // The backslash is dropped and the next character kept as it is.
                    let b = buf.get_or_insert_with(String::new);
                    b.push_str(&line[piece..i]);
                    i += 1;
                    piece = i;
                    if let Some(c) = line.get(i..).and_then(|r| r.chars().next()) {
                        i += c.len_utf8();
                    }
                }
                b'"' => {
                    closed = true;
                    break;
                }
                _ => i += 1,
            }
        }
        let inner_end = i.min(bytes.len());
        let text = match buf {
            Some(mut b) => {
                b.push_str(&line[piece..inner_end]);
                Cow::Owned(b)
            }
            None => Cow::Borrowed(&line[quote + 1..inner_end]),
        };
        let end = if closed { i + 1 } else { bytes.len() };
        words.push(Word { text, span: Span::new(base + start, base + end), quoted: true });
        i = end;
    }
}

fn command_line<'t>(
    line: &'t str,
    start: usize,
    table: Option<TableName>,
    family: Family,
    store: &mut Store,
    words: &mut Vec<Word<'t>>,
) -> Line {
    let span = Span::new(start, start + line.len());
    let mut counters = None;
    let mut body = line;
    let mut body_start = start;
    if line.starts_with('[') {
        match counters_prefix(line) {
            Ok((rest, (p, b))) => {
                let used = line.len() - rest.len();
                counters = Some(Counters {
                    span: Span::new(start, start + used),
                    packets: ast::Word::plain(span_in(p, line, start)),
                    bytes: ast::Word::plain(span_in(b, line, start)),
                });
                body = rest;
                body_start = start + used;
            }
            Err(_) => {
                return Line::Invalid(invalid(span, span, "counters `[packets:bytes]` without a closing `]`".into()));
            }
        }
    }
    words.clear();
    split_words_into(body, body_start, words);
    if words.is_empty() {
        return Line::Invalid(invalid(
            span,
            span,
            "no command on this line: iptables-restore rejects lines of only blanks".into(),
        ));
    }
    // iptables-restore passes a line to the iptables parser as `iptables -t TABLE WORDS…`
    // in an argument vector of 255 (xshared.h MAX_ARGC), so at most 251 words fit.
    if let Some(extra) = words.get(MAX_WORDS) {
        let message = format!(
            "this line has {} words: iptables-restore handles at most {MAX_WORDS} on a line and refuses the file (\"Parser cannot handle more arguments\")",
            words.len()
        );
        return Line::Invalid(invalid(span, extra.span, message));
    }
    match CommandParser::new(table, family).run(words) {
        Ok(p) => {
            let mut word = |w: Option<Word>| w.map(|w| store.word(&w));
            let chain = word(p.chain);
            let rulenum = word(p.rulenum);
            let policy_or_new_name = word(p.second);
            let extra = (counters.is_some() || rulenum.is_some() || policy_or_new_name.is_some())
                .then(|| Box::new(CommandExtra { counters, rulenum, policy_or_new_name }));
            Line::Command(Command {
                span,
                kind: p.kind,
                verb: store.word(&p.verb),
                chain,
                rule: store.push_rule(&p.rule),
                extra,
            })
        }
        Err(error) => Line::Invalid(Box::new(Invalid { span, error })),
    }
}

/// A command line as the parser reads it, before its words go to the store.
struct Parsed<'t> {
    kind: CommandKind,
    verb: Word<'t>,
    chain: Option<Word<'t>>,
    rulenum: Option<Word<'t>>,
    second: Option<Word<'t>>,
    rule: Rule<'t>,
}

// ---------------------------------------------------------------------------------------------
// Option tables

/// How many argument words an option takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Args {
    Zero,
    One,
    Two,
}

/// One long option of a module: every spelling (the first is canonical), argument count,
/// whether `!` may precede it, and the value check.
struct OptDef {
    names: &'static [&'static str],
    args: Args,
    invert: bool,
    check: Check,
}

/// Value checks for option arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    Any,
    Port,
    PortList,
    TcpFlags,
    CtState,
    State,
    Uint,
    /// 0-255 as `strtoul(…, 0)` reads it (`0x10`, `010`): hop limits and TTLs.
    Byte,
    Rate,
    LogLevel,
    LogPrefix,
    Comment,
    AddrType,
    IpRange,
    RejectWith,
    Mark,
    IcmpType,
    Icmp6Type,
    NatDest,
    PortRange,
    ConnlimitMask,
    CtAddr,
}

const fn o(names: &'static [&'static str], args: Args, invert: bool, check: Check) -> OptDef {
    OptDef { names, args, invert, check }
}

use Args::{One, Two, Zero};

/// A match or target module modelled here.
struct Module {
    name: &'static str,
    options: &'static [OptDef],
    /// Groups of options of which at most one may be given.
    exclusive: &'static [&'static [&'static str]],
    /// Groups of which one option must be given (an empty group list means none required).
    required: &'static [&'static [&'static str]],
    /// Protocol names `-p` must give for this match, if any.
    protocols: &'static [&'static str],
    family: Option<Family>,
}

const PORT_PROTOS: &[&str] = &["tcp", "udp", "udplite", "sctp", "dccp"];

const MATCHES: &[Module] = &[
    Module {
        name: "tcp",
        options: &[
            o(&["--source-port", "--sport"], One, true, Check::Port),
            o(&["--destination-port", "--dport"], One, true, Check::Port),
            o(&["--tcp-flags"], Two, true, Check::TcpFlags),
            o(&["--syn"], Zero, true, Check::Any),
            o(&["--tcp-option"], One, true, Check::Uint),
        ],
        exclusive: &[&["--syn", "--tcp-flags"]],
        required: &[],
        protocols: &["tcp"],
        family: None,
    },
    Module {
        name: "udp",
        options: &[
            o(&["--source-port", "--sport"], One, true, Check::Port),
            o(&["--destination-port", "--dport"], One, true, Check::Port),
        ],
        exclusive: &[],
        required: &[],
        protocols: &["udp"],
        family: None,
    },
    Module {
        name: "icmp",
        options: &[o(&["--icmp-type"], One, true, Check::IcmpType)],
        exclusive: &[],
        required: &[],
        protocols: &["icmp"],
        family: Some(Family::Ipv4),
    },
    Module {
        name: "icmp6",
        options: &[o(&["--icmpv6-type"], One, true, Check::Icmp6Type)],
        exclusive: &[],
        required: &[],
        protocols: &["icmpv6", "ipv6-icmp"],
        family: Some(Family::Ipv6),
    },
    Module {
        name: "hl",
        options: &[
            o(&["--hl-eq"], One, true, Check::Byte),
            o(&["--hl-lt"], One, false, Check::Byte),
            o(&["--hl-gt"], One, false, Check::Byte),
        ],
        exclusive: &[&["--hl-eq", "--hl-lt", "--hl-gt"]],
        required: &[&["--hl-eq", "--hl-lt", "--hl-gt"]],
        protocols: &[],
        family: Some(Family::Ipv6),
    },
    Module {
        name: "ttl",
        options: &[
            o(&["--ttl-eq"], One, true, Check::Byte),
            o(&["--ttl-lt"], One, false, Check::Byte),
            o(&["--ttl-gt"], One, false, Check::Byte),
        ],
        exclusive: &[&["--ttl-eq", "--ttl-lt", "--ttl-gt"]],
        required: &[&["--ttl-eq", "--ttl-lt", "--ttl-gt"]],
        protocols: &[],
        family: Some(Family::Ipv4),
    },
    Module {
        name: "multiport",
        options: &[
            o(&["--source-ports", "--sports"], One, true, Check::PortList),
            o(&["--destination-ports", "--dports"], One, true, Check::PortList),
            o(&["--ports"], One, true, Check::PortList),
        ],
        exclusive: &[&["--source-ports", "--destination-ports", "--ports"]],
        required: &[&["--source-ports", "--destination-ports", "--ports"]],
        protocols: PORT_PROTOS,
        family: None,
    },
    Module {
        name: "conntrack",
        options: &[
            o(&["--ctstate"], One, true, Check::CtState),
            o(&["--ctproto"], One, true, Check::Any),
            o(&["--ctorigsrc"], One, true, Check::CtAddr),
            o(&["--ctorigdst"], One, true, Check::CtAddr),
            o(&["--ctreplsrc"], One, true, Check::CtAddr),
            o(&["--ctrepldst"], One, true, Check::CtAddr),
            o(&["--ctorigsrcport"], One, true, Check::Port),
            o(&["--ctorigdstport"], One, true, Check::Port),
            o(&["--ctreplsrcport"], One, true, Check::Port),
            o(&["--ctrepldstport"], One, true, Check::Port),
            o(&["--ctstatus"], One, true, Check::Any),
            o(&["--ctexpire"], One, true, Check::Any),
            o(&["--ctdir"], One, false, Check::Any),
        ],
        exclusive: &[],
        required: &[],
        protocols: &[],
        family: None,
    },
    Module {
        name: "state",
        options: &[o(&["--state"], One, true, Check::State)],
        exclusive: &[],
        required: &[&["--state"]],
        protocols: &[],
        family: None,
    },
    Module {
        name: "iprange",
        options: &[o(&["--src-range"], One, true, Check::IpRange), o(&["--dst-range"], One, true, Check::IpRange)],
        exclusive: &[],
        required: &[],
        protocols: &[],
        family: None,
    },
    Module {
        name: "addrtype",
        options: &[
            o(&["--src-type"], One, true, Check::AddrType),
            o(&["--dst-type"], One, true, Check::AddrType),
            o(&["--limit-iface-in"], Zero, false, Check::Any),
            o(&["--limit-iface-out"], Zero, false, Check::Any),
        ],
        exclusive: &[&["--limit-iface-in", "--limit-iface-out"]],
        required: &[],
        protocols: &[],
        family: None,
    },
    Module {
        name: "recent",
        options: &[
            o(&["--set"], Zero, true, Check::Any),
            o(&["--rcheck"], Zero, true, Check::Any),
            o(&["--update"], Zero, true, Check::Any),
            o(&["--remove"], Zero, true, Check::Any),
            o(&["--seconds"], One, false, Check::Uint),
            o(&["--reap"], Zero, false, Check::Any),
            o(&["--hitcount"], One, false, Check::Uint),
            o(&["--rttl"], Zero, false, Check::Any),
            o(&["--name"], One, false, Check::Any),
            o(&["--rsource"], Zero, false, Check::Any),
            o(&["--rdest"], Zero, false, Check::Any),
            o(&["--mask"], One, false, Check::Any),
        ],
        exclusive: &[&["--set", "--rcheck", "--update", "--remove"], &["--rsource", "--rdest"]],
        required: &[&["--set", "--rcheck", "--update", "--remove"]],
        protocols: &[],
        family: None,
    },
    Module {
        name: "limit",
        options: &[o(&["--limit"], One, false, Check::Rate), o(&["--limit-burst"], One, false, Check::Uint)],
        exclusive: &[],
        required: &[],
        protocols: &[],
        family: None,
    },
    Module {
        name: "hashlimit",
        options: &[
            o(&["--hashlimit-upto", "--hashlimit"], One, false, Check::Rate),
            o(&["--hashlimit-above"], One, false, Check::Rate),
            o(&["--hashlimit-burst"], One, false, Check::Uint),
            o(&["--hashlimit-mode"], One, false, Check::Any),
            o(&["--hashlimit-name"], One, false, Check::Any),
            o(&["--hashlimit-srcmask"], One, false, Check::Uint),
            o(&["--hashlimit-dstmask"], One, false, Check::Uint),
            o(&["--hashlimit-htable-size"], One, false, Check::Uint),
            o(&["--hashlimit-htable-max"], One, false, Check::Uint),
            o(&["--hashlimit-htable-expire"], One, false, Check::Uint),
            o(&["--hashlimit-htable-gcinterval"], One, false, Check::Uint),
            o(&["--hashlimit-rate-match"], Zero, false, Check::Any),
            o(&["--hashlimit-rate-interval"], One, false, Check::Uint),
        ],
        exclusive: &[&["--hashlimit-upto", "--hashlimit-above"]],
        required: &[&["--hashlimit-upto", "--hashlimit-above"], &["--hashlimit-name"]],
        protocols: &[],
        family: None,
    },
    Module {
        name: "connlimit",
        options: &[
            o(&["--connlimit-upto"], One, false, Check::Uint),
            o(&["--connlimit-above"], One, false, Check::Uint),
            o(&["--connlimit-mask"], One, false, Check::ConnlimitMask),
            o(&["--connlimit-saddr"], Zero, false, Check::Any),
            o(&["--connlimit-daddr"], Zero, false, Check::Any),
        ],
        exclusive: &[&["--connlimit-upto", "--connlimit-above"], &["--connlimit-saddr", "--connlimit-daddr"]],
        required: &[&["--connlimit-upto", "--connlimit-above"]],
        protocols: &[],
        family: None,
    },
    Module {
        name: "set",
        options: &[
            o(&["--match-set"], Two, true, Check::Any),
            o(&["--return-nomatch"], Zero, false, Check::Any),
            o(&["--update-counters"], Zero, true, Check::Any),
            o(&["--update-subcounters"], Zero, true, Check::Any),
        ],
        exclusive: &[],
        required: &[&["--match-set"]],
        protocols: &[],
        family: None,
    },
    Module {
        name: "mark",
        options: &[o(&["--mark"], One, true, Check::Mark)],
        exclusive: &[],
        required: &[&["--mark"]],
        protocols: &[],
        family: None,
    },
    Module {
        name: "connmark",
        options: &[o(&["--mark"], One, true, Check::Mark)],
        exclusive: &[],
        required: &[&["--mark"]],
        protocols: &[],
        family: None,
    },
    Module {
        name: "comment",
        options: &[o(&["--comment"], One, false, Check::Comment)],
        exclusive: &[],
        required: &[&["--comment"]],
        protocols: &[],
        family: None,
    },
    Module {
        name: "statistic",
        options: &[
            o(&["--mode"], One, false, Check::Any),
            o(&["--probability"], One, true, Check::Any),
            o(&["--every"], One, true, Check::Uint),
            o(&["--packet"], One, false, Check::Uint),
        ],
        exclusive: &[],
        required: &[&["--mode"]],
        protocols: &[],
        family: None,
    },
];

const TARGETS: &[Module] = &[
    Module {
        name: "REJECT",
        options: &[o(&["--reject-with"], One, false, Check::RejectWith)],
        exclusive: &[],
        required: &[],
        protocols: &[],
        family: None,
    },
    Module {
        name: "LOG",
        options: &[
            o(&["--log-level"], One, false, Check::LogLevel),
            o(&["--log-prefix"], One, false, Check::LogPrefix),
            o(&["--log-tcp-sequence"], Zero, false, Check::Any),
            o(&["--log-tcp-options"], Zero, false, Check::Any),
            o(&["--log-ip-options"], Zero, false, Check::Any),
            o(&["--log-uid"], Zero, false, Check::Any),
            o(&["--log-macdecode"], Zero, false, Check::Any),
        ],
        exclusive: &[],
        required: &[],
        protocols: &[],
        family: None,
    },
    Module {
        name: "DNAT",
        options: &[
            o(&["--to-destination"], One, false, Check::NatDest),
            o(&["--random"], Zero, false, Check::Any),
            o(&["--persistent"], Zero, false, Check::Any),
        ],
        exclusive: &[],
        required: &[&["--to-destination"]],
        protocols: &[],
        family: None,
    },
    Module {
        name: "SNAT",
        options: &[
            o(&["--to-source"], One, false, Check::NatDest),
            o(&["--random"], Zero, false, Check::Any),
            o(&["--random-fully"], Zero, false, Check::Any),
            o(&["--persistent"], Zero, false, Check::Any),
        ],
        exclusive: &[],
        required: &[&["--to-source"]],
        protocols: &[],
        family: None,
    },
    Module {
        name: "MASQUERADE",
        options: &[
            o(&["--to-ports"], One, false, Check::PortRange),
            o(&["--random"], Zero, false, Check::Any),
            o(&["--random-fully"], Zero, false, Check::Any),
        ],
        exclusive: &[],
        required: &[],
        protocols: &[],
        family: None,
    },
    Module {
        name: "REDIRECT",
        options: &[o(&["--to-ports"], One, false, Check::PortRange), o(&["--random"], Zero, false, Check::Any)],
        exclusive: &[],
        required: &[],
        protocols: &[],
        family: None,
    },
    Module {
        name: "MARK",
        options: &[
            o(&["--set-xmark"], One, false, Check::Mark),
            o(&["--set-mark"], One, false, Check::Mark),
            o(&["--and-mark"], One, false, Check::Mark),
            o(&["--or-mark"], One, false, Check::Mark),
            o(&["--xor-mark"], One, false, Check::Mark),
        ],
        exclusive: &[&["--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark"]],
        required: &[&["--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark"]],
        protocols: &[],
        family: None,
    },
    Module {
        name: "NFLOG",
        options: &[
            o(&["--nflog-group"], One, false, Check::Uint),
            o(&["--nflog-prefix"], One, false, Check::Any),
            o(&["--nflog-range"], One, false, Check::Uint),
            o(&["--nflog-size"], One, false, Check::Uint),
            o(&["--nflog-threshold"], One, false, Check::Uint),
        ],
        exclusive: &[],
        required: &[],
        protocols: &[],
        family: None,
    },
];

/// Modules installed with iptables 1.8.9 whose options are not modelled here: their options
/// are taken as written (`--name` plus the words up to the next option).
const UNMODELLED_MATCHES: &[&str] = &[
    "ah",
    "bpf",
    "cgroup",
    "cluster",
    "connbytes",
    "connlabel",
    "cpu",
    "dccp",
    "devgroup",
    "dscp",
    "ecn",
    "esp",
    "helper",
    "ipcomp",
    "ipvs",
    "length",
    "mac",
    "nfacct",
    "osf",
    "owner",
    "physdev",
    "pkttype",
    "policy",
    "quota",
    "rateest",
    "realm",
    "rpfilter",
    "sctp",
    "socket",
    "string",
    "tcpmss",
    "time",
    "tos",
    "u32",
    "dst",
    "frag",
    "hbh",
    "ipv6header",
    "mh",
    "rt",
    "srh",
    "eui64",
];

/// Base options of iptables(8): (every spelling, short letter, argument count, invertible).
struct BaseOpt {
    names: &'static [&'static str],
    short: char,
    args: Args,
    invert: bool,
}

const fn b(names: &'static [&'static str], short: char, args: Args, invert: bool) -> BaseOpt {
    BaseOpt { names, short, args, invert }
}

const BASE: &[BaseOpt] = &[
    b(&["--append"], 'A', One, false),
    b(&["--check"], 'C', One, false),
    b(&["--delete"], 'D', One, false),
    b(&["--insert"], 'I', One, false),
    b(&["--replace"], 'R', One, false),
    b(&["--list"], 'L', Zero, false),
    b(&["--list-rules"], 'S', Zero, false),
    b(&["--flush"], 'F', Zero, false),
    b(&["--zero"], 'Z', Zero, false),
    b(&["--new-chain"], 'N', One, false),
    b(&["--delete-chain"], 'X', Zero, false),
    b(&["--rename-chain"], 'E', One, false),
    b(&["--policy"], 'P', One, false),
    b(&["--source", "--src"], 's', One, true),
    b(&["--destination", "--dst"], 'd', One, true),
    b(&["--protocol"], 'p', One, true),
    b(&["--in-interface"], 'i', One, true),
    b(&["--out-interface"], 'o', One, true),
    b(&["--jump"], 'j', One, false),
    b(&["--goto"], 'g', One, false),
    b(&["--match"], 'm', One, false),
    b(&["--table"], 't', One, false),
    b(&["--fragment"], 'f', Zero, true),
    b(&["--set-counters"], 'c', Two, false),
    b(&["--verbose"], 'v', Zero, false),
    b(&["--numeric"], 'n', Zero, false),
    b(&["--exact"], 'x', Zero, false),
    b(&["--line-numbers"], '\0', Zero, false),
    b(&["--wait"], 'w', Zero, false),
    b(&["--wait-interval"], 'W', One, false),
    b(&["--ipv4"], '4', Zero, false),
    b(&["--ipv6"], '6', Zero, false),
];

// ---------------------------------------------------------------------------------------------
// getopt emulation

/// Who owns a resolved option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    Base(usize),
    /// Index into `Rule::matches`, and into `MATCHES` (None: unmodelled module).
    Match(usize, Option<usize>),
    Target(usize),
    /// A target extension whose options are not modelled.
    TargetAny,
}

enum Resolved {
    Found(Owner, &'static str),
    Unknown,
    Ambiguous,
}

fn err(span: Span, message: String) -> SyntaxError {
    SyntaxError { span, message }
}

struct CommandParser<'t> {
    table: Option<TableName>,
    family: Family,
    command: Option<(CommandKind, Word<'t>)>,
    chain: Option<Word<'t>>,
    rulenum: Option<Word<'t>>,
    second: Option<Word<'t>>,
    rule: Rule<'t>,
    /// Index in MATCHES of each entry of `rule.matches` (None: unmodelled).
    match_defs: Vec<Option<usize>>,
    target_def: Option<usize>,
    /// `-j` names a target extension whose options are not modelled.
    target_unmodelled: bool,
    protocol: Option<(String, bool)>,
    proto_used: bool,
}

impl<'t> CommandParser<'t> {
    fn new(table: Option<TableName>, family: Family) -> Self {
        CommandParser {
            table,
            family,
            command: None,
            chain: None,
            rulenum: None,
            second: None,
            rule: Rule::default(),
            match_defs: Vec::new(),
            target_def: None,
            target_unmodelled: false,
            protocol: None,
            proto_used: false,
        }
    }

    /// Resolve a long option name (without `=value`) against the options visible now: newest
    /// loaded module first, then the base options; exact names win, else a unique prefix.
    fn resolve(&self, name: &str) -> Resolved {
        // Most options are written in full: find them without collecting prefix candidates.
        if let Some(found) = self.resolve_exact(name) {
            return found;
        }
        let mut candidates: Vec<(Owner, &'static str, bool)> = Vec::new();
        if let Some(t) = self.target_def {
            for d in TARGETS[t].options {
                for n in d.names.iter().filter(|n| n.starts_with(name)) {
                    candidates.push((Owner::Target(t), d.names[0], *n == name));
                }
            }
        }
        for (i, def) in self.match_defs.iter().enumerate().rev() {
            if let Some(m) = def {
                for d in MATCHES[*m].options {
                    for n in d.names {
                        if n.starts_with(name) {
                            candidates.push((Owner::Match(i, Some(*m)), d.names[0], *n == name));
                        }
                    }
                }
            }
        }
        for (i, d) in BASE.iter().enumerate() {
            for n in d.names {
                if n.starts_with(name) {
                    candidates.push((Owner::Base(i), d.names[0], *n == name));
                }
            }
        }
        if let Some((owner, canon, _)) = candidates.iter().find(|c| c.2) {
            return Resolved::Found(*owner, canon);
        }
        let mut distinct: Vec<(Owner, &'static str)> = Vec::new();
        for (owner, canon, _) in candidates {
            if !distinct.contains(&(owner, canon)) {
                distinct.push((owner, canon));
            }
        }
        match distinct.as_slice() {
            [] => {
                if self.target_unmodelled {
                    return Resolved::Found(Owner::TargetAny, "");
                }
                // An option no modelled module knows goes to the newest unmodelled match.
                if let Some(i) = self.match_defs.iter().rposition(Option::is_none) {
                    return Resolved::Found(Owner::Match(i, None), "");
                }
                Resolved::Unknown
            }
            [(owner, canon)] => Resolved::Found(*owner, canon),
            _ => Resolved::Ambiguous,
        }
    }

    /// The option spelled exactly `name`, in the order `resolve` looks (target, newest module
    /// first, base options).
    fn resolve_exact(&self, name: &str) -> Option<Resolved> {
        if let Some(t) = self.target_def
            && let Some(d) = TARGETS[t].options.iter().find(|d| d.names.contains(&name))
        {
            return Some(Resolved::Found(Owner::Target(t), d.names[0]));
        }
        for (i, def) in self.match_defs.iter().enumerate().rev() {
            if let Some(m) = def
                && let Some(d) = MATCHES[*m].options.iter().find(|d| d.names.contains(&name))
            {
                return Some(Resolved::Found(Owner::Match(i, Some(*m)), d.names[0]));
            }
        }
        BASE.iter().position(|d| d.names.contains(&name)).map(|i| Resolved::Found(Owner::Base(i), BASE[i].names[0]))
    }

    /// `-p PROTO` loads the protocol's match when an option is otherwise unknown.
    fn load_proto(&mut self, at: Span) -> bool {
        if self.proto_used {
            return false;
        }
        let Some((proto, _)) = &self.protocol else { return false };
        let name = match proto_name(proto) {
            Some(n) => n,
            None => return false,
        };
        let name = if name == "ipv6-icmp" || name == "icmpv6" { "icmp6" } else { name };
        let Some(idx) = MATCHES.iter().position(|m| m.name == name) else { return false };
        if MATCHES[idx].protocols.is_empty() {
            return false;
        }
        self.proto_used = true;
        self.rule.matches.push(Match {
            span: at,
            name: Word { text: Cow::Borrowed(name), span: at, quoted: false },
            implicit: true,
            options: Vec::new(),
        });
        self.match_defs.push(Some(idx));
        true
    }

    fn run(mut self, words: &[Word<'t>]) -> Result<Parsed<'t>, SyntaxError> {
        let mut i = 0usize;
        let mut invert: Option<Span> = None;
        while i < words.len() {
            let w = &words[i];
            i += 1;
            let t: &str = &w.text;
            if t == "!" {
                if invert.is_some() {
                    return Err(err(w.span, "`!` twice in a row".into()));
                }
                invert = Some(w.span);
                continue;
            }
            let (owner, canonical, inline) = if let Some(long) = t.strip_prefix("--").filter(|s| !s.is_empty()) {
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (long, None),
                };
                // `--name` as written, without a copy when there is no `=value`.
                let name = &t[..2 + name.len()];
                let mut resolved = self.resolve(name);
                if matches!(resolved, Resolved::Unknown | Resolved::Ambiguous) && self.load_proto(w.span) {
                    resolved = self.resolve(name);
                }
                match resolved {
                    Resolved::Found(owner, canon) => {
                        (owner, if canon.is_empty() { leak_name(name) } else { canon }, inline)
                    }
                    Resolved::Unknown => return Err(unknown_option(w, self.protocol.is_some())),
                    Resolved::Ambiguous => {
                        return Err(err(w.span, format!("option `{t}` is ambiguous: spell it out in full")));
                    }
                }
            } else if t.len() >= 2 && t.starts_with('-') && !t.starts_with("--") {
                let mut chars = t[1..].chars();
                let c = chars.next().unwrap_or('-');
                let Some(idx) = BASE.iter().position(|d| d.short == c && c != '\0') else {
                    return Err(err(w.span, format!("unknown option `{t}`")));
                };
                if chars.next().is_some() {
                    return Err(err(w.span, format!("option `{t}`: write `-{c}` and its value as separate words")));
                }
                (Owner::Base(idx), BASE[idx].names[0], None)
            } else if t.starts_with('#') && !w.quoted {
                return Err(err(
                    w.span,
                    "`#` starts a comment only in column 0: iptables-restore rejects trailing and indented comments"
                        .into(),
                ));
            } else if t == "commit" || t == "COMMIT" {
                return Err(err(w.span, format!("`{t}` is not `COMMIT`: write it upper case on a line of its own")));
            } else if t.starts_with('*') {
                return Err(err(w.span, format!("table line `{t}` inside a table: `COMMIT` the table before it")));
            } else {
                return Err(err(w.span, format!("unexpected word `{t}`")));
            };
            let neg = invert.take();
            let nargs = match owner {
                Owner::Base(b) => BASE[b].args,
                Owner::Match(_, Some(m)) => {
                    MATCHES[m].options.iter().find(|d| d.names[0] == canonical).map_or(One, |d| d.args)
                }
                Owner::Match(_, None) | Owner::TargetAny => Zero,
                Owner::Target(t) => TARGETS[t].options.iter().find(|d| d.names[0] == canonical).map_or(One, |d| d.args),
            };
            let mut args = smallvec::SmallVec::new();
            let needed = match nargs {
                Zero => 0,
                One => 1,
                Two => 2,
            };
            let mut remaining = needed;
            if let Some(v) = inline {
                if needed == 0 {
                    return Err(err(w.span, format!("option `{canonical}` takes no value")));
                }
                let off = w.text.find('=').map_or(0, |p| p + 1);
                let text = match &w.text {
                    Cow::Borrowed(b) => Cow::Borrowed(&b[off..]),
                    Cow::Owned(_) => Cow::Owned(v.to_string()),
                };
                args.push(Word {
                    text,
                    span: Span::new(w.span.start as usize + off, w.span.end as usize),
                    quoted: w.quoted,
                });
                remaining -= 1;
            }
            for _ in 0..remaining {
                match words.get(i) {
                    Some(a) => {
                        args.push(a.clone());
                        i += 1;
                    }
                    None => {
                        return Err(err(w.span, format!("option `{}` requires an argument", w.text)));
                    }
                }
            }
            if let Owner::Match(_, None) | Owner::TargetAny = owner {
                // Unmodelled module: take the words up to the next option or `!`.
                while let Some(a) = words.get(i) {
                    if a.text.starts_with('-') || a.text == "!" {
                        break;
                    }
                    args.push(a.clone());
                    i += 1;
                }
            }
            let opt = Opt { name: w.clone(), canonical, negated: neg, args };
            match owner {
                Owner::Base(b) => self.base_option(b, opt, words, &mut i)?,
                Owner::Match(idx, def) => self.module_option(idx, def.map(|d| &MATCHES[d]), opt)?,
                Owner::TargetAny => {
                    if let Some(t) = self.rule.target.as_mut() {
                        t.options.push(opt);
                    }
                }
                Owner::Target(t) => {
                    let target = self.rule.target.as_mut().map(|t| &mut t.options);
                    if let Some(opts) = target {
                        check_option(&TARGETS[t], opts, &opt, self.family)?;
                        opts.push(opt);
                    }
                }
            }
        }
        if let Some(s) = invert {
            return Err(err(s, "`!` at the end of the line negates nothing".into()));
        }
        self.finish(words)
    }

    fn base_option(&mut self, b: usize, opt: Opt<'t>, words: &[Word<'t>], i: &mut usize) -> Result<(), SyntaxError> {
        let def = &BASE[b];
        if let Some(n) = opt.negated
            && !def.invert
        {
            let message = match def.short {
                'j' => "`!` cannot negate `-j`".to_string(),
                'm' => "`!` cannot negate `-m`: negate the module's options instead".to_string(),
                _ => format!("`!` cannot negate `{}`", opt.name.text),
            };
            return Err(err(n, message));
        }
        let kind = match def.short {
            'A' => Some(CommandKind::Append),
            'C' => Some(CommandKind::Check),
            'D' => Some(CommandKind::Delete),
            'I' => Some(CommandKind::Insert),
            'R' => Some(CommandKind::Replace),
            'L' => Some(CommandKind::List),
            'S' => Some(CommandKind::ListRules),
            'F' => Some(CommandKind::Flush),
            'Z' => Some(CommandKind::Zero),
            'N' => Some(CommandKind::NewChain),
            'X' => Some(CommandKind::DeleteChain),
            'E' => Some(CommandKind::Rename),
            'P' => Some(CommandKind::Policy),
            _ => None,
        };
        if let Some(kind) = kind {
            if let Some((_, first)) = &self.command {
                return Err(err(
                    opt.name.span,
                    format!("two commands on one line: `{}` and `{}`", first.text, opt.name.text),
                ));
            }
            self.command = Some((kind, opt.name.clone()));
            self.chain = opt.args.first().cloned();
            let takes_next = |w: Option<&Word>| w.is_some_and(|w| !w.text.starts_with('-') && !w.text.starts_with('!'));
            match kind {
                CommandKind::List
                | CommandKind::ListRules
                | CommandKind::Flush
                | CommandKind::Zero
                | CommandKind::DeleteChain
                    if takes_next(words.get(*i)) =>
                {
                    self.chain = words.get(*i).cloned();
                    *i += 1;
                    if kind == CommandKind::Zero && takes_next(words.get(*i)) {
                        self.rulenum = words.get(*i).cloned();
                        *i += 1;
                    }
                }
                CommandKind::Insert | CommandKind::Delete if takes_next(words.get(*i)) => {
                    self.rulenum = words.get(*i).cloned();
                    *i += 1;
                }
                CommandKind::Replace | CommandKind::Rename | CommandKind::Policy => {
                    let Some(next) = words.get(*i) else {
                        let what = match kind {
                            CommandKind::Replace => "a rule number",
                            CommandKind::Rename => "a new chain name",
                            _ => "a policy",
                        };
                        return Err(err(opt.name.span, format!("`{}` needs {what}", opt.name.text)));
                    };
                    if kind == CommandKind::Replace {
                        self.rulenum = Some(next.clone());
                    } else {
                        self.second = Some(next.clone());
                    }
                    *i += 1;
                }
                _ => {}
            }
            if let Some(n) = &self.rulenum {
                match n.text.parse::<u32>() {
                    Ok(v) if v >= 1 => {}
                    _ => return Err(err(n.span, format!("invalid rule number `{}`", n.text))),
                }
            }
            return Ok(());
        }
        match def.short {
            't' => Err(err(
                opt.name.span,
                "`-t` cannot be used in a restore file: the `*table` line names the table".into(),
            )),
            'm' => {
                let name = opt.args[0].clone();
                if let Some(idx) = MATCHES.iter().position(|m| m.name == name.text) {
                    if MATCHES[idx].family.is_some_and(|f| f != self.family) {
                        return Err(err(
                            name.span,
                            format!("match `{}` does not exist for this address family", name.text),
                        ));
                    }
                    self.rule.matches.push(Match { span: opt.name.span, name, implicit: false, options: Vec::new() });
                    self.match_defs.push(Some(idx));
                    Ok(())
                } else if UNMODELLED_MATCHES.contains(&&*name.text) {
                    self.rule.matches.push(Match { span: opt.name.span, name, implicit: false, options: Vec::new() });
                    self.match_defs.push(None);
                    Ok(())
                } else {
                    Err(err(name.span, format!("unknown match module `{}`", name.text)))
                }
            }
            'j' | 'g' => {
                if self.rule.target.is_some() {
                    return Err(err(
                        opt.name.span,
                        format!("a second target `{}`: a rule has one `-j` or `-g`", opt.name.text),
                    ));
                }
                let name = opt.args[0].clone();
                let kind = if def.short == 'j' { TargetKind::Jump } else { TargetKind::Goto };
                if kind == TargetKind::Jump {
                    self.target_def = TARGETS.iter().position(|t| t.name == name.text);
                    self.target_unmodelled = self.target_def.is_none()
                        && ast::is_target_extension(&name.text)
                        && !matches!(&*name.text, "ACCEPT" | "DROP" | "QUEUE" | "RETURN");
                }
                if name.text.is_empty() {
                    return Err(err(name.span, "empty target name".into()));
                }
                self.rule.target = Some(Target { kind, flag: opt.name.span, name, options: Vec::new() });
                Ok(())
            }
            'f' if self.family == Family::Ipv6 => Err(err(opt.name.span, "`-f` does not exist in ip6tables".into())),
            _ => {
                let value_check = match def.short {
                    'p' => Some(check_protocol(&opt.args[0])),
                    's' | 'd' => Some(check_addresses(&opt.args[0], self.family)),
                    'i' | 'o' => Some(check_interface(&opt.args[0])),
                    'c' => Some(check_counters(&opt.args)),
                    _ => None,
                };
                if let Some(r) = value_check {
                    r?;
                }
                if matches!(def.short, 's' | 'd' | 'p' | 'i' | 'o' | 'f' | 'c')
                    && self.rule.params.iter().any(|p| p.canonical == def.names[0])
                {
                    return Err(err(opt.name.span, format!("`{}` given twice in one rule", opt.name.text)));
                }
                if def.short == 'p' {
                    self.protocol = Some((opt.args[0].text.to_ascii_lowercase().to_string(), opt.negated.is_some()));
                }
                self.rule.params.push(opt);
                Ok(())
            }
        }
    }

    fn module_option(&mut self, idx: usize, def: Option<&Module>, opt: Opt<'t>) -> Result<(), SyntaxError> {
        let m = &mut self.rule.matches[idx];
        if let Some(def) = def {
            check_option(def, &m.options, &opt, self.family)?;
        }
        m.options.push(opt);
        Ok(())
    }

    fn finish(self, words: &[Word<'t>]) -> Result<Parsed<'t>, SyntaxError> {
        let line_span = words.iter().fold(words[0].span, |s, w| s.cover(w.span));
        let Some((kind, verb)) = self.command else {
            return Err(err(line_span, "no command on this line: expected `-A`, `-I`, `-N`, `-P` or another".into()));
        };
        let rule_command = matches!(
            kind,
            CommandKind::Append | CommandKind::Check | CommandKind::Delete | CommandKind::Insert | CommandKind::Replace
        );
        let has_rule = !self.rule.params.iter().all(|p| {
            matches!(
                p.canonical,
                "--verbose"
                    | "--numeric"
                    | "--exact"
                    | "--line-numbers"
                    | "--wait"
                    | "--wait-interval"
                    | "--ipv4"
                    | "--ipv6"
            )
        }) || !self.rule.matches.is_empty()
            || self.rule.target.is_some();
        if !rule_command && has_rule {
            let at = self.rule.params.first().map_or(verb.span, |p| p.name.span);
            return Err(err(at, format!("`{}` takes no rule options", verb.text)));
        }
        if let Some(chain) = &self.chain {
            let c: &str = &chain.text;
            for p in &self.rule.params {
                if p.canonical == "--out-interface" && matches!(c, "INPUT" | "PREROUTING") {
                    return Err(err(
                        p.name.span,
                        format!("`-o` cannot be used in chain `{c}`: packets there have no output interface yet"),
                    ));
                }
                if p.canonical == "--in-interface" && matches!(c, "OUTPUT" | "POSTROUTING") {
                    return Err(err(
                        p.name.span,
                        format!(
                            "`-i` cannot be used in chain `{c}`: locally generated packets have no input interface"
                        ),
                    ));
                }
            }
            if kind == CommandKind::NewChain {
                check_chain_name(c, self.family).map_err(|m| err(chain.span, m))?;
            }
            if kind == CommandKind::Policy {
                if let Some(p) = &self.second
                    && !matches!(&*p.text, "ACCEPT" | "DROP")
                {
                    return Err(err(p.span, format!("bad policy `{}`: expected `ACCEPT` or `DROP`", p.text)));
                }
                let builtin = self.table.is_none_or(|t| t.builtin_chains().contains(&c));
                if !builtin {
                    return Err(err(chain.span, format!("`-P` on `{c}`: only built-in chains have a policy")));
                }
            }
        }
        for (m, def) in self.rule.matches.iter().zip(&self.match_defs) {
            let Some(def) = def.map(|d| &MATCHES[d]) else { continue };
            if !def.protocols.is_empty() {
                let ok = match &self.protocol {
                    Some((p, false)) => proto_name(p).is_some_and(|n| def.protocols.contains(&n)),
                    _ => false,
                };
                if !ok {
                    let want = def.protocols.iter().map(|p| format!("`-p {p}`")).collect::<Vec<_>>().join(" or ");
                    return Err(err(m.name.span, format!("match `{}` needs {want} before it", def.name)));
                }
            }
            check_required(def, &m.options, m.name.span)?;
        }
        if let (Some(t), Some(def)) = (&self.rule.target, self.target_def) {
            check_required(&TARGETS[def], &t.options, t.name.span)?;
        }
        Ok(Parsed { kind, verb, chain: self.chain, rulenum: self.rulenum, second: self.second, rule: self.rule })
    }
}

/// The full names of options that only unmodelled modules know, kept for the AST's
/// `&'static str` field.
fn leak_name(_name: &str) -> &'static str {
    "--(unmodelled)"
}

fn unknown_option(w: &Word, has_proto: bool) -> SyntaxError {
    let t: &str = &w.text;
    let hint = if !has_proto && (t.starts_with("--dport") || t.starts_with("--sport")) {
        ": give `-p tcp` or `-p udp` before it"
    } else {
        ""
    };
    err(w.span, format!("unknown option `{t}`{hint}"))
}

fn check_required(def: &Module, opts: &[Opt], at: Span) -> Result<(), SyntaxError> {
    for group in def.required {
        if !opts.iter().any(|o| group.contains(&o.canonical)) {
            let names = group.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or ");
            return Err(err(at, format!("`{}` needs {names}", def.name)));
        }
    }
    Ok(())
}

/// Negation, repetition, exclusive groups and the value of one module option.
fn check_option(def: &Module, existing: &[Opt], opt: &Opt, family: Family) -> Result<(), SyntaxError> {
    let Some(d) = def.options.iter().find(|d| d.names[0] == opt.canonical) else { return Ok(()) };
    if let Some(n) = opt.negated
        && !d.invert
    {
        return Err(err(n, format!("`!` cannot negate `{}`", opt.name.text)));
    }
    if existing.iter().any(|o| o.canonical == opt.canonical) {
        return Err(err(opt.name.span, format!("`{}` given twice for `{}`", opt.name.text, def.name)));
    }
    for group in def.exclusive {
        if group.contains(&opt.canonical)
            && let Some(other) = existing.iter().find(|o| group.contains(&o.canonical))
        {
            return Err(err(
                opt.name.span,
                format!("`{}` cannot be combined with `{}`", opt.name.text, other.name.text),
            ));
        }
    }
    check_value(d.check, &opt.args, family)
}

// ---------------------------------------------------------------------------------------------
// Value grammars

fn bad(w: &Word, what: &str) -> SyntaxError {
    err(w.span, format!("invalid {what} `{}`", w.text))
}

fn check_value(check: Check, args: &[Word], family: Family) -> Result<(), SyntaxError> {
    let Some(a) = args.first() else { return Ok(()) };
    let t: &str = &a.text;
    let ok = match check {
        Check::Any => true,
        Check::Port => port_spec(t),
        Check::PortList => return port_list(a),
        Check::TcpFlags => tcp_flags(t) && args.get(1).is_some_and(|b| tcp_flags(&b.text)),
        Check::CtState => list_of(t, &["INVALID", "ESTABLISHED", "NEW", "RELATED", "UNTRACKED", "SNAT", "DNAT"]),
        Check::State => list_of(t, &["INVALID", "ESTABLISHED", "NEW", "RELATED", "UNTRACKED"]),
        Check::Uint => t.parse::<u32>().is_ok(),
        Check::Byte => c_uint(t).is_some_and(|n| n <= 255),
        Check::Rate => rate(t),
        Check::LogLevel => {
            t.parse::<u8>().is_ok_and(|n| n <= 7)
                || matches!(t, "emerg" | "alert" | "crit" | "error" | "warning" | "notice" | "info" | "debug")
        }
        // iptables-restore 1.8.9 accepts a longer prefix (the kernel truncates it).
        Check::LogPrefix => true,
        Check::Comment => {
            if t.len() > 255 {
                return Err(err(a.span, "comment is longer than 255 characters".into()));
            }
            true
        }
        Check::AddrType => list_of(
            t,
            &[
                "UNSPEC",
                "UNICAST",
                "LOCAL",
                "BROADCAST",
                "ANYCAST",
                "MULTICAST",
                "BLACKHOLE",
                "UNREACHABLE",
                "PROHIBIT",
                "THROW",
                "NAT",
                "XRESOLVE",
            ],
        ),
        Check::IpRange => t
            .split_once('-')
            .map_or_else(|| host_addr(t, family), |(x, y)| host_addr(x, family) && host_addr(y, family)),
        Check::RejectWith => reject_with(t, family),
        Check::Mark => mark(t),
        Check::IcmpType => icmp_type(t, ICMP_TYPES),
        Check::Icmp6Type => icmp_type(t, ICMP6_TYPES),
        Check::NatDest => !t.is_empty(),
        Check::PortRange => match t.split_once('-') {
            Some((x, y)) => port_number(x) && port_number(y),
            None => port_number(t),
        },
        Check::ConnlimitMask => t.parse::<u8>().is_ok_and(|n| n <= if family == Family::Ipv4 { 32 } else { 128 }),
        Check::CtAddr => check_addresses(a, family).is_ok(),
    };
    if ok { Ok(()) } else { Err(bad(a, value_name(check))) }
}

fn value_name(check: Check) -> &'static str {
    match check {
        Check::Port | Check::PortRange => "port",
        Check::PortList => "port list",
        Check::TcpFlags => "TCP flags",
        Check::CtState | Check::State => "connection state",
        Check::Uint | Check::Byte => "number",
        Check::Rate => "rate",
        Check::LogLevel => "log level",
        Check::AddrType => "address type",
        Check::IpRange => "address range",
        Check::RejectWith => "reject type",
        Check::Mark => "mark",
        Check::IcmpType | Check::Icmp6Type => "ICMP type",
        Check::NatDest => "NAT destination",
        Check::ConnlimitMask => "prefix length",
        Check::CtAddr => "address",
        Check::Any | Check::LogPrefix | Check::Comment => "value",
    }
}

/// An unsigned number as C's `strtoul(text, &end, 0)` reads a whole word: decimal, `0x` hex or
/// `0` octal.
pub fn c_uint(t: &str) -> Option<u64> {
    let (digits, radix) = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None if t.len() > 1 && t.starts_with('0') => (&t[1..], 8),
        None => (t, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

fn list_of(t: &str, names: &[&str]) -> bool {
    !t.is_empty() && t.split(',').all(|s| names.contains(&s))
}

fn tcp_flags(t: &str) -> bool {
    list_of(t, &["SYN", "ACK", "FIN", "RST", "URG", "PSH", "ALL", "NONE"])
}

/// A port number or service name (nom: digits, or a service-name word).
fn port_number(t: &str) -> bool {
    if !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()) {
        return t.parse::<u32>().is_ok_and(|n| n <= 65535);
    }
    SERVICES.iter().any(|(n, _)| *n == t)
}

/// `p`, `p:q`, `:q`, `p:` (tcp/udp `--dport`).
fn port_spec(t: &str) -> bool {
    let parsed: IResult<&str, (&str, Option<&str>)> =
        all_consuming((take_till(|c| c == ':'), opt(preceded(tag(":"), rest)))).parse(t);
    match parsed {
        Ok((_, (a, None))) => port_number(a),
        Ok((_, (a, Some(b)))) => (a.is_empty() || port_number(a)) && (b.is_empty() || port_number(b)),
        Err(_) => false,
    }
}

/// multiport: up to 15 ports, a range counting as two.
fn port_list(w: &Word) -> Result<(), SyntaxError> {
    let mut count = 0;
    for item in w.text.split(',') {
        match item.split_once(':') {
            Some((a, b)) => {
                if !port_number(a) || !port_number(b) {
                    return Err(bad(w, "port list"));
                }
                count += 2;
            }
            None => {
                if !port_number(item) {
                    return Err(bad(w, "port list"));
                }
                count += 1;
            }
        }
    }
    if count > 15 {
        return Err(err(
            w.span,
            format!("too many ports in `{}`: multiport takes at most 15 (a range counts as two)", w.text),
        ));
    }
    Ok(())
}

/// `N[/unit]`, unit a prefix of second, minute, hour or day.
fn rate(t: &str) -> bool {
    let parsed: IResult<&str, (&str, Option<&str>)> =
        all_consuming((take_while1(|c: char| c.is_ascii_digit()), opt(preceded(char('/'), rest)))).parse(t);
    match parsed {
        Ok((_, (n, unit))) => {
            n.parse::<u32>().is_ok_and(|n| n > 0)
                && unit.is_none_or(|u| {
                    !u.is_empty() && ["second", "minute", "hour", "day"].iter().any(|full| full.starts_with(u))
                })
        }
        Err(_) => false,
    }
}

fn mark(t: &str) -> bool {
    let num = |s: &str| {
        if let Some(h) = s.strip_prefix("0x") { u32::from_str_radix(h, 16).is_ok() } else { s.parse::<u32>().is_ok() }
    };
    match t.split_once('/') {
        Some((v, m)) => num(v) && num(m),
        None => num(t),
    }
}

const ICMP_TYPES: &[&str] = &[
    "any",
    "echo-reply",
    "pong",
    "destination-unreachable",
    "network-unreachable",
    "host-unreachable",
    "protocol-unreachable",
    "port-unreachable",
    "fragmentation-needed",
    "source-route-failed",
    "network-unknown",
    "host-unknown",
    "network-prohibited",
    "host-prohibited",
    "TOS-network-unreachable",
    "TOS-host-unreachable",
    "communication-prohibited",
    "host-precedence-violation",
    "precedence-cutoff",
    "source-quench",
    "redirect",
    "echo-request",
    "ping",
    "router-advertisement",
    "router-solicitation",
    "time-exceeded",
    "ttl-exceeded",
    "ttl-zero-during-transit",
    "ttl-zero-during-reassembly",
    "parameter-problem",
    "ip-header-bad",
    "required-option-missing",
    "timestamp-request",
    "timestamp-reply",
    "address-mask-request",
    "address-mask-reply",
];

const ICMP6_TYPES: &[&str] = &[
    "destination-unreachable",
    "no-route",
    "communication-prohibited",
    "address-unreachable",
    "port-unreachable",
    "packet-too-big",
    "time-exceeded",
    "ttl-exceeded",
    "parameter-problem",
    "echo-request",
    "ping",
    "echo-reply",
    "pong",
    "router-solicitation",
    "router-advertisement",
    "neighbour-solicitation",
    "neighbor-solicitation",
    "neighbour-advertisement",
    "neighbor-advertisement",
    "redirect",
];

fn icmp_type(t: &str, names: &[&str]) -> bool {
    if names.contains(&t) {
        return true;
    }
    let parsed: IResult<&str, (&str, Option<&str>)> = all_consuming((
        take_while1(|c: char| c.is_ascii_digit()),
        opt(preceded(char('/'), take_while1(|c: char| c.is_ascii_digit()))),
    ))
    .parse(t);
    match parsed {
        Ok((_, (a, b))) => a.parse::<u8>().is_ok() && b.is_none_or(|b| b.parse::<u8>().is_ok()),
        Err(_) => false,
    }
}

fn reject_with(t: &str, family: Family) -> bool {
    let v4 = [
        "icmp-net-unreachable",
        "net-unreach",
        "icmp-host-unreachable",
        "host-unreach",
        "icmp-proto-unreachable",
        "proto-unreach",
        "icmp-port-unreachable",
        "port-unreach",
        "icmp-net-prohibited",
        "net-prohib",
        "icmp-host-prohibited",
        "host-prohib",
        "icmp-admin-prohibited",
        "admin-prohib",
        "tcp-reset",
        "tcp-rst",
    ];
    let v6 = [
        "icmp6-no-route",
        "no-route",
        "icmp6-adm-prohibited",
        "adm-prohibited",
        "icmp6-addr-unreachable",
        "addr-unreach",
        "icmp6-port-unreachable",
        "port-unreach",
        "icmp6-policy-fail",
        "policy-fail",
        "icmp6-reject-route",
        "reject-route",
        "tcp-reset",
    ];
    match family {
        Family::Ipv4 => v4.contains(&t),
        Family::Ipv6 => v6.contains(&t),
    }
}

/// Protocol names iptables knows (`/etc/protocols` plus `all`), lower-cased.
const PROTOCOLS: &[(&str, u8)] = &[
    ("all", 0),
    ("ip", 0),
    ("icmp", 1),
    ("igmp", 2),
    ("tcp", 6),
    ("udp", 17),
    ("ipv6", 41),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("icmpv6", 58),
    ("ipv6-icmp", 58),
    ("ospf", 89),
    ("sctp", 132),
    ("udplite", 136),
    ("mh", 135),
    ("dccp", 33),
];

/// Canonical protocol name of a `-p` value (by name or number), if it has one.
fn proto_name(p: &str) -> Option<&'static str> {
    let p = p.to_ascii_lowercase();
    if let Ok(n) = p.parse::<u8>() {
        return PROTOCOLS.iter().rev().find(|(_, num)| *num == n && n != 0).map(|(name, _)| match *name {
            "ipv6-icmp" => "icmpv6",
            other => other,
        });
    }
    PROTOCOLS.iter().find(|(name, _)| *name == p).map(|(name, _)| *name)
}

fn check_protocol(w: &Word) -> Result<(), SyntaxError> {
    let t = w.text.to_ascii_lowercase();
    if t.parse::<u8>().is_ok() || PROTOCOLS.iter().any(|(n, _)| *n == t) {
        Ok(())
    } else {
        Err(err(w.span, format!("unknown protocol `{}`", w.text)))
    }
}

fn check_interface(w: &Word) -> Result<(), SyntaxError> {
    if w.text.len() > 15 {
        return Err(err(w.span, format!("interface name `{}` is longer than 15 characters", w.text)));
    }
    Ok(())
}

fn check_counters(args: &[Word]) -> Result<(), SyntaxError> {
    for a in args {
        if a.text.is_empty() || !a.text.bytes().all(|c| c.is_ascii_digit()) {
            return Err(err(a.span, format!("counter `{}` is not a number", a.text)));
        }
    }
    Ok(())
}

/// An address: a numeric address of the family, or a host name (resolved at load time; the
/// model reports host names as unresolvable).
fn host_addr(t: &str, family: Family) -> bool {
    match family {
        Family::Ipv4 => t.parse::<Ipv4Addr>().is_ok(),
        Family::Ipv6 => t.parse::<Ipv6Addr>().is_ok(),
    }
}

fn is_hostname(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 253
        && t.split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') && !l.starts_with('-'))
        && t.bytes().any(|c| c.is_ascii_alphabetic())
}

/// `addr[/mask][,addr[/mask]…]` for `-s`/`-d`.
fn check_addresses(w: &Word, family: Family) -> Result<(), SyntaxError> {
    let max = if family == Family::Ipv4 { 32 } else { 128 };
    for item in w.text.split(',') {
        let (addr, mask) = match item.split_once('/') {
            Some((a, m)) => (a, Some(m)),
            None => (item, None),
        };
        let addr_ok = host_addr(addr, family) || is_hostname(addr);
        let mask_ok = mask.is_none_or(|m| {
            m.parse::<u8>().is_ok_and(|n| n <= max) || (family == Family::Ipv4 && m.parse::<Ipv4Addr>().is_ok())
        });
        if !addr_ok || !mask_ok {
            return Err(err(w.span, format!("invalid address `{item}`")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        parse(text).errors().into_iter().map(|e| e.message.clone()).collect()
    }

    fn words(line: &str) -> Vec<String> {
        split_words(line, 0).into_iter().map(|w| w.text.to_string()).collect()
    }

    #[test]
    fn field_skips_blanks() {
        assert_eq!(field("  \tfilter x"), Ok((" x", "filter")));
        assert!(field("   ").is_err());
    }

    #[test]
    fn table_header_reads_first_field() {
        assert_eq!(table_header("*filter"), Ok(("", "filter")));
        assert_eq!(table_header("* nat extra").map(|r| r.1), Ok("nat"));
        assert!(table_header("*").is_err());
    }

    #[test]
    fn chain_decl_fields() {
        assert_eq!(chain_decl(":INPUT DROP [0:0]").map(|r| r.1), Ok(("INPUT", Some("DROP"), Some("[0:0]"))));
        assert_eq!(chain_decl(":FOO").map(|r| r.1), Ok(("FOO", None, None)));
    }

    #[test]
    fn counters_prefix_reads_packets_and_bytes() {
        assert_eq!(counters_prefix("[1:2] -A X"), Ok((" -A X", ("1", "2"))));
        assert!(counters_prefix("[12 -A").is_err());
    }

    #[test]
    fn split_words_follows_add_param_to_argv() {
        assert_eq!(words(r#"-A  INPUT	-j ACCEPT"#), ["-A", "INPUT", "-j", "ACCEPT"]);
        assert_eq!(words(r#"--comment "a b" x"#), ["--comment", "a b", "x"]);
        assert_eq!(words(r#"--comment "a \"b\" c""#), ["--comment", r#"a "b" c"#]);
        assert_eq!(words(r#"a"b c"d"#), ["ab c", "d"]);
        assert_eq!(words(r#"'a b'"#), ["'a", "b'"]);
        assert_eq!(words(r#""""#), [""]);
        assert_eq!(words(r#""open to end"#), ["open to end"]);
    }

    #[test]
    fn stored_words_keep_their_text() {
        // Plain, quoted, quoted to the end of the line, joined and escaped words: only the last
        // two are kept apart from the file's text.
        let ast = parse(
            "*filter\n-A INPUT -m comment --comment plain -j ACCEPT\n-A INPUT -m comment --comment \"a b\" -j ACCEPT\n\
             -A INPUT -m comment --comment x\"y z\" -j ACCEPT\n-A INPUT -m comment --comment \"q \\\"r\\\"\" -j ACCEPT\n\
             -A INPUT -m comment --comment=\"eq\" -j ACCEPT\n-A INPUT -j ACCEPT -m comment --comment \"open end\nCOMMIT\n",
        );
        assert!(ast.errors().is_empty(), "{:?}", ast.errors());
        let comments: Vec<(String, bool)> = ast.tables[0]
            .lines
            .iter()
            .filter_map(|l| match l {
                Line::Command(c) => Some(ast.rule(c.rule)),
                _ => None,
            })
            .map(|r| {
                let o = r.matches().flat_map(|m| m.options()).next().expect("a comment option");
                (o.arg().unwrap_or("?").to_string(), o.arg_words()[0].quoted())
            })
            .collect();
        let want =
            [("plain", false), ("a b", true), ("xy z", true), ("q \"r\"", true), ("eq", true), ("open end", true)];
        let want: Vec<(String, bool)> = want.iter().map(|(t, q)| (t.to_string(), *q)).collect();
        assert_eq!(comments, want);
    }

    #[test]
    fn port_spec_ranges_and_names() {
        assert!(port_spec("22") && port_spec("ssh") && port_spec("1000:2000") && port_spec(":1024"));
        assert!(port_spec("1024:") && !port_spec("70000") && !port_spec("nosuch") && !port_spec("1:2:3"));
    }

    #[test]
    fn rate_units() {
        assert!(rate("3/min") && rate("10/s") && rate("5") && rate("1/day"));
        assert!(!rate("3/fortnight") && !rate("/min") && !rate("0/s"));
    }

    #[test]
    fn icmp_type_names_and_numbers() {
        assert!(icmp_type("8", ICMP_TYPES) && icmp_type("3/4", ICMP_TYPES) && icmp_type("echo-request", ICMP_TYPES));
        assert!(!icmp_type("256", ICMP_TYPES) && !icmp_type("nope", ICMP_TYPES));
    }

    #[test]
    fn addresses_by_family() {
        let w = |t: &'static str| Word { text: Cow::Borrowed(t), span: Span::default(), quoted: false };
        assert!(check_addresses(&w("10.0.0.0/8,192.0.2.1"), Family::Ipv4).is_ok());
        assert!(check_addresses(&w("10.0.0.0/255.0.0.0"), Family::Ipv4).is_ok());
        assert!(check_addresses(&w("10.0.0.0/33"), Family::Ipv4).is_err());
        assert!(check_addresses(&w("2001:db8::/32"), Family::Ipv6).is_ok());
        assert!(check_addresses(&w("2001:db8::/32"), Family::Ipv4).is_err());
    }

    #[test]
    fn ufw_shaped_file_parses() {
        let text = "*filter\n:INPUT DROP [0:0]\n:ufw-user-input - [0:0]\n-A INPUT -j ufw-user-input\n\
                    -A ufw-user-input -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m recent --set --name DEFAULT --mask 255.255.255.255 --rsource\n\
                    -A ufw-user-input -m limit --limit 3/min -j LOG --log-prefix \"[UFW LIMIT BLOCK] \"\n\
                    -A ufw-user-input -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n";
        let ast = parse(text);
        assert_eq!(ast.errors(), Vec::<&SyntaxError>::new());
        assert_eq!(ast.tables.len(), 1);
        let Line::Command(c) = &ast.tables[0].lines[3] else { panic!("not a command") };
        let rule = ast.rule(c.rule);
        assert_eq!(rule.matches().len(), 3);
        let m = rule.matches().next().expect("a match");
        assert!(m.name() == "tcp" && !m.implicit());
    }

    #[test]
    fn implicit_protocol_match_and_negation() {
        let ast = parse("*filter\n-A INPUT -p tcp ! --dport 22 ! -s 10.0.0.0/8 -j DROP\nCOMMIT\n");
        assert!(ast.errors().is_empty());
        let Line::Command(c) = &ast.tables[0].lines[0] else { panic!("not a command") };
        let rule = ast.rule(c.rule);
        let m = rule.matches().next().expect("a match");
        assert!(m.implicit());
        assert!(m.options().next().is_some_and(|o| o.is_negated()));
        assert_eq!(rule.params().nth(1).map(|o| o.canonical()), Some("--source"));
    }

    #[test]
    fn abbreviations_and_aliases() {
        assert!(errors("*filter\n-A INPUT --src 1.2.3.4 -p tcp --dp 22 -j ACCEPT\nCOMMIT\n").is_empty());
        assert_eq!(errors("*filter\n-A INPUT --d 1.2.3.4\nCOMMIT\n").len(), 1);
    }

    #[test]
    fn traps_are_errors() {
        for text in [
            "*filter\n-A INPUT -j ACCEPT # ssh\nCOMMIT\n",
            "*filter\n   # indented\nCOMMIT\n",
            "*filter\n  \nCOMMIT\n",
            "*filter\ncommit\n",
            "*filter\n-A INPUT -j ACCEPT\n",
            "*filter\r\nCOMMIT\r\n",
            "-A INPUT -j ACCEPT\n*filter\nCOMMIT\n",
            "*filer\nCOMMIT\n",
            "*filter\n-A INPUT --dport 22 -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p tcp --dport ! 22 -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -s ! 1.2.3.4 -j ACCEPT\nCOMMIT\n",
            "*filter\n-N MY\n-P MY DROP\nCOMMIT\n",
            "*filter\n-A INPUT -m comment --comment 'two words' -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 -j ACCEPT\nCOMMIT\n",
        ] {
            assert_eq!(errors(text).len(), 1, "{text:?}: {:?}", errors(text));
        }
    }

    #[test]
    fn one_error_per_bad_line() {
        let errs = errors(
            "*filter\n-A INPUT -j ACCEPT #a\n-A INPUT -p tcp --dport 70000 -j DROP\n-A INPUT -j ACCEPT\nCOMMIT\n",
        );
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs.iter().all(|m| m.chars().next().is_some_and(|c| !c.is_uppercase()) && !m.ends_with('.')));
    }

    #[test]
    fn semantic_problems_are_not_syntax_errors() {
        assert!(errors("*filter\n:MY ACCEPT [0:0]\n-A INPUT -j NOPE\n-A INPUT -p udp -j REJECT --reject-with tcp-reset\nCOMMIT\n").is_empty());
    }

    #[test]
    fn ipv6_family() {
        let ast = parse_family(
            "*filter\n-A INPUT -s 2001:db8::/32 -p ipv6-icmp -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp6-adm-prohibited\nCOMMIT\n",
            Family::Ipv6,
        );
        assert!(ast.errors().is_empty(), "{:?}", ast.errors());
    }
}

#[cfg(test)]
mod fuzz {
    /// Mutated rulesets (random bytes, spliced options, quotes, negations) never panic.
    #[test]
    fn random_input_never_panics() {
        let seed = "*filter\n:INPUT DROP [0:0]\n:f2b - [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m multiport --dports 22,2222 ! -s 192.0.2.0/24 -m conntrack --ctstate NEW -m comment --comment \"ssh in\" -j f2b\n-A f2b -m recent --name ssh --update --seconds 30 --hitcount 6 -j REJECT --reject-with tcp-reset\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 22 -j REDIRECT --to-ports 2222\nCOMMIT\n";
        let words: &[&str] = &[
            " ", "\t", "!", "\"", "-", "--", "-A ", "-p ", "-m ", "-j ", "COMMIT\n", "*", ":", "[", "]", "\n", "\r",
            "#", ",", "/", "=", "\u{fffd}",
        ];
        let mut state: u64 = 0x1234_5678_9abc_def1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let mut text = seed.to_string();
            for _ in 0..(next() % 10) {
                let mut pos = (next() as usize) % (text.len() + 1);
                while !text.is_char_boundary(pos) {
                    pos -= 1;
                }
                if next() % 2 == 0 {
                    text.insert_str(pos, words[(next() as usize) % words.len()]);
                } else if pos < text.len() {
                    text.remove(pos);
                }
            }
            let _ = super::parse(&text).errors();
            let _ = super::parse_family(&text, crate::ast::iptables::Family::Ipv6).errors();
        }
    }
}
