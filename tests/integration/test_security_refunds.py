"""Refunds of failed messages (docs/api-billing.md, "Refunds"): every path to
a final status goes through the one place that refunds, exactly once.
Once, with no route for +2547330..., two sends of 1 and 2 segments kept
their charges (5 -> 4.94) although failed messages are refunded.

Paths tried here: no route, rejected by the gateway, undelivered and
expired with UJUMBE_REFUND_UNDELIVERED on (and kept with it off), a
canceled scheduled message.  Attempts exhausted (no gateway available
through every retry, minutes of back-off) is covered by the unit test
PipelineTest.AMessageFailingAfterItsLastAttemptIsRefunded on both engines.
Each test runs its own server: the base rate card and routes are its own."""

import datetime
import time
import uuid

import ujumbe_it as u
from ujumbe_it import assert_list, assert_ok, failing_gateway, with_query

TRIAL = 5_000_000
PRICE = "0.02"          # a segment, for +2547330...
TIMEOUT_S = 10.0
FINAL = {"delivered", "undelivered", "expired", "rejected", "failed", "canceled"}


def balance(api, token):
    return assert_ok(api("GET", "/wallet", token=token))["balance_micros"]


def entries_of(api, token, mid):
    data = assert_list(api("GET", with_query("/wallet/transactions", message_id=mid,
                                             page_size=100), token=token))
    return sorted((e["type"], e["amount_micros"]) for e in data["results"])


def wait_status(api, token, mid):
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        msg = assert_ok(api("GET", "/messages/%s" % mid, token=token))
        if msg["status"] in FINAL:
            return msg
        assert time.monotonic() < deadline, msg
        time.sleep(0.05)


def wait_entries(api, token, mid, n):
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        got = entries_of(api, token, mid)
        if len(got) >= n or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def send(api, token, to, body="hello", **extra):
    payload = {"to": to, "body": body}
    payload.update(extra)
    return assert_ok(api("POST", "/messages", json=payload, token=token), 201)


def priced_server(server_factory, **env):
    srv = server_factory(env=env, label="refunds")
    admin = u.login(srv.api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    assert_ok(srv.api("POST", "/rates", json={"prefix": "2547330", "price": PRICE},
                      token=admin.access))
    return srv, admin, u.register(srv.api)


def test_no_route_failures_are_refunded_once(server_factory):
    # No sandbox gateway and no route at all: every message fails NO_ROUTE.
    srv, _, biz = priced_server(server_factory, UJUMBE_SANDBOX_GATEWAY="false")
    api = srv.api
    one = send(api, biz.access, "+254733000001", "one")
    two = send(api, biz.access, "+254733000002", "b" * 200)  # two segments
    for msg, charged in ((one, 20_000), (two, 40_000)):
        done = wait_status(api, biz.access, msg["id"])
        assert done["status"] == "failed" and done["error_code"] == "NO_ROUTE", done
        assert wait_entries(api, biz.access, msg["id"], 2) == \
            [("charge", -charged), ("refund", charged)]
    assert balance(api, biz.access) == TRIAL


def test_rejected_and_undelivered_paths(server_factory):
    srv, admin, biz = priced_server(server_factory)
    api = srv.api
    with failing_gateway(api, admin, "25473301", "rejected"):
        msg = send(api, biz.access, "+254733010001", "c" * 400)  # three segments
        assert wait_status(api, biz.access, msg["id"])["status"] == "rejected"
        assert wait_entries(api, biz.access, msg["id"], 2) == \
            [("charge", -60_000), ("refund", 60_000)]
        time.sleep(0.3)  # the other parts' receipts change nothing
        assert entries_of(api, biz.access, msg["id"]) == [("charge", -60_000), ("refund", 60_000)]
    # Undelivered is kept unless the setting says otherwise.
    with failing_gateway(api, admin, "25473302", "undelivered"):
        msg = send(api, biz.access, "+254733020001")
        assert wait_status(api, biz.access, msg["id"])["status"] == "undelivered"
        time.sleep(0.3)
        assert entries_of(api, biz.access, msg["id"]) == [("charge", -20_000)]
    assert balance(api, biz.access) == TRIAL - 20_000


def test_undelivered_and_expired_are_refunded_when_configured(server_factory):
    srv, admin, biz = priced_server(server_factory, UJUMBE_REFUND_UNDELIVERED="true")
    api = srv.api
    for prefix, status in (("25473303", "undelivered"), ("25473304", "expired")):
        with failing_gateway(api, admin, prefix, status):
            msg = send(api, biz.access, "+%s0001" % prefix)
            assert wait_status(api, biz.access, msg["id"])["status"] == status
            assert wait_entries(api, biz.access, msg["id"], 2) == \
                [("charge", -20_000), ("refund", 20_000)]
    assert balance(api, biz.access) == TRIAL


def test_canceled_scheduled_message_is_refunded(server_factory):
    srv, _, biz = priced_server(server_factory)
    api = srv.api
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    msg = send(api, biz.access, "+254733050001", "later",
               send_at=later.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert msg["status"] == "scheduled"
    assert balance(api, biz.access) == TRIAL - 20_000
    assert_ok(api("POST", "/messages/%s/cancel" % msg["id"], token=biz.access))
    assert entries_of(api, biz.access, msg["id"]) == [("charge", -20_000), ("refund", 20_000)]
    assert balance(api, biz.access) == TRIAL
    u.assert_error(api("POST", "/messages/%s/cancel" % msg["id"], token=biz.access), 409)
    assert balance(api, biz.access) == TRIAL
