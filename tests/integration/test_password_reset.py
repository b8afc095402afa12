"""Password resets (docs/api-identity.md) over HTTP against the real binary:
the same answer for every address, a single-use token mailed to the user
(the outbox, as no SMTP gateway is configured), the new password in and
every session of the user out, and requests throttled per address and per
client.

The module runs its own server: the throttles count this module's requests
only.
"""

import re

import ujumbe_it as u
from ujumbe_it import assert_error, assert_ok

rsrv, rapi, radmin = u.module_server({}, "password-reset", "r")
SUBJECT = "Reset your Ujumbe password"


def reset_token(api, email):
    mails = u.outbox_mails(api, email)
    assert mails and mails[-1]["subject"] == SUBJECT, mails
    found = re.search(r"^Reset token: (\S+)$", mails[-1]["body"], re.M)
    assert found, mails[-1]
    return found.group(1)


def test_a_mailed_token_sets_a_new_password_once_and_ends_every_session(rapi):
    owner = u.register(rapi)
    other_device = u.login(rapi, owner.email, owner.password)
    known = assert_ok(rapi("POST", "/auth/password/reset", json={"email": owner.email.upper()}))
    unknown = rapi("POST", "/auth/password/reset", json={"email": "nobody@example.com"})
    assert assert_ok(unknown) == known  # the same answer either way
    assert unknown.body["message"] == rapi(
        "POST", "/auth/password/reset", json={"email": "nobody2@example.com"}).body["message"]
    assert u.outbox_mails(rapi, "nobody@example.com") == []
    token = reset_token(rapi, owner.email)
    assert_error(rapi("POST", "/auth/password/reset/confirm",
                      json={"token": token, "password": "short"}), 400, field="password")
    new_password = "a-new-password-42"
    assert_ok(rapi("POST", "/auth/password/reset/confirm",
                   json={"token": token, "password": new_password}))
    # Every session of the user ends: access and refresh tokens alike.
    for actor in (owner, other_device):
        u.assert_unauthenticated(rapi("GET", "/auth/me", token=actor.access))
        u.assert_unauthenticated(rapi("POST", "/auth/token/refresh",
                                      json={"refresh": actor.refresh}))
    assert_error(rapi("POST", "/auth/login",
                      json={"email": owner.email, "password": owner.password}), 401,
                 "INVALID_CREDENTIALS")
    assert u.login(rapi, owner.email, new_password).user_id == owner.user_id
    # A token is spent once.
    assert_error(rapi("POST", "/auth/password/reset/confirm",
                      json={"token": token, "password": "another-password-43"}), 400,
                 "INVALID_TOKEN", "token")
    assert_error(rapi("POST", "/auth/password/reset/confirm",
                      json={"token": "x" * 43, "password": "another-password-43"}), 400,
                 "INVALID_TOKEN", "token")
    assert_error(rapi("POST", "/auth/password/reset/confirm", json={"password": "p" * 12}), 400,
                 field="token")


def test_using_one_token_spends_the_others(rapi):
    owner = u.register(rapi)
    assert_ok(rapi("POST", "/auth/password/reset", json={"email": owner.email}))
    first = reset_token(rapi, owner.email)
    assert_ok(rapi("POST", "/auth/password/reset", json={"email": owner.email}))
    second = reset_token(rapi, owner.email)
    assert first != second
    assert_ok(rapi("POST", "/auth/password/reset/confirm",
                   json={"token": second, "password": "second-password-1"}))
    assert_error(rapi("POST", "/auth/password/reset/confirm",
                      json={"token": first, "password": "first-password-1"}), 400,
                 "INVALID_TOKEN")
    u.login(rapi, owner.email, "second-password-1")


def test_requests_are_throttled_per_email_quietly_and_per_client_openly(server_factory):
    srv = server_factory({}, label="reset-throttle")
    owner = u.register(srv.api)
    for _ in range(5):
        assert_ok(srv.api("POST", "/auth/password/reset", json={"email": owner.email}))
    # Three mails an hour reach one inbox; the answer stays the same.
    resets = [m for m in u.outbox_mails(srv.api, owner.email) if m["subject"] == SUBJECT]
    assert len(resets) == 3
    for i in range(5):
        assert_ok(srv.api("POST", "/auth/password/reset",
                          json={"email": "someone%d@example.com" % i}))
    resp = srv.api("POST", "/auth/password/reset", json={"email": owner.email})
    assert_error(resp, 429)
    assert int(resp.headers["retry-after"]) > 0
    assert_error(srv.api("POST", "/auth/password/reset", json={"email": "not an email"}), 400,
                 field="email")
