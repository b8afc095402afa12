"""Graceful shutdown: SIGTERM lets in-flight requests finish, then the server exits 0."""

import json
import signal
import socket
import time

import ujumbe_it as u


def _read_all(sock):
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def test_sigterm_lets_in_flight_requests_finish(server_factory):
    srv = server_factory(label="shutdown")
    actor = u.register(srv.api)
    body = json.dumps({"email": actor.email, "password": actor.password}).encode()
    request = (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    # Each login hashes a password for tens of milliseconds and the database
    # threads are few, so most of these are still being worked on when the
    # signal arrives.
    socks = []
    for _ in range(8):
        s = socket.create_connection((srv.host, srv.port), timeout=20)
        s.sendall(request)
        socks.append(s)
    time.sleep(0.02)
    srv.proc.send_signal(signal.SIGTERM)
    answers = [_read_all(s) for s in socks]
    for s in socks:
        s.close()
    complete = [a for a in answers if a]
    assert complete, "no request finished after SIGTERM"
    for a in complete:
        head, _, payload = a.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        assert json.loads(payload)["data"]["access"]
    assert srv.proc.wait(15) == 0
    srv.proc = None  # stopped here; nothing left for the fixture to stop


def test_idle_keep_alive_connections_do_not_hold_shutdown(server_factory):
    srv = server_factory(label="idle")
    idle = socket.create_connection((srv.host, srv.port), timeout=20)
    idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    first = idle.recv(65536)
    assert first.startswith(b"HTTP/1.1 200")
    started = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.proc.wait(15) == 0
    assert time.monotonic() - started < 5
    srv.proc = None
    idle.close()
