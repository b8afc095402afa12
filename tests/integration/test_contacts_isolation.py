"""Tenant isolation of contacts, imports, exports, groups and segments.

Account A owns a contact, a group, a segment and an import (with an
errors.csv); account B owns the same kinds of objects.  B, by Bearer token
and by API key, tries every route of the contacts API on A's ids, lists,
searches and exports; every id answers 404, no list shows A's data, and A's
objects are unchanged afterwards.
"""

import types
import uuid
from urllib.parse import quote

import pytest

from ujumbe_it import (assert_error, assert_list, assert_ok, count_of, create_api_key,
                       create_contact, get_contact, get_csv, import_csv, import_errors,
                       list_all, register, unique_email, with_query)

A_PHONE = "+255712900001"
A_PHONE2 = "+255712900002"
A_IMPORTED = "+255712900003"
B_PHONE = "+255712900101"


@pytest.fixture(scope="module")
def world(api):
    a = register(api)
    b = register(api)
    b_key = create_api_key(api, b.access, name="B's key")["key"]
    a_email = unique_email("a-secret")
    ca = create_contact(api, a.access, name="A Secret Person", phone_e164=A_PHONE,
                        email=a_email, tags=["a-only"], attributes={"owner": "A"})
    assert_ok(api("POST", "/contacts/%s/opt-in" % ca["id"], json={"reason": "A's"},
                  token=a.access))
    ca2 = create_contact(api, a.access, name="A Second", phone_e164=A_PHONE2, tags=["a-only"])
    ga = assert_ok(api("POST", "/groups", json={"name": "A secret group"}, token=a.access), 201)
    assert_ok(api("POST", "/groups/%s/contacts" % ga["id"],
                  json={"contact_ids": [ca["id"], ca2["id"]]}, token=a.access))
    sa = assert_ok(api("POST", "/segments", json={"name": "A secret segment",
                                                  "rules": {"tags_any": ["a-only"]}},
                       token=a.access), 201)
    ia = import_csv(api, a.access, "name,phone\nA Imported,%s\nA Broken,12\n" % A_IMPORTED)
    assert ia["created"] == 1 and ia["failed"] == 1, ia
    cb = create_contact(api, b.access, name="B Person", phone_e164=B_PHONE, tags=["b-only"])
    gb = assert_ok(api("POST", "/groups", json={"name": "B group"}, token=b.access), 201)
    sb = assert_ok(api("POST", "/segments", json={"name": "B segment",
                                                  "rules": {"tags_any": ["a-only"]}},
                       token=b.access), 201)
    assert sb["contact_count"] == 0
    w = types.SimpleNamespace(a=a, b=b, b_key=b_key, a_email=a_email, ca=ca, ca2=ca2, ga=ga,
                              sa=sa, ia=ia, cb=cb, gb=gb, sb=sb)
    w.snapshot = _snapshot(api, w)
    return w


def _snapshot(api, w):
    tok = w.a.access
    contact = get_contact(api, tok, w.ca["id"])
    members = list_all(api, tok, "/groups/%s/contacts" % w.ga["id"])[0]
    return {
        "contact": contact,
        "contact2": get_contact(api, tok, w.ca2["id"]),
        "group": assert_ok(api("GET", "/groups/%s" % w.ga["id"], token=tok)),
        "members": sorted(c["id"] for c in members),
        "segment": assert_ok(api("GET", "/segments/%s" % w.sa["id"], token=tok)),
        "import": assert_ok(api("GET", "/contacts/imports/%s" % w.ia["id"], token=tok)),
        "errors": import_errors(api, tok, w.ia["id"]),
        "contacts": sorted(c["id"] for c in list_all(api, tok, "/contacts")[0]),
    }


def _assert_a_untouched(api, w):
    now = _snapshot(api, w)
    for key, before in w.snapshot.items():
        assert now[key] == before, "A's %s changed:\nbefore %r\nafter  %r" % (
            key, before, now[key])
    assert len(now["contacts"]) == 3 and len(now["members"]) == 2


def _attempts(w):
    ca, ga, sa, ia, cb = w.ca["id"], w.ga["id"], w.sa["id"], w.ia["id"], w.cb["id"]
    return [
        ("GET", "/contacts/%s" % ca, None),
        ("PUT", "/contacts/%s" % ca, {"name": "Hijacked", "tags": ["b"], "email": None}),
        ("DELETE", "/contacts/%s" % ca, None),
        ("POST", "/contacts/%s/opt-in" % ca, {"channel": "sms", "reason": "b"}),
        ("POST", "/contacts/%s/opt-out" % ca, {"reason": "b"}),
        ("GET", "/contacts/imports/%s" % ia, None),
        ("GET", "/contacts/imports/%s/errors.csv" % ia, None),
        ("GET", "/groups/%s" % ga, None),
        ("PUT", "/groups/%s" % ga, {"name": "Hijacked", "description": "b"}),
        ("DELETE", "/groups/%s" % ga, None),
        ("GET", "/groups/%s/contacts" % ga, None),
        ("POST", "/groups/%s/contacts" % ga, {"contact_ids": [cb]}),
        ("POST", "/groups/%s/contacts/remove" % ga, {"contact_ids": [ca]}),
        ("GET", "/segments/%s" % sa, None),
        ("PUT", "/segments/%s" % sa, {"name": "Hijacked", "rules": {"tags_any": ["b-only"]}}),
        ("DELETE", "/segments/%s" % sa, None),
        ("POST", "/segments/%s/update-count" % sa, None),
        ("GET", "/segments/%s/contacts" % sa, None),
    ]


ATTEMPT_IDS = ["get-contact", "put-contact", "delete-contact", "opt-in", "opt-out",
               "get-import", "import-errors", "get-group", "put-group", "delete-group",
               "group-members", "group-add", "group-remove", "get-segment", "put-segment",
               "delete-segment", "segment-update-count", "segment-contacts"]


@pytest.mark.parametrize("index", range(len(ATTEMPT_IDS)), ids=ATTEMPT_IDS)
def test_other_account_ids_are_404_by_bearer(api, world, index):
    method, path, body = _attempts(world)[index]
    assert_error(api(method, path, json=body, token=world.b.access), 404, "NOT_FOUND")
    _assert_a_untouched(api, world)


@pytest.mark.parametrize("index", range(len(ATTEMPT_IDS)), ids=ATTEMPT_IDS)
def test_other_account_ids_are_404_by_api_key(api, world, index):
    method, path, body = _attempts(world)[index]
    assert_error(api(method, path, json=body, apikey=world.b_key), 404, "NOT_FOUND")
    _assert_a_untouched(api, world)


def _no_a_data(results, w):
    a_ids = {w.ca["id"], w.ca2["id"], w.ga["id"], w.sa["id"], w.ia["id"]}
    for r in results:
        assert r["id"] not in a_ids, r
        for field in ("phone_e164", "email", "name"):
            value = r.get(field)
            assert value not in (A_PHONE, A_PHONE2, A_IMPORTED, w.a_email), r
            assert not (isinstance(value, str) and value.startswith("A ")), r


@pytest.mark.parametrize("path", [
    "/contacts", "/contacts?search=A%20Secret", "/contacts?search=" + quote(A_PHONE[1:]),
    "/contacts?search=a-secret", "/contacts?tag=a-only", "/contacts?ordering=name",
    "/groups", "/groups?search=secret", "/segments", "/contacts/imports",
], ids=["contacts", "search-name", "search-phone", "search-email", "tag", "ordered", "groups",
        "groups-search", "segments", "imports"])
def test_lists_show_only_own_objects(api, world, path):
    for auth in ({"token": world.b.access}, {"apikey": world.b_key}):
        data = assert_list(api("GET", path, **auth))
        _no_a_data(data["results"], world)
        if "search" in path or "tag=" in path:
            assert data["count"] == 0 and data["results"] == []
    _assert_a_untouched(api, world)


def test_own_lists_are_complete(api, world):
    contacts = assert_list(api("GET", "/contacts", token=world.b.access))
    assert [c["id"] for c in contacts["results"]] == [world.cb["id"]]
    groups = assert_list(api("GET", "/groups", token=world.b.access))
    assert [g["id"] for g in groups["results"]] == [world.gb["id"]]
    segments = assert_list(api("GET", "/segments", token=world.b.access))
    assert [s["id"] for s in segments["results"]] == [world.sb["id"]]
    imports = assert_list(api("GET", "/contacts/imports", token=world.b.access))
    assert imports["count"] == 0 and imports["results"] == []


@pytest.mark.parametrize("query", ["", "?tag=a-only", "?search=secret",
                                   "?search=" + quote(A_PHONE)])
def test_export_shows_only_own_contacts(api, world, query):
    for auth in ({"token": world.b.access, "apikey": None},
                 {"token": None, "apikey": world.b_key}):
        text = get_csv(api, auth["token"], "/contacts/export" + query, apikey=auth["apikey"])
        for secret in (world.ca["id"], world.ca2["id"], A_PHONE, A_PHONE2, A_IMPORTED,
                       world.a_email, "A Secret", "a-only"):
            if secret == "a-only" and "tag=a-only" in query:
                continue
            assert secret not in text, (secret, text)
        if query == "":
            assert world.cb["id"] in text
    _assert_a_untouched(api, world)


@pytest.mark.parametrize("param,which", [("group_id", "ga"), ("segment_id", "sa")])
@pytest.mark.parametrize("route", ["/contacts", "/contacts/export"])
def test_filters_with_another_accounts_ids(api, world, route, param, which):
    path = with_query(route, **{param: getattr(world, which)["id"]})
    resp = api("GET", path, token=world.b.access, headers={"Accept": "text/csv"})
    if resp.status == 200:
        text = resp.raw.decode("utf-8", "replace")
        for secret in (world.ca["id"], world.ca2["id"], A_PHONE, A_PHONE2, world.a_email):
            assert secret not in text, (secret, text)
    else:
        assert_error(resp, (400, 404))
    _assert_a_untouched(api, world)


def test_adding_a_foreign_contact_to_own_group_is_not_found(api, world):
    tok = world.b.access
    path = "/groups/%s/contacts" % world.gb["id"]
    added = assert_ok(api("POST", path, json={"contact_ids": [world.ca["id"], world.cb["id"]]},
                          token=tok))
    assert added["not_found"] == [world.ca["id"]]
    assert count_of(added["added"]) + count_of(added["already_members"]) == 1
    members = list_all(api, tok, path)[0]
    assert [c["id"] for c in members] == [world.cb["id"]]
    assert assert_ok(api("GET", "/groups/%s" % world.gb["id"], token=tok))["contact_count"] == 1
    removed = assert_ok(api("POST", path + "/remove",
                            json={"contact_ids": [world.ca["id"], world.ca2["id"]]},
                            token=tok))
    assert count_of(removed["removed"]) == 0
    _assert_a_untouched(api, world)


def test_segments_count_only_own_contacts(api, world):
    tok = world.b.access
    rules = {"tags_any": ["a-only", "b-only"]}
    preview = assert_ok(api("POST", "/segments/preview", json={"rules": rules}, token=tok))
    assert preview["contact_count"] == 1
    assert [c["id"] for c in preview["sample"]] == [world.cb["id"]]
    counted = assert_ok(api("POST", "/segments/%s/update-count" % world.sb["id"], token=tok))
    assert counted["contact_count"] == 0
    members = list_all(api, tok, "/segments/%s/contacts" % world.sb["id"])[0]
    assert members == []
    _assert_a_untouched(api, world)


def test_same_phone_in_another_account_creates_its_own_contact(api, world):
    c = register(api)
    made = create_contact(api, c.access, phone_e164=A_PHONE, email=world.a_email,
                          name="C's copy", tags=["c"])
    assert made["upserted"] is False and made["id"] != world.ca["id"]
    assert made["tags"] == ["c"] and made["attributes"] == {}
    _assert_a_untouched(api, world)


def test_import_in_another_account_never_touches_a(api, world):
    c = register(api)
    body = "name,phone,email\nC Row,%s,\nC Mail,,%s\n" % (A_PHONE, world.a_email)
    done = import_csv(api, c.access, body)
    assert done["created"] == 2 and done["updated"] == 0, done
    ids = {x["id"] for x in list_all(api, c.access, "/contacts")[0]}
    assert world.ca["id"] not in ids and len(ids) == 2
    _assert_a_untouched(api, world)


def test_unknown_ids_answer_like_foreign_ones(api, world):
    # a foreign id and a made-up id are indistinguishable
    for template, obj in (("/contacts/%s", world.ca), ("/groups/%s", world.ga),
                          ("/segments/%s", world.sa), ("/contacts/imports/%s", world.ia)):
        foreign = api("GET", template % obj["id"], token=world.b.access)
        unknown = api("GET", template % uuid.uuid4(), token=world.b.access)
        assert_error(foreign, 404, "NOT_FOUND")
        assert_error(unknown, 404, "NOT_FOUND")
