from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from orders_core.rules import formatting


def test_money_is_exact_and_blank_when_missing():
    assert formatting.money(Decimal("1234.5")) == "$1,234.50"
    assert formatting.money(Decimal("0.1") + Decimal("0.2")) == "$0.30"
    assert formatting.money(Decimal("-5")) == "-$5.00"
    assert formatting.money(None) == ""


def test_grams_blank_not_zero_without_cannabis():
    assert formatting.grams(None) == ""
    assert formatting.grams(Decimal("17.000")) == "17 g"
    assert formatting.grams(Decimal("16.429")) == "16.429 g"  # was "16.43 g": grams now show to the milligram
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


def test_grams_show_to_the_milligram_the_same_way_in_text_tables_and_csv():
    assert formatting.grams(Decimal("0.429")) == "0.429 g"
    assert formatting.grams(Decimal("0.429"), unit=False) == "0.429"
    assert formatting.grams(Decimal("1234.250")) == "1,234.25 g"
    assert formatting.grams(Decimal("1234.250"), csv=True) == "1234.25"
    assert formatting.grams(Decimal("0.0005")) == "0.001 g"  # half up
    assert formatting.grams(Decimal("-0.0001")) == "0 g"
    assert formatting.grams(None, unit=False) == formatting.grams(None, csv=True) == ""


def test_money_in_csv_and_on_headline_cards():
    assert formatting.money(Decimal("1234.5"), csv=True) == "1234.50"
    assert formatting.money(Decimal("-5"), csv=True) == "-5.00"
    assert formatting.money(Decimal("9876.40"), short=True) == "$9,876"
    assert formatting.money(Decimal("148300"), short=True) == "$148.3K"
    assert formatting.money(Decimal("33020000"), short=True) == "$33.02M"
    assert formatting.grams(Decimal("9999.4"), short=True) == "9,999 g"
    assert formatting.grams(Decimal("12345.678"), short=True) == "12.3 kg"


def test_csv_frame_writes_grams_and_money_columns_as_plain_numbers():
    frame = pd.DataFrame({"grams": [Decimal("18.500"), None], "revenue": [Decimal("1234.5"), Decimal("0")],
                          "orders": [3, 4]})
    shown = formatting.csv_frame(frame, grams_columns=["grams"], money_columns=["revenue"])
    assert shown.to_csv(index=False) == "grams,revenue,orders\n18.5,1234.50,3\n,0.00,4\n"
