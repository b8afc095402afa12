"""A simulator of the WhatsApp Business Cloud API (Meta's Graph API) for the
tests: the parts Ujumbe calls, answered in the documented shapes
(PROTOCOLS.md section 3), and the webhook Meta calls back, signed the way
Meta signs it.

    graph = GraphSimulator().start()
    graph.add_number("1065", token="EAAG...", display="+255 713 000 001")
    env = {"UJUMBE_WHATSAPP_GRAPH_URL": graph.url}
    graph.calls  # [(method, path, headers)] in arrival order

    signature(app_secret, body_bytes)  # X-Hub-Signature-256 as Meta sends it

It checks the bearer token of every call (error 190 when it is not the
number's), answers an unknown number with error 100, and can be told to
fail the next calls (`fail_next`) or to stop answering (`hang`).  Standard
library only.
"""

import hashlib
import hmac
import http.server
import json as jsonlib
import socketserver
import threading
from urllib.parse import parse_qs, urlsplit

VERSION = "v21.0"


def graph_error(code, message, http_status=400, subcode=None):
    err = {"message": message, "type": "OAuthException", "code": code,
           "fbtrace_id": "AbCdEfGh"}
    if subcode is not None:
        err["error_subcode"] = subcode
    return http_status, {"error": err}


class GraphSimulator:
    def __init__(self):
        self.numbers = {}
        self.calls = []
        self._failures = []
        self.hang = False
        self._lock = threading.Lock()
        self._server = None

    # ------------------------------------------------------------------
    def add_number(self, phone_number_id, token, display="+255 713 000 001",
                   verified_name="Ujumbe Test", quality="GREEN", limit="TIER_1K"):
        with self._lock:
            self.numbers[phone_number_id] = {
                "token": token, "display_phone_number": display,
                "verified_name": verified_name, "quality_rating": quality,
                "messaging_limit_tier": limit}

    def set_token(self, phone_number_id, token):
        with self._lock:
            self.numbers[phone_number_id]["token"] = token

    def fail_next(self, http_status, code, message="simulated failure", times=1):
        """The next `times` calls answer this Graph error instead."""
        with self._lock:
            self._failures.extend([graph_error(code, message, http_status)] * times)

    def calls_to(self, path_part):
        with self._lock:
            return [c for c in self.calls if path_part in c[1]]

    # ------------------------------------------------------------------
    def _answer(self, method, target, headers):
        with self._lock:
            self.calls.append((method, target, dict(headers)))
            if self._failures:
                return self._failures.pop(0)
            parts = urlsplit(target)
            segments = [s for s in parts.path.split("/") if s]
            if len(segments) != 2 or segments[0] != VERSION:
                return graph_error(100, "Unknown path components", 400)
            number = self.numbers.get(segments[1])
            auth = headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or not auth[7:]:
                return graph_error(190, "An access token is required", 401)
            if number is None:
                return graph_error(100, "Unsupported get request. Object with ID '%s' does "
                                   "not exist" % segments[1], 400, subcode=33)
            if auth[7:] != number["token"]:
                return graph_error(190, "Error validating access token", 401, subcode=463)
            if method != "GET":
                return graph_error(100, "Unsupported request", 400)
            fields = parse_qs(parts.query).get("fields", [""])[0].split(",")
            body = {"id": segments[1]}
            for f in fields:
                if f in number:
                    body[f] = number[f]
            return 200, body

    def start(self):
        sim = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                if sim.hang:
                    return  # never answers; the caller's timeout ends it
                status, body = sim._answer(self.command, self.path, self.headers)
                data = jsonlib.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _serve

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    def stop(self):
        if self._server:
            self._server.shutdown()


def signature(app_secret, body):
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
