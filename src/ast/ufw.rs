//! ufw's own files as the `ufw` command (0.36) reads them, not as iptables-restore does:
//! `user.rules`/`user6.rules` line by line with their `### tuple ###` comments (ufw-framework(8);
//! `_read_rules` in ufw's backend_iptables.py), and the application profiles of
//! `/etc/ufw/applications.d` as Python's `configparser.RawConfigParser` splits them (ufw(8)
//! APPLICATION INTEGRATION). Plain data with byte spans into the file; what the fields mean is
//! `model::firewall::ufw_tuple` and `model::firewall::ufw_app`.

use crate::source::Span;

/// A piece of text with its place in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

/// `user.rules` or `user6.rules`: every line of the file, in order.
#[derive(Clone, Debug, Default)]
pub struct UserRulesAst {
    pub lines: Vec<UserLine>,
}

impl UserRulesAst {
    /// Index range of the lines strictly between `### RULES ###` and `### END RULES ###` (the
    /// first of each), when both markers are present in that order.
    pub fn rules_block(&self) -> Option<std::ops::Range<usize>> {
        let start = self.lines.iter().position(|l| l.kind == UserLineKind::RulesStart)?;
        let end = self.lines[start..].iter().position(|l| l.kind == UserLineKind::RulesEnd)? + start;
        Some(start + 1..end)
    }
}

/// One line of a user rules file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserLine {
    /// The line without its newline (and without the `\r` of a CRLF ending, which Python's
    /// universal newlines drop too).
    pub span: Span,
    pub kind: UserLineKind,
    /// How many times ` comment=` occurs in the line. ufw splits every line of the file on it
    /// and expects at most two pieces: with two or more occurrences every `ufw` command stops
    /// with a Python `ValueError`.
    pub comment_markers: u32,
}

/// What a line is to the ufw command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserLineKind {
    /// Empty or whitespace only.
    Blank,
    /// `### RULES ###`, where ufw starts writing the rules of its tuples.
    RulesStart,
    /// `### END RULES ###`.
    RulesEnd,
    /// A `### tuple ###` comment with 6 to 9 fields.
    Tuple(Box<Tuple>),
    /// A `### tuple ###` comment with fewer than 6 or more than 9 fields: ufw warns "Skipping
    /// malformed tuple (bad length)" and forgets it.
    BadTuple { fields: usize },
    /// A `#` comment that mentions a tuple but does not start with `### tuple ###` exactly
    /// (leading blanks, other spacing, upper case): ufw does not read it as one.
    LooksLikeTuple,
    /// Any other `#` comment.
    Comment,
    /// Everything else: the iptables-restore lines (`*filter`, `:chain`, `-A …`, `COMMIT`).
    Other,
}

/// `### tuple ### ACTION PROTO DPORT DST SPORT SRC [DAPP SAPP] [DIRECTION[_IFACE]] [comment=HEX]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tuple {
    /// `allow`, `deny_log`, `route:reject`, …
    pub action: Word,
    pub protocol: Word,
    pub dport: Word,
    pub dst: Word,
    pub sport: Word,
    pub src: Word,
    /// DAPP and SAPP of 8- and 9-field tuples: an application name with spaces written `%20`,
    /// or `-`.
    pub apps: Option<(Word, Word)>,
    /// DIRECTION[_IFACE] of 7- and 9-field tuples (`in`, `out_eth1`, `in_eth0!out_eth1`); older
    /// ufw wrote none, which reads as `in`.
    pub direction: Option<Word>,
    /// What follows ` comment=`, trimmed: the comment hex-encoded (UTF-8).
    pub comment: Option<Word>,
}

/// An application profile file as configparser reads it.
#[derive(Clone, Debug, Default)]
pub struct AppFileAst {
    /// Sections in file order (`[OpenSSH]`); `[DEFAULT]` is not one of them.
    pub sections: Vec<AppSection>,
    /// The options of `[DEFAULT]`, which every section inherits.
    pub defaults: Vec<AppOption>,
    /// Why configparser refuses the file. Any error makes ufw skip the whole file ("Skipping
    /// 'FILE': couldn't process"); parsing stops at the first error configparser raises at once
    /// (missing section header, duplicate section or option).
    pub errors: Vec<IniError>,
}

/// `[NAME]` and its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppSection {
    /// The text between `[` and the last `]`, as written.
    pub name: Word,
    /// The header line.
    pub header: Span,
    pub options: Vec<AppOption>,
}

/// `key = value` (or `key: value`), with its continuation lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppOption {
    /// The key lower-cased (configparser's `optionxform`), spanning the key as written.
    pub key: Word,
    /// The value trimmed, continuation lines joined with `\n`, trailing blank lines dropped.
    pub value: String,
    /// From the key to the end of the last line of the value.
    pub span: Span,
}

/// A line configparser rejects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IniError {
    pub span: Span,
    pub kind: IniErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IniErrorKind {
    /// An option before the first `[section]` (`MissingSectionHeaderError`).
    MissingSectionHeader,
    /// `[NAME]` twice in one file (`DuplicateSectionError`, strict mode).
    DuplicateSection(String),
    /// The same key twice in one section of one file (`DuplicateOptionError`).
    DuplicateOption(String),
    /// A line that is neither a header, an option nor a continuation (`ParsingError`).
    NotAnOption,
}

impl IniErrorKind {
    pub fn describe(&self) -> String {
        match self {
            IniErrorKind::MissingSectionHeader => "an option before the first `[section]` header".into(),
            IniErrorKind::DuplicateSection(s) => format!("section `[{s}]` appears twice in the file"),
            IniErrorKind::DuplicateOption(k) => format!("option `{k}` appears twice in the section"),
            IniErrorKind::NotAnOption => "a line that is neither a `[section]` header nor a `key=value` option".into(),
        }
    }
}
