"""Schema versions that upgrade in place: numbered migrations, each applied once and recorded.

``upgrade(con)`` is the one entry point (``Database`` calls it when it opens a database
read-write). It reads the version the database records (``app_meta.schema_version``) and:

- an empty database (version 0) is created at the baseline schema (``schema.DDL``, schema 2)
  in one transaction;
- every registered migration numbered above the recorded version then runs, in order, each in
  its own transaction, which also records it in ``schema_migrations`` and bumps
  ``app_meta.schema_version``; a migration that fails rolls back whole and the open is refused
  with the reason (the database is left at the version before it);
- a database newer than the code is refused in one sentence.

Adding a migration is a module ``vN_what.py`` in this package with an ``apply(con)`` function, and one
line in ``MIGRATIONS``. The function gets a connection inside the transaction and must not commit; it
holds its own DDL (a migration is history: it never imports the domain code of today). ``schema.DDL`` stays frozen at the baseline: a later
change to the schema is a migration, so fresh and upgraded databases go through the same steps.

The same steps run on PostgreSQL (``dialect``: the baseline DDL with PostgreSQL's ENUM syntax and the
``unaccent`` extension; migrations 3 and 4 are portable SQL; migration 5 is the dialect's
``search_indexes``, migration 6 its ``sort_indexes``, migration 7 its ``order_counts``: nothing on DuckDB,
which only records them). A
PostgreSQL database starts at the baseline, so migration 2 (below) is DuckDB's alone.

Schema 1 is the first release's schema (no keys on lines and events, no foreign keys, no CHECK
constraints, no per-policy coverage). DuckDB cannot add most constraints with ALTER TABLE, so
migration 2 rebuilds every table inside its transaction: it renames the old tables, creates the
new ones from ``schema.DDL``, copies every row by column name, backfills what is new (event ids
of template events, one coverage row per covered order and policy) and drops the old tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.migrations import (
    v2_keys_and_coverage,
    v3_staff,
    v4_actor_emails,
    v5_search_indexes,
    v6_sort_indexes,
    v7_order_counts,
    v8_metrics_summaries,
    v9_sign_ins,
    v10_access_log,
    v11_returns,
    v12_monthly_reports,
    v13_fulfillment,
    v14_metrics_categories,
    v15_order_days,
    v16_search_counts,
    v17_sales_days,
    v18_tracking_grams,
    v19_metrics_masks,
    v20_client_search,
)
from orders_core.storage.schema import CARRIERS, DDL, ddl

BASELINE = 2  # the version schema.DDL creates


class SchemaError(Exception):
    """A database whose schema this code cannot use or upgrade; ``reason`` ends the sentence."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"The database {reason}")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Cursor], None]

    def run(self, con: Cursor) -> None:
        self.apply(con)


# Register a migration with one line: Migration(<next number>, "<what it does>", <its module's apply>).
MIGRATIONS: list[Migration] = [
    Migration(2, "primary, foreign keys and checks on every table; one coverage row per order and policy",
              v2_keys_and_coverage.apply),
    Migration(3, "the staff list, its history and roles", v3_staff.apply),
    Migration(4, "the acting person's e-mail beside every recorded name", v4_actor_emails.apply),
    Migration(5, "the search's indexes (trigram indexes on PostgreSQL; none on DuckDB)", v5_search_indexes.apply),
    Migration(6, "the Orders index's sort and count indexes (on PostgreSQL; none on DuckDB)", v6_sort_indexes.apply),
    Migration(7, "the per-status count of orders the index reads (kept by triggers on PostgreSQL; none on DuckDB)",
              v7_order_counts.apply),
    Migration(8, "the Metrics page's daily summaries of the orders (filled by their first refresh)",
              v8_metrics_summaries.apply),
    Migration(9, "the app's sign-ins, so that a session ends on the server", v9_sign_ins.apply),
    Migration(10, "the access log: who opened which client's profile, order or report, and every export",
              v10_access_log.apply),
    Migration(11, "returns, refunds and replacements of shipped orders", v11_returns.apply),
    Migration(12, "the monthly reports' submissions and medical documents transferred or returned", v12_monthly_reports.apply),
    Migration(13, "fulfillment: label prints, packing scans and shipping manifests", v13_fulfillment.apply),
    Migration(14, "the product categories of each order in the Metrics summaries (written again by the next refresh)",
              v14_metrics_categories.apply),
    Migration(15, "each created day's orders, which say which Metrics summaries are stale (kept by triggers on "
                  "PostgreSQL; none on DuckDB)", v15_order_days.apply),
    Migration(16, "each client's and carrier's orders, which the Orders index counts its searches from (kept by "
                  "triggers on PostgreSQL; none on DuckDB)", v16_search_counts.apply),
    Migration(17, "each ship day's sales per province, CTLS category and SKU, which the CTLS sales report sums "
                  "(kept by triggers on PostgreSQL; none on DuckDB)", v17_sales_days.apply),
    Migration(18, "the signatures of the tracking numbers, which a search reads first (DuckDB; none on PostgreSQL)",
              v18_tracking_grams.apply),
    Migration(19, "the Metrics page's daily rows per category filter, written on a filter's first view "
                  "(PostgreSQL; none on DuckDB)", v19_metrics_masks.apply),
    Migration(20, "each client's name and orders not archived, which a search by name counts from (kept by "
                  "triggers on PostgreSQL; none on DuckDB)", v20_client_search.apply),
]

SCHEMA_VERSION = max(BASELINE, *(m.version for m in MIGRATIONS))


def recorded_version(con: Cursor) -> int:
    """The schema version the database records (0 for an empty database)."""
    if "app_meta" not in dialect.of(con).main_tables(con):
        return 0
    rows = con.execute("SELECT value FROM app_meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def _record(con: Cursor, version: int, name: str) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    con.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP) ON CONFLICT (version) DO NOTHING",
                [version, name])
    con.execute("INSERT INTO app_meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [str(version)])


def _in_transaction(con: Cursor, work: Callable[[], None]) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        work()
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except dialect.of(con).error:
            pass
        raise


def _create(con: Cursor) -> None:
    engine = dialect.of(con)
    con.execute(DDL if engine is dialect.DUCKDB else engine.preamble + ddl(engine))
    con.executemany("INSERT INTO carriers VALUES (?) ON CONFLICT DO NOTHING", [[c] for c in CARRIERS])
    _record(con, 1, "base schema")
    _record(con, BASELINE, "created at this version")


def upgrade(con: Cursor) -> int:
    """Bring the database to ``SCHEMA_VERSION``: create it if empty, run each pending migration once.

    Returns the version it is at. Raises ``SchemaError`` (one sentence) for a database newer than
    this code or a migration that failed (rolled back: the database stays at the earlier version).
    On PostgreSQL the whole upgrade holds an advisory lock (``dialect``): of several app servers
    starting at once, one upgrades and the others then find the database up to date.
    """
    engine = dialect.of(con)
    engine.lock_schema(con)
    try:
        return _upgrade(con, engine)
    finally:
        engine.unlock_schema(con)


def _upgrade(con: Cursor, engine: dialect.Dialect) -> int:
    version = recorded_version(con)
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"was made by a newer version of the orders module (schema {version}, "
            f"this one reads {SCHEMA_VERSION}); upgrade the orders module to open it."
        )
    if version == 0:
        _in_transaction(con, lambda: _create(con))
        version = BASELINE
    for m in sorted(MIGRATIONS, key=lambda m: m.version):
        if m.version <= version:
            continue

        def work(m: Migration = m, before: int = version) -> None:
            if before == 1:
                _record(con, 1, "base schema")
            m.run(con)
            _record(con, m.version, m.name)

        try:
            _in_transaction(con, work)
        except engine.error as exc:
            raise SchemaError(
                f"could not be upgraded from schema {version} to {m.version} ({m.name}): "
                f"{str(exc).splitlines()[0]}; nothing was changed."
            ) from exc
        version = m.version
    return version
