#!/usr/bin/env python3
"""A campaign to ROWS recipients (default 1,000,000) with the sandbox gateway.

Starts the real ujumbe binary on a throwaway database (SQLite, or PostgreSQL
when UJUMBE_BENCH_PG_URL names a server) with the sandbox gateway, imports
ROWS opted-in contacts by CSV (as bench/contacts_bench.py does), then:
  - POST /campaigns (criteria: every contact): the time to create it (the
    audience is walked once for its count and estimated cost);
  - POST /campaigns/{id}/start: the time to `running` (the answer), and to
    `phase: sending` (every recipient written): the expansion rate;
  - the sending rate: recipients taken per second from the end of the
    expansion to `completed`, and messages delivered per second to the last
    delivery;
  - while it sends, one POST /messages at a time from another account's
    connection: p50/p99 of those single sends;
  - the server's peak resident memory (VmHWM).
Everything is printed as Markdown.
"""
import http.client
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid

from benchlib import call, peak_rss_mb, start_server, upload
from messaging_bench import setup as smpp_gateway
from messaging_bench import start_smsc

ROWS = int(os.environ.get("ROWS", "1000000"))
# SMSC=1: through an SMPP gateway to the npm `smpp` SMSC simulator (window
# 200 x 2 binds, as bench/messaging_bench.py), else the sandbox gateway.
SMSC = os.environ.get("SMSC", "0") == "1"
# The campaign's text: personalised by default; TEXT="Sale today" measures a fixed one.
TEXT = os.environ.get("TEXT", "Hi {{name}} of {{attributes.company}}")


def write_csv(path, rows):
    with open(path, "w") as f:
        f.write("name,phone,is_opted_in,company\n")
        for i in range(rows):
            f.write("Customer %d,071%07d,true,Co %d\n" % (i, i, i % 100))


def register(base):
    return call(base, "POST", "/api/v1/auth/register",
                {"account_name": "Bench", "name": "Bench",
                 "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                 "password": "bench-password-123"})["access"]


class SingleSends(threading.Thread):
    """POST /messages one at a time until stopped; keeps each latency."""

    def __init__(self, base, token):
        super().__init__(daemon=True)
        host, port = base.split("//")[1].split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self.token = token
        self.latencies = []
        self.errors = 0
        self.stopping = threading.Event()

    def run(self):
        body = json.dumps({"to": "+255713000001", "body": "single"})
        headers = {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"}
        while not self.stopping.is_set():
            started = time.perf_counter()
            self.conn.request("POST", "/api/v1/messages", body=body, headers=headers)
            resp = self.conn.getresponse()
            resp.read()
            if resp.status != 201:
                self.errors += 1
            self.latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(0.01)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0


def main():
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    tmp = tempfile.mkdtemp(prefix="ujumbe-bench-campaigns-")
    csv_path = os.path.join(tmp, "contacts.csv")
    write_csv(csv_path, ROWS)
    extra = {k: v for k, v in os.environ.items() if k.startswith("UJUMBE_CAMPAIGN_")}
    smsc = None
    if SMSC:
        smsc, smsc_port = start_smsc()
    proc, base = start_server(tmp, pg_url,
                              dict(extra, UJUMBE_SANDBOX_GATEWAY="false" if SMSC else "true"))
    try:
        if SMSC:
            smpp_gateway(base, smsc_port)
        token = register(base)
        auth = {"Authorization": "Bearer " + token}
        call(base, "PUT", "/api/v1/accounts/current", {"default_country": "TZ"}, auth)
        job_id = upload(base, token, csv_path)
        while True:
            job = call(base, "GET", f"/api/v1/contacts/imports/{job_id}", None, auth)
            if job["status"] in ("completed", "failed"):
                break
            time.sleep(0.5)
        if job["status"] != "completed" or job["created"] != ROWS:
            sys.exit(f"import did not complete cleanly: {job}")

        t0 = time.perf_counter()
        k = call(base, "POST", "/api/v1/campaigns",
                 {"name": "bench", "message_text": TEXT,
                  "target_criteria": {"opt_in_status": "opted_in"}}, auth)
        created = time.perf_counter() - t0
        if k["total_recipients"] != ROWS:
            sys.exit(f"unexpected recipients: {k['total_recipients']}")
        single = SingleSends(base, register(base))
        t1 = time.perf_counter()
        call(base, "POST", f"/api/v1/campaigns/{k['id']}/start", {}, auth)
        running = time.perf_counter() - t1
        single.start()
        expanded_at = None
        while True:
            c = call(base, "GET", f"/api/v1/campaigns/{k['id']}", None, auth)
            now = time.perf_counter()
            if expanded_at is None and c["phase"] == "sending":
                expanded_at = now
            if c["status"] != "running":
                break
            time.sleep(0.2)
        completed_at = time.perf_counter()
        single.stopping.set()
        single.join(30)
        while c["delivered_count"] + c["failed_count"] < c["accepted_count"]:
            time.sleep(0.5)
            c = call(base, "GET", f"/api/v1/campaigns/{k['id']}", None, auth)
        delivered_at = time.perf_counter()
        if c["status"] != "completed" or c["accepted_count"] != ROWS:
            sys.exit(f"campaign did not complete cleanly: {c}")
        expansion = expanded_at - t1
        sending = completed_at - expanded_at
        engine = "PostgreSQL" if pg_url else "SQLite"
        gateway = "SMPP to the SMSC simulator" if SMSC else "sandbox gateway"
        print(f"\nengine: {engine}; a campaign to {ROWS:,} recipients, {gateway}, "
              f"text {TEXT!r}\n")
        print("| campaign | value |")
        print("| --- | ---: |")
        print(f"| POST /campaigns (walks the audience) s | {created:.1f} |")
        print(f"| POST /start to `running` ms | {running * 1000:.0f} |")
        print(f"| expansion recipients/s | {ROWS / expansion:,.0f} |")
        print(f"| sending: recipients taken/s | {ROWS / sending:,.0f} |")
        print(f"| start to last delivery: messages/s | {ROWS / (delivered_at - t1):,.0f} |")
        print(f"| single sends during the campaign: count | {len(single.latencies):,} |")
        print(f"| single sends p50 / p99 ms | {percentile(single.latencies, 50):.1f} / "
              f"{percentile(single.latencies, 99):.1f} |")
        print(f"| single sends refused | {single.errors} |")
        print(f"| server peak RSS MB | {peak_rss_mb(proc.pid):.0f} |")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        if smsc:
            smsc.terminate()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
