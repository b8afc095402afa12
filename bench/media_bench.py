#!/usr/bin/env python3
"""Media uploads and signed reads one request at a time (docs/api-media.md).

Starts the real ujumbe binary on a throwaway database (SQLite, or PostgreSQL
when UJUMBE_BENCH_PG_URL names a server), registers an account, then on one
keep-alive connection: COUNT uploads of SIZE bytes (a JPEG each, all
different, as the body with image/jpeg), then a GET of each one's signed URL.
Per operation: requests a second and p50/p99 ms. RUNS runs (default 3), the
median printed as Markdown.
"""
import http.client
import os
import shutil
import statistics
import sys
import tempfile
import time

from benchlib import register_account, start_server

RUNS = int(os.environ.get("RUNS", "3"))
COUNT = int(os.environ.get("COUNT", "300"))
SIZE = int(os.environ.get("SIZE", str(100 * 1024)))


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def one_run(base, auth):
    host, port = base.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    urls, up, down = [], [], []
    start = time.perf_counter()
    for i in range(COUNT):
        body = b"\xff\xd8\xff\xe0" + os.urandom(SIZE - 4)
        t = time.perf_counter()
        conn.request("POST", "/api/v1/media?filename=p%d.jpg" % i, body=body,
                     headers=dict(auth, **{"Content-Type": "image/jpeg"}))
        resp = conn.getresponse()
        data = resp.read()
        up.append(time.perf_counter() - t)
        if resp.status != 201:
            sys.exit("upload answered %d: %r" % (resp.status, data[:200]))
        urls.append(__import__("json").loads(data)["data"]["url"])
    up_rate = COUNT / (time.perf_counter() - start)
    start = time.perf_counter()
    for url in urls:
        t = time.perf_counter()
        conn.request("GET", url)
        resp = conn.getresponse()
        got = resp.read()
        down.append(time.perf_counter() - t)
        if resp.status != 200 or len(got) != SIZE:
            sys.exit("signed GET answered %d with %d bytes" % (resp.status, len(got)))
    down_rate = COUNT / (time.perf_counter() - start)
    conn.close()
    return (up_rate, pct(up, 0.5), pct(up, 0.99), down_rate, pct(down, 0.5), pct(down, 0.99))


def main():
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    tmp = tempfile.mkdtemp(prefix="ujumbe-media-bench-")
    # Room for every run's files in one account.
    proc, base = start_server(tmp, pg_url, {
        "UJUMBE_MEDIA_ACCOUNT_BYTES": str(RUNS * COUNT * SIZE * 2)})
    try:
        auth = register_account(base)
        runs = []
        for n in range(RUNS):
            r = one_run(base, auth)
            print(f"run {n + 1}: upload {r[0]:,.0f}/s p50 {r[1]:.2f} p99 {r[2]:.2f} ms; "
                  f"signed GET {r[3]:,.0f}/s p50 {r[4]:.2f} p99 {r[5]:.2f} ms", flush=True)
            runs.append(r)
        med = lambda i: statistics.median(r[i] for r in runs)  # noqa: E731
        engine = "PostgreSQL" if pg_url else "SQLite"
        print(f"\nengine: {engine}; {COUNT} files of {SIZE // 1024} KB one at a time; "
              f"median of {RUNS} runs\n")
        print("| one request at a time | per second | p50 / p99 ms |")
        print("| --- | ---: | ---: |")
        print(f"| POST /media | {med(0):,.0f} | {med(1):.2f} / {med(2):.2f} |")
        print(f"| GET signed URL | {med(3):,.0f} | {med(4):.2f} / {med(5):.2f} |")
    finally:
        proc.terminate()
        proc.wait(30)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
