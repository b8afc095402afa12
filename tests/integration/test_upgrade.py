"""Upgrades from released schemas: every folder of tests/fixtures/upgrade/
(one per release, made by tests/upgrade/make_fixture.py with that release's
binary) holds a database with rows in every table. Each is loaded into a
fresh database of this run's engine, `ujumbe migrate --dry-run` must list
exactly the migrations newer than the dump's schema and change nothing,
`ujumbe migrate` must run them without losing a row, and the server started
on the result with the release's secret must sign its users in and show
what the release showed (expected.json). A copy claiming a newer schema
than this binary's is refused.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

import ujumbe_it as u
from ujumbe_it import assert_ok

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures" / "upgrade"
MIGRATIONS = HERE.parents[1] / "src" / "db" / "migrations"
RELEASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file()) \
    if FIXTURES.is_dir() else []

# Tables a later migration drops or empties on purpose, with why; every
# other table keeps at least the rows of the release through `migrate`.
RETIRED = {}


def engine():
    return os.environ.get("UJUMBE_TEST_ENGINE", "sqlite").strip().lower() or "sqlite"


def psql(url, *args, sql=None):
    cmd = ["psql", url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", *args]
    if sql is not None:
        cmd += ["-c", sql]
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, (cmd[:-1], done.stderr)
    return [line for line in done.stdout.splitlines() if line]


def db_url(server_url, name):
    return urlunsplit(urlsplit(server_url)._replace(path="/" + name))


class Database:
    """A release's dump loaded into a database of its own."""

    def __init__(self, tmp_path, release, server_url=None):
        self.engine = engine()
        self.release = release
        self.server_url = server_url
        self.data_dir = tmp_path / ("data-" + release)
        self.data_dir.mkdir()
        self.pg_names = []
        if self.engine == "sqlite":
            self.path = self.data_dir / "ujumbe.db"
            db = sqlite3.connect(str(self.path))
            try:
                db.executescript((FIXTURES / release / "sqlite.sql").read_text(encoding="utf-8"))
            finally:
                db.close()
            self.url = None
        else:
            self.url = self.create()
            psql(self.url, "-f", str(FIXTURES / release / "postgres.sql"))

    def create(self, template=None):
        """A new database (a copy of `template` when given); its URL."""
        name = "ujumbe_upgrade_" + uuid.uuid4().hex[:12]
        psql(self.server_url, sql='CREATE DATABASE "%s"%s' % (
            name, ' TEMPLATE "%s"' % template if template else ""))
        self.pg_names.append(name)
        return db_url(self.server_url, name)

    def drop(self):
        for name in self.pg_names:
            psql(self.server_url, sql='DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        self.pg_names = []

    def env(self, secret, **extra):
        """The environment of `ujumbe` commands on this database."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("UJUMBE_")}
        env.update(u.harness().BASE_ENV)
        env.update({"UJUMBE_DATA_DIR": str(self.data_dir), "UJUMBE_SECRET_KEY": secret})
        if self.url:
            env["UJUMBE_DATABASE_URL"] = self.url
        env.update(extra)
        return env

    def query(self, sql):
        if self.engine == "sqlite":
            db = sqlite3.connect(str(self.path))
            try:
                return [list(r) for r in db.execute(sql).fetchall()]
            finally:
                db.close()
        return [line.split("|") for line in psql(self.url, sql=sql)]

    def tables(self):
        if self.engine == "sqlite":
            return [r[0] for r in self.query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return [r[0] for r in self.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]

    def counts(self):
        tables = self.tables()
        sql = " UNION ALL ".join("SELECT '%s', count(*) FROM \"%s\"" % (t, t) for t in tables)
        return {name: int(n) for name, n in self.query(sql)}

    def version(self):
        return int(self.query("SELECT max(version) FROM schema_migrations")[0][0])


@pytest.fixture
def databases(tmp_path):
    """load(release) -> Database; dropped after the test's servers stopped
    (this fixture comes before server_factory in the test's arguments)."""
    made = []
    server_url = None
    if engine() == "postgres":
        server_url = os.environ.get("UJUMBE_TEST_PG_URL")
        if not server_url:
            pytest.fail("UJUMBE_TEST_ENGINE=postgres needs UJUMBE_TEST_PG_URL", pytrace=False)

    def load(release):
        made.append(Database(tmp_path, release, server_url))
        return made[-1]

    yield load
    for db in made:
        db.drop()


def known_migrations():
    """(version, name) of every migration of this tree, for this engine."""
    out = []
    for path in sorted((MIGRATIONS / engine()).glob("*.sql")):
        found = re.match(r"^(\d+)_", path.name)
        if found:
            out.append((int(found.group(1)), path.stem))
    return out


def totp(secret_b32):
    """The code of the next 30-second step (the server takes one step either
    side, and never a step at or before the last one used)."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30 + 1), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def check_newer_schema_is_refused(db, secret, tmp_path, latest):
    """A copy whose schema_migrations names a version past this binary's."""
    future = latest + 1
    insert = ("INSERT INTO schema_migrations (version, name, applied_at) "
              "VALUES (%d, '%04d_from_a_newer_release', 0)" % (future, future))
    if db.engine == "sqlite":
        copy_dir = tmp_path / "newer"
        copy_dir.mkdir()
        shutil.copy(db.path, copy_dir / "ujumbe.db")
        conn = sqlite3.connect(str(copy_dir / "ujumbe.db"))
        conn.execute(insert)
        conn.commit()
        conn.close()
        env = db.env(secret, UJUMBE_DATA_DIR=str(copy_dir))
    else:
        url = db.create(template=db.pg_names[0])
        psql(url, sql=insert)
        env = db.env(secret, UJUMBE_DATABASE_URL=url)
    done = u.run_binary(env, "migrate")
    assert done.returncode != 0, done
    assert "newer than this binary" in done.stdout + done.stderr, done


# --------------------------------------------------------------------------
# Reading back through the API
# --------------------------------------------------------------------------

def all_of(api, actor, path):
    return u.list_all(api, actor.access, path)[0]


def rows(items, *fields):
    return sorted([x[f] for f in fields] for x in items)


def same(what, got, want):
    assert got == want, "%s after the upgrade:\n  got  %r\n  want %r" % (what, got, want)


def kept(what, got, want):
    """Every row the release had is still there, unchanged (more may come)."""
    missing = [x for x in want if x not in got]
    assert not missing, "%s lost by the upgrade: %r" % (what, missing)


def read_back(srv, expected):
    api = srv.api
    logins = expected["logins"]
    admin = u.login(api, logins["platform_admin"]["email"], logins["platform_admin"]["password"])
    assert u.jwt_decode(admin.access)[1]["role"] == "platform_admin"
    owner = u.login(api, logins["owner"]["email"], logins["owner"]["password"])
    assert owner.account_id == logins["owner"]["account_id"]
    agent = u.login(api, logins["agent"]["email"], logins["agent"]["password"])
    assert agent.user_id == logins["agent"]["user_id"]
    # Two-factor sign-in: the TOTP secret sealed by the release opens.
    manager = logins["manager"]
    first = assert_ok(api("POST", "/auth/login", json={"email": manager["email"],
                                                       "password": manager["password"]}))
    assert first["two_factor_required"] is True, first
    signed = assert_ok(api("POST", "/auth/login/2fa", json={
        "challenge": first["challenge"], "code": totp(manager["totp_secret"])}))
    assert signed["user"]["id"] == manager["user_id"]
    reseller = u.login(api, logins["reseller"]["email"], logins["reseller"]["password"])
    client = u.login(api, logins["client"]["email"], logins["client"]["password"])
    assert client.account_id == logins["client"]["account_id"]

    # The release's API key still authenticates.
    by_key = u.assert_list(api("GET", "/contacts?page_size=100", apikey=expected["api_key"]))
    assert by_key["count"] == len(expected["contacts"])

    same("users", sorted([x["email"], x["role"]] for x in all_of(api, owner, "/users")),
         [list(x) for x in expected["users"]])
    same("contacts", sorted([c["id"], c["name"], c["phone_e164"], sorted(c["tags"]),
                             c["is_opted_in"]] for c in all_of(api, owner, "/contacts")),
         expected["contacts"])
    groups = all_of(api, owner, "/groups")
    same("groups", rows(groups, "id", "name", "contact_count"), expected["groups"])
    vip = [g["id"] for g in groups if g["name"] == "VIP customers"][0]
    same("group members", sorted(c["id"] for c in all_of(api, owner, "/groups/%s/contacts" % vip)),
         expected["group_members"])
    same("segments", rows(all_of(api, owner, "/segments"), "id", "name"), expected["segments"])
    # Search indexes came through the dump.
    found = assert_ok(api("GET", "/contacts?search=Wanjiru", token=owner.access))["results"]
    assert [c["name"] for c in found] == ["Wanjiru Kamau"], found
    # (A message search looks at 30 days unless told where to start.)
    found = assert_ok(api("GET", "/messages?search=Karibu%20Jua&date_from=2000-01-01",
                          token=owner.access))["results"]
    assert [m["body"] for m in found] == ["Karibu Jua Kali Traders!"], found

    kept("messages", rows(all_of(api, owner, "/messages"), "id", "direction", "channel",
                          "status", "to", "body"), expected["messages"])
    scheduled = assert_ok(api("GET", "/messages/%s" % expected["scheduled_message"],
                              token=owner.access))
    assert scheduled["status"] == "scheduled" and scheduled["send_at"].startswith("2099-"), \
        scheduled

    wallet = assert_ok(api("GET", "/wallet", token=owner.access))
    same("wallet", {"balance_micros": wallet["balance_micros"], "currency": wallet["currency"]},
         expected["wallet"])
    kept("ledger", rows(all_of(api, owner, "/wallet/transactions"), "id", "type",
                        "amount_micros"), expected["ledger"])
    same("campaigns", rows(all_of(api, owner, "/campaigns"), "id", "name", "status"),
         expected["campaigns"])
    same("templates", rows(all_of(api, owner, "/templates"), "id", "name", "body"),
         expected["templates"])
    same("WhatsApp templates", rows(all_of(api, owner, "/channels/whatsapp/templates"),
                                    "id", "name", "status"), expected["whatsapp_templates"])
    same("webhooks", rows(all_of(api, owner, "/webhooks"), "id", "url"), expected["webhooks"])
    same("sender ids", rows(all_of(api, owner, "/sender-ids"), "id", "sender_id", "status"),
         expected["sender_ids"])
    same("API keys", rows(all_of(api, owner, "/api-keys"), "id", "name"), expected["api_keys"])
    same("conversations", rows(all_of(api, owner, "/conversations"), "id", "channel",
                               "customer", "status"), expected["conversations"])
    same("media", rows(all_of(api, owner, "/media"), "id", "kind", "origin"), expected["media"])
    for kind, fields in (("customers", ("name",)), ("vendors", ("name",)),
                         ("leads", ("name", "status")), ("deals", ("title", "status")),
                         ("orders", ("order_number", "status", "total_amount")),
                         ("payments", ("payment_number", "status", "amount")),
                         ("issues", ("issue_number", "status")),
                         ("activities", ("title", "status"))):
        same("CRM " + kind, rows(all_of(api, owner, "/crm/" + kind), "id", *fields),
             expected["crm"][kind])
    same("SMPP accounts", rows(all_of(api, owner, "/smpp-accounts"), "id", "system_id"),
         expected["smpp_accounts"])

    same("client accounts", rows(all_of(api, reseller, "/accounts/children"), "id",
                                 "business_name"), expected["children"])
    kept("client ledger", rows(all_of(api, client, "/wallet/transactions"), "id", "type",
                               "amount_micros"), expected["client"]["ledger"])
    mid, status = expected["client"]["message"]
    assert assert_ok(api("GET", "/messages/%s" % mid, token=client.access))["status"] == status


# --------------------------------------------------------------------------

@pytest.mark.parametrize("release", RELEASES)
def test_a_released_database_upgrades_and_reads_back(release, tmp_path, databases,
                                                     server_factory):
    expected = json.loads((FIXTURES / release / "expected.json").read_text())[engine()]
    secret = expected["secret"]
    db = databases(release)

    # The fixture's promise: rows in every table.
    before = db.counts()
    empty = sorted(t for t, n in before.items() if n == 0)
    assert not empty, "the %s fixture has empty tables: %s" % (release, empty)
    loaded = db.version()
    assert loaded == expected["schema_version"]

    # A dry run lists what is newer than the dump, and changes nothing.
    pending = [(v, name) for v, name in known_migrations() if v > loaded]
    files = sorted(p.name for p in db.data_dir.iterdir())
    done = u.run_binary(db.env(secret), "migrate", "--dry-run")
    assert done.returncode == 0, done
    versions = re.search(r"^schema version (\d+), this binary's (\d+)$", done.stdout, re.M)
    assert versions and int(versions.group(1)) == loaded, done.stdout
    latest = int(versions.group(2))
    listed = [(int(v), name) for v, name in re.findall(r"^would apply (\d+) (\S+)$",
                                                         done.stdout, re.M)]
    assert listed == pending, done.stdout
    if not pending:
        assert "up to date: nothing would run" in done.stdout, done.stdout
    assert sorted(p.name for p in db.data_dir.iterdir()) == files
    assert db.counts() == before and db.version() == loaded

    check_newer_schema_is_refused(db, secret, tmp_path, latest)

    # The upgrade itself: every table keeps its rows.
    done = u.run_binary(db.env(secret), "migrate")
    assert done.returncode == 0, done
    after = db.counts()
    assert db.version() == latest == (pending[-1][0] if pending else loaded)
    lost = {t: (n, after.get(t)) for t, n in before.items()
            if t not in RETIRED and (after.get(t) or 0) < n}
    assert not lost, "tables that lost rows in the upgrade (before, after): %r" % lost

    # The server on the upgraded database, with the release's secret. Its
    # WhatsApp calls go nowhere: the release's channel points at a
    # simulator that is gone.
    env = {"UJUMBE_DATA_DIR": str(db.data_dir), "UJUMBE_SECRET_KEY": secret,
           "UJUMBE_WHATSAPP_GRAPH_URL": "http://127.0.0.1:9"}
    if db.url:
        env["UJUMBE_DATABASE_URL"] = db.url
    srv = server_factory(env=env, label="upgrade-" + release)
    try:
        read_back(srv, expected)
    finally:
        srv.stop()


def test_nodes_migrating_at_once_run_each_migration_once(tmp_path):
    """A rolling upgrade on PostgreSQL: several nodes start `migrate` on one
    empty database at the same moment; the advisory lock lets one apply
    each migration while the others wait, and all of them succeed."""
    if engine() != "postgres":
        pytest.skip("one SQLite database has one node")
    server_url = os.environ["UJUMBE_TEST_PG_URL"]
    name = "ujumbe_rolling_" + uuid.uuid4().hex[:12]
    psql(server_url, sql='CREATE DATABASE "%s"' % name)
    try:
        url = db_url(server_url, name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("UJUMBE_")}
        env.update({"UJUMBE_DATABASE_URL": url, "UJUMBE_SECRET_KEY": u.TEST_SECRET})
        binary = os.environ.get("UJUMBE_BIN") or str(HERE.parents[1] / "build" / "bin" / "ujumbe")
        nodes = []
        for i in range(4):
            node_dir = tmp_path / ("node%d" % i)
            node_dir.mkdir()
            nodes.append(subprocess.Popen([binary, "migrate"], env=dict(env,
                                          UJUMBE_DATA_DIR=str(node_dir)),
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          text=True))
        outputs = [(p.wait(120), p.stdout.read()) for p in nodes]
        assert all(code == 0 for code, _ in outputs), outputs
        versions = [int(v) for v, in (r.split("|") for r in psql(
            url, sql="SELECT version FROM schema_migrations ORDER BY version"))]
        assert versions == [v for v, _ in known_migrations()]
        applied = sum(out.count('"migration applied"') for _, out in outputs)
        assert applied == len(versions), outputs  # each applied by exactly one node
    finally:
        psql(server_url, sql='DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
