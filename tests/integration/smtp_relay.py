"""A real SMTP relay for the mail tests: Debian's aiosmtpd on 127.0.0.1 with
STARTTLS (a self-signed certificate made with openssl for 127.0.0.1, whose
file the gateway trusts through `ca_file`) and AUTH (one user), recording
every mail it takes and counting the connections it greets:

    relay = SmtpRelay(tmp_dir).start()
    relay.refuse("gone@example.com", "550 5.1.1 No such user")
    mails = relay.wait_for(lambda mails: len(mails) >= 1)
    relay.stop()

Mails are `email.message.EmailMessage` objects with `.envelope_from`,
`.envelope_to` and `.tls`/`.login` of the session they came in.
"""

import email
import email.policy
import socket
import subprocess
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, SMTP

USERNAME = "relay-user"
PASSWORD = "relay-password-1"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1: (cert path, key path)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "relay-cert.pem", directory / "relay-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


class _Handler:
    def __init__(self, relay):
        self.relay = relay

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # A connection greets twice (before and after STARTTLS): count the
        # first.
        if session.ssl is None:
            with self.relay.lock:
                self.relay.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.relay.lock:
            refusal = self.relay.refusals.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        message.envelope_from = envelope.mail_from
        message.envelope_to = list(envelope.rcpt_tos)
        message.tls = session.ssl is not None
        message.login = session.auth_data if session.authenticated else None
        with self.relay.lock:
            self.relay.mails.append(message)
        return "250 2.0.0 Accepted"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = (auth_data.login == USERNAME.encode() and auth_data.password == PASSWORD.encode())
    return AuthResult(success=ok, handled=False,
                      auth_data=auth_data.login.decode() if ok else None)


class SmtpRelay:
    def __init__(self, directory):
        import ssl
        self.cert, key = make_certificate(directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert), str(key))
        self.port = _free_port()
        self.lock = threading.Lock()
        self.mails, self.refusals, self.connections = [], {}, 0
        self.controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port,
            tls_context=context, require_starttls=True, authenticator=_authenticate,
            auth_require_tls=True, auth_required=True)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def refuse(self, address, reply):
        """Answers RCPT TO `address` with `reply` ("550 ..." or "451 ...")."""
        with self.lock:
            self.refusals[address.lower()] = reply

    def settings(self, **extra):
        """An smtp gateway's settings for this relay."""
        out = {"host": "127.0.0.1", "port": self.port, "security": "starttls",
               "username": USERNAME, "password": PASSWORD, "ca_file": str(self.cert),
               "from_address": "noreply@ujumbe.test", "from_name": "Ujumbe"}
        out.update(extra)
        return out

    def to(self, address, subject=None):
        """Mails taken for `address` (with `subject` when given), oldest first."""
        with self.lock:
            return [m for m in self.mails
                    if address.lower() in [a.lower() for a in m.envelope_to]
                    and (subject is None or str(m["Subject"]) == subject)]

    def wait_for(self, address, count=1, subject=None, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address, subject)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError("the relay got %d mail(s) for %s, not %d" % (
            len(self.to(address, subject)), address, count))
