#!/usr/bin/env python3
"""Message history at scale: one account with ROWS messages (default
1,000,000) written straight into the database in a realistic mix (a year
of dates, 92% delivered and a tail of other statuses, 2% inbound, a few
thousand numbers, a dozen sender ids, bodies from templates), each with the
rows the pipeline leaves beside it (a part, four events, a receipt), through
the schema's own triggers (rollups and the search index). Then the real
binary answers the history's requests; the table gives p50/p99 of SAMPLES
sequential calls each, the export's rows/s, bytes per message and the
server's resident memory at rest.

    ROWS=1000000 SAMPLES=40 python3 bench/history_bench.py
    UJUMBE_BENCH_PG_URL=postgresql://... python3 bench/history_bench.py
"""
import io
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import uuid

from benchlib import call, start_server

ROWS = int(os.environ.get("ROWS", "1000000"))
SAMPLES = int(os.environ.get("SAMPLES", "40"))
DAY_US = 86_400_000_000
NOW_US = int(time.time() * 1_000_000)
NUMBERS = ["+2547%08d" % (12_000_000 + i * 7919) for i in range(5000)]
SENDERS = ["Ujumbe", "ShopKE", "BankAlerts", "Clinic", "Dukani", "SchoolTZ", "Taxi", "Otp",
           "Promo", "Events", "Water", "Power"]
BODIES = ["Your code is %06d. It expires in 10 minutes.",
          "Dear customer, your order #%d has shipped and will arrive tomorrow.",
          "Payment of KES %d received. Thank you for shopping with us.",
          "Reminder: your appointment is on Friday at 10:00. Ref %d",
          "Karibu! Your account balance is KES %d.",
          "Flash sale: %d%% off everything today only. Reply STOP to opt out."]
STATUSES = [("delivered", 92.0), ("undelivered", 2.5), ("failed", 1.0), ("expired", 1.0),
            ("rejected", 0.3), ("sent", 1.0), ("queued", 0.1), ("canceled", 0.1)]


def pick_status(rng):
    r = rng.uniform(0, 100)
    for name, share in STATUSES:
        r -= share
        if r <= 0:
            return name
    return "delivered"


def generate(account, rng):
    """Rows of messages, parts, events and receipts, oldest first."""
    span = 365 * DAY_US
    for i in range(ROWS):
        created = NOW_US - span + (span * i) // ROWS
        mid = str(uuid.UUID(int=(created // 1000) << 80 | 0x7000 << 64 | 0x8 << 60
                            | rng.getrandbits(60)))
        inbound = rng.random() < 0.02
        status = "received" if inbound else pick_status(rng)
        to = NUMBERS[rng.randrange(len(NUMBERS))]
        body = BODIES[rng.randrange(len(BODIES))] % rng.randrange(1000000)
        sender = to if inbound else SENDERS[rng.randrange(len(SENDERS))]
        gateway = None if status in ("queued", "canceled") or inbound else "gw-bench"
        done = created + 4_000_000 if status not in ("queued", "sent") else None
        yield ("m", (mid, account, None, None, "inbound" if inbound else "outbound", "sms",
                     "+255700000001" if inbound else to, sender, body, "gsm7", 1, status, 0,
                     None, None, None, gateway, 0 if inbound else 1,
                     "EC_%s" % status.upper() if status in ("failed", "rejected") else None,
                     None, created, created, created + 1_000_000 if gateway else None, done,
                     "KES", 10000, 8000))
        if inbound:
            continue
        yield ("l", (str(uuid.uuid4()), account, "KES", "charge", -10000, -10000 * (i + 1),
                     None, "Message", None, mid, None, "sms", "TZ", created))
        if gateway is None:
            continue
        yield ("p", (mid, 1, gateway, "%x" % i, str(i), status, None, created + 900_000, done))
        for n, (kind, st) in enumerate((("message.queued", "queued"),
                                        ("message.sending", "sending"),
                                        ("message.sent", "sent"), ("message." + status, status))):
            if n == 3 and status == "sent":
                break
            yield ("e", (account, mid, kind, st, None, created + n * 1_000_000))
        if done:
            yield ("r", (str(uuid.uuid4()), mid, 1, gateway, "%x" % i,
                         "DELIVRD" if status == "delivered" else "UNDELIV", None, None, None,
                         done))


MESSAGE_COLS = ("id, account_id, user_id, api_key_id, direction, channel, to_number, sender, "
                "body, encoding, segments, status, transactional, client_ref, callback_url, "
                "send_at, gateway_id, attempts, error_code, error_message, created_at, "
                "updated_at, sent_at, done_at, currency, price, cost")
TABLES = {
    "m": ("messages", MESSAGE_COLS),
    "p": ("message_parts", "message_id, part, gateway_id, provider_id, provider_key, status, "
                           "error_code, submitted_at, done_at"),
    "e": ("message_events", "account_id, message_id, type, status, detail, created_at"),
    "r": ("message_receipts", "id, message_id, part, gateway_id, provider_id, stat, error_code, "
                              "submit_date, done_date, received_at"),
    "l": ("ledger_entries", "id, account_id, currency, type, amount, balance_after, reference, "
                            "description, actor_id, message_id, counterparty_id, channel, country, "
                            "created_at"),
}


def load_sqlite(path, account):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    batches = {k: [] for k in TABLES}

    def flush():
        for k, rows in batches.items():
            if rows:
                table, cols = TABLES[k]
                marks = ",".join("?" * len(rows[0]))
                db.executemany("INSERT INTO %s (%s) VALUES (%s)" % (table, cols, marks), rows)
                rows.clear()
        db.commit()

    for n, (kind, row) in enumerate(generate(account, random.Random(7))):
        batches[kind].append(row)
        if n % 50_000 == 0:
            flush()
    flush()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.commit()
    db.close()


def pg_text(v):
    if v is None:
        return "\\N"
    return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def load_postgres(url, account):
    procs = {}
    for k, (table, cols) in TABLES.items():
        procs[k] = subprocess.Popen(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                                     "COPY %s (%s) FROM STDIN" % (table, cols)],
                                    stdin=subprocess.PIPE, text=True)
    buffers = {k: io.StringIO() for k in TABLES}
    for n, (kind, row) in enumerate(generate(account, random.Random(7))):
        buffers[kind].write("\t".join(pg_text(v) for v in row) + "\n")
        if n % 20_000 == 0:
            for k, b in buffers.items():
                procs[k].stdin.write(b.getvalue())
                buffers[k] = io.StringIO()
    for k, p in procs.items():
        p.stdin.write(buffers[k].getvalue())
        p.stdin.close()
        if p.wait() != 0:
            raise SystemExit("COPY into %s failed" % TABLES[k][0])
    subprocess.run(["psql", url, "-q", "-c", "VACUUM ANALYZE"], check=True)


def timed(base, auth, path, samples=SAMPLES):
    times = []
    for _ in range(samples):
        req = urllib.request.Request(base + path, headers=auth)
        t0 = time.perf_counter()
        with urllib.request.urlopen(req) as resp:
            resp.read()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def export_rate(base, auth):
    req = urllib.request.Request(base + "/api/v1/messages/export?format=csv", headers=auth)
    t0 = time.perf_counter()
    lines = 0
    with urllib.request.urlopen(req) as resp:
        for _ in resp:
            lines += 1
    return (lines - 1) / (time.perf_counter() - t0), lines - 1


def report_export_s(base, auth, fmt):
    """POST /reports/export of a year's delivery report, polled until done."""
    start = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 365 * 86400))
    t0 = time.perf_counter()
    e = call(base, "POST", "/api/v1/reports/export",
             {"report": "dlr", "format": fmt, "date_from": start}, headers=auth)
    while e["status"] not in ("completed", "failed"):
        time.sleep(0.05)
        e = call(base, "GET", "/api/v1/reports/exports/" + e["id"], headers=auth)
    assert e["status"] == "completed", e
    return time.perf_counter() - t0


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def login(base):
    token = call(base, "POST", "/api/v1/auth/login",
                 {"email": "admin@localhost", "password": "bench-admin-password"})["access"]
    auth = {"Authorization": "Bearer " + token}
    return auth, call(base, "GET", "/api/v1/auth/me", headers=auth)["account"]["id"]


def main():
    pg = os.environ.get("UJUMBE_BENCH_PG_URL")
    if os.environ.get("REUSE"):  # what KEEP=1 left (and REUSE_DB, its PostgreSQL database)
        db_url = os.environ.get("REUSE_DB")
        return measure(os.environ["REUSE"], pg if db_url else None, db_url, 0.0)
    tmp = tempfile.mkdtemp(prefix="ujumbe-history-bench-")
    proc, base = start_server(tmp, pg)
    _, account = login(base)
    db_url = None
    if pg:
        with open("/proc/%d/environ" % proc.pid, "rb") as f:
            env = dict(e.split(b"=", 1) for e in f.read().split(b"\0") if b"=" in e)
        db_url = env[b"UJUMBE_DATABASE_URL"].decode()
    proc.terminate()
    proc.wait()
    t0 = time.time()
    if pg:
        load_postgres(db_url, account)
    else:
        load_sqlite(os.path.join(tmp, "data", "ujumbe.db"), account)
    measure(tmp, pg, db_url, time.time() - t0)


def measure(tmp, pg, db_url, loaded):
    addr = os.path.join(tmp, "data", "listen.addr")
    if os.path.exists(addr):
        os.unlink(addr)
    proc, base = start_server(tmp, pg, {"UJUMBE_DATABASE_URL": db_url} if db_url else None)
    auth, _ = login(base)
    week = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 7 * 86400))
    deep = call(base, "GET", "/api/v1/messages?page_size=100", headers=auth)
    cursor = deep["next_cursor"]
    for _ in range(50):  # 5,000 rows in
        cursor = call(base, "GET", "/api/v1/messages?page_size=100&cursor=" + cursor,
                      headers=auth)["next_cursor"]
    q = urllib.parse.quote
    cases = [
        ("GET /messages/stats", "/api/v1/messages/stats"),
        ("GET /messages/stats?date_from=(7 days)", "/api/v1/messages/stats?date_from=" + week),
        ("GET /messages?page_size=20", "/api/v1/messages?page_size=20"),
        ("GET /messages?status=delivered", "/api/v1/messages?status=delivered"),
        ("GET /messages?status=rejected", "/api/v1/messages?status=rejected"),
        ("GET /messages?status=queued", "/api/v1/messages?status=queued"),
        ("GET /messages?direction=inbound", "/api/v1/messages?direction=inbound"),
        ("GET /messages?sender_id=Clinic", "/api/v1/messages?sender_id=Clinic"),
        ("GET /messages?to=(number)", "/api/v1/messages?to=" + q(NUMBERS[17])),
        ("GET /messages?date_from=(7 days)", "/api/v1/messages?date_from=" + week),
        ("GET /messages?search=(number)", "/api/v1/messages?search=" + q(NUMBERS[17][4:])),
        ("GET /messages?search=appointment", "/api/v1/messages?search=appointment"),
        ("GET /messages?search=order #4242", "/api/v1/messages?search=" + q("order #4242")),
        ("GET /messages?page=400&page_size=100", "/api/v1/messages?page=400&page_size=100"),
        ("GET /messages?cursor=(5,000 rows in)", "/api/v1/messages?page_size=100&cursor=" +
         cursor),
        ("GET /analytics/overview?days=30", "/api/v1/analytics/overview?days=30"),
        ("GET /analytics/overview?days=366", "/api/v1/analytics/overview?days=366"),
        ("GET /analytics/overview?days=30&channel=sms",
         "/api/v1/analytics/overview?days=30&channel=sms"),
        ("GET /reports/dlr (30 days)", "/api/v1/reports/dlr"),
        ("GET /reports/usage (30 days)", "/api/v1/reports/usage"),
    ]
    rows = []
    only = os.environ.get("ONLY")  # e.g. ONLY=analytics: the cases naming it
    for name, path in cases:
        if only and only not in path:
            continue
        p50, p99 = timed(base, auth, path)
        rows.append((name, p50, p99))
    exports = []
    if not only or only in "/api/v1/reports":
        for fmt in ("json", "pdf"):
            exports.append((fmt, report_export_s(base, auth, fmt)))
    rate, exported = export_rate(base, auth)
    time.sleep(5)
    rss = rss_mb(proc.pid)
    if pg:
        size = int(subprocess.run(["psql", db_url, "-tAc", "SELECT pg_database_size(current_database())"],
                                  capture_output=True, text=True, check=True).stdout)
    else:
        data = os.path.join(tmp, "data")
        size = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data)
                   if f.startswith("ujumbe.db"))
    proc.terminate()
    proc.wait()
    engine = "PostgreSQL" if pg else "SQLite"
    print("\n### %s, %d messages (loaded in %.0f s)\n" % (engine, ROWS, loaded))
    print("| request | p50 ms | p99 ms |")
    print("| --- | ---: | ---: |")
    for name, p50, p99 in rows:
        print("| `%s` | %.1f | %.1f |" % (name, p50, p99))
    print("\n- export: %d rows at %.0f rows/s" % (exported, rate))
    for fmt, seconds in exports:
        print("- a year's delivery report exported as %s: %.1f s from the request to "
              "completed" % (fmt, seconds))
    print("- database: %.0f MB, %.0f bytes per message (with parts, events, receipts)"
          % (size / 1e6, size / ROWS))
    print("- server resident memory at rest after the requests: %.0f MB" % rss)
    if os.environ.get("KEEP"):
        print("- kept:", tmp, db_url or "")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
