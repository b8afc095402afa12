"""Plan renewals (docs/api-billing.md, decision 0032): a plan period that
has ended renews by itself, charging the monthly fee and starting the
included messages again; a wallet that cannot pay leaves the subscription
past due, tried again until a top-up pays it or the grace period ends and
the account is back on pay as you go. Each step tells the account's
webhooks, and no one else's.

The module runs its own server: an unpaid renewal is tried again every
second and lapses four seconds after the first try. A test moves a
subscription's period into the past in the database (time has no API).
"""

import calendar
import datetime
import time
import uuid

import ujumbe_it as u
from test_webhooks import (  # noqa: F401 (rx: a fixture of the receiver)
    WEBHOOK_ENV, assert_event, create_webhook, new_path, rx, secret_of)
from ujumbe_it import assert_ok

WAIT_S = 30.0
EVENTS = ["subscription.renewed", "subscription.past_due", "subscription.downgraded"]
STARTER_FEE = 10_000_000  # micro-units


psrv, papi, padmin = u.module_server(
    dict(WEBHOOK_ENV, UJUMBE_PLAN_RETRY_S="1", UJUMBE_PLAN_GRACE_S="4"), "renewals", "p")


def months_after(anchor, n):
    """The server's rule: the same day and time n months on, the month's
    last day when it is shorter."""
    month0 = anchor.month - 1 + n
    year, month = anchor.year + month0 // 12, month0 % 12 + 1
    day = min(anchor.day, calendar.monthrange(year, month)[1])
    return anchor.replace(year=year, month=month, day=day)


def micros(dt):
    return int(dt.timestamp()) * 1_000_000


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def balance(api, acct):
    return assert_ok(api("GET", "/wallet", token=acct.access))["balance_micros"]


def topup(api, admin, acct, micro_units):
    assert_ok(api("POST", "/wallet/topups", token=admin.access,
                  json={"account_id": acct.account_id,
                        "amount": "%d.%06d" % divmod(micro_units, 1_000_000),
                        "reference": "renewals-" + uuid.uuid4().hex}), 201)


def subscriber(api, admin, extra_after_fee):
    """A new business on Starter whose wallet holds `extra_after_fee` after
    the first month's fee."""
    acct = u.register(api)
    topup(api, admin, acct, STARTER_FEE + extra_after_fee - balance(api, acct))
    assert_ok(api("POST", "/billing/subscription", token=acct.access, json={"plan": "starter"}))
    assert balance(api, acct) == extra_after_fee
    return acct


def end_period(srv, acct):
    """Moves the subscription's current period a month back, so that it
    ended about an hour ago; returns (anchor, the renewed period's start
    and end)."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    anchor = months_after(now - datetime.timedelta(hours=1), -1)
    start, end = months_after(anchor, 1), months_after(anchor, 2)
    u.run_sql(srv, "UPDATE subscriptions SET cycle_anchor = %d, period_start = %d, "
                   "period_end = %d WHERE account_id = '%s'"
              % (micros(anchor), micros(anchor), micros(start), acct.account_id))
    return anchor, start, end


def subscription(api, acct):
    return assert_ok(api("GET", "/billing/subscription", token=acct.access))


def wait_subscription(api, acct, ready, what):
    deadline = time.monotonic() + WAIT_S
    while True:
        sub = subscription(api, acct)
        if ready(sub):
            return sub
        assert time.monotonic() < deadline, "%s: %r" % (what, sub)
        time.sleep(0.2)


def charges(api, acct):
    return u.assert_list(api("GET", u.with_query("/wallet/transactions", type="charge"),
                             token=acct.access))["results"]


def hooked(api, rx, acct):
    path = new_path("plan")
    hook = create_webhook(api, acct.access, rx.url(path), EVENTS)
    return path, secret_of(hook)


def test_an_ended_period_renews_charges_the_fee_and_starts_the_included_messages_again(
        psrv, papi, padmin, rx):
    acct = subscriber(papi, padmin, 15_000_000)
    bystander = subscriber(papi, padmin, 15_000_000)
    path, secret = hooked(papi, rx, acct)
    other_path, _ = hooked(papi, rx, bystander)
    first = subscription(papi, acct)
    assert first["status"] == "active" and first["renews_at"] == first["current_period_end"]
    assert first["past_due_since"] is None and first["grace_ends_at"] is None, first

    _, start, end = end_period(psrv, acct)
    sub = wait_subscription(papi, acct, lambda s: s["current_period_start"] == iso(start),
                            "renewed")
    assert sub["status"] == "active", sub
    assert sub["current_period_end"] == iso(end) and sub["renews_at"] == iso(end), sub
    assert sub["included_messages_used"] == 0, sub
    assert balance(papi, acct) == 5_000_000
    fee = charges(papi, acct)[0]
    assert fee["amount_micros"] == -STARTER_FEE, fee
    assert fee["description"] == "Plan Starter renewal, %s to %s" % (iso(start)[:10],
                                                                      iso(end)[:10]), fee

    (req,) = rx.wait_event(path, "subscription.renewed", timeout=WAIT_S)[:1]
    body = assert_event(req, secret, acct.account_id, "subscription.renewed")
    assert body["data"]["plan"] == "starter", body
    assert body["data"]["current_period_start"] == iso(start), body
    assert body["data"]["current_period_end"] == iso(end), body
    # Once per period, and nothing for an account whose period goes on.
    time.sleep(6)
    assert len(rx.requests(path)) == 1, rx.requests(path)
    assert rx.requests(other_path) == []
    assert balance(papi, acct) == 5_000_000
    assert balance(papi, bystander) == 15_000_000


def test_an_unpaid_renewal_is_past_due_then_lapses_to_pay_as_you_go(psrv, papi, padmin, rx):
    acct = subscriber(papi, padmin, 3_000_000)
    path, secret = hooked(papi, rx, acct)
    _, start, _ = end_period(psrv, acct)
    due = wait_subscription(papi, acct, lambda s: s["status"] == "past_due", "past due")
    assert due["plan"]["code"] == "starter", due
    assert due["current_period_end"] == iso(start), due   # the period that ended
    assert due["past_due_since"] and due["grace_ends_at"] > due["past_due_since"], due
    (req,) = rx.wait_event(path, "subscription.past_due", timeout=WAIT_S)[:1]
    body = assert_event(req, secret, acct.account_id, "subscription.past_due")
    assert body["data"]["plan"] == "starter" and body["data"]["amount_due"] == 10, body

    lapsed = wait_subscription(papi, acct, lambda s: s["is_default"], "lapsed")
    assert lapsed["plan"]["code"] == "pay_as_you_go", lapsed
    assert lapsed["lapsed"]["plan"] == "starter", lapsed
    assert u.is_timestamp(lapsed["lapsed"]["at"]), lapsed
    rx.wait_event(path, "subscription.downgraded", timeout=WAIT_S)
    # One past-due event however often it was tried; nothing charged.
    assert [r.event_type for r in rx.requests(path)] == ["subscription.past_due",
                                                         "subscription.downgraded"]
    assert balance(papi, acct) == 3_000_000
    assert len(charges(papi, acct)) == 1


def test_a_top_up_pays_a_past_due_renewal_from_where_the_period_ended(psrv, papi, padmin):
    acct = subscriber(papi, padmin, 0)
    _, start, end = end_period(psrv, acct)
    wait_subscription(papi, acct, lambda s: s["status"] == "past_due", "past due")
    topup(papi, padmin, acct, 12_000_000)
    sub = wait_subscription(papi, acct, lambda s: s["status"] == "active", "paid")
    assert sub["current_period_start"] == iso(start), sub
    assert sub["current_period_end"] == iso(end), sub
    assert sub["past_due_since"] is None and sub["grace_ends_at"] is None, sub
    assert balance(papi, acct) == 2_000_000
