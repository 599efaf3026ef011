//! Reading an sshd configuration the way sshd reads it at startup: the main file, then every
//! `Include` (relative paths under /etc/ssh, glob(3) in byte order, each glob evaluated once
//! and cached by its pattern, as servconf.c does). Files are read once and tokenised once;
//! the walk in [`super::eval`] replays them per connection.

use crate::ast::sshd::ConfigAst;
use crate::discover::{HostRoot, ReadError};
use crate::source::{FileId, SourceFile, SourceMap};
use crate::syntax;
use std::collections::HashMap;
use std::path::PathBuf;

/// sshd's configuration directory (`SSHDIR`).
pub const SSHDIR: &str = "/etc/ssh";

/// One config file as loaded.
#[derive(Debug)]
pub struct LoadedFile {
    /// Path as sshd sees it (`/etc/ssh/sshd_config.d/10-a.conf`), or the user's path for a
    /// lone file.
    pub host_path: String,
    pub id: FileId,
    pub ast: ConfigAst,
}

/// What an Include pattern matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GlobResult {
    /// Files, in the order sshd parses them (indexes into [`Loaded::files`]); an entry is
    /// `Err` when the match could not be read (sshd exits).
    Files(Vec<Result<usize, (String, ReadError)>>),
    /// Nothing matched. `missing` names the literal file, or the directory of a glob, that
    /// does not exist (likely a typo); `None` for a glob over an existing directory (normal).
    NoMatch { missing: Option<String> },
    /// No host root to resolve against: not checked.
    NotChecked,
    /// The directory could not be listed by sshlint (permission denied): not checked.
    Denied(String),
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<LoadedFile>,
    pub globs: HashMap<String, GlobResult>,
    /// Index of the main file in `files`, if it could be read.
    pub main: Option<usize>,
    /// Why the main file could not be read.
    pub main_error: Option<ReadError>,
}

impl Loaded {
    pub fn file_index(&self, host_path: &str) -> Option<usize> {
        self.files.iter().position(|f| f.host_path == host_path)
    }
}

/// Where configuration files come from.
pub enum Origin<'a> {
    /// A host root: paths resolve inside it.
    Root(&'a HostRoot),
    /// A file outside any root: Include targets are not checked.
    Lone,
}

/// Turn an Include argument into the pattern sshd globs.
pub fn include_selector(arg: &str) -> String {
    if arg.starts_with('/') || arg.starts_with('~') { arg.to_string() } else { format!("{SSHDIR}/{arg}") }
}

/// Load `main` (a host path under `origin`, or a real path for a lone file) and every file it
/// includes, adding their text to `sources`.
pub fn load(origin: &Origin, main: &str, main_real: Option<PathBuf>, sources: &mut SourceMap) -> Loaded {
    let mut loaded = Loaded::default();
    let bytes = match (origin, &main_real) {
        (_, Some(real)) => crate::discover::read_bounded(real),
        (Origin::Root(root), None) => root.read(main),
        (Origin::Lone, None) => Err(ReadError::NotFound),
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            loaded.main_error = Some(e);
            return loaded;
        }
    };
    let display = match (origin, &main_real) {
        (_, Some(real)) => real.clone(),
        (Origin::Root(root), None) => root.dir.join(main.trim_start_matches('/')),
        (Origin::Lone, None) => PathBuf::from(main),
    };
    load_bytes(origin, main, display, bytes, sources)
}

/// Load a main file whose bytes are already read (standard input), and what it includes.
pub fn load_bytes(origin: &Origin, main: &str, display: PathBuf, bytes: Vec<u8>, sources: &mut SourceMap) -> Loaded {
    let mut loaded = Loaded::default();
    let idx = add_file(&mut loaded, sources, main.to_string(), display, bytes);
    loaded.main = Some(idx);
    let mut queue = vec![idx];
    while let Some(i) = queue.pop() {
        let selectors: Vec<String> = loaded.files[i]
            .ast
            .directives
            .iter()
            .filter(|d| d.keyword.text.eq_ignore_ascii_case("include"))
            .filter_map(|d| d.args.as_ref().ok())
            .flat_map(|args| args.iter().filter(|a| !a.text.is_empty()).map(|a| include_selector(&a.text)))
            .collect();
        for sel in selectors {
            if loaded.globs.contains_key(&sel) {
                continue;
            }
            let result = match origin {
                Origin::Lone => GlobResult::NotChecked,
                Origin::Root(root) => {
                    let matches = if sel.starts_with('~') { Vec::new() } else { root.glob(&sel) };
                    let dir = sel.rsplit_once('/').map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
                    if matches.is_empty() && root.is_denied(dir) {
                        GlobResult::Denied(dir.to_string())
                    } else if matches.is_empty() {
                        GlobResult::NoMatch { missing: missing_part(root, &sel) }
                    } else {
                        let mut files = Vec::new();
                        for m in matches {
                            if let Some(existing) = loaded.file_index(&m) {
                                files.push(Ok(existing));
                                continue;
                            }
                            match root.read(&m) {
                                Ok(b) => {
                                    let real = root.dir.join(m.trim_start_matches('/'));
                                    let n = add_file(&mut loaded, sources, m.clone(), real, b);
                                    queue.push(n);
                                    files.push(Ok(n));
                                }
                                // glibc's fopen+getline reads a directory as empty.
                                Err(ReadError::IsDirectory) => {
                                    let real = root.dir.join(m.trim_start_matches('/'));
                                    let n = add_file(&mut loaded, sources, m.clone(), real, Vec::new());
                                    files.push(Ok(n));
                                }
                                Err(e) => files.push(Err((m, e))),
                            }
                        }
                        GlobResult::Files(files)
                    }
                }
            };
            loaded.globs.insert(sel, result);
        }
    }
    loaded
}

/// For an Include pattern that matched nothing: the literal file, or the deepest directory
/// before the first wildcard, when it does not exist.
fn missing_part(root: &HostRoot, sel: &str) -> Option<String> {
    if sel.starts_with('~') {
        return Some(sel.to_string());
    }
    let Some(m) = sel.find(['*', '?', '[']) else { return Some(sel.to_string()) };
    let dir = sel[..m].rsplit_once('/').map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
    (!root.is_dir(dir)).then(|| dir.to_string())
}

fn add_file(loaded: &mut Loaded, sources: &mut SourceMap, host_path: String, real: PathBuf, bytes: Vec<u8>) -> usize {
    let file = SourceFile::new(real, bytes);
    let ast = syntax::sshd::parse(&file.text);
    let id = sources.add(file);
    loaded.files.push(LoadedFile { host_path, id, ast });
    loaded.files.len() - 1
}
