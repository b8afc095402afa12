"""SMPP accounts over the API (docs/api-smpp.md): the password shown once,
validation naming the field, managers only, API key scopes, and no way to
read or change another account's SMPP accounts."""

import time

import pytest

from ujumbe_it import (assert_done, assert_error, assert_list, assert_not_found, assert_ok,
                       assert_validation, create_api_key, is_timestamp, is_uuid7, member,
                       register)


def system_id(tag="s"):
    return (tag + str(time.time_ns()))[-15:]


def create(api, token, status=201, **body):
    body.setdefault("system_id", system_id())
    return assert_ok(api("POST", "/smpp-accounts", json=body, token=token), status)


def test_the_password_is_shown_once(api, owner):
    made = create(api, owner.access)
    assert is_uuid7(made["id"])
    assert len(made["password"]) == 8
    assert made["binds"] == ["transmitter", "receiver", "transceiver"]
    assert made["allowed_ips"] == [] and made["throughput"] == 100 and made["is_active"]
    assert made["account_id"] == owner.account_id
    assert is_timestamp(made["created_at"])
    got = assert_ok(api("GET", "/smpp-accounts/%s" % made["id"], token=owner.access))
    assert "password" not in got and made["password"] not in str(got)
    assert got["pending_deliveries"] == 0
    listing = assert_list(api("GET", "/smpp-accounts", token=owner.access))
    assert [a["id"] for a in listing["results"]] == [made["id"]]
    assert made["password"] not in str(listing)


def test_fields_are_changed_and_checked(api, owner):
    made = create(api, owner.access)
    changed = assert_ok(api("PATCH", "/smpp-accounts/%s" % made["id"],
                            json={"binds": ["receiver"], "allowed_ips": ["10.0.0.0/8", "::1"],
                                  "throughput": 7, "is_active": False}, token=owner.access))
    assert changed["binds"] == ["receiver"]
    assert changed["allowed_ips"] == ["10.0.0.0/8", "::1"]
    assert changed["throughput"] == 7 and changed["is_active"] is False
    assert changed["system_id"] == made["system_id"]


@pytest.mark.parametrize("body, field", [
    ({"system_id": ""}, "system_id"),
    ({"system_id": "x" * 16}, "system_id"),
    ({"system_id": "has space"}, "system_id"),
    ({"binds": ["both"]}, "binds"),
    ({"binds": []}, "binds"),
    ({"allowed_ips": ["example.com"]}, "allowed_ips"),
    ({"allowed_ips": ["10.0.0.0/40"]}, "allowed_ips"),
    ({"throughput": 0}, "throughput"),
    ({"throughput": 10001}, "throughput"),
    ({"is_active": "yes"}, "is_active"),
])
def test_bad_fields_are_named(api, owner, body, field):
    body = dict({"system_id": system_id()}, **body)
    assert_validation(api("POST", "/smpp-accounts", json=body, token=owner.access), field)
    assert assert_list(api("GET", "/smpp-accounts", token=owner.access))["count"] == 0


def test_a_system_id_is_taken_once_on_the_server(api, owner):
    made = create(api, owner.access)
    other = register(api)
    assert_error(api("POST", "/smpp-accounts", json={"system_id": made["system_id"]},
                     token=other.access), 409, "SYSTEM_ID_TAKEN")


def test_a_reset_password_replaces_the_old_one(api, owner):
    made = create(api, owner.access)
    fresh = assert_ok(api("POST", "/smpp-accounts/%s/reset-password" % made["id"],
                          token=owner.access))
    assert len(fresh["password"]) == 8 and fresh["password"] != made["password"]


def test_agents_may_not_manage_smpp_accounts(api, owner):
    made = create(api, owner.access)
    agent = member(api, owner, role="agent")
    assert_error(api("GET", "/smpp-accounts", token=agent.access), 403)
    assert_error(api("POST", "/smpp-accounts", json={"system_id": system_id()},
                     token=agent.access), 403)
    assert_error(api("POST", "/smpp-accounts/%s/reset-password" % made["id"],
                     token=agent.access), 403)


def test_api_keys_need_the_smpp_scopes(api, owner):
    reader = create_api_key(api, owner.access, scopes=["smpp:read"])["key"]
    writer = create_api_key(api, owner.access, scopes=["smpp:write"])["key"]
    other = create_api_key(api, owner.access, scopes=["messages:send"])["key"]
    assert_error(api("POST", "/smpp-accounts", json={"system_id": system_id()}, apikey=reader),
                 403)
    assert_ok(api("GET", "/smpp-accounts", apikey=reader))
    made = assert_ok(api("POST", "/smpp-accounts", json={"system_id": system_id()},
                         apikey=writer), 201)
    assert_error(api("GET", "/smpp-accounts/%s" % made["id"], apikey=other), 403)


def test_another_accounts_smpp_accounts_cannot_be_reached(api, owner):
    mine = create(api, owner.access)
    other = register(api)
    path = "/smpp-accounts/%s" % mine["id"]
    assert_not_found(api("GET", path, token=other.access))
    assert_not_found(api("PATCH", path, json={"throughput": 1}, token=other.access))
    assert_not_found(api("PUT", path, json={"is_active": False}, token=other.access))
    assert_not_found(api("POST", path + "/reset-password", token=other.access))
    assert_not_found(api("DELETE", path, token=other.access))
    assert assert_list(api("GET", "/smpp-accounts", token=other.access))["count"] == 0
    still = assert_ok(api("GET", path, token=owner.access))
    assert still["throughput"] == 100 and still["is_active"]


def test_the_platform_admin_sees_every_account(api, admin, owner):
    mine = create(api, owner.access)
    got = assert_ok(api("GET", "/smpp-accounts/%s" % mine["id"], token=admin.access))
    assert got["account_id"] == owner.account_id


def test_a_deleted_smpp_account_is_gone(api, owner):
    made = create(api, owner.access)
    assert_done(api("DELETE", "/smpp-accounts/%s" % made["id"], token=owner.access))
    assert_not_found(api("GET", "/smpp-accounts/%s" % made["id"], token=owner.access))
    assert_not_found(api("GET", "/smpp-accounts/not-an-id", token=owner.access))
