"""The platform's own mail through an `smtp` gateway marked `system`
(docs/gateways.md, "SMTP"), against a real relay (aiosmtpd with STARTTLS and
AUTH, tests/integration/smtp_relay.py): password resets and invitations
arrive there with links to the console, one connection carries many mails,
and a mail the relay cannot take now falls back to the file outbox.

The module runs its own server: its system gateway takes every system mail
of that server, which the other modules read from the outbox.
"""

import re
import socket
import time
import uuid

import pytest

import ujumbe_it as u
from smtp_relay import PASSWORD, USERNAME, SmtpRelay
from ujumbe_it import assert_error, assert_ok

PUBLIC_URL = "https://sms.example.test"
msrv, mapi, madmin = u.module_server({"UJUMBE_PUBLIC_URL": PUBLIC_URL + "/"}, "mail-relay", "m")


@pytest.fixture(scope="module")
def relay(tmp_path_factory):
    r = SmtpRelay(tmp_path_factory.mktemp("relay")).start()
    yield r
    r.stop()


def create_gateway(api, admin, settings, status=201):
    body = {"name": "smtp-" + uuid.uuid4().hex[:8], "kind": "smtp", "settings": settings}
    return assert_ok(api("POST", "/gateways", json=body, token=admin.access), status)


@pytest.fixture(scope="module")
def system_gateway(mapi, madmin, relay):
    g = create_gateway(mapi, madmin, relay.settings(system=True))
    yield g
    mapi("DELETE", "/gateways/%s" % g["id"], token=madmin.access)


def token_in(text, page):
    found = re.search(re.escape(PUBLIC_URL) + "/" + page + r"\?token=([A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


def test_an_smtp_gateway_keeps_its_password_and_greets_the_relay(mapi, madmin, relay,
                                                                 system_gateway):
    shown = assert_ok(mapi("GET", "/gateways/%s" % system_gateway["id"], token=madmin.access))
    assert shown["kind"] == "smtp"
    assert shown["settings"]["password_set"] is True
    assert PASSWORD not in str(shown)
    assert shown["settings"]["security"] == "starttls" and shown["settings"]["system"] is True
    probe = assert_ok(mapi("POST", "/gateways/%s/test" % system_gateway["id"],
                           token=madmin.access))
    assert probe["ok"] is True, probe
    wrong = create_gateway(mapi, madmin, relay.settings(password="not-the-password"))
    try:
        probe = assert_ok(mapi("POST", "/gateways/%s/test" % wrong["id"], token=madmin.access))
        assert probe["ok"] is False and probe["smtp_code"] == 535, probe
    finally:
        mapi("DELETE", "/gateways/%s" % wrong["id"], token=madmin.access)
    for field, value in (("from_address", "nobody"), ("security", "ssl"), ("port", 0),
                         ("host", "")):
        body = {"name": "bad-smtp", "kind": "smtp", "settings": relay.settings(**{field: value})}
        assert_error(mapi("POST", "/gateways", json=body, token=madmin.access), 400,
                     field="settings." + field)
    plain = relay.settings(security="none")
    assert_error(mapi("POST", "/gateways", json={"name": "clear", "kind": "smtp",
                                                 "settings": plain}, token=madmin.access),
                 400, field="settings.security")


def test_a_password_reset_travels_through_the_relay_over_starttls_with_login(
        mapi, relay, system_gateway):
    owner = u.register(mapi)
    assert_ok(mapi("POST", "/auth/password/reset", json={"email": owner.email}))
    mail = relay.wait_for(owner.email, subject="Reset your Ujumbe password")[-1]
    assert mail.tls and mail.login == USERNAME
    assert mail.envelope_from == "noreply@ujumbe.test"
    assert str(mail["From"]) == "Ujumbe <noreply@ujumbe.test>"
    assert str(mail["Subject"]) == "Reset your Ujumbe password"
    assert mail["Message-ID"].endswith("@ujumbe.test>")
    body = mail.get_content()
    token = token_in(body, "reset-password")
    assert_ok(mapi("POST", "/auth/password/reset/confirm",
                   json={"token": token, "password": "through-the-relay-1"}))
    u.login(mapi, owner.email, "through-the-relay-1")
    assert u.outbox_mails(mapi, owner.email) == []
    # The registration's verification mail came the same way.
    verify = relay.wait_for(owner.email, subject="Verify your email for Ujumbe")[-1]
    assert token_in(verify.get_content(), "verify-email")


def test_an_invitation_mail_joins_a_new_person_and_a_resent_one_replaces_it(
        mapi, relay, system_gateway):
    owner = u.register(mapi)
    email = u.unique_email("invitee").lower()
    inv = u.invite(mapi, owner.access, email, role="agent", name="Neema")
    first = token_in(relay.wait_for(email)[-1].get_content(), "accept-invite")
    assert_ok(mapi("POST", "/users/invitations/%s/resend" % inv["id"], token=owner.access))
    mail = relay.wait_for(email, count=2)[-1]
    assert "invited you to join" in mail.get_content()
    second = token_in(mail.get_content(), "accept-invite")
    assert second != first
    assert_error(mapi("POST", "/auth/invite/accept",
                      json={"token": first, "password": "a-good-password-1"}), 400,
                 field="token")
    joined = assert_ok(mapi("POST", "/auth/invite/accept",
                            json={"token": second, "password": "a-good-password-1"}), 201)
    assert joined["account"]["id"] == owner.account["id"]
    assert joined["role"] == "agent"


def test_one_connection_carries_many_mails(mapi, relay, system_gateway):
    owner = u.register(mapi)
    invitees = [u.unique_email("batch").lower() for _ in range(6)]
    before = relay.connections
    for email in invitees:
        u.invite(mapi, owner.access, email)
    for email in invitees:
        relay.wait_for(email)
    # The gateway's connection may have been closed by the relay since the
    # last test; at most one new one carries the six.
    assert relay.connections - before <= 1


def test_a_mail_the_relay_defers_goes_to_the_outbox_and_a_refused_one_does_not(
        mapi, relay, system_gateway):
    owner = u.register(mapi)
    deferred, refused, fine = (u.unique_email(t).lower() for t in ("later", "gone", "fine"))
    relay.refuse(deferred, "451 4.3.0 Try again later")
    relay.refuse(refused, "550 5.1.1 No such user")
    for email in (deferred, refused, fine):
        u.invite(mapi, owner.access, email)
    relay.wait_for(fine)  # one thread sends in order: the others were answered
    deadline = time.monotonic() + 10
    while not u.outbox_mails(mapi, deferred) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(u.outbox_mails(mapi, deferred)) == 1
    assert u.outbox_mails(mapi, refused) == []
    assert relay.to(deferred) == [] and relay.to(refused) == []


def test_with_the_relay_unreachable_system_mail_lands_in_the_outbox(mapi, madmin, relay,
                                                                    system_gateway):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    path = "/gateways/%s" % system_gateway["id"]
    body = {"name": system_gateway["name"],
            "settings": relay.settings(system=True, port=closed_port)}
    assert_ok(mapi("PUT", path, json=body, token=madmin.access))
    try:
        owner = u.register(mapi)
        assert_ok(mapi("POST", "/auth/password/reset", json={"email": owner.email}))
        deadline = time.monotonic() + 10
        resets = []
        while not resets and time.monotonic() < deadline:
            time.sleep(0.05)
            resets = [m for m in u.outbox_mails(mapi, owner.email)
                      if m["subject"] == "Reset your Ujumbe password"]
        assert len(resets) == 1
        assert relay.to(owner.email) == []
    finally:
        body["settings"] = relay.settings(system=True)
        assert_ok(mapi("PUT", path, json=body, token=madmin.access))
