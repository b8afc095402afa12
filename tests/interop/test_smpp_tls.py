"""SMPP over TLS, both sides. To an SMSC (npm `smpp`'s TLS server in
smsc.js): a gateway with `tls: true` checks the SMSC's certificate against
its `tls_ca`, binds, submits and takes receipts over TLS; one that does not
trust the certificate never binds and says why, and nothing reaches the
SMSC. From a customer (npm `smpp`'s TLS client in esme.js): with
smpp_tls_cert_file and smpp_tls_key_file the SMPP server takes binds,
submits and sends receipts over TLS only, and takes a renewed certificate
on SIGHUP."""

import os
import shutil
import signal
import ssl
import time

import pytest

import ujumbe_it as u
from smpp_it import add_route, add_smpp_gateway, admin_of, wait_bound, wait_status
from test_smpp_server import Setup


def test_a_message_goes_over_tls_and_its_receipt_comes_back(gateway_server, smsc_factory,
                                                            tmp_path):
    cert, key = u.make_certificate(tmp_path, "smsc")
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
    cert, key = u.make_certificate(tmp_path, "smsc")
    other, _ = u.make_certificate(tmp_path, "someone-else")
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


@pytest.fixture
def tls_smpp_server(server_factory, tmp_path):
    cert, key = u.make_certificate(tmp_path, "ujumbe")
    live = tmp_path / "live.pem", tmp_path / "live.key"
    shutil.copy(cert, live[0])
    shutil.copy(key, live[1])
    srv = server_factory(env={"UJUMBE_SANDBOX_GATEWAY": None,
                              "UJUMBE_SMPP_LISTEN": "127.0.0.1:0",
                              "UJUMBE_SMPP_TLS_CERT_FILE": live[0],
                              "UJUMBE_SMPP_TLS_KEY_FILE": live[1]}, label="smpps")
    return srv, cert, live


def test_a_customer_binds_submits_and_gets_receipts_over_tls(tls_smpp_server, smsc, esme,
                                                             tmp_path):
    srv, cert, live = tls_smpp_server
    upstream = smsc("--system-id", "ujumbe", "--password", "secret", "--receipt-delay-ms", "20")
    setup = Setup(srv, upstream)
    client = esme(setup.port, *setup.credentials(), "--submit", 2, "--deliveries", 2,
                  "--text", "Hello over SMPPS", "--to", "254712345678", "--tls-ca", cert)
    assert client.next("bind_resp")["status"] == 0
    ids = {client.next("submit_sm_resp")["message_id"] for _ in range(2)}
    receipts = [client.next("deliver_sm", timeout=20) for _ in range(2)]
    assert {r["receipted_message_id"] for r in receipts} == ids
    assert all("stat:DELIVRD" in r["text"] for r in receipts)

    # Plain SMPP on the TLS port binds nothing: the connection is closed.
    plain = esme(setup.port, *setup.credentials(), "--timeout-ms", 8000)
    with pytest.raises(AssertionError, match="ended before bind_resp"):
        plain.next("bind_resp", timeout=10)
    assert {"event": "closed"} in plain.events

    # A renewed certificate in the same files: SIGHUP, and new connections
    # are shown it.
    renewed, renewed_key = u.make_certificate(tmp_path, "renewed")
    shutil.copy(renewed, live[0])
    shutil.copy(renewed_key, live[1])
    os.kill(srv.proc.pid, signal.SIGHUP)
    want = ssl.PEM_cert_to_DER_cert(renewed.read_text())
    deadline = time.monotonic() + 10
    while u.served_certificate("127.0.0.1", setup.port) != want:
        assert time.monotonic() < deadline, "the renewed certificate was never served"
        time.sleep(0.1)
