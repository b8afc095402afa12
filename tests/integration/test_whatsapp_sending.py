"""Sending over an account's WhatsApp channel (docs/api-whatsapp.md,
decision 0036) against the Graph API simulator, which calls our webhook
back with signed statuses: text, media and replies inside the 24-hour
customer-service window and refused outside it, templates only when
approved, Meta's refusals mapped (rate limits retried, undeliverable
final with Meta's code), statuses followed to read whatever their order
or repetition, prices from the whatsapp rate cards, and another account
reaching none of it.
"""

import time
import uuid

import pytest

import ujumbe_it as u
from graph_simulator import GraphSimulator
from ujumbe_it import assert_error, assert_ok

GRAPH = GraphSimulator().start()

ssrv, sapi, sadmin = u.module_server(
    {"UJUMBE_WHATSAPP_GRAPH_URL": GRAPH.url}, "wa-sending", "s")


def new_number():
    return str(100000000000 + uuid.uuid4().int % 899999999999)


def new_customer():
    return "25571%07d" % (uuid.uuid4().int % 10**7)


class Account:
    """An account with a connected channel whose webhook the simulator calls."""

    def __init__(self, api, srv, graph=None):
        self.api = api
        self.graph = graph or GRAPH
        self.owner = u.register(api)
        self.phone_number_id = new_number()
        token = "EAAG" + uuid.uuid4().hex + uuid.uuid4().hex
        self.app_secret = "app-" + uuid.uuid4().hex
        self.graph.add_number(self.phone_number_id, token, display="+255 754 %s" %
                         self.phone_number_id[-6:])
        self.view = assert_ok(api("POST", "/channels/whatsapp/connect", token=self.owner.access,
                                  json={"phone_number_id": self.phone_number_id,
                                        "business_account_id": "102290129340398",
                                        "access_token": token, "app_secret": self.app_secret,
                                        "verify_token": "verify-" + uuid.uuid4().hex}))
        self.graph.set_webhook(self.phone_number_id, "http://%s:%d%s" % (
            srv.host, srv.port, self.view["webhook_path"]), self.app_secret)
        self.number = "+255754" + self.phone_number_id[-6:]

    def send(self, **body):
        body.setdefault("channel", "whatsapp")
        return self.api("POST", "/messages", token=self.owner.access, json=body)

    def customer_writes(self, customer, text="Habari"):
        """The customer writes; returns the inbound message once it is stored."""
        wamid = self.graph.send_inbound(self.phone_number_id, customer, text)
        deadline = time.time() + 15
        while time.time() < deadline:
            found = assert_ok(self.api("GET", u.with_query(
                "/messages", direction="inbound", channel="whatsapp", sender_id="+" + customer),
                token=self.owner.access))["results"]
            for m in found:
                if (m["content"] or {}).get("id") == wamid:
                    return m
            time.sleep(0.05)
        raise AssertionError("the customer's message was not stored in 15 s")

    def wait_status(self, message_id, status, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = assert_ok(self.api("GET", "/messages/" + message_id, token=self.owner.access))
            if m["status"] == status:
                return m
            time.sleep(0.05)
        raise AssertionError("message %s is %s, not %s" % (message_id, m["status"], status))

    def messages(self):
        return assert_ok(self.api("GET", "/messages?channel=whatsapp&direction=outbound",
                                  token=self.owner.access))["results"]


@pytest.fixture
def acct(sapi, ssrv):
    return Account(sapi, ssrv)


def refused(resp, field):
    """A 400 naming `field`, with the check's own code."""
    return assert_error(resp, 400, field=field)


def statuses(message):
    """Its status history, without the dispatcher's claim (`sending`)."""
    return [h["status"] for h in message["status_history"] if h["status"] != "sending"]


def sent_to(acct, customer):
    return [m for m in GRAPH.sent(acct.phone_number_id) if m["to"] == customer]


def test_text_inside_the_window_goes_out_and_follows_its_statuses_to_read(acct):
    customer = new_customer()
    acct.customer_writes(customer)
    m = assert_ok(acct.send(to="+" + customer, body="Karibu! Bei ni 5,000."), 201)
    assert m["channel"] == "whatsapp" and m["status"] == "queued"
    assert m["sender_id"] == acct.number  # the channel's own number
    assert m["encoding"] == "utf8" and m["segments"] == 1
    assert m["content"] == {"type": "text",
                            "text": {"body": "Karibu! Bei ni 5,000.", "preview_url": False}}
    done = acct.wait_status(m["id"], "read")
    # `delivered` is a status of its own unless Meta's status overtook the
    # answer to the send: then it is a receipt only (checked below).
    history = statuses(done)
    assert history in (["queued", "sent", "delivered", "read"], ["queued", "sent", "read"])
    assert done["error_code"] is None and u.is_timestamp(done["done_at"])
    # What Meta got: the product, the digits, the text, and our id to echo.
    (got,) = sent_to(acct, customer)
    assert got["messaging_product"] == "whatsapp" and got["type"] == "text"
    assert got["text"]["body"] == "Karibu! Bei ni 5,000."
    assert got["biz_opaque_callback_data"] == m["id"]
    assert done["parts"][0]["provider_id"] == got["id"]
    # A status that came before the send's answer was recorded is matched
    # by the next sweep (within seconds).
    deadline = time.time() + 15
    while True:
        receipts = u.assert_list(acct.api("GET", "/messages/%s/receipts" % m["id"],
                                          token=acct.owner.access))["results"]
        if len(receipts) == 3 or time.time() > deadline:
            break
        time.sleep(0.1)
    assert sorted(r["stat"] for r in receipts) == ["delivered", "read", "sent"]


def test_outside_the_window_only_an_approved_template_may_go(acct):
    customer = new_customer()
    assert_error(acct.send(to="+" + customer, body="Hello"), 422, "OUTSIDE_SERVICE_WINDOW",
                 field="to")
    assert_error(acct.send(to="+" + customer,
                           media={"type": "image", "link": "https://example.com/a.png"}),
                 422, "OUTSIDE_SERVICE_WINDOW", field="to")
    template = {"name": "order_update", "language": "en_US",
                "components": [{"type": "body", "parameters": [{"type": "text", "text": "42"}]}]}
    assert_error(acct.send(to="+" + customer, template=template), 422, "TEMPLATE_NOT_APPROVED",
                 field="template.name")
    assert acct.messages() == [] and sent_to(acct, customer) == []


def test_media_by_link_and_by_id_with_captions(acct):
    customer = new_customer()
    acct.customer_writes(customer)
    photo = assert_ok(acct.send(to="+" + customer, media={
        "type": "image", "link": "https://cdn.example.com/p/shoe.jpg", "caption": "Viatu"}), 201)
    assert photo["body"] == "Viatu"
    doc = assert_ok(acct.send(to="+" + customer, body="Ankara yako", media={
        "type": "document", "id": "1037543291543636", "filename": "invoice-42.pdf"}), 201)
    assert doc["body"] == "Ankara yako"  # the body is the caption when none is given
    voice = assert_ok(acct.send(to="+" + customer, media={"type": "audio", "id": "88412"}), 201)
    assert voice["body"] == "[audio]"
    for m in (photo, doc, voice):
        acct.wait_status(m["id"], "read")
    got = {m["type"]: m for m in sent_to(acct, customer)}
    assert got["image"]["image"] == {"link": "https://cdn.example.com/p/shoe.jpg",
                                     "caption": "Viatu"}
    assert got["document"]["document"] == {"id": "1037543291543636", "caption": "Ankara yako",
                                           "filename": "invoice-42.pdf"}
    assert got["audio"]["audio"] == {"id": "88412"}


@pytest.mark.parametrize("media,field", [
    ({"type": "fax", "id": "1"}, "media.type"),
    ({"type": "image"}, "media"),
    ({"type": "image", "id": "1", "link": "https://example.com/a.png"}, "media"),
    ({"type": "image", "link": "http://example.com/a.png"}, "media.link"),
    ({"type": "image", "link": "https://example.com/" + "a" * 2000}, "media.link"),
    ({"type": "image", "id": "1 OR 1=1"}, "media.id"),
    ({"type": "audio", "id": "1", "caption": "hi"}, "media.caption"),
    ({"type": "image", "id": "1", "caption": "c" * 1025}, "media.caption"),
    ({"type": "image", "id": "1", "filename": "a.png"}, "media.filename"),
    ({"type": "document", "id": "1", "filename": "../etc/passwd"}, "media.filename"),
    ({"type": "image", "id": 5}, "media"),
])
def test_bad_media_is_named_and_nothing_is_sent(acct, media, field):
    customer = new_customer()
    acct.customer_writes(customer)
    refused(acct.send(to="+" + customer, media=media), field)
    assert acct.messages() == [] and sent_to(acct, customer) == []


@pytest.mark.parametrize("template,field", [
    ({"name": "Order Update", "language": "en_US"}, "template.name"),
    ({"name": "order_update"}, "template.language"),
    ({"name": "order_update", "language": "en US"}, "template.language"),
    ({"name": "order_update", "language": "en_US", "components": {}}, "template.components"),
    ({"name": "order_update", "language": "en_US", "components": [{"type": "footer"}]},
     "template.components[0].type"),
    ({"name": "order_update", "language": "en_US", "components": [
        {"type": "body", "parameters": [{"type": "text", "text": ""}]}]},
     "template.components[0].parameters[0].text"),
    ({"name": "order_update", "language": "en_US", "components": [
        {"type": "button", "index": "0", "parameters": []}]},
     "template.components[0].sub_type"),
])
def test_bad_templates_are_named(acct, template, field):
    refused(acct.send(to="+" + new_customer(), template=template), field)


def test_the_fields_of_each_channel_are_checked(acct, sapi):
    customer = new_customer()
    acct.customer_writes(customer)
    refused(acct.send(to="+" + customer, body=""), "body")
    refused(acct.send(to="+" + customer, body="x" * 4097), "body")
    refused(acct.send(to="+" + customer, body="hi", sender_id="Ujumbe"), "sender_id")
    refused(acct.send(to="+" + customer, body="hi", channel="fax"), "channel")
    refused(acct.send(to="+" + customer, template={"name": "a", "language": "en"},
                                media={"type": "image", "id": "1"}), "template")
    # SMS takes neither media nor templates.
    assert_error(acct.send(to="+" + customer, body="hi", channel="sms",
                           media={"type": "image", "id": "1"}), 400, "CHANNEL_MISMATCH")
    # An account without a channel.
    other = u.register(sapi)
    assert_error(sapi("POST", "/messages", token=other.access,
                      json={"to": "+" + customer, "body": "hi", "channel": "whatsapp"}),
                 422, "CHANNEL_NOT_CONNECTED", field="channel")
    assert acct.messages() == []


def test_a_reply_names_the_customers_message_and_no_other(acct, sapi, ssrv):
    customer = new_customer()
    inbound = acct.customer_writes(customer, "Nina swali kuhusu oda")
    m = assert_ok(acct.send(to="+" + customer, body="Ndiyo?", reply_to=inbound["id"]), 201)
    assert m["content"]["context"] == {"message_id": inbound["content"]["id"]}
    acct.wait_status(m["id"], "read")
    (got,) = sent_to(acct, customer)
    assert got["context"] == {"message_id": inbound["content"]["id"]}
    # Not to another customer, nor with another account's message.
    someone = new_customer()
    acct.customer_writes(someone)
    refused(acct.send(to="+" + someone, body="x", reply_to=inbound["id"]), "reply_to")
    stranger = Account(sapi, ssrv)
    theirs = stranger.customer_writes(customer)
    refused(acct.send(to="+" + customer, body="x", reply_to=theirs["id"]), "reply_to")
    refused(acct.send(to="+" + customer, body="x", reply_to="not-an-id"), "reply_to")
    # The stranger sees none of the account's messages.
    u.assert_not_found(sapi("GET", "/messages/" + m["id"], token=stranger.owner.access))


def test_a_number_not_on_whatsapp_ends_undelivered_with_metas_code(acct):
    customer = new_customer()
    acct.customer_writes(customer)
    GRAPH.not_on_whatsapp.add(customer)
    m = assert_ok(acct.send(to="+" + customer, body="Habari"), 201)
    done = acct.wait_status(m["id"], "undelivered")
    assert done["error_code"] == "WHATSAPP_131026"


def test_statuses_twice_and_out_of_order_never_move_a_message_back(acct):
    customer = new_customer()
    acct.customer_writes(customer)
    GRAPH.status_plan = ["read", "sent", "delivered", "read", "delivered"]
    try:
        m = assert_ok(acct.send(to="+" + customer, body="Habari"), 201)
        acct.wait_status(m["id"], "read")
        GRAPH.drain()
        time.sleep(0.3)
    finally:
        GRAPH.status_plan = ["sent", "delivered", "read"]
    done = acct.wait_status(m["id"], "read")
    assert statuses(done) == ["queued", "sent", "read"]


def test_metas_refusals_map_to_retries_or_final_failures(acct):
    customer = new_customer()
    acct.customer_writes(customer)
    # A rate limit: tried again later, then sent.
    GRAPH.fail_next(400, 130429, "Rate limit hit")
    m = assert_ok(acct.send(to="+" + customer, body="Jaribu tena"), 201)
    done = acct.wait_status(m["id"], "read", timeout=30)
    assert done["attempts"] >= 2
    # Re-engagement refused by Meta (its own view of the window): final.
    GRAPH.fail_next(400, 131047, "Re-engagement message")
    refused = assert_ok(acct.send(to="+" + customer, body="Bado upo?"), 201)
    failed = acct.wait_status(refused["id"], "rejected")
    assert failed["error_code"] == "WHATSAPP_131047"


def test_whatsapp_messages_are_priced_from_the_whatsapp_cards(acct, sapi, sadmin):
    assert_ok(sapi("POST", "/rates", token=sadmin.access,
                   json={"account_id": acct.owner.account_id, "prefix": "255", "price": "0.25",
                         "channel": "whatsapp"}), (200, 201))
    customer = new_customer()
    acct.customer_writes(customer)
    before = assert_ok(sapi("GET", "/wallet", token=acct.owner.access))["balance_micros"]
    m = assert_ok(acct.send(to="+" + customer, body="Asante"), 201)
    assert m["price"] in ("0.25", "0.250000", 0.25) or float(m["price"]) == 0.25
    after = assert_ok(sapi("GET", "/wallet", token=acct.owner.access))["balance_micros"]
    assert before - after == 250_000


def test_the_inbox_answers_on_whatsapp_inside_the_window(acct):
    customer = new_customer()
    inbound = acct.customer_writes(customer, "Oda yangu iko wapi?")
    found = assert_ok(acct.api("GET", u.with_query("/conversations", search=customer,
                                                   channel="whatsapp"),
                               token=acct.owner.access))["results"]
    (k,) = found
    reply = assert_ok(acct.api("POST", "/conversations/%s/messages" % k["id"],
                               token=acct.owner.access,
                               json={"body": "Iko njiani", "reply_to": inbound["id"]}), 202)
    assert reply["channel"] == "whatsapp" and reply["to"] == "+" + customer
    acct.wait_status(reply["id"], "read")
    thread = assert_ok(acct.api("GET", "/conversations/" + k["id"], token=acct.owner.access))
    assert [m["body"] for m in thread["messages"]][:2] == ["Iko njiani", "Oda yangu iko wapi?"]
    # A template needs approval here too.
    assert_error(acct.api("POST", "/conversations/%s/messages" % k["id"], token=acct.owner.access,
                          json={"template": {"name": "hello_world", "language": "en_US"}}),
                 422, "TEMPLATE_NOT_APPROVED")


def test_disconnected_channels_send_nothing(acct):
    customer = new_customer()
    acct.customer_writes(customer)
    assert_ok(acct.api("POST", "/channels/whatsapp/disconnect", token=acct.owner.access))
    assert_error(acct.send(to="+" + customer, body="hi"), 422, "CHANNEL_NOT_CONNECTED")


# ---------------------------------------------------------------------------
# Message templates: submitted to Meta, reviewed by its webhook, then sent.

WABA = "102290129340398"
TEMPLATES = "/channels/whatsapp/templates"


def order_update(name=None, **overrides):
    t = {"name": name or "order_update_" + uuid.uuid4().hex[:8], "language": "en_US",
         "category": "utility",
         "components": [
             {"type": "header", "format": "text", "text": "Oda {{1}}",
              "example": {"header_text": ["42"]}},
             {"type": "body", "text": "Habari {{1}}, oda yako {{2}} iko njiani.",
              "example": {"body_text": [["Asha", "42"]]}},
             {"type": "footer", "text": "Ujumbe"},
             {"type": "buttons", "buttons": [{"type": "quick_reply", "text": "Asante"}]}]}
    t.update(overrides)
    return t


def template_send(t, header="42", body=("Asha", "42")):
    return {"name": t["name"], "language": t["language"], "components": [
        {"type": "header", "parameters": [{"type": "text", "text": header}]},
        {"type": "body", "parameters": [{"type": "text", "text": v} for v in body]}]}


def wait_template(acct, template_id, status):
    deadline = time.time() + 15
    while time.time() < deadline:
        t = assert_ok(acct.api("GET", TEMPLATES + "/" + template_id, token=acct.owner.access))
        if t["status"] == status:
            return t
        time.sleep(0.05)
    raise AssertionError("template %s is %s, not %s" % (template_id, t["status"], status))


def test_a_template_is_reviewed_by_meta_and_only_then_sends_outside_the_window(acct):
    t = order_update()
    created = assert_ok(acct.api("POST", TEMPLATES, token=acct.owner.access, json=t), 201)
    assert created["status"] == "PENDING" and created["category"] == "UTILITY"
    assert created["parameters"] == {"header": 1, "body": 2}
    assert created["meta_template_id"] and u.is_uuid7(created["id"])
    assert [c["type"] for c in created["components"]] == ["HEADER", "BODY", "FOOTER", "BUTTONS"]
    at_meta = GRAPH.template(WABA, t["name"], "en_US")
    assert at_meta["category"] == "UTILITY" and at_meta["components"][0]["format"] == "TEXT"

    customer = new_customer()  # who never wrote: templates only
    assert_error(acct.send(to="+" + customer, template=template_send(t)), 422,
                 "TEMPLATE_NOT_APPROVED")
    GRAPH.review_template(acct.phone_number_id, WABA, t["name"], "en_US", "APPROVED")
    wait_template(acct, created["id"], "APPROVED")

    m = assert_ok(acct.send(to="+" + customer, template=template_send(t)), 201)
    assert m["body"] == "Habari Asha, oda yako 42 iko njiani."
    acct.wait_status(m["id"], "read")
    (got,) = sent_to(acct, customer)
    assert got["type"] == "template" and got["template"]["name"] == t["name"]
    assert got["template"]["language"]["code"] == "en_US"
    assert got["template"]["components"][1]["parameters"][1]["text"] == "42"
    # What the template takes, or a clear refusal naming it.
    assert_error(acct.send(to="+" + customer, template=template_send(t, body=("Asha",))), 400,
                 "TEMPLATE_PARAMETERS", field="template.components")
    assert_error(acct.send(to="+" + customer, template=dict(template_send(t), language="sw")),
                 422, "TEMPLATE_NOT_APPROVED")

    # Rejected later: it sends no more, and says why.
    GRAPH.review_template(acct.phone_number_id, WABA, t["name"], "en_US", "REJECTED",
                          reason="INVALID_FORMAT")
    rejected = wait_template(acct, created["id"], "REJECTED")
    assert rejected["reason"] == "INVALID_FORMAT"
    assert_error(acct.send(to="+" + customer, template=template_send(t)), 422,
                 "TEMPLATE_NOT_APPROVED")


@pytest.mark.parametrize("change,field", [
    ({"name": "Order Update"}, "name"),
    ({"language": "en US"}, "language"),
    ({"category": "PROMOTION"}, "category"),
    ({"components": []}, "components"),
    ({"components": [{"type": "footer", "text": "x"}]}, "components"),
    ({"components": [{"type": "body", "text": "Hi {{1}}"}]}, "components[0].example"),
    ({"components": [{"type": "body", "text": "Hi {{2}}",
                      "example": {"body_text": [["a"]]}}]}, "components[0].text"),
    ({"components": [{"type": "body", "text": "Hi {{1}}",
                      "example": {"body_text": [["a", "b"]]}}]}, "components[0].example"),
    ({"components": [{"type": "body", "text": "x" * 1025}]}, "components[0].text"),
    ({"components": [{"type": "body", "text": "a"}, {"type": "body", "text": "b"}]},
     "components[1].type"),
    ({"components": [{"type": "header", "format": "image"}, {"type": "body", "text": "a"}]},
     "components[0].example"),
    ({"components": [{"type": "header", "format": "TEXT", "text": "h" * 61},
                     {"type": "body", "text": "a"}]}, "components[0].text"),
    ({"components": [{"type": "body", "text": "a"}, {"type": "buttons", "buttons": [
        {"type": "url", "text": "Open", "url": "http://shop.example"}]}]},
     "components[1].buttons[0].url"),
    ({"components": [{"type": "body", "text": "a"}, {"type": "buttons", "buttons": [
        {"type": "quick_reply", "text": "x" * 26}]}]}, "components[1].buttons[0].text"),
    ({"components": "BODY"}, "components"),
])
def test_bad_templates_are_named_and_never_reach_meta(acct, change, field):
    t = order_update(**change)
    assert_error(acct.api("POST", TEMPLATES, token=acct.owner.access, json=t), 400, field=field)
    assert (WABA, t["name"], t["language"]) not in GRAPH.templates


def test_duplicates_and_metas_refusals_store_nothing(acct):
    t = order_update()
    assert_ok(acct.api("POST", TEMPLATES, token=acct.owner.access, json=t), 201)
    assert_error(acct.api("POST", TEMPLATES, token=acct.owner.access, json=t), 409,
                 "TEMPLATE_EXISTS")
    GRAPH.fail_next(400, 100, "Invalid parameter")
    refused = acct.api("POST", TEMPLATES, token=acct.owner.access, json=order_update())
    assert_error(refused, 422, "WHATSAPP_REFUSED", field="components")
    assert refused.body["details"]["graph_code"] == 100
    GRAPH.fail_next(503, 2, "Service temporarily unavailable")
    assert_error(acct.api("POST", TEMPLATES, token=acct.owner.access, json=order_update()), 503,
                 "WHATSAPP_UNREACHABLE")
    listing = assert_ok(acct.api("GET", TEMPLATES, token=acct.owner.access))
    assert listing["count"] == 1 and listing["results"][0]["name"] == t["name"]


def test_a_template_is_edited_for_review_again_and_deleted_at_meta_too(acct):
    t = order_update()
    created = assert_ok(acct.api("POST", TEMPLATES, token=acct.owner.access, json=t), 201)
    GRAPH.review_template(acct.phone_number_id, WABA, t["name"], "en_US", "APPROVED")
    wait_template(acct, created["id"], "APPROVED")
    body = [{"type": "body", "text": "Oda {{1}} imefika.", "example": {"body_text": [["42"]]}}]
    edited = assert_ok(acct.api("PATCH", TEMPLATES + "/" + created["id"], token=acct.owner.access,
                                json={"components": body}))
    assert edited["status"] == "PENDING" and edited["parameters"] == {"header": 0, "body": 1}
    assert GRAPH.template(WABA, t["name"], "en_US")["components"][0]["text"] == "Oda {{1}} imefika."
    refused(acct.api("PATCH", TEMPLATES + "/" + created["id"], token=acct.owner.access,
                     json={"name": "other", "components": body}), "name")
    # Filters.
    found = lambda **q: [x["id"] for x in assert_ok(acct.api(
        "GET", u.with_query(TEMPLATES, **q), token=acct.owner.access))["results"]]
    assert created["id"] in found(status="pending", category="utility", search="order_update")
    assert created["id"] not in found(status="APPROVED")
    refused(acct.api("GET", TEMPLATES + "?category=promo", token=acct.owner.access), "category")
    u.assert_done(acct.api("DELETE", TEMPLATES + "/" + created["id"], token=acct.owner.access))
    assert (WABA, t["name"], "en_US") not in GRAPH.templates
    u.assert_not_found(acct.api("GET", TEMPLATES + "/" + created["id"], token=acct.owner.access))


def test_templates_are_the_accounts_own_and_managers_write_them(acct, sapi, ssrv):
    created = assert_ok(acct.api("POST", TEMPLATES, token=acct.owner.access,
                                 json=order_update()), 201)
    path = TEMPLATES + "/" + created["id"]
    stranger = Account(sapi, ssrv)
    for method, body in (("GET", None), ("PATCH", {"components": [{"type": "body",
                                                                     "text": "x"}]}),
                         ("DELETE", None)):
        u.assert_not_found(sapi(method, path, token=stranger.owner.access, json=body))
    assert assert_ok(sapi("GET", TEMPLATES, token=stranger.owner.access))["count"] == 0
    agent = u.member(sapi, acct.owner, role="agent")
    assert assert_ok(sapi("GET", path, token=agent.access))["id"] == created["id"]
    assert_error(sapi("POST", TEMPLATES, token=agent.access, json=order_update()), 403)
    assert_error(sapi("DELETE", path, token=agent.access), 403)
    nobody = u.register(sapi)
    assert_error(sapi("POST", TEMPLATES, token=nobody.access, json=order_update()), 422,
                 "CHANNEL_NOT_CONNECTED")


def test_the_inbox_finds_a_conversation_by_the_contacts_name(acct, sapi):
    customer = new_customer()
    u.create_contact(sapi, acct.owner.access, name="Asha Mwinyi", phone_e164="+" + customer)
    acct.customer_writes(customer)
    found = lambda search: [k["customer"] for k in assert_ok(acct.api(
        "GET", u.with_query("/conversations", search=search),
        token=acct.owner.access))["results"]]
    assert found("mwinyi") == ["+" + customer]
    assert found("ASHA") == ["+" + customer]
    assert found(customer[-6:]) == ["+" + customer]
    # Another account's contact of that name finds nothing here.
    other = u.register(sapi)
    u.create_contact(sapi, other.access, name="Zawadi Mwinyi", phone_e164="+" + new_customer())
    assert found("zawadi") == []


def test_stop_on_whatsapp_opts_the_customer_out_of_every_channel(acct, sapi):
    customer = new_customer()
    acct.customer_writes(customer, "STOP")
    found = assert_ok(sapi("GET", u.with_query("/contacts", search=customer),
                           token=acct.owner.access))["results"]
    (contact,) = found
    detail = assert_ok(sapi("GET", "/contacts/" + contact["id"], token=acct.owner.access))
    assert detail["consent_history"][0]["channel"] == "all"  # STOP's scope by default
    assert detail["consent_history"][0]["reason"] == "inbound STOP on whatsapp"
    assert detail["consent_history"][0]["source"] == "keyword"
    # The window is open (they just wrote), but they said STOP: nothing goes,
    # on WhatsApp or SMS, unless transactional.
    assert_error(acct.send(to="+" + customer, body="Ofa maalum!"), 422, "RECIPIENT_OPTED_OUT")
    assert_error(acct.send(to="+" + customer, body="Ofa maalum!", channel="sms"), 422,
                 "RECIPIENT_OPTED_OUT")
    assert_ok(acct.send(to="+" + customer, body="Umejiondoa.", transactional=True), 201)
    acct.customer_writes(customer, "START")
    assert_ok(acct.send(to="+" + customer, body="Karibu tena"), 201)


def test_an_accounts_own_keyword_holds_for_its_channel_and_is_confirmed_there(acct, sapi):
    owner = acct.owner.access
    defaults = assert_ok(sapi("GET", "/settings/keywords", token=owner))["keywords"]
    assert {"keyword": "STOP", "action": "opt_out", "scope": "all", "reply": None} in defaults
    saved = assert_ok(sapi("PUT", "/settings/keywords", token=owner, json={"keywords": [
        {"keyword": "acha", "action": "opt_out", "scope": "channel",
         "reply": "Sawa! Hutapokea matangazo kwenye WhatsApp."},
        {"keyword": "STOP", "action": "opt_out"}]}))["keywords"]
    assert saved[0] == {"keyword": "ACHA", "action": "opt_out", "scope": "channel",
                        "reply": "Sawa! Hutapokea matangazo kwenye WhatsApp."}
    customer = new_customer()
    acct.customer_writes(customer, "Acha")
    # The confirmation goes back on WhatsApp, inside the window just opened.
    deadline = time.time() + 15
    while not [m for m in sent_to(acct, customer) if m["type"] == "text"]:
        assert time.time() < deadline, "no confirmation was sent"
        time.sleep(0.05)
    (confirmation,) = sent_to(acct, customer)
    assert confirmation["text"]["body"] == "Sawa! Hutapokea matangazo kwenye WhatsApp."
    # Out of WhatsApp only: SMS still goes, WhatsApp does not.
    (contact,) = assert_ok(sapi("GET", u.with_query("/contacts", search=customer),
                                token=owner))["results"]
    assert contact["opted_out_channels"] == ["whatsapp"]
    assert_error(acct.send(to="+" + customer, body="Ofa maalum!"), 422, "RECIPIENT_OPTED_OUT")
    assert_ok(acct.send(to="+" + customer, body="Ofa maalum!", channel="sms"), 201)
    # Another account's keywords are its own; an agent cannot change them.
    other = u.register(sapi)
    assert assert_ok(sapi("GET", "/settings/keywords", token=other.access))["keywords"] == defaults
    agent = u.member(sapi, acct.owner, role="agent")
    assert_error(sapi("PUT", "/settings/keywords", token=agent.access, json={"keywords": []}),
                 403)
    assert assert_ok(sapi("GET", "/settings/keywords", token=agent.access))["keywords"] == saved


@pytest.mark.parametrize("keywords,field", [
    ("STOP", "keywords"),
    ([{"keyword": "STOP NOW", "action": "opt_out"}], "keywords[0].keyword"),
    ([{"keyword": "STOP", "action": "stop"}], "keywords[0].action"),
    ([{"keyword": "STOP", "action": "opt_out", "scope": "sms"}], "keywords[0].scope"),
    ([{"keyword": "STOP", "action": "opt_out", "reply": "x" * 321}], "keywords[0].reply"),
    ([{"keyword": "GO", "action": "opt_in"}, {"keyword": "go", "action": "opt_in"}],
     "keywords[1].keyword"),
])
def test_keywords_are_checked_and_nothing_is_saved(sapi, keywords, field):
    owner = u.register(sapi)
    assert_error(sapi("PUT", "/settings/keywords", token=owner.access,
                      json={"keywords": keywords}), 400, field=field)
    got = assert_ok(sapi("GET", "/settings/keywords", token=owner.access))["keywords"]
    assert got[0]["keyword"] == "STOP"


def approved_template(acct):
    t = order_update()
    created = assert_ok(acct.api("POST", TEMPLATES, token=acct.owner.access, json=t), 201)
    GRAPH.review_template(acct.phone_number_id, WABA, t["name"], "en_US", "APPROVED")
    wait_template(acct, created["id"], "APPROVED")
    return t


def campaign_recipients(acct, cid, want, timeout=30):
    """The recipients once `want(rows)` holds."""
    deadline = time.time() + timeout
    while True:
        rows = assert_ok(acct.api("GET", "/campaigns/%s/recipients?page_size=100" % cid,
                                  token=acct.owner.access))["results"]
        if want(rows):
            return rows
        assert time.time() < deadline, rows
        time.sleep(0.2)


def test_a_mixed_campaign_sends_whatsapp_first_and_sms_where_whatsapp_fails(acct, sapi):
    owner = acct.owner.access
    t = approved_template(acct)
    people = {}
    for who in ("on_whatsapp", "not_on_whatsapp", "whatsapp_opted_out"):
        number = new_customer()
        people[who] = assert_ok(sapi("POST", "/contacts", token=owner, json={
            "name": who.replace("_", " ").title(), "phone_e164": "+" + number,
            "is_opted_in": True}), 201)
    GRAPH.not_on_whatsapp.add(people["not_on_whatsapp"]["phone_e164"][1:])
    assert_ok(sapi("POST", "/contacts/%s/opt-out" % people["whatsapp_opted_out"]["id"],
                   token=owner, json={"channel": "whatsapp"}))
    k = assert_ok(sapi("POST", "/campaigns", token=owner, json={
        "name": "Ofa ya wiki", "campaign_type": "mixed",
        "whatsapp_template": {"name": t["name"], "language": "en_US", "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "7"}]},
            {"type": "body", "parameters": [{"type": "text", "text": "{{name}}"},
                                            {"type": "text", "text": "7"}]}]},
        "message_text": "Habari {{name}}, oda 7 iko njiani.",
        "target_contact_ids": [p["id"] for p in people.values()]}), 201)
    assert k["campaign_type"] == "mixed" and k["whatsapp_template"]["name"] == t["name"]
    assert_ok(sapi("POST", "/campaigns/%s/start" % k["id"], token=owner))
    rows = campaign_recipients(acct, k["id"], lambda rows: len(rows) == 3 and all(
        r["fallback_message_id"] or r["message_status"] == "read" for r in rows))
    by_phone = {r["phone"]: r for r in rows}
    on = by_phone[people["on_whatsapp"]["phone_e164"]]
    assert on["status"] == "accepted" and on["fallback_message_id"] is None
    (got,) = sent_to(acct, on["phone"][1:])
    assert got["type"] == "template" and got["template"]["name"] == t["name"]
    assert got["template"]["components"][1]["parameters"][0]["text"] == "On Whatsapp"
    # Not on WhatsApp: Meta's failure (131026) brings the SMS.
    off = by_phone[people["not_on_whatsapp"]["phone_e164"]]
    assert off["status"] == "accepted" and off["message_status"] == "undelivered"
    sms = assert_ok(sapi("GET", "/messages/" + off["fallback_message_id"], token=owner))
    assert sms["channel"] == "sms" and sms["body"] == "Habari Not On Whatsapp, oda 7 iko njiani."
    assert sms["campaign_id"] == k["id"]
    # Opted out of WhatsApp only: refused there, so the SMS goes at once.
    out = by_phone[people["whatsapp_opted_out"]["phone_e164"]]
    assert out["status"] == "skipped" and out["reason"] == "RECIPIENT_OPTED_OUT"
    sms = assert_ok(sapi("GET", "/messages/" + out["fallback_message_id"], token=owner))
    assert sms["channel"] == "sms" and sms["to"] == out["phone"]
    assert not sent_to(acct, out["phone"][1:])
    # Each owed SMS went once.
    time.sleep(1)
    listed = assert_ok(sapi("GET", u.with_query("/messages", campaign_id=k["id"], channel="sms"),
                            token=owner))["results"]
    assert sorted(m["to"] for m in listed) == sorted([off["phone"], out["phone"]])


def test_a_whatsapp_campaign_sends_its_template_to_everyone_and_no_sms(acct, sapi):
    owner = acct.owner.access
    t = approved_template(acct)
    numbers = [new_customer() for _ in range(3)]
    ids = [assert_ok(sapi("POST", "/contacts", token=owner, json={
        "name": "Mteja %d" % i, "phone_e164": "+" + n, "is_opted_in": True}), 201)["id"]
        for i, n in enumerate(numbers)]
    GRAPH.not_on_whatsapp.add(numbers[2])
    k = assert_ok(sapi("POST", "/campaigns", token=owner, json={
        "name": "WhatsApp only", "campaign_type": "whatsapp",
        "whatsapp_template": template_send(t), "target_contact_ids": ids}), 201)
    assert k["estimated_cost"] is not None
    assert_ok(sapi("POST", "/campaigns/%s/start" % k["id"], token=owner))
    rows = campaign_recipients(acct, k["id"], lambda rows: len(rows) == 3 and all(
        r["message_status"] in ("read", "undelivered") for r in rows))
    assert all(r["fallback_message_id"] is None for r in rows)
    for n in numbers:
        assert [m["type"] for m in sent_to(acct, n)] == ["template"]
    assert assert_ok(sapi("GET", u.with_query("/messages", campaign_id=k["id"], channel="sms"),
                          token=owner))["results"] == []
