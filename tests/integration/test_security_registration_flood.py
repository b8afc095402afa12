"""Registration floods are throttled, hashing cannot starve the database
threads, and the platform admin sees where accounts come from.

Attack: 12 parallel registrations from one address all succeeded (each with
trial credit) and a `GET /contacts` during them took 511 ms (password
hashing ran on every database thread).
"""

import threading
import time

import ujumbe_it as u
from ujumbe_it import assert_error, assert_list, assert_ok, login

DEFAULT_LIMITS = {"UJUMBE_REGISTER_IP_MAX": None, "UJUMBE_REGISTER_MAX": None}


def _from(srv, ip):
    client = u.Client(srv.host, srv.port, source_address=(ip, 0))
    return lambda method, path, **kwargs: client.api(method, path, **kwargs)


def _body():
    return {"account_name": u.unique_name("Flood"), "name": "Flooder",
            "email": u.unique_email("flood"), "password": u.DEFAULT_PASSWORD}


def _parallel(n, fn):
    results = [None] * n
    start = threading.Barrier(n)

    def run(i):
        start.wait()
        results[i] = fn(i)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_parallel_registrations_from_one_address_are_throttled(server_factory):
    # Enough hashing slots that only the registration throttle refuses.
    srv = server_factory(dict(DEFAULT_LIMITS, UJUMBE_PASSWORD_HASH_SLOTS="12"),
                         label="reg-flood")
    results = _parallel(12, lambda i: srv.api("POST", "/auth/register", json=_body()))
    created = [r for r in results if r.status == 201]
    limited = [r for r in results if r.status == 429]
    assert len(created) == 5, [r.status for r in results]
    assert len(limited) == 7, [r.status for r in results]
    for r in limited:
        assert_error(r, 429, "RATE_LIMITED")
        assert 1 <= int(r.headers["retry-after"]) <= 3600, r.headers
    # another address may still register
    assert_ok(_from(srv, "127.0.0.2")("POST", "/auth/register", json=_body()), 201)


def test_registrations_are_also_limited_globally(server_factory):
    srv = server_factory({"UJUMBE_REGISTER_IP_MAX": "100", "UJUMBE_REGISTER_MAX": "3"},
                         label="reg-global")
    for i in range(3):
        assert_ok(_from(srv, "127.0.0.%d" % (i + 2))("POST", "/auth/register", json=_body()), 201)
    resp = _from(srv, "127.0.0.9")("POST", "/auth/register", json=_body())
    assert_error(resp, 429, "RATE_LIMITED")
    assert "retry-after" in resp.headers


def test_platform_admin_sees_the_registering_address_and_its_count(server_factory):
    srv = server_factory(DEFAULT_LIMITS, label="reg-listing")
    farm = _from(srv, "127.0.0.7")
    farmed = [assert_ok(farm("POST", "/auth/register", json=_body()), 201) for _ in range(3)]
    single = assert_ok(_from(srv, "127.0.0.8")("POST", "/auth/register", json=_body()), 201)
    admin = login(srv.api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    listed = assert_list(srv.api("GET", "/accounts?page_size=100", token=admin.access))
    by_id = {a["id"]: a for a in listed["results"]}
    for data in farmed:
        row = by_id[data["account"]["id"]]
        assert row["registered_ip"] == "127.0.0.7" and row["registrations_that_day"] == 3, row
    row = by_id[single["account"]["id"]]
    assert row["registered_ip"] == "127.0.0.8" and row["registrations_that_day"] == 1, row
    # only the platform admin sees it
    owner = u.Actor(single)
    assert_error(srv.api("GET", "/accounts", token=owner.access), 403)


def test_hashing_does_not_starve_database_reads(server_factory):
    srv = server_factory({"UJUMBE_PASSWORD_HASH_SLOTS": None}, label="reg-latency")
    reader = u.register(srv.api)
    assert_ok(srv.api("GET", "/contacts", token=reader.access))
    stop = threading.Event()
    worst = []

    def read():
        while not stop.is_set():
            started = time.monotonic()
            assert_ok(srv.api("GET", "/contacts", token=reader.access))
            worst.append(time.monotonic() - started)
            time.sleep(0.01)
    t = threading.Thread(target=read)
    t.start()
    try:
        results = _parallel(12, lambda i: srv.api("POST", "/auth/register", json=_body()))
    finally:
        stop.set()
        t.join()
    # a registration finding every hashing slot busy is told to retry
    assert {r.status for r in results} <= {201, 429}, [r.status for r in results]
    assert any(r.status == 201 for r in results)
    # Reads kept being answered during the burst. How fast is measured, not
    # asserted (docs/decisions/0014): the bound on threads that hashing may
    # hold is tested on HashSlots itself.
    assert len(worst) >= 2, worst
