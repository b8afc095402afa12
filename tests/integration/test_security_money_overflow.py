"""Money bounds (docs/api-billing.md, "Limits"): amounts, credit limits,
prices and balances have upper bounds; past them the server answers 422
AMOUNT_OUT_OF_RANGE naming the field, and nothing it computes overflows.
Once, two top-ups of 9000000000000 stored a REAL shown as balance_micros 1
and made that month's statement a 500; a price of 9000000000000 on a
10-segment message wrapped the charge negative and the send credited the
wallet.  Each test runs its own server: the base rate card is its own."""

import datetime
import uuid
from decimal import Decimal

import pytest

import ujumbe_it as u
from ujumbe_it import assert_error, assert_ok

MAX_AMOUNT = 1_000_000_000        # units: a top-up, transfer, adjustment, credit limit
MAX_BALANCE = 100_000_000_000     # units: a wallet's balance
MAX_PRICE = 1_000                 # units per segment: a rate line
TEN_SEGMENTS = "a" * (153 * 9 + 1)  # GSM-7: ten parts


def micros(value):
    return int((Decimal(str(value)) * 1_000_000).to_integral_value())


@pytest.fixture
def srv(server_factory):
    return server_factory(env={"UJUMBE_TRIAL_CREDIT": "5"}, label="money")


def ref():
    return "r-" + uuid.uuid4().hex[:12]


def wallet(api, token):
    w = assert_ok(api("GET", "/wallet", token=token))
    assert micros(w["balance"]) == w["balance_micros"], w
    return w


def this_month():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m")


def assert_out_of_range(resp, field):
    body = assert_error(resp, 422, "AMOUNT_OUT_OF_RANGE", field)
    return body


def test_huge_topups_are_422_and_the_statement_still_adds_up(srv):
    api = srv.api
    admin = u.login(api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    biz = u.register(api)
    for _ in range(2):
        resp = api("POST", "/wallet/topups", json={"account_id": biz.account_id,
                                                   "amount": 9000000000000, "reference": ref()},
                   token=admin.access)
        assert_out_of_range(resp, "amount")
    resp = api("POST", "/wallet/topups", json={"account_id": biz.account_id,
                                               "amount": "1000000000.000001",
                                               "reference": ref()}, token=admin.access)
    assert_out_of_range(resp, "amount")
    resp = api("POST", "/wallet/adjustments", json={"account_id": biz.account_id,
                                                    "amount": "-9000000000000",
                                                    "reference": ref(), "description": "x"},
               token=admin.access)
    assert_out_of_range(resp, "amount")
    assert wallet(api, biz.access)["balance_micros"] == 5_000_000

    # The largest top-ups up to the balance's bound exactly (from the 5 of trial).
    for amount in [MAX_AMOUNT] * (MAX_BALANCE // MAX_AMOUNT - 1) + [MAX_AMOUNT - 5]:
        assert_ok(api("POST", "/wallet/topups", json={"account_id": biz.account_id,
                                                      "amount": amount, "reference": ref()},
                      token=admin.access), 201)
    assert wallet(api, biz.access)["balance_micros"] == MAX_BALANCE * 1_000_000
    resp = api("POST", "/wallet/topups", json={"account_id": biz.account_id,
                                               "amount": "0.000001", "reference": ref()},
               token=admin.access)
    assert_out_of_range(resp, "amount")
    assert wallet(api, biz.access)["balance_micros"] == MAX_BALANCE * 1_000_000
    s = assert_ok(api("GET", "/billing/statements?month=%s" % this_month(), token=biz.access))
    assert micros(s["closing_balance"]) == MAX_BALANCE * 1_000_000, s
    rows = u.parse_csv(u.get_csv(api, biz.access,
                                 "/billing/statements?month=%s&format=csv" % this_month()))
    assert rows[-1][:4] == ["balance", "closing", "", str(MAX_BALANCE)], rows
    topups = [r for r in rows if r[:2] == ["entries", "topup"]]
    assert topups == [["entries", "topup", str(MAX_BALANCE // MAX_AMOUNT), str(MAX_BALANCE - 5),
                       "USD"]], rows


def test_credit_limit_past_its_bound_is_422(srv):
    api = srv.api
    admin = u.login(api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    biz = u.register(api)
    resp = api("PUT", "/wallet/credit-limit", json={"account_id": biz.account_id,
                                                    "credit_limit": 9000000000000},
               token=admin.access)
    assert_out_of_range(resp, "credit_limit")
    w = assert_ok(api("PUT", "/wallet/credit-limit", json={"account_id": biz.account_id,
                                                          "credit_limit": MAX_AMOUNT},
                      token=admin.access))
    assert micros(w["credit_limit"]) == MAX_AMOUNT * 1_000_000


def test_price_past_its_bound_is_422_and_a_send_never_credits(srv):
    api = srv.api
    admin = u.login(api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    biz = u.register(api)
    for price in (9000000000000, "1000.000001"):
        resp = api("POST", "/rates", json={"prefix": "2547330", "price": price},
                   token=admin.access)
        assert_out_of_range(resp, "price")
    line = assert_ok(api("POST", "/rates", json={"prefix": "2547330", "price": MAX_PRICE},
                         token=admin.access))
    resp = api("PUT", "/rates/%s" % line["id"], json={"price": 9000000000000},
               token=admin.access)
    assert_out_of_range(resp, "price")

    # Ten segments at the largest price: 10000 units, charged, never credited.
    before = wallet(api, biz.access)["balance_micros"]
    resp = api("POST", "/messages", json={"to": "+254733000001", "body": TEN_SEGMENTS},
               token=biz.access)
    assert_error(resp, 402, "INSUFFICIENT_BALANCE")
    assert wallet(api, biz.access)["balance_micros"] == before
    assert_ok(api("POST", "/wallet/topups", json={"account_id": biz.account_id,
                                                  "amount": 20000, "reference": ref()},
                  token=admin.access), 201)
    before = wallet(api, biz.access)["balance_micros"]
    msg = assert_ok(api("POST", "/messages", json={"to": "+254733000001",
                                                   "body": TEN_SEGMENTS}, token=biz.access), 201)
    assert msg["segments"] == 10, msg
    after = wallet(api, biz.access)["balance_micros"]
    assert after == before - 10 * MAX_PRICE * 1_000_000, (before, after)

    # A reseller's +1000% markup over the largest price still adds up.
    reseller, r_owner = u.create_reseller(api, admin)
    assert_ok(api("POST", "/wallet/topups", json={"account_id": reseller["id"],
                                                  "amount": MAX_AMOUNT, "reference": ref()},
                  token=admin.access), 201)
    account, body = u.create_child(api, r_owner.access)
    c_owner = u.child_owner_login(api, body)
    assert_ok(api("POST", "/wallet/topups", json={"account_id": account["id"],
                                                  "amount": MAX_AMOUNT, "reference": ref()},
                  token=r_owner.access), 201)
    assert_ok(api("POST", "/rates", json={"account_id": account["id"], "prefix": "2547330",
                                          "markup_percent": 1000}, token=r_owner.access))
    c_before = wallet(api, c_owner.access)["balance_micros"]
    assert_ok(api("POST", "/messages", json={"to": "+254733000002", "body": TEN_SEGMENTS},
                  token=c_owner.access), 201)
    assert wallet(api, c_owner.access)["balance_micros"] == \
        c_before - 10 * MAX_PRICE * 11 * 1_000_000
    s = assert_ok(api("GET", "/billing/statements?month=%s" % this_month(),
                      token=c_owner.access))
    assert micros(s["closing_balance"]) == wallet(api, c_owner.access)["balance_micros"], s
