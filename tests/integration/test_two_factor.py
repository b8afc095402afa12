"""Two-factor sign-in with TOTP (docs/api-identity.md) over HTTP against the
real binary: set up with a secret and a first code, sign in with a
challenge and a code, codes and recovery codes single-use, turning it off
with the password and a code, and an account whose owner requires it for
every user. Codes are computed here with the standard library (RFC 6238),
from the time on this machine; one step either side is accepted, so no test
waits for the clock.
"""

import base64
import hashlib
import hmac
import struct
import time
from urllib.parse import parse_qs, urlsplit

import ujumbe_it as u
from ujumbe_it import assert_error, assert_ok


def totp(secret_b32, step):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (value % 1000000)


def step_now():
    return int(time.time()) // 30


def enable(api, actor):
    """Turns two factors on for `actor`; returns (secret, recovery codes, step used)."""
    setup = assert_ok(api("POST", "/auth/2fa/setup", token=actor.access))
    uri = urlsplit(setup["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    query = parse_qs(uri.query)
    assert query["secret"] == [setup["secret"]] and query["issuer"] == ["Ujumbe"]
    assert query["digits"] == ["6"] and query["period"] == ["30"]
    step = step_now()
    confirmed = assert_ok(api("POST", "/auth/2fa/confirm", json={"code": totp(setup["secret"], step)},
                              token=actor.access))
    codes = confirmed["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return setup["secret"], codes, step


def password_step(api, actor, **extra):
    body = {"email": actor.email, "password": actor.password}
    body.update(extra)
    return assert_ok(api("POST", "/auth/login", json=body))


def test_a_user_with_two_factors_signs_in_with_a_challenge_and_a_single_use_code(api):
    owner = u.register(api)
    assert owner.user["two_factor_enabled"] is False
    secret, codes, step = enable(api, owner)
    status = assert_ok(api("GET", "/auth/2fa", token=owner.access))
    assert status["enabled"] is True and status["recovery_codes_left"] == 10
    assert secret not in str(status)

    first = password_step(api, owner)
    assert first["two_factor_required"] is True and "access" not in first
    assert "user" not in first  # nothing about the user before the second factor
    assert_error(api("POST", "/auth/login/2fa", json={"challenge": first["challenge"]}), 400,
                 field="code")
    assert_error(api("POST", "/auth/login/2fa", json={"challenge": first["challenge"],
                                                      "code": "000000"}), 401, "INVALID_CODE")
    # The code the setup used is spent already.
    assert_error(api("POST", "/auth/login/2fa", json={"challenge": first["challenge"],
                                                      "code": totp(secret, step)}), 401,
                 "INVALID_CODE")
    signed_in = assert_ok(api("POST", "/auth/login/2fa", json={
        "challenge": first["challenge"], "code": totp(secret, step + 1)}))
    assert signed_in["user"]["id"] == owner.user_id
    assert signed_in["user"]["two_factor_enabled"] is True
    assert_ok(api("GET", "/auth/me", token=signed_in["access"]))
    # A challenge is spent once; the same code never signs in twice.
    assert_error(api("POST", "/auth/login/2fa", json={
        "challenge": first["challenge"], "code": totp(secret, step + 1)}), 401,
        "INVALID_CHALLENGE")
    second = password_step(api, owner)
    assert_error(api("POST", "/auth/login/2fa", json={
        "challenge": second["challenge"], "code": totp(secret, step + 1)}), 401, "INVALID_CODE")
    # A recovery code works once, typed any way.
    by_recovery = assert_ok(api("POST", "/auth/login/2fa", json={
        "challenge": second["challenge"], "code": codes[0].upper().replace("-", " ")}))
    assert by_recovery["user"]["id"] == owner.user_id
    third = password_step(api, owner)
    assert_error(api("POST", "/auth/login/2fa", json={"challenge": third["challenge"],
                                                      "code": codes[0]}), 401, "INVALID_CODE")
    assert assert_ok(api("GET", "/auth/2fa", token=owner.access))["recovery_codes_left"] == 9


def test_setup_needs_a_session_and_a_right_first_code(api):
    owner = u.register(api)
    key = u.create_api_key(api, owner.access)
    assert_error(api("POST", "/auth/2fa/setup", apikey=key["key"]), 403, "SESSION_REQUIRED")
    assert_error(api("POST", "/auth/2fa/confirm", json={"code": "123456"}, token=owner.access),
                 422, "TWO_FACTOR_NOT_STARTED")
    setup = assert_ok(api("POST", "/auth/2fa/setup", token=owner.access))
    assert_error(api("POST", "/auth/2fa/confirm", json={"code": "12345"}, token=owner.access),
                 400, "INVALID_CODE", "code")
    wrong = totp(setup["secret"], step_now() + 5)
    assert_error(api("POST", "/auth/2fa/confirm", json={"code": wrong}, token=owner.access),
                 400, "INVALID_CODE", "code")
    # Without a confirmed code nothing changed: the password alone signs in.
    assert "access" in password_step(api, owner)
    assert_ok(api("POST", "/auth/2fa/confirm", json={"code": totp(setup["secret"], step_now())},
                  token=owner.access))
    assert_error(api("POST", "/auth/2fa/setup", token=owner.access), 409, "TWO_FACTOR_ENABLED")


def test_turning_it_off_takes_the_password_and_a_code(api):
    owner = u.register(api)
    secret, codes, step = enable(api, owner)
    assert_error(api("POST", "/auth/2fa/disable", json={"password": "wrong-password-1",
                                                        "code": codes[1]}, token=owner.access),
                 400, field="current_password")
    assert_error(api("POST", "/auth/2fa/disable", json={"password": owner.password,
                                                        "code": "000000"}, token=owner.access),
                 400, "INVALID_CODE")
    assert_ok(api("POST", "/auth/2fa/disable", json={"password": owner.password,
                                                     "code": codes[1]}, token=owner.access))
    assert "access" in password_step(api, owner)
    status = assert_ok(api("GET", "/auth/2fa", token=owner.access))
    assert status["enabled"] is False and status["recovery_codes_left"] == 0


def test_wrong_codes_are_throttled_like_passwords(api):
    owner = u.register(api)
    enable(api, owner)
    challenge = password_step(api, owner)["challenge"]
    statuses = [api("POST", "/auth/login/2fa", json={"challenge": challenge,
                                                     "code": "%06d" % n}).status
                for n in range(7)]
    assert 429 in statuses, statuses


def test_an_owner_can_require_two_factors_of_every_user(api):
    owner = u.register(api)
    assert_error(api("PUT", "/accounts/current", json={"require_2fa": True}, token=owner.access),
                 400, "TWO_FACTOR_DISABLED", "require_2fa")
    enable(api, owner)
    data, email, password = u.add_member(api, owner.access, role="admin")
    admin = u.login(api, email, password)
    assert_error(api("PUT", "/accounts/current", json={"require_2fa": True}, token=admin.access),
                 403)
    account = assert_ok(api("PUT", "/accounts/current", json={"require_2fa": True},
                            token=owner.access))
    assert account["require_2fa"] is True
    # The admin, without two factors, reaches only what sets them up.
    assert_error(api("GET", "/contacts", token=admin.access), 403, "TWO_FACTOR_SETUP_REQUIRED")
    assert_ok(api("GET", "/auth/me", token=admin.access))
    status = assert_ok(api("GET", "/auth/2fa", token=admin.access))
    assert status["required_by_account"] is True and status["enabled"] is False
    enable(api, admin)
    assert_ok(api("GET", "/contacts", token=admin.access))


def test_an_invitation_token_does_not_open_a_session_past_the_second_factor(api):
    inviter = u.register(api)
    invitee = u.register(api)
    enable(api, invitee)
    u.invite(api, inviter.access, invitee.email)
    token = u.invitation_token(api, invitee.email)
    assert_error(api("POST", "/auth/invite/accept",
                     json={"token": token, "password": invitee.password}), 403,
                 "TWO_FACTOR_REQUIRED")
    # Signed in with both factors, the invitee accepts it among their invitations.
    pending = assert_ok(api("GET", "/invitations", token=invitee.access))["results"]
    assert len(pending) == 1
    assert_ok(api("POST", "/invitations/%s/accept" % pending[0]["id"], token=invitee.access))
