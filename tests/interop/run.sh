#!/usr/bin/env bash
# Real clients against `csctl sim`: the cs library, Apache libcloud, Ansible's
# ngine_io.cloudstack modules, cloudmonkey (the PyPI one, Python 2), the Go
# cloudmonkey `cmk` and py-acs-sdk run their usual VM, key pair, firewall,
# port forwarding, volume and tag workflows. Not part of `cargo test`: it
# installs them with pip.
#
#   tests/interop/run.sh [cs] [libcloud] [ansible] [cloudmonkey] [cmk] [acs]
#
# Environment: INTEROP_VENV (default target/interop-venv), CSCTL (default:
# builds target/debug/csctl), PYTHON2 (a Python 2.7 for cloudmonkey; default:
# pyenv's 2.7 if there is one; cloudmonkey is skipped without it), CMK (the
# Go cloudmonkey binary; default: `cmk` on the PATH; skipped without it),
# PYTHON312 (a Python >= 3.12 for py-acs-sdk; default: pyenv's 3.12 or 3.13,
# or python3 if new enough; skipped without one).
# Prints one PASS/FAIL line per step and a summary; exits non-zero on failure.

set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${INTEROP_VENV:-$root/target/interop-venv}"
clients=("$@")
[ ${#clients[@]} -eq 0 ] && clients=(cs libcloud ansible cloudmonkey cmk acs)
work="$(mktemp -d)"
trap 'kill "$sim_pid" 2>/dev/null; rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || exit 2
fi
"$venv/bin/pip" install -q cs apache-libcloud ansible sshpubkeys || exit 2

csctl="${CSCTL:-}"
if [ -z "$csctl" ]; then
    (cd "$root" && cargo build -q --bin csctl) || exit 2
    csctl="$root/target/debug/csctl"
fi

# The simulator on a free port; its banner gives the endpoint.
"$csctl" sim --listen 127.0.0.1:0 --job-delay 100ms --seed 7 >"$work/sim.out" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do
    grep -q "listening on" "$work/sim.out" && break
    sleep 0.1
done
endpoint="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/sim.out")"
[ -n "$endpoint" ] || { cat "$work/sim.out"; exit 2; }
key=csctl-demo-api-key
secret=csctl-demo-secret-key
echo "simulator: $endpoint"

results="$work/results"
: >"$results"
for client in "${clients[@]}"; do
    case "$client" in
    cs | libcloud)
        "$venv/bin/python" "$here/clients.py" "$endpoint" "$key" "$secret" "$client" \
            2>"$work/$client.err" | tee -a "$results"
        ;;
    ansible)
        CLOUDSTACK_ENDPOINT="$endpoint" CLOUDSTACK_KEY="$key" CLOUDSTACK_SECRET="$secret" \
            CLOUDSTACK_TIMEOUT=30 ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_NOCOLOR=1 \
            ANSIBLE_PYTHON_INTERPRETER="$venv/bin/python" \
            "$venv/bin/ansible-playbook" -i localhost, -c local "$here/playbook.yml" \
            >"$work/ansible.out" 2>&1
        # One line per task: PASS unless it failed.
        awk '/^TASK \[/ { if (task != "") print (failed ? "FAIL" : "PASS"), "ansible", task;
                          task = $0; sub(/^TASK \[/, "", task); sub(/\].*$/, "", task); failed = 0 }
             /^fatal:/ { failed = 1 }
             END { if (task != "") print (failed ? "FAIL" : "PASS"), "ansible", task }' \
            "$work/ansible.out" | grep -v "Gathering Facts" | tee -a "$results"
        grep -A3 "^fatal:" "$work/ansible.out" | head -40
        ;;
    cloudmonkey)
        python2="${PYTHON2:-}"
        if [ -z "$python2" ] && [ -x "$HOME/.pyenv/versions/2.7.18/bin/python" ]; then
            python2="$HOME/.pyenv/versions/2.7.18/bin/python"
        fi
        if [ -z "$python2" ]; then
            echo "SKIP cloudmonkey: no Python 2.7 (PyPI's cloudmonkey 5.3.3 is Python 2 only)" | tee -a "$results"
            continue
        fi
        cmk_lib="$venv/cloudmonkey-py2"
        [ -d "$cmk_lib/cloudmonkey" ] || "$python2" -m pip install -q --target "$cmk_lib" cloudmonkey || exit 2
        ENDPOINT="$endpoint" KEY="$key" SECRET="$secret" PYTHON2="$python2" CMK_LIB="$cmk_lib" \
            HOME="$work/cmk-home" bash "$here/cloudmonkey.sh" | tee -a "$results"
        ;;
    cmk)
        cmk_bin="${CMK:-$(command -v cmk || true)}"
        if [ -z "$cmk_bin" ] || [ ! -x "$cmk_bin" ]; then
            echo "SKIP cmk: no Go cloudmonkey binary (set CMK or put cmk on the PATH)" | tee -a "$results"
            continue
        fi
        ENDPOINT="$endpoint" KEY="$key" SECRET="$secret" CMK="$cmk_bin" \
            HOME="$work/cmk-go-home" bash "$here/cmk.sh" | tee -a "$results"
        ;;
    acs)
        python312="${PYTHON312:-}"
        for candidate in "$HOME"/.pyenv/versions/3.1[23]*/bin/python python3; do
            [ -n "$python312" ] && break
            if command -v "$candidate" >/dev/null 2>&1 &&
                "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
                python312="$candidate"
            fi
        done
        if [ -z "$python312" ]; then
            echo "SKIP py-acs-sdk: no Python 3.12 or later (py-acs-sdk needs it)" | tee -a "$results"
            continue
        fi
        acs_venv="$venv-acs"
        [ -x "$acs_venv/bin/python" ] || "$python312" -m venv "$acs_venv" || exit 2
        "$acs_venv/bin/pip" install -q py-acs-sdk || exit 2
        "$acs_venv/bin/python" "$here/py_acs_sdk.py" "$endpoint" "$key" "$secret" \
            >"$work/acs.out" 2>"$work/acs.err"
        status=$?
        tee -a "$results" <"$work/acs.out"
        if [ $status -ne 0 ] && ! grep -q '^FAIL' "$work/acs.out"; then
            echo "FAIL py-acs-sdk: the workflow stopped" | tee -a "$results"
            tail -5 "$work/acs.err"
        fi
        ;;
    *)
        echo "unknown client $client" >&2
        exit 2
        ;;
    esac
done

passed=$(grep -c '^PASS' "$results")
failed=$(grep -c '^FAIL' "$results")
echo "interop: $passed steps passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
