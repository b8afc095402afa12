"""Messaging API (docs/api-messaging.md): sending, encodings, validation,
opt-outs, bulk sends, scheduling, listing and stats, daily caps, phone number
validation, tenant isolation and API key scopes.

The shared server runs with UJUMBE_SANDBOX_GATEWAY=true (a gateway "sandbox"
that delivers everything after 200 ms, reached by a catch-all route); every
test registers its own account(s).
"""

import datetime
import json
import re
import time
import uuid

import pytest

import ujumbe_it as u
from ujumbe_it import (assert_error, assert_list, assert_ok, assert_validation,
                       create_api_key, create_child, create_contact, child_owner_login,
                       create_reseller, describe, is_timestamp,
                       set_default_country, with_query)

DELIVERY_TIMEOUT_S = 10.0
FINAL_STATUSES = {"delivered", "undelivered", "expired", "rejected", "failed", "canceled"}
MESSAGE_FIELDS = ("id", "direction", "channel", "to", "sender_id", "body", "encoding",
                  "segments", "status", "transactional", "client_ref", "callback_url",
                  "send_at", "attempts", "error_code", "error_message", "created_at",
                  "updated_at", "sent_at", "done_at")
UUID_ANY = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

_ke_counter = iter(range(10 ** 6))


def ke_phone():
    """A valid Kenyan mobile number (+254 71x xxx xxx), unique per process."""
    return "+2547%08d" % (20000000 + next(_ke_counter))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def send(api, token=None, apikey=None, status=201, **body):
    return assert_ok(api("POST", "/messages", json=body, token=token, apikey=apikey), status)


def get_message(api, token, mid):
    return assert_ok(api("GET", "/messages/%s" % mid, token=token))


def wait_message(api, token, mid, until=FINAL_STATUSES, timeout=DELIVERY_TIMEOUT_S):
    """Polls GET /messages/{id} until its status is in `until`; returns it."""
    until = {until} if isinstance(until, str) else set(until)
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


def wait_stats(api, token, predicate, timeout=DELIVERY_TIMEOUT_S, **filters):
    deadline = time.monotonic() + timeout
    while True:
        stats = assert_ok(api("GET", with_query("/messages/stats", **filters), token=token))
        if predicate(stats):
            return stats
        if time.monotonic() > deadline:
            raise AssertionError("stats never matched after %.0f s: %r" % (timeout, stats))
        time.sleep(0.1)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def seconds_to_utc_midnight():
    now = time.time()
    return 86400 - int(now) % 86400


def assert_daily_limit(resp, limit, scope):
    before = seconds_to_utc_midnight()
    body = assert_error(resp, 429, "DAILY_LIMIT_REACHED")
    assert body.get("details", {}).get("limit") == limit, describe(resp)
    assert body["details"].get("scope") == scope, describe(resp)
    ra = resp.headers.get("retry-after")
    assert ra is not None and ra.strip().isdigit(), "no numeric Retry-After: %r" % (resp.headers,)
    # seconds to the next UTC midnight (the request was sent a moment ago)
    assert 1 <= int(ra) <= 86400, ra
    assert abs(int(ra) - before) <= 5, "Retry-After %s, expected about %s" % (ra, before)


def statuses_of(msg):
    return [h["status"] for h in msg["status_history"]]


# --------------------------------------------------------------------------
# 1. Sending one message
# --------------------------------------------------------------------------

def test_send_returns_queued_message_with_all_fields(api, owner):
    to = ke_phone()
    resp = api("POST", "/messages", json={"to": to, "body": "Hello", "client_ref": "order-17"},
               token=owner.access)
    msg = assert_ok(resp, 201)
    for field in MESSAGE_FIELDS:
        assert field in msg, "missing %s: %r" % (field, msg)
    assert UUID_ANY.match(msg["id"]), msg
    assert msg["direction"] == "outbound" and msg["channel"] == "sms"
    assert msg["to"] == to and msg["body"] == "Hello"
    assert msg["sender_id"] == "Ujumbe"
    assert msg["encoding"] == "gsm7" and msg["segments"] == 1
    assert msg["status"] == "queued"
    assert msg["transactional"] is False and msg["client_ref"] == "order-17"
    assert msg["send_at"] is None and msg["callback_url"] is None
    assert is_timestamp(msg["created_at"]) and is_timestamp(msg["updated_at"])


def test_message_is_delivered_with_history_parts_and_receipt(api, owner):
    msg = send(api, owner.access, to=ke_phone(), body="Delivered please")
    done = wait_message(api, owner.access, msg["id"])
    assert done["status"] == "delivered", done
    assert done["attempts"] >= 1 and done["error_code"] is None
    assert is_timestamp(done["sent_at"]) and is_timestamp(done["done_at"])
    history = statuses_of(done)
    assert history == ["queued", "sending", "sent", "delivered"], done["status_history"]
    for entry in done["status_history"]:
        assert is_timestamp(entry["at"]) and isinstance(entry["event"], str), entry
    assert [e["at"] for e in done["status_history"]] == sorted(
        e["at"] for e in done["status_history"])
    assert len(done["parts"]) == 1, done["parts"]
    part = done["parts"][0]
    assert part["part"] == 1 and part["status"] == "delivered"
    assert isinstance(part["provider_id"], str) and part["provider_id"], part
    assert is_timestamp(part["submitted_at"]) and is_timestamp(part["done_at"])

    receipts = assert_list(api("GET", "/messages/%s/receipts" % msg["id"], token=owner.access))
    assert receipts["count"] == 1, receipts
    rc = receipts["results"][0]
    for field in ("id", "part", "provider_id", "stat", "error_code", "submit_date",
                  "done_date", "received_at"):
        assert field in rc, (field, rc)
    assert rc["stat"] == "DELIVRD" and rc["part"] == 1
    assert rc["provider_id"] == part["provider_id"]
    assert is_timestamp(rc["received_at"])


def test_unknown_message_is_404(api, owner):
    missing = str(uuid.uuid4())
    u.assert_not_found(api("GET", "/messages/%s" % missing, token=owner.access))
    u.assert_not_found(api("GET", "/messages/%s/receipts" % missing, token=owner.access))
    u.assert_not_found(api("POST", "/messages/%s/cancel" % missing, token=owner.access))


def test_transactional_flag_and_callback_url_are_kept(api, owner):
    msg = send(api, owner.access, to=ke_phone(), body="OTP 1234", transactional=True,
               callback_url="https://example.invalid/hook")
    assert msg["transactional"] is True
    assert msg["callback_url"] == "https://example.invalid/hook"
    got = get_message(api, owner.access, msg["id"])
    assert got["transactional"] is True and got["callback_url"] == "https://example.invalid/hook"


# --------------------------------------------------------------------------
# 2. Encoding and segments
# --------------------------------------------------------------------------

@pytest.mark.parametrize("body,encoding,segments", [
    ("a" * 160, "gsm7", 1),
    ("a" * 161, "gsm7", 2),
    ("a" * 306, "gsm7", 2),
    ("a" * 307, "gsm7", 3),
    ("\u20ac" * 80, "gsm7", 1),          # the euro sign is an extension: 2 septets each
    ("\u20ac" * 81, "gsm7", 2),
    ("[]{}~^|\\" * 10, "gsm7", 1),       # 80 extension characters, 160 septets
    ("[]{}~^|\\" * 10 + "a", "gsm7", 2),  # 161 septets
    ("Hello \U0001F600", "ucs2", 1),
    ("\u0416" * 70, "ucs2", 1),
    ("\u0416" * 71, "ucs2", 2),
    ("\u0416" * 134, "ucs2", 2),
    ("\u0416" * 135, "ucs2", 3),
    ("\U0001F600" * 35, "ucs2", 1),     # a surrogate pair is two UCS-2 units
    ("\U0001F600" * 36, "ucs2", 2),
    ("\u00e9\u00e0\u00fc\u00f1" * 40, "gsm7", 1),  # in the GSM basic set
], ids=["gsm160", "gsm161", "gsm306", "gsm307", "euro80", "euro81", "ext160", "ext161", "emoji",
        "ucs70", "ucs71", "ucs134", "ucs135", "emoji35", "emoji36", "accents160"])
def test_encoding_and_segment_count(api, owner, body, encoding, segments):
    msg = send(api, owner.access, to=ke_phone(), body=body)
    assert (msg["encoding"], msg["segments"]) == (encoding, segments), msg
    assert msg["body"] == body
    got = get_message(api, owner.access, msg["id"])
    assert (got["encoding"], got["segments"], got["body"]) == (encoding, segments, body)


def test_long_message_is_delivered_in_two_parts(api, owner):
    body = "Long message. " * 15   # 210 GSM characters
    msg = send(api, owner.access, to=ke_phone(), body=body)
    assert msg["segments"] == 2
    done = wait_message(api, owner.access, msg["id"])
    assert done["status"] == "delivered", done
    assert sorted(p["part"] for p in done["parts"]) == [1, 2], done["parts"]
    assert all(p["status"] == "delivered" and p["provider_id"] for p in done["parts"])
    assert len({p["provider_id"] for p in done["parts"]}) == 2
    receipts = assert_list(api("GET", "/messages/%s/receipts" % msg["id"], token=owner.access))
    assert sorted(r["part"] for r in receipts["results"]) == [1, 2], receipts
    assert all(r["stat"] == "DELIVRD" for r in receipts["results"])


def test_body_of_1600_characters_is_accepted(api, owner):
    msg = send(api, owner.access, to=ke_phone(), body="b" * 1600)
    assert msg["segments"] == 11  # ceil(1600 / 153)
    msg = send(api, owner.access, to=ke_phone(), body="\u0416" * 1600)
    assert msg["encoding"] == "ucs2" and msg["segments"] == 24  # ceil(1600 / 67)


# --------------------------------------------------------------------------
# 3. Validation
# --------------------------------------------------------------------------

def test_missing_to_or_body_is_400(api, owner):
    assert_error(api("POST", "/messages", json={"body": "x"}, token=owner.access), 400,
                 field="to")
    assert_error(api("POST", "/messages", json={"to": ke_phone()}, token=owner.access), 400,
                 field="body")


@pytest.mark.parametrize("number", ["not-a-number", "+2547123", "12345", "+999123456789",
                                    ""])
def test_invalid_number_is_400_invalid_number(api, owner, number):
    resp = api("POST", "/messages", json={"to": number, "body": "x"}, token=owner.access)
    if number == "":
        assert_error(resp, 400, {"INVALID_NUMBER", "VALIDATION_ERROR"}, "to")
    else:
        assert_error(resp, 400, "INVALID_NUMBER", "to")


def test_body_over_1600_characters_or_empty_is_invalid_body(api, owner):
    for body in ("b" * 1601, "\u0416" * 1601, ""):
        resp = api("POST", "/messages", json={"to": ke_phone(), "body": body},
                   token=owner.access)
        assert_error(resp, 400, "INVALID_BODY", "body")


def test_body_is_not_trimmed(api, owner):
    msg = send(api, owner.access, to=ke_phone(), body="  spaced  ")
    assert msg["body"] == "  spaced  "
    msg = send(api, owner.access, to=ke_phone(), body=" ")
    assert msg["body"] == " "


@pytest.mark.parametrize("value", [5, None, ["a"], {"text": "a"}, True])
def test_body_not_a_string_is_400(api, owner, value):
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": value}, token=owner.access)
    assert_error(resp, 400, {"VALIDATION_ERROR", "INVALID_BODY"}, "body")


def test_to_not_a_string_is_400(api, owner):
    resp = api("POST", "/messages", json={"to": 254712345678, "body": "x"}, token=owner.access)
    assert_error(resp, 400, {"VALIDATION_ERROR", "INVALID_NUMBER"}, "to")
    resp = api("POST", "/messages", json={"to": [ke_phone()], "body": "x"}, token=owner.access)
    assert_error(resp, 400, {"VALIDATION_ERROR", "INVALID_NUMBER"}, "to")


def test_malformed_json_is_400(api, owner):
    for raw in ("{bad", "[1, 2]", '"text"', ""):
        resp = api("POST", "/messages", raw_body=raw, token=owner.access)
        assert_error(resp, 400, {"MALFORMED_JSON", "VALIDATION_ERROR"})


def test_wrong_content_type_is_415(api, owner):
    resp = api("POST", "/messages", raw_body="to=%2B254712345678&body=x",
               content_type="application/x-www-form-urlencoded", token=owner.access)
    assert_error(resp, 415, "UNSUPPORTED_MEDIA_TYPE")
    resp = api("POST", "/messages/bulk", raw_body="x", content_type="text/plain",
               token=owner.access)
    assert_error(resp, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("send_at", ["tomorrow", "2026-13-45T10:00:00Z", "12:00", 17,
                                     "2099-02-30T10:00:00Z", "2099-01-15T24:30:00Z"])
def test_malformed_send_at_is_400(api, owner, send_at):
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "x", "send_at": send_at},
               token=owner.access)
    assert_validation(resp, "send_at")


def test_unknown_channel_is_400(api, owner):
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "x", "channel": "fax"},
               token=owner.access)
    assert_error(resp, 400, field="channel")


@pytest.mark.parametrize("sender_id", ["bad id!", "ABCDEFGHIJKL", "1234567890123456",
                                       "Acme\u00e9", "Acme<b>", "12 34", "-_. &"])
def test_malformed_sender_id_is_400_invalid_sender_id(api, owner, sender_id):
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "x", "sender_id": sender_id},
               token=owner.access)
    assert_error(resp, 400, "INVALID_SENDER_ID", "sender_id")


def test_blank_sender_id_is_400(api, owner):
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "x", "sender_id": ""},
               token=owner.access)
    assert_error(resp, 400, {"INVALID_SENDER_ID", "VALIDATION_ERROR"}, "sender_id")


def test_unapproved_sender_id_is_422(api, owner):
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "x", "sender_id": "Acme"},
               token=owner.access)
    assert_error(resp, 422, "SENDER_ID_NOT_APPROVED", "sender_id")
    # registered but still pending: not approved either
    assert_ok(api("POST", "/sender-ids", json={"sender_id": "Acme", "country": "KE"},
                  token=owner.access), 201)
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "x", "sender_id": "Acme"},
               token=owner.access)
    assert_error(resp, 422, "SENDER_ID_NOT_APPROVED", "sender_id")


def test_default_sender_id_needs_no_approval(api, owner):
    msg = send(api, owner.access, to=ke_phone(), body="x", sender_id="Ujumbe")
    assert msg["sender_id"] == "Ujumbe"


def test_national_number_uses_account_default_country(api, owner):
    resp = api("POST", "/messages", json={"to": "0712345678", "body": "x"}, token=owner.access)
    assert_error(resp, 400, "INVALID_NUMBER", "to")
    set_default_country(api, owner.access, "KE")
    msg = send(api, owner.access, to="0712345678", body="x")
    assert msg["to"] == "+254712345678"
    msg = send(api, owner.access, to="0712 345-678", body="x")
    assert msg["to"] == "+254712345678"
    # an explicit country code wins over the default country
    msg = send(api, owner.access, to="+255 712 345 678", body="x")
    assert msg["to"] == "+255712345678"


# --------------------------------------------------------------------------
# 4. Opt-out
# --------------------------------------------------------------------------

def _opted_out_contact(api, token, phone):
    contact = create_contact(api, token, phone_e164=phone, name="Opted Out")
    assert_ok(api("POST", "/contacts/%s/opt-out" % contact["id"], json={"reason": "stop"},
                  token=token))
    return contact


def test_opted_out_contact_blocks_marketing_but_not_transactional(api, owner):
    phone = ke_phone()
    _opted_out_contact(api, owner.access, phone)
    resp = api("POST", "/messages", json={"to": phone, "body": "Promo"}, token=owner.access)
    assert_error(resp, 422, "RECIPIENT_OPTED_OUT")
    resp = api("POST", "/messages", json={"to": phone, "body": "Promo", "transactional": False},
               token=owner.access)
    assert_error(resp, 422, "RECIPIENT_OPTED_OUT")
    msg = send(api, owner.access, to=phone, body="Your code is 1234", transactional=True)
    assert msg["transactional"] is True and msg["to"] == phone
    assert wait_message(api, owner.access, msg["id"])["status"] == "delivered"


def test_opt_out_matches_the_number_in_any_spelling(api, owner):
    set_default_country(api, owner.access, "KE")
    phone = ke_phone()
    _opted_out_contact(api, owner.access, phone)
    national = "0" + phone[4:]
    resp = api("POST", "/messages", json={"to": national, "body": "Promo"}, token=owner.access)
    assert_error(resp, 422, "RECIPIENT_OPTED_OUT")


def test_opt_out_in_another_account_does_not_block(api, register):
    a, b = register(), register()
    phone = ke_phone()
    _opted_out_contact(api, a.access, phone)
    send(api, b.access, to=phone, body="Hello from B")


def test_opted_in_again_contact_can_be_sent_to(api, owner):
    phone = ke_phone()
    contact = _opted_out_contact(api, owner.access, phone)
    assert_ok(api("POST", "/contacts/%s/opt-in" % contact["id"], json={}, token=owner.access))
    send(api, owner.access, to=phone, body="Welcome back")


def test_bulk_rejects_opted_out_recipient_alone(api, owner):
    phone = ke_phone()
    _opted_out_contact(api, owner.access, phone)
    good = ke_phone()
    data = assert_ok(api("POST", "/messages/bulk", json={"to": [good, phone], "body": "Promo"},
                         token=owner.access), 201)
    assert (data["accepted"], data["rejected"]) == (1, 1), data
    assert data["results"][0]["to"] == good and data["results"][0]["status"] == "queued"
    assert data["results"][1]["status"] == "rejected"
    assert data["results"][1]["error_code"] == "RECIPIENT_OPTED_OUT"


# --------------------------------------------------------------------------
# 5. Bulk
# --------------------------------------------------------------------------

def test_bulk_entries_with_a_null_body_take_the_shared_one(api, owner):
    p1, p2 = ke_phone(), ke_phone()
    data = assert_ok(api("POST", "/messages/bulk", json={
        "body": "Shared", "messages": [{"to": p1, "body": None}, {"to": p2, "body": "Own"}]},
        token=owner.access), 201)
    assert data["accepted"] == 2, data
    bodies = {}
    for r in data["results"]:
        bodies[r["to"]] = assert_ok(api("GET", "/messages/%s" % r["id"],
                                        token=owner.access))["body"]
    assert bodies == {p1: "Shared", p2: "Own"}
    # without a shared body, a null one is no body: refused, nothing stored
    resp = api("POST", "/messages/bulk", json={"messages": [{"to": p1, "body": None}]},
               token=owner.access)
    assert_error(resp, 400, "VALIDATION_ERROR")


def test_bulk_to_list_with_invalid_numbers(api, owner):
    good1, good2, good3 = ke_phone(), ke_phone(), ke_phone()
    to = [good1, "not-a-number", good2, "+2547", good3]
    resp = api("POST", "/messages/bulk", json={"to": to, "body": "Hi all", "client_ref": "camp"},
               token=owner.access)
    data = assert_ok(resp, 201)
    assert data["accepted"] == 3 and data["rejected"] == 2, data
    results = data["results"]
    assert [r["to"] for r in results] == [good1, "not-a-number", good2, "+2547", good3]
    for i in (0, 2, 4):
        r = results[i]
        assert UUID_ANY.match(r["id"]) and r["status"] == "queued", r
        assert r["encoding"] == "gsm7" and r["segments"] == 1, r
    for i in (1, 3):
        r = results[i]
        assert r["status"] == "rejected" and r["error_code"] == "INVALID_NUMBER", r
        assert isinstance(r["message"], str) and r["message"], r
        assert "id" not in r or r["id"] is None, r
    ids = [results[i]["id"] for i in (0, 2, 4)]
    assert len(set(ids)) == 3
    for mid, phone in zip(ids, (good1, good2, good3)):
        got = get_message(api, owner.access, mid)
        assert got["to"] == phone and got["body"] == "Hi all" and got["client_ref"] == "camp"
    listed = assert_list(api("GET", "/messages", token=owner.access))
    assert listed["count"] == 3


def test_bulk_messages_with_their_own_bodies(api, owner):
    p1, p2, p3 = ke_phone(), ke_phone(), ke_phone()
    body = {"messages": [{"to": p1, "body": "Hello Ann", "client_ref": "ann"},
                         {"to": p2, "body": "\u041f\u0440\u0438\u0432\u0435\u0442 Bob"},
                         {"to": p3}],
            "body": "Shared text"}
    data = assert_ok(api("POST", "/messages/bulk", json=body, token=owner.access), 201)
    assert data["accepted"] == 3 and data["rejected"] == 0, data
    r1, r2, r3 = data["results"]
    assert [r["to"] for r in data["results"]] == [p1, p2, p3]
    assert r1["encoding"] == "gsm7" and r2["encoding"] == "ucs2" and r3["encoding"] == "gsm7"
    m1 = get_message(api, owner.access, r1["id"])
    m2 = get_message(api, owner.access, r2["id"])
    m3 = get_message(api, owner.access, r3["id"])
    assert m1["body"] == "Hello Ann" and m1["client_ref"] == "ann"
    assert m2["body"] == "\u041f\u0440\u0438\u0432\u0435\u0442 Bob"
    assert m3["body"] == "Shared text"


def test_bulk_entry_without_any_body(api, owner):
    # an entry with no body and no shared body: either that entry alone is
    # rejected, or the request is refused as malformed; nothing half-done
    resp = api("POST", "/messages/bulk",
               json={"messages": [{"to": ke_phone(), "body": "ok"}, {"to": ke_phone()}]},
               token=owner.access)
    if resp.status == 201:
        data = assert_ok(resp, 201)
        assert (data["accepted"], data["rejected"]) == (1, 1), data
        assert data["results"][1]["status"] == "rejected"
        assert data["results"][1]["error_code"] in ("INVALID_BODY", "VALIDATION_ERROR")
    else:
        assert_error(resp, 400, field=("messages", "body"))
        assert assert_list(api("GET", "/messages", token=owner.access))["count"] == 0


def test_bulk_entry_body_over_1600_is_rejected_alone(api, owner):
    good = ke_phone()
    data = assert_ok(api("POST", "/messages/bulk",
                         json={"messages": [{"to": good, "body": "ok"},
                                            {"to": ke_phone(), "body": "b" * 1601}]},
                         token=owner.access), 201)
    assert (data["accepted"], data["rejected"]) == (1, 1), data
    assert data["results"][0]["to"] == good
    assert data["results"][1]["status"] == "rejected"
    assert data["results"][1]["error_code"] == "INVALID_BODY"


def test_bulk_national_numbers_use_the_default_country(api, owner):
    set_default_country(api, owner.access, "KE")
    data = assert_ok(api("POST", "/messages/bulk", json={"to": ["0712345678", "0712 345 679"],
                                                         "body": "x"}, token=owner.access), 201)
    assert data["accepted"] == 2
    got = [get_message(api, owner.access, r["id"])["to"] for r in data["results"]]
    assert got == ["+254712345678", "+254712345679"]


def test_bulk_with_only_invalid_recipients_is_400_with_results(api, owner):
    resp = api("POST", "/messages/bulk", json={"to": ["nope", "+2547"], "body": "x"},
               token=owner.access)
    body = assert_error(resp, 400)
    details = body["details"]
    assert details["accepted"] == 0 and details["rejected"] == 2, details
    assert [r["to"] for r in details["results"]] == ["nope", "+2547"]
    assert all(r["status"] == "rejected" and r["error_code"] == "INVALID_NUMBER"
               for r in details["results"])
    assert assert_list(api("GET", "/messages", token=owner.access))["count"] == 0


def test_bulk_without_to_or_messages_is_400(api, owner):
    for payload in ({"body": "x"}, {}, {"to": [], "body": "x"}, {"messages": []}):
        resp = api("POST", "/messages/bulk", json=payload, token=owner.access)
        assert_error(resp, 400)


def test_bulk_to_list_without_body_is_400(api, owner):
    resp = api("POST", "/messages/bulk", json={"to": [ke_phone()]}, token=owner.access)
    assert_error(resp, 400)


def test_bulk_shared_options_apply_to_every_recipient(api, owner):
    send_at = iso(utcnow() + datetime.timedelta(hours=2))
    data = assert_ok(api("POST", "/messages/bulk",
                         json={"to": [ke_phone(), ke_phone()], "body": "Later",
                               "send_at": send_at, "transactional": True},
                         token=owner.access), 201)
    for r in data["results"]:
        assert r["status"] == "scheduled", r
        got = get_message(api, owner.access, r["id"])
        assert got["status"] == "scheduled" and got["send_at"] == send_at
        assert got["transactional"] is True


def test_bulk_of_1000_recipients_is_all_delivered(api, owner):
    numbers = ["+2547%08d" % (30000000 + i) for i in range(1000)]
    data = assert_ok(api("POST", "/messages/bulk", json={"to": numbers, "body": "Bulk hello"},
                         token=owner.access), 201)
    assert data["accepted"] == 1000 and data["rejected"] == 0
    assert [r["to"] for r in data["results"]] == numbers
    assert len({r["id"] for r in data["results"]}) == 1000
    stats = wait_stats(api, owner.access,
                       lambda s: s["by_status"].get("delivered") == 1000, timeout=60)
    assert stats["total"] == 1000 and stats["segments"] == 1000, stats
    assert stats["delivery_rate"] == 1.0


def post_large(server, token, path, payload):
    """POST of a large JSON body on a raw socket (so an early answer, e.g. a
    413 sent before the whole body was read, is still seen); returns a Resp."""
    body = json.dumps(payload).encode()
    head = ("POST %s%s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % (u.API_PREFIX, path, server.host, server.port, token, len(body))).encode()
    status, headers, raw = u.raw_exchange(server.host, server.port, head, body, timeout=120)
    try:
        parsed = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        parsed = None
    return u.Resp(status, headers, parsed, raw, "POST %s (%d bytes)" % (path, len(body)))


def test_bulk_body_over_one_mib_is_accepted(server, owner):
    # "POST /messages/bulk (body up to 32 MiB)": 700 bodies of 1600 characters
    # make about 1.15 MB, over the 1 MiB limit of ordinary requests.
    later = iso(utcnow() + datetime.timedelta(days=2))
    messages = [{"to": "+2547%08d" % (31000000 + i), "body": "y" * 1600} for i in range(700)]
    resp = post_large(server, owner.access, "/messages/bulk",
                      {"messages": messages, "send_at": later})
    data = assert_ok(resp, 201)
    assert data["accepted"] == 700 and data["rejected"] == 0
    assert all(r["segments"] == 11 and r["status"] == "scheduled" for r in data["results"])


def test_bulk_over_100000_recipients_is_400(api, server, owner):
    numbers = ["+2547%08d" % (32000000 + i) for i in range(100001)]   # about 1.7 MB
    resp = post_large(server, owner.access, "/messages/bulk", {"to": numbers, "body": "too many"})
    assert_error(resp, 400, field="to")
    assert assert_ok(api("GET", "/messages/stats", token=owner.access))["total"] == 0


def test_bulk_keeps_duplicate_recipients(api, owner):
    phone = ke_phone()
    data = assert_ok(api("POST", "/messages/bulk", json={"to": [phone, phone], "body": "dup"},
                         token=owner.access), 201)
    assert data["accepted"] == 2 and data["results"][0]["id"] != data["results"][1]["id"]


def test_send_with_idempotency_key_is_done_once(api, owner):
    key = {"Idempotency-Key": "msg-" + uuid.uuid4().hex}
    body = {"to": ke_phone(), "body": "exactly once"}
    first = api("POST", "/messages", json=body, token=owner.access, headers=key)
    sent = assert_ok(first, 201)
    again = api("POST", "/messages", json=body, token=owner.access, headers=key)
    assert again.status == 201 and again.body == first.body, describe(again)
    assert again.headers.get("idempotent-replayed", "").lower() == "true"
    other = api("POST", "/messages", json=dict(body, body="changed"), token=owner.access,
                headers=key)
    assert_error(other, 422, "IDEMPOTENCY_KEY_REUSED")
    bulk_key = {"Idempotency-Key": "bulk-" + uuid.uuid4().hex}
    bulk = {"to": [ke_phone(), ke_phone()], "body": "bulk once"}
    b1 = assert_ok(api("POST", "/messages/bulk", json=bulk, token=owner.access,
                       headers=bulk_key), 201)
    b2 = assert_ok(api("POST", "/messages/bulk", json=bulk, token=owner.access,
                       headers=bulk_key), 201)
    assert b1 == b2
    listed = assert_list(api("GET", "/messages", token=owner.access))
    assert listed["count"] == 3
    assert sent["id"] in [m["id"] for m in listed["results"]]


# --------------------------------------------------------------------------
# 6. Scheduling and cancel
# --------------------------------------------------------------------------

def test_scheduled_message_can_be_canceled_once(api, owner):
    send_at = iso(utcnow() + datetime.timedelta(hours=1))
    msg = send(api, owner.access, to=ke_phone(), body="Later", send_at=send_at)
    assert msg["status"] == "scheduled" and msg["send_at"] == send_at
    assert get_message(api, owner.access, msg["id"])["status"] == "scheduled"
    resp = api("POST", "/messages/%s/cancel" % msg["id"], token=owner.access)
    canceled = assert_ok(resp)
    assert canceled["status"] == "canceled" and canceled["id"] == msg["id"]
    got = get_message(api, owner.access, msg["id"])
    assert got["status"] == "canceled"
    assert statuses_of(got)[-1] == "canceled", got["status_history"]
    resp = api("POST", "/messages/%s/cancel" % msg["id"], token=owner.access)
    body = assert_error(resp, 409, "INVALID_STATUS")
    assert body["details"]["current_status"] == "canceled", body
    assert body["details"]["allowed_statuses"] == ["scheduled"], body


def test_cancel_of_a_delivered_message_is_409(api, owner):
    msg = send(api, owner.access, to=ke_phone(), body="Now")
    assert wait_message(api, owner.access, msg["id"])["status"] == "delivered"
    resp = api("POST", "/messages/%s/cancel" % msg["id"], token=owner.access)
    body = assert_error(resp, 409, "INVALID_STATUS")
    assert body["details"]["current_status"] == "delivered", body
    assert get_message(api, owner.access, msg["id"])["status"] == "delivered"


def test_send_at_in_the_past_or_now_is_queued(api, owner):
    msg = send(api, owner.access, to=ke_phone(), body="Past",
               send_at=iso(utcnow() - datetime.timedelta(hours=1)))
    assert msg["status"] == "queued"
    msg = send(api, owner.access, to=ke_phone(), body="Now", send_at=iso(utcnow()))
    assert msg["status"] == "queued"
    assert wait_message(api, owner.access, msg["id"])["status"] == "delivered"


def test_scheduled_message_is_sent_when_due(api, owner):
    send_at = utcnow() + datetime.timedelta(seconds=3)
    msg = send(api, owner.access, to=ke_phone(), body="Soon", send_at=iso(send_at))
    assert msg["status"] == "scheduled"
    done = wait_message(api, owner.access, msg["id"], timeout=15)
    assert done["status"] == "delivered", done
    assert statuses_of(done)[0] == "scheduled", done["status_history"]
    assert statuses_of(done)[-3:] == ["sending", "sent", "delivered"], done["status_history"]
    assert done["sent_at"] >= iso(send_at), done


def test_send_at_with_a_utc_offset(api, owner):
    later = utcnow() + datetime.timedelta(hours=3)
    local = later.astimezone(datetime.timezone(datetime.timedelta(hours=3)))
    msg = send(api, owner.access, to=ke_phone(), body="Offset",
               send_at=local.strftime("%Y-%m-%dT%H:%M:%S+03:00"))
    assert msg["status"] == "scheduled"
    assert msg["send_at"] == iso(later)


# --------------------------------------------------------------------------
# 7. Listing, filters, stats
# --------------------------------------------------------------------------

@pytest.fixture
def listing(api, owner):
    """An account with five messages: three delivered, one scheduled, one canceled."""
    tok = owner.access
    p = [ke_phone() for _ in range(5)]
    m0 = send(api, tok, to=p[0], body="apple pie recipe", client_ref="ref-apple")
    m1 = send(api, tok, to=p[1], body="banana split", client_ref="ref-banana")
    m2 = send(api, tok, to=p[2], body="cherry \u0416 tart")
    later = iso(utcnow() + datetime.timedelta(hours=5))
    m3 = send(api, tok, to=p[3], body="scheduled date", send_at=later)
    m4 = send(api, tok, to=p[4], body="canceled plan", send_at=later)
    assert_ok(api("POST", "/messages/%s/cancel" % m4["id"], token=tok))
    for m in (m0, m1, m2):
        assert wait_message(api, tok, m["id"])["status"] == "delivered"
    return owner, [m0, m1, m2, m3, m4], p


def _listed(api, token, **params):
    return assert_list(api("GET", with_query("/messages", **params), token=token))


def _ids(data):
    return [m["id"] for m in data["results"]]


def test_list_is_newest_first(api, listing):
    owner, msgs, _ = listing
    data = _listed(api, owner.access)
    assert data["count"] == 5
    assert _ids(data) == [m["id"] for m in reversed(msgs)]
    for m in data["results"]:
        for field in MESSAGE_FIELDS:
            assert field in m, (field, m)


def test_list_filters_by_status(api, listing):
    owner, msgs, _ = listing
    assert _ids(_listed(api, owner.access, status="scheduled")) == [msgs[3]["id"]]
    assert _ids(_listed(api, owner.access, status="canceled")) == [msgs[4]["id"]]
    assert sorted(_ids(_listed(api, owner.access, status="delivered"))) == sorted(
        m["id"] for m in msgs[:3])
    assert _listed(api, owner.access, status="failed")["count"] == 0


def test_list_invalid_status_filter_is_400(api, owner):
    resp = api("GET", "/messages?status=bogus", token=owner.access)
    assert_error(resp, 400, field="status")
    resp = api("GET", "/messages/stats?status=bogus", token=owner.access)
    assert_error(resp, 400, field="status")


def test_list_filters_by_to_client_ref_and_sender(api, listing):
    owner, msgs, phones = listing
    assert _ids(_listed(api, owner.access, to=phones[1])) == [msgs[1]["id"]]
    assert _ids(_listed(api, owner.access, client_ref="ref-apple")) == [msgs[0]["id"]]
    assert _listed(api, owner.access, client_ref="ref-none")["count"] == 0
    assert _listed(api, owner.access, sender_id="Ujumbe")["count"] == 5
    assert _listed(api, owner.access, sender_id="Other")["count"] == 0
    assert _listed(api, owner.access, channel="sms")["count"] == 5


def test_list_search_matches_body_or_number(api, listing):
    owner, msgs, phones = listing
    assert _ids(_listed(api, owner.access, search="banana")) == [msgs[1]["id"]]
    assert _ids(_listed(api, owner.access, search="\u0416 tart")) == [msgs[2]["id"]]
    assert _ids(_listed(api, owner.access, search=phones[3][-7:])) == [msgs[3]["id"]]
    assert _listed(api, owner.access, search="durian")["count"] == 0


def test_list_filters_by_direction(api, listing):
    owner, _, _ = listing
    assert _listed(api, owner.access, direction="outbound")["count"] == 5
    assert _listed(api, owner.access, direction="inbound")["count"] == 0
    assert_error(api("GET", "/messages?direction=sideways", token=owner.access), 400,
                 field="direction")


def test_list_filters_by_dates(api, listing):
    owner, _, _ = listing
    today = utcnow().date()
    day = datetime.timedelta(days=1)
    tok = owner.access
    assert _listed(api, tok, date_from=str(today))["count"] == 5
    assert _listed(api, tok, date_to=str(today))["count"] == 5   # the whole day
    assert _listed(api, tok, date_from=str(today), date_to=str(today))["count"] == 5
    assert _listed(api, tok, date_to=str(today - day))["count"] == 0
    assert _listed(api, tok, date_from=str(today + day))["count"] == 0
    past = iso(utcnow() - datetime.timedelta(hours=1))
    future = iso(utcnow() + datetime.timedelta(hours=1))
    assert _listed(api, tok, date_from=past, date_to=future)["count"] == 5
    assert _listed(api, tok, date_from=future)["count"] == 0
    assert _listed(api, tok, date_to=past)["count"] == 0


@pytest.mark.parametrize("param,value", [
    ("date_from", "yesterday"), ("date_from", "15/01/2026"), ("date_to", "2026-13-01"),
    ("date_from", "2026-01-15T25:00:00Z"), ("date_to", "2026-02-30"), ("date_from", "2026-11-31"),
])
def test_list_bad_date_is_400(api, owner, param, value):
    resp = api("GET", with_query("/messages", **{param: value}), token=owner.access)
    assert_error(resp, 400, field=param)


def test_list_pagination(api, listing):
    owner, msgs, _ = listing
    first = _listed(api, owner.access, page_size=2)
    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["previous"] is None and first["next"]
    seen = _ids(first)
    nxt = first["next"]
    while nxt:
        page = assert_list(api("GET", u.api_path_of(nxt), token=owner.access))
        assert page["count"] == 5
        seen += _ids(page)
        nxt = page["next"]
    assert seen == [m["id"] for m in reversed(msgs)]
    last = _listed(api, owner.access, page_size=2, page=3)
    assert len(last["results"]) == 1 and last["next"] is None and last["previous"]


def test_list_pages_by_cursor_both_ways(api, listing):
    owner, msgs, _ = listing
    first = _listed(api, owner.access, page_size=2)
    assert first["next_cursor"] and first["previous_cursor"] is None
    assert "cursor=" in first["next"] and first["count_is_estimate"] is False
    second = assert_list(api("GET", u.api_path_of(first["next"]), token=owner.access))
    assert second["count"] == 5 and _ids(second) == [m["id"] for m in reversed(msgs)][2:4]
    back = _listed(api, owner.access, page_size=2, cursor=second["previous_cursor"])
    assert _ids(back) == _ids(first) and back["previous"] is None
    # Page numbers answer with page links, as before.
    numbered = _listed(api, owner.access, page_size=2, page=2)
    assert "page=3" in numbered["next"] and numbered["next_cursor"] is None


def test_a_cursor_of_another_account_shows_only_the_callers_messages(api, listing, register):
    owner, _, _ = listing
    other = register()
    mine = send(api, other.access, to=ke_phone(), body="only mine")
    second = _listed(api, owner.access, page_size=1, cursor=_listed(
        api, owner.access, page_size=1)["next_cursor"])
    # The owner's position, in the other account: its own newer message only.
    newer = _listed(api, other.access, page_size=5, cursor=second["previous_cursor"])
    assert _ids(newer) == [mine["id"]]
    older = _listed(api, other.access, page_size=5, cursor=second["next_cursor"])
    assert _ids(older) == []


@pytest.mark.parametrize("cursor", ["", "x", "not base64!", "MTIzLjIuYWJj", "LTEuMC5hYmM",
                                    "MTIzLjAuYSdiYw", "A" * 400])
def test_a_cursor_the_server_did_not_make_is_400(api, owner, cursor):
    resp = api("GET", with_query("/messages", cursor=cursor), token=owner.access)
    assert_error(resp, 400, field="cursor")
    assert cursor[:40] not in resp.body["message"] or not cursor


def test_cursor_and_page_together_are_400(api, owner):
    first = _listed(api, owner.access)
    resp = api("GET", with_query("/messages", cursor=first.get("next_cursor") or "MTIzLjAuYWJj",
                                 page=2), token=owner.access)
    assert_error(resp, 400, field="cursor")


def test_export_streams_every_message_of_a_filter(api, listing, register):
    owner, msgs, phones = listing
    other = register()
    send(api, other.access, to=ke_phone(), body="not theirs to export")
    text = u.get_csv(api, owner.access, "/messages/export")
    rows = u.parse_csv(text)
    header = rows[0]
    for col in ("id", "created_at", "to", "body", "status", "segments"):
        assert col in header, header
    data = [dict(zip(header, r)) for r in rows[1:]]
    assert [d["id"] for d in data] == [m["id"] for m in reversed(msgs)]
    assert data[-1]["body"] == "apple pie recipe" and data[-1]["to"] == phones[0]
    text = u.get_csv(api, owner.access, "/messages/export?status=scheduled")
    assert [dict(zip(header, r))["id"] for r in u.parse_csv(text)[1:]] == [msgs[3]["id"]]
    resp = api("GET", "/messages/export?format=ndjson&search=banana", token=owner.access)
    assert resp.status == 200, u.describe(resp)
    assert resp.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in resp.raw.decode().splitlines()]
    assert [m["id"] for m in lines] == [msgs[1]["id"]]
    assert lines[0]["client_ref"] == "ref-banana"


def test_export_of_many_messages_crosses_windows(api, owner):
    tok = owner.access
    resp = api("POST", "/messages/bulk",
               json={"messages": [{"to": ke_phone(), "body": "bulk %d" % i}
                                  for i in range(2500)]}, token=tok)
    assert resp.status == 201, u.describe(resp)
    resp = api("GET", "/messages/export?format=ndjson", token=tok)
    assert resp.status == 200, u.describe(resp)
    ids = [json.loads(line)["id"] for line in resp.raw.decode().splitlines()]
    assert len(ids) == 2500 and len(set(ids)) == 2500


def test_export_refuses_bad_parameters(api, owner):
    assert_error(api("GET", "/messages/export?format=xml", token=owner.access), 400,
                 field="format")
    assert_error(api("GET", "/messages/export?status=nope", token=owner.access), 400,
                 field="status")
    assert api("GET", "/messages/export").status == 401


def test_admin_rebuilds_rollups_and_search_beside_a_running_server(server, api, listing):
    owner, msgs, _ = listing
    before = assert_ok(api("GET", "/messages/stats", token=owner.access))
    done = server.command("admin", "rebuild-rollups")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rows: "), done.stdout
    assert assert_ok(api("GET", "/messages/stats", token=owner.access)) == before
    done = server.command("admin", "rebuild-search")
    assert done.returncode == 0, done.stderr
    assert _ids(_listed(api, owner.access, search="banana")) == [msgs[1]["id"]]
    for args in (("admin",), ("admin", "nonsense"), ("admin", "rebuild-search", "extra"),
                 ("migrate", "extra")):
        refused = server.command(*args)
        assert refused.returncode == 2, (args, refused.stdout, refused.stderr)


def test_stats_totals(api, listing):
    owner, _, _ = listing
    stats = assert_ok(api("GET", "/messages/stats", token=owner.access))
    for key in ("total", "segments", "by_status", "by_direction", "delivery_rate"):
        assert key in stats, (key, stats)
    assert stats["total"] == 5
    assert stats["segments"] == 5
    assert stats["by_status"].get("delivered") == 3
    assert stats["by_status"].get("scheduled") == 1
    assert stats["by_status"].get("canceled") == 1
    assert sum(stats["by_status"].values()) == 5
    assert stats["by_direction"].get("outbound") == 5
    assert stats["by_direction"].get("inbound", 0) == 0
    assert isinstance(stats["delivery_rate"], (int, float))
    assert 0 < stats["delivery_rate"] <= 1


def test_stats_take_the_list_filters(api, listing):
    owner, _, phones = listing
    tok = owner.access
    s = assert_ok(api("GET", "/messages/stats?status=scheduled", token=tok))
    assert s["total"] == 1 and s["by_status"] == {"scheduled": 1}, s
    s = assert_ok(api("GET", with_query("/messages/stats", to=phones[0]), token=tok))
    assert s["total"] == 1 and s["by_status"] == {"delivered": 1}, s
    s = assert_ok(api("GET", "/messages/stats?search=banana", token=tok))
    assert s["total"] == 1, s
    tomorrow = str(utcnow().date() + datetime.timedelta(days=1))
    s = assert_ok(api("GET", with_query("/messages/stats", date_from=tomorrow), token=tok))
    assert s["total"] == 0 and s["segments"] == 0, s


def test_stats_of_a_fresh_account_are_zero(api, owner):
    s = assert_ok(api("GET", "/messages/stats", token=owner.access))
    assert s["total"] == 0 and s["segments"] == 0, s
    assert sum(s["by_status"].values()) == 0


# --------------------------------------------------------------------------
# 8. Daily caps
# --------------------------------------------------------------------------

def test_account_daily_cap_set_by_platform_admin(api, admin):
    child, body = create_child(api, admin.access, max_messages_per_day=2)
    assert child["max_messages_per_day"] == 2
    c = child_owner_login(api, body)
    send(api, c.access, to=ke_phone(), body="one")
    send(api, c.access, to=ke_phone(), body="two")
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "three"}, token=c.access)
    assert_daily_limit(resp, 2, "account")
    resp = api("POST", "/messages/bulk", json={"to": [ke_phone()], "body": "four"},
               token=c.access)
    assert_daily_limit(resp, 2, "account")
    assert assert_ok(api("GET", "/messages/stats", token=c.access))["total"] == 2


def test_account_daily_cap_counts_every_user_of_the_account(api, admin):
    child, body = create_child(api, admin.access, max_messages_per_day=2)
    c = child_owner_login(api, body)
    agent = u.member(api, c, role="agent")
    send(api, c.access, to=ke_phone(), body="owner")
    send(api, agent.access, to=ke_phone(), body="agent")
    assert_daily_limit(api("POST", "/messages", json={"to": ke_phone(), "body": "x"},
                           token=agent.access), 2, "account")
    assert_daily_limit(api("POST", "/messages", json={"to": ke_phone(), "body": "x"},
                           token=c.access), 2, "account")


def test_bulk_that_would_pass_the_account_cap_is_refused_whole(api, admin):
    child, body = create_child(api, admin.access, max_messages_per_day=3)
    c = child_owner_login(api, body)
    data = assert_ok(api("POST", "/messages/bulk", json={"to": [ke_phone(), ke_phone()],
                                                         "body": "x"}, token=c.access), 201)
    assert data["accepted"] == 2
    resp = api("POST", "/messages/bulk", json={"to": [ke_phone(), ke_phone()], "body": "y"},
               token=c.access)
    assert_daily_limit(resp, 3, "account")
    assert assert_ok(api("GET", "/messages/stats", token=c.access))["total"] == 2
    assert _listed(api, c.access, search="y")["count"] == 0
    # exactly up to the cap is fine
    data = assert_ok(api("POST", "/messages/bulk", json={"to": [ke_phone()], "body": "z"},
                         token=c.access), 201)
    assert data["accepted"] == 1
    assert_daily_limit(api("POST", "/messages", json={"to": ke_phone(), "body": "w"},
                           token=c.access), 3, "account")


def test_account_daily_cap_set_by_the_reseller(api, admin):
    _, reseller = create_reseller(api, admin)
    child, body = create_child(api, reseller.access)
    c = child_owner_login(api, body)
    send(api, c.access, to=ke_phone(), body="before the cap")
    updated = assert_ok(api("PUT", "/accounts/children/%s" % child["id"],
                            json={"max_messages_per_day": 2}, token=reseller.access))
    assert updated["max_messages_per_day"] == 2
    send(api, c.access, to=ke_phone(), body="second")
    assert_daily_limit(api("POST", "/messages", json={"to": ke_phone(), "body": "third"},
                           token=c.access), 2, "account")
    # raising the cap lets the account send again at once
    assert_ok(api("PUT", "/accounts/children/%s" % child["id"],
                  json={"max_messages_per_day": 3}, token=reseller.access))
    send(api, c.access, to=ke_phone(), body="third, allowed now")


def test_user_daily_cap(api, owner):
    member, email, password = u.add_member(api, owner.access, role="admin")
    updated = assert_ok(api("PUT", "/users/%s" % member["id"], json={"max_messages_per_day": 1},
                            token=owner.access))
    assert updated["max_messages_per_day"] == 1
    m = u.login(api, email, password)
    send(api, m.access, to=ke_phone(), body="first")
    assert_daily_limit(api("POST", "/messages", json={"to": ke_phone(), "body": "second"},
                           token=m.access), 1, "user")
    assert_daily_limit(api("POST", "/messages/bulk", json={"to": [ke_phone()], "body": "b"},
                           token=m.access), 1, "user")
    # other users of the account are not limited by it
    send(api, owner.access, to=ke_phone(), body="owner goes on")
    send(api, owner.access, to=ke_phone(), body="and on")


def test_user_daily_cap_applies_to_the_users_api_keys(api, owner):
    member, email, password = u.add_member(api, owner.access, role="admin")
    assert_ok(api("PUT", "/users/%s" % member["id"], json={"max_messages_per_day": 2},
                  token=owner.access))
    m = u.login(api, email, password)
    key = create_api_key(api, m.access, scopes=["messages:send"])["key"]
    send(api, m.access, to=ke_phone(), body="by token")
    send(api, apikey=key, to=ke_phone(), body="by key")
    assert_daily_limit(api("POST", "/messages", json={"to": ke_phone(), "body": "x"},
                           apikey=key), 2, "user")


def test_bulk_that_would_pass_the_user_cap_is_refused_whole(api, owner):
    member, email, password = u.add_member(api, owner.access, role="admin")
    assert_ok(api("PUT", "/users/%s" % member["id"], json={"max_messages_per_day": 3},
                  token=owner.access))
    m = u.login(api, email, password)
    resp = api("POST", "/messages/bulk", json={"to": [ke_phone() for _ in range(4)], "body": "x"},
               token=m.access)
    assert_daily_limit(resp, 3, "user")
    assert assert_ok(api("GET", "/messages/stats", token=owner.access))["total"] == 0
    data = assert_ok(api("POST", "/messages/bulk",
                         json={"to": [ke_phone() for _ in range(3)], "body": "x"},
                         token=m.access), 201)
    assert data["accepted"] == 3


def test_daily_limit_answer_is_not_kept_for_an_idempotency_key(api, admin):
    child, body = create_child(api, admin.access, max_messages_per_day=1)
    c = child_owner_login(api, body)
    send(api, c.access, to=ke_phone(), body="first")
    key = {"Idempotency-Key": "cap-" + uuid.uuid4().hex}
    payload = {"to": ke_phone(), "body": "second"}
    assert_daily_limit(api("POST", "/messages", json=payload, token=c.access, headers=key),
                       1, "account")
    assert_ok(api("PUT", "/accounts/children/%s" % child["id"],
                  json={"max_messages_per_day": 2}, token=admin.access))
    assert_ok(api("POST", "/messages", json=payload, token=c.access, headers=key), 201)


# --------------------------------------------------------------------------
# 9. Phone number validation
# --------------------------------------------------------------------------

PHONE_FIELDS = ("input", "valid", "e164", "country", "type", "problem")


def test_validate_single_valid_number(api, owner):
    data = assert_ok(api("POST", "/phone-numbers/validate", json={"number": "+254 712 345 678"},
                         token=owner.access))
    for field in PHONE_FIELDS:
        assert field in data, (field, data)
    assert data["input"] == "+254 712 345 678"
    assert data["valid"] is True and data["e164"] == "+254712345678"
    assert data["country"] == "KE" and data["type"] == "mobile"
    assert data["problem"] is None


@pytest.mark.parametrize("number", ["12", "not a phone", "+2547", "+999123456789"])
def test_validate_single_invalid_number(api, owner, number):
    data = assert_ok(api("POST", "/phone-numbers/validate", json={"number": number},
                         token=owner.access))
    assert data["input"] == number
    assert data["valid"] is False and data["e164"] is None
    assert isinstance(data["problem"], str) and data["problem"], data


def test_validate_list_keeps_order(api, owner):
    numbers = ["+254712345678", "nope", "+255712345678", "+1 202 555 0143"]
    data = assert_ok(api("POST", "/phone-numbers/validate", json={"numbers": numbers},
                         token=owner.access))
    results = data["results"]
    assert [r["input"] for r in results] == numbers
    assert [r["valid"] for r in results] == [True, False, True, True]
    assert results[0]["country"] == "KE" and results[2]["country"] == "TZ"
    assert results[3]["country"] == "US" and results[3]["e164"] == "+12025550143"
    assert results[1]["problem"]


def test_validate_with_country_hint(api, owner):
    data = assert_ok(api("POST", "/phone-numbers/validate",
                         json={"number": "0712345678", "country": "KE"}, token=owner.access))
    assert data["valid"] is True and data["e164"] == "+254712345678" and data["country"] == "KE"
    data = assert_ok(api("POST", "/phone-numbers/validate",
                         json={"number": "0712345678", "country": "TZ"}, token=owner.access))
    assert data["valid"] is True and data["e164"] == "+255712345678" and data["country"] == "TZ"
    data = assert_ok(api("POST", "/phone-numbers/validate",
                         json={"numbers": ["0712345678", "+254712345678"], "country": "TZ"},
                         token=owner.access))
    assert [r["e164"] for r in data["results"]] == ["+255712345678", "+254712345678"]
    # without a hint nor a default country a national number is invalid
    data = assert_ok(api("POST", "/phone-numbers/validate", json={"number": "0712345678"},
                         token=owner.access))
    assert data["valid"] is False and data["problem"]


def test_validate_uses_the_account_default_country(api, owner):
    set_default_country(api, owner.access, "KE")
    data = assert_ok(api("POST", "/phone-numbers/validate", json={"number": "0712345678"},
                         token=owner.access))
    assert data["valid"] is True and data["e164"] == "+254712345678"


def test_validate_bad_requests(api, owner):
    too_many = ["+254712345678"] * 1001
    resp = api("POST", "/phone-numbers/validate", json={"numbers": too_many}, token=owner.access)
    assert_error(resp, 400, field="numbers")
    data = assert_ok(api("POST", "/phone-numbers/validate",
                         json={"numbers": ["+254712345678"] * 1000}, token=owner.access))
    assert len(data["results"]) == 1000
    assert_error(api("POST", "/phone-numbers/validate", json={}, token=owner.access), 400)
    assert_error(api("POST", "/phone-numbers/validate", json={"numbers": "+254712345678"},
                     token=owner.access), 400, field="numbers")
    assert_error(api("POST", "/phone-numbers/validate",
                     json={"number": "0712345678", "country": "Kenya"}, token=owner.access),
                 400, field="country")


def test_validate_needs_authentication(api):
    u.assert_unauthenticated(api("POST", "/phone-numbers/validate",
                                 json={"number": "+254712345678"}))


# --------------------------------------------------------------------------
# 12. Tenant isolation
# --------------------------------------------------------------------------

def test_other_account_cannot_see_or_touch_messages(api, register):
    a, b = register(), register()
    a_phone = ke_phone()
    delivered = send(api, a.access, to=a_phone, body="A secret")
    scheduled = send(api, a.access, to=ke_phone(), body="A later",
                     send_at=iso(utcnow() + datetime.timedelta(hours=1)))
    assert wait_message(api, a.access, delivered["id"])["status"] == "delivered"
    b_key = create_api_key(api, b.access)["key"]
    for cred in ({"token": b.access}, {"apikey": b_key}):
        for mid in (delivered["id"], scheduled["id"]):
            u.assert_not_found(api("GET", "/messages/%s" % mid, **cred))
            u.assert_not_found(api("GET", "/messages/%s/receipts" % mid, **cred))
            u.assert_not_found(api("POST", "/messages/%s/cancel" % mid, **cred))
        assert assert_list(api("GET", "/messages", **cred))["count"] == 0
        assert assert_list(api("GET", with_query("/messages", search="secret"), **cred))[
            "count"] == 0
        assert assert_list(api("GET", with_query("/messages", to=a_phone), **cred))[
            "count"] == 0
        stats = assert_ok(api("GET", "/messages/stats", **cred))
        assert stats["total"] == 0 and stats["segments"] == 0, stats
    # A's messages are untouched
    assert get_message(api, a.access, scheduled["id"])["status"] == "scheduled"
    assert assert_ok(api("GET", "/messages/stats", token=a.access))["total"] == 2
    # B's own message does not show up for A
    send(api, b.access, to=ke_phone(), body="B's own")
    assert assert_list(api("GET", "/messages", token=a.access))["count"] == 2
    assert assert_ok(api("GET", "/messages/stats", token=b.access))["total"] == 1


def test_other_account_cannot_read_or_delete_sender_ids(api, register):
    a, b = register(), register()
    sid = assert_ok(api("POST", "/sender-ids", json={"sender_id": "ASecret", "country": "KE"},
                        token=a.access), 201)
    u.assert_not_found(api("GET", "/sender-ids/%s" % sid["id"], token=b.access))
    u.assert_not_found(api("DELETE", "/sender-ids/%s" % sid["id"], token=b.access))
    listed = assert_list(api("GET", "/sender-ids", token=b.access))
    assert sid["id"] not in [s["id"] for s in listed["results"]]
    assert listed["count"] == 0
    got = assert_ok(api("GET", "/sender-ids/%s" % sid["id"], token=a.access))
    assert got["status"] == "pending"
    # B registering the same sender id for itself is not a duplicate of A's
    assert_ok(api("POST", "/sender-ids", json={"sender_id": "ASecret", "country": "KE"},
                  token=b.access), 201)


def test_other_accounts_approved_sender_id_cannot_be_used(api, admin, register):
    a, b = register(), register()
    sid = assert_ok(api("POST", "/sender-ids", json={"sender_id": "AOnly", "country": "KE"},
                        token=a.access), 201)
    assert_ok(api("POST", "/sender-ids/%s/approve" % sid["id"], json={}, token=admin.access))
    send(api, a.access, to=ke_phone(), body="x", sender_id="AOnly")
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "x", "sender_id": "AOnly"},
               token=b.access)
    assert_error(resp, 422, "SENDER_ID_NOT_APPROVED")


# --------------------------------------------------------------------------
# 13. API key scopes
# --------------------------------------------------------------------------

def test_read_scope_cannot_send(api, owner):
    key = create_api_key(api, owner.access, scopes=["messages:read"])["key"]
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "x"}, apikey=key)
    assert_error(resp, 403, "INSUFFICIENT_SCOPE")
    resp = api("POST", "/messages/bulk", json={"to": [ke_phone()], "body": "x"}, apikey=key)
    assert_error(resp, 403, "INSUFFICIENT_SCOPE")
    assert assert_ok(api("GET", "/messages/stats", token=owner.access))["total"] == 0
    assert_list(api("GET", "/messages", apikey=key))
    assert_ok(api("GET", "/messages/stats", apikey=key))


def test_send_scope_can_send(api, owner):
    key = create_api_key(api, owner.access, scopes=["messages:send"])["key"]
    msg = send(api, apikey=key, to=ke_phone(), body="by key")
    assert msg["status"] == "queued"
    data = assert_ok(api("POST", "/messages/bulk", json={"to": [ke_phone()], "body": "bulk"},
                         apikey=key), 201)
    assert data["accepted"] == 1
    assert get_message(api, owner.access, msg["id"])["body"] == "by key"


def test_send_scope_cannot_read(api, owner):
    key = create_api_key(api, owner.access, scopes=["messages:send"])["key"]
    msg = send(api, apikey=key, to=ke_phone(), body="x")
    assert_error(api("GET", "/messages", apikey=key), 403, "INSUFFICIENT_SCOPE")
    assert_error(api("GET", "/messages/%s" % msg["id"], apikey=key), 403, "INSUFFICIENT_SCOPE")


def test_read_only_and_unrelated_scopes(api, owner):
    ro = create_api_key(api, owner.access, scopes=["read_only"])["key"]
    assert_list(api("GET", "/messages", apikey=ro))
    assert_error(api("POST", "/messages", json={"to": ke_phone(), "body": "x"}, apikey=ro),
                 403, "INSUFFICIENT_SCOPE")
    contacts = create_api_key(api, owner.access, scopes=["contacts:write"])["key"]
    assert_error(api("POST", "/messages", json={"to": ke_phone(), "body": "x"},
                     apikey=contacts), 403, "INSUFFICIENT_SCOPE")
    full = create_api_key(api, owner.access)["key"]
    send(api, apikey=full, to=ke_phone(), body="full access")


def test_phone_number_validation_needs_the_read_scope(api, owner):
    read = create_api_key(api, owner.access, scopes=["messages:read"])["key"]
    send_only = create_api_key(api, owner.access, scopes=["messages:send"])["key"]
    data = assert_ok(api("POST", "/phone-numbers/validate", json={"number": "+254712345678"},
                         apikey=read))
    assert data["valid"] is True
    assert_error(api("POST", "/phone-numbers/validate", json={"number": "+254712345678"},
                     apikey=send_only), 403, "INSUFFICIENT_SCOPE")


def test_cancel_needs_the_send_scope(api, owner):
    msg = send(api, owner.access, to=ke_phone(), body="later",
               send_at=iso(utcnow() + datetime.timedelta(hours=1)))
    read = create_api_key(api, owner.access, scopes=["messages:read"])["key"]
    assert_error(api("POST", "/messages/%s/cancel" % msg["id"], apikey=read), 403,
                 "INSUFFICIENT_SCOPE")
    assert get_message(api, owner.access, msg["id"])["status"] == "scheduled"
    send_key = create_api_key(api, owner.access, scopes=["messages:send"])["key"]
    assert assert_ok(api("POST", "/messages/%s/cancel" % msg["id"], apikey=send_key))[
        "status"] == "canceled"


def test_messaging_needs_authentication(api):
    u.assert_unauthenticated(api("POST", "/messages", json={"to": "+254712345678", "body": "x"}))
    u.assert_unauthenticated(api("GET", "/messages"))
    u.assert_unauthenticated(api("GET", "/messages/stats"))
