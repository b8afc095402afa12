"""Fixtures of the Ujumbe black-box HTTP suite.

The suite starts the real binary (`ujumbe serve`) on a free port with a fresh
data directory and talks to it over HTTP.  Environment knobs:

  UJUMBE_BIN           the binary (default <repo>/build/bin/ujumbe)
  UJUMBE_TEST_ENGINE   sqlite (default) or postgres
  UJUMBE_TEST_PG_URL   postgres server URL, e.g. postgresql://postgres@127.0.0.1:5433/postgres
                       (a fresh database ujumbe_it_<hex> is created per server start)
  UJUMBE_TEST_KEEP     set to 1 to keep the temporary directories (data, logs)

Every other UJUMBE_* variable of the caller's environment is removed from the
server's environment so the suite always runs against the same configuration.
"""

import atexit
import functools
import http.client
import json
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import openapi_contract  # noqa: E402
import ujumbe_it as u  # noqa: E402

REPO_ROOT = HERE.parents[1]
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0

BASE_ENV = {
    "UJUMBE_LISTEN": "127.0.0.1:0",
    "UJUMBE_SECRET_KEY": u.TEST_SECRET,
    "UJUMBE_ADMIN_EMAIL": u.ADMIN_EMAIL,
    "UJUMBE_ADMIN_PASSWORD": u.ADMIN_PASSWORD,
    "UJUMBE_LOG_LEVEL": "warn",
    # A sandbox gateway and a catch-all route, so messages can be sent.
    "UJUMBE_SANDBOX_GATEWAY": "true",
    # The suite logs in from one IP all the time; throttle tests start their
    # own servers without this override.
    "UJUMBE_LOGIN_IP_MAX_FAILURES": "100000",
    # Every test signs in from 127.0.0.1; rate-limit tests start their own
    # servers with small limits.
    "UJUMBE_RATE_LIMIT_AUTH": "0",
    # Likewise for registrations (test_security_registration_flood.py starts
    # its own servers with the defaults).
    "UJUMBE_REGISTER_IP_MAX": "100000",
    "UJUMBE_REGISTER_MAX": "100000",
    # Suites that log in in parallel expect answers, not 429 for a busy
    # hashing slot (the flood tests start their servers with the defaults).
    "UJUMBE_PASSWORD_HASH_SLOTS": "16",
}

_live_servers = set()


def _binary():
    return Path(os.environ.get("UJUMBE_BIN") or REPO_ROOT / "build" / "bin" / "ujumbe")


def _engine():
    engine = os.environ.get("UJUMBE_TEST_ENGINE", "sqlite").strip().lower() or "sqlite"
    if engine not in ("sqlite", "postgres"):
        pytest.fail("UJUMBE_TEST_ENGINE must be sqlite or postgres, not %r" % engine,
                    pytrace=False)
    return engine


def _psql(server_url, sql):
    return subprocess.run(["psql", server_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


def _tail(path, limit=4000):
    try:
        data = Path(path).read_bytes()
    except OSError:
        return "<none>"
    return data[-limit:].decode("utf-8", "replace") or "<empty>"


class UjumbeServer:
    """One `ujumbe serve` process with its own data directory (and database)."""

    def __init__(self, env=None, label="main", args=()):
        self.env_overrides = dict(env or {})
        self.label = label
        self.args = list(args)  # before `serve`: --config FILE, --set KEY=VALUE
        self.proc = None
        self.base_dir = None
        self.data_dir = None
        self.pg_server_url = None
        self.pg_db = None
        self.host = None
        self.port = None
        self.client = None
        self._contract = None  # the OpenAPI document, read at the first answer
        self._out = None
        self._err = None

    # ---- lifecycle -------------------------------------------------------

    def start(self):
        binary = _binary()
        if not binary.is_file() or not os.access(binary, os.X_OK):
            pytest.fail("ujumbe binary not found at %s (build it, or set UJUMBE_BIN)" % binary,
                        pytrace=False)
        engine = _engine()
        self.base_dir = Path(tempfile.mkdtemp(prefix="ujumbe-it-%s-" % self.label))
        self.data_dir = self.base_dir / "data"
        self.data_dir.mkdir()

        env = {k: v for k, v in os.environ.items() if not k.startswith("UJUMBE_")}
        env.update(BASE_ENV)
        env["UJUMBE_DATA_DIR"] = str(self.data_dir)
        if engine == "postgres":
            env["UJUMBE_DATABASE_URL"] = self._create_database()
        for key, value in self.env_overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = str(value)
        # A restart on another server's data (UJUMBE_DATA_DIR given) waits for
        # the address this process writes, not the one its predecessor left.
        self.data_dir = Path(env["UJUMBE_DATA_DIR"])
        (self.data_dir / "listen.addr").unlink(missing_ok=True)

        self.env = env
        self._out = open(self.base_dir / "server.stdout", "wb")
        self._err = open(self.base_dir / "server.stderr", "wb")
        self.proc = subprocess.Popen([str(binary), *self.args, "serve"], env=env,
                                     cwd=str(self.base_dir),
                                     stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=self._err, start_new_session=True)
        _live_servers.add(self)
        self._wait_ready()
        return self

    def command(self, *args, timeout=120, input=None):
        """Runs `ujumbe <args>` on this server's configuration (its database);
        `input` (text) is its standard input."""
        if input is None:
            return subprocess.run([str(_binary()), *args], env=self.env, cwd=str(self.base_dir),
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=timeout)
        return subprocess.run([str(_binary()), *args], env=self.env, cwd=str(self.base_dir),
                              input=input, capture_output=True, text=True, timeout=timeout)

    def _create_database(self):
        server_url = os.environ.get("UJUMBE_TEST_PG_URL")
        if not server_url:
            pytest.fail("UJUMBE_TEST_ENGINE=postgres needs UJUMBE_TEST_PG_URL", pytrace=False)
        name = "ujumbe_it_" + secrets.token_hex(6)
        res = _psql(server_url, 'CREATE DATABASE "%s"' % name)
        if res.returncode != 0:
            pytest.fail("cannot create database %s: %s" % (name, res.stderr.strip()),
                        pytrace=False)
        self.pg_server_url = server_url
        self.pg_db = name
        parts = urlsplit(server_url)
        return urlunsplit(parts._replace(path="/" + name))

    def _fail_start(self, why):
        details = "%s\n--- stderr ---\n%s\n--- stdout ---\n%s" % (
            why, _tail(self.base_dir / "server.stderr"), _tail(self.base_dir / "server.stdout"))
        self.stop()
        pytest.fail("ujumbe server (%s) did not start: %s" % (self.label, details), pytrace=False)

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        addr_file = self.data_dir / "listen.addr"
        while True:
            if self.proc.poll() is not None:
                self._fail_start("process exited early with status %s" % self.proc.returncode)
            text = ""
            try:
                text = addr_file.read_text().strip()
            except OSError:
                pass
            if text and ":" in text:
                host, _, port = text.rpartition(":")
                host = host.strip("[]")
                if port.isdigit() and int(port) > 0:
                    self.host, self.port = host, int(port)
                    break
            if time.monotonic() > deadline:
                self._fail_start("no usable %s after %.0f s (content: %r)"
                                 % (addr_file, START_TIMEOUT_S, text))
            time.sleep(0.05)
        tls = None
        if self.env.get("UJUMBE_TLS_CERT_FILE"):  # HTTPS, trusting that certificate
            tls = ssl.create_default_context(cafile=self.env["UJUMBE_TLS_CERT_FILE"])
        self.client = u.Client(self.host, self.port, tls=tls)
        deadline = time.monotonic() + START_TIMEOUT_S
        last = None
        while True:
            if self.proc.poll() is not None:
                self._fail_start("process exited early with status %s" % self.proc.returncode)
            try:
                last = self.client.request("GET", "/healthz")
                if last.status == 200:
                    return
            except OSError as e:
                last = e
            if time.monotonic() > deadline:
                self._fail_start("GET /healthz never answered 200 (last: %r)" % (last,))
            time.sleep(0.05)

    def stop(self):
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    warnings.warn("ujumbe server (%s) ignored SIGTERM for %.0f s; killed"
                                  % (self.label, STOP_TIMEOUT_S))
                    proc.kill()
                    proc.wait(5)
                else:
                    if proc.returncode != 0:
                        warnings.warn("ujumbe server (%s) exited with status %s after SIGTERM"
                                      % (self.label, proc.returncode))
            else:
                warnings.warn("ujumbe server (%s) had already exited with status %s\n%s"
                              % (self.label, proc.returncode,
                                 _tail(self.base_dir / "server.stderr", 2000)))
        _live_servers.discard(self)
        for f in (self._out, self._err):
            if f is not None:
                f.close()
        self._out = self._err = None
        if self.pg_db is not None:
            _psql(self.pg_server_url, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.pg_db)
            self.pg_db = None
        if self.base_dir is not None and os.environ.get("UJUMBE_TEST_KEEP") != "1":
            shutil.rmtree(self.base_dir, ignore_errors=True)

    # ---- requests --------------------------------------------------------

    def _guard(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (OSError, http.client.HTTPException) as e:
            # refused, reset, timeout, garbled answer: say whether the server died
            state = ("exited with status %s" % self.proc.returncode
                     if self.proc is not None and self.proc.poll() is not None else "running")
            raise AssertionError("request to ujumbe (%s) failed: %r; server %s\n--- stderr ---\n%s"
                                 % (self.label, e, state,
                                    _tail(self.base_dir / "server.stderr", 2000))) from e

    def api(self, method, path, ignored_query=False, **kwargs):
        """api(method, path, json=, token=, apikey=, headers=, raw_body=, content_type=).
        ignored_query=True: the query carries parameters the route does not
        read on purpose (to show they change nothing), so the contract does
        not ask that they be documented."""
        resp = self._guard(self.client.api, method, path, **kwargs)
        self._check_contract(method, "/api/v1" + path, resp, kwargs.get("json"), ignored_query)
        return resp

    def request(self, method, full_path, **kwargs):
        """Like api() but with a path outside /api/v1 (e.g. "/healthz")."""
        resp = self._guard(self.client.request, method, full_path, **kwargs)
        self._check_contract(method, full_path, resp, kwargs.get("json"))
        return resp

    def _check_contract(self, method, full_path, resp, request_json=None, ignored_query=False):
        """Every answer against the server's OpenAPI document (openapi_contract.py)."""
        if method == "HEAD" or not isinstance(resp, u.Resp):
            return
        if self._contract is None:
            doc = self._guard(self.client.request, "GET", "/api/v1/openapi.json")
            assert doc.status == 200, doc
            self._contract = openapi_contract.Contract(json.loads(doc.raw))
        self._contract.check(method, full_path, resp, request_json, ignored_query)


@atexit.register
def _stop_leftovers():
    for srv in list(_live_servers):
        try:
            srv.stop()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def server():
    """The shared server of the session."""
    srv = UjumbeServer(label="main")
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def api(server):
    """api(method, path, json=None, token=None, apikey=None, headers=None,
    raw_body=None, content_type=None) -> (status, headers, json) on /api/v1."""
    return server.api


@pytest.fixture
def server_factory():
    """Starts extra servers: server_factory(env={...}); a None value removes a
    variable of the base environment.  All are stopped at the end of the test."""
    started = []

    def make(env=None, label="extra", args=()):
        srv = UjumbeServer(env, label, args)
        started.append(srv)
        return srv.start()

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def register(api):
    """register(email=None, password=..., name=None, account_name=None) -> Actor."""
    return functools.partial(u.register, api)


@pytest.fixture
def owner(api):
    """A freshly registered account; its owner as an Actor."""
    return u.register(api)


@pytest.fixture(scope="session")
def admin(server):
    """The platform admin, logged in once for the session (never log it out)."""
    actor = u.login(server.api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    claims = u.jwt_decode(actor.access)[1]
    assert claims.get("role") == "platform_admin", claims
    return actor
