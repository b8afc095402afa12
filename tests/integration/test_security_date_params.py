"""Date parameters of billing and messaging (docs/api-billing.md,
docs/api-messaging.md): statement months and the date_from / date_to list
filters take real dates in the years 2000 to 2100; anything else is a 400
naming the parameter (once, 9999-12 answered 200 with a 1972 period_end)."""

import pytest

from ujumbe_it import assert_list, assert_ok, assert_validation, with_query

BAD_MONTHS = ["9999-12", "1999-12", "2101-01", "0000-01", "2026-13", "2026-00", "2026-1",
              "2026-1a", "26-11", "2026/11", "2026-11-01", "", "abcd-ef", "+2026-11"]
BAD_DATES = ["9999-12-31", "1999-12-31", "2101-01-01", "0000-01-01", "2026-02-30",
             "2026-13-01", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "20260115",
             "yesterday", "2026-01-15T25:00:00Z"]
LIST_ROUTES = ["/wallet/transactions", "/wallet/transactions/export", "/messages",
               "/messages/stats"]


@pytest.mark.parametrize("month", BAD_MONTHS)
def test_statement_month_out_of_range_is_400(api, owner, month):
    resp = api("GET", with_query("/billing/statements", month=month), token=owner.access)
    assert_validation(resp, "month")


def test_statement_months_at_the_bounds(api, owner):
    for month, end in (("2000-01", "2000-02-01T00:00:00Z"), ("2100-12", "2101-01-01T00:00:00Z"),
                       ("2026-02", "2026-03-01T00:00:00Z")):
        s = assert_ok(api("GET", with_query("/billing/statements", month=month),
                          token=owner.access))
        assert s["month"] == month and s["period_end"] == end, s
        assert s["period_start"] == month + "-01T00:00:00Z", s


@pytest.mark.parametrize("route", LIST_ROUTES)
@pytest.mark.parametrize("name", ["date_from", "date_to"])
@pytest.mark.parametrize("value", BAD_DATES)
def test_list_date_filters_out_of_range_are_400(api, owner, route, name, value):
    resp = api("GET", with_query(route, **{name: value}), token=owner.access)
    assert_validation(resp, name)


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_list_date_filters_in_range(api, owner, route):
    resp = api("GET", with_query(route, date_from="2000-01-01", date_to="2100-12-31"),
               token=owner.access)
    assert resp.status == 200, resp
    if route in ("/wallet/transactions", "/messages"):
        assert_list(resp)


@pytest.mark.parametrize("value", ["9999-12-31T00:00:00Z", "1999-12-31T23:59:59Z",
                                   "2026-02-30T10:00:00Z"])
def test_send_at_out_of_range_is_400(api, owner, value):
    resp = api("POST", "/messages", json={"to": "+254733000001", "body": "later",
                                          "send_at": value}, token=owner.access)
    assert_validation(resp, "send_at")
