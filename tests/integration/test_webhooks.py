"""Outbound status webhooks (docs/webhooks.md): endpoints and their
validation, secrets and their rotation, signed deliveries of message events
to endpoints and to a message's callback_url, retries, the delivery log and
redelivery, pings, disabling of failing endpoints, fairness between endpoints,
tenant isolation and API key scopes; and, on a server without
UJUMBE_WEBHOOK_ALLOW_PRIVATE, the refusal of unsafe destinations.

The main server of this module runs with a retry unit of 20 ms (the schedule
10 s, 30 s, 1 min, ... becomes 200 ms, 600 ms, 1.2 s, ...), a 1.5 s exchange
timeout and disabling after 2 s of failures; its webhooks go to a receiver on
127.0.0.1 (webhook_receiver.py), every test to paths of its own.
"""

import datetime
import json
import re
import time
import uuid

import pytest

import ujumbe_it as u
from ujumbe_it import (assert_error, assert_list, assert_not_found, assert_ok,
                       assert_validation, create_api_key, describe, is_timestamp, is_uuid7,
                       with_query)
from webhook_receiver import (Answer, WebhookReceiver, expected_v1, matching_v1,
                              parse_signature, verify_signature)



RETRY_UNIT_S = 0.020
TIMEOUT_S = 1.5
WEBHOOK_ENV = {
    "UJUMBE_WEBHOOK_ALLOW_PRIVATE": "true",
    "UJUMBE_WEBHOOK_RETRY_UNIT_MS": "20",
    "UJUMBE_WEBHOOK_TIMEOUT_MS": "1500",
    "UJUMBE_WEBHOOK_DISABLE_AFTER_S": "2",
}
WAIT_S = 30.0

EVENT_TYPES = {
    "message.scheduled", "message.queued", "message.sent", "message.delivered",
    "message.undelivered", "message.expired", "message.rejected", "message.failed",
    "message.canceled", "message.received", "message.read", "import.completed",
    "wallet.low_balance",
    "subscription.renewed", "subscription.past_due", "subscription.downgraded",
    "webhook.disabled",
}
ENDPOINT_FIELDS = ("id", "url", "events", "description", "enabled", "disabled_reason",
                   "failing_since", "secret_rotated_at", "previous_secret_expires_at",
                   "created_at", "updated_at")
DELIVERY_FIELDS = ("id", "webhook_id", "event_id", "event_type", "status", "attempts",
                   "response_status", "latency_ms", "error", "response_excerpt",
                   "next_attempt_at", "delivered_at", "created_at", "updated_at")
EVENT_FIELDS = {"id", "type", "created_at", "account_id", "data"}
EVENT_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
MESSAGE_TYPES = ("message.queued", "message.sent", "message.delivered")
MAX_OVERLAP_S = 604800
DEFAULT_OVERLAP_S = 86400

_ke_counter = iter(range(10 ** 6))


def ke_phone():
    return "+2547%08d" % (40000000 + next(_ke_counter))


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def whsrv():
    """The server of this module: webhooks allowed towards 127.0.0.1, short
    retry unit, timeout and disabling period."""
    srv = u.harness().UjumbeServer(WEBHOOK_ENV, label="webhooks")
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def wapi(whsrv):
    return whsrv.api


@pytest.fixture(scope="module")
def rx():
    receiver = WebhookReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def acct(wapi):
    """A fresh account on the webhook server; its owner."""
    return u.register(wapi)


@pytest.fixture
def register_on(wapi):
    """register_on() -> the owner of another fresh account on the webhook server."""
    return lambda: u.register(wapi)


@pytest.fixture(scope="module")
def wadmin(wapi):
    return u.login(wapi, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)


def new_path(tag="hook"):
    return "/%s/%s" % (tag, uuid.uuid4().hex)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def create_webhook(api, token, url, events, **extra):
    body = {"url": url, "events": events}
    body.update(extra)
    data = assert_ok(api("POST", "/webhooks", json=body, token=token), 201)
    assert isinstance(data, dict), data
    return data


def get_webhook(api, token, wid):
    return assert_ok(api("GET", "/webhooks/%s" % wid, token=token))


def rotate(api, token, wid, **body):
    return assert_ok(api("POST", "/webhooks/%s/rotate-secret" % wid, json=body, token=token),
                     (200, 201))


def secret_of(data):
    secret = data.get("secret") if isinstance(data, dict) else None
    assert isinstance(secret, str) and secret.startswith("whsec_"), data
    assert len(secret) >= len("whsec_") + 22, "secret too short to carry 128 bits: %r" % data
    return secret


def ping(api, token, wid):
    return assert_ok(api("POST", "/webhooks/%s/test" % wid, token=token), (200, 201, 202))


def deliveries(api, token, wid, **params):
    params.setdefault("page_size", 100)
    return assert_list(api("GET", with_query("/webhooks/%s/deliveries" % wid, **params),
                           token=token))["results"]


def wait_delivery(api, token, wid, predicate, timeout=WAIT_S, what="delivery"):
    """Polls the delivery log of `wid` until one entry satisfies `predicate`;
    returns that entry."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = deliveries(api, token, wid)
        for d in last:
            if predicate(d):
                return d
        if time.monotonic() > deadline:
            raise AssertionError("%s not in the log of %s after %.0f s: %r"
                                 % (what, wid, timeout, last))
        time.sleep(0.05)


def wait_webhook(api, token, wid, predicate, timeout=WAIT_S, what="endpoint state"):
    deadline = time.monotonic() + timeout
    while True:
        data = get_webhook(api, token, wid)
        if predicate(data):
            return data
        if time.monotonic() > deadline:
            raise AssertionError("%s not reached by %s after %.0f s: %r"
                                 % (what, wid, timeout, data))
        time.sleep(0.05)


def send(api, token, **body):
    body.setdefault("to", ke_phone())
    body.setdefault("body", "webhook test")
    return assert_ok(api("POST", "/messages", json=body, token=token), 201)


def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def event_type_names(data):
    items = data
    if isinstance(data, dict):
        keys = [k for k in ("event_types", "results", "types") if k in data]
        assert keys, data
        items = data[keys[0]]
    assert isinstance(items, list), data
    names = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        else:
            assert isinstance(item, dict), item
            names.append(item.get("type", item.get("name")))
    return names


def sent_body_of(delivery):
    """The body a delivery sent, as GET /webhooks/{id}/deliveries/{d} shows it."""
    for key in ("body", "request_body", "payload"):
        if key in delivery:
            return delivery[key]
    raise AssertionError("no body in the delivery: %r" % (delivery,))


def same_body(shown, received_bytes):
    if isinstance(shown, str):
        return shown.encode("utf-8") == received_bytes
    return shown == json.loads(received_bytes)


def assert_event(req, secret, account_id, event_type=None):
    """Checks one delivery request: headers, signature and body envelope;
    returns the parsed body."""
    assert req.method == "POST", req
    ctype = req.header("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/json", (ctype, req)
    assert req.header("User-Agent") == "Ujumbe-Webhooks/1", req.headers
    assert req.event_id and req.event_type and req.delivery_id, req.headers
    t, v1 = parse_signature(req.signature)
    assert abs(t - req.arrived_wall) < 120, (t, req.arrived_wall)
    assert req.verify(secret), "signature does not verify: %r over %r" % (req.signature,
                                                                          req.body[:300])
    body = req.json()
    assert set(body) == EVENT_FIELDS, body
    assert body["id"] == req.event_id, (body["id"], req.headers)
    assert body["type"] == req.event_type, (body["type"], req.headers)
    assert is_uuid7(body["id"]), body["id"]
    assert EVENT_TIME.match(body["created_at"]), body["created_at"]
    assert body["account_id"] == account_id, body
    assert isinstance(body["data"], dict), body
    if event_type is not None:
        assert body["type"] == event_type, body
    return body


def assert_message_event(req, secret, account_id, message_id):
    body = assert_event(req, secret, account_id)
    assert set(body["data"]) == {"message"}, body["data"]
    msg = body["data"]["message"]
    assert msg["id"] == message_id, msg
    assert body["type"].startswith("message."), body["type"]
    assert msg["status"] == body["type"][len("message."):], (body["type"], msg)
    for field in ("to", "body", "direction", "created_at"):
        assert field in msg, (field, msg)
    return body


def assert_delivery_shape(d):
    for field in DELIVERY_FIELDS:
        assert field in d, "delivery lacks %s: %r" % (field, d)
    assert d["status"] in ("pending", "delivered", "failed"), d
    assert isinstance(d["attempts"], int) and d["attempts"] >= 0, d
    assert is_timestamp(d["created_at"]) and is_timestamp(d["updated_at"]), d


# --------------------------------------------------------------------------
# 1. Event types, endpoints and their validation
# --------------------------------------------------------------------------

def test_event_types_lists_every_type(wapi, acct):
    data = assert_ok(wapi("GET", "/webhooks/event-types", token=acct.access))
    names = event_type_names(data)
    assert len(names) == len(set(names)), names
    assert set(names) == EVENT_TYPES, sorted(set(names) ^ EVENT_TYPES)


def test_webhooks_need_authentication(wapi):
    u.assert_unauthenticated(wapi("GET", "/webhooks"))
    u.assert_unauthenticated(wapi("POST", "/webhooks", json={"url": "http://127.0.0.1/",
                                                            "events": ["ping"]}))
    u.assert_unauthenticated(wapi("GET", "/webhooks/event-types"))
    u.assert_unauthenticated(wapi("POST", "/webhooks/callback-secret", json={}))


def test_create_get_list_update_delete(wapi, rx, acct):
    url = rx.url(new_path())
    created = create_webhook(wapi, acct.access, url, ["message.delivered", "message.failed"],
                             description="CRM")
    for field in ENDPOINT_FIELDS:
        assert field in created, "missing %s: %r" % (field, created)
    secret = secret_of(created)
    assert is_uuid7(created["id"]), created
    assert created["url"] == url
    assert sorted(created["events"]) == ["message.delivered", "message.failed"]
    assert created["description"] == "CRM"
    assert created["enabled"] is True
    for field in ("disabled_reason", "failing_since", "secret_rotated_at",
                  "previous_secret_expires_at"):
        assert created[field] is None, (field, created)
    assert is_timestamp(created["created_at"]) and is_timestamp(created["updated_at"])
    wid = created["id"]

    resp = wapi("GET", "/webhooks/%s" % wid, token=acct.access)
    got = assert_ok(resp)
    assert secret.encode() not in resp.raw and b"whsec_" not in resp.raw, describe(resp)
    assert got.get("secret") is None, got
    for field in ENDPOINT_FIELDS:
        assert got[field] == created[field], (field, got, created)

    resp = wapi("GET", "/webhooks", token=acct.access)
    listed = assert_list(resp)
    assert listed["count"] == 1 and [w["id"] for w in listed["results"]] == [wid], listed
    assert secret.encode() not in resp.raw and b"whsec_" not in resp.raw, describe(resp)

    url2 = rx.url(new_path())
    put = assert_ok(wapi("PUT", "/webhooks/%s" % wid, token=acct.access,
                         json={"url": url2, "events": ["*"], "description": "Other",
                               "enabled": False}))
    assert put["id"] == wid and put["url"] == url2 and put["events"] == ["*"], put
    assert put["description"] == "Other" and put["enabled"] is False, put
    assert put["updated_at"] >= created["updated_at"]
    assert put.get("secret") is None, put
    got = get_webhook(wapi, acct.access, wid)
    assert (got["url"], got["events"], got["description"], got["enabled"]) == \
        (url2, ["*"], "Other", False), got

    patched = assert_ok(wapi("PATCH", "/webhooks/%s" % wid, token=acct.access,
                             json={"description": "Patched"}))
    assert (patched["url"], patched["events"], patched["description"], patched["enabled"]) == \
        (url2, ["*"], "Patched", False), patched
    patched = assert_ok(wapi("PATCH", "/webhooks/%s" % wid, token=acct.access,
                             json={"enabled": True, "events": ["message.sent"]}))
    assert patched["enabled"] is True and patched["events"] == ["message.sent"], patched
    assert patched["url"] == url2 and patched["description"] == "Patched", patched
    assert get_webhook(wapi, acct.access, wid)["events"] == ["message.sent"]

    u.assert_done(wapi("DELETE", "/webhooks/%s" % wid, token=acct.access))
    assert_not_found(wapi("GET", "/webhooks/%s" % wid, token=acct.access))
    assert_not_found(wapi("DELETE", "/webhooks/%s" % wid, token=acct.access))
    assert assert_list(wapi("GET", "/webhooks", token=acct.access))["count"] == 0


def test_create_with_defaults(wapi, rx, acct):
    data = create_webhook(wapi, acct.access, rx.url(new_path()), ["*"])
    assert data["events"] == ["*"] and data["enabled"] is True, data
    disabled = create_webhook(wapi, acct.access, rx.url(new_path()), ["message.failed"],
                              enabled=False)
    assert disabled["enabled"] is False, disabled
    assert disabled["disabled_reason"] is None, disabled


def test_every_listed_type_can_be_subscribed(wapi, rx, acct):
    every = create_webhook(wapi, acct.access, rx.url(new_path()), sorted(EVENT_TYPES))
    assert sorted(every["events"]) == sorted(EVENT_TYPES), every


def test_ping_is_sent_by_hand_only(wapi, rx, acct):
    u.assert_validation(wapi("POST", "/webhooks", token=acct.access,
                             json={"url": rx.url(new_path()), "events": ["ping"]}), "events")


@pytest.mark.parametrize("body,field", [
    ({"events": ["message.delivered"]}, "url"),
    ({"url": None, "events": ["message.delivered"]}, "url"),
    ({"url": "", "events": ["message.delivered"]}, "url"),
    ({"url": "not a url", "events": ["message.delivered"]}, "url"),
    ({"url": "http://", "events": ["message.delivered"]}, "url"),
    ({"url": "/relative/path", "events": ["message.delivered"]}, "url"),
    ({"url": 42, "events": ["message.delivered"]}, "url"),
    ({"url": "ftp://127.0.0.1/hook", "events": ["message.delivered"]}, "url"),
    ({"url": "RX"}, "events"),
    ({"url": "RX", "events": []}, "events"),
    ({"url": "RX", "events": None}, "events"),
    ({"url": "RX", "events": ["message.nope"]}, "events"),
    ({"url": "RX", "events": ["message.delivered", "bogus"]}, "events"),
    ({"url": "RX", "events": "message.delivered"}, "events"),
    ({"url": "RX", "events": [42]}, "events"),
    ({"url": "RX", "events": ["message.delivered"], "enabled": "yes"}, "enabled"),
], ids=["missing-url", "null-url", "empty-url", "not-a-url", "no-host", "relative",
        "number-url", "ftp-url", "missing-events", "empty-events", "null-events",
        "unknown-type", "unknown-among-known", "events-string", "events-number",
        "enabled-string"])
def test_create_validation(wapi, rx, acct, body, field):
    body = dict(body)
    if body.get("url") == "RX":
        body["url"] = rx.url(new_path())
    resp = wapi("POST", "/webhooks", json=body, token=acct.access)
    assert_validation(resp, field)
    assert assert_list(wapi("GET", "/webhooks", token=acct.access))["count"] == 0


def test_update_validation_leaves_the_endpoint_unchanged(wapi, rx, acct):
    url = rx.url(new_path())
    wid = create_webhook(wapi, acct.access, url, ["message.delivered"])["id"]
    for method, body, field in (
            ("PATCH", {"events": []}, "events"),
            ("PATCH", {"events": ["message.nope"]}, "events"),
            ("PATCH", {"url": "not a url"}, "url"),
            ("PATCH", {"url": "ftp://127.0.0.1/x"}, "url"),
            ("PUT", {"url": "", "events": ["message.sent"]}, "url"),
            ("PUT", {"url": rx.url(new_path()), "events": ["what.ever"]}, "events")):
        assert_validation(wapi(method, "/webhooks/%s" % wid, json=body, token=acct.access),
                          field)
    got = get_webhook(wapi, acct.access, wid)
    assert got["url"] == url and got["events"] == ["message.delivered"], got


def test_unknown_webhook_is_404(wapi, acct):
    missing = str(uuid.uuid4())
    assert_not_found(wapi("GET", "/webhooks/%s" % missing, token=acct.access))
    assert_not_found(wapi("PUT", "/webhooks/%s" % missing, token=acct.access,
                          json={"url": "http://127.0.0.1/x", "events": ["message.failed"]}))
    assert_not_found(wapi("PATCH", "/webhooks/%s" % missing, token=acct.access,
                          json={"description": "x"}))
    assert_not_found(wapi("DELETE", "/webhooks/%s" % missing, token=acct.access))
    assert_not_found(wapi("POST", "/webhooks/%s/rotate-secret" % missing, json={},
                          token=acct.access))
    assert_not_found(wapi("POST", "/webhooks/%s/test" % missing, token=acct.access))
    assert_not_found(wapi("GET", "/webhooks/%s/deliveries" % missing, token=acct.access))


def test_at_most_20_endpoints(wapi, rx, acct):
    for _ in range(20):
        create_webhook(wapi, acct.access, rx.url(new_path()), ["message.failed"])
    resp = wapi("POST", "/webhooks", json={"url": rx.url(new_path()),
                                           "events": ["message.failed"]}, token=acct.access)
    assert_error(resp, (400, 409, 422))
    assert assert_list(wapi("GET", "/webhooks", token=acct.access))["count"] == 20


# --------------------------------------------------------------------------
# 2. Secrets
# --------------------------------------------------------------------------

def test_secret_is_shown_only_at_creation_and_rotation(wapi, rx, acct):
    created = create_webhook(wapi, acct.access, rx.url(new_path()), ["message.failed"])
    first = secret_of(created)
    wid = created["id"]
    for path in ("/webhooks/%s" % wid, "/webhooks"):
        resp = wapi("GET", path, token=acct.access)
        assert resp.status == 200, describe(resp)
        assert b"whsec_" not in resp.raw, describe(resp)

    before = utc_now()
    rotated = rotate(wapi, acct.access, wid)
    second = secret_of(rotated)
    assert second != first
    for path in ("/webhooks/%s" % wid, "/webhooks", "/webhooks/%s/deliveries" % wid):
        resp = wapi("GET", path, token=acct.access)
        assert resp.status == 200, describe(resp)
        assert b"whsec_" not in resp.raw, describe(resp)
    got = get_webhook(wapi, acct.access, wid)
    assert is_timestamp(got["secret_rotated_at"]), got
    assert abs((parse_time(got["secret_rotated_at"]) - before).total_seconds()) < 60, got
    # the old secret keeps signing for the default overlap of a day
    expires = parse_time(got["previous_secret_expires_at"])
    assert abs((expires - before).total_seconds() - DEFAULT_OVERLAP_S) < 120, got

    third = secret_of(rotate(wapi, acct.access, wid, overlap_s=MAX_OVERLAP_S))
    assert third not in (first, second)
    got = get_webhook(wapi, acct.access, wid)
    expires = parse_time(got["previous_secret_expires_at"])
    assert abs((expires - before).total_seconds() - MAX_OVERLAP_S) < 120, got


@pytest.mark.parametrize("overlap", [MAX_OVERLAP_S + 1, -1, "3600"],
                         ids=["too-long", "negative", "string"])
def test_rotation_overlap_is_validated(wapi, rx, acct, overlap):
    wid = create_webhook(wapi, acct.access, rx.url(new_path()), ["message.failed"])["id"]
    resp = wapi("POST", "/webhooks/%s/rotate-secret" % wid, json={"overlap_s": overlap},
                token=acct.access)
    assert_validation(resp, "overlap_s")
    assert get_webhook(wapi, acct.access, wid)["secret_rotated_at"] is None


def test_callback_secret_is_shown_when_created_and_rotated(wapi, acct):
    first = secret_of(assert_ok(wapi("POST", "/webhooks/callback-secret", json={},
                                     token=acct.access), (200, 201)))
    second = secret_of(assert_ok(wapi("POST", "/webhooks/callback-secret",
                                      json={"overlap_s": 0}, token=acct.access), (200, 201)))
    assert first != second
    assert_validation(wapi("POST", "/webhooks/callback-secret",
                           json={"overlap_s": MAX_OVERLAP_S + 1}, token=acct.access),
                      "overlap_s")


# --------------------------------------------------------------------------
# 3. Deliveries of message events
# --------------------------------------------------------------------------

def test_message_events_are_signed_and_shaped(wapi, rx, acct):
    pa, pb, pc = new_path("all3"), new_path("delivered"), new_path("star")
    a = create_webhook(wapi, acct.access, rx.url(pa), list(MESSAGE_TYPES))
    b = create_webhook(wapi, acct.access, rx.url(pb), ["message.delivered"])
    c = create_webhook(wapi, acct.access, rx.url(pc), ["*"])
    to = ke_phone()
    msg = send(wapi, acct.access, to=to, body="Hello webhooks")
    mid = msg["id"]

    got_a = {}
    for event_type in MESSAGE_TYPES:
        (req,) = rx.wait_event(pa, event_type, mid)[:1]
        body = assert_message_event(req, secret_of(a), acct.account_id, mid)
        assert body["data"]["message"]["to"] == to
        assert body["data"]["message"]["body"] == "Hello webhooks"
        assert len(parse_signature(req.signature)[1]) == 1, req.signature
        got_a[event_type] = req
    assert len({r.event_id for r in got_a.values()}) == 3, got_a

    (req_b,) = rx.wait_event(pb, "message.delivered", mid)[:1]
    assert_message_event(req_b, secret_of(b), acct.account_id, mid)
    assert req_b.event_id == got_a["message.delivered"].event_id
    assert not req_b.verify(secret_of(a)), "signed with another endpoint's secret"

    for event_type in MESSAGE_TYPES:
        (req_c,) = rx.wait_event(pc, event_type, mid)[:1]
        assert_message_event(req_c, secret_of(c), acct.account_id, mid)
        assert req_c.event_id == got_a[event_type].event_id

    # only the subscribed types reach an endpoint
    assert {r.event_type for r in rx.requests(pa)} <= set(MESSAGE_TYPES), rx.requests(pa)
    assert {r.event_type for r in rx.requests(pb)} == {"message.delivered"}, rx.requests(pb)

    # the delivery log of A: one delivered entry per event, newest first
    for event_type, req in got_a.items():
        d = wait_delivery(wapi, acct.access, a["id"],
                          lambda x, e=req.event_id: x["event_id"] == e
                          and x["status"] == "delivered", what="delivered " + event_type)
        assert_delivery_shape(d)
        assert d["id"] == req.delivery_id, (d, req.headers)
        assert d["webhook_id"] == a["id"] and d["event_type"] == event_type, d
        assert d["attempts"] == 1 and d["response_status"] == 200, d
        assert is_timestamp(d["delivered_at"]), d
        assert isinstance(d["latency_ms"], int) and d["latency_ms"] >= 0, d
    entries = deliveries(wapi, acct.access, a["id"])
    assert len(entries) == 3, entries
    created = [d["created_at"] for d in entries]
    assert created == sorted(created, reverse=True), created


def test_scheduled_and_canceled_events(wapi, rx, acct):
    path = new_path()
    hook = create_webhook(wapi, acct.access, rx.url(path),
                          ["message.scheduled", "message.canceled"])
    send_at = (utc_now() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    msg = send(wapi, acct.access, send_at=send_at)
    assert msg["status"] == "scheduled", msg
    (req,) = rx.wait_event(path, "message.scheduled", msg["id"])[:1]
    assert_message_event(req, secret_of(hook), acct.account_id, msg["id"])
    assert_ok(wapi("POST", "/messages/%s/cancel" % msg["id"], token=acct.access))
    (req,) = rx.wait_event(path, "message.canceled", msg["id"])[:1]
    assert_message_event(req, secret_of(hook), acct.account_id, msg["id"])
    assert {r.event_type for r in rx.requests(path)} == {"message.scheduled",
                                                         "message.canceled"}


def test_undelivered_event(wapi, rx, acct, wadmin):
    gateway = assert_ok(wapi("POST", "/gateways", token=wadmin.access, json={
        "name": u.unique_name("failing"), "kind": "sandbox",
        "settings": {"delivery_ratio": 0, "failure_status": "undelivered"}}), 201)
    route = assert_ok(wapi("POST", "/routes", token=wadmin.access, json={
        "name": u.unique_name("route"), "priority": 100, "prefix": "254",
        "account_id": acct.account_id,
        "gateways": [{"gateway_id": gateway["id"], "weight": 1}]}), 201)
    try:
        path = new_path()
        hook = create_webhook(wapi, acct.access, rx.url(path),
                              ["message.delivered", "message.undelivered"])
        msg = send(wapi, acct.access)
        (req,) = rx.wait_event(path, "message.undelivered", msg["id"])[:1]
        body = assert_message_event(req, secret_of(hook), acct.account_id, msg["id"])
        assert body["data"]["message"]["status"] == "undelivered"
        assert [r.event_type for r in rx.requests(path)] == ["message.undelivered"]
    finally:
        u.assert_done(wapi("DELETE", "/routes/%s" % route["id"], token=wadmin.access))
        u.assert_done(wapi("DELETE", "/gateways/%s" % gateway["id"], token=wadmin.access))


def test_import_completed_event(wapi, rx, acct):
    path = new_path()
    hook = create_webhook(wapi, acct.access, rx.url(path), ["import.completed"])
    job = u.import_csv(wapi, acct.access, "phone_e164,name\n+255712000071,Webhook\n")
    assert job["status"] == "completed", job
    (req,) = rx.wait_event(path, "import.completed")[:1]
    body = assert_event(req, secret_of(hook), acct.account_id, "import.completed")
    assert set(body["data"]) == {"import"}, body["data"]
    shown = body["data"]["import"]
    assert shown["id"] == job["id"] and shown["status"] == "completed", body
    # as GET /contacts/imports/{id} shows it
    for field in u.IMPORT_FIELDS:
        assert shown.get(field) == job.get(field), (field, shown, job)
    assert [r.event_type for r in rx.requests(path)] == ["import.completed"]


@pytest.mark.parametrize("threshold", ["-1", "1000000000.000001", "9223372036854.775807",
                                       "99999999999999999999", "1.0000001", "abc"])
def test_a_low_balance_threshold_out_of_range_is_refused(wapi, acct, threshold):
    resp = wapi("PUT", "/wallet/low-balance-alert", json={"threshold": threshold},
                token=acct.access)
    # malformed or negative: 400; beyond the largest amount: 422 AMOUNT_OUT_OF_RANGE
    u.assert_error(resp, (400, 422), field="threshold")
    if threshold == "-1":
        assert resp.body["errors"]["threshold"] == ["Must be zero or more."], resp.body


def test_wallet_low_balance_event_once_per_crossing(wapi, rx, acct, wadmin):
    # the account's own price: 1 a message; it starts with the trial credit
    assert_ok(wapi("POST", "/rates", token=wadmin.access,
                   json={"account_id": acct.account_id, "prefix": "254", "price": "1"}),
              (200, 201))
    wallet = assert_ok(wapi("GET", "/wallet", token=acct.access))
    start = wallet["balance_micros"]
    assert start >= 3_000_000, wallet
    threshold_micros = start - 2_500_000   # crossed by the third message
    threshold = "%d.%06d" % divmod(threshold_micros, 1_000_000)
    assert_ok(wapi("PUT", "/wallet/low-balance-alert", json={"threshold": threshold},
                   token=acct.access))
    path = new_path("wallet")
    hook = create_webhook(wapi, acct.access, rx.url(path), ["wallet.low_balance"])
    for _ in range(2):
        send(wapi, acct.access)
    assert rx.requests(path) == []
    send(wapi, acct.access)
    (req,) = rx.wait_event(path, "wallet.low_balance")[:1]
    body = assert_event(req, secret_of(hook), acct.account_id, "wallet.low_balance")
    assert set(body["data"]) == {"wallet"}, body["data"]
    shown = body["data"]["wallet"]
    for field in ("currency", "balance", "low_balance_threshold"):
        assert field in shown, (field, shown)
    assert round(float(shown["balance"]) * 1_000_000) == start - 3_000_000, shown
    assert round(float(shown["low_balance_threshold"]) * 1_000_000) == threshold_micros, shown
    assert shown["currency"] == wallet["currency"], shown
    # staying below is not a new crossing; going above and below again is
    send(wapi, acct.access)
    assert_ok(wapi("POST", "/wallet/topups", token=wadmin.access,
                   json={"account_id": acct.account_id, "amount": "5.5",
                         "reference": "low-balance-" + uuid.uuid4().hex}), 201)
    for _ in range(4):   # down to exactly the threshold: not below it
        send(wapi, acct.access)
    send(wapi, acct.access)
    reqs = rx.wait_event(path, "wallet.low_balance", n=2)
    balances = [round(float(r.json()["data"]["wallet"]["balance"]) * 1_000_000) for r in reqs]
    assert balances == [start - 3_000_000, start - 3_500_000], balances
    assert len({r.event_id for r in reqs}) == 2, reqs


def test_callback_url_receives_the_messages_events(wapi, rx, acct):
    cb_secret = secret_of(assert_ok(wapi("POST", "/webhooks/callback-secret", json={},
                                         token=acct.access), (200, 201)))
    p_end, p_cb = new_path("endpoint"), new_path("callback")
    endpoint = create_webhook(wapi, acct.access, rx.url(p_end), ["message.delivered"])
    callback_url = rx.url(p_cb)
    msg = send(wapi, acct.access, callback_url=callback_url)
    assert msg["callback_url"] == callback_url
    mid = msg["id"]

    got = {}
    for event_type in MESSAGE_TYPES:
        (req,) = rx.wait_event(p_cb, event_type, mid)[:1]
        assert_message_event(req, cb_secret, acct.account_id, mid)
        assert not req.verify(secret_of(endpoint)), "callback signed with the endpoint secret"
        got[event_type] = req
    (req_end,) = rx.wait_event(p_end, "message.delivered", mid)[:1]
    assert_message_event(req_end, secret_of(endpoint), acct.account_id, mid)
    assert req_end.event_id == got["message.delivered"].event_id
    assert {r.event_type for r in rx.requests(p_end)} == {"message.delivered"}
    assert {r.message_id() for r in rx.requests(p_cb)} == {mid}

    # a rotation without overlap: the next callbacks carry the new secret alone
    new_secret = secret_of(assert_ok(wapi("POST", "/webhooks/callback-secret",
                                          json={"overlap_s": 0}, token=acct.access),
                                     (200, 201)))
    p_cb2 = new_path("callback")
    msg2 = send(wapi, acct.access, callback_url=rx.url(p_cb2))
    (req,) = rx.wait_event(p_cb2, "message.delivered", msg2["id"])[:1]
    assert_message_event(req, new_secret, acct.account_id, msg2["id"])
    assert len(parse_signature(req.signature)[1]) == 1, req.signature
    assert not req.verify(cb_secret)


def test_callback_url_with_overlap_is_signed_with_both_secrets(wapi, rx, acct):
    old = secret_of(assert_ok(wapi("POST", "/webhooks/callback-secret", json={},
                                   token=acct.access), (200, 201)))
    new = secret_of(assert_ok(wapi("POST", "/webhooks/callback-secret",
                                   json={"overlap_s": 3600}, token=acct.access), (200, 201)))
    path = new_path("callback")
    msg = send(wapi, acct.access, callback_url=rx.url(path))
    (req,) = rx.wait_event(path, "message.delivered", msg["id"])[:1]
    _, v1 = parse_signature(req.signature)
    assert len(v1) == 2, req.signature
    assert req.verify(old) and req.verify(new), req.signature
    assert len(matching_v1(old, req.signature, req.body)) == 1
    assert len(matching_v1(new, req.signature, req.body)) == 1
    assert matching_v1(old, req.signature, req.body) != matching_v1(new, req.signature,
                                                                     req.body)


# --------------------------------------------------------------------------
# 4. Retries, the delivery log, redelivery
# --------------------------------------------------------------------------

def test_failed_attempts_are_retried_with_the_same_event_and_body(wapi, rx, acct):
    path = new_path("flaky")
    rx.fail_first(path, 2, Answer.error(500, "upstream down"))
    hook = create_webhook(wapi, acct.access, rx.url(path), ["message.delivered"])
    msg = send(wapi, acct.access)
    reqs = rx.wait_count(3, path)
    assert [r.outcome for r in reqs[:2]] == ["answered 500", "answered 500"], reqs
    assert len({r.event_id for r in reqs}) == 1, reqs
    assert len({r.body for r in reqs}) == 1, "the body changed between attempts"
    assert len({r.delivery_id for r in reqs}) == 1, [r.delivery_id for r in reqs]
    for r in reqs:
        assert_message_event(r, secret_of(hook), acct.account_id, msg["id"])
    # 10 and 30 units, each less at most 20%
    assert reqs[1].arrived - reqs[0].arrived >= 10 * RETRY_UNIT_S * 0.8 * 0.95, reqs
    assert reqs[2].arrived - reqs[1].arrived >= 30 * RETRY_UNIT_S * 0.8 * 0.95, reqs

    d = wait_delivery(wapi, acct.access, hook["id"],
                      lambda x: x["event_id"] == reqs[0].event_id
                      and x["status"] == "delivered", what="the delivered delivery")
    assert_delivery_shape(d)
    assert d["id"] == reqs[0].delivery_id
    assert d["attempts"] == 3 and d["response_status"] == 200, d
    assert is_timestamp(d["delivered_at"]), d
    assert len(rx.requests(path)) == 3, rx.requests(path)
    ids = lambda status: [x["id"] for x in deliveries(wapi, acct.access, hook["id"],
                                                      status=status)]
    assert d["id"] in ids("delivered")
    assert d["id"] not in ids("pending") and d["id"] not in ids("failed")


def test_failing_attempt_is_logged_with_status_error_and_excerpt(wapi, rx, acct):
    path = new_path("down")
    answer = "upstream down " + "x" * 600
    rx.program(path, Answer.error(500, answer))
    hook = create_webhook(wapi, acct.access, rx.url(path), ["message.delivered"])
    send(wapi, acct.access)
    (first,) = rx.wait_count(1, path)[:1]
    d = wait_delivery(wapi, acct.access, hook["id"],
                      lambda x: x["event_id"] == first.event_id and x["attempts"] >= 1
                      and x["response_status"] == 500, what="a logged 500")
    assert_delivery_shape(d)
    assert d["status"] == "pending", d
    assert d["id"] == first.delivery_id and d["event_type"] == "message.delivered", d
    assert isinstance(d["error"], str) and d["error"].strip(), d
    excerpt = d["response_excerpt"]
    assert isinstance(excerpt, str) and excerpt.startswith("upstream down"), d
    assert len(excerpt.encode("utf-8")) <= 256 and answer.startswith(excerpt), d
    assert is_timestamp(d["next_attempt_at"]) and d["delivered_at"] is None, d
    assert isinstance(d["latency_ms"], int) and d["latency_ms"] >= 0, d

    assert d["id"] in [x["id"] for x in deliveries(wapi, acct.access, hook["id"],
                                                   status="pending")]
    assert d["id"] not in [x["id"] for x in deliveries(wapi, acct.access, hook["id"],
                                                       status="delivered")]
    assert_validation(wapi("GET", "/webhooks/%s/deliveries?status=bogus" % hook["id"],
                           token=acct.access), "status")

    one = assert_ok(wapi("GET", "/webhooks/%s/deliveries/%s" % (hook["id"], d["id"]),
                         token=acct.access))
    assert one["id"] == d["id"] and one["event_id"] == first.event_id, one
    assert same_body(sent_body_of(one), first.body), (one, first.body)
    assert b"whsec_" not in json.dumps(one).encode()

    # deleting the endpoint drops its pending deliveries
    u.assert_done(wapi("DELETE", "/webhooks/%s" % hook["id"], token=acct.access))
    assert_not_found(wapi("GET", "/webhooks/%s/deliveries" % hook["id"], token=acct.access))
    assert_not_found(wapi("GET", "/webhooks/%s/deliveries/%s" % (hook["id"], d["id"]),
                          token=acct.access))


def test_an_answer_after_the_timeout_is_retried(wapi, rx, acct):
    path = new_path("slow")
    rx.program(path, Answer.ok(), first=[Answer.slow(TIMEOUT_S + 2.0)])
    hook = create_webhook(wapi, acct.access, rx.url(path), ["message.delivered"])
    msg = send(wapi, acct.access)
    reqs = rx.wait_count(2, path)
    assert reqs[0].event_id == reqs[1].event_id and reqs[0].body == reqs[1].body, reqs
    for r in reqs:
        assert_message_event(r, secret_of(hook), acct.account_id, msg["id"])
    # the first attempt was given up at the timeout, then retried after 10 units
    assert reqs[1].arrived - reqs[0].arrived >= TIMEOUT_S * 0.9, reqs
    d = wait_delivery(wapi, acct.access, hook["id"],
                      lambda x: x["event_id"] == reqs[0].event_id
                      and x["status"] == "delivered", what="delivered after the timeout")
    assert d["attempts"] == 2 and d["response_status"] == 200, d


def test_a_closed_connection_is_retried(wapi, rx, acct):
    path = new_path("hangup")
    rx.program(path, Answer.ok(), first=[Answer.hang_up()])
    hook = create_webhook(wapi, acct.access, rx.url(path), ["message.delivered"])
    msg = send(wapi, acct.access)
    reqs = rx.wait_count(2, path)
    assert reqs[0].outcome == "closed", reqs
    assert reqs[0].event_id == reqs[1].event_id and reqs[0].body == reqs[1].body, reqs
    for r in reqs:
        assert_message_event(r, secret_of(hook), acct.account_id, msg["id"])
    assert reqs[1].arrived - reqs[0].arrived >= 10 * RETRY_UNIT_S * 0.8 * 0.95, reqs
    d = wait_delivery(wapi, acct.access, hook["id"],
                      lambda x: x["event_id"] == reqs[0].event_id
                      and x["status"] == "delivered", what="delivered after a hang-up")
    assert d["attempts"] == 2 and d["response_status"] == 200, d


def test_redirects_are_not_followed(wapi, rx, acct):
    path, target = new_path("moved"), new_path("target")
    rx.program(path, Answer(302, b"", headers={"Location": rx.url(target)}))
    hook = create_webhook(wapi, acct.access, rx.url(path), ["message.failed"])
    ping(wapi, acct.access, hook["id"])
    (req,) = rx.wait_count(1, path)[:1]
    d = wait_delivery(wapi, acct.access, hook["id"],
                      lambda x: x["event_id"] == req.event_id and x["attempts"] >= 1
                      and x["response_status"] == 302, what="a logged 302")
    assert d["status"] == "pending", d
    assert rx.requests(target) == []
    u.assert_done(wapi("DELETE", "/webhooks/%s" % hook["id"], token=acct.access))


def test_redeliver_sends_the_same_event_and_bytes(wapi, rx, acct):
    path = new_path("redeliver")
    hook = create_webhook(wapi, acct.access, rx.url(path), ["message.delivered"])
    msg = send(wapi, acct.access)
    (first,) = rx.wait_count(1, path)[:1]
    d = wait_delivery(wapi, acct.access, hook["id"],
                      lambda x: x["event_id"] == first.event_id and x["status"] == "delivered")
    assert_ok(wapi("POST", "/webhooks/%s/deliveries/%s/redeliver" % (hook["id"], d["id"]),
                   token=acct.access), (200, 201, 202))
    reqs = rx.wait_count(2, path)
    again = reqs[1]
    assert again.event_id == first.event_id and again.event_type == first.event_type
    assert again.body == first.body, (again.body, first.body)
    assert_message_event(again, secret_of(hook), acct.account_id, msg["id"])
    one = assert_ok(wapi("GET", "/webhooks/%s/deliveries/%s" % (hook["id"], d["id"]),
                         token=acct.access))
    assert same_body(sent_body_of(one), first.body), (one, first.body)
    assert_not_found(wapi("POST", "/webhooks/%s/deliveries/%s/redeliver"
                          % (hook["id"], uuid.uuid4()), token=acct.access))
    assert_not_found(wapi("GET", "/webhooks/%s/deliveries/%s" % (hook["id"], uuid.uuid4()),
                          token=acct.access))


# --------------------------------------------------------------------------
# 5. Pings and rotation
# --------------------------------------------------------------------------

def test_test_sends_a_ping_whatever_the_subscription(wapi, rx, acct):
    path = new_path("ping")
    url = rx.url(path)
    hook = create_webhook(wapi, acct.access, url, ["message.failed"])
    ping(wapi, acct.access, hook["id"])
    (req,) = rx.wait_event(path, "ping")[:1]
    body = assert_event(req, secret_of(hook), acct.account_id, "ping")
    assert set(body["data"]) == {"webhook"}, body["data"]
    assert body["data"]["webhook"]["id"] == hook["id"], body
    assert body["data"]["webhook"]["url"] == url, body
    assert b"whsec_" not in req.body, req.body
    assert [r.event_type for r in rx.requests(path)] == ["ping"]


def test_rotation_with_overlap_signs_with_both_secrets_then_one(wapi, rx, acct):
    path = new_path("rotate")
    hook = create_webhook(wapi, acct.access, rx.url(path), ["message.failed"])
    old = secret_of(hook)
    ping(wapi, acct.access, hook["id"])
    (req,) = rx.wait_event(path, "ping", n=1)[:1]
    assert len(parse_signature(req.signature)[1]) == 1 and req.verify(old), req.signature

    before = utc_now()
    new = secret_of(rotate(wapi, acct.access, hook["id"], overlap_s=3600))
    got = get_webhook(wapi, acct.access, hook["id"])
    assert is_timestamp(got["secret_rotated_at"]), got
    expires = parse_time(got["previous_secret_expires_at"])
    assert abs((expires - before).total_seconds() - 3600) < 120, got

    ping(wapi, acct.access, hook["id"])
    req = rx.wait_event(path, "ping", n=2)[1]
    t, v1 = parse_signature(req.signature)
    assert len(v1) == 2, req.signature
    assert req.verify(old) and req.verify(new), req.signature
    assert sorted(matching_v1(old, req.signature, req.body) +
                  matching_v1(new, req.signature, req.body)) == [0, 1], req.signature
    assert set(v1) == {expected_v1(old, t, req.body), expected_v1(new, t, req.body)}

    newest = secret_of(rotate(wapi, acct.access, hook["id"], overlap_s=0))
    got = get_webhook(wapi, acct.access, hook["id"])
    prev = got["previous_secret_expires_at"]
    assert prev is None or parse_time(prev) <= utc_now() + datetime.timedelta(seconds=1), got
    ping(wapi, acct.access, hook["id"])
    req = rx.wait_event(path, "ping", n=3)[2]
    assert len(parse_signature(req.signature)[1]) == 1, req.signature
    assert req.verify(newest), req.signature
    assert not req.verify(new) and not req.verify(old), req.signature


def test_signature_verification_refuses_tampering_and_stale_times(wapi, rx, acct):
    path = new_path("verify")
    hook = create_webhook(wapi, acct.access, rx.url(path), ["message.failed"])
    secret = secret_of(hook)
    ping(wapi, acct.access, hook["id"])
    (req,) = rx.wait_event(path, "ping")[:1]
    assert verify_signature(secret, req.signature, req.body, now=req.arrived_wall)
    assert not verify_signature(secret, req.signature, req.body + b" ", now=req.arrived_wall)
    assert not verify_signature(secret + "x", req.signature, req.body, now=req.arrived_wall)
    assert not verify_signature(secret, req.signature, req.body, now=req.arrived_wall + 3600)
    t, _ = parse_signature(req.signature)
    forged = "t=%d,v1=%s" % (t + 1, parse_signature(req.signature)[1][0])
    assert not verify_signature(secret, forged, req.body, now=req.arrived_wall)


# --------------------------------------------------------------------------
# 6. Disabling
# --------------------------------------------------------------------------

def test_failing_endpoint_is_disabled_announced_and_can_be_enabled(wapi, rx, acct):
    p_fail, p_watch, p_ok = new_path("failing"), new_path("watch"), new_path("ok")
    rx.program(p_fail, Answer.error(500, "always down"))
    watcher = create_webhook(wapi, acct.access, rx.url(p_watch), ["webhook.disabled"])
    failing = create_webhook(wapi, acct.access, rx.url(p_fail), ["message.delivered"])
    healthy = create_webhook(wapi, acct.access, rx.url(p_ok), ["message.delivered"])

    send(wapi, acct.access)
    rx.wait_count(1, p_fail)
    got = wait_webhook(wapi, acct.access, failing["id"], lambda w: w["enabled"] is False,
                       timeout=60, what="disabled")
    assert isinstance(got["disabled_reason"], str) and got["disabled_reason"].strip(), got
    assert is_timestamp(got["failing_since"]), got

    (note,) = rx.wait_event(p_watch, "webhook.disabled")[:1]
    body = assert_event(note, secret_of(watcher), acct.account_id, "webhook.disabled")
    assert set(body["data"]) == {"webhook"}, body["data"]
    assert body["data"]["webhook"]["id"] == failing["id"], body
    assert b"whsec_" not in note.body
    assert {r.event_type for r in rx.requests(p_ok)} <= {"message.delivered"}

    # its pending deliveries became failed
    wait_delivery(wapi, acct.access, failing["id"], lambda d: d["status"] == "failed",
                  what="a failed delivery")
    assert deliveries(wapi, acct.access, failing["id"], status="pending") == []
    seen = rx.count(p_fail)

    # nothing more reaches it while disabled
    m2 = send(wapi, acct.access)
    (req,) = rx.wait_event(p_ok, "message.delivered", m2["id"])[:1]
    wait_delivery(wapi, acct.access, healthy["id"],
                  lambda d: d["event_id"] == req.event_id and d["status"] == "delivered")
    assert [d for d in deliveries(wapi, acct.access, failing["id"])
            if d["event_id"] == req.event_id] == []
    assert rx.count(p_fail) == seen, rx.requests(p_fail)[seen:]

    # enabled again: the failure record is cleared and deliveries resume
    rx.program(p_fail, Answer.ok())
    enabled = assert_ok(wapi("PATCH", "/webhooks/%s" % failing["id"], json={"enabled": True},
                             token=acct.access))
    assert enabled["enabled"] is True, enabled
    assert enabled["disabled_reason"] is None and enabled["failing_since"] is None, enabled
    m3 = send(wapi, acct.access)
    (req,) = rx.wait_event(p_fail, "message.delivered", m3["id"])[:1]
    assert_message_event(req, secret_of(failing), acct.account_id, m3["id"])
    wait_delivery(wapi, acct.access, failing["id"],
                  lambda d: d["event_id"] == req.event_id and d["status"] == "delivered")
    assert rx.requests(p_fail, message_id=m2["id"]) == []
    assert len([r for r in rx.requests(p_watch) if r.event_type == "webhook.disabled"]) == 1


# --------------------------------------------------------------------------
# 7. Fairness
# --------------------------------------------------------------------------

def test_a_slow_endpoint_does_not_hold_up_another_accounts(wapi, rx, register_on):
    slow_owner, fast_owner = register_on(), register_on()
    p_slow, p_fast = new_path("slow"), new_path("fast")
    rx.program(p_slow, Answer.slow(1.0))
    create_webhook(wapi, slow_owner.access, rx.url(p_slow), list(MESSAGE_TYPES))
    fast = create_webhook(wapi, fast_owner.access, rx.url(p_fast), ["message.delivered"])

    burst = 16
    expected = burst * len(MESSAGE_TYPES)
    data = assert_ok(wapi("POST", "/messages/bulk", token=slow_owner.access,
                          json={"to": [ke_phone() for _ in range(burst)], "body": "slow"}), 201)
    assert data["accepted"] == burst, data
    rx.wait_count(1, p_slow)
    msg = send(wapi, fast_owner.access)
    (req,) = rx.wait_event(p_fast, "message.delivered", msg["id"], timeout=60)[:1]
    assert_message_event(req, secret_of(fast), fast_owner.account_id, msg["id"])

    slow_before = [r for r in rx.requests(p_slow) if r.arrived <= req.arrived]
    assert len({r.event_id for r in slow_before}) < expected, (
        "the fast endpoint's event came only after the slow one's backlog: %d of %d"
        % (len(slow_before), expected))
    slow_all = rx.wait_for(lambda reqs: reqs if len({r.event_id for r in reqs}) >= expected
                           else None, timeout=120, path=p_slow, what="the slow backlog")
    assert req.arrived < max(r.arrived for r in slow_all)
    assert rx.max_in_flight(p_slow) <= 8, rx.max_in_flight(p_slow)


# --------------------------------------------------------------------------
# 8. Isolation, roles and scopes
# --------------------------------------------------------------------------

def test_another_account_cannot_see_or_touch_a_webhook(wapi, rx, acct, register_on):
    other = register_on()
    path = new_path("mine")
    hook = create_webhook(wapi, acct.access, rx.url(path), ["message.delivered"],
                          description="mine")
    ping(wapi, acct.access, hook["id"])
    (req,) = rx.wait_event(path, "ping")[:1]
    d = wait_delivery(wapi, acct.access, hook["id"], lambda x: x["event_id"] == req.event_id)
    wid, did = hook["id"], d["id"]

    tok = other.access
    assert_not_found(wapi("GET", "/webhooks/%s" % wid, token=tok))
    assert_not_found(wapi("PUT", "/webhooks/%s" % wid, token=tok,
                          json={"url": rx.url(new_path()), "events": ["*"]}))
    assert_not_found(wapi("PATCH", "/webhooks/%s" % wid, token=tok,
                          json={"description": "theirs", "enabled": False}))
    assert_not_found(wapi("POST", "/webhooks/%s/rotate-secret" % wid, json={}, token=tok))
    assert_not_found(wapi("POST", "/webhooks/%s/test" % wid, token=tok))
    assert_not_found(wapi("GET", "/webhooks/%s/deliveries" % wid, token=tok))
    assert_not_found(wapi("GET", "/webhooks/%s/deliveries/%s" % (wid, did), token=tok))
    assert_not_found(wapi("POST", "/webhooks/%s/deliveries/%s/redeliver" % (wid, did),
                          token=tok))
    assert_not_found(wapi("DELETE", "/webhooks/%s" % wid, token=tok))
    resp = wapi("GET", "/webhooks", token=tok)
    assert assert_list(resp)["count"] == 0 and wid.encode() not in resp.raw, describe(resp)

    got = get_webhook(wapi, acct.access, wid)
    for field in ENDPOINT_FIELDS:
        assert got[field] == hook[field], (field, got, hook)
    assert len(deliveries(wapi, acct.access, wid)) == 1
    assert rx.count(path) == 1, rx.requests(path)


def test_an_agent_cannot_manage_webhooks(wapi, rx, acct):
    agent = u.member(wapi, acct, role="agent")
    resp = wapi("POST", "/webhooks", json={"url": rx.url(new_path()),
                                           "events": ["message.failed"]}, token=agent.access)
    assert_error(resp, 403, "FORBIDDEN")
    assert_error(wapi("POST", "/webhooks/callback-secret", json={}, token=agent.access), 403,
                 "FORBIDDEN")
    assert assert_list(wapi("GET", "/webhooks", token=acct.access))["count"] == 0


def test_api_key_scopes(wapi, rx, acct):
    url = rx.url(new_path())
    hook = create_webhook(wapi, acct.access, url, ["message.delivered"])
    wid = hook["id"]
    new_body = {"url": rx.url(new_path()), "events": ["message.failed"]}

    other = create_api_key(wapi, acct.access, scopes=["messages:send", "contacts:write"])["key"]
    for method, path, body in (("GET", "/webhooks", None), ("POST", "/webhooks", new_body),
                               ("GET", "/webhooks/%s" % wid, None),
                               ("GET", "/webhooks/event-types", None),
                               ("DELETE", "/webhooks/%s" % wid, None)):
        assert_error(wapi(method, path, json=body, apikey=other), 403, "INSUFFICIENT_SCOPE")

    read = create_api_key(wapi, acct.access, scopes=["webhooks:read"])["key"]
    listed = assert_list(wapi("GET", "/webhooks", apikey=read))
    assert [w["id"] for w in listed["results"]] == [wid], listed
    assert assert_ok(wapi("GET", "/webhooks/%s" % wid, apikey=read))["id"] == wid
    assert_list(wapi("GET", "/webhooks/%s/deliveries" % wid, apikey=read))
    assert event_type_names(assert_ok(wapi("GET", "/webhooks/event-types", apikey=read)))
    for method, path, body in (("POST", "/webhooks", new_body),
                               ("PUT", "/webhooks/%s" % wid, new_body),
                               ("PATCH", "/webhooks/%s" % wid, {"enabled": False}),
                               ("DELETE", "/webhooks/%s" % wid, None),
                               ("POST", "/webhooks/%s/rotate-secret" % wid, {}),
                               ("POST", "/webhooks/callback-secret", {})):
        assert_error(wapi(method, path, json=body, apikey=read), 403, "INSUFFICIENT_SCOPE")
    got = get_webhook(wapi, acct.access, wid)
    assert got["url"] == url and got["enabled"] is True and got["secret_rotated_at"] is None

    write = create_api_key(wapi, acct.access, scopes=["webhooks:write"])["key"]
    made = assert_ok(wapi("POST", "/webhooks", json=new_body, apikey=write), 201)
    secret_of(made)
    assert assert_list(wapi("GET", "/webhooks", apikey=write))["count"] == 2
    u.assert_done(wapi("DELETE", "/webhooks/%s" % made["id"], apikey=write))


# --------------------------------------------------------------------------
# 8b. Events go out when their commit announces them, not when a poll finds them
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def unpolled_srv():
    """A server whose dispatcher reads the outbox by itself only every ten
    minutes: whatever reaches a receiver sooner was announced by its commit."""
    srv = u.harness().UjumbeServer(dict(WEBHOOK_ENV, UJUMBE_WEBHOOK_POLL_MS="600000"),
                                  label="webhooks-unpolled")
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


def test_committed_events_wake_the_dispatcher(unpolled_srv, rx):
    api = unpolled_srv.api
    owner = u.register(api)
    path = new_path("woken")
    hook = create_webhook(api, owner.access, rx.url(path), list(MESSAGE_TYPES))
    for _ in range(3):
        mid = send(api, owner.access, to=ke_phone(), body="Woken")["id"]
        for event_type in MESSAGE_TYPES:
            (req,) = rx.wait_event(path, event_type, mid)[:1]
            assert_message_event(req, secret_of(hook), owner.account_id, mid)


# --------------------------------------------------------------------------
# 9. Safe destinations (a server without UJUMBE_WEBHOOK_ALLOW_PRIVATE)
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def strict_srv():
    srv = u.harness().UjumbeServer({"UJUMBE_WEBHOOK_ALLOW_PRIVATE": None},
                                  label="webhooks-strict")
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def strict_owner(strict_srv):
    return u.register(strict_srv.api)


UNSAFE_URLS = [
    "http://127.0.0.1/", "http://localhost/", "http://10.0.0.1/", "http://169.254.169.254/",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://100.64.0.1/", "http://0.0.0.0/",
    "http://[fd00:ec2::254]/",
    "https://127.0.0.1:8443/hook", "http://127.0.0.2:8080/x", "http://LOCALHOST/",
    "http://172.16.0.1/", "http://172.31.255.254/", "http://192.168.1.1/",
    "http://169.254.1.1/", "http://100.127.255.254/", "http://224.0.0.1/",
    "http://239.255.255.250/", "http://240.0.0.1/", "http://255.255.255.255/",
    "http://192.0.2.1/", "http://198.51.100.1/", "http://203.0.113.1/",
    "http://[::]/", "http://[fe80::1]/", "http://[fc00::1]/", "http://[fd12:3456::1]/",
    "http://[ff02::1]/", "http://[2001:db8::1]/", "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:169.254.169.254]/", "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b::a9fe:a9fe]/", "http://[0:0:0:0:0:ffff:7f00:1]/",
]


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_unsafe_destination_is_refused(strict_srv, strict_owner, url):
    resp = strict_srv.api("POST", "/webhooks", json={"url": url, "events": ["message.delivered"]},
                          token=strict_owner.access)
    assert_error(resp, 400, field="url")


@pytest.mark.parametrize("url", ["ftp://8.8.8.8/hook", "file:///etc/passwd",
                                 "gopher://8.8.8.8/", "javascript:alert(1)",
                                 "ws://8.8.8.8/hook", "8.8.8.8/hook"])
def test_non_http_scheme_is_refused(strict_srv, strict_owner, url):
    resp = strict_srv.api("POST", "/webhooks", json={"url": url, "events": ["message.delivered"]},
                          token=strict_owner.access)
    assert_error(resp, 400, field="url")


def test_no_unsafe_endpoint_was_stored(strict_srv, strict_owner):
    resp = strict_srv.api("GET", "/webhooks", token=strict_owner.access)
    assert assert_list(resp)["count"] == 0, describe(resp)


def test_unsafe_destination_is_refused_on_change(strict_srv):
    owner = u.register(strict_srv.api)
    # a public address, disabled and subscribed to an event this account never
    # causes: nothing is ever sent there
    public = "http://8.8.8.8/hook"
    hook = create_webhook(strict_srv.api, owner.access, public, ["import.completed"],
                          enabled=False)
    try:
        for method, body in (("PATCH", {"url": "http://127.0.0.1/x"}),
                             ("PATCH", {"url": "http://[::1]/x"}),
                             ("PUT", {"url": "http://10.0.0.1/x", "events": ["message.failed"]}),
                             ("PUT", {"url": "http://169.254.169.254/latest/meta-data/",
                                      "events": ["import.completed"]})):
            resp = strict_srv.api(method, "/webhooks/%s" % hook["id"], json=body,
                                  token=owner.access)
            assert_error(resp, 400, field="url")
        got = get_webhook(strict_srv.api, owner.access, hook["id"])
        assert got["url"] == public and got["events"] == ["import.completed"], got
    finally:
        u.assert_done(strict_srv.api("DELETE", "/webhooks/%s" % hook["id"],
                                     token=owner.access))


@pytest.mark.parametrize("callback_url", [
    "http://127.0.0.1:1/x", "http://localhost/x", "http://[::1]/x", "http://10.0.0.1/x",
    "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]/x",
    "http://100.64.0.1/x", "http://0.0.0.0/x", "http://[fd00:ec2::254]/x",
    "ftp://127.0.0.1:1/x", "file:///etc/passwd",
])
def test_unsafe_callback_url_is_refused(strict_srv, callback_url):
    owner = u.register(strict_srv.api)
    resp = strict_srv.api("POST", "/messages", token=owner.access,
                          json={"to": ke_phone(), "body": "x", "callback_url": callback_url})
    assert_error(resp, 400, field="callback_url")
    listed = assert_list(strict_srv.api("GET", "/messages", token=owner.access))
    assert listed["count"] == 0, listed
