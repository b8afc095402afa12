"""Uploads are authenticated and authorized from the headers, before a byte of
the body is read or spooled: no credentials, bad credentials or a key without
the scope are refused at once (and `Expect: 100-continue` is not answered
with 100), and uploads in progress are capped per account and per server."""

import os
import socket
import time

import ujumbe_it as u

GIB = 1024 ** 3


def _spooled(server):
    spool = server.data_dir / "spool"
    return sorted(os.listdir(spool)) if spool.is_dir() else []


def _head(path, extra):
    lines = ["POST /api/v1%s HTTP/1.1" % path, "Host: test",
             "Content-Type: multipart/form-data; boundary=xyz",
             "Content-Length: %d" % GIB] + extra
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _first_answer(server, head, wait_s=5.0):
    """Sends only the head of a huge upload; returns (status line, seconds)."""
    sock = socket.create_connection((server.host, server.port), timeout=wait_s)
    started = time.monotonic()
    try:
        sock.sendall(head)
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0].decode(), time.monotonic() - started
    finally:
        sock.close()


def test_no_credentials_is_refused_before_the_body(server):
    before = _spooled(server)
    for extra in ([], ["Expect: 100-continue"]):
        status, _ = _first_answer(server, _head("/contacts/import", extra))
        assert " 401 " in status + " ", status
    assert _spooled(server) == before


def test_bad_credentials_are_refused_before_the_body(server):
    before = _spooled(server)
    for auth in ("Bearer not.a.token", "ApiKey uj_nonsense", "Basic abc", "Bearer"):
        status, _ = _first_answer(
            server, _head("/contacts/import", ["Authorization: " + auth, "Expect: 100-continue"]))
        assert " 401 " in status + " ", (auth, status)
    assert _spooled(server) == before


def test_a_key_without_the_scope_is_refused_before_the_body(server, api, owner):
    key = u.create_api_key(api, owner.access, scopes=["messages:send"])["key"]
    status, _ = _first_answer(
        server, _head("/contacts/import", ["Authorization: ApiKey " + key,
                                           "Expect: 100-continue"]))
    assert " 403 " in status + " ", status


def test_other_routes_refuse_missing_credentials_before_the_body(server):
    for path in ("/messages/bulk", "/contacts"):
        head = ("POST /api/v1%s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                "Content-Length: 1000000\r\n\r\n" % path).encode()
        status, _ = _first_answer(server, head)
        assert " 401 " in status + " ", status


def test_an_authorized_upload_gets_100_continue(server, owner):
    status, _ = _first_answer(
        server, _head("/contacts/import", ["Authorization: Bearer " + owner.access,
                                           "Expect: 100-continue"]))
    assert " 100 " in status + " ", status


def test_uploads_in_progress_are_capped_per_account(server_factory):
    srv = server_factory(env={"UJUMBE_MAX_UPLOADS_PER_ACCOUNT": "1", "UJUMBE_MAX_UPLOADS": "4"},
                         label="uploads")
    api = srv.api
    owner = u.register(api)
    other = u.register(api)
    held = socket.create_connection((srv.host, srv.port), timeout=10)
    try:
        held.sendall(_head("/contacts/import", ["Authorization: Bearer " + owner.access]))
        held.sendall(b"--xyz\r\n")  # the upload is under way
        time.sleep(0.5)
        status, _ = _first_answer(
            srv, _head("/contacts/import", ["Authorization: Bearer " + owner.access]))
        assert " 429 " in status + " ", status
        # Another account is not held up by it.
        status, _ = _first_answer(
            srv, _head("/contacts/import", ["Authorization: Bearer " + other.access,
                                            "Expect: 100-continue"]))
        assert " 100 " in status + " ", status
    finally:
        held.close()
    # Once the first upload is gone, the account may upload again.
    deadline = time.monotonic() + 10
    while True:
        status, _ = _first_answer(
            srv, _head("/contacts/import", ["Authorization: Bearer " + owner.access,
                                            "Expect: 100-continue"]))
        if " 100 " in status + " " or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert " 100 " in status + " ", status
