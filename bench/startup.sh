#!/usr/bin/env bash
# Start-up: `csctl run bench/empty.rhai` with the endpoint and keys in the
# environment (configuration is resolved, nothing is sent), and with `--sim`
# (an in-process simulator is started and stopped), timed by hyperfine.
# hyperfine comes from Debian; it is installed if missing (root) or the
# script falls back to a shell loop.
#
#   bench/startup.sh [RUNS]   (default 200)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS="${1:-200}"
build_csctl
if ! command -v hyperfine >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing hyperfine…"
    (apt-get update -qq && apt-get install -y -qq hyperfine) >/dev/null 2>&1 || true
fi
start_sim ENDPOINT
export CLOUDSTACK_ENDPOINT="$ENDPOINT"
EMPTY="$BENCH_DIR/empty.rhai"
echo "start-up: csctl run of an empty script — $(machine_line)"
if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 20 --runs "$RUNS" --style basic --export-json "$WORK/startup.json" \
        "$CSCTL run $EMPTY" "$CSCTL run --sim $EMPTY" 2>&1 | grep -v '^ *$'
    awk -F'[:,]' '/"mean"/ {printf "mean %.2f ms\n", $2 * 1000}' "$WORK/startup.json" |
        paste -d' ' <(printf 'csctl run (configured endpoint):\ncsctl run --sim:\n') - |
        sed 's/$/   target < 10 ms (configured endpoint)/;2s/   target.*//'
else
    for args in "" "--sim"; do
        started="$(date +%s%N)"
        for _ in $(seq "$RUNS"); do "$CSCTL" run $args "$EMPTY"; done
        ended="$(date +%s%N)"
        echo "csctl run $args: mean $(calc "($ended - $started) / $RUNS / 1000000") ms (shell loop)"
    done
fi
