"""How every page, PDF and CSV shows money, grams and dates: one formatter each, exact, blank where the seed says blank.

Decisions ("the same figure shown the same way on every page, PDF and CSV"):

- **Grams** (``grams``) are stored to the milligram (DECIMAL(10,3)) and shown to the milligram: at most
  3 decimals, trailing zeros trimmed, rounded half up, thousands grouped: ``0.429 g``, ``3.5 g``, ``17 g``,
  ``1,234.25 g``. No quantity of cannabis is ever shown rounded, so the index, the Order Profile, the
  picking list and a refusal sentence agree to the last digit. Without cannabis the text is blank (not 0).
  ``unit=False`` leaves out the " g" (table cells under a "Grams" heading, "x g of y g" sentences).
- **Money** (``money``) is dollars and cents, rounded half up, grouped: ``$1,234.50``, ``-$5.00``.
- **CSV** (``csv=True``, or ``csv_frame`` for a whole table) keeps the same digits but no unit, no ``$``
  and no grouping, so a spreadsheet reads a number: grams ``0.429`` / ``17``, money ``1234.50``.
- **Headline cards** (``short=True``, Metrics only) abbreviate a large figure to fit the card: grams as
  whole grams up to 10 kg, then kilograms to 0.1 kg (``12.3 kg``); money as whole dollars below
  $100,000, then ``$148.3K`` / ``$33.02M``. The card's help always gives the exact figure.

SQL that writes grams into a sentence (the recurring skip reasons) uses the ``rec_g`` macro, which
produces the same text as ``grams(value, unit=False)`` (a test holds them equal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

CENTS = Decimal("0.01")
MILLIGRAMS = Decimal("0.001")
WHOLE = Decimal("1")


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str | Decimal) and pd.isna(value))


def _trimmed(number: Decimal, grouped: bool) -> str:
    text = f"{number:,f}" if grouped else f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def grams(value: Decimal | float | str | None, *, unit: bool = True, csv: bool = False, short: bool = False) -> str:
    """``16.429 g``, ``3.5 g``, ``1,017 g``; blank (not 0) when there is no cannabis. See the module's decisions."""
    if _missing(value):
        return ""
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if short:
        if abs(amount) >= 10_000:
            return f"{(amount / 1_000).quantize(Decimal('0.1'), ROUND_HALF_UP):,} kg"
        return f"{amount.quantize(WHOLE, ROUND_HALF_UP):,} g"
    amount = amount.quantize(MILLIGRAMS, ROUND_HALF_UP)
    if amount == 0:
        amount = abs(amount)  # never "-0"
    text = _trimmed(amount, grouped=not csv)
    return text if csv or not unit else f"{text} g"


def money(value: Decimal | float | str | None, *, csv: bool = False, short: bool = False) -> str:
    """``$1,234.50``; negative amounts as ``-$5.00``; blank when there is no amount. See the module's decisions."""
    if _missing(value):
        return ""
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    sign = "-" if amount.quantize(CENTS, ROUND_HALF_UP) < 0 else ""
    amount = abs(amount)
    if short:
        if amount >= 1_000_000:
            return f"{sign}${(amount / 1_000_000).quantize(CENTS, ROUND_HALF_UP):,}M"
        if amount >= 100_000:
            return f"{sign}${(amount / 1_000).quantize(Decimal('0.1'), ROUND_HALF_UP):,}K"
        return f"{sign}${amount.quantize(WHOLE, ROUND_HALF_UP):,}"
    amount = amount.quantize(CENTS, ROUND_HALF_UP)
    return f"{sign}{amount:f}" if csv else f"{sign}${amount:,.2f}"


def csv_frame(frame: pd.DataFrame, *, grams_columns: Iterable[str] = (), money_columns: Iterable[str] = ()) -> pd.DataFrame:
    """A copy of ``frame`` with its grams and money columns written as the CSV exports write them."""
    out = frame.copy()
    for col in grams_columns:
        if col in out:
            out[col] = [grams(v, csv=True) for v in frame[col]]
    for col in money_columns:
        if col in out:
            out[col] = [money(v, csv=True) for v in frame[col]]
    return out


def timestamp(value: dt.datetime | None) -> str:
    if _missing(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def date(value: dt.date | None) -> str:
    if _missing(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def index_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The index page's rows as the CSR reads them (every column text but the Order ID)."""
    shown = rows.copy()
    shown["Client"] = shown["Client"].fillna("")
    shown["Quantity"] = [grams(v) for v in rows["Quantity"]]
    shown["Total Due"] = [money(v) for v in rows["Total Due"]]
    shown["Created At"] = [timestamp(v) for v in rows["Created At"]]
    shown["Shipped On"] = [date(v) for v in rows["Shipped On"]]
    shown["Carrier"] = rows["Carrier"].fillna("").astype(str)
    if "Returns" in rows:
        shown["Returns"] = rows["Returns"].fillna("").astype(str)
    return shown


def count_label(total: int, noun: str = "order") -> str:
    return f"{total:,} {noun}" + ("" if total == 1 else "s")
