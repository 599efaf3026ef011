//! What the programs would do: sshd's effective configuration per connection, the accounts
//! of a host. Pure functions of parsed files and host facts; never prints.

pub mod accounts;
pub mod firewall;
pub mod logins;
pub mod reach;
pub mod socket;
pub mod sshd;
pub mod trace;
