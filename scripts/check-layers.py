#!/usr/bin/env python3
"""Checks the include graph of src/ against the layers of docs/architecture.md.

Fails (exit 1, naming each offending include) when
- a module includes a module it may not use (above it or beside it), which
  is also how a cycle would start;
- a module includes another module's private header: its store (store.h),
  anything in its subfolders (a channel kind's internals, a database
  engine), or test support (testing_*.h) outside a test;
- the declared layers themselves have a cycle.
Tests (*_test.cc, testing_*) may use any module, as the unit-test binary
links them all.
"""
import os
import re
import sys

# Each module and the modules it may include, lowest first.
LAYERS = {
    "core": [],
    "db": ["core"],
    "formats": ["core"],
    "http": ["core", "db"],
    "identity": ["core", "db", "http"],
    "contacts": ["core", "db", "http", "identity", "formats"],
    "billing": ["core", "db", "http", "identity", "contacts", "formats"],
    "channels": ["core", "formats"],
    "realtime": ["core", "db", "http"],
    "audit": ["core", "db", "http", "formats"],
    "media": ["core", "db", "http", "formats"],
    "routing": ["core", "db", "http", "formats", "channels"],
    "messaging": ["core", "db", "http", "identity", "contacts", "billing", "formats", "routing",
                  "channels"],
    "smpp_server": ["core", "db", "http", "identity", "contacts", "billing", "formats",
                    "channels", "messaging"],
    "webhooks": ["core", "db", "http", "identity", "contacts", "billing", "formats", "routing",
                 "channels", "messaging"],
    "campaigns": ["core", "db", "http", "identity", "contacts", "billing", "formats", "routing",
                  "channels", "messaging"],
    "crm": ["core", "db", "http", "identity", "contacts", "billing", "formats", "routing",
            "channels", "messaging", "campaigns"],
    "conversations": ["core", "db", "http", "identity", "contacts", "billing", "formats",
                      "routing", "channels", "messaging", "realtime", "media"],
    "analytics": ["core", "db", "http", "identity", "contacts", "billing", "formats", "routing",
                  "channels", "messaging", "realtime", "media", "campaigns", "conversations"],
}
# The app wires everything and may include any public header.
TOP = "app"
# Public headers inside a module's subfolder: the SMPP codec and the SMSC
# side of a session, which the SMPP server for customers is built on.
PUBLIC_EXCEPTIONS = {
    "channels/smpp/pdu.h",
    "channels/smpp/server.h",
    "channels/smpp/server_session.h",
    "channels/smpp/message_text.h",
    "channels/smpp/smsc_messages.h",
    # The Graph API client, Meta's webhook payloads and the messages sent,
    # for conversations.
    "channels/whatsapp_cloud/graph.h",
    "channels/whatsapp_cloud/webhook_payload.h",
    "channels/whatsapp_cloud/outbound_message.h",
    "channels/whatsapp_cloud/template_definition.h",
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([^"]+)"', re.M)


def find_cycle(graph):
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in graph.get(node, []):
            if state.get(nxt) == "open":
                return path + [node, nxt]
            if nxt not in state:
                found = visit(nxt, path + [node])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in graph:
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def is_test(path):
    name = os.path.basename(path)
    return name.endswith("_test.cc") or name.startswith("testing_")


def private_reason(module, rest):
    if "/" in rest and f"{module}/{rest}" not in PUBLIC_EXCEPTIONS:
        return "inside another module's subfolder"
    if rest == "store.h":
        return "another module's store"
    if rest.startswith("testing_"):
        return "test support outside a test"
    return None


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    problems = []
    cycle = find_cycle(LAYERS)
    if cycle:
        problems.append("the declared layers have a cycle: " + " -> ".join(cycle))
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            if not name.endswith((".h", ".cc")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            module = rel.split(os.sep)[0]
            if module == TOP or is_test(rel):
                continue
            if module not in LAYERS:
                problems.append(f"{rel}: module '{module}' has no place in the layers")
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for used, rest in INCLUDE.findall(text):
                if used == module:
                    continue
                if used not in LAYERS[module]:
                    problems.append(f"{rel}: includes {used}/{rest} ({module} may not use {used})")
                    continue
                reason = private_reason(used, rest)
                if reason:
                    problems.append(f"{rel}: includes {used}/{rest} ({reason})")
    # The app may use any module, but only through public headers.
    for dirpath, _, files in os.walk(os.path.join(root, TOP)):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if is_test(rel):
                continue
            with open(path, encoding="utf-8") as f:
                for used, rest in INCLUDE.findall(f.read()):
                    reason = used != TOP and private_reason(used, rest)
                    if reason:
                        problems.append(f"{rel}: includes {used}/{rest} ({reason})")
    for p in problems:
        print("layers: " + p)
    if problems:
        return 1
    print(f"layers: {len(LAYERS) + 1} modules, no include against the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
