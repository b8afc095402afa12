"""Routing by mobile operator (docs/operators.md): the default prefix table,
CSV imports (malformed ones named), routes that match an operator by name
or MCC-MNC, /routes/simulate saying which operator and where it came from,
and the platform admin alone managing it."""

import time

import pytest

import ujumbe_it as u
from ujumbe_it import assert_error, assert_list, assert_ok, assert_validation


@pytest.fixture
def srv(server_factory):
    return server_factory(label="operators")


def admin_of(srv):
    return u.login(srv.api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)


def import_csv(srv, admin, text, replace=None, status=200):
    path = "/operators/import" + ("?replace=%s" % replace if replace is not None else "")
    resp = srv.api("POST", path, raw_body=text, content_type="text/csv", token=admin.access)
    assert resp.status == status, u.describe(resp)
    return resp


def sandbox_gateway(srv, admin, name):
    return assert_ok(srv.api("POST", "/gateways", json={"name": name, "kind": "sandbox"},
                             token=admin.access), 201)


def route(srv, admin, gateway, **fields):
    body = dict({"name": "r " + u.unique_name(), "priority": 10,
                 "gateways": [{"gateway_id": gateway["id"], "weight": 1}]}, **fields)
    return srv.api("POST", "/routes", json=body, token=admin.access)


def simulate(srv, admin, to):
    return assert_ok(srv.api("POST", "/routes/simulate", json={"to": to}, token=admin.access))


def sent_through(srv, admin, to):
    m = assert_ok(srv.api("POST", "/messages", json={"to": to, "body": "hi"},
                          token=admin.access), 201)
    deadline = time.monotonic() + 10
    while True:
        got = assert_ok(srv.api("GET", "/messages/%s" % m["id"], token=admin.access))
        sent = [h for h in got["status_history"] if h["status"] == "sent"]
        if sent:
            return (sent[0].get("detail") or {}).get("gateway_id")
        assert time.monotonic() < deadline, got
        time.sleep(0.05)


def test_the_default_table_knows_east_african_operators(srv):
    admin = admin_of(srv)
    listed = assert_list(srv.api("GET", "/operators?country=ke&page_size=100", token=admin.access))
    assert listed["count"] > 10
    assert {r["operator"] for r in listed["results"]} >= {"Safaricom", "Airtel", "Telkom"}
    sim = simulate(srv, admin, "+255754123456")
    assert sim["operator"] == {"name": "Vodacom", "mcc": "640", "mnc": "04",
                               "source": "prefix table"}
    assert simulate(srv, admin, "+12025550123")["operator"] is None


def test_routes_match_the_operator_by_name_or_code(srv):
    admin = admin_of(srv)
    airtel_gw = sandbox_gateway(srv, admin, "airtel-ke")
    telkom_gw = sandbox_gateway(srv, admin, "telkom-ke")
    by_name = route(srv, admin, airtel_gw, operator="airtel")
    assert by_name.status == 201, u.describe(by_name)
    assert by_name.body["data"]["operator"] == "airtel"
    assert route(srv, admin, telkom_gw, operator="639-07").status == 201
    assert sent_through(srv, admin, "+254733123456") == airtel_gw["id"]
    assert sent_through(srv, admin, "+254771123456") == telkom_gw["id"]
    other = sent_through(srv, admin, "+254712345678")
    assert other not in (airtel_gw["id"], telkom_gw["id"])
    sim = simulate(srv, admin, "+254733123456")
    assert sim["route"]["id"] == by_name.body["data"]["id"]
    assert sim["operator"]["name"] == "Airtel"


def test_an_import_adds_and_replaces_ranges(srv):
    admin = admin_of(srv)
    gw = sandbox_gateway(srv, admin, "acme-gw")
    assert route(srv, admin, gw, operator="Acme Mobile").status == 201
    resp = import_csv(srv, admin, "prefix,operator,mcc,mnc,country\n"
                                  "+2547123,Acme Mobile,639,99,KE\n")
    assert resp.body["data"] == {"imported": 1, "replaced": False}
    sim = simulate(srv, admin, "+254712345678")
    assert sim["operator"]["name"] == "Acme Mobile"  # the longer prefix wins
    assert sent_through(srv, admin, "+254712345678") == gw["id"]
    assert simulate(srv, admin, "+254700000001")["operator"]["name"] == "Safaricom"
    # A replacing import leaves only what it brings.
    import_csv(srv, admin, "prefix,operator,mcc,mnc\n25470,Only One,639,98\n", replace="true")
    listed = assert_list(srv.api("GET", "/operators", token=admin.access))
    assert listed["count"] == 1
    assert simulate(srv, admin, "+254733123456")["operator"] is None
    assert_ok(srv.api("DELETE", "/operators/25470", token=admin.access))
    assert_error(srv.api("DELETE", "/operators/25470", token=admin.access), 404)


@pytest.mark.parametrize("text, needle", [
    ("", "empty"),
    ("prefix,operator\n25470,S\n", "mcc"),
    ("prefix,operator,mcc,mnc\nabc,S,639,02\n", "Line 2"),
    ("prefix,operator,mcc,mnc\n25470,S,6390,02\n", "mcc"),
    ("prefix,operator,mcc,mnc,country\n25470,S,639,02,Kenya\n", "country"),
])
def test_malformed_imports_change_nothing_and_say_why(srv, text, needle):
    admin = admin_of(srv)
    before = assert_list(srv.api("GET", "/operators", token=admin.access))["count"]
    resp = import_csv(srv, admin, text, status=400)
    assert needle in u.describe(resp)
    assert assert_list(srv.api("GET", "/operators", token=admin.access))["count"] == before


def test_route_operator_is_checked(srv):
    admin = admin_of(srv)
    gw = sandbox_gateway(srv, admin, "x-gw")
    assert_validation(route(srv, admin, gw, operator="bad\u0007name"), "operator")
    assert_validation(route(srv, admin, gw, operator="x" * 51), "operator")
    made = route(srv, admin, gw, operator="Airtel").body["data"]
    cleared = assert_ok(srv.api("PUT", "/routes/%s" % made["id"], json={"operator": None},
                                token=admin.access))
    assert cleared["operator"] is None


def test_only_the_platform_admin_manages_operators(srv):
    owner = u.register(srv.api)
    for method, path in (("GET", "/operators"), ("DELETE", "/operators/25470"),
                         ("GET", "/number-lookup"), ("DELETE", "/number-lookup")):
        assert_error(srv.api(method, path, token=owner.access), 403)
    resp = srv.api("POST", "/operators/import", raw_body="prefix,operator,mcc,mnc\n1,A,639,01\n",
                   content_type="text/csv", token=owner.access)
    assert resp.status == 403
    resp = srv.api("PUT", "/number-lookup", json={"settings": {"url": "http://x/"}},
                   token=owner.access)
    assert resp.status == 403
