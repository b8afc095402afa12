"""Gateways and routes (docs/api-messaging.md, "Gateways and routes"): the
platform admin manages gateways (sandbox, smpp) and routing rules; messages
follow the rules; everybody else gets 403.

The shared server runs with UJUMBE_SANDBOX_GATEWAY=true (a gateway
"sandbox" and a catch-all route to it).  Each test that adds routes
uses its own country prefix and deletes what it created, so the tests do not
depend on each other's order.
"""

import json
import time
import uuid

import pytest

import ujumbe_it as u
from ujumbe_it import (assert_error, assert_list, assert_ok, create_api_key, is_timestamp)

FINAL = {"delivered", "undelivered", "expired", "rejected", "failed"}
SMPP_PASSWORD = "Pw7$kQ2z"
CLOSED_PORT = 1   # nothing listens on 127.0.0.1:1

_counter = iter(range(10 ** 6))


def unique(tag):
    return "%s-%s" % (tag, uuid.uuid4().hex[:8])


def phone(prefix):
    """A valid mobile number under a calling code (254 KE, 255 TZ, 256 UG, 250 RW, 260 ZM)."""
    n = next(_counter)
    return {"254": "+2547%08d", "255": "+2557%08d", "256": "+2567%08d",
            "250": "+2507%08d", "260": "+2609%08d"}[prefix] % (50000000 + n)


@pytest.fixture(scope="module")
def sandbox(api, admin):
    data = assert_list(api("GET", "/gateways?page_size=100", token=admin.access))
    found = [g for g in data["results"] if g["name"] == "sandbox"]
    assert len(found) == 1, data
    return found[0]


class Made:
    """Routes and gateways created by a test, deleted at its end (routes first)."""

    def __init__(self, api, admin):
        self.api, self.admin = api, admin
        self.routes, self.gateways = [], []

    def gateway(self, kind="sandbox", settings=None, name=None, status=201):
        body = {"name": name or unique(kind), "kind": kind, "settings": settings or {}}
        data = assert_ok(self.api("POST", "/gateways", json=body, token=self.admin.access),
                         status)
        if kind != "smpp":
            self.gateways.append(data["id"])
        return data

    def route(self, gateways, status=201, **fields):
        body = {"name": unique("route"),
                "gateways": [{"gateway_id": g, "weight": 1} if isinstance(g, str) else g
                             for g in gateways]}
        body.update(fields)
        data = assert_ok(self.api("POST", "/routes", json=body, token=self.admin.access),
                         status)
        self.routes.append(data["id"])
        return data

    def cleanup(self):
        for rid in self.routes:
            self.api("DELETE", "/routes/%s" % rid, token=self.admin.access)
        for gid in self.gateways:
            self.api("DELETE", "/gateways/%s" % gid, token=self.admin.access)
        # smpp gateways are left in place (unused, retrying a closed port):
        # stopping an smpp gateway that is not bound crashes the server (see
        # test_stopping_an_unbound_smpp_gateway_keeps_the_server_up), which
        # would take every later test of the module with it.


@pytest.fixture
def made(api, admin):
    m = Made(api, admin)
    try:
        yield m
    finally:
        m.cleanup()


def send(api, token, to, body="hello"):
    return assert_ok(api("POST", "/messages", json={"to": to, "body": body}, token=token), 201)


def wait_final(api, token, mid, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        msg = assert_ok(api("GET", "/messages/%s" % mid, token=token))
        if msg["status"] in FINAL:
            return msg
        assert time.monotonic() < deadline, "message never final: %r" % msg
        time.sleep(0.05)


def simulate(api, admin, **body):
    return assert_ok(api("POST", "/routes/simulate", json=body, token=admin.access))


def sent_gateway(msg):
    sent = [h for h in msg["status_history"] if h["status"] == "sent"]
    assert len(sent) == 1, msg["status_history"]
    return (sent[0].get("detail") or {}).get("gateway_id")


# --------------------------------------------------------------------------
# Gateways
# --------------------------------------------------------------------------

def test_gateway_list_shows_the_sandbox(api, admin, sandbox):
    assert sandbox["kind"] == "sandbox" and sandbox["is_active"] is True
    assert sandbox["settings"]["receipt_delay_ms"] == 200
    assert sandbox["settings"]["delivery_ratio"] == 1
    for field in ("id", "name", "kind", "settings", "is_active", "created_at", "updated_at"):
        assert field in sandbox, (field, sandbox)
    got = assert_ok(api("GET", "/gateways/%s" % sandbox["id"], token=admin.access))
    assert got["name"] == "sandbox" and got["settings"] == sandbox["settings"]
    routes = assert_list(api("GET", "/routes", token=admin.access))["results"]
    catch_all = [r for r in routes if r["prefix"] == "" and
                 [g["gateway_id"] for g in r["gateways"]] == [sandbox["id"]]]
    assert catch_all, routes


def test_create_sandbox_gateway_with_settings(api, admin, made):
    gw = made.gateway(settings={"delivery_ratio": 0, "failure_status": "expired",
                                "failure_codes": ["027", "069"], "receipt_delay_ms": 50})
    assert gw["kind"] == "sandbox" and gw["is_active"] is True
    s = gw["settings"]
    assert s["delivery_ratio"] == 0 and s["failure_status"] == "expired"
    assert s["failure_codes"] == ["027", "069"] and s["receipt_delay_ms"] == 50
    assert is_timestamp(gw["created_at"])
    defaults = made.gateway()
    assert defaults["settings"]["delivery_ratio"] == 1
    assert defaults["settings"]["receipt_delay_ms"] == 200
    assert defaults["settings"]["failure_codes"] == ["001"]


def test_put_gateway_merges_settings_and_kind_cannot_change(api, admin, made):
    gw = made.gateway(settings={"delivery_ratio": 0.5, "failure_status": "rejected"})
    resp = api("PUT", "/gateways/%s" % gw["id"], json={"settings": {"receipt_delay_ms": 10}},
               token=admin.access)
    data = assert_ok(resp)
    assert data["settings"]["receipt_delay_ms"] == 10
    assert data["settings"]["delivery_ratio"] == 0.5
    assert data["settings"]["failure_status"] == "rejected"
    got = assert_ok(api("GET", "/gateways/%s" % gw["id"], token=admin.access))
    assert got["settings"] == data["settings"]
    resp = api("PUT", "/gateways/%s" % gw["id"], json={"kind": "smpp"}, token=admin.access)
    assert_error(resp, 400, field="kind")
    assert assert_ok(api("GET", "/gateways/%s" % gw["id"], token=admin.access))["kind"] == \
        "sandbox"
    resp = api("PUT", "/gateways/%s" % gw["id"], json={"settings": {"colour": "red"}},
               token=admin.access)
    assert_error(resp, 400, "VALIDATION_ERROR", "settings.colour")


@pytest.mark.parametrize("kind,settings,key", [
    ("sandbox", {"colour": "red"}, "settings.colour"),
    ("sandbox", {"delivery_ratio": 1.5}, "settings.delivery_ratio"),
    ("sandbox", {"failure_status": "lost"}, "settings.failure_status"),
    ("smpp", {"host": "127.0.0.1", "port": 2775, "system_id": "u", "password": "pw",
              "speed": 9}, "settings.speed"),
    ("smpp", {"port": 2775, "system_id": "u", "password": "pw"}, "settings.host"),
    ("smpp", {"host": "127.0.0.1", "port": 2775, "system_id": "u",
              "password": "123456789"}, "settings.password"),
    ("smpp", {"host": "127.0.0.1", "port": 2775, "system_id": "u", "password": "pw",
              "tls": True, "tls_ca": "not a certificate"}, "settings.tls_ca"),
    ("smpp", {"host": "127.0.0.1", "port": 2775, "system_id": "u", "password": "pw",
              "tls_ca": "-----BEGIN CERTIFICATE-----"}, "settings.tls_ca"),
    ("smpp", {"host": "127.0.0.1", "port": 2775, "system_id": "u", "password": "pw",
              "binds": 17}, "settings.binds"),
    ("smpp", {"host": "127.0.0.1", "port": 2775, "system_id": "u", "password": "pw",
              "window": 0}, "settings.window"),
    ("smpp", {"host": "127.0.0.1", "port": 2775, "system_id": "u", "password": "pw",
              "bind_mode": "receiver"}, "settings.bind_mode"),
], ids=["unknown", "ratio", "failure-status", "smpp-unknown", "smpp-no-host",
        "password-9", "tls-ca-not-pem", "tls-ca-without-tls", "binds-17", "window-0",
        "bind-mode"])
def test_bad_gateway_settings_are_400_naming_the_setting(api, admin, kind, settings, key):
    before = assert_list(api("GET", "/gateways", token=admin.access))["count"]
    resp = api("POST", "/gateways", json={"name": unique("bad"), "kind": kind,
                                          "settings": settings}, token=admin.access)
    assert_error(resp, 400, "VALIDATION_ERROR", key)
    assert assert_list(api("GET", "/gateways", token=admin.access))["count"] == before


def test_bad_gateway_kind_and_duplicate_name(api, admin, made):
    resp = api("POST", "/gateways", json={"name": unique("x"), "kind": "pigeon",
                                          "settings": {}}, token=admin.access)
    assert_error(resp, 400, field="kind")
    gw = made.gateway()
    resp = api("POST", "/gateways", json={"name": gw["name"], "kind": "sandbox"},
               token=admin.access)
    assert_error(resp, (400, 409))


def test_smpp_password_is_never_returned(api, admin, made):
    settings = {"host": "127.0.0.1", "port": CLOSED_PORT, "system_id": "ujumbe",
                "password": SMPP_PASSWORD, "system_type": "OTA"}
    resp = api("POST", "/gateways", json={"name": unique("smsc"), "kind": "smpp",
                                          "settings": settings}, token=admin.access)
    gw = assert_ok(resp, 201)
    responses = [resp]
    assert gw["kind"] == "smpp"
    assert gw["settings"]["password_set"] is True
    assert "password" not in gw["settings"]
    assert gw["settings"]["host"] == "127.0.0.1" and gw["settings"]["system_id"] == "ujumbe"
    assert gw["settings"]["bind_mode"] == "transceiver"
    responses.append(api("GET", "/gateways/%s" % gw["id"], token=admin.access))
    responses.append(api("GET", "/gateways?page_size=100", token=admin.access))
    responses.append(api("GET", "/gateways/%s/status" % gw["id"], token=admin.access))
    responses.append(api("POST", "/gateways/%s/test" % gw["id"], json={}, token=admin.access))
    for r in responses:
        assert r.status in (200, 201), u.describe(r)
        assert SMPP_PASSWORD.encode() not in r.raw, u.describe(r)
        text = json.dumps(r.body)
        assert SMPP_PASSWORD not in text and '"password":' not in text, u.describe(r)


def _smpp_gateway_on_own_server(server_factory, label):
    srv = server_factory(label=label)
    adm = u.login(srv.api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    settings = {"host": "127.0.0.1", "port": CLOSED_PORT, "system_id": "ujumbe",
                "password": SMPP_PASSWORD}
    gw = assert_ok(srv.api("POST", "/gateways", json={"name": unique("smsc"), "kind": "smpp",
                                                      "settings": settings},
                           token=adm.access), 201)
    time.sleep(0.3)   # let its session try (and fail) to connect
    return srv, adm, gw


def _assert_alive(srv, what):
    time.sleep(1.5)
    assert srv.proc.poll() is None, "the server died (status %s) after %s" % (
        srv.proc.returncode, what)
    assert srv.request("GET", "/healthz").status == 200


def test_put_smpp_gateway_merges_settings_and_keeps_the_password(server_factory):
    # on a server of its own: see test_stopping_an_unbound_smpp_gateway_keeps_the_server_up
    srv, adm, gw = _smpp_gateway_on_own_server(server_factory, "smpp-put")
    resp = srv.api("PUT", "/gateways/%s" % gw["id"], json={"settings": {"window": 5}},
                   token=adm.access)
    data = assert_ok(resp)
    assert SMPP_PASSWORD.encode() not in resp.raw
    s = data["settings"]
    assert s["window"] == 5 and s["password_set"] is True
    assert s["host"] == "127.0.0.1" and s["system_id"] == "ujumbe" and s["port"] == CLOSED_PORT
    _assert_alive(srv, "PUT /gateways/{id} with new settings")
    got = srv.api("GET", "/gateways/%s" % gw["id"], token=adm.access)
    assert assert_ok(got)["settings"] == s
    assert SMPP_PASSWORD.encode() not in got.raw


@pytest.mark.parametrize("how", ["delete", "deactivate"])
def test_stopping_an_unbound_smpp_gateway_keeps_the_server_up(server_factory, how):
    srv, adm, gw = _smpp_gateway_on_own_server(server_factory, "smpp-" + how)
    if how == "delete":
        u.assert_done(srv.api("DELETE", "/gateways/%s" % gw["id"], token=adm.access))
    else:
        data = assert_ok(srv.api("PUT", "/gateways/%s" % gw["id"], json={"is_active": False},
                                 token=adm.access))
        assert data["is_active"] is False
    _assert_alive(srv, "%s of an smpp gateway that is not bound" % how)


def test_sandbox_gateway_test_and_status(api, admin, sandbox, owner):
    data = assert_ok(api("POST", "/gateways/%s/test" % sandbox["id"], json={},
                         token=admin.access))
    assert data["ok"] is True and data["kind"] == "sandbox"
    assert isinstance(data["detail"], str) and isinstance(data["elapsed_ms"], int)
    before = assert_ok(api("GET", "/gateways/%s/status" % sandbox["id"], token=admin.access))
    assert before["bound"] is True
    assert isinstance(before["sessions"], list) and before["sessions"]
    assert all(s["state"] == "bound" and "window_in_use" in s for s in before["sessions"])
    msg = send(api, owner.access, phone("254"))
    assert wait_final(api, owner.access, msg["id"])["status"] == "delivered"
    after = assert_ok(api("GET", "/gateways/%s/status" % sandbox["id"], token=admin.access))
    assert after["parts_submitted"] >= before["parts_submitted"] + 1, (before, after)


def test_sandbox_status_has_the_documented_counters(api, admin, sandbox):
    data = assert_ok(api("GET", "/gateways/%s/status" % sandbox["id"], token=admin.access))
    for key in ("bound", "sessions", "window_in_use", "current_tps", "parts_submitted",
                "receipts_received", "last_error"):
        assert key in data, "status lacks %s: %r" % (key, data)


def test_smpp_gateway_that_cannot_connect(api, admin, made):
    gw = made.gateway("smpp", {"host": "127.0.0.1", "port": CLOSED_PORT, "system_id": "u",
                               "password": "pw"})
    test = assert_ok(api("POST", "/gateways/%s/test" % gw["id"], json={}, token=admin.access))
    assert test["ok"] is False and test["kind"] == "smpp" and test["detail"], test
    status = assert_ok(api("GET", "/gateways/%s/status" % gw["id"], token=admin.access))
    assert status["bound"] is False
    for key in ("sessions", "window_in_use", "current_tps", "parts_submitted",
                "receipts_received", "last_error"):
        assert key in status, (key, status)


def test_unknown_gateway_is_404(api, admin):
    missing = "01900000-0000-7000-8000-000000000000"
    for method, path in (("GET", "/gateways/%s"), ("PUT", "/gateways/%s"),
                         ("DELETE", "/gateways/%s"), ("GET", "/gateways/%s/status"),
                         ("POST", "/gateways/%s/test")):
        kwargs = {"json": {}} if method in ("PUT", "POST") else {}
        u.assert_not_found(api(method, path % missing, token=admin.access, **kwargs))


def test_gateway_used_by_a_route_cannot_be_deleted(api, admin, made):
    gw = made.gateway()
    route = made.route([gw["id"]], prefix="250", priority=5)
    resp = api("DELETE", "/gateways/%s" % gw["id"], token=admin.access)
    assert_error(resp, 409, "GATEWAY_IN_USE")
    assert_ok(api("GET", "/gateways/%s" % gw["id"], token=admin.access))
    # also when it is only a failover of a route
    gw2 = made.gateway()
    made.route([made.gateway()["id"]], prefix="250999", failover=[gw2["id"]])
    assert_error(api("DELETE", "/gateways/%s" % gw2["id"], token=admin.access), 409,
                 "GATEWAY_IN_USE")
    u.assert_done(api("DELETE", "/routes/%s" % route["id"], token=admin.access))
    u.assert_done(api("DELETE", "/gateways/%s" % gw["id"], token=admin.access))
    u.assert_not_found(api("GET", "/gateways/%s" % gw["id"], token=admin.access))


# --------------------------------------------------------------------------
# Routes and routing of messages
# --------------------------------------------------------------------------

def test_route_crud(api, admin, made, sandbox):
    gw = made.gateway()
    route = made.route([{"gateway_id": gw["id"], "weight": 3}], prefix="26097", priority=3,
                       failover=[sandbox["id"]])
    for field in ("id", "name", "priority", "channel", "prefix", "country", "account_id",
                  "sender", "gateways", "failover", "is_active"):
        assert field in route, (field, route)
    assert route["prefix"] == "26097" and route["priority"] == 3 and route["is_active"] is True
    assert route["gateways"] == [{"gateway_id": gw["id"], "weight": 3}]
    assert route["failover"] == [sandbox["id"]] and route["channel"] == "sms"
    got = assert_ok(api("GET", "/routes/%s" % route["id"], token=admin.access))
    assert got["id"] == route["id"] and got["gateways"] == route["gateways"]
    upd = assert_ok(api("PUT", "/routes/%s" % route["id"], json={"priority": 4,
                                                                  "is_active": False},
                        token=admin.access))
    assert upd["priority"] == 4 and upd["is_active"] is False and upd["prefix"] == "26097"
    listed = assert_list(api("GET", "/routes", token=admin.access))
    assert route["id"] in [r["id"] for r in listed["results"]]
    u.assert_done(api("DELETE", "/routes/%s" % route["id"], token=admin.access))
    u.assert_not_found(api("GET", "/routes/%s" % route["id"], token=admin.access))


def test_route_validation(api, admin):
    missing = "01900000-0000-7000-8000-000000000000"
    resp = api("POST", "/routes", json={"name": unique("r"),
                                        "gateways": [{"gateway_id": missing, "weight": 1}]},
               token=admin.access)
    assert_error(resp, 400, field="gateways")
    resp = api("POST", "/routes", json={"name": unique("r"), "gateways": []},
               token=admin.access)
    assert_error(resp, 400, field="gateways")


def test_route_to_failing_gateway_ends_expired_while_others_are_delivered(
        api, admin, made, owner, sandbox):
    failing = made.gateway(settings={"delivery_ratio": 0, "failure_status": "expired"})
    made.route([failing["id"]], prefix="255", priority=10)
    sim = simulate(api, admin, to=phone("255"))
    assert sim["routable"] is True and sim["country"] == "TZ"
    assert sim["gateway"]["id"] == failing["id"] and sim["cost"] is None
    assert sim["route"]["id"] == made.routes[0]
    sim = simulate(api, admin, to=phone("254"))
    assert sim["gateway"]["id"] == sandbox["id"] and sim["country"] == "KE"

    tz = send(api, owner.access, phone("255"), "to Tanzania")
    ke = send(api, owner.access, phone("254"), "to Kenya")
    tz_done = wait_final(api, owner.access, tz["id"])
    ke_done = wait_final(api, owner.access, ke["id"])
    assert tz_done["status"] == "expired", tz_done
    assert tz_done["parts"][0]["status"] == "expired"
    assert tz_done["error_code"] == "001"
    assert [h["status"] for h in tz_done["status_history"]] == [
        "queued", "sending", "sent", "expired"]
    assert sent_gateway(tz_done) == failing["id"]
    receipts = assert_list(api("GET", "/messages/%s/receipts" % tz["id"], token=owner.access))
    assert [r["stat"] for r in receipts["results"]] == ["EXPIRED"]
    assert ke_done["status"] == "delivered", ke_done
    assert sent_gateway(ke_done) == sandbox["id"]
    stats = assert_ok(api("GET", "/messages/stats", token=owner.access))
    assert stats["by_status"] == {"expired": 1, "delivered": 1}, stats
    assert stats["delivery_rate"] == 0.5


def test_long_message_fails_when_a_part_fails(api, admin, made, owner):
    failing = made.gateway(settings={"delivery_ratio": 0, "failure_status": "undelivered"})
    made.route([failing["id"]], prefix="25678", priority=10)
    msg = send(api, owner.access, "+256781234567", "x" * 200)
    done = wait_final(api, owner.access, msg["id"])
    assert done["status"] == "undelivered", done
    assert len(done["parts"]) == 2


def test_rule_order_priority_then_longest_prefix(api, admin, made, sandbox):
    a, b, c = made.gateway(), made.gateway(), made.gateway()
    made.route([a["id"]], prefix="2507", priority=1)
    made.route([b["id"]], prefix="25078", priority=1)
    to = "+250781234567"
    assert simulate(api, admin, to=to)["gateway"]["id"] == b["id"]   # longer prefix
    assert simulate(api, admin, to="+250721234567")["gateway"]["id"] == a["id"]
    made.route([c["id"]], prefix="250", priority=2)
    assert simulate(api, admin, to=to)["gateway"]["id"] == c["id"]   # higher priority
    # an inactive rule is skipped
    assert_ok(api("PUT", "/routes/%s" % made.routes[-1], json={"is_active": False},
                  token=admin.access))
    assert simulate(api, admin, to=to)["gateway"]["id"] == b["id"]


def test_account_and_sender_specific_rules(api, admin, made, register):
    general, special, by_sender = made.gateway(), made.gateway(), made.gateway()
    acct = register()
    made.route([general["id"]], prefix="26096", priority=1)
    made.route([special["id"]], prefix="26096", priority=1, account_id=acct.account_id)
    made.route([by_sender["id"]], prefix="26096", priority=1, sender="Brand")
    to = "+260961234567"
    assert simulate(api, admin, to=to)["gateway"]["id"] == general["id"]
    assert simulate(api, admin, to=to, account_id=acct.account_id)["gateway"]["id"] == \
        special["id"]
    assert simulate(api, admin, to=to, sender="Brand")["gateway"]["id"] == by_sender["id"]
    msg = send(api, acct.access, to)
    done = wait_final(api, acct.access, msg["id"])
    assert done["status"] == "delivered" and sent_gateway(done) == special["id"]


def test_unbound_gateway_passes_the_message_to_the_failover(api, admin, made, owner, sandbox):
    smpp = made.gateway("smpp", {"host": "127.0.0.1", "port": CLOSED_PORT, "system_id": "u",
                                 "password": "pw"})
    made.route([smpp["id"]], prefix="26095", priority=10, failover=[sandbox["id"]])
    sim = simulate(api, admin, to="+260951234567")
    assert [g["id"] for g in sim["gateways"]] == [smpp["id"], sandbox["id"]], sim
    msg = send(api, owner.access, "+260951234567")
    done = wait_final(api, owner.access, msg["id"], timeout=15)
    assert done["status"] == "delivered", done
    assert sent_gateway(done) == sandbox["id"]


def test_gateway_without_receipts_leaves_the_message_sent(api, admin, made, owner):
    quiet = made.gateway(settings={"receipt_delay_ms": -1})
    made.route([quiet["id"]], prefix="25677", priority=10)
    msg = send(api, owner.access, "+256771234567")
    deadline = time.monotonic() + 10
    while True:
        got = assert_ok(api("GET", "/messages/%s" % msg["id"], token=owner.access))
        if got["status"] == "sent":
            break
        assert got["status"] in ("queued", "sending") and time.monotonic() < deadline, got
        time.sleep(0.05)
    time.sleep(0.6)   # well past the default receipt delay of 200 ms
    got = assert_ok(api("GET", "/messages/%s" % msg["id"], token=owner.access))
    assert got["status"] == "sent" and got["parts"][0]["status"] == "submitted", got
    assert assert_list(api("GET", "/messages/%s/receipts" % msg["id"],
                           token=owner.access))["count"] == 0


def test_delivery_ratio_splits_by_message(api, admin, made, owner):
    half = made.gateway(settings={"delivery_ratio": 0.5, "receipt_delay_ms": 0})
    made.route([half["id"]], prefix="25670", priority=10)
    numbers = ["+2567012%05d" % i for i in range(40)]
    data = assert_ok(api("POST", "/messages/bulk", json={"to": numbers, "body": "coin"},
                         token=owner.access), 201)
    assert data["accepted"] == 40
    deadline = time.monotonic() + 15
    while True:
        stats = assert_ok(api("GET", "/messages/stats", token=owner.access))
        done = stats["by_status"].get("delivered", 0) + stats["by_status"].get("undelivered", 0)
        if done == 40:
            break
        assert time.monotonic() < deadline, stats
        time.sleep(0.1)
    assert 0 < stats["by_status"].get("delivered", 0) < 40, stats


def test_message_without_a_matching_route_fails(server_factory):
    # on a server of its own: the catch-all route is switched off
    srv = server_factory({"UJUMBE_SANDBOX_GATEWAY": "true"}, label="no-route")
    adm = u.login(srv.api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    routes = assert_list(srv.api("GET", "/routes", token=adm.access))["results"]
    for r in routes:
        assert_ok(srv.api("PUT", "/routes/%s" % r["id"], json={"is_active": False},
                          token=adm.access))
    sim = assert_ok(srv.api("POST", "/routes/simulate", json={"to": "+254712345678"},
                            token=adm.access))
    assert sim["routable"] is False and sim["route"] is None and sim["gateway"] is None
    assert sim["gateways"] == [] and sim["country"] == "KE"
    biz = u.register(srv.api)
    msg = send(srv.api, biz.access, "+254712345678")
    done = wait_final(srv.api, biz.access, msg["id"])
    assert done["status"] == "failed" and done["error_code"], done
    assert done["parts"] == [] and done["status_history"][-1]["status"] == "failed"


def test_simulate_validation_and_unroutable(api, admin):
    assert_error(api("POST", "/routes/simulate", json={"to": "nope"}, token=admin.access), 400,
                 field="to")
    assert_error(api("POST", "/routes/simulate", json={}, token=admin.access), 400, field="to")


# --------------------------------------------------------------------------
# Access control
# --------------------------------------------------------------------------

def _every_routing_call(gid, rid):
    return [
        ("GET", "/gateways", None),
        ("POST", "/gateways", {"name": unique("x"), "kind": "sandbox", "settings": {}}),
        ("GET", "/gateways/%s" % gid, None),
        ("PUT", "/gateways/%s" % gid, {"settings": {"delivery_ratio": 0}}),
        ("DELETE", "/gateways/%s" % gid, None),
        ("POST", "/gateways/%s/test" % gid, {}),
        ("GET", "/gateways/%s/status" % gid, None),
        ("GET", "/routes", None),
        ("POST", "/routes", {"name": unique("x"),
                             "gateways": [{"gateway_id": gid, "weight": 1}]}),
        ("GET", "/routes/%s" % rid, None),
        ("PUT", "/routes/%s" % rid, {"priority": 99}),
        ("DELETE", "/routes/%s" % rid, None),
        ("POST", "/routes/simulate", {"to": "+254712345678"}),
    ]


def test_non_admins_get_403_on_every_gateway_and_route_endpoint(api, admin, made, owner):
    gw = made.gateway()
    route = made.route([gw["id"]], prefix="26092")
    agent = u.member(api, owner, role="agent")
    acct_admin = u.member(api, owner, role="admin")
    key = create_api_key(api, owner.access)["key"]
    gateways_before = assert_list(api("GET", "/gateways", token=admin.access))["count"]
    for cred in ({"token": owner.access}, {"token": agent.access},
                 {"token": acct_admin.access}, {"apikey": key}):
        for method, path, body in _every_routing_call(gw["id"], route["id"]):
            resp = api(method, path, json=body, **cred)
            assert_error(resp, 403)
            assert resp.body["error_code"] in ("FORBIDDEN", "INSUFFICIENT_SCOPE"), \
                u.describe(resp)
    # nothing changed
    assert assert_list(api("GET", "/gateways", token=admin.access))["count"] == gateways_before
    got = assert_ok(api("GET", "/routes/%s" % route["id"], token=admin.access))
    assert got["priority"] == route["priority"]
    assert assert_ok(api("GET", "/gateways/%s" % gw["id"], token=admin.access))[
        "settings"] == gw["settings"]


def test_routing_needs_authentication(api):
    u.assert_unauthenticated(api("GET", "/gateways"))
    u.assert_unauthenticated(api("GET", "/routes"))


def test_admin_api_key_routing_scopes(api, admin, made):
    read = create_api_key(api, admin.access, scopes=["routing:read"])["key"]
    write = create_api_key(api, admin.access, scopes=["routing:write"])["key"]
    assert_list(api("GET", "/gateways", apikey=read))
    assert_list(api("GET", "/routes", apikey=read))
    resp = api("POST", "/gateways", json={"name": unique("k"), "kind": "sandbox"}, apikey=read)
    assert_error(resp, 403, "INSUFFICIENT_SCOPE")
    resp = api("POST", "/gateways", json={"name": unique("k"), "kind": "sandbox"}, apikey=write)
    gw = assert_ok(resp, 201)
    made.gateways.append(gw["id"])
