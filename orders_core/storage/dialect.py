"""Where DuckDB and PostgreSQL differ, in one place: a query asks the dialect of its cursor (``of(cur)``).

SQL is written once where the two engines agree, and that is most of it: ``?`` placeholders (the
PostgreSQL cursor numbers them, ``db_postgres``), ``nextval('seq')``, ``now()::TIMESTAMP``,
``x::VARCHAR``, ``col IN (SELECT unnest(?::T[]))``, ``INSERT ... ON CONFLICT (key) DO NOTHING | DO
UPDATE SET c = excluded.c``, ``UPDATE t SET ... FROM (...) k``, ``RETURNING``, ``INTERVAL '1 day'``.
A query meant for both engines avoids DuckDB's shorthands that PostgreSQL lacks: ``INSERT OR IGNORE``
/ ``OR REPLACE`` (write ``ON CONFLICT``), ``GROUP BY ALL`` (name the columns), ``QUALIFY`` (filter a
subquery on ``row_number()``), ``INTERVAL 1 DAY`` (quote it), a subquery in FROM without an alias.

What cannot be written once is a method here, never an ``if engine == ...`` in a caller:
- ``fold(expr)``: accent- and case-folding for search keys, ``lower(strip_accents(x))`` in DuckDB,
  ``lower(unaccent(x))`` in PostgreSQL (the ``unaccent`` extension, created with the schema);
- ``list_agg(expr, order_by)``: DuckDB's ``list(...)``, PostgreSQL's ``array_agg(...)``; ``list_of(expr)``
  the same in no particular order (both give NULL over no rows);
- ``array_contains(array, value)``: ``list_contains`` against ``value = ANY(array)``;
- ``in_array(column, type)``: ``column`` is one of an array given as one parameter: DuckDB's semi-join on
  ``unnest`` (its plans as they were), PostgreSQL's ``= ANY``, which it estimates by the array's length, so
  a search matching 16,000 clients walks the newest-first index until it has a page (1 ms) instead of
  looking each client's orders up (146 ms at 10,000,000 orders);
- ``array_length(array)``: a list's length, DuckDB's ``len`` against ``cardinality``; ``int_div(a, b)``:
  integer division of whole numbers (DuckDB's ``//``, PostgreSQL's ``/`` on integers; ``/`` is a
  fraction in DuckDB), for non-negative operands (both truncate);
- ``temp_table_as(name, select)``: a temporary table of a query's rows for the rest of the transaction
  (DuckDB's ``CREATE OR REPLACE TEMP TABLE``; PostgreSQL has no ``OR REPLACE`` for tables, so one that
  is dropped at COMMIT, ``ON COMMIT DROP``, and a rollback drops it too);
- ``frame_table(cur, name, frame, types)``: a DataFrame readable as the table ``name`` for a block
  (``with``): DuckDB reads the DataFrame itself (``register``); PostgreSQL gets a temporary table of
  the given column types (VARCHAR when not given), dropped at COMMIT, filled with ``COPY`` (the
  imports' rows, ``importing`` and ``portal``);
- ``contains(text, part)``: DuckDB's ``contains()`` against PostgreSQL's ``LIKE '%' || part || '%'``
  with the part's backslash, ``%`` and ``_`` escaped in SQL (both take the part as a plain string: ``%``,
  ``_`` and quotes are never patterns). Not ``strpos() > 0``: a trigram index serves ``LIKE``, never
  ``strpos``;
- ``search_indexes``: the indexes the Orders search uses, made by migration 5 (``migrations.v5_search_indexes``):
  none on DuckDB (it scans the columns; its ART indexes do not serve a substring), and on PostgreSQL
  ``pg_trgm`` GIN indexes on ``clients.name_key`` and ``orders.tracking_number`` (``pg_trgm`` is a
  trusted extension, as ``unaccent``);
- ``lookup_indexes``: B-tree indexes on the columns a page looks one client's or one order's rows up by
  (a client's orders, prescriptions, policies and events; an order's events; whether an order is on
  a picking list; the unarchived orders of a status, which Archive Shipped counts and a picking list
  takes), also made by migration 5: none on DuckDB, and on PostgreSQL, where a table
  without one is read whole (the Clients page counted each listed client's open orders by reading
  every order: 7 s at 500,000 orders);
- ``metrics_indexes``: B-tree indexes on the dates the Metrics page's ranges filter on (created, shipped,
  delivered), also made by migration 5: none on DuckDB; on PostgreSQL a short range otherwise reads every
  order (a year's range still does: most orders are in it);
- ``summary_indexes``: the Metrics page's daily summaries (``metrics_rollup``, migration 8) found by day,
  and statistics of the orders' created day for the stale-day check: nothing on DuckDB;
- ``repeatable_read``: a transaction's statements read one snapshot (a summary refresh writes three
  tables from the same orders): DuckDB's transactions always do, PostgreSQL's read-committed ones are
  raised to REPEATABLE READ for it;
- ``sort_indexes``: partial B-tree indexes that serve the Orders index's sorts with LIMIT and its counts
  by an index-only scan (newest first among the unarchived and the archived orders, per status, per
  carrier with the status included, per client), made by migration 6 (``migrations.v6_sort_indexes``): none on
  DuckDB (it gains nothing: a top-N over its columns), and on PostgreSQL, which otherwise read and sorted
  every unarchived order for a page of 50 (280 ms at 1,000,000 orders);
- ``search_in_one_scan``: whether a search's matches are gathered once (``WITH ... AS MATERIALIZED``) and
  then counted and paged (DuckDB: one scan of the text columns), or counted and paged by two queries
  like the unsearched index (PostgreSQL: the count is an index-only scan and the page walks the newest
  first index until it has 50 matches; materializing a carrier's 150,000 orders took 360 ms);
- ``search_clients_inline``: whether a search's clients are a subquery on their names (DuckDB: a hash join
  over the orders, 40 ms at 10,000,000 orders where a list of 16,000 ids took 54) or the list of their ids
  (PostgreSQL: ``in_array``);
- ``pages_by_buckets``: whether a page past the first counts the matching orders per
  bucket of its sort key first and reads the page from those buckets only (DuckDB, which sorts every
  match for an OFFSET: ``orders.index_buckets``), or reads along its sort index (PostgreSQL);
- ``order_counts``: a summary of how many orders there are per archived or not, status and slot (16
  slots, by order id, so that concurrent writers of new orders seldom wait on one row), made by
  migration 7 (``migrations.v7_order_counts``) on PostgreSQL only and kept exact by triggers on ``orders``
  (for each INSERT, UPDATE, DELETE statement, from its transition tables, in the writer's own
  transaction, so a rollback takes the change back with it; TRUNCATE empties it). The index counts
  an unfiltered view from it (``index._list_orders``): an index-only count of 909,000 unarchived orders
  took 70-150 ms. DuckDB has none (``order_counts_tables`` is empty): its count is a column scan;
- ``order_days``, ``days_counted``: each created day's orders and version sum, which say which Metrics
  summaries are stale: kept by triggers on PostgreSQL (``storage.order_days``, migration 15), grouped
  from the orders on DuckDB;
- ``enum_in(column, enum_type)``: ``column IN`` a list of ENUM labels given as one parameter: DuckDB
  looks the text up in the list (``list_contains``: a filter on the column, so a top-N stays a top-N; as
  ``IN (SELECT unnest(...))`` it was a join, and the first page of Shipped + UPS orders in 2025 took 30 ms
  instead of 5 at 10,000,000 orders); PostgreSQL compares the ENUM values (``= ANY``), which an index on the
  column serves (a cast to text hides it);
- ``money_text(expr)``: an amount as text with thousands separators and two decimals ("1,234.50"):
  DuckDB's ``printf('%,.2f', x)``, PostgreSQL's ``to_char(x, 'FM...990.00')`` (separators written
  out, not the locale's ``G``/``D``);
- ``date_text(expr)``: a date as ``YYYY-MM-DD`` text whatever the server's settings (``strftime``
  against ``to_char``);
- ``grams_text(expr)``: grams as ``formatting.grams(x, unit=False)`` writes them ("1,017", "16.429",
  "3.5": to the milligram, thousands separators, trailing zeros trimmed): DuckDB's ``format('{:,.3f}')``,
  PostgreSQL's ``to_char``; ``round_double(expr, digits)``: a number rounded and given as a float
  (PostgreSQL's ``round`` takes NUMERIC, never DOUBLE PRECISION);
- ``create_enum(name, values)``: the schema's ENUM types (DuckDB ``CREATE TYPE IF NOT EXISTS``;
  PostgreSQL has no ``IF NOT EXISTS`` for types, so a ``DO`` block that ignores ``duplicate_object``);
- ``lock_row``: the clause that locks a row read in order to change it (``FOR UPDATE`` on PostgreSQL;
  nothing on DuckDB, whose optimistic concurrency makes the later UPDATE conflict instead);
- the catalogue (which tables and views a database holds) and the schema lock; ``analyze(cur, table)``:
  statistics for a temporary table a query has just filled (PostgreSQL plans the queries that read it
  with them; DuckDB needs nothing);
- which driver errors are a conflict with another writer (retried) or a duplicate key.

Decisions:
- The ENUM types stay ENUM types on PostgreSQL (not VARCHAR with CHECKs): a status sorts in the
  lifecycle's order on both engines (the Orders index sorts by it) and an unknown value is refused
  by the type on both.
- PostgreSQL runs every transaction at READ COMMITTED with row locks where the rules need them
  (``allowance_ledger``); the driver's conflicts (``SerializationFailure``, ``DeadlockDetected``, and
  a ``UniqueViolation`` raised through ``db.claim_key``) are retried by ``db.run_write``.
- Upgrading the schema takes a PostgreSQL advisory lock, so several app servers starting at once
  upgrade the database once; DuckDB needs none (one process holds the file).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from orders_core.storage import client_search as client_search_sql
from orders_core.storage import metrics_masks as metrics_masks_sql
from orders_core.storage import order_counts as order_counts_sql
from orders_core.storage import order_days as day_counts
from orders_core.storage import order_summaries
from orders_core.storage import sales_days as sales_days_sql

SCHEMA_LOCK_KEY = 7_150_015  # the advisory lock the schema upgrade holds on PostgreSQL (any fixed number)


@dataclass(frozen=True)
class Dialect:
    name: str

    def quote_values(self, values: tuple[str, ...]) -> str:
        return ", ".join("'" + v.replace("'", "''") + "'" for v in values)

    @property
    def summary_tables(self) -> tuple[str, ...]:
        """Every summary of the orders the engine keeps by triggers (a database's own tables, not foreign)."""
        return (*self.order_counts_tables, *self.order_days_tables, *self.search_counts_tables,
                *self.sales_days_tables, *self.client_search_tables)

    @property
    def own_tables(self) -> tuple[str, ...]:
        """The tables this engine alone has (not in the schema DuckDB builds)."""
        return (*self.summary_tables, *self.metrics_masks_tables)


class DuckDBDialect(Dialect):
    """DuckDB 2.x, the embedded default."""

    preamble = ""  # nothing to install before the schema
    search_indexes = ""  # a columnar scan: no index serves a substring search
    lookup_indexes = ""  # none: DuckDB scans its columns for these lookups, as it always has
    metrics_indexes = ""  # none: the Metrics page's range scans read DuckDB's columns (and zone maps)
    summary_indexes = ""  # none: a stale day's summary rows are found by DuckDB's zone maps
    lock_row = ""  # optimistic: a concurrent UPDATE of the row conflicts (and is retried) instead
    sort_indexes = ""  # none: a top-N over DuckDB's columns serves the Orders index's sorts
    search_in_one_scan = True  # a search scans the text columns once, then counts and pages its matches
    search_clients_inline = True  # the matching clients as a subquery (a hash join), not a list of their ids
    pages_by_buckets = True  # a page past the first counts per bucket first (orders.index_buckets)

    def enum_in(self, column: str, enum_type: str) -> str:
        return f"list_contains(?::VARCHAR[], {column}::VARCHAR)"

    order_counts_tables: tuple[str, ...] = ()  # no summary: DuckDB counts its columns (7-26 ms at 1,000,000)
    order_counts = ""
    order_days_tables: tuple[str, ...] = ()  # none: DuckDB groups its orders by day in 30 ms at 10,000,000
    order_days = ""
    days_counted = day_counts.COUNTED_DAYS
    search_counts_tables: tuple[str, ...] = ()  # none: DuckDB counts a search's matches in its one scan
    search_counts = ""
    sales_days_tables: tuple[str, ...] = ()  # none: DuckDB's CTLS report reads a month's lines in 0.3 s at 10,000,000
    sales_days = ""
    tracking_grams_tables = ("tracking_grams",)  # the tracking numbers' signatures a search reads first
    metrics_masks_tables: tuple[str, ...] = ()  # none: DuckDB reads the categories' daily rows in 0.3 s at 10M
    client_search_tables: tuple[str, ...] = ()  # none: DuckDB counts a name search's orders in its one scan
    client_search = ""

    def fold(self, expr: str) -> str:
        return f"lower(strip_accents({expr}))"

    def list_agg(self, expr: str, order_by: str) -> str:
        return f"list({expr} ORDER BY {order_by})"

    def list_of(self, expr: str) -> str:
        return f"list({expr})"

    def in_array(self, column: str, sql_type: str) -> str:
        return f"{column} IN (SELECT unnest(?::{sql_type}[]))"

    def array_contains(self, array: str, value: str) -> str:
        return f"list_contains({array}, {value})"

    def array_length(self, array: str) -> str:
        return f"len({array})"

    def int_div(self, a: str, b: str) -> str:
        return f"(({a}) // ({b}))"

    def temp_table_as(self, name: str, select: str) -> str:
        return f"CREATE OR REPLACE TEMP TABLE {name} AS {select}"

    @contextmanager
    def frame_table(self, cur, name: str, frame, types: dict[str, str]) -> Iterator[None]:
        cur.register(name, frame)
        try:
            yield
        finally:
            cur.unregister(name)

    def contains(self, text: str, part: str) -> str:
        return f"contains({text}, {part})"

    def money_text(self, expr: str) -> str:
        return f"printf('%,.2f', {expr})"

    def date_text(self, expr: str) -> str:
        return f"strftime({expr}, '%Y-%m-%d')"

    def grams_text(self, expr: str) -> str:
        return f"rtrim(rtrim(format('{{:,.3f}}', round(({expr})::DECIMAL(18, 3), 3)::DOUBLE), '0'), '.')"

    def round_double(self, expr: str, digits: int) -> str:
        return f"round(({expr})::DOUBLE, {digits})"

    def create_enum(self, name: str, values: tuple[str, ...]) -> str:
        return f"CREATE TYPE IF NOT EXISTS {name} AS ENUM ({self.quote_values(values)});"

    @property
    def error(self) -> type[Exception]:
        return duckdb.Error

    def is_conflict(self, exc: BaseException) -> bool:
        text = str(exc).lower()
        # Two transactions inserting the same key: the second COMMIT fails; a retry re-reads and re-checks.
        return isinstance(exc, duckdb.TransactionException) and ("conflict" in text or "constraint violation" in text)

    def is_duplicate_key(self, exc: BaseException) -> bool:
        return isinstance(exc, duckdb.ConstraintException) and "duplicate key" in str(exc).lower()

    def catalogue(self, cur) -> tuple[set[tuple[str, str]], int, str]:
        """(schema, table) of every table, the number of views, and the schema our tables live in."""
        tables = {(r[0], r[1]) for r in cur.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND NOT temporary"
        ).fetchall()}
        views = cur.execute("SELECT count(*) FROM duckdb_views() "
                            "WHERE database_name = current_database() AND NOT internal AND NOT temporary").fetchall()
        return tables, views[0][0], "main"

    def main_tables(self, cur) -> set[str]:
        return {r[0] for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main'").fetchall()}

    def lock_schema(self, cur) -> None:
        """Nothing: one process holds a DuckDB file read-write."""

    def unlock_schema(self, cur) -> None:
        """Nothing to release."""

    def analyze(self, cur, table: str) -> None:
        """Nothing: DuckDB keeps a table's statistics as it is written."""

    def repeatable_read(self, cur) -> None:
        """Nothing: a DuckDB transaction reads one snapshot from its first statement to its last."""


ORDER_COUNTS_FILL = order_counts_sql.FILL


class PostgresDialect(Dialect):
    """PostgreSQL 13 or later (``unaccent`` is a trusted extension there: a database owner may create it)."""

    preamble = "CREATE EXTENSION IF NOT EXISTS unaccent;\n"
    lock_row = " FOR UPDATE"  # a row an action re-checks and then changes is locked when it is read
    sort_indexes = (  # the Orders index's sorts and counts (migration 6); the status one also serves Status descending
        "CREATE INDEX IF NOT EXISTS orders_open_created ON orders (created_at DESC, order_id DESC) "
        "WHERE archived_at IS NULL;\n"
        "CREATE INDEX IF NOT EXISTS orders_archived_created ON orders (created_at DESC, order_id DESC) "
        "WHERE archived_at IS NOT NULL;\n"
        "CREATE INDEX IF NOT EXISTS orders_open_status_created ON orders (status, created_at, order_id) "
        "WHERE archived_at IS NULL;\n"
        "CREATE INDEX IF NOT EXISTS orders_open_carrier_created ON orders (carrier, created_at DESC, order_id DESC) "
        "INCLUDE (status) WHERE archived_at IS NULL;\n"
        "CREATE INDEX IF NOT EXISTS orders_open_client_created ON orders (client_id, created_at DESC, order_id DESC) "
        "WHERE archived_at IS NULL;\n"
    )
    search_in_one_scan = False  # count (index-only) and page (the newest first index) as two queries
    search_clients_inline = False  # the matching clients' ids as one array: '= ANY' walks the newest first index
    pages_by_buckets = False  # a deep page reads along the sort index

    def enum_in(self, column: str, enum_type: str) -> str:
        return f"{column} = ANY(?::{enum_type}[])"

    order_counts_tables = ("order_counts",)  # the tables order_counts makes (a database's own, not foreign)
    order_counts = order_counts_sql.DDL
    order_days_tables = day_counts.TABLES  # each created day's orders and versions (storage.order_days)
    order_days = day_counts.DDL
    days_counted = day_counts.KEPT_DAYS
    search_counts_tables = order_summaries.TABLES  # each client's and carrier's orders (storage.order_summaries)
    search_counts = order_summaries.DDL
    sales_days_tables = sales_days_sql.TABLES  # each ship day's sales per province, CTLS category and SKU
    sales_days = sales_days_sql.DDL
    tracking_grams_tables: tuple[str, ...] = ()  # none: the trigram index serves a tracking number search
    metrics_masks_tables = metrics_masks_sql.TABLES  # Metrics rows per category filter and each day's totals
    # (reports.rollup_masks: derived from the daily summaries, written by a refresh)
    client_search_tables = client_search_sql.TABLES  # each client's name and open orders (storage.client_search)
    client_search = client_search_sql.DDL

    search_indexes = (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
        "CREATE INDEX IF NOT EXISTS clients_name_key_trgm ON clients USING gin (name_key gin_trgm_ops);\n"
        "CREATE INDEX IF NOT EXISTS orders_tracking_number_trgm ON orders USING gin (tracking_number gin_trgm_ops);\n"
    )
    metrics_indexes = (  # the Metrics page's date ranges: a week read 1.1-2.4 s of a million orders, 0.26 s with them
        "CREATE INDEX IF NOT EXISTS orders_created ON orders (created_at);\n"
        "CREATE INDEX IF NOT EXISTS orders_shipped ON orders (shipped_on);\n"
        "CREATE INDEX IF NOT EXISTS orders_delivered ON orders (delivered_on);\n"
    )
    summary_indexes = (  # migration 8 (metrics_rollup): a stale day's summary rows are found by their day
        "CREATE INDEX IF NOT EXISTS metrics_daily_day ON metrics_daily (created_on);\n"
        "CREATE INDEX IF NOT EXISTS metrics_daily_products_day ON metrics_daily_products (created_on);\n"
        "CREATE INDEX IF NOT EXISTS metrics_daily_coverage_day ON metrics_daily_coverage (created_on);\n"
        # The stale-day check groups every order by its created day: with statistics of that expression the
        # planner expects ~1,500 groups, not a million, and aggregates in parallel (350 ms -> 210 ms at
        # 1,000,000 orders). Expression statistics are PostgreSQL 14's.
        "DO $$ BEGIN IF current_setting('server_version_num')::INT >= 140000 THEN "
        "EXECUTE 'CREATE STATISTICS IF NOT EXISTS orders_created_day ON (created_at::DATE) FROM orders'; "
        "END IF; END $$;\n"
    )
    lookup_indexes = (
        "CREATE INDEX IF NOT EXISTS orders_client_created ON orders (client_id, created_at);\n"
        "CREATE INDEX IF NOT EXISTS orders_unarchived_status ON orders (status, order_id) WHERE archived_at IS NULL;\n"
        "CREATE INDEX IF NOT EXISTS order_events_order ON order_events (order_id);\n"
        "CREATE INDEX IF NOT EXISTS client_events_client ON client_events (client_id);\n"
        "CREATE INDEX IF NOT EXISTS prescriptions_client ON prescriptions (client_id);\n"
        "CREATE INDEX IF NOT EXISTS coverage_policies_client ON coverage_policies (client_id);\n"
        "CREATE INDEX IF NOT EXISTS picking_list_lines_order ON picking_list_lines (order_id);\n"
    )

    def fold(self, expr: str) -> str:
        return f"lower(unaccent({expr}))"

    def list_agg(self, expr: str, order_by: str) -> str:
        return f"array_agg({expr} ORDER BY {order_by})"

    def list_of(self, expr: str) -> str:
        return f"array_agg({expr})"

    def in_array(self, column: str, sql_type: str) -> str:
        return f"{column} = ANY(?::{sql_type}[])"

    def array_contains(self, array: str, value: str) -> str:
        return f"({value} = ANY({array}))"

    def array_length(self, array: str) -> str:
        return f"cardinality({array})"

    def int_div(self, a: str, b: str) -> str:
        return f"(({a}) / ({b}))"

    def temp_table_as(self, name: str, select: str) -> str:
        return f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {select}"

    @contextmanager
    def frame_table(self, cur, name: str, frame, types: dict[str, str]) -> Iterator[None]:
        columns = list(frame.columns)
        cur.execute(f"CREATE TEMP TABLE {name} ({', '.join(f'{c} ' + types.get(c, 'VARCHAR') for c in columns)}) "
                    "ON COMMIT DROP")
        values = frame.astype(object).where(frame.notna(), None)  # NaN and NaT are NULL; numpy values Python's
        cur.copy_rows(f"COPY {name} ({', '.join(columns)}) FROM STDIN", values.itertuples(index=False, name=None))
        yield

    def contains(self, text: str, part: str) -> str:
        plain = rf"replace(replace(replace({part}, '\', '\\'), '%', '\%'), '_', '\_')"
        return f"({text} LIKE ('%' || {plain} || '%'))"

    def money_text(self, expr: str) -> str:
        return f"to_char({expr}, 'FM999,999,999,999,990.00')"

    def date_text(self, expr: str) -> str:
        return f"to_char({expr}, 'YYYY-MM-DD')"

    def grams_text(self, expr: str) -> str:
        return f"rtrim(rtrim(to_char(round(({expr})::NUMERIC, 3), 'FM999,999,999,990.000'), '0'), '.')"

    def round_double(self, expr: str, digits: int) -> str:
        return f"round(({expr})::NUMERIC, {digits})::DOUBLE PRECISION"

    def create_enum(self, name: str, values: tuple[str, ...]) -> str:
        return (f"DO $$ BEGIN CREATE TYPE {name} AS ENUM ({self.quote_values(values)}); "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$;")

    # psycopg is imported only when PostgreSQL is in use: a DuckDB process never loads the driver.
    @property
    def error(self) -> type[Exception]:
        import psycopg

        return psycopg.Error

    def is_conflict(self, exc: BaseException) -> bool:
        from psycopg import errors

        return isinstance(exc, errors.SerializationFailure | errors.DeadlockDetected)

    def is_duplicate_key(self, exc: BaseException) -> bool:
        from psycopg import errors

        return isinstance(exc, errors.UniqueViolation)

    _RELATIONS = """
        SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition  -- a partition is its table's
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
    """

    def catalogue(self, cur) -> tuple[set[tuple[str, str]], int, str]:
        rows = cur.execute(self._RELATIONS).fetchall()
        main = cur.execute("SELECT current_schema()").fetchall()[0][0]
        tables = {("main" if s == main else s, t) for s, t, kind in rows if kind in ("r", "p", "f")}
        return tables, sum(1 for r in rows if r[2] in ("v", "m")), main

    def main_tables(self, cur) -> set[str]:
        return {r[0] for r in cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = current_schema()").fetchall()}

    def lock_schema(self, cur) -> None:
        cur.execute(f"SELECT pg_advisory_lock({SCHEMA_LOCK_KEY})").fetchall()

    def unlock_schema(self, cur) -> None:
        cur.execute(f"SELECT pg_advisory_unlock({SCHEMA_LOCK_KEY})").fetchall()

    def repeatable_read(self, cur) -> None:
        """This transaction's statements read one snapshot (the first statement after BEGIN; a row another
        transaction changed meanwhile is then a serialization failure, which ``run_write`` retries)."""
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").fetchall()

    def analyze(self, cur, table: str) -> None:
        """Statistics for a table just filled (autovacuum never analyzes a temporary table)."""
        cur.execute(f"ANALYZE {table}").fetchall()


DUCKDB = DuckDBDialect("duckdb")
POSTGRES = PostgresDialect("postgresql")


def of(cur) -> Dialect:
    """The dialect of a cursor: DuckDB's own connection objects, or our PostgreSQL cursor (``db_postgres``)."""
    if isinstance(cur, duckdb.DuckDBPyConnection):
        return DUCKDB
    return cur.dialect


def driver_errors() -> tuple[type[Exception], ...]:
    """The base error classes of the engines' drivers (psycopg is imported only when it is asked for)."""
    return (DUCKDB.error, POSTGRES.error)


def is_postgres_url(target: str | None) -> bool:
    return bool(target) and target.split("://", 1)[0].lower() in ("postgresql", "postgres")
