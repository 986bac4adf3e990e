//! The `csctl` binary (wiring in progress).
fn main() {}
