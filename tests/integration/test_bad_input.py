"""Boundaries and hostile input: the server answers 4xx in the envelope, never 5xx."""

import json
import uuid

import pytest

from ujumbe_it import (DEFAULT_PASSWORD, assert_error, assert_ok, assert_validation,
                       unique_email, unique_name)


def _register_body(**overrides):
    body = {"account_name": unique_name("Edge"), "name": unique_name("Edge"),
            "email": unique_email("edge"), "password": DEFAULT_PASSWORD}
    body.update(overrides)
    return body


def _email_of_length(length):
    """A valid, unique address of exactly `length` characters (local part <= 64)."""
    local = ("e" + uuid.uuid4().hex + "x" * 64)[:64]
    domain_len = length - len(local) - 1
    labels = []
    remaining = domain_len - len(".com")
    while remaining > 0:
        take = min(63, remaining)
        if remaining - take == 1:  # avoid leaving a lone "." with an empty label
            take -= 2
        labels.append("d" * take)
        remaining -= take + 1
        if remaining == 0:
            break
    domain = ".".join(labels) + ".com"
    email = local + "@" + domain
    assert len(email) == length, (len(email), email)
    return email


# ---------------------------------------------------------------- length boundaries

@pytest.mark.parametrize("field,value,ok", [
    ("name", "n" * 200, True),
    ("name", "n" * 201, False),
    ("name", "n", True),
    ("account_name", "a" * 200, True),
    ("account_name", "a" * 201, False),
    ("password", "p" * 10, True),
    ("password", "p" * 9, False),
    ("password", "p" * 128, True),
    ("password", "p" * 129, False),
])
def test_register_length_boundaries(api, field, value, ok):
    body = _register_body(**{field: value})
    resp = api("POST", "/auth/register", json=body)
    if ok:
        data = assert_ok(resp, 201)
        if field == "name":
            assert data["user"]["name"] == value
        if field == "account_name":
            assert data["account"]["name"] == value
    else:
        assert_validation(resp, field)


def test_email_of_254_characters_is_accepted(api):
    email = _email_of_length(254)
    data = assert_ok(api("POST", "/auth/register", json=_register_body(email=email)), 201)
    assert data["user"]["email"] == email


def test_email_of_255_characters_is_refused(api):
    email = _email_of_length(255)
    assert_validation(api("POST", "/auth/register", json=_register_body(email=email)), "email")


@pytest.mark.parametrize("field,value,ok", [
    ("password", "п" * 9, False),      # 9 characters, 18 bytes
    ("password", "п" * 128, True),     # 128 characters, 256 bytes
    ("name", "é" * 200, True),         # 200 characters, 400 bytes
    ("name", "é" * 201, False),
])
def test_lengths_count_characters_not_bytes(api, field, value, ok):
    body = _register_body(**{field: value})
    resp = api("POST", "/auth/register", json=body)
    if not ok:
        assert_validation(resp, field)
        return
    data = assert_ok(resp, 201)
    if field == "name":
        assert data["user"]["name"] == value
    else:
        assert_ok(api("POST", "/auth/login", json={"email": body["email"], "password": value}))


# ---------------------------------------------------------------- types and nulls

@pytest.mark.parametrize("field", ["name", "email", "password", "account_name"])
@pytest.mark.parametrize("value", [None, 0, 1.5, True, [], {}], ids=["null", "zero", "float",
                                                                   "bool", "list", "object"])
def test_register_rejects_non_string_values(api, field, value):
    body = _register_body(**{field: value})
    assert_validation(api("POST", "/auth/register", json=body), field)


@pytest.mark.parametrize("path,body", [
    ("/auth/register", {}),
    ("/auth/login", {}),
    ("/auth/token/refresh", {}),
])
def test_empty_object_on_public_posts_is_400(api, path, body):
    resp = api("POST", path, json=body)
    assert_error(resp, 400, "VALIDATION_ERROR")
    assert resp.body.get("errors"), resp


@pytest.mark.parametrize("path,fields", [
    ("/auth/password/change", ("current_password", "new_password")),
    ("/api-keys", ("name",)),
    ("/users", ("email", "role")),
    ("/accounts/switch", ("account_id",)),
    ("/accounts/children", None),
])
def test_empty_object_on_protected_posts_is_400(api, owner, admin, path, fields):
    token = admin.access if path == "/accounts/children" else owner.access
    resp = api("POST", path, json={}, token=token)
    body = assert_error(resp, 400, "VALIDATION_ERROR")
    errors = body.get("errors") or {}
    assert errors, resp
    for field in fields or ():
        assert field in errors, (field, resp)


# ---------------------------------------------------------------- encodings and odd bytes

def test_unicode_survives_a_round_trip(api):
    name = "Zoë Ñandú – 山田太郎 🚀"
    account_name = "Café Ümlaut Ltd 🏪"
    data = assert_ok(api("POST", "/auth/register",
                         json=_register_body(name=name, account_name=account_name)), 201)
    assert data["user"]["name"] == name and data["account"]["name"] == account_name
    me = assert_ok(api("GET", "/auth/me", token=data["access"]))
    assert me["name"] == name and me["account"]["name"] == account_name


def test_escaped_unicode_is_decoded(api):
    raw = json.dumps(_register_body(name="Jos\u00e9 \U0001F600"), ensure_ascii=True)
    data = assert_ok(api("POST", "/auth/register", raw_body=raw), 201)
    assert data["user"]["name"] == "Jos\u00e9 \U0001F600"


def test_invalid_utf8_is_400(api):
    raw = b'{"email": "a@example.com", "password": "\xff\xfe-not-utf8"}'
    assert_error(api("POST", "/auth/login", raw_body=raw), 400,
                 ("MALFORMED_JSON", "VALIDATION_ERROR"))


def test_lone_surrogate_escape_is_400_or_accepted_safely(api):
    raw = '{"account_name": "Acme", "name": "bad \\ud800 half", "email": "%s", "password": "%s"}' \
        % (unique_email("surrogate"), DEFAULT_PASSWORD)
    resp = api("POST", "/auth/register", raw_body=raw)
    if resp.status == 201:
        assert_ok(api("GET", "/auth/me", token=resp.body["data"]["access"]))
    else:
        assert_error(resp, 400, ("MALFORMED_JSON", "VALIDATION_ERROR"))


def test_nul_character_in_a_string_is_not_a_server_error(api):
    body = _register_body(name="nul\u0000byte")
    resp = api("POST", "/auth/register", json=body)
    if resp.status == 201:
        me = assert_ok(api("GET", "/auth/me", token=resp.body["data"]["access"]))
        assert me["name"] in ("nul\u0000byte", "nulbyte"), me
    else:
        assert_validation(resp, "name")


def test_deeply_nested_json_is_refused_and_server_survives(server, api):
    depth = 50000
    raw = '{"email": ' + "[" * depth + "]" * depth + ', "password": "whatever-123"}'
    resp = api("POST", "/auth/login", raw_body=raw)
    assert_error(resp, (400, 413), ("MALFORMED_JSON", "VALIDATION_ERROR", "PAYLOAD_TOO_LARGE"))
    assert server.request("GET", "/healthz")[0] == 200


def test_duplicate_keys_do_not_crash(api):
    raw = '{"email": "%s", "email": "%s", "password": "whatever-123"}' % (
        unique_email("dup"), unique_email("dup"))
    resp = api("POST", "/auth/login", raw_body=raw)
    assert_error(resp, (400, 401))


def test_out_of_range_number_is_a_clean_400(api, owner):
    raw = '{"max_messages_per_day": 1e400}'
    resp = api("PUT", "/users/%s" % owner.user_id, raw_body=raw, token=owner.access)
    assert_error(resp, 400, ("MALFORMED_JSON", "VALIDATION_ERROR"))
    raw = '{"max_messages_per_day": 123456789012345678901234567890}'
    resp = api("PUT", "/users/%s" % owner.user_id, raw_body=raw, token=owner.access)
    assert_error(resp, 400, ("MALFORMED_JSON", "VALIDATION_ERROR"))


# ---------------------------------------------------------------- paths and queries

@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "0190f5f2-1234-7abc-8def-0123456789abXX",
                                    "%27%20OR%201%3D1--", "..%2F..%2Fetc%2Fpasswd"])
def test_malformed_ids_in_paths_are_404_or_400(api, owner, bad_id):
    for path in ("/users/%s" % bad_id, "/api-keys/%s" % bad_id):
        resp = api("GET", path, token=owner.access)
        assert_error(resp, (400, 404), ("NOT_FOUND", "VALIDATION_ERROR"))


def test_unknown_query_parameters_are_ignored(api, owner):
    resp = api("GET", "/users?nonsense=1&also=%00", token=owner.access)
    assert resp.status in (200, 400), resp
    if resp.status == 400:
        assert_error(resp, 400)


def _status_or_dropped(server, *args, **kwargs):
    """The status of a request, or None when the server dropped the connection
    (acceptable for oversized request heads)."""
    try:
        return server.request(*args, **kwargs).status
    except AssertionError as e:
        if "request to ujumbe" not in str(e):
            raise
        return None


def test_very_long_url_is_refused_cleanly(server, owner):
    status = _status_or_dropped(server, "GET", "/api/v1/users?search=" + "a" * 100000,
                                token=owner.access)
    assert status in (None, 200, 400, 413, 414, 431), status
    assert server.request("GET", "/healthz")[0] == 200


def test_huge_header_is_refused_cleanly(server):
    status = _status_or_dropped(server, "GET", "/api/v1/auth/me",
                                headers={"X-Padding": "p" * 200000, "Authorization": "Bearer x"})
    assert status in (None, 400, 401, 413, 431), status
    assert server.request("GET", "/healthz")[0] == 200


def test_wrong_type_ids_in_bodies_are_400(api, owner):
    assert_validation(api("POST", "/accounts/switch", json={"account_id": ["x"]},
                          token=owner.access), "account_id")
    assert_validation(api("POST", "/accounts/switch", json={"account_id": {"id": 1}},
                          token=owner.access), "account_id")
