from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from orders_core import formatting


def test_money_is_exact_and_blank_when_missing():
    assert formatting.money(Decimal("1234.5")) == "$1,234.50"
    assert formatting.money(Decimal("0.1") + Decimal("0.2")) == "$0.30"
    assert formatting.money(Decimal("-5")) == "-$5.00"
    assert formatting.money(None) == ""


def test_grams_blank_not_zero_without_cannabis():
    assert formatting.grams(None) == ""
    assert formatting.grams(Decimal("17.000")) == "17 g"
    assert formatting.grams(Decimal("16.429")) == "16.43 g"
    assert formatting.grams(Decimal("3.500")) == "3.5 g"
    assert formatting.grams(Decimal("0")) == "0 g"


def test_index_rows_formats_each_column():
    rows = pd.DataFrame({
        "Order ID": [7], "Client": ["Zoë Côté"], "Quantity": [None], "Total Due": [Decimal("12.5")],
        "Created At": [dt.datetime(2026, 11, 25, 9, 5, 33)], "Shipped On": [None],
        "Status": ["Open"], "Carrier": [None],
    })
    shown = formatting.index_rows(rows).iloc[0].to_dict()
    assert shown == {"Order ID": 7, "Client": "Zoë Côté", "Quantity": "", "Total Due": "$12.50",
                     "Created At": "2026-11-25 09:05", "Shipped On": "", "Status": "Open", "Carrier": ""}
    assert formatting.count_label(1) == "1 order" and formatting.count_label(12345) == "12,345 orders"
