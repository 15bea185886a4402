"""Schema versions that upgrade in place: numbered migrations, each applied once and recorded.

``upgrade(con)`` is the one entry point (``db.Database`` calls it when it opens a database
read-write). It reads the version the database records (``app_meta.schema_version``) and:

- an empty database (version 0) is created at the baseline schema (``schema.DDL``, schema 2)
  in one transaction;
- every registered migration numbered above the recorded version then runs, in order, each in
  its own transaction, which also records it in ``schema_migrations`` and bumps
  ``app_meta.schema_version``; a migration that fails rolls back whole and the open is refused
  with the reason (the database is left at the version before it);
- a database newer than the code is refused in one sentence.

Adding a migration is one line in ``MIGRATIONS``: ``Migration(3, "what it does", "module:function")``
(a callable or a dotted ``module:function`` name, imported only when the migration runs, so a
domain module can own its migration without import cycles). The function gets a connection
inside the transaction and must not commit. ``schema.DDL`` stays frozen at the baseline: a later
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

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from orders_core.storage import dialect
from orders_core.storage.schema import CARRIERS, DDL, TABLES, ddl

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
    apply: Callable[[duckdb.DuckDBPyConnection], None] | str  # or "module:function"

    def run(self, con: duckdb.DuckDBPyConnection) -> None:
        fn = self.apply
        if isinstance(fn, str):
            module, _, name = fn.partition(":")
            fn = getattr(importlib.import_module(module), name)
        fn(con)


def _keys_checks_and_coverage(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 1 -> 2: rebuild every table with its keys and checks; add one coverage row per policy."""
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main'").fetchall()}
    old = [t for t in TABLES if t != "app_meta" and t in existing]
    for table in old:
        con.execute(f"ALTER TABLE {table} RENAME TO {table}_v1")  # our own table names
    con.execute(DDL)
    for table in old:
        if table == "recurring_events":
            con.execute(
                "INSERT INTO recurring_events BY NAME SELECT *, row_number() OVER "
                "(ORDER BY event_at, recurring_order_id, rowid) AS event_id FROM recurring_events_v1")
        else:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {table}_v1")
    start = con.execute("SELECT coalesce(max(event_id), 0) + 1 FROM recurring_events").fetchall()[0][0]
    con.execute("DROP SEQUENCE IF EXISTS recurring_event_ids")
    con.execute(f"CREATE SEQUENCE recurring_event_ids START {int(start)}")
    for table in reversed(old):
        con.execute(f"DROP TABLE {table}_v1")
    backfill_coverage(con)
    from orders_core.orders.allowance_ledger import rebuild_ledger

    rebuild_ledger(con)


def backfill_coverage(con: duckdb.DuckDBPyConnection) -> None:
    """One coverage row per covered order and policy, for orders stored before coverage rows existed.

    Schema 1 kept only the order's total coverage. It is split over the client's policies valid on
    the order's day (by policy id, as ordering charges them): each pays at most its share of the
    cannabis lines after their discounts, and the last one the rest, so the rows add up to the stored
    total to the cent. With no policy valid that day the client's latest-starting policy gets it all.
    A covered order whose client has no policy at all keeps no row; ``orders-core check`` names it.
    """
    con.execute(
        """
        INSERT INTO order_coverage (order_id, policy_id, insurer, amount, grams, note)
        WITH covered AS (
            SELECT o.order_id, o.client_id, o.created_at::DATE AS day, o.coverage_amount, coalesce(o.grams, 0) AS grams,
                   (SELECT coalesce(sum(l.units * l.unit_price - l.line_discount), 0)
                    FROM order_lines l JOIN products p USING (sku)
                    WHERE l.order_id = o.order_id AND p.is_cannabis) AS base
            FROM orders o
            WHERE o.coverage_amount > 0 AND o.order_id NOT IN (SELECT order_id FROM order_coverage)
        ),
        candidates AS (
            SELECT c.*, cp.policy_id, cp.insurer, cp.share,
                   cp.valid_from <= c.day AND (cp.valid_until IS NULL OR c.day <= cp.valid_until) AS valid
            FROM covered c JOIN coverage_policies cp ON cp.client_id = c.client_id
        ),
        chosen AS (
            SELECT * FROM candidates
            WHERE valid OR NOT EXISTS (SELECT 1 FROM candidates v WHERE v.order_id = candidates.order_id AND v.valid)
            QUALIFY valid OR row_number() OVER (PARTITION BY order_id ORDER BY policy_id DESC) = 1
        ),
        shares AS (
            SELECT *, round(share * base, 2) AS wanted,
                   row_number() OVER w AS k, count(*) OVER (PARTITION BY order_id) AS n,
                   coalesce(sum(round(share * base, 2)) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                       AS before
            FROM chosen
            WINDOW w AS (PARTITION BY order_id ORDER BY policy_id)
        )
        SELECT order_id, policy_id, insurer,
               CASE WHEN k = n THEN greatest(coverage_amount - least(before, coverage_amount), 0)
                    ELSE least(wanted, greatest(coverage_amount - before, 0)) END AS amount,
               0, 'split recorded when the database was upgraded to schema 2'
        FROM shares
        """
    )
    con.execute(
        """
        UPDATE order_coverage c SET grams = o.grams
        FROM orders o
        WHERE c.order_id = o.order_id AND c.amount > 0 AND o.grams IS NOT NULL
          AND c.note = 'split recorded when the database was upgraded to schema 2'
        """
    )


# Register a migration with one line: Migration(<next number>, "<what it does>", <callable or "module:function">).
MIGRATIONS: list[Migration] = [
    Migration(2, "primary, foreign keys and checks on every table; one coverage row per order and policy",
              _keys_checks_and_coverage),
    Migration(3, "the staff list, its history and roles", "orders_core.staff.members:upgrade"),
    Migration(4, "the acting person's e-mail beside every recorded name", "orders_core.storage.actor_columns:upgrade"),
    Migration(5, "the search's indexes (trigram indexes on PostgreSQL; none on DuckDB)", "orders_core.orders.index:upgrade"),
    Migration(6, "the Orders index's sort and count indexes (on PostgreSQL; none on DuckDB)",
              "orders_core.orders.index:upgrade_sorts"),
    Migration(7, "the per-status count of orders the index reads (kept by triggers on PostgreSQL; none on DuckDB)",
              "orders_core.orders.index:upgrade_counts"),
    Migration(8, "the Metrics page's daily summaries of the orders (filled by their first refresh)",
              "orders_core.reports.rollup:upgrade"),
]

SCHEMA_VERSION = max(BASELINE, *(m.version for m in MIGRATIONS))


def recorded_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version the database records (0 for an empty database)."""
    if "app_meta" not in dialect.of(con).main_tables(con):
        return 0
    rows = con.execute("SELECT value FROM app_meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def _record(con: duckdb.DuckDBPyConnection, version: int, name: str) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    con.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP) ON CONFLICT (version) DO NOTHING",
                [version, name])
    con.execute("INSERT INTO app_meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [str(version)])


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], None]) -> None:
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


def _create(con: duckdb.DuckDBPyConnection) -> None:
    engine = dialect.of(con)
    con.execute(DDL if engine is dialect.DUCKDB else engine.preamble + ddl(engine))
    con.executemany("INSERT INTO carriers VALUES (?) ON CONFLICT DO NOTHING", [[c] for c in CARRIERS])
    _record(con, 1, "base schema")
    _record(con, BASELINE, "created at this version")


def upgrade(con: duckdb.DuckDBPyConnection) -> int:
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


def _upgrade(con: duckdb.DuckDBPyConnection, engine: dialect.Dialect) -> int:
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
