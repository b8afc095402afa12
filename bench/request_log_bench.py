#!/usr/bin/env python3
"""The cost of the API request log on the cheapest signed-in request
(docs/analytics.md): GET /api/v1/auth/me with a Bearer JWT under wrk, with
the log on (UJUMBE_REQUEST_LOG_DAYS=30, every request a line) and off (0),
on a throwaway database (SQLite, or PostgreSQL when UJUMBE_BENCH_PG_URL
names a server). The two servers take turns, RUNS rounds each; the table
gives the median requests/s, latency and the server's CPU per request, and
how many lines the log wrote.

    RUNS=5 DURATION=10s python3 bench/request_log_bench.py
"""
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import call, register_account, start_server
from identity_bench import CONNECTIONS, DURATION, RUNS, THREADS, wrk
from audit_bench import cpu_seconds


def lines_written(tmp, pg_url, db_url):
    sql = "SELECT count(*) FROM api_requests"
    if pg_url:
        out = subprocess.run(["psql", db_url, "-tAc", sql], capture_output=True, text=True)
        return int(out.stdout.strip() or 0)
    out = subprocess.run(["sqlite3", os.path.join(tmp, "data", "ujumbe.db"), sql],
                         capture_output=True, text=True)
    return int(out.stdout.strip() or 0) if out.returncode == 0 else -1


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (scripts/install-deps.sh installs it)")
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    servers = {}
    try:
        for on in (True, False):
            tmp = tempfile.mkdtemp(prefix="ujumbe-request-log-bench-")
            proc, base = start_server(tmp, pg_url,
                                      {"UJUMBE_REQUEST_LOG_DAYS": "30" if on else "0"})
            auth = register_account(base)
            db_url = None
            if pg_url:
                with open("/proc/%d/environ" % proc.pid, "rb") as f:
                    env = dict(e.split(b"=", 1) for e in f.read().split(b"\0") if b"=" in e)
                db_url = env[b"UJUMBE_DATABASE_URL"].decode()
            servers[on] = (tmp, proc, base, auth, db_url)
        results = {True: [], False: []}
        for _ in range(RUNS):
            for on in (True, False):
                tmp, proc, base, auth, _ = servers[on]
                cpu = cpu_seconds(proc.pid)
                rps, p50, p99, bad = wrk(base + "/api/v1/auth/me",
                                         ["Authorization: " + auth["Authorization"]])
                used = cpu_seconds(proc.pid) - cpu
                seconds = float(DURATION.rstrip("s"))
                results[on].append((rps, p50, p99, used / (rps * seconds) * 1e6, bad))
        engine = "PostgreSQL" if pg_url else "SQLite"
        print("\nengine: %s; wrk -t%d -c%d -d%s; median of %d runs each, taking turns\n"
              % (engine, THREADS, CONNECTIONS, DURATION, RUNS))
        print("| request log | requests/s | p50 ms | p99 ms | server CPU µs/request |")
        print("| --- | ---: | ---: | ---: | ---: |")
        med = {}
        for on in (True, False):
            rows = results[on]
            med[on] = [statistics.median(r[i] for r in rows) for i in range(4)]
            print("| %s | %s | %.2f | %.2f | %.0f |" % ("on" if on else "off",
                                                     format(round(med[on][0]), ","),
                                                     med[on][1], med[on][2], med[on][3]))
        print("\n- throughput with the log: %+.1f%%; CPU per request: %+.1f%%"
              % ((med[True][0] / med[False][0] - 1) * 100,
                 (med[True][3] / med[False][3] - 1) * 100))
        time.sleep(1)
        tmp, proc, base, auth, db_url = servers[True]
        print("- lines written by the log: %d" % lines_written(tmp, pg_url, db_url))
    finally:
        for tmp, proc, *_ in servers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
