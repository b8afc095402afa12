#!/usr/bin/env python3
"""End-to-end messaging benchmark: the real ujumbe binary sending over SMPP
to the npm `smpp` SMSC simulator (tests/interop/smsc.js) on loopback.

1. Throughput: POST /messages/bulk (calls of 5,000) for MESSAGES messages,
   timed from the first call until every message is `delivered` (the
   SMSC's receipt matched and recorded).
2. Single sends: POST /messages one at a time at RATE requests/s from
   several client threads for SECONDS; p50 / p99 of the answer time.
3. With CHARGING=1 (default): the throughput again with charging on, for a
   business under the platform and for a reseller's client (base card and
   sell prices set, wallets funded), against the same run without prices.
Each case runs RUNS times; the median is printed as a Markdown table.
SQLite by default, PostgreSQL when UJUMBE_BENCH_PG_URL names a server.
"""
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import uuid

from benchlib import call, open_loop_sends, start_server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("RUNS", "3"))
MESSAGES = int(os.environ.get("MESSAGES", "100000"))
RATE = int(os.environ.get("RATE", "500"))
SECONDS = int(os.environ.get("SECONDS", "10"))
WINDOW = int(os.environ.get("WINDOW", "200"))
BINDS = int(os.environ.get("BINDS", "2"))
PER_CALL = 5000
CHARGING = os.environ.get("CHARGING", "1") == "1"
PASSWORD = "bench-password-123"


def start_smsc():
    node = shutil.which("node") or shutil.which("nodejs")
    proc = subprocess.Popen([node, os.path.join(ROOT, "tests", "interop", "smsc.js"), "--port",
                             "0", "--receipt-delay-ms", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            cwd=os.path.join(ROOT, "tests"))
    port = int(proc.stdout.readline().decode().split()[1])
    # Drain its PDU log so the pipe never fills.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, port


def setup(base, smsc_port, window=WINDOW, binds=BINDS):
    """An SMPP gateway to the simulator, a catch-all route, and the admin's
    auth header once the gateway is bound."""
    token = call(base, "POST", "/api/v1/auth/login",
                 {"email": "admin@localhost", "password": "bench-admin-password"})["access"]
    auth = {"Authorization": "Bearer " + token}
    gw = call(base, "POST", "/api/v1/gateways",
              {"name": "smsc", "kind": "smpp",
               "settings": {"host": "127.0.0.1", "port": smsc_port, "system_id": "ujumbe",
                            "password": "secret", "window": window, "binds": binds}},
              auth)
    call(base, "POST", "/api/v1/routes",
         {"name": "all", "gateways": [{"gateway_id": gw["id"], "weight": 1}]}, auth)
    for _ in range(200):
        if call(base, "GET", f"/api/v1/gateways/{gw['id']}/status", headers=auth)["bound"]:
            break
        time.sleep(0.05)
    return auth


def child(base, auth, account_type=None):
    """A child account of the caller and its owner's auth header."""
    tag = uuid.uuid4().hex[:10]
    body = {"business_name": "Bench " + tag, "business_username": "b" + tag,
            "business_type": "retail", "contact_email": f"c{tag}@bench.example",
            "contact_phone": "+254712345678", "country": "KE",
            "owner": {"name": "Owner " + tag, "email": f"o{tag}@bench.example",
                      "password": PASSWORD}}
    if account_type:
        body["account_type"] = account_type
    account = call(base, "POST", "/api/v1/accounts/children", body, auth)
    token = call(base, "POST", "/api/v1/auth/login",
                 {"email": body["owner"]["email"], "password": PASSWORD})["access"]
    return account["id"], {"Authorization": "Bearer " + token}


def charging_accounts(base, admin):
    """Prices on (base card 0.01 per segment), a funded direct business, and a
    reseller's client paying 0.015 (the reseller pays the base price)."""
    call(base, "POST", "/api/v1/rates", {"prefix": "254", "price": "0.01"}, admin)
    direct_id, direct = child(base, admin)
    call(base, "POST", "/api/v1/wallet/topups",
         {"account_id": direct_id, "amount": "100000", "reference": "bench-direct"}, admin)
    reseller_id, reseller = child(base, admin, "reseller")
    call(base, "POST", "/api/v1/wallet/topups",
         {"account_id": reseller_id, "amount": "100000", "reference": "bench-reseller"}, admin)
    client_id, client = child(base, reseller)
    call(base, "POST", "/api/v1/wallet/topups",
         {"account_id": client_id, "amount": "100000", "reference": "bench-client"}, reseller)
    call(base, "POST", "/api/v1/rates",
         {"account_id": client_id, "prefix": "254", "price": "0.015"}, reseller)
    return direct, client


def stats(base, auth):
    return call(base, "GET", "/api/v1/messages/stats", headers=auth)["by_status"]


def throughput(base, auth):
    before = stats(base, auth).get("delivered", 0)
    start = time.monotonic()
    bodies = [{"to": "+2547%08d" % (i % 100_000_000), "body": "Bench message %d" % i}
              for i in range(MESSAGES)]
    for at in range(0, MESSAGES, PER_CALL):
        call(base, "POST", "/api/v1/messages/bulk", {"messages": bodies[at:at + PER_CALL]}, auth)
    accepted = time.monotonic() - start
    while stats(base, auth).get("delivered", 0) - before < MESSAGES:
        time.sleep(0.25)  # the stats query itself costs CPU the pipeline shares
    return MESSAGES / (time.monotonic() - start), MESSAGES / accepted


def single_sends(base, auth):
    rate, p50, p99, errors, _ = open_loop_sends(base, auth, RATE, lambda: False, SECONDS)
    return rate, p50, p99, errors


def main():
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    engine = "PostgreSQL" if pg_url else "SQLite"
    e2e, accept, single, direct_rates, client_rates = [], [], [], [], []
    for _ in range(RUNS):
        tmp = tempfile.mkdtemp(prefix="ujumbe-bench-msg-")
        smsc, smsc_port = start_smsc()
        proc, base = start_server(tmp, pg_url)
        try:
            auth = setup(base, smsc_port)
            rate, accepted = throughput(base, auth)
            e2e.append(rate)
            accept.append(accepted)
            single.append(single_sends(base, auth))
            if CHARGING:
                direct, client = charging_accounts(base, auth)
                direct_rates.append(throughput(base, direct)[0])
                client_rates.append(throughput(base, client)[0])
        finally:
            proc.terminate()
            proc.wait(30)
            smsc.terminate()
            shutil.rmtree(tmp, ignore_errors=True)
    med = statistics.median
    print(f"\n### Messaging, {engine} ({MESSAGES} messages, SMPP window {WINDOW} x {BINDS} "
          f"binds, median of {RUNS})\n")
    print("| case | figure |")
    print("| --- | ---: |")
    print(f"| end to end, bulk accept -> SMPP -> receipt -> delivered | {med(e2e):,.0f} msg/s |")
    print(f"| acceptance alone (POST /messages/bulk, 5,000 a call) | {med(accept):,.0f} msg/s |")
    print(f"| POST /messages at {RATE}/s: achieved | {med(s[0] for s in single):,.0f} req/s |")
    print(f"| POST /messages at {RATE}/s: p50 | {med(s[1] for s in single):.2f} ms |")
    print(f"| POST /messages at {RATE}/s: p99 | {med(s[2] for s in single):.2f} ms |")
    print(f"| POST /messages at {RATE}/s: non-201 | {max(s[3] for s in single)} |")
    if CHARGING:
        for label, rates in (("a business under the platform", direct_rates),
                             ("a reseller's client (two wallets)", client_rates)):
            print(f"| end to end with charging, {label} | {med(rates):,.0f} msg/s "
                  f"({100 * (med(rates) / med(e2e) - 1):+.0f}%) |")
    print("\nruns (end to end msg/s): " + ", ".join(f"{r:,.0f}" for r in e2e))
    if CHARGING:
        print("runs with charging (direct): " + ", ".join(f"{r:,.0f}" for r in direct_rates))
        print("runs with charging (client): " + ", ".join(f"{r:,.0f}" for r in client_rates))


if __name__ == "__main__":
    main()
