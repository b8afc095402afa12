"""Helpers shared by the Ujumbe HTTP integration tests.

Standard library only: an HTTP client over http.client, envelope assertions,
an HS256 JWT forger, helpers that create accounts, members and child
accounts through the public API, and helpers for contacts, CSV imports
(text/csv and multipart bodies, waiting for a job) and CSV exports.  The
server process itself is managed by conftest.py.  (This lives in its own
uniquely named module rather than in conftest.py so that test modules can
import it even when pytest collects several conftest.py files in one run.)
"""

import base64
import csv as csvlib
import hashlib
import hmac
import http.client
import io
import itertools
import json as jsonlib
import os
import re
import socket
import sqlite3
import ssl
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

API_PREFIX = "/api/v1"

# Fixed server secret of the suite (exactly 40 characters).
TEST_SECRET = "ujumbe-integration-suite-secret-00000001"
assert len(TEST_SECRET) == 40

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-123"
DEFAULT_PASSWORD = "correct-horse-battery-9"

UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9_]*$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# Error codes a failed authentication may carry (api-identity.md, intro).
AUTH_ERROR_CODES = {"UNAUTHENTICATED", "TOKEN_EXPIRED", "INVALID_TOKEN", "TOKEN_REVOKED",
                    "INVALID_API_KEY", "API_KEY_EXPIRED"}


# --------------------------------------------------------------------------
# HTTP client
# --------------------------------------------------------------------------

class Resp(tuple):
    """(status, headers, body): headers lower-cased, body parsed JSON or None.

    Also carries .raw (the body bytes) and .what ("METHOD path") for
    assertion messages.
    """

    def __new__(cls, status, headers, body, raw=b"", what=""):
        self = super().__new__(cls, (status, headers, body))
        self.raw = raw
        self.what = what
        return self

    @property
    def status(self):
        return self[0]

    @property
    def headers(self):
        return self[1]

    @property
    def body(self):
        return self[2]

    def __repr__(self):
        return "<%s -> %s %r>" % (self.what, self.status, self.raw[:800])


def describe(resp):
    return "%s -> %s %r" % (resp.what, resp.status, resp.raw[:800])


class Client:
    """One short-lived connection per request against host:port."""

    def __init__(self, host, port, timeout=30.0, source_address=None, tls=None):
        self.host = host
        self.port = port
        self.timeout = timeout
        # (ip, 0) to connect from another local address, e.g. 127.0.0.2.
        self.source_address = source_address
        # An ssl.SSLContext: HTTPS to a server with tls_cert_file set.
        self.tls = tls

    @property
    def base_url(self):
        return "%s://%s:%d%s" % ("https" if self.tls else "http", self.host, self.port,
                                 API_PREFIX)

    def request(self, method, path, json=None, token=None, apikey=None, headers=None,
                raw_body=None, content_type=None):
        """Sends one request to a full path (e.g. "/healthz")."""
        if json is not None and raw_body is not None:
            raise ValueError("give json or raw_body, not both")
        hdrs = {"Accept": "application/json"}
        body = None
        if json is not None:
            body = jsonlib.dumps(json).encode("utf-8")
            ctype = content_type if content_type is not None else "application/json"
        elif raw_body is not None:
            body = raw_body.encode("utf-8") if isinstance(raw_body, str) else bytes(raw_body)
            ctype = content_type if content_type is not None else "application/json"
        else:
            ctype = content_type
        if ctype:  # content_type="" sends no Content-Type at all
            hdrs["Content-Type"] = ctype
        if token is not None:
            hdrs["Authorization"] = "Bearer %s" % token
        if apikey is not None:
            hdrs["Authorization"] = "ApiKey %s" % apikey
        for k, v in (headers or {}).items():
            for existing in [h for h in hdrs if h.lower() == k.lower()]:
                del hdrs[existing]
            if v is not None:
                hdrs[k] = v
        if self.tls is not None:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               source_address=self.source_address,
                                               context=self.tls)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout,
                                              source_address=self.source_address)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            raw = r.read()
            out_headers = {}
            for k, v in r.getheaders():
                k = k.lower()
                out_headers[k] = v if k not in out_headers else out_headers[k] + ", " + v
            status = r.status
        finally:
            conn.close()
        parsed = None
        if raw:
            try:
                parsed = jsonlib.loads(raw.decode("utf-8"))
            except ValueError:
                parsed = None
        return Resp(status, out_headers, parsed, raw, "%s %s" % (method, path))

    def api(self, method, path, json=None, token=None, apikey=None, headers=None,
            raw_body=None, content_type=None):
        """Sends one request under /api/v1 (path like "/auth/login")."""
        return self.request(method, API_PREFIX + path, json=json, token=token, apikey=apikey,
                            headers=headers, raw_body=raw_body, content_type=content_type)


def raw_exchange(host, port, request_head, body=b"", timeout=15.0):
    """Writes a hand-made request on a raw socket and reads one response.

    Tolerates the server answering (and closing) before the body was fully
    written, as a server rejecting an oversized body may do.  Returns
    (status, headers lower-cased, raw body bytes).
    """
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        try:
            sock.sendall(request_head + body)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        resp = http.client.HTTPResponse(sock, method="POST")
        resp.begin()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        try:
            data = resp.read()
        except (ConnectionResetError, http.client.IncompleteRead) as e:
            data = getattr(e, "partial", b"") or b""
        return resp.status, headers, data
    finally:
        sock.close()


def with_query(path, **params):
    params = {k: v for k, v in params.items() if v is not None}
    return path + ("?" + urlencode(params) if params else "")


def api_path_of(url):
    """Turns a `next`/`previous` link (absolute or relative) into an api() path."""
    parts = urlsplit(url)
    path = parts.path
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX):]
    return path + ("?" + parts.query if parts.query else "")


# --------------------------------------------------------------------------
# Envelope assertions
# --------------------------------------------------------------------------

def assert_ok(resp, status=200):
    """Asserts a success envelope with the given status; returns `data`."""
    statuses = (status,) if isinstance(status, int) else tuple(status)
    assert resp.status in statuses, "expected %s: %s" % (statuses, describe(resp))
    body = resp.body
    assert isinstance(body, dict), "body is not a JSON object: " + describe(resp)
    assert body.get("success") is True, "success is not true: " + describe(resp)
    assert "data" in body, "no data: " + describe(resp)
    if "message" in body and body["message"] is not None:
        assert isinstance(body["message"], str), describe(resp)
    return body["data"]


def assert_done(resp):
    """For deletes and actions: 200 with a success envelope, or 204 without body."""
    assert resp.status in (200, 204), "expected 200/204: " + describe(resp)
    if resp.status == 200:
        assert isinstance(resp.body, dict) and resp.body.get("success") is True, describe(resp)
        return resp.body.get("data")
    return None


def _names_field(errors, field):
    for key in errors:
        if key == field or key.startswith(field + ".") or key.startswith(field + "["):
            return True
    return False


def assert_error(resp, status, code=None, field=None):
    """Asserts an error envelope.

    status: an int or a collection of acceptable ints.  code: an error_code
    or a collection of acceptable ones.  field: a field name (or a collection
    of acceptable names) that `errors` must name; a nested field may be named
    "owner.email", "owner[email]" or just "owner".
    Returns the parsed body.
    """
    statuses = (status,) if isinstance(status, int) else tuple(status)
    assert resp.status in statuses, "expected %s: %s" % (statuses, describe(resp))
    body = resp.body
    assert isinstance(body, dict), "error body is not a JSON object: " + describe(resp)
    assert body.get("success") is False, "success is not false: " + describe(resp)
    ec = body.get("error_code")
    assert isinstance(ec, str) and UPPER_SNAKE.match(ec), "bad error_code: " + describe(resp)
    msg = body.get("message")
    assert isinstance(msg, str) and msg.strip(), "bad message: " + describe(resp)
    if "errors" in body and body["errors"] is not None:
        assert isinstance(body["errors"], dict), "errors is not an object: " + describe(resp)
    if "details" in body and body["details"] is not None:
        assert isinstance(body["details"], dict), "details is not an object: " + describe(resp)
    if code is not None:
        codes = {code} if isinstance(code, str) else set(code)
        assert ec in codes, "expected error_code in %s: %s" % (sorted(codes), describe(resp))
    if field is not None:
        errors = body.get("errors")
        assert isinstance(errors, dict) and errors, "no errors object: " + describe(resp)
        fields = [field] if isinstance(field, str) else list(field)
        assert any(_names_field(errors, f) for f in fields), (
            "errors does not name %s: %s" % (fields, describe(resp)))
        for key, problems in errors.items():
            assert isinstance(problems, (list, dict)) and problems, (
                "errors[%r] is not a non-empty list: %s" % (key, describe(resp)))
    return body


def assert_validation(resp, field):
    return assert_error(resp, 400, "VALIDATION_ERROR", field)


def assert_unauthenticated(resp, code=None):
    return assert_error(resp, 401, code if code is not None else AUTH_ERROR_CODES)


def assert_not_found(resp):
    return assert_error(resp, 404, "NOT_FOUND")


def assert_list(resp):
    """Asserts a list envelope; returns data {results, count, next, previous}."""
    data = assert_ok(resp, 200)
    assert isinstance(data, dict), describe(resp)
    for key in ("results", "count", "next", "previous"):
        assert key in data, "list lacks %r: %s" % (key, describe(resp))
    assert isinstance(data["results"], list), describe(resp)
    assert isinstance(data["count"], int) and not isinstance(data["count"], bool), describe(resp)
    for key in ("next", "previous"):
        assert data[key] is None or isinstance(data[key], str), describe(resp)
    return data


def is_timestamp(value):
    return isinstance(value, str) and bool(TIMESTAMP.match(value))


def is_uuid7(value):
    return isinstance(value, str) and bool(UUID7.match(value))


def allow_methods(resp):
    return {m.strip().upper() for m in resp.headers.get("allow", "").split(",") if m.strip()}


# --------------------------------------------------------------------------
# JWT (HS256) inspection and forging
# --------------------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    if isinstance(text, str):
        text = text.encode("ascii")
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def jwt_signing_key(secret=TEST_SECRET):
    """The server's JWT key: HMAC-SHA256(key=secret, msg="ujumbe.jwt.v1"), raw bytes."""
    return hmac.new(secret.encode("utf-8"), b"ujumbe.jwt.v1", hashlib.sha256).digest()


def hs256(key, signing_input):
    if isinstance(signing_input, str):
        signing_input = signing_input.encode("ascii")
    return hmac.new(key, signing_input, hashlib.sha256).digest()


def jwt_decode(token):
    """Splits a JWT without verifying it: (header, claims, signature bytes)."""
    h, p, s = token.split(".")
    return jsonlib.loads(b64url_decode(h)), jsonlib.loads(b64url_decode(p)), b64url_decode(s)


def jwt_forge(claims, key=None, header=None, alg=None):
    """Builds a JWT.  key None means the suite's real signing key.

    header overrides the whole header; alg overrides only "alg".  With an
    alg of none (any case) the signature is empty.
    """
    hdr = dict(header) if header is not None else {"alg": "HS256", "typ": "JWT"}
    if alg is not None:
        hdr["alg"] = alg
    signing_input = b64url(jsonlib.dumps(hdr, separators=(",", ":")).encode()) + "." + \
        b64url(jsonlib.dumps(claims, separators=(",", ":")).encode())
    if str(hdr.get("alg", "")).lower() == "none":
        return signing_input + "."
    sig = hs256(key if key is not None else jwt_signing_key(), signing_input)
    return signing_input + "." + b64url(sig)


# --------------------------------------------------------------------------
# Accounts, users, children
# --------------------------------------------------------------------------

def unique_email(tag="user"):
    return "%s-%s@example.com" % (tag, uuid.uuid4().hex[:16])


def unique_name(tag="Name"):
    return "%s %s" % (tag, uuid.uuid4().hex[:10])


def unique_username(tag="biz"):
    return "%s_%s" % (tag, uuid.uuid4().hex[:16])


class Actor:
    """A signed-in user in one account (from a register/login/switch answer)."""

    def __init__(self, data, email=None, password=None):
        self.data = data
        self.access = data["access"]
        self.refresh = data["refresh"]
        self.user = data["user"]
        self.account = data["account"]
        self.role = data.get("role")
        self.email = email if email is not None else self.user.get("email")
        self.password = password

    @property
    def user_id(self):
        return self.user["id"]

    @property
    def account_id(self):
        return self.account["id"]

    def __repr__(self):
        return "<Actor %s role=%s account=%s>" % (self.email, self.role, self.account_id)


def register(api, email=None, password=DEFAULT_PASSWORD, name=None, account_name=None):
    """Registers a fresh account and its owner; returns the owner as an Actor."""
    email = email or unique_email("owner")
    body = {
        "account_name": account_name or unique_name("Account"),
        "name": name or unique_name("Owner"),
        "email": email,
        "password": password,
    }
    data = assert_ok(api("POST", "/auth/register", json=body), 201)
    return Actor(data, email.lower(), password)


def login(api, email, password, account_id=None):
    body = {"email": email, "password": password}
    if account_id is not None:
        body["account_id"] = account_id
    data = assert_ok(api("POST", "/auth/login", json=body), 200)
    return Actor(data, email.lower(), password)


def data_dir_of(api):
    """The data directory of the server behind `api` (a UjumbeServer.api)."""
    server = getattr(api, "__self__", None)
    data_dir = getattr(server, "data_dir", None)
    assert data_dir is not None, "api is not bound to a UjumbeServer: %r" % (api,)
    return data_dir


def outbox_mails(api, to=None):
    """Mails in the server's outbox (<data_dir>/outbox), oldest first, as
    dicts {to, subject, body, path}; only those to `to` when given."""
    outbox = data_dir_of(api) / "outbox"
    out = []
    if not outbox.is_dir():
        return out
    for path in sorted(outbox.glob("*.eml")):
        head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        headers = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        mail = {"to": headers.get("To"), "subject": headers.get("Subject"), "body": body,
                "path": path}
        if to is None or mail["to"] == to.lower():
            out.append(mail)
    return out


def invitation_token(api, email):
    """The token of the newest invitation mailed to `email`."""
    mails = outbox_mails(api, email)
    assert mails, "no invitation mailed to %s" % email
    found = re.search(r"^Invitation token: (\S+)$", mails[-1]["body"], re.M)
    assert found, mails[-1]
    return found.group(1)


def invite(api, token, email, role="agent", name=None, **extra):
    """POST /users: invites `email`; returns the invitation."""
    body = {"email": email, "role": role}
    if name is not None:
        body["name"] = name
    body.update(extra)
    return assert_ok(api("POST", "/users", json=body, token=token), 201)


def accept_invitation(api, email, password=DEFAULT_PASSWORD, name=None):
    """Accepts the newest invitation mailed to `email` as a new user; returns
    the new user as an Actor."""
    body = {"token": invitation_token(api, email), "password": password}
    if name is not None:
        body["name"] = name
    data = assert_ok(api("POST", "/auth/invite/accept", json=body), 201)
    return Actor(data, email.lower(), password)


def add_member(api, token, role="agent", email=None, password=DEFAULT_PASSWORD, name=None):
    """Invites a brand-new user, accepts with the mailed token; returns
    (user-in-account as GET /users/{id} shows it, email, password)."""
    email = (email or unique_email(role)).lower()
    invite(api, token, email, role=role, name=name or unique_name(role.capitalize()))
    joined = accept_invitation(api, email, password)
    data = assert_ok(api("GET", "/users/%s" % joined.user_id, token=token))
    return data, email, password
def member(api, owner, role="agent", name=None):
    """Adds a new user with `role` to owner's account and logs them in."""
    _, email, password = add_member(api, owner.access, role=role, name=name)
    return login(api, email, password)


def create_api_key(api, token, scopes=None, name=None, **extra):
    body = {"name": name or unique_name("key")}
    if scopes is not None:
        body["scopes"] = scopes
    body.update(extra)
    return assert_ok(api("POST", "/api-keys", json=body, token=token), 201)


def child_payload(account_type=None, **overrides):
    """A valid POST /accounts/children body with a unique username and owner."""
    username = unique_username("c")
    body = {
        "business_name": "Business " + username,
        "business_username": username,
        "business_type": "retail",
        "contact_email": unique_email("contact"),
        "contact_phone": "+254712345678",
        "country": "KE",
        "owner": {"name": unique_name("Child Owner"), "email": unique_email("childowner"),
                  "password": DEFAULT_PASSWORD},
    }
    if account_type is not None:
        body["account_type"] = account_type
    body.update(overrides)
    return body


def create_child(api, token, account_type=None, **overrides):
    """Creates a child account; returns (account data, request body)."""
    body = child_payload(account_type, **overrides)
    data = assert_ok(api("POST", "/accounts/children", json=body, token=token), 201)
    return data, body


def child_owner_login(api, child_body, account_id=None):
    owner = child_body["owner"]
    return login(api, owner["email"], owner["password"], account_id=account_id)


def create_reseller(api, admin):
    """Platform admin creates a reseller; returns (reseller account, its owner Actor)."""
    account, body = create_child(api, admin.access, account_type="reseller")
    return account, child_owner_login(api, body)


# --------------------------------------------------------------------------
# Contacts, imports, exports
# --------------------------------------------------------------------------

CONTACT_FIELDS = ("id", "name", "phone_e164", "email", "attributes", "tags", "is_active",
                  "is_opted_in", "opt_in_at", "opt_out_at", "opt_out_reason",
                  "last_contacted_at", "created_at", "updated_at")
IMPORT_FIELDS = ("id", "status", "file_name", "on_existing", "tags", "total_bytes",
                 "processed_bytes", "progress", "rows_processed", "created", "updated",
                 "skipped", "failed", "error", "created_at", "started_at", "finished_at")
EXPORT_HEADER = ("id,name,phone_e164,email,tags,attributes,is_active,is_opted_in,opt_in_at,"
                 "opt_out_at,opt_out_reason,last_contacted_at,created_at,updated_at")
IMPORT_TIMEOUT_S = 60.0

_phone_counter = itertools.count(1)


def tz_phone(n=None):
    """A valid Tanzanian mobile number in E.164 (+255712xxxxxx); unique per
    process when n is not given."""
    if n is None:
        n = next(_phone_counter)
    return "+255712%06d" % (n % 1000000)


def create_contact(api, token=None, apikey=None, status=201, **fields):
    """POST /contacts; asserts `status` (201 created, 200 upserted); returns the contact."""
    if not fields:
        fields = {"phone_e164": tz_phone()}
    return assert_ok(api("POST", "/contacts", json=fields, token=token, apikey=apikey), status)


def get_contact(api, token, contact_id):
    return assert_ok(api("GET", "/contacts/%s" % contact_id, token=token))


def list_all(api, token, path, **params):
    """Every result of a list route (pages of 100); returns (results, count)."""
    params = dict(params)
    params["page_size"] = 100
    params["page"] = 1
    out = []
    while True:
        data = assert_list(api("GET", with_query(path, **params), token=token))
        out.extend(data["results"])
        if not data["next"]:
            return out, data["count"]
        params["page"] += 1


def set_default_country(api, token, country):
    return assert_ok(api("PUT", "/accounts/current", json={"default_country": country},
                         token=token))


def multipart_body(fields=None, files=None, boundary=None):
    """Builds a multipart/form-data body.

    fields: {name: text value}; files: [(name, filename, bytes or str,
    content type or None)].  Returns (body bytes, Content-Type header value).
    """
    boundary = boundary or "----ujumbe-it-" + uuid.uuid4().hex
    out = bytearray()
    for name, value in (fields or {}).items():
        out += b"--" + boundary.encode() + b"\r\n"
        out += ('Content-Disposition: form-data; name="%s"\r\n\r\n' % name).encode()
        out += value.encode("utf-8") if isinstance(value, str) else bytes(value)
        out += b"\r\n"
    for name, filename, content, ctype in (files or []):
        out += b"--" + boundary.encode() + b"\r\n"
        disp = 'Content-Disposition: form-data; name="%s"' % name
        if filename is not None:
            disp += '; filename="%s"' % filename
        out += disp.encode() + b"\r\n"
        if ctype:
            out += ("Content-Type: %s\r\n" % ctype).encode()
        out += b"\r\n"
        out += content.encode("utf-8") if isinstance(content, str) else bytes(content)
        out += b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return bytes(out), "multipart/form-data; boundary=%s" % boundary


def _import_options(options):
    out = {}
    for k, v in options.items():
        if v is None:
            continue
        if k == "mapping" and not isinstance(v, str):
            v = jsonlib.dumps(v)
        elif isinstance(v, (list, tuple)):
            v = ",".join(v)
        out[k] = v
    return out


def post_import(api, token=None, data=b"", multipart=False, filename="contacts.csv",
                apikey=None, headers=None, **options):
    """POST /contacts/import as a text/csv body (options in the query) or as
    multipart/form-data (options as form fields).  Returns the raw response."""
    opts = _import_options(options)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if multipart:
        body, ctype = multipart_body(opts, [("file", filename, data, "text/csv")])
        return api("POST", "/contacts/import", raw_body=body, content_type=ctype, token=token,
                   apikey=apikey, headers=headers)
    return api("POST", with_query("/contacts/import", **opts), raw_body=data,
               content_type="text/csv", token=token, apikey=apikey, headers=headers)


def start_import(api, token, data, **kwargs):
    """post_import() asserting 202; returns the job."""
    job = assert_ok(post_import(api, token, data, **kwargs), 202)
    assert isinstance(job, dict) and job.get("id"), job
    return job


def wait_import(api, token, job_id, timeout=IMPORT_TIMEOUT_S):
    """Polls GET /contacts/imports/{id} until completed or failed; returns the job."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        job = assert_ok(api("GET", "/contacts/imports/%s" % job_id, token=token))
        if job.get("status") in ("completed", "failed"):
            return job
        assert job.get("status") in ("pending", "running"), job
        if time.monotonic() > deadline:
            raise AssertionError("import %s not finished after %.0f s: %r"
                                 % (job_id, timeout, job))
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def import_csv(api, token, data, **kwargs):
    """Starts an import and waits for it; returns the finished job."""
    return wait_import(api, token, start_import(api, token, data, **kwargs)["id"])


def assert_counts(job, created=0, updated=0, skipped=0, failed=0):
    got = {k: job.get(k) for k in ("created", "updated", "skipped", "failed")}
    want = {"created": created, "updated": updated, "skipped": skipped, "failed": failed}
    assert got == want, "import counts %r, expected %r: %r" % (got, want, job)


def get_csv(api, token, path, apikey=None):
    """GET of a text/csv route; asserts 200 and the content type; returns the text."""
    resp = api("GET", path, token=token, apikey=apikey, headers={"Accept": "text/csv"})
    assert resp.status == 200, describe(resp)
    ctype = resp.headers.get("content-type", "")
    assert ctype.split(";")[0].strip().lower() == "text/csv", describe(resp) + " " + ctype
    return resp.raw.decode("utf-8")


def parse_csv(text):
    """Parses CSV text into a list of rows (lists of strings)."""
    return list(csvlib.reader(io.StringIO(text, newline="")))


def csv_dicts(text):
    """Parses CSV text with a header line into a list of dicts."""
    return list(csvlib.DictReader(io.StringIO(text, newline="")))


def import_errors(api, token, job_id):
    """The rows of errors.csv as dicts {line, outcome, reason, row}; a header
    line "line,outcome,reason,row", when present, is dropped."""
    rows = parse_csv(get_csv(api, token, "/contacts/imports/%s/errors.csv" % job_id))
    if rows and [c.strip() for c in rows[0]] == ["line", "outcome", "reason", "row"]:
        rows = rows[1:]
    out = []
    for row in rows:
        assert len(row) == 4, "errors.csv row is not line,outcome,reason,row: %r" % (row,)
        out.append({"line": row[0], "outcome": row[1], "reason": row[2], "row": row[3]})
    return out


def count_of(value):
    """A count reported either as a number or as a list of ids."""
    if isinstance(value, list):
        return len(value)
    assert isinstance(value, int) and not isinstance(value, bool), value
    return value


def run_binary(env, *args, timeout=120):
    """Runs `ujumbe <args>` under the environment `env` (a server's `env`,
    perhaps with another data directory); returns the finished process."""
    binary = os.environ.get("UJUMBE_BIN") or str(
        Path(__file__).resolve().parents[2] / "build" / "bin" / "ujumbe")
    return subprocess.run([binary, *args], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def run_sql(srv, sql):
    """Runs one statement on a test server's own database (for what has no
    API, such as plans), on either engine."""
    if srv.pg_db:
        url = srv.pg_server_url.rsplit("/", 1)[0] + "/" + srv.pg_db
        subprocess.run(["psql", url, "-q", "-c", sql], check=True, capture_output=True,
                       timeout=60)
        return
    db = sqlite3.connect(str(srv.data_dir / "ujumbe.db"), timeout=30)
    try:
        db.execute(sql)
        db.commit()
    finally:
        db.close()


@contextmanager
def failing_gateway(api, admin, prefix, failure_status):
    """A sandbox gateway failing every message with `failure_status` (receipts
    after 50 ms), reached by a priority-1000 route for `prefix` ahead of the
    catch-all route; both are deleted on exit."""
    gw = route = None
    try:
        gw = assert_ok(api("POST", "/gateways", json={
            "name": "fail-%s" % uuid.uuid4().hex[:8], "kind": "sandbox",
            "settings": {"delivery_ratio": 0, "failure_status": failure_status,
                         "receipt_delay_ms": 50}}, token=admin.access), 201)
        route = assert_ok(api("POST", "/routes", json={
            "name": "fail-%s" % uuid.uuid4().hex[:8], "priority": 1000, "prefix": prefix,
            "gateways": [{"gateway_id": gw["id"], "weight": 1}]}, token=admin.access), 201)
        yield gw
    finally:
        if route is not None:
            api("DELETE", "/routes/%s" % route["id"], token=admin.access)
        if gw is not None:
            api("DELETE", "/gateways/%s" % gw["id"], token=admin.access)


FINAL_STATUSES = {"delivered", "undelivered", "expired", "rejected", "failed"}


def wait_final(api, token, ids, timeout=20):
    """Waits until every message of `ids` has a final status."""
    deadline = time.monotonic() + timeout
    for mid in ids:
        while assert_ok(api("GET", "/messages/%s" % mid, token=token))["status"] not in \
                FINAL_STATUSES:
            assert time.monotonic() < deadline, mid
            time.sleep(0.05)


def pdf_text(data, tmp_path):
    """The text of a PDF as poppler's pdftotext lays it out."""
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True)
    return done.stdout.decode("utf-8")


def harness():
    """conftest.py of this folder, loaded once under its own name, for a
    module that starts servers of its own (works when pytest collects
    several conftest.py files)."""
    import importlib.util
    import sys
    from pathlib import Path
    mod = sys.modules.get("ujumbe_http_harness")
    if mod is None:
        spec = importlib.util.spec_from_file_location(
            "ujumbe_http_harness", Path(__file__).resolve().parent / "conftest.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["ujumbe_http_harness"] = mod
        spec.loader.exec_module(mod)
    return mod


def module_server(env, label, prefix):
    """Three module-scoped fixtures, `<prefix>srv`, `<prefix>api` and
    `<prefix>admin`: a server of the module's own started with `env` over
    the base environment, its API client and its admin's login:

        psrv, papi, padmin = u.module_server({...}, "label", "p")
    """
    import pytest

    @pytest.fixture(scope="module", name=prefix + "srv")
    def srv():
        server = harness().UjumbeServer(env, label=label)
        try:
            server.start()
            yield server
        finally:
            server.stop()

    @pytest.fixture(scope="module", name=prefix + "api")
    def api(request):
        return request.getfixturevalue(prefix + "srv").api

    @pytest.fixture(scope="module", name=prefix + "admin")
    def admin(request):
        return login(request.getfixturevalue(prefix + "api"), ADMIN_EMAIL, ADMIN_PASSWORD)

    return srv, api, admin


def make_certificate(directory, name):
    """A self-signed P-256 certificate for 127.0.0.1 and localhost, and its
    key: (cert path, key path) in `directory`."""
    key, cert = directory / (name + ".key"), directory / (name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=" + name, "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def served_certificate(host, port):
    """The certificate (DER) a new TLS connection to host:port is shown,
    unchecked (it may be one about to replace the trusted file)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            return tls.getpeercert(binary_form=True)
