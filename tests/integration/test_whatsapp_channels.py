"""An account's WhatsApp Cloud API channel (docs/api-whatsapp.md, decision
0034) against a Graph API simulator: connect checks the credentials with
the Graph API before keeping them (sealed, never shown), status reads or
checks again, disconnect forgets them; Meta's webhook for the channel
answers the subscription handshake to the verify token only and stores
deliveries signed with the app secret, refusing the rest before anything is
stored. Another account sees none of it.
"""

import json
import time
import uuid

import pytest

import ujumbe_it as u
from graph_simulator import GraphSimulator, signature
from ujumbe_it import assert_error, assert_ok, assert_validation

GRAPH = GraphSimulator().start()

wsrv, wapi, wadmin = u.module_server(
    {"UJUMBE_WHATSAPP_GRAPH_URL": GRAPH.url}, "whatsapp", "w")


def new_number():
    return str(100000000000 + uuid.uuid4().int % 899999999999)


class Channel:
    """A number known to the simulator and the credentials an account gives."""

    def __init__(self):
        self.phone_number_id = new_number()
        self.access_token = "EAAG" + uuid.uuid4().hex + uuid.uuid4().hex
        self.app_secret = "app-" + uuid.uuid4().hex
        self.verify_token = "verify-" + uuid.uuid4().hex
        GRAPH.add_number(self.phone_number_id, self.access_token,
                         display="+255 713 %s" % self.phone_number_id[-6:])

    def body(self, **overrides):
        b = {"phone_number_id": self.phone_number_id, "business_account_id": "102290129340398",
             "access_token": self.access_token, "app_secret": self.app_secret,
             "verify_token": self.verify_token}
        b.update(overrides)
        return b


def connect(api, owner, ch, **overrides):
    return api("POST", "/channels/whatsapp/connect", token=owner.access, json=ch.body(**overrides))


def hook_of(view):
    path = view["webhook_path"]
    assert path.startswith("/api/v1/hooks/whatsapp/")
    return path[len("/api/v1"):]


def handshake(api, view, token, challenge="1158201444", mode="subscribe"):
    return api("GET", u.with_query(hook_of(view), **{"hub.mode": mode, "hub.verify_token": token,
                                                      "hub.challenge": challenge}))


def deliver(api, view, secret, payload):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": signature(secret, body)} if secret else {}
    return api("POST", hook_of(view), raw_body=body, headers=headers)


def status_of(api, who):
    return assert_ok(api("GET", "/channels/whatsapp", token=who.access))


def no_secret_in(resp, ch):
    raw = resp.raw.decode()
    for secret in (ch.access_token, ch.app_secret, ch.verify_token):
        assert secret not in raw


@pytest.fixture
def owner(wapi):
    return u.register(wapi)


def test_connect_checks_the_number_with_the_graph_api_and_never_shows_the_credentials(wapi, owner):
    ch = Channel()
    calls = len(GRAPH.calls_to(ch.phone_number_id))
    resp = connect(wapi, owner, ch)
    view = assert_ok(resp)
    no_secret_in(resp, ch)
    assert view["status"] == "connected"
    assert view["phone_number_id"] == ch.phone_number_id
    assert view["display_phone_number"] == "+255 713 %s" % ch.phone_number_id[-6:]
    assert view["verified_name"] == "Ujumbe Test"
    assert view["quality_rating"] == "GREEN"
    assert view["messaging_limit"] == "TIER_1K"
    assert view["access_token_set"] and view["app_secret_set"] and view["verify_token_set"]
    assert u.is_uuid7(view["id"])
    assert view["webhook_path"] == "/api/v1/hooks/whatsapp/" + view["id"]
    assert view["last_error"] is None and u.is_timestamp(view["connected_at"])
    # The simulator saw our token as a bearer token, and the fields asked for.
    made = GRAPH.calls_to(ch.phone_number_id)[calls:]
    assert len(made) == 1
    method, target, headers = made[0]
    assert method == "GET" and target.startswith("/v21.0/" + ch.phone_number_id + "?fields=")
    assert "quality_rating" in target and "messaging_limit_tier" in target
    assert headers["Authorization"] == "Bearer " + ch.access_token

    for path in ("/channels/whatsapp", "/channels/whatsapp/status"):
        resp = wapi("GET", path, token=owner.access)
        assert assert_ok(resp)["id"] == view["id"]
        no_secret_in(resp, ch)
    assert len(GRAPH.calls_to(ch.phone_number_id)) == calls + 1  # read, not asked again


def test_credentials_the_graph_api_refuses_are_not_kept(wapi, owner):
    ch = Channel()
    resp = connect(wapi, owner, ch, access_token="EAAG-not-the-right-token-at-all")
    assert_error(resp, 422, "WHATSAPP_AUTH_FAILED", field="access_token")
    assert resp.body["details"]["graph_code"] == 190
    unknown = connect(wapi, owner, ch, phone_number_id=new_number())
    assert_error(unknown, 422, "WHATSAPP_NUMBER_NOT_FOUND", field="phone_number_id")
    GRAPH.fail_next(500, 2, "Service temporarily unavailable")
    assert_error(connect(wapi, owner, ch), 503, "WHATSAPP_UNREACHABLE")
    u.assert_not_found(wapi("GET", "/channels/whatsapp", token=owner.access))


@pytest.mark.parametrize("field,value", [
    ("phone_number_id", None), ("phone_number_id", "12ab"), ("phone_number_id", "1" * 33),
    ("phone_number_id", 1065), ("business_account_id", ""), ("access_token", None),
    ("access_token", "short"), ("app_secret", None), ("verify_token", "x"),
    ("verify_token", "v" * 257)])
def test_each_bad_field_is_named(wapi, owner, field, value):
    ch = Channel()
    body = ch.body()
    if value is None:
        del body[field]
    else:
        body[field] = value
    assert_validation(wapi("POST", "/channels/whatsapp/connect", token=owner.access, json=body),
                      field)


def test_a_check_again_follows_the_graph_api(wapi, owner):
    ch = Channel()
    assert_ok(connect(wapi, owner, ch))
    GRAPH.set_token(ch.phone_number_id, "EAAG-rotated-" + uuid.uuid4().hex)
    failing = assert_ok(wapi("GET", "/channels/whatsapp/status?refresh=true", token=owner.access))
    assert failing["status"] == "error"
    assert "190" in failing["last_error"]
    assert status_of(wapi, owner)["status"] == "error"  # kept
    GRAPH.set_token(ch.phone_number_id, ch.access_token)
    fine = assert_ok(wapi("GET", "/channels/whatsapp/status?refresh=true", token=owner.access))
    assert fine["status"] == "connected" and fine["last_error"] is None
    assert_validation(wapi("GET", "/channels/whatsapp/status?refresh=yes", token=owner.access),
                      "refresh")


def test_the_handshake_answers_the_challenge_to_the_verify_token_only(wapi, owner):
    ch = Channel()
    view = assert_ok(connect(wapi, owner, ch))
    ok = handshake(wapi, view, ch.verify_token)
    assert ok.status == 200
    assert ok.raw == b"1158201444"
    assert ok.headers["content-type"].startswith("text/plain")
    assert_error(handshake(wapi, view, "verify-wrong"), 403)
    assert_error(handshake(wapi, view, ch.verify_token, mode="unsubscribe"), 403)
    assert_error(handshake(wapi, view, ch.verify_token, challenge="<b>hi</b>"), 400)
    u.assert_not_found(wapi("GET", u.with_query(
        "/hooks/whatsapp/" + str(uuid.uuid4()), **{"hub.mode": "subscribe",
                                                   "hub.verify_token": ch.verify_token,
                                                   "hub.challenge": "1"})))


def test_only_deliveries_signed_with_the_app_secret_are_stored(wsrv, wapi, owner):
    ch = Channel()
    view = assert_ok(connect(wapi, owner, ch))
    payload = {"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "255713000001",
                         "phone_number_id": ch.phone_number_id},
            "statuses": [{"id": "wamid.HBgLMjU1NzEz", "status": "delivered",
                          "timestamp": "1764800000", "recipient_id": "255713000001"}]}}]}]}
    assert_error(deliver(wapi, view, None, payload), 401)
    assert_error(deliver(wapi, view, "app-forged", payload), 401)
    body = json.dumps(payload).encode()
    wrong_bytes = wapi("POST", hook_of(view), raw_body=body + b" ",
                       headers={"X-Hub-Signature-256": signature(ch.app_secret, body)})
    assert_error(wrong_bytes, 401)
    assert_error(deliver(wapi, view, ch.app_secret, b"{\"entry\": ["), 400)
    assert_error(deliver(wapi, view, ch.app_secret, b"[" * 100000 + b"]" * 100000), 400)
    assert status_of(wapi, owner)["last_webhook_at"] is None  # nothing was stored

    ok = deliver(wapi, view, ch.app_secret, payload)
    assert_ok(ok)
    # Meta delivers at least once: a redelivery is stored too (processing dedupes).
    assert_ok(deliver(wapi, view, ch.app_secret, payload))
    last = status_of(wapi, owner)["last_webhook_at"]
    assert u.is_timestamp(last)

    # Too large, or not JSON: refused before the signature is even computed.
    huge = b"{\"a\":\"" + b"x" * (1 << 20) + b"\"}"
    head = ("POST /api/v1%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
            "X-Hub-Signature-256: %s\r\nContent-Length: %d\r\n\r\n"
            % (hook_of(view), wsrv.host, wsrv.port, signature(ch.app_secret, huge),
               len(huge))).encode()
    status, _, _ = u.raw_exchange(wsrv.host, wsrv.port, head, huge)
    assert status == 413
    form = wapi("POST", hook_of(view), raw_body=b"a=b", content_type="text/plain",
                headers={"X-Hub-Signature-256": signature(ch.app_secret, b"a=b")})
    assert_error(form, 415)
    assert status_of(wapi, owner)["last_webhook_at"] == last


def test_disconnect_forgets_the_credentials_and_the_webhook_with_them(wapi, owner):
    ch = Channel()
    view = assert_ok(connect(wapi, owner, ch))
    gone = assert_ok(wapi("POST", "/channels/whatsapp/disconnect", token=owner.access))
    assert gone["status"] == "disconnected"
    assert not (gone["access_token_set"] or gone["app_secret_set"] or gone["verify_token_set"])
    assert u.is_timestamp(gone["disconnected_at"])
    u.assert_not_found(handshake(wapi, view, ch.verify_token))
    u.assert_not_found(deliver(wapi, view, ch.app_secret, {"object": "x"}))
    # A check again asks nothing of a disconnected channel.
    calls = len(GRAPH.calls_to(ch.phone_number_id))
    again = assert_ok(wapi("GET", "/channels/whatsapp/status?refresh=true", token=owner.access))
    assert again["status"] == "disconnected"
    assert len(GRAPH.calls_to(ch.phone_number_id)) == calls
    # Connected again: the same channel and webhook URL.
    back = assert_ok(connect(wapi, owner, ch))
    assert back["id"] == view["id"] and back["status"] == "connected"
    assert handshake(wapi, back, ch.verify_token).status == 200


def test_another_account_sees_and_changes_nothing(wapi, owner):
    ch = Channel()
    view = assert_ok(connect(wapi, owner, ch))
    other = u.register(wapi)
    u.assert_not_found(wapi("GET", "/channels/whatsapp", token=other.access))
    u.assert_not_found(wapi("POST", "/channels/whatsapp/disconnect", token=other.access))
    # The number is this account's while it is connected.
    assert_error(connect(wapi, other, ch), 409, "WHATSAPP_NUMBER_TAKEN")
    # The other account's own channel signs with its own secret only.
    theirs = Channel()
    their_view = assert_ok(connect(wapi, other, theirs))
    assert their_view["id"] != view["id"]
    assert_error(deliver(wapi, view, theirs.app_secret, {"object": "x"}), 401)
    assert_error(handshake(wapi, view, theirs.verify_token), 403)
    assert status_of(wapi, owner)["status"] == "connected"


def test_agents_read_and_managers_connect(wapi, owner):
    agent = u.member(wapi, owner, role="agent")
    ch = Channel()
    assert_error(connect(wapi, agent, ch), 403)
    assert_ok(connect(wapi, owner, ch))
    assert status_of(wapi, agent)["status"] == "connected"
    assert_error(wapi("POST", "/channels/whatsapp/disconnect", token=agent.access), 403)
    # An API key needs the channels scopes.
    key = u.create_api_key(wapi, owner.access, scopes=["channels:read"])["key"]
    assert_ok(wapi("GET", "/channels/whatsapp", apikey=key))
    assert_error(wapi("POST", "/channels/whatsapp/disconnect", apikey=key), 403)
    assert_error(wapi("GET", "/channels/whatsapp", apikey=u.create_api_key(
        wapi, owner.access, scopes=["messages:send"])["key"]), 403)


def inbound_payload(ch, wamid, text, sender="255713000002"):
    return {"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "255713000001",
                         "phone_number_id": ch.phone_number_id},
            "contacts": [{"wa_id": sender, "profile": {"name": "Asha"}}],
            "messages": [{"from": sender, "id": wamid, "timestamp": str(int(time.time()) - 5),
                          "type": "text", "text": {"body": text}}]}}]}]}


def processed(api, owner):
    """Waits until every stored delivery of the owner's channel is processed."""
    deadline = time.time() + 15
    while time.time() < deadline:
        if status_of(api, owner)["webhook_events_waiting"] == 0:
            return
        time.sleep(0.05)
    raise AssertionError("deliveries still waiting after 15 s")


def inbound_messages(api, who):
    return assert_ok(api("GET", "/messages?direction=inbound&channel=whatsapp",
                         token=who.access))["results"]


def test_inbound_messages_reach_the_account_once(wapi, owner):
    ch = Channel()
    view = assert_ok(connect(wapi, owner, ch))
    wamid = "wamid.HBgM" + uuid.uuid4().hex
    payload = inbound_payload(ch, wamid, "Habari, bei gani?")
    assert_ok(deliver(wapi, view, ch.app_secret, payload))
    assert_ok(deliver(wapi, view, ch.app_secret, payload))  # Meta delivers again
    processed(wapi, owner)
    got = inbound_messages(wapi, owner)
    assert len(got) == 1, got
    m = got[0]
    assert m["channel"] == "whatsapp" and m["direction"] == "inbound"
    assert m["body"] == "Habari, bei gani?"
    assert m["sender_id"] == "+255713000002"  # the customer, for an inbound message
    assert m["status"] == "received"
    # Another account's inbox holds none of it.
    other = u.register(wapi)
    assert inbound_messages(wapi, other) == []


def test_a_delivery_for_another_number_is_kept_but_stores_no_message(wapi, owner):
    ch = Channel()
    view = assert_ok(connect(wapi, owner, ch))
    stray = inbound_payload(ch, "wamid." + uuid.uuid4().hex, "not for this channel")
    stray["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = new_number()
    assert_ok(deliver(wapi, view, ch.app_secret, stray))
    processed(wapi, owner)
    assert inbound_messages(wapi, owner) == []
    # Kept, and reported in what processing made of it.
    listing = assert_ok(wapi("GET", "/channels/whatsapp/webhook-events", token=owner.access))
    assert listing["count"] == 1
    event = listing["results"][0]
    assert event["outcome"]["unknown_number"] == 1 and event["outcome"]["messages"] == 0
    assert u.is_timestamp(event["processed_at"]) and "body" not in event
    one = assert_ok(wapi("GET", "/channels/whatsapp/webhook-events/" + event["id"],
                         token=owner.access))
    assert one["body"] == stray
    # Another account reads none of it.
    other = u.register(wapi)
    u.assert_not_found(wapi("GET", "/channels/whatsapp/webhook-events/" + event["id"],
                            token=other.access))
    u.assert_not_found(wapi("GET", "/channels/whatsapp/webhook-events", token=other.access))
    theirs = Channel()
    assert_ok(connect(wapi, other, theirs))
    assert assert_ok(wapi("GET", "/channels/whatsapp/webhook-events",
                          token=other.access))["count"] == 0
    u.assert_not_found(wapi("GET", "/channels/whatsapp/webhook-events/" + event["id"],
                            token=other.access))
    u.assert_not_found(wapi("GET", "/channels/whatsapp/webhook-events/not-an-id",
                            token=owner.access))


def conversations(api, who, **params):
    return assert_ok(api("GET", u.with_query("/conversations", **params), token=who.access))


def wait_conversation(api, who, customer):
    deadline = time.time() + 15
    while time.time() < deadline:
        found = conversations(api, who, search=customer[1:])["results"]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError("no conversation with %s after 15 s" % customer)


def test_the_customers_messages_open_one_conversation_read_and_answered_in_the_inbox(
        wapi, owner):
    ch = Channel()
    view = assert_ok(connect(wapi, owner, ch))
    customer = "25571%07d" % (uuid.uuid4().int % 10**7)
    for n, text in enumerate(["Habari", "Bei gani?"]):
        assert_ok(deliver(wapi, view, ch.app_secret,
                          inbound_payload(ch, "wamid." + uuid.uuid4().hex, text, sender=customer)))
        processed(wapi, owner)
    k = wait_conversation(wapi, owner, "+" + customer)
    assert k["channel"] == "whatsapp" and k["customer"] == "+" + customer
    assert k["status"] == "OPEN" and k["unread_count"] == 2 and k["assigned_to"] is None
    assert k["last_message"]["preview"] == "Bei gani?" and k["tags"] == []
    assert u.is_uuid7(k["id"])
    thread = assert_ok(wapi("GET", "/conversations/" + k["id"], token=owner.access))
    assert [m["body"] for m in thread["messages"]] == ["Bei gani?", "Habari"]
    assert thread["older_before"] is None

    # Filters.
    assert conversations(wapi, owner, channel="whatsapp", unread="true")["count"] >= 1
    ids = lambda **p: [c["id"] for c in conversations(wapi, owner, **p)["results"]]
    assert k["id"] not in ids(channel="sms")
    assert k["id"] in ids(status="open", assigned_to="none")

    # Assigned, tagged, read, closed: each filter follows.
    agent = u.member(wapi, owner, role="agent")
    changed = assert_ok(wapi("PATCH", "/conversations/" + k["id"], token=owner.access,
                             json={"assigned_to": agent.user_id, "tags": ["vip", "order", "vip"]}))
    assert changed["assigned_to"] == agent.user_id and changed["tags"] == ["vip", "order"]
    assert k["id"] in ids(assigned_to=agent.user_id, tag="vip")
    assert k["id"] not in ids(tag="vi")  # a whole tag, not a part of one
    assert k["id"] in [c["id"] for c in conversations(wapi, agent, assigned_to="me")["results"]]
    read = assert_ok(wapi("POST", "/conversations/%s/read" % k["id"], token=agent.access))
    assert read["unread_count"] == 0
    assert k["id"] in ids(unread="false")
    closed = assert_ok(wapi("PATCH", "/conversations/" + k["id"], token=owner.access,
                            json={"status": "closed", "assigned_to": None}))
    assert closed["status"] == "CLOSED" and closed["assigned_to"] is None
    assert k["id"] in ids(status="CLOSED")
    # The customer writes again: reopened, unread again.
    assert_ok(deliver(wapi, view, ch.app_secret,
                      inbound_payload(ch, "wamid." + uuid.uuid4().hex, "Asante", sender=customer)))
    processed(wapi, owner)
    again = assert_ok(wapi("GET", "/conversations/" + k["id"], token=owner.access))
    assert again["status"] == "OPEN" and again["unread_count"] == 1
    assert again["messages"][0]["body"] == "Asante"
    assert conversations(wapi, owner, search=customer)["count"] == 1  # still one

    # The customer wrote within 24 hours: the reply goes on WhatsApp.
    reply = assert_ok(wapi("POST", "/conversations/%s/messages" % k["id"], token=owner.access,
                           json={"body": "Karibu"}), 202)
    assert reply["channel"] == "whatsapp" and reply["to"] == "+" + customer


@pytest.mark.parametrize("query,field", [
    ("status=pending", "status"), ("channel=fax", "channel"), ("assigned_to=bob", "assigned_to"),
    ("unread=yes", "unread"), ("tag=" + "t" * 51, "tag"), ("search=" + "1" * 33, "search")])
def test_bad_filters_are_named(wapi, owner, query, field):
    assert_validation(wapi("GET", "/conversations?" + query, token=owner.access), field)


def test_bad_changes_are_named_and_another_account_reaches_nothing(wapi, owner):
    ch = Channel()
    view = assert_ok(connect(wapi, owner, ch))
    customer = "25571%07d" % (uuid.uuid4().int % 10**7)
    assert_ok(deliver(wapi, view, ch.app_secret,
                      inbound_payload(ch, "wamid." + uuid.uuid4().hex, "Hi", sender=customer)))
    processed(wapi, owner)
    k = wait_conversation(wapi, owner, "+" + customer)
    path = "/conversations/" + k["id"]
    for body, field in [({"status": "pending"}, "status"), ({"assigned_to": "nobody"}, "assigned_to"),
                        ({"assigned_to": str(uuid.uuid4())}, "assigned_to"),
                        ({"tags": ["x" * 51]}, "tags"), ({"tags": "vip"}, "tags"), ({}, "status")]:
        assert_validation(wapi("PATCH", path, token=owner.access, json=body), field)
    assert_validation(wapi("POST", path + "/messages", token=owner.access, json={}), "body")

    other = u.register(wapi)
    u.assert_not_found(wapi("GET", path, token=other.access))
    u.assert_not_found(wapi("PATCH", path, token=other.access, json={"status": "CLOSED"}))
    u.assert_not_found(wapi("POST", path + "/read", token=other.access))
    u.assert_not_found(wapi("POST", path + "/messages", token=other.access, json={"body": "x"}))
    assert conversations(wapi, other)["count"] == 0
    # Another account's user cannot be assigned.
    assert_validation(wapi("PATCH", path, token=owner.access,
                           json={"assigned_to": other.user_id}), "assigned_to")
    assert assert_ok(wapi("GET", path, token=owner.access))["status"] == "OPEN"
