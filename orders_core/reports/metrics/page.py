"""Every figure of the Metrics page for one filter, computed together on one cursor (``page_metrics``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from orders_core.reports import rollup as metrics_rollup
from orders_core.reports import rollup_masks
from orders_core.reports.metrics.breakdowns import (
    carrier_summary,
    coverage_by_insurer,
    product_totals,
    rank_products,
)
from orders_core.reports.metrics.filters import MetricsFilter, bucket_grain
from orders_core.reports.metrics.flow import lead_times, status_funnel, unverified_backlog
from orders_core.reports.metrics.query import _Prepared, _prepared
from orders_core.reports.metrics.volume import Headline, grams_shipped_per_period, headline, volume_by_source
from orders_core.storage.cursor import Cursor
from orders_core.storage.errors import DatabaseError

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
    so the figures are sums of the summaries alone, a category filter included (the rows keep the
    categories their orders hold; on PostgreSQL a filter's first view keeps rows of its own,
    ``rollup_masks``); on a cursor of its own, closed at the end.
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
        masks = rollup_masks.built(side) if f.categories else frozenset()
        if f.categories and metrics_rollup.category_mask(f.categories) not in masks:
            try:  # the filter's first view (on PostgreSQL): keep its rows from now on
                metrics_rollup.build_mask(side, metrics_rollup.category_mask(f.categories))
            except DatabaseError:  # too busy just now: the rows split by combination are read instead
                pass
            masks = rollup_masks.built(side)
        prepared = _prepared.set(_Prepared(stale=stale, masks=masks))
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
        side.close()
