"""HTTPS on the API listener (docs/operations.md, "HTTPS without a proxy"):
with tls_cert_file and tls_key_file the listener speaks TLS only; the API,
its WebSocket feed and the slow-client limits work over it; a plain HTTP
client gets no HTTP answer; SIGHUP takes a renewed certificate from the
same files, and a broken one leaves the previous in use; settings that
cannot work stop the start with the setting named.
"""

import os
import shutil
import signal
import socket
import ssl
import time

import pytest

import ujumbe_it as u
from ujumbe_it import assert_ok
from ws_client import WsClient


def der(cert):
    return ssl.PEM_cert_to_DER_cert(cert.read_text())


def served_certificate(srv):
    return u.served_certificate(srv.host, srv.port)


def wait_for(condition, what, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def log_of(srv):
    return "".join((srv.base_dir / name).read_text(errors="replace")
                   for name in ("server.stdout", "server.stderr"))


@pytest.fixture
def certificates(tmp_path):
    first = u.make_certificate(tmp_path, "first")
    second = u.make_certificate(tmp_path, "second")
    live = tmp_path / "live.pem", tmp_path / "live.key"
    shutil.copy(first[0], live[0])
    shutil.copy(first[1], live[1])
    return first, second, live


def test_the_api_and_its_feed_over_https_with_a_certificate_renewed_on_sighup(
        server_factory, certificates):
    first, second, live = certificates
    srv = server_factory(env={"UJUMBE_TLS_CERT_FILE": live[0], "UJUMBE_TLS_KEY_FILE": live[1],
                              "UJUMBE_HEADER_TIMEOUT_S": "2"}, label="https")
    assert srv.client.tls is not None  # every request below is HTTPS, the trust checked
    owner = u.register(srv.api)
    contact = u.create_contact(srv.api, owner.access)
    assert assert_ok(srv.api("GET", "/contacts/%s" % contact["id"],
                             token=owner.access))["id"] == contact["id"]
    assert served_certificate(srv) == der(first[0])

    # The realtime feed over wss://, through the same TLS layer.
    ticket = assert_ok(srv.api("POST", "/ws/tickets", token=owner.access), 201)["ticket"]
    ws = WsClient("wss://127.0.0.1:%d/api/v1/ws?ticket=%s" % (srv.port, ticket),
                  tls=srv.client.tls)
    try:
        assert ws.next("ready")["data"]["account_id"] == owner.account_id
    finally:
        ws.close()

    # Plain HTTP on the HTTPS port: no HTTP answer, and the server goes on.
    with socket.create_connection((srv.host, srv.port), timeout=10) as raw:
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            answer = raw.recv(4096)
        except ConnectionResetError:
            answer = b""
        assert not answer.startswith(b"HTTP/")
    # A connection that never says hello is cut when the headers' time is up.
    with socket.create_connection((srv.host, srv.port), timeout=10) as silent:
        began = time.monotonic()
        assert silent.recv(1) == b""
        assert time.monotonic() - began < 8
    assert srv.client.request("GET", "/healthz").status == 200

    # A renewed certificate in the same files: SIGHUP, and new connections
    # are shown it without a restart.
    shutil.copy(second[0], live[0])
    shutil.copy(second[1], live[1])
    os.kill(srv.proc.pid, signal.SIGHUP)
    wait_for(lambda: served_certificate(srv) == der(second[0]), "the renewed certificate")
    assert "TLS certificate reloaded" in log_of(srv)

    # A broken file on the next reload: refused, the certificate in use stays.
    live[0].write_text("not a certificate\n")
    os.kill(srv.proc.pid, signal.SIGHUP)
    wait_for(lambda: "TLS certificate not reloaded" in log_of(srv), "the refused reload")
    assert served_certificate(srv) == der(second[0])
    srv.client.tls = ssl.create_default_context(cafile=str(second[0]))
    assert srv.client.request("GET", "/healthz").status == 200
    assert srv.proc.poll() is None


def test_https_settings_that_cannot_work_stop_the_start(tmp_path, certificates):
    first, second, _ = certificates
    env = {k: v for k, v in os.environ.items() if not k.startswith("UJUMBE_")}
    env.update(UJUMBE_DATA_DIR=str(tmp_path / "data"), UJUMBE_LISTEN="127.0.0.1:0",
               UJUMBE_SECRET_KEY=u.TEST_SECRET)
    alone = u.run_binary(env, "--set", "tls_cert_file=%s" % first[0], "config", "check")
    assert alone.returncode != 0 and "tls_key_file" in alone.stderr + alone.stdout
    assert "needs both" in alone.stderr + alone.stdout

    mismatched = u.run_binary(env, "--set", "tls_cert_file=%s" % first[0], "--set",
                              "tls_key_file=%s" % second[1], "serve", timeout=60)
    assert mismatched.returncode == 1
    assert "tls_key_file" in mismatched.stdout and "mismatch" in mismatched.stdout

    missing = u.run_binary(env, "--set", "tls_cert_file=%s" % (tmp_path / "nowhere.pem"),
                           "--set", "tls_key_file=%s" % first[1], "serve", timeout=60)
    assert missing.returncode == 1 and "tls_cert_file" in missing.stdout
    assert not (tmp_path / "data" / "ujumbe.db").exists()  # stopped before the database
