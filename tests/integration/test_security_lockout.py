"""Wrong passwords from one address do not lock the owner out elsewhere.

Attack: five wrong passwords for someone's email locked the real owner out
for the whole window, from everywhere.  Now failures count per (email,
client address) with a growing back-off, plus the per-address limit.
"""

import time

import ujumbe_it as u
from ujumbe_it import assert_error, assert_ok, login, register


def _from(srv, ip):
    """srv.api, but connecting from another loopback address."""
    client = u.Client(srv.host, srv.port, source_address=(ip, 0))

    def api(method, path, **kwargs):
        return client.api(method, path, **kwargs)
    return api


def _wrong(api, email):
    return api("POST", "/auth/login", json={"email": email, "password": "not-the-password-1"})


def _retry_after(resp):
    assert_error(resp, 429, "RATE_LIMITED")
    return int(resp.headers["retry-after"])


def test_guesses_from_one_address_do_not_lock_the_owner_out(server_factory):
    srv = server_factory({"UJUMBE_LOGIN_IP_MAX_FAILURES": None,
                          "UJUMBE_LOGIN_MAX_FAILURES": None}, label="lockout")
    victim = register(srv.api)
    attacker = _from(srv, "127.0.0.2")
    for _ in range(5):
        assert_error(_wrong(attacker, victim.email), 401, "INVALID_CREDENTIALS")
    _retry_after(_wrong(attacker, victim.email))
    _retry_after(attacker("POST", "/auth/login",
                          json={"email": victim.email, "password": victim.password}))
    # the owner, from an address with no failures, signs in
    login(srv.api, victim.email, victim.password)
    owner_elsewhere = _from(srv, "127.0.0.3")
    assert_ok(owner_elsewhere("POST", "/auth/login",
                              json={"email": victim.email, "password": victim.password}))


def test_each_further_failure_doubles_the_wait(server_factory):
    srv = server_factory({"UJUMBE_LOGIN_MAX_FAILURES": "2",
                          "UJUMBE_LOGIN_WINDOW_S": "1",
                          "UJUMBE_LOGIN_BACKOFF_MAX_S": "4"}, label="backoff")
    victim = register(srv.api)
    attacker = _from(srv, "127.0.0.2")
    assert_error(_wrong(attacker, victim.email), 401)
    assert_error(_wrong(attacker, victim.email), 401)
    assert _retry_after(_wrong(attacker, victim.email)) == 1
    time.sleep(1.1)
    assert_error(_wrong(attacker, victim.email), 401)      # third failure: 2 s
    assert _retry_after(_wrong(attacker, victim.email)) == 2
    time.sleep(2.1)
    assert_error(_wrong(attacker, victim.email), 401)      # fourth: 4 s (the cap)
    assert _retry_after(_wrong(attacker, victim.email)) == 4
    # the right password is refused from the throttled address, not from others
    _retry_after(attacker("POST", "/auth/login",
                          json={"email": victim.email, "password": victim.password}))
    login(srv.api, victim.email, victim.password)


def test_the_per_address_limit_still_spans_emails(server_factory):
    srv = server_factory({"UJUMBE_LOGIN_IP_MAX_FAILURES": "3",
                          "UJUMBE_LOGIN_MAX_FAILURES": "1000"}, label="lockout-ip")
    user = register(srv.api)
    sprayer = _from(srv, "127.0.0.2")
    for _ in range(3):
        assert_error(_wrong(sprayer, u.unique_email("spray")), 401)
    _retry_after(_wrong(sprayer, u.unique_email("spray")))
    _retry_after(sprayer("POST", "/auth/login",
                         json={"email": user.email, "password": user.password}))
    login(srv.api, user.email, user.password)


def test_behind_a_trusted_proxy_failures_count_per_forwarded_client(server_factory):
    """With trusted_proxies, the address a proxy forwards is the client's
    (one sprayer behind the proxy does not lock everyone out); a client
    that is not a trusted proxy cannot choose its address by the header."""
    srv = server_factory({"UJUMBE_LOGIN_IP_MAX_FAILURES": "3",
                          "UJUMBE_LOGIN_MAX_FAILURES": "1000",
                          "UJUMBE_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}, label="proxied")
    user = register(srv.api)

    def via_proxy(client_ip, password=None, email=None):
        return srv.api("POST", "/auth/login", json={
            "email": email or u.unique_email("spray"),
            "password": password or "not-the-password-1"},
            headers={"X-Forwarded-For": "%s, 10.0.0.2" % client_ip})

    for _ in range(3):
        assert_error(via_proxy("203.0.113.5"), 401)
    _retry_after(via_proxy("203.0.113.5"))
    assert_ok(via_proxy("203.0.113.6", user.password, user.email))

    direct = _from(srv, "127.0.0.2")
    for n in range(3):
        assert_error(direct("POST", "/auth/login", json={
            "email": u.unique_email("spray"), "password": "not-the-password-1"},
            headers={"X-Forwarded-For": "203.0.113.%d" % (50 + n)}), 401)
    _retry_after(direct("POST", "/auth/login", json={
        "email": user.email, "password": user.password},
        headers={"X-Forwarded-For": "203.0.113.99"}))
