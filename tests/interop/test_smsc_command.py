"""`ujumbe smsc`, the SMSC simulator of the binary: driven by an ESME on the
npm `smpp` package (esme.js), fed malformed options and input lines, and
used as the SMSC of `ujumbe serve` end to end."""

import json
import subprocess
import time

import pytest

from smpp_it import (ESME_RINVPASWD, ESME_RINVSYSID, ESME_RTHROTTLED, add_route,
                     add_smpp_gateway, admin_of, harness, wait_bound, wait_status)
import ujumbe_it as u


def test_a_submit_gets_an_id_and_a_receipt_with_that_id(smsc, esme):
    sim = smsc("--receipt-delay-ms", "20")
    client = esme(sim.port, "--submit", 1, "--deliveries", 1, "--text", "Hello SMSC")
    assert client.next("bind_resp")["status"] == 0
    resp = client.next("submit_sm_resp")
    assert resp["status"] == 0 and resp["message_id"]
    receipt = client.next("deliver_sm")
    assert receipt["esm_class"] & 0x3C == 0x04
    assert receipt["receipted_message_id"] == resp["message_id"]
    assert receipt["message_state"] == 2
    assert receipt["text"].startswith("id:%s sub:001 dlvrd:001 submit date:" % resp["message_id"])
    assert "stat:DELIVRD err:000 text:Hello SMSC" in receipt["text"]
    assert receipt["source_addr"] == "255712345678"
    assert receipt["destination_addr"] == "Ujumbe"
    client.next("done")
    # One log line per PDU event, never the text of a message.
    assert sim.wait_for(dir="in", pdu="submit_sm")[0]["to"] == "255712345678"
    assert sim.wait_for(dir="out", pdu="submit_sm_resp")[0]["message_id"] == resp["message_id"]
    assert not [e for e in sim.lines() if "Hello SMSC" in json.dumps(e)]


def test_a_failure_ratio_of_one_reports_every_message_undelivered(smsc, esme):
    sim = smsc("--failure-ratio", "1", "--failure-error", "34", "--receipt-delay-ms", "0")
    client = esme(sim.port, "--submit", 2, "--deliveries", 2)
    ids = {client.next("submit_sm_resp")["message_id"] for _ in range(2)}
    receipts = [client.next("deliver_sm") for _ in range(2)]
    assert {r["receipted_message_id"] for r in receipts} == ids
    for r in receipts:
        assert r["message_state"] == 5
        assert "dlvrd:000" in r["text"] and "stat:UNDELIV err:034" in r["text"]


def test_no_receipts_when_they_are_off(smsc, esme):
    sim = smsc("--receipts", "off", "--id-format", "hex")
    client = esme(sim.port, "--submit", 1, "--deliveries", 1, "--timeout-ms", 1500)
    resp = client.next("submit_sm_resp")
    assert resp["status"] == 0 and len(resp["message_id"]) == 8
    client.next("timeout")
    assert not [e for e in client.events if e["event"] == "deliver_sm"]


def test_required_credentials_refuse_a_wrong_password_or_system_id(smsc, esme):
    sim = smsc("--system-id", "acme", "--password", "pw")
    assert esme(sim.port, "--system-id", "acme", "--password", "nope").next(
        "bind_resp")["status"] == ESME_RINVPASWD
    assert esme(sim.port, "--system-id", "other", "--password", "pw").next(
        "bind_resp")["status"] == ESME_RINVSYSID
    assert esme(sim.port, "--system-id", "acme", "--password", "pw").next(
        "bind_resp")["status"] == 0
    assert sim.wait_for(event="bind", status="ESME_RINVPASWD")
    assert not [e for e in sim.lines() if "nope" in json.dumps(e)]  # passwords are never logged


def test_above_the_tps_limit_submits_are_throttled(smsc, esme):
    sim = smsc("--tps", "1")
    client = esme(sim.port, "--submit", 5)
    statuses = sorted(client.next("submit_sm_resp")["status"] for _ in range(5))
    assert statuses[0] == 0
    assert ESME_RTHROTTLED in statuses


def test_an_mo_line_reaches_a_bound_receiver(smsc, esme):
    sim = smsc()
    client = esme(sim.port, "--mode", "receiver", "--deliveries", 1)
    assert client.next("bind_resp")["status"] == 0
    sim.wait_for(event="bind", status="ESME_ROK")
    sim.say("mo +255700000001 15555 Hello from a handset")
    mo = client.next("deliver_sm")
    assert mo["esm_class"] == 0
    assert mo["source_addr"] == "255700000001"
    assert mo["destination_addr"] == "15555"
    assert mo["text"] == "Hello from a handset"
    assert sim.wait_for(event="mo")[0]["receivers"] == 1


def test_a_long_mo_arrives_in_udh_parts(smsc, esme):
    sim = smsc()
    client = esme(sim.port, "--mode", "transceiver", "--deliveries", 2)
    assert client.next("bind_resp")["status"] == 0
    sim.wait_for(event="bind", status="ESME_ROK")
    text = "".join("%d " % i for i in range(80))  # 250 characters: two parts
    sim.say("mo 255700000001 15555 " + text)
    parts = [client.next("deliver_sm") for _ in range(2)]
    assert all(p["esm_class"] & 0x40 for p in parts)
    assert [p["udh"][-4:] for p in parts] == ["0201", "0202"]
    assert "".join(p["text"] for p in parts) == text


def test_malformed_input_lines_are_reported_and_the_simulator_goes_on(smsc, esme):
    sim = smsc()
    client = esme(sim.port, "--mode", "receiver", "--deliveries", 1)
    assert client.next("bind_resp")["status"] == 0
    sim.wait_for(event="bind", status="ESME_ROK")
    for bad in ["send 1 2 hi", "mo", "mo 1", "mo 12-34 5 hi", "mo 1 2 " + "x" * 5000]:
        sim.say(bad)
    sim.proc.stdin.write(b"mo 1 2 \xc3\x28\n")
    sim.say("# a comment")
    sim.say("")
    sim.say("mo 255700000001 15555 still here")
    assert client.next("deliver_sm")["text"] == "still here"
    errors = [e["error"] for e in sim.wait_for(event="input_error")]
    deadline = time.monotonic() + 5
    while len(errors) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
        errors = [e["error"] for e in sim.lines(event="input_error")]
    assert errors == ["command: unknown command 'send' (expected: mo)",
                      "mo: expected: mo <from> <to> <text>",
                      "mo: expected: mo <from> <to> <text>",
                      "from: letters, digits and + only",
                      "line: longer than 4096 octets",
                      "text: not valid UTF-8"]


@pytest.mark.parametrize("args, message", [
    (["--tps", "fast"], "--tps: expected a number"),
    (["--failure-ratio", "2"], "--failure-ratio: must be between"),
    (["--listen", "nowhere"], "--listen: expected host:port"),
    (["--receipt-delay-ms"], "--receipt-delay-ms: needs a value"),
    (["--colour", "blue"], "options: unknown option --colour"),
])
def test_malformed_options_exit_with_2_and_say_why(args, message):
    proc = subprocess.run([str(harness._binary()), "smsc", *args], capture_output=True,
                          timeout=10)
    assert proc.returncode == 2
    assert message in proc.stderr.decode()
    assert proc.stdout == b""


def test_an_address_in_use_exits_with_1(smsc):
    sim = smsc()
    proc = subprocess.run([str(harness._binary()), "smsc", "--listen",
                           "127.0.0.1:%d" % sim.port], capture_output=True, timeout=10)
    assert proc.returncode == 1
    assert b"cannot listen" in proc.stderr


def test_sigterm_unbinds_and_stops_cleanly(smsc, esme):
    sim = smsc()
    client = esme(sim.port, "--deliveries", 1)
    assert client.next("bind_resp")["status"] == 0
    sim.wait_for(event="bind", status="ESME_ROK")
    assert sim.stop() == 0
    # The log reader may still be reading the last lines.
    assert sim.wait_for(dir="out", pdu="unbind")
    assert sim.wait_for(event="stopped")


def test_ujumbe_serve_delivers_through_ujumbe_smsc(gateway_server, smsc):
    sim = smsc("--system-id", "ujumbe", "--password", "secret", "--receipt-delay-ms", "50")
    admin = admin_of(gateway_server)
    gateway = add_smpp_gateway(gateway_server, admin, sim)
    add_route(gateway_server, admin, [gateway])
    wait_bound(gateway_server, admin, gateway)
    resp = gateway_server.api("POST", "/messages", json={"to": "+254712345678",
                                                          "body": "End to end"},
                              token=admin.access)
    assert resp.status == 201, u.describe(resp)
    done = wait_status(gateway_server, admin.access, resp.body["data"]["id"], "delivered")
    assert [p["status"] for p in done["parts"]] == ["delivered"]
    provider_id = done["parts"][0]["provider_id"]
    assert sim.wait_for(dir="out", pdu="deliver_sm", receipted_message_id=provider_id)
