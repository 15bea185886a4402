"""Money and quantities as Canadians type them (English and French habits), or one sentence why not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders_core.rules.numbers import NumberError, far_from, parse_amount, parse_money, parse_units

D = Decimal


@pytest.mark.parametrize("typed, value", [
    ("32.50", "32.50"), ("32,50", "32.50"), ("1,234.50", "1234.50"), ("1 234,50 $", "1234.50"),
    ("$32.50", "32.50"), ("32,50$", "32.50"), ("1\u00a0234,50", "1234.50"), ("1\u202f234,50 $", "1234.50"),
    ("1.234,50", "1234.50"), ("150 000", "150000"), ("1,234,567.89", "1234567.89"), ("3,5", "3.5"),
    ("  7  ", "7"), (",50", "0.50"), ("$ 5", "5"), ("-$5", "-5"), ("$-5", "-5"),
])
def test_reads_english_and_french_habits(typed, value):
    assert parse_amount(typed) == D(value)


@pytest.mark.parametrize("typed, sentence", [
    ("1,234", "'1,234' is ambiguous: write it without the ',' for a whole number, or with at most two decimals."),
    ("1.500", "'1.500' is ambiguous: write it without the '.' for a whole number, or with at most two decimals."),
    ("abc", "'abc' is not a number."), ("1e9", "'1e9' is not a number."), ("inf", "'inf' is not a number."),
    ("NaN", "'NaN' is not a number."), ("0x10", "'0x10' is not a number."), ("$$5", "'$$5' is not a number."),
    ("12 34", "'12 34' is not a number: group thousands in threes, e.g. 1 234,50 or 1,234.50."),
    ("1,23,456", "'1,23,456' is not a number: group thousands in threes, e.g. 1 234,50 or 1,234.50."),
    ("5.", "'5.' is not a number."), ("1.2.3,4", "'1.2.3,4' is not a number: group thousands in threes, "
                                                  "e.g. 1 234,50 or 1,234.50."),
    ("٣", "'٣' is not a number."),
])
def test_refuses_ambiguous_or_malformed_in_one_sentence(typed, sentence):
    with pytest.raises(NumberError) as exc:
        parse_amount(typed)
    assert str(exc.value) == sentence


def test_money_and_units_say_which_field():
    with pytest.raises(NumberError, match=r"^The unit price '-3' is negative\.$"):
        parse_money("-3", "The unit price")
    with pytest.raises(NumberError, match=r"^The unit price '32,505' is ambiguous"):
        parse_money("32,505", "The unit price")
    with pytest.raises(NumberError, match="has more than two decimal places"):
        parse_money("1 234,567", "The unit price")
    with pytest.raises(NumberError, match=r"^Units '1e9' is not a number\.$"):
        parse_units("1e9", "Units", maximum=999)
    with pytest.raises(NumberError, match=r"^Units '-1' is negative\.$"):
        parse_units("-1", "Units", maximum=999)
    with pytest.raises(NumberError, match=r"^Units is 0; order at least 1 unit\.$"):
        parse_units("0", "Units", maximum=999)
    with pytest.raises(NumberError, match=r"^Units '2,5' is not a whole number\.$"):
        parse_units("2,5", "Units", maximum=999)
    assert parse_units("1 000", "Units", maximum=5000) == 1000
    assert parse_money("32,50", "The unit price") == D("32.50")


def test_far_from_the_catalogue_price():
    assert far_from(D("325.01"), D("32.50")) and far_from(D("3.24"), D("32.50"))
    assert not far_from(D("325.00"), D("32.50")) and not far_from(D("3.25"), D("32.50"))
    assert not far_from(D("5"), D("0"))


cents = st.integers(min_value=0, max_value=9_999_999).map(lambda c: D(c) / 100)


def _english(v: Decimal) -> str:
    return f"{v:,.2f}"


def _french(v: Decimal) -> str:
    return f"{v:,.2f}".replace(",", "\u00a0").replace(".", ",") + " $"


def _plain_comma(v: Decimal) -> str:
    return f"{v:.2f}".replace(".", ",")


@given(cents, st.sampled_from([_english, _french, _plain_comma, lambda v: f"${v:.2f}", lambda v: f"{v:.2f}$",
                               lambda v: f"{v:,.2f}".replace(",", " "),
                               lambda v: f"{v:,.2f}".replace(",", "#").replace(".", ",").replace("#", ".")]))
def test_any_amount_written_in_any_habit_reads_back(value, write):
    assert parse_money(write(value), "The price") == value


@given(st.integers(min_value=1, max_value=999_999))
def test_whole_numbers_with_any_thousands_grouping(n):
    for text in (str(n), f"{n:,}", f"{n:,}".replace(",", " "), f"{n:,}".replace(",", "\u202f")):
        if "," in text and text.count(",") == 1:
            continue  # '1,234' alone is ambiguous: refused (tested above)
        assert parse_units(text, "Units", maximum=10**6) == n


@given(st.text(max_size=30))
def test_any_text_is_a_number_or_one_sentence(text):
    try:
        value = parse_amount(text)
    except NumberError as exc:
        message = str(exc)
        assert message.endswith(".") and "\n" not in message
    else:
        assert value.is_finite()
        assert any(c.isdigit() for c in text)
