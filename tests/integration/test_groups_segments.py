"""Groups (static lists of contacts) and segments (saved rules)."""

import calendar
import time
import uuid

import pytest

from ujumbe_it import (assert_done, assert_error, assert_list, assert_ok, assert_validation,
                       count_of, create_contact, is_timestamp, is_uuid7, list_all, tz_phone,
                       unique_email, with_query)

GROUP_FIELDS = ("id", "name", "description", "contact_count", "created_at", "updated_at")
SEGMENT_FIELDS = ("id", "name", "description", "rules", "contact_count", "counted_at",
                  "created_at", "updated_at")


def _ids(results):
    return {c["id"] for c in results}


def _create_group(api, token, name=None, description=None):
    body = {"name": name or "Group %s" % uuid.uuid4().hex[:8]}
    if description is not None:
        body["description"] = description
    return assert_ok(api("POST", "/groups", json=body, token=token), 201)


def _get_group(api, token, group_id):
    return assert_ok(api("GET", "/groups/%s" % group_id, token=token))


def _add(api, token, group_id, ids):
    return assert_ok(api("POST", "/groups/%s/contacts" % group_id, json={"contact_ids": ids},
                         token=token))


def _members(api, token, group_id, **params):
    return list_all(api, token, "/groups/%s/contacts" % group_id, **params)


def _create_segment(api, token, rules, name=None, description=None):
    body = {"name": name or "Segment %s" % uuid.uuid4().hex[:8], "rules": rules}
    if description is not None:
        body["description"] = description
    return assert_ok(api("POST", "/segments", json=body, token=token), 201)


def _preview(api, token, rules):
    return assert_ok(api("POST", "/segments/preview", json={"rules": rules}, token=token))


# ================================================================ groups

def test_group_crud(api, owner):
    token = owner.access
    group = _create_group(api, token, name="Customers", description="Paying customers")
    for field in GROUP_FIELDS:
        assert field in group, (field, group)
    assert is_uuid7(group["id"]) and group["name"] == "Customers"
    assert group["description"] == "Paying customers" and group["contact_count"] == 0
    assert is_timestamp(group["created_at"]) and is_timestamp(group["updated_at"])
    assert _get_group(api, token, group["id"]) == group
    updated = assert_ok(api("PUT", "/groups/%s" % group["id"],
                            json={"name": "Best customers", "description": "Top"},
                            token=token))
    assert updated["id"] == group["id"] and updated["name"] == "Best customers"
    assert updated["description"] == "Top"
    assert _get_group(api, token, group["id"])["name"] == "Best customers"
    listed = assert_list(api("GET", "/groups", token=token))
    assert listed["count"] == 1 and listed["results"][0]["id"] == group["id"]
    assert_done(api("DELETE", "/groups/%s" % group["id"], token=token))
    assert_error(api("GET", "/groups/%s" % group["id"], token=token), 404, "NOT_FOUND")
    assert assert_list(api("GET", "/groups", token=token))["count"] == 0


def test_group_without_description(api, owner):
    group = _create_group(api, owner.access, name="Plain")
    assert group["description"] in (None, "")


def test_group_list_search_and_pagination(api, owner):
    token = owner.access
    for name in ("Arusha traders", "Dodoma traders", "Mwanza farmers"):
        _create_group(api, token, name=name)
    found = assert_list(api("GET", with_query("/groups", search="TRADERS"), token=token))
    assert found["count"] == 2
    assert {g["name"] for g in found["results"]} == {"Arusha traders", "Dodoma traders"}
    page = assert_list(api("GET", with_query("/groups", page_size=2), token=token))
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "n" * 101}, {"name": 5},
                                  {"name": None}])
def test_group_name_validation(api, owner, body):
    assert_validation(api("POST", "/groups", json=body, token=owner.access), "name")
    assert assert_list(api("GET", "/groups", token=owner.access))["count"] == 0


def test_group_update_validates(api, owner):
    group = _create_group(api, owner.access, name="Valid group")
    for body in ({"name": ""}, {"name": "n" * 101}):
        assert_validation(api("PUT", "/groups/%s" % group["id"], json=body,
                              token=owner.access), "name")
    assert _get_group(api, owner.access, group["id"])["name"] == "Valid group"


def test_group_name_limit_inclusive(api, owner):
    assert _create_group(api, owner.access, name="n" * 100)["name"] == "n" * 100


def test_group_name_conflict(api, owner, register):
    token = owner.access
    first = _create_group(api, token, name="Unique name")
    assert_error(api("POST", "/groups", json={"name": "Unique name"}, token=token), 409,
                 "CONFLICT", "name")
    second = _create_group(api, token, name="Another name")
    resp = api("PUT", "/groups/%s" % second["id"], json={"name": "Unique name"}, token=token)
    assert_error(resp, 409, "CONFLICT", "name")
    assert _get_group(api, token, second["id"])["name"] == "Another name"
    # renaming a group to its own name is no conflict
    assert_ok(api("PUT", "/groups/%s" % first["id"], json={"name": "Unique name"}, token=token))
    # another account may use the name
    other = register()
    _create_group(api, other.access, name="Unique name")
    # a deleted group frees its name
    assert_done(api("DELETE", "/groups/%s" % first["id"], token=token))
    _create_group(api, token, name="Unique name")


def test_unknown_group_is_404(api, owner):
    gid = uuid.uuid4()
    token = owner.access
    for method, path, body in [("GET", "/groups/%s" % gid, None),
                               ("PUT", "/groups/%s" % gid, {"name": "x"}),
                               ("DELETE", "/groups/%s" % gid, None),
                               ("GET", "/groups/%s/contacts" % gid, None),
                               ("POST", "/groups/%s/contacts" % gid, {"contact_ids": []}),
                               ("POST", "/groups/%s/contacts/remove" % gid,
                                {"contact_ids": []})]:
        assert_error(api(method, path, json=body, token=token), 404, "NOT_FOUND")


def test_add_members(api, owner, register):
    token = owner.access
    group = _create_group(api, token)
    c1, c2, c3 = (create_contact(api, token, phone_e164=tz_phone(), name="M%d" % i)
                  for i in range(3))
    deleted = create_contact(api, token, phone_e164=tz_phone())
    assert_ok(api("DELETE", "/contacts/%s" % deleted["id"], token=token))
    other = register()
    foreign = create_contact(api, other.access, phone_e164=tz_phone())
    unknown = str(uuid.uuid4())

    first = _add(api, token, group["id"], [c1["id"], c2["id"]])
    assert count_of(first["added"]) == 2 and count_of(first["already_members"]) == 0
    assert first["not_found"] == []
    second = _add(api, token, group["id"],
                  [c2["id"], c3["id"], deleted["id"], foreign["id"], unknown])
    assert count_of(second["added"]) == 1 and count_of(second["already_members"]) == 1
    assert sorted(second["not_found"]) == sorted([deleted["id"], foreign["id"], unknown])

    assert _get_group(api, token, group["id"])["contact_count"] == 3
    members, count = _members(api, token, group["id"])
    assert count == 3 and _ids(members) == {c1["id"], c2["id"], c3["id"]}
    by_filter, count = list_all(api, token, "/contacts", group_id=group["id"])
    assert count == 3 and _ids(by_filter) == {c1["id"], c2["id"], c3["id"]}
    # the other account's contact is not touched
    assert assert_ok(api("GET", "/contacts/%s" % foreign["id"], token=other.access))["id"] == \
        foreign["id"]


def test_add_same_id_twice_in_one_call(api, owner):
    token = owner.access
    group = _create_group(api, token)
    c = create_contact(api, token, phone_e164=tz_phone())
    _add(api, token, group["id"], [c["id"], c["id"]])
    assert _get_group(api, token, group["id"])["contact_count"] == 1
    assert _members(api, token, group["id"])[1] == 1


def test_remove_members(api, owner):
    token = owner.access
    group = _create_group(api, token)
    c1, c2 = (create_contact(api, token, phone_e164=tz_phone()) for _ in range(2))
    outsider = create_contact(api, token, phone_e164=tz_phone())
    _add(api, token, group["id"], [c1["id"], c2["id"]])
    removed = assert_ok(api("POST", "/groups/%s/contacts/remove" % group["id"],
                            json={"contact_ids": [c1["id"], outsider["id"],
                                                  str(uuid.uuid4())]}, token=token))
    assert count_of(removed["removed"]) == 1
    members, count = _members(api, token, group["id"])
    assert count == 1 and _ids(members) == {c2["id"]}
    assert _get_group(api, token, group["id"])["contact_count"] == 1
    # contacts stay
    assert assert_ok(api("GET", "/contacts/%s" % c1["id"], token=token))["id"] == c1["id"]


def test_contact_count_is_live(api, owner):
    token = owner.access
    group = _create_group(api, token)
    c1, c2 = (create_contact(api, token, phone_e164=tz_phone()) for _ in range(2))
    _add(api, token, group["id"], [c1["id"], c2["id"]])
    assert _get_group(api, token, group["id"])["contact_count"] == 2
    assert_ok(api("DELETE", "/contacts/%s" % c1["id"], token=token))
    assert _get_group(api, token, group["id"])["contact_count"] == 1
    listed = assert_list(api("GET", "/groups", token=token))["results"]
    assert [g["contact_count"] for g in listed if g["id"] == group["id"]] == [1]
    members, count = _members(api, token, group["id"])
    assert count == 1 and _ids(members) == {c2["id"]}
    assert list_all(api, token, "/contacts", group_id=group["id"])[1] == 1


def test_deleting_a_group_keeps_contacts(api, owner):
    token = owner.access
    group = _create_group(api, token)
    c = create_contact(api, token, phone_e164=tz_phone())
    _add(api, token, group["id"], [c["id"]])
    assert_done(api("DELETE", "/groups/%s" % group["id"], token=token))
    assert assert_ok(api("GET", "/contacts/%s" % c["id"], token=token))["id"] == c["id"]
    assert assert_list(api("GET", "/contacts", token=token))["count"] == 1


def test_member_list_takes_contact_filters(api, owner):
    token = owner.access
    group = _create_group(api, token)
    vip = create_contact(api, token, phone_e164=tz_phone(), name="Zawadi", tags=["vip"])
    plain = create_contact(api, token, phone_e164=tz_phone(), name="Abdul", tags=["basic"])
    outsider = create_contact(api, token, phone_e164=tz_phone(), name="Zuhura", tags=["vip"])
    _add(api, token, group["id"], [vip["id"], plain["id"]])
    data = assert_list(api("GET", with_query("/groups/%s/contacts" % group["id"], tag="vip"),
                           token=token))
    assert _ids(data["results"]) == {vip["id"]} and data["count"] == 1
    data = assert_list(api("GET", with_query("/groups/%s/contacts" % group["id"],
                                             search="zaw"), token=token))
    assert _ids(data["results"]) == {vip["id"]} and outsider["id"] != vip["id"]
    ordered = assert_list(api("GET", with_query("/groups/%s/contacts" % group["id"],
                                                ordering="name", page_size=1), token=token))
    assert ordered["count"] == 2 and [c["id"] for c in ordered["results"]] == [plain["id"]]
    data = assert_list(api("GET", with_query("/contacts", group_id=group["id"], tag="vip"),
                           token=token))
    assert _ids(data["results"]) == {vip["id"]}


@pytest.mark.parametrize("body", [{}, {"contact_ids": "abc"}, {"contact_ids": [5]},
                                  {"contact_ids": None}])
def test_bad_contact_ids_are_400(api, owner, body):
    group = _create_group(api, owner.access)
    resp = api("POST", "/groups/%s/contacts" % group["id"], json=body, token=owner.access)
    assert_validation(resp, "contact_ids")


def test_at_most_ten_thousand_ids(api, owner):
    group = _create_group(api, owner.access)
    ids = [str(uuid.uuid4()) for _ in range(10001)]
    resp = api("POST", "/groups/%s/contacts" % group["id"], json={"contact_ids": ids},
               token=owner.access)
    assert_validation(resp, "contact_ids")
    data = _add(api, owner.access, group["id"], ids[:10000])
    assert count_of(data["added"]) == 0 and len(data["not_found"]) == 10000


def test_group_id_filter_of_unknown_group(api, owner):
    create_contact(api, owner.access, phone_e164=tz_phone())
    resp = api("GET", with_query("/contacts", group_id=str(uuid.uuid4())), token=owner.access)
    if resp.status == 200:
        assert assert_list(resp)["count"] == 0
    else:
        assert_error(resp, (400, 404))


# ================================================================ segments

@pytest.fixture
def people(api, owner):
    """Four contacts with varied tags, attributes, consent and activity."""
    token = owner.access
    c1 = create_contact(api, token, name="One", phone_e164=tz_phone(), tags=["vip", "customer"],
                        attributes={"city": "Arusha", "company": "Acme Ltd", "seats": 4,
                                    "vip": True, "score": 2.5},
                        is_active=True)
    c2 = create_contact(api, token, name="Two", phone_e164=tz_phone(), tags=["gold"],
                        attributes={"city": "Dodoma", "company": "Beta ACME", "seats": 10,
                                    "vip": False},
                        is_opted_in=False, is_active=True)
    c3 = create_contact(api, token, name="Three", email=unique_email("three"),
                        tags=["customer"], attributes={"city": "Moshi", "company": "Gamma"},
                        is_active=False)
    c4 = create_contact(api, token, name="Four", phone_e164=tz_phone(), is_opted_in=False,
                        is_active=True)
    gone = create_contact(api, token, name="Gone", phone_e164=tz_phone(), tags=["vip", "gold"],
                          attributes={"city": "Arusha", "vip": True})
    for c in (c1, c3, gone):
        assert_ok(api("POST", "/contacts/%s/opt-in" % c["id"], json={}, token=token))
    assert_ok(api("DELETE", "/contacts/%s" % gone["id"], token=token))
    return owner, {"c1": c1["id"], "c2": c2["id"], "c3": c3["id"], "c4": c4["id"]}


RULE_CASES = [
    ({}, {"c1", "c2", "c3", "c4"}),
    ({"tags_any": ["vip", "gold"]}, {"c1", "c2"}),
    ({"tags_all": ["customer"]}, {"c1", "c3"}),
    ({"tags_all": ["vip", "customer"]}, {"c1"}),
    ({"tags_all": ["vip", "gold"]}, set()),
    ({"tags_any": ["customer", "gold"], "tags_all": ["customer"]}, {"c1", "c3"}),
    ({"attributes": [{"key": "city", "op": "equals", "value": "Arusha"}]}, {"c1"}),
    ({"attributes": [{"key": "company", "op": "contains", "value": "acme"}]}, {"c1", "c2"}),
    ({"attributes": [{"key": "company", "op": "contains", "value": "ACME"},
                     {"key": "city", "op": "equals", "value": "Dodoma"}]}, {"c2"}),
    ({"attributes": [{"key": "seats", "op": "equals", "value": "4"}]}, {"c1"}),
    ({"attributes": [{"key": "seats", "op": "equals", "value": "10"}]}, {"c2"}),
    ({"attributes": [{"key": "score", "op": "equals", "value": "2.5"}]}, {"c1"}),
    ({"attributes": [{"key": "vip", "op": "equals", "value": "true"}]}, {"c1"}),
    ({"attributes": [{"key": "vip", "op": "equals", "value": "false"}]}, {"c2"}),
    ({"attributes": [{"key": "nope", "op": "equals", "value": "x"}]}, set()),
    ({"opt_in": "opted_in"}, {"c1", "c3"}),
    ({"opt_in": "opted_out"}, {"c2", "c4"}),
    ({"opt_in": "any"}, {"c1", "c2", "c3", "c4"}),
    ({"is_active": True}, {"c1", "c2", "c4"}),
    ({"is_active": False}, {"c3"}),
    ({"tags_any": ["vip", "gold"], "opt_in": "opted_out"}, {"c2"}),
    ({"created_after": "2000-01-01T00:00:00Z"}, {"c1", "c2", "c3", "c4"}),
    ({"created_before": "2000-01-01T00:00:00Z"}, set()),
    ({"created_after": "2100-01-01T00:00:00Z"}, set()),
    ({"created_after": "2000-01-01T00:00:00Z", "created_before": "2100-01-01T00:00:00Z"},
     {"c1", "c2", "c3", "c4"}),
    ({"last_contacted_after": "2000-01-01T00:00:00Z"}, set()),
]
RULE_IDS = ["empty", "tags_any", "tags_all-one", "tags_all-two",
            "tags_all-none", "tags-both", "attr-equals", "attr-contains", "attr-two",
            "attr-number", "attr-number-10", "attr-float",
            "attr-bool-true", "attr-bool-false", "attr-missing", "opted_in", "opted_out",
            "opt-any", "active", "inactive", "combined", "created_after-past",
            "created_before-past", "created_after-future", "created-window",
            "never-contacted"]


@pytest.mark.parametrize("case", range(len(RULE_CASES)), ids=RULE_IDS)
def test_segment_rules(api, people, case):
    owner, ids = people
    token = owner.access
    rules, expected_keys = RULE_CASES[case]
    expected = {ids[k] for k in expected_keys}
    preview = _preview(api, token, rules)
    assert preview["contact_count"] == len(expected), (rules, preview)
    assert _ids(preview["sample"]) == expected
    segment = _create_segment(api, token, rules)
    assert segment["contact_count"] == len(expected)
    members, count = list_all(api, token, "/segments/%s/contacts" % segment["id"])
    assert count == len(expected) and _ids(members) == expected
    by_filter, count = list_all(api, token, "/contacts", segment_id=segment["id"])
    assert count == len(expected) and _ids(by_filter) == expected


def test_created_after_and_before(api, owner):
    token = owner.access
    early = [create_contact(api, token, phone_e164=tz_phone()) for _ in range(2)]
    latest = max(c["created_at"] for c in early)
    time.sleep(2.1)
    late = create_contact(api, token, phone_e164=tz_phone())
    # one second after the last early contact's (truncated) timestamp
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    cut = time.strftime(fmt, time.gmtime(calendar.timegm(time.strptime(latest, fmt)) + 1))
    after = _preview(api, token, {"created_after": cut})
    assert after["contact_count"] == 1 and _ids(after["sample"]) == {late["id"]}
    before = _preview(api, token, {"created_before": cut})
    assert before["contact_count"] == 2 and _ids(before["sample"]) == {c["id"] for c in early}


def test_segment_crud(api, owner):
    token = owner.access
    create_contact(api, token, phone_e164=tz_phone(), tags=["vip"])
    rules = {"tags_any": ["vip"]}
    segment = _create_segment(api, token, rules, name="VIPs", description="Very important")
    for field in SEGMENT_FIELDS:
        assert field in segment, (field, segment)
    assert is_uuid7(segment["id"]) and segment["name"] == "VIPs"
    assert segment["description"] == "Very important"
    assert segment["rules"]["tags_any"] == ["vip"]
    assert segment["contact_count"] == 1 and is_timestamp(segment["counted_at"])
    got = assert_ok(api("GET", "/segments/%s" % segment["id"], token=token))
    assert got["id"] == segment["id"] and got["rules"]["tags_any"] == ["vip"]
    listed = assert_list(api("GET", "/segments", token=token))
    assert listed["count"] == 1 and listed["results"][0]["id"] == segment["id"]
    updated = assert_ok(api("PUT", "/segments/%s" % segment["id"],
                            json={"name": "Gold", "rules": {"tags_any": ["gold"]}},
                            token=token))
    assert updated["name"] == "Gold" and updated["rules"]["tags_any"] == ["gold"]
    members, count = list_all(api, token, "/segments/%s/contacts" % segment["id"])
    assert count == 0 and members == []
    assert_done(api("DELETE", "/segments/%s" % segment["id"], token=token))
    assert_error(api("GET", "/segments/%s" % segment["id"], token=token), 404, "NOT_FOUND")
    assert assert_list(api("GET", "/segments", token=token))["count"] == 0


def test_update_count_follows_contact_changes(api, owner):
    token = owner.access
    c1 = create_contact(api, token, phone_e164=tz_phone(), tags=["vip"])
    segment = _create_segment(api, token, {"tags_any": ["vip"]})
    assert segment["contact_count"] == 1
    c2 = create_contact(api, token, phone_e164=tz_phone(), tags=["vip"])
    c3 = create_contact(api, token, phone_e164=tz_phone())
    assert_ok(api("PUT", "/contacts/%s" % c3["id"], json={"tags": ["vip", "new"]}, token=token))
    # the live member list already sees them
    members, count = list_all(api, token, "/segments/%s/contacts" % segment["id"])
    assert count == 3 and _ids(members) == {c1["id"], c2["id"], c3["id"]}
    time.sleep(1.1)
    counted = assert_ok(api("POST", "/segments/%s/update-count" % segment["id"], token=token))
    assert counted["id"] == segment["id"] and counted["contact_count"] == 3
    assert is_timestamp(counted["counted_at"])
    assert counted["counted_at"] > segment["counted_at"]
    assert_ok(api("DELETE", "/contacts/%s" % c1["id"], token=token))
    assert_ok(api("PUT", "/contacts/%s" % c2["id"], json={"tags": []}, token=token))
    counted = assert_ok(api("POST", "/segments/%s/update-count" % segment["id"], token=token))
    assert counted["contact_count"] == 1
    assert assert_ok(api("GET", "/segments/%s" % segment["id"],
                         token=token))["contact_count"] == 1
    members, count = list_all(api, token, "/segments/%s/contacts" % segment["id"])
    assert count == 1 and _ids(members) == {c3["id"]}


def test_preview_sample_and_nothing_saved(api, owner):
    token = owner.access
    for i in range(12):
        create_contact(api, token, phone_e164=tz_phone(), tags=["bulk"])
    create_contact(api, token, phone_e164=tz_phone(), tags=["other"])
    preview = _preview(api, token, {"tags_all": ["bulk"]})
    assert preview["contact_count"] == 12 and len(preview["sample"]) == 10
    for c in preview["sample"]:
        assert "bulk" in c["tags"] and "phone_e164" in c
    assert assert_list(api("GET", "/segments", token=token))["count"] == 0


def test_segment_contacts_paginated(api, owner):
    token = owner.access
    for _ in range(3):
        create_contact(api, token, phone_e164=tz_phone(), tags=["p"])
    segment = _create_segment(api, token, {"tags_any": ["p"]})
    page = assert_list(api("GET", with_query("/segments/%s/contacts" % segment["id"],
                                             page_size=2), token=token))
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]


def test_unknown_segment_is_404(api, owner):
    sid = uuid.uuid4()
    token = owner.access
    for method, path, body in [("GET", "/segments/%s" % sid, None),
                               ("PUT", "/segments/%s" % sid, {"name": "x"}),
                               ("DELETE", "/segments/%s" % sid, None),
                               ("POST", "/segments/%s/update-count" % sid, None),
                               ("GET", "/segments/%s/contacts" % sid, None)]:
        assert_error(api(method, path, json=body, token=token), 404, "NOT_FOUND")


BAD_RULES = [
    ({"bogus": 1}, "rules.bogus"),
    ({"tags_any": ["vip"], "colour": "red"}, "rules.colour"),
    ({"attributes": [{"key": "city", "op": "regex", "value": "A.*"}]}, "rules.attributes"),
    ({"attributes": {"city": "Arusha"}}, "rules.attributes"),
    ({"attributes": [{"op": "equals", "value": "x"}]}, "rules.attributes"),
    ({"opt_in": "maybe"}, "rules.opt_in"),
    ({"is_active": "yes"}, "rules.is_active"),
    ({"tags_any": "vip"}, "rules.tags_any"),
    ({"tags_all": [1]}, "rules.tags_all"),
    ({"created_after": "yesterday"}, "rules.created_after"),
    ({"created_before": 5}, "rules.created_before"),
    ({"last_contacted_after": "soon"}, "rules.last_contacted_after"),
]
BAD_RULE_IDS = ["unknown-key", "unknown-key-2", "unknown-op", "attributes-object",
                "attribute-no-key", "opt_in", "is_active", "tags_any-string", "tags_all-number",
                "created_after", "created_before", "last_contacted_after"]


@pytest.mark.parametrize("case", range(len(BAD_RULES)), ids=BAD_RULE_IDS)
def test_invalid_rules_are_400(api, owner, case):
    rules, field = BAD_RULES[case]
    token = owner.access
    assert_validation(api("POST", "/segments", json={"name": "Bad", "rules": rules},
                          token=token), field)
    assert_validation(api("POST", "/segments/preview", json={"rules": rules}, token=token),
                      field)
    good = _create_segment(api, token, {"tags_any": ["x"]})
    assert_validation(api("PUT", "/segments/%s" % good["id"], json={"rules": rules},
                          token=token), field)
    got = assert_ok(api("GET", "/segments/%s" % good["id"], token=token))
    assert got["rules"]["tags_any"] == ["x"]
    assert assert_list(api("GET", "/segments", token=token))["count"] == 1


@pytest.mark.parametrize("body,field", [
    ({"rules": {}}, "name"),
    ({"name": "No rules"}, "rules"),
    ({"name": "Rules list", "rules": []}, "rules"),
])
def test_segment_body_validation(api, owner, body, field):
    assert_validation(api("POST", "/segments", json=body, token=owner.access), field)
    assert assert_list(api("GET", "/segments", token=owner.access))["count"] == 0
