"""PostgreSQL's Metrics rows per category filter (schema 19): ``metrics_daily_masks``.

Why: under a category filter the Metrics page sums ``metrics_daily_categories``, the daily rows split by the
combination of categories each order holds. Those are 7.6 times ``metrics_daily``'s rows (2.3 million, 240
MB, at 10,000,000 demo orders), and PostgreSQL spends its time per row read: each of the page's ten queries
read up to 1.5 million of them, and the page took 2.2 s (last year, Oil) and 3.6 s (since 2018, Oil +
Capsules) at 10,000,000 orders. DuckDB reads those columns in 0.2-0.3 s and keeps none of this.

What: for one filter (``mask``: the bits of its categories, ``rollup.category_mask``), the rows of
``metrics_daily``'s shape over the orders that hold a product of at least one of its categories: the
``metrics_daily_categories`` rows with ``categories & mask <> 0``, summed over their combinations. So a
filter reads at most as many rows as the page without a filter (Oil: 238,000 of ``metrics_daily``'s
303,000 at 10,000,000 orders).

Decisions:

* **Built on a filter's first view** (``build``: 1.8-2.3 s at 10,000,000 orders, 0.7-0.9 s at 1,000,000), once
  per filter; ``metrics_masks`` lists the filters built. Not all 31 filters at once: together they are 8
  million rows (829 MB) and took 108 s at 10,000,000 orders, and at 1,000,000 4.4 million rows, 495 MB (the
  database 26% larger) and 31 s, mostly for filters nobody views; a refresh of one day then wrote them all
  (53-74 ms). The first view of a filter pays its build once per database instead.
* **Kept with the rows they sum**: a refresh that writes a day's ``metrics_daily_categories`` rows writes
  that day's rows of every built filter in the same transaction, from those rows (``rewrite``); a rebuild
  writes them all. So a day's filter rows are fresh exactly when its daily rows are, and a reader treats a
  stale day as before: it reads that day from the orders (``rollup.masked_source``).
* **One writer at a time**: a build first updates the state row, as a refresh does, so a build and a
  refresh, or two builds, on two servers, run one after the other; a filter built twice conflicts on its
  key, and the second build finds it built.
* **Each day's totals** (``metrics_days``: the orders and versions of a day's ``metrics_daily`` rows), written
  with them by every refresh, are what the check for stale days compares with the orders' own totals
  (``rollup.stale_days``): summing ``metrics_daily`` per day took 70 ms of every Metrics view at 10,000,000
  orders, here a read of 1,500 rows. The totals are derived from the rows in the same transaction, so they
  describe the same snapshot; a write past the module to one table and not the other is found by ``check``.
* **A partition per filter** (``metrics_daily_masks_<mask>``, made by the filter's first view): a filter's
  queries read its own rows only, however many filters are built. In one table, PostgreSQL scanned every
  built filter's rows for each query while a filter held a third of them or more (two filters: 486,000
  rows read for 248,000). The catalogue checks count a partition as part of its table.
* **Checked**: ``orders-core check`` compares each built filter's rows, and each day's totals, with the daily
  rows summed now, and ``check --recount`` writes them again with the summaries.
"""

from __future__ import annotations

import datetime as dt

from orders_core.storage import dialect
from orders_core.storage.metrics_masks import BUILT, TABLE, TOTALS

DAILY_CATEGORIES = "metrics_daily_categories"  # the rows summed (rollup.DAILY_CATEGORIES's table)
DAILY = "metrics_daily"  # rollup.DAILY's table
REWRITTEN = (TABLE, TOTALS)  # what a refresh writes here (BUILT is kept: which filters to write)
DAYS = f"SELECT day, orders AS n, versions AS v FROM {TOTALS}"  # rollup's check for stale days reads this
_KEYS = ("created_on", "source", "carrier", "status", "shipped_on", "delivered_on")
_SUMS = ("sum(d.orders)::BIGINT, sum(d.versions)::BIGINT, sum(d.total_due)::DECIMAL(18,2), "
         "sum(d.grams)::DECIMAL(18,3)")


def kept(cur) -> bool:
    """Whether this engine keeps rows per filter (PostgreSQL)."""
    return bool(dialect.of(cur).metrics_masks_tables)


def built(cur) -> frozenset[int]:
    """The filters whose rows are kept (none on DuckDB)."""
    if not kept(cur):
        return frozenset()
    return frozenset(mask for (mask,) in cur.execute(f"SELECT mask FROM {BUILT}").fetchall())


_TOTALS = f"SELECT created_on, sum(orders)::BIGINT, sum(versions)::BIGINT FROM {DAILY}"


def _summed(masks: str, where: str) -> str:
    """The daily rows ``d`` meeting ``where`` summed per filter of ``masks`` (a relation of ``mask``)."""
    keys = ", ".join(f"d.{k}" for k in _KEYS)
    return (f"SELECT m.mask, {keys}, {_SUMS} FROM {DAILY_CATEGORIES} d "
            f"JOIN ({masks}) m ON (d.categories & m.mask) <> 0 WHERE {where} GROUP BY m.mask, {keys}")


def _partitions(cur) -> None:
    """Make the partition of every built filter that has none (a filter's first build makes its own)."""
    missing = cur.execute(
        f"SELECT mask FROM {BUILT} WHERE to_regclass(current_schema() || '.{TABLE}_' || mask) IS NULL").fetchall()
    for (mask,) in missing:
        number = int(mask)  # an INTEGER column: the name and bound are digits only
        cur.execute(f"CREATE TABLE IF NOT EXISTS {TABLE}_{number} PARTITION OF {TABLE} FOR VALUES IN ({number})"
                    ).fetchall()


def build(cur, mask: int) -> bool:
    """Keep the rows of filter ``mask`` from now on, in a partition of their own (in the caller's write
    transaction, after the state row's UPDATE); False when it was built already."""
    if not cur.execute(f"INSERT INTO {BUILT} (mask, built_at) VALUES (?, now()::TIMESTAMP) "
                       "ON CONFLICT (mask) DO NOTHING RETURNING mask", [mask]).fetchall():
        return False
    _partitions(cur)
    cur.execute("SET LOCAL work_mem = '128MB'").fetchall()  # one hash of the groups: 4 MB sorted them on disk
    cur.execute(f"INSERT INTO {TABLE} {_summed('SELECT ?::INTEGER AS mask', 'TRUE')}", [mask]).fetchall()
    return True


def rewrite(cur, days: list[dt.date]) -> None:
    """Write the built filters' rows and the totals of ``days`` again from the daily rows just written."""
    _partitions(cur)
    cur.execute(f"DELETE FROM {TABLE} WHERE created_on IN (SELECT unnest(?::DATE[]))", [days]).fetchall()
    cur.execute(f"INSERT INTO {TABLE} {_summed(f'SELECT mask FROM {BUILT}', 'd.created_on IN (SELECT unnest(?::DATE[]))')}",
                [days]).fetchall()
    cur.execute(f"DELETE FROM {TOTALS} WHERE day IN (SELECT unnest(?::DATE[]))", [days]).fetchall()
    cur.execute(f"INSERT INTO {TOTALS} {_TOTALS} WHERE created_on IN (SELECT unnest(?::DATE[])) GROUP BY created_on",
                [days]).fetchall()


def rows(mask: int) -> tuple[str, list]:
    """Filter ``mask``'s rows in the daily rows' shape (``categories``: the filter's bits, so the page's own
    condition on them holds), and the parameters."""
    keys = ", ".join(_KEYS)
    return (f"SELECT {keys}, mask AS categories, orders, versions, total_due, grams FROM {TABLE} "
            "WHERE mask = ?::INTEGER", [mask])


def days_differing(cur, stored: str, actual: str, stale: list[dt.date], day: str = "created_on") -> list[dt.date]:
    """The days outside ``stale`` on which the rows of the relations ``stored`` and ``actual`` (our own SQL, of
    one shape, its day column ``day``) differ, each row counted (``EXCEPT ALL`` both ways)."""
    return [d for (d,) in cur.execute(f"""
        WITH actual AS MATERIALIZED ({actual}), stored AS MATERIALIZED ({stored})
        SELECT DISTINCT {day} FROM (
            (SELECT * FROM stored EXCEPT ALL SELECT * FROM actual)
            UNION ALL
            (SELECT * FROM actual EXCEPT ALL SELECT * FROM stored)
        ) differing
        WHERE {day} NOT IN (SELECT unnest(?::DATE[]))
        ORDER BY 1""", [stale]).fetchall()]  # noqa: S608 -- our own SQL only


def mismatches(cur, stale: list[dt.date]) -> list[tuple[str, dt.date]]:
    """(table, day) of every day outside ``stale`` whose totals, or rows of a built filter, differ from its daily
    rows summed now."""
    if not kept(cur):
        return []
    totals = days_differing(cur, f"SELECT * FROM {TOTALS}", f"{_TOTALS} GROUP BY created_on", stale, day="day")
    found = days_differing(cur, f"SELECT * FROM {TABLE}", _summed(f"SELECT mask FROM {BUILT}", "TRUE"), stale)
    return [(TOTALS, day) for day in totals] + [(TABLE, day) for day in found]
