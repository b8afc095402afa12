#!/usr/bin/env python3
"""An online backup of a large SQLite database under traffic: ROWS messages
(default 1,000,000, about 2 GB with their parts, events, receipts and
ledger entries; bench/history_bench.py's generator) in the database, single
POST /messages at RATE a second (open loop, 16 keep-alive connections,
the sandbox gateway delivering them), first for SECONDS without a backup,
then while `ujumbe admin backup --file` runs beside the server. The table
gives the backup's time and size, and the sends' p50/p99 without and with
the backup (the target: p99 under twice the one without), median of RUNS.

    ROWS=1000000 RATE=200 SECONDS=20 RUNS=3 python3 bench/backup_bench.py

KEEP=1 keeps the loaded database (its folder is printed); REUSE=that folder
measures it again without loading.
"""
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from benchlib import BIN, open_loop_sends, start_server
from history_bench import ROWS, load_sqlite, login

RATE = int(os.environ.get("RATE", "200"))
SECONDS = float(os.environ.get("SECONDS", "20"))
RUNS = int(os.environ.get("RUNS", "3"))


def database_bytes(data):
    return sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data)
               if f.startswith("ujumbe.db"))


def one_run(tmp, data):
    env = {"UJUMBE_SANDBOX_GATEWAY": "true"}
    if os.path.exists(os.path.join(data, "listen.addr")):  # the last run's
        os.unlink(os.path.join(data, "listen.addr"))
    proc, base = start_server(tmp, None, env)
    try:
        auth, _ = login(base)
        open_loop_sends(base, auth, RATE, lambda: True, 3)  # warm the caches
        quiet = open_loop_sends(base, auth, RATE, lambda: True, SECONDS)
        target = os.path.join(tmp, "ujumbe.backup")
        if os.path.exists(target):
            os.unlink(target)
        backup_env = {k: v for k, v in os.environ.items() if not k.startswith("UJUMBE_")}
        backup_env["UJUMBE_DATA_DIR"] = data
        t0 = time.monotonic()
        backup = subprocess.Popen([BIN, "admin", "backup", "--file", target, "--json"],
                                  env=backup_env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        busy = open_loop_sends(base, auth, RATE, lambda: backup.poll() is not None)
        took = time.monotonic() - t0
        out, err = backup.communicate()
        if backup.returncode != 0:
            raise SystemExit("the backup failed: " + err + out)
        size = json.loads(out)["bytes"]
        return quiet, busy, took, size
    finally:
        proc.terminate()
        proc.wait(60)


def main():
    # REUSE=DIR: the loaded database KEEP=1 left (its path is printed).
    tmp = os.environ.get("REUSE") or tempfile.mkdtemp(prefix="ujumbe-backup-bench-")
    data = os.path.join(tmp, "data")
    try:
        loaded = 0.0
        if not os.environ.get("REUSE"):
            proc, base = start_server(tmp, None)
            _, account = login(base)
            proc.terminate()
            proc.wait()
            t0 = time.time()
            load_sqlite(os.path.join(data, "ujumbe.db"), account)
            loaded = time.time() - t0
        runs = [one_run(tmp, data) for _ in range(RUNS)]
        size = database_bytes(data)
    finally:
        if os.environ.get("KEEP") or os.environ.get("REUSE"):
            print("kept:", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    med = statistics.median
    print("\n### Online backup of SQLite under single sends (%d messages, %.1f GB, loaded in "
          "%.0f s; median of %d)\n" % (ROWS, size / 1e9, loaded, RUNS))
    print("| case | figure |")
    print("| --- | ---: |")
    print("| `ujumbe admin backup` time | %.1f s |" % med(r[2] for r in runs))
    print("| backup file | %.2f GB |" % (med(r[3] for r in runs) / 1e9))
    for label, k in (("without a backup", 0), ("during the backup", 1)):
        print("| POST /messages at %d/s %s: achieved | %.0f req/s |"
              % (RATE, label, med(r[k][0] for r in runs)))
        print("| POST /messages at %d/s %s: p50 / p99 | %.2f / %.2f ms |"
              % (RATE, label, med(r[k][1] for r in runs), med(r[k][2] for r in runs)))
        print("| POST /messages at %d/s %s: non-201 | %d |"
              % (RATE, label, max(r[k][3] for r in runs)))


if __name__ == "__main__":
    main()
