#!/usr/bin/env bash
# Simulator memory under many large writes: WRITES state-changing requests
# carrying SIZE bytes each (default 10,000 of 1 MiB) sent to `csctl sim`;
# its resident memory must stay flat (the journal is bounded), under 100 MB.
#
#   bench/sim_journal_rss.sh [WRITES] [SIZE]
#
# CSCTL=target/debug/csctl bench/sim_journal_rss.sh uses a debug build.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

WRITES="${1:-10000}"
SIZE="${2:-1048576}"
if [ -n "${CSCTL_BIN:-}" ]; then
    CSCTL="$CSCTL_BIN"
else
    build_csctl
fi
start_sim ENDPOINT
echo "simulator memory under $WRITES writes of $SIZE bytes — $(machine_line)"
python3 "$BENCH_DIR/sim_journal_rss.py" "$ENDPOINT" "${SIM_PIDS[-1]}" "$WRITES" "$SIZE"
