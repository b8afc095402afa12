"""Templates and campaigns (docs/api-campaigns.md): templates with their
placeholders and previews, the opt-out footer, campaigns with seed 001's
fields, recipients resolved from ids, segments and criteria (duplicates,
opted-out, inactive and invalid numbers excluded and counted), dry runs with
costs from the rate card, the state machine and its 409 INVALID_STATUS,
sending through the accept path (personalised, throttled, paused and
resumed, skipped when a recipient opts out before its turn, paused by an
empty wallet and resumed by a top-up), scheduled starts, counts from the
messages, the recipients list and its CSV export, idempotent creation and
tenant isolation.

The module runs its own server: a campaign paused by the server is tried
again every second.
"""

import csv
import datetime
import io
import time
import uuid

import pytest

import ujumbe_it as u
from ujumbe_it import assert_error, assert_list, assert_not_found, assert_ok, assert_validation

WAIT_S = 40.0


csrv, capi, cadmin = u.module_server({"UJUMBE_CAMPAIGN_RETRY_S": "1"}, "campaigns", "c")


@pytest.fixture
def acct(capi):
    return u.register(capi)


_numbers = iter(range(1, 10 ** 6))


def phone(prefix="+255712"):
    return "%s%06d" % (prefix, next(_numbers))


def contact(api, token, number=None, opted_in=True, **fields):
    body = {"phone_e164": number or phone(), "is_opted_in": opted_in}
    body.update(fields)
    return assert_ok(api("POST", "/contacts", json=body, token=token), 201)


def create(api, token, **body):
    body.setdefault("name", "Campaign " + uuid.uuid4().hex[:8])
    if "template" not in body:
        body.setdefault("message_text", "Sale today")
    return assert_ok(api("POST", "/campaigns", json=body, token=token), 201)


def get(api, token, cid):
    return assert_ok(api("GET", "/campaigns/%s" % cid, token=token))


def act(api, token, cid, action, status=200):
    resp = api("POST", "/campaigns/%s/%s" % (cid, action), token=token)
    if status == 200:
        return assert_ok(resp)
    return resp


def wait_for(api, token, cid, predicate, what, timeout=WAIT_S):
    deadline = time.time() + timeout
    while True:
        c = get(api, token, cid)
        if predicate(c):
            return c
        assert time.time() < deadline, "campaign never %s: %s" % (what, c)
        time.sleep(0.2)


def finished(api, token, cid):
    """Waits until the campaign completed and its counts cover every message."""
    return wait_for(api, token, cid,
                    lambda c: c["status"] == "completed" and c["counted_at"] is not None
                    and c["delivered_count"] + c["failed_count"] == c["accepted_count"],
                    "finished")


def recipients(api, token, cid, **params):
    params.setdefault("page_size", 100)
    return assert_ok(api("GET", u.with_query("/campaigns/%s/recipients" % cid, **params),
                         token=token))


def iso_in(seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------

def test_template_crud_and_preview_for_a_contact(capi, acct):
    t = acct.access
    tpl = assert_ok(capi("POST", "/templates", json={
        "name": "welcome", "body": "Hi {{name}} of {{attributes.company}} in "
                                   "{{attributes.city|Dar es Salaam}}"}, token=t), 201)
    assert u.is_uuid7(tpl["id"]) and tpl["name"] == "welcome"
    c = contact(capi, t, name="Asha", attributes={"company": "Acme"})
    p = assert_ok(capi("POST", "/templates/%s/preview" % tpl["id"],
                       json={"contact_id": c["id"]}, token=t))
    assert p["text"] == "Hi Asha of Acme in Dar es Salaam"
    assert p["encoding"] == "gsm7" and p["segments"] == 1
    assert p["variables"] == ["name", "attributes.company", "attributes.city"]
    # A contact without the company: 400 naming the variable.
    bare = contact(capi, t, name="Juma")
    body = assert_error(capi("POST", "/templates/%s/preview" % tpl["id"],
                             json={"contact_id": bare["id"]}, token=t),
                        400, "VALIDATION_ERROR", "template")
    assert "attributes.company" in str(body["errors"])

    listed = assert_list(capi("GET", "/templates?search=welc", token=t))
    assert [x["id"] for x in listed["results"]] == [tpl["id"]]
    changed = assert_ok(capi("PUT", "/templates/%s" % tpl["id"],
                             json={"body": "Habari {{name}}"}, token=t))
    assert changed["body"] == "Habari {{name}}" and changed["name"] == "welcome"
    assert_ok(capi("DELETE", "/templates/%s" % tpl["id"], token=t))
    assert_not_found(capi("GET", "/templates/%s" % tpl["id"], token=t))


@pytest.mark.parametrize("body", ["Hi {{name", "Hi {{}}", "Hi {{first_name}}",
                                  "{{attributes.a b}}"])
def test_malformed_or_unknown_placeholders_are_400_naming_body(capi, acct, body):
    assert_validation(capi("POST", "/templates", json={"name": "x", "body": body},
                           token=acct.access), "body")


def test_template_names_are_unique_per_account_and_required_fields(capi, acct):
    t = acct.access
    assert_ok(capi("POST", "/templates", json={"name": "dup", "body": "x"}, token=t), 201)
    assert_validation(capi("POST", "/templates", json={"name": "dup", "body": "y"}, token=t),
                      "name")
    assert_validation(capi("POST", "/templates", json={"body": "y"}, token=t), "name")
    assert_validation(capi("POST", "/templates", json={"name": "z"}, token=t), "body")
    other = u.register(capi)
    assert_ok(capi("POST", "/templates", json={"name": "dup", "body": "x"},
                   token=other.access), 201)


def test_footer_is_added_and_counted_in_segments(capi, acct):
    t = acct.access
    text = "x" * 150
    p = assert_ok(capi("POST", "/templates/preview", json={"body": text}, token=t))
    assert p["segments"] == 1
    assert assert_ok(capi("GET", "/campaigns/opt-out-footer", token=t))["opt_out_footer"] is None
    assert_ok(capi("PUT", "/campaigns/opt-out-footer",
                   json={"opt_out_footer": "Reply STOP to opt out"}, token=t))
    p = assert_ok(capi("POST", "/templates/preview", json={"body": text}, token=t))
    assert p["text"] == text + "\nReply STOP to opt out" and p["segments"] == 2
    # An agent may not change it.
    agent = u.member(capi, acct, role="agent")
    assert_error(capi("PUT", "/campaigns/opt-out-footer", json={"opt_out_footer": "x"},
                      token=agent.access), 403)
    assert_ok(capi("PUT", "/campaigns/opt-out-footer", json={"opt_out_footer": None}, token=t))


def test_template_in_use_cannot_be_deleted(capi, acct):
    t = acct.access
    tpl = assert_ok(capi("POST", "/templates", json={"name": "promo", "body": "Hi {{name}}"},
                         token=t), 201)
    c = contact(capi, t, name="A")
    k = create(capi, t, template=tpl["id"], target_contact_ids=[c["id"]])
    assert k["template"] == tpl["id"] and k["template_name"] == "promo"
    assert k["message_text"] is None
    assert_error(capi("DELETE", "/templates/%s" % tpl["id"], token=t), 409, "TEMPLATE_IN_USE")
    act(capi, t, k["id"], "cancel")
    assert_ok(capi("DELETE", "/templates/%s" % tpl["id"], token=t))


# --------------------------------------------------------------------------
# Creating, validating, estimating
# --------------------------------------------------------------------------

SEED_FIELDS = {
    "id", "name", "description", "campaign_type", "campaign_type_display", "message_text",
    "template", "status", "status_display", "scheduled_at", "started_at", "completed_at",
    "total_recipients", "sent_count", "delivered_count", "read_count", "failed_count",
    "estimated_cost", "actual_cost", "progress_percentage", "delivery_rate", "read_rate",
    "is_active", "can_edit", "can_start", "can_pause", "can_cancel", "is_recurring",
    "recurring_schedule", "settings", "created_by", "created_by_name", "created_at",
    "updated_at", "target_contact_count", "target_segment_names"}


def test_created_campaign_has_every_field_of_seed_001(capi, acct):
    t = acct.access
    a, b = contact(capi, t), contact(capi, t)
    seg = assert_ok(capi("POST", "/segments", json={"name": "VIP Customers",
                                                    "rules": {"tags_any": ["vip"]}},
                         token=t), 201)
    k = create(capi, t, name="Black Friday Sale", description="Promo",
               target_contact_ids=[a["id"], b["id"]], target_segment_ids=[seg["id"]],
               settings={"send_time": "09:00", "timezone": "Africa/Dar_es_Salaam",
                         "throttle": {"messages_per_second": 50}},
               scheduled_at="2030-01-01T09:00:00Z")
    assert SEED_FIELDS <= set(k), SEED_FIELDS - set(k)
    assert k["status"] == "draft" and k["status_display"] == "Draft"
    assert k["campaign_type"] == "sms" and k["campaign_type_display"] == "SMS"
    assert (k["can_edit"], k["can_start"], k["can_pause"], k["can_cancel"]) == (
        True, True, False, True)
    assert k["is_active"] is False and k["is_recurring"] is False
    assert k["total_recipients"] == 2 and k["target_contact_count"] == 2
    assert k["target_segment_names"] == ["VIP Customers"]
    assert k["scheduled_at"] == "2030-01-01T09:00:00Z"
    assert k["created_by"] == acct.user_id and k["created_by_name"] == acct.user["name"]
    assert k["progress_percentage"] == 0 and k["delivery_rate"] == 0
    assert k["settings"]["timezone"] == "Africa/Dar_es_Salaam"
    assert get(capi, t, k["id"]) == {x: y for x, y in k.items() if x != "explanations"}


@pytest.mark.parametrize("body,field", [
    ({"campaign_type": "email"}, "message_text"),  # mail is sent from an email template
    ({"campaign_type": "whatsapp"}, "whatsapp_template"),
    ({"campaign_type": "mixed", "whatsapp_template": {"name": "x", "language": "en"},
      "message_text": None}, "message_text"),
    ({"whatsapp_template": {"name": "x", "language": "en"}}, "whatsapp_template"),
    ({"campaign_type": "fax"}, "campaign_type"),
    ({"message_text": None}, "message_text"),
    ({"message_text": "Hi {{nme}}"}, "message_text"),
    ({"target_contact_ids": []}, "target_contact_ids"),
    ({"target_contact_ids": ["not-an-id"]}, "target_contact_ids"),
    ({"target_segment_ids": [str(uuid.uuid4())]}, "target_segment_ids"),
    ({"target_criteria": {"colour": "red"}}, "target_criteria.colour"),
    ({"target_criteria": {"opt_in_status": "maybe"}}, "target_criteria.opt_in_status"),
    ({"settings": {"timezone": "Mars/Olympus"}}, "settings.timezone"),
    ({"settings": {"send_time": "25:00"}}, "settings.send_time"),
    ({"settings": {"throttle": {"messages_per_second": 0}}}, "settings.throttle"),
    ({"settings": {"colour": 1}}, "settings.colour"),
    ({"sender_id": "this sender is far too long"}, "sender_id"),
    ({"scheduled_at": "tomorrow"}, "scheduled_at"),
    ({"template": str(uuid.uuid4())}, "template"),
    ({"name": ""}, "name"),
])
def test_bad_campaign_input_is_400_naming_the_field(capi, acct, body, field):
    t = acct.access
    c = contact(capi, t)
    payload = {"name": "x", "message_text": "Hi", "target_contact_ids": [c["id"]]}
    payload.update(body)
    if "template" in body:
        payload.pop("message_text")
    assert_validation(capi("POST", "/campaigns", json=payload, token=t), field)
    assert assert_list(capi("GET", "/campaigns", token=t))["count"] == 0


@pytest.mark.parametrize("field", ["settings", "target_criteria", "recurring_schedule"])
def test_long_unknown_keys_are_not_echoed_whole(capi, acct, field):
    c = contact(capi, acct.access)
    body = {"name": "x", "message_text": "Hi", "target_contact_ids": [c["id"]],
            "settings": {"send_time": "09:00", "timezone": "UTC"}}
    body.setdefault(field, {})
    body[field] = dict(body[field], **{"k" * 5000: 1})
    if field == "recurring_schedule":
        body.update(is_recurring=True, recurring_schedule={"frequency": "daily", "k" * 5000: 1})
    resp = capi("POST", "/campaigns", json=body, token=acct.access)
    assert_error(resp, 400, "VALIDATION_ERROR", field)
    assert len(resp.raw) < 1500, len(resp.raw)


def test_both_text_and_template_is_400(capi, acct):
    t = acct.access
    tpl = assert_ok(capi("POST", "/templates", json={"name": "t", "body": "x"}, token=t), 201)
    c = contact(capi, t)
    assert_validation(capi("POST", "/campaigns", json={
        "name": "x", "message_text": "Hi", "template": tpl["id"],
        "target_contact_ids": [c["id"]]}, token=t), "template")


def test_dry_run_counts_exclusions_against_hand_built_fixtures(capi, acct):
    t = acct.access
    ok1 = contact(capi, t, tags=["vip"])
    ok2 = contact(capi, t, tags=["vip"])
    ok3 = contact(capi, t, tags=["premium"])
    out1 = contact(capi, t, opted_in=False, tags=["vip"])
    out2 = contact(capi, t, opted_in=False)
    inactive = contact(capi, t, is_active=False, tags=["vip"])
    no_phone = assert_ok(capi("POST", "/contacts", json={"email": "%s@ex.com" % uuid.uuid4().hex,
                                                          "is_opted_in": True}, token=t), 201)
    deleted = contact(capi, t)
    assert_ok(capi("DELETE", "/contacts/%s" % deleted["id"], token=t))
    seg = assert_ok(capi("POST", "/segments", json={"name": "vips", "rules": {"tags_any": ["vip"]}},
                         token=t), 201)
    before = assert_list(capi("GET", "/campaigns", token=t))["count"]
    body = {
        "name": "dry", "message_text": "Happy New Year! Use code NEWYEAR30",
        # ok1 twice, ok3 and out2 by id; ok1, ok2, out1, inactive in the segment
        # (ok1 again); ok3 again by criteria.
        "target_contact_ids": [ok1["id"], ok1["id"], ok3["id"], out2["id"], no_phone["id"],
                               deleted["id"]],
        "target_segment_ids": [seg["id"]],
        "target_criteria": {"tags": ["premium"], "opt_in_status": "opted_in"},
    }
    d = assert_ok(capi("POST", "/campaigns?dry_run=true", json=body, token=t))
    assert d["total_recipients"] == 3  # ok1, ok2, ok3
    assert d["explanations"] == [
        "Duplicates removed: 3 contacts",
        "Opted-out contacts excluded: 2 contacts",
        "Invalid numbers excluded: 1 contact",
        "Inactive contacts excluded: 1 contact",
        "Unknown or deleted contacts excluded: 1 contact",
    ]
    assert d["excluded"]["duplicates"] == 3 and d["excluded"]["not_found"] == 1
    assert d["target_segment_names"] == ["vips"]
    assert assert_list(capi("GET", "/campaigns", token=t))["count"] == before  # nothing made


def test_estimated_cost_comes_from_the_rate_card_per_segment(capi, cadmin, acct):
    t = acct.access
    prefix = "+25578%d" % (next(_numbers) % 10)
    line = assert_ok(capi("POST", "/rates", json={"prefix": prefix, "price": "0.02"},
                          token=cadmin.access))
    try:
        a = contact(capi, t, number=phone(prefix), name="Al")
        b = contact(capi, t, number=phone(prefix), name="B" * 160)
        c = contact(capi, t, name="Unpriced")
        d = assert_ok(capi("POST", "/campaigns?dry_run=true", json={
            "name": "cost", "message_text": "Hi {{name}}",
            "target_contact_ids": [a["id"], b["id"], c["id"]]}, token=t))
        # "Hi Al": 1 segment; "Hi BBB...": 2 segments; the third is not priced.
        assert d["total_recipients"] == 3
        assert d["estimated_cost"] == pytest.approx(0.06) and d["currency"] == "USD"
        k = create(capi, t, message_text="Hi {{name}}",
                   target_contact_ids=[a["id"], b["id"], c["id"]])
        assert k["estimated_cost"] == pytest.approx(0.06)
        act(capi, t, k["id"], "start")
        done = finished(capi, t, k["id"])
        assert done["actual_cost"] == pytest.approx(0.06)
        assert done["delivery_rate"] == 100.0 and done["progress_percentage"] == 100
    finally:
        capi("DELETE", "/rates/%s" % line["id"], token=cadmin.access)


def test_idempotent_creation(capi, acct):
    t = acct.access
    c = contact(capi, t)
    body = {"name": "once", "message_text": "Hi", "target_contact_ids": [c["id"]]}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = assert_ok(capi("POST", "/campaigns", json=body, token=t, headers=key), 201)
    again = assert_ok(capi("POST", "/campaigns", json=body, token=t, headers=key), 201)
    assert again["id"] == first["id"]
    assert assert_list(capi("GET", "/campaigns", token=t))["count"] == 1
    assert_error(capi("POST", "/campaigns", json=dict(body, name="other"), token=t,
                      headers=key), 422, "IDEMPOTENCY_KEY_REUSED")


# --------------------------------------------------------------------------
# The state machine
# --------------------------------------------------------------------------

def assert_invalid_status(resp, current, allowed):
    body = assert_error(resp, 409, "INVALID_STATUS")
    assert body["details"]["current_status"] == current
    assert sorted(body["details"]["allowed_statuses"]) == sorted(allowed)


def test_every_refused_transition_is_409_invalid_status(capi, acct):
    t = acct.access
    c = contact(capi, t)
    k = create(capi, t, target_contact_ids=[c["id"]])
    cid = k["id"]
    assert_invalid_status(act(capi, t, cid, "pause", 409), "draft", ["running"])
    assert_invalid_status(act(capi, t, cid, "resume", 409), "draft", ["paused"])
    act(capi, t, cid, "start")
    done = finished(capi, t, cid)
    assert done["status"] == "completed" and done["completed_at"]
    assert (done["can_edit"], done["can_start"], done["can_pause"], done["can_cancel"]) == (
        False, False, False, False)
    body = assert_error(act(capi, t, cid, "start", 409), 409, "INVALID_STATUS")
    assert body["message"] == "Campaign cannot be started"
    assert body["details"] == {"current_status": "completed",
                               "allowed_statuses": ["draft", "scheduled"]}
    assert_invalid_status(act(capi, t, cid, "cancel", 409), "completed",
                          ["draft", "scheduled", "running", "paused"])
    assert_invalid_status(act(capi, t, cid, "schedule", 409), "completed", ["draft"])
    assert_invalid_status(capi("PUT", "/campaigns/%s" % cid, json={"name": "late"}, token=t),
                          "completed", ["draft", "scheduled"])
    assert_ok(capi("DELETE", "/campaigns/%s" % cid, token=t))
    assert_not_found(capi("GET", "/campaigns/%s" % cid, token=t))


def test_pause_resume_and_cancel_of_a_throttled_campaign(capi, acct):
    t = acct.access
    ids = [contact(capi, t)["id"] for _ in range(12)]
    k = create(capi, t, target_contact_ids=ids,
               settings={"throttle": {"messages_per_second": 2}})
    act(capi, t, k["id"], "start")
    running = wait_for(capi, t, k["id"], lambda c: c["processed_count"] >= 2, "sending")
    assert running["status"] == "running" and running["is_active"]
    assert_invalid_status(capi("DELETE", "/campaigns/%s" % k["id"], token=t), "running",
                          ["draft", "completed", "cancelled", "failed"])
    paused = act(capi, t, k["id"], "pause")
    assert paused["status"] == "paused" and paused["paused_at"] and paused["can_resume"]
    time.sleep(1.0)
    held = get(capi, t, k["id"])["processed_count"]
    time.sleep(1.5)
    assert get(capi, t, k["id"])["processed_count"] == held < 12  # nothing while paused
    act(capi, t, k["id"], "resume")
    wait_for(capi, t, k["id"], lambda c: c["processed_count"] > held, "resumed")
    cancelled = act(capi, t, k["id"], "cancel")
    assert cancelled["status"] == "cancelled" and cancelled["completed_at"]
    time.sleep(1.5)
    after = get(capi, t, k["id"])
    assert after["processed_count"] < 12 and after["status"] == "cancelled"
    pending = recipients(capi, t, k["id"], status="pending")
    assert pending["count"] == 12 - after["processed_count"]


def test_edit_only_in_draft_and_scheduled(capi, acct):
    t = acct.access
    a, b = contact(capi, t), contact(capi, t)
    k = create(capi, t, target_contact_ids=[a["id"]])
    edited = assert_ok(capi("PATCH", "/campaigns/%s" % k["id"],
                            json={"name": "Renamed", "target_contact_ids": [a["id"], b["id"]],
                                  "message_text": "New text"}, token=t))
    assert edited["name"] == "Renamed" and edited["total_recipients"] == 2
    assert edited["message_text"] == "New text"
    assert_validation(capi("PUT", "/campaigns/%s" % k["id"], json={"settings": {"x": 1}},
                           token=t), "settings.x")
    assert get(capi, t, k["id"])["name"] == "Renamed"


def test_scheduled_campaign_starts_at_its_time(capi, acct):
    t = acct.access
    c = contact(capi, t)
    k = create(capi, t, target_contact_ids=[c["id"]], scheduled_at=iso_in(-60))
    resp = act(capi, t, k["id"], "schedule", 400)
    assert_validation(resp, "scheduled_at")  # in the past
    assert_ok(capi("PUT", "/campaigns/%s" % k["id"], json={"scheduled_at": iso_in(3)}, token=t))
    s = act(capi, t, k["id"], "schedule")
    assert s["status"] == "scheduled" and s["can_edit"] and s["can_start"] and s["is_active"]
    assert get(capi, t, k["id"])["started_at"] is None
    done = finished(capi, t, k["id"])
    assert done["started_at"] >= s["scheduled_at"]


# --------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------

def test_campaign_sends_personalised_messages_once_each(capi, acct):
    t = acct.access
    people = [contact(capi, t, name="P%d" % i, attributes={"company": "Co%d" % i})
              for i in range(5)]
    missing = contact(capi, t, name="NoCompany")
    tpl = assert_ok(capi("POST", "/templates", json={
        "name": "p", "body": "Hi {{name}} of {{attributes.company}}"}, token=t), 201)
    k = create(capi, t, template=tpl["id"],
               target_contact_ids=[p["id"] for p in people] + [missing["id"]])
    assert "Missing template variables, skipped when sent: 1 contact" in k["explanations"]
    act(capi, t, k["id"], "start")
    done = finished(capi, t, k["id"])
    assert done["total_recipients"] == 6
    assert done["accepted_count"] == 5 and done["skipped_count"] == 1
    assert done["sent_count"] == 5 and done["delivered_count"] == 5
    rows = recipients(capi, t, k["id"])["results"]
    assert [r["seq"] for r in rows] == list(range(6))
    skipped = [r for r in rows if r["status"] == "skipped"]
    assert [(r["contact_id"], r["reason"]) for r in skipped] == [
        (missing["id"], "MISSING_VARIABLE: attributes.company")]
    by_phone = {p["phone_e164"]: p for p in people}
    for r in rows:
        if r["status"] != "accepted":
            continue
        assert r["message_status"] == "delivered"
        m = assert_ok(capi("GET", "/messages/%s" % r["message_id"], token=t))
        p = by_phone[r["phone"]]
        assert m["body"] == "Hi %s of %s" % (p["name"], p["attributes"]["company"])
        assert m["campaign_id"] == k["id"] and m["to"] == r["phone"]
    listed = assert_ok(capi("GET", u.with_query("/messages", campaign_id=k["id"]), token=t))
    assert len(listed["results"]) == 5


def test_recipients_are_frozen_at_start_and_opt_outs_are_skipped(capi, acct):
    t = acct.access
    for _ in range(4):
        contact(capi, t, tags=["frozen"])
    k = create(capi, t, target_criteria={"tags": ["frozen"]},
               settings={"throttle": {"messages_per_second": 1}})
    act(capi, t, k["id"], "start")
    wait_for(capi, t, k["id"], lambda c: c["phase"] == "sending", "expanded")
    # Added after the start: not a recipient. The last one opts out before its turn.
    contact(capi, t, tags=["frozen"])
    rows = recipients(capi, t, k["id"])["results"]
    last = rows[-1]
    assert last["status"] == "pending"
    found = assert_list(capi("GET", u.with_query("/contacts", search=last["phone"]), token=t))
    assert_ok(capi("POST", "/contacts/%s/opt-out" % found["results"][0]["id"], json={},
                   token=t))
    done = wait_for(capi, t, k["id"], lambda c: c["status"] == "completed", "completed")
    assert done["total_recipients"] == 4
    assert done["accepted_count"] == 3 and done["skipped_count"] == 1
    final = recipients(capi, t, k["id"])["results"]
    assert final[-1]["status"] == "skipped" and final[-1]["reason"] == "RECIPIENT_OPTED_OUT"


def test_empty_wallet_pauses_and_a_topup_resumes(capi, cadmin, acct):
    t = acct.access
    prefix = "+25579%d" % (next(_numbers) % 10)
    line = assert_ok(capi("POST", "/rates", json={"prefix": prefix, "price": "3"},
                          token=cadmin.access))
    try:
        ids = [contact(capi, t, number=phone(prefix))["id"] for _ in range(3)]
        k = create(capi, t, target_contact_ids=ids)  # 9.00 against a 5.00 trial credit
        act(capi, t, k["id"], "start")
        paused = wait_for(capi, t, k["id"], lambda c: c["status"] == "paused", "paused")
        assert paused["status_reason"] == "INSUFFICIENT_BALANCE"
        assert paused["accepted_count"] == 0 and paused["can_resume"]
        assert_ok(capi("POST", "/wallet/topups", json={
            "account_id": acct.account_id, "amount": "20", "reference": uuid.uuid4().hex},
            token=cadmin.access), 201)
        done = wait_for(capi, t, k["id"],
                        lambda c: c["status"] == "completed" and c["counted_at"]
                        and c["delivered_count"] == 3, "resumed")
        assert done["status_reason"] is None and done["actual_cost"] == pytest.approx(9.0)
    finally:
        capi("DELETE", "/rates/%s" % line["id"], token=cadmin.access)


def test_recipients_filters_and_csv_export(capi, acct):
    t = acct.access
    ids = [contact(capi, t)["id"] for _ in range(3)]
    k = create(capi, t, target_contact_ids=ids)
    act(capi, t, k["id"], "start")
    finished(capi, t, k["id"])
    rows = recipients(capi, t, k["id"], status="accepted")
    assert rows["count"] == 3
    one = recipients(capi, t, k["id"], phone=rows["results"][1]["phone"])
    assert [r["seq"] for r in one["results"]] == [1]
    assert_validation(capi("GET", "/campaigns/%s/recipients?status=gone" % k["id"], token=t),
                      "status")
    resp = capi("GET", "/campaigns/%s/recipients/export" % k["id"], token=t)
    assert resp.status == 200, u.describe(resp)
    text = resp.raw.decode() if isinstance(resp.raw, bytes) else resp.body
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["seq", "contact_id", "phone", "status", "reason", "message_id",
                        "message_status", "cost", "error_code"]
    assert [r[0] for r in table[1:]] == ["0", "1", "2"]
    assert all(r[6] == "delivered" for r in table[1:])


def test_list_filters_search_ordering_and_pages(capi, acct):
    t = acct.access
    c = contact(capi, t)
    made = [create(capi, t, name="Promo %d" % i, target_contact_ids=[c["id"]])
            for i in range(3)]
    act(capi, t, made[0]["id"], "cancel")
    listed = assert_list(capi("GET", "/campaigns?page_size=2", token=t))
    assert listed["count"] == 3 and len(listed["results"]) == 2 and listed["next"]
    assert listed["results"][0]["id"] == made[2]["id"]  # newest first
    cancelled = assert_list(capi("GET", "/campaigns?status=cancelled", token=t))
    assert [x["id"] for x in cancelled["results"]] == [made[0]["id"]]
    assert assert_list(capi("GET", "/campaigns?type=whatsapp", token=t))["count"] == 0
    by_name = assert_list(capi("GET", "/campaigns?ordering=name&search=promo", token=t))
    assert [x["name"] for x in by_name["results"]] == ["Promo 0", "Promo 1", "Promo 2"]
    for bad in ("status=done", "type=fax", "ordering=cost"):
        assert_validation(capi("GET", "/campaigns?" + bad, token=t), bad.split("=")[0])


# --------------------------------------------------------------------------
# Isolation and scopes
# --------------------------------------------------------------------------

def test_another_account_reaches_nothing(capi, acct):
    t = acct.access
    mine = contact(capi, t)
    tpl = assert_ok(capi("POST", "/templates", json={"name": "mine", "body": "Hi"}, token=t), 201)
    seg = assert_ok(capi("POST", "/segments", json={"name": "s", "rules": {}}, token=t), 201)
    k = create(capi, t, target_contact_ids=[mine["id"]])
    other = u.register(capi)
    o = other.access
    cid = k["id"]
    for method, path, body in [
            ("GET", "/campaigns/%s" % cid, None),
            ("PUT", "/campaigns/%s" % cid, {"name": "x"}),
            ("PATCH", "/campaigns/%s" % cid, {"name": "x"}),
            ("DELETE", "/campaigns/%s" % cid, None),
            ("POST", "/campaigns/%s/start" % cid, None),
            ("POST", "/campaigns/%s/schedule" % cid, None),
            ("POST", "/campaigns/%s/pause" % cid, None),
            ("POST", "/campaigns/%s/resume" % cid, None),
            ("POST", "/campaigns/%s/cancel" % cid, None),
            ("GET", "/campaigns/%s/recipients" % cid, None),
            ("GET", "/campaigns/%s/recipients/export" % cid, None),
            ("GET", "/templates/%s" % tpl["id"], None),
            ("PUT", "/templates/%s" % tpl["id"], {"body": "x"}),
            ("DELETE", "/templates/%s" % tpl["id"], None),
            ("POST", "/templates/%s/preview" % tpl["id"], {})]:
        assert_not_found(capi(method, path, json=body, token=o))
    assert assert_list(capi("GET", "/campaigns", token=o))["count"] == 0
    assert assert_list(capi("GET", "/templates", token=o))["count"] == 0
    # Another account's contacts and segments are not targets.
    theirs = contact(capi, o)
    d = assert_ok(capi("POST", "/campaigns?dry_run=true", json={
        "name": "x", "message_text": "Hi", "target_contact_ids": [mine["id"], theirs["id"]]},
        token=o))
    assert d["total_recipients"] == 1 and d["excluded"]["not_found"] == 1
    assert_validation(capi("POST", "/campaigns", json={
        "name": "x", "message_text": "Hi", "target_segment_ids": [seg["id"]]}, token=o),
        "target_segment_ids")
    assert_validation(capi("POST", "/campaigns", json={
        "name": "x", "template": tpl["id"], "target_contact_ids": [theirs["id"]]}, token=o),
        "template")
    assert_validation(capi("POST", "/templates/preview", json={
        "body": "Hi {{name}}", "contact_id": mine["id"]}, token=o), "contact_id")
    assert get(capi, t, cid)["name"] == k["name"] and get(capi, t, cid)["status"] == "draft"


def test_api_key_scopes(capi, acct):
    t = acct.access
    c = contact(capi, t)
    reader = u.create_api_key(capi, t, scopes=["campaigns:read"])["key"]
    writer = u.create_api_key(capi, t, scopes=["campaigns:write", "campaigns:read"])["key"]
    body = {"name": "k", "message_text": "Hi", "target_contact_ids": [c["id"]]}
    assert_error(capi("POST", "/campaigns", json=body, apikey=reader), 403)
    k = assert_ok(capi("POST", "/campaigns", json=body, apikey=writer), 201)
    assert_ok(capi("GET", "/campaigns/%s" % k["id"], apikey=reader))
    assert_error(capi("POST", "/campaigns/%s/start" % k["id"], apikey=reader), 403)


def test_report_by_time_error_code_and_country(capi, cadmin, acct):
    t = acct.access
    prefix = "+25478%d" % (next(_numbers) % 10)
    with u.failing_gateway(capi, cadmin, prefix, "undelivered"):
        ids = [contact(capi, t)["id"], contact(capi, t)["id"],
               contact(capi, t, number=phone(prefix))["id"]]
        k = create(capi, t, target_contact_ids=ids)
        act(capi, t, k["id"], "start")
        done = finished(capi, t, k["id"])
    assert (done["delivered_count"], done["failed_count"]) == (2, 1)
    assert done["delivery_rate"] == pytest.approx(66.7)
    r = assert_ok(capi("GET", "/campaigns/%s/report" % k["id"], token=t))
    assert r["campaign"]["id"] == k["id"]
    assert r["totals"]["delivered"] == 2 and r["totals"]["failed"] == 1
    hours = r["delivery_over_time"]
    assert sum(h["accepted"] for h in hours) == 3
    assert sum(h["delivered"] for h in hours) == 2 and sum(h["failed"] for h in hours) == 1
    assert all(h["hour"].endswith(":00:00Z") for h in hours)
    countries = {c["country"]: c for c in r["by_country"]}
    assert countries["TZ"]["messages"] == 2 and countries["TZ"]["delivered"] == 2
    assert countries["KE"]["messages"] == 1 and countries["KE"]["failed"] == 1
    assert countries["TZ"]["delivery_rate"] == 100.0
    assert sum(e["count"] for e in r["by_error_code"]) <= 1
    other = u.register(capi)
    assert_not_found(capi("GET", "/campaigns/%s/report" % k["id"], token=other.access))


# --------------------------------------------------------------------------
# Schedules
# --------------------------------------------------------------------------

def _zone_time(zone, seconds_ahead):
    """(HH:MM:SS in `zone` seconds_ahead from now, the UTC instant as ISO)."""
    from zoneinfo import ZoneInfo
    at = (datetime.datetime.now(datetime.timezone.utc)
          + datetime.timedelta(seconds=seconds_ahead)).replace(microsecond=0)
    return at.astimezone(ZoneInfo(zone)).strftime("%H:%M:%S"), at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_send_time_in_a_time_zone_sets_the_scheduled_start(capi, acct):
    t = acct.access
    c = contact(capi, t)
    local, expected = _zone_time("America/New_York", 3600)
    k = create(capi, t, target_contact_ids=[c["id"]],
               settings={"send_time": local, "timezone": "America/New_York"})
    s = act(capi, t, k["id"], "schedule")
    assert s["status"] == "scheduled" and s["scheduled_at"] == expected
    act(capi, t, k["id"], "cancel")


def test_recurring_campaign_starts_a_run_per_occurrence(capi, acct):
    t = acct.access
    first = contact(capi, t, tags=["daily"])
    body = {"target_criteria": {"tags": ["daily"]}, "is_recurring": True,
            "recurring_schedule": {"frequency": "daily"}}
    # A recurring campaign needs a time of day and a zone.
    assert_validation(capi("POST", "/campaigns", json=dict(body, name="r", message_text="x"),
                           token=t), "settings.send_time")
    assert_validation(capi("POST", "/campaigns", json=dict(
        body, name="r", message_text="x", recurring_schedule={"frequency": "hourly"},
        settings={"send_time": "09:00", "timezone": "UTC"}), token=t),
        "recurring_schedule.frequency")
    local, expected = _zone_time("Africa/Dar_es_Salaam", 4)
    k = create(capi, t, settings={"send_time": local, "timezone": "Africa/Dar_es_Salaam"},
               **body)
    assert k["is_recurring"] is True and k["next_run_at"] is None
    resp = act(capi, t, k["id"], "start", 422)
    assert_error(resp, 422, "RECURRING_CAMPAIGN")
    s = act(capi, t, k["id"], "schedule")
    assert s["status"] == "scheduled" and s["next_run_at"] == expected
    # Recipients are resolved per run: a contact added now is in the first run.
    second = contact(capi, t, tags=["daily"])
    deadline = time.time() + WAIT_S
    while True:
        runs = assert_list(capi("GET", "/campaigns/%s/runs" % k["id"], token=t))
        if runs["count"] == 1 and runs["results"][0]["status"] == "completed":
            break
        assert time.time() < deadline, runs
        time.sleep(0.3)
    run = runs["results"][0]
    assert run["parent_id"] == k["id"] and run["is_recurring"] is False
    assert run["scheduled_at"] == expected and run["total_recipients"] == 2
    assert run["name"].startswith(k["name"] + " (")
    phones = {r["phone"] for r in recipients(capi, t, run["id"])["results"]}
    assert phones == {first["phone_e164"], second["phone_e164"]}
    parent = get(capi, t, k["id"])
    assert parent["status"] == "scheduled"
    next_at = datetime.datetime.strptime(parent["next_run_at"], "%Y-%m-%dT%H:%M:%SZ")
    first_at = datetime.datetime.strptime(expected, "%Y-%m-%dT%H:%M:%SZ")
    assert next_at - first_at == datetime.timedelta(days=1)
    # Edited while scheduled: the next run follows the new time of day.
    edited = assert_ok(capi("PATCH", "/campaigns/%s" % k["id"], json={
        "settings": {"send_time": "23:59", "timezone": "Africa/Dar_es_Salaam"}}, token=t))
    assert edited["status"] == "scheduled" and edited["next_run_at"].endswith("T20:59:00Z")
    cancelled = act(capi, t, k["id"], "cancel")
    assert cancelled["status"] == "cancelled"
    other = u.register(capi)
    assert_not_found(capi("GET", "/campaigns/%s/runs" % k["id"], token=other.access))


def test_after_downtime_missed_occurrences_collapse_into_one_run(csrv, capi, acct):
    """The documented catch-up rule (decision 0031): occurrences missed while
    no node ran start one run at the next round, and the next occurrence is
    the first after now; a one-off start missed the same way starts at once.
    Downtime is simulated by moving the stored times three days back."""
    t = acct.access
    tag = "missed-" + uuid.uuid4().hex[:6]
    contact(capi, t, tags=[tag])
    local, expected = _zone_time("Africa/Nairobi", 3 * 3600)
    k = create(capi, t, target_criteria={"tags": [tag]}, is_recurring=True,
               recurring_schedule={"frequency": "daily"},
               settings={"send_time": local, "timezone": "Africa/Nairobi"})
    assert act(capi, t, k["id"], "schedule")["next_run_at"] == expected
    once = create(capi, t, target_criteria={"tags": [tag]},
                  scheduled_at=_zone_time("UTC", 3600)[1])
    assert act(capi, t, once["id"], "schedule")["status"] == "scheduled"
    first = datetime.datetime.strptime(expected, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    missed = first - datetime.timedelta(days=3)
    back = int(missed.timestamp()) * 1_000_000
    u.run_sql(csrv, "UPDATE campaigns SET next_run_at = %d WHERE id = '%s'" % (back, k["id"]))
    u.run_sql(csrv, "UPDATE campaigns SET scheduled_at = %d WHERE id = '%s'" % (back, once["id"]))
    wait_for(capi, t, once["id"], lambda c: c["status"] == "completed", "missed one-off")
    deadline = time.time() + WAIT_S
    while True:
        runs = assert_list(capi("GET", "/campaigns/%s/runs" % k["id"], token=t))
        if runs["count"] >= 1 and runs["results"][0]["status"] == "completed":
            break
        assert time.time() < deadline, runs
        time.sleep(0.3)
    time.sleep(1.5)  # more rounds: still one run
    runs = assert_list(capi("GET", "/campaigns/%s/runs" % k["id"], token=t))
    assert runs["count"] == 1, runs
    assert runs["results"][0]["scheduled_at"] == missed.strftime("%Y-%m-%dT%H:%M:%SZ")
    parent = get(capi, t, k["id"])
    assert parent["status"] == "scheduled" and parent["next_run_at"] == expected, parent


def test_quiet_hours_hold_campaign_messages_until_they_end(capi, acct):
    from zoneinfo import ZoneInfo
    t = acct.access
    assert assert_ok(capi("GET", "/campaigns/quiet-hours", token=t)) == {"start": None,
                                                                        "end": None}
    for bad in ({"start": "25:00", "end": "08:00"}, {"start": "21:00"},
                {"start": "21:00", "end": "21:00"}):
        resp = capi("PUT", "/campaigns/quiet-hours", json=bad, token=t)
        assert_error(resp, 400, "VALIDATION_ERROR")
    agent = u.member(capi, acct, role="agent")
    assert_error(capi("PUT", "/campaigns/quiet-hours", json={"start": "21:00", "end": "08:00"},
                      token=agent.access), 403)
    # Quiet from an hour ago to an hour ahead in Dar es Salaam (the numbers' zone).
    now = datetime.datetime.now(ZoneInfo("Africa/Dar_es_Salaam"))
    start = (now - datetime.timedelta(hours=1)).strftime("%H:%M")
    end_local = now + datetime.timedelta(hours=1)
    end = end_local.strftime("%H:%M")
    assert_ok(capi("PUT", "/campaigns/quiet-hours", json={"start": start, "end": end}, token=t))
    c = contact(capi, t)
    k = create(capi, t, target_contact_ids=[c["id"]])
    act(capi, t, k["id"], "start")
    done = wait_for(capi, t, k["id"], lambda x: x["status"] == "completed", "completed")
    row = recipients(capi, t, k["id"])["results"][0]
    assert row["status"] == "accepted" and row["message_status"] == "scheduled"
    m = assert_ok(capi("GET", "/messages/%s" % row["message_id"], token=t))
    expected = end_local.replace(second=0, microsecond=0).astimezone(datetime.timezone.utc)
    assert m["send_at"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert done["sent_count"] == 0
    # Other sends are not held: a single message goes at once.
    single = assert_ok(capi("POST", "/messages", json={"to": phone(), "body": "hi"}, token=t),
                       201)
    assert single["status"] == "queued"
    assert_ok(capi("PUT", "/campaigns/quiet-hours", json={"start": None, "end": None}, token=t))


def test_account_throttle_spans_its_campaigns():
    """With UJUMBE_CAMPAIGN_ACCOUNT_MPS=2, two campaigns of four recipients
    each share two messages a second: eight messages need four one-second
    windows, so at least three seconds."""
    srv = u.harness().UjumbeServer({"UJUMBE_CAMPAIGN_ACCOUNT_MPS": "2"}, label="campaigns-mps")
    try:
        srv.start()
        api = srv.api
        owner = u.register(api)
        t = owner.access
        made = [create(api, t, target_contact_ids=[contact(api, t)["id"] for _ in range(4)])
                for _ in range(2)]
        started = time.monotonic()
        for k in made:
            act(api, t, k["id"], "start")
        for k in made:
            wait_for(api, t, k["id"], lambda c: c["status"] == "completed", "completed")
        assert time.monotonic() - started >= 2.5
    finally:
        srv.stop()


def test_refunds_come_off_the_actual_cost(capi, cadmin, acct):
    t = acct.access
    prefix = "+25577%d" % (next(_numbers) % 10)
    line = assert_ok(capi("POST", "/rates", json={"prefix": prefix, "price": "0.05"},
                          token=cadmin.access))
    try:
        with u.failing_gateway(capi, cadmin, prefix, "rejected"):
            ids = [contact(capi, t, number=phone(prefix))["id"] for _ in range(2)]
            k = create(capi, t, target_contact_ids=ids)
            act(capi, t, k["id"], "start")
            done = finished(capi, t, k["id"])
        assert done["failed_count"] == 2 and done["accepted_count"] == 2
        assert done["estimated_cost"] == pytest.approx(0.10)
        assert done["actual_cost"] == 0  # charged 0.10, refunded 0.10
    finally:
        capi("DELETE", "/rates/%s" % line["id"], token=cadmin.access)


def test_deeply_nested_targets_are_400(capi, acct):
    c = contact(capi, acct.access)
    deep = "1"
    for _ in range(100000):
        deep = '{"a":' + deep + "}"
    raw = ('{"name":"x","message_text":"Hi","target_contact_ids":["%s"],"target_criteria":%s}'
           % (c["id"], deep)).encode()
    resp = capi("POST", "/campaigns", raw_body=raw, content_type="application/json",
                token=acct.access)
    assert_error(resp, (400, 413))
    assert assert_list(capi("GET", "/campaigns", token=acct.access))["count"] == 0


def test_edge_of_int64_in_settings_and_schedules_is_400(capi, acct):
    c = contact(capi, acct.access)
    base = {"name": "x", "message_text": "Hi", "target_contact_ids": [c["id"]]}
    for extra, field in [
            ({"settings": {"throttle": {"messages_per_second": 2 ** 63}}}, "settings.throttle"),
            ({"settings": {"throttle": {"messages_per_second": 2 ** 63 - 1}}},
             "settings.throttle"),
            ({"is_recurring": True, "recurring_schedule": {"frequency": "monthly",
                                                           "day_of_month": 2 ** 63 - 1},
              "settings": {"send_time": "09:00", "timezone": "UTC"}},
             "recurring_schedule.day_of_month")]:
        assert_validation(capi("POST", "/campaigns", json=dict(base, **extra),
                               token=acct.access), field)


def test_a_campaign_paused_too_long_for_its_wallet_fails():
    srv = u.harness().UjumbeServer({"UJUMBE_CAMPAIGN_RETRY_S": "1",
                                    "UJUMBE_CAMPAIGN_BALANCE_WAIT_S": "2"},
                                   label="campaigns-wallet")
    try:
        srv.start()
        api = srv.api
        admin = u.login(api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
        assert_ok(api("POST", "/rates", json={"prefix": "+2557", "price": "10"},
                      token=admin.access))
        owner = u.register(api)
        t = owner.access
        k = create(api, t, target_contact_ids=[contact(api, t)["id"]])
        act(api, t, k["id"], "start")
        paused = wait_for(api, t, k["id"], lambda c: c["status"] == "paused", "paused")
        assert paused["status_reason"] == "INSUFFICIENT_BALANCE"
        failed = wait_for(api, t, k["id"], lambda c: c["status"] == "failed", "failed")
        assert failed["status_reason"] == "INSUFFICIENT_BALANCE" and failed["completed_at"]
        assert failed["accepted_count"] == 0
    finally:
        srv.stop()
