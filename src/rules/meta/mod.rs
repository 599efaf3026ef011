//! sshlint's own findings about its input (SL codes).

pub mod invalid_suppression;
pub mod invalid_utf8;
pub mod unreadable_file;
pub mod unused_suppression;
