"""Reports (docs/analytics.md, "Reports"): GET /reports/dlr, /reports/usage
and /reports/revenue answer at once; POST /reports/export builds the same
reports as JSON, CSV or PDF in the background, with a status to poll and a
download link. The delivery report counts real sends through real gateways
(one failing) by status, day, gateway, country, operator and error code;
the revenue report's figures are checked against both ledgers (revenue is
what each client paid less what its reseller paid, refunds taken off both,
and the total is the sum of the margins); PDFs are read back with
pdftotext. Bad input names its field; agents, keys without analytics:read
and businesses asking for revenue are refused; another account's exports
are not there.
"""

import datetime
import json
import time
from decimal import Decimal

import pytest

import ujumbe_it as u
from ujumbe_it import assert_ok, assert_validation

FAILING_PREFIX = "255719"
EXPORT_TIMEOUT_S = 30


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def days_ago(n):
    return (today() - datetime.timedelta(days=n)).isoformat()


def failing_number(n):
    return "+%s%06d" % (FAILING_PREFIX, n)


def send(api, token, to):
    return assert_ok(api("POST", "/messages", json={"to": to, "body": "Habari"}, token=token),
                     201)["id"]

def report(api, kind, token=None, apikey=None, **params):
    return assert_ok(api("GET", u.with_query("/reports/%s" % kind, **params), token=token,
                         apikey=apikey))


def rows_by(rows, key):
    return {r[key]: r for r in rows}

def export(api, token, **body):
    """POST /reports/export, then waits for it to finish; returns its final state."""
    queued = assert_ok(api("POST", "/reports/export", json=body, token=token), 202)
    assert queued["status"] in ("queued", "running", "completed"), queued
    deadline = time.monotonic() + EXPORT_TIMEOUT_S
    while True:
        state = assert_ok(api("GET", "/reports/exports/%s" % queued["id"], token=token))
        if state["status"] in ("completed", "failed"):
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.05)


def download(api, token, state):
    assert state["status"] == "completed", state
    path = state["download_url"]
    assert path.startswith("/api/v1/")
    resp = api("GET", path[len("/api/v1"):], token=token)
    assert resp.status == 200, resp
    assert resp.headers["content-type"].startswith(state["content_type"].split(";")[0])
    assert state["filename"] in resp.headers["content-disposition"]
    assert len(resp.raw) == state["size_bytes"]
    return resp


def test_the_delivery_report_counts_by_status_gateway_country_operator_day_and_error(
        api, admin, owner, tmp_path):
    with u.failing_gateway(api, admin, FAILING_PREFIX, "rejected") as gw:
        ids = [send(api, owner.access, u.tz_phone()) for _ in range(3)]
        ids += [send(api, owner.access, failing_number(n)) for n in range(2)]
        u.wait_final(api, owner.access, ids)
        r = report(api, "dlr", owner.access)
        csv = api("GET", "/reports/dlr?format=csv", token=owner.access)
        pdf = api("GET", "/reports/dlr?format=pdf", token=owner.access)
    assert r["report"] == "dlr" and r["date_to"] == today().isoformat()
    assert r["date_from"] == days_ago(29) and r["channel"] is None
    (summary,) = r["summary"]
    assert (summary["messages"], summary["delivered"], summary["undelivered"],
            summary["pending"]) == (5, 3, 2, 0), summary
    assert summary["delivery_rate"] == pytest.approx(0.6)
    by_status = rows_by(r["by_status"], "status")
    assert by_status["delivered"]["messages"] == 3 and by_status["rejected"]["messages"] == 2
    assert {row["country"]: row["messages"] for row in r["by_country"]} == {"TZ": 5}
    assert {row["operator"]: row["messages"] for row in r["by_operator"]} == {"Tigo": 5}
    by_gateway = rows_by(r["by_gateway"], "gateway")
    assert by_gateway[gw["name"]]["messages"] == 2
    assert by_gateway[gw["name"]]["undelivered"] == 2
    assert sum(row["messages"] for row in r["by_gateway"]) == 5
    assert sum(row["messages"] for row in r["by_error_code"]) == 2
    assert len(r["by_day"]) == 30 and r["by_day"][-1]["date"] == today().isoformat()
    assert r["by_day"][-1]["messages"] == 5 and r["by_day"][0]["messages"] == 0
    # the same as the message statistics say
    stats = assert_ok(api("GET", "/messages/stats", token=owner.access))
    assert stats["total"] == 5

    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    rows = u.csv_dicts(csv.raw.decode("utf-8"))
    assert list(rows[0]) == ["table", "key", "messages", "segments", "delivered",
                             "undelivered", "pending", "delivery_rate"]
    assert {(x["table"], x["key"], x["messages"]) for x in rows} >= {
        ("summary", "all", "5"), ("by_status", "delivered", "3"), ("by_operator", "Tigo", "5")}

    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = u.pdf_text(pdf.raw, tmp_path)
    for words in ("Delivery report", "By status", "By operator", "Tigo", "By error code"):
        assert words in text, text
    assert report(api, "dlr", owner.access, channel="email")["summary"][0]["messages"] == 0


def test_reports_refuse_bad_ranges_and_parameters_naming_them(api, owner):
    for kind, params, field in (
            ("dlr", dict(date_from=days_ago(31)), "date_from"),       # 32 days at once
            ("dlr", dict(date_from="yesterday"), "date_from"),
            ("dlr", dict(date_to="2026-13-01"), "date_to"),
            ("dlr", dict(date_from=days_ago(1), date_to=days_ago(2)), "date_to"),
            ("dlr", dict(group_by="day"), "group_by"),
            ("dlr", dict(channel="fax"), "channel"),
            ("dlr", dict(format="docx"), "format"),
            ("usage", dict(group_by="week"), "group_by"),
            ("usage", dict(channel="sms"), "channel"),
            ("usage", dict(date_from="2024-01-01", date_to="2025-06-01"), "date_from")):
        assert_validation(api("GET", u.with_query("/reports/%s" % kind, **params),
                              token=owner.access), field)
    for body, field in (({}, "report"),
                        ({"report": "sales"}, "report"),
                        ({"report": "dlr", "format": "docx"}, "format"),
                        ({"report": "dlr", "date_from": "2026-1-1"}, "date_from"),
                        ({"report": "dlr", "date_from": days_ago(366)}, "date_from"),
                        ({"report": "dlr", "group_by": "user"}, "group_by"),
                        ({"report": "usage", "date_to": 20261205}, "date_to")):
        assert_validation(api("POST", "/reports/export", json=body, token=owner.access), field)
    u.assert_error(api("POST", "/reports/export", raw_body=b"{\"report\": ",
                       content_type="application/json", token=owner.access), 400)
    # dates far outside the calendar the server keeps
    assert_validation(api("GET", "/reports/usage?date_to=9999-12-31", token=owner.access),
                      "date_to")
    assert_validation(api("POST", "/reports/export", json={"report": "dlr",
                                                           "date_from": "0001-01-01"},
                          token=owner.access), "date_from")
    # a year at once is an export, not an answer
    state = export(api, owner.access, report="dlr", date_from=days_ago(365))
    assert state["status"] == "completed" and state["date_from"] == days_ago(365)


def test_exports_run_in_the_background_and_belong_to_their_account(api, owner, register,
                                                                   tmp_path):
    send(api, owner.access, u.tz_phone())
    state = export(api, owner.access, report="usage", format="csv", group_by="user")
    assert state["report"] == "usage" and state["group_by"] == "user"
    assert state["requested_by"] == owner.user["id"] and state["error"] is None
    assert state["finished_at"] and state["expires_at"] > state["finished_at"]
    rows = u.csv_dicts(download(api, owner.access, state).raw.decode("utf-8"))
    assert list(rows[0])[:3] == ["user_id", "name", "email"]
    assert rows[-1]["user_id"] == "Total" and int(rows[-1]["messages"]) >= 1
    mine = [x for x in rows[:-1] if x["user_id"] == owner.user["id"]]
    assert mine and mine[0]["messages"] == rows[-1]["messages"]

    pdf = export(api, owner.access, report="dlr", format="pdf")
    text = u.pdf_text(download(api, owner.access, pdf).raw, tmp_path)
    assert "Delivery report" in text and "All messages" in text
    as_json = export(api, owner.access, report="dlr")
    assert as_json["format"] == "json" and as_json["filename"].endswith(".json")
    document = json.loads(download(api, owner.access, as_json).raw)
    assert document["report"] == "dlr" and document["summary"][0]["messages"] == 1

    listed = u.assert_list(api("GET", "/reports/exports?page_size=2", token=owner.access))
    assert listed["count"] == 3 and [x["id"] for x in listed["results"]] == [
        as_json["id"], pdf["id"]]

    other = register()
    assert u.assert_list(api("GET", "/reports/exports", token=other.access))["count"] == 0
    for method, path in (("GET", "/reports/exports/%s" % pdf["id"]),
                         ("GET", "/reports/exports/%s/download" % pdf["id"]),
                         ("DELETE", "/reports/exports/%s" % pdf["id"])):
        u.assert_not_found(api(method, path, token=other.access))
    assert report(api, "dlr", other.access)["summary"][0]["messages"] == 0
    u.assert_not_found(api("GET", "/reports/exports/not-an-id", token=owner.access))

    assert_ok(api("DELETE", "/reports/exports/%s" % pdf["id"], token=owner.access))
    u.assert_not_found(api("GET", "/reports/exports/%s" % pdf["id"], token=owner.access))
    u.assert_not_found(api("GET", "/reports/exports/%s/download" % pdf["id"],
                           token=owner.access))


def test_agents_narrow_keys_and_businesses_asking_for_revenue_are_refused(api, owner):
    agent = u.member(api, owner, role="agent")
    u.assert_error(api("GET", "/reports/dlr", token=agent.access), 403)
    u.assert_error(api("POST", "/reports/export", json={"report": "dlr"}, token=agent.access),
                   403)
    u.assert_error(api("GET", "/reports/exports", token=agent.access), 403)
    narrow = u.create_api_key(api, owner.access, scopes=["messages:read"])
    u.assert_error(api("GET", "/reports/usage", apikey=narrow["key"]), 403)
    key = u.create_api_key(api, owner.access, scopes=["analytics:read"])
    assert report(api, "usage", apikey=key["key"])["report"] == "usage"
    u.assert_error(api("GET", "/reports/revenue", token=owner.access), 403)
    u.assert_error(api("POST", "/reports/export", json={"report": "revenue"},
                       token=owner.access), 403)
    u.assert_unauthenticated(api("GET", "/reports/dlr"))


def ledger_entries(api, token):
    out, page = [], 1
    while True:
        data = u.assert_list(api("GET", u.with_query("/wallet/transactions", page=page,
                                                     page_size=100), token=token))
        out.extend(data["results"])
        if not data["next"]:
            return out
        page += 1


def paid(entries, **match):
    """What the entries of message charges and refunds took, net."""
    return -sum(Decimal(str(e["amount"])) for e in entries
                if e["type"] in ("charge", "refund") and e.get("message_id")
                and all(e.get(k) == v for k, v in match.items()))


def test_revenue_is_what_each_client_paid_less_what_the_reseller_paid(api, admin, tmp_path):
    r_account, r_owner = u.create_reseller(api, admin)
    assert_ok(api("POST", "/wallet/topups", json={"account_id": r_account["id"], "amount": "10",
                                                  "reference": u.unique_name("top")},
                  token=admin.access), 201)
    clients = []
    for _ in range(2):
        account, body = u.create_child(api, r_owner.access)
        assert_ok(api("POST", "/wallet/topups", json={"account_id": account["id"], "amount": "5",
                                                      "reference": u.unique_name("top")},
                      token=r_owner.access), 201)
        clients.append((account, u.child_owner_login(api, body)))
    (c1, c1_owner), (c2, c2_owner) = clients
    rate = lambda token, **body: assert_ok(api("POST", "/rates", json=body, token=token))
    rate(admin.access, account_id=r_account["id"], prefix="2557", price="0.02")
    rate(r_owner.access, account_id=c1["id"], prefix="2557", price="0.05")
    rate(r_owner.access, account_id=c2["id"], prefix="2557", markup_percent="100")

    with u.failing_gateway(api, admin, FAILING_PREFIX, "rejected"):
        ids1 = [send(api, c1_owner.access, u.tz_phone()) for _ in range(3)]
        ids2 = [send(api, c2_owner.access, u.tz_phone()) for _ in range(2)]
        ids2.append(send(api, c2_owner.access, failing_number(50)))
        u.wait_final(api, c1_owner.access, ids1)
        u.wait_final(api, c2_owner.access, ids2)
    # the failed message's refunds, to the client and to the reseller
    deadline = time.monotonic() + 10
    while len([e for e in ledger_entries(api, r_owner.access) if e["type"] == "refund"]) < 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)

    r = report(api, "revenue", r_owner.access)
    reseller_entries = ledger_entries(api, r_owner.access)
    rows = rows_by(r["clients"], "account_id")
    assert set(rows) == {c1["id"], c2["id"]}
    for account, owner_ in clients:
        row = rows[account["id"]]
        client_paid = paid(ledger_entries(api, owner_.access))
        reseller_paid = paid(reseller_entries, counterparty_id=account["id"])
        assert Decimal(str(row["client_paid"])) == client_paid, row
        assert Decimal(str(row["reseller_paid"])) == reseller_paid, row
        assert Decimal(str(row["revenue"])) == client_paid - reseller_paid, row
        assert row["client"] == account["business_name"]
    assert (rows[c1["id"]]["messages"], Decimal(str(rows[c1["id"]]["revenue"]))) == \
        (3, Decimal("0.09"))
    # 3 charged, one refunded to both: 2 x (0.04 - 0.02)
    assert (rows[c2["id"]]["messages"], Decimal(str(rows[c2["id"]]["revenue"]))) == \
        (3, Decimal("0.04"))
    total = r["totals"]["clients"]
    assert Decimal(str(total["revenue"])) == sum(Decimal(str(x["revenue"]))
                                                 for x in r["clients"]) == Decimal("0.13")
    assert total["messages"] == 6

    csv = export(api, r_owner.access, report="revenue", format="csv")
    rows = u.csv_dicts(download(api, r_owner.access, csv).raw.decode("utf-8"))
    assert rows[-1]["account_id"] == "Total" and Decimal(rows[-1]["revenue"]) == Decimal("0.13")
    pdf = export(api, r_owner.access, report="revenue", format="pdf")
    text = u.pdf_text(download(api, r_owner.access, pdf).raw, tmp_path)
    assert "Revenue report" in text and "Revenue by client" in text
    total_line = [line for line in text.splitlines() if line.strip().startswith("Total")][0]
    assert total_line.split()[-1] == "0.13" and total_line.split()[1] == "6"
    # the reseller's monthly statement says the same of the month
    month = today().strftime("%Y-%m")
    statement = assert_ok(api("GET", "/billing/statements?month=%s" % month,
                              token=r_owner.access))
    assert Decimal(str(statement["revenue"])) == Decimal("0.13")
    statement_pdf = api("GET", "/billing/statements?month=%s&format=pdf" % month,
                        token=r_owner.access)
    text = u.pdf_text(statement_pdf.raw, tmp_path)
    assert "Revenue by client" in text and c1["id"] in text
    revenue_line = [line for line in text.splitlines() if "Total revenue" in line][0]
    assert revenue_line.split()[-1] == "0.13"
    # a client of the reseller is a business: no revenue of its own
    u.assert_error(api("GET", "/reports/revenue", token=c1_owner.access), 403)
