#!/usr/bin/env bash
# The Go cloudmonkey (`cmk`, github.com/apache/cloudstack-cloudmonkey)
# against csctl sim, as its users run it: `set` the url and keys, `sync`
# the API list, then verb-noun commands (async ones block until done).
# Called by run.sh with ENDPOINT, KEY, SECRET, CMK (the binary) and HOME set.
# Prints one PASS/FAIL line per step.

set -u
mkdir -p "$HOME"
zone=a4e9c8f0-4b1e-4c3a-9d2f-6b7e1f0c2d31
template=6d5b069b-4268-4c7c-810f-2793c2ac44fb
offering=c6b89fea-1242-4f54-b15e-9d8ec8a0b7e8
network=3f9c2b1a-7d4e-4f8a-b6c5-1e2d3c4b5a60
pubkey="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0e3xzdXd2eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+Q cmk@interop"

# step NAME ARGS...: runs one command; its output is in $out.
step() {
    local name="$1"
    shift
    out="$("$CMK" "$@" 2>&1)"
    local status=$?
    if [ $status -ne 0 ] || grep -qiE '^error|errorcode|errortext|panic|unknown|not found' <<<"$out"; then
        echo "FAIL cmk $name: $(head -c 400 <<<"$out" | tr '\n' ' ')"
    else
        echo "PASS cmk $name"
    fi
}

# need NAME VALUE: a step that must have given an id.
need() {
    [ -n "$2" ] || echo "FAIL cmk $1: no id in the answer: $(head -c 300 <<<"$out" | tr '\n' ' ')"
}

# The value of the first `key` in the JSON output of the last step.
field() {
    python3 -c '
import json, sys
def find(value, key):
    if isinstance(value, dict):
        if key in value:
            return value[key]
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = find(item, key)
            if found is not None:
                return found
text = sys.stdin.read()
text = text[min(i for i in (text.find("{"), text.find("["), len(text)) if i >= 0):]
print(find(json.loads(text), sys.argv[1]) or "")
' "$1" <<<"$out"
}

"$CMK" set url "$ENDPOINT" >/dev/null
"$CMK" set apikey "$KEY" >/dev/null
"$CMK" set secretkey "$SECRET" >/dev/null
"$CMK" set output json >/dev/null
"$CMK" set color false >/dev/null
"$CMK" set asyncblock true >/dev/null

step "sync" sync
step "list zones" list zones
step "list templates" list templates templatefilter=featured
step "list serviceofferings" list serviceofferings
step "register sshkeypair" register sshkeypair name=cmk-key "publickey=$pubkey"
step "list sshkeypairs" list sshkeypairs name=cmk-key
step "deploy virtualmachine" deploy virtualmachine zoneid=$zone templateid=$template \
    serviceofferingid=$offering networkids=$network name=cmk-vm keypair=cmk-key
vm="$(field id)"
need "deploy virtualmachine" "$vm"
step "list virtualmachines" list virtualmachines id=$vm
step "list volumes" list volumes virtualmachineid=$vm
step "associate ipaddress" associate ipaddress networkid=$network
ip="$(field id)"
need "associate ipaddress" "$ip"
step "create firewallrule" create firewallrule ipaddressid=$ip protocol=tcp startport=22 endport=22 \
    cidrlist=0.0.0.0/0
fw="$(field id)"
need "create firewallrule" "$fw"
step "create egressfirewallrule" create egressfirewallrule networkid=$network protocol=tcp \
    startport=80 endport=80 cidrlist=10.0.0.0/8
egress="$(field id)"
need "create egressfirewallrule" "$egress"
step "list firewallrules" list firewallrules ipaddressid=$ip
step "list egressfirewallrules" list egressfirewallrules networkid=$network
step "create portforwardingrule" create portforwardingrule ipaddressid=$ip privateport=22 \
    publicport=2222 protocol=tcp virtualmachineid=$vm
pf="$(field id)"
need "create portforwardingrule" "$pf"
step "list portforwardingrules" list portforwardingrules ipaddressid=$ip
step "list diskofferings" list diskofferings name=Small
disk="$(field id)"
need "list diskofferings" "$disk"
step "create volume" create volume name=cmk-data zoneid=$zone diskofferingid=$disk
volume="$(field id)"
need "create volume" "$volume"
step "attach volume" attach volume id=$volume virtualmachineid=$vm
step "detach volume" detach volume id=$volume
step "delete volume" delete volume id=$volume
step "create tags" create tags resourcetype=UserVm resourceids=$vm "tags[0].key=env" "tags[0].value=cmk"
step "list tags" list tags resourceid=$vm
step "delete tags" delete tags resourcetype=UserVm resourceids=$vm "tags[0].key=env"
step "delete portforwardingrule" delete portforwardingrule id=$pf
step "delete egressfirewallrule" delete egressfirewallrule id=$egress
step "delete firewallrule" delete firewallrule id=$fw
step "disassociate ipaddress" disassociate ipaddress id=$ip
step "stop virtualmachine" stop virtualmachine id=$vm
step "destroy virtualmachine" destroy virtualmachine id=$vm expunge=true
step "delete sshkeypair" delete sshkeypair name=cmk-key
