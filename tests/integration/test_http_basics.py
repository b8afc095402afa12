"""HTTP plumbing: health, routing, methods, body parsing, limits, keep-alive."""

import http.client
import json
import uuid

import pytest

from ujumbe_it import (allow_methods, assert_error, assert_ok, assert_unauthenticated, raw_exchange,
                       unique_email)


def test_healthz_answers_200_without_auth(server):
    status, _, _ = server.request("GET", "/healthz")
    assert status == 200


def test_readyz_answers_200_when_database_is_up(server):
    status, _, _ = server.request("GET", "/readyz")
    assert status == 200


def test_api_answers_are_json(api, owner):
    resp = api("GET", "/auth/me", token=owner.access)
    assert_ok(resp)
    assert resp.headers.get("content-type", "").startswith("application/json"), resp
    resp = api("GET", "/auth/me")
    assert_unauthenticated(resp, "UNAUTHENTICATED")
    assert resp.headers.get("content-type", "").startswith("application/json"), resp


def test_unknown_api_route_is_404_in_envelope(api, owner):
    assert_error(api("GET", "/no-such-thing", token=owner.access), 404, "NOT_FOUND")
    assert_error(api("POST", "/no/such/thing", json={}, token=owner.access), 404, "NOT_FOUND")


def test_unknown_route_outside_api_is_404(server):
    status, _, _ = server.request("GET", "/no-such-page-%s" % uuid.uuid4().hex)
    assert status == 404


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
def test_wrong_method_on_public_route_is_405_with_allow(api, method):
    kwargs = {"json": {}} if method == "PUT" else {}
    resp = api(method, "/auth/login", **kwargs)
    assert_error(resp, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in allow_methods(resp), resp.headers
    assert method not in allow_methods(resp), resp.headers


def test_wrong_method_on_protected_routes_is_405_with_allow(api, owner):
    resp = api("POST", "/accounts/current", json={}, token=owner.access)
    assert_error(resp, 405, "METHOD_NOT_ALLOWED")
    assert {"GET", "PUT"} <= allow_methods(resp), resp.headers
    assert "POST" not in allow_methods(resp)

    resp = api("DELETE", "/auth/me", token=owner.access)
    assert_error(resp, 405, "METHOD_NOT_ALLOWED")
    assert {"GET", "PUT"} <= allow_methods(resp), resp.headers

    # a templated path: /users/{id} knows GET, PUT and DELETE
    resp = api("POST", "/users/%s" % owner.user_id, json={}, token=owner.access)
    assert_error(resp, 405, "METHOD_NOT_ALLOWED")
    assert {"GET", "PUT", "DELETE"} <= allow_methods(resp), resp.headers
    assert "POST" not in allow_methods(resp)


@pytest.mark.parametrize("raw", [
    '{"email": "a@example.com", ',
    "not json at all",
    "{'email': 'single@quotes.example'}",
    '{"email": "a@example.com"} trailing',
    '{"email": "a@example.com",}',
])
def test_malformed_json_is_400(api, raw):
    assert_error(api("POST", "/auth/login", raw_body=raw), 400, "MALFORMED_JSON")


@pytest.mark.parametrize("raw", [
    '[{"email": "a@example.com", "password": "whatever-123"}]',
    "[]",
    '"a string"',
    "42",
    "true",
    "null",
])
def test_json_that_is_not_an_object_is_400(api, raw):
    assert_error(api("POST", "/auth/login", raw_body=raw), 400, "MALFORMED_JSON")


def test_empty_body_with_json_content_type_is_400(api):
    assert_error(api("POST", "/auth/login", raw_body=b""), 400,
                 {"MALFORMED_JSON", "VALIDATION_ERROR"})


def test_text_plain_body_is_415(api):
    body = json.dumps({"email": unique_email(), "password": "whatever-123"})
    resp = api("POST", "/auth/login", raw_body=body, content_type="text/plain")
    assert_error(resp, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_form_body_is_415(api):
    resp = api("POST", "/auth/register", raw_body="email=a%40example.com&password=x",
               content_type="application/x-www-form-urlencoded")
    assert_error(resp, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_json_content_type_with_charset_is_accepted(api):
    resp = api("POST", "/auth/login",
               json={"email": unique_email("nobody"), "password": "wrong-password-1"},
               content_type="application/json; charset=utf-8")
    assert_error(resp, 401, "INVALID_CREDENTIALS")


def test_body_over_one_mib_is_413(server):
    filler = "x" * (1024 * 1024 + 4096)
    body = json.dumps({"email": unique_email(), "password": "whatever-123",
                       "padding": filler}).encode()
    head = ("POST /api/v1/auth/login HTTP/1.1\r\nHost: %s:%d\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (server.host, server.port, len(body))).encode()
    try:
        status, headers, raw = raw_exchange(server.host, server.port, head, body)
    except (ConnectionError, http.client.HTTPException) as e:
        pytest.fail("server dropped the connection instead of answering 413: %r" % (e,))
    assert status == 413, (status, raw[:500])
    parsed = json.loads(raw.decode("utf-8"))
    assert parsed.get("success") is False and parsed.get("error_code") == "PAYLOAD_TOO_LARGE", raw
    assert isinstance(parsed.get("message"), str) and parsed["message"]
    # and the server is fine afterwards
    assert server.request("GET", "/healthz")[0] == 200


def test_body_just_under_the_limit_is_parsed(api):
    filler = "x" * (1024 * 1024 - 4096)
    resp = api("POST", "/auth/login",
               json={"email": unique_email(), "password": "whatever-123", "padding": filler})
    assert resp.status != 413, resp
    assert_error(resp, 401, "INVALID_CREDENTIALS")


def test_keep_alive_serves_several_requests_on_one_connection(server, owner):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=15)
    try:
        conn.connect()
        local = conn.sock.getsockname()
        sequence = [
            ("GET", "/healthz", None, {}, 200),
            ("GET", "/api/v1/auth/me", None, {"Authorization": "Bearer " + owner.access}, 200),
            ("GET", "/api/v1/no-such-thing", None,
             {"Authorization": "Bearer " + owner.access}, 404),
            ("POST", "/api/v1/auth/login",
             json.dumps({"email": unique_email("ka"), "password": "wrong-password-1"}),
             {"Content-Type": "application/json"}, 401),
            ("GET", "/api/v1/auth/me", None, {}, 401),
            ("PUT", "/api/v1/auth/me", json.dumps({"name": "Keep Alive"}),
             {"Content-Type": "application/json", "Authorization": "Bearer " + owner.access},
             200),
            ("GET", "/readyz", None, {}, 200),
        ]
        for method, path, body, headers, expected in sequence:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            assert resp.status == expected, (method, path, resp.status, payload[:300])
            assert not resp.will_close, "server closed after %s %s" % (method, path)
            assert conn.sock is not None and conn.sock.getsockname() == local, \
                "a new connection was opened for %s %s" % (method, path)
            if path.startswith("/api/"):
                parsed = json.loads(payload)
                assert parsed["success"] is (expected < 400)
    finally:
        conn.close()
