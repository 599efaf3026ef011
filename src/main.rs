//! The `sshlint` binary: everything happens in the library's `cli` module.

fn main() {
    std::process::exit(sshlint::cli::main());
}
