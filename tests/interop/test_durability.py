"""Durability: `kill -9` the server in the middle of a burst of 50,000
messages, start it again on the same data, and count what reached the SMSC.
Every accepted message must arrive; the only ones allowed to arrive twice are
those the SMSC had taken when the kill came but whose answers were not yet
recorded, never more than the window of outstanding submits. Charging is on:
every stored message is charged exactly once, restart or not, and the
ledger adds up to the balance."""

import csv
import io

import threading
import time
from urllib.parse import urlsplit, urlunsplit

import ujumbe_it as u
from smpp_it import UjumbeServer, add_route, add_smpp_gateway, admin_of, wait_bound

TOTAL = 50_000
PER_CALL = 5_000
WINDOW = 50
TO = "+254712345678"


def _database_url(srv):
    if srv.pg_db is None:
        return None
    parts = urlsplit(srv.pg_server_url)
    return urlunsplit(parts._replace(path="/" + srv.pg_db))


def _total(srv, actor):
    resp = srv.api("GET", "/messages/stats", token=actor.access)
    return resp.body["data"]["total"]


def _check_charged_once(srv, actor, stored):
    """Every stored message has one charge entry; the entries add up to the balance."""
    resp = srv.api("GET", "/wallet/transactions/export", token=actor.access)
    assert resp.status == 200, u.describe(resp)
    rows = list(csv.DictReader(io.StringIO(resp.raw.decode())))
    charges = {}
    total_micros = 0
    for row in rows:
        amount = row["amount"]
        whole, _, frac = amount.lstrip("-").partition(".")
        micros = int(whole) * 1_000_000 + int((frac + "000000")[:6])
        total_micros += -micros if amount.startswith("-") else micros
        if row["type"] == "charge":
            charges[row["message_id"]] = charges.get(row["message_id"], 0) + 1
    assert len(charges) == stored, (len(charges), stored)
    assert all(n == 1 for n in charges.values())
    wallet = srv.api("GET", "/wallet", token=actor.access).body["data"]
    assert wallet["balance_micros"] == total_micros


def _wait_drained(srv, token, timeout=240.0):
    deadline = time.monotonic() + timeout
    while True:
        resp = srv.api("GET", "/messages/stats", token=token)
        assert resp.status == 200, u.describe(resp)
        by = resp.body["data"]["by_status"]
        if not any(by.get(s, 0) for s in ("queued", "sending", "scheduled")):
            return by
        if time.monotonic() > deadline:
            raise AssertionError("messages still waiting: %r" % by)
        time.sleep(0.2)


def test_kill_9_during_a_burst_loses_no_accepted_message(smsc_factory, capsys):
    smsc = smsc_factory("--receipt-delay-ms", "-1")
    first = UjumbeServer({"UJUMBE_SANDBOX_GATEWAY": None}, label="durable").start()
    second = None
    try:
        admin = admin_of(first)
        price = "0.001"
        for path, body in (("/rates", {"prefix": "254", "price": price}),
                           ("/wallet/topups", {"account_id": admin.account_id,
                                               "amount": "1000", "reference": "durability"})):
            resp = first.api("POST", path, json=body, token=admin.access)
            assert resp.status in (200, 201), u.describe(resp)
        gateway = add_smpp_gateway(first, admin, smsc, window=WINDOW)
        add_route(first, admin, [gateway])
        wait_bound(first, admin, gateway)

        accepted, unknown = [], []

        def post_all():
            for call in range(TOTAL // PER_CALL):
                bodies = ["d%d-%d" % (call, i) for i in range(PER_CALL)]
                try:
                    resp = first.client.api("POST", "/messages/bulk",
                                            json={"messages": [
                                                {"to": TO, "body": b} for b in bodies]},
                                            token=admin.access)
                except OSError:
                    unknown.extend(bodies)  # the kill came while this call waited
                    return
                if resp.status != 201:
                    unknown.extend(bodies)
                    return
                accepted.extend(bodies)

        poster = threading.Thread(target=post_all)
        poster.start()
        deadline = time.monotonic() + 120
        while len(smsc.pdus("submit_sm")) < 8_000 and time.monotonic() < deadline:
            time.sleep(0.01)
        first.proc.kill()  # SIGKILL: no shutdown, nothing flushed
        first.proc.wait(10)
        first.proc = None
        poster.join(60)
        seen_at_kill = len(smsc.pdus("submit_sm"))
        assert accepted, "no bulk call was answered before the kill"

        env = {"UJUMBE_DATA_DIR": str(first.data_dir), "UJUMBE_SANDBOX_GATEWAY": None}
        if _database_url(first):
            env["UJUMBE_DATABASE_URL"] = _database_url(first)
        second = UjumbeServer(env, label="durable-restarted").start()
        admin = admin_of(second)
        _wait_drained(second, admin.access)
        time.sleep(0.5)
        texts = smsc.submit_texts()
        missing = [b for b in accepted if texts.get(b, 0) == 0]
        twice = sorted(b for b, n in texts.items() if n > 1)
        with capsys.disabled():
            print("\n[durability] accepted %d, submits seen at the kill %d, after restart %d, "
                  "sent twice %d, missing %d, answer lost with the kill (not counted) %d"
                  % (len(accepted), seen_at_kill, sum(texts.values()), len(twice),
                     len(missing), len(unknown)))
        assert not missing, "accepted but never sent: %d, e.g. %s" % (len(missing), missing[:5])
        assert all(texts[b] == 2 for b in twice)
        assert len(twice) <= WINDOW, twice[:10]
        known = set(accepted) | set(unknown)
        assert all(b in known for b in texts)
        _check_charged_once(second, admin, stored=_total(second, admin))
    finally:
        if second is not None:
            second.stop()
        first.stop()
