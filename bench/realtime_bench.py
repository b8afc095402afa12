#!/usr/bin/env python3
"""The realtime feed (docs/realtime.md).

Starts the real ujumbe binary on a throwaway database (SQLite, or PostgreSQL
when UJUMBE_BENCH_PG_URL names a server) with a connected WhatsApp channel:
  - latency: signed webhook deliveries (one inbound message each) posted at
    RATE a second for SECONDS; for each, the time from the POST to the
    message.new frame at a WebSocket client of the account (p50, p99);
  - idle clients: CLIENTS WebSockets of one account opened and left idle:
    the server's resident memory before and after, per client;
  - fan-out: one inbound message, from the POST to the frame at the last of
    the CLIENTS clients.
RUNS runs (default 3) of each, the median printed as Markdown.
Needs python3-websockets (scripts/install-deps.sh installs it).
"""
import asyncio
import hashlib
import hmac
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

import websockets

from benchlib import call, connect_whatsapp, register_account, start_server

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from graph_simulator import GraphSimulator  # noqa: E402

RUNS = int(os.environ.get("RUNS", "3"))
RATE = int(os.environ.get("RATE", "200"))
SECONDS = int(os.environ.get("SECONDS", "10"))
CLIENTS = int(os.environ.get("CLIENTS", "2000"))
PHONE_NUMBER_ID = "106540352242922"


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Hook:
    """Signed deliveries of one inbound text each, to the channel's webhook."""

    def __init__(self, base, path, app_secret):
        self.url, self.secret = base + path, app_secret

    def post(self, wamid, sender):
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{
            "id": "102290129340398", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "255713000001",
                             "phone_number_id": PHONE_NUMBER_ID},
                "contacts": [{"wa_id": sender, "profile": {"name": "Bench"}}],
                "messages": [{"from": sender, "id": wamid, "timestamp": str(int(time.time())),
                              "type": "text", "text": {"body": "Habari"}}]}}]}]}).encode()
        sig = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        req = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + sig})
        urllib.request.urlopen(req).read()


async def open_client(ws_base, ticket):
    ws = await websockets.connect(ws_base + "/api/v1/ws?ticket=" + ticket, max_queue=None,
                                  open_timeout=30, ping_interval=None)
    await ws.recv()  # ready
    return ws


def wamid_of(frame):
    f = json.loads(frame)
    if f.get("type") != "message.new":
        return None
    return ((f["data"].get("content") or {}).get("id"))


def latency_run(base, ws_base, tickets, hook, run):
    """Deliveries at RATE/s; the times from each POST to its frame, in ms."""
    sent, got = {}, {}

    async def listen(ws, stop):
        while not stop.is_set():
            try:
                frame = await asyncio.wait_for(ws.recv(), 0.5)
            except asyncio.TimeoutError:
                continue
            wamid = wamid_of(frame)
            if wamid:
                got[wamid] = time.perf_counter()

    async def main():
        ws = await open_client(ws_base, tickets())
        stop = asyncio.Event()
        listener = asyncio.create_task(listen(ws, stop))
        loop = asyncio.get_running_loop()
        total = RATE * SECONDS
        start = time.perf_counter()
        for k in range(total):
            due = start + k / RATE
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            wamid = "wamid.lat%d.%d" % (run, k)
            sent[wamid] = time.perf_counter()
            loop.run_in_executor(None, hook.post, wamid, "2557140%05d" % (k % 1000))
        deadline = time.perf_counter() + 30
        while len(got) < total and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await listener
        await ws.close()

    asyncio.run(main())
    return sorted((got[w] - sent[w]) * 1000 for w in sent if w in got), len(sent) - len(got)


def idle_and_fanout(pid, ws_base, tickets, hook, run):
    async def main():
        before = rss_kb(pid)
        clients = []
        for k in range(0, CLIENTS, 100):
            clients += await asyncio.gather(*(open_client(ws_base, tickets())
                                              for _ in range(min(100, CLIENTS - k))))
        await asyncio.sleep(1)
        after = rss_kb(pid)
        wamid = "wamid.fan%d" % run
        got = []

        async def wait_one(ws):
            while True:
                frame = await ws.recv()
                if wamid_of(frame) == wamid:
                    got.append(time.perf_counter())
                    return

        waiters = [asyncio.create_task(wait_one(ws)) for ws in clients]
        t0 = time.perf_counter()
        await asyncio.get_running_loop().run_in_executor(None, hook.post, wamid, "255714099999")
        await asyncio.wait_for(asyncio.gather(*waiters), 60)
        fanout = (max(got) - t0) * 1000
        await asyncio.gather(*(ws.close() for ws in clients))
        return (after - before) / CLIENTS, fanout

    return asyncio.run(main())


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < CLIENTS + 200:
        sys.exit(f"the open file limit ({hard}) is below {CLIENTS} clients")
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    graph = GraphSimulator().start()
    token = "EAAG" + uuid.uuid4().hex * 2
    graph.add_number(PHONE_NUMBER_ID, token)
    tmp = tempfile.mkdtemp(prefix="ujumbe-bench-realtime-")
    proc, base = start_server(tmp, pg_url, {
        "UJUMBE_MAX_CONNECTIONS_PER_ADDRESS": str(CLIENTS + 100),
        "UJUMBE_MAX_CONNECTIONS": str(CLIENTS + 1000),
        "UJUMBE_WHATSAPP_GRAPH_URL": graph.url})
    ws_base = base.replace("http://", "ws://")
    try:
        auth = register_account(base)
        app_secret = "app-" + uuid.uuid4().hex
        channel = connect_whatsapp(base, auth, PHONE_NUMBER_ID, token, app_secret)
        hook = Hook(base, channel["webhook_path"], app_secret)
        lock = threading.Lock()

        def tickets():
            with lock:
                return call(base, "POST", "/api/v1/ws/tickets", {}, auth)["ticket"]

        runs = []
        for run in range(RUNS):
            times, lost = latency_run(base, ws_base, tickets, hook, run)
            per_client, fanout = idle_and_fanout(proc.pid, ws_base, tickets, hook, run)
            p50 = times[len(times) // 2]
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            runs.append((p50, p99, lost, per_client, fanout))
            print(f"run {run + 1}: latency p50 {p50:.1f} ms, p99 {p99:.1f} ms, lost {lost}; "
                  f"{per_client:.1f} KB a client, fan-out to {CLIENTS} in {fanout:.1f} ms",
                  file=sys.stderr)
        med = lambda i: statistics.median(r[i] for r in runs)
        engine = "PostgreSQL" if pg_url else "SQLite"
        print(f"\nengine: {engine}; {RATE} deliveries/s for {SECONDS} s; {CLIENTS} idle "
              f"clients; median of {RUNS} runs\n")
        print("| realtime | value |")
        print("| --- | ---: |")
        print(f"| webhook POST to message.new at a client, p50 / p99 ms | "
              f"{med(0):.1f} / {med(1):.1f} |")
        print(f"| events lost | {max(r[2] for r in runs)} |")
        print(f"| server memory per idle client, KB | {med(3):.1f} |")
        print(f"| one event to all {CLIENTS} clients, ms | {med(4):.1f} |")
    finally:
        proc.terminate()
        proc.wait(30)
        graph.stop()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
