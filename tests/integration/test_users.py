"""Users of the current account: add, roles, activation, removal, listing."""

import uuid

import pytest

from ujumbe_it import (DEFAULT_PASSWORD, accept_invitation, add_member, api_path_of, assert_done,
                       assert_error, assert_list, assert_ok, assert_unauthenticated,
                       assert_validation, is_timestamp, login, member, unique_email, unique_name,
                       with_query)

USER_FIELDS = ("id", "email", "name", "role", "is_active", "max_messages_per_day", "joined_at",
               "created_at", "last_login_at")


def _get_user(api, token, user_id):
    return assert_ok(api("GET", "/users/%s" % user_id, token=token))


def test_list_users_shows_the_owner(api, owner):
    data = assert_list(api("GET", "/users", token=owner.access))
    assert data["count"] == 1 and data["next"] is None and data["previous"] is None
    (me,) = data["results"]
    for field in USER_FIELDS:
        assert field in me, "missing %s in %s" % (field, me)
    assert me["id"] == owner.user_id and me["role"] == "owner" and me["is_active"] is True
    assert is_timestamp(me["joined_at"]) and is_timestamp(me["created_at"])
    agents = assert_list(api("GET", with_query("/users", role="agent"), token=owner.access))
    assert agents["count"] == 0
    assert_validation(api("GET", with_query("/users", role="superuser"), token=owner.access), "role")


def test_invite_then_accept_creates_the_member(api, owner):
    email = unique_email("New.Agent").upper()
    name = unique_name("Agent")
    resp = api("POST", "/users", json={"email": email, "name": name, "role": "agent"},
               token=owner.access)
    invitation = assert_ok(resp, 201)
    for field in ("id", "email", "name", "role", "status", "expires_at", "created_at"):
        assert field in invitation, "missing %s in %s" % (field, invitation)
    assert invitation["email"] == email.lower() and invitation["name"] == name
    assert invitation["role"] == "agent" and invitation["status"] == "pending"
    assert "token" not in invitation and "existing_user" not in invitation
    # nobody is a member until the invitation is accepted
    assert assert_list(api("GET", "/users", token=owner.access))["count"] == 1
    agent = accept_invitation(api, email.lower())
    assert agent.account_id == owner.account_id and agent.role == "agent"
    data = _get_user(api, owner.access, agent.user_id)
    for field in USER_FIELDS:
        assert field in data, "missing %s in %s" % (field, data)
    assert data["email"] == email.lower() and data["name"] == name
    assert "password" not in data and "password_hash" not in data
    assert login(api, email.lower(), DEFAULT_PASSWORD).user_id == agent.user_id
    assert assert_list(api("GET", "/users", token=owner.access))["count"] == 2


def test_invitation_does_not_take_a_password(api, owner):
    resp = api("POST", "/users", json={"email": unique_email("nopass"), "name": "No Pass",
                                       "password": DEFAULT_PASSWORD, "role": "agent"},
               token=owner.access)
    assert_validation(resp, "password")
    assert assert_list(api("GET", "/users", token=owner.access))["count"] == 1


@pytest.mark.parametrize("body,field", [
    ({"name": "X", "role": "agent"}, "email"),
    ({"email": "bad-email", "name": "X", "role": "agent"}, "email"),
    ({"email": "@", "name": "X", "role": "agent"}, "email"),
    ({"name": "X"}, "role"),
    ({"name": "X", "role": "superuser"}, "role"),
    ({"name": "X", "role": 1}, "role"),
    ({"name": "X", "password": "short", "role": "agent"}, "password"),
    ({"name": "n" * 201, "role": "agent"}, "name"),
    ({"name": "X", "role": "agent", "max_messages_per_day": -1}, "max_messages_per_day"),
])
def test_create_user_validates(api, owner, body, field):
    body = dict(body)
    if field != "email":
        body["email"] = unique_email("val")
    assert_validation(api("POST", "/users", json=body, token=owner.access), field)
    assert assert_list(api("GET", "/users", token=owner.access))["count"] == 1


def test_nobody_is_made_platform_admin_through_users(api, owner):
    email = unique_email("pa")
    resp = api("POST", "/users", json={"email": email, "name": "X", "role": "platform_admin"},
               token=owner.access)
    assert_error(resp, (400, 403))
    assert assert_list(api("GET", "/users", token=owner.access))["count"] == 1
    data, _, _ = add_member(api, owner.access, role="agent")
    resp = api("PUT", "/users/%s" % data["id"], json={"role": "platform_admin"},
               token=owner.access)
    assert_error(resp, (400, 403))
    assert _get_user(api, owner.access, data["id"])["role"] == "agent"


def test_existing_user_joins_another_account_only_by_accepting(api, owner, register):
    other = register()
    invitation = assert_ok(api("POST", "/users", json={"email": other.email, "role": "admin"},
                               token=owner.access), 201)
    assert invitation["role"] == "admin" and invitation["status"] == "pending"
    assert "existing_user" not in invitation and invitation["id"] != other.user_id
    assert len(assert_ok(api("GET", "/auth/me", token=other.access))["accounts"]) == 1
    mine = assert_ok(api("GET", "/invitations", token=other.access))["results"]
    assert [i["id"] for i in mine] == [invitation["id"]]
    assert mine[0]["account"]["id"] == owner.account_id and mine[0]["role"] == "admin"
    assert_ok(api("POST", "/invitations/%s/accept" % invitation["id"], token=other.access))
    # the existing user's password is untouched and they can enter either account
    assert login(api, other.email, other.password, account_id=owner.account_id).role == "admin"
    assert login(api, other.email, other.password,
                 account_id=other.account_id).role == "owner"


def test_adding_a_member_again_is_409_already_member(api, owner):
    data, email, _ = add_member(api, owner.access, role="agent")
    for variant in (email, email.upper()):
        resp = api("POST", "/users", json={"email": variant, "role": "admin"},
                   token=owner.access)
        assert_error(resp, 409, "ALREADY_MEMBER")
    assert _get_user(api, owner.access, data["id"])["role"] == "agent"
    # the owner themself is a member too
    resp = api("POST", "/users", json={"email": owner.email, "role": "agent"}, token=owner.access)
    assert_error(resp, 409, "ALREADY_MEMBER")


def test_change_role_name_and_limit(api, owner):
    data, _, _ = add_member(api, owner.access, role="agent")
    updated = assert_ok(api("PUT", "/users/%s" % data["id"],
                            json={"role": "admin", "name": "Promoted Person",
                                  "max_messages_per_day": 250}, token=owner.access))
    assert updated["role"] == "admin" and updated["name"] == "Promoted Person"
    assert updated["max_messages_per_day"] == 250
    again = _get_user(api, owner.access, data["id"])
    assert again["role"] == "admin" and again["max_messages_per_day"] == 250


@pytest.mark.parametrize("body,field", [
    ({"role": "boss"}, "role"),
    ({"max_messages_per_day": -1}, "max_messages_per_day"),
    ({"max_messages_per_day": "lots"}, "max_messages_per_day"),
    ({"max_messages_per_day": 10 ** 30}, "max_messages_per_day"),
    ({"name": ""}, "name"),
])
def test_update_user_validates(api, owner, body, field):
    data, _, _ = add_member(api, owner.access, role="agent")
    assert_validation(api("PUT", "/users/%s" % data["id"], json=body, token=owner.access), field)
    assert _get_user(api, owner.access, data["id"])["role"] == "agent"


def test_owner_can_make_another_owner(api, owner):
    data, email, password = add_member(api, owner.access, role="admin")
    assert assert_ok(api("PUT", "/users/%s" % data["id"], json={"role": "owner"},
                         token=owner.access))["role"] == "owner"
    assert login(api, email, password).role == "owner"


def test_admin_cannot_create_or_make_owners(api, owner):
    admin_member = member(api, owner, role="admin")
    agent, _, _ = add_member(api, owner.access, role="agent")
    assert_error(api("POST", "/users", json={"email": unique_email("o"), "name": "O",
                                             "role": "owner"},
                     token=admin_member.access), 403, "FORBIDDEN")
    assert_error(api("PUT", "/users/%s" % agent["id"], json={"role": "owner"},
                     token=admin_member.access), 403, "FORBIDDEN")
    assert _get_user(api, owner.access, agent["id"])["role"] == "agent"
    # an admin can still manage agents
    assert assert_ok(api("PUT", "/users/%s" % agent["id"], json={"role": "admin"},
                         token=admin_member.access))["role"] == "admin"
    created = assert_ok(api("POST", "/users", json={"email": unique_email("byadmin"),
                                                    "name": "By Admin", "role": "agent"},
                            token=admin_member.access), 201)
    assert created["role"] == "agent"


def test_admin_cannot_change_deactivate_or_remove_an_owner(api, owner):
    admin_member = member(api, owner, role="admin")
    path = "/users/%s" % owner.user_id
    assert_error(api("PUT", path, json={"role": "agent"}, token=admin_member.access),
                 403, "FORBIDDEN")
    assert_error(api("PUT", path, json={"name": "Renamed by admin"}, token=admin_member.access),
                 403, "FORBIDDEN")
    assert_error(api("POST", path + "/deactivate", token=admin_member.access), 403, "FORBIDDEN")
    assert_error(api("DELETE", path, token=admin_member.access), 403, "FORBIDDEN")
    me = _get_user(api, owner.access, owner.user_id)
    assert me["role"] == "owner" and me["is_active"] is True
    assert me["name"] == owner.user["name"]
    assert_ok(api("GET", "/auth/me", token=owner.access))


def test_agent_cannot_manage_users(api, owner):
    agent = member(api, owner, role="agent")
    assert_list(api("GET", "/users", token=agent.access))
    assert _get_user(api, agent.access, owner.user_id)["role"] == "owner"
    assert_error(api("POST", "/users", json={"email": unique_email("x"), "name": "X",
                                             "role": "agent"},
                     token=agent.access), 403, "FORBIDDEN")
    other, _, _ = add_member(api, owner.access, role="agent")
    for method, suffix, body in [("PUT", "", {"role": "admin"}), ("POST", "/deactivate", None),
                                 ("DELETE", "", None)]:
        resp = api(method, "/users/%s%s" % (other["id"], suffix), json=body, token=agent.access)
        assert_error(resp, 403, "FORBIDDEN")
    # not even themself
    assert_error(api("PUT", "/users/%s" % agent.user_id, json={"role": "admin"},
                     token=agent.access), 403, "FORBIDDEN")
    got = _get_user(api, owner.access, other["id"])
    assert got["role"] == "agent" and got["is_active"] is True


def test_deactivate_and_activate(api, owner):
    agent = member(api, owner, role="agent")
    data = assert_ok(api("POST", "/users/%s/deactivate" % agent.user_id, token=owner.access))
    if isinstance(data, dict) and "is_active" in data:
        assert data["is_active"] is False, data
    assert _get_user(api, owner.access, agent.user_id)["is_active"] is False
    # the member's live token fails at once, and so does logging in to that account
    assert_unauthenticated(api("GET", "/auth/me", token=agent.access), "USER_INACTIVE")
    assert_error(api("POST", "/auth/token/refresh", json={"refresh": agent.refresh}), 401)
    resp = api("POST", "/auth/login", json={"email": agent.email, "password": agent.password,
                                            "account_id": owner.account_id})
    assert_error(resp, (401, 403))
    resp = api("POST", "/auth/login", json={"email": agent.email, "password": agent.password})
    assert_error(resp, (401, 403))
    # filters see it
    inactive = assert_list(api("GET", with_query("/users", is_active="false"),
                               token=owner.access))
    assert [u["id"] for u in inactive["results"]] == [agent.user_id]

    assert_ok(api("POST", "/users/%s/activate" % agent.user_id, token=owner.access))
    assert _get_user(api, owner.access, agent.user_id)["is_active"] is True
    again = login(api, agent.email, agent.password, account_id=owner.account_id)
    assert_ok(api("GET", "/auth/me", token=again.access))


def test_nobody_deactivates_or_removes_themselves(api, owner):
    # a second owner exists, so only the self rule can refuse
    data, email, password = add_member(api, owner.access, role="admin")
    assert_ok(api("PUT", "/users/%s" % data["id"], json={"role": "owner"}, token=owner.access))
    second = login(api, email, password)
    assert second.role == "owner"
    for actor in (owner, second):
        path = "/users/%s" % actor.user_id
        assert_error(api("POST", path + "/deactivate", token=actor.access), (400, 403, 409, 422))
        assert_error(api("DELETE", path, token=actor.access), (400, 403, 409, 422))
        assert_ok(api("GET", "/auth/me", token=actor.access))
    admin_member = member(api, owner, role="admin")
    path = "/users/%s" % admin_member.user_id
    assert_error(api("POST", path + "/deactivate", token=admin_member.access),
                 (400, 403, 409, 422))
    assert_error(api("DELETE", path, token=admin_member.access), (400, 403, 409, 422))
    assert _get_user(api, owner.access, admin_member.user_id)["is_active"] is True


def test_last_owner_cannot_be_demoted(api, owner):
    resp = api("PUT", "/users/%s" % owner.user_id, json={"role": "admin"}, token=owner.access)
    assert_error(resp, 422, "LAST_OWNER")
    assert _get_user(api, owner.access, owner.user_id)["role"] == "owner"


def test_last_active_owner_rule_counts_only_active_owners(api, owner):
    data, _, _ = add_member(api, owner.access, role="admin")
    other_id = data["id"]
    assert_ok(api("PUT", "/users/%s" % other_id, json={"role": "owner"}, token=owner.access))
    # with two owners one may step down ... and come back
    assert_ok(api("PUT", "/users/%s" % other_id, json={"role": "admin"}, token=owner.access))
    assert_ok(api("PUT", "/users/%s" % other_id, json={"role": "owner"}, token=owner.access))
    # an inactive owner does not count
    assert_ok(api("POST", "/users/%s/deactivate" % other_id, token=owner.access))
    assert_error(api("PUT", "/users/%s" % owner.user_id, json={"role": "agent"},
                     token=owner.access), 422, "LAST_OWNER")
    assert _get_user(api, owner.access, owner.user_id)["role"] == "owner"
    # once the other owner is active again the first may step down
    assert_ok(api("POST", "/users/%s/activate" % other_id, token=owner.access))
    assert assert_ok(api("PUT", "/users/%s" % owner.user_id, json={"role": "admin"},
                         token=owner.access))["role"] == "admin"


def test_delete_removes_the_membership(api, owner):
    data, email, password = add_member(api, owner.access, role="agent")
    assert_done(api("DELETE", "/users/%s" % data["id"], token=owner.access))
    assert_error(api("GET", "/users/%s" % data["id"], token=owner.access), 404, "NOT_FOUND")
    listing = assert_list(api("GET", "/users", token=owner.access))
    assert data["id"] not in [u["id"] for u in listing["results"]]
    assert listing["count"] == 1
    # deleting again: nothing there
    assert_error(api("DELETE", "/users/%s" % data["id"], token=owner.access), 404, "NOT_FOUND")
    # the person still exists and can be invited back
    back = assert_ok(api("POST", "/users", json={"email": email, "role": "agent"},
                         token=owner.access), 201)
    assert back["status"] == "pending" and back["id"] != data["id"]
    # with no account left they cannot sign in, but the mailed token and their
    # own password bring them back
    person = accept_invitation(api, email, password)
    assert person.user_id == data["id"] and person.account_id == owner.account_id
    assert _get_user(api, owner.access, data["id"])["role"] == "agent"


def test_removed_member_token_loses_the_account(api, owner):
    agent = member(api, owner, role="agent")
    assert_done(api("DELETE", "/users/%s" % agent.user_id, token=owner.access))
    resp = api("GET", "/accounts/current", token=agent.access)
    assert resp.status in (401, 403, 404), resp


def test_unknown_user_id_is_404(api, owner):
    missing = "0190f5f2-1234-7abc-8def-0123456789ab"
    assert_error(api("GET", "/users/%s" % missing, token=owner.access), 404, "NOT_FOUND")
    assert_error(api("PUT", "/users/%s" % missing, json={"role": "agent"}, token=owner.access),
                 404, "NOT_FOUND")


# ---------------------------------------------------------------- listing

def test_pagination(api, owner):
    for role in ("admin", "agent"):
        add_member(api, owner.access, role=role)
    first = assert_list(api("GET", with_query("/users", page_size=1), token=owner.access))
    assert first["count"] == 3
    assert len(first["results"]) == 1
    assert first["next"] is not None and first["previous"] is None
    second = assert_list(api("GET", api_path_of(first["next"]), token=owner.access))
    assert len(second["results"]) == 1 and second["count"] == 3
    assert second["previous"] is not None and second["next"] is not None
    third = assert_list(api("GET", with_query("/users", page=3, page_size=1),
                            token=owner.access))
    assert len(third["results"]) == 1 and third["next"] is None
    ids = [p["results"][0]["id"] for p in (first, second, third)]
    assert len(set(ids)) == 3
    everything = assert_list(api("GET", "/users", token=owner.access))
    assert sorted(u["id"] for u in everything["results"]) == sorted(ids)


def test_page_size_over_the_maximum(api, owner):
    resp = api("GET", with_query("/users", page_size=1000), token=owner.access)
    if resp.status == 200:
        data = assert_list(resp)
        assert len(data["results"]) <= 100 and data["count"] == 1
    else:
        assert_error(resp, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("params", [{"page": 0}, {"page": -1}, {"page": "abc"},
                                    {"page_size": 0}, {"page_size": -5}, {"page_size": "x"}])
def test_bad_paging_parameters_are_400(api, owner, params):
    resp = api("GET", with_query("/users", **params), token=owner.access)
    assert_validation(resp, list(params)[0])


def test_filters(api, owner):
    tag = uuid.uuid4().hex[:12]
    add_member(api, owner.access, role="admin", name="Admin %s" % tag)
    agent, agent_email, _ = add_member(api, owner.access, role="agent", name="Zed %s" % tag)
    by_role = assert_list(api("GET", with_query("/users", role="agent"), token=owner.access))
    assert [u["id"] for u in by_role["results"]] == [agent["id"]] and by_role["count"] == 1
    by_name = assert_list(api("GET", with_query("/users", search="zed %s" % tag),
                              token=owner.access))
    assert [u["id"] for u in by_name["results"]] == [agent["id"]]
    by_email = assert_list(api("GET", with_query("/users", search=agent_email.split("@")[0]),
                               token=owner.access))
    assert [u["id"] for u in by_email["results"]] == [agent["id"]]
    by_tag = assert_list(api("GET", with_query("/users", search=tag), token=owner.access))
    assert by_tag["count"] == 2
    active = assert_list(api("GET", with_query("/users", is_active="true"), token=owner.access))
    assert active["count"] == 3
    none = assert_list(api("GET", with_query("/users", search="no-such-" + tag),
                           token=owner.access))
    assert none["count"] == 0 and none["results"] == []
