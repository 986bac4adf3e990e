#!/usr/bin/env python3
"""Sends WRITES signed state-changing requests, each carrying a parameter
of SIZE bytes, to a running simulator over one keep-alive connection (POST
form bodies), and prints the simulator's resident memory (VmRSS, and the
peak VmHWM) before, every 1,000 writes, and after.

    sim_journal_rss.py ENDPOINT PID [WRITES] [SIZE]

The write is `deleteSSHKeyPair name=none-N note=<SIZE bytes>`: refused (no such key),
so nothing lands in the cloud's state; what can grow is the journal of
state-changing requests, which keeps refused ones too.
"""
import base64
import hashlib
import hmac
import http.client
import sys
import urllib.parse

KEY = "csctl-demo-api-key"
SECRET = "csctl-demo-secret-key"


def rss(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) // 1024
    return fields


def signed_body(params):
    params = dict(params, apikey=KEY, response="json")
    pairs = sorted(params.items(), key=lambda kv: kv[0].lower())
    query = "&".join(
        f"{k}={urllib.parse.quote(str(v), safe='*').replace('+', '%20')}" for k, v in pairs
    )
    digest = hmac.new(SECRET.encode(), query.lower().encode(), hashlib.sha1).digest()
    signature = urllib.parse.quote(base64.b64encode(digest).decode(), safe="")
    return f"{query}&signature={signature}"


def main():
    endpoint, pid = sys.argv[1], int(sys.argv[2])
    writes = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 1 << 20
    url = urllib.parse.urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    # Warm up: the world is built on the first request.
    body = signed_body({"command": "listZones"})
    conn.request("POST", url.path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    conn.getresponse().read()
    print(f"before: {rss(pid)} MiB", flush=True)
    value = "a" * size
    statuses = {}
    for i in range(1, writes + 1):
        body = signed_body({"command": "deleteSSHKeyPair", "name": f"none-{i}", "note": value})
        conn.request("POST", url.path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if i % max(1, writes // 10) == 0:
            print(f"after {i} writes of {size} bytes: {rss(pid)} MiB, statuses {statuses}", flush=True)
    print(f"after: {rss(pid)} MiB", flush=True)


if __name__ == "__main__":
    main()
