"""Recurring schedules: the dates a template generates on, in Python and in SQL.

A template follows the client's 30-day prescription periods (counted from the prescription's
``valid_from``) or a day of the month (clipped to the month's last day). The SQL macros below are
the same arithmetic for the set-based generator; a test checks both agree every day for two years.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from .allowance import DAYS_PER_PERIOD


def clip_to_month(year: int, month: int, day_of_month: int) -> dt.date:
    """``day_of_month`` in that month, or the month's last day when the month is shorter."""
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = (nxt - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day_of_month, last))


def _shift_month(day: dt.date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def day_of_month_on_or_before(day_of_month: int, day: dt.date) -> dt.date:
    """The latest scheduled day (``day_of_month``, clipped to month ends) on or before ``day``."""
    this = clip_to_month(day.year, day.month, day_of_month)
    return this if this <= day else clip_to_month(*_shift_month(day, -1), day_of_month)


def day_of_month_after(day_of_month: int, day: dt.date) -> dt.date:
    """The first scheduled day strictly after ``day``."""
    this = clip_to_month(day.year, day.month, day_of_month)
    return this if this > day else clip_to_month(*_shift_month(day, 1), day_of_month)


def day_of_month_on_or_after(day_of_month: int, day: dt.date) -> dt.date:
    return day_of_month_after(day_of_month, day - dt.timedelta(days=1))


def period_start_on_or_before(origin: dt.date, day: dt.date) -> dt.date:
    """The start of the 30-day period (counted from ``origin``) holding ``day`` (``day`` >= ``origin``)."""
    k = (day - origin).days // DAYS_PER_PERIOD
    return origin + dt.timedelta(days=k * DAYS_PER_PERIOD)


def period_start_on_or_after(origin: dt.date, day: dt.date) -> dt.date:
    """The first period start (``origin`` + 30 k, k >= 0) on or after ``day``."""
    if day <= origin:
        return origin
    k = -((origin - day).days // DAYS_PER_PERIOD)  # ceiling of (day - origin) / 30
    return origin + dt.timedelta(days=k * DAYS_PER_PERIOD)


def scheduled_on_or_after(
    schedule: str, day_of_month: int | None, valid_from: dt.date | None, day: dt.date
) -> dt.date | None:
    """The first date on or after ``day`` that the schedule generates an order (None if it cannot tell)."""
    if schedule == "day_of_month" and day_of_month:
        return day_of_month_on_or_after(day_of_month, day)
    if schedule == "period" and valid_from is not None:
        return period_start_on_or_after(valid_from, day)
    return None


SQL_MACROS = """
CREATE OR REPLACE TEMP MACRO rec_clip(m, dom) AS
    make_date(year(m), month(m), least(dom, day(last_day(m))));
CREATE OR REPLACE TEMP MACRO rec_dom_on_or_before(d, dom) AS
    CASE WHEN rec_clip(d, dom) <= d THEN rec_clip(d, dom)
         ELSE rec_clip((date_trunc('month', d) - INTERVAL 1 MONTH)::DATE, dom) END;
CREATE OR REPLACE TEMP MACRO rec_dom_after(d, dom) AS
    rec_clip((date_trunc('month', d) + INTERVAL 1 MONTH)::DATE, dom);
CREATE OR REPLACE TEMP MACRO rec_g(x) AS  -- formatting.grams(x, unit=False), in SQL
    rtrim(rtrim(format('{:,.3f}', round(x::DECIMAL(18, 3), 3)::DOUBLE), '0'), '.');
CREATE OR REPLACE TEMP MACRO rec_grid_on_or_before(origin, d, days) AS
    (origin + (days * (date_diff('day', origin, d) // days))::INTEGER)::DATE;
"""



def install_sql_macros(cur: duckdb.DuckDBPyConnection) -> None:
    """Create the schedule macros (temporary, per connection) the generator's SQL calls."""
    for statement in SQL_MACROS.split(";\n"):
        if statement.strip():
            cur.execute(statement)
