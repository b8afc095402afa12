"""Slow clients (slowloris): headers must be complete within the header
timeout, bodies must keep a minimum rate, and connections are capped per
client address, so a client trickling bytes over many connections cannot
keep honest clients out."""

import socket
import threading
import time

import ujumbe_it as u

ENV = {
    "UJUMBE_HEADER_TIMEOUT_S": "2",
    "UJUMBE_BODY_GRACE_S": "2",
    "UJUMBE_BODY_MIN_RATE": "1000",
    "UJUMBE_IDLE_TIMEOUT_S": "3",
    "UJUMBE_MAX_CONNECTIONS": "40",
    "UJUMBE_MAX_CONNECTIONS_PER_ADDRESS": "8",
}
ATTACKER = "127.0.0.2"  # loopback answers every 127/8 address


def _connect(srv, source=None):
    sock = socket.create_connection((srv.host, srv.port), timeout=10,
                                    source_address=(source, 0) if source else None)
    return sock


def _closed_within(sock, seconds, trickle=None):
    """True when the server closes `sock` within `seconds`; `trickle`
    (bytes) is sent every 0.5 s meanwhile."""
    deadline = time.monotonic() + seconds
    sock.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            if trickle:
                sock.sendall(trickle)
            data = sock.recv(4096)
            if not data:
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def test_trickled_headers_are_cut_off(server_factory):
    srv = server_factory(env=ENV, label="slow-headers")
    sock = _connect(srv)
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        # Cut off by the 2 s header timeout (before: 60 s), however long it
        # goes on trickling.
        assert _closed_within(sock, 8, trickle=b"X"), "trickled headers were never cut off"
    finally:
        sock.close()


def test_stalled_and_trickled_bodies_are_cut_off(server_factory):
    srv = server_factory(env=ENV, label="slow-bodies")
    owner = u.register(srv.api)
    for trickle in (None, b"x"):
        sock = _connect(srv)
        try:
            sock.sendall(("POST /api/v1/contacts HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s"
                          "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
                          % owner.access).encode())
            assert _closed_within(sock, 10, trickle=trickle), "slow body was never cut off"
        finally:
            sock.close()


def test_an_idle_keep_alive_connection_is_closed(server_factory):
    srv = server_factory(env=ENV, label="idle")
    sock = _connect(srv)
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        sock.settimeout(5)
        assert b"200" in sock.recv(4096)
        assert _closed_within(sock, 8), "idle connection stayed open"
    finally:
        sock.close()


def test_honest_clients_are_served_during_a_slowloris(server_factory):
    srv = server_factory(env=ENV, label="slowloris")
    stop = threading.Event()
    opened = []

    def attack():
        # Keeps opening connections from one address and trickling headers.
        while not stop.is_set():
            try:
                sock = _connect(srv, ATTACKER)
                sock.sendall(b"GET /healthz HTTP/1.1\r\nX-a: ")
                opened.append(sock)
            except OSError:
                time.sleep(0.05)
            for sock in list(opened[-20:]):
                try:
                    sock.send(b"a")
                except OSError:
                    pass
            time.sleep(0.02)

    attackers = [threading.Thread(target=attack) for _ in range(3)]
    for t in attackers:
        t.start()
    try:
        time.sleep(1.0)
        served = 0
        for _ in range(20):
            client = u.Client(srv.host, srv.port, timeout=5)
            resp = client.request("GET", "/healthz")
            assert resp.status == 200
            served += 1
            time.sleep(0.1)
        assert served == 20
        assert len(opened) > 8, "the attack never opened more than the cap"
    finally:
        stop.set()
        for t in attackers:
            t.join()
        for sock in opened:
            sock.close()
