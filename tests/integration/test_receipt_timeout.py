"""The stranded-message guard: a message `sent` longer than the receipt
timeout without a final receipt ends `expired` with RECEIPT_TIMEOUT; a
gateway may set its own timeout; the platform admin sees what is not final
yet by status and age (docs/operations.md)."""

import time

import ujumbe_it as u


def _gateway(srv, admin, name, **fields):
    body = dict({"name": name, "kind": "sandbox", "settings": {"receipt_delay_ms": -1}}, **fields)
    resp = srv.api("POST", "/gateways", json=body, token=admin.access)
    assert resp.status == 201, u.describe(resp)
    return resp.body["data"]


def _route(srv, admin, gateway, prefix):
    resp = srv.api("POST", "/routes", json={
        "name": "route " + prefix, "priority": 10, "prefix": prefix,
        "gateways": [{"gateway_id": gateway["id"], "weight": 1}]}, token=admin.access)
    assert resp.status == 201, u.describe(resp)


def _send(srv, token, to):
    resp = srv.api("POST", "/messages", json={"to": to, "body": "waits for a receipt"},
                   token=token)
    assert resp.status == 201, u.describe(resp)
    return resp.body["data"]["id"]


def _message(srv, token, message_id):
    resp = srv.api("GET", "/messages/%s" % message_id, token=token)
    assert resp.status == 200, u.describe(resp)
    return resp.body["data"]


def test_a_message_without_a_receipt_expires_after_its_gateways_timeout(server_factory):
    srv = server_factory(env={"UJUMBE_SANDBOX_GATEWAY": None, "UJUMBE_RECEIPT_TIMEOUT_S": "2"},
                         label="receipt-timeout")
    admin = u.login(srv.api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    quick = _gateway(srv, admin, "server default")
    patient = _gateway(srv, admin, "its own", receipt_timeout_s=3600)
    assert quick["receipt_timeout_s"] is None
    assert patient["receipt_timeout_s"] == 3600
    _route(srv, admin, quick, "+2547")
    _route(srv, admin, patient, "+2557")

    expiring = _send(srv, admin.access, "+254712345678")
    waiting = _send(srv, admin.access, "+255712345678")
    deadline = time.monotonic() + 30
    while _message(srv, admin.access, expiring)["status"] != "expired":
        assert time.monotonic() < deadline, _message(srv, admin.access, expiring)
        time.sleep(0.2)
    m = _message(srv, admin.access, expiring)
    assert m["error_code"] == "RECEIPT_TIMEOUT"
    assert m["status_history"][-1]["status"] == "expired"
    assert _message(srv, admin.access, waiting)["status"] == "sent"

    backlog = srv.api("GET", "/admin/messages/backlog", token=admin.access)
    assert backlog.status == 200, u.describe(backlog)
    sent = backlog.body["data"]["by_status"]["sent"]
    assert sent["total"] == 1 and sent["under_1m"] == 1, sent
    assert "expired" not in backlog.body["data"]["by_status"]

    # Cleared, the gateway follows the server's timeout again.
    resp = srv.api("PUT", "/gateways/%s" % patient["id"], json={"receipt_timeout_s": None},
                   token=admin.access)
    assert resp.status == 200, u.describe(resp)
    assert resp.body["data"]["receipt_timeout_s"] is None
    deadline = time.monotonic() + 30
    while _message(srv, admin.access, waiting)["status"] != "expired":
        assert time.monotonic() < deadline, _message(srv, admin.access, waiting)
        time.sleep(0.2)


def test_a_receipt_timeout_out_of_range_names_the_field(api, admin):
    for bad in (0, 59, 30 * 86400 + 1, "soon", 1.5, True, -2**63, 2**63 - 1, 2**64, 10**30,
                [3600], {"s": 3600}):
        resp = api("POST", "/gateways", json={"name": "bad timeout " + u.unique_name(),
                                              "kind": "sandbox", "receipt_timeout_s": bad},
                   token=admin.access)
        assert resp.status == 400, (bad, u.describe(resp))
        assert "receipt_timeout_s" in resp.body["errors"], resp.body


def test_only_the_platform_admin_sees_the_backlog(api, owner):
    resp = api("GET", "/admin/messages/backlog", token=owner.access)
    assert resp.status == 403, u.describe(resp)
