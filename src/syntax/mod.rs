//! Parsers from bytes to AST. One module per format; nom for value grammars. Nothing here
//! knows what a keyword means.

pub mod authorized_keys;
pub mod firewalld;
pub mod iptables;
pub mod keys;
pub mod sshd;
pub mod suppression;
pub mod systemd;
pub mod ufw;
pub mod values;

/// Split text into lines: `(start offset, line without its `\n` and a final `\r`)`.
pub fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0usize;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        (start, line.strip_suffix('\r').unwrap_or(line))
    })
}
