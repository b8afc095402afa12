"""An HTTP SMS provider simulator for the tests of the `http` gateway kind:
a threaded HTTP server on 127.0.0.1 that records every request and answers
as told, one behaviour per request in turn (then "ok"):

- "ok": 201 with the provider's id at /messages/0/id (generic shape), or in
  the shape of the path asked (Africa's Talking-style /version1/messaging,
  Twilio-style /2010-04-01/Accounts/<sid>/Messages.json);
- "slow": the same after `slow_seconds`;
- "429", "500", "400": that status with a short text;
- "garbage": 200 with a body that is not what was promised.

GET /lookup?msisdn=<digits> plays a number-portability lookup: the JSON
in `ported` for that number, or 404.
"""

import base64
import itertools
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ProviderSim:
    def __init__(self):
        self.requests = []
        self.behaviours = []
        self.slow_seconds = 2.0
        self.ported = {}  # digits -> the JSON /lookup answers for them
        self.in_flight = 0
        self.max_in_flight = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_HEAD(self):
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                sim._handle(self, body)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def then(self, *behaviours):
        with self._lock:
            self.behaviours.extend(behaviours)

    def _next(self):
        with self._lock:
            return self.behaviours.pop(0) if self.behaviours else "ok"

    def _handle(self, handler, body):
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            ctype = handler.headers.get("Content-Type", "")
            if "json" in ctype:
                fields = json.loads(body) if body else {}
            else:
                fields = {k: v[0] for k, v in urllib.parse.parse_qs(
                    body or urllib.parse.urlsplit(handler.path).query).items()}
            entry = {"method": handler.command, "path": handler.path,
                     "headers": {k.lower(): v for k, v in handler.headers.items()},
                     "fields": fields}
            with self._lock:
                self.requests.append(entry)
            behaviour = self._next()
            if behaviour == "slow":
                time.sleep(self.slow_seconds)
                behaviour = "ok"
            if behaviour in ("429", "500", "400"):
                return self._send(handler, int(behaviour), "text/plain", "no: " + behaviour)
            if behaviour == "garbage":
                return self._send(handler, 200, "text/html", "<html>maintenance</html>")
            n = next(self._ids)
            path = urllib.parse.urlsplit(handler.path).path
            if path == "/lookup":
                number = urllib.parse.parse_qs(
                    urllib.parse.urlsplit(handler.path).query).get("msisdn", [""])[0]
                if number not in self.ported:
                    return self._send(handler, 404, "application/json", "{}")
                return self._send(handler, 200, "application/json",
                                  json.dumps(self.ported[number]))
            if path == "/version1/messaging":
                answer = {"SMSMessageData": {"Message": "Sent to 1/1", "Recipients": [
                    {"statusCode": 101, "number": fields.get("to"), "status": "Success",
                     "cost": "KES 0.8000", "messageId": "ATXid_%d" % n}]}}
            elif path.endswith("/Messages.json"):
                answer = {"sid": "SM%032d" % n, "status": "queued"}
            else:
                answer = {"messages": [{"id": "p-%d" % n, "status": "accepted"}]}
            self._send(handler, 201, "application/json", json.dumps(answer))
        finally:
            with self._lock:
                self.in_flight -= 1

    @staticmethod
    def _send(handler, status, ctype, text):
        data = text.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def wait_requests(self, n, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= n:
                    return list(self.requests)
            time.sleep(0.02)
        raise AssertionError("the provider got %d requests, wanted %d" % (len(self.requests), n))


def basic_user(headers):
    value = headers.get("authorization", "")
    if not value.startswith("Basic "):
        return None
    return base64.b64decode(value[6:]).decode()
