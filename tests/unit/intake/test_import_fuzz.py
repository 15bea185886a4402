"""Every import, fuzzed through ``orders-core import``: a Client Portal JSON file (any JSON, any nesting depth, any
value in any field) and the four CSV files (any cell, any column order). Never a traceback; an exit status of 0,
1 (the report lists the bad cells) or 2 (one sentence); and nothing written unless the import succeeded.

Ids with a digit that is not 0-9 ("²", "٣", "１") are refused in every id field of every import, and a file
nested 100,000 levels deep is one sentence, not a RecursionError.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders_core.cli.main import main
from orders_core.intake.importing import ID_COLUMNS, KINDS, SPECS
from tests.checksums import checksum

AS = "manager@demo.example"  # the demo Operations Manager may import every kind
UNICODE_DIGITS = ["²", "٣", "１２", "߁", "৩", "½", "Ⅻ", "𝟙"]
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
    st.sampled_from(["", " ", "0", "-1", "1001", "100001", "9" * 25, "1e309", "NaN", "$12.50", "12,5",
                     "2026-11-20T14:03:00", "2026-02-30", "9999-12-31T00:00:00+14:00", "0001-01-01T00:00:00-12:00",
                     "A-10442", "FL-PK-035", "Canada Post", "\x00", "=1+1", *UNICODE_DIGITS]),
)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
                   st.floats(allow_nan=True, allow_infinity=False), TEXT)
JSON = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                    st.dictionaries(TEXT, inner, max_size=3)), max_leaves=8)


def plausible_or(strategy, *values):
    return st.one_of(st.sampled_from(list(values)), strategy)


LINE = st.fixed_dictionaries({}, optional={
    "sku": plausible_or(JSON, "FL-PK-035", "FL-BB-150", "NOPE", "FL-PK-٠٣٥"),
    "units": plausible_or(JSON, 1, 2, "3", 0, -1, 1000, "٣", "²", 1.5),
})
ORDER = st.fixed_dictionaries({}, optional={
    "portal_order_id": plausible_or(JSON, "W-1", "W-2", "W-٣"),
    "client_number": plausible_or(JSON, "A-10442", "²"),
    "client_id": plausible_or(JSON, 1001, "1001", " 1002 ", "#1003", "²", "١٠٠١", 10**12, 1001.0),
    "placed_at": plausible_or(JSON, "2026-11-20T14:03:00", "2026-11-20T14:03:00Z", "tomorrow"),
    "carrier": plausible_or(JSON, "Canada Post", "purolator", "Pigeon"),
    "lines": st.one_of(st.lists(LINE, max_size=3), JSON),
})
PORTAL_FILE = st.one_of(
    st.lists(ORDER, max_size=4).map(lambda orders: json.dumps(orders, ensure_ascii=False).encode()),
    st.lists(ORDER, max_size=3).map(lambda orders: json.dumps({"orders": orders}).encode()),
    JSON.map(lambda value: json.dumps(value).encode()),
    st.integers(min_value=17, max_value=5000).map(lambda n: ("[" * n + "]" * n).encode()),
    st.binary(max_size=40),
)


@st.composite
def csv_file(draw, kind: str) -> bytes:
    columns = list(SPECS[kind].columns)
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    if draw(st.integers(0, 5)) == 0:  # sometimes a column too many or too few
        columns = draw(st.lists(st.sampled_from([*columns, "extra", "Client Number"]), min_size=1, max_size=12))
    example = SPECS[kind].example
    rows = draw(st.lists(st.fixed_dictionaries({
        c: plausible_or(TEXT, example.get(c, ""), *UNICODE_DIGITS) for c in dict.fromkeys(columns)}),
        max_size=3))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ";"])))
    writer.writerow(columns)
    writer.writerows([[r.get(c, "") for c in columns] for r in rows])
    return out.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])), "surrogatepass")


def run_import(kind: str, data: bytes, folder: Path, template: Path, capsys) -> tuple[int, str, bool]:
    """``orders-core import`` on a fresh copy of the demo: (exit status, stderr, whether the database changed)."""
    db, file = folder / "orders.duckdb", folder / ("in.json" if kind == "orders" else "in.csv")
    shutil.copy(template, db)
    file.write_bytes(data)
    before = checksum(db)
    try:
        code = main(["import", kind, str(file), "--db", str(db), "--as", AS])
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.err, checksum(db) != before


def assert_no_traceback(kind: str, data: bytes, code: int, err: str, changed: bool) -> None:
    shown = data[:200]
    assert "Traceback" not in err, (shown, err)
    assert code in (0, 1, 2), (shown, code)
    if code:
        assert err.strip(), (shown, "a refusal says why")
        assert not changed, (shown, "a refused import wrote something")
    if code == 2:
        assert len(err.strip().splitlines()) == 1, (shown, err)


SETTINGS = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.large_base_example])


def test_any_client_portal_file_gives_a_report_or_one_sentence(demo_template, tmp_path, capsys):
    @SETTINGS
    @given(data=PORTAL_FILE)
    def check(data):
        assert_no_traceback("orders", data, *run_import("orders", data, tmp_path, demo_template, capsys))

    check()


@pytest.mark.parametrize("kind", KINDS)
def test_any_csv_file_gives_a_report_or_one_sentence(demo_template, tmp_path, capsys, kind):
    @SETTINGS
    @given(data=csv_file(kind))
    def check(data):
        assert_no_traceback(kind, data, *run_import(kind, data, tmp_path, demo_template, capsys))

    check()


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"orders": ' * 100_000 + "1" + "}" * 100_000,
                                  '[{"lines": ' + "[" * 50 + "]" * 50 + "}]", "[" * 100_000])
def test_a_portal_file_nested_at_any_depth_is_one_sentence(demo_template, tmp_path, capsys, text):
    code, err, changed = run_import("orders", text.encode(), tmp_path, demo_template, capsys)
    assert code == 2 and not changed, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err[:500]


PORTAL_IDS = ["portal_order_id", "client_number", "client_id", "lines.sku"]


@pytest.mark.parametrize("digit", UNICODE_DIGITS)
@pytest.mark.parametrize("field", PORTAL_IDS)
def test_a_unicode_digit_in_any_portal_id_is_refused(demo_template, tmp_path, capsys, field, digit):
    order = {"portal_order_id": "W-1", "client_id": 1001, "placed_at": "2026-11-20T14:03:00",
             "lines": [{"sku": "FL-PK-035", "units": 1}]}
    if field == "lines.sku":
        order["lines"][0]["sku"] = f"FL-PK-0{digit}"
    else:
        order[field] = f"1{digit}0" if field != "portal_order_id" else f"W-{digit}"
    code, err, changed = run_import("orders", json.dumps([order]).encode(), tmp_path, demo_template, capsys)
    assert code == 1 and not changed and "Traceback" not in err, err
    assert "is not one of the digits 0 to 9" in err or "is not a client" in err, err


@pytest.mark.parametrize("digit", UNICODE_DIGITS[:4])
@pytest.mark.parametrize("kind", KINDS)
def test_a_unicode_digit_in_any_csv_id_is_refused(demo_template, tmp_path, capsys, kind, digit):
    row = dict(SPECS[kind].example)
    for column in ID_COLUMNS[kind]:
        row[column] = f"A-1{digit}42"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(SPECS[kind].columns))
    writer.writeheader()
    writer.writerow(row)
    code, err, changed = run_import(kind, out.getvalue().encode(), tmp_path, demo_template, capsys)
    assert code == 1 and not changed and "Traceback" not in err, err
    assert "is not one of the digits 0 to 9" in err, err
