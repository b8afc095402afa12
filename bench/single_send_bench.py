#!/usr/bin/env python3
"""The path users take most: one POST /messages at a time, open loop at
RATE a second for SECONDS (after a 2 s warm-up), 16 keep-alive connections,
the sandbox gateway delivering; a fresh server a run, median of RUNS.

    RATE=500 SECONDS=10 RUNS=3 python3 bench/single_send_bench.py
    UJUMBE_BENCH_PG_URL=postgresql://... python3 bench/single_send_bench.py
"""
import os
import shutil
import statistics
import tempfile

from benchlib import open_loop_sends, start_server
from history_bench import login

RATE = int(os.environ.get("RATE", "500"))
SECONDS = float(os.environ.get("SECONDS", "10"))
RUNS = int(os.environ.get("RUNS", "3"))


def main():
    pg = os.environ.get("UJUMBE_BENCH_PG_URL")
    runs = []
    for _ in range(RUNS):
        tmp = tempfile.mkdtemp(prefix="ujumbe-single-bench-")
        proc, base = start_server(tmp, pg, {"UJUMBE_SANDBOX_GATEWAY": "true"})
        try:
            auth, _ = login(base)
            open_loop_sends(base, auth, RATE, lambda: True, 2)
            runs.append(open_loop_sends(base, auth, RATE, lambda: True, SECONDS))
        finally:
            proc.terminate()
            proc.wait(30)
            shutil.rmtree(tmp, ignore_errors=True)
    med = statistics.median
    print("| %s | %d req/s | %.2f | %.2f | %d |" % (
        "PostgreSQL 15" if pg else "SQLite", med(r[0] for r in runs), med(r[1] for r in runs),
        med(r[2] for r in runs), max(r[3] for r in runs)))


if __name__ == "__main__":
    main()
