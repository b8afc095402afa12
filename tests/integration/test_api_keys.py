"""API keys: shown once, authenticate, last use, revocation, scopes, roles."""

import pytest

from ujumbe_it import (assert_done, assert_error, assert_list, assert_ok, assert_unauthenticated,
                       assert_validation, create_api_key, is_timestamp, is_uuid7, member,
                       unique_name)

KEY_FIELDS = ("id", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at",
              "revoked_at")


def test_create_shows_the_key_once(api, owner):
    name = unique_name("ci key")
    key = create_api_key(api, owner.access, name=name)
    for field in KEY_FIELDS + ("key",):
        assert field in key, "missing %s in %s" % (field, key)
    assert is_uuid7(key["id"])
    assert key["name"] == name
    assert isinstance(key["key"], str) and len(key["key"]) >= 24, key
    assert isinstance(key["prefix"], str) and key["prefix"], key
    assert key["key"].startswith(key["prefix"]), key
    assert key["prefix"] != key["key"]
    assert key["scopes"] == ["full_access"], key
    assert is_timestamp(key["created_at"])
    assert key["last_used_at"] is None and key["revoked_at"] is None and key["expires_at"] is None

    got = assert_ok(api("GET", "/api-keys/%s" % key["id"], token=owner.access))
    assert "key" not in got, got
    assert got["id"] == key["id"] and got["prefix"] == key["prefix"]
    assert key["key"] not in str(got)

    listing = assert_list(api("GET", "/api-keys", token=owner.access))
    assert listing["count"] == 1
    assert [k["id"] for k in listing["results"]] == [key["id"]]
    for item in listing["results"]:
        assert "key" not in item, item
    assert key["key"] not in str(listing)


def test_two_keys_differ(api, owner):
    a = create_api_key(api, owner.access)
    b = create_api_key(api, owner.access)
    assert a["id"] != b["id"] and a["key"] != b["key"]
    assert assert_list(api("GET", "/api-keys", token=owner.access))["count"] == 2


def test_api_key_authenticates_as_its_creator(api, owner):
    key = create_api_key(api, owner.access)
    me = assert_ok(api("GET", "/auth/me", apikey=key["key"]))
    assert me["id"] == owner.user_id
    assert me["account"]["id"] == owner.account_id
    account = assert_ok(api("GET", "/accounts/current", apikey=key["key"]))
    assert account["id"] == owner.account_id


def test_last_used_at_is_set_after_use(api, owner):
    key = create_api_key(api, owner.access)
    assert_ok(api("GET", "/accounts/current", apikey=key["key"]))
    got = assert_ok(api("GET", "/api-keys/%s" % key["id"], token=owner.access))
    assert is_timestamp(got["last_used_at"]), got


def test_revoked_key_fails_on_the_next_request(api, owner):
    key = create_api_key(api, owner.access)
    assert_ok(api("GET", "/auth/me", apikey=key["key"]))
    assert_done(api("DELETE", "/api-keys/%s" % key["id"], token=owner.access))
    assert_unauthenticated(api("GET", "/auth/me", apikey=key["key"]))
    assert_unauthenticated(api("GET", "/accounts/current", apikey=key["key"]))
    got = api("GET", "/api-keys/%s" % key["id"], token=owner.access)
    if got.status == 200:
        assert is_timestamp(assert_ok(got)["revoked_at"]), got
    else:
        assert_error(got, 404, "NOT_FOUND")


def test_tampered_key_is_401(api, owner):
    key = create_api_key(api, owner.access)["key"]
    flipped = key[:-1] + ("A" if key[-1] != "A" else "B")
    variants = {flipped, key + "x", key[:-1], key.upper(), key.lower(), key.swapcase()} - {key}
    for bad in sorted(variants):
        assert_unauthenticated(api("GET", "/auth/me", apikey=bad))
    assert_ok(api("GET", "/auth/me", apikey=key))


def test_api_key_is_not_a_bearer_token(api, owner):
    key = create_api_key(api, owner.access)["key"]
    assert_unauthenticated(api("GET", "/auth/me", token=key))


def test_read_only_scope_reads_but_cannot_write(api, owner):
    key = create_api_key(api, owner.access, scopes=["read_only"])
    assert key["scopes"] == ["read_only"]
    account = assert_ok(api("GET", "/accounts/current", apikey=key["key"]))
    assert account["id"] == owner.account_id
    assert_list(api("GET", "/users", apikey=key["key"]))
    resp = api("PUT", "/accounts/current", json={"name": "Hijacked"}, apikey=key["key"])
    assert_error(resp, 403, "INSUFFICIENT_SCOPE")
    assert_error(api("POST", "/api-keys", json={"name": "escalate"}, apikey=key["key"]),
                 403, "INSUFFICIENT_SCOPE")
    assert_error(api("POST", "/users", json={"email": "x-%s@example.com" % key["id"][:8],
                                             "name": "X", "password": "whatever-123",
                                             "role": "admin"}, apikey=key["key"]),
                 403, "INSUFFICIENT_SCOPE")
    # nothing changed
    current = assert_ok(api("GET", "/accounts/current", token=owner.access))
    assert current["name"] == account["name"]


def test_narrow_scope_limits_routes(api, owner):
    key = create_api_key(api, owner.access, scopes=["users:read"])
    assert_list(api("GET", "/users", apikey=key["key"]))
    assert_error(api("GET", "/api-keys", apikey=key["key"]), 403, "INSUFFICIENT_SCOPE")
    assert_error(api("PUT", "/accounts/current", json={"name": "nope"}, apikey=key["key"]),
                 403, "INSUFFICIENT_SCOPE")


def test_account_write_scope_can_update_account(api, owner):
    key = create_api_key(api, owner.access, scopes=["account:read", "account:write"])
    name = unique_name("Via key")
    data = assert_ok(api("PUT", "/accounts/current", json={"name": name}, apikey=key["key"]))
    assert data["name"] == name


@pytest.mark.parametrize("scopes", [["superpowers"], ["read_only", "admin:*"], "full_access",
                                    [42]])
def test_unknown_or_malformed_scope_is_400(api, owner, scopes):
    resp = api("POST", "/api-keys", json={"name": "bad", "scopes": scopes}, token=owner.access)
    assert_validation(resp, "scopes")
    assert assert_list(api("GET", "/api-keys", token=owner.access))["count"] == 0


@pytest.mark.parametrize("body,field", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": 5}, "name"),
    ({"name": "n" * 201}, "name"),
    ({"name": "ok", "expires_at": "next tuesday"}, "expires_at"),
])
def test_create_key_validates(api, owner, body, field):
    assert_validation(api("POST", "/api-keys", json=body, token=owner.access), field)


def test_key_with_future_expiry_echoes_it(api, owner):
    key = create_api_key(api, owner.access, expires_at="2099-01-01T00:00:00Z")
    assert key["expires_at"] == "2099-01-01T00:00:00Z"
    assert_ok(api("GET", "/auth/me", apikey=key["key"]))


def test_key_with_past_expiry_never_authenticates(api, owner):
    resp = api("POST", "/api-keys", json={"name": "stale", "expires_at": "2001-01-01T00:00:00Z"},
               token=owner.access)
    if resp.status == 400:
        assert_validation(resp, "expires_at")
        return
    key = assert_ok(resp, 201)
    assert_unauthenticated(api("GET", "/auth/me", apikey=key["key"]))


def test_admin_can_manage_keys(api, owner):
    admin_member = member(api, owner, role="admin")
    key = create_api_key(api, admin_member.access)
    me = assert_ok(api("GET", "/auth/me", apikey=key["key"]))
    assert me["id"] == admin_member.user_id and me["role"] == "admin"


def test_agent_cannot_create_or_list_keys(api, owner):
    agent = member(api, owner, role="agent")
    assert_error(api("POST", "/api-keys", json={"name": "agent key"}, token=agent.access),
                 403, "FORBIDDEN")
    owner_key = create_api_key(api, owner.access)
    assert_error(api("DELETE", "/api-keys/%s" % owner_key["id"], token=agent.access),
                 (403, 404))
    assert_ok(api("GET", "/auth/me", apikey=owner_key["key"]))


def test_unknown_key_id_is_404(api, owner):
    missing = "0190f5f2-1234-7abc-8def-0123456789ab"
    assert_error(api("GET", "/api-keys/%s" % missing, token=owner.access), 404, "NOT_FOUND")
    assert_error(api("DELETE", "/api-keys/%s" % missing, token=owner.access), 404, "NOT_FOUND")
