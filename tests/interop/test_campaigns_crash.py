"""Campaign durability (docs/api-campaigns.md, decision 0031): `kill -9` the
server while a campaign of 200,000 recipients sends, start it again on the
same data (SQLite directory or PostgreSQL database), and check that the
campaign resumed by itself and finished with every recipient taken exactly
once: no recipient pending, none with two messages, as many messages for
the campaign as recipients accepted."""

import time
from urllib.parse import urlsplit, urlunsplit

import ujumbe_it as u
from smpp_it import UjumbeServer

TOTAL = 200_000
KILL_AFTER = 20_000  # recipients taken before the kill
ENV = {
    # receipts the sandbox still held at the kill are lost with it: those
    # messages end `expired` after this long
    "UJUMBE_RECEIPT_TIMEOUT_S": "5",
}


def _database_url(srv):
    if srv.pg_db is None:
        return None
    parts = urlsplit(srv.pg_server_url)
    return urlunsplit(parts._replace(path="/" + srv.pg_db))


def _campaign(api, token, cid):
    return u.assert_ok(api("GET", "/campaigns/%s" % cid, token=token))


def test_kill_9_during_a_campaign_sends_each_recipient_once(capsys):
    first = UjumbeServer(ENV, label="campaign-crash").start()
    second = None
    try:
        owner = u.register(first.api)
        rows = ["phone,is_opted_in"] + ["+2547%08d,true" % (20_000_000 + i)
                                         for i in range(TOTAL)]
        job = u.import_csv(first.api, owner.access, "\n".join(rows) + "\n", tags="crash")
        assert job["status"] == "completed" and job["created"] == TOTAL, job
        started = time.monotonic()
        k = u.assert_ok(first.api("POST", "/campaigns", token=owner.access, json={
            "name": "crash", "message_text": "Sale today",
            "target_criteria": {"tags": ["crash"]}}), 201)
        assert k["total_recipients"] == TOTAL, k
        created_at = time.monotonic() - started
        u.assert_ok(first.api("POST", "/campaigns/%s/start" % k["id"], token=owner.access))

        deadline = time.monotonic() + 120
        while True:
            c = _campaign(first.api, owner.access, k["id"])
            if c["processed_count"] >= KILL_AFTER or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert c["processed_count"] >= KILL_AFTER, c
        first.proc.kill()  # SIGKILL: no shutdown, nothing flushed
        first.proc.wait(10)
        first.proc = None
        killed_at = time.monotonic() - started
        at_kill = c["processed_count"]
        assert at_kill < TOTAL, "the campaign finished before the kill"

        env = dict(ENV, UJUMBE_DATA_DIR=str(first.data_dir))
        if _database_url(first):
            env["UJUMBE_DATABASE_URL"] = _database_url(first)
        second = UjumbeServer(env, label="campaign-crash-restarted").start()
        token = u.login(second.api, owner.email, owner.password).access
        deadline = time.monotonic() + 600
        while True:
            c = _campaign(second.api, token, k["id"])
            if c["status"] != "running" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        done_at = time.monotonic() - started
        assert c["status"] == "completed", c
        with capsys.disabled():
            print("\n[campaign-crash] %d recipients: created in %.1f s, killed at %.1f s with "
                  "%d taken, completed at %.1f s" % (TOTAL, created_at, killed_at, at_kill,
                                                     done_at))

        assert c["total_recipients"] == TOTAL
        assert c["accepted_count"] + c["skipped_count"] == TOTAL, c
        assert c["skipped_count"] == 0, c
        pending = u.assert_ok(second.api("GET", "/campaigns/%s/recipients?status=pending"
                                         % k["id"], token=token))
        assert pending["count"] == 0, pending
        accepted = u.assert_ok(second.api("GET", "/campaigns/%s/recipients?status=accepted"
                                          "&page_size=1" % k["id"], token=token))
        assert accepted["count"] == TOTAL, accepted
        # Every message of the campaign belongs to one recipient: a recipient
        # sent twice would leave a message no recipient names.
        stats = u.assert_ok(second.api("GET", "/messages/stats?campaign_id=%s" % k["id"],
                                       token=token))
        assert stats["total"] == TOTAL, stats
        export = u.get_csv(second.api, token, "/campaigns/%s/recipients/export" % k["id"])
        ids = [line.split(",")[5] for line in export.splitlines()[1:]]
        assert len(ids) == TOTAL and len(set(ids)) == TOTAL and "" not in ids
    finally:
        if second is not None:
            second.stop()
        first.stop()
