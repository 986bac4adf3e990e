#!/usr/bin/env bash
# An inventory over a slow link: `csctl call listVirtualMachines --all -o
# jsonl` of N VMs (default 20,000) from `csctl sim --latency 50ms
# --bandwidth 20Mbit`, with the simulator compressing answers (as the
# server's Jetty GzipHandler does) and with `--no-compress`; then Python
# `cs` (`fetch_list`) against the compressing simulator. Bytes on the wire
# are counted by a relay between client and simulator (count_relay.py).
#
#   bench/compressed_list.sh [N] [RATE]   (default 20000 VMs, 20Mbit)
#   NO_PYTHON=1 bench/compressed_list.sh  skips the Python `cs` run
#   CSCTL_BIN=target/debug/csctl bench/compressed_list.sh  uses that binary
#
# Targets (issue 21): compressed ≤ 0.25 × uncompressed, and faster than cs.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

N="${1:-20000}"
RATE="${2:-20Mbit}"
CLOUD="$BENCH_DIR/data/big_cloud.json"
ZONE=11111111-1111-4111-8111-111111111111
OFFERING=55555555-5555-4555-8555-555555555555
TEMPLATE=44444444-4444-4444-8444-444444444444
# CSCTL_BIN=path runs that binary instead of building the release one.
if [ -n "${CSCTL_BIN:-}" ]; then CSCTL="$CSCTL_BIN"; else build_csctl; fi

PY=""
if [ -z "${NO_PYTHON:-}" ]; then
    VENV="$BENCH_DIR/.venv"
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import cs' 2>/dev/null; then
        log "installing the Python cs client into bench/.venv…"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check cs
    fi
    PY="$VENV/bin/python"
fi

echo "compressed inventory: $N VMs, --latency 50ms --bandwidth $RATE — $(machine_line)"

# run LABEL [sim flags…]: fills a simulator and times one inventory.
run() {
    local label="$1"
    shift
    local out="$WORK/sim.$label.out"
    "$CSCTL" sim --listen 127.0.0.1:0 --cloud "$CLOUD" --job-delay 1ms --latency 50ms \
        --bandwidth "$RATE" "$@" >"$out" 2>&1 &
    local pid=$!
    SIM_PIDS+=("$pid")
    local endpoint=""
    while [ -z "$endpoint" ]; do
        endpoint="$(grep -o 'http://127\.0\.0\.1:[0-9]*/client/api' "$out" 2>/dev/null | head -1 || true)"
        [ -n "$endpoint" ] || sleep 0.05
    done
    CLOUDSTACK_ENDPOINT="$endpoint" "$CSCTL" run "$BENCH_DIR/list_fill.rhai" count="$N" \
        zoneid=$ZONE serviceofferingid=$OFFERING templateid=$TEMPLATE >/dev/null
    # Only the inventory's bytes are counted: it goes through a counting relay.
    local port relay_pid
    port="${endpoint#http://127.0.0.1:}"
    port="${port%%/*}"
    python3 "$BENCH_DIR/count_relay.py" 127.0.0.1 "$port" >"$WORK/relay.$label" &
    relay_pid=$!
    while ! grep -q '^port=' "$WORK/relay.$label" 2>/dev/null; do sleep 0.05; done
    endpoint="http://127.0.0.1:$(field port "$(cat "$WORK/relay.$label")")/client/api"
    local start end
    start="$(date +%s.%N)"
    if [ "${label%%_*}" = cs ]; then
        # cs 5 prepares each request outside its requests session, so the
        # session's `Accept-Encoding: gzip, deflate` is not sent and
        # http.client adds `identity`: it asks for uncompressed answers.
        # `cs_gzip` passes the header requests would have sent.
        "$PY" - "$endpoint" "$label" >"$WORK/$label.out" <<'EOF'
import sys
from cs import CloudStack
headers = {"Accept-Encoding": "gzip, deflate"} if sys.argv[2] == "cs_gzip" else None
api = CloudStack(endpoint=sys.argv[1], key="csctl-demo-api-key",
                 secret="csctl-demo-secret-key", headers=headers)
vms = api.listVirtualMachines(listall=True, fetch_list=True)
print(len(vms))
EOF
    else
        CLOUDSTACK_ENDPOINT="$endpoint" "$CSCTL" call listVirtualMachines --all -o jsonl \
            >"$WORK/$label.out"
    fi
    end="$(date +%s.%N)"
    kill -TERM "$relay_pid"
    wait "$relay_pid" 2>/dev/null || true
    kill -INT "$pid"
    wait "$pid" 2>/dev/null || true
    local rows
    rows="$(if [ "${label%%_*}" = cs ]; then cat "$WORK/$label.out"; else wc -l <"$WORK/$label.out"; fi)"
    printf '%s seconds=%s rows=%s wire_bytes_down=%s\n' "$label" "$(calc "$end - $start")" \
        "$(echo $rows)" "$(field bytes_down "$(tail -n 1 "$WORK/relay.$label")")"
}

compressed="$(run compressed)"
echo "$compressed"
plain="$(run uncompressed --no-compress)"
echo "$plain"
c="$(field seconds "$compressed")"
u="$(field seconds "$plain")"
echo "compressed/uncompressed: $(calc "$c / $u")   target ≤ 0.25"
if [ -n "$PY" ]; then
    py="$(run cs)"
    echo "$py"
    echo "cs/csctl (compressed): $(calc "$(field seconds "$py") / $c")   target > 1"
    py_gzip="$(run cs_gzip)"
    echo "$py_gzip"
    echo "cs with Accept-Encoding: gzip / csctl (compressed): $(calc "$(field seconds "$py_gzip") / $c")"
fi
