"""Which month a report may be made for: ``YYYY-MM``, already over, not before the first order.

Decision: the current month is refused as well as a future one (its figures are not final until it ends);
the default is the last complete month.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from orders_core.rules.refusals import Refused
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_value

_MONTH = re.compile(r"(\d{4})-(\d{2})")


class InvalidMonth(Refused, ValueError):
    """A month no report can be made for, said in one sentence."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def next_first_day(self) -> dt.date:
        return dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next_first_day - dt.timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def label(self) -> str:
        return f"{self.first_day:%B %Y}"

    def previous(self) -> Month:
        day = self.first_day - dt.timedelta(days=1)
        return Month(day.year, day.month)


def last_complete_month(today: dt.date) -> Month:
    return Month(today.year, today.month).previous()


def parse_month(text: object) -> Month:
    """``YYYY-MM`` as a ``Month``; ``InvalidMonth`` for anything else."""
    raw = str(text).strip()
    found = _MONTH.fullmatch(raw) if raw.isascii() else None
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        raise InvalidMonth(f"{shown!r} is not a month; write it as YYYY-MM, such as 2026-10.")
    return Month(int(found.group(1)), int(found.group(2)))


def first_order_month(cur: Cursor) -> Month | None:
    first = fetch_value(cur, "SELECT min(created_at)::DATE FROM orders")
    return None if first is None else Month(first.year, first.month)


def check_month(cur: Cursor, month: Month, today: dt.date) -> Month:
    """``month`` if a report can be made for it: over by ``today``, not before the first order."""
    if month.next_first_day > today:
        raise InvalidMonth(f"{month} has not ended yet; the last month that can be reported is "
                           f"{last_complete_month(today)}.")
    first = first_order_month(cur)
    if first is None:
        raise InvalidMonth("There are no orders yet, so there is no month to report.")
    if month < first:
        raise InvalidMonth(f"{month} is before the first order ({first}); choose {first} or a later month.")
    return month
