//! Source files, byte spans and line lookup. Owns reading nothing: text arrives from `discover`.

use std::path::PathBuf;

/// A byte range in one file's text (`start..end`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start: clamp_u32(start), end: clamp_u32(end.max(start)) }
    }
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn cover(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// One file's text as sshlint saw it, with a line index.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user named it (or as found in a walk).
    pub path: PathBuf,
    /// The text; bytes that are not UTF-8 are carried as private-use characters (see
    /// [`decode_escaped`] and `lossy`). Shared with the ASTs that keep it (iptables files).
    pub text: std::sync::Arc<str>,
    /// True when the bytes on disk were not valid UTF-8.
    pub lossy: bool,
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(path: PathBuf, bytes: Vec<u8>) -> Self {
        let (text, lossy) = match String::from_utf8(bytes) {
            Ok(s) => (s, false),
            Err(e) => (decode_escaped(e.as_bytes()), true),
        };
        let mut line_starts = vec![0u32];
        line_starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| clamp_u32(i + 1)));
        SourceFile { path, text: text.into(), lossy, line_starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self.text.get(start..end).map_or(end - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> u32 {
        self.line_starts.get(line.saturating_sub(1)).copied().unwrap_or(self.text.len() as u32)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// First code point used to carry a byte that is not UTF-8 (U+10FF00 + byte, in a private
/// use plane), so values can be printed back byte for byte (`sshlint effective`).
const ESCAPE_BASE: u32 = 0x10_FF00;

/// Decode bytes as UTF-8, carrying each invalid byte as a private-use character.
pub fn decode_escaped(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(bad.len()).max(1);
                for &b in &bad[..n] {
                    out.push(char::from_u32(ESCAPE_BASE + u32::from(b)).unwrap_or('\u{fffd}'));
                }
                rest = &bad[n..];
            }
        }
    }
    out
}

/// Turn text from [`decode_escaped`] back into the original bytes.
pub fn encode_escaped(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let n = u32::from(c);
        if (ESCAPE_BASE..ESCAPE_BASE + 0x100).contains(&n) {
            out.push((n - ESCAPE_BASE) as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out
}

/// Whether a character carries a non-UTF-8 byte.
pub fn is_escaped_byte(c: char) -> bool {
    (ESCAPE_BASE..ESCAPE_BASE + 0x100).contains(&u32::from(c))
}

/// Every file read during one run.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(clamp_u32(self.files.len() - 1))
    }
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
}

/// A span in a particular file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let f = SourceFile::new("x".into(), b"ab\ncd\n".to_vec());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(4), (2, 2));
        assert_eq!(f.line_start(2), 3);
    }

    #[test]
    fn invalid_utf8_round_trips() {
        let bytes = vec![b'a', 0xff, 0xc3, b'\n', 0xc3, 0xa9];
        let f = SourceFile::new("x".into(), bytes.clone());
        assert!(f.lossy);
        assert!(f.text.chars().any(is_escaped_byte));
        assert!(f.text.ends_with('é'));
        assert_eq!(encode_escaped(&f.text), bytes);
    }
}
