"""CSV import and export of contacts.

Bodies (text/csv, multipart), header recognition, options, duplicate
merging, per-row failures and errors.csv, malformed files, the imports list,
and the export/re-import round trip.
"""

import json
import random
import uuid

import pytest

from ujumbe_it import (EXPORT_HEADER, IMPORT_FIELDS, assert_counts, assert_error, assert_list,
                       assert_ok, assert_validation, create_api_key, create_contact,
                       csv_dicts, get_contact, get_csv, import_csv, import_errors, is_timestamp,
                       list_all, multipart_body, parse_csv, post_import, register, start_import,
                       tz_phone, unique_email, wait_import, with_query)


def _contacts(api, token, **params):
    return list_all(api, token, "/contacts", **params)[0]


def _by_phone(contacts):
    return {c["phone_e164"]: c for c in contacts if c["phone_e164"]}


def _by_email(contacts):
    return {c["email"]: c for c in contacts if c["email"]}


def _healthy(server):
    assert server.request("GET", "/healthz").status == 200


def _errors_by_line(api, token, job_id):
    rows = import_errors(api, token, job_id)
    out = {}
    for row in rows:
        assert row["line"].isdigit(), row
        assert row["outcome"] in ("failed", "skipped"), row
        assert row["reason"].strip(), row
        assert len(row["row"]) <= 1000, row
        out[int(row["line"])] = row
    assert len(out) == len(rows), rows
    return out


# ---------------------------------------------------------------- bodies and job

def test_text_csv_import(api, owner):
    body = ("name,phone,email,tags,city\n"
            "Jane Smith,+255712000001,Jane.Smith@Example.com,vip;gold,Arusha\n"
            "John Doe,+255712000002,,customer,Dodoma\n")
    resp = post_import(api, owner.access, body)
    job = assert_ok(resp, 202)
    for field in IMPORT_FIELDS:
        assert field in job, "missing %s in %s" % (field, job)
    assert job["status"] in ("pending", "running", "completed")
    assert job["on_existing"] == "update"
    assert is_timestamp(job["created_at"])
    done = wait_import(api, owner.access, job["id"])
    assert done["id"] == job["id"]
    assert done["status"] == "completed" and done["error"] is None, done
    assert_counts(done, created=2)
    assert done["rows_processed"] == 2 and done["progress"] == 100
    assert is_timestamp(done["started_at"]) and is_timestamp(done["finished_at"])
    contacts = _by_phone(_contacts(api, owner.access))
    assert set(contacts) == {"+255712000001", "+255712000002"}
    jane, john = contacts["+255712000001"], contacts["+255712000002"]
    assert jane["name"] == "Jane Smith" and jane["email"] == "jane.smith@example.com"
    assert jane["tags"] == ["gold", "vip"] and jane["attributes"] == {"city": "Arusha"}
    assert john["name"] == "John Doe" and john["email"] is None
    assert john["tags"] == ["customer"] and john["attributes"] == {"city": "Dodoma"}


def test_multipart_import_with_options(api, owner):
    body = ("Name,Mobile,Email\n"
            "Amina,+255712000011,amina@example.com\n"
            "Baraka,+255712000012,\n")
    resp = post_import(api, owner.access, body, multipart=True, filename="people.csv",
                       tags="Imported, Batch-1", on_existing="skip")
    job = assert_ok(resp, 202)
    assert job["file_name"] == "people.csv"
    assert job["on_existing"] == "skip"
    done = wait_import(api, owner.access, job["id"])
    assert done["status"] == "completed", done
    assert_counts(done, created=2)
    contacts = _by_phone(_contacts(api, owner.access))
    assert contacts["+255712000011"]["name"] == "Amina"
    assert contacts["+255712000011"]["email"] == "amina@example.com"
    for c in contacts.values():
        assert c["tags"] == ["batch-1", "imported"], c


def test_multipart_options_after_the_file(api, owner):
    existing = create_contact(api, owner.access, phone_e164="+255712000021", name="Kept")
    file_part, _ = multipart_body(None, [("file", "list.csv",
                                          "phone,name\r\n+255712000021,Part\r\n", None)],
                                  boundary="XyZ-boundary")
    option_part, _ = multipart_body({"on_existing": "skip"}, None, boundary="XyZ-boundary")
    # the file part first, then the option, then the closing delimiter
    body = file_part[:-len(b"--XyZ-boundary--\r\n")] + option_part
    job = assert_ok(api("POST", "/contacts/import", raw_body=body,
                        content_type="multipart/form-data; boundary=XyZ-boundary",
                        token=owner.access), 202)
    assert job["on_existing"] == "skip"
    done = wait_import(api, owner.access, job["id"])
    assert_counts(done, skipped=1)
    assert get_contact(api, owner.access, existing["id"])["name"] == "Kept"


@pytest.mark.parametrize("header", ["phone_e164", "Phone", "PHONE_NUMBER", "mobile", "MSISDN"])
def test_phone_header_aliases(api, owner, header):
    done = import_csv(api, owner.access, "%s,name\n+255712000031,Alias\n" % header)
    assert_counts(done, created=1)
    (contact,) = _contacts(api, owner.access)
    assert contact["phone_e164"] == "+255712000031" and contact["name"] == "Alias"
    assert contact["attributes"] == {}


def test_headers_recognised_case_insensitively(api, owner):
    body = ('ID,Name,MSISDN,EMAIL,Tags,Attributes,Is_Active,IS_OPTED_IN,Favourite Colour,'
            'created_at,Opt_Out_Reason,updated_at,opt_in_at,opt_out_at,last_contacted_at\n'
            'x1,Amina,+255712000041,Amina@Example.com,"a,B",'
            '"{""plan"": ""gold"", ""seats"": 3, ""vip"": true}",no,yes,Blue,'
            '2020-01-01T00:00:00Z,whatever,2020-01-01T00:00:00Z,,,\n'
            'x2,Baraka,+255712000042,,vip;gold,,1,0,Red,,,,,,\n'
            'x3,Chausiku,+255712000043,,,,true,false,,,,,,,\n')
    done = import_csv(api, owner.access, body)
    assert done["status"] == "completed", done
    assert_counts(done, created=3)
    contacts = _by_phone(_contacts(api, owner.access))
    amina = contacts["+255712000041"]
    assert amina["id"] != "x1" and amina["name"] == "Amina"
    assert amina["email"] == "amina@example.com"
    assert amina["tags"] == ["a", "b"]
    assert amina["attributes"] == {"plan": "gold", "seats": 3, "vip": True,
                                   "favourite_colour": "Blue"}
    assert amina["is_active"] is False and amina["is_opted_in"] is True
    assert amina["opt_out_reason"] is None
    baraka = contacts["+255712000042"]
    assert baraka["tags"] == ["gold", "vip"]
    assert baraka["attributes"] == {"favourite_colour": "Red"}
    assert baraka["is_active"] is True and baraka["is_opted_in"] is False
    chausiku = contacts["+255712000043"]
    assert chausiku["is_active"] is True and chausiku["is_opted_in"] is False
    for c in contacts.values():
        assert not set(c["attributes"]) & {"id", "created_at", "updated_at", "opt_out_reason",
                                           "opt_in_at", "opt_out_at", "last_contacted_at"}


def test_imported_opt_in_is_recorded_as_import_consent(api, owner):
    done = import_csv(api, owner.access, "phone,is_opted_in\n+255712000045,yes\n")
    assert_counts(done, created=1)
    (contact,) = _contacts(api, owner.access)
    assert contact["is_opted_in"] is True and is_timestamp(contact["opt_in_at"])
    history = get_contact(api, owner.access, contact["id"])["consent_history"]
    assert history and history[0]["action"] == "opt_in" and history[0]["source"] == "import"


def test_email_only_file(api, owner):
    done = import_csv(api, owner.access, "email,name\nzuri@example.com,Zuri\n")
    assert_counts(done, created=1)
    (contact,) = _contacts(api, owner.access)
    assert contact["email"] == "zuri@example.com" and contact["phone_e164"] is None


# ---------------------------------------------------------------- options

MAPPING = {"Mobile Number": "phone_e164", "Full name": "name", "Company": "attributes.company",
           "Notes": "ignore", "E-mail": "email", "Labels": "tags", "Active": "is_active"}
MAPPED_CSV = ("Full name,Mobile Number,Company,Notes,E-mail,Labels,Active\n"
              "Jane,+255712000051,Acme Ltd,call after 5,jane@example.com,vip,true\n"
              "John,+255712000052,Beta,,,,false\n")


def _check_mapped(api, owner):
    contacts = _by_phone(_contacts(api, owner.access))
    jane, john = contacts["+255712000051"], contacts["+255712000052"]
    assert jane["name"] == "Jane" and jane["email"] == "jane@example.com"
    assert jane["attributes"] == {"company": "Acme Ltd"}
    assert jane["tags"] == ["vip"] and jane["is_active"] is True
    assert john["name"] == "John" and john["attributes"] == {"company": "Beta"}
    assert john["is_active"] is False and john["tags"] == []


def test_mapping_option_in_query(api, owner):
    done = import_csv(api, owner.access, MAPPED_CSV, mapping=MAPPING)
    assert done["status"] == "completed", done
    assert_counts(done, created=2)
    _check_mapped(api, owner)


def test_mapping_option_in_form(api, owner):
    done = import_csv(api, owner.access, MAPPED_CSV, mapping=MAPPING, multipart=True)
    assert_counts(done, created=2)
    _check_mapped(api, owner)


def test_mapping_to_attributes_column(api, owner):
    body = 'Tel,Extra\n+255712000053,"{""tier"": 2, ""city"": ""Moshi""}"\n'
    done = import_csv(api, owner.access, body,
                      mapping={"Tel": "phone_e164", "Extra": "attributes"})
    assert_counts(done, created=1)
    (contact,) = _contacts(api, owner.access)
    assert contact["attributes"] == {"tier": 2, "city": "Moshi"}


def test_tags_option_added_to_every_row(api, owner):
    body = ("phone,tags\n"
            "+255712000061,vip\n"
            "+255712000062,\n")
    done = import_csv(api, owner.access, body, tags="Imported,Q1")
    assert_counts(done, created=2)
    contacts = _by_phone(_contacts(api, owner.access))
    assert contacts["+255712000061"]["tags"] == ["imported", "q1", "vip"]
    assert contacts["+255712000062"]["tags"] == ["imported", "q1"]


@pytest.mark.parametrize("options,field", [
    ({"on_existing": "overwrite"}, "on_existing"),
    ({"mapping": "{not json"}, "mapping"),
    ({"mapping": '["phone"]'}, "mapping"),
    ({"mapping": {"phone": "no_such_field"}}, "mapping"),
    ({"tags": "a" * 51}, "tags"),
])
def test_bad_options_are_400(api, owner, options, field):
    resp = post_import(api, owner.access, "phone,name\n+255712000071,X\n", **options)
    assert_validation(resp, field)
    assert assert_list(api("GET", "/contacts/imports", token=owner.access))["count"] == 0
    assert assert_list(api("GET", "/contacts", token=owner.access))["count"] == 0


# ---------------------------------------------------------------- existing contacts

def _existing(api, owner):
    first = create_contact(api, owner.access, phone_e164="+255712000081", name="Old",
                           attributes={"a": "kept"}, tags=["old"])
    second = create_contact(api, owner.access, email="second@example.com", name="X")
    return first, second


EXISTING_CSV = ("name,phone,email,tags,b\n"
                "New,+255712000081,,new,bee\n"
                "Y,,Second@Example.com,,\n"
                "Fresh,+255712000083,,,\n")


def test_on_existing_update_merges(api, owner):
    first, second = _existing(api, owner)
    done = import_csv(api, owner.access, EXISTING_CSV)
    assert done["status"] == "completed", done
    assert_counts(done, created=1, updated=2)
    one = get_contact(api, owner.access, first["id"])
    assert one["name"] == "New"
    assert one["attributes"] == {"a": "kept", "b": "bee"}
    assert one["tags"] == ["new", "old"]
    two = get_contact(api, owner.access, second["id"])
    assert two["name"] == "Y" and two["email"] == "second@example.com"
    assert len(_contacts(api, owner.access)) == 3


def test_on_existing_skip_leaves_contacts_alone(api, owner):
    first, second = _existing(api, owner)
    done = import_csv(api, owner.access, EXISTING_CSV, on_existing="skip")
    assert done["status"] == "completed", done
    assert_counts(done, created=1, skipped=2)
    one = get_contact(api, owner.access, first["id"])
    assert one["name"] == "Old" and one["attributes"] == {"a": "kept"} and one["tags"] == ["old"]
    assert get_contact(api, owner.access, second["id"])["name"] == "X"
    errors = _errors_by_line(api, owner.access, done["id"])
    assert set(errors) == {2, 3}
    assert all(e["outcome"] == "skipped" for e in errors.values())
    assert "+255712000081" in errors[2]["row"]
    assert len(_contacts(api, owner.access)) == 3


def test_duplicates_in_file_are_merged(api, owner):
    body = ("name,phone,email,tags\n"
            "A,+255712000091,,one\n"
            "A again,+255 712 000 091,,two\n"
            "B,,b@example.com,three\n"
            "B again,,B@EXAMPLE.COM,four\n"
            "C,+255712000093,c@example.com,\n"
            "C by mail,,C@example.com,five\n")
    done = import_csv(api, owner.access, body)
    assert done["status"] == "completed", done
    assert_counts(done, created=3, updated=3)
    contacts = _contacts(api, owner.access)
    assert len(contacts) == 3
    a = _by_phone(contacts)["+255712000091"]
    assert a["name"] == "A again" and a["tags"] == ["one", "two"]
    b = _by_email(contacts)["b@example.com"]
    assert b["name"] == "B again" and b["tags"] == ["four", "three"]
    c = _by_email(contacts)["c@example.com"]
    assert c["phone_e164"] == "+255712000093" and c["name"] == "C by mail"
    assert c["tags"] == ["five"]


def test_duplicates_in_file_with_skip(api, owner):
    body = ("name,phone\n"
            "First,+255712000095\n"
            "Second,+255712000095\n")
    done = import_csv(api, owner.access, body, on_existing="skip")
    assert_counts(done, created=1, skipped=1)
    (contact,) = _contacts(api, owner.access)
    assert contact["name"] == "First"


def test_duplicates_against_existing_by_email_and_phone(api, owner):
    p = create_contact(api, owner.access, phone_e164="+255712000097", name="P")
    e = create_contact(api, owner.access, email="e@example.com", name="E")
    body = ("phone,email,name\n"
            "+255712000097,,P2\n"
            ",E@example.com,E2\n"
            "+255712000097,,P3\n"
            "+255712000098,,N\n")
    done = import_csv(api, owner.access, body)
    assert_counts(done, created=1, updated=3)
    assert get_contact(api, owner.access, p["id"])["name"] == "P3"
    assert get_contact(api, owner.access, e["id"])["name"] == "E2"
    assert len(_contacts(api, owner.access)) == 3


def test_deleted_contact_is_not_matched(api, owner):
    gone = create_contact(api, owner.access, phone_e164="+255712000099", name="Gone")
    assert_ok(api("DELETE", "/contacts/%s" % gone["id"], token=owner.access))
    done = import_csv(api, owner.access, "phone,name\n+255712000099,Back\n")
    assert_counts(done, created=1)
    (contact,) = _contacts(api, owner.access)
    assert contact["id"] != gone["id"] and contact["name"] == "Back"


# ---------------------------------------------------------------- failures and errors.csv

def _error_file(newline, bom):
    lines = [
        "name,phone,email,notes",                                  # 1
        'Good One,+255712000101,,"first line',                     # 2
        'second line"',                                            # 3
        "Bad Phone,12345,,x",                                      # 4
        "",                                                        # 5
        'Good Two,+255712000102,,"a ""quoted"" word"',             # 6
        "No Contact,,,nothing",                                    # 7
        "Bad Email,+255712000103,not-an-email,y",                  # 8
        "",                                                        # 9
        'Bad Attrs,+255712000104,,"multi',                         # 10
        'line",extra',                                             # 11
        "Good Three,+255712000105,g3@example.com,z",               # 12
    ]
    text = newline.join(lines) + newline
    return ("\ufeff" if bom else "") + text


@pytest.mark.parametrize("newline,bom", [("\n", False), ("\r\n", False), ("\r\n", True),
                                         ("\n", True)],
                         ids=["lf", "crlf", "crlf-bom", "lf-bom"])
def test_failed_rows_and_line_numbers(api, owner, newline, bom):
    body = _error_file(newline, bom)
    done = import_csv(api, owner.access, body)
    assert done["status"] == "completed", done
    assert_counts(done, created=3, failed=4)
    assert done["rows_processed"] == 7
    errors = _errors_by_line(api, owner.access, done["id"])
    assert set(errors) == {4, 7, 8, 10}, errors
    assert all(e["outcome"] == "failed" for e in errors.values())
    assert "Bad Phone" in errors[4]["row"] and "12345" in errors[4]["row"]
    assert "No Contact" in errors[7]["row"]
    assert "not-an-email" in errors[8]["row"]
    assert "Bad Attrs" in errors[10]["row"]
    contacts = _by_phone(_contacts(api, owner.access))
    assert set(contacts) == {"+255712000101", "+255712000102", "+255712000105"}
    one = contacts["+255712000101"]
    assert one["name"] == "Good One"  # the BOM is not part of the first header
    assert one["attributes"]["notes"].replace("\r\n", "\n") == "first line\nsecond line"
    assert set(one["attributes"]) == {"notes"}
    assert contacts["+255712000102"]["attributes"] == {"notes": 'a "quoted" word'}
    assert contacts["+255712000105"]["email"] == "g3@example.com"


def test_blank_lines_are_skipped(api, owner):
    body = "phone,name\n\n+255712000111,A\n\n\n+255712000112,B\n\n"
    done = import_csv(api, owner.access, body)
    assert done["status"] == "completed", done
    assert_counts(done, created=2)
    assert import_errors(api, owner.access, done["id"]) == []


@pytest.mark.parametrize("row", [
    "+255712000121,,vip,not json",
    "+255712000121,,vip,[1]",
    "+255712000121,,%s," % ("x" * 51),
    '+255712000121,,,"{""x"": {""y"": 1}}"',
    '+255712000121,,,"{""x"": null}"',
    "+255712000121,nope@,,",
    "12,,,",
    ",,vip,",
], ids=["attributes-not-json", "attributes-array", "tag-too-long", "attributes-nested",
        "attributes-null", "email", "phone", "no-phone-no-email"])
def test_bad_cells_fail_the_row(api, owner, row):
    body = "phone,email,tags,attributes\n%s\n+255712000122,ok@example.com,,\n" % row
    done = import_csv(api, owner.access, body)
    assert done["status"] == "completed", done
    assert_counts(done, created=1, failed=1)
    errors = _errors_by_line(api, owner.access, done["id"])
    assert set(errors) == {2}
    assert [c["phone_e164"] for c in _contacts(api, owner.access)] == ["+255712000122"]


def test_wrong_width_rows_fail(api, owner):
    body = ("name,phone,email\n"
            "Short,+255712000131\n"
            "Long,+255712000132,long@example.com,extra\n"
            "Right,+255712000133,right@example.com\n")
    done = import_csv(api, owner.access, body)
    assert done["status"] == "completed", done
    assert_counts(done, created=1, failed=2)
    assert set(_errors_by_line(api, owner.access, done["id"])) == {2, 3}
    assert [c["name"] for c in _contacts(api, owner.access)] == ["Right"]


def test_unterminated_quote(api, owner, server):
    body = ("name,phone\n"
            "A,+255712000141\n"
            '"B,+255712000142\n'
            "C,+255712000143\n")
    resp = post_import(api, owner.access, body)
    _healthy(server)
    job = assert_ok(resp, 202)
    done = wait_import(api, owner.access, job["id"])
    _healthy(server)
    if done["status"] == "failed":
        assert isinstance(done["error"], str) and done["error"].strip(), done
    else:
        assert done["failed"] >= 1, done
    phones = set(_by_phone(_contacts(api, owner.access)))
    assert not phones & {"+255712000142", "+255712000143"}


def test_binary_garbage_after_header(api, owner, server):
    garbage = random.Random(7).randbytes(8192) + b"\x00\x00\xff\xfe"
    job = start_import(api, owner.access, b"name,phone\n" + garbage)
    done = wait_import(api, owner.access, job["id"])
    _healthy(server)
    assert done["status"] in ("completed", "failed"), done
    if done["status"] == "failed":
        assert isinstance(done["error"], str) and done["error"].strip(), done
    assert done["created"] == 0 and done["updated"] == 0, done
    assert assert_list(api("GET", "/contacts", token=owner.access))["count"] == 0


def test_binary_garbage_without_header_is_refused(api, owner, server):
    garbage = bytes(range(256)) * 16
    resp = post_import(api, owner.access, garbage)
    _healthy(server)
    assert_validation(resp, "file")
    assert assert_list(api("GET", "/contacts", token=owner.access))["count"] == 0


def test_ten_megabyte_field_fails_its_row(api, owner, server):
    big = b"A" * (10 * 1024 * 1024)
    body = b"name,phone\n" + big + b",+255712000151\nB,+255712000152\n"
    job = start_import(api, owner.access, body)
    done = wait_import(api, owner.access, job["id"])
    _healthy(server)
    assert done["status"] == "completed", done
    assert_counts(done, created=1, failed=1)
    errors = _errors_by_line(api, owner.access, done["id"])
    assert set(errors) == {2}
    assert [c["phone_e164"] for c in _contacts(api, owner.access)] == ["+255712000152"]


def test_latin1_row_fails(api, owner, server):
    body = b"name,phone\nJos\xe9,+255712000161\nAna,+255712000162\nJo\xe3o,+255712000163\n"
    done = import_csv(api, owner.access, body)
    _healthy(server)
    assert done["status"] == "completed", done
    assert_counts(done, created=1, failed=2)
    assert set(_errors_by_line(api, owner.access, done["id"])) == {2, 4}
    (contact,) = _contacts(api, owner.access)
    assert contact["name"] == "Ana"


# ---------------------------------------------------------------- refused uploads

@pytest.mark.parametrize("multipart", [False, True], ids=["text-csv", "multipart"])
def test_file_without_phone_or_email_column_is_400(api, owner, multipart):
    resp = post_import(api, owner.access, "name,city\nAmina,Arusha\n", multipart=multipart)
    assert_validation(resp, "file")
    assert assert_list(api("GET", "/contacts/imports", token=owner.access))["count"] == 0
    assert assert_list(api("GET", "/contacts", token=owner.access))["count"] == 0


def test_mapping_without_phone_or_email_is_400(api, owner):
    resp = post_import(api, owner.access, "phone,name\n+255712000171,A\n",
                       mapping={"phone": "ignore", "name": "name"})
    assert_validation(resp, "file")


def test_multipart_without_file_part_is_400(api, owner):
    body, ctype = multipart_body({"on_existing": "update", "tags": "x"},
                                 [("upload", "contacts.csv", "phone\n+255712000181\n",
                                   "text/csv")])
    resp = api("POST", "/contacts/import", raw_body=body, content_type=ctype,
               token=owner.access)
    assert_error(resp, 400)
    assert assert_list(api("GET", "/contacts/imports", token=owner.access))["count"] == 0
    assert assert_list(api("GET", "/contacts", token=owner.access))["count"] == 0


@pytest.mark.parametrize("body", [
    b"--B\r\nContent-Type: text/csv\r\n\r\nphone\r\n--B--\r\n",     # no Content-Disposition
    b"--B\r\nContent-Disposition: form-data; name=\"file\r\n\r\nx\r\n--B--\r\n",  # open quote
    b"--B\r\nContent-Disposition: form-data; name=\"file\"\r\n",     # headers never end
    b"\x00\xff garbage without any boundary",
], ids=["no-disposition", "open-quote", "unended-headers", "garbage"])
def test_broken_multipart_is_400_and_stores_nothing(api, owner, body):
    resp = api("POST", "/contacts/import", raw_body=body,
               content_type="multipart/form-data; boundary=B", token=owner.access)
    assert_error(resp, 400, "MALFORMED_MULTIPART")
    assert assert_list(api("GET", "/contacts/imports", token=owner.access))["count"] == 0


@pytest.mark.parametrize("multipart", [False, True], ids=["text-csv", "multipart"])
def test_empty_file_is_400(api, owner, multipart):
    resp = post_import(api, owner.access, b"", multipart=multipart)
    assert_error(resp, 400)
    assert assert_list(api("GET", "/contacts/imports", token=owner.access))["count"] == 0


def test_upload_over_the_import_limit_is_413(server_factory):
    srv = server_factory(env={"UJUMBE_MAX_IMPORT_BYTES": "2048"}, label="small-imports")
    owner = register(srv.api)
    small = "phone,name\n" + "".join("+255714%06d,N\n" % i for i in range(50))
    assert len(small) < 2048
    done = import_csv(srv.api, owner.access, small)
    assert_counts(done, created=50)
    big = "phone,name\n" + "".join("+255715%06d,N\n" % i for i in range(400))
    assert len(big) > 2048
    for multipart in (False, True):
        resp = post_import(srv.api, owner.access, big, multipart=multipart)
        assert_error(resp, 413, "PAYLOAD_TOO_LARGE")
    assert srv.request("GET", "/healthz").status == 200
    imports = assert_list(srv.api("GET", "/contacts/imports", token=owner.access))
    assert imports["count"] == 1
    assert assert_list(srv.api("GET", "/contacts", token=owner.access))["count"] == 50


def test_import_scope(api, owner):
    read_key = create_api_key(api, owner.access, scopes=["contacts:read"])["key"]
    resp = post_import(api, apikey=read_key, data="phone\n+255712000191\n")
    assert_error(resp, 403, "INSUFFICIENT_SCOPE")
    write_key = create_api_key(api, owner.access, scopes=["contacts:write"])["key"]
    job = assert_ok(post_import(api, apikey=write_key, data="phone\n+255712000191\n"), 202)
    done = wait_import(api, owner.access, job["id"])
    assert_counts(done, created=1)


# ---------------------------------------------------------------- jobs

def test_imports_list_newest_first(api, owner):
    first = import_csv(api, owner.access, "phone\n+255712000201\n")
    second = import_csv(api, owner.access, "phone\n+255712000202\n+255712000203\n")
    data = assert_list(api("GET", "/contacts/imports", token=owner.access))
    assert data["count"] == 2
    assert [j["id"] for j in data["results"]] == [second["id"], first["id"]]
    for job in data["results"]:
        for field in IMPORT_FIELDS:
            assert field in job, (field, job)
        assert job["status"] == "completed"
    assert data["results"][0]["created"] == 2
    paged = assert_list(api("GET", with_query("/contacts/imports", page_size=1),
                            token=owner.access))
    assert paged["count"] == 2 and len(paged["results"]) == 1 and paged["next"]


def test_unknown_import_is_404(api, owner):
    assert_error(api("GET", "/contacts/imports/%s" % uuid.uuid4(), token=owner.access), 404,
                 "NOT_FOUND")
    resp = api("GET", "/contacts/imports/%s/errors.csv" % uuid.uuid4(), token=owner.access)
    assert_error(resp, 404, "NOT_FOUND")


def test_progress_and_bytes(api, owner):
    rows = "".join("Person %d,+255713%06d\n" % (i, i) for i in range(2000))
    body = ("name,phone\n" + rows).encode()
    job = start_import(api, owner.access, body)
    assert 0 <= job["progress"] <= 100
    done = wait_import(api, owner.access, job["id"])
    assert done["status"] == "completed", done
    assert_counts(done, created=2000)
    assert done["rows_processed"] == 2000
    assert done["progress"] == 100
    assert done["total_bytes"] == len(body)
    assert done["processed_bytes"] == done["total_bytes"]
    assert done["finished_at"] >= done["started_at"] >= done["created_at"]
    assert assert_list(api("GET", "/contacts", token=owner.access))["count"] == 2000


# ---------------------------------------------------------------- export

def _export(api, token, **params):
    return get_csv(api, token, with_query("/contacts/export", **params))


def test_export_format(api, owner):
    contact = create_contact(api, owner.access, name='O"Brien, Jr.', phone_e164=tz_phone(),
                             email=unique_email("exp"), tags=["b", "a"],
                             attributes={"company": "Acme, Inc.", "seats": 4, "vip": True})
    resp = api("GET", "/contacts/export", token=owner.access, headers={"Accept": "text/csv"})
    assert resp.status == 200
    assert resp.headers.get("transfer-encoding", "").lower() == "chunked", resp.headers
    text = _export(api, owner.access)
    rows = parse_csv(text)
    assert ",".join(rows[0]) == EXPORT_HEADER
    assert text.split("\n", 1)[0].rstrip("\r") == EXPORT_HEADER
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row["id"] == contact["id"] and row["name"] == 'O"Brien, Jr.'
    assert row["phone_e164"] == contact["phone_e164"] and row["email"] == contact["email"]
    assert row["tags"].split(",") == ["a", "b"]
    assert json.loads(row["attributes"]) == {"company": "Acme, Inc.", "seats": 4, "vip": True}
    assert row["created_at"] == contact["created_at"]


def test_export_of_empty_account_is_header_only(api, owner):
    rows = parse_csv(_export(api, owner.access))
    assert rows == [EXPORT_HEADER.split(",")]


def test_export_honours_filters(api, owner):
    a = create_contact(api, owner.access, name="Alpha Person", phone_e164=tz_phone(),
                       tags=["vip"], is_active=True)
    b = create_contact(api, owner.access, name="Beta Person", phone_e164=tz_phone(),
                       tags=["vip", "gold"], is_active=False)
    c = create_contact(api, owner.access, name="Gamma", phone_e164=tz_phone(), tags=["gold"])
    gone = create_contact(api, owner.access, name="Deleted Person", phone_e164=tz_phone(),
                          tags=["vip"])
    assert_ok(api("DELETE", "/contacts/%s" % gone["id"], token=owner.access))

    def ids(path):
        return {r["id"] for r in csv_dicts(get_csv(api, owner.access, path))}

    assert ids("/contacts/export") == {a["id"], b["id"], c["id"]}
    assert ids("/contacts/export?tag=vip") == {a["id"], b["id"]}
    assert ids("/contacts/export?tag=vip&tag=gold") == {b["id"]}
    assert ids("/contacts/export?search=person") == {a["id"], b["id"]}
    assert ids("/contacts/export?search=person&is_active=true") == {a["id"]}
    assert ids("/contacts/export?tag=none-such") == set()


def test_export_bad_filter_is_400(api, owner):
    resp = api("GET", "/contacts/export?is_active=maybe", token=owner.access,
               headers={"Accept": "text/csv"})
    assert_validation(resp, "is_active")


def test_export_then_import_into_another_account(api, owner, register):
    token = owner.access
    first = create_contact(api, token, name='O"Brien, Jr.', phone_e164="+255712000301",
                           email="obrien@example.com", tags=["alpha", "beta"],
                           attributes={"company": "Acme, Inc.", "seats": 4, "vip": True,
                                       "ratio": 2.5, "quote": 'say "hi"',
                                       "multi": "line one\nline two"},
                           is_active=True, is_opted_in=False)
    create_contact(api, token, name="Ünïcödé Ñame 名字", email="unicode@example.com",
                   is_active=False, is_opted_in=False)
    create_contact(api, token, name="Solo", phone_e164="+255712000303",
                   attributes={"flag": False},
                   tags=["solo"], is_opted_in=False)
    fourth = create_contact(api, token, name="Semi; colon", phone_e164="+255712000304",
                            attributes={"zero": 0, "negative": -12, "empty": ""})
    for c in (first, fourth):
        assert_ok(api("POST", "/contacts/%s/opt-in" % c["id"], json={}, token=token))
    gone = create_contact(api, token, name="Gone", phone_e164="+255712000305")
    assert_ok(api("DELETE", "/contacts/%s" % gone["id"], token=token))

    exported = _export(api, token)
    other = register()
    done = import_csv(api, other.access, exported.encode("utf-8"), filename="export.csv")
    assert done["status"] == "completed", done
    assert_counts(done, created=4)

    fields = ("name", "phone_e164", "email", "tags", "attributes", "is_active", "is_opted_in")

    def key(c):
        return (c["phone_e164"] or "", c["email"] or "")

    def snapshot(tok):
        return {key(c): {f: c[f] for f in fields} for c in _contacts(api, tok)}

    source, copy = snapshot(token), snapshot(other.access)
    assert len(source) == 4
    assert copy == source
    # and the copy exports to the same rows (ids and timestamps aside)
    again = csv_dicts(_export(api, other.access))
    first = csv_dicts(exported)
    cols = ("name", "phone_e164", "email", "tags", "is_active", "is_opted_in")
    assert sorted(tuple(r[c] for c in cols) for r in again) == \
        sorted(tuple(r[c] for c in cols) for r in first)


def test_export_scope(api, owner):
    create_contact(api, owner.access, phone_e164=tz_phone())
    key = create_api_key(api, owner.access, scopes=["contacts:read"])["key"]
    text = get_csv(api, None, "/contacts/export", apikey=key)
    assert len(parse_csv(text)) == 2
    other = create_api_key(api, owner.access, scopes=["messages:read"])["key"]
    resp = api("GET", "/contacts/export", apikey=other, headers={"Accept": "text/csv"})
    assert_error(resp, 403, "INSUFFICIENT_SCOPE")
