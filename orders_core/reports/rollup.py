"""Daily summaries of the orders that the Metrics page reads instead of the orders themselves (schema 8).

A year of Metrics read about 640,000 orders and 1.3 million order lines ten times over; PostgreSQL spends
its time per row read, so the page took 4.4 to 5.6 s there at 1,000,000 orders. Three summary tables hold
the same figures a day at a time, a few rows per day:

* ``metrics_daily``: orders, their versions, Total Due and grams per created day, source, carrier,
  status, shipped on and delivered on (every figure but products and coverage is a sum of these rows);
* ``metrics_daily_products``: units per created day, source, carrier and product, cancelled orders left
  out (top products);
* ``metrics_daily_coverage``: orders and coverage per created day, source, carrier and insurer of paid
  orders with coverage (coverage by insurer; an order two policies of one insurer paid counts once).

How a summary stays exact (decisions where the requirements are silent):

* A day's summary rows are **fresh** when their ``sum(orders)`` and ``sum(versions)`` equal the
  ``count(*)`` and ``sum(version)`` of the orders created that day (on PostgreSQL read from
  ``order_days``, which triggers keep: grouping 10,000,000 orders took it about 2 s; ``storage.order_days``). Every change of an order bumps its
  version and nothing is deleted, so any change to a day's orders (a new order, a status, an edit, an
  archive) changes that pair. The pair is stored in the summary rows themselves, written by the same
  statement from the same snapshot as the figures, so it cannot describe other data than they do (on
  PostgreSQL each day's pair is also kept summed, ``rollup_masks.TOTALS``, written from those rows in the
  same transaction).
* **Readers never trust a stale day**: ``stale_days`` compares the pairs, and a stale or missing day is
  aggregated from the orders at read time (``source``). So the figures are right whatever state the
  summaries are in (empty, half refreshed, restored from an old backup); the summaries only make them
  fast. No trigger is needed, so it is the same on both engines.
* ``refresh`` rewrites the stale days' rows in one transaction: it first updates the one row of
  ``metrics_rollup_state`` (every refresher does, so two of them, on two servers, conflict and one retries
  and then finds nothing stale), and on PostgreSQL it reads in one snapshot (REPEATABLE READ) so the three
  tables describe the same orders. The Metrics page refreshes before it computes a range (a few days at a
  time: the days whose orders changed since); ``orders-core demo`` fills them after loading.
* The summaries are derived data, not records: a refresh deletes a stale day's rows and writes them
  again, and records no order event (nothing about an order changed).
* **Categories** (schema 14): ``metrics_daily_categories`` (``metrics_daily`` split by categories) and
  ``metrics_daily_coverage`` keep, per row, which product categories its orders hold, as a bit per
  category of ``schema.CATEGORIES`` (``categories``; an order of Oil and Dried flower has both bits), so a
  category filter is a condition on the rows (``categories & mask <> 0``) and reads no order line. Split
  by the combinations of categories orders hold, the daily rows are about 4 times as many (678,000 rather
  than 171,000 at 1,000,000 demo orders), so the figures without a category filter keep reading
  ``metrics_daily`` (``daily_for``).
  A product's category can be corrected in the catalogue without any order changing, so the rows also
  record the fingerprint of the catalogue's categories they were written with (``catalogue_key`` in the
  state row): when the catalogue's differs, every day is stale, and the next refresh writes them all.
* **A category filter on PostgreSQL** (schema 19) reads rows kept for that filter, summed over the
  combinations (``rollup_masks``: a filter's first view builds them, every refresh keeps them): the rows
  split by combination are too many for PostgreSQL to read ten times a page at 10,000,000 orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from orders_core.reports import rollup_masks
from orders_core.storage import dialect
from orders_core.storage.schema import CATEGORIES
from orders_core.storage.transactions import run_write

CATEGORY_BITS = {name: 1 << i for i, name in enumerate(CATEGORIES)}  # the ``categories`` column's bits


def category_mask(categories) -> int:
    """The bits of ``categories`` (names of ``schema.CATEGORIES``) in a summary row's ``categories``."""
    return sum(CATEGORY_BITS[c] for c in set(categories))


_BIT = " ".join(f"WHEN '{name}' THEN {bit}" for name, bit in CATEGORY_BITS.items())  # our constants
# The categories of order ``o`` (one row, 0 without lines), joined LATERAL to each order aggregated.
_ORDER_CATEGORIES = f"""LEFT JOIN LATERAL (
           SELECT coalesce(bit_or(CASE p.category::VARCHAR {_BIT} ELSE 0 END), 0)::INTEGER AS categories
           FROM order_lines l JOIN products p ON p.sku = l.sku WHERE l.order_id = o.order_id) k ON TRUE"""
# What the catalogue's categories are now: rows written with another fingerprint are stale.
CATALOGUE_KEY = ("SELECT md5(coalesce(string_agg(sku || '=' || category::VARCHAR, ',' ORDER BY sku), '')) "
                 "FROM products")


@dataclass(frozen=True)
class Rollup:
    """One summary table: its columns and the SELECT that aggregates orders ``o`` (a ``{where}``) into them."""

    table: str       # its columns: storage.migrations.v8_metrics_summaries, v14_metrics_categories
    select: str      # aggregates ``FROM orders o ... WHERE {where}`` into the table's columns, in order


DAILY = Rollup(
    "metrics_daily",
    """SELECT o.created_at::DATE AS created_on, o.source::VARCHAR AS source, o.carrier, o.status::VARCHAR AS status,
              o.shipped_on, o.delivered_on, count(*)::BIGINT AS orders, sum(o.version)::BIGINT AS versions,
              coalesce(sum(o.total_due), 0)::DECIMAL(18,2) AS total_due,
              coalesce(sum(o.grams), 0)::DECIMAL(18,3) AS grams
       FROM orders o WHERE {where}
       GROUP BY o.created_at::DATE, o.source, o.carrier, o.status, o.shipped_on, o.delivered_on""",
)
DAILY_CATEGORIES = Rollup(
    "metrics_daily_categories",
    """SELECT o.created_at::DATE AS created_on, o.source::VARCHAR AS source, o.carrier, o.status::VARCHAR AS status,
              o.shipped_on, o.delivered_on, k.categories, count(*)::BIGINT AS orders,
              sum(o.version)::BIGINT AS versions, coalesce(sum(o.total_due), 0)::DECIMAL(18,2) AS total_due,
              coalesce(sum(o.grams), 0)::DECIMAL(18,3) AS grams
       FROM orders o """ + _ORDER_CATEGORIES + """ WHERE {where}
       GROUP BY o.created_at::DATE, o.source, o.carrier, o.status, o.shipped_on, o.delivered_on, k.categories""",
)
PRODUCTS = Rollup(
    "metrics_daily_products",
    """SELECT o.created_at::DATE AS created_on, o.source::VARCHAR AS source, o.carrier, l.sku,
              sum(l.units)::BIGINT AS units
       FROM orders o JOIN order_lines l ON l.order_id = o.order_id
       WHERE o.status <> 'Cancelled' AND {where}
       GROUP BY o.created_at::DATE, o.source, o.carrier, l.sku""",
)
COVERAGE = Rollup(
    "metrics_daily_coverage",
    """SELECT o.created_at::DATE AS created_on, o.source::VARCHAR AS source, o.carrier, k.categories,
              coalesce(c.insurer, '{unknown}') AS insurer, count(DISTINCT o.order_id)::BIGINT AS orders,
              sum(coalesce(c.amount, o.coverage_amount))::DECIMAL(18,2) AS coverage
       FROM orders o LEFT JOIN order_coverage c ON c.order_id = o.order_id AND c.amount > 0
       """ + _ORDER_CATEGORIES + """
       WHERE o.coverage_amount > 0 AND o.status IN ('Order Placed', 'Shipped', 'Delivered') AND {where}
       GROUP BY o.created_at::DATE, o.source, o.carrier, k.categories, coalesce(c.insurer, '{unknown}')""",
)
ROLLUPS = (DAILY, DAILY_CATEGORIES, PRODUCTS, COVERAGE)
UNKNOWN_INSURER = "Unknown insurer"
STATE_TABLE = "metrics_rollup_state"  # its one row: every refresh updates it


def daily_for(categories) -> Rollup:
    """The daily rows a filter reads: split by categories when it has a category filter."""
    return DAILY_CATEGORIES if categories else DAILY


def aggregate(rollup: Rollup, where: str) -> str:
    """The rollup's SELECT over the orders meeting ``where`` (our own SQL fragment; its values are ``?``)."""
    return rollup.select.format(where=where, unknown=UNKNOWN_INSURER)


# Each day's orders and versions in the summary: summed from its rows (on PostgreSQL kept beside them).
_SUMMED_DAYS = f"SELECT created_on AS day, sum(orders) AS n, sum(versions) AS v FROM {DAILY.table} GROUP BY 1"
_STALE = f"""
    SELECT coalesce(a.day, s.day) AS day
    FROM ({{days}}) a
    FULL JOIN ({{summed}}) s ON s.day = a.day
    WHERE a.n IS DISTINCT FROM s.n OR a.v IS DISTINCT FROM s.v
       OR (SELECT catalogue_key FROM {STATE_TABLE}) IS DISTINCT FROM ({CATALOGUE_KEY})
    ORDER BY 1
"""


def stale_days(cur) -> list[dt.date]:
    """The created days whose summary rows do not describe their orders as they are now (or are missing)."""
    summed = rollup_masks.DAYS if rollup_masks.kept(cur) else _SUMMED_DAYS
    return [r[0] for r in cur.execute(_STALE.format(days=dialect.of(cur).days_counted, summed=summed)).fetchall()]


def _days_clause(column: str, days: list[dt.date]) -> tuple[str, list]:
    """``column`` is one of ``days`` (bounded by the first and last so an index on the dates serves it)."""
    return (f"{column} >= ?::DATE AND {column} < ?::DATE + INTERVAL '1 day' "
            f"AND {column}::DATE IN (SELECT unnest(?::DATE[]))", [min(days), max(days), list(days)])


def source(rollup: Rollup, stale: list[dt.date]) -> tuple[str, list]:
    """A relation of the rollup's shape for every day: its table's rows for the fresh days, the orders
    aggregated at once for the ``stale`` ones."""
    if not stale:
        return f"SELECT * FROM {rollup.table}", []
    fresh = f"SELECT * FROM {rollup.table} WHERE created_on NOT IN (SELECT unnest(?::DATE[]))"
    where, params = _days_clause("o.created_at", stale)
    return f"{fresh} UNION ALL {aggregate(rollup, where)}", [list(stale), *params]


def masked_source(mask: int, stale: list[dt.date]) -> tuple[str, list]:
    """``DAILY_CATEGORIES``'s shape for the orders of a category filter ``mask`` built on PostgreSQL
    (``rollup_masks``): its kept rows for the fresh days, the orders aggregated at once for the ``stale`` ones."""
    fresh, fresh_params = rollup_masks.rows(mask)
    if not stale:
        return fresh, fresh_params
    where, params = _days_clause("o.created_at", stale)
    return (f"{fresh} AND created_on NOT IN (SELECT unnest(?::DATE[])) UNION ALL {aggregate(DAILY_CATEGORIES, where)}",
            [*fresh_params, list(stale), *params])


def _tables(cur) -> tuple[str, ...]:
    """Every summary table a refresh writes (the category filters' rows on PostgreSQL too)."""
    return (*(r.table for r in ROLLUPS), *(rollup_masks.REWRITTEN if rollup_masks.kept(cur) else ()))


def _begin(cur) -> None:
    """A summary writer's first step: one snapshot, and the state row that every such writer updates."""
    dialect.of(cur).repeatable_read(cur)  # before any read of this transaction
    cur.execute(f"UPDATE {STATE_TABLE} SET refreshed_at = now()::TIMESTAMP WHERE id = 1").fetchall()


def _refresh(cur, *, rebuild: bool = False) -> int:
    _begin(cur)
    if rebuild:
        for table in _tables(cur):
            cur.execute(f"DELETE FROM {table}").fetchall()
    days = stale_days(cur)
    if not days:
        return 0
    where, params = _days_clause("o.created_at", days)
    for r in ROLLUPS:
        cur.execute(f"DELETE FROM {r.table} WHERE created_on IN (SELECT unnest(?::DATE[]))", [days]).fetchall()
        cur.execute(f"INSERT INTO {r.table} {aggregate(r, where)}", params).fetchall()
    if rollup_masks.kept(cur):  # the category filters' rows and totals of those days, from the rows just written
        rollup_masks.rewrite(cur, days)
    cur.execute(f"UPDATE {STATE_TABLE} SET days_refreshed = days_refreshed + ?, catalogue_key = ({CATALOGUE_KEY}) "
                "WHERE id = 1", [len(days)]).fetchall()
    return len(days)


def _analyzed(cur, days: int) -> int:
    if days > 100:  # many rows at once: PostgreSQL's statistics now (autovacuum comes later; DuckDB: nothing)
        for table in _tables(cur):
            dialect.of(cur).analyze(cur, table)
    return days


def refresh(cur) -> int:
    """Rewrite the summary rows of every stale day (one transaction, retried on a conflict); how many days.

    Afterwards a reader may read the summaries alone: they were fresh when the refresh committed, and a day
    that changes after that is read as it was a moment before, like any read. Nothing stale, nothing
    written: no transaction, no lock."""
    if not stale_days(cur):
        return 0
    return _analyzed(cur, run_write(cur, _refresh))


def build_mask(cur, mask: int) -> bool:
    """Keep category filter ``mask``'s rows from now on, on PostgreSQL (``rollup_masks``: the first view of a
    filter; one transaction, retried on a conflict); False when they are kept already or on DuckDB."""
    if not rollup_masks.kept(cur) or mask in rollup_masks.built(cur):
        return False

    def work(c) -> bool:
        _begin(c)
        return rollup_masks.build(c, mask)

    made = run_write(cur, work)
    if made:
        dialect.of(cur).analyze(cur, f"{rollup_masks.TABLE}_{int(mask)}")  # its new partition
    return made


def rebuild(cur) -> int:
    """Write every day's summary rows afresh (``orders-core check --recount``: after rows were found that do
    not match their orders, which only a write past the orders module can cause); how many days."""
    return _analyzed(cur, run_write(cur, lambda c: _refresh(c, rebuild=True)))


def mismatches(cur) -> list[tuple[str, dt.date]]:
    """(table, day) of every fresh day whose stored rows differ from its orders aggregated now (a stale day is
    read from the orders, so it cannot mislead): ``orders-core check``."""
    stale = stale_days(cur)
    found = []
    for r in ROLLUPS:
        found += [(r.table, day) for day in rollup_masks.days_differing(
            cur, f"SELECT * FROM {r.table}", aggregate(r, "TRUE"), stale)]
    return found + rollup_masks.mismatches(cur, stale)
