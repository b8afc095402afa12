"""The whole pipeline over SMPP: `ujumbe serve` sends through SMPP gateways
to smsc.js (npm `smpp`), gets receipts and MO messages back, and fails over
or retries without sending anything twice."""

import time

import ujumbe_it as u
from smpp_it import (add_route, add_smpp_gateway, admin_of, wait_bound, wait_stats,
                      wait_status)

TO = "+254712345678"


def send(srv, admin, body, to=TO, **extra):
    resp = srv.api("POST", "/messages", json=dict({"to": to, "body": body}, **extra),
                   token=admin.access)
    assert resp.status == 201, u.describe(resp)
    return resp.body["data"]


def bind_one(srv, smsc, **settings):
    admin = admin_of(srv)
    gateway = add_smpp_gateway(srv, admin, smsc, **settings)
    add_route(srv, admin, [gateway])
    wait_bound(srv, admin, gateway)
    return admin, gateway


def test_a_message_is_submitted_once_and_its_receipt_delivers_it(gateway_server, smsc_factory):
    smsc = smsc_factory()
    admin, gateway = bind_one(gateway_server, smsc)
    m = send(gateway_server, admin, "Hello over SMPP")
    done = wait_status(gateway_server, admin.access, m["id"], "delivered")
    submits = smsc.pdus("submit_sm")
    assert len(submits) == 1
    assert submits[0]["text"] == "Hello over SMPP"
    assert submits[0]["to"] == "254712345678"
    assert submits[0]["from"] == "Ujumbe"
    assert submits[0]["registered_delivery"] == 1
    assert [p["status"] for p in done["parts"]] == ["delivered"]
    assert done["parts"][0]["provider_id"]
    assert [h["status"] for h in done["status_history"]] == ["queued", "sending", "sent",
                                                            "delivered"]
    receipts = gateway_server.api("GET", "/messages/%s/receipts" % m["id"], token=admin.access)
    assert receipts.body["data"]["results"][0]["stat"] == "DELIVRD"


def test_hex_ids_in_responses_match_decimal_ids_in_receipts(gateway_server, smsc_factory):
    smsc = smsc_factory("--id-base", "hex", "--receipt-id-base", "decimal")
    admin, _ = bind_one(gateway_server, smsc, response_id_format="hex",
                     receipt_id_format="decimal")
    m = send(gateway_server, admin, "hex and decimal")
    wait_status(gateway_server, admin.access, m["id"], "delivered")


def test_decimal_ids_in_responses_match_hex_ids_in_receipts(gateway_server, smsc_factory):
    smsc = smsc_factory("--id-base", "decimal", "--receipt-id-base", "hex")
    admin, _ = bind_one(gateway_server, smsc, response_id_format="decimal",
                     receipt_id_format="hex")
    m = send(gateway_server, admin, "decimal and hex")
    wait_status(gateway_server, admin.access, m["id"], "delivered")


def test_a_long_message_goes_as_udh_parts_each_with_its_receipt(gateway_server, smsc_factory):
    smsc = smsc_factory()
    admin, _ = bind_one(gateway_server, smsc)
    body = "".join("%d " % i for i in range(80))  # 250 GSM characters: two parts
    m = send(gateway_server, admin, body)
    assert m["segments"] == 2
    done = wait_status(gateway_server, admin.access, m["id"], "delivered")
    assert [p["status"] for p in done["parts"]] == ["delivered", "delivered"]
    submits = smsc.pdus("submit_sm")
    assert len(submits) == 2
    assert all(s["esm_class"] & 0x40 for s in submits)
    udh = [s["udh"] for s in submits]
    assert udh[0][:4] == "0003" and udh[0][-4:] == "0201", udh
    assert udh[1][:4] == "0003" and udh[1][-4:] == "0202", udh
    assert udh[0][4:6] == udh[1][4:6]  # one reference for both parts
    assert "".join(s["text"] for s in submits) == body


def test_a_long_message_can_go_in_one_submit_with_message_payload(gateway_server, smsc_factory):
    smsc = smsc_factory()
    admin, _ = bind_one(gateway_server, smsc, long_messages="message_payload")
    m = send(gateway_server, admin, "x" * 400)
    assert m["segments"] == 3
    done = wait_status(gateway_server, admin.access, m["id"], "delivered")
    assert len(done["parts"]) == 1
    assert len(smsc.pdus("submit_sm")) == 1


def test_a_slow_smsc_still_gets_everything_once(gateway_server, smsc_factory):
    smsc = smsc_factory("--slow-ms", "300")
    admin, _ = bind_one(gateway_server, smsc)
    ids = [send(gateway_server, admin, "slow %d" % i)["id"] for i in range(5)]
    for i in ids:
        wait_status(gateway_server, admin.access, i, "delivered")
    assert all(n == 1 for n in smsc.submit_texts().values())


def test_throttling_pauses_and_resends_without_losing_or_doubling(gateway_server,
                                                                  smsc_factory):
    smsc = smsc_factory("--throttle-every", "3")
    admin, _ = bind_one(gateway_server, smsc)
    ids = [send(gateway_server, admin, "throttled %d" % i)["id"] for i in range(8)]
    for i in ids:
        wait_status(gateway_server, admin.access, i, "delivered", timeout=40)
    texts = smsc.submit_texts()
    # A throttled submit_sm is sent again; every message was accepted once.
    assert sum(texts.values()) > 8
    assert set(texts) == {"throttled %d" % i for i in range(8)}


def test_a_refused_destination_is_rejected_and_not_retried(gateway_server, smsc_factory):
    smsc = smsc_factory("--reject-prefix", "25473")
    admin, _ = bind_one(gateway_server, smsc)
    bad = send(gateway_server, admin, "to a refused number", to="+254733000111")
    good = send(gateway_server, admin, "to a good number")
    done = wait_status(gateway_server, admin.access, bad["id"], "rejected")
    assert done["error_code"] == "SMPP_0x0000000B"
    wait_status(gateway_server, admin.access, good["id"], "delivered")
    time.sleep(0.5)
    assert smsc.submit_texts()["to a refused number"] == 1


def test_a_retryable_refusal_fails_over_to_the_next_gateway(gateway_server, smsc_factory):
    failing = smsc_factory("--refuse-status", "8")  # ESME_RSYSERR
    working = smsc_factory()
    admin = admin_of(gateway_server)
    first = add_smpp_gateway(gateway_server, admin, failing, name="failing")
    second = add_smpp_gateway(gateway_server, admin, working, name="working")
    add_route(gateway_server, admin, [first], failover=[second])
    wait_bound(gateway_server, admin, first)
    wait_bound(gateway_server, admin, second)
    # Charging on: failing over must not charge a message again.
    for path, body in (("/rates", {"prefix": "254", "price": "0.01"}),
                       ("/wallet/topups", {"account_id": admin.account_id, "amount": "10",
                                           "reference": "failover"})):
        resp = gateway_server.api("POST", path, json=body, token=admin.access)
        assert resp.status in (200, 201), u.describe(resp)
    ids = [send(gateway_server, admin, "fail over %d" % i)["id"] for i in range(5)]
    for i in ids:
        done = wait_status(gateway_server, admin.access, i, "delivered")
        assert [h["status"] for h in done["status_history"]] == ["queued", "sending", "sent",
                                                                "delivered"]
        assert done["status_history"][2]["detail"]["gateway_id"] == second["id"]
        assert done["price"] == 0.01
    assert len(failing.pdus("submit_sm")) == 5
    assert working.submit_texts() == {"fail over %d" % i: 1 for i in range(5)}
    charges = gateway_server.api("GET", u.with_query("/wallet/transactions", type="charge"),
                                 token=admin.access).body["data"]
    assert sorted(e["message_id"] for e in charges["results"]) == sorted(ids)
    wallet = gateway_server.api("GET", "/wallet", token=admin.access).body["data"]
    assert wallet["balance_micros"] == 10_000_000 - 5 * 10_000


def test_an_unbound_gateway_is_passed_over(gateway_server, smsc_factory):
    working = smsc_factory()
    admin = admin_of(gateway_server)
    closed = smsc_factory()
    closed.stop()  # its port no longer answers
    dead = add_smpp_gateway(gateway_server, admin, closed, name="dead")
    alive = add_smpp_gateway(gateway_server, admin, working, name="alive")
    add_route(gateway_server, admin, [dead], failover=[alive])
    wait_bound(gateway_server, admin, alive)
    m = send(gateway_server, admin, "around the dead one")
    wait_status(gateway_server, admin.access, m["id"], "delivered")
    status = gateway_server.api("GET", "/gateways/%s/status" % dead["id"], token=admin.access)
    assert status.body["data"]["bound"] is False
    assert status.body["data"]["last_error"]


def test_a_connection_dropped_mid_window_loses_nothing_and_sends_nothing_twice(
        gateway_server, smsc_factory):
    smsc = smsc_factory("--drop-after", "3", "--slow-ms", "50")
    admin, _ = bind_one(gateway_server, smsc)
    resp = gateway_server.api("POST", "/messages/bulk",
                              json={"messages": [{"to": TO, "body": "window %d" % i}
                                                 for i in range(8)]},
                              token=admin.access)
    assert resp.status == 201, u.describe(resp)
    ids = [r["id"] for r in resp.body["data"]["results"]]
    finals = [wait_status(gateway_server, admin.access, i, {"delivered", "sent"}, timeout=40)
              for i in ids]
    for _ in range(200):  # the ones that went again after the reconnect
        finals = [gateway_server.api("GET", "/messages/%s" % i, token=admin.access).body["data"]
                  for i in ids]
        if all(f["status"] == "delivered" or f["error_code"] == "NO_RESPONSE" for f in finals):
            break
        time.sleep(0.1)
    unanswered = [f for f in finals if f["error_code"] == "NO_RESPONSE"]
    # Written before the drop and never answered: kept as sent, never resent.
    assert 1 <= len(unanswered) <= 10
    assert all(f["status"] == "delivered" for f in finals if f not in unanswered)
    texts = smsc.submit_texts()
    # A submit written just before the drop may die in the socket unread by the
    # SMSC: it stays unanswered and is not resent. Every other one arrives once.
    assert all(texts[f["body"]] == 1 for f in finals if f not in unanswered), texts
    assert all(n == 1 for n in texts.values()), texts


def test_mo_messages_become_inbound_messages_and_parts_are_joined(gateway_server,
                                                                 smsc_factory):
    long_text = "".join(chr(ord("a") + i % 26) for i in range(200))
    smsc = smsc_factory("--mo", "254711000111:40404:Hello from a phone",
                        "--mo", "254711000222:40404:" + long_text)
    admin, _ = bind_one(gateway_server, smsc)

    def inbound():
        resp = gateway_server.api("GET", u.with_query("/messages", direction="inbound"),
                                  token=admin.access)
        return resp.body["data"]["results"]

    deadline = time.monotonic() + 15
    while len(inbound()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    got = {m["sender_id"]: m for m in inbound()}
    assert set(got) == {"+254711000111", "+254711000222"}
    assert got["+254711000111"]["body"] == "Hello from a phone"
    assert got["+254711000111"]["status"] == "received"
    assert got["+254711000222"]["body"] == long_text
    assert got["+254711000222"]["segments"] == 2
    assert all(r["status"] == 0 for r in smsc.pdus("deliver_sm_resp"))


def test_gateway_test_binds_and_reports(gateway_server, smsc_factory):
    smsc = smsc_factory()
    admin = admin_of(gateway_server)
    good = add_smpp_gateway(gateway_server, admin, smsc, name="good")
    bad = add_smpp_gateway(gateway_server, admin, smsc, name="bad", password="wrong")
    ok = gateway_server.api("POST", "/gateways/%s/test" % good["id"], token=admin.access)
    assert ok.status == 200 and ok.body["data"]["ok"] is True, u.describe(ok)
    refused = gateway_server.api("POST", "/gateways/%s/test" % bad["id"], token=admin.access)
    assert refused.status == 200 and refused.body["data"]["ok"] is False
    assert refused.body["data"]["detail"]


def test_every_message_of_a_burst_arrives_once(gateway_server, smsc_factory):
    smsc = smsc_factory("--receipt-delay-ms", "5")
    admin, _ = bind_one(gateway_server, smsc, window=50, binds=2)
    n = 2000
    resp = gateway_server.api("POST", "/messages/bulk",
                              json={"messages": [{"to": TO, "body": "burst %d" % i}
                                                 for i in range(n)]},
                              token=admin.access)
    assert resp.status == 201, u.describe(resp)
    wait_stats(gateway_server, admin.access,
               lambda s: s["by_status"].get("delivered", 0) == n, timeout=90)
    texts = smsc.submit_texts()
    assert len(texts) == n and all(c == 1 for c in texts.values())
