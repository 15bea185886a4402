"""CSV formula cells: every text a spreadsheet could run as a formula is neutralised, real numbers stay
numbers; checked over generated cells and by reading the file back with ``csv.reader``."""

from __future__ import annotations

import csv
import io
import unicodedata

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from orders_core.rules.csv_text import csv_bytes, is_number, text_cell

# What a spreadsheet may read as the start of a formula once it has trimmed spaces and normalised the
# full-width forms (an independent model of the rule, not the module's own list).
TRIGGERS = "=+-@"
INVISIBLE = " \t\r\n\u00a0\u3000\u200b\u200d\u2060\ufeff"


def spreadsheet_runs(cell: str) -> bool:
    """Whether a spreadsheet opening ``cell`` could run it as a formula (a model, on the safe side)."""
    if cell.startswith("'"):
        return False  # the text marker
    if cell[:1] and cell[0] in "\t\r\n":
        return True
    trimmed = cell.lstrip(INVISIBLE)
    first = unicodedata.normalize("NFKC", trimmed[:1]).replace("\u2212", "-")
    if not first or first not in TRIGGERS:
        return False
    return not is_plain_number(cell)


def is_plain_number(cell: str) -> bool:
    """A number as a spreadsheet reads one: Python reads it as a float and it has only digits, signs, a point
    and an exponent (no spaces, underscores, "inf" or "nan")."""
    try:
        float(cell)
    except ValueError:
        return False
    return set(cell) <= set("0123456789+-.eE")


PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\u2212", " =", "\u3000+",
            "\u200b@", "-2+3", "+1 ", "-1e5", "--", "'"]
cells = st.one_of(
    st.text(max_size=30),
    st.builds(lambda p, rest: p + rest, st.sampled_from(PREFIXES), st.text(max_size=30)),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers().map(lambda n: f"{n:+d}"),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
)


@settings(max_examples=500, deadline=None)
@given(cells)
def test_no_cell_runs_and_every_cell_reads_back_as_typed(cell):
    out = text_cell(cell)
    assert not spreadsheet_runs(out), (cell, out)
    assert out == cell or out == "'" + cell  # only the text marker is ever added
    if is_number(cell):
        assert out == cell  # a number stays a number


@settings(max_examples=100, deadline=None)
@given(st.lists(cells, min_size=1, max_size=8))
def test_the_exported_file_read_by_a_csv_reader_has_no_formula(column):
    frame = pd.DataFrame({"Client": column, "Total": [1.5] * len(column)})
    raw = csv_bytes(frame)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Client", "Total"]
    read = [r[0] for r in rows[1:]]
    assert len(read) == len(column)
    for typed, cell in zip(column, read, strict=True):
        assert not spreadsheet_runs(cell), (typed, cell)
        assert cell in (typed, "'" + typed)


def test_the_reported_cell_and_its_relatives():
    attacks = ["-2+3+cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "+1+cmd|' /C calc'!A0", "@SUM(A1)",
               "\t=1+1", "\r=1+1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)", " =1+1", "\u00a0-1+1",
               "\u2212 1+1"]
    for attack in attacks:
        assert text_cell(attack) == "'" + attack, attack
    for number in ["-5.5", "+3", "1e5", "-1E-5", "0", ".5", "-0.25"]:
        assert text_cell(number) == number
    frame = pd.DataFrame({"Client": attacks + ["-5.5"]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"), newline="")))
    assert rows[1][0] == "'-2+3+cmd|' /C calc'!A0"
    assert rows[-1][0] == "-5.5"


def test_a_carriage_return_inside_a_cell_keeps_it_one_cell():
    frame = pd.DataFrame({"Client": ["a\rb", "\r", "c\nd", "e\r\nf"], "Total": [1, 2, 3, 4]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"), newline="")))
    assert rows == [["Client", "Total"], ["a\rb", "1"], ["'\r", "2"], ["c\nd", "3"], ["e\r\nf", "4"]]
