"""The Metrics page's filter (a date range, sources, carriers, categories) and the grouping of its charts.

Decisions:

* A chart has at most ``MAX_BUCKETS`` bars: a grouping that would need more (a day per bar over ten
  years) is coarsened to week, then month, and ``PageMetrics.grain_note`` says so on the page. The
  decision is here (``bucket_grain``), not in URL parsing, so any range a URL asks for is cheap.
* ``data_version`` is a cheap fingerprint of the orders (every write records an event), so the page
  can cache the figures of one range once for every session until something changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from orders_core.storage.cursor import Cursor
from orders_core.storage.schema import CATEGORIES, SOURCES

GRAINS = ("day", "week", "month")
MAX_BUCKETS = 120
PRESETS = {"Last 7 days": 7, "Last 30 days": 30, "Last quarter": 91, "Last year": 365}
CUSTOM = "Custom"
MAX_RANGE_DAYS = 10 * 366
DAY_GRAIN_MAX_DAYS = 62  # up to about two months a bar per day reads well; beyond, a bar per week


class InvalidFilter(ValueError):
    """A metrics filter that cannot be applied, said in one sentence."""


@dataclass(frozen=True)
class MetricsFilter:
    """A date range (both ends included) and the source, carrier and category filters."""

    start: dt.date
    end: dt.date
    sources: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def validated(self) -> MetricsFilter:
        """This filter, or InvalidFilter with the reason."""
        if not isinstance(self.start, dt.date) or not isinstance(self.end, dt.date):
            raise InvalidFilter("Choose both a first and a last day for the date range.")
        if self.start > self.end:
            raise InvalidFilter("The first day of the range is after the last day.")
        if self.days > MAX_RANGE_DAYS:
            raise InvalidFilter("The date range can cover at most ten years.")
        for name, values, allowed in (("source", self.sources, SOURCES), ("category", self.categories, CATEGORIES)):
            bad = [v for v in values if v not in allowed]
            if bad:
                raise InvalidFilter(f"Unknown {name} {bad[0]!r}; choose among {', '.join(allowed)}.")
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> MetricsFilter:
        """The same filter over the period of the same length just before this one."""
        length = dt.timedelta(days=self.days)
        return MetricsFilter(self.start - length, self.start - dt.timedelta(days=1),
                             self.sources, self.carriers, self.categories)


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a preset range ending today (both included)."""
    if preset not in PRESETS:
        raise InvalidFilter(f"Unknown range {preset!r}; choose one of {', '.join(PRESETS)} or {CUSTOM}.")
    return today - dt.timedelta(days=PRESETS[preset] - 1), today


def default_grain(f: MetricsFilter) -> str:
    return bucket_grain(f, "day" if f.days <= DAY_GRAIN_MAX_DAYS else "week")[0]


def _buckets(f: MetricsFilter, grain: str) -> int:
    if grain == "day":
        return f.days
    if grain == "week":
        return (f.end - (f.start - dt.timedelta(days=f.start.weekday()))).days // 7 + 1
    return (f.end.year - f.start.year) * 12 + f.end.month - f.start.month + 1


def bucket_grain(f: MetricsFilter, asked: str | None) -> tuple[str, str | None]:
    """The grouping to draw (at most MAX_BUCKETS bars) and, when coarser than asked, the sentence saying so."""
    asked = asked or ("day" if f.days <= DAY_GRAIN_MAX_DAYS else "week")
    if asked not in GRAINS:
        raise InvalidFilter(f"Unknown grouping {asked!r}; choose day, week or month.")
    grain = asked
    while _buckets(f, grain) > MAX_BUCKETS and grain != GRAINS[-1]:
        grain = GRAINS[GRAINS.index(grain) + 1]
    if grain == asked:
        return grain, None
    return grain, (f"A bar per {asked} would draw {_buckets(f, asked):,} bars over this range: shown per {grain} "
                   f"instead ({_buckets(f, grain):,} bars).")


def data_version(cur: Cursor) -> tuple:
    """A cheap fingerprint that changes whenever an order changes (every write records an event)."""
    return tuple(cur.execute("SELECT (SELECT max(event_id) FROM order_events), (SELECT count(*) FROM orders)")
                 .fetchall()[0])
