"""Helpers of the end-to-end SMPP suite: the real `ujumbe serve` (started as
the HTTP suite starts it, on SQLite or PostgreSQL per UJUMBE_TEST_ENGINE)
sending through SMPP gateways to SMSC simulators written on the npm `smpp`
package (smsc.js), over real sockets."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
INTEGRATION = HERE.parent / "integration"
if str(INTEGRATION) not in sys.path:
    sys.path.insert(0, str(INTEGRATION))

import ujumbe_it as u  # noqa: E402

# The HTTP suite's server harness, loaded under its own name.
_spec = importlib.util.spec_from_file_location("ujumbe_http_harness", INTEGRATION / "conftest.py")
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)
UjumbeServer = harness.UjumbeServer

SMSC_SCRIPT = HERE / "smsc.js"


def start_listening(name, command, **popen):
    """Starts a simulator that prints `listening PORT` first; returns (process, port)."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)
    first = proc.stdout.readline().decode().strip()
    if not first.startswith("listening "):
        err = proc.stderr.read().decode(errors="replace")
        pytest.fail("%s did not start: %r %s" % (name, first, err), pytrace=False)
    return proc, int(first.split()[1])


class Smsc:
    """One smsc.js process; every PDU it received, as parsed JSON lines."""

    def __init__(self, *args):
        node = shutil.which("node") or shutil.which("nodejs")
        if not node:
            pytest.fail("node is not installed (make test installs it)", pytrace=False)
        if not (HERE.parent / "node_modules" / "smpp").is_dir():
            pytest.fail("tests/node_modules/smpp is missing (make test runs npm ci)",
                        pytrace=False)
        self.proc, self.port = start_listening(
            "smsc.js", [node, str(SMSC_SCRIPT), "--port", "0", *map(str, args)],
            stdin=subprocess.DEVNULL, cwd=str(HERE.parent))
        self.lines = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            with self._lock:
                self.lines.append(entry)

    def pdus(self, name):
        with self._lock:
            return [e for e in self.lines if e.get("pdu") == name]

    def submit_texts(self):
        return Counter(e.get("text", "") for e in self.pdus("submit_sm"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def admin_of(srv):
    return u.login(srv.api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)


def add_smpp_gateway(srv, admin, smsc, name="smsc", **settings):
    body = {"name": name, "kind": "smpp",
            "settings": dict({"host": "127.0.0.1", "port": smsc.port, "system_id": "ujumbe",
                              "password": "secret", "window": 10,
                              "enquire_link_interval_ms": 5000,
                              "response_timeout_ms": 3000}, **settings)}
    resp = srv.api("POST", "/gateways", json=body, token=admin.access)
    assert resp.status == 201, u.describe(resp)
    return resp.body["data"]


def add_route(srv, admin, gateways, failover=(), **fields):
    body = dict({"name": "route " + u.unique_name(), "priority": 10,
                 "gateways": [{"gateway_id": g["id"], "weight": 1} for g in gateways],
                 "failover": [g["id"] for g in failover]}, **fields)
    resp = srv.api("POST", "/routes", json=body, token=admin.access)
    assert resp.status == 201, u.describe(resp)
    return resp.body["data"]


def wait_bound(srv, admin, gateway, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        resp = srv.api("GET", "/gateways/%s/status" % gateway["id"], token=admin.access)
        assert resp.status == 200, u.describe(resp)
        if resp.body["data"].get("bound"):
            return resp.body["data"]
        if time.monotonic() > deadline:
            raise AssertionError("gateway never bound: %r" % resp.body["data"])
        time.sleep(0.05)


def wait_status(srv, token, message_id, statuses, timeout=20.0):
    if isinstance(statuses, str):
        statuses = {statuses}
    deadline = time.monotonic() + timeout
    while True:
        resp = srv.api("GET", "/messages/%s" % message_id, token=token)
        assert resp.status == 200, u.describe(resp)
        data = resp.body["data"]
        if data["status"] in statuses:
            return data
        if time.monotonic() > deadline:
            raise AssertionError("message %s stayed %s (wanted %s): %r"
                                 % (message_id, data["status"], statuses, data))
        time.sleep(0.05)


def wait_stats(srv, token, predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        resp = srv.api("GET", "/messages/stats", token=token)
        assert resp.status == 200, u.describe(resp)
        data = resp.body["data"]
        if predicate(data):
            return data
        if time.monotonic() > deadline:
            raise AssertionError("stats never matched: %r" % data)
        time.sleep(0.1)
