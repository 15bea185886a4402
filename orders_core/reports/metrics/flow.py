"""How orders move through the lifecycle: the status funnel, lead times per week, the Unverified backlog.

Which date each figure uses (and why):

* **The status funnel**: the order's *created at* date, as every figure of what came in (``volume``).
* **Lead times** per week: created -> shipped is grouped by the week of *shipped on*,
  shipped -> delivered by the week of *delivered on* (the week the step finished), so recent
  weeks are not biased by orders that have not finished yet. Days are calendar days.
* **Unverified backlog**: every order in Unverified *now*, whatever its created date (a backlog
  is the current state, and an order waiting 10 days must not vanish from a 7-day view). Its
  age is whole calendar days since it was created: created today = 0 days.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from orders_core.reports import rollup as metrics_rollup
from orders_core.reports.metrics.filters import MetricsFilter
from orders_core.reports.metrics.query import _read
from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame
from orders_core.storage.schema import STATUSES

BACKLOG_BUCKETS = ("Created today", "1 day", "2 days", "3+ days")
STAGES = ("Created → shipped", "Shipped → delivered")


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
