"""A programmable HTTP receiver for webhook deliveries (docs/webhooks.md).

`WebhookReceiver` listens on 127.0.0.1 (a free port), records every request
(method, path, headers, body bytes, arrival time) and answers as programmed,
per path or for every path:

    rx = WebhookReceiver().start()
    rx.program("/slow", Answer(delay=1.0))                  # sleeps, then 200
    rx.program("/down", Answer(status=500, body="upstream down"))
    rx.program("/flaky", Answer.ok(), first=[Answer(status=500)] * 2)  # fail twice
    rx.program("/hangup", Answer.ok(), first=[Answer.hang_up()])
    rx.wait_for(lambda reqs: len(reqs) >= 3, path="/flaky")

`verify_signature()` checks an `X-Ujumbe-Signature` header exactly as the
documentation describes it.  Standard library only.
"""

import hashlib
import hmac
import http.server
import json as jsonlib
import re
import socket
import socketserver
import sys
import threading
import time
from urllib.parse import urlsplit

SIGNATURE_HEADER = "X-Ujumbe-Signature"
HEX64 = re.compile(r"^[0-9a-f]{64}$")


# --------------------------------------------------------------------------
# Signatures
# --------------------------------------------------------------------------

def parse_signature(header):
    """Splits `t=<unix>,v1=<hex>[,v1=<hex>...]` into (t as int, [v1 values]).

    Raises ValueError on anything else: a field without `=`, no `t` or more
    than one, a `t` that is not a decimal number, no `v1`, or a `v1` that is
    not 64 lowercase hex digits.  Unknown fields (other versions) are ignored.
    """
    if not isinstance(header, str) or not header:
        raise ValueError("no signature header")
    t_values, v1 = [], []
    for field in header.split(","):
        key, sep, value = field.partition("=")
        if not sep:
            raise ValueError("field without '=': %r in %r" % (field, header))
        if key == "t":
            t_values.append(value)
        elif key == "v1":
            if not HEX64.match(value):
                raise ValueError("v1 is not 64 lowercase hex digits: %r" % (value,))
            v1.append(value)
    if len(t_values) != 1 or not t_values[0].isdigit():
        raise ValueError("not exactly one decimal t: %r" % (header,))
    if not v1:
        raise ValueError("no v1: %r" % (header,))
    return int(t_values[0]), v1


def expected_v1(secret, t, body):
    """lowercase hex HMAC-SHA256 keyed with the whole secret text over `<t>.<body>`."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return hmac.new(secret.encode("utf-8"), str(t).encode("ascii") + b"." + body,
                    hashlib.sha256).hexdigest()


def verify_signature(secret, header, body, tolerance=300, now=None):
    """True when `header` carries a v1 made with `secret` over this body and
    its `t` is within `tolerance` seconds of `now` (default: the clock)."""
    try:
        t, v1 = parse_signature(header)
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - t) > tolerance:
        return False
    want = expected_v1(secret, t, body)
    return any(hmac.compare_digest(v, want) for v in v1)


def matching_v1(secret, header, body):
    """The indexes of the v1 values of `header` made with `secret`."""
    t, v1 = parse_signature(header)
    want = expected_v1(secret, t, body)
    return [i for i, v in enumerate(v1) if hmac.compare_digest(v, want)]


# --------------------------------------------------------------------------
# Requests and answers
# --------------------------------------------------------------------------

_UNSET = object()


class Received:
    """One request as the receiver got it."""

    def __init__(self, seq, method, target, header_items, body, arrived, arrived_wall):
        self.seq = seq
        self.method = method
        self.target = target
        self.path = urlsplit(target).path
        self.query = urlsplit(target).query
        self.header_items = list(header_items)
        self.headers = {}
        for k, v in self.header_items:
            k = k.lower()
            self.headers[k] = v if k not in self.headers else self.headers[k] + ", " + v
        self.body = body
        self.arrived = arrived            # time.monotonic() once the body was read
        self.arrived_wall = arrived_wall  # time.time() at the same moment
        self.answered = None              # time.monotonic() once answered (or given up)
        self.outcome = None               # "answered <status>", "closed", "client gone"
        self._message_id = _UNSET

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def json(self):
        """The body parsed as JSON (a fresh copy each call)."""
        return jsonlib.loads(self.body.decode("utf-8"))

    @property
    def event_id(self):
        return self.header("X-Ujumbe-Event-Id")

    @property
    def event_type(self):
        return self.header("X-Ujumbe-Event-Type")

    @property
    def delivery_id(self):
        return self.header("X-Ujumbe-Delivery-Id")

    @property
    def signature(self):
        return self.header(SIGNATURE_HEADER)

    def verify(self, secret, tolerance=300):
        return verify_signature(secret, self.signature, self.body, tolerance,
                                now=self.arrived_wall)

    def message_id(self):
        """data.message.id of a message event's body, else None."""
        if self._message_id is _UNSET:
            try:
                self._message_id = self.json()["data"]["message"]["id"]
            except (ValueError, KeyError, TypeError, AttributeError):
                self._message_id = None
        return self._message_id

    def __repr__(self):
        return "<%s %s type=%s event=%s %d bytes -> %s>" % (
            self.method, self.target, self.event_type, self.event_id, len(self.body),
            self.outcome)


class Answer:
    """How to answer one request: after `delay` seconds either close the
    connection without a word (`close=True`) or answer `status` with `body`."""

    def __init__(self, status=200, body=b"ok", delay=0.0, close=False, headers=None):
        self.status = int(status)
        self.body = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        self.delay = float(delay)
        self.close = bool(close)
        self.headers = dict(headers or {})

    @classmethod
    def ok(cls, body=b"ok"):
        return cls(200, body)

    @classmethod
    def error(cls, status=500, body=b"upstream down"):
        return cls(status, body)

    @classmethod
    def slow(cls, delay, status=200, body=b"ok"):
        return cls(status, body, delay=delay)

    @classmethod
    def hang_up(cls, delay=0.0):
        return cls(delay=delay, close=True)

    def __repr__(self):
        if self.close:
            return "<Answer close after %.2fs>" % self.delay
        return "<Answer %d after %.2fs>" % (self.status, self.delay)


class _Rule:
    def __init__(self, answer, first):
        self.answer = answer
        self.first = list(first or ())
        self.seen = 0

    def next_answer(self):
        self.seen += 1
        if self.seen <= len(self.first):
            return self.first[self.seen - 1]
        return self.answer


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the head and the body are written apart
    server_version = "webhook-receiver"
    sys_version = ""

    def log_message(self, *args):  # quiet
        pass

    def _handle(self):
        rx = self.server.receiver
        length = self.headers.get("Content-Length")
        body = b""
        if length is not None:
            try:
                n = int(length)
            except ValueError:
                n = 0
            body = self.rfile.read(n) if n > 0 else b""
        elif self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        received = rx._record(self.command, self.path, self.headers.items(), body)
        answer = rx._answer_for(received.path)
        rx._enter(received.path)
        left = False
        try:
            if answer.delay > 0:
                time.sleep(answer.delay)
            # Done being answered before the answer goes out: the client may
            # send its next request the moment it reads this one's answer.
            left = True
            rx._leave(received.path)
            if answer.close:
                received.outcome = "closed"
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer.body)))
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(answer.body)
                self.wfile.flush()
                received.outcome = "answered %d" % answer.status
            except OSError:
                received.outcome = "client gone"
                self.close_connection = True
        finally:
            received.answered = time.monotonic()
            if not left:
                rx._leave(received.path)

    def _read_chunked(self):
        out = bytearray()
        while True:
            line = self.rfile.readline(65537)
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(out)
            out += self.rfile.read(size)
            self.rfile.readline(65537)

    do_POST = _handle
    do_PUT = _handle
    do_GET = _handle
    do_PATCH = _handle
    do_DELETE = _handle


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # a client that goes away (a killed server) is not the receiver's error
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


# --------------------------------------------------------------------------
# The receiver
# --------------------------------------------------------------------------

class WebhookReceiver:
    """A threaded HTTP server on 127.0.0.1 that records and answers webhooks."""

    def __init__(self, host="127.0.0.1"):
        self.host = host
        self.port = None
        self._httpd = None
        self._thread = None
        self._cond = threading.Condition()
        self._requests = []
        self._rules = {}
        self._default = _Rule(Answer(), ())
        self._in_flight = {}
        self._max_in_flight = {}

    # ---- lifecycle -------------------------------------------------------

    def start(self):
        self._httpd = _Server((self.host, 0), _Handler)
        self._httpd.receiver = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def url(self, path="/"):
        return "http://%s:%d%s" % (self.host, self.port, path)

    # ---- programming -----------------------------------------------------

    def program(self, path, answer=None, first=()):
        """Answers requests to `path` with `first[0]`, `first[1]`, ... and then
        `answer` (default 200 "ok") for every later one.  Reprogramming a
        path restarts its count of requests."""
        with self._cond:
            self._rules[path] = _Rule(answer if answer is not None else Answer(), first)

    def fail_first(self, path, n, failure=None, then=None):
        """The first `n` requests to `path` get `failure` (default 500), the
        others `then` (default 200)."""
        self.program(path, then if then is not None else Answer(),
                     [failure if failure is not None else Answer.error()] * n)

    def program_default(self, answer=None, first=()):
        """The same for every path without a rule of its own."""
        with self._cond:
            self._default = _Rule(answer if answer is not None else Answer(), first)

    def reset(self, path):
        """Forgets the rule of `path` (the default applies again)."""
        with self._cond:
            self._rules.pop(path, None)

    def _answer_for(self, path):
        with self._cond:
            return self._rules.get(path, self._default).next_answer()

    # ---- recording -------------------------------------------------------

    def _record(self, method, target, header_items, body):
        now, wall = time.monotonic(), time.time()
        with self._cond:
            r = Received(len(self._requests), method, target, header_items, body, now, wall)
            self._requests.append(r)
            self._cond.notify_all()
            return r

    def _enter(self, path):
        with self._cond:
            n = self._in_flight.get(path, 0) + 1
            self._in_flight[path] = n
            self._max_in_flight[path] = max(self._max_in_flight.get(path, 0), n)

    def _leave(self, path):
        with self._cond:
            self._in_flight[path] -= 1

    def max_in_flight(self, path):
        """The most requests to `path` that were being answered at once."""
        with self._cond:
            return self._max_in_flight.get(path, 0)

    def requests(self, path=None, event_type=None, message_id=None):
        """The requests received so far, oldest first, optionally only those to
        `path`, of `event_type` (header) or about message `message_id`."""
        with self._cond:
            out = list(self._requests)
        if path is not None:
            out = [r for r in out if r.path == path]
        if event_type is not None:
            out = [r for r in out if r.event_type == event_type]
        if message_id is not None:
            out = [r for r in out if r.message_id() == message_id]
        return out

    def count(self, path=None):
        return len(self.requests(path))

    # ---- waiting ---------------------------------------------------------

    def wait_for(self, predicate, timeout=30.0, path=None, what=None, poll=0.1):
        """Waits until predicate(requests) is truthy (requests filtered by
        `path` when given) and returns its value; fails after `timeout`
        seconds with what was received.  Wakes on each arrival and also every
        `poll` seconds (for predicates that look at something else too)."""
        deadline = time.monotonic() + timeout
        while True:
            reqs = self.requests(path)
            value = predicate(reqs)
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    "webhook receiver: %s not seen within %.1f s; %d request(s)%s: %s"
                    % (what or "condition", timeout, len(reqs),
                       " to %s" % path if path else "", reqs[-20:]))
            with self._cond:
                self._cond.wait(min(left, poll))

    def wait_count(self, n, path=None, timeout=30.0):
        """Waits for at least `n` requests (to `path`); returns them all."""
        return self.wait_for(lambda reqs: reqs if len(reqs) >= n else None, timeout, path,
                             "%d request(s)" % n)

    def wait_event(self, path, event_type, message_id=None, n=1, timeout=30.0):
        """Waits for at least `n` requests to `path` of `event_type` (about
        `message_id` when given); returns them."""
        def match(reqs):
            got = [r for r in reqs if r.event_type == event_type
                   and (message_id is None or r.message_id() == message_id)]
            return got if len(got) >= n else None
        return self.wait_for(match, timeout, path,
                             "%d x %s%s" % (n, event_type,
                                            " of message %s" % message_id if message_id else ""))
