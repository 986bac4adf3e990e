#!/usr/bin/env bash
# Inventories of big clouds: list_all of N VMs (default 2,000) in pages of
# 200 against `csctl sim --latency 200ms` (each page answer delayed as a real
# server's database work delays it), with pages fetched together (the
# default, 5 at a time) and one after another, side by side in one run;
# then `csctl call listVirtualMachines --all -o jsonl` of BIG VMs (default
# 20,000) under /usr/bin/time for its peak memory.
#
#   bench/list_all.sh [N] [BIG]
#
# Targets (issue 13): concurrent ≤ 0.4 × sequential; jsonl of 20,000 VMs in
# < 40 MB peak RSS.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

N="${1:-2000}"
BIG="${2:-20000}"
CLOUD="$BENCH_DIR/data/big_cloud.json"
ZONE=11111111-1111-4111-8111-111111111111
OFFERING=55555555-5555-4555-8555-555555555555
TEMPLATE=44444444-4444-4444-8444-444444444444
build_csctl
echo "list_all: --latency 200ms, pages of 200 — $(machine_line)"

# Deploys `count` VMs into the simulator at $ENDPOINT (no latency: deploys are not lists).
fill() {
    CLOUDSTACK_ENDPOINT="$ENDPOINT" "$CSCTL" run "$BENCH_DIR/list_fill.rhai" count="$1" \
        zoneid=$ZONE serviceofferingid=$OFFERING templateid=$TEMPLATE >/dev/null
}

start_sim ENDPOINT --cloud "$CLOUD" --job-delay 1ms --latency 200ms
fill "$N"
line="$(CLOUDSTACK_ENDPOINT="$ENDPOINT" "$CSCTL" run "$BENCH_DIR/list_timed.rhai")"
stop_last_sim
together="$(field together_s "$line")"
sequential="$(field sequential_s "$line")"
echo "N=$N: $(field vms "$line") VMs; pages together $(calc "$together")s, one after another $(calc "$sequential")s, ratio $(calc "$together / $sequential")   target ≤ 0.4"

start_sim ENDPOINT --cloud "$CLOUD" --job-delay 1ms
fill "$BIG"
CLOUDSTACK_ENDPOINT="$ENDPOINT" /usr/bin/time -f 'maxrss_kb=%M wall_s=%e' -o "$WORK/time-jsonl" \
    "$CSCTL" call listVirtualMachines --all -o jsonl >"$WORK/vms.jsonl"
stop_last_sim
rows="$(wc -l <"$WORK/vms.jsonl")"
rss_kb="$(grep -o 'maxrss_kb=[0-9]*' "$WORK/time-jsonl" | cut -d= -f2)"
wall="$(grep -o 'wall_s=[0-9.]*' "$WORK/time-jsonl" | cut -d= -f2)"
echo "call --all -o jsonl: $rows rows in ${wall}s, peak RSS $(calc "$rss_kb / 1024") MB   target < 40 MB"
