"""The login (email, password) changes only from a signed-in session that
knows the current password.

Attack: an API key with `account:write` changed the user's login email with
`PUT /auth/me`, taking over the user.
"""

from ujumbe_it import (assert_error, assert_ok, assert_validation, create_api_key, login,
                       unique_email, unique_name)


def test_api_key_cannot_change_the_login_email(api, owner):
    key = create_api_key(api, owner.access, scopes=["account:read", "account:write"])
    new_email = unique_email("thief")
    for body in ({"email": new_email}, {"email": new_email, "current_password": owner.password}):
        assert_error(api("PUT", "/auth/me", json=body, apikey=key["key"]), 403,
                     "SESSION_REQUIRED")
    assert assert_ok(api("GET", "/auth/me", token=owner.access))["email"] == owner.email
    login(api, owner.email, owner.password)
    assert_error(api("POST", "/auth/login", json={"email": new_email,
                                                  "password": owner.password}),
                 401, "INVALID_CREDENTIALS")


def test_api_key_cannot_change_the_password(api, owner):
    key = create_api_key(api, owner.access)
    resp = api("POST", "/auth/password/change",
               json={"current_password": owner.password, "new_password": "stolen-password-1"},
               apikey=key["key"])
    assert_error(resp, 403, "SESSION_REQUIRED")
    login(api, owner.email, owner.password)


def test_api_key_may_still_change_the_name(api, owner):
    key = create_api_key(api, owner.access, scopes=["account:write"])
    name = unique_name("Renamed")
    assert assert_ok(api("PUT", "/auth/me", json={"name": name}, apikey=key["key"]))["name"] == name


def test_session_needs_the_current_password(api, owner):
    new_email = unique_email("moved")
    assert_validation(api("PUT", "/auth/me", json={"email": new_email}, token=owner.access),
                      "current_password")
    assert_validation(api("PUT", "/auth/me", json={"email": new_email,
                                                   "current_password": "wrong-password-1"},
                          token=owner.access), "current_password")
    assert assert_ok(api("GET", "/auth/me", token=owner.access))["email"] == owner.email
    data = assert_ok(api("PUT", "/auth/me", json={"email": new_email,
                                                  "current_password": owner.password},
                         token=owner.access))
    assert data["email"] == new_email
    login(api, new_email, owner.password)


def test_guessing_the_current_password_is_throttled_like_login(api, owner):
    new_email = unique_email("guess")
    for i in range(5):
        assert_validation(api("PUT", "/auth/me", json={"email": new_email,
                                                       "current_password": "guess-%d-wrong" % i},
                              token=owner.access), "current_password")
    resp = api("PUT", "/auth/me", json={"email": new_email, "current_password": owner.password},
               token=owner.access)
    assert_error(resp, 429, "RATE_LIMITED")
    assert "retry-after" in resp.headers
    resp = api("POST", "/auth/password/change",
               json={"current_password": owner.password, "new_password": "another-pass-123"},
               token=owner.access)
    assert_error(resp, 429, "RATE_LIMITED")
    assert assert_ok(api("GET", "/auth/me", token=owner.access))["email"] == owner.email
