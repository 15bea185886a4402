"""How every figure of the Metrics page reads its rows: the summaries or the matched orders, the filters'
conditions, the periods of a chart.

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

Archiving is only a display flag: archived orders count in every metric. Source, carrier and
category filters apply to every figure; the category filter keeps orders holding at least one
product of a chosen category (and, for top products, only those categories' products).
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass

from orders_core.reports import rollup as metrics_rollup
from orders_core.reports.metrics.filters import MetricsFilter, bucket_grain
from orders_core.storage.reads import in_list

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
