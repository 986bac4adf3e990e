# Sourced by the bench/*.sh scripts: building, starting simulators on free
# ports, stopping them, and small number helpers. Not meant to be run.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
CSCTL="$ROOT/target/release/csctl"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/csctl-bench.XXXXXX")"
SIM_PIDS=()

export CLOUDSTACK_KEY=csctl-demo-api-key
export CLOUDSTACK_SECRET=csctl-demo-secret-key
# Each script sets CLOUDSTACK_ENDPOINT to its simulator: the environment
# wins over any profile of the person running the bench.
unset CLOUDSTACK_ENDPOINT CLOUDSTACK_API_URL CSCTL_PROFILE CLOUDSTACK_METHOD || true

cleanup() {
    local pid
    for pid in "${SIM_PIDS[@]+"${SIM_PIDS[@]}"}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${SIM_PIDS[@]+"${SIM_PIDS[@]}"}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '%s\n' "$*" >&2; }

machine_line() {
    local cpu
    cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
    printf '%s, %s cores, %s, load %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "${cpu:-unknown CPU}" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# Builds csctl in release (once per script run).
build_csctl() {
    log "building csctl (release)…"
    (cd "$ROOT" && cargo build --release --quiet --bin csctl)
}

# Prints the path of a `[[bench]]` binary, building it in the bench profile.
bench_binary() {
    local name="$1"
    (cd "$ROOT" && cargo bench --no-run --quiet --bench "$name" --message-format=json 2>/dev/null) |
        grep -o '"executable":"[^"]*"' | cut -d'"' -f4 | grep "/deps/$name-" | tail -1
}

# start_sim VAR [csctl sim flags...]: starts `csctl sim` on a free loopback
# port and stores its endpoint in VAR once it listens.
start_sim() {
    local var="$1"
    shift
    local out="$WORK/sim.$RANDOM.out"
    "$CSCTL" sim --listen 127.0.0.1:0 "$@" >"$out" 2>&1 &
    SIM_PIDS+=("$!")
    local endpoint="" tries=0
    while [ -z "$endpoint" ]; do
        endpoint="$(grep -o 'http://127\.0\.0\.1:[0-9]*/client/api' "$out" 2>/dev/null | head -1 || true)"
        tries=$((tries + 1))
        if [ "$tries" -gt 200 ]; then
            log "the simulator did not start:"
            cat "$out" >&2
            exit 1
        fi
        [ -n "$endpoint" ] || sleep 0.05
    done
    printf -v "$var" '%s' "$endpoint"
}

# Stops the most recently started simulator.
stop_last_sim() {
    local last=$((${#SIM_PIDS[@]} - 1))
    [ "$last" -ge 0 ] || return 0
    kill "${SIM_PIDS[$last]}" 2>/dev/null || true
    wait "${SIM_PIDS[$last]}" 2>/dev/null || true
    unset "SIM_PIDS[$last]"
    SIM_PIDS=("${SIM_PIDS[@]+"${SIM_PIDS[@]}"}")
}

# field KEY LINE: the value of `KEY=value` in a line of `k=v` words.
field() { printf '%s\n' "$2" | tr ' ' '\n' | grep "^$1=" | head -1 | cut -d= -f2; }

# median of the numbers given as arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# quartiles of the numbers given as arguments: "Q1–Q3" (nearest rank).
quartiles() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {q1=int((NR+3)/4); q3=int((3*NR+3)/4); printf "%s–%s", a[q1], a[q3]}'; }

# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
