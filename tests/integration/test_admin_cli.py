"""`ujumbe admin` (docs/admin.md) against the database of a running server:
each task's effect seen through the API, its --json answer, its --help, and
its exit status (0 done, 1 could not, 2 asked wrongly). Passwords come from
stdin or are generated and shown once; never taken as arguments.
"""

import json

import ujumbe_it as u
from ujumbe_it import assert_ok


def run_admin(server, *args, input=None):
    """(exit status, the --json answer or None, stderr)."""
    done = server.command("admin", *args, "--json", input=input)
    answer = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, answer, done.stderr


def ok(server, *args, input=None):
    code, answer, err = run_admin(server, *args, input=input)
    assert code == 0, (args, answer, err)
    return answer


def test_schema_version_matches_the_binary(server):
    v = ok(server, "schema-version")
    assert v["up_to_date"] is True and v["schema_version"] == v["latest_version"] >= 48
    assert v["engine"] in ("sqlite", "postgresql")
    text = server.command("admin", "schema-version")
    assert text.returncode == 0 and "schema_version: %d" % v["schema_version"] in text.stdout


def test_an_account_and_its_users_are_created_and_can_sign_in(server, api, admin):
    email = u.unique_email("cli-owner")
    made = ok(server, "create-account", "--name", "Duka la CLI", "--owner-email", email,
              "--country", "TZ")
    owner = made["owner"]
    assert owner["created"] and len(owner["password"]) >= 10
    assert made["type"] == "business" and made["username"].startswith("duka_la_cli_")
    signed = u.login(api, email, owner["password"])
    assert signed.account_id == made["account_id"]
    agent_email = u.unique_email("cli-agent")
    agent = ok(server, "create-user", "--account", made["account_id"], "--email", agent_email,
               "--role", "admin", "--name", "Asha", "--password-stdin",
               input="a-chosen-password-1\n")
    assert agent["created"] and "password" not in agent and agent["role"] == "admin"
    a = u.login(api, agent_email, "a-chosen-password-1")
    assert u.jwt_decode(a.access)[1]["role"] == "admin"
    # Twice: a conflict, exit 1.
    code, answer, _ = run_admin(server, "create-user", "--account", made["account_id"], "--email",
                            agent_email)
    assert code == 1 and answer["error"]["code"] == "ALREADY_MEMBER"
    reseller = ok(server, "create-account", "--name", "Resell Co", "--owner-email",
                  u.unique_email("cli-reseller"), "--type", "reseller", "--username",
                  u.unique_username("cli"))
    assert reseller["type"] == "reseller"


def test_a_top_up_credits_once_per_reference(server, api, owner):
    ref = "cli-" + u.unique_username("ref")
    before = assert_ok(api("GET", "/wallet", token=owner.access))["balance"]
    first = ok(server, "topup", "--account", owner.account_id, "--amount", "12.50",
               "--reference", ref)
    again = ok(server, "topup", "--account", owner.account_id, "--amount", "12.50",
               "--reference", ref)
    assert first["replayed"] is False and again["replayed"] is True
    after = assert_ok(api("GET", "/wallet", token=owner.access))["balance"]
    assert abs(float(after) - float(before) - 12.5) < 1e-9
    entries = u.assert_list(api("GET", "/wallet/transactions?type=topup", token=owner.access))
    assert [e for e in entries["results"] if e.get("reference") == ref]


def test_api_keys_are_listed_without_their_secret_and_disabled(server, api, owner):
    key = u.create_api_key(api, owner.access, scopes=["messages:read"])
    assert_ok(api("GET", "/messages", apikey=key["key"]))
    listed = ok(server, "list-api-keys", "--account", owner.account_id)
    mine = [k for k in listed["api_keys"] if k["id"] == key["id"]]
    assert mine and mine[0]["revoked"] is False and mine[0]["scopes"] == ["messages:read"]
    assert key["key"] not in json.dumps(listed)
    done = ok(server, "disable-api-key", "--account", owner.account_id, "--key", key["id"])
    assert done["revoked"] is True
    u.assert_unauthenticated(api("GET", "/messages", apikey=key["key"]))
    listed = ok(server, "list-api-keys", "--account", owner.account_id)
    assert [k for k in listed["api_keys"] if k["id"] == key["id"]][0]["revoked"] is True
    code, answer, _ = run_admin(server, "disable-api-key", "--account", owner.account_id, "--key",
                            "00000000-0000-7000-8000-000000000000")
    assert code == 1 and answer["error"]["code"] == "NOT_FOUND"


def test_a_gateway_and_a_route_are_stored(server, api, admin):
    name = u.unique_username("cli-gw")
    gw = ok(server, "add-gateway", "--name", name, "--kind", "sandbox", "--settings",
            '{"delivery_ratio": 1}')
    assert gw["kind"] == "sandbox" and gw["is_active"] is True
    stored = assert_ok(api("GET", "/gateways/%s" % gw["gateway_id"], token=admin.access))
    assert stored["name"] == name
    route = ok(server, "add-route", "--name", name, "--gateway", gw["gateway_id"], "--prefix",
               "25599", "--priority", "5")
    routes = api("GET", "/routes", token=admin.access)
    body = assert_ok(routes)
    listed = body["results"] if isinstance(body, dict) else body
    assert [r for r in listed if r["id"] == route["route_id"]]
    code, answer, _ = run_admin(server, "add-gateway", "--name", "x", "--kind", "no-such-kind")
    assert code == 2 and "kind" in answer["error"]["fields"]
    code, answer, _ = run_admin(server, "add-gateway", "--name", "x", "--kind", "sandbox",
                            "--settings", "[1, 2]")
    assert code == 2 and "settings" in answer["error"]["fields"]
    assert api("DELETE", "/routes/%s" % route["route_id"], token=admin.access).status in (200, 204)
    assert api("DELETE", "/gateways/%s" % gw["gateway_id"],
               token=admin.access).status in (200, 204)


def test_a_platform_admin_is_added_and_its_password_reset(server, api):
    email = u.unique_email("cli-admin")
    added = ok(server, "create-admin", "--email", email)
    first = u.login(api, email, added["password"])
    assert u.jwt_decode(first.access)[1]["role"] == "platform_admin"
    code, answer, _ = run_admin(server, "create-admin", "--email", email)
    assert code == 1 and answer["error"]["code"] == "ALREADY_MEMBER"
    reset = ok(server, "reset-admin", "--email", email, "--password-stdin",
               input="the-new-admin-password\n")
    assert "password" not in reset
    # The old sessions are over; only the new password signs in.
    refreshed = api("POST", "/auth/token/refresh", json={"refresh": first.refresh})
    assert refreshed.status == 401
    assert api("POST", "/auth/login", json={"email": email,
                                            "password": added["password"]}).status == 401
    u.login(api, email, "the-new-admin-password")
    code, answer, _ = run_admin(server, "reset-admin", "--email", u.unique_email("nobody"))
    assert code == 1 and answer["error"]["code"] == "NOT_FOUND"


def test_bad_requests_exit_2_and_help_exits_0(server):
    for args in (("no-such-task",), ("topup", "--amount"), ("topup", "--bogus", "1")):
        done = server.command("admin", *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
    code, answer, _ = run_admin(server, "topup", "--account", "x", "--amount", "-3")
    assert code == 2 and "amount" in answer["error"]["fields"]
    code, answer, _ = run_admin(server, "create-user", "--account", "x", "--email", "a@b.example",
                            "--password-stdin", input="short\n")
    assert code == 2 and "password" in answer["error"]["fields"]
    code, answer, _ = run_admin(server, "create-user", "--account",
                            "00000000-0000-7000-8000-000000000000", "--email", "a@b.example")
    assert code == 1 and answer["error"]["code"] == "NOT_FOUND"
    for task in ("topup", "create-account", "schema-version", "add-route"):
        done = server.command("admin", task, "--help")
        assert done.returncode == 0 and "Usage: ujumbe admin %s" % task in done.stdout
    listing = server.command("admin", "--help")
    assert listing.returncode == 0 and "create-account" in listing.stdout
    assert server.command("admin").returncode == 2
