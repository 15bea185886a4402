"""Order metrics for operations managers: every figure and chart of the Metrics page.

Every number is an aggregation in DuckDB that returns a small result (a few hundred rows at
most), never the orders themselves. Every value that comes from the user reaches DuckDB as a
``?`` parameter; the only text put into the SQL is our own constant fragments.

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
  processed (Order Placed, Shipped, Delivered), by the month the order was created, attributed
  to the client's policy in force on that date.

Archiving is only a display flag: archived orders count in every metric. Source, carrier and
category filters apply to every figure; the category filter keeps orders holding at least one
product of a chosen category (and, for top products, only those categories' products).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pandas as pd

from .db import fetch_frame, in_list
from .schema import CATEGORIES, SOURCES, STATUSES

GRAINS = ("day", "week")
PRESETS = {"Last 7 days": 7, "Last 30 days": 30, "Last quarter": 91, "Last year": 365}
CUSTOM = "Custom"
MAX_RANGE_DAYS = 10 * 366
DAY_GRAIN_MAX_DAYS = 62  # up to about two months a bar per day reads well; beyond, a bar per week
PAID_STATUSES = ("Order Placed", "Shipped", "Delivered")
SHIPPED_STATUSES = ("Shipped", "Delivered")
BACKLOG_BUCKETS = ("Created today", "1 day", "2 days", "3+ days")
STAGES = ("Created → shipped", "Shipped → delivered")
UNKNOWN_INSURER = "Unknown insurer"


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
    return "day" if f.days <= DAY_GRAIN_MAX_DAYS else "week"


# --- SQL fragments (our constants only) -------------------------------------------------------

_CREATED_IN = "o.created_at >= ?::DATE AND o.created_at < ?::DATE + INTERVAL 1 DAY"
_NOT_CANCELLED = "o.status <> 'Cancelled'"


def _filters(f: MetricsFilter, *, categories: bool = True) -> tuple[str, list]:
    """The source, carrier and category conditions on orders ``o``, and their parameters."""
    clauses: list[str] = []
    params: list = []
    for column, values in (("o.source::VARCHAR", f.sources), ("o.carrier", f.carriers)):
        if values:
            clause, value = in_list(column, values)
            clauses.append(clause)
            params += value
    if f.categories and categories:
        clauses.append(
            "o.order_id IN (SELECT l.order_id FROM order_lines l JOIN products p USING (sku) "
            "WHERE p.category::VARCHAR IN (SELECT unnest(?::VARCHAR[])))"
        )
        params.append(list(f.categories))
    return " AND ".join(clauses) or "TRUE", params


def _grain(f: MetricsFilter, grain: str | None) -> str:
    """The chosen grouping, or the range's default; anything else is refused in one sentence."""
    grain = grain or default_grain(f)
    if grain not in GRAINS:
        raise InvalidFilter(f"Unknown grouping {grain!r}; choose day or week.")
    return grain


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


def headline(cur: duckdb.DuckDBPyConnection, f: MetricsFilter) -> Headline:
    """Headline figures of the period and of the period of the same length just before it."""
    f = f.validated()
    prev = f.previous()
    where, params = _filters(f)
    rows = cur.execute(
        f"""
        SELECT o.created_at >= ?::DATE AS is_current,
               count(*) FILTER ({_NOT_CANCELLED}),
               coalesce(sum(o.total_due) FILTER ({_NOT_CANCELLED}), 0),
               count(*) FILTER (o.status = 'Cancelled'),
               count(*) FILTER ({_NOT_CANCELLED} AND o.source = 'Client Portal'),
               count(*) FILTER ({_NOT_CANCELLED} AND o.source = 'Recurring')
        FROM orders o
        WHERE {_CREATED_IN} AND {where}
        GROUP BY ALL
        """,  # noqa: S608 -- only our constant fragments are interpolated
        [f.start, prev.start, f.end, *params],
    ).fetchall()
    grams = cur.execute(
        f"""
        SELECT o.shipped_on >= ? AS is_current, coalesce(sum(o.grams), 0)
        FROM orders o
        WHERE o.shipped_on BETWEEN ? AND ? AND o.status IN ('Shipped', 'Delivered') AND {where}
        GROUP BY ALL
        """,  # noqa: S608
        [f.start, prev.start, f.end, *params],
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


def volume_by_source(cur: duckdb.DuckDBPyConnection, f: MetricsFilter, grain: str | None = None) -> pd.DataFrame:
    """Orders and Total Due per day or week and source (cancelled excluded), every period and source.

    Columns: period (first day of the day/week), first_day and last_day (the part of the period
    inside the range), source, orders, revenue (Decimal).
    """
    f = f.validated()
    grain = _grain(f, grain)
    where, params = _filters(f)
    step = "INTERVAL 1 WEEK" if grain == "week" else "INTERVAL 1 DAY"
    span = 6 if grain == "week" else 0
    sources = list(f.sources) or list(SOURCES)
    return fetch_frame(
        cur,
        f"""
        WITH agg AS (
            SELECT date_trunc('{grain}', o.created_at)::DATE AS period, o.source::VARCHAR AS source,
                   count(*) AS orders, sum(o.total_due) AS revenue
            FROM orders o
            WHERE {_CREATED_IN} AND {_NOT_CANCELLED} AND {where}
            GROUP BY ALL
        ),
        periods AS (
            SELECT unnest(generate_series(date_trunc('{grain}', ?::DATE), ?::DATE, {step}))::DATE AS period
        ),
        sources AS (SELECT unnest(?::VARCHAR[]) AS source)
        SELECT p.period,
               greatest(p.period, ?::DATE) AS first_day,
               least(p.period + {span}, ?::DATE) AS last_day,
               s.source,
               coalesce(a.orders, 0)::BIGINT AS orders,
               coalesce(a.revenue, 0)::DECIMAL(18,2) AS revenue
        FROM periods p CROSS JOIN sources s
        LEFT JOIN agg a USING (period, source)
        ORDER BY p.period, list_position(?::VARCHAR[], s.source)
        """,  # noqa: S608
        [f.start, f.end, *params, f.start, f.end, sources, f.start, f.end, sources],
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
            "period": period, "orders": orders, "revenue": revenue,
            "average_order_value": (revenue / orders).quantize(Decimal("0.01")) if orders else None,
            "portal_share": by_source.get("Client Portal", 0) / orders if orders else None,
            "recurring_share": by_source.get("Recurring", 0) / orders if orders else None,
        })
    columns = ["period", "orders", "revenue", "average_order_value", "portal_share", "recurring_share"]
    return pd.DataFrame(rows, columns=columns)


def grams_shipped_per_period(cur: duckdb.DuckDBPyConnection, f: MetricsFilter,
                             grain: str | None = None) -> pd.DataFrame:
    """Grams shipped per day or week of shipped on, every period of the range. Columns: period, grams."""
    f = f.validated()
    grain = _grain(f, grain)
    where, params = _filters(f)
    step = "INTERVAL 1 WEEK" if grain == "week" else "INTERVAL 1 DAY"
    return fetch_frame(
        cur,
        f"""
        WITH agg AS (
            SELECT date_trunc('{grain}', o.shipped_on)::DATE AS period, sum(o.grams) AS grams
            FROM orders o
            WHERE o.shipped_on BETWEEN ? AND ? AND o.status IN ('Shipped', 'Delivered') AND {where}
            GROUP BY ALL
        )
        SELECT p.period, coalesce(a.grams, 0)::DECIMAL(18,3) AS grams
        FROM (SELECT unnest(generate_series(date_trunc('{grain}', ?::DATE), ?::DATE, {step}))::DATE AS period) p
        LEFT JOIN agg a USING (period)
        ORDER BY p.period
        """,  # noqa: S608
        [f.start, f.end, *params, f.start, f.end],
    )


# --- Status funnel ----------------------------------------------------------------------------


def status_funnel(cur: duckdb.DuckDBPyConnection, f: MetricsFilter) -> pd.DataFrame:
    """Orders created in the range by their status now, in lifecycle order (every status, zeros kept)."""
    f = f.validated()
    where, params = _filters(f)
    counts = dict(
        cur.execute(
            f"""
            SELECT o.status::VARCHAR, count(*) FROM orders o
            WHERE {_CREATED_IN} AND {where} GROUP BY ALL
            """,  # noqa: S608
            [f.start, f.end, *params],
        ).fetchall()
    )
    return pd.DataFrame({"status": list(STATUSES), "orders": [int(counts.get(s, 0)) for s in STATUSES]})


# --- Lead times -------------------------------------------------------------------------------


def lead_times(cur: duckdb.DuckDBPyConnection, f: MetricsFilter) -> pd.DataFrame:
    """Median and 90th percentile of days created -> shipped and shipped -> delivered, per week.

    Columns: stage, week (Monday), orders, median_days, p90_days. A step counts in the week it
    finished (shipped on, delivered on) when that day is inside the range.
    """
    f = f.validated()
    where, params = _filters(f)
    return fetch_frame(
        cur,
        f"""
        SELECT '{STAGES[0]}' AS stage, date_trunc('week', o.shipped_on)::DATE AS week, count(*) AS orders,
               round(quantile_cont(o.shipped_on - o.created_at::DATE, 0.5), 1) AS median_days,
               round(quantile_cont(o.shipped_on - o.created_at::DATE, 0.9), 1) AS p90_days
        FROM orders o
        WHERE o.shipped_on BETWEEN ? AND ? AND {where}
        GROUP BY ALL
        UNION ALL
        SELECT '{STAGES[1]}', date_trunc('week', o.delivered_on)::DATE, count(*),
               round(quantile_cont(o.delivered_on - o.shipped_on, 0.5), 1),
               round(quantile_cont(o.delivered_on - o.shipped_on, 0.9), 1)
        FROM orders o
        WHERE o.delivered_on BETWEEN ? AND ? AND o.shipped_on IS NOT NULL AND {where}
        GROUP BY ALL
        ORDER BY stage, week
        """,  # noqa: S608
        [f.start, f.end, *params, f.start, f.end, *params],
    )


# --- Unverified backlog -----------------------------------------------------------------------


def unverified_backlog(cur: duckdb.DuckDBPyConnection, f: MetricsFilter, today: dt.date) -> pd.DataFrame:
    """Orders in Unverified now, by whole calendar days waited since created (the date range does not apply).

    Buckets: "Created today" (0 days), "1 day", "2 days", "3+ days". Columns: bucket, orders,
    created_from and created_to (the created dates of the bucket; created_from is empty for 3+).
    """
    f = f.validated()
    where, params = _filters(f)
    counts = dict(
        cur.execute(
            f"""
            SELECT least(greatest(?::DATE - o.created_at::DATE, 0), 3) AS age, count(*)
            FROM orders o WHERE o.status = 'Unverified' AND {where} GROUP BY ALL
            """,  # noqa: S608
            [today, *params],
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


def carrier_summary(cur: duckdb.DuckDBPyConnection, f: MetricsFilter) -> pd.DataFrame:
    """Orders created in the range that have shipped, per carrier: count, share and days to deliver.

    Columns: carrier, shipped_orders, share (0-1), delivered_orders, median_days_to_deliver,
    p90_days_to_deliver (shipped on -> delivered on, delivered orders only).
    """
    f = f.validated()
    where, params = _filters(f)
    return fetch_frame(
        cur,
        f"""
        SELECT o.carrier, count(*) AS shipped_orders,
               count(*) / sum(count(*)) OVER () AS share,
               count(o.delivered_on) AS delivered_orders,
               round(quantile_cont(o.delivered_on - o.shipped_on, 0.5), 1) AS median_days_to_deliver,
               round(quantile_cont(o.delivered_on - o.shipped_on, 0.9), 1) AS p90_days_to_deliver
        FROM orders o
        WHERE {_CREATED_IN} AND o.status IN ('Shipped', 'Delivered') AND o.carrier IS NOT NULL AND {where}
        GROUP BY o.carrier
        ORDER BY shipped_orders DESC, o.carrier
        """,  # noqa: S608
        [f.start, f.end, *params],
    )


# --- Top products -----------------------------------------------------------------------------


def top_products(cur: duckdb.DuckDBPyConnection, f: MetricsFilter, by: str = "units",
                 limit: int = 10) -> pd.DataFrame:
    """The products ordered most, by units or by grams (dried-cannabis equivalent), cancelled excluded.

    Columns: sku, product, category, units, grams (Decimal). With a category filter only those
    categories' products are ranked. Ranking by grams leaves out products without cannabis.
    """
    f = f.validated()
    order = {"units": "units DESC", "grams": "grams DESC"}.get(by)
    if order is None:
        raise InvalidFilter(f"Products can be ranked by units or grams, not {by!r}.")
    if not 1 <= limit <= 100:
        raise InvalidFilter("Show between 1 and 100 products.")
    where, params = _filters(f, categories=False)
    category_clause, category_params = "TRUE", []
    if f.categories:
        category_clause = "p.category::VARCHAR IN (SELECT unnest(?::VARCHAR[]))"
        category_params = [list(f.categories)]
    having = "HAVING sum(l.units * p.dried_equiv_grams) > 0" if by == "grams" else ""
    return fetch_frame(
        cur,
        f"""
        SELECT p.sku, p.name AS product, p.category::VARCHAR AS category,
               sum(l.units)::BIGINT AS units,
               sum(l.units * p.dried_equiv_grams)::DECIMAL(18,3) AS grams
        FROM orders o
        JOIN order_lines l USING (order_id)
        JOIN products p USING (sku)
        WHERE {_CREATED_IN} AND {_NOT_CANCELLED} AND {where} AND {category_clause}
        GROUP BY p.sku, p.name, p.category
        {having}
        ORDER BY {order}, p.sku
        LIMIT ?
        """,  # noqa: S608
        [f.start, f.end, *params, *category_params, limit],
    )


# --- Policy coverage --------------------------------------------------------------------------


def coverage_by_insurer(cur: duckdb.DuckDBPyConnection, f: MetricsFilter) -> pd.DataFrame:
    """Policy coverage of paid orders per month (of created at) and insurer.

    Columns: month (first day), insurer, orders, coverage (Decimal). The insurer is the one of the
    client's policy that started most recently on or before the order's date.
    """
    f = f.validated()
    where, params = _filters(f)
    return fetch_frame(
        cur,
        f"""
        SELECT date_trunc('month', o.created_at)::DATE AS month,
               coalesce(cp.insurer, '{UNKNOWN_INSURER}') AS insurer,
               count(*) AS orders,
               sum(o.coverage_amount)::DECIMAL(18,2) AS coverage
        FROM (SELECT o.created_at, o.client_id, o.coverage_amount FROM orders o
              WHERE {_CREATED_IN} AND o.coverage_amount > 0
                AND o.status IN ('Order Placed', 'Shipped', 'Delivered') AND {where}) o
        ASOF LEFT JOIN coverage_policies cp
          ON o.client_id = cp.client_id AND o.created_at::DATE >= cp.valid_from
        GROUP BY ALL
        ORDER BY month, insurer
        """,  # noqa: S608
        [f.start, f.end, *params],
    )


# --- The whole page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PageMetrics:
    """Every figure of the Metrics page for one filter."""

    filter: MetricsFilter
    today: dt.date
    grain: str
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


def page_metrics(cur: duckdb.DuckDBPyConnection, f: MetricsFilter, today: dt.date,
                 grain: str | None = None, top: int = 10) -> PageMetrics:
    """Run every aggregation of the Metrics page."""
    f = f.validated()
    grain = grain or default_grain(f)
    return PageMetrics(
        filter=f, today=today, grain=grain,
        headline=headline(cur, f),
        volume=volume_by_source(cur, f, grain),
        grams_shipped=grams_shipped_per_period(cur, f, grain),
        funnel=status_funnel(cur, f),
        lead_times=lead_times(cur, f),
        backlog=unverified_backlog(cur, f, today),
        carriers=carrier_summary(cur, f),
        top_by_units=top_products(cur, f, "units", top),
        top_by_grams=top_products(cur, f, "grams", top),
        coverage=coverage_by_insurer(cur, f),
    )


# --- Links to the Orders index ----------------------------------------------------------------


def orders_link(f: MetricsFilter, *, first_day: dt.date | None = None, last_day: dt.date | None = None,
                statuses: tuple[str, ...] = (), source: str | None = None, carrier: str | None = None,
                view: str = "All") -> dict[str, str]:
    """The Orders index's URL parameters that list the orders behind one bar of a chart.

    The index filters by created date, status, source and carrier (not by product category).
    """
    params = {"view": view, "sort": "created", "dir": "desc"}
    if first_day:
        params["from"] = first_day.isoformat()
    if last_day:
        params["to"] = last_day.isoformat()
    if statuses:
        params["status"] = ",".join(statuses)
    sources = (source,) if source else f.sources
    if sources:
        params["source"] = ",".join(sources)
    carriers = (carrier,) if carrier else f.carriers
    if carriers:
        params["carrier"] = ",".join(carriers)
    return params


# --- The page's state in its URL --------------------------------------------------------------

RANGE_PARAMS = {"Last 7 days": "7d", "Last 30 days": "30d", "Last quarter": "quarter", "Last year": "year",
                CUSTOM: "custom"}
DEFAULT_PRESET = "Last 30 days"


@dataclass(frozen=True)
class PageState:
    """What the Metrics page shows: a preset (or a custom range), the filters and the grouping."""

    preset: str = DEFAULT_PRESET
    start: dt.date | None = None   # custom range only
    end: dt.date | None = None
    sources: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    grain: str | None = None       # None: day up to two months, week beyond


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _custom_range(params, today: dt.date, problems: list[str]) -> tuple[dt.date, dt.date] | None:
    try:
        start, end = dt.date.fromisoformat(params.get("from", "")), dt.date.fromisoformat(params.get("to", ""))
    except ValueError:
        problems.append("custom dates")
        return None
    if start > end or end > today:
        problems.append("custom dates")
        return None
    return start, end


def state_from_params(params, today: dt.date, carriers: list[str]) -> tuple[PageState, list[str]]:
    """The page state a URL describes, and what in it could not be used (for one sentence)."""
    problems: list[str] = []
    fields: dict = {}
    by_param = {v: k for k, v in RANGE_PARAMS.items()}
    preset = by_param.get(params.get("range", ""), None)
    if params.get("range") and preset is None:
        problems.append(f"range {params['range']!r}")
    if preset == CUSTOM:
        dates = _custom_range(params, today, problems)
        if dates:
            fields.update(preset=CUSTOM, start=dates[0], end=dates[1])
    elif preset:
        fields["preset"] = preset
    for key, name, allowed in (("source", "sources", SOURCES), ("carrier", "carriers", carriers),
                               ("category", "categories", CATEGORIES)):
        values = _split(params.get(key, ""))
        problems.extend(f"{key} {v!r}" for v in values if v not in allowed)
        fields[name] = tuple(v for v in values if v in allowed)
    grain = params.get("group")
    if grain in GRAINS:
        fields["grain"] = grain
    elif grain:
        problems.append(f"grouping {grain!r}")
    return PageState(**fields), problems


def params_from_state(state: PageState) -> dict[str, str]:
    """The URL parameters of a page state, leaving out the defaults."""
    params: dict[str, str] = {}
    if state.preset != DEFAULT_PRESET:
        params["range"] = RANGE_PARAMS[state.preset]
    if state.preset == CUSTOM and state.start and state.end:
        params["from"], params["to"] = state.start.isoformat(), state.end.isoformat()
    for key, values in (("source", state.sources), ("carrier", state.carriers), ("category", state.categories)):
        if values:
            params[key] = ",".join(values)
    if state.grain:
        params["group"] = state.grain
    return params
