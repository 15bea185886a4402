"""The range's orders broken down: by carrier (share, days to deliver), by product (top products), by insurer
(policy coverage).

Which date each figure uses (and why):

* **Carrier share, top products**: the order's *created at* date, as every figure of what came in
  (``volume``); cancelled orders are left out of top products.
* **Policy coverage paid by insurers**: the coverage amount of orders whose payment was
  processed (Order Placed, Shipped, Delivered), by the month the order was created, per insurer
  as stored when the order's money was written (``order_coverage``: an order two policies paid
  counts for both, each with its own amount); coverage kept without its policies (older data)
  is "Unknown insurer".
"""

from __future__ import annotations

import pandas as pd

from orders_core.reports import rollup as metrics_rollup
from orders_core.reports.metrics.filters import InvalidFilter, MetricsFilter
from orders_core.reports.metrics.flow import _histogram_quantiles
from orders_core.reports.metrics.query import _read
from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame

PAID_STATUSES = ("Order Placed", "Shipped", "Delivered")
SHIPPED_STATUSES = ("Shipped", "Delivered")
UNKNOWN_INSURER = metrics_rollup.UNKNOWN_INSURER


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
