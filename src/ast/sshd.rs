//! sshd_config(5) as sshd tokenises it: one [`Directive`] per non-comment logical line, the
//! keyword and its arguments after quote and escape removal, with spans back into the file.

use crate::source::Span;
use crate::syntax::sshd::UnterminatedQuote;

/// A parsed sshd_config file.
#[derive(Clone, Debug, Default)]
pub struct ConfigAst {
    pub directives: Vec<Directive>,
}

/// One logical line: `keyword args…`.
#[derive(Clone, Debug)]
pub struct Directive {
    /// Line number as sshd counts it (1-based, logical lines).
    pub number: u32,
    pub keyword: Arg,
    /// Offset in [`LineText::bytes`] of the text after the keyword and its separator; `None`
    /// when nothing follows ("no argument after keyword").
    pub rest: Option<usize>,
    /// `argv_split` of the rest: the words sshd hands to the keyword's handler.
    pub args: Result<Vec<Arg>, UnterminatedQuote>,
    pub line: LineText,
}

impl Directive {
    /// File span of a range of line offsets.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let r = self.line.file_range(start, end);
        Span::new(r.start, r.end)
    }
    pub fn arg_span(&self, arg: &Arg) -> Span {
        self.span(arg.start, arg.end)
    }
    pub fn keyword_span(&self) -> Span {
        self.arg_span(&self.keyword)
    }
    pub fn line_span(&self) -> Span {
        self.span(0, self.line.bytes.len())
    }
    /// The raw text after the keyword, as ForceCommand and friends take it.
    pub fn rest_text(&self) -> &str {
        let start = self.rest.unwrap_or(self.line.bytes.len()).min(self.line.bytes.len());
        std::str::from_utf8(&self.line.bytes[start..]).unwrap_or("")
    }
    /// The span of the arguments from the first to the last.
    pub fn args_span(&self) -> Span {
        match &self.args {
            Ok(a) if !a.is_empty() => self.span(a[0].start, a[a.len() - 1].end),
            _ => self.span(self.rest.unwrap_or(self.keyword.end), self.line.bytes.len()),
        }
    }
}

/// A word with its line-relative byte range (quotes and escapes already removed from `text`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

impl Arg {
    pub fn from_bytes(bytes: &[u8], start: usize, end: usize) -> Self {
        Arg { text: String::from_utf8_lossy(bytes).into_owned(), start, end }
    }
    pub fn from_vec(bytes: Vec<u8>, start: usize, end: usize) -> Self {
        let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Arg { text, start, end }
    }
}

/// A logical line's bytes and where each piece came from in the file (sshd joins lines after
/// a NUL byte, so one logical line can span several physical ones).
#[derive(Clone, Debug, Default)]
pub struct LineText {
    pub bytes: Vec<u8>,
    pub segments: Vec<Segment>,
}

/// `bytes[line_off..]` starts at `file_off` in the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    pub line_off: usize,
    pub file_off: usize,
}

impl LineText {
    pub fn push(&mut self, piece: &[u8], file_off: usize) {
        if self.segments.is_empty() || !piece.is_empty() {
            self.segments.push(Segment { line_off: self.bytes.len(), file_off });
        }
        self.bytes.extend_from_slice(piece);
    }

    fn to_file(&self, off: usize) -> usize {
        let seg = self.segments.iter().rev().find(|s| s.line_off <= off).copied().unwrap_or_default();
        seg.file_off + (off - seg.line_off)
    }

    /// File byte range of line offsets `start..end`.
    pub fn file_range(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let s = self.to_file(start);
        let e = if end > start { self.to_file(end - 1) + 1 } else { s };
        s..e.max(s)
    }
}
