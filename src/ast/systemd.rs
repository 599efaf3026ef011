//! systemd unit files as systemd reads them (systemd.syntax(7), systemd.unit(5)): `[Section]`
//! headers and `Key=Value` assignments, each with byte spans into the file. Plain data; what a
//! key means (`ListenStream=`, `BindIPv6Only=` of systemd.socket(5)) is `model::socket`.

use crate::source::Span;

/// One unit file or drop-in: its meaningful lines, in order (comments and blank lines are not
/// kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnitFileAst {
    pub items: Vec<UnitItem>,
}

impl UnitFileAst {
    /// The assignments of one section (section names are case-sensitive in systemd).
    pub fn assignments<'a>(&'a self, section: &'a str) -> impl Iterator<Item = &'a Assignment> + 'a {
        self.items.iter().filter_map(move |i| match i {
            UnitItem::Assignment(a) if a.section.as_deref() == Some(section) => Some(a),
            _ => None,
        })
    }
}

/// A logical line (physical lines joined by a trailing backslash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitItem {
    /// `[Socket]`.
    Section {
        name: String,
        span: Span,
    },
    Assignment(Assignment),
    /// A line systemd cannot read. `fatal`: systemd stops reading the file and refuses to load
    /// the unit (an unterminated section header); otherwise it logs the line and ignores it.
    Invalid {
        span: Span,
        error: String,
        fatal: bool,
    },
}

/// `Key=Value`: whitespace around the key and the value is not part of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// The section the line is in; `None` before the first header (systemd ignores the line).
    pub section: Option<String>,
    pub key: String,
    pub key_span: Span,
    /// The value, continuation lines joined with the backslash turned into a space.
    pub value: String,
    /// Where the value is written: exact for a one-line assignment, to the end of the last
    /// physical line for a continued one.
    pub value_span: Span,
    /// The whole logical line.
    pub span: Span,
}
