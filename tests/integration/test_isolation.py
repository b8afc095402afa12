"""Tenant isolation: another account's ids answer 404 and nothing changes.

Two registered business accounts A and B, and two resellers RA and RB (RA
with a client C), built once for this module.  Every test only attempts
changes that must be refused, then checks A's objects through A's eyes.
"""

import time
import types
import uuid

import pytest

from ujumbe_it import (add_member, assert_error, assert_list, assert_ok, create_api_key,
                       create_child, create_reseller, jwt_decode, jwt_forge, register)


@pytest.fixture(scope="module")
def world(api, admin):
    a = register(api)
    b = register(api)
    a_key = create_api_key(api, a.access, name="A's key")
    b_key = create_api_key(api, b.access, name="B's key")
    a_agent, _, _ = add_member(api, a.access, role="agent", name="A Agent")
    _, ra_owner = create_reseller(api, admin)
    rb_account, rb_owner = create_reseller(api, admin)
    child, _ = create_child(api, ra_owner.access)
    return types.SimpleNamespace(a=a, b=b, a_key=a_key, b_key=b_key, a_agent=a_agent,
                                 ra_owner=ra_owner, rb_owner=rb_owner, rb_account=rb_account,
                                 child=child)


def _assert_a_untouched(api, w):
    a = w.a
    key = assert_ok(api("GET", "/api-keys/%s" % w.a_key["id"], token=a.access))
    assert key["revoked_at"] is None and key["name"] == "A's key", key
    assert assert_ok(api("GET", "/auth/me", apikey=w.a_key["key"]))["id"] == a.user_id
    agent = assert_ok(api("GET", "/users/%s" % w.a_agent["id"], token=a.access))
    assert agent["role"] == "agent" and agent["is_active"] is True, agent
    assert agent["name"] == "A Agent" and agent.get("max_messages_per_day") == \
        w.a_agent.get("max_messages_per_day")
    me = assert_ok(api("GET", "/users/%s" % a.user_id, token=a.access))
    assert me["role"] == "owner" and me["is_active"] is True, me
    users = assert_list(api("GET", "/users", token=a.access))
    assert users["count"] == 2
    account = assert_ok(api("GET", "/accounts/current", token=a.access))
    assert account["name"] == a.account["name"] and account["status"] == "active"


def _user_and_key_attempts(w):
    key_id, agent_id, owner_id = w.a_key["id"], w.a_agent["id"], w.a.user_id
    return [
        ("GET", "/api-keys/%s" % key_id, None),
        ("DELETE", "/api-keys/%s" % key_id, None),
        ("GET", "/users/%s" % agent_id, None),
        ("PUT", "/users/%s" % agent_id, {"role": "admin", "name": "Hijacked",
                                         "max_messages_per_day": 1}),
        ("POST", "/users/%s/deactivate" % agent_id, None),
        ("POST", "/users/%s/activate" % agent_id, None),
        ("DELETE", "/users/%s" % agent_id, None),
        ("GET", "/users/%s" % owner_id, None),
        ("PUT", "/users/%s" % owner_id, {"role": "agent"}),
        ("POST", "/users/%s/deactivate" % owner_id, None),
        ("DELETE", "/users/%s" % owner_id, None),
    ]


ATTEMPT_IDS = ["get-key", "delete-key", "get-user", "put-user", "deactivate-user",
               "activate-user", "delete-user", "get-owner", "put-owner", "deactivate-owner",
               "delete-owner"]


@pytest.mark.parametrize("index", range(len(ATTEMPT_IDS)), ids=ATTEMPT_IDS)
def test_other_account_ids_are_404_by_bearer(api, world, index):
    method, path, body = _user_and_key_attempts(world)[index]
    assert_error(api(method, path, json=body, token=world.b.access), 404, "NOT_FOUND")
    _assert_a_untouched(api, world)


@pytest.mark.parametrize("index", range(len(ATTEMPT_IDS)), ids=ATTEMPT_IDS)
def test_other_account_ids_are_404_by_api_key(api, world, index):
    method, path, body = _user_and_key_attempts(world)[index]
    assert_error(api(method, path, json=body, apikey=world.b_key["key"]), 404, "NOT_FOUND")
    _assert_a_untouched(api, world)


def test_lists_show_only_own_objects(api, world):
    users = assert_list(api("GET", "/users", token=world.b.access))
    ids = {u["id"] for u in users["results"]}
    assert ids == {world.b.user_id} and users["count"] == 1
    keys = assert_list(api("GET", "/api-keys", token=world.b.access))
    assert {k["id"] for k in keys["results"]} == {world.b_key["id"]}
    searched = assert_list(api("GET", "/users?search=A%20Agent", token=world.b.access))
    assert searched["count"] == 0


def test_switch_into_another_account_is_404(api, world):
    resp = api("POST", "/accounts/switch", json={"account_id": world.a.account_id},
               token=world.b.access)
    assert_error(resp, 404, "NOT_FOUND")
    assert_ok(api("GET", "/accounts/current", token=world.b.access))
    _assert_a_untouched(api, world)


@pytest.mark.parametrize("action", ["get", "put", "suspend", "resume"])
def test_other_resellers_child_is_404(api, world, action):
    path = "/accounts/children/%s" % world.child["id"]
    method, body = {"get": ("GET", None), "put": ("PUT", {"business_name": "Stolen"}),
                    "suspend": ("POST", None), "resume": ("POST", None)}[action]
    if action in ("suspend", "resume"):
        path += "/" + action
    assert_error(api(method, path, json=body, token=world.rb_owner.access), 404, "NOT_FOUND")
    child = assert_ok(api("GET", "/accounts/children/%s" % world.child["id"],
                          token=world.ra_owner.access))
    assert child["status"] == "active"
    assert child["business_name"] == world.child["business_name"]


@pytest.mark.parametrize("action", ["get", "put", "suspend"])
def test_business_account_cannot_reach_a_child(api, world, action):
    path = "/accounts/children/%s" % world.child["id"]
    method, body = {"get": ("GET", None), "put": ("PUT", {"business_name": "Stolen"}),
                    "suspend": ("POST", None)}[action]
    if action == "suspend":
        path += "/suspend"
    assert_error(api(method, path, json=body, token=world.b.access), (403, 404))
    child = assert_ok(api("GET", "/accounts/children/%s" % world.child["id"],
                          token=world.ra_owner.access))
    assert child["status"] == "active"
    assert child["business_name"] == world.child["business_name"]


def test_login_with_another_accounts_id_is_refused(api, world):
    resp = api("POST", "/auth/login", json={"email": world.b.email, "password": world.b.password,
                                            "account_id": world.a.account_id})
    assert_error(resp, (400, 401, 403, 404))


def test_validly_signed_token_with_foreign_acc_claim_sees_nothing_of_it(api, world):
    # Even a token signed with the real key cannot lend B's user A's account:
    # membership is checked on every request.
    header, claims, _ = jwt_decode(world.b.access)
    now = int(time.time())
    claims.update({"acc": world.a.account_id, "jti": str(uuid.uuid4()), "iat": now,
                   "exp": now + 600})
    token = jwt_forge(claims, header=header)
    resp = api("GET", "/accounts/current", token=token)
    if resp.status == 200:
        assert assert_ok(resp)["id"] != world.a.account_id
    else:
        assert_error(resp, (401, 403, 404))
    resp = api("GET", "/users", token=token)
    if resp.status == 200:
        ids = {u["id"] for u in assert_list(resp)["results"]}
        assert world.a_agent["id"] not in ids and world.a.user_id not in ids
    else:
        assert_error(resp, (401, 403, 404))
    resp = api("GET", "/api-keys/%s" % world.a_key["id"], token=token)
    assert resp.status != 200, resp
    _assert_a_untouched(api, world)
