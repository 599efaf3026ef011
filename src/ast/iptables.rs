//! iptables-save(8) / iptables-restore(8) files as iptables-restore 1.8 reads them: tables,
//! chain declarations, commands and rule specifications, every node with a byte span into the
//! whole file. Plain data only: no evaluation, no chain resolution (that is `model`'s job).
//!
//! The man pages describe the options but not the file grammar; the grammar modelled here is the
//! one in `reference/firewalls.md` §1.1, checked against iptables-restore 1.8.9 (nf_tables) by
//! `tests/differential_iptables.rs`.

use crate::source::Span;
use compact_str::CompactString;
use smallvec::SmallVec;

/// The argument words of one option: almost always one or two, kept inline (a kube-proxy dump
/// has millions of options).
pub type Args = SmallVec<[Word; 2]>;

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
}

impl IptablesAst {
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
    Chain(Box<ChainDecl>),
    Command(Box<Command>),
    Invalid(Invalid),
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
    pub packets: CompactString,
    pub bytes: CompactString,
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

/// One command line: `[counters] -A INPUT … -j ACCEPT` (iptables(8)).
#[derive(Clone, Debug)]
pub struct Command {
    pub span: Span,
    pub counters: Option<Counters>,
    pub kind: CommandKind,
    /// The command word as written (`-A`, `--append`, `--app`).
    pub verb: Word,
    pub chain: Option<Word>,
    /// `-I chain N`, `-R chain N`, `-D chain N`, `-Z chain N`.
    pub rulenum: Option<Word>,
    /// `-P chain POLICY`, or the new name of `-E old new`.
    pub policy_or_new_name: Option<Word>,
    /// The rule of `-A/-I/-R/-C/-D` (empty for the others).
    pub rule: std::rc::Rc<Rule>,
}

/// A rule specification (iptables(8) PARAMETERS, iptables-extensions(8) MATCH EXTENSIONS and
/// TARGET EXTENSIONS).
#[derive(Clone, Debug, Default)]
pub struct Rule {
    /// Base parameters: `-p`, `-s`, `-d`, `-i`, `-o`, `-f`, `-c` (and flags such as `-w`).
    pub params: Vec<Opt>,
    /// Match modules in load order: `-m NAME`, and the protocol match iptables loads on its own
    /// after `-p tcp|udp|…` when it meets one of its options (`implicit`).
    pub matches: Vec<Match>,
    /// `-j TARGET` or `-g CHAIN` with the target's options.
    pub target: Option<Target>,
}

/// `-m NAME [options]` (iptables-extensions(8)).
#[derive(Clone, Debug)]
pub struct Match {
    /// The `-m` word (for an implicit match, the first option's span).
    pub span: Span,
    pub name: Word,
    /// Loaded by iptables itself for `-p PROTO` (no `-m` in the file).
    pub implicit: bool,
    pub options: Vec<Opt>,
}

/// `-j` (jump) or `-g` (goto, iptables(8) `--goto`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Jump,
    Goto,
}

/// `-j TARGET [target options]` or `-g CHAIN`.
#[derive(Clone, Debug)]
pub struct Target {
    pub kind: TargetKind,
    /// The `-j`/`-g` word.
    pub flag: Span,
    pub name: Word,
    pub options: Vec<Opt>,
}

/// One option: `[!] --name [args…]`. Options are kept generic (name plus argument words);
/// `canonical` is the full long name iptables resolved an abbreviation or alias to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opt {
    /// The option word as written (`-s`, `--src`, `--dp`).
    pub name: Word,
    /// The full option name (`--source`, `--dport`).
    pub canonical: &'static str,
    /// Span of the `!` when the option is negated.
    pub negated: Option<Span>,
    pub args: Args,
}

impl Opt {
    pub fn span(&self) -> Span {
        let start = self.negated.unwrap_or(self.name.span);
        self.args.iter().fold(start.cover(self.name.span), |s, a| s.cover(a.span))
    }
    pub fn arg(&self) -> Option<&str> {
        self.args.first().map(|w| w.text.as_str())
    }
}

/// A word after iptables-restore's quote handling (`"…"` groups, `\"` escapes inside quotes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Inline up to 24 bytes: most words of a ruleset are short.
    pub text: CompactString,
    /// From the first to the last byte of the word as written, quotes included.
    pub span: Span,
    pub quoted: bool,
}

/// Target extensions and the standard verdicts (iptables-extensions(8) TARGET EXTENSIONS):
/// `-j NAME` with any other name is a chain, and a chain may not take one of these names.
pub const TARGET_EXTENSIONS: &[&str] = &[
    "ACCEPT",
    "DROP",
    "QUEUE",
    "RETURN",
    "AUDIT",
    "CHECKSUM",
    "CLASSIFY",
    "CLUSTERIP",
    "CONNMARK",
    "CONNSECMARK",
    "CT",
    "DNAT",
    "DNPT",
    "DSCP",
    "ECN",
    "HL",
    "HMARK",
    "IDLETIMER",
    "LED",
    "LOG",
    "MARK",
    "MASQUERADE",
    "NETMAP",
    "NFLOG",
    "NFQUEUE",
    "NOTRACK",
    "RATEEST",
    "REDIRECT",
    "REJECT",
    "SECMARK",
    "SET",
    "SNAT",
    "SNPT",
    "SYNPROXY",
    "TCPMSS",
    "TCPOPTSTRIP",
    "TEE",
    "TOS",
    "TPROXY",
    "TRACE",
    "TTL",
    "ULOG",
];

pub fn is_target_extension(name: &str) -> bool {
    TARGET_EXTENSIONS.contains(&name)
}

/// TCP port names of a stock /etc/services: what iptables accepts for a port on a machine
/// without the audited root's own table.
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
    ("snmp", 161),
    ("ldap", 389),
    ("https", 443),
    ("submission", 587),
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
];
