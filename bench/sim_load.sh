#!/usr/bin/env bash
# Simulator throughput: benches/sim_load.rs keeps CONNECTIONS keep-alive
# connections busy with a pre-signed listZones request (signature checked
# on every request, `expires` 10 minutes ahead) for SECONDS seconds against
# `csctl sim`. The load generator runs on the same two cores.
#
#   bench/sim_load.sh [SECONDS] [CONNECTIONS]   (default 5 s, 8 connections)
#
# If `wrk` is installed (Debian package wrk), the same request is also sent
# with it (2 threads), as a second opinion from a C load generator.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SECONDS_="${1:-5}"
CONNECTIONS="${2:-8}"
build_csctl
LOAD="$(bench_binary sim_load)"
[ -x "$LOAD" ] || { log "could not build benches/sim_load.rs"; exit 1; }
start_sim ENDPOINT
echo "simulator throughput — $(machine_line)"
for command in listZones listVirtualMachines; do
    line="$("$LOAD" --endpoint "$ENDPOINT" --connections "$CONNECTIONS" --seconds "$SECONDS_" --command "$command")"
    echo "$command: $line   target ≥ 15000 rps"
done
if command -v wrk >/dev/null 2>&1; then
    query="$(CLOUDSTACK_ENDPOINT="$ENDPOINT" "$CSCTL" sign listZones)"
    echo "wrk (GET, 2 threads, $CONNECTIONS connections):"
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_}s" "$ENDPOINT?$query" | grep -E 'Requests/sec|Non-2xx|Latency'
fi
