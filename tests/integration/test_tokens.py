"""Refresh rotation and reuse detection, logout, forged and expired tokens."""

import hashlib
import hmac
import json
import time
import uuid

import pytest

from ujumbe_it import (TEST_SECRET, assert_error, assert_ok, assert_unauthenticated,
                       assert_validation, b64url, hs256, jwt_decode, jwt_forge, jwt_signing_key,
                       login, register)


def _refresh(api, token):
    return api("POST", "/auth/token/refresh", json={"refresh": token})


# ---------------------------------------------------------------- refresh

def test_refresh_rotates_both_tokens(api, owner):
    data = assert_ok(_refresh(api, owner.refresh))
    assert isinstance(data["access"], str) and isinstance(data["refresh"], str)
    assert data["access"] != owner.access
    assert data["refresh"] != owner.refresh
    me = assert_ok(api("GET", "/auth/me", token=data["access"]))
    assert me["id"] == owner.user_id and me["account"]["id"] == owner.account_id
    # the rotated refresh token can itself be refreshed
    assert_ok(_refresh(api, data["refresh"]))


def test_refresh_keeps_session_claims(api, owner):
    data = assert_ok(_refresh(api, owner.refresh))
    _, old, _ = jwt_decode(owner.access)
    _, new, _ = jwt_decode(data["access"])
    assert new["sub"] == old["sub"] and new["acc"] == old["acc"] and new["role"] == old["role"]
    assert new["sid"] == old["sid"]
    assert new["jti"] != old["jti"]


def test_reusing_a_spent_refresh_token_revokes_the_whole_family(api, owner):
    rotated = assert_ok(_refresh(api, owner.refresh))
    assert_ok(api("GET", "/auth/me", token=rotated["access"]))
    # presenting the spent token again: reuse detected
    assert_error(_refresh(api, owner.refresh), 401, "TOKEN_REUSED")
    # ... and every token of the family is dead: the newer refresh token,
    assert_error(_refresh(api, rotated["refresh"]), 401)
    # the newer access token, and the original access token
    assert_unauthenticated(api("GET", "/auth/me", token=rotated["access"]))
    assert_unauthenticated(api("GET", "/auth/me", token=owner.access))


def test_refresh_reuse_does_not_touch_other_sessions(api, owner):
    other = login(api, owner.email, owner.password)
    assert_ok(_refresh(api, owner.refresh))
    assert_error(_refresh(api, owner.refresh), 401, "TOKEN_REUSED")
    assert_ok(api("GET", "/auth/me", token=other.access))
    assert_ok(_refresh(api, other.refresh))


@pytest.mark.parametrize("token", ["garbage", "", "x" * 500])
def test_refresh_with_unknown_token_is_401(api, token):
    resp = _refresh(api, token)
    if token == "":
        assert_error(resp, (400, 401))
    else:
        assert_error(resp, 401)


def test_refresh_with_an_access_token_is_401(api, owner):
    assert_error(_refresh(api, owner.access), 401)
    assert_ok(api("GET", "/auth/me", token=owner.access))


def test_refresh_without_field_is_400(api):
    assert_validation(api("POST", "/auth/token/refresh", json={}), "refresh")
    assert_validation(api("POST", "/auth/token/refresh", json={"refresh": 12345}), "refresh")


# ---------------------------------------------------------------- logout

def test_logout_with_bearer_revokes_that_session_only(api, owner):
    other = login(api, owner.email, owner.password)
    assert_ok(api("POST", "/auth/logout", token=owner.access))
    assert_unauthenticated(api("GET", "/auth/me", token=owner.access))
    assert_error(_refresh(api, owner.refresh), 401)
    # the other session of the same user is untouched
    assert_ok(api("GET", "/auth/me", token=other.access))


def test_logout_with_refresh_body_revokes_that_session(api, owner):
    resp = api("POST", "/auth/logout", json={"refresh": owner.refresh})
    assert_ok(resp)
    assert_unauthenticated(api("GET", "/auth/me", token=owner.access))
    assert_error(_refresh(api, owner.refresh), 401)


def test_logout_without_credentials_is_rejected(api):
    resp = api("POST", "/auth/logout")
    assert_error(resp, (400, 401))


def test_revoked_session_stays_dead_even_with_a_freshly_signed_token(api, owner):
    _, claims, _ = jwt_decode(owner.access)
    assert_ok(api("POST", "/auth/logout", token=owner.access))
    now = int(time.time())
    claims.update({"jti": str(uuid.uuid4()), "iat": now, "exp": now + 600})
    assert_unauthenticated(api("GET", "/auth/me", token=jwt_forge(claims)))


# ---------------------------------------------------------------- forged tokens

def test_resigning_a_real_token_reproduces_its_signature(owner):
    # proves the suite's key derivation matches the server's
    signing_input, _, sig = owner.access.rpartition(".")
    assert b64url(hs256(jwt_signing_key(), signing_input)) == sig


def test_expired_token_is_401_token_expired(api, owner):
    header, claims, _ = jwt_decode(owner.access)
    now = int(time.time())
    claims.update({"iat": now - 7200, "exp": now - 3600})
    assert_unauthenticated(api("GET", "/auth/me", token=jwt_forge(claims, header=header)),
                           "TOKEN_EXPIRED")


def _forgeries(token):
    header, claims, sig = jwt_decode(token)
    signing_input = token.rsplit(".", 1)[0]
    h64, p64 = signing_input.split(".")
    tampered = dict(claims, role="platform_admin")
    tampered_p64 = b64url(json.dumps(tampered).encode())
    return {
        "wrong_key": jwt_forge(claims, key=b"not-the-server-key-0123456789abcd", header=header),
        # the key is derived from the secret; the raw secret must not verify
        "raw_secret_as_key": jwt_forge(claims, key=TEST_SECRET.encode(), header=header),
        "alg_none": jwt_forge(claims, alg="none"),
        "alg_None": jwt_forge(claims, alg="None"),
        "alg_NONE_with_old_signature": jwt_forge(claims, alg="NONE") + b64url(sig),
        "alg_hs512": _hs512(claims),
        "tampered_payload": h64 + "." + tampered_p64 + "." + b64url(sig),
        "signature_stripped": signing_input + ".",
        "signature_truncated": signing_input + "." + b64url(sig)[:-4],
        "two_parts": signing_input,
        "garbage": "garbage",
        "dots": "...",
        "not_base64": "@@@.###.$$$",
        "header_only": h64,
        "random_sid": jwt_forge(dict(claims, sid=str(uuid.uuid4())), header=header),
    }


def _hs512(claims):
    hdr = b64url(json.dumps({"alg": "HS512", "typ": "JWT"}).encode())
    pay = b64url(json.dumps(claims).encode())
    sig = hmac.new(jwt_signing_key(), (hdr + "." + pay).encode(), hashlib.sha512).digest()
    return hdr + "." + pay + "." + b64url(sig)


FORGERY_KINDS = ["wrong_key", "raw_secret_as_key", "alg_none", "alg_None",
                 "alg_NONE_with_old_signature", "alg_hs512", "tampered_payload",
                 "signature_stripped", "signature_truncated", "two_parts", "garbage", "dots",
                 "not_base64", "header_only", "random_sid"]


@pytest.mark.parametrize("kind", FORGERY_KINDS)
def test_forged_or_garbage_bearer_token_is_401(api, owner, kind):
    token = _forgeries(owner.access)[kind]
    body = assert_unauthenticated(api("GET", "/auth/me", token=token))
    assert body["error_code"] != "TOKEN_EXPIRED", body
    assert_unauthenticated(api("GET", "/accounts/current", token=token))
    # the genuine token is unaffected
    assert_ok(api("GET", "/auth/me", token=owner.access))


@pytest.mark.parametrize("header", [
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "Token abc",
    "ApiKey",
    "ApiKey not-a-real-key",
])
def test_malformed_authorization_header_is_401(api, header):
    assert_unauthenticated(api("GET", "/auth/me", headers={"Authorization": header}))


def test_access_token_of_another_user_is_not_mixed_up(api, owner):
    other = register(api)
    me = assert_ok(api("GET", "/auth/me", token=other.access))
    assert me["id"] == other.user_id != owner.user_id


# ---------------------------------------------------------------- expiry

def test_access_token_expires_after_its_ttl(server_factory):
    srv = server_factory({"UJUMBE_ACCESS_TOKEN_TTL_S": "1"}, label="ttl")
    actor = register(srv.api)
    assert actor.data["expires_in"] == 1, actor.data
    _, claims, _ = jwt_decode(actor.access)
    assert claims["exp"] - claims["iat"] == 1, claims
    time.sleep(2.5)
    assert_unauthenticated(srv.api("GET", "/auth/me", token=actor.access), "TOKEN_EXPIRED")
    # the refresh token lives on and yields a new access token
    data = assert_ok(srv.api("POST", "/auth/token/refresh", json={"refresh": actor.refresh}))
    assert data["access"] != actor.access
