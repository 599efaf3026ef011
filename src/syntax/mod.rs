//! Parsers from bytes to AST. One module per format; nom for value grammars. Nothing here
//! knows what a keyword means.

pub mod iptables;
pub mod keys;
pub mod sshd;
pub mod systemd;
pub mod ufw;
pub mod values;
