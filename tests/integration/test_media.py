"""Media (docs/api-media.md, decision 0038) over HTTP against the real
binary: uploads as a multipart form or as the body, typed by their content
(never by name or claimed type) within the size limit, stored under the data
directory by hash, read back only through a signed URL that expires, deleted
with their file; sent over WhatsApp by uploading them to Meta (once for
several messages); media customers send downloaded into media; and another
account reaching none of it.
"""

import hashlib
import time
import urllib.parse
import uuid

import ujumbe_it as u
from graph_simulator import GraphSimulator
from test_whatsapp_sending import Account, new_customer
from ujumbe_it import assert_error, assert_ok

GRAPH = GraphSimulator().start()

msrv, mapi, madmin = u.module_server(
    {"UJUMBE_WHATSAPP_GRAPH_URL": GRAPH.url, "UJUMBE_MAX_MEDIA_BYTES": str(256 * 1024),
     "UJUMBE_MEDIA_URL_TTL_S": "3"}, "media", "m")

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"x" * 500


def upload(api, token, data, filename="file.bin", ctype="application/octet-stream"):
    body, content_type = u.multipart_body(files=[("file", filename, data, ctype)])
    return api("POST", "/media", token=token, raw_body=body, content_type=content_type)


def sent_to(acct, customer):
    return [m for m in GRAPH.sent(acct.phone_number_id) if m["to"] == customer]


def fetch(srv, url):
    """GET a signed URL (a path) without any credential."""
    return srv.api("GET", url[len("/api/v1"):])


def test_an_upload_is_typed_by_content_and_read_back_through_its_signed_url(mapi, msrv):
    owner = u.register(mapi)
    m = assert_ok(upload(mapi, owner.access, PNG, "menu.jpg", "image/jpeg"), 201)
    assert m["mime_type"] == "image/png" and m["kind"] == "image"  # the content decides
    assert m["status"] == "ready" and m["origin"] == "upload"
    assert m["filename"] == "menu.jpg" and m["size_bytes"] == len(PNG)
    assert m["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert u.is_timestamp(m["url_expires_at"])
    # Stored under the data directory by the content's hash.
    stored = list((msrv.data_dir / "media").rglob(m["sha256"]))
    assert len(stored) == 1 and stored[0].read_bytes() == PNG
    got = fetch(msrv, m["url"])
    assert got.status == 200 and got.raw == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    # The file as the body, named by the query.
    doc = assert_ok(mapi("POST", "/media?filename=Offer%20May.pdf", token=owner.access,
                         raw_body=PDF, content_type="application/pdf"), 201)
    assert doc["kind"] == "document" and doc["filename"] == "Offer May.pdf"
    got = fetch(msrv, doc["url"])
    assert got.raw == PDF
    assert "filename*=UTF-8''Offer%20May.pdf" in got.headers["content-disposition"]
    listed = u.assert_list(mapi("GET", "/media", token=owner.access))
    assert [x["id"] for x in listed["results"]] == [doc["id"], m["id"]]
    assert [x["id"] for x in u.assert_list(mapi("GET", "/media?kind=image",
                                                 token=owner.access))["results"]] == [m["id"]]


def test_signed_urls_refuse_changes_and_expire(mapi, msrv):
    owner = u.register(mapi)
    m = assert_ok(upload(mapi, owner.access, PNG + b"1"), 201)
    parts = urllib.parse.urlsplit(m["url"])
    q = urllib.parse.parse_qs(parts.query)
    expires, signature = q["expires"][0], q["signature"][0]
    base = parts.path[len("/api/v1"):]
    assert_error(msrv.api("GET", base), 403, "SIGNATURE_INVALID")
    assert_error(msrv.api("GET", base + "?expires=%s&signature=%s" % (
        int(expires) + 3600, signature)), 403, "SIGNATURE_INVALID")
    assert_error(msrv.api("GET", base + "?expires=%s&signature=%s" % (
        expires, "0" * 64)), 403, "SIGNATURE_INVALID")
    other = assert_ok(upload(mapi, owner.access, PNG + b"2"), 201)
    assert_error(msrv.api("GET", "/media/%s/content?expires=%s&signature=%s" % (
        other["id"], expires, signature)), 403, "SIGNATURE_INVALID")
    assert fetch(msrv, m["url"]).status == 200
    time.sleep(4)  # UJUMBE_MEDIA_URL_TTL_S is 3
    assert_error(fetch(msrv, m["url"]), 403, "SIGNATURE_INVALID")
    fresh = assert_ok(mapi("GET", "/media/" + m["id"], token=owner.access))
    assert fetch(msrv, fresh["url"]).raw == PNG + b"1"


def test_what_is_no_known_type_or_too_large_is_refused_and_nothing_is_stored(mapi, msrv):
    owner = u.register(mapi)
    exe = upload(mapi, owner.access, b"MZ\x90\x00\x03" + b"\x00" * 100, "photo.jpg",
                 "image/jpeg")
    assert_error(exe, 415, "UNSUPPORTED_MEDIA_TYPE", field="file")
    assert b"MZ" not in exe.raw  # the content is never echoed
    assert_error(upload(mapi, owner.access, PNG + b"\x00" * (256 * 1024)), 413)
    assert_error(upload(mapi, owner.access, b""), 400, field="file")
    body, ctype = u.multipart_body(fields={"caption": "no file"})
    assert_error(mapi("POST", "/media", token=owner.access, raw_body=body, content_type=ctype),
                 400, field="file")
    assert_error(mapi("POST", "/media", token=owner.access, raw_body=b"--x\r\nbroken",
                      content_type="multipart/form-data; boundary=x"), 400)
    assert_error(mapi("POST", "/media", token=owner.access, raw_body=PNG,
                      content_type="application/x-msdownload"), 415)
    assert u.assert_list(mapi("GET", "/media", token=owner.access))["count"] == 0
    assert_error(mapi("POST", "/media", raw_body=PNG, content_type="image/png"), 401)


def test_another_account_reaches_none_of_it_and_delete_takes_the_file(mapi, msrv):
    owner, other = u.register(mapi), u.register(mapi)
    m = assert_ok(upload(mapi, owner.access, PDF + b"mine"), 201)
    assert_error(mapi("GET", "/media/" + m["id"], token=other.access), 404)
    assert_error(mapi("DELETE", "/media/" + m["id"], token=other.access), 404)
    assert u.assert_list(mapi("GET", "/media", token=other.access))["count"] == 0
    acct = Account(mapi, msrv, GRAPH)  # a WhatsApp account that tries to send it
    customer = new_customer()
    acct.customer_writes(customer)
    assert_error(acct.send(to="+" + customer, media={"id": m["id"]}), 400, "MEDIA_NOT_FOUND",
                 field="media.id")
    # Deleted: its file goes, its URL opens nothing.
    assert_ok(mapi("DELETE", "/media/" + m["id"], token=owner.access))
    assert not list((msrv.data_dir / "media").rglob(m["sha256"]))
    assert fetch(msrv, m["url"]).status == 404
    assert_error(mapi("GET", "/media/" + m["id"], token=owner.access), 404)


def test_uploaded_media_goes_to_whatsapp_through_one_upload_to_meta(mapi, msrv):
    acct = Account(mapi, msrv, GRAPH)
    image = PNG + uuid.uuid4().bytes
    m = assert_ok(upload(mapi, acct.owner.access, image, "menu.png"), 201)
    customers = [new_customer(), new_customer()]
    sent = []
    for customer in customers:
        acct.customer_writes(customer)
        msg = assert_ok(acct.send(to="+" + customer, media={"id": m["id"]}, body="Menu"), 201)
        assert msg["content"]["type"] == "image"
        assert msg["content"]["image"]["upload"]["id"] == m["id"]
        sent.append(msg)
    for msg in sent:
        acct.wait_status(msg["id"], "read")
    uploads = [c for c in GRAPH.calls_to("/%s/media" % acct.phone_number_id) if c[0] == "POST"]
    assert len(uploads) == 1  # the second message used Meta's id of the first upload
    ids = set()
    for customer in customers:
        (got,) = sent_to(acct, customer)
        assert got["type"] == "image" and got["image"]["caption"] == "Menu"
        assert "upload" not in got["image"]
        ids.add(got["image"]["id"])
    (meta_id,) = ids
    assert GRAPH.media[meta_id]["bytes"] == image
    assert GRAPH.media[meta_id]["mime_type"] == "image/png"
    # A document keeps its name; the kind must match what was uploaded.
    doc = assert_ok(upload(mapi, acct.owner.access, PDF + uuid.uuid4().bytes, "Offer.pdf"), 201)
    assert_error(acct.send(to="+" + customers[0], media={"id": doc["id"], "type": "image"}),
                 400, "INVALID_CONTENT", field="media.type")
    msg = assert_ok(acct.send(to="+" + customers[0], media={"id": doc["id"]}), 201)
    acct.wait_status(msg["id"], "read")
    got = sent_to(acct, customers[0])[-1]
    assert got["type"] == "document" and got["document"]["filename"] == "Offer.pdf"
    # A caller cannot name a file of the store directly.
    assert_error(acct.send(to="+" + customers[0], media={
        "type": "image", "upload": {"sha256": m["sha256"], "mime_type": "image/png"}}),
        400, field="media.upload")


def test_media_a_customer_sends_is_downloaded_into_media(mapi, msrv):
    acct = Account(mapi, msrv, GRAPH)
    customer = new_customer()
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF" + uuid.uuid4().bytes * 20
    meta_id = GRAPH.send_inbound_media(acct.phone_number_id, customer, photo, "image/jpeg",
                                       caption="Is this one in stock?")
    deadline = time.time() + 20
    media = None
    while time.time() < deadline:
        found = assert_ok(acct.api("GET", u.with_query(
            "/messages", direction="inbound", channel="whatsapp", sender_id="+" + customer),
            token=acct.owner.access))["results"]
        if found and found[0]["content"].get("media_id"):
            media = assert_ok(acct.api("GET", "/media/" + found[0]["content"]["media_id"],
                                       token=acct.owner.access))
            if media["status"] == "ready":
                break
        time.sleep(0.1)
    assert media and media["status"] == "ready", media
    assert found[0]["body"] == "Is this one in stock?"
    assert media["origin"] == "whatsapp" and media["mime_type"] == "image/jpeg"
    assert media["sha256"] == hashlib.sha256(photo).hexdigest()
    assert fetch(msrv, media["url"]).raw == photo
    downloads = GRAPH.calls_to("/" + meta_id)
    assert downloads and all(c[2]["Authorization"].startswith("Bearer EAAG") for c in downloads)
    # The customer's file is the account's alone.
    other = u.register(mapi)
    assert_error(mapi("GET", "/media/" + media["id"], token=other.access), 404)


def test_a_key_or_role_with_less_than_the_route_needs_is_refused(mapi, msrv):
    owner = u.register(mapi)
    m = assert_ok(upload(mapi, owner.access, PDF + b"scoped"), 201)
    reader = u.create_api_key(mapi, owner.access, scopes=["messages:read"])["key"]
    assert_error(mapi("POST", "/media", apikey=reader, raw_body=PNG, content_type="image/png"),
                 403)
    assert_error(mapi("DELETE", "/media/" + m["id"], apikey=reader), 403)
    assert assert_ok(mapi("GET", "/media/" + m["id"], apikey=reader))["id"] == m["id"]
    sender = u.create_api_key(mapi, owner.access, scopes=["contacts:read"])["key"]
    assert_error(mapi("GET", "/media", apikey=sender), 403)
    # An agent uploads and deletes their own, not the owner's.
    agent = u.member(mapi, owner, role="agent")
    mine = assert_ok(upload(mapi, agent.access, PDF + b"agent's"), 201)
    assert_error(mapi("DELETE", "/media/" + m["id"], token=agent.access), 403)
    assert_ok(mapi("DELETE", "/media/" + mine["id"], token=agent.access))
