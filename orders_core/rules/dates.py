"""The one range of dates the module accepts, wherever a date comes in (command line, form, URL, file).

Decision: a business date (an order's, a run's "as of", a report range, a demo's anchor)
lies in the years 2000 to 2099. The rule is fixed rather than "today ± N years" so that a test or a
link gives the same answer on any day, and it leaves every date sum the module makes (a period of
30 days, the next month of a template) far from Python's year 9999 and DuckDB's limits. Dates of
birth are not business dates and are not held to it.
"""

from __future__ import annotations

import datetime as dt

FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2099, 12, 31)


class DateOutOfRange(ValueError):
    """A date outside FIRST_DATE..LAST_DATE, said in one sentence."""


def in_range(day: dt.date) -> bool:
    return FIRST_DATE <= day <= LAST_DATE


def check_date(day: dt.date, what: str = "The date") -> dt.date:
    """``day`` itself when it is in range, else DateOutOfRange naming ``what``."""
    if not in_range(day):
        raise DateOutOfRange(
            f"{what} {day.isoformat()} is outside the years {FIRST_DATE.year} to {LAST_DATE.year} "
            "that the orders module accepts."
        )
    return day


def parse_date(text: str, what: str = "The date") -> dt.date:
    """A YYYY-MM-DD date in range, or ValueError (DateOutOfRange when only the range is wrong)."""
    text = (text or "").strip()
    if len(text) != 10 or not text.isascii():
        raise ValueError(f"{what} {text[:40]!r} is not a date (YYYY-MM-DD).")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a date (YYYY-MM-DD).") from None
    return check_date(day, what)
