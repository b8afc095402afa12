"""Webhook durability (docs/webhooks.md): `kill -9` the server while it sends
the final status events of a burst of 20,000 messages to an endpoint, start
it again on the same data (SQLite directory or PostgreSQL database), and
check what the receiver got: every accepted message's final event arrived at
least once, every copy of one (message, type) carries the same event id, and
every request is signed with the endpoint's secret."""

import threading
import time
from urllib.parse import urlsplit, urlunsplit

import ujumbe_it as u
from smpp_it import UjumbeServer
from webhook_receiver import WebhookReceiver

TOTAL = 20_000
PER_CALL = 5_000
KILL_AFTER = 2_000   # final events received before the kill
FINAL_TYPES = ["message.delivered", "message.failed", "message.undelivered",
               "message.expired", "message.rejected"]
ENV = {
    "UJUMBE_WEBHOOK_ALLOW_PRIVATE": "true",
    "UJUMBE_WEBHOOK_RETRY_UNIT_MS": "20",
    # one endpoint takes the whole burst: more of it in flight at once
    "UJUMBE_WEBHOOK_ENDPOINT_CONCURRENCY": "32",
    # receipts the sandbox still held at the kill are lost with it: those
    # messages end `expired` after this long
    "UJUMBE_RECEIPT_TIMEOUT_S": "5",
}
PATH = "/final"


def _database_url(srv):
    if srv.pg_db is None:
        return None
    parts = urlsplit(srv.pg_server_url)
    return urlunsplit(parts._replace(path="/" + srv.pg_db))


class FinalEvents:
    """What the receiver got at PATH, indexed as it arrives."""

    def __init__(self, rx, secret):
        self.rx = rx
        self.secret = secret
        self.pos = 0
        self.event_ids = {}    # (message id, type) -> {event ids}
        self.copies = {}       # (message id, type) -> number of requests
        self.messages = set()  # message ids with a final event
        self.problems = []

    def update(self):
        reqs = self.rx.requests(PATH)
        for r in reqs[self.pos:]:
            mid = r.message_id()
            if r.event_type not in FINAL_TYPES:
                self.problems.append("unsubscribed type: %r" % (r,))
            if mid is None:
                self.problems.append("no data.message.id: %r %r" % (r, r.body[:200]))
                continue
            try:
                body = r.json()
            except ValueError:
                self.problems.append("body is not JSON: %r" % (r,))
                continue
            if body.get("id") != r.event_id or body.get("type") != r.event_type:
                self.problems.append("headers and body disagree: %r %r" % (r, body))
            if body["data"]["message"].get("status") != r.event_type.split(".", 1)[1]:
                self.problems.append("status is not the type's: %r %r" % (r, body))
            if not r.verify(self.secret):
                self.problems.append("bad signature: %r %r" % (r, r.signature))
            key = (mid, r.event_type)
            self.event_ids.setdefault(key, set()).add(r.event_id)
            self.copies[key] = self.copies.get(key, 0) + 1
            self.messages.add(mid)
        self.pos = len(reqs)
        return self


def test_kill_9_during_webhook_deliveries_loses_no_final_event(capsys):
    rx = WebhookReceiver().start()
    first = UjumbeServer(ENV, label="webhooks-crash").start()
    second = None
    try:
        owner = u.register(first.api)
        resp = first.api("POST", "/webhooks", token=owner.access,
                         json={"url": rx.url(PATH), "events": FINAL_TYPES})
        hook = u.assert_ok(resp, 201)
        got = FinalEvents(rx, hook["secret"])

        accepted, unanswered = [], []

        def post_all():
            for call in range(TOTAL // PER_CALL):
                numbers = ["+2547%08d" % (10_000_000 + call * PER_CALL + i)
                           for i in range(PER_CALL)]
                try:
                    resp = first.client.api("POST", "/messages/bulk", token=owner.access,
                                            json={"to": numbers, "body": "burst %d" % call})
                except OSError:
                    unanswered.append(call)  # the kill came while this call waited
                    return
                if resp.status != 201:
                    unanswered.append(call)
                    return
                accepted.extend(r["id"] for r in resp.body["data"]["results"] if r.get("id"))

        poster = threading.Thread(target=post_all)
        started = time.monotonic()
        poster.start()
        deadline = time.monotonic() + 60
        while rx.count(PATH) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        killed_at = time.monotonic() - started
        first.proc.kill()  # SIGKILL: no shutdown, nothing flushed
        first.proc.wait(10)
        first.proc = None
        poster.join(60)
        assert not poster.is_alive()
        at_kill = rx.count(PATH)
        assert accepted, "no bulk call was answered before the kill"
        assert at_kill < len(accepted), "every final event was sent before the kill"

        env = dict(ENV, UJUMBE_DATA_DIR=str(first.data_dir))
        if _database_url(first):
            env["UJUMBE_DATABASE_URL"] = _database_url(first)
        second = UjumbeServer(env, label="webhooks-crash-restarted").start()
        restarted_at = time.monotonic() - started

        waiting = set(accepted)
        deadline = time.monotonic() + 120
        while True:
            got.update()
            waiting -= got.messages
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(0.2)

        twice = {k: n for k, n in got.copies.items() if n > 1}
        with capsys.disabled():
            print("\n[webhooks-crash] accepted %d (calls unanswered at the kill: %d), final "
                  "events at the kill %d, requests in all %d, messages with a final event %d, "
                  "received more than once %d, missing %d; killed at %.1f s, restarted at "
                  "%.1f s, done at %.1f s"
                  % (len(accepted), len(unanswered), at_kill, rx.count(PATH),
                     len(got.messages), len(twice), len(waiting), killed_at, restarted_at,
                     time.monotonic() - started))
        if waiting:
            stats = second.api("GET", "/messages/stats", token=u.login(
                second.api, owner.email, owner.password).access)
            token = u.login(second.api, owner.email, owner.password).access
            sample = []
            for mid in sorted(waiting)[:5]:
                m = second.api("GET", "/messages/%s" % mid, token=token).body["data"]
                sample.append((mid, m["status"], [h["status"] for h in m["status_history"]]))
            log = {}
            for status in ("pending", "delivered", "failed"):
                resp = second.api("GET", "/webhooks/%s/deliveries?status=%s&page_size=1"
                                  % (hook["id"], status), token=token)
                log[status] = resp.body["data"]["count"] if resp.status == 200 else resp
            raise AssertionError(
                "accepted but no final event: %d; messages by status %r; deliveries %r; "
                "e.g. %r" % (len(waiting), stats.body.get("data", {}).get("by_status"), log,
                             sample))
        split = {k: ids for k, ids in got.event_ids.items() if len(ids) > 1}
        assert not split, "one (message, type) under several event ids: %d, e.g. %s" % (
            len(split), list(split.items())[:3])
        assert not got.problems, "%d bad requests, e.g. %s" % (len(got.problems),
                                                                got.problems[:3])
    finally:
        if second is not None:
            second.stop()
        first.stop()
        rx.stop()
