"""SMPP over TLS to an SMSC (npm `smpp`'s TLS server in smsc.js): a gateway
with `tls: true` checks the SMSC's certificate against its `tls_ca`, binds,
submits and takes receipts over TLS; one that does not trust the
certificate never binds and says why, and nothing reaches the SMSC."""

import subprocess
import time

import ujumbe_it as u
from smpp_it import add_route, add_smpp_gateway, admin_of, wait_bound, wait_status


def make_certificate(directory, name):
    key, cert = directory / (name + ".key"), directory / (name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=" + name, "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_a_message_goes_over_tls_and_its_receipt_comes_back(gateway_server, smsc_factory,
                                                            tmp_path):
    cert, key = make_certificate(tmp_path, "smsc")
    smsc = smsc_factory("--tls-cert", cert, "--tls-key", key)
    admin = admin_of(gateway_server)
    gateway = add_smpp_gateway(gateway_server, admin, smsc, tls=True, tls_ca=cert.read_text())
    assert gateway["settings"]["tls"] is True
    add_route(gateway_server, admin, [gateway])
    wait_bound(gateway_server, admin, gateway)
    resp = gateway_server.api("POST", "/messages", json={"to": "+254712345678",
                                                         "body": "Hello over TLS"},
                              token=admin.access)
    assert resp.status == 201, u.describe(resp)
    done = wait_status(gateway_server, admin.access, resp.body["data"]["id"], "delivered")
    assert [p["status"] for p in done["parts"]] == ["delivered"]
    assert [s["text"] for s in smsc.pdus("submit_sm")] == ["Hello over TLS"]


def test_an_smsc_whose_certificate_is_not_trusted_is_never_bound(gateway_server, smsc_factory,
                                                                 tmp_path):
    cert, key = make_certificate(tmp_path, "smsc")
    other, _ = make_certificate(tmp_path, "someone-else")
    smsc = smsc_factory("--tls-cert", cert, "--tls-key", key)
    admin = admin_of(gateway_server)
    gateway = add_smpp_gateway(gateway_server, admin, smsc, tls=True, tls_ca=other.read_text())
    deadline = time.monotonic() + 15
    while True:
        status = gateway_server.api("GET", "/gateways/%s/status" % gateway["id"],
                                    token=admin.access).body["data"]
        assert not status.get("bound"), status
        if "certificate verify failed" in (status.get("last_error") or ""):
            break
        assert time.monotonic() < deadline, status
        time.sleep(0.1)
    assert smsc.pdus("bind_transceiver") == []  # no credentials went to it
