"""The SMPP server for customers (UJUMBE_SMPP_LISTEN): an ESME on the npm
`smpp` package (esme.js) binds to `ujumbe serve` with an SMPP account,
submits; the message goes through the accept path to an upstream
`ujumbe smsc` over an SMPP gateway, and its receipt comes back to the
customer as a deliver_sm with the id the customer was given."""

import time

import pytest

import ujumbe_it as u
from smpp_it import (ESME_RBINDFAIL, ESME_RINVDSTADR, ESME_RINVPASWD, ESME_RINVSYSID,
                     ESME_RSUBMITFAIL, ESME_RTHROTTLED, add_route, add_smpp_gateway, admin_of,
                     wait_bound, wait_status)

LONG_TEXT = ("This message is longer than one SMS can carry, so the customer's system "
             "sends it in parts and the server joins them into one message before it is "
             "priced, charged and sent on to the upstream SMSC in parts of its own. ") * 2


def smpp_port(srv, timeout=10.0):
    path = srv.data_dir / "smpp.addr"
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError("the server wrote no smpp.addr")
        time.sleep(0.02)
    return int(path.read_text().rsplit(":", 1)[1])


class Setup:
    """A server with its SMPP server on, an upstream `ujumbe smsc` behind an
    SMPP gateway, and a customer account with an SMPP account."""

    def __init__(self, srv, upstream, **smpp_account):
        self.srv = srv
        self.upstream = upstream
        self.admin = admin_of(srv)
        gateway = add_smpp_gateway(srv, self.admin, upstream)
        add_route(srv, self.admin, [gateway])
        wait_bound(srv, self.admin, gateway)
        self.port = smpp_port(srv)
        self.owner = u.register(srv.api)
        self.account = self.create(**smpp_account)

    def create(self, **fields):
        body = dict({"system_id": "c" + u.unique_name("")[-10:].replace(" ", "")}, **fields)
        resp = self.srv.api("POST", "/smpp-accounts", json=body, token=self.owner.access)
        assert resp.status == 201, u.describe(resp)
        return resp.body["data"]

    def credentials(self, account=None):
        account = account or self.account
        return ("--system-id", account["system_id"], "--password", account["password"])


@pytest.fixture
def smpp_server(server_factory):
    return server_factory(env={"UJUMBE_SANDBOX_GATEWAY": None,
                               "UJUMBE_SMPP_LISTEN": "127.0.0.1:0"}, label="smpp-server")


@pytest.fixture
def setup(smpp_server, smsc):
    upstream = smsc("--system-id", "ujumbe", "--password", "secret", "--receipt-delay-ms", "20")
    return Setup(smpp_server, upstream)


def test_a_submit_reaches_the_upstream_and_its_receipt_comes_back_with_the_customers_id(
        setup, esme):
    client = esme(setup.port, *setup.credentials(), "--submit", 3, "--deliveries", 3,
                  "--text", "Hello through Ujumbe", "--to", "254712345678")
    assert client.next("bind_resp")["status"] == 0
    ids = set()
    for _ in range(3):
        resp = client.next("submit_sm_resp")
        assert resp["status"] == 0, resp
        ids.add(resp["message_id"])
    assert len(ids) == 3
    receipts = [client.next("deliver_sm", timeout=20) for _ in range(3)]
    assert {r["receipted_message_id"] for r in receipts} == ids
    for r in receipts:
        assert r["esm_class"] & 0x3C == 0x04
        assert r["message_state"] == 2
        assert "stat:DELIVRD" in r["text"]
        assert r["source_addr"] == "254712345678"
    assert len(setup.upstream.lines(dir="in", pdu="submit_sm", to="254712345678")) == 3
    # The messages are the account's, sent and delivered like any other.
    for message_id in ids:
        done = wait_status(setup.srv, setup.owner.access, message_id, "delivered")
        assert done["body"] == "Hello through Ujumbe"
        assert done["to"] == "+254712345678"


@pytest.mark.parametrize("mode", ["udh", "payload"])
def test_a_long_message_enters_as_one_message(setup, esme, mode):
    client = esme(setup.port, *setup.credentials(), "--submit", 1, "--deliveries", 1,
                  "--text", LONG_TEXT, "--long", mode)
    assert client.next("bind_resp")["status"] == 0
    parts = 3 if mode == "udh" else 1
    answers = [client.next("submit_sm_resp") for _ in range(parts)]
    assert {a["status"] for a in answers} == {0}
    assert len({a["message_id"] for a in answers}) == 1  # the parts share the message's id
    message_id = answers[0]["message_id"]
    receipt = client.next("deliver_sm", timeout=20)
    assert receipt["receipted_message_id"] == message_id
    done = wait_status(setup.srv, setup.owner.access, message_id, "delivered")
    assert done["body"] == LONG_TEXT
    assert done["segments"] == 3
    listed = setup.srv.api("GET", "/messages", token=setup.owner.access)
    assert listed.body["data"]["count"] == 1


def test_no_receipt_unless_asked(setup, esme):
    client = esme(setup.port, *setup.credentials(), "--submit", 1,
                  "--registered-delivery", 0, "--text", "no receipt please")
    assert client.next("bind_resp")["status"] == 0
    resp = client.next("submit_sm_resp")
    assert resp["status"] == 0
    wait_status(setup.srv, setup.owner.access, resp["message_id"], "delivered")
    time.sleep(0.5)
    assert not [e for e in client.events if e["event"] == "deliver_sm"]


def test_receipts_wait_for_a_receiver_to_bind(setup, esme):
    sender = esme(setup.port, *setup.credentials(), "--mode", "transmitter", "--submit", 1,
                  "--text", "receipt later")
    assert sender.next("bind_resp")["status"] == 0
    message_id = sender.next("submit_sm_resp")["message_id"]
    sender.next("done")
    wait_status(setup.srv, setup.owner.access, message_id, "delivered")
    pending = setup.srv.api("GET", "/smpp-accounts/%s" % setup.account["id"],
                            token=setup.owner.access)
    assert pending.body["data"]["pending_deliveries"] == 1
    receiver = esme(setup.port, *setup.credentials(), "--mode", "receiver", "--deliveries", 1)
    assert receiver.next("bind_resp")["status"] == 0
    assert receiver.next("deliver_sm", timeout=20)["receipted_message_id"] == message_id
    deadline = time.monotonic() + 10
    while True:
        pending = setup.srv.api("GET", "/smpp-accounts/%s" % setup.account["id"],
                                token=setup.owner.access)
        if pending.body["data"]["pending_deliveries"] == 0:
            break
        assert time.monotonic() < deadline, pending.body
        time.sleep(0.05)


def test_an_inbound_message_to_the_accounts_number_goes_to_its_receiver(setup, esme):
    number = "255700%06d" % (int(time.time() * 1000) % 1000000)
    resp = setup.srv.api("POST", "/sender-ids", json={"sender_id": number, "country": "TZ"},
                         token=setup.owner.access)
    assert resp.status == 201, u.describe(resp)
    approved = setup.srv.api("POST", "/sender-ids/%s/approve" % resp.body["data"]["id"],
                             json={}, token=setup.admin.access)
    assert approved.status == 200, u.describe(approved)
    receiver = esme(setup.port, *setup.credentials(), "--mode", "receiver", "--deliveries", 1)
    assert receiver.next("bind_resp")["status"] == 0
    setup.upstream.say("mo +255712000111 %s STOP-not-a-keyword hello" % number)
    mo = receiver.next("deliver_sm", timeout=20)
    assert mo["esm_class"] & 0x3C == 0
    assert mo["source_addr"] == "255712000111"
    assert mo["destination_addr"] == number
    assert mo["text"] == "STOP-not-a-keyword hello"


def test_binds_are_refused_with_the_right_status(setup, esme):
    wrong = esme(setup.port, "--system-id", setup.account["system_id"], "--password", "nope")
    assert wrong.next("bind_resp")["status"] == ESME_RINVPASWD
    unknown = esme(setup.port, "--system-id", "nobody", "--password", "nope")
    assert unknown.next("bind_resp")["status"] == ESME_RINVSYSID
    sender_only = setup.create(binds=["transmitter"])
    as_receiver = esme(setup.port, *setup.credentials(sender_only), "--mode", "receiver")
    assert as_receiver.next("bind_resp")["status"] == ESME_RBINDFAIL
    elsewhere = setup.create(allowed_ips=["10.0.0.0/8"])
    from_here = esme(setup.port, *setup.credentials(elsewhere))
    assert from_here.next("bind_resp")["status"] == ESME_RBINDFAIL
    here = setup.create(allowed_ips=["10.0.0.0/8", "127.0.0.0/8"])
    assert esme(setup.port, *setup.credentials(here)).next("bind_resp")["status"] == 0
    off = setup.create(is_active=False)
    assert esme(setup.port, *setup.credentials(off)).next("bind_resp")["status"] == ESME_RBINDFAIL


def test_a_new_password_replaces_the_old_one(setup, esme):
    resp = setup.srv.api("POST", "/smpp-accounts/%s/reset-password" % setup.account["id"],
                         token=setup.owner.access)
    assert resp.status == 200, u.describe(resp)
    fresh = resp.body["data"]
    assert fresh["password"] != setup.account["password"]
    old = esme(setup.port, *setup.credentials())
    assert old.next("bind_resp")["status"] == ESME_RINVPASWD
    assert esme(setup.port, *setup.credentials(fresh)).next("bind_resp")["status"] == 0


def test_past_its_throughput_an_account_is_throttled(setup, esme):
    slow = setup.create(throughput=5)
    client = esme(setup.port, *setup.credentials(slow), "--submit", 20,
                  "--registered-delivery", 0)
    assert client.next("bind_resp")["status"] == 0
    statuses = [client.next("submit_sm_resp")["status"] for _ in range(20)]
    assert statuses.count(0) >= 5
    assert statuses.count(ESME_RTHROTTLED) >= 10
    assert set(statuses) <= {0, ESME_RTHROTTLED}


def test_refused_submits_say_why_and_store_nothing(setup, esme):
    bad_number = esme(setup.port, *setup.credentials(), "--submit", 1, "--to", "12")
    assert bad_number.next("bind_resp")["status"] == 0
    assert bad_number.next("submit_sm_resp")["status"] == ESME_RINVDSTADR
    unapproved = esme(setup.port, *setup.credentials(), "--submit", 1, "--from", "NotMine")
    assert unapproved.next("bind_resp")["status"] == 0
    assert unapproved.next("submit_sm_resp")["status"] == 0x0A  # ESME_RINVSRCADR
    listed = setup.srv.api("GET", "/messages", token=setup.owner.access)
    assert listed.body["data"]["count"] == 0


def test_an_account_without_money_is_refused(smpp_server, smsc, esme):
    upstream = smsc("--system-id", "ujumbe", "--password", "secret")
    setup = Setup(smpp_server, upstream)
    rate = smpp_server.api("POST", "/rates", json={"prefix": "255", "price": "100.00"},
                           token=setup.admin.access)
    assert rate.status in (200, 201), u.describe(rate)
    client = esme(setup.port, *setup.credentials(), "--submit", 1)
    assert client.next("bind_resp")["status"] == 0
    assert client.next("submit_sm_resp")["status"] == ESME_RSUBMITFAIL


def test_garbage_gets_generic_nack_and_the_server_goes_on(setup, esme):
    import socket
    import struct
    with socket.create_connection(("127.0.0.1", setup.port), timeout=5) as s:
        s.sendall(struct.pack(">IIII", 16, 0x00000777, 0, 7))
        head = s.recv(16)
        length, command, status, seq = struct.unpack(">IIII", head)
        assert (command, status, seq) == (0x80000000, 0x03, 7)
    client = esme(setup.port, *setup.credentials(), "--submit", 1, "--registered-delivery", 0)
    assert client.next("bind_resp")["status"] == 0
    assert client.next("submit_sm_resp")["status"] == 0


def test_deactivating_an_smpp_account_ends_its_sessions(setup, esme):
    client = esme(setup.port, *setup.credentials(), "--mode", "receiver", "--deliveries", 1,
                  "--timeout-ms", 20000)
    assert client.next("bind_resp")["status"] == 0
    resp = setup.srv.api("PATCH", "/smpp-accounts/%s" % setup.account["id"],
                         json={"is_active": False}, token=setup.owner.access)
    assert resp.status == 200, u.describe(resp)
    client.next("closed", timeout=15)
    again = esme(setup.port, *setup.credentials())
    assert again.next("bind_resp")["status"] == ESME_RBINDFAIL
