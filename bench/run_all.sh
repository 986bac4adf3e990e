#!/usr/bin/env bash
# Runs every end-to-end benchmark in turn; see docs/performance.md.
set -euo pipefail
dir="$(dirname "${BASH_SOURCE[0]}")"
bash "$dir/startup.sh"
bash "$dir/call_overhead.sh"
bash "$dir/sim_load.sh"
bash "$dir/cluster.sh"
bash "$dir/wait_jobs.sh"
bash "$dir/list_all.sh"
