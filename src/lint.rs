//! One lint run: discover what to read, model each host (in parallel), run the rules, and
//! collect findings with the sources they point into. Never prints.

use crate::ast::iptables::Family;
use crate::config::Project;
use crate::diagnostic::{Finding, Severity, Violation};
use crate::discover::{self, FileKind, HostRoot};
use crate::model::firewall::{self, Firewall};
use crate::model::sshd::host::SshdHost;
use crate::model::sshd::version::Version;
use crate::rules::{self, CheckOptions, Context, Selection};
use crate::source::{FileId, Location, SourceFile, SourceMap};
use std::path::{Path, PathBuf};

/// Settings for a run.
#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    pub root: Option<PathBuf>,
    /// Target release; `None` = detect from the host root, else the newest modelled.
    pub version: Option<Version>,
    pub selection: Selection,
    pub check: CheckOptions,
    /// The configuration file and command-line settings, for per-path overrides and
    /// configured suppressions; `None`: the fields above are all there is.
    pub project: Option<std::sync::Arc<Project>>,
}

impl LintOptions {
    /// The options for one host root or lone file: the project's overrides for that path.
    fn for_path(&self, path: &Path) -> std::borrow::Cow<'_, LintOptions> {
        match &self.project {
            Some(p) if p.has_overrides() => {
                let mut o =
                    LintOptions { root: self.root.clone(), project: self.project.clone(), ..Default::default() };
                p.resolve(Some(path), &mut o.selection, &mut o.check, &mut o.version);
                std::borrow::Cow::Owned(o)
            }
            _ => std::borrow::Cow::Borrowed(self),
        }
    }

    fn configured(&self) -> &[rules::suppress::Configured] {
        self.project.as_deref().and_then(|p| p.config.as_ref()).map_or(&[], |c| c.suppress.as_slice())
    }
}

/// What one host (or lone file) produced.
#[derive(Debug, Default)]
pub struct Unit {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    /// Every file read, with its kind.
    pub files: Vec<(FileId, FileKind)>,
    pub is_host: bool,
    pub version: Option<Version>,
    /// How this unit used each `[[suppress]]` entry of the configuration.
    pub uses: Vec<rules::suppress::Use>,
}

/// Everything a run found.
#[derive(Debug, Default)]
pub struct LintResult {
    pub units: Vec<Unit>,
}

impl LintResult {
    pub fn findings(&self) -> impl Iterator<Item = (&Unit, &Finding)> {
        self.units.iter().flat_map(|u| u.findings.iter().map(move |f| (u, f)))
    }
    pub fn count(&self, severity: Severity) -> usize {
        self.findings().filter(|(_, f)| f.severity == severity).count()
    }
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings().map(|(_, f)| f.severity).max()
    }
    pub fn hosts(&self) -> usize {
        self.units.iter().filter(|u| u.is_host).count()
    }
    pub fn file_count(&self) -> usize {
        self.units.iter().map(|u| u.files.len()).sum()
    }
}

/// Lint paths (files and directories), using all cores across host roots.
pub fn lint_paths(paths: &[PathBuf], opts: &LintOptions) -> LintResult {
    let found = discover::discover(paths, opts.root.as_deref());
    let mut jobs: Vec<Job> = Vec::new();
    jobs.extend(found.hosts.into_iter().map(Job::Host));
    jobs.extend(found.lone.into_iter().map(Job::Lone));
    jobs.extend(found.unknown.into_iter().map(|(p, why)| Job::Unknown(p, why)));
    let units = run_parallel(&jobs, opts);
    finish(units, opts)
}

/// Report configured suppressions that no unit used (SL001, in the configuration file).
fn finish(mut units: Vec<Unit>, opts: &LintOptions) -> LintResult {
    use rules::suppress::Use;
    let Some(config) = opts.project.as_deref().and_then(|p| p.config.as_ref()) else { return LintResult { units } };
    let meta = &rules::meta::unused_suppression::RULE;
    if config.suppress.is_empty() || !opts.selection.enabled(meta) {
        return LintResult { units };
    }
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(config.path.clone(), config.text.clone().into_bytes()));
    let mut findings = Vec::new();
    for (k, entry) in config.suppress.iter().enumerate() {
        let used = units.iter().filter_map(|u| u.uses.get(k)).max().copied().unwrap_or_default();
        if used != Use::Unused {
            continue;
        }
        let v = Violation::new(
            Location { file: id, span: entry.span },
            format!("this `[[suppress]]` entry for `{}` suppresses nothing", entry.rule.code),
        )
        .help("remove it, or correct its `paths` (relative to the configuration file's directory)");
        findings.push(rules::finding(meta, v, &opts.selection));
    }
    if !findings.is_empty() {
        units.push(Unit {
            sources,
            findings,
            files: vec![(id, FileKind::SshlintConfig)],
            is_host: false,
            version: None,
            uses: Vec::new(),
        });
    }
    LintResult { units }
}

/// What standard input holds (`--stdin-kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdinKind {
    Sshd,
    Iptables,
    Ip6tables,
}

/// Lint text from standard input.
pub fn lint_stdin(bytes: Vec<u8>, kind: StdinKind, opts: &LintOptions) -> LintResult {
    let mut sources = SourceMap::default();
    let version = opts.version.unwrap_or_default();
    let name = PathBuf::from("<stdin>");
    let unit = match kind {
        StdinKind::Sshd => {
            let host = SshdHost::from_text(name, bytes, version, &mut sources);
            check_unit(host, Firewall::default(), true, sources, opts, false)
        }
        StdinKind::Iptables | StdinKind::Ip6tables => {
            let family = if kind == StdinKind::Ip6tables { Family::Ipv6 } else { Family::Ipv4 };
            let fw = Firewall::from_file(SourceFile::new(name, bytes), family, &mut sources);
            let host =
                SshdHost::from_text(PathBuf::from("<no sshd_config>"), Vec::new(), version, &mut SourceMap::default());
            check_unit(host, fw, false, sources, opts, false)
        }
    };
    finish(vec![unit], opts)
}

/// One host loaded for `trace`: its sshd model, its firewall, and the files read.
pub struct LoadedHost {
    pub sshd: SshdHost,
    pub firewall: Firewall,
    pub sshd_present: bool,
    pub sources: SourceMap,
}

/// Load the one host a `trace` walks: `--root`, a host root directory, a file of a known kind,
/// or standard input.
pub fn load_host(
    path: Option<&Path>,
    opts: &LintOptions,
    stdin: Option<(Vec<u8>, StdinKind)>,
) -> Result<LoadedHost, String> {
    let version = opts.version.unwrap_or_default();
    let mut sources = SourceMap::default();
    let empty_sshd =
        || SshdHost::from_text(PathBuf::from("<no sshd_config>"), Vec::new(), version, &mut SourceMap::default());
    if let Some((bytes, kind)) = stdin {
        let name = PathBuf::from("<stdin>");
        return Ok(match kind {
            StdinKind::Sshd => {
                let sshd = SshdHost::from_text(name, bytes, version, &mut sources);
                LoadedHost { sshd, firewall: Firewall::default(), sshd_present: true, sources }
            }
            StdinKind::Iptables | StdinKind::Ip6tables => {
                let family = if kind == StdinKind::Ip6tables { Family::Ipv6 } else { Family::Ipv4 };
                let firewall = Firewall::from_file(SourceFile::new(name, bytes), family, &mut sources);
                LoadedHost { sshd: empty_sshd(), firewall, sshd_present: false, sources }
            }
        });
    }
    let found = match (&opts.root, path) {
        (Some(r), _) => discover::discover(&[], Some(r)),
        (None, Some(p)) => discover::discover(&[p.to_path_buf()], None),
        (None, None) => discover::discover(&[PathBuf::from(".")], None),
    };
    if let Some(dir) = found.hosts.first() {
        if found.hosts.len() > 1 {
            return Err(format!("{} host roots found: name one (or use --root)", found.hosts.len()));
        }
        let root = HostRoot::new(dir);
        let sshd = SshdHost::from_root(root.clone(), opts.version, &mut sources);
        let firewall = Firewall::from_root(&root, &sshd.facts.services, &mut sources);
        let sshd_present = match &sshd.loaded.main_error {
            None => true,
            Some(discover::ReadError::NotFound) if !firewall.is_empty() => false,
            Some(e) => return Err(format!("`{}` {}", dir.join("etc/ssh/sshd_config").display(), e.describe())),
        };
        return Ok(LoadedHost { sshd, firewall, sshd_present, sources });
    }
    if let Some(file) = found.lone.first() {
        let bytes = discover::read_bounded(file).map_err(|e| format!("`{}` {}", file.display(), e.describe()))?;
        let kind = match discover::kind_from_path(file) {
            FileKind::Unknown => discover::kind_from_content(&bytes),
            k => k,
        };
        let sf = SourceFile::new(file.clone(), bytes);
        if kind.is_firewall() {
            let family =
                if kind == FileKind::Ip6tablesSave { Family::Ipv6 } else { firewall::family_of(file, &sf.text) };
            let firewall = Firewall::from_file(sf, family, &mut sources);
            return Ok(LoadedHost { sshd: empty_sshd(), firewall, sshd_present: false, sources });
        }
        let sshd = SshdHost::from_file(file, version, &mut sources);
        return Ok(LoadedHost { sshd, firewall: Firewall::default(), sshd_present: true, sources });
    }
    match found.unknown.first() {
        Some((p, why)) => Err(format!("`{}` {why}", p.display())),
        None => Err("no sshd or firewall configuration found".into()),
    }
}

enum Job {
    Host(PathBuf),
    Lone(PathBuf),
    Unknown(PathBuf, String),
}

fn run_parallel(jobs: &[Job], opts: &LintOptions) -> Vec<Unit> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(jobs.len().max(1));
    if threads <= 1 || jobs.len() < 4 {
        return jobs.iter().map(|j| run_job(j, opts)).collect();
    }
    let chunk = jobs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(|j| run_job(j, opts)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

fn run_job(job: &Job, opts: &LintOptions) -> Unit {
    let mut sources = SourceMap::default();
    let path = match job {
        Job::Host(p) | Job::Lone(p) | Job::Unknown(p, _) => p,
    };
    let opts = &*opts.for_path(path);
    match job {
        Job::Host(dir) => {
            let root = HostRoot::new(dir);
            let host = SshdHost::from_root(root.clone(), opts.version, &mut sources);
            let fw = Firewall::from_root(&root, &host.facts.services, &mut sources);
            match &host.loaded.main_error {
                // A root with only firewall files: sshd's side is its defaults (port 22).
                Some(discover::ReadError::NotFound) if !fw.is_empty() => {
                    check_unit(host, fw, false, sources, opts, true)
                }
                Some(e) => {
                    let path = dir.join("etc/ssh/sshd_config");
                    unreadable(sources, &path, &format!("`{}` {}", path.display(), e.describe()), opts, true)
                }
                None => check_unit(host, fw, true, sources, opts, true),
            }
        }
        Job::Lone(path) => {
            let version = opts.version.unwrap_or_default();
            let kind = match discover::kind_from_path(path) {
                FileKind::Unknown => {
                    discover::read_bounded(path).map_or(FileKind::Unknown, |b| discover::kind_from_content(&b))
                }
                k => k,
            };
            if kind.is_firewall() {
                let bytes = match discover::read_bounded(path) {
                    Ok(b) => b,
                    Err(e) => {
                        return unreadable(
                            sources,
                            path,
                            &format!("`{}` {}", path.display(), e.describe()),
                            opts,
                            false,
                        );
                    }
                };
                let file = SourceFile::new(path.clone(), bytes);
                let family =
                    if kind == FileKind::Ip6tablesSave { Family::Ipv6 } else { firewall::family_of(path, &file.text) };
                let fw = if kind == FileKind::UfwRules {
                    Firewall::from_fragment(file, family, &mut sources)
                } else {
                    Firewall::from_file(file, family, &mut sources)
                };
                let host = SshdHost::from_text(
                    PathBuf::from("<no sshd_config>"),
                    Vec::new(),
                    version,
                    &mut SourceMap::default(),
                );
                return check_unit(host, fw, false, sources, opts, false);
            }
            let host = SshdHost::from_file(path, version, &mut sources);
            if let Some(e) = &host.loaded.main_error {
                return unreadable(sources, path, &format!("`{}` {}", path.display(), e.describe()), opts, false);
            }
            check_unit(host, Firewall::default(), true, sources, opts, false)
        }
        Job::Unknown(path, why) => unreadable(sources, path, &format!("`{}` {why}", path.display()), opts, false),
    }
}

fn unreadable(mut sources: SourceMap, path: &Path, message: &str, opts: &LintOptions, is_host: bool) -> Unit {
    let id = sources.add(SourceFile::new(path.to_path_buf(), Vec::new()));
    let mut findings = Vec::new();
    let meta = &rules::meta::unreadable_file::RULE;
    if opts.selection.enabled(meta) {
        let mut v = Violation::new(Location { file: id, span: Default::default() }, message.to_string())
            .help("check the path and permissions (run as root to audit a live /etc)");
        // A host whose sshd_config cannot be read: sshd would not start either.
        v.fatal = is_host;
        findings.push(rules::finding(meta, v, &opts.selection));
    }
    Unit { sources, findings, files: vec![(id, FileKind::Unknown)], is_host, version: None, uses: Vec::new() }
}

fn check_unit(
    host: SshdHost,
    firewall: Firewall,
    sshd_present: bool,
    mut sources: SourceMap,
    opts: &LintOptions,
    is_host: bool,
) -> Unit {
    // Firewall files that exist but cannot be read: reported, the rest is still checked.
    let mut unreadable_ids = Vec::new();
    let mut pre = Vec::new();
    let meta = &rules::meta::unreadable_file::RULE;
    for (path, why) in &firewall.unreadable {
        let id = sources.add(SourceFile::new(path.clone(), Vec::new()));
        unreadable_ids.push(id);
        if opts.selection.enabled(meta) {
            let v =
                Violation::new(Location { file: id, span: Default::default() }, format!("`{}` {why}", path.display()))
                    .help("check the path and permissions (run as root to audit a live /etc)");
            pre.push(rules::finding(meta, v, &opts.selection));
        }
    }
    // Login files sshd would read that sshlint could not (too large, permission denied when not
    // run as root): reported, never guessed.
    if opts.selection.enabled(meta) {
        let mut seen = Vec::new();
        for user in &host.logins.users {
            for kf in &user.key_files {
                let why = match (&kf.open, &kf.unreadable) {
                    (crate::model::logins::Open::Unknown(why), _) | (_, Some(why)) => why,
                    _ => continue,
                };
                let (Some(id), false) = (kf.id, seen.contains(&kf.path)) else { continue };
                seen.push(kf.path.clone());
                let v = Violation::new(
                    Location { file: id, span: Default::default() },
                    format!(
                        "`{}` (authorized keys of `{}`) {why}: its keys and modes are not checked",
                        kf.path, user.name
                    ),
                )
                .help("run as root to audit a live system's accounts");
                pre.push(rules::finding(meta, v, &opts.selection));
            }
        }
    }
    let ctx = Context { host: &host, firewall: &firewall, sshd_present, sources: &sources, options: &opts.check };
    let mut findings = rules::check_host(&ctx, &opts.selection);
    findings.extend(pre);
    findings.sort_by_key(|f| (f.location.file, f.location.span.start, f.code));
    let main = host.loaded.main;
    let mut files: Vec<(FileId, FileKind)> = if sshd_present {
        host.loaded
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, if Some(i) == main { FileKind::SshdConfig } else { FileKind::SshdDropIn }))
            .collect()
    } else {
        Vec::new()
    };
    files.extend(host.socket.iter().flat_map(|s| s.files.iter().map(|&id| (id, FileKind::SystemdUnit))));
    files.extend(firewall.files());
    let mut keys: Vec<FileId> =
        host.logins.users.iter().flat_map(|u| &u.key_files).filter_map(|k| k.text.as_ref()?.file).collect();
    keys.sort();
    keys.dedup();
    files.extend(keys.into_iter().map(|id| (id, FileKind::AuthorizedKeys)));
    files.extend(unreadable_ids.into_iter().map(|id| (id, FileKind::Unknown)));
    // passwd, homes, ~/.ssh and key files that findings are about, when not read as config.
    let mut listed: std::collections::HashSet<FileId> = files.iter().map(|(id, _)| *id).collect();
    for f in &findings {
        for id in std::iter::once(f.location.file).chain(f.related.iter().map(|r| r.location.file)) {
            if listed.insert(id) {
                let kind = if Some(id) == host.logins.passwd { FileKind::Passwd } else { FileKind::LoginPath };
                files.push((id, kind));
            }
        }
    }
    let version = sshd_present.then(|| host.version());
    let config_dir = opts.project.as_deref().and_then(|p| p.config.as_ref());
    let relative = |id: FileId| config_dir.and_then(|c| c.relative(&sources.get(id).path));
    let out = rules::suppress::apply(&sources, &files, findings, &opts.selection, opts.configured(), &relative);
    let mut findings = out.findings;
    findings.sort_by_key(|f| (f.location.file, f.location.span.start, f.code));
    Unit { sources, findings, files, is_host, version, uses: out.uses }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mutated configurations (random bytes, spliced keywords, quotes, NULs) through the whole
    /// pipeline: every rule, every effective evaluation. Nothing may panic.
    #[test]
    fn random_input_never_panics() {
        let seeds: &[&[u8]] = &[
            b"Port 22\nMatch User bob Address 10.0.0.0/8\n  AllowUsers bob\n  AuthenticationMethods password\n",
            b"Include /etc/ssh/sshd_config.d/*.conf\nListenAddress [::1]:22\nMaxStartups 1:2:3\nIPQoS af21 cs1\n",
            b"\"Permit\"RootLogin 'y'es\nSubsystem sftp /x -l INFO\nRekeyLimit 1G 1h\nChannelTimeout session=5m\n",
            b"Match all\nPermitOpen host:22 [::1]:* \nSetEnv A=1 B=2\nAcceptEnv LC_*\nLogLevel DEBUG3\n",
        ];
        let words: &[&[u8]] = &[
            b" ",
            b"\t",
            b"=",
            b"\"",
            b"'",
            b"#",
            b"\\",
            b"\n",
            b"\0",
            b"\r",
            b"Match ",
            b"Port ",
            b"*",
            b"!",
            b",",
            b":",
            b"/",
            b"\xff",
            b"Include x\n",
            b"AuthenticationMethods any\n",
        ];
        let mut state: u64 = 0x5353_484c_494e_5421;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let opts = CheckOptions {
            users: vec!["bob".into(), "root".into()],
            from: vec!["10.0.0.0/8".into()],
            ..Default::default()
        };
        let selection = Selection { select: vec!["all".into(), "hardening".into()], ..Default::default() };
        for i in 0..3000 {
            let mut input = seeds[i % seeds.len()].to_vec();
            for _ in 0..(next() % 12) {
                let pos = (next() as usize) % (input.len() + 1);
                match next() % 3 {
                    0 => {
                        let w = words[(next() as usize) % words.len()];
                        input.splice(pos..pos, w.iter().copied());
                    }
                    1 if pos < input.len() => {
                        input.remove(pos);
                    }
                    _ => input.insert(pos, (next() % 256) as u8),
                }
            }
            for v in [Version::new(9, 2), Version::new(10, 5)] {
                let mut sources = SourceMap::default();
                let host = SshdHost::from_text(PathBuf::from("fuzz"), input.clone(), v, &mut sources);
                let fw = Firewall::default();
                let ctx = Context { host: &host, firewall: &fw, sshd_present: true, sources: &sources, options: &opts };
                let _ = rules::check_host(&ctx, &selection);
                let _ = host.dump(None);
            }
        }
    }
}
