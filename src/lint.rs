//! One lint run: discover what to read, model each host (in parallel), run the rules, and
//! collect findings with the sources they point into. Never prints.

use crate::diagnostic::{Finding, Severity, Violation};
use crate::discover::{self, FileKind, HostRoot};
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
    LintResult { units }
}

/// Lint text from standard input as an sshd_config.
pub fn lint_stdin(bytes: Vec<u8>, opts: &LintOptions) -> LintResult {
    let mut sources = SourceMap::default();
    let version = opts.version.unwrap_or_default();
    let host = SshdHost::from_text(PathBuf::from("<stdin>"), bytes, version, &mut sources);
    LintResult { units: vec![check_unit(host, sources, opts, false)] }
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
    match job {
        Job::Host(dir) => {
            let host = SshdHost::from_root(HostRoot::new(dir), opts.version, &mut sources);
            if let Some(e) = &host.loaded.main_error {
                let path = dir.join("etc/ssh/sshd_config");
                return unreadable(sources, &path, &format!("`{}` {}", path.display(), e.describe()), opts, true);
            }
            check_unit(host, sources, opts, true)
        }
        Job::Lone(path) => {
            let version = opts.version.unwrap_or_default();
            let host = SshdHost::from_file(path, version, &mut sources);
            if let Some(e) = &host.loaded.main_error {
                return unreadable(sources, path, &format!("`{}` {}", path.display(), e.describe()), opts, false);
            }
            check_unit(host, sources, opts, false)
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
    Unit { sources, findings, files: vec![(id, FileKind::Unknown)], is_host, version: None }
}

fn check_unit(host: SshdHost, sources: SourceMap, opts: &LintOptions, is_host: bool) -> Unit {
    let ctx = Context { host: &host, sources: &sources, options: &opts.check };
    let mut findings = rules::check_host(&ctx, &opts.selection);
    findings.sort_by_key(|f| (f.location.file, f.location.span.start, f.code));
    let main = host.loaded.main;
    let files = host
        .loaded
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id, if Some(i) == main { FileKind::SshdConfig } else { FileKind::SshdDropIn }))
        .collect();
    let version = Some(host.version());

    Unit { sources, findings, files, is_host, version }
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
                let ctx = Context { host: &host, sources: &sources, options: &opts };
                let _ = rules::check_host(&ctx, &selection);
                let _ = host.dump(None);
            }
        }
    }
}
