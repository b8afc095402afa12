"""Shared pieces of the end-to-end benchmarks: start the real ujumbe binary
on a throwaway database (SQLite, or PostgreSQL when a URL is given) and call
its API."""
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("UJUMBE_BIN", os.path.join(ROOT, "build", "bin", "ujumbe"))


def start_server(tmp, pg_url, extra_env=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("UJUMBE_")}
    env.update({
        "UJUMBE_LISTEN": "127.0.0.1:0",
        "UJUMBE_DATA_DIR": os.path.join(tmp, "data"),
        "UJUMBE_ADMIN_PASSWORD": "bench-admin-password",
        "UJUMBE_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "warn"),
        # One account drives each benchmark far past what a tenant is allowed
        # (tens of thousands of requests a second): the limits are measured
        # off, as the figures of bench/README.md were.
        "UJUMBE_RATE_LIMIT_AUTH": "0",
        "UJUMBE_RATE_LIMIT_SEND": "0",
        "UJUMBE_RATE_LIMIT_BULK": "0",
        "UJUMBE_RATE_LIMIT_DEFAULT": "0",
    })
    env.update(extra_env or {})
    if pg_url and "UJUMBE_DATABASE_URL" not in (extra_env or {}):
        db = "ujumbe_bench_" + uuid.uuid4().hex[:12]
        subprocess.run(["psql", pg_url, "-q", "-c", f"CREATE DATABASE {db}"], check=True)
        env["UJUMBE_DATABASE_URL"] = pg_url.rsplit("/", 1)[0] + "/" + db
    log = open(os.path.join(tmp, "server.log"), "w")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    addr_file = os.path.join(tmp, "data", "listen.addr")
    for _ in range(300):
        if os.path.exists(addr_file) and open(addr_file).read().strip():
            return proc, "http://" + open(addr_file).read().strip()
        if proc.poll() is not None:
            sys.exit("server exited early; see " + log.name)
        time.sleep(0.1)
    sys.exit("server did not start")


def call(base, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())["data"]


def register_account(base):
    """A new account's owner: the Authorization header of its requests."""
    jwt = call(base, "POST", "/api/v1/auth/register",
               {"account_name": "Bench", "name": "Bench",
                "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                "password": "bench-password-123"})["access"]
    return {"Authorization": "Bearer " + jwt}


def connect_whatsapp(base, auth, phone_number_id, token, app_secret):
    """Connects the account's WhatsApp channel; the channel as shown."""
    return call(base, "POST", "/api/v1/channels/whatsapp/connect",
                {"phone_number_id": phone_number_id, "business_account_id": "102290129340398",
                 "access_token": token, "app_secret": app_secret,
                 "verify_token": "verify-bench-token"}, auth)


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def upload(base, token, path):
    host, port = base.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    size = os.path.getsize(path)
    conn.putrequest("POST", "/api/v1/contacts/import")
    conn.putheader("Authorization", "Bearer " + token)
    conn.putheader("Content-Type", "text/csv")
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            conn.send(chunk)
    resp = conn.getresponse()
    body = json.loads(resp.read())
    if resp.status != 202:
        sys.exit(f"import refused: {resp.status} {body}")
    return body["data"]["id"]


def open_loop_sends(base, auth, rate, stop, min_seconds=0.0, threads=16):
    """Single POST /messages at `rate` a second (open loop: each request at
    its planned time, whatever the answers do) from `threads` keep-alive
    connections, for at least `min_seconds` and until `stop()` is true.
    Returns (achieved req/s, p50 ms, p99 ms, non-201 answers, seconds)."""
    host, port = base[len("http://"):].split(":")
    latencies, errors = [], [0]
    lock = threading.Lock()
    per_thread = rate / threads
    started = time.monotonic()
    done = threading.Event()

    def worker(k):
        conn = http.client.HTTPConnection(host, int(port))
        body = json.dumps({"to": "+254712345678", "body": "Single send"})
        headers = dict(auth, **{"Content-Type": "application/json"})
        next_at = started + k / rate
        while not done.is_set():
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t0 = time.monotonic()
            conn.request("POST", "/api/v1/messages", body, headers)
            resp = conn.getresponse()
            resp.read()
            took = (time.monotonic() - t0) * 1000
            with lock:
                latencies.append(took)
                if resp.status != 201:
                    errors[0] += 1
            next_at += 1 / per_thread

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    while time.monotonic() - started < min_seconds or not stop():
        time.sleep(0.05)
    done.set()
    for t in pool:
        t.join()
    seconds = time.monotonic() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    return len(latencies) / seconds, pick(0.50), pick(0.99), errors[0], seconds
