"""Faults: the database goes away or its disk fills up while messages flow
through the npm `smpp` SMSC simulator, and the server is never restarted by
hand. Each test ends with every message that was answered 201 delivered
(its receipt recorded), none sent twice unless the call that carried it was
answered with an error first (a commit whose answer was lost), and no 500.

PostgreSQL tests run on a cluster of their own (they kill and restart it),
under UJUMBE_TEST_ENGINE=postgres; the full-disk test runs under sqlite
(its data directory on a small tmpfs). The SMPP connection drops during a
fault in both. docs/operations.md says what an operator sees in each case."""

import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

import ujumbe_it as u
from smpp_it import UjumbeServer, add_route, add_smpp_gateway, admin_of, wait_bound

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ENGINE = os.environ.get("UJUMBE_TEST_ENGINE", "sqlite").strip().lower() or "sqlite"
TO = "+254712345678"
FINAL_WAIT_S = 240.0


class PrivatePostgres:
    """A PostgreSQL cluster only this test uses, so it may be killed."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="ujumbe-faults-pg-"))
        # Durable commits: a commit it answered survives its being killed.
        self.url = self._script("start", "durable").strip()

    def _script(self, command, *args):
        res = subprocess.run([str(REPO / "scripts" / "pg-cluster.sh"), command, str(self.dir),
                              *args],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, "pg-cluster.sh %s: %s" % (command, res.stderr)
        return res.stdout

    def database(self):
        name = "faults_%d" % int(time.monotonic() * 1000)
        res = subprocess.run(["psql", self.url, "-q", "-c", 'CREATE DATABASE "%s"' % name],
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stderr
        return urlunsplit(urlsplit(self.url)._replace(path="/" + name))

    def restart(self):  # killed (-m immediate), then started again
        self._script("restart")

    def crash(self):
        self._script("crash")

    def resume(self):
        self._script("resume")

    def stop(self):
        self._script("stop")


@pytest.fixture
def private_pg():
    pg = PrivatePostgres()
    yield pg
    if os.environ.get("UJUMBE_TEST_KEEP") != "1":
        pg.stop()


class Poster:
    """Sends `calls` bulk calls of `per_call` messages, each call again until
    it is answered 201; keeps every answer's status."""

    def __init__(self, srv, token, calls, per_call, prefix):
        self.srv, self.token = srv, token
        self.calls, self.per_call, self.prefix = calls, per_call, prefix
        self.accepted, self.errored = [], set()
        self.statuses = []
        self.slowest = 0.0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def accepted_count(self):
        with self.lock:
            return len(self.accepted)

    def _run(self):
        for call in range(self.calls):
            bodies = ["%s%d-%d" % (self.prefix, call, i) for i in range(self.per_call)]
            while True:
                started = time.monotonic()
                resp = self.srv.client.api("POST", "/messages/bulk",
                                           json={"messages": [{"to": TO, "body": b}
                                                              for b in bodies]},
                                           token=self.token)
                with self.lock:
                    self.slowest = max(self.slowest, time.monotonic() - started)
                    self.statuses.append(resp.status)
                    if resp.status == 201:
                        self.accepted.extend(bodies)
                        break
                    self.errored.update(bodies)
                assert resp.status in (503, 507), u.describe(resp)
                assert resp.headers.get("retry-after"), u.describe(resp)
                time.sleep(0.2)

    def join(self, timeout=300):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the bulk calls never all went through"


def _server(env, label):
    return UjumbeServer(dict({"UJUMBE_SANDBOX_GATEWAY": None}, **env), label=label).start()


def _with_gateway(srv, smsc, window=200):
    admin = admin_of(srv)
    gateway = add_smpp_gateway(srv, admin, smsc, window=window)
    add_route(srv, admin, [gateway])
    wait_bound(srv, admin, gateway)
    return admin


def _wait_all_delivered(srv, token, expected):
    deadline = time.monotonic() + FINAL_WAIT_S
    while True:
        resp = srv.api("GET", "/messages/stats", token=token)
        assert resp.status == 200, u.describe(resp)
        by = resp.body["data"]["by_status"]
        if by.get("delivered", 0) >= expected and not any(
                by.get(s, 0) for s in ("queued", "sending", "scheduled", "sent")):
            return by
        if time.monotonic() > deadline:
            raise AssertionError("not all delivered: %r (expected %d)" % (by, expected))
        time.sleep(0.25)


def _check_exactly_once(smsc, poster):
    texts = smsc.submit_texts()
    missing = [b for b in poster.accepted if texts.get(b, 0) == 0]
    assert not missing, "answered 201, never sent: %d, e.g. %s" % (len(missing), missing[:5])
    twice = [b for b, n in texts.items() if n > 1]
    # A commit whose answer was lost: the call was answered with an error and
    # sent again, so its messages exist twice. Nothing else is sent twice.
    assert all(b in poster.errored for b in twice), [b for b in twice if b not in poster.errored]
    assert all(texts[b] == 2 for b in twice)
    return len(twice)


def _stored(srv, token):
    return srv.api("GET", "/messages/stats", token=token).body["data"]["total"]


if ENGINE == "postgres":

    def test_postgres_killed_and_restarted_five_times_during_a_burst(smsc_factory, private_pg,
                                                                      capsys):
        smsc = smsc_factory("--receipt-delay-ms", "50")
        srv = _server({"UJUMBE_DATABASE_URL": private_pg.database()}, "pg-restarts")
        try:
            admin = _with_gateway(srv, smsc)
            poster = Poster(srv, admin.access, calls=40, per_call=500, prefix="r").start()
            restarts = []
            for i in range(5):
                deadline = time.monotonic() + 120
                while poster.accepted_count() < (i + 1) * 3_000 and time.monotonic() < deadline:
                    time.sleep(0.02)
                started = time.monotonic()
                private_pg.restart()
                restarts.append(time.monotonic() - started)
            poster.join()
            by = _wait_all_delivered(srv, admin.access, len(poster.accepted))
            twice = _check_exactly_once(smsc, poster)
            assert 500 not in poster.statuses
            assert by.get("delivered") == _stored(srv, admin.access)
            assert srv.proc.poll() is None, "the server stopped"
            assert srv.request("GET", "/readyz").status == 200
            with capsys.disabled():
                print("\n[faults] 5 restarts (%s s); accepted %d, answered 503 %d times, "
                      "sent twice after a lost commit answer %d, slowest answer %.2f s"
                      % (", ".join("%.1f" % r for r in restarts), len(poster.accepted),
                         poster.statuses.count(503), twice, poster.slowest))
        finally:
            srv.stop()

    def test_postgres_down_30s_with_the_smsc_connection_dropped_meanwhile(smsc_factory,
                                                                          private_pg, capsys):
        # Receipts come while the database is down: they are refused for now
        # (ESME_RX_T_APPN), and those unanswered when the connection drops
        # come again after the next bind.
        smsc = smsc_factory("--receipt-delay-ms", "1500", "--redeliver-ms", "1000")
        srv = _server({"UJUMBE_DATABASE_URL": private_pg.database()}, "pg-down")
        try:
            admin = _with_gateway(srv, smsc)
            poster = Poster(srv, admin.access, calls=4, per_call=500, prefix="d").start()
            poster.join()
            deadline = time.monotonic() + 60
            while len(smsc.pdus("submit_sm")) < 2_000 and time.monotonic() < deadline:
                time.sleep(0.02)
            # An import of contacts runs when the database goes away: it waits
            # and finishes by itself.
            rows = 150_000
            csv = "phone_e164,name\n" + "".join(
                "+255712%06d,Import %d\n" % (i, i) for i in range(rows))
            job = u.start_import(srv.api, admin.access, csv.encode())
            while srv.api("GET", "/contacts/imports/%s" % job["id"],
                          token=admin.access).body["data"]["status"] == "pending":
                time.sleep(0.02)
            private_pg.crash()
            down_at = time.monotonic()

            # Clear answers while it is away, never a hang, never a 500.
            started = time.monotonic()
            resp = srv.api("POST", "/messages", json={"to": TO, "body": "while down"},
                           token=admin.access)
            assert time.monotonic() - started < 10
            assert resp.status == 503, u.describe(resp)
            assert resp.body["error_code"] == "DATABASE_UNAVAILABLE"
            assert int(resp.headers["retry-after"]) > 0
            ready = srv.request("GET", "/readyz")
            assert ready.status == 503, u.describe(ready)
            assert ready.body["details"]["database"]["status"] == "unreachable"
            assert srv.api("GET", "/messages", token=admin.access).status == 503

            time.sleep(10)
            smsc.proc.send_signal(signal.SIGUSR1)  # every SMPP connection dropped
            time.sleep(max(0.0, 30 - (time.monotonic() - down_at)))
            refused = [e for e in smsc.lines if e.get("receipt") == "refused"]
            assert refused, "no receipt was refused while the database was down"

            private_pg.resume()
            back_at = time.monotonic()
            while srv.request("GET", "/readyz").status != 200:
                assert time.monotonic() - back_at < 30, "never ready again"
                time.sleep(0.05)
            ready_after = time.monotonic() - back_at
            by = _wait_all_delivered(srv, admin.access, 2_000)
            assert by.get("delivered") == _stored(srv, admin.access) == 2_000
            imported = u.wait_import(srv.api, admin.access, job["id"])
            assert imported["status"] == "completed", imported
            assert imported["created"] == rows and imported["failed"] == 0, imported
            _check_exactly_once(smsc, poster)
            assert len(smsc.pdus("bind_transceiver")) >= 2, "the gateway never bound again"
            assert srv.proc.poll() is None
            backlog = srv.api("GET", "/admin/messages/backlog", token=admin.access)
            assert backlog.status == 200, u.describe(backlog)
            assert "sent" not in backlog.body["data"]["by_status"]
            with capsys.disabled():
                print("\n[faults] down 30 s: %d receipts refused meanwhile; ready %.2f s after "
                      "the database came back" % (len(refused), ready_after))
        finally:
            srv.stop()


if ENGINE == "sqlite":

    @pytest.fixture
    def small_disk():
        mount = Path(tempfile.mkdtemp(prefix="ujumbe-faults-disk-"))
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(mount)],
                             capture_output=True, text=True)
        assert res.returncode == 0, "cannot mount a tmpfs (root needed): %s" % res.stderr
        yield mount
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        os.rmdir(mount)

    def _fill(mount):
        """Writes a file until the disk is full; returns its path."""
        filler = mount / "filler"
        chunk = b"\0" * (1 << 20)
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(chunk)
                    f.flush()
            except OSError:
                pass
        return filler

    def test_sqlite_disk_full_mid_burst_with_the_smsc_connection_dropped(smsc_factory,
                                                                          small_disk, capsys):
        smsc = smsc_factory("--receipt-delay-ms", "50")
        srv = _server({"UJUMBE_DATA_DIR": str(small_disk / "data")}, "disk-full")
        try:
            admin = _with_gateway(srv, smsc)
            poster = Poster(srv, admin.access, calls=20, per_call=500, prefix="f").start()
            deadline = time.monotonic() + 60
            while poster.accepted_count() < 2_000 and time.monotonic() < deadline:
                time.sleep(0.02)
            filler = _fill(small_disk)
            full_at = time.monotonic()
            seen_full = False
            while time.monotonic() - full_at < 5:
                ready = srv.request("GET", "/readyz")
                if ready.status == 507:
                    assert ready.body["error_code"] == "INSUFFICIENT_STORAGE"
                    assert ready.body["details"]["disk"]["status"] == "full"
                    seen_full = True
                time.sleep(0.1)
            assert 507 in poster.statuses, poster.statuses[-10:]
            assert seen_full, "/readyz never said the disk was full"
            # The SMSC drops its connections while the disk is full, once every
            # submit_sm it took was answered (a part unanswered at a drop may
            # have been taken and is never resent: decision 0010).
            submits = -1
            while submits != len(smsc.pdus("submit_sm")):
                submits = len(smsc.pdus("submit_sm"))
                time.sleep(0.5)
            smsc.proc.send_signal(signal.SIGUSR1)
            time.sleep(2)
            filler.unlink()
            poster.join()
            by = _wait_all_delivered(srv, admin.access, len(poster.accepted))
            twice = _check_exactly_once(smsc, poster)
            assert 500 not in poster.statuses
            assert by.get("delivered") == _stored(srv, admin.access)
            assert len(smsc.pdus("bind_transceiver")) >= 2, "the gateway never bound again"
            # SQLite answers every commit it tried: a call answered 507 stored
            # nothing (never half a bulk call), so nothing was sent twice.
            assert twice == 0
            assert srv.request("GET", "/readyz").status == 200
            assert srv.proc.poll() is None
            with capsys.disabled():
                print("\n[faults] disk full for ~5 s: accepted %d, answered 507 %d times, "
                      "sent twice after a lost commit answer %d"
                      % (len(poster.accepted), poster.statuses.count(507), twice))
        finally:
            srv.stop()
