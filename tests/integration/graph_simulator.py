"""A simulator of the WhatsApp Business Cloud API (Meta's Graph API) for the
tests: the parts Ujumbe calls, answered in the documented shapes
(PROTOCOLS.md section 3), and the webhook Meta calls back, signed the way
Meta signs it.

    graph = GraphSimulator().start()
    graph.add_number("1065", token="EAAG...", display="+255 713 000 001")
    env = {"UJUMBE_WHATSAPP_GRAPH_URL": graph.url}
    graph.calls  # [(method, path, headers)] in arrival order

    signature(app_secret, body_bytes)  # X-Hub-Signature-256 as Meta sends it

    graph.set_webhook("1065", server_url + hook_path, app_secret)
    graph.send_inbound("1065", "255713000002", "Habari")  # Meta calls the hook
    graph.sent("1065")  # the messages POSTed to /{number}/messages, in order
    graph.review_template("1065", waba, "order_update", "en_US", "APPROVED")
    graph.send_inbound_media("1065", "255713000002", png_bytes, "image/png")
    graph.media[media_id]  # files uploaded or sent by customers: bytes, type, number

It checks the bearer token of every call (error 190 when it is not the
number's), answers an unknown number with error 100, and can be told to
fail the next calls (`fail_next`) or to stop answering (`hang`).  Messages
sent are checked as the Cloud API checks them (error 100 for a bad one),
held to `rate_per_second` a number (error 130429 beyond it), and followed
by their statuses, posted to the number's webhook signed with its app
secret: sent, delivered and read by default, `failed` (131026) for a
recipient in `not_on_whatsapp`, with `status_plan` to send them twice or
out of order.  Templates submitted to a business account are kept PENDING
until `review_template` gives Meta's verdict by the webhook.  Media is
uploaded as Meta takes it (POST /{number}/media, multipart), named by
GET /{media-id} (a URL, the type, the SHA-256 and the size) and downloaded
from that URL with the number's token.  Standard library only.
"""

import email.parser
import email.policy
import hashlib
import hmac
import http.server
import json as jsonlib
import queue
import socketserver
import threading
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import parse_qs, urlsplit

VERSION = "v21.0"


def graph_error(code, message, http_status=400, subcode=None):
    err = {"message": message, "type": "OAuthException", "code": code,
           "fbtrace_id": "AbCdEfGh"}
    if subcode is not None:
        err["error_subcode"] = subcode
    return http_status, {"error": err}


MEDIA_TYPES = ("image", "document", "audio", "video")


def check_message(body):
    """Why the Cloud API would refuse this message object (None: it takes it)."""
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    if not str(body.get("to", "")).isdigit():
        return "to must be a phone number"
    kind = body.get("type", "text")
    if kind == "text":
        text = body.get("text") or {}
        if not isinstance(text.get("body"), str) or not 0 < len(text["body"]) <= 4096:
            return "text.body is required"
    elif kind in MEDIA_TYPES:
        if not isinstance(body.get(kind), dict):
            return "%s must be an object" % kind
        if ("link" in body[kind]) == ("id" in body[kind]):
            return "%s needs exactly one of link and id" % kind
    elif kind == "template":
        t = body.get("template") or {}
        if not t.get("name") or not (t.get("language") or {}).get("code"):
            return "template needs name and language.code"
    else:
        return "unsupported type " + str(kind)
    return None


class GraphSimulator:
    def __init__(self):
        self.numbers = {}
        self.calls = []
        self._failures = []
        self.hang = False
        # Statuses each message sent is followed by, in order; a failure
        # replaces delivered and read for a number in not_on_whatsapp.
        self.status_plan = ["sent", "delivered", "read"]
        self.not_on_whatsapp = set()
        self.rate_per_second = None  # messages a number may send a second
        self.templates = {}  # (waba, name, language) -> the template as submitted
        self._template_ids = {}
        self.media = {}  # media id -> {"bytes", "mime_type", "number"}
        self._lock = threading.Lock()
        self._server = None
        self._outbox = queue.Queue()
        threading.Thread(target=self._post_webhooks, daemon=True).start()

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

    def set_webhook(self, phone_number_id, url, app_secret):
        """Where Meta calls for this number, and the secret it signs with."""
        with self._lock:
            self.numbers[phone_number_id]["webhook"] = (url, app_secret)

    def sent(self, phone_number_id):
        with self._lock:
            return list(self.numbers[phone_number_id].setdefault("sent", []))

    # ------------------------------------------------------------------
    # Meta's calls to our webhook, one delivery at a time, in order.
    def _envelope(self, phone_number_id, value):
        number = self.numbers[phone_number_id]
        value = dict(value, messaging_product="whatsapp", metadata={
            "display_phone_number": "".join(ch for ch in number["display_phone_number"]
                                            if ch.isdigit()),
            "phone_number_id": phone_number_id})
        return {"object": "whatsapp_business_account", "entry": [{
            "id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]}

    def _queue_delivery(self, phone_number_id, value):
        with self._lock:
            hook = self.numbers[phone_number_id].get("webhook")
            if hook is None:
                return
            body = jsonlib.dumps(self._envelope(phone_number_id, value)).encode()
        self._outbox.put((hook[0], hook[1], body))

    def _post_webhooks(self):
        while True:
            url, secret, body = self._outbox.get()
            request = urllib.request.Request(url, data=body, method="POST", headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": signature(secret, body)})
            for _ in range(50):  # Meta retries what is not answered 200
                try:
                    with urllib.request.urlopen(request, timeout=10) as answer:
                        if answer.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                time.sleep(0.1)
            self._outbox.task_done()

    def drain(self, timeout=15):
        """Waits until every webhook call queued so far was answered."""
        deadline = time.time() + timeout
        while self._outbox.unfinished_tasks and time.time() < deadline:
            time.sleep(0.02)

    def send_inbound(self, phone_number_id, sender, text, wamid=None, name="Asha"):
        """A customer writes to the number: Meta calls the webhook. Its wamid."""
        wamid = wamid or "wamid." + uuid.uuid4().hex
        self._queue_delivery(phone_number_id, {
            "contacts": [{"wa_id": sender, "profile": {"name": name}}],
            "messages": [{"from": sender, "id": wamid, "timestamp": str(int(time.time())),
                          "type": "text", "text": {"body": text}}]})
        return wamid

    def send_inbound_media(self, phone_number_id, sender, data, mime_type, kind="image",
                           caption=None, filename=None, wamid=None):
        """A customer sends a file: Meta keeps it and calls the webhook. The media id."""
        media_id = self._keep_media(phone_number_id, data, mime_type)
        item = {"id": media_id, "mime_type": mime_type,
                "sha256": hashlib.sha256(data).hexdigest()}
        if caption:
            item["caption"] = caption
        if filename:
            item["filename"] = filename
        self._queue_delivery(phone_number_id, {
            "contacts": [{"wa_id": sender, "profile": {"name": "Asha"}}],
            "messages": [{"from": sender, "id": wamid or "wamid." + uuid.uuid4().hex,
                          "timestamp": str(int(time.time())), "type": kind, kind: item}]})
        return media_id

    def _keep_media(self, phone_number_id, data, mime_type):
        with self._lock:
            media_id = str(700000000000 + len(self.media))
            self.media[media_id] = {"bytes": data, "mime_type": mime_type,
                                    "number": phone_number_id}
            return media_id

    def _upload(self, phone_number_id, headers, raw):
        """POST /{number}/media, with the lock held: a multipart form."""
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + headers.get("Content-Type", "").encode() + b"\r\n\r\n" + raw)
        fields = {}
        for part in message.iter_parts() if message.is_multipart() else []:
            fields[part.get_param("name", header="content-disposition")] = (
                part.get_content_type(), part.get_payload(decode=True))
        if (fields.get("messaging_product", (None, b""))[1] != b"whatsapp"
                or "file" not in fields or "type" not in fields):
            return graph_error(100, "Param file, type and messaging_product are required", 400)
        mime_type = fields["type"][1].decode()
        if fields["file"][0] != mime_type:
            return graph_error(131053, "Media upload error: the type does not match", 400)
        media_id = str(700000000000 + len(self.media))
        self.media[media_id] = {"bytes": fields["file"][1], "mime_type": mime_type,
                                "number": phone_number_id}
        return 200, {"id": media_id}

    def _statuses_of(self, phone_number_id, wamid, to, callback):
        time.sleep(0.05)  # Meta answers the send before its statuses come
        plan = list(self.status_plan)
        if to in self.not_on_whatsapp:
            plan = [s for s in plan if s == "sent"] + ["failed"]
        for status in plan:
            item = {"id": wamid, "status": status, "timestamp": str(int(time.time())),
                    "recipient_id": to, "biz_opaque_callback_data": callback}
            if status == "failed":
                item["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
            self._queue_delivery(phone_number_id, {"statuses": [item]})

    # ------------------------------------------------------------------
    def _take_message(self, phone_number_id, number, raw):
        """POST /{number}/messages, with the lock held."""
        try:
            body = jsonlib.loads(raw or b"{}")
        except ValueError:
            return graph_error(100, "Invalid JSON", 400)
        problem = check_message(body)
        if problem:
            return graph_error(100, "Invalid parameter: " + problem, 400)
        now = time.time()
        window = [t for t in number.setdefault("sent_at", []) if t > now - 1]
        if self.rate_per_second is not None and len(window) >= self.rate_per_second:
            number["sent_at"] = window
            return graph_error(130429, "Rate limit hit", 400)
        number["sent_at"] = window + [now]
        wamid = "wamid." + uuid.uuid4().hex
        number.setdefault("sent", []).append(dict(body, id=wamid))
        threading.Thread(target=self._statuses_of, daemon=True, args=(
            phone_number_id, wamid, body["to"], body.get("biz_opaque_callback_data"))).start()
        return 200, {"messaging_product": "whatsapp",
                     "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                     "messages": [{"id": wamid}]}

    # ------------------------------------------------------------------
    # Message templates of a business account, for any token a number holds.
    def _templates_call(self, method, segments, query, token, raw):
        if token not in [n["token"] for n in self.numbers.values()]:
            return graph_error(190, "Error validating access token", 401, subcode=463)
        if len(segments) == 2:  # POST /{template-id}: an edit, reviewed again
            if method != "POST":
                return graph_error(100, "Unsupported request", 400)
            t = self._template_ids[segments[1]]
            t.update(jsonlib.loads(raw or b"{}"), status="PENDING")
            return 200, {"success": True}
        waba = segments[1]
        if method == "POST":
            body = jsonlib.loads(raw or b"{}")
            if not all(body.get(k) for k in ("name", "language", "category", "components")):
                return graph_error(100, "Invalid parameter", 400)
            key = (waba, body["name"], body["language"])
            if key in self.templates:
                return graph_error(100, "Message template already exists", 400,
                                   subcode=2388024)
            t = dict(body, id=str(900000000000 + len(self._template_ids)), status="PENDING")
            self.templates[key] = t
            self._template_ids[t["id"]] = t
            return 200, {"id": t["id"], "status": "PENDING", "category": body["category"]}
        if method == "DELETE":
            q = parse_qs(query)
            name, hsm = q.get("name", [""])[0], q.get("hsm_id", [None])[0]
            gone = [k for k, t in self.templates.items()
                    if k[0] == waba and k[1] == name and (hsm is None or t["id"] == hsm)]
            if not gone:
                return graph_error(100, "Template not found", 400)
            for k in gone:
                self._template_ids.pop(self.templates.pop(k)["id"], None)
            return 200, {"success": True}
        return graph_error(100, "Unsupported request", 400)

    def template(self, waba, name, language):
        with self._lock:
            return dict(self.templates[(waba, name, language)])

    def review_template(self, phone_number_id, waba, name, language, event="APPROVED",
                        reason="NONE"):
        """Meta's verdict on a template, by the number's webhook."""
        with self._lock:
            t = self.templates[(waba, name, language)]
            t["status"] = event
            hook = self.numbers[phone_number_id].get("webhook")
            body = jsonlib.dumps({"object": "whatsapp_business_account", "entry": [{
                "id": waba, "time": int(time.time()), "changes": [{
                    "field": "message_template_status_update", "value": {
                        "event": event, "message_template_id": int(t["id"]),
                        "message_template_name": name, "message_template_language": language,
                        "reason": reason}}]}]}).encode()
        self._outbox.put((hook[0], hook[1], body))

    def _media_call(self, method, segments, token, headers, raw):
        """Uploads, GET /{media-id} and downloads; None for any other call."""
        if segments[:1] == ["download"] and len(segments) == 2 and method == "GET":
            m = self.media.get(segments[1])
            if not m or token != self.numbers[m["number"]]["token"]:
                return 404, b"Not Found"
            return 200, m["bytes"]
        if len(segments) == 3 and segments[2] == "media" and method == "POST":
            number = self.numbers.get(segments[1])
            if number is None or token != number["token"]:
                return graph_error(190, "Error validating access token", 401, subcode=463)
            return self._upload(segments[1], headers, raw)
        if len(segments) == 2 and segments[1] in self.media and method == "GET":
            m = self.media[segments[1]]
            if token != self.numbers[m["number"]]["token"]:
                return graph_error(190, "Error validating access token", 401, subcode=463)
            return 200, {"messaging_product": "whatsapp", "id": segments[1],
                         "url": self.url + "/download/" + segments[1],
                         "mime_type": m["mime_type"],
                         "sha256": hashlib.sha256(m["bytes"]).hexdigest(),
                         "file_size": len(m["bytes"])}
        return None

    def _answer(self, method, target, headers, body=b""):
        with self._lock:
            self.calls.append((method, target, dict(headers)))
            if self._failures:
                return self._failures.pop(0)
            parts = urlsplit(target)
            segments = [s for s in parts.path.split("/") if s]
            auth = headers.get("Authorization", "")
            media_call = self._media_call(method, segments, auth[7:], headers, body)
            if media_call:
                return media_call
            if segments[2:] == ["message_templates"] or (
                    len(segments) == 2 and segments[1] in self._template_ids):
                return self._templates_call(method, segments, parts.query, auth[7:], body)
            sending = len(segments) == 3 and segments[2] == "messages" and method == "POST"
            if sending:
                segments = segments[:2]
            if len(segments) != 2 or segments[0] != VERSION:
                return graph_error(100, "Unknown path components", 400)
            number = self.numbers.get(segments[1])
            if not auth.startswith("Bearer ") or not auth[7:]:
                return graph_error(190, "An access token is required", 401)
            if number is None:
                return graph_error(100, "Unsupported get request. Object with ID '%s' does "
                                   "not exist" % segments[1], 400, subcode=33)
            if auth[7:] != number["token"]:
                return graph_error(190, "Error validating access token", 401, subcode=463)
            if sending:
                return self._take_message(segments[1], number, body)
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
                raw = self.rfile.read(length) if length else b""
                if sim.hang:
                    return  # never answers; the caller's timeout ends it
                status, body = sim._answer(self.command, self.path, self.headers, raw)
                binary = isinstance(body, bytes)
                data = body if binary else jsonlib.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type",
                                 "application/octet-stream" if binary else "application/json")
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
