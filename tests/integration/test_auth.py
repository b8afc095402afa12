"""Registration, login, /auth/me, password change and the login throttle."""

import hmac
import uuid

import pytest

from ujumbe_it import (DEFAULT_PASSWORD, assert_error, assert_ok, assert_unauthenticated,
                       assert_validation, b64url_decode, hs256, is_timestamp, is_uuid7,
                       jwt_decode, jwt_signing_key, login, register, unique_email, unique_name)


def _register_body(**overrides):
    body = {"account_name": unique_name("Acme"), "name": unique_name("Ann"),
            "email": unique_email("reg"), "password": DEFAULT_PASSWORD}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _assert_token_answer(data, email, role="owner"):
    assert isinstance(data["access"], str) and data["access"].count(".") == 2, data
    assert isinstance(data["refresh"], str) and data["refresh"], data
    assert data["refresh"] != data["access"]
    assert data["token_type"] == "Bearer", data
    assert isinstance(data["expires_in"], int) and not isinstance(data["expires_in"], bool)
    assert data["role"] == role, data
    user, account = data["user"], data["account"]
    assert is_uuid7(user["id"]), user
    assert user["email"] == email.lower(), user
    assert is_uuid7(account["id"]), account
    return user, account


# ---------------------------------------------------------------- register

def test_register_answers_201_with_tokens_user_and_account(api):
    body = _register_body()
    data = assert_ok(api("POST", "/auth/register", json=body), 201)
    user, account = _assert_token_answer(data, body["email"])
    assert 880 <= data["expires_in"] <= 900, data  # default 15 minutes
    assert user["name"] == body["name"]
    assert account["name"] == body["account_name"]
    assert account["type"] == "business"
    assert account["status"] == "active"
    assert account.get("parent_id") is None
    for key in ("created_at",):
        assert is_timestamp(user.get(key)), user
        assert is_timestamp(account.get(key)), account
    assert "password" not in user and "password_hash" not in user


def test_register_access_token_is_hs256_with_documented_claims(api):
    body = _register_body()
    data = assert_ok(api("POST", "/auth/register", json=body), 201)
    header, claims, signature = jwt_decode(data["access"])
    assert header["alg"] == "HS256", header
    assert claims["sub"] == data["user"]["id"]
    assert claims["acc"] == data["account"]["id"]
    assert claims["role"] == "owner"
    for key in ("sid", "jti"):
        assert isinstance(claims.get(key), str) and claims[key], claims
    assert isinstance(claims["iat"], int) and isinstance(claims["exp"], int), claims
    assert claims["exp"] - claims["iat"] == 900, claims
    # the signing key is HMAC-SHA256("ujumbe.jwt.v1") keyed with the server secret
    signing_input = data["access"].rsplit(".", 1)[0]
    assert hmac.compare_digest(hs256(jwt_signing_key(), signing_input), signature), \
        "access token is not signed with HMAC-SHA256(secret, 'ujumbe.jwt.v1')"
    assert b64url_decode(data["access"].split(".")[2]) == signature


def test_register_accepts_tenant_name_alias(api):
    tenant = unique_name("Tenant")
    body = _register_body(account_name=None, tenant_name=tenant)
    data = assert_ok(api("POST", "/auth/register", json=body), 201)
    assert data["account"]["name"] == tenant


def test_register_stores_email_lower_cased(api):
    email = "MiXeD-%s@Example.COM" % uuid.uuid4().hex
    data = assert_ok(api("POST", "/auth/register", json=_register_body(email=email)), 201)
    assert data["user"]["email"] == email.lower()


def test_register_with_taken_email_is_409_case_insensitively(api, owner):
    for email in (owner.email, owner.email.upper()):
        resp = api("POST", "/auth/register", json=_register_body(email=email))
        assert_error(resp, 409, "EMAIL_TAKEN")


@pytest.mark.parametrize("password", ["short", "123456789", "x" * 9])
def test_register_with_weak_password_is_400_on_password(api, password):
    assert_validation(api("POST", "/auth/register", json=_register_body(password=password)),
                      "password")


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com",
                                   "a@@example.com", "", "   "])
def test_register_with_invalid_email_is_400_on_email(api, email):
    assert_validation(api("POST", "/auth/register", json=_register_body(email=email)), "email")


@pytest.mark.parametrize("field", ["name", "email", "password", "account_name"])
def test_register_with_missing_field_is_400_naming_it(api, field):
    body = _register_body()
    del body[field]
    expected = ("account_name", "tenant_name") if field == "account_name" else field
    assert_validation(api("POST", "/auth/register", json=body), expected)


@pytest.mark.parametrize("field,value", [
    ("name", 123),
    ("name", ["Ann"]),
    ("email", 123),
    ("email", {"address": "a@example.com"}),
    ("password", 1234567890123),
    ("password", True),
    ("account_name", ["Acme"]),
    ("name", None),
])
def test_register_with_wrong_type_is_400_naming_field(api, field, value):
    body = _register_body()
    body[field] = value
    assert_validation(api("POST", "/auth/register", json=body), field)


@pytest.mark.parametrize("field,value", [
    ("name", "n" * 300),
    ("account_name", "a" * 300),
    ("name", ""),
    ("account_name", ""),
    ("password", "p" * 129),
])
def test_register_with_bad_length_is_400_naming_field(api, field, value):
    body = _register_body()
    body[field] = value
    assert_validation(api("POST", "/auth/register", json=body), field)


def test_failed_register_leaves_nothing_behind(api):
    email = unique_email("retry")
    good = _register_body(email=email)
    failures = [
        dict(good, password="short"),
        dict(good, name=123),
        dict(good, account_name="a" * 300),
        dict(good, name="n" * 300),
    ]
    for body in failures:
        assert_error(api("POST", "/auth/register", json=body), 400, "VALIDATION_ERROR")
    # no user was written: the email cannot log in and is still free
    assert_error(api("POST", "/auth/login", json={"email": email, "password": DEFAULT_PASSWORD}),
                 401, "INVALID_CREDENTIALS")
    data = assert_ok(api("POST", "/auth/register", json=good), 201)
    assert data["user"]["email"] == email
    me = assert_ok(api("GET", "/auth/me", token=data["access"]))
    assert len(me["accounts"]) == 1, me


def test_register_ignores_privilege_fields(api):
    body = _register_body(role="platform_admin", account_type="reseller", is_staff=True,
                          account_id="0190f5f2-0000-7000-8000-000000000000")
    resp = api("POST", "/auth/register", json=body)
    if resp.status == 400:  # rejecting unknown fields is acceptable too
        assert_error(resp, 400, "VALIDATION_ERROR")
        return
    data = assert_ok(resp, 201)
    assert data["role"] == "owner"
    assert data["account"]["type"] == "business"
    assert jwt_decode(data["access"])[1]["role"] == "owner"


# ---------------------------------------------------------------- login

def test_login_answers_200_with_register_shape(api, owner):
    data = assert_ok(api("POST", "/auth/login",
                         json={"email": owner.email, "password": owner.password}))
    user, account = _assert_token_answer(data, owner.email)
    assert user["id"] == owner.user_id
    assert account["id"] == owner.account_id
    assert data["access"] != owner.access and data["refresh"] != owner.refresh
    me = assert_ok(api("GET", "/auth/me", token=data["access"]))
    assert is_timestamp(me["last_login_at"]), me


def test_login_email_is_case_insensitive(api, owner):
    for variant in (owner.email.upper(), owner.email.capitalize()):
        resp = api("POST", "/auth/login", json={"email": variant, "password": owner.password})
        data = assert_ok(resp)
        assert data["user"]["id"] == owner.user_id


def test_wrong_password_and_unknown_email_answer_identically(api, owner):
    wrong = api("POST", "/auth/login", json={"email": owner.email, "password": "Wrong-pass-123"})
    unknown = api("POST", "/auth/login",
                  json={"email": unique_email("ghost"), "password": "Wrong-pass-123"})
    body_wrong = assert_error(wrong, 401, "INVALID_CREDENTIALS")
    body_unknown = assert_error(unknown, 401, "INVALID_CREDENTIALS")
    assert body_wrong == body_unknown


def test_login_password_is_case_sensitive(api, owner):
    resp = api("POST", "/auth/login", json={"email": owner.email,
                                            "password": owner.password.upper()})
    assert_error(resp, 401, "INVALID_CREDENTIALS")


@pytest.mark.parametrize("field", ["email", "password"])
def test_login_missing_field_is_400(api, field):
    body = {"email": unique_email(), "password": "whatever-123"}
    del body[field]
    assert_validation(api("POST", "/auth/login", json=body), field)


def test_login_into_foreign_account_is_refused(api, owner, register):
    other = register()
    resp = api("POST", "/auth/login", json={"email": owner.email, "password": owner.password,
                                            "account_id": other.account_id})
    assert_error(resp, (400, 401, 403, 404))


# ---------------------------------------------------------------- /auth/me

def test_get_me_shape(api, owner):
    me = assert_ok(api("GET", "/auth/me", token=owner.access))
    for key in ("id", "email", "name", "is_active", "created_at", "updated_at", "last_login_at",
                "role", "account", "accounts"):
        assert key in me, "missing %s in %s" % (key, me)
    assert me["id"] == owner.user_id
    assert me["email"] == owner.email
    assert me["is_active"] is True
    assert me["role"] == "owner"
    assert is_timestamp(me["created_at"]) and is_timestamp(me["updated_at"])
    assert me["account"]["id"] == owner.account_id
    assert [a["id"] for a in me["accounts"]] == [owner.account_id]
    entry = me["accounts"][0]
    for key in ("id", "name", "type", "role", "status"):
        assert key in entry, entry
    assert entry["role"] == "owner" and entry["status"] == "active" and entry["type"] == "business"
    assert "password" not in me and "password_hash" not in me


def test_get_me_without_token_is_401(api):
    assert_unauthenticated(api("GET", "/auth/me"), "UNAUTHENTICATED")


def test_put_me_changes_name(api, owner):
    name = unique_name("Renamed")
    data = assert_ok(api("PUT", "/auth/me", json={"name": name}, token=owner.access))
    assert data["name"] == name and data["id"] == owner.user_id
    assert "accounts" in data and "account" in data
    assert assert_ok(api("GET", "/auth/me", token=owner.access))["name"] == name


def test_put_me_unicode_name_round_trips(api, owner):
    name = "Wanjiku Ñandú 🚀 山田"
    assert assert_ok(api("PUT", "/auth/me", json={"name": name}, token=owner.access))["name"] == name
    assert assert_ok(api("GET", "/auth/me", token=owner.access))["name"] == name


def test_put_me_changes_email_and_login_follows(api, owner):
    new_email = unique_email("moved").upper()
    data = assert_ok(api("PUT", "/auth/me", json={"email": new_email,
                                                  "current_password": owner.password},
                         token=owner.access))
    assert data["email"] == new_email.lower()
    assert_error(api("POST", "/auth/login", json={"email": owner.email,
                                                  "password": owner.password}),
                 401, "INVALID_CREDENTIALS")
    login(api, new_email.lower(), owner.password)


def test_put_me_with_taken_email_is_409(api, owner, register):
    other = register()
    resp = api("PUT", "/auth/me", json={"email": other.email.upper(),
                                        "current_password": owner.password},
               token=owner.access)
    assert_error(resp, 409, "EMAIL_TAKEN")
    assert assert_ok(api("GET", "/auth/me", token=owner.access))["email"] == owner.email


@pytest.mark.parametrize("body,field", [
    ({"name": ""}, "name"),
    ({"name": "n" * 201}, "name"),
    ({"name": 42}, "name"),
    ({"email": "not-an-email"}, "email"),
    ({"email": 7}, "email"),
])
def test_put_me_validates(api, owner, body, field):
    assert_validation(api("PUT", "/auth/me", json=body, token=owner.access), field)


def test_put_me_cannot_deactivate_or_promote_self(api, owner):
    resp = api("PUT", "/auth/me", json={"is_active": False, "role": "platform_admin"},
               token=owner.access)
    assert resp.status in (200, 400), resp
    me = assert_ok(api("GET", "/auth/me", token=owner.access))
    assert me["is_active"] is True and me["role"] == "owner"


# ---------------------------------------------------------------- password change

def test_password_change_with_wrong_current_is_400(api, owner):
    resp = api("POST", "/auth/password/change",
               json={"current_password": "not-my-password-1", "new_password": "brand-new-pass-1"},
               token=owner.access)
    assert_validation(resp, "current_password")
    login(api, owner.email, owner.password)  # unchanged


def test_password_change_with_weak_new_password_is_400(api, owner):
    resp = api("POST", "/auth/password/change",
               json={"current_password": owner.password, "new_password": "short"},
               token=owner.access)
    assert_validation(resp, "new_password")


def test_password_change_needs_authentication(api):
    resp = api("POST", "/auth/password/change",
               json={"current_password": "whatever-123", "new_password": "brand-new-pass-1"})
    assert_unauthenticated(resp)


def test_password_change_revokes_other_sessions_only(api, owner):
    other_session = login(api, owner.email, owner.password)
    assert_ok(api("GET", "/auth/me", token=other_session.access))
    new_password = "a-brand-new-password-7"
    resp = api("POST", "/auth/password/change",
               json={"current_password": owner.password, "new_password": new_password},
               token=owner.access)
    assert_ok(resp)
    # the other session dies at once, access and refresh alike
    assert_unauthenticated(api("GET", "/auth/me", token=other_session.access))
    assert_error(api("POST", "/auth/token/refresh", json={"refresh": other_session.refresh}),
                 401)
    # the current session goes on
    assert_ok(api("GET", "/auth/me", token=owner.access))
    # old password refused, new one accepted
    assert_error(api("POST", "/auth/login", json={"email": owner.email,
                                                  "password": owner.password}),
                 401, "INVALID_CREDENTIALS")
    login(api, owner.email, new_password)


# ---------------------------------------------------------------- login throttle

def _fail_login(api, email):
    return api("POST", "/auth/login", json={"email": email, "password": "definitely-wrong-1"})


def _assert_rate_limited(resp, window_s=60):
    assert_error(resp, 429, "RATE_LIMITED")
    retry_after = resp.headers.get("retry-after")
    assert retry_after is not None and retry_after.strip().isdigit(), resp.headers
    assert 1 <= int(retry_after) <= window_s, retry_after


def test_login_throttle_with_default_limits(server_factory):
    srv = server_factory({"UJUMBE_LOGIN_IP_MAX_FAILURES": None,
                          "UJUMBE_LOGIN_MAX_FAILURES": None}, label="throttle-default")
    victim = register(srv.api)
    bystander = register(srv.api)
    for _ in range(5):
        assert_error(_fail_login(srv.api, victim.email), 401, "INVALID_CREDENTIALS")
    _assert_rate_limited(_fail_login(srv.api, victim.email))
    # the right password is refused too while throttled
    _assert_rate_limited(srv.api("POST", "/auth/login",
                                 json={"email": victim.email, "password": victim.password}))
    # five failures from this IP also throttle every other email from it
    _assert_rate_limited(srv.api("POST", "/auth/login",
                                 json={"email": bystander.email,
                                       "password": bystander.password}))
    # tokens already issued keep working
    assert_ok(srv.api("GET", "/auth/me", token=victim.access))


def test_login_throttle_is_per_email_and_ignores_case(server_factory):
    srv = server_factory({"UJUMBE_LOGIN_MAX_FAILURES": "3",
                          "UJUMBE_LOGIN_IP_MAX_FAILURES": "1000",
                          "UJUMBE_LOGIN_WINDOW_S": "60"}, label="throttle-email")
    victim = register(srv.api)
    bystander = register(srv.api)
    for variant in (victim.email, victim.email.upper(), victim.email.capitalize()):
        assert_error(_fail_login(srv.api, variant), 401, "INVALID_CREDENTIALS")
    _assert_rate_limited(_fail_login(srv.api, victim.email.upper()))
    _assert_rate_limited(srv.api("POST", "/auth/login",
                                 json={"email": victim.email, "password": victim.password}))
    # another email from the same IP is not affected by the victim's counter
    assert_error(_fail_login(srv.api, bystander.email), 401, "INVALID_CREDENTIALS")
    login(srv.api, bystander.email, bystander.password)


def test_login_throttle_per_ip_spans_emails(server_factory):
    srv = server_factory({"UJUMBE_LOGIN_MAX_FAILURES": "1000",
                          "UJUMBE_LOGIN_IP_MAX_FAILURES": "3",
                          "UJUMBE_LOGIN_WINDOW_S": "60"}, label="throttle-ip")
    user = register(srv.api)
    for _ in range(3):
        assert_error(_fail_login(srv.api, unique_email("spray")), 401, "INVALID_CREDENTIALS")
    _assert_rate_limited(_fail_login(srv.api, unique_email("spray")))
    _assert_rate_limited(srv.api("POST", "/auth/login",
                                 json={"email": user.email, "password": user.password}))
