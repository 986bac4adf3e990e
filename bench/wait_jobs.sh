#!/usr/bin/env bash
# Waiting under the API rate limit: N deploys (default 500), then wait_jobs
# on all of them, against `csctl sim --rate-limit 25 --job-delay 2s`; the
# wait phase (from the last deploy answer to the end of wait_jobs) with jobs
# followed by listAsyncJobs pages (batch, the default), then, on a fresh
# simulator, with one queryAsyncJobResult per job and round (batch=false).
#
#   bench/wait_jobs.sh [N]
#
# Targets (issue 13): batched wait ≤ 3 s; one poll per job ≥ 20 s (500 jobs
# at 25 requests/s).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

N="${1:-500}"
build_csctl
echo "wait_jobs: $N deploys, --rate-limit 25 --job-delay 2s — $(machine_line)"
for batch in true false; do
    start_sim ENDPOINT --rate-limit 25 --job-delay 2s
    line="$(CLOUDSTACK_ENDPOINT="$ENDPOINT" "$CSCTL" run "$BENCH_DIR/wait_batched.rhai" count="$N" batch="$batch")"
    stop_last_sim
    echo "batch=$batch: deploys $(calc "$(field deploy_s "$line")")s, wait phase $(calc "$(field wait_s "$line")")s"
done
echo "targets: batch=true wait ≤ 3 s; batch=false (one poll per job) ≥ 20 s"
