"""The API's own documentation (docs/api-docs.md): GET /api/v1/openapi.json
is an OpenAPI 3.1 document made from the server's route table, whose every
reference resolves and whose every operation exists (answered by its route,
never by the router's "Route not found" or 405); /docs is Swagger UI served
by the binary from installed files, offline, under a strict
Content-Security-Policy. Every answer this suite receives is checked
against the same document (openapi_contract.py).
"""

import json
import re

ANY_ID = "01900000-0000-7000-8000-000000000000"


def document(server):
    resp = server.request("GET", "/api/v1/openapi.json")
    assert resp.status == 200 and resp.headers["content-type"].startswith("application/json")
    return json.loads(resp.raw)


def refs_in(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                out.add(v)
            refs_in(v, out)
    elif isinstance(node, list):
        for v in node:
            refs_in(v, out)
    return out


def resolve(doc, ref):
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_the_document_is_openapi_31_with_security_envelopes_and_resolving_references(server):
    doc = document(server)
    assert doc["openapi"] == "3.1.0" and doc["info"]["title"] == "Ujumbe API"
    assert set(doc["components"]["securitySchemes"]) == {"bearerAuth", "apiKey"}
    for name in ("Envelope", "Error", "Page", "Report", "ReportExport"):
        assert name in doc["components"]["schemas"], name
    for ref in refs_in(doc, set()):
        assert ref.startswith("#/") and resolve(doc, ref) is not None, ref
    ops = [(path, method, op) for path, item in doc["paths"].items()
           for method, op in item.items()]
    assert len(ops) > 250
    ids = [op["operationId"] for _, _, op in ops]
    assert len(ids) == len(set(ids))
    for path, method, op in ops:
        assert op["responses"], (method, path)
        params = {p["name"] for p in op.get("parameters", []) if p.get("in") == "path"}
        assert params == set(re.findall(r"\{([^}]+)\}", path)), (method, path)
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert login["security"] == [] and "401" in login["responses"]
    send = doc["paths"]["/api/v1/messages"]["post"]
    assert send["x-scope"] and {"402", "429"} <= set(send["responses"])
    export = doc["paths"]["/api/v1/reports/export"]["post"]
    assert set(export["responses"]) >= {"202", "400", "403"}
    assert export["requestBody"]["content"]["application/json"]["schema"]["$ref"] == \
        "#/components/schemas/ReportExportRequest"


def data_schema(success):
    """The schema of `data` in a JSON success, or of a page's items."""
    schema = success.get("content", {}).get("application/json", {}).get("schema")
    if schema is None or "allOf" not in schema:
        return None  # no JSON, or a file that is JSON (a download)
    data = schema["allOf"][1]["properties"]["data"]
    if "allOf" in data:  # a page
        return data["allOf"][1]["properties"]["results"]["items"]
    return data


# Routes whose bodies are not ours to describe (docs/api-docs.md); no other
# route may be added without its schemas.
NOT_YET_DESCRIBED = (
    # a provider's own callback body (form, JSON or text), read by its kind
    "/api/v1/hooks/gateways/",)


def test_every_json_answer_and_json_body_is_described_by_a_named_schema(server):
    doc = document(server)
    vague = []
    for path, item in doc["paths"].items():
        if path.startswith(NOT_YET_DESCRIBED):
            continue
        for method, op in item.items():
            for status, success in op["responses"].items():
                if not status.startswith("2"):
                    continue
                data = data_schema(success)
                if data is not None and "$ref" not in data:
                    vague.append("%s %s answers %s" % (method, path, status))
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and "$ref" not in body["schema"]:
                vague.append("%s %s takes" % (method, path))
    assert not vague, "described as any object:\n" + "\n".join(vague)


def test_every_example_in_the_document_matches_its_schema(server):
    import jsonschema
    doc = document(server)
    schemas = doc["components"]["schemas"]
    with_examples = {name: s for name, s in schemas.items() if s.get("examples")}
    # the envelope's error and the most used bodies and answers at least
    for name in ("Error", "Message", "MessageSendRequest", "Contact"):
        assert name in with_examples, name
    for name, schema in with_examples.items():
        validator = jsonschema.Draft202012Validator(
            {"components": doc["components"], "$ref": "#/components/schemas/" + name})
        for example in schema["examples"]:
            errors = list(validator.iter_errors(example))
            assert not errors, (name, errors[0].message)


def test_routes_name_the_error_codes_they_answer_under_their_status(server):
    doc = document(server)
    start = doc["paths"]["/api/v1/campaigns/{id}/start"]["post"]["responses"]
    assert "INVALID_STATUS" in start["409"]["x-error-codes"]
    assert "INVALID_STATUS" not in start["422"].get("x-error-codes", [])
    send = doc["paths"]["/api/v1/messages"]["post"]["responses"]
    assert "INVALID_NUMBER" in send["400"]["x-error-codes"]
    assert "DAILY_LIMIT_REACHED" in send["429"]["x-error-codes"]
    me = doc["paths"]["/api/v1/auth/me"]["get"]["responses"]
    assert {"INVALID_TOKEN", "TOKEN_REVOKED", "INVALID_API_KEY"} <= set(me["401"]["x-error-codes"])
    # the table of codes names no route the server lacks
    log = "".join((server.base_dir / name).read_text(errors="replace")
                  for name in ("server.stdout", "server.stderr"))
    assert "route error codes name no route" not in log


def test_every_documented_operation_is_a_route_of_the_server(server):
    doc = document(server)
    for path, item in doc["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", ANY_ID, path)
        for method in item:
            if path == "/api/v1/ws":
                continue  # an upgrade: the realtime tests open it
            resp = server.request(method.upper(), concrete)
            assert resp.status != 405, (method, path, resp)
            if resp.status == 404 and resp.headers["content-type"].startswith(
                    "application/json"):
                assert json.loads(resp.raw)["message"] != "Route not found", (method, path)


def test_a_path_that_is_no_route_is_not_documented(server):
    doc = document(server)
    resp = server.request("GET", "/api/v1/no-such-thing")
    assert resp.status == 404 and "/api/v1/no-such-thing" not in doc["paths"]


def test_the_docs_ui_is_served_offline_under_a_strict_policy(server):
    page = server.request("GET", "/docs")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    html = page.raw.decode("utf-8")
    assert "http://" not in html and "https://" not in html
    assert "<script>" not in html  # no inline script: the policy allows none
    for src in re.findall(r'(?:src|href)="(/docs/[^"]+)"', html):
        asset = server.request("GET", src)
        assert asset.status == 200, src
        assert len(asset.raw) > 0
        assert asset.headers["x-content-type-options"] == "nosniff"
    bundle = server.request("GET", "/docs/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert len(bundle.raw) > 100_000
    init = server.request("GET", "/docs/init.js").raw.decode()
    assert "/api/v1/openapi.json" in init and "validatorUrl: null" in init
    css = server.request("GET", "/docs/swagger-ui.css")
    assert css.headers["content-type"].startswith("text/css")
    assert server.request("GET", "/docs/../ujumbe.db").status == 404
    assert server.request("GET", "/docs/package.json").status == 404
