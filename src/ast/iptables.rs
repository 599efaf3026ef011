//! iptables-save(8) / iptables-restore(8) files as iptables-restore 1.8 reads them: tables,
//! chain declarations, commands and rule specifications, every node with a byte span into the
//! whole file. Plain data only: no evaluation, no chain resolution (that is `model`'s job).
//!
//! The man pages describe the options but not the file grammar; the grammar modelled here is the
//! one in `reference/firewalls.md` §1.1, checked against iptables-restore 1.8.9 (nf_tables) by
//! `tests/differential_iptables.rs`.

use crate::source::Span;
use smallvec::SmallVec;
use std::rc::Rc;
use std::sync::Arc;

/// Address family of the file: `iptables-restore` (IPv4) or `ip6tables-restore` (IPv6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Family {
    #[default]
    Ipv4,
    Ipv6,
}

/// A parsed iptables-save / iptables-restore file (iptables-restore(8)).
#[derive(Clone, Debug, Default)]
pub struct IptablesAst {
    pub family: Family,
    /// `*table … COMMIT` blocks in file order (a table may appear more than once).
    pub tables: Vec<Table>,
    /// Column-0 `#` comment lines, wherever they are.
    pub comments: Vec<Span>,
    /// Lines outside any table that iptables-restore rejects, and file-level errors.
    pub invalid: Vec<Invalid>,
    /// The file's text and the words, options, matches and rules of its command lines.
    pub store: Rc<Store>,
}

impl IptablesAst {
    /// The text of a word of this file.
    pub fn text(&self, w: &Word) -> &str {
        self.store.text(w)
    }

    /// The rule of a command line.
    pub fn rule(&self, id: RuleId) -> RuleRef<'_> {
        self.store.rule(id)
    }

    /// Every syntax error in the file, in file order.
    pub fn errors(&self) -> Vec<&SyntaxError> {
        let mut out: Vec<&SyntaxError> = self.invalid.iter().map(|i| &i.error).collect();
        for t in &self.tables {
            for line in &t.lines {
                if let Line::Invalid(i) = line {
                    out.push(&i.error);
                }
            }
            if let Some(e) = &t.missing_commit {
                out.push(e);
            }
            if let Some(e) = &t.name_error {
                out.push(e);
            }
        }
        out.sort_by_key(|e| (e.span.start, e.span.end));
        out
    }
}

/// A line iptables-restore rejects: the whole line's span and the first error on it
/// (iptables-restore stops at the first; sshlint carries on with the next line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub span: Span,
    pub error: SyntaxError,
}

/// One diagnostic: the offending token's span and a message in sshlint's style (lower-case
/// start, no trailing period, the offending value in backticks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

/// The xtables tables (iptables(8) TABLES).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableName {
    Filter,
    Nat,
    Mangle,
    Raw,
    Security,
}

impl TableName {
    pub fn from_name(s: &str) -> Option<TableName> {
        Some(match s {
            "filter" => TableName::Filter,
            "nat" => TableName::Nat,
            "mangle" => TableName::Mangle,
            "raw" => TableName::Raw,
            "security" => TableName::Security,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TableName::Filter => "filter",
            TableName::Nat => "nat",
            TableName::Mangle => "mangle",
            TableName::Raw => "raw",
            TableName::Security => "security",
        }
    }
    /// Built-in chains of the table (iptables(8) TABLES).
    pub fn builtin_chains(self) -> &'static [&'static str] {
        match self {
            TableName::Filter | TableName::Security => &["INPUT", "FORWARD", "OUTPUT"],
            TableName::Nat => &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
            TableName::Mangle => &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
            TableName::Raw => &["PREROUTING", "OUTPUT"],
        }
    }
}

/// `*table` … `COMMIT` (iptables-restore(8)): one transaction.
#[derive(Clone, Debug)]
pub struct Table {
    /// `None` when the name is not an xtables table (the error is on the header line).
    pub name: Option<TableName>,
    /// The `*table` line.
    pub header: Span,
    /// The table name word.
    pub name_span: Span,
    pub lines: Vec<Line>,
    /// The `COMMIT` line; `None` when the file ends first.
    pub commit: Option<Span>,
    /// Set when the file ends before `COMMIT` ("COMMIT expected at line N").
    pub missing_commit: Option<SyntaxError>,
    /// Set when the table name is missing or unknown ("table name 'x' invalid").
    pub name_error: Option<SyntaxError>,
}

/// A line inside a table block.
#[derive(Clone, Debug)]
pub enum Line {
    Chain(ChainDecl),
    Command(Command),
    Invalid(Box<Invalid>),
}

/// `:NAME POLICY [packets:bytes]` (iptables-save(8)). The policy of a user chain is `-`;
/// iptables-restore ignores whatever stands there for user chains, and ignores the counters
/// unless run with `-c`.
#[derive(Clone, Debug)]
pub struct ChainDecl {
    pub span: Span,
    pub name: Word,
    pub policy: Word,
    pub counters: Option<Word>,
    /// True when `name` is a built-in chain of the table.
    pub builtin: bool,
}

/// `[packets:bytes]` before a command (iptables-save(8) `-c`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counters {
    pub span: Span,
    pub packets: Word,
    pub bytes: Word,
}

/// The commands of iptables(8) COMMANDS, as iptables-restore accepts them on a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandKind {
    /// `-A chain rule`
    Append,
    /// `-C chain rule`
    Check,
    /// `-D chain rule` or `-D chain rulenum`
    Delete,
    /// `-I chain [rulenum] rule`
    Insert,
    /// `-R chain rulenum rule`
    Replace,
    /// `-L [chain]`
    List,
    /// `-S [chain]`
    ListRules,
    /// `-F [chain]`
    Flush,
    /// `-Z [chain [rulenum]]`
    Zero,
    /// `-N chain`
    NewChain,
    /// `-X [chain]`
    DeleteChain,
    /// `-P chain target`
    Policy,
    /// `-E old new`
    Rename,
}

/// One command line: `[counters] -A INPUT … -j ACCEPT` (iptables(8)). Its words' text is in
/// the file's [`Store`].
#[derive(Clone, Debug)]
pub struct Command {
    pub span: Span,
    pub kind: CommandKind,
    /// The command word as written (`-A`, `--append`, `--app`).
    pub verb: Word,
    pub chain: Option<Word>,
    /// The rule of `-A/-I/-R/-C/-D` (empty for the others).
    pub rule: RuleId,
    /// What few lines have: counters, a rule number, a policy or a new chain name.
    pub extra: Option<Box<CommandExtra>>,
}

/// The rarer parts of a command line.
#[derive(Clone, Debug, Default)]
pub struct CommandExtra {
    pub counters: Option<Counters>,
    /// `-I chain N`, `-R chain N`, `-D chain N`, `-Z chain N`.
    pub rulenum: Option<Word>,
    /// `-P chain POLICY`, or the new name of `-E old new`.
    pub policy_or_new_name: Option<Word>,
}

impl Command {
    pub fn counters(&self) -> Option<&Counters> {
        self.extra.as_ref().and_then(|e| e.counters.as_ref())
    }
    pub fn rulenum(&self) -> Option<&Word> {
        self.extra.as_ref().and_then(|e| e.rulenum.as_ref())
    }
    pub fn policy_or_new_name(&self) -> Option<&Word> {
        self.extra.as_ref().and_then(|e| e.policy_or_new_name.as_ref())
    }
}

/// A word of the file after iptables-restore's quote handling (`"…"` groups, `\"` escapes
/// inside quotes): where it stands, and where its text is. Eight bytes and no allocation: a
/// kube-proxy dump has millions of words. Its text comes from [`Store::text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Word {
    start: u32,
    /// The length (saturated at 2^30 − 1) shifted left by two; the low two bits say where the
    /// text is ([`Word::PLAIN`] …).
    meta: u32,
}

impl Word {
    /// The text is the span.
    const PLAIN: u32 = 0;
    /// `"text"`: the span without its quotes.
    const QUOTED: u32 = 1;
    /// `"text` to the end of the line: the span without the opening quote.
    const OPEN: u32 = 2;
    /// Joined or unescaped text, kept apart (in [`Store`]'s owned texts, by start).
    const OWNED: u32 = 3;
    const MAX_LEN: u32 = u32::MAX >> 2;

    fn new(span: Span, kind: u32) -> Word {
        let len = span.end.saturating_sub(span.start).min(Word::MAX_LEN);
        Word { start: span.start, meta: len << 2 | kind }
    }

    /// A word whose text is exactly its span.
    pub fn plain(span: Span) -> Word {
        Word::new(span, Word::PLAIN)
    }

    /// From the first to the last byte of the word as written, quotes included.
    pub fn span(&self) -> Span {
        Span { start: self.start, end: self.start.saturating_add(self.meta >> 2) }
    }

    fn kind(&self) -> u32 {
        self.meta & 3
    }

    /// True when the word was written with quotes (`"…"`).
    pub fn quoted(&self) -> bool {
        self.kind() != Word::PLAIN
    }
}

/// Index of a rule in its file's [`Store`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleId(pub u32);

/// A run of records in one of the store's arrays: where it starts, and how many (a line has at
/// most 251 words, see the parser's `MAX_WORDS`, so a run's length fits 16 bits).
fn run(start: u32, len: u16) -> std::ops::Range<usize> {
    start as usize..start as usize + len as usize
}

/// The length of a run, saturated (the parser refuses lines long enough to saturate it).
fn run_len(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// One option: `[!] --name [args…]`. 24 bytes.
#[derive(Clone, Debug)]
struct OptRec {
    name: Word,
    /// Start of the `!` when negated, else `u32::MAX`.
    negated: u32,
    /// The arguments, in `Store::words`.
    args_start: u32,
    args_len: u16,
    /// The full long name iptables resolved the name to (`--source`, `--dport`), as an index
    /// in `Store::canonical`.
    canonical: u16,
}

#[derive(Clone, Debug)]
struct MatchRec {
    span: Span,
    name: Word,
    /// The options, in `Store::opts`.
    options_start: u32,
    options_len: u16,
    implicit: bool,
}

#[derive(Clone, Debug)]
struct TargetRec {
    flag: Span,
    name: Word,
    options_start: u32,
    options_len: u16,
    kind: TargetKind,
}

#[derive(Clone, Debug, Default)]
struct RuleRec {
    params_start: u32,
    matches_start: u32,
    params_len: u16,
    matches_len: u16,
    target: Option<TargetRec>,
}

/// A file's text and, in flat arrays, the rule specifications of its command lines: each rule
/// is a few runs of records, with no allocation of its own.
#[derive(Debug, Default)]
pub struct Store {
    text: Arc<str>,
    /// Texts of words that are not a slice of the file, by the word's start.
    owned: rustc_hash::FxHashMap<u32, Box<str>>,
    words: Vec<Word>,
    opts: Vec<OptRec>,
    matches: Vec<MatchRec>,
    rules: Vec<RuleRec>,
    /// The canonical option names the options use (a few dozen per file).
    canonical: Vec<&'static str>,
}

/// A rule as a parser builds it, handed to [`Store::push_rule`].
#[derive(Clone, Debug, Default)]
pub struct NewRule<'t> {
    pub params: Vec<NewOpt<'t>>,
    pub matches: Vec<NewMatch<'t>>,
    pub target: Option<NewTarget<'t>>,
}

#[derive(Clone, Debug)]
pub struct NewMatch<'t> {
    pub span: Span,
    pub name: NewWord<'t>,
    pub implicit: bool,
    pub options: Vec<NewOpt<'t>>,
}

#[derive(Clone, Debug)]
pub struct NewTarget<'t> {
    pub kind: TargetKind,
    pub flag: Span,
    pub name: NewWord<'t>,
    pub options: Vec<NewOpt<'t>>,
}

#[derive(Clone, Debug)]
pub struct NewOpt<'t> {
    pub name: NewWord<'t>,
    pub canonical: &'static str,
    pub negated: Option<Span>,
    pub args: smallvec::SmallVec<[NewWord<'t>; 2]>,
}

/// A word with its text, borrowed from the file's text where possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWord<'t> {
    pub text: std::borrow::Cow<'t, str>,
    pub span: Span,
    pub quoted: bool,
}

impl Store {
    /// An empty store for `text`.
    pub fn new(text: Arc<str>) -> Store {
        Store { text, ..Store::default() }
    }

    /// Make room for about `lines` command lines (a typical rule has two or three options and
    /// one or two matches), so that big files do not grow the arrays step by step.
    pub fn reserve(&mut self, lines: usize) {
        self.rules.reserve(lines);
        self.opts.reserve(lines * 3);
        self.words.reserve(lines * 3);
        self.matches.reserve(lines * 2);
    }

    /// The text of a word (quotes removed, escapes resolved).
    pub fn text(&self, w: &Word) -> &str {
        let span = w.span();
        let (s, e) = (span.start as usize, span.end as usize);
        let text = match w.kind() {
            Word::PLAIN => self.text.get(s..e),
            Word::QUOTED => self.text.get(s + 1..e.saturating_sub(1).max(s + 1)),
            Word::OPEN => self.text.get(s + 1..e),
            _ => self.owned.get(&span.start).map(|b| &**b),
        };
        text.unwrap_or("")
    }

    /// Record a word: its text stays in the file's text when it is a slice of it.
    pub fn word(&mut self, w: &NewWord) -> Word {
        let (s, e) = (w.span.start as usize, w.span.end as usize);
        if let std::borrow::Cow::Borrowed(t) = &w.text {
            let base = self.text.as_ptr() as usize;
            let at = (t.as_ptr() as usize).wrapping_sub(base);
            if at <= self.text.len() {
                let end = at + t.len();
                if !w.quoted && at == s && end == e {
                    return Word::new(w.span, Word::PLAIN);
                }
                if w.quoted && at == s + 1 && end + 1 == e && self.text.as_bytes().get(end) == Some(&b'"') {
                    return Word::new(w.span, Word::QUOTED);
                }
                if w.quoted && at == s + 1 && end == e {
                    return Word::new(w.span, Word::OPEN);
                }
            }
        }
        self.owned.insert(w.span.start, w.text.as_ref().into());
        Word::new(w.span, Word::OWNED)
    }

    fn opt(&mut self, o: &NewOpt) -> OptRec {
        let name = self.word(&o.name);
        let args_start = self.words.len() as u32;
        for a in &o.args {
            let w = self.word(a);
            self.words.push(w);
        }
        let canonical = match self.canonical.iter().position(|c| std::ptr::eq(*c, o.canonical)) {
            Some(i) => i,
            None => {
                self.canonical.push(o.canonical);
                self.canonical.len() - 1
            }
        };
        OptRec {
            name,
            negated: o.negated.map_or(u32::MAX, |s| s.start),
            args_start,
            args_len: run_len(o.args.len()),
            canonical: u16::try_from(canonical).unwrap_or(u16::MAX),
        }
    }

    fn opts(&mut self, opts: &[NewOpt]) -> (u32, u16) {
        let start = self.opts.len() as u32;
        for o in opts {
            let rec = self.opt(o);
            self.opts.push(rec);
        }
        (start, run_len(opts.len()))
    }

    /// Add a rule built by a parser.
    pub fn push_rule(&mut self, rule: &NewRule) -> RuleId {
        let (params_start, params_len) = self.opts(&rule.params);
        // A match's options are contiguous: push them all first, then the match records.
        let mut recs: SmallVec<[MatchRec; 4]> = SmallVec::new();
        for m in &rule.matches {
            let name = self.word(&m.name);
            let (options_start, options_len) = self.opts(&m.options);
            recs.push(MatchRec { span: m.span, name, options_start, options_len, implicit: m.implicit });
        }
        let (matches_start, matches_len) = (self.matches.len() as u32, run_len(recs.len()));
        self.matches.extend(recs);
        let target = rule.target.as_ref().map(|t| {
            let name = self.word(&t.name);
            let (options_start, options_len) = self.opts(&t.options);
            TargetRec { kind: t.kind, flag: t.flag, name, options_start, options_len }
        });
        let id = RuleId(self.rules.len() as u32);
        self.rules.push(RuleRec { params_start, matches_start, params_len, matches_len, target });
        id
    }

    /// A rule of this file.
    pub fn rule(&self, id: RuleId) -> RuleRef<'_> {
        static EMPTY: RuleRec =
            RuleRec { params_start: 0, matches_start: 0, params_len: 0, matches_len: 0, target: None };
        let rec = self.rules.get(id.0 as usize).unwrap_or(&EMPTY);
        RuleRef { store: self, rec }
    }
}

/// A rule specification (iptables(8) PARAMETERS, iptables-extensions(8) MATCH EXTENSIONS and
/// TARGET EXTENSIONS), read from its file's [`Store`].
#[derive(Clone, Copy)]
pub struct RuleRef<'a> {
    store: &'a Store,
    rec: &'a RuleRec,
}

impl<'a> RuleRef<'a> {
    fn opts(
        store: &'a Store,
        start: u32,
        len: u16,
    ) -> impl ExactSizeIterator<Item = OptRef<'a>> + DoubleEndedIterator + Clone {
        store.opts.get(run(start, len)).unwrap_or(&[]).iter().map(move |rec| OptRef { store, rec })
    }

    /// Base parameters: `-p`, `-s`, `-d`, `-i`, `-o`, `-f`, `-c` (and flags such as `-w`).
    pub fn params(self) -> impl ExactSizeIterator<Item = OptRef<'a>> + DoubleEndedIterator + Clone {
        RuleRef::opts(self.store, self.rec.params_start, self.rec.params_len)
    }

    /// Match modules in load order: `-m NAME`, and the protocol match iptables loads on its
    /// own after `-p tcp|udp|…` when it meets one of its options (`implicit`).
    pub fn matches(self) -> impl ExactSizeIterator<Item = MatchRef<'a>> + DoubleEndedIterator + Clone {
        let store = self.store;
        let range = run(self.rec.matches_start, self.rec.matches_len);
        store.matches.get(range).unwrap_or(&[]).iter().map(move |rec| MatchRef { store, rec })
    }

    /// `-j TARGET` or `-g CHAIN` with the target's options.
    pub fn target(self) -> Option<TargetRef<'a>> {
        let rec = self.rec.target.as_ref()?;
        Some(TargetRef { store: self.store, rec })
    }

    /// The target's name, if the rule has one.
    pub fn target_name(self) -> Option<&'a str> {
        self.target().map(TargetRef::name)
    }
}

impl std::fmt::Debug for RuleRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("params", &self.params().collect::<Vec<_>>())
            .field("matches", &self.matches().collect::<Vec<_>>())
            .field("target", &self.target())
            .finish()
    }
}

/// One option: `[!] --name [args…]`. Options are kept generic (name plus argument words);
/// `canonical` is the full long name iptables resolved an abbreviation or alias to.
#[derive(Clone, Copy)]
pub struct OptRef<'a> {
    store: &'a Store,
    rec: &'a OptRec,
}

impl<'a> OptRef<'a> {
    /// The option word as written (`-s`, `--src`, `--dp`).
    pub fn name(self) -> &'a str {
        self.store.text(&self.rec.name)
    }
    pub fn name_span(self) -> Span {
        self.rec.name.span()
    }
    /// The full option name (`--source`, `--dport`).
    pub fn canonical(self) -> &'static str {
        self.store.canonical.get(self.rec.canonical as usize).copied().unwrap_or("")
    }
    /// Span of the `!` when the option is negated.
    pub fn negated(self) -> Option<Span> {
        (self.rec.negated != u32::MAX).then(|| Span { start: self.rec.negated, end: self.rec.negated + 1 })
    }
    pub fn is_negated(self) -> bool {
        self.rec.negated != u32::MAX
    }
    /// The argument words.
    pub fn arg_words(self) -> &'a [Word] {
        self.store.words.get(run(self.rec.args_start, self.rec.args_len)).unwrap_or(&[])
    }
    /// The arguments' text.
    pub fn args(self) -> impl ExactSizeIterator<Item = &'a str> + Clone {
        let store = self.store;
        self.arg_words().iter().map(move |w| store.text(w))
    }
    /// The first argument.
    pub fn arg(self) -> Option<&'a str> {
        self.arg_words().first().map(|w| self.store.text(w))
    }
    pub fn span(self) -> Span {
        let start = self.negated().unwrap_or(self.rec.name.span());
        self.arg_words().iter().fold(start.cover(self.rec.name.span()), |s, a| s.cover(a.span()))
    }
}

impl std::fmt::Debug for OptRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{} {:?}",
            if self.is_negated() { "! " } else { "" },
            self.canonical(),
            self.args().collect::<Vec<_>>()
        )
    }
}

/// `-m NAME [options]` (iptables-extensions(8)).
#[derive(Clone, Copy)]
pub struct MatchRef<'a> {
    store: &'a Store,
    rec: &'a MatchRec,
}

impl<'a> MatchRef<'a> {
    /// The `-m` word (for an implicit match, the first option's span).
    pub fn span(self) -> Span {
        self.rec.span
    }
    pub fn name(self) -> &'a str {
        self.store.text(&self.rec.name)
    }
    pub fn name_span(self) -> Span {
        self.rec.name.span()
    }
    /// Loaded by iptables itself for `-p PROTO` (no `-m` in the file).
    pub fn implicit(self) -> bool {
        self.rec.implicit
    }
    pub fn options(self) -> impl ExactSizeIterator<Item = OptRef<'a>> + DoubleEndedIterator + Clone {
        RuleRef::opts(self.store, self.rec.options_start, self.rec.options_len)
    }
}

impl std::fmt::Debug for MatchRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "-m {} {:?}", self.name(), self.options().collect::<Vec<_>>())
    }
}

/// `-j` (jump) or `-g` (goto, iptables(8) `--goto`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Jump,
    Goto,
}

/// `-j TARGET [target options]` or `-g CHAIN`.
#[derive(Clone, Copy)]
pub struct TargetRef<'a> {
    store: &'a Store,
    rec: &'a TargetRec,
}

impl<'a> TargetRef<'a> {
    pub fn kind(self) -> TargetKind {
        self.rec.kind
    }
    /// The `-j`/`-g` word.
    pub fn flag(self) -> Span {
        self.rec.flag
    }
    pub fn name(self) -> &'a str {
        self.store.text(&self.rec.name)
    }
    pub fn name_span(self) -> Span {
        self.rec.name.span()
    }
    pub fn options(self) -> impl ExactSizeIterator<Item = OptRef<'a>> + DoubleEndedIterator + Clone {
        RuleRef::opts(self.store, self.rec.options_start, self.rec.options_len)
    }
    /// The first argument of the option with this full name.
    pub fn option(self, canonical: &str) -> Option<&'a str> {
        self.options().find(|o| o.canonical() == canonical).and_then(OptRef::arg)
    }
}

impl std::fmt::Debug for TargetRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {} {:?}", self.kind(), self.name(), self.options().collect::<Vec<_>>())
    }
}

/// Target extensions and the standard verdicts (iptables-extensions(8) TARGET EXTENSIONS):
/// `-j NAME` with any other name is a chain, and a chain may not take one of these names.
/// Sorted by length, then name (for [`is_target_extension`]'s binary search).
pub const TARGET_EXTENSIONS: &[&str] = &[
    "CT",
    "HL",
    "ECN",
    "LED",
    "LOG",
    "SET",
    "TEE",
    "TOS",
    "TTL",
    "DNAT",
    "DNPT",
    "DROP",
    "DSCP",
    "MARK",
    "SNAT",
    "SNPT",
    "ULOG",
    "AUDIT",
    "HMARK",
    "NFLOG",
    "QUEUE",
    "TRACE",
    "ACCEPT",
    "NETMAP",
    "REJECT",
    "RETURN",
    "TCPMSS",
    "TPROXY",
    "NFQUEUE",
    "NOTRACK",
    "RATEEST",
    "SECMARK",
    "CHECKSUM",
    "CLASSIFY",
    "CONNMARK",
    "REDIRECT",
    "SYNPROXY",
    "CLUSTERIP",
    "IDLETIMER",
    "MASQUERADE",
    "CONNSECMARK",
    "TCPOPTSTRIP",
];

pub fn is_target_extension(name: &str) -> bool {
    // Every extension's name is 2 to 11 upper-case letters (and none has a `-`, which most
    // chain names do): most chain names are ruled out without a comparison.
    let b = name.as_bytes();
    (2..=11).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_uppercase())
        && TARGET_EXTENSIONS.binary_search_by(|t| t.len().cmp(&b.len()).then_with(|| t.cmp(&name))).is_ok()
}

/// TCP port names (and aliases) of a stock Debian netbase /etc/services: what getservbyname()
/// answers for a port, as iptables and sshd's `a2port` use it, on a machine without the audited
/// root's own table.
pub const SERVICES: &[(&str, u16)] = &[
    ("ssh", 22),
    ("ftp", 21),
    ("ftp-data", 20),
    ("telnet", 23),
    ("smtp", 25),
    ("domain", 53),
    ("http", 80),
    ("www", 80),
    ("pop3", 110),
    ("ntp", 123),
    ("imap2", 143),
    ("imap", 143),
    ("snmp", 161),
    ("ldap", 389),
    ("https", 443),
    ("submission", 587),
    ("ldaps", 636),
    ("imaps", 993),
    ("pop3s", 995),
    ("openvpn", 1194),
    ("mysql", 3306),
    ("postgresql", 5432),
    ("bootps", 67),
    ("bootpc", 68),
    ("tftp", 69),
    ("kerberos", 88),
    ("sunrpc", 111),
    ("microsoft-ds", 445),
    ("syslog", 514),
    ("rsync", 873),
    ("x11", 6000),
];

#[cfg(test)]
mod tests {
    #[test]
    fn target_extensions_are_sorted_and_recognised() {
        let t = super::TARGET_EXTENSIONS;
        assert!(t.windows(2).all(|w| (w[0].len(), w[0]) < (w[1].len(), w[1])));
        assert!(t.iter().all(|n| super::is_target_extension(n)));
        assert!(!super::is_target_extension("KUBE-SERVICES") && !super::is_target_extension("accept"));
        assert!(!super::is_target_extension("LOGX") && !super::is_target_extension(""));
    }
}
