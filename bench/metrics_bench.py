#!/usr/bin/env python3
"""How long a /metrics scrape takes (docs/metrics.md).

Starts the real ujumbe binary on a throwaway database (SQLite, or
PostgreSQL when UJUMBE_BENCH_PG_URL names a server) with the sandbox
gateway, fills the families with traffic first (SENDS single sends, default
2,000, and a GET of every message, so every route template and status the
traffic has carries its series), then scrapes SCRAPES times (default 300)
one after another over one connection and reports the scrape's p50/p99
latency and the exposition's size.
"""
import http.client
import json
import os
import shutil
import sys
import tempfile
import time

from benchlib import register_account, start_server

SENDS = int(os.environ.get("SENDS", "2000"))
SCRAPES = int(os.environ.get("SCRAPES", "300"))


def main():
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    tmp = tempfile.mkdtemp(prefix="ujumbe-metrics-bench-")
    proc, base = start_server(tmp, pg_url, {"UJUMBE_SANDBOX_GATEWAY": "true"})
    try:
        auth = register_account(base)
        host, port = base.split("//")[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        headers = dict(auth, **{"Content-Type": "application/json"})
        for i in range(SENDS):
            conn.request("POST", "/api/v1/messages", headers=headers,
                         body=json.dumps({"to": "+2557%08d" % (12000000 + i), "body": "Habari"}))
            resp = conn.getresponse()
            sent = json.loads(resp.read())
            if resp.status != 201:
                sys.exit("send answered %d: %r" % (resp.status, sent))
            conn.request("GET", "/api/v1/messages/" + sent["data"]["id"], headers=auth)
            conn.getresponse().read()
        times, size = [], 0
        for _ in range(SCRAPES):
            started = time.monotonic()
            conn.request("GET", "/metrics")
            resp = conn.getresponse()
            body = resp.read()
            times.append(time.monotonic() - started)
            if resp.status != 200:
                sys.exit("scrape answered %d" % resp.status)
            size = len(body)
        times.sort()
        print("engine=%s scrapes=%d p50 %.2f ms p99 %.2f ms size %d bytes (%d lines)" % (
            "postgres" if pg_url else "sqlite", SCRAPES, times[len(times) // 2] * 1000,
            times[int(len(times) * 0.99)] * 1000, size, body.count(b"\n")))
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
