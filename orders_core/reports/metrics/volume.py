"""What came in: the headline figures, orders and revenue per period by source, grams shipped per period.

Which date each figure uses (and why), and partial periods (decisions):

* **Orders, revenue (Total Due), average order value, source shares, orders/revenue per day or
  week, the status funnel, carrier share, top products**: the order's *created at* date. These
  answer "what came in during the period". Cancelled orders are left out of orders, revenue,
  average order value, source shares, volume charts and top products (their count is shown
  apart, and in the funnel).
* **Grams shipped**: the *shipped on* date of Shipped and Delivered orders.
* A bucket only partly inside the range, or holding today (the day is not over), is ``partial``:
  the page draws it lighter and leaves it out of the sparklines. When the range ends today, the
  headline compares like with like: the previous period is cut at the same elapsed time (orders
  created up to the same hour and minute, grams shipped over the same number of days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from orders_core.reports import rollup as metrics_rollup
from orders_core.reports.metrics.filters import MetricsFilter
from orders_core.reports.metrics.query import (
    _NOT_CANCELLED,
    _filters,
    _grain,
    _periods,
    _read,
    _rows,
    _step_and_end,
)
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame
from orders_core.storage.schema import SOURCES

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
    where, params = _filters(f)
    start = dt.datetime.combine(f.start, dt.time())
    end = dt.datetime.combine(f.end + dt.timedelta(days=1), dt.time())
    cut = now if now is not None and start <= now < end else end
    prev_start = dt.datetime.combine(prev.start, dt.time())
    prev_cut = prev_start + (cut - start)
    ship_days = (min(cut.date(), f.end) - f.start).days if cut < end else f.days - 1
    # Whole days from the daily rows; the part of a day before a cut inside it from the orders themselves.
    cut_day, prev_cut_day = (dt.datetime.combine(c.date(), dt.time()) for c in (cut, prev_cut))
    daily, daily_params = _rows(cur, f, metrics_rollup.DAILY)
    order_where, order_params = _filters(f, categories=False)  # the rows' categories: ``where`` above
    partial = metrics_rollup.aggregate(
        metrics_rollup.daily_for(f.categories),
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
