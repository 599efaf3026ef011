//! What sshd would do with a configuration: keyword table, value rules, Include and Match
//! evaluation, the effective settings per connection and their `sshd -T` rendering.

pub mod algorithms;
pub mod dump;
pub mod effective;
pub mod eval;
pub mod host;
pub mod keyword_data;
pub mod keywords;
pub mod load;
pub mod matching;
pub mod pattern;
pub mod samples;
pub mod settings;
pub mod version;
