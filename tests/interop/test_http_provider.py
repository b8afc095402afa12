"""The `http` gateway kind end to end: `ujumbe serve` sends through HTTP SMS
providers played by a simulator the tests start (provider_sim.py), reads
their answers (slow, 429/5xx, refusals, garbage), and takes their delivery
reports and inbound messages at /api/v1/hooks/gateways/{id}/dlr and /mo
(duplicates and out of order included)."""

import hashlib
import hmac
import json
import time
import urllib.parse

import pytest

import ujumbe_it as u
from provider_sim import ProviderSim, basic_user
from smpp_it import add_route, admin_of, wait_status

SECRET = "hook-secret-0123456789"
TO = "+254712345678"


@pytest.fixture
def provider():
    sim = ProviderSim()
    yield sim
    sim.stop()


@pytest.fixture
def srv(gateway_server):
    return gateway_server


def add_http_gateway(srv, admin, status=201, **settings):
    body = {"name": "http " + u.unique_name(), "kind": "http", "settings": settings}
    resp = srv.api("POST", "/gateways", json=body, token=admin.access)
    assert resp.status == status, u.describe(resp)
    return resp.body["data"] if status == 201 else resp


def generic(provider, **extra):
    return dict({"url": provider.url + "/send", "auth": "bearer", "token": "tok-1",
                 "body_format": "json",
                 "body": {"to": "{{to}}", "from": "{{from}}", "text": "{{text}}",
                          "ref": "{{message_id}}", "callback": "{{callback_url}}"},
                 "id_pointer": "/messages/0/id", "timeout_ms": 2000,
                 "callback_base": "http://127.0.0.1:1",
                 "dlr": {"id": "id", "status": "status", "error": "err",
                         "statuses": {"DELIVERED": "delivered", "FAILED": "undelivered",
                                      "EXPIRED": "expired", "SENT": "submitted"}},
                 "hook_secret": SECRET}, **extra)


def send(srv, admin, body="Hello over HTTP", to=TO):
    resp = srv.api("POST", "/messages", json={"to": to, "body": body}, token=admin.access)
    assert resp.status == 201, u.describe(resp)
    return resp.body["data"]


def hook(srv, gateway, kind="dlr", form=None, body=None, secret=SECRET, headers=None):
    path = "/hooks/gateways/%s/%s" % (gateway["id"], kind)
    if secret is not None:
        path += "?secret=" + urllib.parse.quote(secret)
    hdrs = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    else:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    return srv.request("POST", u.API_PREFIX + path, raw_body=data, headers=hdrs)


def http_setup(srv, provider, **extra):
    admin = admin_of(srv)
    gateway = add_http_gateway(srv, admin, **generic(provider, **extra))
    add_route(srv, admin, [gateway])
    return admin, gateway


def test_a_message_goes_out_as_a_request_and_its_report_delivers_it(srv, provider):
    admin, gateway = http_setup(srv, provider)
    m = send(srv, admin)
    sent = wait_status(srv, admin.access, m["id"], "sent")
    request = provider.wait_requests(1)[0]
    assert request["headers"]["authorization"] == "Bearer tok-1"
    assert request["fields"]["to"] == TO
    assert request["fields"]["text"] == "Hello over HTTP"
    assert request["fields"]["ref"] == m["id"]
    assert request["fields"]["callback"] == (
        "http://127.0.0.1:1/api/v1/hooks/gateways/%s/dlr?secret=%s" % (gateway["id"], SECRET))
    provider_id = sent["parts"][0]["provider_id"]
    assert provider_id == "p-1"
    resp = hook(srv, gateway, body={"id": provider_id, "status": "DELIVERED"})
    assert resp.status == 200, u.describe(resp)
    assert resp.body["data"]["received"] == 1
    done = wait_status(srv, admin.access, m["id"], "delivered")
    assert [p["status"] for p in done["parts"]] == ["delivered"]


def test_reports_are_idempotent_and_late_ones_do_not_move_a_final_status(srv, provider):
    admin, gateway = http_setup(srv, provider)
    m = send(srv, admin)
    pid = wait_status(srv, admin.access, m["id"], "sent")["parts"][0]["provider_id"]
    for _ in range(2):
        assert hook(srv, gateway, body={"id": pid, "status": "DELIVERED"}).status == 200
    wait_status(srv, admin.access, m["id"], "delivered")
    # Out of order: an intermediate and a failure after the final report.
    assert hook(srv, gateway, body=[{"id": pid, "status": "SENT"},
                                    {"id": pid, "status": "FAILED", "err": "x"}]).status == 200
    time.sleep(0.5)
    got = srv.api("GET", "/messages/%s" % m["id"], token=admin.access).body["data"]
    assert got["status"] == "delivered"
    delivered_events = [h for h in got["status_history"] if h["status"] == "delivered"]
    assert len(delivered_events) == 1


def test_a_failure_report_with_an_unknown_status_word_is_not_final(srv, provider):
    admin, gateway = http_setup(srv, provider)
    m = send(srv, admin)
    pid = wait_status(srv, admin.access, m["id"], "sent")["parts"][0]["provider_id"]
    assert hook(srv, gateway, body={"id": pid, "status": "WHATEVER"}).status == 200
    assert hook(srv, gateway, body={"id": pid, "status": "failed", "err": "27"}).status == 200
    done = wait_status(srv, admin.access, m["id"], "undelivered")
    assert done["error_code"] == "27"


def test_hooks_check_the_secret_and_the_fields(srv, provider):
    admin, gateway = http_setup(srv, provider)
    assert hook(srv, gateway, body={"id": "p", "status": "DELIVERED"}, secret="nope").status == 401
    assert hook(srv, gateway, body={"id": "p", "status": "DELIVERED"}, secret=None).status == 401
    header = hook(srv, gateway, body={"id": "p", "status": "DELIVERED"}, secret=None,
                  headers={"X-Ujumbe-Secret": SECRET})
    assert header.status == 200, u.describe(header)
    u.assert_error(hook(srv, gateway, body={"status": "DELIVERED"}), 400, field="id")
    u.assert_error(hook(srv, gateway, body={"id": "p"}), 400, field="status")
    bad = srv.request("POST", u.API_PREFIX + "/hooks/gateways/%s/dlr?secret=%s"
                      % (gateway["id"], SECRET), raw_body=b"{not json")
    assert bad.status == 400
    unknown = dict(gateway, id="0190a0b0-0000-7000-8000-000000000000")
    assert hook(srv, unknown, body={"id": "p", "status": "DELIVERED"}).status == 404
    assert SECRET not in json.dumps(srv.api("GET", "/gateways/%s" % gateway["id"],
                                            token=admin.access).body)


def test_signed_hooks(srv, provider):
    admin, gateway = http_setup(srv, provider, hook_auth="hmac", signature_header="X-Provider-Sig")
    body = json.dumps({"id": "p-9", "status": "DELIVERED"}).encode()
    good = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    path = u.API_PREFIX + "/hooks/gateways/%s/dlr" % gateway["id"]
    ok = srv.request("POST", path, raw_body=body, headers={"X-Provider-Sig": "sha256=" + good})
    assert ok.status == 200, u.describe(ok)
    forged = srv.request("POST", path, raw_body=body, headers={"X-Provider-Sig": "0" * 64})
    assert forged.status == 401
    # The secret alone does not pass a signed hook.
    assert hook(srv, gateway, body={"id": "p-9", "status": "DELIVERED"}).status == 401


def test_429_and_5xx_go_to_the_failover_gateway(srv, provider):
    admin = admin_of(srv)
    busy = ProviderSim()
    try:
        busy.then("429", "500")
        first = add_http_gateway(srv, admin, **generic(busy))
        second = add_http_gateway(srv, admin, **generic(provider))
        add_route(srv, admin, [first], failover=[second])
        m = send(srv, admin)
        sent = wait_status(srv, admin.access, m["id"], "sent")
        assert sent["parts"][0]["provider_id"] == "p-1"
        assert len(provider.requests) == 1
        assert len(busy.requests) >= 1
    finally:
        busy.stop()


def test_a_refusal_rejects_the_message(srv, provider):
    provider.then("400")
    admin, _ = http_setup(srv, provider)
    m = send(srv, admin)
    done = wait_status(srv, admin.access, m["id"], "rejected")
    assert done["error_code"] == "HTTP_400"


@pytest.mark.parametrize("behaviour, code", [("slow", "NO_RESPONSE"),
                                             ("garbage", "UNEXPECTED_RESPONSE")])
def test_an_unclear_answer_leaves_the_message_sent_and_never_sends_it_twice(
        srv, provider, behaviour, code):
    provider.slow_seconds = 1.5
    provider.then(behaviour)
    admin, _ = http_setup(srv, provider, timeout_ms=500)
    m = send(srv, admin)
    done = wait_status(srv, admin.access, m["id"], "sent")
    assert done["error_code"] == code
    time.sleep(2)
    assert len(provider.requests) == 1


def test_concurrency_is_held(srv, provider):
    provider.slow_seconds = 0.3
    provider.then("slow", "slow", "slow")
    admin, _ = http_setup(srv, provider, concurrency=1)
    ids = [send(srv, admin, body="n%d" % i)["id"] for i in range(3)]
    for i in ids:
        wait_status(srv, admin.access, i, "sent")
    assert provider.max_in_flight == 1


def test_the_africastalking_preset(srv, provider):
    admin = admin_of(srv)
    gateway = add_http_gateway(srv, admin, preset="africastalking",
                               url=provider.url + "/version1/messaging", username="sandbox",
                               api_key="at-key", hook_secret=SECRET)
    add_route(srv, admin, [gateway])
    m = send(srv, admin)
    sent = wait_status(srv, admin.access, m["id"], "sent")
    request = provider.wait_requests(1)[0]
    assert request["headers"]["apikey"] == "at-key"
    assert request["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert request["fields"] == {"username": "sandbox", "to": TO, "message": "Hello over HTTP",
                                 "from": "Ujumbe"}
    assert sent["parts"][0]["provider_id"] == "ATXid_1"
    resp = hook(srv, gateway, form={"id": "ATXid_1", "status": "Success",
                                    "phoneNumber": TO, "networkCode": "63902"})
    assert resp.status == 200, u.describe(resp)
    wait_status(srv, admin.access, m["id"], "delivered")
    # An inbound message, as the provider posts it.
    mo = hook(srv, gateway, kind="mo", form={"from": "+254722000111", "to": "12345",
                                             "text": "Habari", "id": "x", "date": "2026"})
    assert mo.status == 200, u.describe(mo)
    deadline = time.monotonic() + 10
    while True:
        listed = srv.api("GET", "/messages?direction=inbound", token=admin.access).body["data"]
        if listed["count"]:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    inbound = listed["results"][0]
    assert inbound["body"] == "Habari" and inbound["status"] == "received"
    shown = srv.api("GET", "/gateways/%s" % gateway["id"], token=admin.access).body["data"]
    assert shown["settings"]["api_key_set"] is True and "at-key" not in json.dumps(shown)


def test_the_twilio_preset(srv, provider):
    admin = admin_of(srv)
    sid = "AC" + "0" * 32
    gateway = add_http_gateway(
        srv, admin, preset="twilio", account_sid=sid,
        url=provider.url + "/2010-04-01/Accounts/{{account_sid}}/Messages.json",
        password="auth-token", hook_secret=SECRET, callback_base="https://sms.example.com")
    add_route(srv, admin, [gateway])
    m = send(srv, admin)
    sent = wait_status(srv, admin.access, m["id"], "sent")
    request = provider.wait_requests(1)[0]
    assert request["path"] == "/2010-04-01/Accounts/%s/Messages.json" % sid
    assert basic_user(request["headers"]) == sid + ":auth-token"
    assert request["fields"]["To"] == TO and request["fields"]["Body"] == "Hello over HTTP"
    assert request["fields"]["StatusCallback"] == (
        "https://sms.example.com/api/v1/hooks/gateways/%s/dlr?secret=%s" % (gateway["id"],
                                                                             SECRET))
    pid = sent["parts"][0]["provider_id"]
    assert pid.startswith("SM")
    for status in ("sent", "delivered"):
        assert hook(srv, gateway, form={"MessageSid": pid, "MessageStatus": status}).status == 200
    wait_status(srv, admin.access, m["id"], "delivered")


@pytest.mark.parametrize("settings, field", [
    ({"auth": "none", "body": {"to": "{{to}}"}}, "settings.url"),
    ({"url": "ftp://x", "auth": "none"}, "settings.url"),
    ({"url": "http://x/{{nope}}", "auth": "none"}, "settings.url"),
    ({"url": "http://x", "auth": "none", "body": {"to": "{{phone}}"}}, "settings.body"),
    ({"url": "http://x", "auth": "bearer"}, "settings.token"),
    ({"url": "http://x", "auth": "basic", "username": "u"}, "settings.password"),
    ({"url": "http://x", "auth": "header"}, "settings.api_key"),
    ({"url": "http://x", "auth": "none", "id_regex": "("}, "settings.id_regex"),
    ({"url": "http://x", "auth": "none", "id_pointer": "sid"}, "settings.id_pointer"),
    ({"url": "http://x", "auth": "none", "tps": 0}, "settings.tps"),
    ({"url": "http://x", "auth": "none", "method": "DELETE"}, "settings.method"),
    ({"url": "http://x", "auth": "none", "preset": "acme"}, "settings.preset"),
    ({"url": "http://x", "auth": "none", "dlr": {"statuses": {"OK": "great"}}},
     "settings.dlr.statuses"),
    ({"url": "http://x", "auth": "none", "headers": {"X-A": "a\r\nb"}}, "settings.headers"),
    ({"url": "http://x", "auth": "none", "callback_base": "http://me/path"},
     "settings.callback_base"),
])
def test_bad_settings_are_refused_naming_the_setting(srv, settings, field):
    admin = admin_of(srv)
    resp = add_http_gateway(srv, admin, status=400, **settings)
    u.assert_validation(resp, field)


def test_a_hook_survives_deep_and_huge_bodies(srv, provider):
    admin, gateway = http_setup(srv, provider)
    path = u.API_PREFIX + "/hooks/gateways/%s/dlr?secret=%s" % (gateway["id"], SECRET)
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    resp = srv.request("POST", path, raw_body=deep)
    assert resp.status == 400, u.describe(resp)
    assert len(resp.raw) < 2000
    huge = srv.request("POST", path, raw_body=b"id=" + b"9" * (300 * 1024),
                       content_type="application/x-www-form-urlencoded")
    assert huge.status == 413, u.describe(huge)
    # Without the secret the body is not even read as a report.
    forged = srv.request("POST", u.API_PREFIX + "/hooks/gateways/%s/dlr" % gateway["id"],
                         raw_body=deep)
    assert forged.status == 401
    assert srv.api("GET", "/gateways/%s" % gateway["id"], token=admin.access).status == 200


def test_an_inbound_sms_opens_a_conversation_answered_in_its_thread(srv, provider):
    admin = admin_of(srv)
    gateway = add_http_gateway(srv, admin, preset="africastalking",
                               url=provider.url + "/version1/messaging", username="sandbox",
                               api_key="at-key", hook_secret=SECRET)
    add_route(srv, admin, [gateway])
    customer = "+2547220%05d" % (int(time.time() * 1000) % 100000)
    mo = hook(srv, gateway, kind="mo", form={"from": customer, "to": "12345",
                                             "text": "Order 17 iko wapi?", "id": "x",
                                             "date": "2026"})
    assert mo.status == 200, u.describe(mo)
    deadline = time.monotonic() + 10
    while True:
        listed = srv.api("GET", "/conversations?channel=sms&search=" + customer[1:],
                         token=admin.access).body["data"]
        if listed["count"]:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    k = listed["results"][0]
    assert k["customer"] == customer and k["status"] == "OPEN" and k["unread_count"] == 1
    assert k["last_message"]["preview"] == "Order 17 iko wapi?"
    assert k["last_message"]["direction"] == "inbound"
    # The answer goes out to the customer through the provider.
    before = len(provider.requests)
    resp = srv.api("POST", "/conversations/%s/messages" % k["id"],
                   json={"body": "Iko njiani, itafika kesho."}, token=admin.access)
    assert resp.status == 202, u.describe(resp)
    reply = resp.body["data"]
    assert reply["to"] == customer and reply["channel"] == "sms"
    request = provider.wait_requests(before + 1)[before]
    assert request["fields"]["to"] == customer
    assert request["fields"]["message"] == "Iko njiani, itafika kesho."
    thread = srv.api("GET", "/conversations/%s" % k["id"], token=admin.access).body["data"]
    assert thread["unread_count"] == 0 and thread["last_message"]["direction"] == "outbound"
    assert [m["body"] for m in thread["messages"]] == ["Iko njiani, itafika kesho.",
                                                        "Order 17 iko wapi?"]
    assert thread["older_before"] is None


def test_an_sms_keyword_of_the_account_is_confirmed_by_sms(srv, provider):
    admin = admin_of(srv)
    gateway = add_http_gateway(srv, admin, preset="africastalking",
                               url=provider.url + "/version1/messaging", username="sandbox",
                               api_key="at-key", hook_secret=SECRET)
    add_route(srv, admin, [gateway])
    saved = srv.api("PUT", "/settings/keywords", token=admin.access, json={"keywords": [
        {"keyword": "JIONDOE", "action": "opt_out", "scope": "channel",
         "reply": "Umejiondoa kwenye SMS. Tuma ANZA kurudi."},
        {"keyword": "ANZA", "action": "opt_in", "scope": "channel"}]})
    assert saved.status == 200, u.describe(saved)
    try:
        customer = "+2547221%05d" % (int(time.time() * 1000) % 100000)
        before = len(provider.requests)
        mo = hook(srv, gateway, kind="mo", form={"from": customer, "to": "12345",
                                                 "text": " jiondoe ", "id": "k1",
                                                 "date": "2026"})
        assert mo.status == 200, u.describe(mo)
        # The confirmation goes back by SMS, through the provider.
        request = provider.wait_requests(before + 1)[before]
        assert request["fields"]["to"] == customer
        assert request["fields"]["message"] == "Umejiondoa kwenye SMS. Tuma ANZA kurudi."
        contact = srv.api("GET", "/contacts?search=" + customer[1:],
                          token=admin.access).body["data"]["results"][0]
        assert contact["opted_out_channels"] == ["sms"] and contact["is_opted_in"] is False
        refused = srv.api("POST", "/messages", json={"to": customer, "body": "Ofa!"},
                          token=admin.access)
        u.assert_error(refused, 422, "RECIPIENT_OPTED_OUT", field="to")
        # The same word again changes nothing and is not confirmed again.
        hook(srv, gateway, kind="mo", form={"from": customer, "to": "12345", "text": "JIONDOE",
                                            "id": "k2", "date": "2026"})
        time.sleep(1)
        assert len(provider.requests) == before + 1
    finally:
        srv.api("PUT", "/settings/keywords", token=admin.access, json={"keywords": [
            {"keyword": k, "action": "opt_out"} for k in ("STOP", "STOPALL", "UNSUBSCRIBE",
                                                          "CANCEL", "END", "QUIT")] + [
            {"keyword": k, "action": "opt_in"} for k in ("START", "UNSTOP")]})
