"""The realtime feed (docs/realtime.md, decision 0037): a WebSocket at
/api/v1/ws opened with a short-lived ticket (never a long-lived token in
the URL) or credentials in a header; events message.new, message.status,
conversation.updated and typing; rooms; ping/pong; an account hears only
its own events; a client that does not read is cut off with 1008; on
PostgreSQL a client on one node hears what happens on another.
"""

import os
import time
import uuid

import pytest
import websockets

import ujumbe_it as u
from graph_simulator import GraphSimulator
from ujumbe_it import assert_error, assert_ok
from ws_client import SilentClient, WsClient

GRAPH = GraphSimulator().start()

rsrv, rapi, radmin = u.module_server(
    {"UJUMBE_WHATSAPP_GRAPH_URL": GRAPH.url, "UJUMBE_WS_MAX_QUEUED_FRAMES": "64"},
    "realtime", "r")


def ws_url(srv, query=""):
    return "ws://%s:%d/api/v1/ws%s" % (srv.host, srv.port, query)


def ticket(api, who):
    t = assert_ok(api("POST", "/ws/tickets", token=who.access), 201)
    assert u.is_timestamp(t["expires_at"]) and t["url"] == "/api/v1/ws?ticket=" + t["ticket"]
    return t["ticket"]


def open_feed(srv, api, who, **kwargs):
    ws = WsClient(ws_url(srv, "?ticket=" + ticket(api, who)), **kwargs)
    if kwargs.get("reading", True):
        ready = ws.next("ready")
        assert ready["data"]["account_id"] == who.account_id
    return ws


def handshake_status(url, headers=None):
    with pytest.raises(websockets.InvalidStatusCode) as refused:
        WsClient(url, headers=headers)
    return refused.value.status_code


def send_sms(api, who, body="Habari"):
    return assert_ok(api("POST", "/messages", token=who.access,
                         json={"to": u.tz_phone(), "body": body}), 201)


def test_tickets_open_the_feed_and_long_lived_tokens_never_go_in_urls(rsrv, rapi):
    owner = u.register(rapi)
    ws = open_feed(rsrv, rapi, owner)
    ws.send({"type": "ping"})
    ws.next("pong")
    ws.close()
    # Credentials in a header work too (a server-side client).
    by_header = WsClient(ws_url(rsrv), headers={"Authorization": "Bearer " + owner.access})
    by_header.next("ready")
    by_header.close()
    assert handshake_status(ws_url(rsrv, "?token=" + owner.access)) == 400
    assert handshake_status(ws_url(rsrv, "?access_token=" + owner.access)) == 400
    assert handshake_status(ws_url(rsrv)) == 401
    assert handshake_status(ws_url(rsrv, "?ticket=not-a-ticket")) == 401
    good = ticket(rapi, owner)
    payload, mac = good.split(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + mac
    assert handshake_status(ws_url(rsrv, "?ticket=" + forged)) == 401
    # A ticket is for a WebSocket: a plain GET is told so.
    assert_error(rapi("GET", "/ws?ticket=" + good), 422, "UPGRADE_REQUIRED")
    # Tickets need credentials, and an API key the conversations:read scope.
    u.assert_unauthenticated(rapi("POST", "/ws/tickets"))
    key = u.create_api_key(rapi, owner.access, scopes=["messages:send"])["key"]
    assert_error(rapi("POST", "/ws/tickets", apikey=key), 403)
    assert handshake_status(ws_url(rsrv), headers={"Authorization": "ApiKey " + key}) == 403


def test_an_account_hears_its_own_messages_and_no_other_accounts(rsrv, rapi):
    mine, theirs = u.register(rapi), u.register(rapi)
    ws = open_feed(rsrv, rapi, mine)
    other = open_feed(rsrv, rapi, theirs)
    m = send_sms(rapi, mine, "Karibu")
    new = ws.next("message.new", where=lambda f: f["data"]["id"] == m["id"])
    assert new["data"]["body"] == "Karibu" and new["data"]["direction"] == "outbound"
    # The sandbox sends and delivers it: statuses come in batches.
    seen = set()
    deadline = time.time() + 15
    while "delivered" not in seen and time.time() < deadline:
        batch = ws.next("message.status", timeout=max(0.1, deadline - time.time()))
        seen |= {x["status"] for x in batch["data"]["messages"] if x["id"] == m["id"]}
    assert {"sent", "delivered"} <= seen
    # The other account heard none of it.
    time.sleep(0.3)
    assert other.types() == []
    ws.close()
    other.close()


def connect_whatsapp(api, srv, owner):
    phone_number_id = str(100000000000 + uuid.uuid4().int % 899999999999)
    token = "EAAG" + uuid.uuid4().hex + uuid.uuid4().hex
    secret = "app-" + uuid.uuid4().hex
    GRAPH.add_number(phone_number_id, token)
    view = assert_ok(api("POST", "/channels/whatsapp/connect", token=owner.access, json={
        "phone_number_id": phone_number_id, "business_account_id": "102290129340398",
        "access_token": token, "app_secret": secret, "verify_token": "v" * 16}))
    GRAPH.set_webhook(phone_number_id, "http://%s:%d%s" % (srv.host, srv.port,
                                                          view["webhook_path"]), secret)
    return phone_number_id


def test_the_inbox_hears_customers_and_its_own_changes(rsrv, rapi):
    owner = u.register(rapi)
    number = connect_whatsapp(rapi, rsrv, owner)
    agent = u.member(rapi, owner, role="agent")
    ws = open_feed(rsrv, rapi, owner)
    agent_ws = open_feed(rsrv, rapi, agent)
    customer = "25571%07d" % (uuid.uuid4().int % 10**7)
    GRAPH.send_inbound(number, customer, "Habari, oda yangu?")
    new = ws.next("message.new", where=lambda f: f["data"]["direction"] == "inbound")
    assert new["data"]["body"] == "Habari, oda yangu?" and new["data"]["channel"] == "whatsapp"
    k = ws.next("conversation.updated")["data"]
    assert k["id"] == new["data"]["conversation_id"] and k["unread_count"] == 1
    agent_ws.next("message.new")  # every member of the account hears it
    # A change in the inbox is heard by the others.
    assert_ok(rapi("PATCH", "/conversations/" + k["id"], token=owner.access,
                   json={"assigned_to": agent.user_id, "tags": ["vip"]}))
    changed = agent_ws.next("conversation.updated",
                            where=lambda f: f["data"]["assigned_to"] == agent.user_id)
    assert changed["data"]["tags"] == ["vip"]
    # A reply: message.new, then its WhatsApp statuses up to read.
    reply = assert_ok(rapi("POST", "/conversations/%s/messages" % k["id"], token=agent.access,
                           json={"body": "Iko njiani"}), 202)
    ws.next("message.new", where=lambda f: f["data"]["id"] == reply["id"])
    ws.next("message.status", timeout=15, where=lambda f: any(
        x["id"] == reply["id"] and x["status"] == "read" for x in f["data"]["messages"]))
    ws.close()
    agent_ws.close()


def test_typing_reaches_the_room_and_no_one_else(rsrv, rapi):
    owner = u.register(rapi)
    agent = u.member(rapi, owner, role="agent")
    room = str(uuid.uuid4())
    a, b, outside = (open_feed(rsrv, rapi, who) for who in (owner, agent, agent))
    stranger = open_feed(rsrv, rapi, u.register(rapi))
    for ws in (a, b, stranger):
        ws.send({"type": "join", "conversation_id": room})
        ws.next("joined")
    a.send({"type": "typing.start", "conversation_id": room})
    got = b.next("typing.start")
    assert got["conversation_id"] == room and got["data"]["user_id"] == owner.user_id
    a.send({"type": "typing.stop", "conversation_id": room})
    b.next("typing.stop")
    time.sleep(0.3)
    assert "typing.start" not in a.types()  # not echoed to the one typing
    assert outside.types() == [] and stranger.types() == []
    # Left: no more typing from that room.
    b.send({"type": "leave", "conversation_id": room})
    b.next("left")
    time.sleep(1.1)  # typing goes at most once a second a room
    a.send({"type": "typing.start", "conversation_id": room})
    time.sleep(0.3)
    assert "typing.start" not in b.types()
    for ws in (a, b, outside, stranger):
        ws.close()


@pytest.mark.parametrize("frame,problem", [
    ("not json", "JSON object"), ({"type": "dance"}, "Unknown type"),
    ({"type": "join", "conversation_id": "x" * 40}, "conversation_id"),
    ({"type": "typing.start", "conversation_id": str(uuid.uuid4())}, "Join"),
    ('{"type": "ping", "deep": ' + "[" * 200 + "]" * 200 + "}", "JSON object"),
])
def test_bad_frames_are_answered_without_echoing_them(rsrv, rapi, frame, problem):
    ws = open_feed(rsrv, rapi, u.register(rapi))
    ws.send(frame)
    error = ws.next("error")
    assert problem in error["data"]["message"]
    assert "dance" not in error["data"]["message"] and "xxxx" not in error["data"]["message"]
    ws.send({"type": "ping"})
    ws.next("pong")  # still open
    ws.close()


def test_a_frame_too_large_closes_the_connection(rsrv, rapi):
    ws = open_feed(rsrv, rapi, u.register(rapi))
    ws.send({"type": "ping", "pad": "x" * 20000})
    assert ws.wait_closed()[0] == 1009


def realtime_clients(srv):
    return assert_ok(srv.client.request("GET", "/readyz"))["realtime"]["clients"]


def test_a_client_that_does_not_read_is_cut_off(rsrv, rapi):
    owner = u.register(rapi)
    reader = open_feed(rsrv, rapi, owner)
    before = realtime_clients(rsrv)
    silent = SilentClient(rsrv.host, rsrv.port, "/api/v1/ws?ticket=" + ticket(rapi, owner))
    deadline = time.time() + 10
    while realtime_clients(rsrv) != before + 1 and time.time() < deadline:
        time.sleep(0.02)
    # Each send is a message.new and statuses for both clients; the reader
    # keeps up, the other's frames pile up past the server's bound (64).
    body = "x" * 1500
    for n in range(600):
        send_sms(rapi, owner, body)
        if n % 10 == 9 and realtime_clients(rsrv) == before:
            break
    deadline = time.time() + 15
    while realtime_clients(rsrv) != before and time.time() < deadline:
        time.sleep(0.05)
    assert realtime_clients(rsrv) == before  # cut off, not buffered for
    assert silent.drain() in (1008, None)  # the close code, when it could still be sent
    reader.send({"type": "ping"})
    reader.next("pong")  # the one that reads stays
    reader.close()


@pytest.mark.skipif(os.environ.get("UJUMBE_TEST_ENGINE") != "postgres",
                    reason="several nodes share a PostgreSQL database")
def test_a_client_on_one_node_hears_what_happens_on_another(rsrv, rapi, server_factory):
    second = server_factory(env={"UJUMBE_DATABASE_URL": rsrv.env["UJUMBE_DATABASE_URL"]},
                            label="realtime-b")
    owner = u.register(rapi)
    ws = open_feed(second, second.api, owner)  # the ticket works on any node
    # Sent through the first node until the second one's client is known.
    deadline = time.time() + 15
    while time.time() < deadline:
        m = send_sms(rapi, owner, "node A")
        try:
            ws.next("message.new", timeout=1, where=lambda f: f["data"]["id"] == m["id"])
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("no event crossed the nodes in 15 s")
    other = u.register(rapi)
    send_sms(rapi, other, "not yours")
    time.sleep(0.5)
    assert all(f["data"].get("body") != "not yours" for f in ws.frames)
    ws.close()


def test_an_agent_limited_to_their_conversations_sees_and_hears_only_those(rsrv, rapi):
    owner = u.register(rapi)
    number = connect_whatsapp(rapi, rsrv, owner)
    mine, theirs = u.member(rapi, owner, role="agent"), u.member(rapi, owner, role="agent")
    watcher = open_feed(rsrv, rapi, owner)

    def customer_writes(customer, text):
        GRAPH.send_inbound(number, customer, text)
        return watcher.next("conversation.updated", timeout=15,
                            where=lambda f: f["data"]["customer"] == "+" + customer)["data"]

    x, y = ("25571%07d" % (uuid.uuid4().int % 10**7) for _ in range(2))
    kx, ky = customer_writes(x, "Habari"), customer_writes(y, "Mambo")
    for k, agent in ((kx, mine), (ky, theirs)):
        assert_ok(rapi("PATCH", "/conversations/" + k["id"], token=owner.access,
                       json={"assigned_to": agent.user_id}))
    ids = lambda who: {k["id"] for k in assert_ok(rapi("GET", "/conversations",
                                                       token=who.access))["results"]}
    assert ids(mine) == {kx["id"], ky["id"]}  # everyone sees everything by default
    assert assert_ok(rapi("GET", "/conversations/settings", token=mine.access)) == {
        "agents_see": "all"}
    assert_error(rapi("PUT", "/conversations/settings", token=mine.access,
                      json={"agents_see": "assigned"}), 403)
    u.assert_validation(rapi("PUT", "/conversations/settings", token=owner.access,
                             json={"agents_see": "some"}), "agents_see")
    assert_ok(rapi("PUT", "/conversations/settings", token=owner.access,
                   json={"agents_see": "assigned"}))
    assert ids(mine) == {kx["id"]} and ids(owner) == {kx["id"], ky["id"]}
    for method, path, body in (("GET", "/conversations/" + ky["id"], None),
                               ("PATCH", "/conversations/" + ky["id"], {"tags": ["x"]}),
                               ("POST", "/conversations/%s/read" % ky["id"], None),
                               ("POST", "/conversations/%s/messages" % ky["id"], {"body": "hi"})):
        u.assert_not_found(rapi(method, path, token=mine.access, json=body))
    # The feed: their customer's message does not reach this agent; theirs
    # and an unassigned one's do.
    feed = open_feed(rsrv, rapi, mine)
    customer_writes(y, "Bado?")
    customer_writes(x, "Asante")
    got = feed.next("message.new", timeout=15)
    assert got["data"]["sender_id"] == "+" + x
    z = "25571%07d" % (uuid.uuid4().int % 10**7)
    customer_writes(z, "Mpya")
    assert feed.next("message.new", timeout=15)["data"]["sender_id"] == "+" + z
    assert all(f["data"].get("customer") != "+" + y and f["data"].get("sender_id") != "+" + y
               for f in feed.frames)
    feed.close()
    watcher.close()
