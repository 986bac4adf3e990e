"""The usual workflows of the `cs` library and Apache libcloud against a
running `csctl sim`, step by step. Each step prints `PASS <client> <step>` or
`FAIL <client> <step>: <error>`; the exit status is the number of failures.

Usage: clients.py ENDPOINT API_KEY SECRET_KEY [cs|libcloud ...]
"""

import sys
import time
import traceback
from urllib.parse import urlparse

ENDPOINT, KEY, SECRET = sys.argv[1:4]
WHICH = sys.argv[4:] or ["cs", "libcloud"]
ZONE = "a4e9c8f0-4b1e-4c3a-9d2f-6b7e1f0c2d31"
TEMPLATE = "6d5b069b-4268-4c7c-810f-2793c2ac44fb"
OFFERING = "c6b89fea-1242-4f54-b15e-9d8ec8a0b7e8"
NETWORK = "3f9c2b1a-7d4e-4f8a-b6c5-1e2d3c4b5a60"
PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl interop"
)
PUBLIC_KEY_2 = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDOC+NzrNysntp41qMGoGYX9SHUoSGtEny894a7mP3nw interop2"
)

failures = 0


def step(client, name, fn):
    """Runs one step; returns its value, or None when it failed."""
    global failures
    try:
        value = fn()
        print(f"PASS {client} {name}", flush=True)
        return value
    except Exception as error:  # every failure is reported, none stops the run
        failures += 1
        print(f"FAIL {client} {name}: {type(error).__name__}: {error}", flush=True)
        traceback.print_exc(limit=3, file=sys.stderr)
        return None


def run_cs():
    from cs import CloudStack

    cs = CloudStack(endpoint=ENDPOINT, key=KEY, secret=SECRET, fetch_result=True)
    c = "cs"

    def check(answer, key):
        assert key in answer, answer
        return answer[key]

    step(c, "listZones", lambda: check(cs.listZones(), "zone"))
    step(c, "listTemplates", lambda: check(cs.listTemplates(templatefilter="featured"), "template"))
    step(c, "listServiceOfferings", lambda: check(cs.listServiceOfferings(), "serviceoffering"))
    key = step(c, "createSSHKeyPair", lambda: check(cs.createSSHKeyPair(name="cs-key"), "keypair"))
    if key:
        assert "PRIVATE KEY" in key["privatekey"] and key["fingerprint"]
    step(c, "registerSSHKeyPair",
         lambda: check(cs.registerSSHKeyPair(name="cs-reg", publickey=PUBLIC_KEY), "keypair"))
    step(c, "listSSHKeyPairs", lambda: check(cs.listSSHKeyPairs(name="cs-key"), "sshkeypair"))
    vm = step(c, "deployVirtualMachine", lambda: check(cs.deployVirtualMachine(
        zoneid=ZONE, templateid=TEMPLATE, serviceofferingid=OFFERING, name="cs-vm",
        keypair="cs-key"), "virtualmachine"))
    vm_id = vm["id"] if vm else None
    step(c, "listVirtualMachines", lambda: check(cs.listVirtualMachines(id=vm_id), "virtualmachine"))
    step(c, "listNics", lambda: check(cs.listNics(virtualmachineid=vm_id), "nic"))
    step(c, "listVolumes", lambda: check(cs.listVolumes(virtualmachineid=vm_id), "volume"))
    ip = step(c, "associateIpAddress",
              lambda: check(cs.associateIpAddress(networkid=NETWORK), "ipaddress"))
    ip_id = ip["id"] if ip else None
    fw = step(c, "createFirewallRule", lambda: check(cs.createFirewallRule(
        ipaddressid=ip_id, protocol="tcp", startport=22, endport=22, cidrlist="0.0.0.0/0"),
        "firewallrule"))
    step(c, "listFirewallRules", lambda: check(cs.listFirewallRules(ipaddressid=ip_id), "firewallrule"))
    egress = step(c, "createEgressFirewallRule", lambda: check(cs.createEgressFirewallRule(
        networkid=NETWORK, protocol="tcp", startport=443, endport=443, cidrlist="10.0.0.0/8"),
        "firewallrule"))

    def egress_apart():
        listed = check(cs.listEgressFirewallRules(networkid=NETWORK), "firewallrule")
        assert [r["id"] for r in listed] == [egress["id"]], listed
        ingress = cs.listFirewallRules().get("firewallrule", [])
        assert egress["id"] not in [r["id"] for r in ingress], ingress

    step(c, "listEgressFirewallRules (apart from ingress)", egress_apart)
    pf = step(c, "createPortForwardingRule", lambda: check(cs.createPortForwardingRule(
        ipaddressid=ip_id, privateport=22, publicport=2222, protocol="tcp",
        virtualmachineid=vm_id), "portforwardingrule"))
    step(c, "listPortForwardingRules",
         lambda: check(cs.listPortForwardingRules(ipaddressid=ip_id), "portforwardingrule"))
    offerings = step(c, "listDiskOfferings", lambda: check(cs.listDiskOfferings(), "diskoffering"))
    volume = step(c, "createVolume", lambda: check(cs.createVolume(
        name="cs-data", zoneid=ZONE, diskofferingid=offerings[0]["id"]), "volume"))
    volume_id = volume["id"] if volume else None
    step(c, "attachVolume", lambda: check(
        cs.attachVolume(id=volume_id, virtualmachineid=vm_id), "volume"))
    step(c, "detachVolume", lambda: check(cs.detachVolume(id=volume_id), "volume"))
    step(c, "deleteVolume", lambda: cs.deleteVolume(id=volume_id))
    step(c, "createTags", lambda: cs.createTags(
        resourceids=vm_id, resourcetype="UserVm", tags=[{"key": "env", "value": "interop"}]))
    step(c, "listTags", lambda: check(cs.listTags(resourceid=vm_id), "tag"))
    step(c, "listVirtualMachines by tag", lambda: check(cs.listVirtualMachines(
        tags=[{"key": "env", "value": "interop"}]), "virtualmachine"))
    step(c, "deleteTags", lambda: cs.deleteTags(
        resourceids=vm_id, resourcetype="UserVm", tags=[{"key": "env"}]))
    if pf:
        step(c, "deletePortForwardingRule", lambda: cs.deletePortForwardingRule(id=pf["id"]))
    if fw:
        step(c, "deleteFirewallRule", lambda: cs.deleteFirewallRule(id=fw["id"]))
    if egress:
        step(c, "deleteEgressFirewallRule", lambda: cs.deleteEgressFirewallRule(id=egress["id"]))
    step(c, "enableStaticNat",
         lambda: cs.enableStaticNat(ipaddressid=ip_id, virtualmachineid=vm_id))
    nat = step(c, "createIpForwardingRule", lambda: check(cs.createIpForwardingRule(
        ipaddressid=ip_id, protocol="tcp", startport=80, endport=80), "ipforwardingrule"))
    step(c, "listIpForwardingRules",
         lambda: check(cs.listIpForwardingRules(ipaddressid=ip_id), "ipforwardingrule"))
    if nat:
        step(c, "deleteIpForwardingRule", lambda: cs.deleteIpForwardingRule(id=nat["id"]))
    step(c, "disableStaticNat", lambda: cs.disableStaticNat(ipaddressid=ip_id))
    step(c, "disassociateIpAddress", lambda: cs.disassociateIpAddress(id=ip_id))
    step(c, "stopVirtualMachine", lambda: check(cs.stopVirtualMachine(id=vm_id), "virtualmachine"))
    step(c, "destroyVirtualMachine",
         lambda: cs.destroyVirtualMachine(id=vm_id, expunge=True))
    step(c, "deleteSSHKeyPair", lambda: cs.deleteSSHKeyPair(name="cs-key"))


def run_libcloud():
    from libcloud.compute.providers import get_driver
    from libcloud.compute.types import Provider

    url = urlparse(ENDPOINT)
    Driver = get_driver(Provider.CLOUDSTACK)
    d = Driver(KEY, SECRET, secure=False, host=url.hostname, port=url.port, path=url.path)
    d.async_poll_frequency = 0.05
    c = "libcloud"
    locations = step(c, "list_locations", d.list_locations)
    sizes = step(c, "list_sizes", d.list_sizes)
    images = step(c, "list_images", d.list_images)
    step(c, "create_key_pair", lambda: d.create_key_pair("lc-key"))
    step(c, "import_key_pair_from_string",
         lambda: d.import_key_pair_from_string("lc-imported", PUBLIC_KEY_2))
    step(c, "list_key_pairs", d.list_key_pairs)
    step(c, "get_key_pair", lambda: d.get_key_pair("lc-key"))
    size = next(s for s in sizes if s.name == "m1.small") if sizes else None
    image = next(i for i in images if i.id == TEMPLATE) if images else None
    location = next(l for l in locations if l.id == ZONE) if locations else None
    node = step(c, "create_node", lambda: d.create_node(
        name="lc-vm", size=size, image=image, location=location, ex_keyname="lc-key",
        ex_start_vm=True))
    step(c, "list_nodes", lambda: [n for n in d.list_nodes() if n.name == "lc-vm"][0])
    ip = step(c, "ex_allocate_public_ip", lambda: d.ex_allocate_public_ip(location=location))
    step(c, "ex_list_public_ips", d.ex_list_public_ips)
    step(c, "ex_create_firewall_rule", lambda: d.ex_create_firewall_rule(
        address=ip, cidr_list="0.0.0.0/0", protocol="TCP", start_port=22, end_port=22))
    step(c, "ex_list_firewall_rules", d.ex_list_firewall_rules)
    rule = step(c, "ex_create_port_forwarding_rule", lambda: d.ex_create_port_forwarding_rule(
        node=node, address=ip, private_port=22, public_port=2222, protocol="TCP"))
    step(c, "ex_list_port_forwarding_rules", d.ex_list_port_forwarding_rules)
    volume = step(c, "create_volume", lambda: d.create_volume(
        size=5, name="lc-data", location=location))
    step(c, "attach_volume", lambda: d.attach_volume(node=node, volume=volume))
    step(c, "list_volumes", d.list_volumes)
    step(c, "detach_volume", lambda: d.detach_volume(volume=volume))
    step(c, "destroy_volume", lambda: d.destroy_volume(volume=volume))
    step(c, "ex_create_tags",
         lambda: d.ex_create_tags([node.id], "UserVm", {"env": "interop"}))
    step(c, "ex_delete_tags", lambda: d.ex_delete_tags([node.id], "UserVm", ["env"]))
    step(c, "reboot_node", lambda: d.reboot_node(node))
    if rule:
        step(c, "ex_delete_port_forwarding_rule",
             lambda: d.ex_delete_port_forwarding_rule(node=node, rule=rule))
    step(c, "ex_release_public_ip", lambda: d.ex_release_public_ip(ip))
    step(c, "destroy_node", lambda: d.destroy_node(node, ex_expunge=True))
    step(c, "delete_key_pair", lambda: d.delete_key_pair(d.get_key_pair("lc-key")))


for client in WHICH:
    {"cs": run_cs, "libcloud": run_libcloud}[client]()
sys.exit(min(failures, 100))
