#!/usr/bin/env python3
"""Single sends with status webhooks, the workload of a Kannel user: the real
ujumbe binary, one SMPP transceiver (window 1,000) to the npm `smpp` SMSC
simulator (tests/interop/smsc.js) with receipts, and every final status
POSTed to a webhook receiver on loopback. The load and the receiver are one
Node process (bench/webhook_load.js), so request-to-webhook times share a
clock; the client, simulator, receiver (and PostgreSQL) share the cores
with ujumbe.

1. Closed loop: MESSAGES single POST /messages (API key, keep-alive, 32 in
   flight), from the first request to the last final-status webhook; and
   ujumbe's own CPU time per message over that span.
2. Open loop at 500/s and 1,000/s for OPEN_SECONDS: request to final-status
   webhook, p50 / p99.
Each case runs RUNS times on a fresh server; the median is printed as a
Markdown table. SQLite by default, PostgreSQL when UJUMBE_BENCH_PG_URL names
a server.
"""
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile

from benchlib import call, start_server
from messaging_bench import setup as smpp_setup
from messaging_bench import start_smsc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("RUNS", "3"))
MESSAGES = int(os.environ.get("MESSAGES", "20000"))
IN_FLIGHT = int(os.environ.get("IN_FLIGHT", "32"))
OPEN_SECONDS = int(os.environ.get("OPEN_SECONDS", "10"))
# WEBHOOKS=0: no endpoint and no receiver; the figures end with the last
# answer (acceptance alone, for comparison).
WEBHOOKS = os.environ.get("WEBHOOKS", "1") == "1"
# DB_THREADS=n: the server's database threads (its default when unset).
DB_THREADS = os.environ.get("DB_THREADS", "")
# Prefixes on the base rate card, as a platform with a real price list has
# (every send reads the sender's whole card).
RATE_CARD = int(os.environ.get("RATE_CARD", "300"))
OPEN_RATES = [int(r) for r in os.environ.get("OPEN_RATES", "500,1000").split(",") if r]
FINAL = ["message.delivered", "message.undelivered", "message.expired", "message.rejected",
         "message.failed"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_thread(pid):
    """CPU seconds per thread name (the server names its threads)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            fields = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended
        ticks = int(fields[11]) + int(fields[12])
        out[name] = out.get(name, 0) + ticks / os.sysconf("SC_CLK_TCK")
    return out


def postgres_cpu_seconds():
    """CPU seconds of every postgres process on the machine (the benchmark's
    cluster is the only busy one)."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if open(f"/proc/{pid}/comm").read().strip() != "postgres":
                continue
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def setup(base, smsc_port, receiver_port):
    auth = smpp_setup(base, smsc_port, window=1000, binds=1)
    for k in range(RATE_CARD):  # free, so that no wallet runs dry
        call(base, "POST", "/api/v1/rates", {"prefix": str(200 + k), "price": "0"}, auth)
    if receiver_port:
        call(base, "POST", "/api/v1/webhooks",
             {"url": f"http://127.0.0.1:{receiver_port}/hooks", "events": FINAL}, auth)
    return call(base, "POST", "/api/v1/api-keys", {"name": "bench"}, auth)["key"]


def run_load(base, key, messages, mode):
    """The load's figures, with the load process's own CPU seconds."""
    receiver_port = run_load.receiver_port
    load = subprocess.Popen(["node", os.path.join(ROOT, "bench", "webhook_load.js"), base, key,
                             str(receiver_port), str(messages), mode],
                            stdout=subprocess.PIPE, text=True)
    out = load.stdout.read()
    # The child's CPU is readable only until it is reaped: wait without reaping.
    os.waitid(os.P_PID, load.pid, os.WEXITED | os.WNOWAIT)
    load_cpu = cpu_seconds(load.pid)
    load.wait()
    if load.returncode != 0:
        raise RuntimeError(f"webhook_load.js exited {load.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["load_cpu_seconds"] = load_cpu
    return result


def one_run(pg_url, case):
    tmp = tempfile.mkdtemp(prefix="ujumbe-bench-wh-")
    smsc, smsc_port = start_smsc()
    extra = {"UJUMBE_WEBHOOK_ALLOW_PRIVATE": "true"}
    if DB_THREADS:
        extra["UJUMBE_DB_THREADS"] = DB_THREADS
    proc, base = start_server(tmp, pg_url, extra)
    try:
        run_load.receiver_port = free_port() if WEBHOOKS else 0
        key = setup(base, smsc_port, run_load.receiver_port)
        if case == "closed":
            before, threads_before = cpu_seconds(proc.pid), cpu_by_thread(proc.pid)
            pg_before = postgres_cpu_seconds()
            smsc_before = cpu_seconds(smsc.pid)
            result = run_load(base, key, MESSAGES, f"closed:{IN_FLIGHT}")
            result["cpu_ms_per_message"] = (cpu_seconds(proc.pid) - before) * 1000 / MESSAGES
            # What the rest of the machine spent: the load (client and
            # receiver, including its setup-free start) and the simulator.
            result["others_cpu_ms_per_message"] = (
                result["load_cpu_seconds"] + cpu_seconds(smsc.pid) - smsc_before) * 1000 / MESSAGES
            result["pg_cpu_ms_per_message"] = (postgres_cpu_seconds() - pg_before) * 1000 / MESSAGES
            result["threads"] = {
                name: (spent - threads_before.get(name, 0)) * 1000 / MESSAGES
                for name, spent in cpu_by_thread(proc.pid).items()}
            return result
        rate = int(case)
        return run_load(base, key, rate * OPEN_SECONDS, f"open:{rate}")
    finally:
        proc.terminate()
        proc.wait(30)
        smsc.terminate()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    engine = "PostgreSQL" if pg_url else "SQLite"
    med = statistics.median
    closed = [one_run(pg_url, "closed") for _ in range(RUNS)]
    opened = {rate: [one_run(pg_url, str(rate)) for _ in range(RUNS)] for rate in OPEN_RATES}
    print(f"\n### Single sends with status webhooks, {engine} (median of {RUNS})\n")
    print("| case | figure |")
    print("| --- | ---: |")
    print(f"| {MESSAGES:,} single POST /messages, {IN_FLIGHT} in flight, to the last final-"
          f"status webhook | {med(r['per_second'] for r in closed):,.0f} msg/s |")
    print(f"| ujumbe CPU per message, end to end | "
          f"{med(r['cpu_ms_per_message'] for r in closed):.3f} ms |")
    if pg_url:
        print(f"| PostgreSQL's CPU per message, end to end | "
              f"{med(r['pg_cpu_ms_per_message'] for r in closed):.3f} ms |")
    print(f"| load generator, receiver and simulator CPU per message | "
          f"{med(r['others_cpu_ms_per_message'] for r in closed):.3f} ms |")
    print(f"| HTTP answer p50 / p99 | {med(r['http_p50_ms'] for r in closed):.1f} / "
          f"{med(r['http_p99_ms'] for r in closed):.1f} ms |")
    for rate, runs in opened.items():
        print(f"| open loop {rate}/s: request to final-status webhook p50 / p99 | "
              f"{med(r['final_p50_ms'] for r in runs):.1f} / "
              f"{med(r['final_p99_ms'] for r in runs):.1f} ms |")
    names = sorted({n for r in closed for n in r["threads"]},
                   key=lambda n: -med(r["threads"].get(n, 0) for r in closed))
    shares = [f"{n} {med(r['threads'].get(n, 0) for r in closed):.3f}" for n in names
              if med(r["threads"].get(n, 0) for r in closed) >= 0.005]
    print(f"\nujumbe CPU-ms per message by thread (closed loop): {', '.join(shares)}")
    lost = sum(r["accepted"] - r["final"] for r in closed + sum(opened.values(), []))
    refused = sum(r["refused"] for r in closed + sum(opened.values(), []))
    print(f"\nruns (closed loop msg/s): " +
          ", ".join(f"{r['per_second']:,.0f}" for r in closed) +
          f"; accepted without a final webhook: {lost}; refused requests: {refused}")


if __name__ == "__main__":
    main()
