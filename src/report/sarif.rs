//! `--format sarif`: one SARIF 2.1.0 log (OASIS `sarif-v2.1.0`), written from the same findings
//! as every other format. Never reads file contents; it may stat paths to name them (below).
//!
//! The contract (fields are only ever added):
//!
//! ```text
//! {
//!   "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
//!   "runs": [{                                    // exactly one run
//!     "tool": {"driver": {
//!       "name": "sshlint", "version": "0.1.0", "semanticVersion": "0.1.0",
//!       "informationUri": "https://github.com/sshlint/sshlint",
//!       "rules": [{                               // every rule of the catalogue, in `sshlint rules` order
//!         "id": "SSHD102", "name": "user-locked-out",
//!         "shortDescription": {"text": "<first sentence of What it does>"},
//!         "fullDescription": {"text": "<the What it does section>"},
//!         "help": {"text": "<the rule's documentation>", "markdown": "<the same Markdown>"},
//!         "helpUri": "https://github.com/sshlint/sshlint/blob/main/rules.md#sshd102",
//!         "defaultConfiguration": {"level": "error|warning|note", "enabled": false},  // false: opt-in
//!         "properties": {"category": "access", "tags": ["access", "sshd"]}
//!       }]}},
//!     "invocations": [{"executionSuccessful": true}],
//!     "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///abs/base/"}},
//!     "columnKind": "unicodeCodePoints",
//!     "artifacts": [{"location": {"uri": "etc/ssh/sshd_config", "uriBaseId": "%SRCROOT%"},
//!                    "properties": {"kind": "sshd_config"}}],      // kinds as in `--format json`
//!     "results": [{
//!       "ruleId": "SSHD102", "ruleIndex": 9,     // index into tool.driver.rules
//!       "level": "error|warning|note",           // the finding's severity (info → note)
//!       "message": {"text": "<message>\nhelp: <help>"},
//!       "locations": [{"physicalLocation": {
//!         "artifactLocation": {"uri": "etc/ssh/sshd_config", "uriBaseId": "%SRCROOT%", "index": 0},
//!         "region": {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 17}}}],
//!       "relatedLocations": [{"id": 1, "physicalLocation": {…}, "message": {"text": "<label>"}}],
//!       "partialFingerprints": {"sshlintFindingHash/v1": "<16 hex digits>"},
//!       "properties": {"fatal": true}           // only when sshd would refuse to start
//!     }]
//!   }]
//! }
//! ```
//!
//! - Paths. `%SRCROOT%` is the `--sarif-base` directory (default: the current directory). A file
//!   under it is a relative `uri` with `"uriBaseId": "%SRCROOT%"`; any other file is an absolute
//!   `file://` URI without `uriBaseId`. Paths are made absolute against the current directory
//!   and compared lexically (`.` and `..` folded); when that fails, the base and the file's
//!   directory are compared again with symlinks resolved. URIs percent-encode every byte of the
//!   path but ASCII letters, digits, `-._~` and `/` (so spaces, `%`, `#`, `:` and non-ASCII or
//!   non-UTF-8 bytes are encoded). Standard input has no URI: its `artifactLocation` is
//!   `{"description": {"text": "standard input"}}` and it is not in `artifacts`.
//! - Regions. Every location has one. Lines and columns are 1-based; columns count Unicode code
//!   points (`columnKind`), `endColumn` is exclusive, and a byte that is not UTF-8 counts as one
//!   column. A finding about a file sshlint has no text for (a directory, an unreadable file) has
//!   the empty region 1:1–1:1, as in the other formats. SARIF would also allow no region at all
//!   (the location is then the whole artifact), but the SARIF Multitool warns about that
//!   (SARIF2017: consumers expect explicit start and end positions).
//! - `partialFingerprints`: a 64-bit FNV-1a hash of rule id, the location's URI (or
//!   `<stdin>`), the message, and how many earlier results of the run share those three. Line
//!   numbers are not part of it, so a result keeps its fingerprint when lines above it change.
//! - `artifacts` lists every file of `--format json`'s `files`, once each; `index` in a result's
//!   `artifactLocation` points into it.

use super::human::display_safe;
use crate::diagnostic::{Finding, Severity};
use crate::lint::{LintResult, Unit};
use crate::rules::{Category, RuleMeta};
use crate::source::{Location, SourceFile};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
const FINGERPRINT: &str = "sshlintFindingHash/v1";

/// Where relative URIs start.
#[derive(Clone, Debug)]
pub struct Base {
    /// The `%SRCROOT%` directory (absolute).
    pub dir: PathBuf,
    /// The directory relative paths in findings are relative to (absolute).
    pub cwd: PathBuf,
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: [Invocation; 1],
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    artifacts: Vec<Artifact>,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
    enabled: bool,
}

#[derive(Serialize)]
struct RuleProperties {
    category: &'static str,
    tags: [&'static str; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
}

#[derive(Serialize)]
struct Artifact {
    location: ArtifactLocation,
    properties: ArtifactProperties,
}

#[derive(Serialize)]
struct ArtifactProperties {
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [SarifLocation; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
}

#[derive(Serialize)]
struct ResultProperties {
    fatal: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// SARIF's name for a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The tags a rule carries: its category and the part of the host it reads.
fn tags(m: &RuleMeta) -> [&'static str; 2] {
    let area = if m.code.starts_with("SSHD") {
        "sshd"
    } else if m.code.starts_with("FW") {
        "firewall"
    } else if m.category == Category::Meta {
        "sshlint"
    } else {
        "accounts"
    };
    [m.category.as_str(), area]
}

fn descriptor(m: &'static RuleMeta) -> Descriptor {
    let doc = m.doc_text();
    Descriptor {
        id: m.code,
        name: m.name,
        short_description: Text { text: sentence(&m.summary()) },
        full_description: Text { text: m.description() },
        help: Help { text: doc.clone(), markdown: doc },
        help_uri: format!("{}/blob/main/rules.md#{}", env!("CARGO_PKG_REPOSITORY"), crate::rules::docs::anchor(m)),
        default_configuration: Configuration { level: level(m.severity), enabled: !m.opt_in },
        properties: RuleProperties { category: m.category.as_str(), tags: tags(m) },
    }
}

/// `s` ending with a full stop (SARIF messages are sentences).
fn sentence(s: &str) -> String {
    let s = s.trim_end();
    if s.ends_with(['.', '!', '?']) { s.to_string() } else { format!("{s}.") }
}

/// The result's message: the finding's message, then its help.
fn message_text(f: &Finding) -> String {
    let mut text = sentence(&display_safe(&f.message));
    if let Some(h) = &f.help {
        text.push_str("\nhelp: ");
        text.push_str(&sentence(&display_safe(h)));
    }
    text
}

/// Percent-encode a path's bytes for a URI: all but ASCII letters, digits, `-._~` and `/`.
pub fn encode_path(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    crate::discover::lexical_absolute(cwd, p)
}

fn bytes(p: &Path) -> &[u8] {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes()
}

/// A file URI for an absolute path; directories end with `/`.
fn file_uri(abs: &Path, dir: bool) -> String {
    let mut uri = format!("file://{}", encode_path(bytes(abs)));
    if dir && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Paths that are no file (`<stdin>`): one component in angle brackets.
fn pseudo(p: &Path) -> bool {
    let s = p.as_os_str().to_string_lossy();
    p.components().count() == 1 && s.starts_with('<') && s.ends_with('>')
}

/// Names files for one log: URIs relative to the base, artifact indices.
struct Namer<'a> {
    base: &'a Base,
    /// The base, lexically absolute and with symlinks resolved (when it exists).
    base_abs: PathBuf,
    base_real: Option<PathBuf>,
    /// Artifacts by URI.
    index: HashMap<String, usize>,
    artifacts: Vec<Artifact>,
}

impl<'a> Namer<'a> {
    fn new(base: &'a Base) -> Self {
        let base_abs = absolute(&base.cwd, &base.dir);
        let base_real = std::fs::canonicalize(&base_abs).ok();
        Namer { base, base_abs, base_real, index: HashMap::new(), artifacts: Vec::new() }
    }

    /// `(uri, uri_base_id)` for a path; `None` for standard input.
    fn uri(&self, p: &Path) -> Option<(String, Option<&'static str>)> {
        if pseudo(p) {
            return None;
        }
        let abs = absolute(&self.base.cwd, p);
        if let Ok(rel) = abs.strip_prefix(&self.base_abs) {
            return Some((relative_uri(rel), Some(SRCROOT)));
        }
        // Through symlinks (a base given as /tmp/x when /tmp is a link): compare the real paths
        // of the file's directory and the base; the file name itself is kept.
        if let (Some(real_base), Some(parent), Some(name)) = (&self.base_real, abs.parent(), abs.file_name())
            && let Ok(real_parent) = std::fs::canonicalize(parent)
            && let Ok(rel) = real_parent.join(name).strip_prefix(real_base)
        {
            return Some((relative_uri(rel), Some(SRCROOT)));
        }
        Some((file_uri(&abs, false), None))
    }

    fn add_artifact(&mut self, p: &Path, kind: &'static str) {
        let Some((uri, base_id)) = self.uri(p) else { return };
        if self.index.contains_key(&uri) {
            return;
        }
        self.index.insert(uri.clone(), self.artifacts.len());
        let location = ArtifactLocation { uri: Some(uri), uri_base_id: base_id, index: None, description: None };
        self.artifacts.push(Artifact { location, properties: ArtifactProperties { kind } });
    }

    fn artifact_location(&self, p: &Path) -> ArtifactLocation {
        match self.uri(p) {
            Some((uri, base_id)) => {
                let index = self.index.get(&uri).copied();
                ArtifactLocation { uri: Some(uri), uri_base_id: base_id, index, description: None }
            }
            None => ArtifactLocation {
                uri: None,
                uri_base_id: None,
                index: None,
                description: Some(Text { text: "standard input".into() }),
            },
        }
    }

    fn physical(&self, unit: &Unit, loc: Location) -> PhysicalLocation {
        let file = unit.sources.get(loc.file);
        PhysicalLocation { artifact_location: self.artifact_location(&file.path), region: region(file, loc) }
    }
}

fn relative_uri(rel: &Path) -> String {
    if rel.as_os_str().is_empty() { ".".into() } else { encode_path(bytes(rel)) }
}

/// The region of a location (1:1–1:1 in a file without text).
fn region(file: &SourceFile, loc: Location) -> Region {
    let (start_line, start_column) = file.line_col(loc.span.start);
    let (end_line, end_column) = file.line_col(loc.span.end);
    Region { start_line, start_column, end_line, end_column }
}

/// 64-bit FNV-1a: small, and the same on every platform and release.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(&[0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

pub fn render(r: &LintResult, base: &Base) -> String {
    let rules: Vec<Descriptor> = crate::rules::all().iter().map(|rule| descriptor(rule.meta)).collect();
    let rule_index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let mut namer = Namer::new(base);
    for u in &r.units {
        for (id, kind) in &u.files {
            namer.add_artifact(&u.sources.get(*id).path, kind.as_str());
        }
        // Files findings point at are listed already; this only guards the invariant.
        for f in &u.findings {
            let path = &u.sources.get(f.location.file).path;
            namer.add_artifact(path, "unknown");
        }
    }
    let mut seen: HashMap<(&str, String, &str), usize> = HashMap::new();
    let results = r
        .findings()
        .map(|(u, f)| {
            let primary = namer.physical(u, f.location);
            let key = primary.artifact_location.uri.clone().unwrap_or_else(|| "<stdin>".into());
            let nth = seen.entry((f.code, key.clone(), f.message.as_str())).or_insert(0);
            let fingerprint =
                fnv1a(&[f.code.as_bytes(), key.as_bytes(), f.message.as_bytes(), nth.to_string().as_bytes()]);
            *nth += 1;
            let related = f
                .related
                .iter()
                .enumerate()
                .map(|(i, l)| SarifLocation {
                    id: Some(i + 1),
                    physical_location: namer.physical(u, l.location),
                    message: Some(Text { text: display_safe(&l.message) }),
                })
                .collect();
            SarifResult {
                rule_id: f.code,
                rule_index: rule_index.get(f.code).copied(),
                level: level(f.severity),
                message: Text { text: message_text(f) },
                locations: [SarifLocation { id: None, physical_location: primary, message: None }],
                related_locations: related,
                partial_fingerprints: BTreeMap::from([(FINGERPRINT, format!("{fingerprint:016x}"))]),
                properties: f.fatal.then_some(ResultProperties { fatal: true }),
            }
        })
        .collect();
    let base_uri = ArtifactLocation {
        uri: Some(file_uri(&namer.base_abs, true)),
        uri_base_id: None,
        index: None,
        description: None,
    };
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "sshlint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                },
            },
            invocations: [Invocation { execution_successful: true }],
            original_uri_base_ids: BTreeMap::from([(SRCROOT, base_uri)]),
            column_kind: "unicodeCodePoints",
            artifacts: namer.artifacts,
            results,
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_a_uri_cannot_hold() {
        assert_eq!(encode_path(b"etc/ssh/sshd_config.d/10-a.conf"), "etc/ssh/sshd_config.d/10-a.conf");
        assert_eq!(encode_path(b"a b%c#d:e,f?g"), "a%20b%25c%23d%3Ae%2Cf%3Fg");
        assert_eq!(encode_path("é".as_bytes()), "%C3%A9");
        assert_eq!(encode_path(b"\xff~_"), "%FF~_");
    }

    #[test]
    fn paths_fold_lexically() {
        let cwd = Path::new("/w/x");
        assert_eq!(absolute(cwd, Path::new("./a/../b")), PathBuf::from("/w/x/b"));
        assert_eq!(absolute(cwd, Path::new("../y")), PathBuf::from("/w/y"));
        assert_eq!(absolute(cwd, Path::new("/abs/./p")), PathBuf::from("/abs/p"));
    }

    #[test]
    fn uris_relative_to_the_base_or_absolute() {
        let base = Base { dir: PathBuf::from("/nonexistent-sshlint/base"), cwd: PathBuf::from("/nonexistent-sshlint") };
        let namer = Namer::new(&base);
        assert_eq!(
            namer.uri(Path::new("base/etc/ssh/sshd_config")),
            Some(("etc/ssh/sshd_config".to_string(), Some(SRCROOT)))
        );
        assert_eq!(
            namer.uri(Path::new("/nonexistent-sshlint/other dir/f")),
            Some(("file:///nonexistent-sshlint/other%20dir/f".to_string(), None))
        );
        assert_eq!(namer.uri(Path::new("<stdin>")), None);
        assert_eq!(file_uri(&namer.base_abs, true), "file:///nonexistent-sshlint/base/");
        assert_eq!(file_uri(Path::new("/"), true), "file:///");
    }

    #[test]
    fn levels_and_sentences() {
        assert_eq!([Severity::Error, Severity::Warning, Severity::Info].map(level), ["error", "warning", "note"]);
        assert_eq!(sentence("a `b`"), "a `b`.");
        assert_eq!(sentence("done."), "done.");
    }

    #[test]
    fn fingerprints_are_stable() {
        // Pinned: a different hash would make code scanning close every alert and open it again.
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&[b"SSHD001", b"etc/ssh/sshd_config", b"m", b"0"]), 0x2e45_5e78_0246_2294);
    }

    #[test]
    fn every_rule_has_a_descriptor_from_its_metadata() {
        for rule in crate::rules::all() {
            let d = descriptor(rule.meta);
            assert_eq!(d.id, rule.meta.code);
            assert!(!d.short_description.text.is_empty() && !d.full_description.text.is_empty(), "{}", d.id);
            assert!(d.full_description.text.starts_with(rule.meta.summary().trim_end_matches('.')), "{}", d.id);
            assert!(d.help_uri.ends_with(&format!("rules.md#{}", rule.meta.code.to_ascii_lowercase())), "{}", d.id);
            assert_eq!(d.default_configuration.enabled, !rule.meta.opt_in);
        }
    }

    /// One unit built by hand: a non-ASCII line, a file with no text, standard input, the same
    /// message twice, a fatal error and an info.
    fn sample() -> LintResult {
        use crate::diagnostic::Label;
        use crate::discover::FileKind;
        use crate::source::{SourceMap, Span};
        let mut sources = SourceMap::default();
        let conf = sources.add(SourceFile::new("base/etc/ssh/sshd_config".into(), "# é\nPort 22\nBogus x\n".into()));
        let dir = sources.add(SourceFile::new("base/home/bob".into(), Vec::new()));
        let stdin = sources.add(SourceFile::new("<stdin>".into(), b"Port 22\n".to_vec()));
        let at = |file, start, end| Location { file, span: Span::new(start, end) };
        let finding = |code, severity, location, message: &str| Finding {
            code,
            name: "n",
            severity,
            location,
            message: message.into(),
            help: None,
            related: Vec::new(),
            fatal: false,
        };
        let mut bogus = finding("SSHD001", Severity::Error, at(conf, 13, 18), "`Bogus` is unknown");
        bogus.fatal = true;
        bogus.help = Some("delete it".into());
        bogus.related.push(Label { location: at(conf, 0, 4), message: "see here".into() });
        let findings = vec![
            finding("SSHD101", Severity::Warning, at(conf, 2, 4), "same"),
            finding("SSHD101", Severity::Warning, at(conf, 5, 9), "same"),
            bogus,
            finding("PERM001", Severity::Info, at(dir, 0, 0), "home"),
            finding("SSHD101", Severity::Warning, at(stdin, 0, 4), "same"),
        ];
        let files = vec![(conf, FileKind::SshdConfig), (dir, FileKind::LoginPath)];
        LintResult { units: vec![Unit { sources, findings, files, is_host: true, version: None, uses: Vec::new() }] }
    }

    #[test]
    fn renders_results() {
        let base = Base { dir: PathBuf::from("/nonexistent-sshlint/base"), cwd: PathBuf::from("/nonexistent-sshlint") };
        let doc: serde_json::Value = serde_json::from_str(&render(&sample(), &base)).expect("JSON");
        let run = &doc["runs"][0];
        assert_eq!(run["originalUriBaseIds"][SRCROOT]["uri"], "file:///nonexistent-sshlint/base/");
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let uris: Vec<&str> = run["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .filter_map(|a| a["location"]["uri"].as_str())
            .collect();
        assert_eq!(uris, ["etc/ssh/sshd_config", "home/bob"]);
        let results = run["results"].as_array().expect("results");
        let region = |i: usize| results[i]["locations"][0]["physicalLocation"]["region"].clone();
        // `é` is one column: "# é" ends at column 4.
        assert_eq!(region(0), serde_json::json!({"startLine": 1, "startColumn": 3, "endLine": 1, "endColumn": 4}));
        assert_eq!(region(3), serde_json::json!({"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}));
        let fp = |i: usize| results[i]["partialFingerprints"][FINGERPRINT].as_str().unwrap_or("").to_string();
        assert_ne!(fp(0), fp(1), "the second identical message in a file has its own fingerprint");
        assert_ne!(fp(0), fp(4), "another file, another fingerprint");
        assert_eq!(results[2]["level"], "error");
        assert_eq!(results[2]["properties"]["fatal"], true);
        assert_eq!(results[2]["message"]["text"], "`Bogus` is unknown.\nhelp: delete it.");
        assert_eq!(results[2]["relatedLocations"][0]["id"], 1);
        assert_eq!(results[2]["relatedLocations"][0]["message"]["text"], "see here");
        assert!(results[0]["properties"].is_null(), "no properties when not fatal");
        assert_eq!(results[3]["level"], "note");
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        let i = results[2]["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], "SSHD001");
        let stdin = &results[4]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(stdin, &serde_json::json!({"description": {"text": "standard input"}}));
        assert_eq!(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["index"], 0);
    }

    #[test]
    fn fingerprints_ignore_positions() {
        let base = Base { dir: PathBuf::from("/nonexistent-sshlint/base"), cwd: PathBuf::from("/nonexistent-sshlint") };
        let before = render(&sample(), &base);
        let mut moved = sample();
        for f in &mut moved.units[0].findings {
            f.location.span =
                crate::source::Span::new(f.location.span.start as usize + 1, f.location.span.end as usize + 1);
        }
        let fps = |s: &str| -> Vec<serde_json::Value> {
            let doc: serde_json::Value = serde_json::from_str(s).expect("JSON");
            doc["runs"][0]["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|r| r["partialFingerprints"].clone())
                .collect()
        };
        assert_eq!(fps(&before), fps(&render(&moved, &base)));
    }
}
