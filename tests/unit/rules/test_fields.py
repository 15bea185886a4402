"""The typed-field rules shared by the intake forms and the importer: every rule refuses in plain words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orders_core.rules import fields as f


@pytest.mark.parametrize("typed, day", [
    ("2024-03-15", dt.date(2024, 3, 15)), ("2024/03/15", dt.date(2024, 3, 15)),
    ("15/03/2024", dt.date(2024, 3, 15)), ("03/15/2024", dt.date(2024, 3, 15)),
    ("05/05/2024", dt.date(2024, 5, 5)), ("March 15, 2024", dt.date(2024, 3, 15)),
    ("15 mars 2024", dt.date(2024, 3, 15)), ("Mar 15 2024", dt.date(2024, 3, 15)),
    ("1er févr. 2024".replace("1er", "1"), dt.date(2024, 2, 1)), (" 2024-3-5 ", dt.date(2024, 3, 5)),
])
def test_dates_in_iso_and_common_canadian_forms(typed, day):
    assert f.date(typed) == day


@pytest.mark.parametrize("typed, reason", [
    ("03/04/2024", "could be 3/4 or 4/3"), ("2024-02-30", "is not a date"), ("next tuesday", "is not a date"),
    ("", "is empty"), ("31/31/2024", "is not a date"),
])
def test_bad_dates_say_why(typed, reason):
    with pytest.raises(f.FieldError, match=reason):
        f.date(typed)


def test_optional_date_may_be_blank():
    assert f.date("  ", required=False) is None


@pytest.mark.parametrize("typed, amount", [
    ("32.50", "32.50"), ("$32.50", "32.50"), ("32,50", "32.50"), ("1,234.50", "1234.50"),
    ("1 234,50 $", "1234.50"), ("$1,234", "1234.00"), ("1\u00a0234,5", "1234.50"), ("0", "0.00"),
])
def test_money_with_or_without_dollar_and_separators(typed, amount):
    assert f.money(typed) == Decimal(amount)


@pytest.mark.parametrize("typed, reason", [
    ("-3", "at least 0"), ("12.345", "more than 2 decimal places"), ("abc", "is not a number"),
    ("100000", "at most"), ("", "is empty"), ("NaN", "is not a number"),
])
def test_bad_money_says_why(typed, reason):
    with pytest.raises(f.FieldError, match=reason):
        f.money(typed)


@pytest.mark.parametrize("typed, code", [("h2x1y4", "H2X 1Y4"), ("H2X 1Y4", "H2X 1Y4"), (" k1a 0b1 ", "K1A 0B1")])
def test_postal_codes_normalised(typed, code):
    assert f.postal_code(typed) == code


@pytest.mark.parametrize("typed, province, reason", [
    ("H2X1Y", None, "not a Canadian postal code"), ("D2X 1Y4", None, "not a Canadian postal code"),
    ("W2X 1Y4", None, "not a Canadian postal code"), ("H2X 1Y4", "ON", "not a postal code of Ontario"),
    ("12345", None, "not a Canadian postal code"),
])
def test_bad_postal_codes(typed, province, reason):
    with pytest.raises(f.FieldError, match=reason):
        f.postal_code(typed, province)


def test_provinces_by_code_or_name():
    assert f.province("qc") == "QC"
    assert f.province("British Columbia") == "BC"
    with pytest.raises(f.FieldError, match="province or territory code"):
        f.province("ZZ")


def test_phone_and_email():
    assert f.phone("(514) 555-0199") == "514-555-0199"
    assert f.phone("+1 514 555 0199") == "514-555-0199"
    with pytest.raises(f.FieldError, match="10-digit"):
        f.phone("555-0199")
    assert f.email("a@b.ca") == "a@b.ca"
    with pytest.raises(f.FieldError, match="email address"):
        f.email("a@b")


def test_text_keeps_accents_and_limits_length():
    assert f.text("  Éloïse   Côté ") == "Éloïse Côté"
    with pytest.raises(f.FieldError, match="longer than 200"):
        f.text("x" * 201)


def test_percent_share_and_yes_no():
    assert f.percent("80 %") == Decimal("0.8000")
    with pytest.raises(f.FieldError, match="at most 100"):
        f.percent("120")
    assert f.yes_no("oui") is True and f.yes_no("no") is False and f.yes_no("") is True
    with pytest.raises(f.FieldError, match="yes or no"):
        f.yes_no("maybe")


def test_one_year_after_leap_day():
    assert f.one_year_after(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)


@pytest.mark.parametrize("typed", ["1999-12-31", "2100-01-01", "15/03/1850"])
def test_a_business_date_outside_the_module_s_years_is_refused(typed):
    with pytest.raises(f.FieldError, match="outside the years 2000 to 2099"):
        f.business_date(typed)
    assert f.date(typed).year in (1999, 2100, 1850)  # a date of birth may be that old


def test_a_business_date_in_range_is_kept():
    assert f.business_date("2024-03-15") == dt.date(2024, 3, 15)
    assert f.business_date("", required=False) is None
