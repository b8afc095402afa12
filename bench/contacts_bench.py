#!/usr/bin/env python3
"""Contacts at scale: CSV import rate and list/search latency.

Starts the real ujumbe binary on a throwaway database (SQLite, or PostgreSQL
when UJUMBE_BENCH_PG_URL names a server), generates ROWS contacts as CSV
(name, phone in national form, email, tags, two attribute columns; every
phone distinct), uploads it to POST /contacts/import and polls the job:
  - import rate: rows / (finish - upload start), and the server's peak
    resident memory (VmHWM) over the run;
then times GET /contacts with `search` (a name fragment, a phone fragment,
an email fragment) and with a tag filter, SEARCHES requests each, one at a
time, and prints p50/p99 in milliseconds. Everything is printed as Markdown.
BENCH_KEEP=1 keeps the data directory (and its SQLite file) for a closer look.
"""
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid

from benchlib import call, peak_rss_mb, start_server, upload

ROWS = int(os.environ.get("ROWS", "1000000"))
SEARCHES = int(os.environ.get("SEARCHES", "200"))
FIRST = ["Amina", "Baraka", "Neema", "Juma", "Zawadi", "Halima", "Musa", "Rehema", "Omari", "Upendo"]
LAST = ["Mushi", "Kimaro", "Mwakyusa", "Njau", "Lyimo", "Massawe", "Temba", "Shirima"]


def write_csv(path, rows):
    rnd = random.Random(7)
    with open(path, "w", newline="") as f:
        f.write("name,phone,email,tags,city,plan\n")
        for i in range(rows):
            # Tanzanian mobile numbers in national form (071X XXX XXX), all distinct.
            phone = "071%07d" % i
            f.write("%s %s %d,%s,user%d@example.com,%s,%s,%s\n" % (
                rnd.choice(FIRST), rnd.choice(LAST), i, phone, i,
                "customer;vip" if i % 10 == 0 else "customer",
                rnd.choice(["Arusha", "Dodoma", "Mwanza", "Mbeya"]),
                rnd.choice(["free", "pro"])))


def timed_get(conn, path, token):
    start = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": "Bearer " + token})
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        sys.exit(f"GET {path}: {resp.status}")
    return (time.perf_counter() - start) * 1000


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    tmp = tempfile.mkdtemp(prefix="ujumbe-bench-contacts-")
    csv_path = os.path.join(tmp, "contacts.csv")
    write_csv(csv_path, ROWS)
    extra = {k: v for k, v in os.environ.items() if k == "UJUMBE_IMPORT_BATCH_ROWS"}
    proc, base = start_server(tmp, pg_url, extra)
    try:
        auth = call(base, "POST", "/api/v1/auth/register",
                    {"account_name": "Bench", "name": "Bench",
                     "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                     "password": "bench-password-123"})
        token = auth["access"]
        call(base, "PUT", "/api/v1/accounts/current", {"default_country": "TZ"},
             {"Authorization": "Bearer " + token})
        started = time.perf_counter()
        job_id = upload(base, token, csv_path)
        uploaded = time.perf_counter() - started
        while True:
            job = call(base, "GET", f"/api/v1/contacts/imports/{job_id}", None,
                       {"Authorization": "Bearer " + token})
            if job["status"] in ("completed", "failed"):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        if job["status"] != "completed" or job["created"] != ROWS:
            sys.exit(f"import did not complete cleanly: {job}")
        engine = "PostgreSQL" if pg_url else "SQLite"
        print(f"\nengine: {engine}; {ROWS:,} rows, {os.path.getsize(csv_path) / 1e6:.0f} MB CSV\n")
        print("| import | value |")
        print("| --- | ---: |")
        print(f"| rows/s (upload to completed) | {ROWS / elapsed:,.0f} |")
        print(f"| upload time s | {uploaded:.1f} |")
        print(f"| total time s | {elapsed:.1f} |")
        print(f"| server peak RSS MB | {peak_rss_mb(proc.pid):.0f} |")
        sys.stdout.flush()

        host, port = base.split("//")[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        rnd = random.Random(11)
        cases = [
            ("search name fragment", lambda: "search=" + urllib.parse.quote(
                "%s %d" % (rnd.choice(LAST), rnd.randrange(ROWS)))),
            ("search phone digits", lambda: "search=71%07d" % rnd.randrange(ROWS)),
            ("search email", lambda: "search=user%d@" % rnd.randrange(ROWS)),
            ("tag=vip (page 1)", lambda: "tag=vip"),
            ("no filter (page 1)", lambda: ""),
        ]
        print(f"\n| GET /contacts on {ROWS:,} contacts | p50 ms | p99 ms |")
        print("| --- | ---: | ---: |")
        for name, query in cases:
            times = [timed_get(conn, "/api/v1/contacts?" + query(), token) for _ in range(SEARCHES)]
            print(f"| {name} | {percentile(times, 50):.1f} | {percentile(times, 99):.1f} |")
            sys.stdout.flush()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        if os.environ.get("BENCH_KEEP"):
            print(f"\nkept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
