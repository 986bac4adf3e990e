#!/usr/bin/env bash
# Runs every fuzz target for a bounded time; exits non-zero if any finds a
# crash (a panic, a failed assertion, a timeout or running out of memory).
#
#   fuzz/run.sh                      every target, 60 s each
#   FUZZ_SECONDS=300 fuzz/run.sh     5 minutes each
#   fuzz/run.sh canonical assignment only these targets
#
# Needs only stable Rust: cargo-fuzz is installed from crates.io if missing,
# RUSTC_BOOTSTRAP=1 lets stable rustc take the unstable flags cargo-fuzz
# passes (-Zsanitizer, …), and `-s none` builds without a sanitizer (the
# address sanitizer would need a nightly standard library). Rust's own
# checks (bounds, overflow in debug assertions, which cargo-fuzz enables)
# still turn memory errors and arithmetic bugs into crashes.
#
# Corpora grow in fuzz/corpus/TARGET (seeded from fuzz/seeds/TARGET), crash
# inputs land in fuzz/artifacts/TARGET; both are kept out of git. To replay
# a crash: RUSTC_BOOTSTRAP=1 cargo fuzz run -s none TARGET fuzz/artifacts/TARGET/crash-…
# (run from fuzz/).
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(response_decode params_flatten canonical assignment)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1

dict_for() {
    case "$1" in
        response_decode | params_flatten) echo "dicts/json.dict" ;;
        canonical) echo "dicts/canonical.dict" ;;
        *) echo "" ;;
    esac
}

# One build for all the targets (release, debug assertions on, no sanitizer).
cargo fuzz build -s none

failed=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    if [ -d "seeds/$target" ]; then
        cp -n "seeds/$target"/* "corpus/$target/" 2>/dev/null || true
    fi
    flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    dict="$(dict_for "$target")"
    if [ -n "$dict" ]; then
        flags+=(-dict="$dict")
    fi
    echo "=== $target: ${seconds}s" >&2
    if ! cargo fuzz run -s none "$target" "corpus/$target" -- "${flags[@]}"; then
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashes in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz: no crash in ${targets[*]} (${seconds}s each)" >&2
