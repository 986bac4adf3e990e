//! Build script: keeps the release binary's line tables small.
//!
//! The release profile keeps line tables (`debug = "line-tables-only"`) so a
//! panic's backtrace names files and lines. Uncompressed they are most of the
//! binary; on Linux the linker is asked to compress the debug sections with
//! zlib, which the standard library's symboliser reads as they are. Other
//! builds (dev, test) are left alone so their artefacts are not relinked.

use std::io::Write;

fn main() {
    let release = std::env::var("PROFILE").as_deref() == Ok("release");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    let mut out = std::io::stdout().lock();
    // Rerun only when this script changes (not on every source edit).
    writeln!(out, "cargo:rerun-if-changed=build.rs").expect("stdout");
    if release && linux {
        writeln!(
            out,
            "cargo:rustc-link-arg-bins=-Wl,--compress-debug-sections=zlib"
        )
        .expect("stdout");
    }
}
