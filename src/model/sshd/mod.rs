//! What sshd would do with a configuration: keyword table, value rules, Include and Match
//! evaluation, the effective settings per connection and their `sshd -T` rendering.

pub mod algorithms;
pub mod pattern;
pub mod version;
pub mod keyword_data;
pub mod keywords;
pub mod matching;
pub mod settings;
pub mod load;
pub mod eval;
pub mod effective;
pub mod dump;
pub mod host;
