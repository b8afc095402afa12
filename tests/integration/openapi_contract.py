"""Every answer the black-box suite receives, checked against the server's
own OpenAPI document (GET /api/v1/openapi.json, docs/api-docs.md): the
route must be documented for the method, the status must be one of its
documented responses, a JSON answer must match that response's schema and
a file its content types; an error's code must be one the document
names for its status; a JSON body the server took (a success) must match
the route's request schema, and each query parameter of a request it took
must be one the route documents, with a value its schema allows.

UJUMBE_TEST_CONTRACT=report writes what does not match to the file named
by UJUMBE_TEST_CONTRACT_LOG instead of failing the test (for surveying).
"""

import json
import os
import re
import urllib.parse

import jsonschema


class ContractError(AssertionError):
    pass


def _pattern_regex(pattern):
    parts = []
    for seg in pattern.strip("/").split("/"):
        parts.append("[^/]+" if seg.startswith("{") and seg.endswith("}") else re.escape(seg))
    return re.compile("^/" + "/".join(parts) + "/?$")


class Contract:
    def __init__(self, document):
        self.document = document
        self.components = document.get("components", {})
        routes = []
        for pattern, ops in document["paths"].items():
            literal = sum(1 for s in pattern.strip("/").split("/") if not s.startswith("{"))
            routes.append((-literal, pattern, _pattern_regex(pattern), ops))
        # the most literal pattern first, as the router's order makes
        # /messages/stats win over /messages/{id}
        routes.sort(key=lambda r: (r[0], r[1]))
        self.routes = routes
        self.validators = {}
        self.mode = os.environ.get("UJUMBE_TEST_CONTRACT", "strict")
        self.log = os.environ.get("UJUMBE_TEST_CONTRACT_LOG")

    def operation(self, method, path):
        path = path.split("?", 1)[0]
        for _, pattern, regex, ops in self.routes:
            if regex.match(path):
                return pattern, ops.get(method.lower())
        return None, None

    def _validator(self, key, schema):
        v = self.validators.get(key)
        if v is None:
            root = {"components": self.components, "allOf": [schema]}
            v = jsonschema.Draft202012Validator(root)
            self.validators[key] = v
        return v

    def check(self, method, path, resp, request_json=None, ignored_query=False):
        pattern, op = self.operation(method, path)
        if op is None:
            if resp.status in (404, 405):
                return  # no such route: the router's answer
            return self._fail("%s %s answered %s but is not in the document"
                              % (method, path, resp.status))
        responses = op["responses"]
        documented = responses.get(str(resp.status))
        if documented is None:
            return self._fail("%s %s (%s) answered %s, not among its documented %s"
                              % (method, path, pattern, resp.status, sorted(responses)))
        content = documented.get("content", {})
        ctype = (resp.headers.get("content-type") or "").split(";")[0].strip()
        if content and ctype and not any(ctype == t or t == "*/*" for t in content):
            return self._fail("%s %s (%s) %s answered %s, documented %s"
                              % (method, path, pattern, resp.status, ctype, sorted(content)))
        if 200 <= resp.status < 300 and request_json is not None:
            self._check_request(method, path, pattern, op, request_json)
        if 200 <= resp.status < 300 and "?" in path and not ignored_query:
            self._check_query(method, path, pattern, op)
        schema = content.get("application/json", {}).get("schema", {})
        # a file that happens to be JSON (a download): its type is enough
        if ctype != "application/json" or schema.get("format") == "binary" or not resp.raw:
            return
        try:
            body = json.loads(resp.raw)
        except ValueError:
            return self._fail("%s %s answered JSON that does not parse" % (method, path))
        if resp.status >= 400 and isinstance(body, dict) and "error_code" in body:
            codes = documented.get("x-error-codes", [])
            if body["error_code"] not in codes:
                return self._fail("%s %s (%s) answered %s %s, not among its documented codes %s"
                                  % (method, path, pattern, resp.status, body["error_code"],
                                     codes), key=("code", method.upper(), pattern, resp.status,
                                                  body["error_code"]))
        errors = sorted(self._validator((pattern, method.lower(), resp.status), schema)
                        .iter_errors(body), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            return self._fail("%s %s (%s) %s: %s at %s" % (
                method, path, pattern, resp.status, e.message[:300],
                "/".join(str(p) for p in e.absolute_path)))

    def _check_request(self, method, path, pattern, op, request_json):
        """A body the server took must be one its document describes."""
        schema = (op.get("requestBody", {}).get("content", {})
                  .get("application/json", {}).get("schema"))
        if not schema or "$ref" not in schema:
            return
        errors = sorted(self._validator((pattern, method.lower(), "request"), schema)
                        .iter_errors(request_json), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            self._fail("%s %s (%s) took a body its document refuses: %s at %s" % (
                method, path, pattern, e.message[:300],
                "/".join(str(p) for p in e.absolute_path)))

    def _parameters(self, op):
        out = {}
        for p in op.get("parameters", []):
            if "$ref" in p:
                p = self.components["parameters"][p["$ref"].rsplit("/", 1)[1]]
            if p.get("in") == "query":
                out[p["name"]] = p.get("schema", {})
        return out

    def _check_query(self, method, path, pattern, op):
        """A query the server took must use parameters its route documents."""
        documented = self._parameters(op)
        query = urllib.parse.parse_qsl(path.split("?", 1)[1], keep_blank_values=True)
        for name, value in query:
            schema = documented.get(name)
            if schema is None:
                self._fail("%s %s (%s) took the query parameter %s, not among its documented %s"
                           % (method, path, pattern, name, sorted(documented)),
                           key=("query", method.upper(), pattern, name))
                continue
            if "enum" in schema and value not in schema["enum"]:
                self._fail("%s %s (%s) took %s=%s, documented as one of %s"
                           % (method, path, pattern, name, value, schema["enum"]),
                           key=("query-value", method.upper(), pattern, name, value))
            elif schema.get("type") == "integer" and not re.fullmatch(r"-?[0-9]+", value):
                self._fail("%s %s (%s) took %s=%s, documented as a whole number"
                           % (method, path, pattern, name, value),
                           key=("query-value", method.upper(), pattern, name, value))

    def _fail(self, message, key=None):
        if self.mode == "report":
            if self.log:
                with open(self.log, "a") as f:
                    f.write((json.dumps(key) if key else message) + "\n")
            return
        raise ContractError("the answer does not match the OpenAPI document: " + message)
