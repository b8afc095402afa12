"""Rate limits per account and per API key, by class (auth, send, bulk,
default), with X-RateLimit-* headers on every limited response and 429
RATE_LIMITED with Retry-After past the limit."""

import time

import ujumbe_it as u

ENV = {
    "UJUMBE_RATE_LIMIT_DEFAULT": "5",
    "UJUMBE_RATE_LIMIT_SEND": "3",
    "UJUMBE_RATE_LIMIT_BULK": "2",
    "UJUMBE_RATE_LIMIT_AUTH": "1000",
}


def _headers(resp):
    return {k: int(resp.headers["x-ratelimit-" + k]) for k in ("limit", "remaining", "reset")}


def test_default_class_counts_down_then_refuses(server_factory):
    srv = server_factory(env=ENV, label="rate-default")
    owner = u.register(srv.api)
    seen = []
    for _ in range(5):
        resp = srv.api("GET", "/contacts", token=owner.access)
        assert resp.status == 200, u.describe(resp)
        seen.append(_headers(resp))
    assert [h["limit"] for h in seen] == [5] * 5
    assert [h["remaining"] for h in seen] == [4, 3, 2, 1, 0]
    refused = srv.api("GET", "/contacts", token=owner.access)
    u.assert_error(refused, 429, code="RATE_LIMITED")
    assert int(refused.headers["retry-after"]) >= 1
    assert _headers(refused)["remaining"] == 0
    # Another account has its own allowance.
    other = u.register(srv.api)
    assert srv.api("GET", "/contacts", token=other.access).status == 200
    # Health checks are never limited.
    for _ in range(10):
        assert srv.client.request("GET", "/healthz").status == 200


def test_send_and_bulk_have_their_own_classes(server_factory):
    srv = server_factory(env=ENV, label="rate-send")
    owner = u.register(srv.api)
    for _ in range(3):
        u.assert_ok(srv.api("POST", "/messages", token=owner.access,
                            json={"to": "+254712345678", "body": "hi"}), 201)
    u.assert_error(srv.api("POST", "/messages", token=owner.access,
                           json={"to": "+254712345678", "body": "hi"}), 429, code="RATE_LIMITED")
    for _ in range(2):
        u.assert_ok(srv.api("POST", "/messages/bulk", token=owner.access,
                            json={"to": ["+254712345678"], "body": "hi"}), 201)
    u.assert_error(srv.api("POST", "/messages/bulk", token=owner.access,
                           json={"to": ["+254712345678"], "body": "hi"}), 429)
    # The default class is untouched by sends.
    assert srv.api("GET", "/messages", token=owner.access).status == 200


def test_api_keys_count_against_their_account(server_factory):
    srv = server_factory(env=ENV, label="rate-keys")
    owner = u.register(srv.api)
    key = u.create_api_key(srv.api, owner.access)["key"]  # 1 of 5
    for _ in range(4):
        assert srv.api("GET", "/contacts", apikey=key).status == 200
    u.assert_error(srv.api("GET", "/contacts", apikey=key), 429)
    u.assert_error(srv.api("GET", "/contacts", token=owner.access), 429)


def test_sign_in_is_limited_per_client_address(server_factory):
    srv = server_factory(env=dict(ENV, UJUMBE_RATE_LIMIT_AUTH="4"), label="rate-auth")
    statuses = [srv.api("POST", "/auth/login",
                        json={"email": "nobody%d@example.com" % i, "password": "x" * 12}).status
                for i in range(6)]
    assert statuses[:4].count(429) == 0, statuses
    assert statuses[-1] == 429, statuses


def test_limits_off_send_no_headers(server_factory):
    srv = server_factory(env={"UJUMBE_RATE_LIMIT_DEFAULT": "0"}, label="rate-off")
    owner = u.register(srv.api)
    resp = srv.api("GET", "/contacts", token=owner.access)
    assert resp.status == 200 and "x-ratelimit-limit" not in resp.headers


def _set_plan_limits(srv, code, **limits):
    """Sets a plan's own rate limits in its table (plans have no admin API)."""
    sets = ", ".join("rate_limit_%s = %d" % (k, v) for k, v in limits.items())
    u.run_sql(srv, "UPDATE plans SET %s WHERE code = '%s'" % (sets, code))


def test_a_plan_sets_its_subscribers_limits(server_factory):
    srv = server_factory(env=dict(ENV, UJUMBE_RATE_LIMIT_DEFAULT="1000"), label="rate-plan")
    _set_plan_limits(srv, "business", default=3, bulk=0)
    admin = u.login(srv.api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    owner = u.register(srv.api)
    u.assert_ok(srv.api("POST", "/wallet/topups",
                        json={"account_id": owner.account_id, "amount": "100",
                              "reference": "plan-" + owner.account_id}, token=admin.access), 201)
    sub = u.assert_ok(srv.api("POST", "/billing/subscription", json={"plan": "business"},
                              token=owner.access))
    assert sub["plan"]["rate_limits"] == {"auth": None, "send": None, "bulk": 0, "default": 3}
    other = u.register(srv.api)
    assert _headers(srv.api("GET", "/contacts", token=other.access))["limit"] == 1000
    # An account's plan is read again every 10 seconds.
    time.sleep(10.5)
    first = srv.api("GET", "/contacts", token=owner.access)
    assert _headers(first)["limit"] == 3, first.headers
    for _ in range(2):
        assert srv.api("GET", "/contacts", token=owner.access).status == 200
    u.assert_error(srv.api("GET", "/contacts", token=owner.access), 429, code="RATE_LIMITED")
    # The plan turned the bulk class off: no limit, no headers.
    bulk = srv.api("POST", "/messages/bulk", token=owner.access,
                   json={"to": ["+254712345678"], "body": "hi"})
    assert bulk.status == 201 and "x-ratelimit-limit" not in bulk.headers
    assert _headers(srv.api("GET", "/contacts", token=other.access))["limit"] == 1000
