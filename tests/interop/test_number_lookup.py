"""Number portability: a number-lookup provider played by a simulator says
which operator a number belongs to now; a ported number takes its real
operator's route, answers are cached, and a lookup that fails or is too
slow falls back to the prefix table."""

import json
import time
import urllib.parse

import pytest

import ujumbe_it as u
from provider_sim import ProviderSim

PORTED = "+254712345678"  # Safaricom by its prefix, ported to Airtel


@pytest.fixture
def lookup_sim():
    sim = ProviderSim()
    sim.ported = {"254712345678": {"network": {"name": "Airtel", "code": "63903"}}}
    yield sim
    sim.stop()


@pytest.fixture
def srv(server_factory):
    return server_factory(label="lookup")


def admin_of(srv):
    return u.login(srv.api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)


def configure(srv, admin, sim, **extra):
    settings = dict({"url": sim.url + "/lookup?msisdn={{to_digits}}", "auth": "header",
                     "auth_header": "X-Key", "api_key": "lookup-key",
                     "operator_pointer": "/network/name", "mccmnc_pointer": "/network/code",
                     "timeout_ms": 500}, **extra)
    resp = srv.api("PUT", "/number-lookup", json={"kind": "http", "settings": settings},
                   token=admin.access)
    assert resp.status == 200, u.describe(resp)
    return resp.body["data"]


def simulate(srv, admin, to):
    resp = srv.api("POST", "/routes/simulate", json={"to": to}, token=admin.access)
    assert resp.status == 200, u.describe(resp)
    return resp.body["data"]


def test_a_ported_number_takes_its_real_operators_route(srv, lookup_sim):
    admin = admin_of(srv)
    shown = configure(srv, admin, lookup_sim)
    assert shown["settings"]["api_key_set"] is True
    assert "lookup-key" not in json.dumps(shown)
    airtel = srv.api("POST", "/gateways", json={"name": "airtel", "kind": "sandbox"},
                     token=admin.access).body["data"]
    made = srv.api("POST", "/routes", json={"name": "airtel", "priority": 10, "operator": "Airtel",
                                           "gateways": [{"gateway_id": airtel["id"]}]},
                   token=admin.access)
    assert made.status == 201, u.describe(made)
    sim = simulate(srv, admin, PORTED)
    assert sim["operator"] == {"name": "Airtel", "mcc": "639", "mnc": "03",
                               "source": "number lookup"}
    assert sim["gateway"]["id"] == airtel["id"]
    request = lookup_sim.wait_requests(1)[0]
    assert urllib.parse.urlsplit(request["path"]).query == "msisdn=254712345678"
    assert request["headers"]["x-key"] == "lookup-key"
    assert simulate(srv, admin, PORTED)["operator"]["source"] == "lookup cache"
    assert len(lookup_sim.requests) == 1
    # A message to it goes the same way.
    m = srv.api("POST", "/messages", json={"to": PORTED, "body": "ported"},
                token=admin.access).body["data"]
    deadline = time.monotonic() + 10
    while True:
        got = srv.api("GET", "/messages/%s" % m["id"], token=admin.access).body["data"]
        sent = [h for h in got["status_history"] if h["status"] == "sent"]
        if sent:
            break
        assert time.monotonic() < deadline, got
        time.sleep(0.05)
    assert sent[0]["detail"]["gateway_id"] == airtel["id"]


def test_an_unknown_number_keeps_its_prefix_operator(srv, lookup_sim):
    admin = admin_of(srv)
    configure(srv, admin, lookup_sim)
    sim = simulate(srv, admin, "+254700000001")
    assert sim["operator"]["name"] == "Safaricom"
    assert sim["operator"]["source"] == "prefix table"
    assert sim["operator_detail"] == "the number lookup knew no operator"


@pytest.mark.parametrize("behaviour", ["slow", "500", "garbage"])
def test_a_failing_lookup_falls_back_to_the_prefix_table(srv, lookup_sim, behaviour):
    lookup_sim.slow_seconds = 2
    lookup_sim.then(behaviour)
    admin = admin_of(srv)
    configure(srv, admin, lookup_sim)
    started = time.monotonic()
    sim = simulate(srv, admin, PORTED)
    assert time.monotonic() - started < 2
    assert sim["operator"]["name"] == "Safaricom"
    assert sim["operator_detail"]


def test_lookup_settings_are_checked_and_removable(srv, lookup_sim):
    admin = admin_of(srv)
    for settings, field in (({"auth": "none"}, "settings.url"),
                            ({"url": "http://x/", "operator_pointer": "name"},
                             "settings.operator_pointer"),
                            ({"url": "http://x/", "cache_ttl_s": -1}, "settings.cache_ttl_s")):
        resp = srv.api("PUT", "/number-lookup", json={"settings": settings}, token=admin.access)
        u.assert_validation(resp, field)
    assert srv.api("GET", "/number-lookup", token=admin.access).status == 404
    configure(srv, admin, lookup_sim)
    assert srv.api("DELETE", "/number-lookup", token=admin.access).status == 200
    assert simulate(srv, admin, PORTED)["operator"]["source"] == "prefix table"
