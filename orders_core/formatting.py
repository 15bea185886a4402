"""How the index shows money, grams and dates: exact, and blank where the seed says blank."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

CENTS = Decimal("0.01")


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str | Decimal) and pd.isna(value))


def money(value: Decimal | None) -> str:
    """``$1,234.50``; negative amounts as ``-$5.00``; blank when there is no amount."""
    if _missing(value):
        return ""
    amount = Decimal(value).quantize(CENTS, ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def grams(value: Decimal | None) -> str:
    """``16.43 g``, ``3.5 g``, ``17 g``; blank (not 0) when the order holds no cannabis."""
    if _missing(value):
        return ""
    text = f"{Decimal(value).quantize(CENTS, ROUND_HALF_UP):,.2f}".rstrip("0").rstrip(".")
    return f"{text} g"


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
    return shown


def count_label(total: int, noun: str = "order") -> str:
    return f"{total:,} {noun}" + ("" if total == 1 else "s")
