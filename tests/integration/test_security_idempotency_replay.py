"""Idempotency-Key records belong to the caller who made the request: another
user (or API key) of the same account sending the same key and body is not
replayed the first caller's answer, which may hold a new API key or tokens.
Kept answers are sealed at rest: the raw key never sits in the database."""

import sqlite3
import subprocess
import uuid

import ujumbe_it as u


def _key():
    return "idem-" + uuid.uuid4().hex


def _replayed(resp):
    return resp.headers.get("idempotent-replayed", "").strip().lower() == "true"


def _stored_answers(server):
    """Every kept answer of the idempotency table, as text."""
    sql = "SELECT sealed_body FROM idempotency_keys WHERE sealed_body IS NOT NULL"
    if server.pg_db:
        url = server.pg_server_url.rsplit("/", 1)[0] + "/" + server.pg_db
        out = subprocess.run(["psql", url, "-At", "-c", sql], capture_output=True, text=True,
                             check=True, timeout=60)
        return out.stdout
    db = sqlite3.connect("file:%s?mode=ro" % (server.data_dir / "ujumbe.db"), uri=True)
    try:
        return "\n".join(r[0] for r in db.execute(sql))
    finally:
        db.close()


def test_an_agent_is_not_replayed_the_owners_new_api_key(api, owner):
    key = _key()
    body = {"name": "ci key"}
    headers = {"Idempotency-Key": key}
    first = api("POST", "/api-keys", json=body, token=owner.access, headers=headers)
    raw = u.assert_ok(first, 201)["key"]
    agent = u.member(api, owner, role="agent")
    other = api("POST", "/api-keys", json=body, token=agent.access, headers=headers)
    assert not _replayed(other), u.describe(other)
    assert raw not in other.raw.decode()
    assert other.status == 403, u.describe(other)
    # The owner's own retry is still replayed.
    again = api("POST", "/api-keys", json=body, token=owner.access, headers=headers)
    assert _replayed(again) and again.body == first.body


def test_another_owner_of_the_account_runs_its_own_request(api, owner):
    key = _key()
    headers = {"Idempotency-Key": key}
    body = {"name": "Same", "phone_e164": u.tz_phone()}
    first = api("POST", "/contacts", json=body, token=owner.access, headers=headers)
    u.assert_ok(first, 201)
    admin = u.member(api, owner, role="admin")
    second = api("POST", "/contacts", json=body, token=admin.access, headers=headers)
    assert not _replayed(second), u.describe(second)
    assert u.assert_ok(second, 200)["upserted"] is True


def test_api_keys_of_one_account_have_their_own_records(api, owner):
    key_a = u.create_api_key(api, owner.access, scopes=["contacts:write"])
    key_b = u.create_api_key(api, owner.access, scopes=["contacts:write"])
    headers = {"Idempotency-Key": _key()}
    body = {"name": "Keyed", "phone_e164": u.tz_phone()}
    first = api("POST", "/contacts", json=body, apikey=key_a["key"], headers=headers)
    u.assert_ok(first, 201)
    second = api("POST", "/contacts", json=body, apikey=key_b["key"], headers=headers)
    assert not _replayed(second)
    again = api("POST", "/contacts", json=body, apikey=key_a["key"], headers=headers)
    assert _replayed(again)


def test_switch_tokens_are_not_replayed_to_another_member(api, owner, register):
    # A user of two accounts switches with a key; an agent of the same
    # account sending the same key gets its own answer, never those tokens.
    headers = {"Idempotency-Key": _key()}
    body = {"account_id": owner.account_id}
    first = api("POST", "/accounts/switch", json=body, token=owner.access, headers=headers)
    u.assert_ok(first, 200)
    agent = u.member(api, owner, role="agent")
    second = api("POST", "/accounts/switch", json=body, token=agent.access, headers=headers)
    assert not _replayed(second)
    assert first.body["data"]["refresh"] not in second.raw.decode()


def test_no_raw_credential_is_kept_at_rest(server, api, owner):
    headers = {"Idempotency-Key": _key()}
    created = u.assert_ok(api("POST", "/api-keys", json={"name": "sealed"}, token=owner.access,
                              headers=headers), 201)
    switched = u.assert_ok(api("POST", "/accounts/switch", json={"account_id": owner.account_id},
                               token=owner.access, headers={"Idempotency-Key": _key()}))
    stored = _stored_answers(server)
    assert stored, "no answer was kept"
    assert created["key"] not in stored
    assert created["key"][:10] not in stored
    assert switched["refresh"] not in stored
    # Replays still give the caller its answer.
    again = api("POST", "/api-keys", json={"name": "sealed"}, token=owner.access, headers=headers)
    assert _replayed(again) and again.body["data"]["key"] == created["key"]
