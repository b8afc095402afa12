"""Billing API (docs/api-billing.md): wallets and the trial credit, top-ups,
reseller transfers, credit limits, rate cards and quotes, charging on send
(402 when a wallet cannot pay, bulk all or nothing), reseller charging,
refunds of rejected messages, the CSV export, tenant isolation and API key
scopes.

Isolation: the base rate card is platform-wide and shared with every other
module of the session, which expect sending to +254 numbers to be free.  So
every base-card line made here is for a prefix no other test uses (Uganda
+256 77x xxx xxx numbers, one fresh prefix per test; Rwanda only for the one
country line, deleted at once) and is deleted at the end of its test, pass or
fail.  No catch-all base line is ever created.
"""

import concurrent.futures
import datetime
import itertools
import time
import uuid
from decimal import Decimal

import pytest

import ujumbe_it as u
from ujumbe_it import (assert_error, assert_list, assert_ok, assert_validation,
                       child_owner_login, create_api_key, create_child, create_reseller,
                       describe, failing_gateway, is_timestamp, with_query)

TRIAL_MICROS = 5_000_000
CURRENCY = "USD"
DELIVERY_TIMEOUT_S = 10.0
FINAL_STATUSES = {"delivered", "undelivered", "expired", "rejected", "failed", "canceled"}
WALLET_FIELDS = ("account_id", "currency", "balance", "balance_micros", "credit_limit",
                 "available", "updated_at")
ENTRY_FIELDS = ("id", "account_id", "type", "amount", "amount_micros", "balance_after",
                "currency", "reference", "description", "actor_id", "message_id",
                "counterparty_id", "created_at")
RATE_FIELDS = ("id", "account_id", "channel", "prefix", "country", "price", "markup_percent",
               "currency")
QUOTE_FIELDS = ("to", "country", "encoding", "segments", "price_per_segment", "price",
                "currency")

GSM_2_SEGMENTS = "a" * 161           # 161 GSM-7 characters: 2 parts
UCS2_3_SEGMENTS = "\u0416" * 135     # 135 UCS-2 units: 3 parts (67 a part)

# Fresh Uganda prefixes: "25677" + 3 digits; numbers add 4 more digits
# (+256 77x xxx xxx, a valid Ugandan mobile number).
_prefix_counter = itertools.count(101)
_number_counter = itertools.count(1)
_ke_counter = itertools.count(1)


def unique_prefix():
    n = next(_prefix_counter)
    assert n < 1000, "out of test prefixes"
    return "25677%03d" % n


def number_in(prefix, n=None):
    """A valid E.164 number under an 8-digit test prefix."""
    if n is None:
        n = next(_number_counter)
    return "+%s%04d" % (prefix, n % 10000)


def ke_phone():
    """A Kenyan number: no base line prices it (free to send)."""
    return "+2547%08d" % (31000000 + next(_ke_counter))


def micros(value):
    """A decimal JSON amount as integer micro-units (exact)."""
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    return int((Decimal(str(value)) * 1_000_000).to_integral_value())


def ref(tag="ref"):
    return "%s-%s" % (tag, uuid.uuid4().hex[:12])


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def get_wallet(api, token, account_id=None, apikey=None):
    return assert_ok(api("GET", with_query("/wallet", account_id=account_id), token=token,
                         apikey=apikey))


def balance_of(api, token, account_id=None):
    w = get_wallet(api, token, account_id)
    assert micros(w["balance"]) == w["balance_micros"], w
    return w["balance_micros"]


def entries(api, token, account_id=None, **filters):
    """Every ledger entry (newest first) matching the filters."""
    out = []
    page = 1
    while True:
        data = assert_list(api("GET", with_query("/wallet/transactions", account_id=account_id,
                                                 page=page, page_size=100, **filters),
                               token=token))
        out.extend(data["results"])
        if not data["next"]:
            assert data["count"] == len(out), data
            return out
        page += 1


def topup(api, token, account_id, amount, reference=None, status=201, **extra):
    body = {"account_id": account_id, "amount": amount, "reference": reference or ref("top")}
    body.update(extra)
    return assert_ok(api("POST", "/wallet/topups", json=body, token=token), status)


def transfer(api, token, account_id, amount, reference=None, status=201):
    body = {"account_id": account_id, "amount": amount, "reference": reference or ref("tr")}
    return assert_ok(api("POST", "/wallet/transfers", json=body, token=token), status)


def put_rate(api, token, status=200, **body):
    return assert_ok(api("POST", "/rates", json=body, token=token), status)


def rate_lines(data):
    """GET /rates answers a list envelope (or a bare array)."""
    if isinstance(data, dict):
        assert isinstance(data.get("results"), list), data
        return data["results"]
    assert isinstance(data, list), data
    return data


def list_rates(api, token, account_id=None):
    return rate_lines(assert_ok(api("GET", with_query("/rates", account_id=account_id),
                                    token=token)))


def quote(api, token, to, body="hello", apikey=None):
    return assert_ok(api("POST", "/rates/quote", json={"to": to, "body": body}, token=token,
                         apikey=apikey))


def send(api, token, to, body="hello", status=201):
    return assert_ok(api("POST", "/messages", json={"to": to, "body": body}, token=token),
                     status)


def get_message(api, token, mid):
    return assert_ok(api("GET", "/messages/%s" % mid, token=token))


def message_count(api, token):
    return assert_list(api("GET", "/messages?page_size=1", token=token))["count"]


def wait_message(api, token, mid, until=FINAL_STATUSES, timeout=DELIVERY_TIMEOUT_S):
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        msg = get_message(api, token, mid)
        if msg["status"] in until:
            return msg
        if time.monotonic() > deadline:
            raise AssertionError("message %s not in %s after %.0f s: %r"
                                 % (mid, sorted(until), timeout, msg))
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def wait_entries(api, token, predicate, account_id=None, timeout=DELIVERY_TIMEOUT_S, **filters):
    """Polls the ledger until predicate(entries) holds; returns the entries."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        got = entries(api, token, account_id, **filters)
        if predicate(got):
            return got
        if time.monotonic() > deadline:
            raise AssertionError("ledger never matched after %.0f s: %r" % (timeout, got))
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def assert_insufficient(resp, balance=None, required=None, credit_limit=None, wallet=None):
    body = assert_error(resp, 402, "INSUFFICIENT_BALANCE")
    details = body.get("details")
    assert isinstance(details, dict), describe(resp)
    for key in ("balance", "required", "credit_limit", "currency", "wallet"):
        assert key in details, "details lack %r: %s" % (key, describe(resp))
    assert details["currency"] == CURRENCY, describe(resp)
    if balance is not None:
        assert micros(details["balance"]) == balance, describe(resp)
    if required is not None:
        assert micros(details["required"]) == required, describe(resp)
    if credit_limit is not None:
        assert micros(details["credit_limit"]) == credit_limit, describe(resp)
    if wallet is not None:
        assert details["wallet"] == wallet, describe(resp)
    return details


class Rates:
    """Rate lines made by a test, deleted at its end (base-card lines above all)."""

    def __init__(self, api, admin):
        self.api, self.admin = api, admin
        self.made = []  # (id, token of someone allowed to delete it)

    def base(self, price, **where):
        assert where.get("prefix") or where.get("country"), "never a catch-all base line"
        body = {"price": price}
        body.update(where)
        line = put_rate(self.api, self.admin.access, **body)
        self.made.append((line["id"], self.admin.access))
        return line

    def sell(self, token, account_id, **body):
        body["account_id"] = account_id
        line = put_rate(self.api, token, **body)
        self.made.append((line["id"], token))
        return line

    def delete_all(self):
        for rid, token in reversed(self.made):
            resp = self.api("DELETE", "/rates/%s" % rid, token=token)
            if resp.status not in (200, 204, 404):
                # fall back to the admin, who may delete anything
                self.api("DELETE", "/rates/%s" % rid, token=self.admin.access)
        self.made = []


@pytest.fixture
def rates(api, admin):
    r = Rates(api, admin)
    try:
        yield r
    finally:
        r.delete_all()


def reject_gateway(api, admin, prefix):
    """A sandbox gateway that rejects everything, routed for `prefix` (a
    context manager; see failing_gateway)."""
    return failing_gateway(api, admin, prefix, "rejected")


@pytest.fixture
def reseller(api, admin):
    """A fresh reseller (made by the admin): (account, owner Actor)."""
    return create_reseller(api, admin)


def new_client(api, reseller_owner, **overrides):
    """A business client of a reseller: (account, its owner Actor)."""
    account, body = create_child(api, reseller_owner.access, **overrides)
    return account, child_owner_login(api, body)


# --------------------------------------------------------------------------
# 1. Wallet and trial credit
# --------------------------------------------------------------------------

def test_self_registered_account_has_trial_credit(api, owner):
    w = get_wallet(api, owner.access)
    for field in WALLET_FIELDS:
        assert field in w, (field, w)
    assert w["account_id"] == owner.account_id
    assert w["currency"] == CURRENCY
    assert w["balance_micros"] == TRIAL_MICROS and micros(w["balance"]) == TRIAL_MICROS, w
    assert micros(w["credit_limit"]) == 0 and micros(w["available"]) == TRIAL_MICROS, w
    assert is_timestamp(w["updated_at"]), w

    got = entries(api, owner.access)
    assert len(got) == 1, got
    e = got[0]
    for field in ENTRY_FIELDS:
        assert field in e, (field, e)
    assert e["type"] == "trial" and e["account_id"] == owner.account_id
    assert e["amount_micros"] == TRIAL_MICROS and micros(e["amount"]) == TRIAL_MICROS
    assert micros(e["balance_after"]) == TRIAL_MICROS
    assert e["currency"] == CURRENCY and e["message_id"] is None
    assert is_timestamp(e["created_at"]), e
    # the same with ?account_id= of one's own account, and by type
    assert get_wallet(api, owner.access, owner.account_id)["balance_micros"] == TRIAL_MICROS
    assert [x["id"] for x in entries(api, owner.access, type="trial")] == [e["id"]]
    assert entries(api, owner.access, type="topup") == []


def test_admin_reads_any_wallet(api, admin, owner):
    w = get_wallet(api, admin.access, owner.account_id)
    assert w["account_id"] == owner.account_id and w["balance_micros"] == TRIAL_MICROS
    got = entries(api, admin.access, owner.account_id)
    assert [e["type"] for e in got] == ["trial"]


def test_bad_ledger_filters_are_400(api, owner):
    assert_validation(api("GET", "/wallet/transactions?type=gift", token=owner.access), "type")
    assert_validation(api("GET", "/wallet/transactions?date_from=yesterday",
                          token=owner.access), "date_from")


# --------------------------------------------------------------------------
# 2. Top-ups
# --------------------------------------------------------------------------

def test_admin_tops_up_a_business(api, admin, owner):
    reference = ref("inv")
    resp = api("POST", "/wallet/topups", json={"account_id": owner.account_id,
                                               "amount": "12.50", "reference": reference,
                                               "description": "Invoice 17"},
               token=admin.access)
    e = assert_ok(resp, 201)
    for field in ENTRY_FIELDS:
        assert field in e, (field, e)
    assert u.is_uuid7(e["id"]), e
    assert e["account_id"] == owner.account_id and e["type"] == "topup"
    assert e["amount_micros"] == 12_500_000 and micros(e["amount"]) == 12_500_000, e
    assert micros(e["balance_after"]) == TRIAL_MICROS + 12_500_000, e
    assert e["currency"] == CURRENCY and e["reference"] == reference
    assert e["description"] == "Invoice 17"
    assert e["actor_id"] == admin.user_id and e["message_id"] is None
    assert is_timestamp(e["created_at"])
    assert balance_of(api, owner.access) == TRIAL_MICROS + 12_500_000

    listed = entries(api, owner.access)
    assert [x["type"] for x in listed] == ["topup", "trial"], listed  # newest first
    assert listed[0]["id"] == e["id"] and listed[0]["reference"] == reference

    # the same reference and amount: a replay, nothing moves
    again = api("POST", "/wallet/topups", json={"account_id": owner.account_id,
                                                "amount": "12.5", "reference": reference},
                token=admin.access)
    replay = assert_ok(again, 200)
    assert replay["id"] == e["id"] and replay["amount_micros"] == 12_500_000, replay
    assert balance_of(api, owner.access) == TRIAL_MICROS + 12_500_000
    assert len(entries(api, owner.access)) == 2

    # the same reference, another amount
    resp = api("POST", "/wallet/topups", json={"account_id": owner.account_id,
                                               "amount": "13", "reference": reference},
               token=admin.access)
    assert_error(resp, 422, "REFERENCE_REUSED")
    assert balance_of(api, owner.access) == TRIAL_MICROS + 12_500_000
    assert len(entries(api, owner.access)) == 2


@pytest.mark.parametrize("amount,expected", [
    (3, 3_000_000), (1.5, 1_500_000), ("2", 2_000_000), ("0.000001", 1),
    ("1.234567", 1_234_567), (0.25, 250_000),
], ids=["int", "float", "string-int", "one-micro", "six-decimals", "float-quarter"])
def test_topup_amount_spellings(api, admin, owner, amount, expected):
    e = topup(api, admin.access, owner.account_id, amount)
    assert e["amount_micros"] == expected, e
    assert balance_of(api, owner.access) == TRIAL_MICROS + expected


@pytest.mark.parametrize("amount", [0, "0", -1, "-5", "1.2345678", 1.2345678, "abc", "",
                                    "1e3", True, [1], {"v": 1}, "12,50"],
                         ids=["zero", "zero-str", "negative", "negative-str", "seven-decimals",
                              "seven-decimals-num", "abc", "empty", "exponent", "bool", "list",
                              "object", "comma"])
def test_bad_topup_amount_is_400_naming_amount(api, admin, owner, amount):
    resp = api("POST", "/wallet/topups", json={"account_id": owner.account_id, "amount": amount,
                                               "reference": ref()}, token=admin.access)
    assert_validation(resp, "amount")
    assert balance_of(api, owner.access) == TRIAL_MICROS
    assert len(entries(api, owner.access)) == 1


def test_topup_missing_fields_are_400_naming_them(api, admin, owner):
    resp = api("POST", "/wallet/topups", json={"account_id": owner.account_id, "amount": "1"},
               token=admin.access)
    assert_validation(resp, "reference")
    resp = api("POST", "/wallet/topups", json={"account_id": owner.account_id, "amount": "1",
                                               "reference": ""}, token=admin.access)
    assert_validation(resp, "reference")
    resp = api("POST", "/wallet/topups", json={"account_id": owner.account_id,
                                               "reference": ref()}, token=admin.access)
    assert_validation(resp, "amount")
    resp = api("POST", "/wallet/topups", json={"amount": "1", "reference": ref()},
               token=admin.access)
    assert_validation(resp, "account_id")
    assert balance_of(api, owner.access) == TRIAL_MICROS


def test_account_cannot_top_itself_up(api, owner):
    resp = api("POST", "/wallet/topups", json={"account_id": owner.account_id, "amount": "10",
                                               "reference": ref()}, token=owner.access)
    assert_error(resp, 403)
    assert balance_of(api, owner.access) == TRIAL_MICROS


def test_business_cannot_top_up_an_unrelated_account(api, owner, register):
    other = register()
    resp = api("POST", "/wallet/topups", json={"account_id": other.account_id, "amount": "10",
                                               "reference": ref()}, token=owner.access)
    u.assert_not_found(resp)
    resp = api("POST", "/wallet/topups", json={"account_id": str(uuid.uuid4()), "amount": "10",
                                               "reference": ref()}, token=owner.access)
    u.assert_not_found(resp)
    assert balance_of(api, other.access) == TRIAL_MICROS


def test_reseller_tops_up_its_own_client(api, admin, reseller):
    _, r_owner = reseller
    client, c_owner = new_client(api, r_owner)
    before = balance_of(api, c_owner.access)
    e = topup(api, r_owner.access, client["id"], "7.25", description="Starter pack")
    assert e["type"] == "topup" and e["account_id"] == client["id"]
    assert e["amount_micros"] == 7_250_000 and e["actor_id"] == r_owner.user_id
    assert balance_of(api, c_owner.access) == before + 7_250_000
    # the client cannot top itself up, nor its parent
    resp = api("POST", "/wallet/topups", json={"account_id": client["id"], "amount": "1",
                                               "reference": ref()}, token=c_owner.access)
    assert_error(resp, 403)
    resp = api("POST", "/wallet/topups", json={"account_id": r_owner.account_id, "amount": "1",
                                               "reference": ref()}, token=c_owner.access)
    assert_error(resp, (403, 404))
    assert balance_of(api, c_owner.access) == before + 7_250_000


def test_reseller_cannot_top_up_another_resellers_client(api, admin):
    _, r1 = create_reseller(api, admin)
    _, r2 = create_reseller(api, admin)
    client2, c2 = new_client(api, r2)
    resp = api("POST", "/wallet/topups", json={"account_id": client2["id"], "amount": "1",
                                               "reference": ref()}, token=r1.access)
    u.assert_not_found(resp)
    assert balance_of(api, c2.access) == balance_of(api, r2.access, client2["id"])


def test_same_reference_on_two_accounts_is_two_topups(api, admin, owner, register):
    other = register()
    reference = ref("shared")
    topup(api, admin.access, owner.account_id, "1", reference)
    topup(api, admin.access, other.account_id, "2", reference)
    assert balance_of(api, owner.access) == TRIAL_MICROS + 1_000_000
    assert balance_of(api, other.access) == TRIAL_MICROS + 2_000_000


# --------------------------------------------------------------------------
# 3. Transfers
# --------------------------------------------------------------------------

def test_reseller_transfers_to_its_client(api, admin, reseller):
    r_account, r_owner = reseller
    topup(api, admin.access, r_account["id"], "10")
    r_before = balance_of(api, r_owner.access)
    client, c_owner = new_client(api, r_owner)
    c_before = balance_of(api, c_owner.access)
    reference = ref("tr")

    e = transfer(api, r_owner.access, client["id"], "3", reference)
    assert e["type"] == "transfer_in" and e["account_id"] == client["id"]
    assert e["amount_micros"] == 3_000_000 and e["reference"] == reference
    assert micros(e["balance_after"]) == c_before + 3_000_000
    assert balance_of(api, r_owner.access) == r_before - 3_000_000
    assert balance_of(api, c_owner.access) == c_before + 3_000_000

    out = [x for x in entries(api, r_owner.access) if x["type"] == "transfer_out"]
    assert len(out) == 1, out
    out = out[0]
    assert out["account_id"] == r_account["id"] and out["reference"] == reference
    assert out["amount_micros"] == -3_000_000 and micros(out["amount"]) == -3_000_000
    assert micros(out["balance_after"]) == r_before - 3_000_000
    assert out["counterparty_id"] == client["id"], out
    assert out["actor_id"] == r_owner.user_id

    got_in = entries(api, c_owner.access, type="transfer_in")
    assert [x["id"] for x in got_in] == [e["id"]], got_in
    assert got_in[0]["reference"] == reference
    assert got_in[0]["counterparty_id"] == r_account["id"], got_in[0]
    # the reseller reads the same entry through ?account_id=
    assert [x["id"] for x in entries(api, r_owner.access, client["id"], type="transfer_in")] \
        == [e["id"]]

    # a replay moves nothing; another amount is refused
    replay = transfer(api, r_owner.access, client["id"], "3", reference, status=200)
    assert replay["id"] == e["id"]
    resp = api("POST", "/wallet/transfers", json={"account_id": client["id"], "amount": "4",
                                                  "reference": reference}, token=r_owner.access)
    assert_error(resp, 422, "REFERENCE_REUSED")
    assert balance_of(api, r_owner.access) == r_before - 3_000_000
    assert balance_of(api, c_owner.access) == c_before + 3_000_000
    assert len([x for x in entries(api, r_owner.access) if x["type"] == "transfer_out"]) == 1


def test_transfer_beyond_the_resellers_balance_is_402(api, admin, reseller):
    r_account, r_owner = reseller
    topup(api, admin.access, r_account["id"], "2")
    r_before = balance_of(api, r_owner.access)
    client, c_owner = new_client(api, r_owner)
    c_before = balance_of(api, c_owner.access)
    resp = api("POST", "/wallet/transfers", json={"account_id": client["id"],
                                                  "amount": "100", "reference": ref()},
               token=r_owner.access)
    assert_insufficient(resp, balance=r_before, required=100_000_000)
    assert balance_of(api, r_owner.access) == r_before
    assert balance_of(api, c_owner.access) == c_before
    assert entries(api, c_owner.access, type="transfer_in") == []
    assert [x for x in entries(api, r_owner.access) if x["type"] == "transfer_out"] == []


def test_transfer_to_another_resellers_client_is_404(api, admin, reseller):
    r_account, r_owner = reseller
    topup(api, admin.access, r_account["id"], "5")
    r_before = balance_of(api, r_owner.access)
    _, r2 = create_reseller(api, admin)
    client2, c2 = new_client(api, r2)
    before = balance_of(api, c2.access)
    resp = api("POST", "/wallet/transfers", json={"account_id": client2["id"], "amount": "1",
                                                  "reference": ref()}, token=r_owner.access)
    u.assert_not_found(resp)
    # nor to an unrelated self-registered account, nor to oneself
    other = u.register(api)
    resp = api("POST", "/wallet/transfers", json={"account_id": other.account_id, "amount": "1",
                                                  "reference": ref()}, token=r_owner.access)
    u.assert_not_found(resp)
    assert balance_of(api, c2.access) == before
    assert balance_of(api, r_owner.access) == r_before
    assert [x for x in entries(api, r_owner.access) if x["type"] == "transfer_out"] == []


def test_business_cannot_transfer(api, admin, owner, reseller):
    other = u.register(api)
    resp = api("POST", "/wallet/transfers", json={"account_id": other.account_id, "amount": "1",
                                                  "reference": ref()}, token=owner.access)
    assert_error(resp, 403)
    # a reseller's client (a business) cannot send money back up or sideways
    _, r_owner = reseller
    client, c_owner = new_client(api, r_owner)
    topup(api, r_owner.access, client["id"], "3")
    resp = api("POST", "/wallet/transfers", json={"account_id": r_owner.account_id,
                                                  "amount": "1", "reference": ref()},
               token=c_owner.access)
    assert_error(resp, 403)
    assert balance_of(api, owner.access) == TRIAL_MICROS
    assert balance_of(api, other.access) == TRIAL_MICROS


def test_bad_transfer_amount_is_400(api, admin, reseller):
    r_account, r_owner = reseller
    topup(api, admin.access, r_account["id"], "5")
    client, _ = new_client(api, r_owner)
    for amount in (0, "-1", "abc", "0.0000001"):
        resp = api("POST", "/wallet/transfers", json={"account_id": client["id"],
                                                      "amount": amount, "reference": ref()},
                   token=r_owner.access)
        assert_validation(resp, "amount")
    resp = api("POST", "/wallet/transfers", json={"account_id": client["id"], "amount": "1"},
               token=r_owner.access)
    assert_validation(resp, "reference")


# --------------------------------------------------------------------------
# 4. Credit limit
# --------------------------------------------------------------------------

def test_credit_limit_lets_the_wallet_go_negative_down_to_the_limit(api, admin, rates,
                                                                    reseller):
    r_account, r_owner = reseller
    topup(api, admin.access, r_account["id"], "10")
    client, c_owner = new_client(api, r_owner)
    assert balance_of(api, c_owner.access) == 0
    prefix = unique_prefix()
    rates.base("0.5", prefix=prefix)

    # without a credit limit a wallet at 0 cannot pay
    resp = api("POST", "/messages", json={"to": number_in(prefix), "body": "x"},
               token=c_owner.access)
    assert_insufficient(resp, balance=0, required=500_000, credit_limit=0, wallet="account")

    w = assert_ok(api("PUT", "/wallet/credit-limit", json={"account_id": client["id"],
                                                           "credit_limit": "1"},
                      token=r_owner.access))
    assert w["account_id"] == client["id"]
    assert micros(w["credit_limit"]) == 1_000_000 and micros(w["available"]) == 1_000_000, w
    w = get_wallet(api, c_owner.access)
    assert micros(w["credit_limit"]) == 1_000_000 and micros(w["available"]) == 1_000_000, w

    send(api, c_owner.access, number_in(prefix))
    assert balance_of(api, c_owner.access) == -500_000
    send(api, c_owner.access, number_in(prefix))  # exactly -credit_limit is allowed
    w = get_wallet(api, c_owner.access)
    assert w["balance_micros"] == -1_000_000 and micros(w["available"]) == 0, w
    count = message_count(api, c_owner.access)
    resp = api("POST", "/messages", json={"to": number_in(prefix), "body": "x"},
               token=c_owner.access)
    assert_insufficient(resp, balance=-1_000_000, required=500_000, credit_limit=1_000_000,
                        wallet="account")
    assert balance_of(api, c_owner.access) == -1_000_000
    assert message_count(api, c_owner.access) == count
    # free destinations still go through
    send(api, c_owner.access, ke_phone())


def test_credit_limit_only_by_parent_or_admin(api, admin, owner, register, reseller):
    # the platform admin may set any account's limit
    w = assert_ok(api("PUT", "/wallet/credit-limit", json={"account_id": owner.account_id,
                                                           "credit_limit": 2},
                      token=admin.access))
    assert micros(w["credit_limit"]) == 2_000_000
    assert micros(w["available"]) == TRIAL_MICROS + 2_000_000
    # an account does not raise its own limit, nor another's
    resp = api("PUT", "/wallet/credit-limit", json={"account_id": owner.account_id,
                                                    "credit_limit": "100"}, token=owner.access)
    assert_error(resp, (403, 404))
    other = register()
    resp = api("PUT", "/wallet/credit-limit", json={"account_id": other.account_id,
                                                    "credit_limit": "100"}, token=owner.access)
    u.assert_not_found(resp)
    _, r_owner = reseller
    client, c_owner = new_client(api, r_owner)
    resp = api("PUT", "/wallet/credit-limit", json={"account_id": client["id"],
                                                    "credit_limit": "100"},
               token=c_owner.access)
    assert_error(resp, (403, 404))
    resp = api("PUT", "/wallet/credit-limit", json={"account_id": client["id"],
                                                    "credit_limit": "-1"},
               token=r_owner.access)
    assert_validation(resp, "credit_limit")
    assert micros(get_wallet(api, c_owner.access)["credit_limit"]) == 0
    assert micros(get_wallet(api, owner.access)["credit_limit"]) == 2_000_000


# --------------------------------------------------------------------------
# 5. Rate cards and quotes
# --------------------------------------------------------------------------

def test_base_line_and_quotes(api, admin, owner, rates):
    prefix = unique_prefix()
    line = rates.base("0.02", prefix=prefix)
    for field in RATE_FIELDS:
        assert field in line, (field, line)
    assert line["account_id"] is None and line["channel"] == "sms"
    assert line["prefix"] == prefix and not line["country"]
    assert micros(line["price"]) == 20_000 and line["markup_percent"] is None
    assert line["currency"] == CURRENCY

    to = number_in(prefix)
    q = quote(api, owner.access, to, GSM_2_SEGMENTS)
    for field in QUOTE_FIELDS:
        assert field in q, (field, q)
    assert q["to"] == to and q["country"] == "UG"
    assert q["encoding"] == "gsm7" and q["segments"] == 2
    assert micros(q["price_per_segment"]) == 20_000 and micros(q["price"]) == 40_000, q
    assert q["currency"] == CURRENCY

    q = quote(api, owner.access, to, UCS2_3_SEGMENTS)
    assert q["encoding"] == "ucs2" and q["segments"] == 3
    assert micros(q["price"]) == 60_000, q
    q = quote(api, owner.access, to, "\u0416" * 70)
    assert q["encoding"] == "ucs2" and q["segments"] == 1 and micros(q["price"]) == 20_000, q

    # a destination without a base line costs nothing
    q = quote(api, owner.access, ke_phone(), GSM_2_SEGMENTS)
    assert q["segments"] == 2 and micros(q["price"]) == 0, q

    # the admin's GET /rates is the base card
    listed = {r["id"]: r for r in list_rates(api, admin.access)}
    assert line["id"] in listed, listed
    assert listed[line["id"]]["prefix"] == prefix
    assert all(r["account_id"] is None for r in listed.values()), listed

    # POST again for the same (channel, prefix) replaces the line
    again = put_rate(api, admin.access, prefix="+" + prefix, price="0.03")
    assert again["id"] == line["id"] and micros(again["price"]) == 30_000, again
    assert micros(quote(api, owner.access, to, "x")["price"]) == 30_000
    assert len([r for r in list_rates(api, admin.access) if r["prefix"] == prefix]) == 1

    # DELETE /rates/{id}
    u.assert_done(api("DELETE", "/rates/%s" % line["id"], token=admin.access))
    assert line["id"] not in {r["id"] for r in list_rates(api, admin.access)}
    assert micros(quote(api, owner.access, to, "x")["price"]) == 0
    u.assert_not_found(api("DELETE", "/rates/%s" % line["id"], token=admin.access))


def test_longest_prefix_wins_over_country(api, admin, owner, rates):
    stem = "25078%03d" % (next(_prefix_counter) % 1000)   # Rwanda, +250 78x
    rates.base("0.01", country="RW")
    rates.base("0.02", prefix=stem)
    rates.base("0.03", prefix=stem + "5")
    assert micros(quote(api, owner.access, "+%s5123" % stem)["price"]) == 30_000
    assert micros(quote(api, owner.access, "+%s0123" % stem)["price"]) == 20_000
    other = "+250722%06d" % (next(_number_counter) % 1000000)   # Rwanda, not under the stem
    q = quote(api, owner.access, other)
    assert q["country"] == "RW" and micros(q["price"]) == 10_000, q


def test_quote_validation(api, owner):
    resp = api("POST", "/rates/quote", json={"to": "not-a-number", "body": "x"},
               token=owner.access)
    assert_error(resp, 400, {"INVALID_NUMBER", "VALIDATION_ERROR"}, "to")
    resp = api("POST", "/rates/quote", json={"to": ke_phone()}, token=owner.access)
    assert_error(resp, 400, field="body")


def test_business_cannot_create_base_lines(api, admin, owner):
    prefix = unique_prefix()
    resp = api("POST", "/rates", json={"prefix": prefix, "price": "0.01"}, token=owner.access)
    try:
        assert_error(resp, 403)
    finally:
        if resp.status in (200, 201) and isinstance(resp.body, dict):
            api("DELETE", "/rates/%s" % resp.body["data"]["id"], token=admin.access)
    assert prefix not in {r["prefix"] for r in list_rates(api, admin.access)}


def test_bad_rate_lines_are_400(api, admin, reseller):
    _, r_owner = reseller
    client, _ = new_client(api, r_owner)
    prefix = unique_prefix()
    cases = [
        ({"prefix": "25a7", "price": "0.01"}, "prefix"),
        ({"country": "K1", "price": "0.01"}, "country"),
        ({"country": "KEN", "price": "0.01"}, "country"),
        ({"prefix": prefix, "country": "UG", "price": "0.01"}, ("prefix", "country")),
        ({"prefix": prefix, "price": "-0.01"}, "price"),
        ({"prefix": prefix, "price": "abc"}, "price"),
        ({"prefix": prefix}, ("price", "markup_percent")),
        ({"prefix": prefix, "markup_percent": "-5"}, "markup_percent"),
    ]
    for body, field in cases:
        body = dict(body, account_id=client["id"])
        resp = api("POST", "/rates", json=body, token=r_owner.access)
        assert_validation(resp, field)
    # the base card takes prices, not markups
    resp = api("POST", "/rates", json={"prefix": prefix, "markup_percent": "10"},
               token=admin.access)
    if resp.status == 200 and isinstance(resp.body, dict):   # never leave a base line behind
        api("DELETE", "/rates/%s" % resp.body["data"]["id"], token=admin.access)
    assert_validation(resp, ("price", "markup_percent"))
    assert list_rates(api, r_owner.access, client["id"]) == []
    assert prefix not in {r["prefix"] for r in list_rates(api, admin.access)}


def test_markup_line_for_a_child(api, admin, rates, reseller):
    _, r_owner = reseller
    client, c_owner = new_client(api, r_owner)
    prefix = unique_prefix()
    rates.base("0.02", prefix=prefix)
    to = number_in(prefix)
    # nothing set for the reseller nor the client: both pay the base price
    assert micros(quote(api, r_owner.access, to)["price"]) == 20_000
    assert micros(quote(api, c_owner.access, to)["price"]) == 20_000

    line = rates.sell(r_owner.access, client["id"], prefix=prefix, markup_percent=50)
    assert line["account_id"] == client["id"] and line["price"] is None
    assert Decimal(str(line["markup_percent"])) == 50, line
    q = quote(api, c_owner.access, to, GSM_2_SEGMENTS)
    assert micros(q["price_per_segment"]) == 30_000 and micros(q["price"]) == 60_000, q
    assert micros(quote(api, r_owner.access, to)["price"]) == 20_000

    # the reseller and the client both see the client's card; the admin's
    # GET /rates is the base card, without the client's line
    assert [r["id"] for r in list_rates(api, r_owner.access, client["id"])] == [line["id"]]
    assert [r["id"] for r in list_rates(api, c_owner.access)] == [line["id"]]
    assert list_rates(api, r_owner.access) == []
    assert line["id"] not in {r["id"] for r in list_rates(api, admin.access)}

    # an explicit price replaces the markup
    line2 = rates.sell(r_owner.access, client["id"], prefix=prefix, price="0.05")
    assert line2["id"] == line["id"] and line2["markup_percent"] is None
    assert micros(quote(api, c_owner.access, to)["price"]) == 50_000

    # the client cannot write its own card, nor the base card
    resp = api("POST", "/rates", json={"account_id": client["id"], "prefix": prefix,
                                       "price": "0.001"}, token=c_owner.access)
    assert_error(resp, (403, 404))
    assert micros(quote(api, c_owner.access, to)["price"]) == 50_000
    resp = api("DELETE", "/rates/%s" % line["id"], token=c_owner.access)
    assert_error(resp, (403, 404))

    u.assert_done(api("DELETE", "/rates/%s" % line["id"], token=r_owner.access))
    assert micros(quote(api, c_owner.access, to)["price"]) == 20_000
    assert list_rates(api, r_owner.access, client["id"]) == []


def test_markup_over_the_resellers_own_price(api, admin, rates, reseller):
    r_account, r_owner = reseller
    client, c_owner = new_client(api, r_owner)
    prefix = unique_prefix()
    rates.base("0.02", prefix=prefix)
    rates.sell(admin.access, r_account["id"], prefix=prefix, price="0.03")
    to = number_in(prefix)
    # a client without a line of its own pays its parent's price
    assert micros(quote(api, c_owner.access, to)["price"]) == 30_000
    rates.sell(r_owner.access, client["id"], prefix=prefix, markup_percent="100")
    assert micros(quote(api, r_owner.access, to)["price"]) == 30_000
    assert micros(quote(api, c_owner.access, to)["price"]) == 60_000
    # the admin reads the reseller's card
    assert [r["account_id"] for r in list_rates(api, admin.access, r_account["id"])] == \
        [r_account["id"]]


def test_rates_of_unrelated_accounts_are_404(api, admin, owner, register, reseller):
    other = register()
    u.assert_not_found(api("GET", with_query("/rates", account_id=other.account_id),
                           token=owner.access))
    resp = api("POST", "/rates", json={"account_id": other.account_id, "prefix": unique_prefix(),
                                       "price": "0.01"}, token=owner.access)
    u.assert_not_found(resp)
    _, r_owner = reseller
    _, r2 = create_reseller(api, admin)
    client2, _ = new_client(api, r2)
    u.assert_not_found(api("GET", with_query("/rates", account_id=client2["id"]),
                           token=r_owner.access))
    resp = api("POST", "/rates", json={"account_id": client2["id"], "prefix": unique_prefix(),
                                       "markup_percent": "10"}, token=r_owner.access)
    u.assert_not_found(resp)
    u.assert_not_found(api("DELETE", "/rates/%s" % uuid.uuid4(), token=admin.access))


def test_business_cannot_delete_base_lines(api, admin, owner, rates):
    line = rates.base("0.02", prefix=unique_prefix())
    resp = api("DELETE", "/rates/%s" % line["id"], token=owner.access)
    assert_error(resp, (403, 404))
    assert line["id"] in {r["id"] for r in list_rates(api, admin.access)}


# --------------------------------------------------------------------------
# 6. Charging
# --------------------------------------------------------------------------

def test_send_is_charged_price_times_segments(api, owner, rates):
    prefix = unique_prefix()
    rates.base("0.02", prefix=prefix)
    msg = send(api, owner.access, number_in(prefix), GSM_2_SEGMENTS)
    assert msg["segments"] == 2
    assert balance_of(api, owner.access) == TRIAL_MICROS - 40_000

    got = get_message(api, owner.access, msg["id"])
    for field in ("price", "cost", "currency"):
        assert field in got, (field, got)
    assert micros(got["price"]) == 40_000 and micros(got["cost"]) == 40_000, got
    assert got["currency"] == CURRENCY

    charges = entries(api, owner.access, type="charge")
    assert len(charges) == 1, charges
    c = charges[0]
    assert c["message_id"] == msg["id"] and c["account_id"] == owner.account_id
    assert c["amount_micros"] == -40_000 and micros(c["amount"]) == -40_000
    assert micros(c["balance_after"]) == TRIAL_MICROS - 40_000
    assert c["currency"] == CURRENCY and c["actor_id"] == owner.user_id
    # filter by message
    assert [e["id"] for e in entries(api, owner.access, message_id=msg["id"])] == [c["id"]]

    # a UCS-2 message is charged per its segments
    msg2 = send(api, owner.access, number_in(prefix), UCS2_3_SEGMENTS)
    assert msg2["segments"] == 3
    assert balance_of(api, owner.access) == TRIAL_MICROS - 40_000 - 60_000
    assert micros(get_message(api, owner.access, msg2["id"])["price"]) == 60_000

    # a destination without a base line is free
    msg3 = send(api, owner.access, ke_phone())
    assert balance_of(api, owner.access) == TRIAL_MICROS - 100_000
    assert micros(get_message(api, owner.access, msg3["id"])["price"]) == 0
    assert entries(api, owner.access, message_id=msg3["id"]) == []
    assert len(entries(api, owner.access, type="charge")) == 2


def test_send_the_wallet_cannot_pay_is_402_and_stores_nothing(api, owner, rates):
    prefix = unique_prefix()
    rates.base("6", prefix=prefix)
    count = message_count(api, owner.access)
    resp = api("POST", "/messages", json={"to": number_in(prefix), "body": "expensive"},
               token=owner.access)
    assert_insufficient(resp, balance=TRIAL_MICROS, required=6_000_000, credit_limit=0,
                        wallet="account")
    assert message_count(api, owner.access) == count
    assert balance_of(api, owner.access) == TRIAL_MICROS
    assert entries(api, owner.access, type="charge") == []
    # a 2-segment message at 2.5 a segment needs 5: exactly the balance
    rates.base("2.5", prefix=prefix)
    send(api, owner.access, number_in(prefix), GSM_2_SEGMENTS)
    assert balance_of(api, owner.access) == 0


def test_bulk_is_charged_whole_or_refused_whole(api, owner, rates):
    prefix = unique_prefix()
    rates.base("2", prefix=prefix)
    count = message_count(api, owner.access)
    to = [number_in(prefix) for _ in range(3)]   # needs 6, the wallet has 5
    resp = api("POST", "/messages/bulk", json={"to": to, "body": "Promo"}, token=owner.access)
    assert_insufficient(resp, balance=TRIAL_MICROS, required=6_000_000, wallet="account")
    assert message_count(api, owner.access) == count
    assert balance_of(api, owner.access) == TRIAL_MICROS
    assert entries(api, owner.access, type="charge") == []

    # two valid recipients (4) and an invalid one: the valid ones are charged
    resp = api("POST", "/messages/bulk",
               json={"to": [to[0], "not-a-number", to[1]], "body": "Promo"},
               token=owner.access)
    data = assert_ok(resp, 201)
    assert data["accepted"] == 2 and data["rejected"] == 1, data
    ids = [r["id"] for r in data["results"] if r.get("status") != "rejected"]
    assert len(ids) == 2
    assert balance_of(api, owner.access) == TRIAL_MICROS - 4_000_000
    charges = entries(api, owner.access, type="charge")
    assert sorted(c["message_id"] for c in charges) == sorted(ids), charges
    assert all(c["amount_micros"] == -2_000_000 for c in charges), charges
    assert message_count(api, owner.access) == count + 2


# --------------------------------------------------------------------------
# 7. Reseller charging
# --------------------------------------------------------------------------

def _reseller_with_funded_client(api, admin, reseller, amount="5"):
    r_account, r_owner = reseller
    topup(api, admin.access, r_account["id"], "10")
    client, c_owner = new_client(api, r_owner)
    topup(api, r_owner.access, client["id"], amount)
    return r_account, r_owner, client, c_owner


def test_client_and_reseller_each_pay_their_price(api, admin, rates, reseller):
    r_account, r_owner, client, c_owner = _reseller_with_funded_client(api, admin, reseller)
    prefix = unique_prefix()
    rates.base("0.02", prefix=prefix)
    rates.sell(r_owner.access, client["id"], prefix=prefix, price="0.05")
    r_before = balance_of(api, r_owner.access)
    c_before = balance_of(api, c_owner.access)

    msg = send(api, c_owner.access, number_in(prefix), GSM_2_SEGMENTS)
    assert balance_of(api, c_owner.access) == c_before - 100_000
    assert balance_of(api, r_owner.access) == r_before - 40_000   # base price, nothing set

    got = get_message(api, c_owner.access, msg["id"])
    assert micros(got["price"]) == 100_000 and micros(got["cost"]) == 40_000, got
    assert got["currency"] == CURRENCY

    c_charge = entries(api, c_owner.access, message_id=msg["id"])
    assert len(c_charge) == 1 and c_charge[0]["type"] == "charge", c_charge
    assert c_charge[0]["amount_micros"] == -100_000
    assert c_charge[0]["account_id"] == client["id"]
    r_charge = entries(api, r_owner.access, message_id=msg["id"])
    assert len(r_charge) == 1 and r_charge[0]["type"] == "charge", r_charge
    assert r_charge[0]["amount_micros"] == -40_000
    assert r_charge[0]["account_id"] == r_account["id"]
    assert r_charge[0]["counterparty_id"] == client["id"], r_charge[0]
    assert micros(r_charge[0]["balance_after"]) == r_before - 40_000


def test_client_markup_and_reseller_price_set_by_admin(api, admin, rates, reseller):
    r_account, r_owner, client, c_owner = _reseller_with_funded_client(api, admin, reseller)
    prefix = unique_prefix()
    rates.base("0.02", prefix=prefix)
    rates.sell(admin.access, r_account["id"], prefix=prefix, price="0.04")
    rates.sell(r_owner.access, client["id"], prefix=prefix, markup_percent="25")
    r_before = balance_of(api, r_owner.access)
    c_before = balance_of(api, c_owner.access)

    msg = send(api, c_owner.access, number_in(prefix))
    assert balance_of(api, c_owner.access) == c_before - 50_000    # 0.04 + 25 %
    assert balance_of(api, r_owner.access) == r_before - 40_000
    got = get_message(api, c_owner.access, msg["id"])
    assert micros(got["price"]) == 50_000 and micros(got["cost"]) == 20_000, got
    (r_charge,) = entries(api, r_owner.access, message_id=msg["id"])
    assert r_charge["type"] == "charge" and r_charge["counterparty_id"] == client["id"]
    (c_charge,) = entries(api, c_owner.access, message_id=msg["id"])
    assert c_charge["type"] == "charge" and c_charge["amount_micros"] == -50_000


def test_reseller_that_cannot_pay_refuses_its_clients_send(api, admin, rates, reseller):
    r_account, r_owner = reseller
    client, c_owner = new_client(api, r_owner)
    topup(api, r_owner.access, client["id"], "5")   # the reseller's own wallet stays empty
    r_before = balance_of(api, r_owner.access)
    assert r_before == 0
    prefix = unique_prefix()
    rates.base("0.02", prefix=prefix)
    rates.sell(r_owner.access, client["id"], prefix=prefix, price="0.05")
    count = message_count(api, c_owner.access)
    resp = api("POST", "/messages", json={"to": number_in(prefix), "body": "x"},
               token=c_owner.access)
    assert_insufficient(resp, balance=0, required=20_000, wallet="reseller")
    assert message_count(api, c_owner.access) == count
    assert balance_of(api, c_owner.access) == 5_000_000
    assert balance_of(api, r_owner.access) == 0
    assert entries(api, c_owner.access, type="charge") == []


# --------------------------------------------------------------------------
# 8. Refunds
# --------------------------------------------------------------------------

def test_rejected_message_is_refunded_once_to_every_payer(api, admin, rates, owner, reseller):
    prefix = unique_prefix()
    rates.base("0.02", prefix=prefix)
    r_account, r_owner, client, c_owner = _reseller_with_funded_client(api, admin, reseller)
    rates.sell(r_owner.access, client["id"], prefix=prefix, price="0.05")
    with reject_gateway(api, admin, prefix):
        # a self-registered business; two parts: two rejected receipts, one refund
        msg = send(api, owner.access, number_in(prefix), GSM_2_SEGMENTS)
        assert balance_of(api, owner.access) == TRIAL_MICROS - 40_000
        r_before = balance_of(api, r_owner.access)
        c_before = balance_of(api, c_owner.access)
        cmsg = send(api, c_owner.access, number_in(prefix))
        assert balance_of(api, c_owner.access) == c_before - 50_000
        assert balance_of(api, r_owner.access) == r_before - 20_000

        done = wait_message(api, owner.access, msg["id"])
        assert done["status"] == "rejected", done
        cdone = wait_message(api, c_owner.access, cmsg["id"])
        assert cdone["status"] == "rejected", cdone

        def refunded(got):
            return any(e["type"] == "refund" for e in got)

        got = wait_entries(api, owner.access, refunded, message_id=msg["id"])
        refund = [e for e in got if e["type"] == "refund"]
        assert len(refund) == 1, got
        assert refund[0]["amount_micros"] == 40_000 and refund[0]["message_id"] == msg["id"]
        assert balance_of(api, owner.access) == TRIAL_MICROS

        got = wait_entries(api, c_owner.access, refunded, message_id=cmsg["id"])
        assert [e["amount_micros"] for e in got if e["type"] == "refund"] == [50_000], got
        got = wait_entries(api, r_owner.access, refunded, message_id=cmsg["id"])
        r_refund = [e for e in got if e["type"] == "refund"]
        assert [e["amount_micros"] for e in r_refund] == [20_000], got
        assert balance_of(api, c_owner.access) == c_before
        assert balance_of(api, r_owner.access) == r_before

        # both receipts of the two-part message are in: still one refund
        deadline = time.monotonic() + DELIVERY_TIMEOUT_S
        while True:
            receipts = assert_list(api("GET", "/messages/%s/receipts" % msg["id"],
                                       token=owner.access))
            if receipts["count"] >= 2:
                break
            assert time.monotonic() < deadline, receipts
            time.sleep(0.05)
        time.sleep(0.2)
        assert len(entries(api, owner.access, type="refund")) == 1
        assert balance_of(api, owner.access) == TRIAL_MICROS


def test_delivered_message_is_not_refunded(api, owner, rates):
    prefix = unique_prefix()
    rates.base("0.02", prefix=prefix)
    msg = send(api, owner.access, number_in(prefix))
    done = wait_message(api, owner.access, msg["id"])
    assert done["status"] == "delivered", done
    assert [e["type"] for e in entries(api, owner.access, message_id=msg["id"])] == ["charge"]
    assert balance_of(api, owner.access) == TRIAL_MICROS - 20_000


# --------------------------------------------------------------------------
# 9. CSV export
# --------------------------------------------------------------------------

def test_csv_export_oldest_first_with_filters(api, admin, owner):
    r1, r2 = ref("csv1"), ref("csv2")
    topup(api, admin.access, owner.account_id, "1.5", r1, description="First, with comma")
    topup(api, admin.access, owner.account_id, "2", r2)
    listed = entries(api, owner.access)
    assert [e["type"] for e in listed] == ["topup", "topup", "trial"], listed

    text = u.get_csv(api, owner.access, "/wallet/transactions/export")
    rows = u.parse_csv(text)
    header = rows[0]
    for col in ("id", "type", "amount"):
        assert col in header, header
    data = [dict(zip(header, r)) for r in rows[1:]]
    assert len(data) == 3, rows
    assert [d["id"] for d in data] == [e["id"] for e in reversed(listed)]
    assert [d["type"] for d in data] == ["trial", "topup", "topup"]
    assert [Decimal(d["amount"]) for d in data] == [Decimal(5), Decimal("1.5"), Decimal(2)]
    if "reference" in header:
        assert [d["reference"] for d in data[1:]] == [r1, r2]
    if "description" in header:
        assert data[1]["description"] == "First, with comma"

    text = u.get_csv(api, owner.access, "/wallet/transactions/export?type=topup")
    rows = u.parse_csv(text)
    assert rows[0] == header
    assert [dict(zip(header, r))["id"] for r in rows[1:]] == \
        [e["id"] for e in reversed(listed) if e["type"] == "topup"]
    text = u.get_csv(api, owner.access, "/wallet/transactions/export?type=refund")
    assert u.parse_csv(text) == [header]

    # the parent (here the admin) exports another account's ledger
    text = u.get_csv(api, admin.access,
                     with_query("/wallet/transactions/export", account_id=owner.account_id))
    assert len(u.parse_csv(text)) == 4


def test_csv_export_isolation(api, owner, register):
    other = register()
    resp = api("GET", with_query("/wallet/transactions/export", account_id=other.account_id),
               token=owner.access, headers={"Accept": "text/csv"})
    assert_error(resp, 404, "NOT_FOUND")


# --------------------------------------------------------------------------
# 10. Isolation
# --------------------------------------------------------------------------

def test_business_cannot_read_an_unrelated_wallet(api, owner, register):
    other = register()
    u.assert_not_found(api("GET", with_query("/wallet", account_id=other.account_id),
                           token=owner.access))
    u.assert_not_found(api("GET", with_query("/wallet/transactions",
                                             account_id=other.account_id),
                           token=owner.access))
    u.assert_not_found(api("GET", with_query("/wallet", account_id=str(uuid.uuid4())),
                           token=owner.access))


def test_reseller_reads_its_clients_wallet_not_a_siblings(api, admin, reseller):
    r_account, r_owner = reseller
    client, c_owner = new_client(api, r_owner)
    topup(api, r_owner.access, client["id"], "4")
    w = get_wallet(api, r_owner.access, client["id"])
    assert w["account_id"] == client["id"] and w["balance_micros"] == 4_000_000, w
    got = entries(api, r_owner.access, client["id"])
    assert [e["type"] for e in got] == ["topup"] and got[0]["account_id"] == client["id"]

    # a sibling reseller's client
    _, r2 = create_reseller(api, admin)
    client2, _ = new_client(api, r2)
    u.assert_not_found(api("GET", with_query("/wallet", account_id=client2["id"]),
                           token=r_owner.access))
    u.assert_not_found(api("GET", with_query("/wallet/transactions", account_id=client2["id"]),
                           token=r_owner.access))
    # nor the sibling reseller itself; and the client cannot read its parent
    u.assert_not_found(api("GET", with_query("/wallet", account_id=r2.account_id),
                           token=r_owner.access))
    u.assert_not_found(api("GET", with_query("/wallet", account_id=r_account["id"]),
                           token=c_owner.access))
    u.assert_not_found(api("GET", with_query("/wallet/transactions",
                                             account_id=r_account["id"]),
                           token=c_owner.access))


def test_agent_reads_its_wallet_but_cannot_move_money(api, admin, reseller):
    r_account, r_owner = reseller
    topup(api, admin.access, r_account["id"], "5")
    client, _ = new_client(api, r_owner)
    agent = u.member(api, r_owner, role="agent")
    assert get_wallet(api, agent.access)["balance_micros"] == 5_000_000
    # only the owner/admin of the parent reads a child's wallet
    u.assert_not_found(api("GET", with_query("/wallet", account_id=client["id"]),
                           token=agent.access))
    r_admin = u.member(api, r_owner, role="admin")
    assert get_wallet(api, r_admin.access, client["id"])["account_id"] == client["id"]
    resp = api("POST", "/wallet/transfers", json={"account_id": client["id"], "amount": "1",
                                                  "reference": ref()}, token=agent.access)
    assert_error(resp, (403, 404))
    resp = api("POST", "/wallet/topups", json={"account_id": client["id"], "amount": "1",
                                               "reference": ref()}, token=agent.access)
    assert_error(resp, (403, 404))
    assert balance_of(api, r_owner.access) == 5_000_000
    assert balance_of(api, r_owner.access, client["id"]) == 0


# --------------------------------------------------------------------------
# 11. API key scopes
# --------------------------------------------------------------------------

def test_key_without_billing_scope_gets_403(api, owner):
    send_only = create_api_key(api, owner.access, scopes=["messages:send"])["key"]
    assert_error(api("GET", "/wallet", apikey=send_only), 403, "INSUFFICIENT_SCOPE")
    assert_error(api("GET", "/wallet/transactions", apikey=send_only), 403,
                 "INSUFFICIENT_SCOPE")
    assert_error(api("GET", "/wallet/transactions/export", apikey=send_only,
                     headers={"Accept": "text/csv"}), 403, "INSUFFICIENT_SCOPE")
    assert_error(api("GET", "/rates", apikey=send_only), 403, "INSUFFICIENT_SCOPE")
    # a quote needs messages:read
    resp = api("POST", "/rates/quote", json={"to": ke_phone(), "body": "x"}, apikey=send_only)
    assert_error(resp, 403, "INSUFFICIENT_SCOPE")
    # the key still sends
    assert_ok(api("POST", "/messages", json={"to": ke_phone(), "body": "x"}, apikey=send_only),
              201)


def test_messages_read_key_quotes_but_does_not_read_the_wallet(api, owner, rates):
    prefix = unique_prefix()
    rates.base("0.02", prefix=prefix)
    msg_read = create_api_key(api, owner.access, scopes=["messages:read"])["key"]
    q = quote(api, None, number_in(prefix), GSM_2_SEGMENTS, apikey=msg_read)
    assert q["segments"] == 2 and micros(q["price"]) == 40_000, q
    assert_error(api("GET", "/wallet", apikey=msg_read), 403, "INSUFFICIENT_SCOPE")


def test_read_only_key_reads_the_wallet(api, owner):
    ro = create_api_key(api, owner.access, scopes=["read_only"])["key"]
    assert get_wallet(api, None, apikey=ro)["balance_micros"] == TRIAL_MICROS
    assert assert_list(api("GET", "/wallet/transactions", apikey=ro))["count"] == 1
    # read_only grants no billing:write
    resp = api("PUT", "/wallet/credit-limit", json={"account_id": owner.account_id,
                                                    "credit_limit": "1"}, apikey=ro)
    assert_error(resp, 403, "INSUFFICIENT_SCOPE")


def test_billing_read_key_reads_the_wallet(api, owner):
    """api-billing.md: API keys need billing:read for GETs."""
    resp = api("POST", "/api-keys", json={"name": u.unique_name("key"),
                                          "scopes": ["billing:read"]}, token=owner.access)
    read = assert_ok(resp, 201)["key"]
    w = get_wallet(api, None, apikey=read)
    assert w["account_id"] == owner.account_id and w["balance_micros"] == TRIAL_MICROS
    assert assert_list(api("GET", "/wallet/transactions", apikey=read))["count"] == 1
    assert_ok(api("GET", "/rates", apikey=read))
    # writes need billing:write; a quote needs messages:read
    resp = api("POST", "/rates", json={"prefix": unique_prefix(), "price": "0.01"},
               apikey=read)
    assert_error(resp, 403, "INSUFFICIENT_SCOPE")
    resp = api("POST", "/rates/quote", json={"to": ke_phone(), "body": "x"}, apikey=read)
    assert_error(resp, 403, "INSUFFICIENT_SCOPE")


def test_billing_write_key_tops_up(api, admin, owner):
    """api-billing.md: API keys need billing:write for the POST/PUT/DELETE routes."""
    resp = api("POST", "/api-keys", json={"name": u.unique_name("key"),
                                          "scopes": ["billing:write"]}, token=admin.access)
    write = assert_ok(resp, 201)["key"]
    resp = api("POST", "/wallet/topups", json={"account_id": owner.account_id, "amount": "1",
                                               "reference": ref()}, apikey=write)
    assert_ok(resp, 201)
    assert balance_of(api, owner.access) == TRIAL_MICROS + 1_000_000


# --------------------------------------------------------------------------
# 12. Ledger order, paging, filters, concurrency
# --------------------------------------------------------------------------

def _running_balance_ok(oldest_first, start):
    """Each entry's balance_after is the previous one plus its amount."""
    balance = start
    for e in oldest_first:
        balance += e["amount_micros"]
        if micros(e["balance_after"]) != balance:
            return False
    return True


def test_ledger_order_follows_the_running_balance(api, admin, owner, rates):
    """Entries of one bulk charge share a timestamp; newest first / oldest
    first must still follow the order their balance_after was computed in."""
    prefix = unique_prefix()
    rates.base("0.01", prefix=prefix)
    to = [number_in(prefix) for _ in range(30)]
    data = assert_ok(api("POST", "/messages/bulk", json={"to": to, "body": "x"},
                         token=owner.access), 201)
    assert data["accepted"] == 30
    topup(api, admin.access, owner.account_id, "1")
    assert balance_of(api, owner.access) == TRIAL_MICROS - 300_000 + 1_000_000

    listed = entries(api, owner.access)
    assert len(listed) == 32
    assert listed[-1]["type"] == "trial" and listed[0]["type"] == "topup", \
        [e["type"] for e in listed]
    assert _running_balance_ok(list(reversed(listed)), 0), [
        (e["type"], e["amount"], e["balance_after"]) for e in reversed(listed)]

    rows = u.csv_dicts(u.get_csv(api, owner.access, "/wallet/transactions/export"))
    assert [r["id"] for r in rows] == [e["id"] for e in reversed(listed)], rows


def test_ledger_paging_and_filters(api, admin, owner):
    for amount in ("1", "2", "3"):
        topup(api, admin.access, owner.account_id, amount)
    first = assert_list(api("GET", "/wallet/transactions?page_size=2", token=owner.access))
    assert first["count"] == 4 and len(first["results"]) == 2 and first["next"], first
    second = assert_list(api("GET", u.api_path_of(first["next"]), token=owner.access))
    assert len(second["results"]) == 2 and second["next"] is None, second
    amounts = [e["amount_micros"] for e in first["results"] + second["results"]]
    assert amounts == [3_000_000, 2_000_000, 1_000_000, TRIAL_MICROS], amounts

    today = first["results"][0]["created_at"][:10]   # the day the entries were made (UTC)
    yesterday = (datetime.date.fromisoformat(today) - datetime.timedelta(days=1)).isoformat()
    assert {e["created_at"][:10] for e in entries(api, owner.access)} == {today}
    assert len(entries(api, owner.access, date_from=today)) == 4
    assert len(entries(api, owner.access, date_to=today)) == 4
    assert entries(api, owner.access, date_to=yesterday) == []
    assert len(entries(api, owner.access, type="topup", date_from=yesterday)) == 3
    assert_validation(api("GET", "/wallet/transactions?message_id=nope", token=owner.access),
                      "message_id")
    assert entries(api, owner.access, message_id=str(uuid.uuid4())) == []


def test_export_streams_more_than_a_thousand_entries(api, owner, rates):
    """Scheduled messages are charged when accepted: 1100 of them make 1100
    charge entries without loading the gateways."""
    prefix = unique_prefix()
    rates.base("0.000001", prefix=prefix)
    send_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400))
    to = [number_in(prefix, n) for n in range(1100)]
    data = assert_ok(api("POST", "/messages/bulk",
                         json={"to": to, "body": "later", "send_at": send_at},
                         token=owner.access), 201)
    assert data["accepted"] == 1100, {k: data[k] for k in ("accepted", "rejected")}
    assert balance_of(api, owner.access) == TRIAL_MICROS - 1100
    rows = u.csv_dicts(u.get_csv(api, owner.access, "/wallet/transactions/export"))
    assert len(rows) == 1101, len(rows)
    assert rows[0]["type"] == "trial"
    assert len({r["id"] for r in rows}) == 1101
    charges = u.csv_dicts(u.get_csv(api, owner.access,
                                    "/wallet/transactions/export?type=charge"))
    assert len(charges) == 1100
    assert sorted(r["message_id"] for r in charges) == \
        sorted(r["id"] for r in data["results"])
    # the scheduled messages stay scheduled (they go out in a month)
    msgs = assert_list(api("GET", "/messages?status=scheduled&page_size=1",
                           token=owner.access))
    assert msgs["count"] == 1100


def test_concurrent_topups_with_one_reference_move_money_once(api, admin, owner):
    reference = ref("race")
    body = {"account_id": owner.account_id, "amount": "3", "reference": reference}

    def one(_):
        return api("POST", "/wallet/topups", json=body, token=admin.access)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(8)))
    statuses = sorted(r.status for r in results)
    assert statuses == [200] * 7 + [201], [describe(r) for r in results]
    assert len({r.body["data"]["id"] for r in results}) == 1
    assert balance_of(api, owner.access) == TRIAL_MICROS + 3_000_000
    assert len(entries(api, owner.access, type="topup")) == 1


def test_concurrent_sends_never_overdraw(api, owner, rates):
    prefix = unique_prefix()
    rates.base("1", prefix=prefix)

    def one(n):
        return api("POST", "/messages", json={"to": number_in(prefix, n), "body": "x"},
                   token=owner.access)

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(one, range(10)))
    ok = [r for r in results if r.status == 201]
    refused = [r for r in results if r.status != 201]
    assert len(ok) == 5, [describe(r) for r in results]
    for r in refused:
        assert_insufficient(r, wallet="account")
    assert balance_of(api, owner.access) == 0
    assert len(entries(api, owner.access, type="charge")) == 5


# --------------------------------------------------------------------------
# 13. Configuration: currency, trial credit, refunds of undelivered
# --------------------------------------------------------------------------

def test_undelivered_is_not_refunded_by_default(api, admin, owner, rates):
    prefix = unique_prefix()
    rates.base("0.02", prefix=prefix)
    with failing_gateway(api, admin, prefix, "undelivered"):
        msg = send(api, owner.access, number_in(prefix))
        done = wait_message(api, owner.access, msg["id"])
        assert done["status"] == "undelivered", done
        time.sleep(0.3)
        assert [e["type"] for e in entries(api, owner.access, message_id=msg["id"])] == \
            ["charge"]
        assert balance_of(api, owner.access) == TRIAL_MICROS - 20_000


def test_configured_currency_trial_and_undelivered_refunds(server_factory):
    srv = server_factory(env={"UJUMBE_CURRENCY": "KES", "UJUMBE_TRIAL_CREDIT": "2.5",
                              "UJUMBE_REFUND_UNDELIVERED": "true"}, label="billing-cfg")
    api = srv.api
    adm = u.login(api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    biz = u.register(api)
    w = get_wallet(api, biz.access)
    assert w["currency"] == "KES" and w["balance_micros"] == 2_500_000, w
    (trial,) = entries(api, biz.access)
    assert trial["type"] == "trial" and trial["currency"] == "KES"
    assert trial["amount_micros"] == 2_500_000

    prefix = "25677"   # this server's base card is its own
    line = put_rate(api, adm.access, prefix=prefix, price="0.1")
    assert line["currency"] == "KES"
    q = quote(api, biz.access, number_in("25677120"))
    assert q["currency"] == "KES" and micros(q["price"]) == 100_000
    for status in ("undelivered", "expired"):
        p = "256771%d" % (3 + ("undelivered", "expired").index(status))
        with failing_gateway(api, adm, p, status):
            before = balance_of(api, biz.access)
            msg = send(api, biz.access, number_in(p + "0"))
            assert balance_of(api, biz.access) == before - 100_000
            done = wait_message(api, biz.access, msg["id"])
            assert done["status"] == status, done
            got = wait_entries(api, biz.access,
                               lambda es: any(e["type"] == "refund" for e in es),
                               message_id=msg["id"])
            assert sorted(e["type"] for e in got) == ["charge", "refund"], got
            assert balance_of(api, biz.access) == before


def test_trial_credit_zero_disables_it(server_factory):
    srv = server_factory(env={"UJUMBE_TRIAL_CREDIT": "0"}, label="billing-notrial")
    biz = u.register(srv.api)
    w = get_wallet(srv.api, biz.access)
    assert w["balance_micros"] == 0 and w["currency"] == CURRENCY, w
    assert entries(srv.api, biz.access) == []


# --------------------------------------------------------------------------
# Leftovers check (runs last in file order; harmless in any order)
# --------------------------------------------------------------------------

def test_no_base_line_priced_kenya(api, admin, owner):
    """Other modules expect +254 numbers to be free: no base line may cover them."""
    q = quote(api, owner.access, ke_phone())
    assert micros(q["price"]) == 0, q
    for line in list_rates(api, admin.access):
        assert line["prefix"] or line["country"], "a catch-all base line: %r" % line
    # every line this module made was deleted at the end of its test
    leftovers = [line for line in list_rates(api, admin.access)
                 if line["prefix"].startswith(("25677", "25078")) or line["country"] == "RW"]
    assert leftovers == [], leftovers


# --------------------------------------------------------------------------
# Plans, subscription, usage, overview
# --------------------------------------------------------------------------

def test_plans_are_listed_with_fees_and_limits(api, owner):
    plans = assert_ok(api("GET", "/billing/plans", token=owner.access))["results"]
    codes = [p["code"] for p in plans]
    assert codes[:4] == ["pay_as_you_go", "starter", "business", "enterprise"]
    starter = plans[1]
    assert starter["monthly_fee"] == 10 and starter["included_messages"] == 500
    assert starter["limits"] == {"users": 3, "contacts": 5000, "messages_per_day": 1000}


def test_a_new_account_pays_as_it_goes_until_it_subscribes(api, admin, register):
    actor = register()
    sub = assert_ok(api("GET", "/billing/subscription", token=actor.access))
    assert sub["plan"]["code"] == "pay_as_you_go" and sub["is_default"] is True
    # The trial credit (5) does not pay the starter fee (10): 402, nothing moves.
    assert_error(api("POST", "/billing/subscription", json={"plan": "starter"},
                     token=actor.access), 402, "INSUFFICIENT_BALANCE")
    assert_validation(api("POST", "/billing/subscription", json={"plan": "nope"},
                          token=actor.access), "plan")
    assert_ok(api("POST", "/wallet/topups",
                  json={"account_id": actor.account_id, "amount": "20",
                        "reference": "plan-" + actor.account_id}, token=admin.access), 201)
    sub = assert_ok(api("POST", "/billing/subscription", json={"plan": "starter"},
                        token=actor.access))
    assert sub["plan"]["code"] == "starter" and sub["is_default"] is False
    wallet = assert_ok(api("GET", "/wallet", token=actor.access))
    assert wallet["balance"] == 15  # 5 trial + 20 - 10 fee
    usage = assert_ok(api("GET", "/billing/usage", token=actor.access))
    assert usage["plan"] == "starter"
    assert usage["spend"] == 10
    assert usage["limits"]["users"] == {"used": 1, "limit": 3}
    assert usage["limits"]["messages_per_day"]["limit"] == 1000
    overview = assert_ok(api("GET", "/billing/overview", token=actor.access))
    assert overview["wallet"]["balance"] == 15
    assert overview["subscription"]["plan"]["code"] == "starter"
    assert overview["usage"]["included_messages_left"] == 500


def test_a_rate_line_is_changed_by_its_owner_only(api, admin, register):
    prefix = "25678" + str(uuid.uuid4().int % 1000).zfill(3)
    line = assert_ok(api("POST", "/rates", json={"prefix": prefix, "price": "0.02"},
                         token=admin.access))
    try:
        changed = assert_ok(api("PUT", "/rates/%s" % line["id"], json={"price": "0.03"},
                                token=admin.access))
        assert changed["price"] == 0.03 and changed["id"] == line["id"]
        assert_validation(api("PUT", "/rates/%s" % line["id"], json={"markup_percent": 10},
                              token=admin.access), "price")
        assert_validation(api("PUT", "/rates/%s" % line["id"], json={}, token=admin.access),
                          "price")
        outsider = register()
        resp = api("PUT", "/rates/%s" % line["id"], json={"price": "0"}, token=outsider.access)
        assert resp.status == 404, describe(resp)
    finally:
        api("DELETE", "/rates/%s" % line["id"], token=admin.access)


def test_the_platform_admin_adjusts_a_balance_with_a_reason(api, admin, register):
    actor = register()
    body = {"account_id": actor.account_id, "amount": "-1.5", "reference": "adj-" +
            actor.account_id, "description": "Correction of a duplicate top-up"}
    entry = assert_ok(api("POST", "/wallet/adjustments", json=body, token=admin.access), 201)
    assert entry["type"] == "adjustment" and entry["amount"] == -1.5
    assert entry["balance_after"] == 3.5  # the trial credit of 5, less 1.5
    again = assert_ok(api("POST", "/wallet/adjustments", json=body, token=admin.access), 200)
    assert again["id"] == entry["id"]
    assert_validation(api("POST", "/wallet/adjustments",
                          json=dict(body, reference="x" + actor.account_id, description=""),
                          token=admin.access), "description")
    resp = api("POST", "/wallet/adjustments", json=dict(body, reference="self"),
               token=actor.access)
    assert resp.status == 403, describe(resp)
    assert_error(api("POST", "/wallet/adjustments",
                     json=dict(body, reference="deep" + actor.account_id, amount="-100"),
                     token=admin.access), 402, "INSUFFICIENT_BALANCE")
