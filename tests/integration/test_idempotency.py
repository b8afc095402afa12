"""Idempotency-Key on authenticated POSTs: replay, reuse, per-account keys, races."""

import threading
import uuid

import pytest

from ujumbe_it import (assert_done, assert_error, assert_list, assert_ok, count_of,
                       create_api_key, describe, post_import, tz_phone, unique_email,
                       wait_import)


def _key():
    return "idem-" + uuid.uuid4().hex


def _post(api, path, body, token=None, key=None, apikey=None):
    headers = {"Idempotency-Key": key} if key is not None else None
    return api("POST", path, json=body, token=token, apikey=apikey, headers=headers)


def _replayed(resp):
    return resp.headers.get("idempotent-replayed", "").strip().lower() == "true"


def _contact_count(api, token):
    return assert_list(api("GET", "/contacts", token=token))["count"]


def test_replay_returns_the_first_answer(api, owner):
    key = _key()
    body = {"name": "Once", "phone_e164": tz_phone(), "tags": ["a"]}
    first = _post(api, "/contacts", body, owner.access, key)
    data = assert_ok(first, 201)
    assert not _replayed(first)
    second = _post(api, "/contacts", body, owner.access, key)
    assert second.status == 201, describe(second)
    assert second.body == first.body
    assert _replayed(second), second.headers
    third = _post(api, "/contacts", body, owner.access, key)
    assert third.status == 201 and third.body == first.body and _replayed(third)
    assert _contact_count(api, owner.access) == 1
    got = assert_ok(api("GET", "/contacts/%s" % data["id"], token=owner.access))
    assert got["updated_at"] == data["updated_at"]


def test_without_a_key_the_second_post_upserts(api, owner):
    body = {"name": "Twice", "phone_e164": tz_phone()}
    assert_ok(_post(api, "/contacts", body, owner.access), 201)
    again = _post(api, "/contacts", body, owner.access)
    assert assert_ok(again, 200)["upserted"] is True
    assert not _replayed(again)


def test_replay_does_not_repeat_the_effect(api, owner):
    # the replayed request would otherwise be an upsert answering 200
    key = _key()
    phone = tz_phone()
    first = _post(api, "/contacts", {"phone_e164": phone, "tags": ["first"]}, owner.access, key)
    assert_ok(first, 201)
    assert_ok(_post(api, "/contacts", {"phone_e164": phone, "name": "Changed"}, owner.access),
              200)
    replay = _post(api, "/contacts", {"phone_e164": phone, "tags": ["first"]}, owner.access,
                   key)
    assert replay.status == 201 and replay.body == first.body and _replayed(replay)
    got = assert_ok(api("GET", "/contacts/%s" % first.body["data"]["id"], token=owner.access))
    assert got["name"] == "Changed"


def test_same_key_different_body_is_422(api, owner):
    key = _key()
    assert_ok(_post(api, "/contacts", {"phone_e164": tz_phone()}, owner.access, key), 201)
    resp = _post(api, "/contacts", {"phone_e164": tz_phone()}, owner.access, key)
    assert_error(resp, 422, "IDEMPOTENCY_KEY_REUSED")
    assert _contact_count(api, owner.access) == 1


def test_same_key_different_path_is_422(api, owner):
    key = _key()
    assert_ok(_post(api, "/contacts", {"phone_e164": tz_phone()}, owner.access, key), 201)
    resp = _post(api, "/groups", {"name": "G"}, owner.access, key)
    assert_error(resp, 422, "IDEMPOTENCY_KEY_REUSED")
    assert assert_list(api("GET", "/groups", token=owner.access))["count"] == 0


def test_keys_are_per_account(api, owner, register):
    other = register()
    key = _key()
    body = {"name": "Shared key", "phone_e164": tz_phone()}
    mine = _post(api, "/contacts", body, owner.access, key)
    theirs = _post(api, "/contacts", body, other.access, key)
    assert_ok(mine, 201)
    assert_ok(theirs, 201)
    assert not _replayed(theirs)
    assert mine.body["data"]["id"] != theirs.body["data"]["id"]
    assert _contact_count(api, owner.access) == 1 and _contact_count(api, other.access) == 1
    # and with a different body in the other account it is no reuse either
    third = register()
    assert_ok(_post(api, "/contacts", {"phone_e164": tz_phone()}, third.access, key), 201)


def test_a_session_and_an_api_key_of_one_account_have_their_own_keys(api, owner):
    # Records are per caller (docs/decisions/0013): the key's request runs
    # as its own (an upsert of the same contact), never a replay.
    apikey = create_api_key(api, owner.access, scopes=["contacts:write"])["key"]
    key = _key()
    body = {"phone_e164": tz_phone()}
    first = _post(api, "/contacts", body, owner.access, key)
    assert_ok(first, 201)
    second = _post(api, "/contacts", body, key=key, apikey=apikey)
    assert assert_ok(second, 200)["upserted"] is True and not _replayed(second)
    assert _contact_count(api, owner.access) == 1


def test_concurrent_requests_with_one_key(api, owner):
    key = _key()
    body = {"name": "Race", "phone_e164": tz_phone(), "attributes": {"n": 1}}
    n = 8
    barrier = threading.Barrier(n)
    answers = [None] * n
    errors = []

    def worker(i):
        try:
            barrier.wait(10)
            answers[i] = _post(api, "/contacts", body, owner.access, key)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    originals = [a for a in answers if a.status != 409]
    assert originals, [describe(a) for a in answers]
    reference = originals[0]
    assert_ok(reference, 201)
    for a in answers:
        if a.status == 409:
            assert_error(a, 409, "IDEMPOTENCY_IN_PROGRESS")
            assert a.headers.get("retry-after", "").strip() == "1", a.headers
        else:
            assert a.status == 201 and a.body == reference.body, describe(a)
    assert sum(1 for a in originals if not _replayed(a)) <= 1
    assert _contact_count(api, owner.access) == 1
    after = _post(api, "/contacts", body, owner.access, key)
    assert after.status == 201 and after.body == reference.body and _replayed(after)


def test_validation_error_is_replayed(api, owner):
    key = _key()
    body = {"name": "No phone, no email"}
    first = _post(api, "/contacts", body, owner.access, key)
    assert_error(first, 400, "VALIDATION_ERROR", "phone_e164")
    second = _post(api, "/contacts", body, owner.access, key)
    assert second.status == 400 and second.body == first.body, describe(second)
    assert _replayed(second)
    assert _contact_count(api, owner.access) == 0


def test_conflict_is_replayed_even_after_the_conflict_is_gone(api, owner):
    token = owner.access
    name = "Group %s" % uuid.uuid4().hex[:6]
    existing = assert_ok(_post(api, "/groups", {"name": name}, token), 201)
    key = _key()
    first = _post(api, "/groups", {"name": name}, token, key)
    assert_error(first, 409, "CONFLICT")
    assert_done(api("DELETE", "/groups/%s" % existing["id"], token=token))
    second = _post(api, "/groups", {"name": name}, token, key)
    assert second.status == 409 and second.body == first.body and _replayed(second)
    assert assert_list(api("GET", "/groups", token=token))["count"] == 0


@pytest.mark.parametrize("key", ["", "k" * 256, "k" * 300, "clé", "tab\tkey"],
                         ids=["empty", "256", "300", "non-ascii", "control"])
def test_invalid_key_is_400(api, owner, key):
    resp = api("POST", "/contacts", json={"phone_e164": tz_phone()}, token=owner.access,
               headers={"Idempotency-Key": key})
    assert_error(resp, 400)
    assert _contact_count(api, owner.access) == 0


@pytest.mark.parametrize("key", ["k", "k" * 255, "a-Z_0.9:~!@#$%^&*()[]{}<>?/|+=key"],
                         ids=["one", "255", "printable"])
def test_key_limits(api, owner, key):
    body = {"phone_e164": tz_phone()}
    first = _post(api, "/contacts", body, owner.access, key)
    assert_ok(first, 201)
    second = _post(api, "/contacts", body, owner.access, key)
    assert second.status == 201 and second.body == first.body and _replayed(second)


def test_groups_honour_the_key(api, owner):
    key = _key()
    body = {"name": "Idempotent group", "description": "once"}
    first = _post(api, "/groups", body, owner.access, key)
    data = assert_ok(first, 201)
    second = _post(api, "/groups", body, owner.access, key)
    assert second.status == 201 and second.body == first.body and _replayed(second)
    listed = assert_list(api("GET", "/groups", token=owner.access))
    assert listed["count"] == 1 and listed["results"][0]["id"] == data["id"]
    # without the key the same body is a name conflict
    assert_error(_post(api, "/groups", body, owner.access), 409, "CONFLICT")


def test_group_member_add_is_replayed(api, owner):
    token = owner.access
    group = assert_ok(_post(api, "/groups", {"name": "Members"}, token), 201)
    contact = assert_ok(_post(api, "/contacts", {"email": unique_email("m")}, token), 201)
    key = _key()
    path = "/groups/%s/contacts" % group["id"]
    first = _post(api, path, {"contact_ids": [contact["id"]]}, token, key)
    assert_ok(first)
    second = _post(api, path, {"contact_ids": [contact["id"]]}, token, key)
    assert second.status == first.status and second.body == first.body and _replayed(second)
    # without the key the contact is now already a member
    plain = assert_ok(_post(api, path, {"contact_ids": [contact["id"]]}, token))
    assert count_of(plain["already_members"]) == 1 and count_of(plain["added"]) == 0


def test_consent_change_is_not_repeated(api, owner):
    token = owner.access
    contact = assert_ok(_post(api, "/contacts", {"phone_e164": tz_phone()}, token), 201)
    path = "/contacts/%s/opt-out" % contact["id"]
    key = _key()
    first = _post(api, path, {"reason": "STOP"}, token, key)
    assert_ok(first)
    second = _post(api, path, {"reason": "STOP"}, token, key)
    assert second.status == first.status and second.body == first.body and _replayed(second)
    history = assert_ok(api("GET", "/contacts/%s" % contact["id"],
                            token=token))["consent_history"]
    assert len([h for h in history if h["reason"] == "STOP"]) == 1


def test_import_is_not_started_twice(api, owner):
    token = owner.access
    key = _key()
    body = "phone,name\n+255712000401,Once\n"
    headers = {"Idempotency-Key": key}
    first = post_import(api, token, body, headers=headers)
    job = assert_ok(first, 202)
    second = post_import(api, token, body, headers=headers)
    assert second.status == 202 and second.body == first.body and _replayed(second)
    assert assert_list(api("GET", "/contacts/imports", token=token))["count"] == 1
    assert wait_import(api, token, job["id"])["created"] == 1
    other = post_import(api, token, "phone,name\n+255712000402,Other\n", headers=headers)
    assert_error(other, 422, "IDEMPOTENCY_KEY_REUSED")


def test_api_key_creation_honours_the_key(api, owner):
    key = _key()
    body = {"name": "Idempotent key", "scopes": ["contacts:read"]}
    first = _post(api, "/api-keys", body, owner.access, key)
    created = assert_ok(first, 201)
    second = _post(api, "/api-keys", body, owner.access, key)
    assert second.status == 201 and second.body == first.body and _replayed(second)
    keys = assert_list(api("GET", "/api-keys", token=owner.access))
    assert [k["id"] for k in keys["results"]] == [created["id"]]
