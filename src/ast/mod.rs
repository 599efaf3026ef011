//! Plain data produced by `syntax`: one module per format, byte spans into the file text.

pub mod authorized_keys;
pub mod firewalld;
pub mod iptables;
pub mod sshd;
pub mod systemd;
pub mod ufw;
