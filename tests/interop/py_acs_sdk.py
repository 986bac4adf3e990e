"""py-acs-sdk (PyPI `py-acs-sdk`, Python >= 3.12) against csctl sim: its
typed services run the usual workflow (key pair, VM with its job polled,
firewall and egress rules, port forwarding, volumes, tags, clean-up).

    python py_acs_sdk.py ENDPOINT KEY SECRET

Prints one PASS/FAIL line per step. Requests are built from each service
method's own request model (its `payload` annotation), as users write them.
"""

import inspect
import sys
import time

from acs_sdk import ApacheCloudStack, ApacheCloudStackConfig

ZONE = "a4e9c8f0-4b1e-4c3a-9d2f-6b7e1f0c2d31"
TEMPLATE = "6d5b069b-4268-4c7c-810f-2793c2ac44fb"
OFFERING = "c6b89fea-1242-4f54-b15e-9d8ec8a0b7e8"
NETWORK = "3f9c2b1a-7d4e-4f8a-b6c5-1e2d3c4b5a60"
PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0e3xzdXd2eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+Q acs@interop"
)

endpoint, key, secret = sys.argv[1:4]
acs = ApacheCloudStack(
    ApacheCloudStackConfig(api_endpoint=endpoint, api_key=key, api_secret=secret)
)
failed = False


def call(service, method, **fields):
    """The service method with its request model built from `fields`; the
    answer's data, the job's result for async commands."""
    function = getattr(getattr(acs, service), method)
    model = inspect.signature(function).parameters["payload"].annotation
    data = function(model(**fields)).data
    if isinstance(data, dict) and "jobid" in data and len(data) <= 2:
        polled = acs.job.poll(data["jobid"], sleep_func=lambda _: time.sleep(0.05))
        if polled.data["status"] != 1:
            raise RuntimeError(f"job failed: {polled.data['error']}")
        data = polled.data["result"]
    return data


def step(label, service, method, check=None, **fields):
    global failed
    try:
        data = call(service, method, **fields)
        if check is not None and not check(data):
            raise AssertionError(f"unexpected answer: {str(data)[:300]}")
        print(f"PASS py-acs-sdk {label}", flush=True)
        return data
    except Exception as error:  # one line per failed step, the run goes on
        failed = True
        print(f"FAIL py-acs-sdk {label}: {type(error).__name__}: {str(error)[:300]}", flush=True)
        return None


def first(data, key):
    """The first object under `key` of an answer (list or object)."""
    if isinstance(data, list):
        return data[0] if data else {}
    if isinstance(data, dict):
        value = data.get(key, data)
        return value[0] if isinstance(value, list) and value else value
    return {}


step("list zones", "zone", "list", lambda d: any(z["id"] == ZONE for z in d))
step("list templates", "template", "list", lambda d: len(d) > 0, templatefilter="featured")
step("list service offerings", "serviceoffering", "list", lambda d: len(d) > 0)
step("register key pair", "ssh", "register_ssh_key_pair", name="acs-key", publickey=PUBLIC_KEY)
step("list key pairs", "ssh", "list_ssh_key_pairs", lambda d: len(d) == 1, name="acs-key")
vm = first(step("deploy VM", "vm", "deploy_vm", zoneid=ZONE, templateid=TEMPLATE,
                serviceofferingid=OFFERING, networkids=[NETWORK], name="acs-vm",
                keypair="acs-key"), "virtualmachine")
vm_id = vm.get("id", "")
step("list VMs", "vm", "list", lambda d: d[0]["state"] == "Running", id=vm_id)
ip = first(step("associate IP", "address", "associate_ip_address", networkid=NETWORK),
           "ipaddress")
ip_id = ip.get("id", "")
fw = first(step("create firewall rule", "firewall", "create_firewall_rule", ipaddressid=ip_id,
                protocol="tcp", startport=22, endport=22, cidrlist="0.0.0.0/0"),
           "firewallrule")
egress = first(step("create egress rule", "firewall", "create_egress_firewall_rule",
                    networkid=NETWORK, protocol="tcp", startport=80, endport=80,
                    cidrlist="10.0.0.0/8"), "firewallrule")
step("list firewall rules", "firewall", "list_firewall_rules",
     lambda d: [r["id"] for r in d] == [fw.get("id")], ipaddressid=ip_id)
step("list egress rules", "firewall", "list_egress_firewall_rules",
     lambda d: [r["id"] for r in d] == [egress.get("id")], networkid=NETWORK)
pf = first(step("create port forwarding", "firewall", "create_port_forwarding_rule",
                ipaddressid=ip_id, protocol="tcp", privateport=22, publicport=2222,
                virtualmachineid=vm_id), "portforwardingrule")
step("list port forwarding", "firewall", "list_port_forwarding_rules", lambda d: len(d) == 1,
     ipaddressid=ip_id)
disk = first(step("list disk offerings", "diskoffering", "list", lambda d: len(d) > 0),
             "diskoffering")
volume = first(step("create volume", "volume", "create_volume", name="acs-data", zoneid=ZONE,
                    diskofferingid=disk.get("id")), "volume")
step("attach volume", "volume", "attach_volume", id=volume.get("id"), virtualmachineid=vm_id)
step("detach volume", "volume", "detach_volume", id=volume.get("id"))
step("delete volume", "volume", "delete_volume", id=volume.get("id"))
step("create tags", "tag", "create", resourcetype="UserVm", resourceids=[vm_id],
     tags={"env": "acs"})
step("list tags", "tag", "list", lambda d: d[0]["value"] == "acs", resourceid=vm_id)
step("delete tags", "tag", "delete", resourcetype="UserVm", resourceids=[vm_id],
     tags={"env": "acs"})
step("delete port forwarding", "firewall", "delete_port_forwarding_rule", id=pf.get("id"))
step("delete egress rule", "firewall", "delete_egress_firewall_rule", id=egress.get("id"))
step("delete firewall rule", "firewall", "delete_firewall_rule", id=fw.get("id"))
step("disassociate IP", "address", "disassociate_ip_address", id=ip_id)
step("stop VM", "vm", "stop_vm", id=vm_id)
step("destroy VM", "vm", "destroy_vm", id=vm_id, expunge=True)
step("delete key pair", "ssh", "delete_ssh_key_pair", name="acs-key")
sys.exit(1 if failed else 0)
