//! The command line: clap definitions, dispatch, printing and exit codes. The only layer that
//! writes to stdout/stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use crate::diagnostic::Severity;
use crate::discover::{self, HostRoot};
use crate::lint::{self, LintOptions, LintResult};
use crate::model::firewall::eval::Via;
use crate::model::sshd::host::SshdHost;
use crate::model::sshd::matching::Connection;
use crate::model::sshd::version::Version;
use crate::report;
use crate::rules::{self, Selection};
use crate::source::SourceMap;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "sshlint", version, about = "Will people still be able to SSH in, and will sshd even start?")]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    lint: LintArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the effective sshd settings exactly like `sshd -T [-C SPEC]`.
    Effective(EffectiveArgs),
    /// Walk one new SSH connection through the host: each firewall stage, then sshd's listener.
    Trace(TraceArgs),
    /// List every rule.
    Rules(RulesArgs),
    /// Show a rule's documentation.
    Explain {
        /// A rule code (SSHD102) or name (user-locked-out).
        code: String,
    },
    /// Write a commented `sshlint.toml` listing every key with its default.
    Init {
        /// Where to write it (`-`: standard output). An existing file is never overwritten.
        #[arg(default_value = "sshlint.toml")]
        path: PathBuf,
    },
}

#[derive(Args, Debug, Default)]
struct Common {
    /// The directory that stands for `/` of the audited host.
    #[arg(long, value_name = "DIR", global = true)]
    root: Option<PathBuf>,
    /// Target OpenSSH release (9.2 … 10.5; default: detected from the host root, else 10.5).
    #[arg(long, value_name = "VERSION", global = true)]
    openssh: Option<String>,
    /// The configuration file (default: `sshlint.toml` or `.sshlint.toml`, searched upward
    /// from the paths given).
    #[arg(long, value_name = "FILE", conflicts_with = "isolated", global = true)]
    config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long, global = true)]
    isolated: bool,
}

#[derive(Args, Debug, Default)]
struct LintArgs {
    /// Files and directories to lint (`-` reads standard input).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Exit 1 when a finding at or above this severity is reported [default: error].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Only these rules: codes, code prefixes, names or categories (`hardening`). Repeatable, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    select: Vec<String>,
    /// Skip these rules (same forms as --select).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    ignore: Vec<String>,
    /// An account that must keep SSH access (repeatable).
    #[arg(long = "user", value_name = "NAME")]
    users: Vec<String>,
    /// A source address or CIDR that must keep SSH access (repeatable).
    #[arg(long = "from", value_name = "CIDR")]
    from: Vec<String>,
    /// How strictly SSHD301 rates algorithms: `broken` (practical weaknesses the config adds)
    /// or `ssh-audit` (everything ssh-audit fails, defaults included) [default: broken].
    #[arg(long, value_enum)]
    crypto_profile: Option<CryptoArg>,
    /// What standard input holds when PATH is `-`.
    #[arg(long, value_enum, default_value_t = StdinKind::Sshd)]
    stdin_kind: StdinKind,
    /// Colour: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// The directory SARIF paths are relative to (`%SRCROOT%`; default: the current directory).
    #[arg(long, value_name = "DIR", value_parser = existing_dir)]
    sarif_base: Option<PathBuf>,
    /// Human output: print only the findings (no summary line; nothing when there are none).
    #[arg(long, short)]
    quiet: bool,
    /// Human output: a count per rule (`CODE  NAME  COUNT`, most frequent first) instead of the
    /// findings. Other formats ignore it.
    #[arg(long)]
    statistics: bool,
}

/// `--sarif-base`: an existing directory.
fn existing_dir(s: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(s);
    if p.is_dir() { Ok(p) } else { Err(format!("`{s}` is not a directory")) }
}

#[derive(Args, Debug)]
struct EffectiveArgs {
    /// Connection to evaluate Match blocks for, in sshd's -C syntax (user=,host=,addr=,laddr=,lport=,rdomain=).
    #[arg(long = "match", value_name = "SPEC")]
    spec: Option<String>,
    /// The sshd_config to read (default: <root>/etc/ssh/sshd_config).
    file: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct TraceArgs {
    /// The client's address.
    #[arg(long, value_name = "ADDR")]
    from: String,
    /// The port the client connects to (default: every port sshd listens on).
    #[arg(long, value_name = "N")]
    port: Option<u16>,
    /// An account to walk through the login stages: account, Match blocks, access lists,
    /// authentication methods, key files and StrictModes.
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// The interface the connection arrives on (without it, rules naming an interface other
    /// than `lo` make a stage conditional).
    #[arg(long, value_name = "NAME")]
    iface: Option<String>,
    /// How the client reaches the host: on one of its links, or through a router. It decides
    /// who sends IPv6 neighbour discovery (the client, from its own address, or the router, from
    /// its link-local address); without it, a stage where the two differ is conditional.
    #[arg(long, value_enum, value_name = "HOW")]
    via: Option<TraceVia>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TraceFormat::Human)]
    format: TraceFormat,
    /// What standard input holds when PATH is `-`.
    #[arg(long, value_enum, default_value_t = StdinKind::Sshd)]
    stdin_kind: StdinKind,
    /// A host root, or one sshd_config / iptables-save file (`-`: standard input).
    #[arg(value_name = "PATH")]
    path: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TraceVia {
    /// The client is on one of the host's links.
    Link,
    /// The client is behind a router.
    Router,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
enum TraceFormat {
    #[default]
    Human,
    Json,
}

#[derive(Args, Debug)]
struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Diagnostics with source excerpts.
    #[default]
    Human,
    /// One JSON document (schema in src/report/json.rs).
    Json,
    /// SARIF 2.1.0, for code scanning (see --sarif-base).
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum RulesFormat {
    Text,
    Markdown,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
enum FailOn {
    #[default]
    Error,
    Warning,
    Info,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
enum CryptoArg {
    #[default]
    Broken,
    SshAudit,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
enum StdinKind {
    #[default]
    Sshd,
    Iptables,
    Ip6tables,
    Nft,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

/// Exit codes (a contract): 0 clean, 1 findings at or above --fail-on, 2 usage/config/IO.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// Parse arguments and run; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Some(Command::Effective(args)) => effective(args),
        Some(Command::Trace(args)) => trace(args),
        Some(Command::Rules(args)) => emit(&rules_text(args.format)),
        Some(Command::Explain { code }) => explain(&code),
        Some(Command::Init { path }) => init(&path),
        None => run_lint(cli.lint),
    }
}

/// Write to stdout; a closed pipe is a normal end (exit 0, whatever was found).
fn emit(text: &str) -> i32 {
    emit_bytes(text.as_bytes())
}

fn emit_bytes(bytes: &[u8]) -> i32 {
    match write_stdout(bytes) {
        Ok(()) | Err(Output::Closed) => EXIT_OK,
        Err(Output::Failed) => EXIT_USAGE,
    }
}

enum Output {
    /// The reader went away (`sshlint … | head`).
    Closed,
    Failed,
}

fn write_stdout(bytes: &[u8]) -> Result<(), Output> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Output::Closed),
        Err(e) => {
            eprintln!("sshlint: cannot write output: {e}");
            Err(Output::Failed)
        }
    }
}

fn usage(msg: &str) -> i32 {
    eprintln!("sshlint: {msg}");
    EXIT_USAGE
}

fn parse_version(v: Option<&str>) -> Result<Option<Version>, String> {
    match v {
        None => Ok(None),
        Some(s) => Version::parse(s).map(Some).ok_or_else(|| {
            let known = Version::ALL.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            format!("unknown --openssh `{s}` (modelled: {known})")
        }),
    }
}

/// The command line's settings, layered over the configuration file's.
fn cli_settings(args: &LintArgs) -> Result<crate::config::Settings, String> {
    let version = parse_version(args.common.openssh.as_deref())?;
    for sel in args.select.iter().chain(&args.ignore) {
        if !Selection::known_selector(sel) {
            return Err(format!("`{sel}` names no rule (see `sshlint rules`)"));
        }
    }
    if let Some(both) = args.ignore.iter().find(|i| args.select.iter().any(|s| s.trim().eq_ignore_ascii_case(i.trim())))
    {
        return Err(format!("`{both}` is given to both --select and --ignore"));
    }
    for cidr in &args.from {
        if !crate::config::valid_cidr(cidr) {
            return Err(format!("--from `{cidr}` is not an address or CIDR"));
        }
    }
    Ok(crate::config::Settings {
        select: (!args.select.is_empty()).then(|| args.select.clone()),
        ignore: args.ignore.clone(),
        severity: Vec::new(),
        fail_on: args.fail_on.map(|f| match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }),
        openssh: version,
        users: (!args.users.is_empty()).then(|| args.users.clone()),
        admin_sources: (!args.from.is_empty()).then(|| args.from.clone()),
        hardening: None,
        crypto_profile: args.crypto_profile.map(|c| match c {
            CryptoArg::Broken => crate::rules::CryptoProfile::Broken,
            CryptoArg::SshAudit => crate::rules::CryptoProfile::SshAudit,
        }),
    })
}

/// The configuration file for this run: `--config`, else the one found upward from `paths`
/// (from --root when there are none), none with `--isolated`. Errors are rendered for stderr.
fn load_config(common: &Common, paths: &[PathBuf], color: bool) -> Result<Option<crate::config::Config>, String> {
    if common.isolated {
        return Ok(None);
    }
    let path = match &common.config {
        Some(p) => Some(p.clone()),
        None => {
            let from: Vec<PathBuf> =
                if paths.is_empty() { common.root.iter().cloned().collect() } else { paths.to_vec() };
            crate::config::find(&from).map_err(|e| report::config::render(&[e], color))?
        }
    };
    match path {
        None => Ok(None),
        Some(p) => crate::config::load(&p).map(Some).map_err(|e| report::config::render(&e, color)),
    }
}

fn run_lint(args: LintArgs) -> i32 {
    let stderr_color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => auto_color(std::io::stderr().is_terminal()),
    };
    let cli = match cli_settings(&args) {
        Ok(s) => s,
        Err(e) => return usage(&e),
    };
    let config = match load_config(&args.common, &args.paths, stderr_color) {
        Ok(c) => c,
        Err(rendered) => {
            eprint!("{rendered}");
            return EXIT_USAGE;
        }
    };
    if let Some(root) = &args.common.root
        && !root.is_dir()
    {
        return usage(&format!("--root `{}` is not a directory", root.display()));
    }
    let project = crate::config::Project { config, cli };
    let mut opts = LintOptions { root: args.common.root.clone(), ..LintOptions::default() };
    project.resolve(None, &mut opts.selection, &mut opts.check, &mut opts.version);
    let fail_on = project.fail_on();
    opts.project = Some(std::sync::Arc::new(project));
    let result = if args.paths.iter().any(|p| p.as_os_str() == "-") {
        let Some(kind) = stdin_kind(args.stdin_kind) else {
            return usage("`--stdin-kind nft` is not supported yet (nftables is a later backend)");
        };
        let mut buf = Vec::new();
        if let Err(e) = std::io::stdin().take(discover::MAX_FILE_BYTES).read_to_end(&mut buf) {
            return usage(&format!("cannot read standard input: {e}"));
        }
        lint::lint_stdin(buf, kind, &opts)
    } else {
        let paths = if args.paths.is_empty() && args.common.root.is_none() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        lint::lint_paths(&paths, &opts)
    };
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => auto_color(std::io::stdout().is_terminal()),
    };
    let text = match args.format {
        Format::Human => report::human::render(
            &result,
            report::human::Options { color, quiet: args.quiet, statistics: args.statistics },
        ),
        Format::Json => report::json::render(&result),
        Format::Sarif => match std::env::current_dir() {
            Ok(cwd) => {
                let dir = args.sarif_base.clone().unwrap_or_else(|| cwd.clone());
                report::sarif::render(&result, &report::sarif::Base { dir, cwd })
            }
            Err(e) => return usage(&format!("cannot read the current directory: {e}")),
        },
        Format::Github => report::github::render(&result),
    };
    match write_stdout(text.as_bytes()) {
        Ok(()) => exit_code(&result, fail_on),
        Err(Output::Closed) => EXIT_OK,
        Err(Output::Failed) => EXIT_USAGE,
    }
}

/// Colour by default: on a terminal, unless `NO_COLOR` is set to something (no-color.org).
fn auto_color(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn exit_code(r: &LintResult, threshold: Severity) -> i32 {
    if r.max_severity().is_some_and(|s| s >= threshold) { EXIT_FINDINGS } else { EXIT_OK }
}

/// The target release for `effective` and `trace`: `--openssh`, else the configuration file's
/// `openssh` for `path` (its overrides included), else `None` (detected).
fn target_version(common: &Common, path: Option<&std::path::Path>) -> Result<Option<Version>, i32> {
    if let Some(v) = parse_version(common.openssh.as_deref()).map_err(|e| usage(&e))? {
        return Ok(Some(v));
    }
    let paths: Vec<PathBuf> =
        path.filter(|p| p.as_os_str() != "-").map(std::path::Path::to_path_buf).into_iter().collect();
    let config = load_config(common, &paths, auto_color(std::io::stderr().is_terminal())).map_err(|rendered| {
        eprint!("{rendered}");
        EXIT_USAGE
    })?;
    let project = crate::config::Project { config, cli: crate::config::Settings::default() };
    let mut version = None;
    let at = common.root.as_deref().or(path);
    project.resolve(at, &mut Selection::default(), &mut crate::rules::CheckOptions::default(), &mut version);
    Ok(version)
}

fn effective(args: EffectiveArgs) -> i32 {
    let version = match target_version(&args.common, args.file.as_deref()) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let root = args
        .common
        .root
        .clone()
        .or_else(|| args.file.as_deref().and_then(discover::infer_root))
        .or_else(|| if args.file.is_none() { Some(PathBuf::from("/")) } else { None });
    let mut sources = SourceMap::default();
    let host = match (&root, &args.file) {
        (Some(r), _) => SshdHost::from_root(HostRoot::new(r), version, &mut sources),
        (None, Some(f)) => SshdHost::from_file(f, version.unwrap_or_default(), &mut sources),
        (None, None) => return usage("no configuration to read"),
    };
    if let Some(e) = &host.loaded.main_error {
        return usage(&format!("cannot read sshd_config: it {}", e.describe()));
    }
    let conn = match &args.spec {
        None => None,
        Some(spec) => match Connection::parse_spec(spec, &|n| host.facts.service_port(n)) {
            Ok(mut c) => {
                c.lport = c.lport.filter(|&p| p != 0);
                Some(c)
            }
            Err(e) => return usage(&e),
        },
    };
    if host.fatal() {
        let opts = LintOptions::default();
        let fw = crate::model::firewall::Firewall::default();
        let ctx =
            rules::Context { host: &host, firewall: &fw, sshd_present: true, sources: &sources, options: &opts.check };
        let findings: Vec<_> = rules::check_host(&ctx, &Selection::default()).into_iter().filter(|f| f.fatal).collect();
        let unit = lint::Unit {
            sources,
            findings,
            files: Vec::new(),
            is_host: true,
            version: Some(host.version()),
            uses: Vec::new(),
        };
        eprint!("{}", report::human::render_unit(&unit, auto_color(std::io::stderr().is_terminal())));
        eprintln!("sshlint: sshd would refuse this configuration");
        return EXIT_FINDINGS;
    }
    match host.dump(conn.as_ref()) {
        // Values from files that are not UTF-8 are printed back byte for byte, as sshd does.
        Ok(text) => emit_bytes(&crate::source::encode_escaped(&text)),
        Err(e) => {
            eprintln!("sshlint: {e}");
            EXIT_FINDINGS
        }
    }
}

/// The library's reading of `--stdin-kind` (`None`: not supported yet).
fn stdin_kind(kind: StdinKind) -> Option<lint::StdinKind> {
    match kind {
        StdinKind::Sshd => Some(lint::StdinKind::Sshd),
        StdinKind::Iptables => Some(lint::StdinKind::Iptables),
        StdinKind::Ip6tables => Some(lint::StdinKind::Ip6tables),
        StdinKind::Nft => None,
    }
}

fn trace(args: TraceArgs) -> i32 {
    let from: std::net::IpAddr = match args.from.parse() {
        Ok(ip) => ip,
        Err(_) => return usage(&format!("`--from {}` is not an IP address", args.from)),
    };
    let version = match target_version(&args.common, args.path.as_deref()) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let opts = LintOptions { root: args.common.root.clone(), version, ..LintOptions::default() };
    let stdin = if args.path.as_deref().is_some_and(|p| p.as_os_str() == "-") {
        let Some(kind) = stdin_kind(args.stdin_kind) else {
            return usage("`--stdin-kind nft` is not supported yet (nftables is a later backend)");
        };
        let mut buf = Vec::new();
        if let Err(e) = std::io::stdin().take(discover::MAX_FILE_BYTES).read_to_end(&mut buf) {
            return usage(&format!("cannot read standard input: {e}"));
        }
        Some((buf, kind))
    } else {
        None
    };
    let host = match lint::load_host(args.path.as_deref().filter(|_| stdin.is_none()), &opts, stdin) {
        Ok(h) => h,
        Err(e) => return usage(&e),
    };
    let t = crate::model::trace::trace(
        &host.sshd,
        host.sshd_present,
        &host.firewall,
        from,
        args.port,
        args.iface.as_deref(),
        args.via.map(|v| match v {
            TraceVia::Link => Via::Link,
            TraceVia::Router => Via::Router,
        }),
    );
    let mut t = t;
    let ports: Vec<u16> = t.stages.iter().filter(|s| s.stage == "listener").map(|s| s.port).collect();
    if let Some(user) = &args.user {
        for &port in ports.iter().take(1) {
            t.stages.extend(crate::model::trace::user_stages(&host.sshd, user, from, port));
        }
    }
    let text = match args.format {
        TraceFormat::Json => report::trace::json(&t, &host.sources),
        TraceFormat::Human => report::trace::human(&t, &host.sources, &args.from),
    };
    match emit(&text) {
        EXIT_OK if t.verdict == crate::model::firewall::eval::Class::Open => EXIT_OK,
        EXIT_OK => EXIT_FINDINGS,
        other => other,
    }
}

fn rules_text(format: RulesFormat) -> String {
    match format {
        RulesFormat::Markdown => crate::rules::docs::markdown(),
        RulesFormat::Text => {
            let mut s = String::new();
            for r in rules::all() {
                let m = r.meta;
                let opt = if m.opt_in { " (opt-in)" } else { "" };
                s.push_str(&format!(
                    "{:<8} {:<40} {:<8} {:<11} {}{}\n",
                    m.code,
                    m.name,
                    m.severity.as_str(),
                    m.category.as_str(),
                    m.summary(),
                    opt
                ));
            }
            s
        }
    }
}

/// `sshlint init`: write the commented default configuration, never over an existing file.
fn init(path: &std::path::Path) -> i32 {
    let text = crate::config::init_template();
    if path.as_os_str() == "-" {
        return emit(&text);
    }
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(path);
    match file.and_then(|mut f| f.write_all(text.as_bytes())) {
        Ok(()) => {
            eprintln!("sshlint: wrote {}", path.display());
            EXIT_OK
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            usage(&format!("`{}` already exists; not overwriting it", path.display()))
        }
        Err(e) => usage(&format!("cannot write `{}`: {e}", path.display())),
    }
}

fn explain(code: &str) -> i32 {
    match rules::by_code(code) {
        Some(r) => emit(&crate::rules::docs::explain(r.meta)),
        None => usage(&format!("no rule `{code}` (see `sshlint rules`)")),
    }
}
