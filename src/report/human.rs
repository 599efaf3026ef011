//! Human output through miette: source excerpts with labels in every file involved, help.

use crate::diagnostic::{Finding, Severity};
use crate::lint::{LintResult, Unit};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};
use std::fmt;

/// Replace what must not reach a terminal (control characters, bytes that are not UTF-8)
/// with U+FFFD; tabs and newlines stay.
pub fn display_safe(s: &str) -> String {
    s.chars().map(|c| if unsafe_char(c) { '\u{fffd}' } else { c }).collect()
}

fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || crate::source::is_escaped_byte(c)
}

/// Lines longer than this are not excerpted (terminals cannot show them usefully and miette
/// cannot lay out columns past 65535).
const MAX_EXCERPT_LINE: usize = 2000;
/// Context lines around the labels.
const CONTEXT: usize = 2;

/// The few lines of a file a finding needs, made safe for a terminal, with spans remapped.
/// Rendering a window instead of the whole file keeps output linear in the number of findings.
#[derive(Debug)]
struct Window {
    name: String,
    text: String,
    /// 0-based line number of the window's first line.
    first_line: usize,
    /// (file offset, window offset) at every character boundary.
    map: Vec<(u32, u32)>,
}

impl Window {
    /// A window over `file` covering `spans`; `None` when a covered line is too long.
    fn new(file: &crate::source::SourceFile, spans: &[crate::source::Span]) -> Option<Window> {
        let first = spans.iter().map(|s| file.line_col(s.start).0).min()?;
        let last = spans.iter().map(|s| file.line_col(s.end).0).max()?;
        let from_line = first.saturating_sub(CONTEXT).max(1);
        let to_line = (last + CONTEXT).min(file.line_count());
        let start = file.line_start(from_line) as usize;
        let end = if to_line >= file.line_count() { file.text.len() } else { file.line_start(to_line + 1) as usize };
        let raw = file.text.get(start..end)?;
        if raw.lines().any(|l| l.len() > MAX_EXCERPT_LINE) {
            return None;
        }
        let mut text = String::with_capacity(raw.len());
        let mut map = Vec::with_capacity(raw.len() + 1);
        for (i, c) in raw.char_indices() {
            map.push(((start + i) as u32, text.len() as u32));
            text.push(if unsafe_char(c) { '\u{fffd}' } else { c });
        }
        map.push((end as u32, text.len() as u32));
        Some(Window { name: file.path.display().to_string(), text, first_line: from_line - 1, map })
    }

    fn span(&self, span: crate::source::Span) -> SourceSpan {
        let at = |off: u32| match self.map.binary_search_by_key(&off, |&(f, _)| f) {
            Ok(i) => self.map[i].1 as usize,
            Err(i) => self.map.get(i.saturating_sub(1)).map_or(0, |&(_, w)| w as usize),
        };
        let (s, e) = (at(span.start), at(span.end));
        (s, e.saturating_sub(s)).into()
    }
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.text.as_str().read_span(span, before, after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// A finding's secondary location in another file (or far away in the same one).
#[derive(Debug)]
struct Elsewhere {
    /// The first label's message (the diagnostic's title).
    message: String,
    src: Option<Window>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Display for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Elsewhere {}
impl Diagnostic for Elsewhere {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|w| w as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.src.as_ref()?;
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// One finding rendered by miette (Diagnostic implemented by hand, per STYLE.md).
#[derive(Debug)]
struct Rendered {
    code: String,
    message: String,
    help: Option<String>,
    severity: Severity,
    src: Option<Window>,
    labels: Vec<LabeledSpan>,
    others: Vec<Elsewhere>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Rendered {}
impl Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|w| w as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.src.as_ref()?;
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.others.is_empty() {
            return None;
        }
        Some(Box::new(self.others.iter().map(|o| o as &dyn Diagnostic)))
    }
}

/// Related locations within this many lines of the primary share its excerpt.
const NEARBY_LINES: usize = 12;

fn render_one(unit: &Unit, f: &Finding) -> Rendered {
    let file = unit.sources.get(f.location.file);
    let primary_line = file.line_col(f.location.span.start).0;
    let (near, far): (Vec<_>, Vec<_>) = f.related.iter().partition(|r| {
        r.location.file == f.location.file
            && file.line_col(r.location.span.start).0.abs_diff(primary_line) <= NEARBY_LINES
    });
    let mut spans = vec![f.location.span];
    spans.extend(near.iter().map(|r| r.location.span));
    let src = if file.text.is_empty() { None } else { Window::new(file, &spans) };
    let mut labels = Vec::new();
    let mut message = display_safe(&f.message);
    match &src {
        Some(w) => {
            labels.push(LabeledSpan::new_primary_with_span(None, w.span(f.location.span)));
            for r in &near {
                labels.push(LabeledSpan::new_with_span(Some(display_safe(&r.message)), w.span(r.location.span)));
            }
        }
        None if !file.text.is_empty() => {
            let (line, col) = file.line_col(f.location.span.start);
            message = format!("{message} (at {}:{line}:{col})", file.path.display());
        }
        None => {}
    }
    // Related locations elsewhere, one excerpt per file (labels close together share it).
    let mut others: Vec<Elsewhere> = Vec::new();
    let mut groups: Vec<Vec<&crate::diagnostic::Label>> = Vec::new();
    for r in &far {
        let other = unit.sources.get(r.location.file);
        let line = other.line_col(r.location.span.start).0;
        let near_group = groups.iter_mut().find(|g| {
            g[0].location.file == r.location.file
                && g.iter().all(|x| other.line_col(x.location.span.start).0.abs_diff(line) <= NEARBY_LINES)
        });
        match near_group {
            Some(g) => g.push(r),
            None => groups.push(vec![r]),
        }
    }
    for g in groups {
        let other = unit.sources.get(g[0].location.file);
        let spans: Vec<_> = g.iter().map(|r| r.location.span).collect();
        let w = if other.text.is_empty() { None } else { Window::new(other, &spans) };
        let labels = match &w {
            Some(w) => g
                .iter()
                .map(|r| LabeledSpan::new_with_span(Some(display_safe(&r.message)), w.span(r.location.span)))
                .collect(),
            None => Vec::new(),
        };
        others.push(Elsewhere { message: display_safe(&g[0].message), src: w, labels });
    }
    Rendered {
        code: format!("{}({})", f.code, f.name),
        message,
        help: f.help.as_deref().map(display_safe),
        severity: f.severity,
        src,
        labels,
        others,
    }
}

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    GraphicalReportHandler::new_themed(theme).with_width(100)
}

/// How `--format human` prints a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// ANSI colours (the caller decides: `--color`, a terminal, `NO_COLOR`).
    pub color: bool,
    /// No summary line; nothing at all when nothing was found (`--quiet`).
    pub quiet: bool,
    /// A count per rule instead of the findings (`--statistics`).
    pub statistics: bool,
}

/// Render every finding, grouped by file (files in path order, findings in position order),
/// then the summary line.
pub fn render(r: &LintResult, opts: Options) -> String {
    let mut out = String::new();
    if opts.statistics {
        out.push_str(&statistics(r));
    } else {
        let handler = handler(opts.color);
        for (u, f) in by_file(r) {
            let _ = handler.render_report(&mut out, &render_one(u, f));
            out.push('\n');
        }
    }
    if !opts.quiet {
        out.push_str(&super::summary_line(r));
        out.push('\n');
    }
    out
}

/// Every finding, sorted by its file's path, then position and code. The sort is stable, so
/// findings of the same place keep the order of their units and rules.
fn by_file(r: &LintResult) -> Vec<(&Unit, &Finding)> {
    let mut all: Vec<(&Unit, &Finding)> = r.findings().collect();
    all.sort_by(|(ua, a), (ub, b)| {
        let pa = &ua.sources.get(a.location.file).path;
        let pb = &ub.sources.get(b.location.file).path;
        pa.cmp(pb).then(a.location.span.start.cmp(&b.location.span.start)).then(a.code.cmp(b.code))
    });
    all
}

/// `--statistics`: one line per rule that reported, `CODE  NAME  COUNT`, most frequent first
/// (ties by code), columns aligned.
pub fn statistics(r: &LintResult) -> String {
    let mut counts: std::collections::BTreeMap<&str, (&str, usize)> = std::collections::BTreeMap::new();
    for (_, f) in r.findings() {
        counts.entry(f.code).or_insert((f.name, 0)).1 += 1;
    }
    let mut rows: Vec<(&str, &str, usize)> = counts.into_iter().map(|(c, (n, k))| (c, n, k)).collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
    let code_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let name_w = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let count_w = rows.iter().map(|r| r.2.to_string().len()).max().unwrap_or(0);
    rows.iter().map(|(c, n, k)| format!("{c:<code_w$}  {n:<name_w$}  {k:>count_w$}\n")).collect()
}

/// Render findings of one unit without a summary (used by `effective` on failure).
pub fn render_unit(u: &Unit, color: bool) -> String {
    let handler = handler(color);
    let mut out = String::new();
    for f in &u.findings {
        let _ = handler.render_report(&mut out, &render_one(u, f));
        out.push('\n');
    }
    out
}
