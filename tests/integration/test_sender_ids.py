"""Sender ids (docs/api-messaging.md, "Sender ids"): registration, validation,
bulk registration, listing, approval by the platform admin, rejection,
sending with an approved sender id, countries, roles and API key scopes.

The shared server runs with UJUMBE_SANDBOX_GATEWAY=true, so messages sent
with an approved sender id are delivered.
"""

import time

import pytest

import ujumbe_it as u
from ujumbe_it import (assert_error, assert_list, assert_ok, create_api_key, is_timestamp,
                       with_query)

SENDER_FIELDS = ("id", "account_id", "sender_id", "country", "kind", "purpose", "status",
                 "reason", "decided_at", "created_at", "updated_at")

_counter = iter(range(10 ** 6))


def ke_phone():
    return "+2547%08d" % (40000000 + next(_counter))


def tz_phone():
    return "+2557%08d" % (40000000 + next(_counter))


def unique_sender(prefix="S"):
    """An alphanumeric sender id of at most 11 characters, unique per process."""
    return "%s%07d" % (prefix, next(_counter))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def create_sender(api, token=None, apikey=None, status=201, **body):
    return assert_ok(api("POST", "/sender-ids", json=body, token=token, apikey=apikey), status)


def approve(api, admin, sid):
    data = assert_ok(api("POST", "/sender-ids/%s/approve" % sid, json={}, token=admin.access))
    assert data["status"] == "approved", data
    return data


def wait_delivered(api, token, mid, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        msg = assert_ok(api("GET", "/messages/%s" % mid, token=token))
        if msg["status"] in ("delivered", "undelivered", "expired", "rejected", "failed"):
            return msg
        assert time.monotonic() < deadline, msg
        time.sleep(0.05)


# --------------------------------------------------------------------------
# Registration and validation
# --------------------------------------------------------------------------

def test_register_sender_id_starts_pending(api, owner):
    name = unique_sender("Acme")
    resp = api("POST", "/sender-ids", json={"sender_id": name, "country": "KE",
                                            "purpose": "order alerts"}, token=owner.access)
    data = assert_ok(resp, 201)
    for field in SENDER_FIELDS:
        assert field in data, (field, data)
    assert data["sender_id"] == name and data["country"] == "KE"
    assert data["status"] == "pending" and data["kind"] == "alphanumeric"
    assert data["purpose"] == "order alerts"
    assert data["account_id"] == owner.account_id
    assert data["reason"] is None and data["decided_at"] is None
    assert is_timestamp(data["created_at"])
    got = assert_ok(api("GET", "/sender-ids/%s" % data["id"], token=owner.access))
    assert got == data


def test_numeric_and_global_sender_ids(api, owner):
    num = create_sender(api, owner.access, sender_id="254700000001", country="KE")
    assert num["kind"] == "numeric" and num["status"] == "pending"
    longest = create_sender(api, owner.access, sender_id="1" * 15, country="KE")
    assert longest["kind"] == "numeric"
    zz = create_sender(api, owner.access, sender_id="Global Co", country="ZZ")
    assert zz["country"] == "ZZ" and zz["kind"] == "alphanumeric"
    eleven = create_sender(api, owner.access, sender_id="ABCDEFGHIJK", country="KE")
    assert eleven["sender_id"] == "ABCDEFGHIJK"


def test_same_sender_id_and_country_twice_is_409(api, owner):
    name = unique_sender()
    create_sender(api, owner.access, sender_id=name, country="KE")
    resp = api("POST", "/sender-ids", json={"sender_id": name, "country": "KE"},
               token=owner.access)
    assert_error(resp, 409, "SENDER_ID_EXISTS")
    # the same sender id for another country is a separate registration
    other = create_sender(api, owner.access, sender_id=name, country="TZ")
    assert other["country"] == "TZ"
    listed = assert_list(api("GET", with_query("/sender-ids", search=name), token=owner.access))
    assert listed["count"] == 2


@pytest.mark.parametrize("body,field", [
    ({"sender_id": "ABCDEFGHIJKL", "country": "KE"}, "sender_id"),      # 12 characters
    ({"sender_id": "1234567890123456", "country": "KE"}, "sender_id"),  # 16 digits
    ({"sender_id": "Bad!Name", "country": "KE"}, "sender_id"),
    ({"sender_id": "12 34", "country": "KE"}, "sender_id"),            # no letter, not numeric
    ({"sender_id": "-_. &", "country": "KE"}, "sender_id"),            # no letter
    ({"sender_id": "", "country": "KE"}, "sender_id"),
    ({"country": "KE"}, "sender_id"),
    ({"sender_id": 12345, "country": "KE"}, "sender_id"),
    ({"sender_id": "Acme", "country": "XX"}, "country"),
    ({"sender_id": "Acme", "country": "Kenya"}, "country"),
    ({"sender_id": "Acme"}, "country"),
], ids=["alnum12", "digits16", "bad-chars", "digits-space", "punctuation", "blank", "missing",
        "number", "country-XX", "country-name", "country-missing"])
def test_invalid_sender_id_is_400_naming_the_field(api, owner, body, field):
    resp = api("POST", "/sender-ids", json=body, token=owner.access)
    assert_error(resp, 400, field=field)
    assert assert_list(api("GET", "/sender-ids", token=owner.access))["count"] == 0


def test_lower_case_country_is_accepted_or_refused_consistently(api, owner):
    resp = api("POST", "/sender-ids", json={"sender_id": unique_sender(), "country": "ke"},
               token=owner.access)
    if resp.status == 201:
        assert resp.body["data"]["country"] == "KE"
    else:
        assert_error(resp, 400, field="country")


# --------------------------------------------------------------------------
# Bulk registration
# --------------------------------------------------------------------------

def test_bulk_register_with_mixed_entries(api, owner):
    existing = unique_sender()
    create_sender(api, owner.access, sender_id=existing, country="KE")
    new1, new2 = unique_sender(), unique_sender()
    entries = [
        {"sender_id": new1, "country": "KE", "purpose": "alerts"},
        {"sender_id": existing, "country": "KE"},
        {"sender_id": "ABCDEFGHIJKL", "country": "TZ"},
        {"sender_id": new2, "country": "ZZ"},
        {"sender_id": "Fine", "country": "QQ"},
    ]
    resp = api("POST", "/sender-ids/bulk", json={"sender_ids": entries}, token=owner.access)
    data = assert_ok(resp, 201)
    assert data["created"] == 2 and data["failed"] == 3, data
    results = data["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["created"] for r in results] == [True, False, False, True, False]
    assert results[0]["sender"]["sender_id"] == new1
    assert results[0]["sender"]["status"] == "pending"
    assert results[0]["sender"]["purpose"] == "alerts"
    assert results[3]["sender"]["country"] == "ZZ"
    assert results[1]["error_code"] == "SENDER_ID_EXISTS"
    for i in (2, 4):
        assert results[i]["error_code"] == "VALIDATION_ERROR", results[i]
        assert results[i]["message"] and results[i]["errors"], results[i]
    assert "sender_id" in results[2]["errors"], results[2]
    assert "country" in results[4]["errors"], results[4]
    listed = assert_list(api("GET", "/sender-ids", token=owner.access))
    assert listed["count"] == 3


def test_bulk_register_duplicates_within_one_call(api, owner):
    name = unique_sender()
    entries = [{"sender_id": name, "country": "KE"}, {"sender_id": name, "country": "KE"}]
    data = assert_ok(api("POST", "/sender-ids/bulk", json={"sender_ids": entries},
                         token=owner.access), 201)
    assert data["created"] == 1 and data["failed"] == 1, data
    assert data["results"][1]["error_code"] == "SENDER_ID_EXISTS"
    assert assert_list(api("GET", "/sender-ids", token=owner.access))["count"] == 1


def test_bulk_register_with_nothing_created_is_400(api, owner):
    entries = [{"sender_id": "ABCDEFGHIJKL", "country": "KE"}, {"sender_id": "X", "country": "QQ"}]
    resp = api("POST", "/sender-ids/bulk", json={"sender_ids": entries}, token=owner.access)
    assert_error(resp, 400)
    assert assert_list(api("GET", "/sender-ids", token=owner.access))["count"] == 0


def test_bulk_register_limits(api, owner):
    too_many = [{"sender_id": "N%05d" % i, "country": "KE"} for i in range(1001)]
    resp = api("POST", "/sender-ids/bulk", json={"sender_ids": too_many}, token=owner.access)
    assert_error(resp, 400, field="sender_ids")
    assert assert_list(api("GET", "/sender-ids", token=owner.access))["count"] == 0
    for body in ({}, {"sender_ids": []}, {"sender_ids": "Acme"}):
        assert_error(api("POST", "/sender-ids/bulk", json=body, token=owner.access), 400)
    thousand = [{"sender_id": "N%05d" % i, "country": "KE"} for i in range(1000)]
    data = assert_ok(api("POST", "/sender-ids/bulk", json={"sender_ids": thousand},
                         token=owner.access), 201)
    assert data["created"] == 1000 and data["failed"] == 0
    assert assert_list(api("GET", "/sender-ids", token=owner.access))["count"] == 1000


# --------------------------------------------------------------------------
# Listing, reading, deleting
# --------------------------------------------------------------------------

def test_list_filters_get_and_delete(api, owner, admin):
    a = create_sender(api, owner.access, sender_id="Alpha", country="KE")
    b = create_sender(api, owner.access, sender_id="Beta", country="TZ")
    c = create_sender(api, owner.access, sender_id="Gamma", country="KE")
    approve(api, admin, c["id"])
    tok = owner.access

    def ids(**params):
        data = assert_list(api("GET", with_query("/sender-ids", **params), token=tok))
        return sorted(s["id"] for s in data["results"])

    assert ids() == sorted([a["id"], b["id"], c["id"]])
    assert ids(country="KE") == sorted([a["id"], c["id"]])
    assert ids(status="pending") == sorted([a["id"], b["id"]])
    assert ids(status="approved") == [c["id"]]
    assert ids(status="rejected") == []
    assert ids(search="bet") == [b["id"]]
    assert ids(search="Gamma", country="TZ") == []

    got = assert_ok(api("GET", "/sender-ids/%s" % b["id"], token=tok))
    assert got["sender_id"] == "Beta" and got["country"] == "TZ"
    u.assert_done(api("DELETE", "/sender-ids/%s" % b["id"], token=tok))
    u.assert_not_found(api("GET", "/sender-ids/%s" % b["id"], token=tok))
    u.assert_not_found(api("DELETE", "/sender-ids/%s" % b["id"], token=tok))
    assert ids() == sorted([a["id"], c["id"]])
    # once deleted, the same sender id may be registered again
    again = create_sender(api, tok, sender_id="Beta", country="TZ")
    assert again["status"] == "pending"


def test_list_bad_status_filter_is_400(api, owner):
    resp = api("GET", "/sender-ids?status=bogus", token=owner.access)
    assert_error(resp, 400, field="status")


def test_platform_admin_lists_and_reads_every_accounts_sender_ids(api, admin, register):
    a, b = register(), register()
    sa = create_sender(api, a.access, sender_id=unique_sender("A"), country="KE")
    sb = create_sender(api, b.access, sender_id=unique_sender("B"), country="TZ")
    got = assert_ok(api("GET", "/sender-ids/%s" % sa["id"], token=admin.access))
    assert got["account_id"] == a.account_id
    pending = u.list_all(api, admin.access, "/sender-ids", status="pending")[0]
    seen = {s["id"] for s in pending}
    assert sa["id"] in seen and sb["id"] in seen
    # but owners only see their own
    assert [s["id"] for s in assert_list(api("GET", "/sender-ids", token=a.access))[
        "results"]] == [sa["id"]]


# --------------------------------------------------------------------------
# Approval and rejection
# --------------------------------------------------------------------------

def test_approved_sender_id_is_used_for_that_country(api, owner, admin):
    name = unique_sender("Shop")
    sid = create_sender(api, owner.access, sender_id=name, country="KE")
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "x", "sender_id": name},
               token=owner.access)
    assert_error(resp, 422, "SENDER_ID_NOT_APPROVED")
    data = approve(api, admin, sid["id"])
    assert is_timestamp(data["decided_at"])
    assert assert_ok(api("GET", "/sender-ids/%s" % sid["id"], token=owner.access))[
        "status"] == "approved"
    msg = assert_ok(api("POST", "/messages", json={"to": ke_phone(), "body": "From the shop",
                                                   "sender_id": name}, token=owner.access), 201)
    assert msg["sender_id"] == name
    done = wait_delivered(api, owner.access, msg["id"])
    assert done["status"] == "delivered" and done["sender_id"] == name
    # not approved for another country
    resp = api("POST", "/messages", json={"to": tz_phone(), "body": "x", "sender_id": name},
               token=owner.access)
    assert_error(resp, 422, "SENDER_ID_NOT_APPROVED", "sender_id")
    listed = assert_list(api("GET", with_query("/messages", sender_id=name), token=owner.access))
    assert [m["id"] for m in listed["results"]] == [msg["id"]]


def test_bulk_with_a_sender_id_approved_for_one_country(api, owner, admin):
    name = unique_sender("Bulk")
    approve(api, admin, create_sender(api, owner.access, sender_id=name, country="KE")["id"])
    ke, tz = ke_phone(), tz_phone()
    data = assert_ok(api("POST", "/messages/bulk", json={"to": [ke, tz], "body": "x",
                                                         "sender_id": name},
                         token=owner.access), 201)
    assert (data["accepted"], data["rejected"]) == (1, 1), data
    assert data["results"][0]["status"] == "queued"
    assert data["results"][1]["error_code"] == "SENDER_ID_NOT_APPROVED"
    msg = assert_ok(api("GET", "/messages/%s" % data["results"][0]["id"], token=owner.access))
    assert msg["sender_id"] == name
    resp = api("POST", "/messages/bulk", json={"to": [tz], "body": "x", "sender_id": name},
               token=owner.access)
    body = assert_error(resp, 400)
    assert body["details"]["results"][0]["error_code"] == "SENDER_ID_NOT_APPROVED"


def test_sender_id_approved_for_zz_works_everywhere(api, owner, admin):
    name = unique_sender("Glob")
    sid = create_sender(api, owner.access, sender_id=name, country="ZZ")
    approve(api, admin, sid["id"])
    for to in (ke_phone(), tz_phone(), "+12025550143"):
        msg = assert_ok(api("POST", "/messages", json={"to": to, "body": "x", "sender_id": name},
                            token=owner.access), 201)
        assert msg["sender_id"] == name


def test_numeric_sender_id_approved(api, owner, admin):
    sid = create_sender(api, owner.access, sender_id="254700123456", country="KE")
    approve(api, admin, sid["id"])
    msg = assert_ok(api("POST", "/messages", json={"to": ke_phone(), "body": "x",
                                                   "sender_id": "254700123456"},
                        token=owner.access), 201)
    assert msg["sender_id"] == "254700123456"


def test_only_the_platform_admin_approves_or_rejects(api, owner, register):
    sid = create_sender(api, owner.access, sender_id=unique_sender(), country="KE")
    admin_member = u.member(api, owner, role="admin")
    other = register()
    for actor in (owner, admin_member):
        for action in ("approve", "reject"):
            resp = api("POST", "/sender-ids/%s/%s" % (sid["id"], action), json={},
                       token=actor.access)
            assert_error(resp, 403, "FORBIDDEN")
    for action in ("approve", "reject"):
        resp = api("POST", "/sender-ids/%s/%s" % (sid["id"], action), json={},
                   token=other.access)
        assert_error(resp, (403, 404))
    key = create_api_key(api, owner.access)["key"]
    assert_error(api("POST", "/sender-ids/%s/approve" % sid["id"], json={}, apikey=key), 403)
    assert assert_ok(api("GET", "/sender-ids/%s" % sid["id"], token=owner.access))[
        "status"] == "pending"


def test_approve_twice_is_409(api, owner, admin):
    sid = create_sender(api, owner.access, sender_id=unique_sender(), country="KE")
    approve(api, admin, sid["id"])
    resp = api("POST", "/sender-ids/%s/approve" % sid["id"], json={}, token=admin.access)
    body = assert_error(resp, 409, "INVALID_STATUS")
    assert body["details"]["current_status"] == "approved"
    assert body["details"]["allowed_statuses"] == ["pending"]
    resp = api("POST", "/sender-ids/%s/reject" % sid["id"], json={"reason": "late"},
               token=admin.access)
    assert_error(resp, 409, "INVALID_STATUS")


def test_reject_with_reason(api, owner, admin):
    name = unique_sender()
    sid = create_sender(api, owner.access, sender_id=name, country="KE")
    resp = api("POST", "/sender-ids/%s/reject" % sid["id"],
               json={"reason": "Brand name not proven"}, token=admin.access)
    data = assert_ok(resp)
    assert data["status"] == "rejected" and data["reason"] == "Brand name not proven"
    assert is_timestamp(data["decided_at"])
    got = assert_ok(api("GET", "/sender-ids/%s" % sid["id"], token=owner.access))
    assert got["status"] == "rejected" and got["reason"] == "Brand name not proven"
    resp = api("POST", "/sender-ids/%s/approve" % sid["id"], json={}, token=admin.access)
    body = assert_error(resp, 409, "INVALID_STATUS")
    assert body["details"]["current_status"] == "rejected"
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "x", "sender_id": name},
               token=owner.access)
    assert_error(resp, 422, "SENDER_ID_NOT_APPROVED")
    assert [s["id"] for s in assert_list(api("GET", "/sender-ids?status=rejected",
                                             token=owner.access))["results"]] == [sid["id"]]


def test_approve_unknown_sender_id_is_404(api, admin):
    missing = "01900000-0000-7000-8000-000000000000"
    u.assert_not_found(api("POST", "/sender-ids/%s/approve" % missing, json={},
                           token=admin.access))


def test_deleted_approved_sender_id_can_no_longer_be_used(api, owner, admin):
    name = unique_sender()
    sid = create_sender(api, owner.access, sender_id=name, country="KE")
    approve(api, admin, sid["id"])
    assert_ok(api("POST", "/messages", json={"to": ke_phone(), "body": "x", "sender_id": name},
                  token=owner.access), 201)
    u.assert_done(api("DELETE", "/sender-ids/%s" % sid["id"], token=owner.access))
    resp = api("POST", "/messages", json={"to": ke_phone(), "body": "x", "sender_id": name},
               token=owner.access)
    assert_error(resp, 422, "SENDER_ID_NOT_APPROVED")


# --------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------

def test_countries_list(api, owner):
    data = assert_ok(api("GET", "/sender-ids/countries", token=owner.access))
    rows = data["results"] if isinstance(data, dict) else data
    by_code = {r["code"]: r for r in rows}
    assert "ZZ" in by_code
    assert by_code["KE"]["calling_code"] == 254
    assert by_code["TZ"]["calling_code"] == 255
    assert by_code["US"]["calling_code"] == 1
    assert len(by_code) > 200
    if isinstance(data, dict) and "count" in data:
        assert data["count"] == len(rows) and data.get("next") is None


# --------------------------------------------------------------------------
# Roles and API key scopes
# --------------------------------------------------------------------------

def test_agent_cannot_register_or_delete(api, owner):
    sid = create_sender(api, owner.access, sender_id=unique_sender(), country="KE")
    agent = u.member(api, owner, role="agent")
    resp = api("POST", "/sender-ids", json={"sender_id": unique_sender(), "country": "KE"},
               token=agent.access)
    assert_error(resp, 403, "FORBIDDEN")
    resp = api("POST", "/sender-ids/bulk",
               json={"sender_ids": [{"sender_id": unique_sender(), "country": "KE"}]},
               token=agent.access)
    assert_error(resp, 403, "FORBIDDEN")
    assert_error(api("DELETE", "/sender-ids/%s" % sid["id"], token=agent.access), 403,
                 "FORBIDDEN")
    assert assert_list(api("GET", "/sender-ids", token=owner.access))["count"] == 1


def test_account_admin_can_register_and_delete(api, owner):
    adm = u.member(api, owner, role="admin")
    sid = create_sender(api, adm.access, sender_id=unique_sender(), country="KE")
    u.assert_done(api("DELETE", "/sender-ids/%s" % sid["id"], token=adm.access))


def test_sender_id_api_key_scopes(api, owner):
    read = create_api_key(api, owner.access, scopes=["sender_ids:read"])["key"]
    write = create_api_key(api, owner.access, scopes=["sender_ids:write"])["key"]
    msgs = create_api_key(api, owner.access, scopes=["messages:send"])["key"]
    sid = create_sender(api, apikey=write, sender_id=unique_sender(), country="KE")
    assert_error(api("POST", "/sender-ids", json={"sender_id": unique_sender(), "country": "KE"},
                     apikey=read), 403, "INSUFFICIENT_SCOPE")
    assert_error(api("POST", "/sender-ids", json={"sender_id": unique_sender(), "country": "KE"},
                     apikey=msgs), 403, "INSUFFICIENT_SCOPE")
    assert_error(api("DELETE", "/sender-ids/%s" % sid["id"], apikey=read), 403,
                 "INSUFFICIENT_SCOPE")
    listed = assert_list(api("GET", "/sender-ids", apikey=read))
    assert [s["id"] for s in listed["results"]] == [sid["id"]]
    assert_ok(api("GET", "/sender-ids/%s" % sid["id"], apikey=read))
    assert_error(api("GET", "/sender-ids", apikey=msgs), 403, "INSUFFICIENT_SCOPE")
    u.assert_done(api("DELETE", "/sender-ids/%s" % sid["id"], apikey=write))


def test_sender_ids_need_authentication(api):
    u.assert_unauthenticated(api("GET", "/sender-ids"))
    u.assert_unauthenticated(api("POST", "/sender-ids", json={"sender_id": "Acme",
                                                              "country": "KE"}))
