"""Nobody is put into an account without saying yes.

Attack: `POST /users {"email": "<someone else>"}` attached an existing user
to the caller's account (201, `existing_user: true`, their name and
`last_login_at`), and the account showed up in the victim's `/auth/me`.
Now POST /users only invites; the answer says nothing about the invitee.
"""

import os
import stat

import ujumbe_it as u
from ujumbe_it import (DEFAULT_PASSWORD, assert_error, assert_list, assert_ok,
                       invitation_token, login, outbox_mails, unique_email)

INVITATION_KEYS = {"id", "email", "name", "role", "max_messages_per_day", "status", "expired",
                   "invited_by", "created_at", "expires_at"}


def _invite(api, who, email, role="agent", **extra):
    body = {"email": email, "role": role}
    body.update(extra)
    return api("POST", "/users", json=body, token=who.access)


def test_inviting_an_existing_user_attaches_nothing_and_reveals_nothing(api, owner, register):
    victim = register()
    resp = _invite(api, owner, victim.email, role="admin")
    known = assert_ok(resp, 201)
    stranger = assert_ok(_invite(api, owner, unique_email("nobody"), role="admin"), 201)
    # the same shape, whether or not the email has a user
    assert set(known) == set(stranger) == INVITATION_KEYS, (known, stranger)
    assert known["name"] is None and known["status"] == "pending"
    assert victim.user_id not in resp.raw.decode() and "last_login_at" not in known
    assert victim.user["name"] not in resp.raw.decode()
    # no membership: not in the inviter's users, not in the victim's accounts
    users = assert_list(api("GET", "/users", token=owner.access))
    assert victim.user_id not in [x["id"] for x in users["results"]]
    me = assert_ok(api("GET", "/auth/me", token=victim.access))
    assert [a["id"] for a in me["accounts"]] == [victim.account_id]
    assert_error(api("POST", "/auth/login", json={"email": victim.email,
                                                  "password": victim.password,
                                                  "account_id": owner.account_id}), 404)


def test_invitee_sees_accepts_or_declines(api, owner, register):
    invitee = register()
    first = assert_ok(_invite(api, owner, invitee.email, role="agent"), 201)
    other_owner = register()
    second = assert_ok(_invite(api, other_owner, invitee.email, role="admin"), 201)
    mine = assert_ok(api("GET", "/invitations", token=invitee.access))["results"]
    assert {i["id"] for i in mine} == {first["id"], second["id"]}
    # somebody else cannot answer them
    outsider = register()
    assert_error(api("POST", "/invitations/%s/accept" % first["id"], token=outsider.access), 404)
    # an API key cannot either
    key = u.create_api_key(api, invitee.access)
    assert_error(api("POST", "/invitations/%s/accept" % first["id"], apikey=key["key"]), 403)
    assert_ok(api("POST", "/invitations/%s/decline" % second["id"], token=invitee.access))
    assert_ok(api("POST", "/invitations/%s/accept" % first["id"], token=invitee.access))
    me = assert_ok(api("GET", "/auth/me", token=invitee.access))
    assert {a["id"] for a in me["accounts"]} == {invitee.account_id, owner.account_id}
    assert_error(api("POST", "/invitations/%s/accept" % second["id"], token=invitee.access), 409,
                 "INVALID_STATUS")
    assert assert_ok(api("GET", "/invitations", token=invitee.access))["results"] == []


def test_new_user_accepts_by_token(api, owner):
    email = unique_email("fresh")
    invitation = assert_ok(_invite(api, owner, email, role="admin", name="Fresh Person"), 201)
    (mail,) = outbox_mails(api, email)
    assert stat.S_IMODE(os.stat(mail["path"]).st_mode) == 0o600
    token = invitation_token(api, email)
    assert token not in str(invitation)
    data = assert_ok(api("POST", "/auth/invite/accept",
                         json={"token": token, "password": DEFAULT_PASSWORD}), 201)
    assert data["account"]["id"] == owner.account_id and data["role"] == "admin"
    assert data["user"]["name"] == "Fresh Person"
    # the token is spent
    assert_error(api("POST", "/auth/invite/accept",
                     json={"token": token, "name": "X", "password": DEFAULT_PASSWORD}), 400)
    listed = assert_ok(api("GET", "/users/invitations", token=owner.access))["results"]
    assert [i["status"] for i in listed if i["id"] == invitation["id"]] == ["accepted"]


def test_token_never_sets_an_existing_users_password(api, owner, register):
    victim = register()
    assert_ok(_invite(api, owner, victim.email), 201)
    token = invitation_token(api, victim.email)
    assert_error(api("POST", "/auth/invite/accept",
                     json={"token": token, "name": "X", "password": "attacker-chosen-1"}),
                 401, "INVALID_CREDENTIALS")
    login(api, victim.email, victim.password)


def test_managers_list_revoke_and_resend(api, owner):
    email = unique_email("pending")
    invitation = assert_ok(_invite(api, owner, email), 201)
    first_token = invitation_token(api, email)
    listed = assert_list(api("GET", "/users/invitations?status=pending", token=owner.access))
    assert [i["id"] for i in listed["results"]] == [invitation["id"]]
    assert_ok(api("POST", "/users/invitations/%s/resend" % invitation["id"], token=owner.access))
    second_token = invitation_token(api, email)
    assert second_token != first_token
    assert_error(api("POST", "/auth/invite/accept",
                     json={"token": first_token, "name": "X", "password": DEFAULT_PASSWORD}),
                 400)
    revoked = assert_ok(api("DELETE", "/users/invitations/%s" % invitation["id"],
                            token=owner.access))
    assert revoked["status"] == "revoked"
    assert_error(api("POST", "/auth/invite/accept",
                     json={"token": second_token, "name": "X", "password": DEFAULT_PASSWORD}),
                 400)
    assert_error(api("POST", "/users/invitations/%s/resend" % invitation["id"],
                     token=owner.access), 409, "INVALID_STATUS")


def test_other_accounts_invitations_are_404(api, owner, register):
    other = register()
    invitation = assert_ok(_invite(api, owner, unique_email("x")), 201)
    assert_error(api("DELETE", "/users/invitations/%s" % invitation["id"], token=other.access),
                 404)
    assert_error(api("POST", "/users/invitations/%s/resend" % invitation["id"],
                     token=other.access), 404)
    assert assert_list(api("GET", "/users/invitations", token=other.access))["count"] == 0


def test_agents_cannot_invite(api, owner):
    agent = u.member(api, owner, role="agent")
    assert_error(_invite(api, agent, unique_email("y")), 403)
    assert_error(api("GET", "/users/invitations", token=agent.access), 403)


def test_plan_limit_applies_at_acceptance(api, admin, owner):
    # Starter allows 3 users: invitations are free, joining is not.
    assert_ok(api("POST", "/wallet/topups",
                  json={"account_id": owner.account_id, "amount": "20",
                        "reference": "inv-" + owner.account_id}, token=admin.access), 201)
    assert_ok(api("POST", "/billing/subscription", json={"plan": "starter"},
                  token=owner.access))
    u.add_member(api, owner.access)
    email = unique_email("over")
    assert_ok(_invite(api, owner, email), 201)   # still under the limit when invited
    u.add_member(api, owner.access)               # now full
    body = assert_error(api("POST", "/auth/invite/accept",
                            json={"token": invitation_token(api, email), "name": "Over",
                                  "password": DEFAULT_PASSWORD}), 422, "PLAN_LIMIT_REACHED")
    assert body["details"]["resource"] == "users", body
    assert_error(api("POST", "/auth/login", json={"email": email, "password": DEFAULT_PASSWORD}),
                 401)
    assert assert_list(api("GET", "/users", token=owner.access))["count"] == 3
