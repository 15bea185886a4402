"""Dates outside 2000..2099 are refused in one sentence before anything is written."""

from __future__ import annotations

import datetime as dt

import pytest

from orders_core.cli.main import main
from orders_core.rules.dates import DateOutOfRange, check_date, parse_date
from tests.checksums import checksum
from ui.url_state import query_from_params


def test_the_range_is_2000_to_2099():
    assert parse_date("2000-01-01") == dt.date(2000, 1, 1)
    assert parse_date("2099-12-31") == dt.date(2099, 12, 31)
    for text in ("1999-12-31", "2100-01-01", "9999-12-31", "0001-01-01"):
        with pytest.raises(DateOutOfRange, match="outside the years 2000 to 2099"):
            parse_date(text)
    with pytest.raises(ValueError, match="is not a date"):
        parse_date("٢٠٢٦-٠١-٠١")  # Arabic-Indic digits are not a YYYY-MM-DD date
    with pytest.raises(DateOutOfRange):
        check_date(dt.date.max)


@pytest.mark.parametrize("extra", [[], ["--dry-run"]])
def test_recurring_run_far_future_is_refused_and_changes_nothing(db_path, capsys, extra):
    before = checksum(db_path)
    with pytest.raises(SystemExit) as stop:
        main(["recurring", "run", "--as-of", "9999-12-31", "--db", str(db_path), *extra])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith("The date 9999-12-31 is outside the years 2000 to 2099 that the orders module accepts.")
    assert checksum(db_path) == before


def test_demo_anchor_out_of_range_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--orders", "10", "--anchor", "2150-01-01", "--db", str(tmp_path / "x.duckdb")])
    assert "outside the years" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()


def test_orders_link_dates_out_of_range_are_left_out():
    q, problems = query_from_params({"from": "1900-01-01", "to": "9999-12-31"})
    assert q.created_from is None and q.created_to is None
    assert len(problems) == 2
