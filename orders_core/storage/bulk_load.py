"""Loading a DuckDB orders database into an empty PostgreSQL one in bulk, with COPY.

``orders-core demo --db postgresql://...`` builds the demo as for a file (``demo.generate`` in a DuckDB
file in a temporary folder: the same seeded, deterministic data through the same rules), then
``load(path, database)`` moves every row into the PostgreSQL database; the test suite's PostgreSQL
demo (``tests/conftest.py``) is loaded the same way.

How (one transaction: a failure or an interruption leaves the database without a row of the demo; a
database that had no tables at all keeps the empty schema ``orders-core demo`` made in it first):
- DuckDB writes each table to a CSV file (its own parallel writer, in a thread, while PostgreSQL reads
  the previous table), and PostgreSQL reads it with ``COPY t (columns) FROM STDIN (FORMAT csv, FREEZE)``:
  no value goes through Python. NULL is an unquoted empty field and an empty string a quoted one in
  both engines' CSV; list columns are written as PostgreSQL array literals.
- In the transaction, every table of the schema is locked, found empty again (``problem``), emptied
  (``TRUNCATE``, so that ``COPY FREEZE`` may write the rows frozen and no later vacuum has to), and
  its foreign keys and the indexes that are not keys (the search's trigram indexes) are dropped; the
  rows are copied; then the indexes are built and the foreign keys added back, each checked once over
  the whole table (faster than a check per row, and as strict). The primary keys and CHECK constraints
  stay in place and check every row as it arrives.
- Each sequence is set to give next what it gives next in the DuckDB database.
- The triggers that keep ``sales_days`` are paused during the copy and the table counted once at its end
  (the other summaries' statement triggers see each table's rows once, in one statement). The Metrics
  rows per category filter start empty (none built) and their daily totals are summed from the copied
  ``metrics_daily`` (``reports.rollup_masks``).
- ``app_meta`` and ``schema_migrations`` are the target's own record of its schema and are kept; the
  rows the schema itself writes (``carriers``, ``staff_revision``) are replaced by the source's.
- After the commit, ``ANALYZE`` gives the planner the statistics of the tables that received rows.

Decision: a PostgreSQL database receives the demo only when it holds no data (``problem``: no row in
any table but the ones the schema writes itself), with or without ``--force``. Replacing a DuckDB file
with ``--force`` loses nothing that is not in the file being replaced; emptying a shared server's
database is left to its administrator (``dropdb`` / ``createdb``), not to a demo command.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from orders_core.storage import metrics_masks, sales_days
from orders_core.storage.dialect import DUCKDB, POSTGRES, of

SCHEMA_RECORDS = ("app_meta", "schema_migrations")  # the target's own record of its schema: kept
SCHEMA_ROWS = ("carriers", "staff_revision", "metrics_rollup_state")  # rows the schema writes: replaced by the source's
CHUNK = 1 << 20


def _our_tables(cur) -> list[str]:
    """The tables of the target's schema, as ``dialect.main_tables`` lists them."""
    return sorted(of(cur).main_tables(cur))


def problem(cur, where: str, force: bool = False) -> str | None:
    """Why the demo may not be loaded into the PostgreSQL database ``cur`` is on (None: it may): one sentence."""
    for table in _our_tables(cur):
        if table in SCHEMA_RECORDS or table in SCHEMA_ROWS or table in POSTGRES.own_tables:
            continue  # (the summary of the orders keeps a row of 0 where every order of a key was deleted)
        if cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchall()[0][0]:  # our own table names
            why = ("--force replaces a DuckDB file but never empties a PostgreSQL database" if force
                   else "demo data goes into an empty database")
            return (f"The database {where} already holds data (its {table} table has rows), so the demo was not "
                    f"loaded: {why}; drop it and create an empty one (dropdb, createdb), or give another --db.")
    return None


class LoadRefused(Exception):
    """The target database holds data (found in the load's own transaction); nothing was written."""


def load(source: Path | str, database, *, where: str | None = None) -> dict[str, int]:
    """Every row of the DuckDB orders database at ``source`` into ``database`` (a ``PostgresDatabase`` whose
    schema is made and holds no data); returns the rows copied per table. ``LoadRefused`` when it holds data."""
    src = duckdb.connect(str(source), read_only=True)
    try:
        tables = [r[0] for r in src.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_oid").fetchall()]
        tables = [t for t in tables if t not in SCHEMA_RECORDS and t not in DUCKDB.tracking_grams_tables]
        sequences = src.execute("SELECT sequence_name, coalesce(last_value + increment_by, start_value) "
                                "FROM duckdb_sequences() WHERE schema_name = 'main'").fetchall()
        selects = {t: _select(src, t) for t in tables}
        with tempfile.TemporaryDirectory(prefix="orders-load-") as folder, \
                ThreadPoolExecutor(max_workers=1) as exporter:
            exports = {t: exporter.submit(_export, src.cursor(), selects[t][1], Path(folder) / f"{t}.csv")
                       for t in tables}
            try:
                with database.pool.connection() as conn:
                    counts = _copy(conn, tables, selects, exports, sequences, where or database.path)
                    conn.execute(f"ANALYZE {', '.join(t for t, n in counts.items() if n)}")
            finally:
                for export in exports.values():
                    export.cancel()
    finally:
        src.close()
    return counts


def _select(src, table: str) -> tuple[list[str], str]:
    """The table's column names and the SELECT that writes its rows as PostgreSQL reads them."""
    columns = src.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? "
        "ORDER BY column_index", [table]).fetchall()
    exprs = [f"'{{' || array_to_string({name}, ',') || '}}'" if kind.endswith("[]") else name
             for name, kind in columns]
    return [c[0] for c in columns], f"SELECT {', '.join(exprs)} FROM {table}"


def _export(cur, select: str, path: Path) -> tuple[Path, int]:
    rows = cur.execute(f"COPY ({select}) TO '{path}' (FORMAT csv, HEADER false)").fetchall()
    cur.close()
    return path, int(rows[0][0]) if rows else 0


def _copy(conn, tables, selects, exports, sequences, where: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with conn.transaction(), conn.cursor() as cur:
        ours = [r[0] for r in cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()").fetchall()]
        cur.execute(f"LOCK TABLE {', '.join(ours)} IN ACCESS EXCLUSIVE MODE")
        refused = problem(_Plain(cur), where)
        if refused:
            raise LoadRefused(refused)
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        foreign_keys = cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY oid").fetchall()
        indexes = cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT c.relispartition "  # (dropped and made with its table's)
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)").fetchall()
        for table, name, _ in foreign_keys:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {name}")
        # The Metrics rows per category filter are derived from the daily summaries being replaced: none kept.
        cur.execute(f"TRUNCATE {', '.join([*tables, *POSTGRES.metrics_masks_tables])}")
        kept_after = _pause_sales_days(cur)
        for table in tables:
            path, rows = exports[table].result()
            columns = ", ".join(selects[table][0])
            if rows:
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, FREEZE)") as copy, \
                        path.open("rb") as data:
                    while chunk := data.read(CHUNK):
                        copy.write(chunk)
            path.unlink(missing_ok=True)
            counts[table] = rows
        for _, definition in indexes:
            cur.execute(definition)
        for table, name, definition in foreign_keys:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for name, value in sequences:
            cur.execute("SELECT setval(%s, %s, false)", [name, value])
        for table, trigger in kept_after:
            cur.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{trigger}"')
        if kept_after:
            cur.execute(sales_days.FILL)
        cur.execute(metrics_masks.FILL_DAYS)  # the Metrics summaries' daily totals, from the rows copied
    return counts


def _pause_sales_days(cur) -> list[tuple[str, str]]:
    """Disable, in the load's transaction, the triggers that keep ``sales_days``; the load counts it once at its
    end (``sales_days.FILL``). Kept row by statement, the lines' COPY compared every line with every other:
    the 1,000,000-order demo took 79 s to load instead of 53."""
    paused = cur.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgname LIKE %s AND c.relnamespace = current_schema()::regnamespace "
        "ORDER BY 1, 2", [f"{sales_days.TABLE}\\_%"]).fetchall()
    for table, trigger in paused:
        cur.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{trigger}"')
    return paused


class _Plain:
    """A psycopg cursor seen as ``dialect.of`` and ``problem`` see a ``PgCursor`` (no parameters needed)."""

    def __init__(self, cur):
        self.dialect = POSTGRES
        self._cur = cur

    def execute(self, sql: str, params=None):
        self._cur.execute(sql, params)
        return self._cur

