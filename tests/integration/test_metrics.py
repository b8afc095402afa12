"""Prometheus metrics at /metrics (docs/metrics.md): the text exposition
format, the names and labels the docs promise, label values that are never
ids, numbers or addresses, and who may scrape: loopback clients by default,
Bearer token holders when a token is set, and only the metrics address
when it has one of its own.
"""

import re
import time

import ujumbe_it as u
from ujumbe_it import Client, assert_ok

tsrv, tapi, tadmin = u.module_server({"UJUMBE_METRICS_TOKEN": "scrape-secret-1"}, "metrics-token",
                                     "t")
lsrv, lapi, ladmin = u.module_server({"UJUMBE_METRICS_LISTEN": "127.0.0.1:0"}, "metrics-listen",
                                     "l")

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|\+Inf|NaN)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{name: [(labels dict, value)]}, checking every line's form."""
    out, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram"), line
            assert name not in types, "declared twice: " + line
            types[name] = kind
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        labels = dict(LABEL.findall(m.group(3) or ""))
        out.setdefault(m.group(1), []).append((labels, float(m.group(4))))
    for name in out:
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in types or base in types, "no TYPE for " + name
    return out


def scrape(srv, headers=None):
    resp = srv.request("GET", "/metrics", headers=dict({"Accept": "text/plain"}, **(headers or {})))
    assert resp.status == 200, resp
    assert resp.headers["content-type"].startswith("text/plain; version=0.0.4"), resp.headers
    return parse(resp.raw.decode("utf-8"))


def value(metrics, name, **labels):
    for got, v in metrics.get(name, []):
        if all(got.get(k) == want for k, want in labels.items()):
            return v
    return None


def test_requests_are_counted_by_route_template_method_and_status(server, api, owner):
    sent = assert_ok(api("POST", "/messages", json={"to": u.tz_phone(), "body": "Habari"},
                         token=owner.access), 201)
    assert_ok(api("GET", "/messages/%s" % sent["id"], token=owner.access))
    api("GET", "/messages/%s" % "00000000-0000-7000-8000-000000000000", token=owner.access)
    api("GET", "/no/such/route/+255712345678")
    m = scrape(server)
    assert value(m, "ujumbe_http_requests_total", route="/api/v1/messages", method="POST",
                 status="201") >= 1
    assert value(m, "ujumbe_http_requests_total", route="/api/v1/messages/{id}", method="GET",
                 status="200") >= 1
    assert value(m, "ujumbe_http_requests_total", route="/api/v1/messages/{id}", method="GET",
                 status="404") >= 1
    assert value(m, "ujumbe_http_requests_total", route="unmatched", status="404") >= 1
    assert value(m, "ujumbe_http_request_duration_seconds_count", route="/api/v1/messages",
                 method="POST") >= 1
    assert value(m, "ujumbe_http_request_duration_seconds_bucket", route="/api/v1/messages",
                 method="POST", le="+Inf") >= 1
    assert value(m, "ujumbe_messages_accepted_total", channel="sms") >= 1


def test_gauges_of_the_process_queue_gateways_webhooks_and_campaigns(server, api, owner):
    assert_ok(api("POST", "/messages", json={"to": u.tz_phone(), "body": "x"},
                  token=owner.access), 201)
    deadline = time.monotonic() + 10
    while True:
        m = scrape(server)
        if (value(m, "ujumbe_gateway_submits_total", result="accepted") or 0) >= 1:
            break
        assert time.monotonic() < deadline, m.get("ujumbe_gateway_submits_total")
        time.sleep(0.1)
    assert value(m, "process_resident_memory_bytes") > 1e6
    assert value(m, "process_cpu_seconds_total") > 0
    assert value(m, "process_open_fds") > 3
    assert value(m, "process_start_time_seconds") > 1.7e9
    assert value(m, "ujumbe_http_connections") >= 1
    for name in ["ujumbe_queue_due_messages", "ujumbe_queue_oldest_due_age_seconds",
                 "ujumbe_webhook_backlog_deliveries", "ujumbe_webhook_backlog_oldest_age_seconds",
                 "ujumbe_pipeline_in_flight", "ujumbe_pipeline_outcomes_waiting",
                 "ujumbe_realtime_clients"]:
        assert value(m, name) is not None and value(m, name) >= 0, name
    for status in ("scheduled", "running", "paused"):
        assert value(m, "ujumbe_campaigns", status=status) is not None
    assert value(m, "ujumbe_campaign_recipients", state="total") is not None
    gateways = m["ujumbe_gateway_available"]
    assert gateways and all(set(labels) == {"gateway", "kind"} for labels, _ in gateways)
    assert value(m, "ujumbe_gateway_submit_duration_seconds_count") >= 1
    assert value(m, "ujumbe_messages_final_total") is None or \
        value(m, "ujumbe_messages_final_total") >= 0


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_no_label_value_is_an_id_a_number_or_an_address(server, api, owner):
    contact = u.create_contact(api, owner.access, phone_e164=u.tz_phone(),
                               email=u.unique_email("m"))
    api("GET", "/contacts/%s" % contact["id"], token=owner.access)
    api("GET", "/contacts/%s/nothing" % contact["id"], token=owner.access)
    m = scrape(server)
    for name, samples in m.items():
        for labels, _ in samples:
            for key, v in labels.items():
                assert not UUID.search(v), (name, labels)
                # Gateway labels are names operators chose (other tests'
                # carry random hex); a phone number is never a label.
                assert not re.fullmatch(r"\+?\d{7,}", v), (name, labels)
                assert not re.search(r"\+\d{7,}", v), (name, labels)
                assert "@" not in v, (name, labels)
                if key == "route":
                    # "other": the family is full (core/metrics.h), as after a
                    # test that calls every route of the API once
                    assert v in ("unmatched", "other") or v.startswith("/"), (name, labels)


def test_a_request_a_local_proxy_forwarded_is_not_local(server):
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        resp = server.request("GET", "/metrics", headers={header: "203.0.113.9"})
        assert resp.status == 404, (header, resp)


def test_a_token_guards_the_scrape_when_set(tsrv):
    assert tsrv.request("GET", "/metrics").status == 401
    assert tsrv.request("GET", "/metrics",
                        headers={"Authorization": "Bearer wrong-token"}).status == 401
    m = scrape(tsrv, headers={"Authorization": "Bearer scrape-secret-1"})
    assert "ujumbe_http_requests_total" in m


def test_an_address_of_its_own_serves_metrics_and_nothing_else(lsrv, lapi):
    assert lsrv.request("GET", "/metrics").status == 404
    host, port = (lsrv.data_dir / "metrics.addr").read_text().strip().rsplit(":", 1)
    metrics_client = Client(host, int(port))
    resp = metrics_client.request("GET", "/metrics")
    assert resp.status == 200 and b"ujumbe_http_requests_total" in resp.raw
    assert metrics_client.request("GET", "/healthz").status == 404
    assert metrics_client.request("POST", "/api/v1/auth/login",
                                  json={"email": "a@b.co", "password": "x"}).status == 404
    assert_ok(lapi("GET", "/auth/me", token=u.login(lapi, u.ADMIN_EMAIL,
                                                     u.ADMIN_PASSWORD).access))
