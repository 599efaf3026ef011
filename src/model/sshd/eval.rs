//! Replaying a loaded configuration the way sshd's `process_server_config_line_depth` does:
//! once at startup (every line checked, global lines stored, Match blocks syntax-checked) and
//! once per connection (only lines in matching Match blocks stored, then copied over the
//! global values). The startup pass also reports every problem sshd would log or die on.

use super::algorithms::{self, AlgClass, AlgError};
use super::keywords::{self, Kind, Opt, Scope};
use super::load::{GlobResult, Loaded, include_selector};
use super::matching::{self, AddrMatch, Connection, Criterion, CriterionKind, MatchLine};
use super::pattern::{ListMatch, pattern_list};
use super::settings::{self, Listen, Setting, Settings, Subsystem, Val};
use super::version::Version;
use crate::ast::sshd::{Arg, Directive};
use crate::diagnostic::{Label, Severity};
use crate::model::accounts::Accounts;
use crate::source::{FileId, Location, Span};
use crate::syntax::values::{self, IntError};

/// Facts about the host that evaluation needs.
#[derive(Debug)]
pub struct HostFacts {
    pub version: Version,
    /// A Debian/Ubuntu build (their GSSAPI key-exchange patches, DebianBanner, IPQoS
    /// defaults): release 9.2 (Debian 12, the reference build) or a root whose package
    /// database shows Debian's openssh-server. Otherwise upstream portable OpenSSH.
    pub debian: bool,
    pub accounts: Option<Accounts>,
    /// Port names from the host's services table.
    pub services: Vec<(String, u16)>,
    /// Home directory of uid 0 (for `~` in paths).
    pub root_home: String,
}

impl HostFacts {
    pub fn new(version: Version) -> Self {
        HostFacts {
            version,
            debian: version == Version::new(9, 2),
            accounts: None,
            services: builtin_services(),
            root_home: "/root".into(),
        }
    }
    pub fn service_port(&self, name: &str) -> Option<u16> {
        self.services.iter().find(|(n, _)| n == name).map(|&(_, p)| p)
    }
}

/// The few TCP service names a stock /etc/services maps that configs plausibly use.
pub fn builtin_services() -> Vec<(String, u16)> {
    [("ssh", 22), ("telnet", 23), ("http", 80), ("https", 443), ("smtp", 25), ("domain", 53), ("ftp", 21)]
        .iter()
        .map(|&(n, p)| (n.to_string(), p))
        .collect()
}

/// Which sshd problem a finding is about (the rules layer maps these to codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    UnknownKeyword,
    InvalidValue,
    NotAllowedInMatch,
    InvalidMatch,
    Deprecated,
    Include,
    UnsatisfiableAuthMethods,
    HostKey,
}

/// Something sshd logs or dies on while reading the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub at: Location,
    pub message: String,
    pub help: Option<String>,
    pub fatal: bool,
    pub severity: Option<Severity>,
    pub related: Vec<Label>,
}

/// A Match block as seen at startup.
#[derive(Clone, Debug)]
pub struct Block {
    pub at: Location,
    pub line: MatchLine,
    /// Location of each criterion's argument.
    pub arg_locs: Vec<Location>,
    /// Parsed inside a file included from a non-matching block: never active.
    pub never: bool,
}

/// One option line met at startup.
#[derive(Clone, Debug)]
pub struct Record {
    pub opt: Opt,
    pub keyword: Location,
    pub value: Location,
    pub args: Vec<String>,
    /// The Match block it belongs to (`None` = global section).
    pub block: Option<usize>,
    /// Active at startup (global section or after `Match all`).
    pub active: bool,
    /// The line's value was stored (not shadowed by an earlier one).
    pub stored: bool,
    /// Include chain leading to this line (outermost first).
    pub chain: Vec<Location>,
}

/// A line whose value never takes effect because another line wins.
#[derive(Clone, Debug)]
pub struct Shadow {
    pub opt: Opt,
    pub ignored: Location,
    pub winner: Location,
    pub block: Option<usize>,
}

/// The result of the startup pass.
#[derive(Debug, Default)]
pub struct Startup {
    pub settings: Settings,
    pub problems: Vec<Problem>,
    pub records: Vec<Record>,
    pub blocks: Vec<Block>,
    pub shadows: Vec<Shadow>,
}

impl Startup {
    pub fn fatal(&self) -> bool {
        self.problems.iter().any(|p| p.fatal)
    }
}

#[derive(Clone, Copy)]
struct Flags {
    never_match: bool,
    match_only: bool,
}

enum Pass<'c> {
    Startup,
    Connection(&'c Connection),
}

struct Walker<'a, 'c> {
    loaded: &'a Loaded,
    host: &'a HostFacts,
    pass: Pass<'c>,
    s: Settings,
    out: Startup,
    /// Fatal errors of a connection pass (test-mode only failures).
    conn_fatal: Option<String>,
    chain: Vec<Location>,
    block: Option<usize>,
    /// First setter per (block, option) inside Match blocks, for shadow detection.
    block_first: std::collections::HashMap<(usize, usize), Location>,
    /// sshd would have died (include nesting): stop reading.
    stopped: bool,
}

/// Run the startup pass over a loaded configuration.
pub fn startup(loaded: &Loaded, host: &HostFacts) -> Startup {
    let mut w = Walker::new(loaded, host, Pass::Startup);
    if let Some(main) = loaded.main {
        let mut active = true;
        let mut flags = Flags { never_match: false, match_only: false };
        w.walk_file(main, &mut flags, &mut active, 0);
    }
    let mut out = w.out;
    out.settings = w.s;
    out
}

/// Settings set by matching Match blocks for `conn` (sshd's second pass), or the fatal error
/// sshd's test mode would stop with.
pub fn connection_pass(loaded: &Loaded, host: &HostFacts, conn: &Connection) -> Result<Settings, String> {
    let mut w = Walker::new(loaded, host, Pass::Connection(conn));
    if let Some(main) = loaded.main {
        let mut active = false;
        let mut flags = Flags { never_match: false, match_only: true };
        w.walk_file(main, &mut flags, &mut active, 0);
    }
    match w.conn_fatal {
        Some(e) => Err(e),
        None => Ok(w.s),
    }
}

/// Outcome of one handler.
enum Handled {
    /// Number of arguments consumed.
    Consumed(usize),
    /// The line failed ("goto out"): no extra-arguments check.
    Failed,
}

impl<'a, 'c> Walker<'a, 'c> {
    fn new(loaded: &'a Loaded, host: &'a HostFacts, pass: Pass<'c>) -> Self {
        Walker {
            loaded,
            host,
            pass,
            s: Settings::default(),
            out: Startup::default(),
            conn_fatal: None,
            chain: Vec::new(),
            block: None,
            block_first: Default::default(),
            stopped: false,
        }
    }

    fn v(&self) -> Version {
        self.host.version
    }

    fn startup_pass(&self) -> bool {
        matches!(self.pass, Pass::Startup)
    }

    fn walk_file(&mut self, idx: usize, flags: &mut Flags, active: &mut bool, depth: usize) {
        let file = &self.loaded.files[idx];
        // A Match opened in an included file ends with that file; the includer's block stays.
        let saved_block = self.block;
        for d in &file.ast.directives {
            if self.stopped {
                break;
            }
            self.line(file.id, d, flags, active, depth);
        }
        self.block = saved_block;
    }

    fn problem(&mut self, kind: ProblemKind, at: Location, message: String, fatal: bool) -> &mut Problem {
        let mut related: Vec<Label> = Vec::new();
        for &l in self.chain.iter().rev() {
            if l != at && !related.iter().any(|r| r.location == l) {
                related.push(Label { location: l, message: "included from here".into() });
            }
        }
        self.out.problems.push(Problem { kind, at, message, help: None, fatal, severity: None, related });
        let n = self.out.problems.len() - 1;
        &mut self.out.problems[n]
    }

    /// Report an invalid value; every such problem stops sshd (in a connection pass, the
    /// reparse sshd does for `-T -C` and for each login).
    fn invalid(&mut self, at: Location, message: String, help: Option<&str>) {
        if self.startup_pass() {
            let p = self.problem(ProblemKind::InvalidValue, at, message, true);
            p.help = help.map(str::to_string);
        } else if self.conn_fatal.is_none() {
            self.conn_fatal = Some(message);
        }
    }

    fn line(&mut self, file: FileId, d: &Directive, flags: &mut Flags, active: &mut bool, depth: usize) {
        // Lines outside matching blocks were checked at startup; a connection pass only
        // needs the block structure from them.
        if !*active
            && !self.startup_pass()
            && !d.keyword.text.eq_ignore_ascii_case("match")
            && !d.keyword.text.eq_ignore_ascii_case("include")
            && !d.keyword.text.eq_ignore_ascii_case("authenticationmethods")
        {
            return;
        }
        let loc = |span: Span| Location { file, span };
        let kw_loc = loc(d.keyword_span());
        let def = keywords::lookup_for(self.v(), self.host.debian, &d.keyword.text);
        if d.rest.is_none() {
            if self.startup_pass() {
                match def {
                    None => self.unknown_keyword(kw_loc, &d.keyword.text),
                    Some(_) => self.invalid(
                        kw_loc,
                        format!("`{}` has no argument", d.keyword.text),
                        Some("give the keyword a value, or remove the line"),
                    ),
                }
            }
            return;
        }
        let args = match &d.args {
            Ok(a) => a.as_slice(),
            Err(q) => {
                if self.startup_pass() {
                    let at = loc(d.span(q.0, d.line.bytes.len()));
                    self.invalid(at, "unbalanced quotes".into(), Some("close the quote; sshd refuses the whole file"));
                }
                return;
            }
        };
        let scope_ok = def.is_some_and(|d| d.scope == Scope::All);
        if !*active && !scope_ok {
            if self.startup_pass() {
                match def {
                    None => self.unknown_keyword(kw_loc, &d.keyword.text),
                    Some(_) => {
                        let block_loc = self.block.map(|b| self.out.blocks[b].at);
                        let name = d.keyword.text.clone();
                        let p = self.problem(
                            ProblemKind::NotAllowedInMatch,
                            kw_loc,
                            format!("`{name}` is not allowed inside a Match block"),
                            true,
                        );
                        p.help = Some(format!(
                            "move `{name}` above the first Match line (Match blocks run to the end of the file)"
                        ));
                        if let Some(b) = block_loc {
                            p.related.insert(0, Label { location: b, message: "inside this Match block".into() });
                        }
                    }
                }
            }
            return;
        }
        let Some(def) = def else {
            if self.startup_pass() {
                self.unknown_keyword(kw_loc, &d.keyword.text);
            }
            return;
        };
        let handled = match def.kind {
            Kind::Opt(opt) | Kind::Alias(opt) => match opt {
                Opt::Include => self.include(file, d, args, flags, active, depth),
                Opt::Match => self.match_line(file, d, flags, active),
                _ => self.option(opt, file, d, args, *active),
            },
            Kind::Deprecated | Kind::Unsupported => {
                if self.startup_pass() {
                    let what = if def.kind == Kind::Deprecated { "deprecated" } else { "not supported by this build" };
                    let name = d.keyword.text.clone();
                    let p = self.problem(
                        ProblemKind::Deprecated,
                        kw_loc,
                        format!("`{name}` is {what}: sshd logs it and ignores the line"),
                        false,
                    );
                    p.help = Some(format!("remove the `{name}` line"));
                }
                Handled::Consumed(args.len())
            }
            Kind::Ignore => Handled::Consumed(args.len()),
        };
        if let Handled::Consumed(n) = handled
            && n < args.len()
            && self.startup_pass()
        {
            let at = loc(d.span(args[n].start, args[args.len() - 1].end));
            let extra = args[n..].iter().map(|a| a.text.as_str()).collect::<Vec<_>>().join(" ");
            let p = self.problem(
                ProblemKind::InvalidValue,
                at,
                format!("`{}` takes no further arguments, found `{extra}`", d.keyword.text),
                true,
            );
            p.help = Some("remove the extra words (a `#` comment must start its own word)".into());
        }
    }

    fn unknown_keyword(&mut self, at: Location, keyword: &str) {
        let suggestion = keywords::suggest(self.v(), keyword);
        let debian_only = keywords::is_debian_only(keyword);
        let known_elsewhere = Version::ALL.iter().find(|v| keywords::lookup(**v, keyword).is_some()).copied();
        let v = self.v();
        let mut printable: String = keyword.chars().take(60).flat_map(char::escape_default).collect();
        if keyword.chars().nth(60).is_some() {
            printable.push('…');
        }
        let p = self.problem(
            ProblemKind::UnknownKeyword,
            at,
            format!("`{printable}` is not an sshd keyword in OpenSSH {v}"),
            true,
        );
        p.help = Some(match (suggestion, known_elsewhere) {
            _ if debian_only => {
                format!("`{keyword}` comes from Debian/Ubuntu's patches; upstream OpenSSH {v} does not know it")
            }
            (_, Some(other)) => format!("`{keyword}` exists in OpenSSH {other}; check the target release (--openssh)"),
            (Some(s), None) => format!("did you mean `{s}`?"),
            (None, None) if keyword.starts_with('\u{feff}') => {
                "remove the byte-order mark at the start of the file".into()
            }
            (None, None) => "remove the line or fix the keyword".into(),
        });
    }

    fn include(
        &mut self,
        file: FileId,
        d: &Directive,
        args: &[Arg],
        flags: &mut Flags,
        active: &mut bool,
        depth: usize,
    ) -> Handled {
        let mut count = 0;
        for arg in args {
            let at = Location { file, span: d.arg_span(arg) };
            if arg.text.is_empty() {
                self.invalid(at, "`Include` has an empty argument".into(), None);
                return Handled::Failed;
            }
            count += 1;
            let sel = include_selector(&arg.text);
            let oactive = *active;
            let child = if flags.match_only {
                Flags { never_match: false, match_only: true }
            } else {
                Flags { never_match: !oactive, match_only: false }
            };
            let Some(result) = self.loaded.globs.get(&sel) else { continue };
            match result {
                GlobResult::Files(files) => {
                    for f in files {
                        match f {
                            Ok(i) => {
                                if depth + 1 > 16 {
                                    if self.startup_pass() {
                                        let p = self.problem(
                                            ProblemKind::Include,
                                            at,
                                            "`Include` nesting exceeds 16 levels (an include cycle?): sshd stops reading here".into(),
                                            true,
                                        );
                                        p.help = Some("break the cycle: a file must not include itself, directly or through others".into());
                                    } else {
                                        self.conn_fatal = Some("Too many recursive configuration includes".into());
                                    }
                                    // sshd dies here: nothing after this line is read.
                                    self.stopped = true;
                                    return Handled::Failed;
                                }
                                self.chain.push(at);
                                let mut fl = child;
                                self.walk_file(*i, &mut fl, active, depth + 1);
                                self.chain.pop();
                                *active = oactive;
                            }
                            Err((path, e)) => {
                                if self.startup_pass() {
                                    let p = self.problem(
                                        ProblemKind::Include,
                                        at,
                                        format!("included file `{path}` {}", e.describe()),
                                        true,
                                    );
                                    p.help = Some("sshd exits when an included file cannot be read".into());
                                }
                            }
                        }
                    }
                }
                GlobResult::NoMatch { missing } => {
                    if let (true, Some(missing)) = (self.startup_pass(), missing) {
                        let what = if sel.contains(['*', '?', '[']) {
                            format!("`Include {}` matches nothing: directory `{missing}` does not exist", arg.text)
                        } else {
                            format!("`Include {}` matches nothing: `{missing}` does not exist", arg.text)
                        };
                        let p = self.problem(ProblemKind::Include, at, what, false);
                        p.severity = Some(Severity::Warning);
                        p.help =
                            Some("sshd skips it silently; check the path (relative paths are under /etc/ssh)".into());
                    }
                }
                GlobResult::Denied(dir) => {
                    if self.startup_pass() {
                        let p = self.problem(
                            ProblemKind::Include,
                            at,
                            format!(
                                "`Include {}` not checked: sshlint cannot read directory `{dir}` (permission denied)",
                                arg.text
                            ),
                            false,
                        );
                        p.help = Some("run sshlint as root (or with read access) to check the included files".into());
                    }
                }
                GlobResult::NotChecked => {
                    if self.startup_pass() {
                        let p = self.problem(
                            ProblemKind::Include,
                            at,
                            format!("`Include {}` not checked: no host root to resolve `{sel}` in", arg.text),
                            false,
                        );
                        p.severity = Some(Severity::Info);
                        p.help = Some("lint the whole host root (or pass --root) to check included files".into());
                    }
                }
            }
        }
        if count == 0 {
            self.invalid(Location { file, span: d.keyword_span() }, "`Include` names no file".into(), None);
            return Handled::Failed;
        }
        Handled::Consumed(args.len())
    }

    fn match_line(&mut self, file: FileId, d: &Directive, flags: &mut Flags, active: &mut bool) -> Handled {
        let rest = &d.line.bytes[d.rest.unwrap_or(d.line.bytes.len())..];
        let base = d.rest.unwrap_or(0);
        let tokens: Vec<Arg> = matching::criteria_tokens(rest)
            .into_iter()
            .map(|a| Arg { text: a.text, start: a.start + base, end: a.end + base })
            .collect();
        let at = Location { file, span: d.line_span() };
        let parsed = matching::parse_match(&tokens, self.v());
        let line = match parsed {
            Ok(l) => l,
            Err(e) => {
                if self.startup_pass() {
                    let span = e.token.and_then(|t| tokens.get(t)).map_or(d.line_span(), |t| d.arg_span(t));
                    let p = self.problem(ProblemKind::InvalidMatch, Location { file, span }, e.message, true);
                    p.help = Some("criteria are `All` or pairs like `User alice`, `Address 192.0.2.0/24`".into());
                } else {
                    self.conn_fatal = Some("Bad Match condition".into());
                }
                *active = false;
                return Handled::Consumed(usize::MAX);
            }
        };
        let conn = match self.pass {
            Pass::Connection(c) if !flags.never_match => Some(c),
            _ => None,
        };
        let result = self.eval_match(file, &line, &tokens, d, conn);
        let value = match result {
            Ok(v) => v,
            Err(()) => {
                *active = false;
                return Handled::Consumed(usize::MAX);
            }
        };
        *active = !flags.never_match && value;
        flags.match_only = false;
        if self.startup_pass() {
            let arg_locs = line
                .criteria
                .iter()
                .map(|c| {
                    let t = tokens.get(c.token + 1).unwrap_or(&tokens[c.token]);
                    Location { file, span: d.arg_span(t) }
                })
                .collect();
            self.out.blocks.push(Block { at, line, arg_locs, never: flags.never_match });
            self.block = Some(self.out.blocks.len() - 1);
        }
        Handled::Consumed(usize::MAX)
    }

    /// `match_cfg_line` evaluation: `Err` when sshd would stop (bad list, missing spec).
    fn eval_match(
        &mut self,
        file: FileId,
        line: &MatchLine,
        tokens: &[Arg],
        d: &Directive,
        conn: Option<&Connection>,
    ) -> Result<bool, ()> {
        let mut result = true;
        for c in &line.criteria {
            let arg_loc = || {
                let t = tokens.get(c.token + 1).unwrap_or(&tokens[c.token]);
                Location { file, span: d.arg_span(t) }
            };
            match c.kind {
                CriterionKind::All => return Ok(true),
                CriterionKind::User
                | CriterionKind::Group
                | CriterionKind::Host
                | CriterionKind::RDomain
                | CriterionKind::Version
                | CriterionKind::InvalidUser => {
                    let Some(conn) = conn else {
                        result = false;
                        continue;
                    };
                    if !self.criterion_matches(c, conn) {
                        result = false;
                    }
                }
                CriterionKind::Address | CriterionKind::LocalAddress => {
                    let addr = conn.and_then(|k| {
                        if c.kind == CriterionKind::Address { k.addr.as_deref() } else { k.laddr.as_deref() }
                    });
                    let m = matching::addr_match_list_strict(addr, &c.arg, self.v().at_least(9, 8));
                    if addr.is_none() {
                        if m == AddrMatch::Invalid {
                            if self.startup_pass() {
                                let p = self.problem(
                                    ProblemKind::InvalidMatch,
                                    arg_loc(),
                                    format!("invalid Match {} list `{}`", c.kind.name(), c.arg),
                                    true,
                                );
                                p.help = Some("CIDR masks must fit the family and the address must have no host bits set (10.0.0.0/8, not 10.0.0.1/8)".into());
                            } else {
                                self.conn_fatal = Some(format!("Invalid Match address argument '{}'", c.arg));
                            }
                            return Err(());
                        }
                        result = false;
                        continue;
                    }
                    match m {
                        AddrMatch::Matched => {}
                        AddrMatch::Invalid => {
                            self.conn_fatal = Some("Bad Match condition".into());
                            return Err(());
                        }
                        _ => result = false,
                    }
                }
                CriterionKind::LocalPort => {
                    let port = matching::a2port(&c.arg, &|n| self.host.service_port(n));
                    let Some(port) = port else {
                        if self.startup_pass() {
                            let p = self.problem(
                                ProblemKind::InvalidMatch,
                                arg_loc(),
                                format!("invalid LocalPort `{}` on Match line", c.arg),
                                true,
                            );
                            p.help = Some("LocalPort takes one port number (lists are not supported)".into());
                        } else {
                            self.conn_fatal = Some("Bad Match condition".into());
                        }
                        return Err(());
                    };
                    let Some(conn) = conn else {
                        result = false;
                        continue;
                    };
                    match conn.lport {
                        None => {
                            self.conn_fatal = Some(
                                "'Match LocalPort' in configuration but 'lport' not in connection test specification."
                                    .into(),
                            );
                            return Err(());
                        }
                        Some(p) if p == port => {}
                        Some(_) => result = false,
                    }
                }
            }
        }
        Ok(result)
    }

    fn criterion_matches(&self, c: &Criterion, conn: &Connection) -> bool {
        match c.kind {
            CriterionKind::User => {
                conn.user.as_deref().is_some_and(|u| pattern_list(u, &c.arg, false) == ListMatch::Matched)
            }
            CriterionKind::Group => {
                let Some(user) = conn.user.as_deref() else { return false };
                let Some(groups) = self.host.accounts.as_ref().and_then(|a| a.groups_of(user)) else { return false };
                let mut found = false;
                for g in &groups {
                    match pattern_list(g, &c.arg, false) {
                        ListMatch::Negated => return false,
                        ListMatch::Matched => found = true,
                        ListMatch::NoMatch => {}
                    }
                }
                found
            }
            CriterionKind::Host => conn
                .host
                .as_deref()
                .is_some_and(|h| pattern_list(&h.to_ascii_lowercase(), &c.arg, true) == ListMatch::Matched),
            CriterionKind::RDomain => {
                conn.rdomain.as_deref().is_some_and(|r| pattern_list(r, &c.arg, false) == ListMatch::Matched)
            }
            CriterionKind::InvalidUser => conn.invalid_user,
            CriterionKind::Version => {
                let release = format!("OpenSSH_{}", self.v());
                pattern_list(&release, &c.arg, false) == ListMatch::Matched
            }
            _ => false,
        }
    }

    fn record(&mut self, opt: Opt, file: FileId, d: &Directive, args: &[Arg], active: bool, stored: bool) {
        if !self.startup_pass() {
            return;
        }
        let keyword = Location { file, span: d.keyword_span() };
        let value = Location { file, span: d.args_span() };
        self.out.records.push(Record {
            opt,
            keyword,
            value,
            args: args.iter().map(|a| a.text.clone()).collect(),
            block: self.block,
            active,
            stored,
            chain: self.chain.clone(),
        });
        // Shadowing inside one Match block (startup sees every block's lines in order).
        if let Some(b) = self.block
            && !active
        {
            match self.block_first.get(&(b, opt.index())) {
                Some(&winner) if first_wins(opt, self.v()) => {
                    self.out.shadows.push(Shadow { opt, ignored: keyword, winner, block: Some(b) })
                }
                Some(_) => {}
                None => {
                    self.block_first.insert((b, opt.index()), keyword);
                }
            }
        }
    }

    /// Store a first-wins value; records a shadow when an earlier line already set it.
    fn store_first(&mut self, opt: Opt, val: Val, at: Location, active: bool) -> bool {
        if !active {
            return false;
        }
        if let Some(prev) = self.s.get(opt) {
            if self.startup_pass() {
                let Some(&winner) = prev.at.first() else { return false };
                self.out.shadows.push(Shadow { opt, ignored: at, winner, block: None });
            }
            return false;
        }
        self.s.set(opt, val, at);
        true
    }

    /// Store a last-wins value; records the earlier line as shadowed.
    fn store_last(&mut self, opt: Opt, val: Val, at: Location, active: bool) -> bool {
        if !active {
            return false;
        }
        if let Some(prev) = self.s.get(opt)
            && self.startup_pass()
        {
            let ignored = prev.at.first().copied().unwrap_or(at);
            self.out.shadows.push(Shadow { opt, ignored, winner: at, block: None });
        }
        self.s.set(opt, val, at);
        true
    }

    #[allow(clippy::too_many_lines)]
    fn option(&mut self, opt: Opt, file: FileId, d: &Directive, args: &[Arg], active: bool) -> Handled {
        let v = self.v();
        let at = Location { file, span: d.keyword_span() };
        let arg_at = |i: usize| Location { file, span: args.get(i).map_or(d.line_span(), |a| d.arg_span(a)) };
        let first = args.first().map(|a| a.text.as_str());
        let kw = d.keyword.text.as_str();
        let missing = |w: &mut Self| {
            w.invalid(at, format!("`{kw}` is missing its value"), Some("give the keyword a value"));
            Handled::Failed
        };
        let mut stored = false;
        let result = match opt {
            _ if settings::is_flag(opt) => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                match settings::FLAG.parse(word) {
                    Some(n) => {
                        stored = self.store_first(opt, Val::Num(n), at, active);
                        Handled::Consumed(1)
                    }
                    None => {
                        self.invalid(arg_at(0), format!("`{kw}` takes `yes` or `no`, not `{word}`"), None);
                        Handled::Failed
                    }
                }
            }
            Opt::AddressFamily
            | Opt::PermitRootLogin
            | Opt::IgnoreRhosts
            | Opt::Compression
            | Opt::GatewayPorts
            | Opt::AllowTcpForwarding
            | Opt::AllowStreamLocalForwarding => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let table = settings::multistate(opt, v).unwrap_or(&settings::FLAG);
                match table.parse(word) {
                    Some(n) => {
                        stored = self.store_first(opt, Val::Num(n), at, active);
                        Handled::Consumed(1)
                    }
                    None => {
                        let choices = table.0.iter().map(|(k, _)| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                        self.invalid(
                            arg_at(0),
                            format!("`{kw}` does not accept `{word}`"),
                            Some(&format!("use one of {choices}")),
                        );
                        Handled::Failed
                    }
                }
            }
            Opt::PermitTunnel => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                match settings::PERMIT_TUNNEL.0.iter().find(|(k, _)| *k == word) {
                    Some(&(_, n)) => {
                        stored = self.store_first(opt, Val::Num(n), at, active);
                        Handled::Consumed(1)
                    }
                    None => {
                        self.invalid(
                            arg_at(0),
                            format!("`PermitTunnel` does not accept `{word}`"),
                            Some("use `yes`, `no`, `point-to-point` or `ethernet` (lower case: sshd compares case-sensitively)"),
                        );
                        Handled::Failed
                    }
                }
            }
            Opt::X11DisplayOffset
            | Opt::MaxAuthTries
            | Opt::MaxSessions
            | Opt::ClientAliveCountMax
            | Opt::RequiredRSASize => match values::int_value(first.unwrap_or("")) {
                Ok(n) => {
                    stored = self.store_first(opt, Val::Num(n), at, active);
                    Handled::Consumed(1)
                }
                Err(e) => {
                    let shown = first.unwrap_or("");
                    let what = match e {
                        IntError::Invalid => "is not a number",
                        IntError::TooSmall => "is negative",
                        IntError::TooLarge => "is too large",
                    };
                    self.invalid(
                        arg_at(0),
                        format!("`{kw}` value `{shown}` {what}"),
                        Some("use a whole number from 0 to 2147483647"),
                    );
                    Handled::Failed
                }
            },
            Opt::LoginGraceTime | Opt::ClientAliveInterval => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                match values::convtime(word) {
                    Some(n) => {
                        stored = self.store_first(opt, Val::Num(n), at, active);
                        Handled::Consumed(1)
                    }
                    None => {
                        self.invalid(
                            arg_at(0),
                            format!("`{kw}` value `{word}` is not a time"),
                            Some("use seconds or units like `30s`, `2m`, `1h30m`"),
                        );
                        Handled::Failed
                    }
                }
            }
            Opt::UnusedConnectionTimeout => {
                if first.is_some_and(|w| w.eq_ignore_ascii_case("none")) {
                    if active {
                        self.s.set(opt, Val::Num(0), at);
                        stored = true;
                    }
                    Handled::Consumed(1)
                } else {
                    let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                    match values::convtime(word) {
                        Some(n) => {
                            stored = self.store_first(opt, Val::Num(n), at, active);
                            Handled::Consumed(1)
                        }
                        None => {
                            self.invalid(
                                arg_at(0),
                                format!("`{kw}` value `{word}` is not a time"),
                                Some("use `none` or a time like `5m`"),
                            );
                            Handled::Failed
                        }
                    }
                }
            }
            Opt::Port => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                match matching::a2port(word, &|n| self.host.service_port(n)).filter(|&p| p > 0) {
                    Some(p) => {
                        if active {
                            let mut ports = match self.s.get(opt) {
                                Some(Setting { val: Val::Nums(p), at: locs }) => (p.clone(), locs.clone()),
                                _ => (Vec::new(), Vec::new()),
                            };
                            if ports.0.len() >= 256 {
                                self.invalid(at, "more than 256 `Port` lines".into(), None);
                            }
                            ports.0.push(i64::from(p));
                            ports.1.push(at);
                            self.s.set_with(opt, Setting { val: Val::Nums(ports.0), at: ports.1 });
                            stored = true;
                        }
                        Handled::Consumed(1)
                    }
                    None => {
                        self.invalid(
                            arg_at(0),
                            format!("`Port` value `{word}` is not a port number"),
                            Some("use a number from 1 to 65535"),
                        );
                        Handled::Failed
                    }
                }
            }
            Opt::ListenAddress => self.listen_address(file, d, args, active, &mut stored),
            Opt::HostKey | Opt::HostCertificate => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                if active {
                    let path = self.derelativise(word);
                    self.s.push_items(opt, vec![path], at);
                    stored = true;
                }
                Handled::Consumed(1)
            }
            Opt::HostKeyAgent => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let val = if word == "SSH_AUTH_SOCK" { word.to_string() } else { self.derelativise(word) };
                stored = self.store_first(opt, Val::Text(val), at, active);
                Handled::Consumed(1)
            }
            // 10.3 takes several RevokedKeys files on one line (first line wins).
            Opt::RevokedKeys if v.at_least(10, 3) => {
                if args.is_empty() || args.iter().any(|a| a.text.is_empty()) {
                    return missing(self);
                }
                if active && !self.s.is_set(opt) {
                    let items = args.iter().map(|a| self.derelativise(&a.text)).collect();
                    self.s.push_items(opt, items, at);
                    stored = true;
                } else if active {
                    self.shadow_first_line(opt, at);
                }
                Handled::Consumed(args.len())
            }
            Opt::PidFile
            | Opt::ModuliFile
            | Opt::XAuthLocation
            | Opt::Banner
            | Opt::TrustedUserCAKeys
            | Opt::RevokedKeys => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let val = self.derelativise(word);
                stored = self.store_first(opt, Val::Text(val), at, active);
                Handled::Consumed(1)
            }
            Opt::SecurityKeyProvider => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let val =
                    if word.eq_ignore_ascii_case("internal") { word.to_string() } else { self.derelativise(word) };
                stored = self.store_first(opt, Val::Text(val), at, active);
                Handled::Consumed(1)
            }
            Opt::AuthorizedPrincipalsFile => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let val = self.tilde(word);
                stored = self.store_first(opt, Val::Text(val), at, active);
                Handled::Consumed(1)
            }
            Opt::ChrootDirectory
            | Opt::AuthorizedKeysCommandUser
            | Opt::AuthorizedPrincipalsCommandUser
            | Opt::PerSourcePenaltyExemptList
            | Opt::SshdSessionPath
            | Opt::SshdAuthPath
            | Opt::PAMServiceName => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                stored = self.store_first(opt, Val::Text(word.to_string()), at, active);
                Handled::Consumed(1)
            }
            Opt::RDomain => {
                self.invalid(
                    at,
                    "`RDomain` is not supported on Linux: sshd refuses to start".into(),
                    Some("remove the line (routing domains are OpenBSD-only)"),
                );
                Handled::Failed
            }
            Opt::Ciphers
            | Opt::MACs
            | Opt::KexAlgorithms
            | Opt::HostKeyAlgorithms
            | Opt::CASignatureAlgorithms
            | Opt::PubkeyAcceptedAlgorithms
            | Opt::HostbasedAcceptedAlgorithms
            | Opt::GSSAPIKexAlgorithms => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let class = AlgClass::of(opt);
                match algorithms::validate(class, v, word) {
                    Ok(()) => {
                        stored = self.store_first(opt, Val::Text(word.to_string()), at, active);
                        Handled::Consumed(1)
                    }
                    Err(AlgError::Unknown(name)) => {
                        self.invalid(
                            arg_at(0),
                            format!("`{kw}` names `{name}`, which OpenSSH {v} does not support"),
                            Some(&format!("list supported names with `ssh -Q {}`", class.query_name())),
                        );
                        Handled::Failed
                    }
                    Err(AlgError::Empty) => {
                        self.invalid(
                            arg_at(0),
                            format!("`{kw}` has an empty algorithm name"),
                            Some("remove the stray comma"),
                        );
                        Handled::Failed
                    }
                }
            }
            Opt::ForceCommand | Opt::AuthorizedKeysCommand | Opt::AuthorizedPrincipalsCommand => {
                let raw = d.rest_text().trim_start_matches([' ', '\t', '\r', '\n']).to_string();
                if raw.is_empty() {
                    return missing(self);
                }
                if opt != Opt::ForceCommand && !raw.starts_with('/') && !raw.eq_ignore_ascii_case("none") {
                    self.invalid(
                        arg_at(0),
                        format!("`{kw}` must be an absolute path, not `{raw}`"),
                        Some("give the full path of the command, or `none`"),
                    );
                    return Handled::Failed;
                }
                if opt == Opt::AuthorizedPrincipalsCommand && !v.at_least(9, 4) {
                    // 9.2–9.3 guard this keyword with AuthorizedKeysCommand's slot (fixed in 9.4).
                    if active && !self.s.is_set(Opt::AuthorizedKeysCommand) {
                        self.s.set(opt, Val::Text(raw), at);
                        stored = true;
                    }
                } else {
                    stored = self.store_first(opt, Val::Text(raw), at, active);
                }
                Handled::Consumed(args.len())
            }
            Opt::VersionAddendum => {
                let raw = d.rest_text().trim_start_matches([' ', '\t', '\r', '\n']);
                if raw.is_empty() {
                    return missing(self);
                }
                if raw.contains('\r') {
                    self.invalid(arg_at(0), "`VersionAddendum` contains a carriage return".into(), None);
                    return Handled::Failed;
                }
                // sshd means to cut at `#`, but searches the line after strdelim has ended it at
                // the keyword, so the value keeps any `# comment` (verified on 9.2).
                let val = if raw.eq_ignore_ascii_case("none") { String::new() } else { raw.to_string() };
                stored = self.store_first(opt, Val::Text(val), at, active);
                Handled::Consumed(args.len())
            }
            Opt::AllowUsers | Opt::DenyUsers => {
                for (i, a) in args.iter().enumerate() {
                    if a.text.is_empty() || !matching::user_pattern_valid(&a.text, self.v().at_least(9, 8)) {
                        self.invalid(
                            arg_at(i),
                            format!("invalid `{kw}` pattern `{}`", a.text),
                            Some("use `user` or `user@host` where a CIDR host has a valid mask and no host bits"),
                        );
                        return Handled::Failed;
                    }
                }
                if active {
                    self.s.push_items(opt, args.iter().map(|a| a.text.clone()).collect(), at);
                    stored = true;
                }
                Handled::Consumed(args.len())
            }
            Opt::AllowGroups | Opt::DenyGroups => {
                if let Some(i) = args.iter().position(|a| a.text.is_empty()) {
                    self.invalid(arg_at(i), format!("empty `{kw}` pattern"), None);
                    return Handled::Failed;
                }
                if active {
                    self.s.push_items(opt, args.iter().map(|a| a.text.clone()).collect(), at);
                    stored = true;
                }
                Handled::Consumed(args.len())
            }
            Opt::AcceptEnv => {
                if let Some(i) = args.iter().position(|a| a.text.is_empty() || a.text.contains('=')) {
                    self.invalid(
                        arg_at(i),
                        format!("`AcceptEnv` takes variable names, not `{}`", args[i].text),
                        Some("list names or patterns such as `LANG LC_*`"),
                    );
                    return Handled::Failed;
                }
                if active {
                    self.s.push_items(opt, args.iter().map(|a| a.text.clone()).collect(), at);
                    stored = true;
                }
                Handled::Consumed(args.len())
            }
            Opt::SetEnv => {
                if let Some(i) = args.iter().position(|a| !a.text.contains('=')) {
                    self.invalid(arg_at(i), format!("`SetEnv` takes NAME=VALUE, not `{}`", args[i].text), None);
                    return Handled::Failed;
                }
                if active && !self.s.is_set(opt) {
                    let mut items: Vec<String> = Vec::new();
                    for a in args {
                        let name = a.text.split('=').next().unwrap_or("");
                        if !items.iter().any(|x| x.split('=').next() == Some(name)) {
                            items.push(a.text.clone());
                        }
                    }
                    self.s.push_items(opt, items, at);
                    stored = true;
                } else if active {
                    self.shadow_first_line(opt, at);
                }
                Handled::Consumed(args.len())
            }
            Opt::AuthorizedKeysFile => {
                if args.iter().any(|a| a.text.is_empty()) {
                    self.invalid(at, "`AuthorizedKeysFile` has an empty argument".into(), None);
                    return Handled::Failed;
                }
                let has_none = args.iter().any(|a| a.text.eq_ignore_ascii_case("none"));
                if v.at_least(10, 3) && has_none && args.len() > 1 {
                    self.invalid(at, "`AuthorizedKeysFile` `none` must appear alone".into(), None);
                    return Handled::Failed;
                }
                if active && !self.s.is_set(opt) {
                    let items = args.iter().map(|a| self.tilde(&a.text)).collect();
                    self.s.push_items(opt, items, at);
                    stored = true;
                } else if active {
                    self.shadow_first_line(opt, at);
                }
                Handled::Consumed(args.len())
            }
            Opt::AuthenticationMethods => self.auth_methods(file, d, args, active, &mut stored),
            Opt::LogVerbose | Opt::ChannelTimeout => {
                for (i, a) in args.iter().enumerate() {
                    if a.text.is_empty() && opt == Opt::LogVerbose {
                        self.invalid(arg_at(i), format!("`{kw}` has an empty argument"), None);
                        return Handled::Failed;
                    }
                    if a.text.eq_ignore_ascii_case("none") && (i > 0 || args.len() > 1) {
                        self.invalid(arg_at(i), format!("`{kw}` `none` must appear alone"), None);
                        return Handled::Failed;
                    }
                    if opt == Opt::ChannelTimeout && !a.text.eq_ignore_ascii_case("none") {
                        let ok = a
                            .text
                            .split_once('=')
                            .is_some_and(|(t, time)| !t.is_empty() && values::convtime(time).is_some());
                        if !ok {
                            self.invalid(
                                arg_at(i),
                                format!("invalid channel timeout `{}`", a.text),
                                Some("use `type=interval`, e.g. `session=5m`"),
                            );
                            return Handled::Failed;
                        }
                    }
                }
                if active && !self.s.is_set(opt) && !args.is_empty() {
                    self.s.push_items(opt, args.iter().map(|a| a.text.clone()).collect(), at);
                    stored = true;
                } else if active {
                    self.shadow_first_line(opt, at);
                }
                Handled::Consumed(args.len())
            }
            Opt::PermitOpen | Opt::PermitListen => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                // From 9.7 `any`/`none` may be followed by more entries (all are kept).
                if (word == "any" || word == "none") && (args.len() == 1 || !v.at_least(9, 7)) {
                    if active && !self.s.is_set(opt) {
                        self.s.push_items(opt, vec![word.to_string()], at);
                        stored = true;
                    }
                    return self.finish_record(opt, file, d, args, active, stored, Handled::Consumed(1));
                }
                let mut items = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    if a.text.is_empty() {
                        break;
                    }
                    if a.text == "any" || a.text == "none" {
                        items.push(a.text.clone());
                        continue;
                    }
                    let (item, port) = if opt == Opt::PermitListen && !a.text.contains(':') {
                        (format!("*:{}", a.text), Some(a.text.as_str()))
                    } else {
                        (a.text.clone(), hpdelim_port(&a.text))
                    };
                    let port_ok = port.is_some_and(|p| {
                        p == "*" || matching::a2port(p, &|n| self.host.service_port(n)).is_some_and(|x| x > 0)
                    });
                    if !port_ok {
                        self.invalid(
                            arg_at(i),
                            format!("`{kw}` entry `{}` has a bad port number", a.text),
                            Some("use host:port, with `*` for any port"),
                        );
                        return Handled::Failed;
                    }
                    items.push(item);
                }
                if active && !self.s.is_set(opt) {
                    self.s.push_items(opt, items, at);
                    stored = true;
                }
                Handled::Consumed(args.len())
            }
            Opt::Subsystem => self.subsystem(file, d, args, active, &mut stored),
            Opt::MaxStartups => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let f = values::scanf_ints(word, 3);
                let prev_rate = self.s.nums(opt).map(|n| n[1]).unwrap_or(-1);
                let spec = match f.len() {
                    3 if f[0] <= f[2] && (1..=100).contains(&f[1]) && f[0] > 0 && f[2] > 0 => {
                        Some(vec![f[0], f[1], f[2]])
                    }
                    1 if f[0] > 0 => Some(vec![f[0], prev_rate, f[0]]),
                    _ => None,
                };
                match spec {
                    Some(spec) => {
                        stored = if v.at_least(10, 1) {
                            self.store_first(opt, Val::Nums(spec), at, active)
                        } else {
                            self.store_last(opt, Val::Nums(spec), at, true)
                        };
                        Handled::Consumed(1)
                    }
                    None => {
                        self.invalid(
                            arg_at(0),
                            format!("invalid `MaxStartups` spec `{word}`"),
                            Some("use `start:rate:full` with start <= full and rate 1-100 (default 10:30:100)"),
                        );
                        Handled::Failed
                    }
                }
            }
            Opt::PerSourceNetBlockSize => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let f = values::scanf_ints(word, 2);
                let ok = match f.len() {
                    2 => (0..=32).contains(&f[0]) && (0..=128).contains(&f[1]),
                    1 => (0..=32).contains(&f[0]),
                    _ => false,
                };
                if !ok {
                    self.invalid(
                        arg_at(0),
                        format!("invalid `PerSourceNetBlockSize` spec `{word}`"),
                        Some("use `ipv4len[:ipv6len]`, e.g. `32:128`"),
                    );
                    return Handled::Failed;
                }
                // Without a v6 length, 10.3+ keeps the default 128 (earlier releases store 0).
                let v6_default = if v.at_least(10, 3) { 128 } else { 0 };
                let val = Val::Nums(vec![f[0], f.get(1).copied().unwrap_or(v6_default)]);
                stored = if v.at_least(10, 1) {
                    self.store_first(opt, val, at, active)
                } else {
                    self.store_last(opt, val, at, active)
                };
                Handled::Consumed(1)
            }
            Opt::PerSourceMaxStartups => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let n = if word == "none" { Ok(i64::from(i32::MAX)) } else { values::int_value(word) };
                match n {
                    Ok(n) => {
                        stored = if v.at_least(9, 5) {
                            self.store_first(opt, Val::Num(n), at, active)
                        } else {
                            self.store_last(opt, Val::Num(n), at, active)
                        };
                        Handled::Consumed(1)
                    }
                    Err(_) => {
                        self.invalid(
                            arg_at(0),
                            format!("invalid `PerSourceMaxStartups` value `{word}`"),
                            Some("use a number or `none`"),
                        );
                        Handled::Failed
                    }
                }
            }
            Opt::PerSourcePenalties => self.penalties(file, d, args, active, &mut stored),
            Opt::IPQoS => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let parse = |w: &str| settings::parse_ipqos(w, v);
                let Some(a) = parse(word) else {
                    self.invalid(
                        arg_at(0),
                        format!("bad `IPQoS` value `{word}`"),
                        Some("use a DSCP name such as `af21`, `cs1`, `ef`, or a number 0-255"),
                    );
                    return Handled::Failed;
                };
                let b = match args.get(1) {
                    None => a,
                    Some(w) => match parse(&w.text) {
                        Some(b) => b,
                        None => {
                            self.invalid(arg_at(1), format!("bad `IPQoS` value `{}`", w.text), None);
                            return Handled::Failed;
                        }
                    },
                };
                let val = Val::Nums(vec![a, b]);
                stored = if v.at_least(10, 3) {
                    self.store_first(opt, val, at, active)
                } else {
                    self.store_last(opt, val, at, active)
                };
                Handled::Consumed(args.len().min(2))
            }
            Opt::RekeyLimit => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let bytes = if word == "default" { Some(0) } else { values::scaled_size(word) };
                let Some(bytes) = bytes else {
                    self.invalid(
                        arg_at(0),
                        format!("bad `RekeyLimit` number `{word}`"),
                        Some("use a size like `1G` or `default`"),
                    );
                    return Handled::Failed;
                };
                if bytes != 0 && bytes < 16 {
                    self.invalid(
                        arg_at(0),
                        format!("`RekeyLimit` `{word}` is too small"),
                        Some("use at least 16 bytes, or 0/`default`"),
                    );
                    return Handled::Failed;
                }
                let prev = self.s.nums(opt).map(<[i64]>::to_vec);
                let mut val = prev.clone().unwrap_or_else(|| vec![-1, -1]);
                if active && val[0] == -1 {
                    val[0] = bytes;
                }
                let mut consumed = 1;
                if let Some(second) = args.get(1) {
                    consumed = 2;
                    if second.text != "none" {
                        match values::convtime(&second.text) {
                            Some(secs) => {
                                if active && val[1] == -1 {
                                    val[1] = secs;
                                }
                            }
                            None => {
                                self.invalid(
                                    arg_at(1),
                                    format!("`RekeyLimit` interval `{}` is not a time", second.text),
                                    None,
                                );
                                return Handled::Failed;
                            }
                        }
                    }
                }
                if active && Some(&val) != prev.as_ref() {
                    self.s.set(opt, Val::Nums(val), at);
                    stored = true;
                }
                Handled::Consumed(consumed)
            }
            Opt::StreamLocalBindMask => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                match parse_octal_prefix(word).filter(|n| (0..=0o777).contains(n)) {
                    Some(n) => {
                        stored = self.store_last(opt, Val::Num(n), at, active);
                        Handled::Consumed(1)
                    }
                    None => {
                        self.invalid(
                            arg_at(0),
                            format!("invalid `StreamLocalBindMask` `{word}`"),
                            Some("use an octal mask like `0177`"),
                        );
                        Handled::Failed
                    }
                }
            }
            Opt::FingerprintHash => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                match settings::FINGERPRINT_HASH.parse(word) {
                    Some(n) => {
                        stored = self.store_last(opt, Val::Num(n), at, active);
                        Handled::Consumed(1)
                    }
                    None => {
                        self.invalid(
                            arg_at(0),
                            format!("invalid `FingerprintHash` algorithm `{word}`"),
                            Some("use `sha256` or `md5`"),
                        );
                        Handled::Failed
                    }
                }
            }
            Opt::LogLevel | Opt::SyslogFacility => {
                let table = if opt == Opt::LogLevel { &settings::LOG_LEVEL } else { &settings::SYSLOG_FACILITY };
                let word = first.unwrap_or("");
                match table.parse(word) {
                    Some(n) => {
                        // SyslogFacility is stored regardless of Match state (global-only anyway).
                        stored = self.store_first(opt, Val::Num(n), at, active || opt == Opt::SyslogFacility);
                        Handled::Consumed(1)
                    }
                    None => {
                        let what = if opt == Opt::LogLevel { "log level" } else { "log facility" };
                        self.invalid(arg_at(0), format!("unsupported {what} `{word}`"), None);
                        Handled::Failed
                    }
                }
            }
            Opt::PermitUserEnvironment => {
                let Some(word) = first.filter(|w| !w.is_empty()) else { return missing(self) };
                let val = match word {
                    "yes" => Val::Num(1),
                    "no" => Val::Num(0),
                    pat => Val::Text(pat.to_string()),
                };
                stored = self.store_first(opt, val, at, active);
                Handled::Consumed(1)
            }
            Opt::PubkeyAuthOptions => {
                let mut bits = 0;
                for (i, a) in args.iter().enumerate() {
                    match a.text.to_ascii_lowercase().as_str() {
                        "none" => {}
                        "touch-required" => bits |= 1,
                        "verify-required" => bits |= 2,
                        _ => {
                            self.invalid(
                                arg_at(i),
                                format!("unsupported `PubkeyAuthOptions` option `{}`", a.text),
                                Some("use `none`, `touch-required` or `verify-required`"),
                            );
                            return Handled::Failed;
                        }
                    }
                }
                stored = self.store_first(opt, Val::Num(bits), at, active);
                Handled::Consumed(args.len())
            }
            // Include and Match are dispatched before this; anything else has no handler.
            _ => Handled::Consumed(args.len()),
        };
        self.finish_record(opt, file, d, args, active, stored, result)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_record(
        &mut self,
        opt: Opt,
        file: FileId,
        d: &Directive,
        args: &[Arg],
        active: bool,
        stored: bool,
        h: Handled,
    ) -> Handled {
        self.record(opt, file, d, args, active, stored);
        h
    }

    fn shadow_first_line(&mut self, opt: Opt, at: Location) {
        if let (true, Some(prev)) = (self.startup_pass(), self.s.get(opt))
            && let Some(&winner) = prev.at.first()
        {
            self.out.shadows.push(Shadow { opt, ignored: at, winner, block: None });
        }
    }

    fn listen_address(
        &mut self,
        file: FileId,
        d: &Directive,
        args: &[Arg],
        active: bool,
        stored: &mut bool,
    ) -> Handled {
        let at = Location { file, span: d.keyword_span() };
        let Some(arg) = args.first().filter(|a| !a.text.is_empty()) else {
            self.invalid(at, "`ListenAddress` is missing its address".into(), None);
            return Handled::Failed;
        };
        let arg_at = Location { file, span: d.arg_span(arg) };
        let text = arg.text.as_str();
        let bare_v6 = !text.contains('[') && text.matches(':').count() >= 2;
        let (host, port) = if bare_v6 {
            (text.to_string(), None)
        } else {
            let (h, p) = match hpdelim(text) {
                Some(x) => x,
                None => {
                    self.invalid(
                        arg_at,
                        format!("bad `ListenAddress` `{text}`"),
                        Some("use `host`, `host:port` or `[v6addr]:port`"),
                    );
                    return Handled::Failed;
                }
            };
            let port = match p {
                None => None,
                Some(p) => match matching::a2port(p, &|n| self.host.service_port(n)).filter(|&x| x > 0) {
                    Some(x) => Some(x),
                    None => {
                        self.invalid(arg_at, format!("bad port number in `ListenAddress {text}`"), None);
                        return Handled::Failed;
                    }
                },
            };
            (cleanhostname(h).to_string(), port)
        };
        let mut rdomain = None;
        if let Some(extra) = args.get(1) {
            if extra.text != "rdomain" || args.get(2).is_none() {
                self.invalid(
                    Location { file, span: d.arg_span(extra) },
                    "bad `ListenAddress` syntax".into(),
                    Some("only `rdomain NAME` may follow the address"),
                );
                return Handled::Failed;
            }
            self.invalid(
                Location { file, span: d.arg_span(extra) },
                "routing domains are not supported on Linux".into(),
                None,
            );
            rdomain = args.get(2).map(|a| a.text.clone());
        }
        if active {
            let mut list = match self.s.get(Opt::ListenAddress) {
                Some(Setting { val: Val::Listen(l), at: locs }) => (l.clone(), locs.clone()),
                _ => (Vec::new(), Vec::new()),
            };
            list.0.push(Listen { host, port, rdomain: rdomain.clone() });
            list.1.push(at);
            self.s.set_with(Opt::ListenAddress, Setting { val: Val::Listen(list.0), at: list.1 });
            *stored = true;
        }
        Handled::Consumed(if rdomain.is_some() { 3 } else { 1 })
    }

    fn auth_methods(&mut self, file: FileId, d: &Directive, args: &[Arg], active: bool, stored: &mut bool) -> Handled {
        let at = Location { file, span: d.keyword_span() };
        // Before 9.7 an `any` after any stored list was refused even outside matching blocks.
        let already = self.s.list(Opt::AuthenticationMethods).is_some_and(|l| !l.is_empty())
            && (active || !self.v().at_least(9, 7));
        let mut seen_any = false;
        for (i, a) in args.iter().enumerate() {
            let arg_at = Location { file, span: d.arg_span(a) };
            if a.text == "any" {
                if already || i > 0 {
                    self.invalid(arg_at, "`any` must appear alone in `AuthenticationMethods`".into(), None);
                    return Handled::Failed;
                }
                seen_any = true;
            } else if seen_any {
                self.invalid(arg_at, "`any` must appear alone in `AuthenticationMethods`".into(), None);
                return Handled::Failed;
            } else if let Err(bad) = auth_method_list_valid(&a.text) {
                let msg = if bad.is_empty() {
                    "empty authentication method list".to_string()
                } else {
                    format!("unknown authentication method `{bad}`")
                };
                self.invalid(
                    arg_at,
                    format!("invalid `AuthenticationMethods` list `{}`: {msg}", a.text),
                    Some("methods are publickey, password, keyboard-interactive, hostbased, gssapi-with-mic, none"),
                );
                return Handled::Failed;
            }
        }
        if args.is_empty() {
            self.invalid(at, "no `AuthenticationMethods` specified".into(), None);
            return Handled::Failed;
        }
        if active && !already {
            self.s.push_items(Opt::AuthenticationMethods, args.iter().map(|a| a.text.clone()).collect(), at);
            *stored = true;
        } else if active {
            self.shadow_first_line(Opt::AuthenticationMethods, at);
        }
        Handled::Consumed(args.len())
    }

    /// `PerSourcePenalties` (9.8+): `yes`/`no` alone, or `key:value` words, each key first-wins.
    fn penalties(&mut self, file: FileId, d: &Directive, args: &[Arg], active: bool, stored: &mut bool) -> Handled {
        let v = self.v();
        let mut times = vec!["crash", "authfail", "noauth", "grace-exceeded", "max", "min"];
        if v.at_least(9, 9) {
            times.push("refuseconnection");
        }
        if v.at_least(10, 3) {
            times.push("invaliduser");
        }
        let mut entries: Vec<String> = self.s.list(Opt::PerSourcePenalties).map(<[String]>::to_vec).unwrap_or_default();
        let has = |entries: &[String], k: &str| entries.iter().any(|e| e.split_once(':').is_some_and(|(x, _)| x == k));
        let set = |entries: &mut Vec<String>, k: &str, val: String| {
            if !entries.iter().any(|e| e.split_once(':').is_some_and(|(x, _)| x == k)) {
                entries.push(format!("{k}:{val}"));
            }
        };
        for (i, a) in args.iter().enumerate() {
            let at = Location { file, span: d.arg_span(a) };
            let w = a.text.as_str();
            if w.eq_ignore_ascii_case("no") || w.eq_ignore_ascii_case("yes") {
                if i + 1 < args.len() {
                    self.invalid(at, format!("`PerSourcePenalties {w}` must appear alone"), None);
                    return Handled::Failed;
                }
                if active && !has(&entries, "enabled") {
                    set(&mut entries, "enabled", if w.eq_ignore_ascii_case("yes") { "1".into() } else { "0".into() });
                }
                continue;
            }
            let (key, value) = w.split_once(':').unwrap_or((w, ""));
            if times.contains(&key) {
                let secs = if v.at_least(10, 3) {
                    values::convtime_double(value)
                } else {
                    values::convtime(value).map(|n| n as f64)
                };
                let Some(secs) = secs else {
                    self.invalid(
                        at,
                        format!("invalid `PerSourcePenalties` time `{w}`"),
                        Some("use a duration such as `crash:90s` or `max:10m`"),
                    );
                    return Handled::Failed;
                };
                if active && !has(&entries, key) {
                    set(&mut entries, key, secs.to_string());
                    entries.retain(|e| !e.starts_with("enabled:"));
                    entries.push("enabled:1".into());
                }
            } else if key == "max-sources4" || key == "max-sources6" {
                let Ok(n) = values::int_value(value) else {
                    self.invalid(at, format!("invalid `PerSourcePenalties` value `{w}`"), Some("use a whole number"));
                    return Handled::Failed;
                };
                if active && !has(&entries, key) {
                    set(&mut entries, key, n.to_string());
                    entries.retain(|e| !e.starts_with("enabled:"));
                    entries.push("enabled:1".into());
                }
            } else if matches!(
                w,
                "overflow:deny-all" | "overflow:permissive" | "overflow6:deny-all" | "overflow6:permissive"
            ) {
                if active && !has(&entries, key) {
                    set(&mut entries, key, value.to_string());
                    entries.retain(|e| !e.starts_with("enabled:"));
                    entries.push("enabled:1".into());
                }
            } else {
                self.invalid(
                    at,
                    format!("unsupported `PerSourcePenalties` keyword `{w}`"),
                    Some("see sshd_config(5) PerSourcePenalties"),
                );
                return Handled::Failed;
            }
        }
        if args.is_empty() {
            self.invalid(Location { file, span: d.keyword_span() }, "no `PerSourcePenalties` specified".into(), None);
            return Handled::Failed;
        }
        if active {
            let at = Location { file, span: d.keyword_span() };
            self.s.set(Opt::PerSourcePenalties, Val::List(entries), at);
            *stored = true;
        }
        Handled::Consumed(args.len())
    }

    fn subsystem(&mut self, file: FileId, d: &Directive, args: &[Arg], active: bool, stored: &mut bool) -> Handled {
        let at = Location { file, span: d.keyword_span() };
        let Some(name) = args.first().filter(|a| !a.text.is_empty()) else {
            self.invalid(at, "`Subsystem` is missing its name".into(), None);
            return Handled::Failed;
        };
        if !active {
            return Handled::Consumed(2.min(args.len()));
        }
        let mut list = match self.s.get(Opt::Subsystem) {
            Some(Setting { val: Val::Subsystems(l), at: locs }) => (l.clone(), locs.clone()),
            _ => (Vec::new(), Vec::new()),
        };
        if let Some(i) = list.0.iter().position(|s| s.name == name.text) {
            if !self.v().at_least(9, 5) {
                let prev = list.1[i];
                if self.startup_pass() {
                    let p = self.problem(
                        ProblemKind::InvalidValue,
                        Location { file, span: d.arg_span(name) },
                        format!("`Subsystem {}` is already defined", name.text),
                        true,
                    );
                    p.related.push(Label { location: prev, message: "first defined here".into() });
                    p.help = Some("OpenSSH before 9.5 refuses a second definition; remove one".into());
                }
                return Handled::Failed;
            }
            self.shadow_first_line(Opt::Subsystem, at);
            return Handled::Consumed(args.len());
        }
        let Some(cmd) = args.get(1).filter(|a| !a.text.is_empty()) else {
            self.invalid(at, "`Subsystem` is missing its command".into(), None);
            return Handled::Failed;
        };
        let joined = std::iter::once(cmd.text.as_str())
            .chain(args[2..].iter().map(|a| a.text.as_str()))
            .collect::<Vec<_>>()
            .join(" ");
        list.0.push(Subsystem { name: name.text.clone(), args: joined });
        list.1.push(at);
        self.s.set_with(Opt::Subsystem, Setting { val: Val::Subsystems(list.0), at: list.1 });
        *stored = true;
        Handled::Consumed(args.len())
    }

    /// `derelativise_path`: `none` stays, `~` expands to root's home, relative paths are
    /// taken from sshd's working directory (`/` for a daemon).
    fn derelativise(&self, path: &str) -> String {
        if path.eq_ignore_ascii_case("none") {
            return "none".into();
        }
        let expanded = self.tilde(path);
        if expanded.starts_with('/') { expanded } else { format!("//{expanded}") }
    }

    /// `tilde_expand_filename` for uid 0.
    fn tilde(&self, path: &str) -> String {
        let Some(rest) = path.strip_prefix('~') else { return path.to_string() };
        let (user, tail) = rest.split_once('/').map_or((rest, ""), |(u, t)| (u, t));
        let home = if user.is_empty() {
            self.host.root_home.clone()
        } else {
            match self.host.accounts.as_ref().and_then(|a| a.user(user)) {
                Some(u) => u.home.clone(),
                None => return path.to_string(),
            }
        };
        if tail.is_empty() && !rest.contains('/') { home } else { format!("{}/{}", home.trim_end_matches('/'), tail) }
    }
}

fn first_wins(opt: Opt, v: Version) -> bool {
    match opt {
        Opt::StreamLocalBindMask | Opt::FingerprintHash => false,
        Opt::IPQoS => v.at_least(10, 3),
        Opt::AllowUsers | Opt::DenyUsers | Opt::AllowGroups | Opt::DenyGroups | Opt::AcceptEnv | Opt::Subsystem => {
            false
        }
        _ => true,
    }
}

/// The methods `auth2_methods_valid` knows on a Debian build (GSSAPI enabled).
pub const AUTH_METHODS: &[&str] =
    &["none", "publickey", "gssapi-with-mic", "password", "keyboard-interactive", "hostbased"];

/// Check one comma-separated method list; `Err(name)` names an unknown method.
pub fn auth_method_list_valid(list: &str) -> Result<(), String> {
    if list.is_empty() {
        return Err(String::new());
    }
    for m in list.split(',') {
        let name = m.split(':').next().unwrap_or("");
        if !AUTH_METHODS.contains(&name) {
            return Err(name.to_string());
        }
    }
    Ok(())
}

/// `hpdelim`: split `host:port` / `[v6]:port` / `host/port`.
fn hpdelim(s: &str) -> Option<(&str, Option<&str>)> {
    let end = if s.starts_with('[') { s.find(']')? + 1 } else { s.find([':', '/']).unwrap_or(s.len()) };
    match s.as_bytes().get(end) {
        None => Some((s, None)),
        Some(b':' | b'/') => Some((&s[..end], Some(&s[end + 1..]))),
        _ => None,
    }
}

fn hpdelim_port(s: &str) -> Option<&str> {
    hpdelim(s).and_then(|(_, p)| p)
}

fn cleanhostname(h: &str) -> &str {
    if h.starts_with('[') && h.ends_with(']') && h.len() >= 2 { &h[1..h.len() - 1] } else { h }
}

/// `strtol(s, &p, 8)` needing at least one digit; trailing text is ignored as sshd does.
fn parse_octal_prefix(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let digits: String = t.chars().take_while(|c| ('0'..='7').contains(c)).collect();
    if digits.is_empty() {
        return None;
    }
    let v = i64::from_str_radix(&digits, 8).ok()?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_split() {
        assert_eq!(hpdelim("0.0.0.0:2222"), Some(("0.0.0.0", Some("2222"))));
        assert_eq!(hpdelim("[::1]:22"), Some(("[::1]", Some("22"))));
        assert_eq!(hpdelim("host"), Some(("host", None)));
        assert_eq!(hpdelim("[::1]x"), None);
    }

    #[test]
    fn c_number_forms() {
        assert_eq!(values::c_long_base0("0x10"), Some(16));
        assert_eq!(values::c_long_base0("010"), Some(8));
        assert_eq!(values::c_long_base0("10"), Some(10));
        assert_eq!(parse_octal_prefix("0177"), Some(0o177));
        assert_eq!(parse_octal_prefix("0189"), Some(1));
        assert_eq!(parse_octal_prefix("x"), None);
    }

    #[test]
    fn auth_method_names() {
        assert!(auth_method_list_valid("publickey,password").is_ok());
        assert!(auth_method_list_valid("keyboard-interactive:pam").is_ok());
        assert_eq!(auth_method_list_valid("pubkey"), Err("pubkey".to_string()));
        assert_eq!(auth_method_list_valid(""), Err(String::new()));
    }
}
