#!/usr/bin/env python3
"""The SMPP server path end to end: a customer's client on the npm `smpp`
package (bench/smpp_client.js) binds to Ujumbe's SMPP server
(UJUMBE_SMPP_LISTEN) with an SMPP account and submits MESSAGES messages
with receipts asked for; Ujumbe accepts each (the accept path, one commit
per batch), sends it over an SMPP gateway to the npm SMSC simulator
(tests/interop/smsc.js), records the simulator's receipt and sends the
customer its own receipt as a deliver_sm. Timed from the bind to the last
receipt the customer gets (and, separately, to the last submit_sm_resp).
Each case runs RUNS times; the median is printed as a Markdown table.
SQLite by default, PostgreSQL when UJUMBE_BENCH_PG_URL names a server.
"""
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from benchlib import call, start_server
from messaging_bench import ROOT, setup, start_smsc

RUNS = int(os.environ.get("RUNS", "3"))
MESSAGES = int(os.environ.get("MESSAGES", "50000"))
# The customer's side: binds, and submits outstanding per bind.
CLIENT_WINDOW = int(os.environ.get("CLIENT_WINDOW", "500"))
CLIENT_BINDS = int(os.environ.get("CLIENT_BINDS", "2"))


def smpp_port(tmp):
    path = os.path.join(tmp, "data", "smpp.addr")
    for _ in range(100):
        if os.path.exists(path) and open(path).read().strip():
            return int(open(path).read().strip().rsplit(":", 1)[1])
        time.sleep(0.05)
    raise SystemExit("the server wrote no smpp.addr")


def one_run(pg_url):
    tmp = tempfile.mkdtemp(prefix="ujumbe-bench-smpp-")
    smsc, smsc_port = start_smsc()
    proc, base = start_server(tmp, pg_url, {"UJUMBE_SMPP_LISTEN": "127.0.0.1:0"})
    try:
        auth = setup(base, smsc_port)
        account = call(base, "POST", "/api/v1/smpp-accounts",
                       {"system_id": "bench", "throughput": 10000}, auth)
        node = shutil.which("node") or shutil.which("nodejs")
        out = subprocess.run([node, os.path.join(ROOT, "bench", "smpp_client.js"),
                              str(smpp_port(tmp)), str(MESSAGES), str(CLIENT_WINDOW),
                              str(CLIENT_BINDS), "bench", account["password"]],
                             capture_output=True, check=True, timeout=1800)
        result = json.loads(out.stdout.decode().strip().splitlines()[-1])
        if result["refused"]:
            raise SystemExit("submits refused: %r" % result)
        return result
    finally:
        proc.terminate()
        proc.wait(30)
        smsc.terminate()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    engine = "PostgreSQL" if pg_url else "SQLite"
    runs = [one_run(pg_url) for _ in range(RUNS)]
    med = statistics.median
    print(f"\n### SMPP server, {engine} ({MESSAGES} messages, customer window {CLIENT_WINDOW} "
          f"x {CLIENT_BINDS} binds, median of {RUNS})\n")
    print("| case | figure |")
    print("| --- | ---: |")
    print(f"| submit_sm -> accept -> SMPP upstream -> receipt -> customer's deliver_sm | "
          f"{med(r['per_second'] for r in runs):,.0f} msg/s |")
    print(f"| submit_sm answered (committed) | "
          f"{med(r['answered_per_second'] for r in runs):,.0f} msg/s |")
    print("\nruns (end to end msg/s): " + ", ".join(f"{r['per_second']:,}" for r in runs))


if __name__ == "__main__":
    main()
