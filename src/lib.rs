//! sshlint: a static linter for the SSH access path of a Linux host.
//! The library never prints; the binary in `main.rs` does.
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

pub mod ast;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod lint;
pub mod model;
pub mod platform;
pub mod report;
pub mod rules;
pub mod source;
pub mod syntax;
#[cfg(test)]
pub mod testing;
