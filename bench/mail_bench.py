#!/usr/bin/env python3
"""Mail through an SMTP relay: the platform's own (docs/mail.md) and the
email channel (docs/api-messaging.md, "Email").

Starts the real ujumbe binary on a throwaway database (SQLite, or
PostgreSQL when UJUMBE_BENCH_PG_URL names a server) and Debian's aiosmtpd
as the relay on 127.0.0.1 (plain, or STARTTLS with AUTH when
MAIL_TLS=1) behind an `smtp` gateway (rate 10,000/s), then sends MAILS
mails (default 3,000) from CLIENTS processes (default 4), one request at a
time each:
- SEND=invite (the default): invitations through POST /users, the gateway
  marked as the system mail gateway;
- SEND=single: marketing mails (each with its unsubscribe link) through
  POST /messages with channel email, the gateway named by a routing rule of
  channel email.
Reports requests answered a second, mails the relay took a second (first
to last arrival), and how many connections carried them.
"""
import http.client
import json
import multiprocessing
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from benchlib import call, start_server

MAILS = int(os.environ.get("MAILS", "3000"))
CLIENTS = int(os.environ.get("CLIENTS", "4"))
TLS = os.environ.get("MAIL_TLS") == "1"
SEND = os.environ.get("SEND", "invite")


class Relay:
    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals = []
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if session.ssl is None:
            with self.lock:
                self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.arrivals.append(time.monotonic())
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_relay(tmp, relay):
    port = free_port()
    kwargs = {}
    settings = {"host": "127.0.0.1", "port": port, "security": "none",
                "from_address": "noreply@bench.test", "rate": 10000, "system": SEND == "invite"}
    if TLS:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        kwargs = dict(tls_context=context, require_starttls=True, auth_required=True,
                      authenticator=lambda *a: AuthResult(success=True))
        settings.update(security="starttls", username="bench", password="bench-pass",
                        ca_file=cert)
    controller = Controller(relay, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller, settings


def request_of():
    """One request of the SEND mode: (path, body)."""
    address = "p-%s@example.com" % uuid.uuid4().hex
    if SEND == "single":
        return "/api/v1/messages", {"channel": "email", "to": address, "subject": "News",
                                    "body": "Karibu! Our prices this week.",
                                    "html": "<p>Karibu! Our prices this week.</p>"}
    return "/api/v1/users", {"email": address, "role": "agent", "name": "Bench Person"}


def invite(args):
    base, token, count = args
    host, port = base.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    for _ in range(count):
        path, payload = request_of()
        body = json.dumps(payload)
        conn.request("POST", path, body=body,
                     headers={"Authorization": "Bearer " + token,
                              "Content-Type": "application/json"})
        resp = conn.getresponse()
        payload = resp.read()
        if resp.status != 201:
            sys.exit("%s answered %d: %r" % (path, resp.status, payload[:200]))
    conn.close()
    return count


def main():
    pg_url = os.environ.get("UJUMBE_BENCH_PG_URL")
    tmp = tempfile.mkdtemp(prefix="ujumbe-mail-bench-")
    relay = Relay()
    controller, settings = start_relay(tmp, relay)
    proc, base = start_server(tmp, pg_url, {"UJUMBE_PUBLIC_URL": "https://bench.example.test"})
    try:
        admin = call(base, "POST", "/api/v1/auth/login",
                     {"email": "admin@localhost", "password": "bench-admin-password"})["access"]
        gateway = call(base, "POST", "/api/v1/gateways",
                       {"name": "relay", "kind": "smtp", "settings": settings},
                       {"Authorization": "Bearer " + admin})
        if SEND == "single":
            call(base, "POST", "/api/v1/routes",
                 {"name": "mail", "channel": "email",
                  "gateways": [{"gateway_id": gateway["id"], "weight": 1}]},
                 {"Authorization": "Bearer " + admin})
        owner = call(base, "POST", "/api/v1/auth/register",
                     {"account_name": "Mail Bench", "name": "Owner",
                      "email": "owner-%s@example.com" % uuid.uuid4().hex[:8],
                      "password": "bench-password-123"})["access"]
        before = len(relay.arrivals)  # the registration's verification mail
        per = MAILS // CLIENTS
        started = time.monotonic()
        with multiprocessing.Pool(CLIENTS) as pool:
            done = sum(pool.map(invite, [(base, owner, per)] * CLIENTS))
        answered = time.monotonic() - started
        deadline = time.monotonic() + 120
        while len(relay.arrivals) - before < done and time.monotonic() < deadline:
            time.sleep(0.05)
        got = relay.arrivals[before:]
        if len(got) < done:
            sys.exit("the relay got %d of %d mails" % (len(got), done))
        span = got[-1] - got[0]
        print("send=%s mode=%s engine=%s requests=%d requests/s=%.0f mails/s=%.0f "
              "(all delivered %.1f s after the first request) connections=%d" % (
                  SEND, "starttls+auth" if TLS else "plain", "postgres" if pg_url else "sqlite", done,
                  done / answered, (len(got) - 1) / span if span > 0 else 0.0,
                  got[-1] - started, relay.connections))
    finally:
        proc.terminate()
        proc.wait()
        controller.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
