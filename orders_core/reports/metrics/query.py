"""How every figure of the Metrics page reads its rows: the summaries or the matched orders, the filters'
conditions, the periods of a chart.

Every number is an aggregation in the database that returns a small result (a few hundred rows at
most), never the orders themselves. Each figure is one SQL query over rows of the daily summaries' shape
(``metrics_rollup``: orders, Total Due and grams per created day, source, carrier, status, shipped and
delivered day and the categories the orders hold; units per day and product; coverage per day and
insurer), read from the summary tables (their stale days aggregated from the orders at once), a category
filter included; only the part of a day before a headline's cut inside it is read from the orders. Every value that comes from the user reaches the database as a
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
from orders_core.reports import rollup_masks
from orders_core.reports.metrics.filters import MetricsFilter, bucket_grain
from orders_core.storage.reads import in_list

# --- SQL fragments (our constants only) -------------------------------------------------------

_NOT_CANCELLED = "o.status <> 'Cancelled'"


def _filters(f: MetricsFilter, *, categories: bool = True) -> tuple[str, list]:
    """The source, carrier and category conditions on rows ``o`` of the summaries' shape, and their
    parameters; without the category condition (``categories=False``) they apply to orders ``o`` too."""
    clauses: list[str] = []
    params: list = []
    for column, values in (("o.source::VARCHAR", f.sources), ("o.carrier", f.carriers)):
        if values:
            clause, value = in_list(column, values)
            clauses.append(clause)
            params += value
    if f.categories and categories:  # rows whose orders hold a product of one of them
        clauses.append("(o.categories & ?::INTEGER) <> 0")
        params.append(metrics_rollup.category_mask(f.categories))
    return " AND ".join(clauses) or "TRUE", params


@dataclass(frozen=True)
class _Prepared:
    """What page_metrics has prepared on the cursor it runs on (see there)."""

    stale: tuple[dt.date, ...] = ()              # the days to aggregate from the orders (after a refresh: none)
    masks: frozenset[int] = frozenset()          # the category filters whose rows are kept (rollup_masks)


_prepared: ContextVar[_Prepared | None] = ContextVar("metrics_prepared", default=None)


def _rows(cur, f: MetricsFilter, rollup: metrics_rollup.Rollup) -> tuple[str, list]:
    """The rows of ``rollup``'s shape that the figures of ``f`` are sums of, as a relation to read as ``o``
    with ``_filters(f)``: the summaries, their stale days aggregated from the orders (the daily rows split
    by categories under a category filter: ``metrics_rollup.daily_for``, or on PostgreSQL the filter's own
    rows once built: ``rollup_masks``)."""
    prepared = _prepared.get() or _Prepared(stale=tuple(metrics_rollup.stale_days(cur)),
                                            masks=rollup_masks.built(cur) if f.categories else frozenset())
    if rollup is metrics_rollup.DAILY:
        mask = metrics_rollup.category_mask(f.categories)
        if mask in prepared.masks:  # PostgreSQL: the filter's own rows, summed over the combinations
            return metrics_rollup.masked_source(mask, list(prepared.stale))
        rollup = metrics_rollup.daily_for(f.categories)
    return metrics_rollup.source(rollup, list(prepared.stale))


def _read(cur, f: MetricsFilter, rollup: metrics_rollup.Rollup) -> tuple[str, list, str, list]:
    """The relation of ``rollup``'s rows a figure of ``f`` reads (``_rows``) and the source, carrier and
    category conditions on it, each with its parameters (top products: ``categories=False``, their own)."""
    rows, rows_params = _rows(cur, f, rollup)
    return (rows, rows_params, *_filters(f, categories=rollup is not metrics_rollup.PRODUCTS))


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
