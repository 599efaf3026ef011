//! Human output through miette: source excerpts with labels in every file involved, help.

use crate::diagnostic::{Finding, Severity};
use crate::lint::{LintResult, Unit};
use crate::source::Location;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;

/// A finding's secondary location in another file, shown as a related diagnostic.
#[derive(Debug)]
struct Elsewhere {
    message: String,
    src: NamedSource<String>,
    span: SourceSpan,
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
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(Some(self.message.clone()), self.span))))
    }
}

/// One finding rendered by miette (Diagnostic implemented by hand, per STYLE.md).
#[derive(Debug)]
struct Rendered {
    code: String,
    message: String,
    help: Option<String>,
    severity: Severity,
    src: NamedSource<String>,
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
        // A file that could not be read has no text to show.
        (!self.src.inner().is_empty()).then_some(&self.src as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.src.inner().is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.others.is_empty() {
            return None;
        }
        Some(Box::new(self.others.iter().map(|o| o as &dyn Diagnostic)))
    }
}

fn named(unit: &Unit, loc: Location) -> NamedSource<String> {
    let f = unit.sources.get(loc.file);
    NamedSource::new(f.path.display().to_string(), f.text.clone())
}

fn span(loc: Location) -> SourceSpan {
    (loc.span.start as usize, loc.span.len()).into()
}

fn render_one(unit: &Unit, f: &Finding) -> Rendered {
    let mut labels = vec![LabeledSpan::new_primary_with_span(None, span(f.location))];
    let mut others = Vec::new();
    for r in &f.related {
        if r.location.file == f.location.file {
            labels.push(LabeledSpan::new_with_span(Some(r.message.clone()), span(r.location)));
        } else {
            others.push(Elsewhere { message: r.message.clone(), src: named(unit, r.location), span: span(r.location) });
        }
    }
    Rendered {
        code: format!("{}({})", f.code, f.name),
        message: f.message.clone(),
        help: f.help.clone(),
        severity: f.severity,
        src: named(unit, f.location),
        labels,
        others,
    }
}

/// Render every finding followed by the summary line.
pub fn render(r: &LintResult, color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for (u, f) in r.findings() {
        let d = render_one(u, f);
        let _ = handler.render_report(&mut out, &d);
        out.push('\n');
    }
    out.push_str(&super::summary_line(r));
    out.push('\n');
    out
}

/// Render findings of one unit without a summary (used by `effective` on failure).
pub fn render_unit(u: &Unit, color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for f in &u.findings {
        let _ = handler.render_report(&mut out, &render_one(u, f));
        out.push('\n');
    }
    out
}
