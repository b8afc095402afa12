"""Email verification (docs/api-identity.md) over HTTP against the real
binary: a token mailed on registration and on an email change, spent once,
valid only for the address it was mailed to; invited users are verified by
their invitation; and with UJUMBE_REQUIRE_EMAIL_VERIFICATION=true a new
account sends nothing and has no trial credit until its owner verifies.
"""

import re

import ujumbe_it as u
from ujumbe_it import assert_error, assert_ok

SUBJECT = "Verify your email for Ujumbe"
vsrv, vapi, vadmin = u.module_server({"UJUMBE_REQUIRE_EMAIL_VERIFICATION": "true"},
                                     "email-verification", "v")


def verification_token(api, email, count=None):
    mails = [m for m in u.outbox_mails(api, email) if m["subject"] == SUBJECT]
    assert mails, "no verification mail to %s" % email
    if count is not None:
        assert len(mails) == count, mails
    found = re.search(r"^Verification token: (\S+)$", mails[-1]["body"], re.M)
    assert found, mails[-1]
    return found.group(1)


def me(api, actor):
    return assert_ok(api("GET", "/auth/me", token=actor.access))


def test_registration_mails_a_token_that_verifies_the_address_once(api):
    owner = u.register(api)
    assert owner.user["email_verified"] is False and owner.user["email_verified_at"] is None
    assert owner.account["awaiting_verification"] is False  # not required on this server
    token = verification_token(api, owner.email, count=1)
    assert_error(api("POST", "/auth/verify-email", json={}), 400, field="token")
    assert_error(api("POST", "/auth/verify-email", json={"token": "x" * 43}), 400,
                 "INVALID_TOKEN", "token")
    user = assert_ok(api("POST", "/auth/verify-email", json={"token": token}))
    assert user["id"] == owner.user_id and user["email_verified"] is True
    assert u.is_timestamp(user["email_verified_at"])
    assert "password" not in str(user) and "token" not in user
    assert me(api, owner)["email_verified"] is True
    assert_error(api("POST", "/auth/verify-email", json={"token": token}), 400, "INVALID_TOKEN")
    assert_error(api("POST", "/auth/verify-email/resend", token=owner.access), 409,
                 "EMAIL_ALREADY_VERIFIED")


def test_a_changed_email_must_be_verified_again_and_old_tokens_stop_working(api):
    owner = u.register(api)
    old_token = verification_token(api, owner.email)
    new_email = u.unique_email("moved").lower()
    assert_ok(api("PUT", "/auth/me", json={"email": new_email, "current_password": owner.password},
                  token=owner.access))
    assert me(api, owner)["email_verified"] is False
    # A token proves only the address it went to.
    assert_error(api("POST", "/auth/verify-email", json={"token": old_token}), 400,
                 "INVALID_TOKEN")
    new_token = verification_token(api, new_email, count=1)
    assert assert_ok(api("POST", "/auth/verify-email",
                         json={"token": new_token}))["email_verified"] is True


def test_resending_is_for_the_signed_in_user_and_throttled(api):
    owner = u.register(api)
    u.assert_unauthenticated(api("POST", "/auth/verify-email/resend"))
    for n in range(3):
        assert_ok(api("POST", "/auth/verify-email/resend", token=owner.access))
    assert_error(api("POST", "/auth/verify-email/resend", token=owner.access), 429)
    # Every mail holds a live token; the newest verifies.
    token = verification_token(api, owner.email, count=4)
    assert_ok(api("POST", "/auth/verify-email", json={"token": token}))


def test_an_invited_person_is_verified_by_the_invitation(api):
    owner = u.register(api)
    email = u.unique_email("invitee").lower()
    u.invite(api, owner.access, email, name="Neema")
    joined = u.accept_invitation(api, email)
    assert joined.user["email_verified"] is True


def test_when_required_an_unverified_account_neither_sends_nor_has_its_trial_credit(vapi):
    owner = u.register(vapi)
    assert owner.account["awaiting_verification"] is True
    assert assert_ok(vapi("GET", "/wallet", token=owner.access))["balance"] == 0
    refused = vapi("POST", "/messages", json={"to": "+254711000001", "body": "Hello"},
                   token=owner.access)
    assert_error(refused, 403, "EMAIL_NOT_VERIFIED")
    key = u.create_api_key(vapi, owner.access, scopes=["messages:send"])
    assert_error(vapi("POST", "/messages", json={"to": "+254711000001", "body": "Hello"},
                      apikey=key["key"]), 403, "EMAIL_NOT_VERIFIED")
    # Signing in still works.
    again = u.login(vapi, owner.email, owner.password)
    assert again.account["awaiting_verification"] is True
    token = verification_token(vapi, owner.email)
    assert_ok(vapi("POST", "/auth/verify-email", json={"token": token}))
    wallet = assert_ok(vapi("GET", "/wallet", token=owner.access))
    assert wallet["balance"] == 5, wallet
    assert assert_ok(vapi("GET", "/accounts/current",
                          token=owner.access))["awaiting_verification"] is False
    assert_ok(vapi("POST", "/messages", json={"to": "+254711000001", "body": "Hello"},
                   token=owner.access), 201)
    trials = [t for t in u.list_all(vapi, owner.access, "/wallet/transactions")[0]
              if t["type"] == "trial"]
    assert len(trials) == 1
