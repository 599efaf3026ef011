//! ufw's application profiles (`/etc/ufw/applications.d`) as the ufw command (0.36) loads them
//! (`applications.py get_profiles`, `verify_profile`): files in name order, hidden and package
//! backup files (`.dpkg-*`, `.rpm*`, `~`) left out, a file skipped whole when configparser
//! refuses it, is not UTF-8 or is over 10 MiB (or would bring the total over 10 MiB), a
//! profile skipped when its name is invalid or a service name, a key or value is too long, a
//! required field (`title`, `description`, `ports`) is missing or empty, or a port spec is bad,
//! and the last valid definition of a name winning ("Duplicate profile 'X', using last found").
//!
//! Owns reading the directory through [`HostRoot`] and the profiles' meaning; the INI grammar is
//! `syntax::ufw`. Must not look at rules: which tuples refer to which profile is for `rules`.

use crate::ast::ufw::{AppFileAst, AppOption, AppSection};
use crate::discover::{HostRoot, ReadError};
use crate::source::{FileId, Location, SourceFile, SourceMap, Span};
use crate::syntax::ufw::parse_app_file;
use std::collections::HashMap;

/// Where ufw looks for profiles.
pub const APPS_DIR: &str = "/etc/ufw/applications.d";
/// ufw's own bound, per file and for all files together (`max_size`).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// One profile file and its parse.
#[derive(Clone, Debug)]
pub struct AppFile {
    pub file: FileId,
    /// The file name (`openssh-server`).
    pub name: String,
    pub ast: AppFileAst,
    /// Why ufw skips the whole file, when it does (besides the parse errors in `ast`).
    pub skipped: Option<String>,
}

/// One port spec of `ports=` (`22/tcp`, `6000:6010/udp`, `53`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSpec {
    /// As written.
    pub text: String,
    /// `any` when no protocol is given.
    pub proto: String,
    /// The port items (`80,443`), service names as written.
    pub ports: String,
}

/// A profile ufw knows.
#[derive(Clone, Debug)]
pub struct Profile {
    pub name: String,
    /// The `[NAME]` header.
    pub at: Location,
    pub ports: Vec<PortSpec>,
    /// The `ports` option (or the header when it comes from `[DEFAULT]`).
    pub ports_at: Location,
}

/// A file or profile ufw skips or overrides, with where and why.
#[derive(Clone, Debug)]
pub struct AppProblem {
    pub at: Location,
    pub message: String,
    pub help: &'static str,
    pub related: Vec<(Location, String)>,
}

/// Everything ufw reads from the profiles directory.
#[derive(Clone, Debug, Default)]
pub struct Applications {
    /// The directory exists (without it every `ufw` command fails: "Profiles directory does not
    /// exist").
    pub dir_exists: bool,
    pub files: Vec<AppFile>,
    /// The profiles ufw ends up with (the last valid definition of each name).
    pub profiles: Vec<Profile>,
    by_name: HashMap<String, usize>,
    pub problems: Vec<AppProblem>,
}

impl Applications {
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.by_name.get(name).and_then(|&i| self.profiles.get(i))
    }
}

/// Names ufw does not read as profiles (`get_profiles`).
fn ignored(name: &str) -> bool {
    name.starts_with('.')
        || [".dpkg-new", ".dpkg-old", ".dpkg-dist", ".rpmnew", ".rpmsave", "~"].iter().any(|s| name.ends_with(s))
}

/// Read the profiles of a host root. Files that exist but cannot be read go to `unreadable`
/// (ufw itself silently reads nothing from them).
pub fn load(
    root: &HostRoot,
    services: &dyn Fn(&str) -> Option<u16>,
    sources: &mut SourceMap,
    unreadable: &mut Vec<(std::path::PathBuf, String)>,
) -> Applications {
    let mut apps = Applications { dir_exists: root.is_dir(APPS_DIR), ..Applications::default() };
    if !apps.dir_exists {
        return apps;
    }
    if root.is_denied(APPS_DIR) {
        unreadable.push((root.dir.join(APPS_DIR.trim_start_matches('/')), ReadError::PermissionDenied.describe()));
        return apps;
    }
    let mut total = 0usize;
    for host_path in root.glob(&format!("{APPS_DIR}/*")) {
        let name = host_path.rsplit('/').next().unwrap_or("").to_string();
        if ignored(&name) {
            continue;
        }
        let path = root.dir.join(host_path.trim_start_matches('/'));
        let bytes = match root.read(&host_path) {
            Ok(b) => b,
            // Not a regular file (or a dangling link): `os.path.isfile` is false, ufw moves on.
            Err(ReadError::NotFound | ReadError::IsDirectory | ReadError::NotRegular(_)) => continue,
            Err(e) => {
                unreadable.push((path, e.describe()));
                continue;
            }
        };
        let size = bytes.len();
        let file = SourceFile::new(path, bytes);
        let lossy = file.lossy;
        let ast = parse_app_file(&file.text);
        let id = sources.add(file);
        let skipped = if size > MAX_BYTES {
            Some(format!("it is {size} bytes, more than ufw reads ({MAX_BYTES})"))
        } else if total + size > MAX_BYTES {
            Some(format!("the files before it already hold {total} bytes and ufw reads at most {MAX_BYTES} in all"))
        } else {
            total += size;
            lossy.then(|| "it is not valid UTF-8".to_string())
        };
        apps.files.push(AppFile { file: id, name, ast, skipped });
    }
    resolve(&mut apps, services);
    apps
}

/// The options a section ends up with: `[DEFAULT]`'s, overridden by its own.
fn effective<'a>(defaults: &'a [AppOption], section: &'a AppSection) -> Vec<&'a AppOption> {
    let mut out: Vec<&AppOption> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for o in defaults.iter().chain(section.options.iter()) {
        match at.get(o.key.text.as_str()) {
            Some(&i) => out[i] = o,
            None => {
                at.insert(&o.key.text, out.len());
                out.push(o);
            }
        }
    }
    out
}

/// `valid_profile_name`: starts with a letter or digit, then letters, digits, space, `_-.+`;
/// not `all`, not a number.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = name.chars().all(|c| c.is_ascii_alphanumeric() || " _-.+".contains(c));
    let number = {
        // Python's int(): optional blanks around, digits with single `_` between them.
        let t = name.trim_matches(crate::syntax::ufw::py_space);
        !t.is_empty() && t.split('_').all(|g| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit()))
    };
    first_ok && rest_ok && name != "all" && !number
}

/// `parse_port_proto` and the checks `verify_profile` makes on one spec.
pub fn port_spec(text: &str, services: &dyn Fn(&str) -> Option<u16>) -> Result<PortSpec, String> {
    let parts: Vec<&str> = text.split('/').collect();
    let (ports, proto) = match parts.as_slice() {
        [p] => (*p, "any"),
        [p, proto] => (*p, *proto),
        _ => return Err(format!("`{text}` has more than one `/`")),
    };
    if super::ufw_tuple::PORTLESS.contains(&proto) {
        return Err(format!("`{proto}` takes no port"));
    }
    if proto == "any" && (ports.contains(':') || ports.contains(',')) {
        return Err(format!("`{ports}` is a list or range without `/tcp` or `/udp`"));
    }
    if proto != "any" && !super::ufw_tuple::PROTOCOLS.contains(&proto) {
        return Err(format!("`{proto}` is not a protocol ufw knows"));
    }
    if ports != "any" {
        super::ufw_tuple::port_items(ports, services)?;
    }
    Ok(PortSpec { text: text.to_string(), proto: proto.to_string(), ports: ports.to_string() })
}

fn resolve(apps: &mut Applications, services: &dyn Fn(&str) -> Option<u16>) {
    let mut problems = Vec::new();
    let mut profiles: Vec<Profile> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for f in &apps.files {
        let at = |span: Span| Location { file: f.file, span };
        let lost = |f: &AppFile| -> Vec<(Location, String)> {
            f.ast
                .sections
                .iter()
                .map(|s| (at(s.header), format!("profile `[{}]` is lost with it", s.name.text)))
                .collect()
        };
        if let Some(why) = &f.skipped {
            problems.push(AppProblem {
                at: at(Span::default()),
                message: format!("ufw skips the profile file `{}`: {why}", f.name),
                help: "keep profiles small UTF-8 text files",
                related: lost(f),
            });
            continue;
        }
        if !f.ast.errors.is_empty() {
            for e in &f.ast.errors {
                problems.push(AppProblem {
                    at: at(e.span),
                    message: format!(
                        "ufw skips the profile file `{}` because Python's configparser rejects this line: {}",
                        f.name,
                        e.kind.describe()
                    ),
                    help: "write profiles as `[Name]` headers followed by `key=value` lines (no inline comments, continuation lines indented)",
                    related: lost(f),
                });
            }
            continue;
        }
        for s in &f.ast.sections {
            let name = &s.name.text;
            let header = at(s.header);
            let mut skip = |message: String, at: Location, help: &'static str| {
                problems.push(AppProblem {
                    at,
                    message: format!("ufw skips profile `[{name}]`: {message}"),
                    help,
                    related: Vec::new(),
                });
            };
            if name.chars().count() > 64 {
                skip("the name is longer than 64 characters".into(), header, "shorten the name");
                continue;
            }
            if !valid_name(name) {
                skip(
                    "a name starts with a letter or digit, holds only letters, digits, spaces and `_-.+`, and is not a number or `all`".into(),
                    header,
                    "rename the profile",
                );
                continue;
            }
            if services(name).is_some() {
                skip(
                    format!("`{name}` is a service name in /etc/services, so `ufw allow {name}` means the service"),
                    header,
                    "rename the profile (profile names are usually capitalised: `OpenSSH`)",
                );
                continue;
            }
            let options = effective(&f.ast.defaults, s);
            if let Some(o) = options.iter().find(|o| o.key.text.chars().count() > 64) {
                skip(format!("the key `{}` is longer than 64 characters", o.key.text), at(o.span), "shorten the key");
                continue;
            }
            if let Some(o) = options.iter().find(|o| o.value.chars().count() > 1024) {
                skip(
                    format!("the value of `{}` is longer than 1024 characters", o.key.text),
                    at(o.span),
                    "shorten the value",
                );
                continue;
            }
            let earlier = by_name.get(name.as_str()).copied();
            let field = |k: &str| options.iter().find(|o| o.key.text == k).copied();
            let mut missing = None;
            for k in ["title", "description", "ports"] {
                match field(k) {
                    None => missing = missing.or(Some(format!("it has no `{k}`"))),
                    Some(o) if o.value.is_empty() => missing = missing.or(Some(format!("its `{k}` is empty"))),
                    _ => {}
                }
            }
            if let Some(m) = missing {
                skip(m, header, "give the profile a `title`, a `description` and `ports` (e.g. `ports=22/tcp`)");
                continue;
            }
            let Some(ports_opt) = field("ports") else { continue };
            let ports_at =
                if s.options.iter().any(|o| std::ptr::eq(o, ports_opt)) { at(ports_opt.span) } else { header };
            let mut specs = Vec::new();
            let mut bad = None;
            for spec in ports_opt.value.split('|') {
                match port_spec(spec, services) {
                    Ok(p) => specs.push(p),
                    Err(why) => {
                        bad = Some(format!(
                            "`{}` in `ports` is not a port spec ufw accepts ({why})",
                            spec.escape_debug()
                        ));
                        break;
                    }
                }
            }
            if let Some(b) = bad {
                skip(
                    b,
                    ports_at,
                    "write `ports` as specs separated by `|`: `22/tcp`, `6000:6010/udp`, `80,443/tcp`, `53`",
                );
                continue;
            }
            let profile = Profile { name: name.clone(), at: header, ports: specs, ports_at };
            if let Some(i) = earlier {
                let Some(old) = profiles.get_mut(i).map(|slot| std::mem::replace(slot, profile.clone())) else {
                    continue;
                };
                problems.push(AppProblem {
                    at: old.at,
                    message: format!(
                        "profile `[{name}]` (ports `{}`) is defined again later (ports `{}`): ufw warns “Duplicate profile” and uses the later one",
                        spec_list(&old.ports),
                        spec_list(&profile.ports)
                    ),
                    help: "keep one definition of each profile (ufw reads the files in name order, the last one wins)",
                    related: vec![(profile.at, "the definition ufw uses".to_string())],
                });
            }
            if earlier.is_none() {
                by_name.insert(name.clone(), profiles.len());
                profiles.push(profile);
            }
        }
    }
    apps.profiles = profiles;
    apps.by_name = by_name;
    apps.problems = problems;
}

/// `22/tcp|80/tcp`.
pub fn spec_list(specs: &[PortSpec]) -> String {
    specs.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services(n: &str) -> Option<u16> {
        (n == "ssh").then_some(22)
    }

    fn load_tree(files: &[(&str, &[u8])]) -> (Applications, SourceMap) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sshlint-ufw-app-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let apps = dir.join("etc/ufw/applications.d");
        std::fs::create_dir_all(&apps).expect("mkdir");
        for (name, content) in files {
            std::fs::write(apps.join(name), content).expect("write");
        }
        let mut sources = SourceMap::default();
        let mut unreadable = Vec::new();
        let a = load(&HostRoot::new(&dir), &services, &mut sources, &mut unreadable);
        let _ = std::fs::remove_dir_all(&dir);
        (a, sources)
    }

    const SSH: &[u8] = b"[OpenSSH]\ntitle=Secure shell server\ndescription=OpenSSH\nports=22/tcp\n";

    #[test]
    fn packaged_profile_loads() {
        let (a, _) = load_tree(&[("openssh-server", SSH)]);
        assert!(a.problems.is_empty(), "{:?}", a.problems);
        let p = a.get("OpenSSH").expect("profile");
        assert_eq!(p.ports, vec![PortSpec { text: "22/tcp".into(), proto: "tcp".into(), ports: "22".into() }]);
    }

    #[test]
    fn later_duplicate_wins() {
        let (a, s) = load_tree(&[
            ("openssh-server", SSH),
            ("zz-custom", b"[OpenSSH]\ntitle=t\ndescription=d\nports=2222/tcp\n"),
        ]);
        assert_eq!(a.get("OpenSSH").map(|p| spec_list(&p.ports)), Some("2222/tcp".into()));
        assert_eq!(a.problems.len(), 1);
        assert!(s.get(a.problems[0].at.file).path.ends_with("openssh-server"));
    }

    #[test]
    fn bad_profiles_are_reported_where_they_are() {
        let (a, s) = load_tree(&[
            ("a", b"[NoPorts]\ntitle=t\ndescription=d\n"),
            ("b", b"[Inline]\ntitle=t\ndescription=d\nports=22/tcp # ssh\n"),
            ("c", b"[Dup]\ntitle=t\n[Dup]\n"),
            ("d", b"[ssh]\ntitle=t\ndescription=d\nports=22/tcp\n[1234]\ntitle=t\ndescription=d\nports=1\n"),
            ("e", b"[Range]\ntitle=t\ndescription=d\nports=22:23\n"),
            ("f", b"[Latin]\ntitle=caf\xe9\ndescription=d\nports=1\n"),
            ("g.dpkg-old", b"garbage"),
            (".hidden", b"garbage"),
        ]);
        assert!(a.profiles.is_empty(), "{:?}", a.profiles);
        let msgs: Vec<(String, String)> =
            a.problems.iter().map(|p| (s.get(p.at.file).slice(p.at.span).to_string(), p.message.clone())).collect();
        assert_eq!(msgs.len(), 7, "{msgs:#?}");
        assert!(msgs[0].0 == "[NoPorts]" && msgs[0].1.contains("no `ports`"));
        assert!(msgs[1].0 == "ports=22/tcp # ssh" && msgs[1].1.contains("tcp # ssh"));
        assert!(msgs[2].0 == "[Dup]" && msgs[2].1.contains("configparser"));
        assert!(msgs[3].1.contains("service name"));
        assert!(msgs[4].1.contains("a number"));
        assert!(msgs[5].1.contains("without `/tcp`"));
        assert!(msgs[6].1.contains("not valid UTF-8"));
        assert!(a.files.iter().all(|f| f.name != "g.dpkg-old" && f.name != ".hidden"));
    }

    #[test]
    fn defaults_and_service_ports() {
        let (a, _) = load_tree(&[("x", b"[DEFAULT]\ntitle=t\ndescription=d\n[Web]\nports=ssh/tcp|80,443/tcp|53\n")]);
        assert!(a.problems.is_empty(), "{:?}", a.problems);
        assert_eq!(a.get("Web").map(|p| p.ports.len()), Some(3));
    }

    #[test]
    fn names() {
        assert!(valid_name("OpenSSH"));
        assert!(valid_name("WWW Full"));
        assert!(valid_name("1abc"));
        assert!(!valid_name("all"));
        assert!(!valid_name("22"));
        assert!(!valid_name("1_000"));
        assert!(!valid_name("_x"));
        assert!(!valid_name(""));
    }

    #[test]
    fn port_specs() {
        assert!(port_spec("22/tcp", &services).is_ok());
        assert!(port_spec("6881:6891/tcp", &services).is_ok());
        assert!(port_spec("53", &services).is_ok());
        assert!(port_spec("22/esp", &services).is_err());
        assert!(port_spec("esp", &services).is_err());
        assert!(port_spec("22/tcp/x", &services).is_err());
        assert!(port_spec("/tcp", &services).is_err());
        assert!(port_spec("22/", &services).is_err());
        assert!(port_spec("80,443", &services).is_err());
    }
}
