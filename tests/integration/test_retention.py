"""Message retention over HTTP: an account's own days (GET/PUT
/messages/retention), validation, who may set them, isolation between
accounts, and `ujumbe admin apply-retention` beside a running server. What
a pass blanks and deletes, and that the ledger and statistics stay, is
tested against both engines in src/messaging/retention_test.cc (messages
must be days old for it)."""
import ujumbe_it as u
from ujumbe_it import assert_error, assert_ok, assert_validation

NOTHING = {"body_days": None, "message_days": None}


def test_an_account_keeps_everything_until_it_sets_days(api, owner):
    got = assert_ok(api("GET", "/messages/retention", token=owner.access))
    assert {k: got[k] for k in NOTHING} == NOTHING
    assert got["defaults"] == NOTHING and got["effective"] == NOTHING
    assert got["bodies_redacted_before"] is None


def test_days_are_set_kept_and_cleared_one_at_a_time(api, owner):
    put = assert_ok(api("PUT", "/messages/retention", json={"body_days": 30},
                        token=owner.access))
    assert put["body_days"] == 30 and put["message_days"] is None
    assert put["effective"]["body_days"] == 30
    put = assert_ok(api("PUT", "/messages/retention", json={"message_days": 400},
                        token=owner.access))
    assert (put["body_days"], put["message_days"]) == (30, 400)  # left out: kept
    got = assert_ok(api("GET", "/messages/retention", token=owner.access))
    assert (got["body_days"], got["message_days"]) == (30, 400)
    put = assert_ok(api("PUT", "/messages/retention", json={"body_days": None},
                        token=owner.access))
    assert (put["body_days"], put["message_days"]) == (None, 400)


def test_days_out_of_range_or_of_the_wrong_type_are_400_naming_the_field(api, owner):
    for body, field in (({"body_days": 0}, "body_days"), ({"message_days": -3}, "message_days"),
                        ({"message_days": 36501}, "message_days"),
                        ({"body_days": "30"}, "body_days"), ({"body_days": 2.5}, "body_days"),
                        ({"message_days": [1]}, "message_days"),
                        ({"body_days": 2 ** 63}, "body_days"), ({"message_days": 1e30}, "message_days")):
        assert_validation(api("PUT", "/messages/retention", json=body, token=owner.access),
                          field)
    assert_error(api("PUT", "/messages/retention", raw_body=b"{nope",
                     content_type="application/json", token=owner.access), 400)
    # Nothing of a refused request was kept.
    got = assert_ok(api("GET", "/messages/retention", token=owner.access))
    assert got["body_days"] is None and got["message_days"] is None


def test_only_owners_and_admins_set_days_and_keys_need_the_scope(api, owner):
    agent = u.member(api, owner, role="agent")
    assert assert_ok(api("GET", "/messages/retention", token=agent.access))
    assert_error(api("PUT", "/messages/retention", json={"body_days": 3}, token=agent.access), 403)
    admin = u.member(api, owner, role="admin")
    assert_ok(api("PUT", "/messages/retention", json={"body_days": 3}, token=admin.access))
    reader = u.create_api_key(api, owner.access, scopes=["account:read"])
    assert_ok(api("GET", "/messages/retention", apikey=reader["key"]))
    assert_error(api("PUT", "/messages/retention", json={"body_days": 9},
                     apikey=reader["key"]), 403)
    assert api("GET", "/messages/retention").status == 401
    assert assert_ok(api("GET", "/messages/retention", token=owner.access))["body_days"] == 3


def test_one_accounts_days_are_its_own(api, register):
    mine, theirs = register(), register()
    assert_ok(api("PUT", "/messages/retention", json={"body_days": 5, "message_days": 10},
                  token=mine.access))
    got = assert_ok(api("GET", "/messages/retention", token=theirs.access))
    assert got["body_days"] is None and got["message_days"] is None


def test_apply_retention_beside_a_running_server_keeps_recent_messages(server, api, owner):
    sent = assert_ok(api("POST", "/messages", json={"to": "+254712345678", "body": "Keep me"},
                         token=owner.access), 201)
    assert_ok(api("PUT", "/messages/retention", json={"body_days": 1, "message_days": 1},
                  token=owner.access))
    done = server.command("admin", "apply-retention")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rows: "), done.stdout
    got = assert_ok(api("GET", "/messages/%s" % sent["id"], token=owner.access))
    assert got["body"] == "Keep me"
    after = assert_ok(api("GET", "/messages/retention", token=owner.access))
    assert after["bodies_redacted_before"] is not None


def test_a_plans_days_cap_its_subscribers_days(server_factory):
    srv = server_factory(label="retention-plan")
    u.run_sql(srv, "INSERT INTO plans (id, code, name, monthly_fee, included_messages, "
                   "sort_order, created_at, message_retention_days) VALUES "
                   "('01a20000-0000-7000-8000-0000000000dd', 'short', 'Short', 0, 0, 9, 0, 30)")
    owner = u.register(srv.api)
    plans = assert_ok(srv.api("GET", "/billing/plans", token=owner.access))["results"]
    short = [p for p in plans if p["code"] == "short"][0]
    assert short["retention"] == {"body_days": None, "message_days": 30}
    assert_ok(srv.api("POST", "/billing/subscription", json={"plan": "short"},
                      token=owner.access))
    got = assert_ok(srv.api("PUT", "/messages/retention", json={"message_days": 365},
                            token=owner.access))
    assert got["message_days"] == 365 and got["plan"]["message_days"] == 30
    assert got["effective"]["message_days"] == 30
    other = u.register(srv.api)  # pays as it goes: no plan days
    got = assert_ok(srv.api("GET", "/messages/retention", token=other.access))
    assert got["plan"] == NOTHING and got["effective"] == NOTHING
    done = srv.command("admin", "apply-retention")
    assert done.returncode == 0, done.stderr
