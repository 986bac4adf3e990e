#!/usr/bin/env bash
# Runs the soak test: a 1,000-VM cluster deploy and teardown through the real
# binary against the in-process simulator with --fail-rate 0.2 and a rate
# limit, then checks that exactly the intended VMs were created and each
# destroyed once, and prints the figures (requests, retries, 429s, injected
# failures, wall time, VMs created and destroyed).
#
# Not part of the default test run (the test is #[ignore]d). Environment:
#   SOAK_COUNT         VMs (default 1000)
#   SOAK_RATE_LIMIT    the simulator's requests per second (default 200)
#   SOAK_JOB_DELAY_MS  how long each job takes (default 1000)
#   SOAK_SEED          the simulator's seed (ids and which requests fail)
#   SOAK_LOSE_EVERY    N: a proxy also loses the answer of every N-th deploy
#                      or destroy the simulator applied (default 0: none)
#
# Usage: soak/run.sh            (from anywhere in the repository)
#        SOAK_COUNT=100 soak/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test --release --test integration soak -- --ignored --nocapture
