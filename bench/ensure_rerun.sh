#!/usr/bin/env bash
# Running scripts/deploy_cluster.rhai again over a complete cluster of N VMs
# (default 300): what it costs in calls and time. The first run deploys the
# N VMs; the second finds them all with one listVirtualMachines (pages of
# 500) and sends no state-changing call. Calls are counted from `-v`'s
# request lines, by command.
#
#   bench/ensure_rerun.sh [N]
#   CSCTL_BIN=target/debug/csctl bench/ensure_rerun.sh   (no release build)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

N="${1:-300}"
if [ -n "${CSCTL_BIN:-}" ]; then
    CSCTL="$(cd "$(dirname "$CSCTL_BIN")" && pwd)/$(basename "$CSCTL_BIN")"
else
    build_csctl
fi
echo "ensure rerun: N=$N, job delay 100ms, $("$CSCTL" --version 2>/dev/null | head -1) at $CSCTL — $(machine_line)"
start_sim ENDPOINT --job-delay 100ms
export CLOUDSTACK_ENDPOINT="$ENDPOINT" CSCTL_STATE_DIR="$WORK/state"

run_counted() {
    local label="$1"
    local started ended
    started="$(date +%s.%N)"
    "$CSCTL" -v run "$ROOT/scripts/deploy_cluster.rhai" count="$N" prefix=rerun \
        >"$WORK/$label.out" 2>"$WORK/$label.err" || {
        log "deploy_cluster.rhai count=$N failed:"
        tail -20 "$WORK/$label.err" >&2
        exit 1
    }
    ended="$(date +%s.%N)"
    local total by_command
    total="$(grep -c '^> ' "$WORK/$label.err" || true)"
    by_command="$(grep -o '^> [A-Z]* [^ ]* command=[A-Za-z]*' "$WORK/$label.err" | sed 's/.*command=//' |
        sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=", "}')"
    echo "$label: $(tail -1 "$WORK/$label.out" | tr -d '\n'); $total requests ($by_command); wall $(calc "$ended - $started")s"
}

run_counted first
run_counted again
