"""Recurring schedules: the dates a template generates on, in Python and in SQL.

A template follows the client's 30-day prescription periods (counted from the prescription's
``valid_from``) or a day of the month (clipped to the month's last day). The ``sql_*`` functions below
give the same arithmetic as SQL for the set-based generator; a test checks both agree every day for two
years, on both engines.
"""

from __future__ import annotations

import datetime as dt

from orders_core.rules.allowance import period_index, period_start


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
    return period_start(origin, period_index(origin, day))


def period_start_on_or_after(origin: dt.date, day: dt.date) -> dt.date:
    """The first period start (``origin`` + 30 k, k >= 0) on or after ``day``."""
    if day <= origin:
        return origin
    return period_start(origin, -period_index(day, origin))  # the ceiling of (day - origin) / 30


def scheduled_on_or_after(
    schedule: str, day_of_month: int | None, valid_from: dt.date | None, day: dt.date
) -> dt.date | None:
    """The first date on or after ``day`` that the schedule generates an order (None if it cannot tell)."""
    if schedule == "day_of_month" and day_of_month:
        return day_of_month_on_or_after(day_of_month, day)
    if schedule == "period" and valid_from is not None:
        return period_start_on_or_after(valid_from, day)
    return None


# The same arithmetic in SQL, for the set-based generator: each function gives an expression over the SQL
# expressions it is passed (column names: an argument may appear several times). Written once for DuckDB and
# PostgreSQL (``extract``, ``make_date``, quoted intervals, date - date in whole days), so no temporary macros
# or functions are needed on either engine.


def sql_clip(day: str, day_of_month: str) -> str:
    """SQL for ``clip_to_month``: ``day_of_month`` in the month of the date ``day``, or that month's last day."""
    last = f"extract(day FROM date_trunc('month', ({day})::TIMESTAMP) + INTERVAL '1 month' - INTERVAL '1 day')"
    return (f"make_date(extract(year FROM ({day}))::INTEGER, extract(month FROM ({day}))::INTEGER, "
            f"least({day_of_month}, ({last})::INTEGER))")


def sql_dom_on_or_before(day: str, day_of_month: str) -> str:
    """SQL for ``day_of_month_on_or_before``."""
    previous_month = f"(date_trunc('month', ({day})::TIMESTAMP) - INTERVAL '1 month')::DATE"
    return (f"CASE WHEN {sql_clip(day, day_of_month)} <= ({day}) THEN {sql_clip(day, day_of_month)} "
            f"ELSE {sql_clip(previous_month, day_of_month)} END")


def sql_dom_after(day: str, day_of_month: str) -> str:
    """SQL for ``day_of_month_after`` of a scheduled day (the same day of the next month, clipped)."""
    return sql_clip(f"(date_trunc('month', ({day})::TIMESTAMP) + INTERVAL '1 month')::DATE", day_of_month)


def sql_grid_on_or_before(origin: str, day: str, days: str) -> str:
    """SQL for ``period_start_on_or_before``: ``origin`` plus whole steps of ``days`` up to ``day``.

    ``a - a % n`` is ``n * (a // n)`` on both engines (their ``%`` and integer division both truncate)."""
    elapsed = f"(({day}) - ({origin}))"
    return f"(({origin}) + ({elapsed} - {elapsed} % ({days}))::INTEGER)"
