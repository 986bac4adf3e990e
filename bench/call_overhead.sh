#!/usr/bin/env bash
# Call overhead: sequential api("listZones") calls from a csctl script,
# against the raw keep-alive floor (benches/raw_loop.rs: the same pre-signed
# request written over one TCP connection) and the Python `cs` client doing
# the same loop, all against one simulator started here, in one run.
#
#   bench/call_overhead.sh [ROUNDS] [N]  (default 15 rounds of 500 calls each)
#   NO_PYTHON=1 bench/call_overhead.sh   skips the Python `cs` comparison
#
# Each round runs the three loops one after another, so that each round's
# ratios compare runs a second apart: on a shared machine whose speed moves
# within minutes, many short rounds and the median of their ratios (with
# the quartiles, to show the spread) say more than a few long ones.
# Each figure is timed inside its own program, after one untimed call, so
# that process start-up and connecting are not counted (start-up has its own
# benchmark, bench/startup.sh).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ROUNDS="${1:-15}"
N="${2:-500}"
build_csctl
RAW="$(bench_binary raw_loop)"
[ -x "$RAW" ] || { log "could not build benches/raw_loop.rs"; exit 1; }

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

start_sim ENDPOINT --job-delay 2s
export CLOUDSTACK_ENDPOINT="$ENDPOINT"
log "simulator: $ENDPOINT"
echo "call overhead: $N sequential listZones calls — $(machine_line)"

raws=() scripts=() ratios=() pys=() cs_ratios=()
for round in $(seq "$ROUNDS"); do
    raw_line="$("$RAW" --endpoint "$ENDPOINT" --n "$N")"
    script_line="$("$CSCTL" run "$BENCH_DIR/listzones_2000.rhai" n=$N)"
    raw="$(field per_call_us "$raw_line")"
    script="$(field per_call_us "$script_line")"
    ratio="$(calc "$script / $raw")"
    raws+=("$raw") scripts+=("$script") ratios+=("$ratio")
    line="round $round: raw $(calc "$raw") µs/call, csctl $(calc "$script") µs/call, csctl/raw $ratio"
    if [ -n "$PY" ]; then
        py_line="$("$PY" "$BENCH_DIR/cs_listzones.py" "$ENDPOINT" "$N")"
        py="$(field per_call_us "$py_line")"
        pys+=("$py")
        cs_ratio="$(calc "$py / $script")"
        cs_ratios+=("$cs_ratio")
        line="$line, python cs $(calc "$py") µs/call (cs/csctl $cs_ratio)"
    fi
    echo "$line"
done

raw="$(median "${raws[@]}")"
script="$(median "${scripts[@]}")"
echo "median: raw $(calc "$raw") µs/call, csctl $(calc "$script") µs/call"
echo "csctl/raw (median of per-round ratios): $(median "${ratios[@]}") (quartiles $(quartiles "${ratios[@]}"))   target ≤ 1.5"
if [ -n "$PY" ]; then
    py="$(median "${pys[@]}")"
    echo "python cs: $(calc "$py") µs/call; cs/csctl (median of per-round ratios): $(median "${cs_ratios[@]}") (quartiles $(quartiles "${cs_ratios[@]}"))   target ≥ 10"
fi
