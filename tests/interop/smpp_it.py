"""Helpers of the end-to-end SMPP suite: the real `ujumbe serve` (started as
the HTTP suite starts it, on SQLite or PostgreSQL per UJUMBE_TEST_ENGINE)
sending through SMPP gateways to SMSC simulators written on the npm `smpp`
package (smsc.js), over real sockets."""

import importlib.util
import json
import queue
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
ESME_SCRIPT = HERE / "esme.js"
ESME_RINVMSGLEN = 0x01
ESME_RINVDSTADR = 0x0B
ESME_RBINDFAIL = 0x0D
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
ESME_RSUBMITFAIL = 0x45
ESME_RTHROTTLED = 0x58


def start_listening(name, command, **popen):
    """Starts a simulator that prints `listening PORT` first; returns (process, port)."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)
    first = proc.stdout.readline().decode().strip()
    if not first.startswith("listening "):
        err = proc.stderr.read().decode(errors="replace")
        pytest.fail("%s did not start: %r %s" % (name, first, err), pytrace=False)
    return proc, int(first.split()[1])


def node_with_smpp():
    """The node binary, failing the test when node or the npm `smpp` package is missing."""
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        pytest.fail("node is not installed (make test installs it)", pytrace=False)
    if not (HERE.parent / "node_modules" / "smpp").is_dir():
        pytest.fail("tests/node_modules/smpp is missing (make test runs npm ci)", pytrace=False)
    return node


class Smsc:
    """One smsc.js process; every PDU it received, as parsed JSON lines."""

    def __init__(self, *args):
        node = node_with_smpp()
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


class SmscCommand:
    """One `ujumbe smsc` process: its port, its stdin, its stderr JSON lines."""

    def __init__(self, *args):
        binary = harness._binary()
        if not binary.exists():
            pytest.fail("ujumbe binary not found at %s" % binary, pytrace=False)
        self.proc, self.port = start_listening(
            "ujumbe smsc", [str(binary), "smsc", "--listen", "127.0.0.1:0", *map(str, args)],
            stdin=subprocess.PIPE)
        self.events = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stderr:
            try:
                entry = json.loads(raw)
            except ValueError:
                entry = {"unparsed": raw.decode(errors="replace")}
            with self._lock:
                self.events.append(entry)

    def lines(self, **match):
        with self._lock:
            return [e for e in self.events if all(e.get(k) == v for k, v in match.items())]

    def wait_for(self, timeout=10.0, **match):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.lines(**match)
            if found:
                return found
            time.sleep(0.02)
        raise AssertionError("no log line %r in %r" % (match, self.events[-20:]))

    def say(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


class Esme:
    """One esme.js process; its JSON events arrive on a queue."""

    def __init__(self, port, *args):
        node = node_with_smpp()
        self.proc = subprocess.Popen([node, str(ESME_SCRIPT), "--port", str(port),
                                      *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, cwd=str(HERE.parent))
        self.queue = queue.Queue()
        self.events = []
        self.taken = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            self.queue.put(json.loads(raw))
        self.queue.put(None)

    def next(self, event, timeout=10.0):
        """The next event of this kind not returned yet (others stay for later calls)."""
        deadline = time.monotonic() + timeout
        while True:
            seen = [e for e in self.events if e["event"] == event]
            if len(seen) > self.taken.get(event, 0):
                self.taken[event] = self.taken.get(event, 0) + 1
                return seen[self.taken[event] - 1]
            try:
                entry = self.queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("no %s event; saw %r" % (event, self.events))
            if entry is None:
                raise AssertionError("esme.js ended before %s; saw %r (%s)" % (
                    event, self.events, self.proc.stderr.read().decode(errors="replace")))
            self.events.append(entry)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
