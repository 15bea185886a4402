"""Order metrics for operations managers: every figure and chart of the Metrics page.

Every number is an aggregation in the database that returns a small result (a few hundred rows at
most), never the orders themselves. Each figure is one SQL query over rows of the daily summaries' shape
(``metrics_rollup``: orders, Total Due and grams per created day, source, carrier, status, shipped and
delivered day; units per day and product; coverage per day and insurer), read from the summary tables
(their stale days aggregated from the orders at once) or, with a category filter, from the matched orders
aggregated into that shape; only the part of a day before a headline's cut inside it is read from the
orders. Every value that comes from the user reaches the database as a
``?`` parameter; the only text put into the SQL is our own constant fragments. The SQL is written once
for DuckDB and PostgreSQL (``dialect``: ``FILTER (WHERE ...)``, quoted intervals, named GROUP BY
columns, aliased subqueries; ``round_double`` where the engines' ``round`` differs).

Which date each metric uses (and why):

* **Orders, revenue (Total Due), average order value, source shares, orders/revenue per day or
  week, the status funnel, carrier share, top products**: the order's *created at* date. These
  answer "what came in during the period". Cancelled orders are left out of orders, revenue,
  average order value, source shares, volume charts and top products (their count is shown
  apart, and in the funnel).
* **Grams shipped**: the *shipped on* date of Shipped and Delivered orders.
* **Lead times** per week: created -> shipped is grouped by the week of *shipped on*,
  shipped -> delivered by the week of *delivered on* (the week the step finished), so recent
  weeks are not biased by orders that have not finished yet. Days are calendar days.
* **Unverified backlog**: every order in Unverified *now*, whatever its created date (a backlog
  is the current state, and an order waiting 10 days must not vanish from a 7-day view). Its
  age is whole calendar days since it was created: created today = 0 days.
* **Policy coverage paid by insurers**: the coverage amount of orders whose payment was
  processed (Order Placed, Shipped, Delivered), by the month the order was created, per insurer
  as stored when the order's money was written (``order_coverage``: an order two policies paid
  counts for both, each with its own amount); coverage kept without its policies (older data)
  is "Unknown insurer".

Buckets and partial periods (decisions; the issue asks for them):

* A chart has at most ``MAX_BUCKETS`` bars: a grouping that would need more (a day per bar over ten
  years) is coarsened to week, then month, and ``PageMetrics.grain_note`` says so on the page. The
  decision is here (``bucket_grain``), not in URL parsing, so any range a URL asks for is cheap.
* A bucket only partly inside the range, or holding today (the day is not over), is ``partial``:
  the page draws it lighter and leaves it out of the sparklines. When the range ends today, the
  headline compares like with like: the previous period is cut at the same elapsed time (orders
  created up to the same hour and minute, grams shipped over the same number of days).
* ``data_version`` is a cheap fingerprint of the orders (every write records an event), so the page
  can cache the figures of one range once for every session until something changes.

Archiving is only a display flag: archived orders count in every metric. Source, carrier and
category filters apply to every figure; the category filter keeps orders holding at least one
product of a chosen category (and, for top products, only those categories' products).
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from orders_core.reports import rollup as metrics_rollup
from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.errors import DatabaseError
from orders_core.storage.reads import fetch_frame, in_list
from orders_core.storage.schema import CATEGORIES, SOURCES, STATUSES

GRAINS = ("day", "week", "month")
MAX_BUCKETS = 120
PRESETS = {"Last 7 days": 7, "Last 30 days": 30, "Last quarter": 91, "Last year": 365}
CUSTOM = "Custom"
MAX_RANGE_DAYS = 10 * 366
DAY_GRAIN_MAX_DAYS = 62  # up to about two months a bar per day reads well; beyond, a bar per week
PAID_STATUSES = ("Order Placed", "Shipped", "Delivered")
SHIPPED_STATUSES = ("Shipped", "Delivered")
BACKLOG_BUCKETS = ("Created today", "1 day", "2 days", "3+ days")
STAGES = ("Created → shipped", "Shipped → delivered")
UNKNOWN_INSURER = metrics_rollup.UNKNOWN_INSURER


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


# --- SQL fragments (our constants only) -------------------------------------------------------

_CREATED_IN = "o.created_at >= ?::DATE AND o.created_at < ?::DATE + INTERVAL '1 day'"
_NOT_CANCELLED = "o.status <> 'Cancelled'"


def _filters(f: MetricsFilter, *, categories: bool = True) -> tuple[str, list]:
    """The source, carrier and category conditions on orders ``o``, and their parameters (without the
    category condition, they apply to the summaries' rows ``o`` too: ``metrics_rollup``)."""
    clauses: list[str] = []
    params: list = []
    for column, values in (("o.source::VARCHAR", f.sources), ("o.carrier", f.carriers)):
        if values:
            clause, value = in_list(column, values)
            clauses.append(clause)
            params += value
    if f.categories and categories:
        prepared = _prepared.get()
        if prepared is not None and prepared.matched == f.categories:
            clauses.append(f"o.order_id IN (SELECT order_id FROM {_MATCHED_TABLE})")
        else:
            clauses.append(f"o.order_id IN ({_CATEGORY_ORDERS})")
            params.append(list(f.categories))
    return " AND ".join(clauses) or "TRUE", params


_CATEGORY_ORDERS = ("SELECT l.order_id FROM order_lines l JOIN products p USING (sku) "
                    "WHERE p.category::VARCHAR IN (SELECT unnest(?::VARCHAR[]))")
_MATCHED_TABLE = "metrics_category_orders"
_MATCHED_DAILY = "metrics_category_daily"


@dataclass(frozen=True)
class _Prepared:
    """What page_metrics has prepared on the cursor it runs on (see there)."""

    stale: tuple[dt.date, ...] = ()              # the days to aggregate from the orders (after a refresh: none)
    matched: tuple[str, ...] | None = None       # the categories whose orders are in _MATCHED_TABLE
    matched_daily: MetricsFilter | None = None   # the filter whose orders' daily rows are in _MATCHED_DAILY


_prepared: ContextVar[_Prepared | None] = ContextVar("metrics_prepared", default=None)


def _matched_rows(f: MetricsFilter, rollup: metrics_rollup.Rollup) -> tuple[str, list]:
    """The orders of ``f``'s categories aggregated into ``rollup``'s rows, those that a figure of ``f`` reads:
    created in the range or the one before (the headline's comparison), shipped or delivered in them, or
    waiting in Unverified (the backlog); coverage only those created in the range."""
    where, params = _filters(f)
    if rollup is metrics_rollup.COVERAGE:
        window, window_params = _CREATED_IN, [f.start, f.end]
    else:
        first = f.previous().start
        window = (f"({_CREATED_IN} OR o.shipped_on BETWEEN ? AND ? OR o.delivered_on BETWEEN ? AND ? "
                  "OR o.status = 'Unverified')")
        window_params = [first, f.end] * 3
    return metrics_rollup.aggregate(rollup, f"{window} AND {where}"), [*window_params, *params]


def _rows(cur, f: MetricsFilter, rollup: metrics_rollup.Rollup) -> tuple[str, list]:
    """The rows of ``rollup``'s shape that the figures of ``f`` are sums of, as a relation to read as ``o``
    with ``_filters(f, categories=False)``: the summaries (their stale days aggregated from the orders), or
    with a category filter the matched orders aggregated (top products read the summaries either way)."""
    prepared = _prepared.get() or _Prepared(stale=tuple(metrics_rollup.stale_days(cur)))
    if f.categories and rollup is not metrics_rollup.PRODUCTS:
        if rollup is metrics_rollup.DAILY and prepared.matched_daily == f:
            return f"SELECT * FROM {_MATCHED_DAILY}", []
        return _matched_rows(f, rollup)
    return metrics_rollup.source(rollup, list(prepared.stale))


def _read(cur, f: MetricsFilter, rollup: metrics_rollup.Rollup) -> tuple[str, list, str, list]:
    """The relation of ``rollup``'s rows a figure of ``f`` reads (``_rows``) and the source and carrier
    conditions on it, each with its parameters."""
    rows, rows_params = _rows(cur, f, rollup)
    return (rows, rows_params, *_filters(f, categories=False))


def _grain(f: MetricsFilter, grain: str | None) -> str:
    """The chosen grouping (coarsened past MAX_BUCKETS bars), or the range's default; anything else is refused."""
    return bucket_grain(f, grain)[0]


def _step_and_end(grain: str) -> tuple[str, str]:
    """The interval between buckets and the SQL for a bucket's natural last day (of period ``p.period``)."""
    return {"day": ("INTERVAL '1 day'", "p.period"), "week": ("INTERVAL '7 days'", "p.period + 6"),
            "month": ("INTERVAL '1 month'", "(p.period + INTERVAL '1 month')::DATE - 1")}[grain]


def _periods(grain: str) -> str:
    """The first day of every ``grain`` from the one holding the first ``?`` date to the second ``?`` date."""
    step = _step_and_end(grain)[0]
    return (f"SELECT g.period::DATE AS period FROM generate_series(date_trunc('{grain}', ?::DATE::TIMESTAMP), "
            f"?::DATE::TIMESTAMP, {step}) AS g(period)")


# --- Headline figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodFigures:
    """The headline figures of one period."""

    orders: int = 0                      # created in the period, cancelled excluded
    revenue: Decimal = Decimal("0.00")   # Total Due of those orders
    grams_shipped: Decimal = Decimal("0.000")
    cancelled: int = 0
    portal_orders: int = 0
    recurring_orders: int = 0

    @property
    def average_order_value(self) -> Decimal | None:
        if not self.orders:
            return None
        return (self.revenue / self.orders).quantize(Decimal("0.01"))

    @property
    def portal_share(self) -> float | None:
        return self.portal_orders / self.orders if self.orders else None

    @property
    def recurring_share(self) -> float | None:
        return self.recurring_orders / self.orders if self.orders else None


@dataclass(frozen=True)
class Headline:
    current: PeriodFigures
    previous: PeriodFigures

    def change(self, name: str) -> float | None:
        """The relative change of a count or amount (0.25 = +25 %), None when there is no base."""
        now, before = getattr(self.current, name), getattr(self.previous, name)
        if now is None or before is None or before == 0:
            return None
        return float((now - before) / before)

    def points(self, name: str) -> float | None:
        """The change of a share in percentage points (share names: portal_share, recurring_share)."""
        now, before = getattr(self.current, name), getattr(self.previous, name)
        if now is None or before is None:
            return None
        return (now - before) * 100


def headline(cur: Cursor, f: MetricsFilter, now: dt.datetime | None = None) -> Headline:
    """Headline figures of the period and of the period of the same length just before it.

    With ``now`` inside the range's last day (today, not over), both periods stop at the same elapsed
    time: the current one at ``now``, the previous one as long after its start."""
    f = f.validated()
    prev = f.previous()
    where, params = _filters(f, categories=False)
    start = dt.datetime.combine(f.start, dt.time())
    end = dt.datetime.combine(f.end + dt.timedelta(days=1), dt.time())
    cut = now if now is not None and start <= now < end else end
    prev_start = dt.datetime.combine(prev.start, dt.time())
    prev_cut = prev_start + (cut - start)
    ship_days = (min(cut.date(), f.end) - f.start).days if cut < end else f.days - 1
    # Whole days from the daily rows; the part of a day before a cut inside it from the orders themselves.
    cut_day, prev_cut_day = (dt.datetime.combine(c.date(), dt.time()) for c in (cut, prev_cut))
    daily, daily_params = _rows(cur, f, metrics_rollup.DAILY)
    order_where, order_params = _filters(f)
    partial = metrics_rollup.aggregate(
        metrics_rollup.DAILY,
        f"(o.created_at >= ? AND o.created_at < ? OR o.created_at >= ? AND o.created_at < ?) AND {order_where}")
    rows = cur.execute(
        f"""
        SELECT o.created_on >= ?::DATE AS is_current,
               coalesce(sum(o.orders) FILTER (WHERE {_NOT_CANCELLED}), 0)::BIGINT,
               coalesce(sum(o.total_due) FILTER (WHERE {_NOT_CANCELLED}), 0),
               coalesce(sum(o.orders) FILTER (WHERE o.status = 'Cancelled'), 0)::BIGINT,
               coalesce(sum(o.orders) FILTER (WHERE {_NOT_CANCELLED} AND o.source = 'Client Portal'), 0)::BIGINT,
               coalesce(sum(o.orders) FILTER (WHERE {_NOT_CANCELLED} AND o.source = 'Recurring'), 0)::BIGINT
        FROM (SELECT * FROM ({daily}) d
              WHERE d.created_on >= ? AND d.created_on < ? OR d.created_on >= ? AND d.created_on < ?
              UNION ALL {partial}) o
        WHERE {where}
        GROUP BY 1
        """,  # noqa: S608 -- only our constant fragments are interpolated
        [f.start, *daily_params, f.start, cut_day.date(), prev.start, prev_cut_day.date(),
         cut_day, cut, prev_cut_day, prev_cut, *order_params, *params],
    ).fetchall()
    grams = cur.execute(
        f"""
        SELECT o.shipped_on >= ?::DATE AS is_current, coalesce(sum(o.grams), 0)
        FROM ({daily}) o
        WHERE (o.shipped_on BETWEEN ? AND ? OR o.shipped_on BETWEEN ? AND ?)
          AND o.status IN ('Shipped', 'Delivered') AND {where}
        GROUP BY 1
        """,  # noqa: S608
        [f.start, *daily_params, prev.start, prev.start + dt.timedelta(days=ship_days), f.start,
         f.start + dt.timedelta(days=ship_days), *params],
    ).fetchall()
    shipped = {is_current: Decimal(g) for is_current, g in grams}
    figures = {
        is_current: PeriodFigures(int(n), Decimal(rev), shipped.get(is_current, Decimal("0.000")),
                                  int(cancelled), int(portal), int(recurring))
        for is_current, n, rev, cancelled, portal, recurring in rows
    }
    for is_current, g in shipped.items():
        figures.setdefault(is_current, PeriodFigures(grams_shipped=g))
    return Headline(figures.get(True, PeriodFigures()), figures.get(False, PeriodFigures()))


# --- Orders and revenue per day or week, by source --------------------------------------------


def volume_by_source(cur: Cursor, f: MetricsFilter, grain: str | None = None,
                     today: dt.date | None = None) -> pd.DataFrame:
    """Orders and Total Due per day, week or month and source (cancelled excluded), every period and source.

    Columns: period (first day of the day/week/month), first_day and last_day (the part of the period
    inside the range), partial (only part of the period is in the range, or it holds ``today``),
    source, orders, revenue (Decimal).
    """
    f = f.validated()
    grain = _grain(f, grain)
    daily, daily_params, where, params = _read(cur, f, metrics_rollup.DAILY)
    natural_end = _step_and_end(grain)[1]
    today = today or dt.date.today()
    sources = list(f.sources) or list(SOURCES)
    return fetch_frame(
        cur,
        f"""
        WITH agg AS (
            SELECT date_trunc('{grain}', o.created_on::TIMESTAMP)::DATE AS period, o.source AS source,
                   sum(o.orders) AS orders, sum(o.total_due) AS revenue
            FROM ({daily}) o
            WHERE o.created_on BETWEEN ? AND ? AND {_NOT_CANCELLED} AND {where}
            GROUP BY 1, 2
        ),
        periods AS ({_periods(grain)}),
        sources AS (SELECT unnest(?::VARCHAR[]) AS source)
        SELECT p.period,
               greatest(p.period, ?::DATE) AS first_day,
               least({natural_end}, ?::DATE) AS last_day,
               (p.period < ?::DATE OR {natural_end} > ?::DATE OR ?::DATE BETWEEN p.period AND {natural_end})
                   AS partial,
               s.source,
               coalesce(a.orders, 0)::BIGINT AS orders,
               coalesce(a.revenue, 0)::DECIMAL(18,2) AS revenue
        FROM periods p CROSS JOIN sources s
        LEFT JOIN agg a USING (period, source)
        ORDER BY p.period, array_position(?::VARCHAR[], s.source)
        """,  # noqa: S608
        [*daily_params, f.start, f.end, *params, f.start, f.end, sources, f.start, f.end, f.start, f.end, today,
         sources],
    )


def period_trends(volume: pd.DataFrame) -> pd.DataFrame:
    """Per period of ``volume_by_source``: orders, revenue, average order value and source shares.

    Columns: period, orders, revenue (Decimal), average_order_value (Decimal or None),
    portal_share, recurring_share (0-1 or None). Small: one row per day or week.
    """
    rows = []
    for period, part in volume.groupby("period", sort=True):
        orders = int(part["orders"].sum())
        revenue = sum(part["revenue"], Decimal("0.00"))
        by_source = dict(zip(part["source"], part["orders"], strict=True))
        rows.append({
            "period": period, "partial": bool(part["partial"].any()) if "partial" in part else False,
            "orders": orders, "revenue": revenue,
            "average_order_value": (revenue / orders).quantize(Decimal("0.01")) if orders else None,
            "portal_share": by_source.get("Client Portal", 0) / orders if orders else None,
            "recurring_share": by_source.get("Recurring", 0) / orders if orders else None,
        })
    columns = ["period", "partial", "orders", "revenue", "average_order_value", "portal_share", "recurring_share"]
    return pd.DataFrame(rows, columns=columns)


def grams_shipped_per_period(cur: Cursor, f: MetricsFilter,
                             grain: str | None = None) -> pd.DataFrame:
    """Grams shipped per day or week of shipped on, every period of the range. Columns: period, grams."""
    f = f.validated()
    grain = _grain(f, grain)
    daily, daily_params, where, params = _read(cur, f, metrics_rollup.DAILY)
    return fetch_frame(
        cur,
        f"""
        WITH agg AS (
            SELECT date_trunc('{grain}', o.shipped_on::TIMESTAMP)::DATE AS period, sum(o.grams) AS grams
            FROM ({daily}) o
            WHERE o.shipped_on BETWEEN ? AND ? AND o.status IN ('Shipped', 'Delivered') AND {where}
            GROUP BY 1
        )
        SELECT p.period, coalesce(a.grams, 0)::DECIMAL(18,3) AS grams
        FROM ({_periods(grain)}) p
        LEFT JOIN agg a USING (period)
        ORDER BY p.period
        """,  # noqa: S608
        [*daily_params, f.start, f.end, *params, f.start, f.end],
    )


# --- Status funnel ----------------------------------------------------------------------------


def status_funnel(cur: Cursor, f: MetricsFilter) -> pd.DataFrame:
    """Orders created in the range by their status now, in lifecycle order (every status, zeros kept)."""
    f = f.validated()
    daily, daily_params, where, params = _read(cur, f, metrics_rollup.DAILY)
    counts = dict(
        cur.execute(
            f"""
            SELECT o.status, sum(o.orders)::BIGINT FROM ({daily}) o
            WHERE o.created_on BETWEEN ? AND ? AND {where} GROUP BY o.status
            """,  # noqa: S608
            [*daily_params, f.start, f.end, *params],
        ).fetchall()
    )
    return pd.DataFrame({"status": list(STATUSES), "orders": [int(counts.get(s, 0)) for s in STATUSES]})


# --- Lead times -------------------------------------------------------------------------------


def _quantile(d: dialect.Dialect, q: float) -> str:
    """``quantile_cont(days, q)`` of a group, read from its histogram (a row per whole number of days).

    Lead times are whole days, so a group's values are a handful of (days, n) rows: counting them is
    a cheap hash aggregate where ``quantile_cont`` sorts every order. The value at 0-based rank r is the
    least ``days`` whose running count ``upto`` passes r; between two ranks it interpolates as
    ``quantile_cont`` does, so the figures are the same to the last digit.
    """
    rank = f"(total - 1) * {q}"
    low = f"min(days) FILTER (WHERE upto > floor({rank}))"
    high = f"min(days) FILTER (WHERE upto > least(floor({rank}) + 1, total - 1))"
    return d.round_double(f"{low} + ({rank} - floor({rank})) * ({high} - {low})", 1)


def _histogram_quantiles(d: dialect.Dialect, histogram: str, keys: str) -> str:
    """Median and 90th percentile per ``keys`` of ``histogram`` (columns: keys, days, n; days not null)."""
    return f"""
        SELECT {keys}, total AS orders,
               {_quantile(d, 0.5)} AS median_days, {_quantile(d, 0.9)} AS p90_days
        FROM (SELECT *, sum(n) OVER (PARTITION BY {keys} ORDER BY days) AS upto,
                     sum(n) OVER (PARTITION BY {keys}) AS total
              FROM ({histogram}) histogram) running
        GROUP BY {keys}, total
    """


def lead_times(cur: Cursor, f: MetricsFilter) -> pd.DataFrame:
    """Median and 90th percentile of days created -> shipped and shipped -> delivered, per week.

    Columns: stage, week (Monday), orders, median_days, p90_days. A step counts in the week it
    finished (shipped on, delivered on) when that day is inside the range.
    """
    f = f.validated()
    daily, daily_params, where, params = _read(cur, f, metrics_rollup.DAILY)
    histogram = f"""
        SELECT '{STAGES[0]}' AS stage, date_trunc('week', o.shipped_on::TIMESTAMP)::DATE AS week,
               o.shipped_on - o.created_on AS days, sum(o.orders)::BIGINT AS n
        FROM ({daily}) o
        WHERE o.shipped_on BETWEEN ? AND ? AND {where}
        GROUP BY 2, 3
        UNION ALL
        SELECT '{STAGES[1]}', date_trunc('week', o.delivered_on::TIMESTAMP)::DATE, o.delivered_on - o.shipped_on,
               sum(o.orders)::BIGINT
        FROM ({daily}) o
        WHERE o.delivered_on BETWEEN ? AND ? AND o.shipped_on IS NOT NULL AND {where}
        GROUP BY 2, 3
    """
    return fetch_frame(
        cur,
        f"""
        SELECT stage, week, orders::BIGINT AS orders, median_days, p90_days
        FROM ({_histogram_quantiles(dialect.of(cur), histogram, "stage, week")}) quantiles
        ORDER BY stage, week
        """,  # noqa: S608 -- only our constant fragments are interpolated
        [*daily_params, f.start, f.end, *params, *daily_params, f.start, f.end, *params],
    )


# --- Unverified backlog -----------------------------------------------------------------------


def unverified_backlog(cur: Cursor, f: MetricsFilter, today: dt.date) -> pd.DataFrame:
    """Orders in Unverified now, by whole calendar days waited since created (the date range does not apply).

    Buckets: "Created today" (0 days), "1 day", "2 days", "3+ days". Columns: bucket, orders,
    created_from and created_to (the created dates of the bucket; created_from is empty for 3+).
    """
    f = f.validated()
    daily, daily_params, where, params = _read(cur, f, metrics_rollup.DAILY)
    counts = dict(
        cur.execute(
            f"""
            SELECT least(greatest(?::DATE - o.created_on, 0), 3) AS age, sum(o.orders)::BIGINT
            FROM ({daily}) o WHERE o.status = 'Unverified' AND {where} GROUP BY 1
            """,  # noqa: S608
            [today, *daily_params, *params],
        ).fetchall()
    )
    rows = []
    for age, bucket in enumerate(BACKLOG_BUCKETS):
        day = today - dt.timedelta(days=age)
        rows.append({"bucket": bucket, "orders": int(counts.get(age, 0)),
                     "created_from": None if age == 3 else day, "created_to": day})
    return pd.DataFrame(rows)


def waited_at_least(backlog: pd.DataFrame, days: int) -> int:
    """How many backlog orders have waited ``days`` whole days or more (1, 2 or 3)."""
    return int(backlog["orders"].iloc[days:].sum())


# --- Carriers ---------------------------------------------------------------------------------


def carrier_summary(cur: Cursor, f: MetricsFilter) -> pd.DataFrame:
    """Orders created in the range that have shipped, per carrier: count, share and days to deliver.

    Columns: carrier, shipped_orders, share (0-1), delivered_orders, median_days_to_deliver,
    p90_days_to_deliver (shipped on -> delivered on, delivered orders only).
    """
    f = f.validated()
    daily, daily_params, where, params = _read(cur, f, metrics_rollup.DAILY)
    histogram = f"""
        SELECT o.carrier, o.delivered_on - o.shipped_on AS days, sum(o.orders)::BIGINT AS n
        FROM ({daily}) o
        WHERE o.created_on BETWEEN ? AND ? AND o.status IN ('Shipped', 'Delivered') AND o.carrier IS NOT NULL
          AND {where}
        GROUP BY 1, 2
    """
    return fetch_frame(
        cur,
        f"""
        WITH h AS MATERIALIZED ({histogram}),
             shipped AS (SELECT carrier, sum(n) AS shipped_orders FROM h GROUP BY carrier),
             delivered AS ({_histogram_quantiles(dialect.of(cur), "SELECT * FROM h WHERE days IS NOT NULL",
                                                 "carrier")})
        SELECT s.carrier, s.shipped_orders::BIGINT AS shipped_orders,
               (s.shipped_orders / sum(s.shipped_orders) OVER ())::DOUBLE PRECISION AS share,
               coalesce(d.orders, 0)::BIGINT AS delivered_orders,
               d.median_days AS median_days_to_deliver, d.p90_days AS p90_days_to_deliver
        FROM shipped s LEFT JOIN delivered d USING (carrier)
        ORDER BY shipped_orders DESC, s.carrier
        """,  # noqa: S608
        [*daily_params, f.start, f.end, *params],
    )


# --- Top products -----------------------------------------------------------------------------


def product_totals(cur: Cursor, f: MetricsFilter) -> pd.DataFrame:
    """Units and grams (dried-cannabis equivalent) of every product ordered in the range, cancelled excluded:
    the one aggregation both rankings of ``top_products`` read (a row per product, a small result).

    Columns: sku, product, category, units, grams (Decimal). With a category filter only those categories'
    products. Units are summed per product first and multiplied by the product's equivalent once (exact, as
    the equivalent is one number per product): no per-line multiplication over a year's ~1.3 million lines.
    Read from the daily units per product (``metrics_rollup.PRODUCTS``), with or without a category filter."""
    f = f.validated()
    units, units_params, where, params = _read(cur, f, metrics_rollup.PRODUCTS)
    category_clause, category_params = "TRUE", []
    if f.categories:
        category_clause = "p.category::VARCHAR IN (SELECT unnest(?::VARCHAR[]))"
        category_params = [list(f.categories)]
    return fetch_frame(
        cur,
        f"""
        SELECT p.sku, p.name AS product, p.category::VARCHAR AS category, t.units,
               (t.units * p.dried_equiv_grams)::DECIMAL(18,3) AS grams
        FROM (SELECT o.sku, sum(o.units)::BIGINT AS units
              FROM ({units}) o
              WHERE o.created_on BETWEEN ? AND ? AND {where}
              GROUP BY o.sku) t
        JOIN products p USING (sku)
        WHERE {category_clause}
        """,  # noqa: S608
        [*units_params, f.start, f.end, *params, *category_params],
    )


def _check_ranking(by: str, limit: int) -> None:
    if by not in ("units", "grams"):
        raise InvalidFilter(f"Products can be ranked by units or grams, not {by!r}.")
    if not 1 <= limit <= 100:
        raise InvalidFilter("Show between 1 and 100 products.")


def rank_products(totals: pd.DataFrame, by: str = "units", limit: int = 10) -> pd.DataFrame:
    """The first ``limit`` products of ``product_totals`` by units or by grams (most first, then by SKU);
    ranking by grams leaves out products without cannabis."""
    _check_ranking(by, limit)
    rows = totals if by == "units" else totals[totals["grams"] > 0]
    rows = rows.assign(_key=[-v for v in rows[by]]).sort_values(["_key", "sku"], kind="stable")
    return rows.drop(columns="_key").head(limit).reset_index(drop=True)


def top_products(cur: Cursor, f: MetricsFilter, by: str = "units",
                 limit: int = 10) -> pd.DataFrame:
    """The products ordered most, by units or by grams (dried-cannabis equivalent), cancelled excluded.

    Columns: sku, product, category, units, grams (Decimal). With a category filter only those
    categories' products are ranked. Ranking by grams leaves out products without cannabis.
    """
    _check_ranking(by, limit)  # refused before any query
    return rank_products(product_totals(cur, f), by, limit)


# --- Policy coverage --------------------------------------------------------------------------


def coverage_by_insurer(cur: Cursor, f: MetricsFilter) -> pd.DataFrame:
    """Policy coverage of paid orders per month (of created at) and insurer.

    Columns: month (first day), insurer, orders (that the insurer paid for), coverage (Decimal),
    from the order's stored coverage rows (see the module's decisions).
    """
    f = f.validated()
    coverage, coverage_params, where, params = _read(cur, f, metrics_rollup.COVERAGE)
    return fetch_frame(
        cur,
        f"""
        SELECT date_trunc('month', o.created_on::TIMESTAMP)::DATE AS month, o.insurer,
               sum(o.orders)::BIGINT AS orders, sum(o.coverage)::DECIMAL(18,2) AS coverage
        FROM ({coverage}) o
        WHERE o.created_on BETWEEN ? AND ? AND {where}
        GROUP BY 1, 2
        ORDER BY month, insurer
        """,  # noqa: S608
        [*coverage_params, f.start, f.end, *params],
    )


# --- The whole page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PageMetrics:
    """Every figure of the Metrics page for one filter."""

    filter: MetricsFilter
    today: dt.date
    grain: str
    grain_note: str | None
    headline: Headline
    volume: pd.DataFrame
    grams_shipped: pd.DataFrame
    funnel: pd.DataFrame
    lead_times: pd.DataFrame
    backlog: pd.DataFrame
    carriers: pd.DataFrame
    top_by_units: pd.DataFrame
    top_by_grams: pd.DataFrame
    coverage: pd.DataFrame


def page_metrics(cur: Cursor, f: MetricsFilter, today: dt.date,
                 grain: str | None = None, top: int = 10, now: dt.datetime | None = None) -> PageMetrics:
    """Run every aggregation of the Metrics page (``now``: compare a partial today like with like).

    It first refreshes the daily summaries of the days whose orders changed (``metrics_rollup.refresh``),
    so the figures are sums of the summaries alone. With a category filter, the orders holding those
    categories are found once, into a temporary table of a cursor of its own (temporary tables live in
    that cursor's memory, never in the file; on PostgreSQL in the session of the cursor's connection,
    dropped again at the end), and aggregated once into a second one of the summaries' shape, which the
    figures read instead: a ten-year range would otherwise join a million orders' lines ten times over.
    """
    f = f.validated()
    grain, note = bucket_grain(f, grain)
    side = cur.cursor()
    prepared = None
    try:
        try:
            metrics_rollup.refresh(side)  # the days changed since the last refresh; then the summaries alone are read
            stale: tuple[dt.date, ...] = ()
        except DatabaseError:  # too busy to write them just now: those days are read from the orders instead
            stale = tuple(metrics_rollup.stale_days(side))
        prepared = _prepared.set(_Prepared(stale=stale, matched=f.categories or None))
        if f.categories:
            side.execute(f"DROP TABLE IF EXISTS {_MATCHED_TABLE}").fetchall()
            side.execute(f"CREATE TEMP TABLE {_MATCHED_TABLE} AS SELECT DISTINCT order_id "
                         f"FROM ({_CATEGORY_ORDERS}) matched", [list(f.categories)]).fetchall()
            dialect.of(side).analyze(side, _MATCHED_TABLE)
            rows, params = _matched_rows(f, metrics_rollup.DAILY)
            side.execute(f"DROP TABLE IF EXISTS {_MATCHED_DAILY}").fetchall()
            side.execute(f"CREATE TEMP TABLE {_MATCHED_DAILY} AS {rows}", params).fetchall()
            _prepared.set(_Prepared(stale=stale, matched=f.categories, matched_daily=f))  # reset below restores the outer value
        products = product_totals(side, f)  # one aggregation of the lines for both rankings
        return PageMetrics(
            filter=f, today=today, grain=grain, grain_note=note,
            headline=headline(side, f, now=now),
            volume=volume_by_source(side, f, grain, today),
            grams_shipped=grams_shipped_per_period(side, f, grain),
            funnel=status_funnel(side, f),
            lead_times=lead_times(side, f),
            backlog=unverified_backlog(side, f, today),
            carriers=carrier_summary(side, f),
            top_by_units=rank_products(products, "units", top),
            top_by_grams=rank_products(products, "grams", top),
            coverage=coverage_by_insurer(side, f),
        )
    finally:
        if prepared is not None:
            _prepared.reset(prepared)
        if f.categories:
            for table in (_MATCHED_DAILY, _MATCHED_TABLE):
                side.execute(f"DROP TABLE IF EXISTS {table}").fetchall()
        side.close()
