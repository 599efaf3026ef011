//! The one diagnostic type. Rules produce [`Violation`]s; the checker turns them into
//! [`Finding`]s, attaching code, name and configured severity in one place.

use crate::source::Location;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A secondary location with its label ("first value set here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// What a rule reports: a fact at a place, without code or severity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub location: Location,
    pub message: String,
    pub help: Option<String>,
    pub related: Vec<Label>,
    /// Overrides the rule's default severity for this one case (e.g. a missing include is a
    /// warning, an include cycle an error). Configured severities still win.
    pub severity: Option<Severity>,
    /// sshd would refuse to start because of this (`sshd -t` fails).
    pub fatal: bool,
}

impl Violation {
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Violation { location, message: message.into(), help: None, related: Vec::new(), severity: None, fatal: false }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Label { location, message: message.into() });
        self
    }
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
    pub fn fatal(mut self) -> Self {
        self.fatal = true;
        self
    }
}

/// A finding as reported: a violation with its rule's identity and final severity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub location: Location,
    pub message: String,
    pub help: Option<String>,
    pub related: Vec<Label>,
    pub fatal: bool,
}
