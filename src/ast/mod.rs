//! Plain data produced by `syntax`: one module per format, byte spans into the file text.

pub mod firewalld;
pub mod iptables;
pub mod sshd;
pub mod systemd;
pub mod ufw;
