//! What sshd does at login time with one account: the account and its shell, the
//! AuthorizedKeysFile paths expanded for it, StrictModes' walk over them, and the keys read.

use crate::model::sshd::host::SshdHost;
use crate::model::sshd::matching::Connection;

/// Whether sshd would accept a public key for a user on a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Refused, with sshd's reason in words.
    Refused(String),
}

/// Would sshd accept `key_line` (a `.pub` line: `type base64 [comment]`) for `user` on `conn`?
pub fn pubkey_verdict(_host: &SshdHost, _user: &str, _conn: &Connection, _key_line: &str) -> Verdict {
    Verdict::Refused("not modelled yet".into())
}
