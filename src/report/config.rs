//! Configuration errors for people: a miette excerpt of `sshlint.toml` at the offending span.

use crate::config::ConfigError;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report};

/// Render configuration errors, each with an excerpt when it points into the file.
pub fn render(errors: &[ConfigError], color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for e in errors {
        // With an excerpt, its header names the file.
        let excerpt = e.span.is_some() && !e.text.is_empty() && crate::report::human::display_safe(&e.text) == e.text;
        let message = crate::report::human::display_safe(&e.message);
        let title = if excerpt { message } else { format!("{}: {message}", e.path.display()) };
        let mut diag = MietteDiagnostic::new(title).with_code("sshlint::config");
        if let Some(h) = &e.help {
            diag = diag.with_help(h.clone());
        }
        let report = match &e.span {
            // An excerpt only when the text needs no replacement (which would move the span).
            Some(span) if excerpt => {
                let len = span.end.saturating_sub(span.start);
                let diag = diag.with_label(LabeledSpan::at(span.start..span.start + len, "here"));
                Report::new(diag).with_source_code(NamedSource::new(e.path.display().to_string(), e.text.clone()))
            }
            _ => Report::new(diag),
        };
        let _ = handler.render_report(&mut out, report.as_ref());
        out.push('\n');
    }
    out
}
