#!/usr/bin/env python3
"""The cost of the audit log on a write-heavy admin endpoint
(docs/audit-log.md).

Starts the real ujumbe binary on a throwaway database (SQLite, or
PostgreSQL when UJUMBE_BENCH_PG_URL names a server) twice, with the audit
log on and off (UJUMBE_AUDIT_LOG), and each time sends UPDATES (default
5,000) audited changes from CLIENTS
processes (default 4), one request at a time each: updates a second,
p50/p99 ms and the server's CPU per update, and the differences. The
change is ENDPOINT: `account` (the default), PUT /accounts/current (the
account is read through its GET before, and an entry appended after);
`topup`, the platform admin's POST /wallet/topups to one account (a
create: nothing to read before). On two
cores the Python clients take much of the CPU, so the rate moves with them
from run to run; the server's CPU per update is the steadier figure.
"""
import http.client
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time

from benchlib import call, register_account, start_server

UPDATES = int(os.environ.get("UPDATES", "5000"))
CLIENTS = int(os.environ.get("CLIENTS", "4"))
# account: PUT /accounts/current (read before, diffed); topup: the platform
# admin's POST /wallet/topups to the account (a ledger entry and a balance).
ENDPOINT = os.environ.get("ENDPOINT", "account")


def update(args):
    base, auth, count, worker, account_id = args
    host, port = base.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    latencies = []
    for i in range(count):
        if ENDPOINT == "topup":
            method, path, expected = "POST", "/api/v1/wallet/topups", 201
            body = json.dumps({"account_id": account_id, "amount": "1.5",
                               "reference": "bench-%d-%d" % (worker, i)})
        else:
            method, path, expected = "PUT", "/api/v1/accounts/current", 200
            body = json.dumps({"business_type": "type-%d-%d" % (worker, i % 7)})
        started = time.monotonic()
        conn.request(method, path, body=body,
                     headers=dict(auth, **{"Content-Type": "application/json"}))
        resp = conn.getresponse()
        payload = resp.read()
        latencies.append(time.monotonic() - started)
        if resp.status != expected:
            sys.exit("%s answered %d: %r" % (path, resp.status, payload[:200]))
    conn.close()
    return latencies


def cpu_seconds(pid):
    """User and system CPU the process has used."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(pg_url, audit):
    tmp = tempfile.mkdtemp(prefix="ujumbe-audit-bench-")
    proc, base = start_server(tmp, pg_url, {"UJUMBE_AUDIT_LOG": "true" if audit else "false"})
    try:
        auth = register_account(base)
        account_id = call(base, "GET", "/api/v1/accounts/current", None, auth)["id"]
        if ENDPOINT == "topup":
            admin = call(base, "POST", "/api/v1/auth/login",
                         {"email": "admin@localhost", "password": "bench-admin-password"})
            auth = {"Authorization": "Bearer " + admin["access"]}
        per = UPDATES // CLIENTS
        cpu = cpu_seconds(proc.pid)
        started = time.monotonic()
        with multiprocessing.Pool(CLIENTS) as pool:
            parts = pool.map(update, [(base, auth, per, w, account_id) for w in range(CLIENTS)])
        elapsed = time.monotonic() - started
        time.sleep(0.2)  # the audit writer's last round
        cpu_ms = (cpu_seconds(proc.pid) - cpu) * 1000
        latencies = sorted(x for part in parts for x in part)
        return (len(latencies) / elapsed, latencies[len(latencies) // 2] * 1000,
                latencies[int(len(latencies) * 0.99)] * 1000, cpu_ms / len(latencies))
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    on = run(pg_url, True)
    off = run(pg_url, False)
    print("endpoint=%s engine=%s audit on: %.0f/s p50 %.2f ms p99 %.2f ms %.3f CPU-ms | off: %.0f/s "
          "p50 %.2f ms p99 %.2f ms %.3f CPU-ms | cost %.1f%% of the rate, %.1f%% more server "
          "CPU per update" % (ENDPOINT, "postgres" if pg_url else "sqlite", *on, *off,
                              (1 - on[0] / off[0]) * 100, (on[3] / off[3] - 1) * 100))


if __name__ == "__main__":
    main()
