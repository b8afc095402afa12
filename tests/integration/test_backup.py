"""`ujumbe admin backup` and `restore`, and `ujumbe migrate --dry-run`
(docs/operations.md): a SQLite database copied while a burst of messages is
being sent holds a state the original was in, with a ledger that adds up;
restored into an empty data directory with the original's secret, a server
sends what was queued and nothing recorded as sent again. Refusals: an
existing database or backup file, a file that is no database, a missing
secret, a schema newer than the binary's, PostgreSQL.
"""

import json
import os
import shutil
import sqlite3
import threading
import time

import pytest

import ujumbe_it as u
from ujumbe_it import assert_ok

SQLITE_ONLY = pytest.mark.skipif(
    os.environ.get("UJUMBE_TEST_ENGINE", "sqlite").strip().lower() == "postgres",
    reason="the backup of an embedded database (PostgreSQL has pg_dump)")

BURST = 20_000
PER_REQUEST = 1_000
# Before a message is sent, and once it was: a message moves along this
# order only, so a state it had at some moment is one at or before its last.
PROGRESS = ["queued", "sending", "sent", "delivered"]


def admin_task(env, *args):
    """(exit status, the --json answer or None, stderr) of `ujumbe admin`
    under the environment `env`."""
    done = u.run_binary(env, "admin", *args, "--json")
    answer = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, answer, done.stderr


def rows(path, sql):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def statuses(path):
    return dict(rows(path, "SELECT id, status FROM messages WHERE direction = 'outbound'"))


def assert_ledger_adds_up(path):
    wallets = rows(path, "SELECT account_id, currency, balance FROM wallets")
    sums = {(a, c): s for a, c, s in rows(
        path, "SELECT account_id, currency, SUM(amount) FROM ledger_entries "
              "GROUP BY account_id, currency")}
    assert wallets
    for account, currency, balance in wallets:
        assert balance == sums.get((account, currency), 0), (account, currency)


def wait_sent(path, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        left = rows(path, "SELECT COUNT(*) FROM messages WHERE status IN ('queued', 'sending')")
        if left[0][0] == 0:
            return
        assert time.monotonic() < deadline, "%d messages still unsent" % left[0][0]
        time.sleep(0.2)


@SQLITE_ONLY
def test_a_backup_taken_during_a_burst_restores_a_past_state_and_sends_what_was_queued(
        server_factory, tmp_path):
    srv = server_factory({"UJUMBE_SECRET_KEY": None}, label="backup")
    admin = u.login(srv.api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    owner = u.register(srv.api)
    assert_ok(srv.api("POST", "/wallet/topups", json={
        "account_id": owner.account_id, "amount": "100000", "reference": "burst"},
        token=admin.access), 201)

    accepted = []

    def burst():
        for r in range(BURST // PER_REQUEST):
            to = ["+255712%06d" % (r * PER_REQUEST + i) for i in range(PER_REQUEST)]
            data = assert_ok(srv.api("POST", "/messages/bulk", json={"to": to, "body": "Burst"},
                                     token=owner.access), 201)
            accepted.append(data["accepted"])

    sender = threading.Thread(target=burst)
    sender.start()
    while len(accepted) < 5 and sender.is_alive():
        time.sleep(0.01)
    backup = tmp_path / "ujumbe.backup"
    code, answer, err = admin_task(srv.env, "backup", "--file", str(backup))
    sender.join()
    assert code == 0, (answer, err)
    assert answer["backup"] == str(backup) and answer["secret_included"] is False
    assert "secret.key" in answer["note"] and answer["bytes"] == backup.stat().st_size
    assert sum(accepted) == BURST

    original_db = srv.data_dir / "ujumbe.db"
    wait_sent(original_db)
    final = statuses(original_db)
    saved = statuses(backup)
    # A state that was: messages the original has, each no further along
    # than the original took it; the copy's money adds up.
    assert 0 < len(saved) <= BURST and set(saved) <= set(final)
    for message_id, status in saved.items():
        assert status in PROGRESS, status
        assert PROGRESS.index(status) <= PROGRESS.index(final[message_id])
    assert_ledger_adds_up(backup)
    recorded_sent = {m for m, s in saved.items() if s in ("sent", "delivered")}
    queued = {m for m, s in saved.items() if s == "queued"}

    # Restored into an empty data directory, with the original's secret.
    restored_dir = tmp_path / "restored"
    env = dict(srv.env, UJUMBE_DATA_DIR=str(restored_dir))
    code, answer, err = admin_task(env, "restore", "--file", str(backup))
    assert code == 2 and "--secret-file" in err + json.dumps(answer), (answer, err)
    assert not (restored_dir / "ujumbe.db").exists()
    code, answer, err = admin_task(env, "restore", "--file", str(backup), "--secret-file",
                                   str(srv.data_dir / "secret.key"))
    assert code == 0, (answer, err)
    assert answer["database"] == str(restored_dir / "ujumbe.db")
    assert answer["pending_migrations"] == 0
    assert (restored_dir / "secret.key").read_text() == (srv.data_dir / "secret.key").read_text()
    srv.stop()

    again = server_factory({"UJUMBE_SECRET_KEY": None, "UJUMBE_DATA_DIR": str(restored_dir)},
                           label="restored")
    me = u.login(again.api, owner.email, u.DEFAULT_PASSWORD)
    assert me.account_id == owner.account_id
    restored_db = restored_dir / "ujumbe.db"
    wait_sent(restored_db)
    after = statuses(restored_db)
    assert set(after) == set(saved)
    # What was queued went out; what was recorded as sent never went again.
    assert all(after[m] in ("sent", "delivered") for m in queued)
    sent_twice = rows(restored_db, "SELECT message_id FROM message_events "
                                   "WHERE type = 'message.sent' GROUP BY message_id "
                                   "HAVING COUNT(*) > 1")
    assert not {m for (m,) in sent_twice} & recorded_sent
    assert_ledger_adds_up(restored_db)


@SQLITE_ONLY
def test_restore_and_backup_refuse_what_would_lose_or_confuse_data(server, tmp_path):
    backup = tmp_path / "one.backup"
    code, answer, _ = admin_task(server.env, "backup", "--file", str(backup))
    assert code == 0, answer
    # An existing file is never overwritten.
    code, answer, _ = admin_task(server.env, "backup", "--file", str(backup))
    assert code == 2 and "exists" in answer["error"]["message"]
    # Never over a database.
    code, answer, _ = admin_task(server.env, "restore", "--file", str(backup))
    assert code == 2 and "exists" in answer["error"]["message"]
    empty = dict(server.env, UJUMBE_DATA_DIR=str(tmp_path / "empty"))
    # A file that is no database of ours.
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    code, answer, _ = admin_task(empty, "restore", "--file", str(junk))
    assert code == 2 and answer["error"]["fields"].get("file"), answer
    code, answer, _ = admin_task(empty, "restore", "--file", str(tmp_path / "none"))
    assert code == 2 and "is not a file" in answer["error"]["message"]
    # A schema newer than this binary's: restored by a newer binary only.
    newer = tmp_path / "newer.backup"
    shutil.copy(backup, newer)
    db = sqlite3.connect(newer)
    db.execute("INSERT INTO schema_migrations (version, name, applied_at) "
               "VALUES (99999, 'from_the_future', 0)")
    db.commit()
    db.close()
    code, answer, _ = admin_task(empty, "restore", "--file", str(newer))
    assert code == 2 and "newer than this binary" in answer["error"]["message"]
    assert not (tmp_path / "empty" / "ujumbe.db").exists()
    # A copy of a live database's file, its WAL beside it: not a backup.
    live = tmp_path / "live.db"
    shutil.copy(backup, live)
    (tmp_path / "live.db-wal").write_bytes(b"")
    code, answer, _ = admin_task(empty, "restore", "--file", str(live))
    assert code == 2 and "-wal is beside it" in answer["error"]["message"]
    # A secret.key already there is not taken for the original's unchecked.
    keyed_dir = tmp_path / "keyed"
    keyed_dir.mkdir()
    (keyed_dir / "secret.key").write_text("another-servers-secret-0123456789abcdef\n")
    keyed = dict(server.env, UJUMBE_DATA_DIR=str(keyed_dir))
    keyed.pop("UJUMBE_SECRET_KEY")
    code, answer, _ = admin_task(keyed, "restore", "--file", str(backup))
    assert code == 2 and "already there" in answer["error"]["message"]
    assert not (keyed_dir / "ujumbe.db").exists()
    code, answer, _ = admin_task(keyed, "restore", "--file", str(backup), "--new-secret")
    assert code == 0 and "not the original's" in answer["secret"], answer
    assert oct((keyed_dir / "ujumbe.db").stat().st_mode & 0o777) == "0o600"
    # The test servers carry their secret in the configuration: no file needed.
    code, answer, _ = admin_task(empty, "restore", "--file", str(backup))
    assert code == 0 and answer["secret"] == "the secret_key setting", answer


@SQLITE_ONLY
def test_migrate_lists_what_it_would_run_and_refuses_a_newer_database(server, tmp_path):
    done = u.run_binary(server.env, "migrate", "--dry-run")
    assert done.returncode == 0 and "up to date: nothing would run" in done.stdout, done
    # No database yet: everything would run, and nothing is created.
    none = dict(server.env, UJUMBE_DATA_DIR=str(tmp_path / "none"))
    done = u.run_binary(none, "migrate", "--dry-run")
    assert done.returncode == 0 and "every migration would run" in done.stdout, done
    assert "would apply 1 " in done.stdout and not (tmp_path / "none").exists()
    # A database two migrations behind: listed, not run.
    backup = tmp_path / "old.backup"
    code, answer, _ = admin_task(server.env, "backup", "--file", str(backup))
    assert code == 0, answer
    latest = answer["schema_version"]
    db = sqlite3.connect(backup)
    names = dict(db.execute("SELECT version, name FROM schema_migrations "
                            "WHERE version > ?", (latest - 2,)).fetchall())
    db.execute("DELETE FROM schema_migrations WHERE version > ?", (latest - 2,))
    db.commit()
    db.close()
    old_dir = tmp_path / "old"
    old_dir.mkdir()
    shutil.copy(backup, old_dir / "ujumbe.db")
    env = dict(server.env, UJUMBE_DATA_DIR=str(old_dir))
    done = u.run_binary(env, "migrate", "--dry-run")
    assert done.returncode == 0, done
    for version, name in names.items():
        assert "would apply %d %s" % (version, name) in done.stdout, done.stdout
    assert rows(old_dir / "ujumbe.db", "SELECT MAX(version) FROM schema_migrations")[0][0] == \
        latest - 2
    # A database a newer binary migrated: refused, by migrate and by serve.
    db = sqlite3.connect(old_dir / "ujumbe.db")
    db.execute("INSERT INTO schema_migrations (version, name, applied_at) "
               "VALUES (99999, 'from_the_future', 0)")
    db.commit()
    db.close()
    for command in (["migrate"], ["migrate", "--dry-run"], ["serve"]):
        done = u.run_binary(env, *command)
        assert done.returncode == 1, (command, done)
        assert "newer than this binary" in done.stdout + done.stderr, (command, done)


def test_a_postgresql_database_is_backed_up_with_its_own_tools(server, tmp_path):
    if not server.pg_db:
        pytest.skip("PostgreSQL only")
    code, answer, _ = admin_task(server.env, "backup", "--file", str(tmp_path / "x"))
    assert code == 2 and "pg_dump" in answer["error"]["message"], answer
