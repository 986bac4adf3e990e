//! Integration tests: one binary, one module per area. They run the real
//! `csctl` binary and talk HTTP to the simulator on 127.0.0.1.

mod support;
mod signing;
