#!/usr/bin/env python3
"""Meta's webhook deliveries into a WhatsApp channel (docs/api-whatsapp.md).

Starts the real ujumbe binary on a throwaway database (SQLite, or PostgreSQL
when UJUMBE_BENCH_PG_URL names a server) and the tests' Graph API simulator,
connects a channel, then:
  - ingestion: wrk posts signed deliveries (each one inbound text message
    with its own wamid, prepared and signed beforehand) for DURATION with
    CONNECTIONS keep-alive connections: deliveries accepted per second and
    the answer's p50/p99 (each is stored before it is answered);
  - processing: from the end of the load until nothing waits, deliveries
    processed per second into inbound messages.
RUNS runs (default 3), the median printed as Markdown, each run on the
same server.
"""
import hashlib
import hmac
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

from benchlib import call, connect_whatsapp, register_account, start_server, to_ms

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from graph_simulator import GraphSimulator  # noqa: E402

RUNS = int(os.environ.get("RUNS", "3"))
DURATION = os.environ.get("DURATION", "10s")
CONNECTIONS = int(os.environ.get("CONNECTIONS", "32"))
THREADS = int(os.environ.get("WRK_THREADS", "2"))
PREPARED = int(os.environ.get("PREPARED", "120000"))  # distinct deliveries per run, at most

LUA = r"""
local requests = {}
local n = 0
init = function(args)
  local path = args[1]
  for line in io.lines(args[2]) do
    local signature, body = line:match("^(%S+)\t(.*)$")
    n = n + 1
    requests[n] = wrk.format("POST", path, {["Content-Type"] = "application/json",
                                            ["X-Hub-Signature-256"] = signature}, body)
  end
  -- each thread takes every THREADS-th delivery, so none is sent twice
  i = tonumber(args[3])
  step = tonumber(args[4])
end
request = function()
  local r = requests[i]
  i = i + step
  if i > n then i = ((i - 1) % step) + 1 end
  return r
end
"""


def prepare(path, phone_number_id, app_secret, run):
    with open(path, "w") as f:
        for k in range(PREPARED):
            body = json.dumps({"object": "whatsapp_business_account", "entry": [{
                "id": "102290129340398", "changes": [{"field": "messages", "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "255713000001",
                                 "phone_number_id": phone_number_id},
                    "contacts": [{"wa_id": "2557130%05d" % (k % 100000),
                                  "profile": {"name": "Customer %d" % k}}],
                    "messages": [{"from": "2557130%05d" % (k % 100000),
                                  "id": "wamid.run%d.%d" % (run, k),
                                  "timestamp": str(int(time.time())), "type": "text",
                                  "text": {"body": "Habari, order %d iko wapi?" % k}}]}}]}]},
                separators=(",", ":"))
            sig = hmac.new(app_secret.encode(), body.encode(), hashlib.sha256).hexdigest()
            f.write("sha256=%s\t%s\n" % (sig, body))


def wrk(url, path, lines, script):
    # One wrk thread per offset: thread t sends lines t, t+THREADS, ...
    threads = [subprocess.Popen(
        ["wrk", "-t1", f"-c{max(1, CONNECTIONS // THREADS)}", f"-d{DURATION}", "--latency",
         "-s", script, url, "--", path, lines, str(t + 1), str(THREADS)],
        stdout=subprocess.PIPE, text=True) for t in range(THREADS)]
    rps, p50, p99, non2xx = 0.0, [], [], 0
    for p in threads:
        out = p.communicate()[0]
        rps += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        pct = {k: to_ms(v) for k, v in re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
        p50.append(pct["50"])
        p99.append(pct["99"])
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        non2xx += int(m.group(1)) if m else 0
    return rps, max(p50), max(p99), non2xx


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (scripts/install-deps.sh installs it)")
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    graph = GraphSimulator().start()
    phone_number_id, token = "106540352242922", "EAAG" + uuid.uuid4().hex * 2
    graph.add_number(phone_number_id, token)
    tmp = tempfile.mkdtemp(prefix="ujumbe-bench-whatsapp-")
    proc, base = start_server(tmp, pg_url, {"UJUMBE_WHATSAPP_GRAPH_URL": graph.url})
    try:
        auth = register_account(base)
        app_secret = "app-" + uuid.uuid4().hex
        channel = connect_whatsapp(base, auth, phone_number_id, token, app_secret)
        script = os.path.join(tmp, "deliveries.lua")
        with open(script, "w") as f:
            f.write(LUA)
        runs = []
        for run in range(RUNS):
            lines = os.path.join(tmp, "deliveries-%d.txt" % run)
            prepare(lines, phone_number_id, app_secret, run)
            before = call(base, "GET", "/api/v1/channels/whatsapp/webhook-events?page_size=1",
                          None, auth)["count"]
            rps, p50, p99, non2xx = wrk(base + channel["webhook_path"], channel["webhook_path"],
                                        lines, script)
            t0 = time.perf_counter()
            while call(base, "GET", "/api/v1/channels/whatsapp", None,
                       auth)["webhook_events_waiting"] > 0:
                time.sleep(0.05)
            drained = time.perf_counter() - t0
            stored = call(base, "GET", "/api/v1/channels/whatsapp/webhook-events?page_size=1",
                          None, auth)["count"] - before
            runs.append((rps, p50, p99, non2xx, stored, drained))
            print(f"run {run + 1}: {rps:,.0f} deliveries/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
                  f"{stored:,} stored, waiting drained {drained:.1f} s after the load",
                  file=sys.stderr)
        med = lambda i: statistics.median(r[i] for r in runs)
        engine = "PostgreSQL" if pg_url else "SQLite"
        print(f"\nengine: {engine}; wrk {THREADS} x {CONNECTIONS // THREADS} connections "
              f"for {DURATION}; median of {RUNS} runs\n")
        print("| deliveries (one inbound text each) | value |")
        print("| --- | ---: |")
        print(f"| accepted (signed, stored, answered) per second | {med(0):,.0f} |")
        print(f"| answer p50 / p99 ms | {med(1):.2f} / {med(2):.2f} |")
        print(f"| non-2xx answers | {max(r[3] for r in runs)} |")
        print(f"| stored per run | {med(4):,.0f} |")
        print(f"| still waiting when the load ended, drained in s | {med(5):.1f} |")
        seconds = float(DURATION.rstrip("s"))
        processed = statistics.median(r[4] / (seconds + r[5]) for r in runs)
        print(f"| processed into inbound messages per second (load and drain) | "
              f"{processed:,.0f} |")
    finally:
        proc.terminate()
        proc.wait(30)
        graph.stop()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
