"""Deeply nested JSON: every JSON body has one depth limit (64), enforced
while parsing; deeper bodies get 400 naming the field, and the server stays
up.  Before the limit, a 100,000-deep `to` list of POST /messages/bulk (or a
reseller's `reseller_details`) crashed the process while it was echoed."""

import uuid

import pytest

import ujumbe_it as u

DEPTH = 100_000
ARRAY = "[" * DEPTH + "]" * DEPTH
OBJECT = '{"k":' * DEPTH + "1" + "}" * DEPTH

ANY_ID = str(uuid.uuid4())
# One route of every class: identity, accounts, users, keys, contacts,
# groups, segments, messaging, sender ids, routing, billing.
OWNER_ROUTES = [
    ("PUT", "/auth/me"),
    ("POST", "/auth/password/change"),
    ("POST", "/api-keys"),
    ("PUT", "/accounts/current"),
    ("POST", "/accounts/switch"),
    ("POST", "/users"),
    ("POST", "/contacts"),
    ("POST", "/groups"),
    ("POST", "/segments"),
    ("POST", "/segments/preview"),
    ("POST", "/messages"),
    ("POST", "/messages/bulk"),
    ("PUT", "/messages/retention"),
    ("POST", "/phone-numbers/validate"),
    ("POST", "/sender-ids"),
    ("POST", "/sender-ids/bulk"),
    ("POST", "/rates/quote"),
    ("POST", "/wallet/transfers"),
    ("POST", "/smpp-accounts"),
    ("PUT", "/settings/keywords"),
    ("POST", "/campaigns"),
    ("POST", "/crm/orders"),
    ("POST", "/crm/activities"),
    ("PUT", "/crm/pipeline"),
    ("PUT", "/crm/notifications"),
    ("POST", "/reports/export"),
]
ADMIN_ROUTES = [
    ("POST", "/gateways"),
    ("POST", "/routes"),
    ("POST", "/routes/simulate"),
    ("POST", "/wallet/topups"),
    ("POST", "/rates"),
    ("POST", "/accounts/children"),
    ("PUT", "/number-lookup"),
]
OPEN_ROUTES = [
    ("POST", "/auth/register"),
    ("POST", "/auth/login"),
    ("POST", "/auth/token/refresh"),
    ("POST", "/auth/password/reset"),
    ("POST", "/auth/password/reset/confirm"),
]


def deep_body(field, nested):
    return ('{"%s":%s}' % (field, nested)).encode()


def assert_depth_refused(resp, field):
    u.assert_error(resp, 400, field=field)
    assert "64" in " ".join(resp.body["errors"][field]), resp.body
    # Nothing of the body is written back.
    assert len(resp.raw) < 2000, len(resp.raw)


def assert_alive(server):
    assert server.client.request("GET", "/healthz").status == 200


@pytest.mark.parametrize("nested", [ARRAY, OBJECT], ids=["array", "object"])
def test_every_route_class_refuses_deep_bodies(server, api, owner, admin, nested):
    for token, routes in ((owner.access, OWNER_ROUTES), (admin.access, ADMIN_ROUTES),
                          (None, OPEN_ROUTES)):
        for method, path in routes:
            resp = api(method, path, token=token, raw_body=deep_body("deep", nested),
                       content_type="application/json")
            assert_depth_refused(resp, "deep")
    assert_alive(server)


@pytest.mark.parametrize("nested", [ARRAY, OBJECT], ids=["array", "object"])
def test_routes_with_ids_survive_deep_bodies(server, api, owner, admin, nested):
    for method, path in (("PUT", "/contacts/"), ("PUT", "/groups/"), ("PUT", "/users/"),
                         ("PUT", "/segments/"), ("POST", "/messages/%s/cancel"),
                         ("PATCH", "/smpp-accounts/")):
        full = path % ANY_ID if "%s" in path else path + ANY_ID
        resp = api(method, full, token=owner.access, raw_body=deep_body("deep", nested),
                   content_type="application/json")
        assert resp.status in (400, 404), u.describe(resp)
    assert_alive(server)


def test_bulk_to_list_nested_deep_is_refused_naming_to(server, api, owner):
    resp = api("POST", "/messages/bulk", token=owner.access,
               raw_body=('{"body":"hi","to":%s}' % ARRAY).encode(),
               content_type="application/json")
    assert_depth_refused(resp, "to")
    assert_alive(server)


def test_bulk_recipient_that_is_not_a_number_is_refused_not_echoed(api, owner):
    resp = api("POST", "/messages/bulk", token=owner.access,
               json={"body": "hi", "to": [[[["x" * 50_000]]]]})
    u.assert_validation(resp, "to")
    assert "x" * 100 not in resp.raw.decode(), "the item was echoed"


def test_rejected_recipients_are_echoed_cut_short(api, owner):
    long_to = "+2547" + "1" * 5000
    resp = api("POST", "/messages/bulk", token=owner.access,
               json={"body": "hi", "to": ["+254712345678", long_to]})
    data = u.assert_ok(resp, 201)
    shown = [r["to"] for r in data["results"] if r["status"] == "rejected"]
    assert shown and all(len(t) <= 70 for t in shown), shown


def test_reseller_details_nested_deep_is_refused(server, api, admin):
    _, reseller = u.create_reseller(api, admin)
    resp = api("PUT", "/accounts/current", token=reseller.access,
               raw_body=deep_body("reseller_details", OBJECT), content_type="application/json")
    assert_depth_refused(resp, "reseller_details")
    # Within the limit is still accepted and read back.
    details = {"tier": {"level": {"name": "gold"}}}
    u.assert_ok(api("PUT", "/accounts/current", token=reseller.access,
                    json={"reseller_details": details}))
    current = u.assert_ok(api("GET", "/accounts/current", token=reseller.access))
    assert current["reseller_details"] == details
    assert_alive(server)


def test_top_level_nesting_is_refused_as_the_body(server, api, owner):
    resp = api("POST", "/contacts", token=owner.access, raw_body=ARRAY.encode(),
               content_type="application/json")
    u.assert_error(resp, 400, field="body")
    assert_alive(server)


def test_syntax_errors_do_not_quote_the_input(api, owner):
    secret = "do-not-echo-" + "z" * 3000
    resp = api("POST", "/contacts", token=owner.access,
               raw_body=('{"name": "%s" "x"}' % secret).encode(), content_type="application/json")
    u.assert_error(resp, 400, code="MALFORMED_JSON")
    assert "do-not-echo" not in resp.raw.decode()


def test_import_mapping_nested_deep_is_refused(server, api, owner):
    # Form fields are capped at 64 KiB: 20,000 levels fit.
    nested = "[" * 20_000 + "]" * 20_000
    body, ctype = u.multipart_body(fields={"mapping": '{"phone":' + nested + "}"},
                                   files=[("file", "c.csv", b"phone\n+254712345678\n", "text/csv")])
    resp = api("POST", "/contacts/import", token=owner.access, raw_body=body, content_type=ctype)
    u.assert_error(resp, 400, field="mapping")
    assert_alive(server)
