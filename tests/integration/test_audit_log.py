"""The audit log (docs/audit-log.md) over HTTP against the real binary: the
changes owners, admins and the platform admin make and every sign-in event
are recorded with who, what, the fields that changed (secrets redacted),
from where and when; owners read their account's entries, resellers also
their clients', the platform admin everyone's; nothing changes or deletes
an entry.
"""

import time
import uuid

import ujumbe_it as u
from ujumbe_it import assert_error, assert_list, assert_ok


def entries(api, token, **params):
    return assert_list(api("GET", u.with_query("/audit-log", **params), token=token))["results"]


def test_a_change_is_recorded_with_who_what_and_the_fields_that_changed(api):
    owner = u.register(api)
    key = u.create_api_key(api, owner.access, name="ci-key")
    assert_ok(api("PUT", "/accounts/current", json={"business_type": "retail"},
                  token=owner.access, headers={"User-Agent": "audit-test/1.0"}))
    found = entries(api, owner.access, action="accounts.current.update")
    assert len(found) == 1, found
    e = found[0]
    assert e["actor"] == owner.user_id and e["actor_user_id"] == owner.user_id
    assert e["actor_api_key_id"] is None and e["account_id"] == owner.account["id"]
    assert e["target_type"] == "accounts" and e["status"] == 200
    assert e["changes"]["business_type"]["after"] == "retail"
    assert "updated_at" not in e["changes"] and "name" not in e["changes"]
    assert e["ip"] == "127.0.0.1" and e["user_agent"] == "audit-test/1.0"
    assert u.is_uuid7(e["id"]) and e["request_id"]
    (made,) = entries(api, owner.access, action="api-keys.create")
    assert made["target_id"] == key["id"]
    # A create lists the new object's fields, nothing of the list it joined.
    assert made["changes"]["name"] == {"before": None, "after": "ci-key"}
    assert "results" not in made["changes"] and "count" not in made["changes"]
    assert made["changes"]["key"]["after"] == "[redacted]"
    assert key["key"] not in str(made)
    # A change made with an API key names the key.
    assert_ok(api("PUT", "/accounts/current", json={"business_type": "food"},
                  apikey=key["key"]))
    by_key = entries(api, owner.access, action="accounts.current.update")[0]
    assert by_key["actor_api_key_id"] == key["id"]
    assert by_key["changes"]["business_type"] == {"before": "retail", "after": "food"}
    api("DELETE", "/api-keys/%s" % key["id"], token=owner.access)
    (revoked,) = entries(api, owner.access, action="api-keys.delete")
    assert revoked["target_id"] == key["id"]


def test_sign_in_events_are_recorded_failed_ones_too(api):
    owner = u.register(api)
    api("POST", "/auth/login", json={"email": owner.email, "password": "wrong-password-9"})
    u.login(api, owner.email, owner.password)
    mine = entries(api, owner.access, action="auth.login")
    assert [e["status"] for e in mine] == [200]  # the failure names no account
    admin = u.login(api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    failed = entries(api, admin.access, action="auth.login", actor=owner.email)
    assert failed and failed[0]["status"] == 401
    assert failed[0]["error_code"] == "INVALID_CREDENTIALS" and failed[0]["account_id"] is None
    assert "wrong-password-9" not in str(failed)


def test_owners_see_their_account_resellers_their_clients_and_the_platform_everyone(api, admin):
    reseller, reseller_owner = u.create_reseller(api, admin)
    child, child_body = u.create_child(api, reseller_owner.access)
    child_owner = u.child_owner_login(api, child_body)
    assert_ok(api("PUT", "/accounts/current", json={"business_type": "child-change"},
                  token=child_owner.access))
    stranger = u.register(api)
    assert_ok(api("PUT", "/accounts/current", json={"business_type": "stranger-change"},
                  token=stranger.access))
    seen_by_reseller = entries(api, reseller_owner.access, action="accounts.current.update")
    assert [e["account_id"] for e in seen_by_reseller] == [child["id"]]
    assert entries(api, child_owner.access, account_id=reseller["id"]) == []
    stranger_sees = entries(api, stranger.access, action="accounts.current.update")
    assert [e["account_id"] for e in stranger_sees] == [stranger.account["id"]]
    platform = entries(api, admin.access, action="accounts.current.update",
                       account_id=child["id"])
    assert [e["account_id"] for e in platform] == [child["id"]]
    # The reseller's own creation of the child is in its log.
    assert entries(api, reseller_owner.access, action="accounts.children")
    # Agents do not read it.
    _, email, password = u.add_member(api, stranger.access, role="agent")
    agent = u.login(api, email, password)
    assert_error(api("GET", "/audit-log", token=agent.access), 403)


def test_gateway_changes_by_the_platform_admin_redact_secrets(api, admin):
    name = "audit-" + uuid.uuid4().hex[:8]
    gw = assert_ok(api("POST", "/gateways", json={
        "name": name, "kind": "smtp",
        "settings": {"host": "127.0.0.1", "from_address": "a@example.com",
                     "username": "u", "password": "p4ss-w0rd"}}, token=admin.access), 201)
    assert_ok(api("PUT", "/gateways/%s" % gw["id"], json={"name": name + "-x"},
                  token=admin.access))
    assert_ok(api("DELETE", "/gateways/%s" % gw["id"], token=admin.access))
    found = entries(api, admin.access, target_id=gw["id"])
    assert [e["action"] for e in found] == ["gateways.delete", "gateways.update",
                                           "gateways.create"]
    assert found[1]["changes"]["name"] == {"before": name, "after": name + "-x"}
    assert "p4ss-w0rd" not in str(found)
    # A probe is not a change.
    assert entries(api, admin.access, action="gateways.test") == []


def test_filters_pages_export_and_no_way_to_change_an_entry(api):
    owner = u.register(api)
    for i in range(3):
        assert_ok(api("PUT", "/accounts/current", json={"business_type": "t%d" % i},
                      token=owner.access))
    page = assert_list(api("GET", "/audit-log?page_size=2&action=accounts.", token=owner.access))
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert len(entries(api, owner.access, date_from=today, action="accounts.")) == 3
    assert entries(api, owner.access, date_to="2000-01-01") == []
    u.assert_validation(api("GET", "/audit-log?date_from=yesterday", token=owner.access),
                        "date_from")
    u.assert_validation(api("GET", "/audit-log?account_id=nope", token=owner.access),
                        "account_id")
    text = u.get_csv(api, owner.access, "/audit-log/export?action=accounts.")
    rows = u.csv_dicts(text)
    assert len(rows) == 3 and rows[0]["action"] == "accounts.current.update"
    entry_id = page["results"][0]["id"]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        resp = api(method, "/audit-log/%s" % entry_id, json={}, token=owner.access)
        assert resp.status in (404, 405), resp.status
    assert api("DELETE", "/audit-log", token=owner.access).status == 405


def test_each_kind_of_audited_change_leaves_its_entry(api, admin):
    owner = u.register(api)
    data, email, password = u.add_member(api, owner.access, role="agent")
    user_id = data["id"]
    assert_ok(api("PUT", "/users/%s" % user_id, json={"role": "admin"}, token=owner.access))
    assert_ok(api("DELETE", "/users/%s" % user_id, token=owner.access))
    sender = "S%07d" % (int(uuid.uuid4().int) % 10 ** 7)
    requested = assert_ok(api("POST", "/sender-ids", json={"sender_id": sender, "country": "KE"},
                              token=owner.access), 201)
    assert_ok(api("POST", "/sender-ids/%s/approve" % requested["id"], json={},
                  token=admin.access))
    assert_ok(api("POST", "/wallet/topups", json={"account_id": owner.account["id"],
                                                  "amount": "10",
                                                  "reference": "audit-" + uuid.uuid4().hex},
                  token=admin.access), 201)
    actions = {e["action"]: e for e in entries(api, owner.access, page_size=100)}
    for action in ("users.create", "users.update", "users.delete", "sender-ids.create",
                   "sender-ids.approve", "wallet.topups"):
        assert action in actions, (action, sorted(actions))
    assert actions["users.update"]["changes"]["role"] == {"before": "agent", "after": "admin"}
    assert actions["users.delete"]["target_id"] == user_id
    # Decisions the platform made about this account are in this account's log.
    approval = actions["sender-ids.approve"]
    assert approval["actor_user_id"] == admin.user_id
    assert approval["changes"]["status"] == {"before": "pending", "after": "approved"}
    assert approval["target_id"] == requested["id"]
    assert actions["wallet.topups"]["actor_user_id"] == admin.user_id


def test_a_sign_in_with_a_body_100000_levels_deep_is_refused_and_recorded_safely(api, admin):
    marker = "deep-%s@example.com" % uuid.uuid4().hex[:8]
    body = ('{"email":"%s","password":' % marker + "[" * 100000).encode()
    u.assert_validation(api("POST", "/auth/login", raw_body=body,
                            content_type="application/json"), "password")
    # The server still answers, and the entry names nobody from that body.
    failed = entries(api, admin.access, action="auth.login", actor="anonymous")
    assert failed and failed[0]["status"] == 400
    assert entries(api, admin.access, actor=marker) == []
