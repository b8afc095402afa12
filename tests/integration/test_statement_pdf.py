"""Monthly statements as PDF (docs/api-billing.md): GET /billing/statements
?format=pdf answers a PDF whose text (read back with poppler's pdftotext)
carries the account's business details, its balances and its charges by
destination with the same totals as the JSON statement, and whose pages
render (pdftoppm). Another account's statement is not there to read.
"""

import datetime
import subprocess
from decimal import Decimal

import ujumbe_it as u
from ujumbe_it import assert_ok, assert_validation



def this_month():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m")

def test_a_statement_pdf_has_the_details_and_the_totals_of_the_json_one(api, owner, tmp_path):
    for i in range(3):
        assert_ok(api("POST", "/messages", json={"to": u.tz_phone(), "body": "Habari %d" % i},
                      token=owner.access), 201)
    month = this_month()
    resp = api("GET", "/billing/statements?month=%s&format=pdf" % month, token=owner.access)
    assert resp.status == 200, resp
    assert resp.headers["content-type"] == "application/pdf"
    assert "statement-%s.pdf" % month in resp.headers["content-disposition"]
    assert resp.raw.startswith(b"%PDF-")
    text = u.pdf_text(resp.raw, tmp_path)
    account = assert_ok(api("GET", "/accounts/current", token=owner.access))
    statement = assert_ok(api("GET", "/billing/statements?month=%s" % month,
                              token=owner.access))
    assert "Statement for %s" % month in text
    assert account["account_sid"] in text and owner.account_id in text
    assert "Charges by destination" in text and "Page 1 of 1" in text
    charged = -sum(Decimal(str(c["amount"])) for c in statement["charges"])
    messages = sum(c["messages"] for c in statement["charges"])
    total_line = [l for l in text.splitlines() if l.strip().startswith("Total")][0]
    assert str(messages) in total_line.split()
    assert Decimal(total_line.split()[-2]) == charged
    closing = [l for l in text.splitlines() if "Closing balance" in l][0]
    assert Decimal(closing.split()[-2]) == Decimal(str(statement["closing_balance"]))
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1",
                    str(tmp_path / "document.pdf"), str(png)], check=True)
    pages = list(tmp_path.glob("page*.png"))
    assert len(pages) == 1 and pages[0].stat().st_size > 1000


def test_business_names_outside_latin1_and_bad_formats(api, owner, register, tmp_path):
    assert_ok(api("PUT", "/accounts/current", json={"business_name": "Café 中文 Duka"},
                  token=owner.access))
    resp = api("GET", "/billing/statements?month=%s&format=pdf" % this_month(),
               token=owner.access)
    assert resp.status == 200
    assert "Café ?? Duka" in u.pdf_text(resp.raw, tmp_path)
    assert_validation(api("GET", "/billing/statements?month=%s&format=docx" % this_month(),
                          token=owner.access), "format")
    other = register()
    refused = api("GET", "/billing/statements?month=%s&format=pdf&account_id=%s"
                  % (this_month(), owner.account_id), token=other.access)
    assert refused.status in (403, 404) and not refused.raw.startswith(b"%PDF")
