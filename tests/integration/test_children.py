"""Child accounts: platform admin -> resellers -> businesses; suspend/resume."""

import uuid

import pytest

from ujumbe_it import (DEFAULT_PASSWORD, add_member, assert_error, assert_list, assert_ok,
                       assert_unauthenticated, assert_validation, child_owner_login,
                       child_payload, create_api_key, create_child, create_reseller,
                       is_uuid7, login, unique_email, unique_username, with_query)


def test_platform_admin_creates_a_reseller(api, admin):
    body = child_payload(account_type="reseller", max_messages_per_day=50000)
    data = assert_ok(api("POST", "/accounts/children", json=body, token=admin.access), 201)
    assert is_uuid7(data["id"])
    assert data["type"] == "reseller"
    assert data["status"] == "active"
    assert data["parent_id"] == admin.account_id
    assert data["business_username"] == body["business_username"]
    assert data["business_name"] == body["business_name"]
    assert data["country"] == "KE"
    assert data["max_messages_per_day"] == 50000
    owner = data["owner"]
    assert is_uuid7(owner["id"])
    assert owner["email"] == body["owner"]["email"] and owner["name"] == body["owner"]["name"]
    assert "password" not in owner
    # the reseller's owner logs in to the reseller account
    reseller_owner = child_owner_login(api, body)
    assert reseller_owner.account_id == data["id"] and reseller_owner.role == "owner"
    assert reseller_owner.user_id == owner["id"]
    current = assert_ok(api("GET", "/accounts/current", token=reseller_owner.access))
    assert current["type"] == "reseller" and current["parent_id"] == admin.account_id


def test_platform_admin_child_defaults_to_business(api, admin):
    data, _ = create_child(api, admin.access)
    assert data["type"] == "business" and data["parent_id"] == admin.account_id


def test_reseller_creates_a_business_client(api, admin):
    reseller, reseller_owner = create_reseller(api, admin)
    data, body = create_child(api, reseller_owner.access)
    assert data["type"] == "business"
    assert data["parent_id"] == reseller["id"]
    assert data["owner"]["email"] == body["owner"]["email"]
    client_owner = child_owner_login(api, body)
    assert client_owner.account_id == data["id"]
    current = assert_ok(api("GET", "/accounts/current", token=client_owner.access))
    assert current["type"] == "business" and current["parent_id"] == reseller["id"]
    assert current["business_username"] == body["business_username"]


def test_reseller_cannot_create_resellers(api, admin):
    _, reseller_owner = create_reseller(api, admin)
    resp = api("POST", "/accounts/children", json=child_payload(account_type="reseller"),
               token=reseller_owner.access)
    assert_error(resp, (400, 403))
    assert assert_list(api("GET", "/accounts/children", token=reseller_owner.access))["count"] == 0


def test_business_cannot_create_children(api, owner):
    resp = api("POST", "/accounts/children", json=child_payload(), token=owner.access)
    assert_error(resp, 403, "FORBIDDEN")


def test_reseller_agent_cannot_create_children(api, admin):
    _, reseller_owner = create_reseller(api, admin)
    _, email, password = add_member(api, reseller_owner.access, role="agent")
    agent = login(api, email, password)
    resp = api("POST", "/accounts/children", json=child_payload(), token=agent.access)
    assert_error(resp, 403, "FORBIDDEN")


def test_list_get_and_update_children(api, admin):
    reseller, reseller_owner = create_reseller(api, admin)
    first, first_body = create_child(api, reseller_owner.access)
    second, _ = create_child(api, reseller_owner.access)

    listing = assert_list(api("GET", "/accounts/children", token=reseller_owner.access))
    assert listing["count"] == 2
    assert {c["id"] for c in listing["results"]} == {first["id"], second["id"]}
    for child in listing["results"]:
        assert child["parent_id"] == reseller["id"]

    found = assert_list(api("GET", with_query("/accounts/children",
                                              search=first_body["business_username"]),
                            token=reseller_owner.access))
    assert [c["id"] for c in found["results"]] == [first["id"]]
    by_type = assert_list(api("GET", with_query("/accounts/children", type="business"),
                              token=reseller_owner.access))
    assert by_type["count"] == 2
    none = assert_list(api("GET", with_query("/accounts/children", type="reseller"),
                           token=reseller_owner.access))
    assert none["count"] == 0
    assert_validation(api("GET", with_query("/accounts/children", type="galaxy"),
                          token=reseller_owner.access), "type")
    by_status = assert_list(api("GET", with_query("/accounts/children", status="active"),
                                token=reseller_owner.access))
    assert by_status["count"] == 2

    got = assert_ok(api("GET", "/accounts/children/%s" % first["id"],
                        token=reseller_owner.access))
    assert got["id"] == first["id"] and got["business_name"] == first["business_name"]

    changes = {"business_name": "Renamed Client Ltd", "contact_phone": "+254733000111",
               "max_messages_per_day": 1234}
    updated = assert_ok(api("PUT", "/accounts/children/%s" % first["id"], json=changes,
                            token=reseller_owner.access))
    for key, value in changes.items():
        assert updated[key] == value, (key, updated)
    again = assert_ok(api("GET", "/accounts/children/%s" % first["id"],
                          token=reseller_owner.access))
    assert again["business_name"] == "Renamed Client Ltd"
    assert again["business_username"] == first_body["business_username"]
    # the other child is untouched
    other = assert_ok(api("GET", "/accounts/children/%s" % second["id"],
                          token=reseller_owner.access))
    assert other["business_name"] == second["business_name"]


@pytest.mark.parametrize("body,field", [
    ({"country": "Kenya"}, "country"),
    ({"contact_email": "nope"}, "contact_email"),
    ({"business_name": ""}, "business_name"),
    ({"max_messages_per_day": -3}, "max_messages_per_day"),
])
def test_update_child_validates(api, admin, body, field):
    child, _ = create_child(api, admin.access)
    resp = api("PUT", "/accounts/children/%s" % child["id"], json=body, token=admin.access)
    assert_validation(resp, field)
    got = assert_ok(api("GET", "/accounts/children/%s" % child["id"], token=admin.access))
    assert got["business_name"] == child["business_name"] and got["country"] == child["country"]


def test_suspend_and_resume(api, admin):
    _, reseller_owner = create_reseller(api, admin)
    child, body = create_child(api, reseller_owner.access)
    client_owner = child_owner_login(api, body)
    key = create_api_key(api, client_owner.access)
    assert_ok(api("GET", "/auth/me", apikey=key["key"]))
    path = "/accounts/children/%s" % child["id"]

    data = assert_ok(api("POST", path + "/suspend", token=reseller_owner.access))
    if isinstance(data, dict) and "status" in data:
        assert data["status"] == "suspended"
    assert assert_ok(api("GET", path, token=reseller_owner.access))["status"] == "suspended"
    # users and keys of the suspended account fail at once
    assert_unauthenticated(api("GET", "/auth/me", token=client_owner.access),
                           "ACCOUNT_SUSPENDED")
    assert_unauthenticated(api("GET", "/accounts/current", apikey=key["key"]),
                           "ACCOUNT_SUSPENDED")
    assert_error(api("POST", "/auth/login", json={"email": body["owner"]["email"],
                                                  "password": body["owner"]["password"]}),
                 (401, 403))
    suspended = assert_list(api("GET", with_query("/accounts/children", status="suspended"),
                                token=reseller_owner.access))
    assert [c["id"] for c in suspended["results"]] == [child["id"]]

    # suspending again is an invalid transition
    err = assert_error(api("POST", path + "/suspend", token=reseller_owner.access), 409,
                       "INVALID_STATUS")
    details = err.get("details") or {}
    assert details.get("current_status") == "suspended", err
    assert isinstance(details.get("allowed_statuses"), list), err
    assert "active" in details["allowed_statuses"], err

    data = assert_ok(api("POST", path + "/resume", token=reseller_owner.access))
    if isinstance(data, dict) and "status" in data:
        assert data["status"] == "active"
    assert assert_ok(api("GET", path, token=reseller_owner.access))["status"] == "active"
    again = child_owner_login(api, body)
    assert_ok(api("GET", "/auth/me", token=again.access))
    assert_ok(api("GET", "/accounts/current", apikey=key["key"]))

    err = assert_error(api("POST", path + "/resume", token=reseller_owner.access), 409,
                       "INVALID_STATUS")
    details = err.get("details") or {}
    assert details.get("current_status") == "active", err
    assert "suspended" in details.get("allowed_statuses", []), err


def test_duplicate_business_username_is_409(api, admin):
    child, body = create_child(api, admin.access)
    _, reseller_owner = create_reseller(api, admin)
    for token in (admin.access, reseller_owner.access):
        dup = child_payload(business_username=body["business_username"])
        resp = api("POST", "/accounts/children", json=dup, token=token)
        assert_error(resp, 409, "USERNAME_TAKEN")
        # nothing was half-created: the owner email of the refused request is still free
        fresh = child_payload(owner=dup["owner"])
        assert_ok(api("POST", "/accounts/children", json=fresh, token=token), 201)


def test_duplicate_owner_email_does_not_leave_an_account_behind(api, admin):
    _, reseller_owner = create_reseller(api, admin)
    taken = unique_email("taken")
    first = child_payload()
    first["owner"]["email"] = taken
    assert_ok(api("POST", "/accounts/children", json=first, token=reseller_owner.access), 201)
    second = child_payload()
    second["owner"] = dict(second["owner"], email=taken, password="another-password-1")
    resp = api("POST", "/accounts/children", json=second, token=reseller_owner.access)
    if resp.status == 201:
        # acceptable reading: the existing user becomes the owner; the password must not change
        login(api, taken, DEFAULT_PASSWORD)
        assert_error(api("POST", "/auth/login", json={"email": taken,
                                                      "password": "another-password-1"}),
                     401, "INVALID_CREDENTIALS")
    else:
        assert_error(resp, 409, ("EMAIL_TAKEN", "CONFLICT"))
        listing = assert_list(api("GET", "/accounts/children", token=reseller_owner.access))
        assert listing["count"] == 1
        # and its business_username is still free
        retry = child_payload(business_username=second["business_username"])
        assert_ok(api("POST", "/accounts/children", json=retry, token=reseller_owner.access), 201)


@pytest.mark.parametrize("mutate,field", [
    (lambda b: b.pop("business_name"), "business_name"),
    (lambda b: b.pop("business_username"), "business_username"),
    (lambda b: b.pop("contact_email"), "contact_email"),
    (lambda b: b.pop("country"), "country"),
    (lambda b: b.pop("owner"), "owner"),
    (lambda b: b.update(business_username="ab"), "business_username"),
    (lambda b: b.update(business_username="x" * 51), "business_username"),
    (lambda b: b.update(business_username="Has Upper"), "business_username"),
    (lambda b: b.update(business_username="bad!chars"), "business_username"),
    (lambda b: b.update(country="KEN"), "country"),
    (lambda b: b.update(country="ke1"), "country"),
    (lambda b: b.update(contact_email="not-an-email"), "contact_email"),
    (lambda b: b.update(account_type="galaxy"), "account_type"),
    (lambda b: b.update(business_name="n" * 201), "business_name"),
    (lambda b: b["owner"].update(password="short"), "owner"),
    (lambda b: b["owner"].update(email="nope"), "owner"),
    (lambda b: b["owner"].pop("name"), "owner"),
    (lambda b: b.update(owner="someone@example.com"), "owner"),
])
def test_create_child_validates(api, admin, mutate, field):
    body = child_payload()
    mutate(body)
    assert_validation(api("POST", "/accounts/children", json=body, token=admin.access), field)


def test_business_username_boundaries(api, admin):
    for username in (uuid.uuid4().hex[:3], unique_username("ok")[:50].ljust(50, "z"),
                     "dots.and-dash_" + unique_username("x")[-8:]):
        data, _ = create_child(api, admin.access, business_username=username)
        assert data["business_username"] == username


def test_reseller_cannot_touch_another_resellers_child(api, admin):
    _, owner_a = create_reseller(api, admin)
    reseller_b, owner_b = create_reseller(api, admin)
    child, _ = create_child(api, owner_a.access)
    path = "/accounts/children/%s" % child["id"]
    assert_error(api("GET", path, token=owner_b.access), 404, "NOT_FOUND")
    assert_error(api("PUT", path, json={"business_name": "Stolen"}, token=owner_b.access),
                 404, "NOT_FOUND")
    assert_error(api("POST", path + "/suspend", token=owner_b.access), 404, "NOT_FOUND")
    assert_error(api("POST", path + "/resume", token=owner_b.access), 404, "NOT_FOUND")
    listing = assert_list(api("GET", "/accounts/children", token=owner_b.access))
    assert child["id"] not in [c["id"] for c in listing["results"]]
    # a sibling reseller is not a child either
    assert_error(api("GET", "/accounts/children/%s" % reseller_b["id"], token=owner_a.access),
                 404, "NOT_FOUND")
    got = assert_ok(api("GET", path, token=owner_a.access))
    assert got["business_name"] == child["business_name"] and got["status"] == "active"


def test_platform_admin_sees_resellers_in_its_children(api, admin):
    reseller, _ = create_reseller(api, admin)
    found = assert_list(api("GET", with_query("/accounts/children",
                                              search=reseller["business_username"]),
                            token=admin.access))
    assert [c["id"] for c in found["results"]] == [reseller["id"]]
    assert found["results"][0]["type"] == "reseller"
    by_type = assert_list(api("GET", with_query("/accounts/children", type="reseller",
                                                page_size=100), token=admin.access))
    assert all(c["type"] == "reseller" for c in by_type["results"])
