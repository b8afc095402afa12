#!/usr/bin/env python3
"""The CRM at 100,000 orders (docs/api-crm.md).

Starts the real ujumbe binary on a throwaway database (SQLite, or
PostgreSQL when UJUMBE_BENCH_PG_URL names a server), registers an account
with 200 customers and 20 vendors, then:
- creates ORDERS orders (default 100,000) of 5 items each through
  POST /crm/orders from CLIENTS processes (default 4), each one request at a
  time on its own keep-alive connection: orders a second;
- asks each list, search and stats query REPEAT times (default 200) one at
  a time: p50/p99 ms.
"""
import http.client
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time

from benchlib import call, register_account, start_server

ORDERS = int(os.environ.get("ORDERS", "100000"))
CLIENTS = int(os.environ.get("CLIENTS", "4"))
REPEAT = int(os.environ.get("REPEAT", "200"))
WORDS = ["maize", "flour", "sugar", "rice", "cement", "oil", "beans", "salt", "tea", "soap"]
TYPES = ["sales", "purchase", "service", "return"]
STATUSES = ["pending", "confirmed", "processing", "shipped", "delivered"]


def connect(base):
    host, port = base.split("//")[1].split(":")
    return http.client.HTTPConnection(host, int(port), timeout=60)


def request(conn, method, path, auth, body=None):
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers=dict(auth, **{"Content-Type": "application/json"}))
    resp = conn.getresponse()
    payload = resp.read()
    if resp.status >= 300:
        sys.exit("%s %s answered %d: %r" % (method, path, resp.status, payload[:300]))
    return payload


def order_body(rng, customers, vendors):
    items = [{"item_name": rng.choice(WORDS) + " %d" % rng.randint(1, 50),
              "quantity": rng.randint(1, 20),
              "unit_price": "%d.%02d" % (rng.randint(1, 500), rng.randint(0, 99))}
             for _ in range(5)]
    return {"title": " ".join(rng.sample(WORDS, 3)) + " %d" % rng.randint(1, 10 ** 6),
            "order_type": rng.choice(TYPES), "status": rng.choice(STATUSES),
            "customer": rng.choice(customers), "vendor": rng.choice(vendors),
            "currency": "KES", "tax_amount": "1.5", "items": items}


def create_orders(args):
    base, auth, customers, vendors, count, seed = args
    rng = random.Random(seed)
    conn = connect(base)
    for _ in range(count):
        request(conn, "POST", "/api/v1/crm/orders", auth, order_body(rng, customers, vendors))
    conn.close()
    return count


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def main():
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    tmp = tempfile.mkdtemp(prefix="ujumbe-crm-bench-")
    proc, base = start_server(tmp, pg_url)
    try:
        auth = register_account(base)
        customers = [call(base, "POST", "/api/v1/crm/customers", {"name": "Customer %d" % i},
                          auth)["id"] for i in range(200)]
        vendors = [call(base, "POST", "/api/v1/crm/vendors", {"name": "Vendor %d" % i},
                        auth)["id"] for i in range(20)]
        per = ORDERS // CLIENTS
        start = time.perf_counter()
        with multiprocessing.Pool(CLIENTS) as pool:
            made = sum(pool.map(create_orders, [(base, auth, customers, vendors, per, n)
                                                for n in range(CLIENTS)]))
        rate = made / (time.perf_counter() - start)
        print(f"created {made:,} orders of 5 items: {rate:,.0f}/s", flush=True)
        conn = connect(base)
        found = json.loads(request(conn, "GET", "/api/v1/crm/orders?page_size=1&ordering=order_number", auth))
        first_number = found["data"]["results"][0]["order_number"]
        number = first_number[:-4] + "%04d" % (made // 2)
        queries = [
            ("list, first page", "/api/v1/crm/orders"),
            ("status filter", "/api/v1/crm/orders?status=shipped"),
            ("customer filter", "/api/v1/crm/orders?customer=" + customers[7]),
            ("type + status, by total", "/api/v1/crm/orders?order_type=service&status=pending"
                                        "&ordering=-total_amount"),
            ("order date range", "/api/v1/crm/orders?order_date_after=2000-01-01"),
            ("search a word", "/api/v1/crm/orders?search=cement"),
            ("search a number", "/api/v1/crm/orders?search=" + number),
            ("page 100", "/api/v1/crm/orders?page=100"),
            ("stats", "/api/v1/crm/orders/stats"),
            ("stats of a customer", "/api/v1/crm/orders/stats?customer=" + customers[3]),
        ]
        engine = "PostgreSQL" if pg_url else "SQLite"
        print(f"\nengine: {engine}; {made:,} orders of 5 items; {REPEAT} requests each\n")
        print("| request | p50 ms | p99 ms |")
        print("| --- | --- | --- |")
        for name, path in queries:
            times = []
            for _ in range(REPEAT):
                t = time.perf_counter()
                request(conn, "GET", path, auth)
                times.append(time.perf_counter() - t)
            print(f"| {name} | {pct(times, 0.5):.1f} | {pct(times, 0.99):.1f} |", flush=True)
        conn.close()
    finally:
        proc.terminate()
        proc.wait()
        if os.environ.get("KEEP"):
            print("data kept in", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
