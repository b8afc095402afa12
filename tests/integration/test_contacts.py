"""Contacts: create and upsert, normalisation rules, listing, changes, consent."""

import time
import uuid
from urllib.parse import urlencode

import pytest

from ujumbe_it import (CONTACT_FIELDS, api_path_of, assert_error, assert_list, assert_ok,
                       assert_unauthenticated, assert_validation, create_api_key,
                       create_contact, get_contact, is_timestamp, is_uuid7, member,
                       set_default_country, tz_phone, unique_email, with_query)


def _ids(data):
    return [c["id"] for c in data["results"]]


def _query(path, pairs):
    return path + "?" + urlencode(pairs)


def _contact_count(api, token, **params):
    return assert_list(api("GET", with_query("/contacts", **params), token=token))["count"]


# ---------------------------------------------------------------- create / upsert

def test_create_contact(api, owner):
    phone, email = tz_phone(), unique_email("jane")
    body = {"name": "Jane Smith", "phone_e164": phone, "email": email,
            "attributes": {"company": "Acme", "seats": 4, "vip": True, "ratio": 2.5},
            "tags": ["vip", "marketing"], "is_active": True, "is_opted_in": True}
    resp = api("POST", "/contacts", json=body, token=owner.access)
    data = assert_ok(resp, 201)
    for field in CONTACT_FIELDS:
        assert field in data, "missing %s in %s" % (field, data)
    assert data["upserted"] is False
    assert is_uuid7(data["id"])
    assert data["name"] == "Jane Smith" and data["phone_e164"] == phone
    assert data["email"] == email
    assert data["attributes"] == {"company": "Acme", "seats": 4, "vip": True, "ratio": 2.5}
    assert data["tags"] == ["marketing", "vip"]
    assert data["is_active"] is True and data["is_opted_in"] is True
    assert is_timestamp(data["created_at"]) and is_timestamp(data["updated_at"])
    assert data["opt_out_at"] is None and data["opt_out_reason"] is None
    assert data["last_contacted_at"] is None
    got = get_contact(api, owner.access, data["id"])
    assert isinstance(got.get("consent_history"), list), got
    for field in CONTACT_FIELDS:
        if field not in ("updated_at",):
            assert got[field] == data[field], field
    assert _contact_count(api, owner.access) == 1


def test_create_with_email_only_and_phone_only(api, owner):
    by_email = create_contact(api, owner.access, email=unique_email("only"))
    assert by_email["phone_e164"] is None
    by_phone = create_contact(api, owner.access, phone_e164=tz_phone())
    assert by_phone["email"] is None
    assert by_email["id"] != by_phone["id"]
    assert _contact_count(api, owner.access) == 2


def test_phone_alias(api, owner):
    phone = tz_phone()
    data = create_contact(api, owner.access, phone=phone, name="Alias")
    assert data["phone_e164"] == phone


def test_upsert_by_phone_merges_attributes_and_adds_tags(api, owner):
    phone, email = tz_phone(), unique_email("up")
    first = create_contact(api, owner.access, name="Old Name", phone_e164=phone, email=email,
                           attributes={"a": 1, "b": "x"}, tags=["first", "shared"])
    resp = api("POST", "/contacts", json={"name": "New Name", "phone_e164": phone,
                                          "attributes": {"b": "y", "c": True},
                                          "tags": ["Second", "shared"]}, token=owner.access)
    second = assert_ok(resp, 200)
    assert second["upserted"] is True
    assert second["id"] == first["id"]
    assert second["name"] == "New Name"
    assert second["email"] == email  # not given: kept
    assert second["attributes"] == {"a": 1, "b": "y", "c": True}
    assert second["tags"] == ["first", "second", "shared"]
    got = get_contact(api, owner.access, first["id"])
    assert got["attributes"] == second["attributes"] and got["tags"] == second["tags"]
    assert got["name"] == "New Name"
    assert _contact_count(api, owner.access) == 1


def test_upsert_replaces_given_fields(api, owner):
    phone = tz_phone()
    first = create_contact(api, owner.access, name="Name", phone_e164=phone,
                           email=unique_email("before"), is_active=True)
    email = unique_email("after")
    second = create_contact(api, owner.access, status=200, phone_e164=phone, email=email,
                            is_active=False)
    assert second["id"] == first["id"] and second["upserted"] is True
    assert second["email"] == email and second["is_active"] is False
    assert second["name"] == "Name"
    got = get_contact(api, owner.access, first["id"])
    assert got["email"] == email and got["is_active"] is False


def test_upsert_by_phone_in_another_spelling(api, owner):
    set_default_country(api, owner.access, "TZ")
    first = create_contact(api, owner.access, phone_e164="+255712345678", name="A")
    second = create_contact(api, owner.access, status=200, phone_e164="0712 345 678",
                            name="B")
    assert second["upserted"] is True and second["id"] == first["id"]
    assert second["name"] == "B"
    assert _contact_count(api, owner.access) == 1


def test_upsert_by_email(api, owner):
    email = unique_email("mail")
    first = create_contact(api, owner.access, email=email, name="Mail Only", tags=["a"])
    phone = tz_phone()
    second = create_contact(api, owner.access, status=200, email=email.upper(),
                            phone_e164=phone, tags=["b"], attributes={"k": "v"})
    assert second["upserted"] is True and second["id"] == first["id"]
    assert second["phone_e164"] == phone and second["email"] == email
    assert second["name"] == "Mail Only"
    assert second["tags"] == ["a", "b"] and second["attributes"] == {"k": "v"}
    assert _contact_count(api, owner.access) == 1


def test_upsert_phone_of_one_contact_email_of_another_is_409(api, owner):
    phone, email = tz_phone(), unique_email("other")
    by_phone = create_contact(api, owner.access, phone_e164=phone, name="Phone")
    by_email = create_contact(api, owner.access, email=email, name="Email")
    resp = api("POST", "/contacts", json={"phone_e164": phone, "email": email, "name": "Both"},
               token=owner.access)
    assert_error(resp, 409, "CONFLICT", "email")
    assert get_contact(api, owner.access, by_phone["id"])["name"] == "Phone"
    assert get_contact(api, owner.access, by_email["id"])["name"] == "Email"
    assert get_contact(api, owner.access, by_phone["id"])["email"] is None
    assert _contact_count(api, owner.access) == 2


# ---------------------------------------------------------------- phone numbers

@pytest.mark.parametrize("spelling", ["0712 345 678", "00255712345678", "+255 712-345-678",
                                      "+255712345678", "(0)712345678"])
def test_phone_normalised_with_default_country(api, owner, spelling):
    set_default_country(api, owner.access, "TZ")
    data = create_contact(api, owner.access, phone_e164=spelling)
    assert data["phone_e164"] == "+255712345678"
    assert get_contact(api, owner.access, data["id"])["phone_e164"] == "+255712345678"


def test_national_number_follows_the_default_country(api, owner):
    set_default_country(api, owner.access, "KE")
    assert create_contact(api, owner.access,
                          phone_e164="0712 345 678")["phone_e164"] == "+254712345678"
    set_default_country(api, owner.access, "TZ")
    assert create_contact(api, owner.access,
                          phone_e164="0712 345 678")["phone_e164"] == "+255712345678"
    assert _contact_count(api, owner.access) == 2


@pytest.mark.parametrize("phone", ["12", "not a phone", "+255 12", "+2557123456789012345",
                                   "+999 123 456 789", "0712", "+"])
def test_invalid_phone_is_400(api, owner, phone):
    set_default_country(api, owner.access, "TZ")
    resp = api("POST", "/contacts", json={"phone_e164": phone, "name": "Bad"},
               token=owner.access)
    assert_validation(resp, "phone_e164")
    assert _contact_count(api, owner.access) == 0


@pytest.mark.parametrize("body", [{}, {"name": "Nobody"}, {"name": "Nobody", "tags": ["x"]},
                                  {"phone_e164": None, "email": None}])
def test_phone_or_email_required(api, owner, body):
    assert_validation(api("POST", "/contacts", json=body, token=owner.access), "phone_e164")
    assert _contact_count(api, owner.access) == 0


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com",
                                   "x" * 250 + "@example.com", 42])
def test_bad_email_is_400(api, owner, email):
    resp = api("POST", "/contacts", json={"email": email, "phone_e164": tz_phone()},
               token=owner.access)
    assert_validation(resp, "email")
    assert _contact_count(api, owner.access) == 0


def test_email_stored_lower_case(api, owner):
    email = unique_email("Mixed.Case")
    data = create_contact(api, owner.access, email=email.upper())
    assert data["email"] == email.lower()


# ---------------------------------------------------------------- tags, attributes, name

def test_tags_trimmed_lowered_deduplicated_sorted(api, owner):
    data = create_contact(api, owner.access, phone_e164=tz_phone(),
                          tags=[" VIP ", "vip", "Marketing", "alpha", "MARKETING"])
    assert data["tags"] == ["alpha", "marketing", "vip"]
    assert get_contact(api, owner.access, data["id"])["tags"] == ["alpha", "marketing", "vip"]


@pytest.mark.parametrize("tags", [["a,b"], [""], ["x" * 51], ["ok", "line\nbreak"], [5],
                                  "vip", {"a": 1}, ["t%d" % i for i in range(51)]],
                         ids=["comma", "empty", "too-long", "control", "number", "string",
                              "object", "too-many"])
def test_bad_tags_are_400(api, owner, tags):
    resp = api("POST", "/contacts", json={"phone_e164": tz_phone(), "tags": tags},
               token=owner.access)
    assert_validation(resp, "tags")
    assert _contact_count(api, owner.access) == 0


def test_tag_limits_are_inclusive(api, owner):
    tags = ["t%02d" % i for i in range(50)]
    ok = create_contact(api, owner.access, phone_e164=tz_phone(), tags=tags)
    assert ok["tags"] == sorted(tags)
    ok = create_contact(api, owner.access, phone_e164=tz_phone(), tags=["x" * 50])
    assert ok["tags"] == ["x" * 50]


@pytest.mark.parametrize("value", [{"nested": 1}, [1, 2], None], ids=["object", "array", "null"])
def test_attribute_values_must_be_flat(api, owner, value):
    resp = api("POST", "/contacts", json={"phone_e164": tz_phone(),
                                          "attributes": {"good": "yes", "meta": value}},
               token=owner.access)
    assert_validation(resp, "attributes.meta")
    assert _contact_count(api, owner.access) == 0


@pytest.mark.parametrize("attributes", [
    {"bad key!": "x"},
    {"": "x"},
    {"k" * 65: "x"},
    {"long": "v" * 1001},
    {"k%d" % i: i for i in range(51)},
], ids=["key-chars", "empty-key", "key-too-long", "value-too-long", "too-many-keys"])
def test_bad_attributes_are_400(api, owner, attributes):
    resp = api("POST", "/contacts", json={"phone_e164": tz_phone(), "attributes": attributes},
               token=owner.access)
    assert_validation(resp, "attributes")
    assert _contact_count(api, owner.access) == 0


@pytest.mark.parametrize("attributes", [["a"], "text", 5])
def test_attributes_must_be_an_object(api, owner, attributes):
    resp = api("POST", "/contacts", json={"phone_e164": tz_phone(), "attributes": attributes},
               token=owner.access)
    assert_validation(resp, "attributes")


def test_attribute_limits_are_inclusive(api, owner):
    attributes = {"k%02d" % i: i for i in range(49)}
    attributes["A-z_0.9-" + "k" * 56] = "v" * 1000
    assert len(attributes) == 50
    data = create_contact(api, owner.access, phone_e164=tz_phone(), attributes=attributes)
    assert data["attributes"] == attributes


def test_name_limits(api, owner):
    assert create_contact(api, owner.access, phone_e164=tz_phone(),
                          name="n" * 200)["name"] == "n" * 200
    assert create_contact(api, owner.access, phone_e164=tz_phone(), name="")["name"] == ""
    resp = api("POST", "/contacts", json={"phone_e164": tz_phone(), "name": "n" * 201},
               token=owner.access)
    assert_validation(resp, "name")
    assert _contact_count(api, owner.access) == 2


# ---------------------------------------------------------------- accounts

def test_same_phone_and_email_in_two_accounts(api, owner, register):
    other = register()
    phone, email = tz_phone(), unique_email("shared")
    mine = create_contact(api, owner.access, phone_e164=phone, email=email, name="Mine")
    theirs = create_contact(api, other.access, phone_e164=phone, email=email, name="Theirs")
    assert theirs["upserted"] is False and theirs["id"] != mine["id"]
    assert get_contact(api, owner.access, mine["id"])["name"] == "Mine"
    assert _contact_count(api, owner.access) == 1 and _contact_count(api, other.access) == 1


def test_agent_may_manage_contacts(api, owner):
    agent = member(api, owner, role="agent")
    data = create_contact(api, agent.access, phone_e164=tz_phone(), name="By Agent")
    assert get_contact(api, owner.access, data["id"])["name"] == "By Agent"
    assert_ok(api("PUT", "/contacts/%s" % data["id"], json={"name": "Renamed"},
                  token=agent.access))
    assert_ok(api("DELETE", "/contacts/%s" % data["id"], token=agent.access))


def test_authentication_required(api):
    assert_unauthenticated(api("GET", "/contacts"))
    assert_unauthenticated(api("POST", "/contacts", json={"phone_e164": tz_phone()}))
    assert_unauthenticated(api("GET", "/contacts/%s" % uuid.uuid4()))


# ---------------------------------------------------------------- API key scopes

def test_read_scope_can_list_but_not_write(api, owner):
    contact = create_contact(api, owner.access, phone_e164=tz_phone())
    key = create_api_key(api, owner.access, scopes=["contacts:read"])["key"]
    data = assert_list(api("GET", "/contacts", apikey=key))
    assert _ids(data) == [contact["id"]]
    assert assert_ok(api("GET", "/contacts/%s" % contact["id"], apikey=key))["id"] == \
        contact["id"]
    cid = contact["id"]
    for method, path, body in [
        ("POST", "/contacts", {"phone_e164": tz_phone()}),
        ("PUT", "/contacts/%s" % cid, {"name": "Changed"}),
        ("DELETE", "/contacts/%s" % cid, None),
        ("POST", "/contacts/%s/opt-out" % cid, {}),
        ("POST", "/groups", {"name": "G"}),
        ("POST", "/segments", {"name": "S", "rules": {}}),
        ("POST", "/contacts/import", None),
    ]:
        assert_error(api(method, path, json=body, apikey=key), 403, "INSUFFICIENT_SCOPE")
    assert _contact_count(api, owner.access) == 1
    assert get_contact(api, owner.access, cid)["name"] == contact["name"]
    # A preview stores nothing, so reading is enough.
    preview = assert_ok(api("POST", "/segments/preview", json={"rules": {}}, apikey=key))
    assert preview["contact_count"] == 1


def test_write_scope_can_create(api, owner):
    key = create_api_key(api, owner.access, scopes=["contacts:write"])["key"]
    data = create_contact(api, apikey=key, phone_e164=tz_phone(), name="By Key")
    assert get_contact(api, owner.access, data["id"])["name"] == "By Key"


def test_read_only_scope_reads_contacts(api, owner):
    create_contact(api, owner.access, phone_e164=tz_phone())
    key = create_api_key(api, owner.access, scopes=["read_only"])["key"]
    assert assert_list(api("GET", "/contacts", apikey=key))["count"] == 1
    assert_error(api("POST", "/contacts", json={"phone_e164": tz_phone()}, apikey=key),
                 403, "INSUFFICIENT_SCOPE")


def test_other_scopes_cannot_read_contacts(api, owner):
    key = create_api_key(api, owner.access, scopes=["messages:read", "users:read"])["key"]
    assert_error(api("GET", "/contacts", apikey=key), 403, "INSUFFICIENT_SCOPE")
    assert_error(api("GET", "/groups", apikey=key), 403, "INSUFFICIENT_SCOPE")


# ---------------------------------------------------------------- listing

@pytest.fixture
def listed(api, owner):
    tag = uuid.uuid4().hex[:8]
    a = create_contact(api, owner.access, name="Alice Wonder", phone_e164="+255712111222",
                       email="alice.%s@example.com" % tag, tags=["vip", "gold"],
                       is_active=True, is_opted_in=False)
    b = create_contact(api, owner.access, name="Bob Builder", phone_e164="+255712333444",
                       email="bob.%s@example.org" % tag, tags=["vip"], is_active=False,
                       is_opted_in=False)
    c = create_contact(api, owner.access, name="Carol Singer", phone_e164="+255754555666",
                       tags=["gold", "customer"], is_active=True, is_opted_in=False)
    assert_ok(api("POST", "/contacts/%s/opt-in" % a["id"], json={}, token=owner.access))
    return owner, tag, a, b, c


def test_list_default_order_newest_first(api, listed):
    owner, _, a, b, c = listed
    data = assert_list(api("GET", "/contacts", token=owner.access))
    assert data["count"] == 3
    assert set(_ids(data)) == {a["id"], b["id"], c["id"]}
    created = [r["created_at"] for r in data["results"]]
    assert created == sorted(created, reverse=True)
    for r in data["results"]:
        for field in CONTACT_FIELDS:
            assert field in r, (field, r)


@pytest.mark.parametrize("term,expected", [
    ("alice", "a"), ("WONDER", "a"), ("bUILDER", "b"), ("712111", "a"), ("754555666", "c"),
    ("example.org", "b"), ("singer", "c"), ("zzz-none", ""),
])
def test_search(api, listed, term, expected):
    owner, _, a, b, c = listed
    by_name = {"a": a, "b": b, "c": c}
    data = assert_list(api("GET", with_query("/contacts", search=term), token=owner.access))
    assert set(_ids(data)) == {by_name[k]["id"] for k in expected}
    assert data["count"] == len(expected)


def test_search_by_email_local_part(api, listed):
    owner, tag, a, b, _ = listed
    data = assert_list(api("GET", with_query("/contacts", search="alice.%s" % tag),
                           token=owner.access))
    assert _ids(data) == [a["id"]]
    data = assert_list(api("GET", with_query("/contacts", search=tag), token=owner.access))
    assert set(_ids(data)) == {a["id"], b["id"]}


def test_repeated_tag_filter_needs_every_tag(api, listed):
    owner, _, a, b, c = listed
    one = assert_list(api("GET", _query("/contacts", [("tag", "vip")]), token=owner.access))
    assert set(_ids(one)) == {a["id"], b["id"]} and one["count"] == 2
    both = assert_list(api("GET", _query("/contacts", [("tag", "vip"), ("tag", "gold")]),
                           token=owner.access))
    assert _ids(both) == [a["id"]] and both["count"] == 1
    none = assert_list(api("GET", _query("/contacts", [("tag", "customer"), ("tag", "vip")]),
                           token=owner.access))
    assert none["count"] == 0 and none["results"] == []


def test_boolean_filters(api, listed):
    owner, _, a, b, c = listed
    for params, expected in [
        ({"is_active": "true"}, {a["id"], c["id"]}),
        ({"is_active": "false"}, {b["id"]}),
        ({"is_opted_in": "true"}, {a["id"]}),
        ({"is_opted_in": "false"}, {b["id"], c["id"]}),
        ({"is_active": "true", "is_opted_in": "false"}, {c["id"]}),
    ]:
        data = assert_list(api("GET", with_query("/contacts", **params), token=owner.access))
        assert set(_ids(data)) == expected, params
        assert data["count"] == len(expected), params


def test_filters_combine_with_search(api, listed):
    owner, _, a, b, c = listed
    data = assert_list(api("GET", _query("/contacts", [("search", "712"), ("tag", "vip"),
                                                        ("is_active", "true")]),
                           token=owner.access))
    assert _ids(data) == [a["id"]]


def test_ordering(api, listed):
    owner, _, a, b, c = listed
    names = lambda d: [r["name"] for r in d["results"]]  # noqa: E731
    by_name = assert_list(api("GET", with_query("/contacts", ordering="name"),
                              token=owner.access))
    got = names(by_name)
    assert got == ["Alice Wonder", "Bob Builder", "Carol Singer"]
    desc = assert_list(api("GET", with_query("/contacts", ordering="-name"),
                           token=owner.access))
    assert names(desc) == list(reversed(got))
    oldest = assert_list(api("GET", with_query("/contacts", ordering="created_at"),
                             token=owner.access))
    created = [r["created_at"] for r in oldest["results"]]
    assert created == sorted(created)
    for ordering in ("-created_at", "updated_at", "-updated_at", "last_contacted_at",
                     "-last_contacted_at"):
        data = assert_list(api("GET", with_query("/contacts", ordering=ordering),
                               token=owner.access))
        assert data["count"] == 3, ordering
        assert set(_ids(data)) == {a["id"], b["id"], c["id"]}, ordering


def test_ordering_by_updated_at(api, listed):
    owner, _, a, b, c = listed
    time.sleep(1.1)  # timestamps are whole seconds
    assert_ok(api("PUT", "/contacts/%s" % a["id"], json={"name": "Alice Again"},
                  token=owner.access))
    data = assert_list(api("GET", with_query("/contacts", ordering="-updated_at"),
                           token=owner.access))
    assert _ids(data)[0] == a["id"]
    data = assert_list(api("GET", with_query("/contacts", ordering="updated_at"),
                           token=owner.access))
    assert _ids(data)[-1] == a["id"]


def test_pagination(api, listed):
    owner, _, a, b, c = listed
    first = assert_list(api("GET", with_query("/contacts", page_size=2, ordering="name"),
                            token=owner.access))
    assert first["count"] == 3 and len(first["results"]) == 2
    assert first["next"] is not None and first["previous"] is None
    second = assert_list(api("GET", api_path_of(first["next"]), token=owner.access))
    assert second["count"] == 3 and len(second["results"]) == 1
    assert second["next"] is None and second["previous"] is not None
    assert set(_ids(first)) | set(_ids(second)) == {a["id"], b["id"], c["id"]}
    beyond = api("GET", with_query("/contacts", page=5, page_size=2), token=owner.access)
    if beyond.status == 200:
        assert assert_list(beyond)["results"] == []
    else:
        assert_error(beyond, (400, 404))
    filtered = assert_list(api("GET", _query("/contacts", [("tag", "gold"), ("page_size", 1)]),
                               token=owner.access))
    assert filtered["count"] == 2 and len(filtered["results"]) == 1
    nxt = assert_list(api("GET", api_path_of(filtered["next"]), token=owner.access))
    assert set(_ids(filtered)) | set(_ids(nxt)) == {a["id"], c["id"]}


@pytest.mark.parametrize("param,value", [
    ("is_active", "maybe"), ("is_opted_in", "2"), ("ordering", "phone"),
    ("ordering", "-bogus"), ("page", "0"), ("page", "abc"), ("page_size", "0"),
    ("page_size", "x"), ("group_id", "not-a-uuid"), ("segment_id", "12345"),
])
def test_bad_filter_values_are_400(api, owner, param, value):
    resp = api("GET", _query("/contacts", [(param, value)]), token=owner.access)
    assert_validation(resp, param)


# ---------------------------------------------------------------- get / put / delete

def test_get_unknown_contact_is_404(api, owner):
    assert_error(api("GET", "/contacts/%s" % uuid.uuid4(), token=owner.access), 404,
                 "NOT_FOUND")
    assert_error(api("PUT", "/contacts/%s" % uuid.uuid4(), json={"name": "x"},
                     token=owner.access), 404, "NOT_FOUND")
    assert_error(api("DELETE", "/contacts/%s" % uuid.uuid4(), token=owner.access), 404,
                 "NOT_FOUND")


def test_put_replaces_given_fields(api, owner):
    phone = tz_phone()
    data = create_contact(api, owner.access, name="Before", phone_e164=phone,
                          email=unique_email("put"), attributes={"a": 1, "b": 2},
                          tags=["one", "two"])
    new_email = unique_email("New")
    updated = assert_ok(api("PUT", "/contacts/%s" % data["id"],
                            json={"name": "After", "email": new_email.upper(),
                                  "attributes": {"c": "three"}, "tags": ["Three"]},
                            token=owner.access))
    assert updated["id"] == data["id"]
    assert updated["name"] == "After" and updated["email"] == new_email.lower()
    assert updated["attributes"] == {"c": "three"}
    assert updated["tags"] == ["three"]
    assert updated["phone_e164"] == phone
    got = get_contact(api, owner.access, data["id"])
    for field in ("name", "email", "attributes", "tags", "phone_e164"):
        assert got[field] == updated[field], field
    # a field not given stays
    again = assert_ok(api("PUT", "/contacts/%s" % data["id"], json={"is_active": False},
                          token=owner.access))
    assert again["is_active"] is False and again["name"] == "After"
    assert again["tags"] == ["three"] and again["attributes"] == {"c": "three"}


def test_put_normalises_phone(api, owner):
    set_default_country(api, owner.access, "TZ")
    data = create_contact(api, owner.access, email=unique_email("p"))
    updated = assert_ok(api("PUT", "/contacts/%s" % data["id"],
                            json={"phone_e164": "0754 000 111"}, token=owner.access))
    assert updated["phone_e164"] == "+255754000111"


def test_put_null_clears_email_but_phone_needs_email(api, owner):
    data = create_contact(api, owner.access, phone_e164=tz_phone(), email=unique_email("c"))
    cleared = assert_ok(api("PUT", "/contacts/%s" % data["id"], json={"email": None},
                            token=owner.access))
    assert cleared["email"] is None
    resp = api("PUT", "/contacts/%s" % data["id"], json={"phone_e164": None},
               token=owner.access)
    assert_validation(resp, "phone_e164")
    assert get_contact(api, owner.access, data["id"])["phone_e164"] == data["phone_e164"]
    # with an email left the phone may go
    email = unique_email("left")
    assert_ok(api("PUT", "/contacts/%s" % data["id"], json={"email": email},
                  token=owner.access))
    gone = assert_ok(api("PUT", "/contacts/%s" % data["id"], json={"phone_e164": None},
                         token=owner.access))
    assert gone["phone_e164"] is None and gone["email"] == email


def test_put_cannot_clear_the_only_email(api, owner):
    email = unique_email("only")
    data = create_contact(api, owner.access, email=email)
    resp = api("PUT", "/contacts/%s" % data["id"], json={"email": None}, token=owner.access)
    assert_validation(resp, ("phone_e164", "email"))
    assert get_contact(api, owner.access, data["id"])["email"] == email


def test_put_validates(api, owner):
    data = create_contact(api, owner.access, phone_e164=tz_phone(), name="Valid")
    cid = data["id"]
    for body, field in [({"phone_e164": "12"}, "phone_e164"), ({"email": "bad"}, "email"),
                        ({"tags": ["a,b"]}, "tags"), ({"attributes": {"x": [1]}}, "attributes.x"),
                        ({"name": "n" * 201}, "name")]:
        assert_validation(api("PUT", "/contacts/%s" % cid, json=body, token=owner.access),
                          field)
    got = get_contact(api, owner.access, cid)
    assert got["name"] == "Valid" and got["phone_e164"] == data["phone_e164"]


@pytest.mark.parametrize("field", ["phone_e164", "email"])
def test_put_conflict_names_the_field(api, owner, field):
    one = create_contact(api, owner.access, phone_e164=tz_phone(), email=unique_email("one"))
    two = create_contact(api, owner.access, phone_e164=tz_phone(), email=unique_email("two"))
    resp = api("PUT", "/contacts/%s" % two["id"], json={field: one[field]}, token=owner.access)
    assert_error(resp, 409, "CONFLICT", field)
    assert get_contact(api, owner.access, two["id"])[field] == two[field]


def test_put_own_phone_again_is_fine(api, owner):
    data = create_contact(api, owner.access, phone_e164=tz_phone(), email=unique_email("s"))
    same = assert_ok(api("PUT", "/contacts/%s" % data["id"],
                         json={"phone_e164": data["phone_e164"], "email": data["email"]},
                         token=owner.access))
    assert same["phone_e164"] == data["phone_e164"]


def test_soft_delete_hides_and_frees_phone_and_email(api, owner):
    phone, email = tz_phone(), unique_email("del")
    data = create_contact(api, owner.access, phone_e164=phone, email=email, name="Gone")
    keep = create_contact(api, owner.access, phone_e164=tz_phone(), name="Kept")
    resp = api("DELETE", "/contacts/%s" % data["id"], token=owner.access)
    assert assert_ok(resp) == {"id": data["id"], "deleted": True}
    listed = assert_list(api("GET", "/contacts", token=owner.access))
    assert _ids(listed) == [keep["id"]] and listed["count"] == 1
    assert assert_list(api("GET", with_query("/contacts", search="Gone"),
                           token=owner.access))["count"] == 0
    again = create_contact(api, owner.access, phone_e164=phone, email=email, name="Back")
    assert again["upserted"] is False and again["id"] != data["id"]
    assert again["name"] == "Back"
    assert _contact_count(api, owner.access) == 2


def test_deleted_phone_free_for_put(api, owner):
    phone = tz_phone()
    gone = create_contact(api, owner.access, phone_e164=phone)
    other = create_contact(api, owner.access, phone_e164=tz_phone())
    assert_ok(api("DELETE", "/contacts/%s" % gone["id"], token=owner.access))
    moved = assert_ok(api("PUT", "/contacts/%s" % other["id"], json={"phone_e164": phone},
                          token=owner.access))
    assert moved["phone_e164"] == phone


# ---------------------------------------------------------------- consent

def test_opt_in_and_opt_out_record_consent(api, owner):
    data = create_contact(api, owner.access, phone_e164=tz_phone(), is_opted_in=False)
    cid = data["id"]
    # In on SMS only: the other channels stay out, one by one.
    opted_in = assert_ok(api("POST", "/contacts/%s/opt-in" % cid,
                             json={"channel": "sms", "reason": "signed up at the shop"},
                             token=owner.access))
    assert set(opted_in) >= {"id", "is_opted_in", "opt_in_at", "opt_out_at", "opt_out_reason",
                             "opted_out_channels"}
    assert opted_in["id"] == cid and opted_in["is_opted_in"] is True
    assert opted_in["opted_out_channels"] == ["email", "whatsapp"]
    assert is_timestamp(opted_in["opt_in_at"])
    # In on WhatsApp too, then out of it again: the all-channels state stays.
    assert_ok(api("POST", "/contacts/%s/opt-in" % cid, json={"channel": "whatsapp"},
                  token=owner.access))
    opted_out = assert_ok(api("POST", "/contacts/%s/opt-out" % cid,
                              json={"reason": "STOP received", "channel": "whatsapp"},
                              token=owner.access))
    assert opted_out["is_opted_in"] is True and opted_out["opt_out_at"] is None
    assert opted_out["opted_out_channels"] == ["email", "whatsapp"]
    # Out of everything.
    all_out = assert_ok(api("POST", "/contacts/%s/opt-out" % cid,
                            json={"reason": "no more messages"}, token=owner.access))
    assert all_out["is_opted_in"] is False and is_timestamp(all_out["opt_out_at"])
    got = get_contact(api, owner.access, cid)
    assert got["is_opted_in"] is False and got["opt_out_reason"] == "no more messages"
    assert got["opt_out_at"] == all_out["opt_out_at"]
    assert is_timestamp(got["opt_in_at"])
    history = got["consent_history"]
    assert len(history) >= 4, history
    for entry in history[:4]:
        assert set(entry) >= {"id", "action", "channel", "source", "reason", "actor_id",
                              "created_at"}, entry
        assert entry["source"] == "api" and entry["actor_id"] == owner.user_id
        assert is_timestamp(entry["created_at"])
    assert [(e["action"], e["channel"], e["reason"]) for e in history[:4]] == [
        ("opt_out", "all", "no more messages"),
        ("opt_out", "whatsapp", "STOP received"),
        ("opt_in", "whatsapp", None),
        ("opt_in", "sms", "signed up at the shop")]
    assert history[0]["created_at"] >= history[3]["created_at"]


def test_every_consent_call_adds_an_entry(api, owner):
    data = create_contact(api, owner.access, phone_e164=tz_phone())
    cid = data["id"]
    start = len(get_contact(api, owner.access, cid)["consent_history"])
    for action in ("opt-out", "opt-out", "opt-in"):
        assert_ok(api("POST", "/contacts/%s/%s" % (cid, action), json={}, token=owner.access))
    history = get_contact(api, owner.access, cid)["consent_history"]
    assert len(history) == start + 3
    assert [h["action"] for h in history[:3]] == ["opt_in", "opt_out", "opt_out"]


def test_opt_in_without_body(api, owner):
    data = create_contact(api, owner.access, phone_e164=tz_phone(), is_opted_in=False)
    resp = api("POST", "/contacts/%s/opt-in" % data["id"], token=owner.access)
    assert assert_ok(resp)["is_opted_in"] is True


def test_opt_in_bad_channel_is_400(api, owner):
    data = create_contact(api, owner.access, phone_e164=tz_phone(), is_opted_in=False)
    resp = api("POST", "/contacts/%s/opt-in" % data["id"], json={"channel": "pigeon"},
               token=owner.access)
    assert_validation(resp, "channel")
    assert get_contact(api, owner.access, data["id"])["is_opted_in"] is False


def test_consent_by_agent_names_the_agent(api, owner):
    agent = member(api, owner, role="agent")
    data = create_contact(api, owner.access, phone_e164=tz_phone())
    assert_ok(api("POST", "/contacts/%s/opt-out" % data["id"], json={"reason": "asked"},
                  token=agent.access))
    latest = get_contact(api, owner.access, data["id"])["consent_history"][0]
    assert latest["action"] == "opt_out" and latest["actor_id"] == agent.user_id
    assert latest["source"] == "api" and latest["reason"] == "asked"


def test_upsert_changing_opt_in_records_consent(api, owner):
    phone = tz_phone()
    data = create_contact(api, owner.access, phone_e164=phone, is_opted_in=False)
    before = len(get_contact(api, owner.access, data["id"])["consent_history"])
    up = create_contact(api, owner.access, status=200, phone_e164=phone, is_opted_in=True)
    assert up["is_opted_in"] is True and is_timestamp(up["opt_in_at"])
    history = get_contact(api, owner.access, data["id"])["consent_history"]
    assert len(history) == before + 1
    assert history[0]["action"] == "opt_in" and history[0]["source"] == "api"
    # the same state again is no change
    create_contact(api, owner.access, status=200, phone_e164=phone, is_opted_in=True)
    assert len(get_contact(api, owner.access, data["id"])["consent_history"]) == before + 1


def test_consent_on_unknown_contact_is_404(api, owner):
    for action in ("opt-in", "opt-out"):
        assert_error(api("POST", "/contacts/%s/%s" % (uuid.uuid4(), action), json={},
                         token=owner.access), 404, "NOT_FOUND")


def test_consent_history_keeps_the_latest_hundred(api, owner):
    data = create_contact(api, owner.access, phone_e164=tz_phone())
    cid = data["id"]
    for i in range(104):
        action = "opt-in" if i % 2 == 0 else "opt-out"
        assert_ok(api("POST", "/contacts/%s/%s" % (cid, action), json={"reason": "r%d" % i},
                      token=owner.access))
    history = get_contact(api, owner.access, cid)["consent_history"]
    assert len(history) == 100
    assert [h["reason"] for h in history] == ["r%d" % i for i in range(103, 3, -1)]
    assert history[0]["action"] == "opt_out" and history[1]["action"] == "opt_in"


@pytest.mark.parametrize("body,field", [
    ({"is_active": "yes"}, "is_active"),
    ({"is_opted_in": 1}, "is_opted_in"),
    ({"name": 12}, "name"),
    ({"phone_e164": 255712345678}, "phone_e164"),
])
def test_wrong_types_are_400(api, owner, body, field):
    body = dict(body)
    if field != "phone_e164":
        body["phone_e164"] = tz_phone()
    assert_validation(api("POST", "/contacts", json=body, token=owner.access), field)
    assert _contact_count(api, owner.access) == 0


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"'])
def test_malformed_json_is_400(api, owner, raw):
    resp = api("POST", "/contacts", raw_body=raw, token=owner.access)
    assert_error(resp, 400, "MALFORMED_JSON")
    assert _contact_count(api, owner.access) == 0
