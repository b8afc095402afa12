"""Part statuses of final messages (docs/api-messaging.md): a part's status
follows its receipt whatever the message's final status.  Once, receipts
for parts 2 and 3 of a rejected multi-part message were stored but those
parts stayed `submitted`.  (The unit tests PipelineTest.PartsOf... cover
receipts arriving one at a time with other outcomes, on both engines.)"""

import time
import uuid

import ujumbe_it as u
from ujumbe_it import assert_ok

TIMEOUT_S = 10.0


def test_every_part_of_a_rejected_message_follows_its_receipt(server_factory):
    srv = server_factory(label="parts")
    api = srv.api
    admin = u.login(api, u.ADMIN_EMAIL, u.ADMIN_PASSWORD)
    biz = u.register(api)
    gw = assert_ok(api("POST", "/gateways", json={
        "name": "reject-%s" % uuid.uuid4().hex[:8], "kind": "sandbox",
        "settings": {"delivery_ratio": 0, "failure_status": "rejected",
                     "receipt_delay_ms": 20}}, token=admin.access), 201)
    assert_ok(api("POST", "/routes", json={
        "name": "reject-%s" % uuid.uuid4().hex[:8], "priority": 1000, "prefix": "2547330",
        "gateways": [{"gateway_id": gw["id"], "weight": 1}]}, token=admin.access), 201)
    ids = []
    for i in range(5):
        msg = assert_ok(api("POST", "/messages", json={"to": "+25473300%04d" % i,
                                                       "body": "p" * 400},
                            token=biz.access), 201)
        assert msg["segments"] == 3, msg
        ids.append(msg["id"])
    for mid in ids:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            msg = assert_ok(api("GET", "/messages/%s" % mid, token=biz.access))
            receipts = assert_ok(api("GET", "/messages/%s/receipts" % mid, token=biz.access))
            receipts = receipts["results"] if isinstance(receipts, dict) else receipts
            if msg["status"] == "rejected" and len(receipts) == 3 and \
                    all(p["status"] != "submitted" for p in msg["parts"]):
                break
            assert time.monotonic() < deadline, (msg, receipts)
            time.sleep(0.05)
        assert [p["status"] for p in msg["parts"]] == ["rejected"] * 3, msg
        assert all(p["done_at"] for p in msg["parts"]), msg
