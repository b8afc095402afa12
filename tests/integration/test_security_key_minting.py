"""A key may only mint keys no stronger than itself (and its creator's role).

Attack: a key limited to `api_keys:write` posted `POST /api-keys {"name": "x"}`
and got a `full_access` key.
"""

import pytest

from ujumbe_it import (assert_error, assert_list, assert_ok, create_api_key, login, member,
                       unique_name)


def _mint(api, key, scopes=None):
    body = {"name": unique_name("minted")}
    if scopes is not None:
        body["scopes"] = scopes
    return api("POST", "/api-keys", json=body, apikey=key)


def test_key_without_scopes_given_gets_its_creators_scopes(api, owner):
    limited = create_api_key(api, owner.access, scopes=["api_keys:write"])
    minted = assert_ok(_mint(api, limited["key"]), 201)
    assert minted["scopes"] == ["api_keys:write"], minted
    # the minted key cannot reach what its parent could not
    assert_error(api("GET", "/contacts", apikey=minted["key"]), 403, "INSUFFICIENT_SCOPE")
    assert_error(api("GET", "/users", apikey=minted["key"]), 403, "INSUFFICIENT_SCOPE")


@pytest.mark.parametrize("wanted", [["full_access"], ["read_only"], ["contacts:write"],
                                    ["users:read"], ["api_keys:write", "messages:send"]])
def test_key_cannot_grant_a_scope_it_lacks(api, owner, wanted):
    limited = create_api_key(api, owner.access, scopes=["api_keys:write"])
    body = assert_error(_mint(api, limited["key"], wanted), 403, "INSUFFICIENT_SCOPE")
    assert "scopes" in body["errors"], body
    keys = assert_list(api("GET", "/api-keys", token=owner.access))
    assert keys["count"] == 1, keys


@pytest.mark.parametrize("held,wanted", [
    (["api_keys:write"], ["api_keys:read"]),                   # write implies read
    (["api_keys:write", "contacts:write"], ["contacts:read"]),
    (["api_keys:write", "read_only"], ["contacts:read", "billing:read"]),
    (["api_keys:write", "read_only"], ["read_only"]),
    (["full_access"], ["full_access"]),
    (["full_access"], ["contacts:write", "read_only"]),
])
def test_key_may_grant_what_it_covers(api, owner, held, wanted):
    parent = create_api_key(api, owner.access, scopes=held)
    minted = assert_ok(_mint(api, parent["key"], wanted), 201)
    assert minted["scopes"] == sorted(set(wanted)), minted


def test_read_only_is_not_covered_by_single_read_scopes(api, owner):
    parent = create_api_key(api, owner.access, scopes=["api_keys:write", "contacts:read"])
    assert_error(_mint(api, parent["key"], ["read_only"]), 403, "INSUFFICIENT_SCOPE")


def test_owner_session_still_gets_full_access_by_default(api, owner):
    key = create_api_key(api, owner.access)
    assert key["scopes"] == ["full_access"], key


def test_agents_and_demoted_keys_mint_nothing(api, owner):
    agent = member(api, owner, role="agent")
    assert_error(api("POST", "/api-keys", json={"name": "a"}, token=agent.access), 403)
    # an admin's full_access key stops minting once the admin becomes an agent
    admin = member(api, owner, role="admin")
    key = create_api_key(api, admin.access)
    assert_ok(api("PUT", "/users/%s" % admin.user_id, json={"role": "agent"},
                  token=owner.access))
    assert_error(_mint(api, key["key"], ["contacts:read"]), 403)
    assert login(api, admin.email, admin.password).role == "agent"
