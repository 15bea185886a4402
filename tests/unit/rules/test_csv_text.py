"""Every CSV download: UTF-8 with BOM, text cells as typed (never a formula)."""

from __future__ import annotations

import csv
import io

import pandas as pd

from orders_core.rules.csv_text import csv_bytes


def test_bom_accents_and_formulas_stay_text():
    frame = pd.DataFrame({"Client": ["Côté François", "=HYPERLINK(\"http://x\")", "-cmd", "**x**"],
                          "Total": [-5.5, 1, 2, 3]})
    raw = csv_bytes(frame)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["Client"] for r in rows] == ["Côté François", "'=HYPERLINK(\"http://x\")", "'-cmd", "**x**"]
    assert [r["Total"] for r in rows] == ["-5.5", "1.0", "2.0", "3.0"]


def test_batches_write_one_header_and_an_empty_result_keeps_it():
    a, b = pd.DataFrame({"x": [1]}), pd.DataFrame({"x": [2]})
    assert csv_bytes(iter([a, b])).decode("utf-8-sig").splitlines() == ["x", "1", "2"]
    assert csv_bytes(iter([]), ["x", "y"]).decode("utf-8-sig") == "x,y\r\n"
