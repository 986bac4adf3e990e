#!/usr/bin/env bash
# Clusters: scripts/deploy_cluster.rhai deploying N VMs and waiting for them
# together, against a simulator with job delay D = 2 s (no rate limit), for
# N = 100 and 1,000, against the budget D + 0.5 s + N × (one deploy call's
# cost), with the peak memory of the 1,000-VM run; then the tutorial's way
# (sequential, polling every 5 s) for a few VMs, extrapolated to N.
#
#   bench/cluster.sh [N...]          (default: 100 1000)
#   TUTORIAL_N=5 bench/cluster.sh    VMs deployed the tutorial's way (0: skip)
#
# Each run gets a fresh simulator: the script lists the network's VMs to
# refuse name clashes, and a cloud full of earlier VMs would slow it down.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SIZES=("$@")
[ "${#SIZES[@]}" -gt 0 ] || SIZES=(100 1000)
TUTORIAL_N="${TUTORIAL_N:-5}"
DELAY=2
build_csctl
echo "clusters: job delay ${DELAY}s, no rate limit — $(machine_line)"

for n in "${SIZES[@]}"; do
    # One deploy call's cost, on a simulator of its own.
    start_sim ENDPOINT --job-delay "${DELAY}s"
    calls_line="$(CLOUDSTACK_ENDPOINT="$ENDPOINT" "$CSCTL" run "$BENCH_DIR/deploy_calls.rhai" count="$n")"
    stop_last_sim
    call_us="$(field per_call_us "$calls_line")"

    start_sim ENDPOINT --job-delay "${DELAY}s"
    out="$WORK/cluster-$n.out"
    started="$(date +%s.%N)"
    CLOUDSTACK_ENDPOINT="$ENDPOINT" /usr/bin/time -f 'maxrss_kb=%M' -o "$WORK/time-$n" \
        "$CSCTL" run "$ROOT/scripts/deploy_cluster.rhai" count="$n" prefix=bench >"$out" 2>&1 || {
        log "deploy_cluster.rhai count=$n failed:"
        tail -20 "$out" >&2
        exit 1
    }
    ended="$(date +%s.%N)"
    stop_last_sim
    wall="$(calc "$ended - $started")"
    rss_kb="$(grep -o 'maxrss_kb=[0-9]*' "$WORK/time-$n" | cut -d= -f2)"
    budget="$(calc "$DELAY + 0.5 + $n * $call_us / 1000000")"
    verdict="$(awk "BEGIN { print ($wall <= $budget) ? \"met\" : \"NOT met\" }")"
    echo "N=$n: $(tail -1 "$out" | tr -d '\n'); wall ${wall}s (whole csctl run, start-up included)"
    echo "      one deploy call $(calc "$call_us / 1000") ms; budget D + 0.5 + N × call = ${budget}s: $verdict; tail after D $(calc "$wall - $DELAY - $n * $call_us / 1000000")s"
    echo "      peak RSS $(calc "$rss_kb / 1024") MB"
done

if [ "$TUTORIAL_N" -gt 0 ]; then
    start_sim ENDPOINT --job-delay "${DELAY}s"
    line="$(CLOUDSTACK_ENDPOINT="$ENDPOINT" "$CSCTL" run "$BENCH_DIR/tutorial_sequential.rhai" count="$TUTORIAL_N")"
    stop_last_sim
    per_vm="$(field per_vm_s "$line")"
    echo "tutorial (sequential, 5 s polling): $TUTORIAL_N VMs in $(calc "$(field total_s "$line")")s, $(calc "$per_vm")s per VM"
    for n in "${SIZES[@]}"; do
        echo "      extrapolated to N=$n: $(calc "$per_vm * $n")s (measured for $TUTORIAL_N VMs, scaled linearly)"
    done
fi
