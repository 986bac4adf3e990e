"""The Python `cs` client doing what bench/listzones_2000.rhai does: N
sequential listZones calls, timed after one untimed call.

    python cs_listzones.py ENDPOINT [N]

Prints `cs n=N total_s=T per_call_us=U`. Key and secret come from
$CLOUDSTACK_KEY and $CLOUDSTACK_SECRET (the simulator's demo pair by default).
"""

import os
import sys
import time

from cs import CloudStack


def main():
    endpoint = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    client = CloudStack(
        endpoint=endpoint,
        key=os.environ.get("CLOUDSTACK_KEY", "csctl-demo-api-key"),
        secret=os.environ.get("CLOUDSTACK_SECRET", "csctl-demo-secret-key"),
    )
    client.listZones()
    started = time.perf_counter()
    for _ in range(n):
        client.listZones()
    total = time.perf_counter() - started
    print(f"cs n={n} total_s={total:.6f} per_call_us={total * 1e6 / n:.3f}")


if __name__ == "__main__":
    main()
