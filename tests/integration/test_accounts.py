"""The current account, and switching between accounts a user belongs to."""

import pytest

from ujumbe_it import (assert_error, assert_ok, assert_validation, is_timestamp, is_uuid7,
                       jwt_decode, login, member, unique_email, unique_name)

ACCOUNT_FIELDS = ("id", "type", "name", "status", "parent_id", "business_name",
                  "business_username", "business_type", "contact_email", "contact_phone",
                  "country", "account_sid", "reseller_details", "max_messages_per_day",
                  "created_at", "updated_at")


def test_get_current_account_shape(api, owner):
    account = assert_ok(api("GET", "/accounts/current", token=owner.access))
    for field in ACCOUNT_FIELDS:
        assert field in account, "missing %s in %s" % (field, account)
    assert account["id"] == owner.account_id and is_uuid7(account["id"])
    assert account["type"] == "business"
    assert account["status"] == "active"
    assert account["parent_id"] is None
    assert account["name"] == owner.account["name"]
    assert is_timestamp(account["created_at"]) and is_timestamp(account["updated_at"])


def test_owner_updates_current_account(api, owner):
    changes = {"name": unique_name("Renamed Co"), "business_name": "Renamed Co Ltd",
               "business_type": "retail", "contact_email": unique_email("contact"),
               "contact_phone": "+254712345678", "country": "KE"}
    data = assert_ok(api("PUT", "/accounts/current", json=changes, token=owner.access))
    for key, value in changes.items():
        assert data[key] == value, (key, data)
    again = assert_ok(api("GET", "/accounts/current", token=owner.access))
    for key, value in changes.items():
        assert again[key] == value, (key, again)
    # a partial update leaves the other fields alone
    data = assert_ok(api("PUT", "/accounts/current", json={"business_type": "logistics"},
                         token=owner.access))
    assert data["business_type"] == "logistics" and data["name"] == changes["name"]
    assert data["country"] == "KE"


def test_admin_member_updates_current_account(api, owner):
    admin_member = member(api, owner, role="admin")
    name = unique_name("By admin")
    assert assert_ok(api("PUT", "/accounts/current", json={"name": name},
                         token=admin_member.access))["name"] == name


def test_agent_cannot_update_current_account(api, owner):
    agent = member(api, owner, role="agent")
    assert assert_ok(api("GET", "/accounts/current", token=agent.access))["id"] == owner.account_id
    assert_error(api("PUT", "/accounts/current", json={"name": "Agent was here"},
                     token=agent.access), 403, "FORBIDDEN")
    assert assert_ok(api("GET", "/accounts/current", token=owner.access))["name"] == \
        owner.account["name"]


@pytest.mark.parametrize("body,field", [
    ({"name": ""}, "name"),
    ({"name": "n" * 201}, "name"),
    ({"name": 12}, "name"),
    ({"country": "Kenya"}, "country"),
    ({"country": "KEN"}, "country"),
    ({"country": "12"}, "country"),
    ({"contact_email": "not-an-email"}, "contact_email"),
    ({"business_name": ["x"]}, "business_name"),
])
def test_update_current_account_validates(api, owner, body, field):
    assert_validation(api("PUT", "/accounts/current", json=body, token=owner.access), field)
    assert assert_ok(api("GET", "/accounts/current", token=owner.access))["name"] == \
        owner.account["name"]


def test_update_cannot_touch_protected_fields(api, owner):
    before = assert_ok(api("GET", "/accounts/current", token=owner.access))
    resp = api("PUT", "/accounts/current",
               json={"status": "suspended", "type": "reseller",
                     "parent_id": "0190f5f2-1234-7abc-8def-0123456789ab",
                     "id": "0190f5f2-1234-7abc-8def-0123456789ac",
                     "max_messages_per_day": 999999999}, token=owner.access)
    assert resp.status in (200, 400), resp
    after = assert_ok(api("GET", "/accounts/current", token=owner.access))
    for key in ("id", "status", "type", "parent_id", "max_messages_per_day"):
        assert after[key] == before[key], (key, before[key], after[key])


# ---------------------------------------------------------------- switch

def _two_account_user(api, register):
    """A user who owns account A and is an agent of account B."""
    a = register()
    b = register()
    invited = assert_ok(api("POST", "/users", json={"email": a.email.upper(), "role": "agent"},
                            token=b.access), 201)
    assert invited["role"] == "agent" and invited["status"] == "pending", invited
    assert_ok(api("POST", "/invitations/%s/accept" % invited["id"], token=a.access))
    return a, b


def test_switch_between_accounts(api, register):
    a, b = _two_account_user(api, register)
    me = assert_ok(api("GET", "/auth/me", token=a.access))
    assert {x["id"] for x in me["accounts"]} == {a.account_id, b.account_id}
    roles = {x["id"]: x["role"] for x in me["accounts"]}
    assert roles == {a.account_id: "owner", b.account_id: "agent"}

    data = assert_ok(api("POST", "/accounts/switch", json={"account_id": b.account_id},
                         token=a.access))
    assert isinstance(data["access"], str) and isinstance(data["refresh"], str)
    claims = jwt_decode(data["access"])[1]
    assert claims["acc"] == b.account_id and claims["sub"] == a.user_id
    assert claims["role"] == "agent"
    me_b = assert_ok(api("GET", "/auth/me", token=data["access"]))
    assert me_b["id"] == a.user_id
    assert me_b["account"]["id"] == b.account_id and me_b["role"] == "agent"
    assert assert_ok(api("GET", "/accounts/current", token=data["access"]))["id"] == b.account_id
    # the role follows the account: an agent of B cannot edit B
    assert_error(api("PUT", "/accounts/current", json={"name": "nope"}, token=data["access"]),
                 403, "FORBIDDEN")
    # the refresh token of the switched session stays in B
    refreshed = assert_ok(api("POST", "/auth/token/refresh", json={"refresh": data["refresh"]}))
    assert jwt_decode(refreshed["access"])[1]["acc"] == b.account_id

    # and back again
    back = assert_ok(api("POST", "/accounts/switch", json={"account_id": a.account_id},
                         token=data["access"]))
    me_a = assert_ok(api("GET", "/auth/me", token=back["access"]))
    assert me_a["account"]["id"] == a.account_id and me_a["role"] == "owner"


def test_login_with_account_id_picks_the_account(api, register):
    a, b = _two_account_user(api, register)
    in_b = login(api, a.email, a.password, account_id=b.account_id)
    assert in_b.account_id == b.account_id and in_b.role == "agent"
    in_a = login(api, a.email, a.password, account_id=a.account_id)
    assert in_a.account_id == a.account_id and in_a.role == "owner"


def test_switch_to_non_member_account_is_404(api, owner, register):
    stranger = register()
    resp = api("POST", "/accounts/switch", json={"account_id": stranger.account_id},
               token=owner.access)
    assert_error(resp, 404, "NOT_FOUND")
    resp = api("POST", "/accounts/switch",
               json={"account_id": "0190f5f2-1234-7abc-8def-0123456789ab"}, token=owner.access)
    assert_error(resp, 404, "NOT_FOUND")


def test_switch_to_account_where_membership_is_inactive_is_404(api, register):
    a, b = _two_account_user(api, register)
    assert_ok(api("POST", "/users/%s/deactivate" % a.user_id, token=b.access))
    resp = api("POST", "/accounts/switch", json={"account_id": b.account_id}, token=a.access)
    assert_error(resp, 404, "NOT_FOUND")
    # still fine in A
    assert_ok(api("GET", "/accounts/current", token=a.access))


@pytest.mark.parametrize("body", [{}, {"account_id": 5}, {"account_id": ""}])
def test_switch_validates(api, owner, body):
    assert_validation(api("POST", "/accounts/switch", json=body, token=owner.access),
                      "account_id")


def test_switch_needs_authentication(api, owner):
    resp = api("POST", "/accounts/switch", json={"account_id": owner.account_id})
    assert_error(resp, 401)
