"""Email as a message channel (docs/api-messaging.md, "Email"): POST
/messages and /messages/bulk with channel `email` through an smtp gateway
that a routing rule of channel email names, against a real relay (aiosmtpd
with STARTTLS and AUTH, tests/integration/smtp_relay.py); marketing mail
carries a one-click unsubscribe link (RFC 8058) that records the opt-out in
the contact's consent history; mail is priced by the cards' email lines.

The module runs its own server: its public URL goes into the links, and its
routes and rates are its own.
"""

import re
import uuid
from urllib.parse import urlsplit

import pytest

import ujumbe_it as u
from smtp_relay import SmtpRelay
from ujumbe_it import assert_error, assert_list, assert_ok

PUBLIC_URL = "https://mail.example.test"
esrv, eapi, eadmin = u.module_server({"UJUMBE_PUBLIC_URL": PUBLIC_URL}, "email-channel", "e")

FINAL = {"sent", "failed", "rejected", "undelivered", "expired"}


@pytest.fixture(scope="module")
def relay(tmp_path_factory):
    r = SmtpRelay(tmp_path_factory.mktemp("relay")).start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def mail_route(eapi, eadmin, relay):
    """An smtp gateway for the relay, a rule sending all mail to it, and a
    base price for mail."""
    g = assert_ok(eapi("POST", "/gateways", token=eadmin.access,
                       json={"name": "relay-" + uuid.uuid4().hex[:6], "kind": "smtp",
                             "settings": relay.settings(rate=200)}), 201)
    r = assert_ok(eapi("POST", "/routes", token=eadmin.access,
                       json={"name": "mail", "channel": "email",
                             "gateways": [{"gateway_id": g["id"], "weight": 1}]}), 201)
    assert_ok(eapi("POST", "/rates", token=eadmin.access,
                   json={"channel": "email", "price": "0.002"}))
    yield g
    eapi("DELETE", "/routes/%s" % r["id"], token=eadmin.access)
    eapi("DELETE", "/gateways/%s" % g["id"], token=eadmin.access)


def address(tag="reader"):
    return "%s-%s@example.co.tz" % (tag, uuid.uuid4().hex[:10])


def send_mail(api, token, to, status=201, **fields):
    body = {"channel": "email", "to": to, "subject": "Your order", "body": "Asante!"}
    body.update(fields)
    return api("POST", "/messages", json=body, token=token)


def wait_final(api, token, mid, timeout=20):
    import time
    deadline = time.monotonic() + timeout
    while True:
        m = assert_ok(api("GET", "/messages/%s" % mid, token=token))
        if m["status"] in FINAL or time.monotonic() > deadline:
            return m
        time.sleep(0.05)


def unsubscribe_url(mail):
    found = re.fullmatch(r"<([^>]+)>", str(mail["List-Unsubscribe"]))
    assert found, mail["List-Unsubscribe"]
    return found.group(1)


def local_path(url):
    """The server's own path and query of a link made with PUBLIC_URL."""
    assert url.startswith(PUBLIC_URL + "/api/v1/unsubscribe?token="), url
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def one_click(srv, url, content_type="application/x-www-form-urlencoded"):
    """What a mail client does for RFC 8058's one-click unsubscribe."""
    return srv.request("POST", local_path(url), raw_body="List-Unsubscribe=One-Click",
                       content_type=content_type, headers={"Accept": "text/html"})


def test_a_mail_arrives_with_its_subject_html_name_and_one_click_unsubscribe(
        esrv, eapi, relay, mail_route):
    owner = u.register(eapi)
    to = address()
    sent = assert_ok(send_mail(eapi, owner.access, to.upper(), from_name="Duka la Amina",
                               html="<html><body><p>Asante <b>sana</b>!</p></body></html>"),
                     201)
    assert sent["channel"] == "email" and sent["to"] == to  # lower-cased
    assert sent["sender_id"] == "Duka la Amina" and sent["segments"] == 1
    assert sent["price"] == "0.002000" or float(sent["price"]) == 0.002, sent
    mail = relay.wait_for(to)[0]
    assert str(mail["Subject"]) == "Your order"
    assert mail["From"].addresses[0].display_name == "Duka la Amina"
    assert mail["From"].addresses[0].addr_spec == "noreply@ujumbe.test"
    assert str(mail["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    url = unsubscribe_url(mail)
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert text.startswith("Asante!") and url in text
    assert "<b>sana</b>" in html and ('href="%s"' % url.replace("&", "&amp;")) in html
    assert html.index("Unsubscribe") < html.lower().index("</body>")
    done = wait_final(eapi, owner.access, sent["id"])
    assert done["status"] == "sent", done
    content = done["content"]
    assert content["subject"] == "Your order" and content["from_name"] == "Duka la Amina"


def test_one_click_opts_the_address_out_of_mail_only_and_it_shows_in_the_history(
        esrv, eapi, relay, mail_route):
    owner = u.register(eapi)
    to, phone = address("both"), u.tz_phone()
    contact = u.create_contact(eapi, owner.access, name="Baraka", phone_e164=phone, email=to)
    sent = assert_ok(send_mail(eapi, owner.access, to), 201)
    url = unsubscribe_url(relay.wait_for(to)[0])
    # Opening the link only asks; a scanner following it changes nothing.
    page = esrv.request("GET", local_path(url), headers={"Accept": "text/html"})
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert b"<form method=\"post\"" in page.raw and to.encode() in page.raw
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert u.get_contact(eapi, owner.access, contact["id"])["opted_out_channels"] == []
    done = one_click(esrv, url)
    assert done.status == 200 and b"Unsubscribed" in done.raw, done
    got = u.get_contact(eapi, owner.access, contact["id"])
    assert got["opted_out_channels"] == ["email"] and got["opt_out_at"] is None
    entry = got["consent_history"][0]
    assert (entry["action"], entry["channel"], entry["source"]) == (
        "opt_out", "email", "unsubscribe"), entry
    # A second click (the page's button after the mail client's POST) adds nothing.
    assert one_click(esrv, url, content_type="multipart/form-data; boundary=x").status == 200
    assert len(u.get_contact(eapi, owner.access, contact["id"])["consent_history"]) == len(
        got["consent_history"])
    # Marketing mail is refused now; receipts still go, and without the link.
    assert_error(send_mail(eapi, owner.access, to), 422, "RECIPIENT_OPTED_OUT", "to")
    receipt = assert_ok(send_mail(eapi, owner.access, to, transactional=True,
                                  subject="Receipt 7"), 201)
    mail = relay.wait_for(to, subject="Receipt 7")[0]
    assert mail["List-Unsubscribe"] is None
    assert "unsubscribe" not in mail.get_body(("plain",)).get_content().lower()
    assert wait_final(eapi, owner.access, receipt["id"])["status"] == "sent"
    # SMS to the same contact is another channel's consent.
    sms = assert_ok(eapi("POST", "/messages", json={"to": phone, "body": "Karibu"},
                         token=owner.access), 201)
    assert sms["channel"] == "sms"
    assert sent["id"] != receipt["id"]


def test_unsubscribing_an_address_that_is_no_contact_keeps_it_refused(
        esrv, eapi, relay, mail_route):
    owner = u.register(eapi)
    to = address("stranger")
    assert_ok(send_mail(eapi, owner.access, to), 201)
    assert one_click(esrv, unsubscribe_url(relay.wait_for(to)[0])).status == 200
    found = assert_list(eapi("GET", u.with_query("/contacts", search=to), token=owner.access))
    assert [c["email"] for c in found["results"]] == [to]
    assert found["results"][0]["opted_out_channels"] == ["email"]
    assert_error(send_mail(eapi, owner.access, to), 422, "RECIPIENT_OPTED_OUT", "to")


def test_a_forged_or_altered_link_changes_nothing(esrv, eapi, relay, mail_route):
    owner = u.register(eapi)
    to, other = address("victim"), address("other")
    assert_ok(send_mail(eapi, owner.access, to), 201)
    url = unsubscribe_url(relay.wait_for(to)[0])
    token = url.split("token=", 1)[1]
    payload, mac = token.split(".")
    # Another address under the same signature, a cut signature, garbage, none.
    swapped = u.b64url(u.b64url_decode(payload).replace(to.encode(), other.encode()))
    for bad in [swapped + "." + mac, payload + "." + mac[:-2], "x" * 5000, "", payload]:
        resp = esrv.request("POST", "/api/v1/unsubscribe?token=" + bad,
                            raw_body="List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded")
        assert resp.status == 400 and b"not valid" in resp.raw, resp
        assert b"<script" not in resp.raw
    resp = esrv.request("GET", "/api/v1/unsubscribe", headers={"Accept": "text/html"})
    assert resp.status == 400
    for contact_address in (to, other):
        found = assert_list(eapi("GET", u.with_query("/contacts", search=contact_address),
                                 token=owner.access))
        assert found["results"] == []
    # The link names its account: the same address at another account is
    # still welcome there.
    second = u.register(eapi)
    assert one_click(esrv, url).status == 200
    assert_ok(send_mail(eapi, second.access, to), 201)


def test_bad_mail_requests_name_their_field(eapi, mail_route):
    owner = u.register(eapi)
    to = address()
    cases = [
        ({"to": "not-an-address"}, "to", "INVALID_EMAIL"),
        ({"to": "a@b@example.com"}, "to", "INVALID_EMAIL"),
        ({"subject": None}, "subject", None),
        ({"subject": "x" * 256}, "subject", None),
        ({"subject": "line\r\nBcc: all@example.com"}, "subject", None),
        ({"body": ""}, "body", None),
        ({"sender_id": "Duka"}, "sender_id", "CHANNEL_MISMATCH"),
        ({"media": {"link": "https://example.com/a.png"}}, "channel", "CHANNEL_MISMATCH"),
        ({"html": 5}, "html", None),
        ({"from_name": "n" * 101}, "from_name", None),
    ]
    for change, field, code in cases:
        fields = {"to": to}
        fields.update(change)
        body = {"channel": "email", "subject": "Hello", "body": "Text"}
        body.update(fields)
        body = {k: v for k, v in body.items() if v is not None}
        resp = eapi("POST", "/messages", json=body, token=owner.access)
        assert_error(resp, 400, code, field)
        assert b"all@example.com" not in resp.raw or field != "subject"
    # An address with SMS: SMS does not take a subject.
    assert_error(eapi("POST", "/messages", token=owner.access,
                      json={"to": u.tz_phone(), "body": "x", "subject": "Hi"}), 400,
                 "CHANNEL_MISMATCH")
    # A mail rate line is one per card: no prefix or country.
    admin_resp = eapi("POST", "/rates", token=u.login(eapi, u.ADMIN_EMAIL,
                                                       u.ADMIN_PASSWORD).access,
                      json={"channel": "email", "prefix": "255", "price": "0.001"})
    assert_error(admin_resp, 400, None, "prefix")


def test_bulk_mail_sends_the_good_addresses_and_names_the_bad(eapi, relay, mail_route):
    owner = u.register(eapi)
    good = [address("bulk") for _ in range(3)]
    resp = assert_ok(eapi("POST", "/messages/bulk", token=owner.access,
                          json={"channel": "email", "subject": "News", "body": "Karibu",
                                "to": good + ["nobody"]}), 201)
    assert resp["accepted"] == 3 and resp["rejected"] == 1
    assert resp["results"][3]["error_code"] == "INVALID_EMAIL"
    for to in good:
        assert relay.wait_for(to, subject="News")


def test_a_refused_recipient_fails_the_message_with_the_relays_answer(
        eapi, relay, mail_route):
    owner = u.register(eapi)
    to = address("gone")
    relay.refuse(to, "550 5.1.1 No such user")
    sent = assert_ok(send_mail(eapi, owner.access, to), 201)
    done = wait_final(eapi, owner.access, sent["id"])
    assert done["status"] in ("failed", "rejected") and done["error_code"], done


def test_without_a_public_url_marketing_mail_is_refused_and_receipts_go(api, owner):
    # The shared server has no UJUMBE_PUBLIC_URL: no link can be made.
    resp = api("POST", "/messages", token=owner.access,
               json={"channel": "email", "to": address(), "subject": "S", "body": "B"})
    assert_error(resp, 422, "PUBLIC_URL_REQUIRED", "transactional")
    sent = assert_ok(api("POST", "/messages", token=owner.access,
                         json={"channel": "email", "to": address(), "subject": "S", "body": "B",
                               "transactional": True}), 201)
    assert sent["channel"] == "email"


# --------------------------------------------------------------------------
# Email templates, sends that name a template, email campaigns
# --------------------------------------------------------------------------
def email_template(api, token, **fields):
    body = {"name": "tpl-" + uuid.uuid4().hex[:8], "channel": "email",
            "subject": "Order {{attributes.order|new}} for {{name}}",
            "body": "Hello {{name}}, order {{attributes.order|new}} is ready.",
            "html": "<p>Hello <b>{{name}}</b>, order {{attributes.order|new}}.</p>"}
    body.update(fields)
    return assert_ok(api("POST", "/templates", json=body, token=token), 201)


def test_email_templates_have_a_subject_and_html_and_keep_their_channel(eapi):
    owner = u.register(eapi)
    t = email_template(eapi, owner.access)
    assert t["channel"] == "email" and t["subject"].startswith("Order")
    assert t["html"].startswith("<p>")
    sms = assert_ok(eapi("POST", "/templates", token=owner.access,
                         json={"name": "plain", "body": "Hi {{name}}"}), 201)
    assert sms["channel"] == "sms" and sms["subject"] is None and sms["html"] is None
    for body, field in [
            ({"name": "a", "channel": "email", "body": "x"}, "subject"),
            ({"name": "b", "channel": "email", "subject": "{{nope}}", "body": "x"}, "subject"),
            ({"name": "c", "channel": "email", "subject": "S", "body": "x",
              "html": "<p>{{name</p>"}, "html"),
            ({"name": "d", "body": "x", "subject": "S"}, "subject"),
            ({"name": "e", "body": "x" * 1601}, "body"),
            ({"name": "f", "channel": "fax", "body": "x"}, "channel")]:
        assert_error(eapi("POST", "/templates", json=body, token=owner.access), 400, None, field)
    assert_error(eapi("PUT", "/templates/%s" % t["id"], json={"channel": "sms"},
                      token=owner.access), 400, None, "channel")
    changed = assert_ok(eapi("PUT", "/templates/%s" % t["id"], token=owner.access,
                             json={"html": None, "subject": "New subject"}))
    assert changed["html"] is None and changed["subject"] == "New subject"
    # The preview renders every part, values escaped in the HTML.
    t = email_template(eapi, owner.access)
    c = u.create_contact(eapi, owner.access, name="Amina <Duka>", email=address())
    p = assert_ok(eapi("POST", "/templates/%s/preview" % t["id"],
                       json={"contact_id": c["id"]}, token=owner.access))
    assert p["subject"] == "Order new for Amina <Duka>"
    assert p["text"] == "Hello Amina <Duka>, order new is ready."
    assert p["html"] == "<p>Hello <b>Amina &lt;Duka&gt;</b>, order new.</p>"


def test_a_mail_from_a_template_is_filled_with_the_contact_and_the_variables(
        eapi, relay, mail_route):
    owner = u.register(eapi)
    t = email_template(eapi, owner.access)
    to = address("tpl")
    u.create_contact(eapi, owner.access, name="Amina <Duka>", email=to)
    sent = assert_ok(eapi("POST", "/messages", token=owner.access,
                          json={"channel": "email", "to": to, "template_id": t["id"],
                                "variables": {"order": 17}}), 201)
    assert sent["body"].startswith("Hello Amina <Duka>, order 17 is ready.")
    mail = relay.wait_for(to)[0]
    assert str(mail["Subject"]) == "Order 17 for Amina <Duka>"
    html = mail.get_body(("html",)).get_content()
    assert "<b>Amina &lt;Duka&gt;</b>, order 17." in html
    # A stranger's values come from `variables` alone; a value no one gives
    # and without a default names the variable.
    strict = email_template(eapi, owner.access, subject="For {{name}}", html=None)
    other = address("stranger")
    resp = eapi("POST", "/messages", token=owner.access,
                json={"channel": "email", "to": other, "template_id": strict["id"]})
    body = assert_error(resp, 400, "MISSING_VARIABLE", "variables")
    assert body["details"]["variable"] == "name"
    assert_ok(eapi("POST", "/messages", token=owner.access,
                   json={"channel": "email", "to": other, "template_id": strict["id"],
                         "variables": {"name": "Baraka"}}), 201)
    assert str(relay.wait_for(other)[0]["Subject"]) == "For Baraka"


def test_template_sends_refuse_other_channels_other_accounts_and_a_body_too(eapi, mail_route):
    owner, stranger = u.register(eapi), u.register(eapi)
    mail_tpl = email_template(eapi, owner.access)
    sms_tpl = assert_ok(eapi("POST", "/templates", token=owner.access,
                             json={"name": "s", "body": "Hi {{name|rafiki}}"}), 201)
    to = address()
    cases = [
        ({"channel": "email", "to": to, "template_id": sms_tpl["id"]}, owner,
         "CHANNEL_MISMATCH", "template_id"),
        ({"to": u.tz_phone(), "template_id": mail_tpl["id"]}, owner, "CHANNEL_MISMATCH",
         "template_id"),
        ({"channel": "email", "to": to, "template_id": mail_tpl["id"]}, stranger,
         "TEMPLATE_NOT_FOUND", "template_id"),
        ({"channel": "email", "to": to, "template_id": mail_tpl["id"], "body": "x"}, owner,
         "INVALID_BODY", "body"),
        ({"channel": "email", "to": to, "template_id": mail_tpl["id"],
          "variables": {"a": {"deep": 1}}}, owner, None, "variables"),
        ({"channel": "email", "to": to, "template_id": mail_tpl["id"], "variables": [1]},
         owner, None, "variables"),
    ]
    for body, who, code, field in cases:
        assert_error(eapi("POST", "/messages", json=body, token=who.access), 400, code, field)
    # An SMS template fills an SMS; bulk entries bring their own values.
    sms = assert_ok(eapi("POST", "/messages", token=owner.access,
                         json={"to": u.tz_phone(), "template_id": sms_tpl["id"]}), 201)
    assert sms["body"] == "Hi rafiki"
    bulk = assert_ok(eapi("POST", "/messages/bulk", token=owner.access, json={
        "template_id": sms_tpl["id"],
        "messages": [{"to": u.tz_phone(), "variables": {"name": "Amina"}},
                     {"to": u.tz_phone()}]}), 201)
    bodies = [assert_ok(eapi("GET", "/messages/%s" % r["id"], token=owner.access))["body"]
              for r in bulk["results"]]
    assert bodies == ["Hi Amina", "Hi rafiki"]


def test_an_email_campaign_mails_each_opted_in_address_once(eapi, relay, mail_route):
    import time
    owner = u.register(eapi)
    t = email_template(eapi, owner.access)
    people = [u.create_contact(eapi, owner.access, name="Person %d" % i, email=address("k"),
                               is_opted_in=True, attributes={"order": str(100 + i)})
              for i in range(3)]
    no_email = u.create_contact(eapi, owner.access, phone_e164=u.tz_phone(), is_opted_in=True)
    left = u.create_contact(eapi, owner.access, email=address("left"), is_opted_in=True)
    assert_ok(eapi("POST", "/contacts/%s/opt-out" % left["id"], json={"channel": "email"},
                   token=owner.access))
    ids = [p["id"] for p in people] + [no_email["id"], left["id"]]
    # Email campaigns send an email template, and nothing else.
    for body, field in [({"message_text": "Hi"}, "message_text"),
                        ({"template": assert_ok(eapi("POST", "/templates", token=owner.access,
                                                     json={"name": "sms", "body": "x"}),
                                                201)["id"]}, "template"),
                        ({}, "template")]:
        body.update({"name": "bad", "campaign_type": "email", "target_contact_ids": ids})
        assert_error(eapi("POST", "/campaigns", json=body, token=owner.access), 400, None, field)
    k = assert_ok(eapi("POST", "/campaigns", token=owner.access, json={
        "name": "Newsletter", "campaign_type": "email", "template": t["id"],
        "target_contact_ids": ids}), 201)
    assert k["campaign_type"] == "email" and k["total_recipients"] == 3
    assert k["excluded"]["no_email"] == 1 and k["excluded"]["opted_out"] == 1, k
    assert float(k["estimated_cost"]) == pytest.approx(0.006)
    assert_ok(eapi("POST", "/campaigns/%s/start" % k["id"], token=owner.access))
    for p in people:
        mail = relay.wait_for(p["email"])[0]
        assert str(mail["Subject"]) == "Order %s for %s" % (p["attributes"]["order"], p["name"])
        assert mail["List-Unsubscribe"] is not None
    deadline = time.monotonic() + 20
    while True:
        got = assert_ok(eapi("GET", "/campaigns/%s" % k["id"], token=owner.access))
        if got["status"] == "completed" and got["sent_count"] == 3:
            break
        assert time.monotonic() < deadline, got
        time.sleep(0.1)
    assert got["accepted_count"] == 3 and got["skipped_count"] == 0
    assert len(relay.to(left["email"])) == 0


def test_outsiders_get_nothing_from_deep_bodies_big_forms_or_weak_keys(esrv, eapi, mail_route):
    owner = u.register(eapi)
    t = email_template(eapi, owner.access)
    # `variables` 100,000 levels deep: refused before anything is read into it.
    deep = '{"channel": "email", "to": "%s", "template_id": "%s", "variables": %s%s}' % (
        address(), t["id"], '{"a":' * 100000, '1' + '}' * 100000)
    resp = eapi("POST", "/messages", raw_body=deep, token=owner.access)
    assert resp.status == 400, resp
    assert len(resp.raw) < 2000
    # An attribute at the edge of int64 renders as written.
    to = address("edge")
    sent = assert_ok(eapi("POST", "/messages", token=owner.access,
                          json={"channel": "email", "to": to, "template_id": t["id"],
                                "variables": {"name": "N", "order": 9223372036854775807}}), 201)
    assert "9223372036854775807" in sent["body"]
    # The unsubscribe form takes no more than a form needs.
    resp = esrv.request("POST", "/api/v1/unsubscribe?token=x", raw_body="a" * 100000,
                        content_type="application/x-www-form-urlencoded")
    assert resp.status == 413, resp
    resp = esrv.request("POST", "/api/v1/unsubscribe?token=x", raw_body="{}",
                        content_type="application/json")
    assert resp.status == 415, resp
    # A key that may only read cannot send a template, nor read another
    # account's template by sending it.
    reader = u.create_api_key(eapi, owner.access, scopes=["messages:read"])["key"]
    assert_error(eapi("POST", "/messages", apikey=reader,
                      json={"channel": "email", "to": address(), "template_id": t["id"],
                            "variables": {"name": "N"}}), 403)
    stranger = u.register(eapi)
    resp = eapi("POST", "/templates/%s/preview" % t["id"], json={}, token=stranger.access)
    assert resp.status == 404
