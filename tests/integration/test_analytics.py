"""The analytics overview (docs/analytics.md): GET /analytics/overview
answers from the message and ledger rollups. Real sends are counted by the
triggers; hand-built rollup rows on past days check the folding (range,
week, month, channels, spend); bad parameters name their field; API keys
need the analytics:read scope; an account sees only its own figures.
"""

import datetime
import time
import uuid
from decimal import Decimal

import ujumbe_it as u
from ujumbe_it import assert_ok, assert_validation

DAY_US = 86_400_000_000


def overview(api, token=None, apikey=None, **params):
    return assert_ok(api("GET", u.with_query("/analytics/overview", **params), token=token,
                         apikey=apikey))

def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def day_number(date):
    return (date - datetime.date(1970, 1, 1)).days


def charges_total(api, token, account_id):
    total = Decimal(0)
    page = 1
    while True:
        data = u.assert_list(api("GET", u.with_query("/wallet/transactions", account_id=account_id,
                                                     page=page, page_size=100), token=token))
        for e in data["results"]:
            if e["type"] in ("charge", "refund") and e.get("message_id"):
                total -= Decimal(str(e["amount"]))
        if not data["next"]:
            return total
        page += 1


def test_sends_are_counted_by_the_rollups_with_their_spend(api, owner):
    ids = [assert_ok(api("POST", "/messages", json={"to": u.tz_phone(), "body": "Habari %d" % i},
                         token=owner.access), 201)["id"] for i in range(3)]
    u.wait_final(api, owner.access, ids)
    u.create_contact(api, owner.access, phone_e164=u.tz_phone(), first_name="Asha")
    o = overview(api, owner.access)
    assert o["days"] == 30 and o["channel"] is None
    assert o["date_to"] == today().isoformat()
    assert o["date_from"] == (today() - datetime.timedelta(days=29)).isoformat()
    ov = o["overview"]
    assert ov["total_sent"] == 3 and ov["total_received"] == 0 and ov["total_messages"] == 3
    assert ov["sent_today"] == 3 and ov["sent_this_week"] == 3 and ov["sent_this_month"] == 3
    assert ov["total_segments"] == 3
    assert ov["delivery_rate"] == 1.0
    assert o["messages_by_status"] == {"delivered": 3}
    assert o["by_channel"]["sms"]["sent"] == 3 and o["by_channel"]["sms"]["delivered"] == 3
    daily = o["daily_activity"]
    assert len(daily) == 30 and daily[-1]["date"] == today().isoformat()
    assert daily[-1]["sent"] == 3 and daily[-1]["delivered"] == 3
    assert all(d["sent"] == 0 for d in daily[:-1])
    spent = charges_total(api, owner.access, owner.account_id)
    assert Decimal(str(ov["spend"])) == spent
    assert Decimal(str(daily[-1]["spend"])) == spent
    wallet = assert_ok(api("GET", "/wallet", token=owner.access))
    dash = o["dashboard"]
    assert Decimal(str(dash["wallet_balance"])) == Decimal(str(wallet["balance"]))
    assert dash["contacts"] >= 1
    assert dash["open_conversations"] == 0 and dash["campaigns_running"] == 0
    assert o["currency"] == wallet["currency"]


def put_message_rollup(srv, account, day, status, n, direction="outbound", channel="sms",
                       segments=None):
    u.run_sql(srv, "INSERT INTO message_rollups (account_id, day, direction, channel, status, "
                   "gateway_id, messages, segments) VALUES ('%s', %d, '%s', '%s', '%s', '', %d, "
                   "%d)" % (account, day, direction, channel, status, n,
                            n if segments is None else segments))


def put_ledger_rollup(srv, account, currency, day, channel, amount_micros, type_="charge"):
    # As the schema splits it: whole units toward zero and the micro-units left.
    units = -(-amount_micros // 1_000_000) if amount_micros < 0 else amount_micros // 1_000_000
    u.run_sql(srv, "INSERT INTO ledger_rollups (account_id, day, currency, type, channel, "
                   "country, actor_id, entries, units, micros) VALUES ('%s', %d, '%s', '%s', "
                   "'%s', 'TZ', '', 1, %d, %d)" % (account, day, currency, type_, channel, units,
                                amount_micros - units * 1_000_000))


def test_hand_built_days_fold_into_range_week_month_and_channels(server, api, owner):
    acc = owner.account_id
    currency = assert_ok(api("GET", "/wallet", token=owner.access))["currency"]
    t = day_number(today())
    put_message_rollup(server, acc, t - 3, "delivered", 10, segments=20)
    put_message_rollup(server, acc, t - 3, "undelivered", 5)
    put_message_rollup(server, acc, t - 3, "sent", 2)
    put_message_rollup(server, acc, t - 3, "received", 4, direction="inbound")
    put_message_rollup(server, acc, t - 10, "read", 6, channel="whatsapp")
    put_message_rollup(server, acc, t - 10, "failed", 2, channel="whatsapp")
    put_message_rollup(server, acc, t - 10, "sent", 7, channel="email")
    put_message_rollup(server, acc, t - 45, "delivered", 100)
    put_ledger_rollup(server, acc, currency, t - 3, "sms", -1_500_000)
    put_ledger_rollup(server, acc, currency, t - 3, "sms", 250_000, type_="refund")
    put_ledger_rollup(server, acc, currency, t - 10, "whatsapp", -3_000_000)
    put_ledger_rollup(server, acc, currency, t - 45, "sms", -99_000_000)
    put_ledger_rollup(server, acc, currency, t - 3, "", 50_000_000, type_="topup")

    o = overview(api, owner.access)
    ov = o["overview"]
    assert ov["total_sent"] == 10 + 5 + 2 + 6 + 2 + 7
    assert ov["total_received"] == 4
    # delivered 10 + read 6 + mail sent 7; undelivered 5 + failed 2; sent 2 pending
    assert abs(ov["delivery_rate"] - 23 / 30) < 1e-9
    assert Decimal(str(ov["spend"])) == Decimal("4.25")
    assert o["messages_by_status"] == {"delivered": 10, "undelivered": 5, "sent": 9,
                                       "received": 4, "read": 6, "failed": 2}
    sms, wa, mail = o["by_channel"]["sms"], o["by_channel"]["whatsapp"], o["by_channel"]["email"]
    assert (sms["sent"], sms["received"], sms["delivered"], sms["undelivered"], sms["pending"],
            sms["segments"]) == (17, 4, 10, 5, 2, 27)
    assert Decimal(str(sms["spend"])) == Decimal("1.25")
    assert (wa["sent"], wa["delivered"], wa["undelivered"]) == (8, 6, 2)
    assert Decimal(str(wa["spend"])) == Decimal("3")
    assert (mail["sent"], mail["delivered"], mail["delivery_rate"]) == (7, 7, 1.0)
    by_date = {d["date"]: d for d in o["daily_activity"]}
    three = by_date[(today() - datetime.timedelta(days=3)).isoformat()]
    assert (three["sent"], three["received"], three["delivered"]) == (17, 4, 10)
    assert Decimal(str(three["spend"])) == Decimal("1.25")
    monday = today() - datetime.timedelta(days=today().weekday())
    in_week = lambda back: today() - datetime.timedelta(days=back) >= monday  # noqa: E731
    assert ov["sent_this_week"] == (17 if in_week(3) else 0) + (15 if in_week(10) else 0)
    first = today().replace(day=1)
    in_month = lambda back: today() - datetime.timedelta(days=back) >= first  # noqa: E731
    assert ov["sent_this_month"] == (17 if in_month(3) else 0) + (15 if in_month(10) else 0)
    assert ov["sent_today"] == 0

    longer = overview(api, owner.access, days=60)
    assert longer["overview"]["total_sent"] == 132 and len(longer["daily_activity"]) == 60
    assert Decimal(str(longer["overview"]["spend"])) == Decimal("103.25")
    week = overview(api, owner.access, days=7)
    assert week["overview"]["total_sent"] == 17 and len(week["daily_activity"]) == 7

    only_wa = overview(api, owner.access, channel="whatsapp")
    assert only_wa["channel"] == "whatsapp"
    assert only_wa["overview"]["total_sent"] == 8 and list(only_wa["by_channel"]) == ["whatsapp"]
    assert Decimal(str(only_wa["overview"]["spend"])) == Decimal("3")
    assert only_wa["messages_by_status"] == {"read": 6, "failed": 2}


def test_bad_parameters_name_their_field(api, owner):
    for days in ("0", "367", "abc", "-1", "1000", ""):
        assert_validation(api("GET", "/analytics/overview?days=" + days, token=owner.access),
                          "days")
    assert_validation(api("GET", "/analytics/overview?channel=fax", token=owner.access),
                      "channel")
    assert overview(api, owner.access, days=366)["days"] == 366
    assert overview(api, owner.access, days=1)["daily_activity"][0]["date"] == \
        today().isoformat()


def test_api_keys_need_the_analytics_scope(api, owner):
    narrow = u.create_api_key(api, owner.access, scopes=["messages:read"])
    u.assert_error(api("GET", "/analytics/overview", apikey=narrow["key"]), 403)
    for scopes in (["analytics:read"], ["read_only"]):
        key = u.create_api_key(api, owner.access, scopes=scopes)
        assert overview(api, apikey=key["key"])["days"] == 30
    u.assert_unauthenticated(api("GET", "/analytics/overview"))


def test_an_account_sees_only_its_own_figures(server, api, owner, register):
    other = register()
    put_message_rollup(server, other.account_id, day_number(today()), "delivered", 42)
    mine = overview(api, owner.access)
    assert mine["overview"]["total_sent"] == 0 and mine["messages_by_status"] == {}
    theirs = overview(api, other.access)
    assert theirs["overview"]["total_sent"] == 42
    # An account id in the query changes nothing.
    again = assert_ok(api("GET", u.with_query("/analytics/overview", account_id=other.account_id),
                          token=owner.access, ignored_query=True))
    assert again["overview"]["total_sent"] == 0


# ---------------------------------------------------------------- the API request log

def api_logs(api, token=None, apikey=None, **params):
    return u.assert_list(api("GET", u.with_query("/analytics/api-logs", **params), token=token,
                             apikey=apikey))


def test_each_request_is_logged_with_its_route_template_caller_status_and_latency(api, owner):
    me = api("GET", "/auth/me", token=owner.access)
    assert_ok(me)
    missing = "00000000-0000-7000-8000-00000000abcd"
    u.assert_not_found(api("GET", "/messages/%s" % missing, token=owner.access))
    key = u.create_api_key(api, owner.access, scopes=["messages:read", "analytics:read"])
    assert_ok(api("GET", "/messages", apikey=key["key"]))
    lines = api_logs(api, owner.access)["results"]
    by_route = {(l["method"], l["route"]): l for l in lines}
    mine = by_route[("GET", "/api/v1/auth/me")]
    assert mine["status"] == 200 and mine["user_id"] == owner.user["id"]
    assert mine["account_id"] == owner.account_id and mine["api_key_id"] is None
    assert mine["ip"] == "127.0.0.1" and mine["duration_ms"] >= 0
    assert mine["request_id"] == me.headers["x-request-id"]
    assert mine["created_at"].startswith(today().isoformat()[:4])
    gone = by_route[("GET", "/api/v1/messages/{id}")]
    assert gone["status"] == 404
    assert all(missing not in str(l) for l in lines)  # a template, never the path
    keyed = by_route[("GET", "/api/v1/messages")]
    assert keyed["api_key_id"] == key["id"] and keyed["user_id"] == owner.user["id"]
    # Newest first.
    stamps = [l["created_at"] for l in lines]
    assert stamps == sorted(stamps, reverse=True)
    # An API key reads it with analytics:read.
    assert api_logs(api, apikey=key["key"])["count"] >= 3


def test_no_body_query_or_credential_reaches_the_log(api, owner):
    secret = "s3cr3t" + uuid.uuid4().hex
    api("GET", "/messages?search=%s&token=%s" % (secret, secret), token=owner.access,
        ignored_query=True)
    api("POST", "/contacts", json={"first_name": secret, "phone_e164": u.tz_phone(),
                                   "notes": secret}, token=owner.access)
    api("POST", "/auth/password/change", json={"current_password": secret,
                                               "new_password": secret + "-new"},
        token=owner.access)
    resp = api("GET", "/analytics/api-logs?page_size=100", token=owner.access)
    data = assert_ok(resp)
    text = resp.raw.decode("utf-8")
    assert secret not in text and owner.access not in text
    routes = {l["route"] for l in data["results"]}
    assert {"/api/v1/contacts", "/api/v1/messages", "/api/v1/auth/password/change"} <= routes


def test_filters_by_status_method_route_caller_and_their_bad_values(api, owner):
    key = u.create_api_key(api, owner.access, scopes=["messages:read"])
    api("GET", "/messages/00000000-0000-7000-8000-00000000abcd", token=owner.access)
    api("GET", "/analytics/overview?days=0", token=owner.access)
    assert_ok(api("GET", "/messages", apikey=key["key"]))
    assert {l["status"] for l in api_logs(api, owner.access, status="404")["results"]} == {404}
    assert {l["status"] // 100 for l in api_logs(api, owner.access, status="4xx")["results"]} \
        == {4}
    assert api_logs(api, owner.access, status="4xx")["count"] >= 2
    posts = api_logs(api, owner.access, method="POST")["results"]
    assert posts and {l["method"] for l in posts} == {"POST"}
    routed = api_logs(api, owner.access, route="/api/v1/analytics/overview")["results"]
    assert routed and {l["route"] for l in routed} == {"/api/v1/analytics/overview"}
    keyed = api_logs(api, owner.access, api_key_id=key["id"])["results"]
    assert len(keyed) == 1 and keyed[0]["route"] == "/api/v1/messages"
    assert api_logs(api, owner.access, user_id=owner.user["id"])["count"] >= 4
    for field, value in (("status", "44"), ("status", "6xx"), ("status", "abc"),
                         ("method", "FETCH"), ("route", "messages"), ("user_id", "nope"),
                         ("api_key_id", "1"), ("date_from", "yesterday"),
                         ("account_id", "x")):
        assert_validation(api("GET", u.with_query("/analytics/api-logs", **{field: value}),
                              token=owner.access), field)


def test_pages_by_cursor_without_gaps_or_repeats(api, owner):
    for _ in range(5):
        assert_ok(api("GET", "/auth/me", token=owner.access))
    seen, cursor = [], None
    while True:
        params = {"page_size": 2, "route": "/api/v1/auth/me"}
        if cursor:
            params["cursor"] = cursor
        data = api_logs(api, owner.access, **params)
        seen.extend(l["id"] for l in data["results"])
        cursor = data.get("next_cursor")
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 5


def test_only_owners_and_admins_read_their_own_accounts_lines(api, admin, owner, register):
    assert_ok(api("GET", "/auth/me", token=owner.access))
    agent = u.member(api, owner, role="agent")
    u.assert_error(api("GET", "/analytics/api-logs", token=agent.access), 403)
    other = register()
    theirs = api_logs(api, other.access, page_size=100)["results"]
    assert all(l["account_id"] == other.account_id for l in theirs)
    # Another account's id in the query changes nothing for a tenant.
    again = api_logs(api, other.access, account_id=owner.account_id, page_size=100)["results"]
    assert all(l["account_id"] == other.account_id for l in again)
    # The platform admin reads any account's.
    seen = api_logs(api, admin.access, account_id=owner.account_id, page_size=100)["results"]
    assert seen and all(l["account_id"] == owner.account_id for l in seen)


psrv, papi, padmin = u.module_server({"UJUMBE_REQUEST_LOG_DAYS": "1",
                                      "UJUMBE_REQUEST_LOG_PRUNE_S": "1"}, "request-log-prune", "p")
nsrv, napi, nadmin = u.module_server({"UJUMBE_REQUEST_LOG_DAYS": "0"}, "request-log-off", "n")


def test_lines_past_their_days_are_pruned(psrv, papi, padmin):
    assert_ok(papi("GET", "/auth/me", token=padmin.access))
    old_us = int(time.time() * 1_000_000) - 2 * DAY_US
    u.run_sql(psrv, "INSERT INTO api_requests (id, account_id, user_id, api_key_id, method, "
                    "route, status, duration_us, ip, request_id, created_at) VALUES "
                    "('old-line', '%s', '%s', NULL, 'GET', '/api/v1/auth/me', 200, 5, "
                    "'127.0.0.1', 'r-old', %d)" % (padmin.account_id, padmin.user["id"], old_us))
    deadline = time.monotonic() + 15
    while True:
        ids = [l["id"] for l in api_logs(papi, padmin.access, page_size=100)["results"]]
        if "old-line" not in ids:
            break
        assert time.monotonic() < deadline, "the old line was not pruned"
        time.sleep(0.2)
    assert ids, "recent lines are kept"


def test_with_no_days_nothing_is_recorded(napi, nadmin):
    for _ in range(3):
        assert_ok(napi("GET", "/auth/me", token=nadmin.access))
    assert api_logs(napi, nadmin.access)["count"] == 0


# ---------------------------------------------------------------- usage

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def usage(api, token=None, apikey=None, **params):
    return assert_ok(api("GET", u.with_query("/usage", **params), token=token, apikey=apikey))


def test_usage_per_user_day_and_channel_with_cost_requests_and_media(api, owner):
    agent = u.member(api, owner, role="agent", name="Baraka")
    key = u.create_api_key(api, owner.access, scopes=["messages:send"])
    ids = [assert_ok(api("POST", "/messages", json={"to": u.tz_phone(), "body": "Habari"},
                         token=owner.access), 201)["id"] for _ in range(2)]
    ids.append(assert_ok(api("POST", "/messages", json={"to": u.tz_phone(), "body": "x" * 200},
                             apikey=key["key"]), 201)["id"])
    ids.append(assert_ok(api("POST", "/messages", json={"to": u.tz_phone(), "body": "Jambo"},
                             token=agent.access), 201)["id"])
    u.wait_final(api, owner.access, ids)
    body, ctype = u.multipart_body(files=[("file", "menu.png", PNG, "image/png")])
    assert_ok(api("POST", "/media", token=owner.access, raw_body=body, content_type=ctype), 201)

    by_user = usage(api, owner.access, group_by="user")
    assert by_user["group_by"] == "user"
    rows = {r["user_id"]: r for r in by_user["results"]}
    mine, theirs = rows[owner.user["id"]], rows[agent.user["id"]]
    assert (mine["messages"], mine["segments"]) == (3, 4)  # 200 GSM characters: 2 segments
    assert (theirs["messages"], theirs["segments"]) == (1, 1)
    assert mine["name"] == owner.user["name"] and theirs["email"] == agent.user["email"]
    assert mine["media_bytes"] == len(PNG) and theirs["media_bytes"] == 0
    assert mine["api_requests"] >= 6 and theirs["api_requests"] == 1  # its one send
    spent = charges_total(api, owner.access, owner.account_id)
    assert sum(Decimal(str(r["cost"])) for r in by_user["results"]) == spent
    assert Decimal(str(by_user["total"]["cost"])) == spent
    assert by_user["total"]["messages"] == 4

    by_day = usage(api, owner.access)
    assert by_day["group_by"] == "day" and len(by_day["results"]) == 30
    last = by_day["results"][-1]
    assert last["date"] == today().isoformat() and last["messages"] == 4
    assert last["media_bytes"] == len(PNG) and last["api_requests"] >= 8
    assert all(r["messages"] == 0 for r in by_day["results"][:-1])

    by_channel = usage(api, owner.access, group_by="channel")
    assert [r["channel"] for r in by_channel["results"]] == ["sms"]
    sms = by_channel["results"][0]
    assert sms["messages"] == 4 and sms["api_requests"] is None and sms["media_bytes"] is None
    assert Decimal(str(sms["cost"])) == spent

    one_day = usage(api, owner.access, date_from=today().isoformat(),
                    date_to=today().isoformat())
    assert len(one_day["results"]) == 1 and one_day["total"]["messages"] == 4
    before = (today() - datetime.timedelta(days=3)).isoformat()
    assert usage(api, owner.access, date_from=before, date_to=before)["total"]["messages"] == 0


def test_usage_exports_csv(api, owner):
    assert_ok(api("POST", "/messages", json={"to": u.tz_phone(), "body": "Habari"},
                  token=owner.access), 201)
    resp = api("GET", "/usage?group_by=user&format=csv", token=owner.access)
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/csv")
    assert "usage-user.csv" in resp.headers["content-disposition"]
    rows = u.csv_dicts(resp.raw.decode("utf-8"))
    assert list(rows[0]) == ["user_id", "name", "email", "messages", "segments", "cost",
                             "api_requests", "media_bytes"]
    assert [r for r in rows if r["user_id"] == owner.user["id"] and r["messages"] == "1"]
    by_day = u.csv_dicts(api("GET", "/usage?format=csv", token=owner.access).raw.decode())
    assert len(by_day) == 30 and by_day[-1]["date"] == today().isoformat()
    empty = api("GET", "/usage?group_by=channel&format=csv&date_from=2025-01-01&date_to="
                       "2025-01-02", token=owner.access).raw.decode().splitlines()
    assert empty == ["channel,messages,segments,cost,api_requests,media_bytes"]


def test_usage_refuses_bad_ranges_and_callers(api, owner, register):
    for params, field in ((dict(group_by="week"), "group_by"),
                          (dict(date_from="yesterday"), "date_from"),
                          (dict(date_to="2026-13-01"), "date_to"),
                          (dict(date_from="2026-12-05T00:00:00Z"), "date_from"),
                          (dict(date_from="2024-01-01", date_to="2025-06-01"), "date_from"),
                          (dict(date_from="2026-12-05", date_to="2026-12-01"), "date_to"),
                          (dict(format="pdf"), "format")):
        assert_validation(api("GET", u.with_query("/usage", **params), token=owner.access),
                          field)
    agent = u.member(api, owner, role="agent")
    u.assert_error(api("GET", "/usage", token=agent.access), 403)
    narrow = u.create_api_key(api, owner.access, scopes=["messages:read"])
    u.assert_error(api("GET", "/usage", apikey=narrow["key"]), 403)
    assert_ok(api("POST", "/messages", json={"to": u.tz_phone(), "body": "Habari"},
                  token=owner.access), 201)
    other = register()
    assert usage(api, other.access)["total"]["messages"] == 0
    mine = assert_ok(api("GET", u.with_query("/usage", account_id=other.account_id),
                         token=owner.access, ignored_query=True))
    assert mine["total"]["messages"] == 1
