#!/usr/bin/env python3
"""End-to-end HTTP benchmark of the identity hot paths with wrk.

Starts the real ujumbe binary on a throwaway database (SQLite by default,
PostgreSQL when UJUMBE_BENCH_PG_URL names a server), creates an account, a
JWT and an API key, then runs wrk against:
  GET  /api/v1/auth/me   with a Bearer JWT
  GET  /api/v1/auth/me   with an API key
  POST /api/v1/auth/login
Each case runs RUNS times; the median requests/s and latency percentiles are
printed as a Markdown table.
"""
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import uuid

from benchlib import call, start_server, to_ms

RUNS = int(os.environ.get("RUNS", "3"))
DURATION = os.environ.get("DURATION", "10s")
CONNECTIONS = int(os.environ.get("CONNECTIONS", "64"))
THREADS = int(os.environ.get("WRK_THREADS", "2"))


def wrk(url, headers=(), script=None):
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {p: to_ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, pct.get("50"), pct.get("99"), int(non2xx.group(1)) if non2xx else 0


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (scripts/install-deps.sh installs it)")
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    tmp = tempfile.mkdtemp(prefix="ujumbe-bench-")
    proc, base = start_server(tmp, pg_url)
    try:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        password = "bench-password-123"
        auth = call(base, "POST", "/api/v1/auth/register",
                    {"account_name": "Bench", "name": "Bench", "email": email, "password": password})
        jwt = auth["access"]
        key = call(base, "POST", "/api/v1/api-keys", {"name": "bench"},
                   {"Authorization": "Bearer " + jwt})["key"]
        login_lua = os.path.join(tmp, "login.lua")
        with open(login_lua, "w") as f:
            body = json.dumps({"email": email, "password": password}).replace('"', '\\"')
            f.write('wrk.method = "POST"\n'
                    'wrk.headers["Content-Type"] = "application/json"\n'
                    f'wrk.body = "{body}"\n')
        cases = [
            ("GET /api/v1/auth/me (Bearer JWT)", base + "/api/v1/auth/me",
             ["Authorization: Bearer " + jwt], None),
            ("GET /api/v1/auth/me (ApiKey)", base + "/api/v1/auth/me",
             ["Authorization: ApiKey " + key], None),
            ("POST /api/v1/auth/login", base + "/api/v1/auth/login", [], login_lua),
        ]
        engine = "PostgreSQL" if pg_url else "SQLite"
        print(f"\nengine: {engine}; wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}; "
              f"median of {RUNS} runs\n")
        print("| case | requests/s | p50 ms | p99 ms | non-2xx |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, url, headers, script in cases:
            runs = [wrk(url, headers, script) for _ in range(RUNS)]
            med = lambda i: statistics.median(r[i] for r in runs)
            print(f"| {name} | {med(0):,.0f} | {med(1):.2f} | {med(2):.2f} | {max(r[3] for r in runs)} |")
            sys.stdout.flush()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
