"""The CRM (docs/api-crm.md, decision 0041) over HTTP against the real
binary: orders with line items and exact money sums, numbers that never
collide (50 creates side by side, and on PostgreSQL from two nodes),
payments paying orders, issues, activities with their type-specific
fields, customers linked to contacts with their timeline, leads converted
into a customer and a deal on the account's pipeline, every action and the
transitions it refuses, filters, search, ordering, date ranges and CSV
exports, what agents may change, and another account reaching none of it.
"""

import concurrent.futures
import csv
import datetime
import io
import re
import uuid

import pytest

import ujumbe_it as u
from ujumbe_it import assert_error, assert_list, assert_not_found, assert_ok, assert_validation

YEAR = datetime.datetime.now(datetime.timezone.utc).year


def crm(api, actor, method, path, body=None):
    return api(method, "/crm" + path, json=body, token=actor.access)


def make(api, actor, kind, **body):
    return assert_ok(crm(api, actor, "POST", "/" + kind, body), 201)


def order_body(**extra):
    body = {"title": "Maize flour " + uuid.uuid4().hex[:6], "currency": "KES",
            "items": [{"item_name": "Flour 2kg", "quantity": 3, "unit_price": "120.50"},
                      {"item_name": "Sugar 1kg", "quantity": 2, "unit_price": "0.333333"}]}
    body.update(extra)
    return body


def results(api, actor, path):
    return assert_list(crm(api, actor, "GET", path))["results"]


def test_an_order_sums_its_items_exactly_and_moves_through_its_actions(api, owner):
    customer = make(api, owner, "customers", name="Amina Traders", phone="+255712000001")
    order = make(api, owner, "orders", **order_body(customer=customer["id"], tax_amount="10",
                                                    discount_amount="0.5"))
    assert re.fullmatch(r"ORD-%d-0001" % YEAR, order["order_number"]), order["order_number"]
    assert [i["total_price"] for i in order["items"]] == [361.5, 0.666666]
    assert order["subtotal"] == 362.166666
    assert order["total_amount"] == 371.666666  # + tax - discount, no floating point
    assert order["items_count"] == 2 and order["status"] == "pending"
    assert order["customer_name"] == "Amina Traders" and order["created_by"] == owner.user_id
    assert order["outstanding_amount"] == 371.666666 and order["amount_paid"] == 0
    assert order["order_date"] == datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    # Items are replaced as a whole; a bad one changes nothing.
    bad = crm(api, owner, "PUT", "/orders/%s" % order["id"],
              {"items": [{"item_name": "Rice", "quantity": 1, "unit_price": "1"},
                         {"item_name": "Oil", "quantity": 0, "unit_price": "1"}]})
    assert_validation(bad, "items.1.quantity")
    kept = assert_ok(crm(api, owner, "GET", "/orders/%s" % order["id"]))
    assert [i["item_name"] for i in kept["items"]] == ["Flour 2kg", "Sugar 1kg"]
    changed = assert_ok(crm(api, owner, "PUT", "/orders/%s" % order["id"],
                            {"items": [{"item_name": "Rice", "quantity": 4,
                                        "unit_price": "2.25"}], "status": "confirmed"}))
    assert changed["total_amount"] == 9.0 + 10 - 0.5 and changed["status"] == "confirmed"
    assert changed["order_number"] == order["order_number"]
    # Final statuses only through actions.
    assert_validation(crm(api, owner, "PUT", "/orders/%s" % order["id"], {"status": "completed"}),
                      "status")
    done = assert_ok(crm(api, owner, "POST", "/orders/%s/complete" % order["id"]))
    assert done["status"] == "completed" and u.is_timestamp(done["completed_at"])
    for action in ("complete", "cancel"):
        body = assert_error(crm(api, owner, "POST", "/orders/%s/%s" % (order["id"], action)),
                            409, "INVALID_STATUS")
        assert body["details"]["current_status"] == "completed"
    body = assert_error(crm(api, owner, "PUT", "/orders/%s" % order["id"], {"title": "x"}),
                        409, "INVALID_STATUS")
    assert "pending" in body["details"]["allowed_statuses"]
    other = make(api, owner, "orders", **order_body(order_type="purchase"))
    cancelled = assert_ok(crm(api, owner, "POST", "/orders/%s/cancel" % other["id"],
                              {"reason": "Out of stock"}))
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "Out of stock"
    stats = assert_ok(crm(api, owner, "GET", "/orders/stats"))
    assert stats["total"] == 2
    assert stats["by_status"] == {"completed": 1, "cancelled": 1}
    assert stats["by_order_type"] == {"sales": 1, "purchase": 1}
    assert stats["total_revenue"] == {"KES": 18.5}


def test_order_money_and_items_are_checked(api, owner):
    assert_validation(crm(api, owner, "POST", "/orders", order_body(tax_amount="0.0000001")),
                      "tax_amount")
    for edge in ("9223372036854775807", 9223372036854775807, "9223372036854.775807", -1,
                 "1000000000.000001"):
        assert_validation(crm(api, owner, "POST", "/orders", order_body(tax_amount=edge)),
                          "tax_amount")
    assert_validation(crm(api, owner, "POST", "/orders", order_body(
        items=[{"item_name": "x", "quantity": 1000000, "unit_price": "999999999"}])),
        "items.0.unit_price")
    assert_validation(crm(api, owner, "POST", "/orders", order_body(items="many")), "items")
    assert_validation(crm(api, owner, "POST", "/orders", order_body(items=[{"quantity": 1}])),
                      "items.0.item_name")
    assert_validation(crm(api, owner, "POST", "/orders",
                          order_body(discount_amount="100000")), "discount_amount")
    assert_validation(crm(api, owner, "POST", "/orders", order_body(order_type="barter")),
                      "order_type")
    assert_validation(crm(api, owner, "POST", "/orders", {"items": []}), "title")
    assert_validation(crm(api, owner, "POST", "/orders", order_body(currency="kes")), "currency")
    resp = api("POST", "/crm/orders", raw_body=b'{"title": ', content_type="application/json",
               token=owner.access)
    assert_error(resp, 400, "MALFORMED_JSON")
    assert assert_list(crm(api, owner, "GET", "/orders"))["count"] == 0
    at_most = make(api, owner, "orders", **order_body(
        tax_amount="1000000000", items=[{"item_name": "x", "quantity": 1000000,
                                         "unit_price": "1000"}]))
    assert at_most["total_amount"] == 2000000000


def test_payments_pay_their_order_and_count_by_status_type_and_method(api, owner):
    order = make(api, owner, "orders", **order_body(
        items=[{"item_name": "Cement", "quantity": 10, "unit_price": "15"}]))
    first = make(api, owner, "payments", order=order["id"], amount="100", currency="KES",
                 payment_method="mobile_money", payment_type="incoming",
                 invoice_number="INV-77", transaction_id="QK12AB")
    assert re.fullmatch(r"PAY-%d-0001" % YEAR, first["payment_number"])
    second = make(api, owner, "payments", order=order["id"], amount="50", currency="KES",
                  payment_method="cash")
    paid = assert_ok(crm(api, owner, "POST", "/payments/%s/process" % first["id"]))
    assert paid["status"] == "completed" and paid["processed_by"] == owner.user_id
    assert u.is_timestamp(paid["processed_at"])
    after = assert_ok(crm(api, owner, "GET", "/orders/%s" % order["id"]))
    assert after["amount_paid"] == 100 and after["outstanding_amount"] == 50
    assert_validation(crm(api, owner, "POST", "/payments/%s/mark_failed" % second["id"]), "reason")
    failed = assert_ok(crm(api, owner, "POST", "/payments/%s/mark_failed" % second["id"],
                           {"reason": "Declined by the bank"}))
    assert failed["status"] == "failed" and failed["failure_reason"] == "Declined by the bank"
    body = assert_error(crm(api, owner, "POST", "/payments/%s/process" % second["id"]), 409,
                        "INVALID_STATUS")
    assert body["details"]["current_status"] == "failed"
    assert sorted(body["details"]["allowed_statuses"]) == ["pending", "processing"]
    assert [p["id"] for p in results(api, owner, "/payments?search=inv-77")] == [first["id"]]
    assert [p["id"] for p in results(api, owner, "/payments?search=qk12")] == [first["id"]]
    assert [p["id"] for p in results(api, owner, "/payments?payment_method=cash")] == [second["id"]]
    assert len(results(api, owner, "/payments?order=%s" % order["id"])) == 2
    stats = assert_ok(crm(api, owner, "GET", "/payments/stats"))
    assert stats["by_status"] == {"completed": 1, "failed": 1}
    assert stats["by_payment_method"] == {"cash": 1, "mobile_money": 1}
    assert stats["by_payment_type"] == {"incoming": 2}
    assert stats["total_amount"] == {"KES": 150} and stats["completed_amount"] == {"KES": 100}
    # A deleted completed payment no longer pays the order.
    assert_ok(crm(api, owner, "DELETE", "/payments/%s" % first["id"]))
    assert assert_ok(crm(api, owner, "GET", "/orders/%s" % order["id"]))["amount_paid"] == 0


def test_issues_resolve_and_reopen(api, owner):
    vendor = make(api, owner, "vendors", name="Mombasa Millers", vendor_type="supplier")
    customer = make(api, owner, "customers", name="Baraka Shop")
    order = make(api, owner, "orders", **order_body(customer=customer["id"], vendor=vendor["id"]))
    issue = make(api, owner, "issues", title="Torn bags", order=order["id"], priority="high",
                 category="quality")
    assert re.fullmatch(r"ISS-%d-0001" % YEAR, issue["issue_number"])
    assert issue["customer"] == customer["id"] and issue["vendor_name"] == "Mombasa Millers"
    assert issue["status"] == "open" and issue["priority_display"] == "High"
    resolved = assert_ok(crm(api, owner, "POST", "/issues/%s/resolve" % issue["id"],
                             {"resolution_notes": "Replaced 4 bags"}))
    assert resolved["status"] == "resolved" and resolved["resolved_by"] == owner.user_id
    assert resolved["resolution_notes"] == "Replaced 4 bags"
    assert_error(crm(api, owner, "POST", "/issues/%s/resolve" % issue["id"]), 409,
                 "INVALID_STATUS")
    reopened = assert_ok(crm(api, owner, "POST", "/issues/%s/reopen" % issue["id"]))
    assert reopened["status"] == "open" and reopened["resolved_at"] is None
    assert_error(crm(api, owner, "POST", "/issues/%s/reopen" % issue["id"]), 409,
                 "INVALID_STATUS")
    make(api, owner, "issues", title="Late truck", category="delivery")
    stats = assert_ok(crm(api, owner, "GET", "/issues/stats"))
    assert stats["by_priority"] == {"high": 1, "medium": 1}
    assert stats["by_category"] == {"quality": 1, "delivery": 1}
    assert [i["title"] for i in results(api, owner, "/issues?vendor=%s" % vendor["id"])] == [
        "Torn bags"]
    assert [i["title"] for i in results(api, owner, "/issues?search=truck")] == ["Late truck"]


def test_activities_check_the_fields_of_their_type(api, owner):
    u.set_default_country(api, owner.access, "KE")
    customer = make(api, owner, "customers", name="Wanjiru")
    call = make(api, owner, "activities", activity_type="call", title="Follow up",
                phone_number="0712 345678", call_duration=95, customer=customer["id"])
    assert call["phone_number"] == "+254712345678" and call["status"] == "scheduled"
    assert call["customer_name"] == "Wanjiru"
    assert_validation(crm(api, owner, "POST", "/activities",
                          {"activity_type": "call", "title": "No number"}), "phone_number")
    assert_validation(crm(api, owner, "POST", "/activities",
                          {"activity_type": "call", "title": "x", "phone_number": "+254712345678",
                           "meeting_url": "https://meet.example/x"}), "meeting_url")
    assert_validation(crm(api, owner, "POST", "/activities",
                          {"activity_type": "task", "title": "Invoice"}), "task_due_date")
    assert_validation(crm(api, owner, "POST", "/activities",
                          {"activity_type": "email", "title": "x"}), "email_subject")
    assert_validation(crm(api, owner, "POST", "/activities",
                          {"activity_type": "fax", "title": "x"}), "activity_type")
    contact = u.create_contact(api, owner.access, name="Juma", phone_e164=u.tz_phone())
    meeting = make(api, owner, "activities", activity_type="meeting", title="Site visit",
                   meeting_location="Kariakoo", scheduled_at="2030-01-10T09:00:00Z",
                   attendees=[{"user": owner.user_id}, {"contact": contact["id"]}])
    assert len(meeting["attendees"]) == 2 and meeting["due_at"].startswith("2030-01-10T09:00:00")
    stranger = u.register(api)
    assert_validation(crm(api, owner, "POST", "/activities",
                          {"activity_type": "meeting", "title": "x",
                           "attendees": [{"user": stranger.user_id}]}), "attendees")
    assert_validation(crm(api, owner, "POST", "/activities",
                          {"activity_type": "meeting", "title": "x",
                           "attendees": [{"boss": owner.user_id}]}), "attendees")
    note = make(api, owner, "activities", activity_type="note", title="Prefers mornings",
                is_pinned=True)
    assert note["is_pinned"] is True
    # The customer's name follows a rename.
    assert_ok(crm(api, owner, "PATCH", "/customers/%s" % customer["id"], {"name": "Wanjiru M."}))
    assert assert_ok(crm(api, owner, "GET", "/activities/%s" % call["id"]))[
        "customer_name"] == "Wanjiru M."
    assert [a["id"] for a in results(api, owner, "/activities?search=wanjiru")] == [call["id"]]
    done = assert_ok(crm(api, owner, "POST", "/activities/%s/complete" % call["id"]))
    assert done["status"] == "completed" and u.is_timestamp(done["completed_at"])
    assert_error(crm(api, owner, "POST", "/activities/%s/cancel" % call["id"]), 409,
                 "INVALID_STATUS")
    stats = assert_ok(crm(api, owner, "GET", "/activities/stats"))
    assert stats["by_activity_type"] == {"call": 1, "meeting": 1, "note": 1}
    assert stats["by_status"] == {"completed": 1, "scheduled": 2}


def test_upcoming_and_overdue_activities(api, owner):
    now = datetime.datetime.now(datetime.timezone.utc)

    def at(days):
        return (now + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    late = make(api, owner, "activities", activity_type="task", title="Late",
                task_due_date=at(-2))
    soon = make(api, owner, "activities", activity_type="meeting", title="Soon",
                scheduled_at=at(2))
    later = make(api, owner, "activities", activity_type="meeting", title="Later",
                 scheduled_at=at(20))
    assert [a["id"] for a in results(api, owner, "/activities/upcoming")] == [soon["id"]]
    assert [a["id"] for a in results(api, owner, "/activities/upcoming?days=30")] == [
        soon["id"], later["id"]]
    assert [a["id"] for a in results(api, owner, "/activities/overdue")] == [late["id"]]
    assert_ok(crm(api, owner, "POST", "/activities/%s/complete" % late["id"]))
    assert results(api, owner, "/activities/overdue") == []
    assert_validation(crm(api, owner, "GET", "/activities/upcoming?days=0"), "days")


def test_customers_link_contacts_and_show_a_timeline(api, owner):
    number = u.tz_phone()
    contact = u.create_contact(api, owner.access, name="Neema", phone_e164=number,
                               email="neema@example.com")
    linked = make(api, owner, "customers", name="Neema Ltd", phone=number)
    assert linked["contact"] == contact["id"] and linked["contact_name"] == "Neema"
    made = assert_ok(crm(api, owner, "POST", "/customers/from-contact",
                         {"contact_id": contact["id"]}), 201)
    assert made["name"] == "Neema" and made["email"] == "neema@example.com"
    assert made["contact"] == contact["id"]
    assert_not_found(crm(api, owner, "POST", "/customers/from-contact",
                         {"contact_id": str(uuid.uuid4())}))
    cid = made["id"]
    order = make(api, owner, "orders", **order_body(customer=cid))
    payment = make(api, owner, "payments", customer=cid, amount="5")
    issue = make(api, owner, "issues", title="Wrong size", customer=cid)
    activity = make(api, owner, "activities", activity_type="note", title="VIP", customer=cid)
    make(api, owner, "orders", **order_body())  # another customer's: not on the timeline
    first = assert_ok(crm(api, owner, "GET", "/customers/%s/timeline?page_size=3" % cid))
    assert first["count"] == 4
    assert [(e["kind"], e["id"]) for e in first["results"]] == [
        ("activity", activity["id"]), ("issue", issue["id"]), ("payment", payment["id"])]
    assert first["results"][1]["title"].endswith("Wrong size")
    rest = assert_ok(api("GET", u.api_path_of(first["next"]), token=owner.access))
    assert [(e["kind"], e["id"]) for e in rest["results"]] == [("order", order["id"])]
    assert rest["next"] is None


def test_leads_convert_into_a_customer_and_a_deal_on_the_pipeline(api, owner):
    pipeline = assert_ok(crm(api, owner, "GET", "/pipeline"))["stages"]
    assert [s["key"] for s in pipeline][0] == "prospecting"
    lead = make(api, owner, "leads", name="Kilimo Co-op", company="Kilimo", source="referral",
                estimated_value="25000", currency="TZS", email="info@kilimo.example")
    assert lead["status"] == "new"
    assert_validation(crm(api, owner, "PUT", "/leads/%s" % lead["id"], {"status": "converted"}),
                      "status")
    done = assert_ok(crm(api, owner, "POST", "/leads/%s/convert" % lead["id"],
                         {"deal_title": "Kilimo seed supply"}))
    assert done["lead"]["status"] == "converted"
    assert done["lead"]["converted_customer"] == done["customer"]["id"]
    assert done["lead"]["converted_deal"] == done["deal"]["id"]
    assert done["customer"]["name"] == "Kilimo Co-op"
    assert done["customer"]["customer_type"] == "business"
    deal = done["deal"]
    assert deal["title"] == "Kilimo seed supply" and deal["value"] == 25000
    assert deal["currency"] == "TZS" and deal["stage"] == "prospecting"
    assert deal["probability"] == 10 and deal["customer"] == done["customer"]["id"]
    assert_error(crm(api, owner, "POST", "/leads/%s/convert" % lead["id"]), 409, "INVALID_STATUS")
    # The account's own pipeline; a stage with deals in it stays.
    assert_validation(crm(api, owner, "PUT", "/pipeline", {"stages": [{"key": "won over"}]}),
                      "stages.0.key")
    assert_validation(crm(api, owner, "PUT", "/pipeline", {"stages": [{"key": "demo"}]}),
                      "stages")
    stages = [{"key": "prospecting", "name": "Prospecting", "probability": 5},
              {"key": "demo", "name": "Demo", "probability": 40}]
    assert assert_ok(crm(api, owner, "PUT", "/pipeline", {"stages": stages}))["stages"] == stages
    moved = assert_ok(crm(api, owner, "PATCH", "/deals/%s" % deal["id"], {"stage": "demo"}))
    assert moved["stage"] == "demo"
    assert_validation(crm(api, owner, "PATCH", "/deals/%s" % deal["id"], {"stage": "proposal"}),
                      "stage")
    assert_validation(crm(api, owner, "POST", "/deals/%s/lose" % deal["id"]), "reason")
    lost = assert_ok(crm(api, owner, "POST", "/deals/%s/lose" % deal["id"],
                         {"reason": "Chose a cheaper supplier"}))
    assert lost["status"] == "lost" and lost["probability"] == 0
    assert lost["lost_reason"] == "Chose a cheaper supplier" and u.is_timestamp(lost["closed_at"])
    assert_error(crm(api, owner, "POST", "/deals/%s/win" % deal["id"]), 409, "INVALID_STATUS")
    won = assert_ok(crm(api, owner, "POST", "/deals/%s/reopen" % deal["id"]))
    won = assert_ok(crm(api, owner, "POST", "/deals/%s/win" % won["id"]))
    assert won["status"] == "won" and won["probability"] == 100
    assert assert_ok(crm(api, owner, "GET", "/deals/stats"))["total_value"] == {"TZS": 25000}


def test_fifty_orders_created_at_once_get_fifty_consecutive_numbers(api, owner):
    def create(_):
        return crm(api, owner, "POST", "/orders", order_body())

    with concurrent.futures.ThreadPoolExecutor(max_workers=25) as pool:
        made = [assert_ok(r, 201) for r in pool.map(create, range(50))]
    numbers = sorted(int(o["order_number"].rsplit("-", 1)[1]) for o in made)
    assert numbers == list(range(1, 51))
    # A deleted order's number is not given again.
    last = max(made, key=lambda o: o["order_number"])
    assert_ok(crm(api, owner, "DELETE", "/orders/%s" % last["id"]))
    assert make(api, owner, "orders", **order_body())["order_number"].endswith("-0051")


@pytest.mark.skipif(u.harness()._engine() != "postgres", reason="two nodes share PostgreSQL")
def test_two_nodes_on_one_database_never_give_the_same_number(server, server_factory):
    second = server_factory({"UJUMBE_DATABASE_URL": server.env["UJUMBE_DATABASE_URL"]},
                            label="crm-node2")
    owner = u.register(server.api)
    nodes = [server.api, second.api]

    def create(i):
        return nodes[i % 2]("POST", "/crm/issues", json={"title": "Issue %d" % i},
                            token=owner.access)

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        made = [assert_ok(r, 201) for r in pool.map(create, range(50))]
    numbers = sorted(int(i["issue_number"].rsplit("-", 1)[1]) for i in made)
    assert numbers == list(range(1, 51))


def test_lists_filter_search_order_and_export(api, owner):
    a = make(api, owner, "customers", name="Zawadi Stores", city="Arusha", customer_type="business")
    b = make(api, owner, "customers", name="Baraka", city="Mwanza", company="=HYPERLINK(1)")
    o1 = make(api, owner, "orders", **order_body(customer=a["id"], order_date="2026-03-01",
                                                 title="Flour for Zawadi"))
    o2 = make(api, owner, "orders", **order_body(customer=b["id"], order_date="2026-05-01",
                                                 order_type="service", title="Delivery"))
    ids = lambda path: [r["id"] for r in results(api, owner, path)]  # noqa: E731
    assert ids("/orders?customer=%s" % a["id"]) == [o1["id"]]
    assert ids("/orders?order_type=service") == [o2["id"]]
    assert ids("/orders?order_date_after=2026-04-01") == [o2["id"]]
    assert ids("/orders?order_date_before=2026-04-01") == [o1["id"]]
    assert ids("/orders?search=zawadi") == [o1["id"]]
    assert ids("/orders?search=%s" % o2["order_number"]) == [o2["id"]]
    assert ids("/orders?ordering=order_date") == [o1["id"], o2["id"]]
    assert ids("/orders?ordering=-order_date") == [o2["id"], o1["id"]]
    assert ids("/orders?status=pending&assigned_to=%s" % owner.user_id) == []
    assert ids("/customers?city=Arusha") == [a["id"]]
    assert ids("/customers?ordering=name") == [b["id"], a["id"]]
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    assert len(ids("/customers?created_at_after=%s" % today)) == 2
    assert ids("/customers?created_at_before=2000-01-02") == []
    assert_validation(crm(api, owner, "GET", "/orders?status=lost"), "status")
    assert_validation(crm(api, owner, "GET", "/orders?customer=42"), "customer")
    assert_validation(crm(api, owner, "GET", "/orders?ordering=password"), "ordering")
    assert_validation(crm(api, owner, "GET", "/orders?order_date_after=May"), "order_date_after")
    page = assert_list(crm(api, owner, "GET", "/orders?page_size=1"))
    assert page["count"] == 2 and page["next"]
    resp = crm(api, owner, "GET", "/customers/export?ordering=name")
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.raw.decode())))
    assert sorted(r["name"] for r in rows) == ["Baraka", "Zawadi Stores"]
    baraka = next(r for r in rows if r["name"] == "Baraka")
    assert not baraka["company"].startswith("=")  # a formula is never exported live
    resp = crm(api, owner, "GET", "/orders/export?order_type=service")
    rows = list(csv.DictReader(io.StringIO(resp.raw.decode())))
    assert [r["id"] for r in rows] == [o2["id"]] and rows[0]["customer_name"] == "Baraka"
    assert rows[0]["total_amount"] == format(o2["total_amount"], "f").rstrip("0").rstrip(".")


def test_agents_read_everything_and_change_only_what_is_theirs(api, owner):
    agent = u.member(api, owner, "agent")
    admin = u.member(api, owner, "admin")
    theirs = make(api, owner, "issues", title="Owner's issue")
    assigned = make(api, owner, "issues", title="For the agent", assigned_to=agent.user_id)
    own = make(api, agent, "issues", title="Agent's own")
    assert len(results(api, agent, "/issues")) == 3
    assert_error(crm(api, agent, "PATCH", "/issues/%s" % theirs["id"], {"title": "x"}), 403)
    assert_error(crm(api, agent, "POST", "/issues/%s/resolve" % theirs["id"]), 403)
    assert_error(crm(api, agent, "DELETE", "/issues/%s" % theirs["id"]), 403)
    assert_ok(crm(api, agent, "PATCH", "/issues/%s" % assigned["id"], {"priority": "urgent"}))
    assert_ok(crm(api, agent, "POST", "/issues/%s/resolve" % own["id"]))
    assert_ok(crm(api, agent, "DELETE", "/issues/%s" % own["id"]))
    assert_ok(crm(api, admin, "PATCH", "/issues/%s" % theirs["id"], {"title": "Renamed"}))
    assert_error(crm(api, agent, "PUT", "/pipeline", {"stages": [{"key": "a"}]}), 403)
    # Keys need the CRM scopes.
    key = u.create_api_key(api, owner.access, scopes=["crm:read"])
    assert api("GET", "/crm/issues", apikey=key["key"]).status == 200
    assert_error(api("POST", "/crm/issues", json={"title": "x"}, apikey=key["key"]), 403)
    other = u.create_api_key(api, owner.access, scopes=["contacts:read"])
    assert_error(api("GET", "/crm/issues", apikey=other["key"]), 403)


def test_another_account_reaches_none_of_it(api, owner):
    stranger = u.register(api)
    customer = make(api, owner, "customers", name="Private")
    vendor = make(api, owner, "vendors", name="Private vendor")
    order = make(api, owner, "orders", **order_body(customer=customer["id"]))
    records = {
        "customers": customer, "vendors": vendor, "orders": order,
        "payments": make(api, owner, "payments", order=order["id"], amount="1"),
        "issues": make(api, owner, "issues", title="Private issue"),
        "activities": make(api, owner, "activities", activity_type="note", title="Private"),
        "leads": make(api, owner, "leads", name="Private lead"),
        "deals": make(api, owner, "deals", title="Private deal"),
    }
    for kind, record in records.items():
        path = "/%s/%s" % (kind, record["id"])
        assert_not_found(crm(api, stranger, "GET", path))
        assert_not_found(crm(api, stranger, "PATCH", path, {"notes": "x", "title": "x"}))
        assert_not_found(crm(api, stranger, "DELETE", path))
        assert results(api, stranger, "/" + kind) == []
        assert assert_ok(crm(api, stranger, "GET", "/%s/stats" % kind))["total"] == 0
        resp = crm(api, stranger, "GET", "/%s/export" % kind)
        assert len(resp.raw.decode().strip().splitlines()) == 1
    for kind, action in (("orders", "complete"), ("orders", "cancel"), ("payments", "process"),
                         ("issues", "resolve"), ("activities", "complete"), ("deals", "win"),
                         ("leads", "convert")):
        assert_not_found(crm(api, stranger, "POST", "/%s/%s/%s" % (
            kind, records[kind]["id"], action), {"reason": "x"}))
    assert_not_found(crm(api, stranger, "GET", "/customers/%s/timeline" % customer["id"]))
    make(api, owner, "activities", activity_type="task", title="Private task",
         task_due_date="2000-01-02T00:00:00Z")
    assert len(results(api, owner, "/activities/overdue")) == 1
    assert results(api, stranger, "/activities/overdue") == []
    assert results(api, stranger, "/activities/upcoming?days=365") == []
    assert_ok(crm(api, owner, "PUT", "/pipeline",
                  {"stages": [{"key": "prospecting"}, {"key": "only_mine"}]}))
    assert [s["key"] for s in assert_ok(crm(api, stranger, "GET", "/pipeline"))["stages"]][
        1] == "qualification"
    # References to another account's records or members are refused.
    assert_validation(crm(api, stranger, "POST", "/orders", order_body(customer=customer["id"])),
                      "customer")
    assert_validation(crm(api, stranger, "POST", "/payments",
                          {"order": order["id"], "amount": "1"}), "order")
    assert_validation(crm(api, stranger, "POST", "/issues",
                          {"title": "x", "vendor": vendor["id"]}), "vendor")
    assert_validation(crm(api, stranger, "POST", "/issues",
                          {"title": "x", "assigned_to": owner.user_id}), "assigned_to")
    mine = make(api, stranger, "orders", **order_body())
    assert_validation(crm(api, stranger, "PATCH", "/orders/%s" % mine["id"],
                          {"customer": customer["id"]}), "customer")
    contact = u.create_contact(api, owner.access, phone_e164=u.tz_phone())
    assert_not_found(crm(api, stranger, "POST", "/customers/from-contact",
                         {"contact_id": contact["id"]}))
    # Numbers are per account: the stranger's first order is its 0001.
    assert mine["order_number"].endswith("-0001")
    assert assert_ok(crm(api, owner, "GET", "/orders/%s" % order["id"]))["customer"] == \
        customer["id"]


def template(api, actor, body):
    return assert_ok(api("POST", "/templates", json={"name": "T " + uuid.uuid4().hex[:6],
                                                     "body": body}, token=actor.access), 201)


def messages_to(api, actor, number):
    return assert_list(api("GET", "/messages?to=%s" % number.replace("+", "%2B"),
                           token=actor.access))["results"]


def test_templates_attached_to_events_message_the_customer(api, owner):
    number = u.tz_phone()
    u.create_contact(api, owner.access, name="Halima", phone_e164=number, is_opted_in=True)
    customer = make(api, owner, "customers", name="Halima", phone=number)
    quiet = make(api, owner, "orders", **order_body(customer=customer["id"]))
    assert_ok(crm(api, owner, "POST", "/orders/%s/complete" % quiet["id"]))
    assert messages_to(api, owner, number) == []  # off until a template is attached
    done = template(api, owner, "Hi {{name}}, order {{attributes.order_number}} of "
                                "{{attributes.total_amount}} {{attributes.currency}} is ready.")
    paid = template(api, owner, "We received {{attributes.amount}} for "
                                "{{attributes.order_name|your order}}. Thank you!")
    attached = assert_ok(crm(api, owner, "PUT", "/notifications", {"notifications": [
        {"event": "order.completed", "template": done["id"]},
        {"event": "payment.processed", "template": paid["id"]},
        {"event": "order.cancelled", "template": done["id"], "enabled": False}]}))
    assert len(attached["notifications"]) == 3 and "issue.resolved" in attached["events"]
    order = make(api, owner, "orders", **order_body(customer=customer["id"], items=[
        {"item_name": "Rice", "quantity": 2, "unit_price": "1500"}]))
    assert_ok(crm(api, owner, "POST", "/orders/%s/complete" % order["id"]))
    sent = messages_to(api, owner, number)
    assert [m["body"] for m in sent] == [
        "Hi Halima, order %s of 3000 KES is ready." % order["order_number"]]
    assert sent[0]["client_ref"] == "order.completed:%s" % order["id"]
    payment = make(api, owner, "payments", order=order["id"], amount="3000", currency="KES")
    assert_ok(crm(api, owner, "POST", "/payments/%s/process" % payment["id"]))
    bodies = [m["body"] for m in messages_to(api, owner, number)]
    assert "We received 3000 for %s. Thank you!" % order["order_number"] in bodies
    # A disabled event sends nothing.
    other = make(api, owner, "orders", **order_body(customer=customer["id"]))
    assert_ok(crm(api, owner, "POST", "/orders/%s/cancel" % other["id"]))
    assert len(messages_to(api, owner, number)) == 2
    # The messages are on the customer's timeline, with the records.
    timeline = assert_ok(crm(api, owner, "GET", "/customers/%s/timeline" % customer["id"]))
    kinds = [e["kind"] for e in timeline["results"]]
    assert kinds.count("message") == 2 and kinds.count("order") == 3
    assert timeline["count"] == len(timeline["results"]) == 6
    stamps = [e["at"] for e in timeline["results"]]
    assert stamps == sorted(stamps, reverse=True)
    # A customer linked to a contact is reached at the contact's number.
    reached = u.tz_phone()
    linked = u.create_contact(api, owner.access, name="Linked", phone_e164=reached,
                              is_opted_in=True)
    other = make(api, owner, "customers", name="Linked", phone=u.tz_phone(),
                 contact=linked["id"])
    order = make(api, owner, "orders", **order_body(customer=other["id"]))
    assert_ok(crm(api, owner, "POST", "/orders/%s/complete" % order["id"]))
    assert len(messages_to(api, owner, reached)) == 1
    assert messages_to(api, owner, other["phone"]) == []
    kinds = [e["kind"] for e in assert_ok(crm(
        api, owner, "GET", "/customers/%s/timeline" % other["id"]))["results"]]
    assert sorted(kinds) == ["message", "order"]


def test_event_messages_follow_consent_and_attachments_are_checked(api, owner):
    number = u.tz_phone()
    contact = u.create_contact(api, owner.access, name="Said", phone_e164=number,
                               is_opted_in=True)
    customer = make(api, owner, "customers", name="Said", phone=number)
    t = template(api, owner, "Order {{attributes.order_number}} is done.")
    assert_ok(crm(api, owner, "PUT", "/notifications",
                  {"notifications": [{"event": "order.completed", "template": t["id"]}]}))
    assert_ok(api("POST", "/contacts/%s/opt-out" % contact["id"], json={}, token=owner.access))
    order = make(api, owner, "orders", **order_body(customer=customer["id"]))
    assert assert_ok(crm(api, owner, "POST", "/orders/%s/complete" % order["id"]))[
        "status"] == "completed"  # the event stands
    assert messages_to(api, owner, number) == []  # an opted-out customer gets nothing
    agent = u.member(api, owner, "agent")
    assert_error(crm(api, agent, "PUT", "/notifications", {"notifications": []}), 403)
    assert_validation(crm(api, owner, "PUT", "/notifications", {"notifications": [
        {"event": "order.shipped", "template": t["id"]}]}), "notifications.0.event")
    stranger = u.register(api)
    theirs = template(api, stranger, "Hello")
    assert_validation(crm(api, owner, "PUT", "/notifications", {"notifications": [
        {"event": "order.created", "template": theirs["id"]}]}), "notifications.0.template")
    assert_validation(crm(api, owner, "PUT", "/notifications", {"notifications": [
        {"event": "order.created", "template": t["id"]},
        {"event": "order.created", "template": t["id"]}]}), "notifications.1.event")
    assert assert_ok(crm(api, stranger, "GET", "/notifications"))["notifications"] == []


def test_a_record_still_referenced_is_not_deleted(api, owner):
    customer = make(api, owner, "customers", name="Kept")
    order = make(api, owner, "orders", **order_body(customer=customer["id"]))
    payment = make(api, owner, "payments", order=order["id"], amount="1")
    body = assert_error(crm(api, owner, "DELETE", "/customers/%s" % customer["id"]), 409, "IN_USE")
    assert body["details"]["referenced_by"] == ["orders", "payments"]  # the payment took it too
    assert_error(crm(api, owner, "DELETE", "/orders/%s" % order["id"]), 409, "IN_USE")
    assert_ok(crm(api, owner, "DELETE", "/payments/%s" % payment["id"]))
    assert_ok(crm(api, owner, "DELETE", "/orders/%s" % order["id"]))
    assert_ok(crm(api, owner, "DELETE", "/customers/%s" % customer["id"]))
    assert_not_found(crm(api, owner, "GET", "/customers/%s" % customer["id"]))


def test_a_retried_create_makes_one_record_and_search_takes_text_literally(api, owner):
    headers = {"Idempotency-Key": "order-" + uuid.uuid4().hex}
    first = api("POST", "/crm/orders", json=order_body(), token=owner.access, headers=headers)
    again = api("POST", "/crm/orders", json=order_body(), token=owner.access, headers=headers)
    assert assert_ok(first, 201)["id"]  # the same key with another body: refused
    assert_error(again, 422, "IDEMPOTENCY_KEY_REUSED")
    body = order_body(title="Discount 50% off_all")
    made = assert_ok(api("POST", "/crm/orders", json=body, token=owner.access,
                         headers={"Idempotency-Key": "o2"}), 201)
    replay = assert_ok(api("POST", "/crm/orders", json=body, token=owner.access,
                           headers={"Idempotency-Key": "o2"}), 201)
    assert replay["order_number"] == made["order_number"]
    assert assert_list(crm(api, owner, "GET", "/orders"))["count"] == 2
    assert [o["id"] for o in results(api, owner, "/orders?search=50%25")] == [made["id"]]
    assert [o["id"] for o in results(api, owner, "/orders?search=f_a")] == [made["id"]]
    assert results(api, owner, "/orders?search=%25%25") == []
    assert results(api, owner, "/orders?search=5_%25") == []
    assert results(api, owner, "/orders?search=%5C") == []


def test_edits_keep_statuses_set_and_follow_stages_and_lists_stay_light(api, owner):
    order = make(api, owner, "orders", **order_body())
    assert_validation(crm(api, owner, "PATCH", "/orders/%s" % order["id"], {"status": None}),
                      "status")
    assert_validation(crm(api, owner, "POST", "/orders", order_body(status=None)), "status")
    listed = results(api, owner, "/orders")[0]
    assert "items" not in listed and listed["items_count"] == 2
    deal = make(api, owner, "deals", title="Stage follows")
    assert deal["probability"] == 10
    moved = assert_ok(crm(api, owner, "PATCH", "/deals/%s" % deal["id"], {"stage": "proposal"}))
    assert moved["probability"] == 50
    kept = assert_ok(crm(api, owner, "PATCH", "/deals/%s" % deal["id"],
                         {"stage": "negotiation", "probability": 60}))
    assert kept["probability"] == 60
    customer = make(api, owner, "customers", name="Once")
    make(api, owner, "activities", activity_type="note", title="n", customer=customer["id"])
    header = crm(api, owner, "GET", "/activities/export").raw.decode().splitlines()[0]
    assert header.split(",").count("customer_name") == 1
    lead = make(api, owner, "leads", name="Converted")
    done = assert_ok(crm(api, owner, "POST", "/leads/%s/convert" % lead["id"]))
    assert_ok(crm(api, owner, "DELETE", "/deals/%s" % done["deal"]["id"]))
    after = assert_ok(crm(api, owner, "GET", "/leads/%s" % lead["id"]))
    assert after["converted_deal_name"] is None
