"""The database interface: one connection (or pool) per process, a cursor per session or thread, one write path.

``open_database(target)`` picks the engine: a DuckDB file (``Database``, here, the default) or, for a
``postgresql://`` URL, ``db_postgres.PostgresDatabase`` with the same interface. The fetch helpers,
``run_write``, ``claim_key``, ``next_id`` and ``record_event`` below take a cursor of either engine;
where the engines' SQL differs, queries ask ``dialect``.

DuckDB lets a single process open a database file read-write. Inside that process the
connection is shared; every session or thread takes its own cursor (``Database.cursor``).
Writes go through ``Database.write``: one transaction, retried when DuckDB reports a
transaction conflict with another cursor (or our code raises ``WriteConflict``), never dropped;
the retry runs the whole work again, so it re-reads and re-checks (see ``allowance_ledger``).
"""

from __future__ import annotations

import functools
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb
import pandas as pd

from orders_core.storage import dialect
from orders_core.storage.dialect import is_postgres_url
from orders_core.storage.migrations import SCHEMA_VERSION, SchemaError, upgrade

if TYPE_CHECKING:
    from orders_core.staff.members import Person

T = TypeVar("T")

DEFAULT_DB_PATH = "data/orders.duckdb"
WRITE_RETRIES = 20
BUSY = ("Other changes to the same records kept getting in first, so nothing was saved; "
        "look at the record again and retry.")


class DatabaseError(Exception):
    """A database that cannot be used, explained in one sentence for the user."""


class DatabaseInUse(DatabaseError):
    """The database file is held by another program (DuckDB lets one process open it read-write)."""


class WriteConflict(Exception):
    """A conflict with a concurrent writer that our own code detected (``run_write`` retries it like DuckDB's)."""


@functools.cache
def known_tables() -> frozenset[str]:
    """The names of every table the orders schema makes (read from a schema built in memory)."""
    con = duckdb.connect(":memory:")
    try:
        upgrade(con)
        return frozenset(r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall())
    finally:
        con.close()


def default_db_path() -> str:
    return os.environ.get("ORDERS_DB", DEFAULT_DB_PATH)


def explain_failure(exc: BaseException, path: str | None = None) -> str | None:
    """One sentence for a permanent database failure (read-only folder, full disk, damaged file), else None."""
    if not isinstance(exc, duckdb.Error | OSError | WriteConflict) and type(exc).__module__.startswith("psycopg"):
        from orders_core.storage.postgres import explain_failure as explain_postgres

        return explain_postgres(exc, path)
    text = str(exc)
    low = text.lower()
    where = f" {path}" if path else ""
    if "permission denied" in low or "read-only file system" in low:
        return (f"The database folder{' of ' + path if path else ''} is read-only: nothing was saved; "
                "ask for write access to it.")
    if "no space left" in low or "disk full" in low:
        return "The disk that holds the database is full: nothing was saved; free some space and try again."
    if ("corrupt" in low or "checksum" in low or "invalidated" in low
            or isinstance(exc, duckdb.FatalException | duckdb.InternalException)):
        return f"The database{where} is damaged: restore it from a backup."
    return None


def explain_open_error(path: str, exc: Exception) -> str:
    """Turn DuckDB's error on opening ``path`` into one sentence a user can act on."""
    text = str(exc)
    if "Could not set lock" in text or "Conflicting lock" in text:
        pid = re.search(r"PID (\d+)", text)
        holder = f" (process {pid.group(1)})" if pid else ""
        return (
            f"The database {path} is already open in another program{holder}; "
            "stop that program (for example the running app) and try again."
        )
    if "version number" in text or "newer" in text.lower():
        return (
            f"The database {path} was written by a newer version of DuckDB than this one; "
            "upgrade the orders module (pip install -U duckdb) to open it."
        )
    if "Corrupt database file" in text:
        return f"The database {path} is damaged (its checksums do not match); restore it from a backup."
    if "not a valid DuckDB database" in text:
        return f"The file {path} is not an orders database (it is not a DuckDB file)."
    if "does not exist" in text:
        return f"The database {path} does not exist; create one with `orders-core init` or `orders-core demo`."
    return f"The database {path} could not be opened: {text.splitlines()[0]}"


def open_database(target: str | None = None, **options) -> Database:
    """The orders database ``target`` names (default ``$ORDERS_DB``): a DuckDB file, or a PostgreSQL database
    when it is a ``postgresql://`` URL (``db_postgres.PostgresDatabase``: the same interface). ``options`` are
    ``Database``'s: ``create``, ``read_only``, ``new_only``."""
    target = target or default_db_path()
    if is_postgres_url(target):
        from orders_core.storage.postgres import PostgresDatabase

        return PostgresDatabase(target, **options)
    return Database(target, **options)


def check_ours(cur, path: str) -> bool:
    """Refuse (DatabaseError, writing nothing) a database that is not ours; True when it has no table.

    Ours: an ``app_meta`` with a schema version this code reads, no table that is not one of ours (in the
    schema our tables live in, or any other) and no view. The same rule on both engines (``dialect.catalogue``)."""
    tables, views, _ = dialect.of(cur).catalogue(cur)
    if not tables and not views:
        return True
    version = None
    if ("main", "app_meta") in tables:
        version = fetch_value(cur, "SELECT max(value) FROM app_meta WHERE key = 'schema_version'")
    ours = known_tables() | set(dialect.of(cur).order_counts_tables)  # and the summary PostgreSQL keeps (migration 7)
    foreign = sorted(f"{s}.{t}" if s != "main" else t for s, t in tables - {("main", t) for t in ours})
    if version is None or not (str(version).isascii() and str(version).isdigit()) or views:
        example = f" (it has tables of its own, such as {foreign[0]!r})" if foreign else ""
        raise DatabaseError(
            f"{path} is not an orders database{example}; nothing in it was changed. Point --db "
            "or ORDERS_DB at an orders database, or create one with `orders-core init`."
        )
    if int(version) > SCHEMA_VERSION:
        raise DatabaseError(
            f"The database {path} was made by a newer version of the orders module "
            f"(schema {version}, this one reads {SCHEMA_VERSION}); upgrade to open it."
        )
    if foreign:
        raise DatabaseError(
            f"{path} is not only an orders database: it has tables of its own, such as "
            f"{foreign[0]!r}; nothing in it was changed. Keep the orders database in a file of its own."
        )
    return False


class Database:
    """The process's one connection to the orders database (DuckDB; ``open_database`` picks the engine).

    What it opens (issue 11): a file that is an orders database (an ``app_meta`` table with our
    schema version, and no table that is not one of ours) is opened and brought up to date. Anything
    else is refused in one sentence and left byte-for-byte as it was: another program's DuckDB file,
    a file that is not DuckDB at all, a folder. Only a new file, an empty (0-byte) file or a DuckDB
    file without a single table gets the schema, and only when ``create`` is true (``orders-core init``,
    ``orders-core demo``, tests); the app and the other commands pass ``create=False``. ``new_only``
    also refuses an orders database that already has tables (``orders-core init``).
    """

    def __init__(self, path: str | None = None, *, create: bool = True, read_only: bool = False,
                 new_only: bool = False):
        self.path = path or default_db_path()
        self._refuse_unusable_path(create)
        if self.path != ":memory:" and create and not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            if Path(self.path).exists() and Path(self.path).stat().st_size == 0:
                Path(self.path).unlink()  # DuckDB cannot open a 0-byte file; it holds nothing to keep
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            in_use = "Could not set lock" in str(exc) or "Conflicting lock" in str(exc)
            raise (DatabaseInUse if in_use else DatabaseError)(explain_open_error(self.path, exc)) from exc
        try:
            empty = self._check_ours()
        except duckdb.Error as exc:
            self.con.close()
            raise DatabaseError(explain_failure(exc, self.path) or explain_open_error(self.path, exc)) from exc
        if new_only and not empty:
            self.con.close()
            raise DatabaseError(f"{self.path} already holds an orders database; nothing in it was changed.")
        if empty and not create:
            self.con.close()
            raise DatabaseError(
                f"The database {self.path} is empty (it holds no orders tables); "
                "create one with `orders-core init` or `orders-core demo`."
            )
        if not read_only:  # checks above first: nothing is written to a database that is not ours
            try:
                upgrade(self.con)
            except SchemaError as exc:
                self.con.close()
                raise DatabaseError(f"The database {self.path} {exc.reason}") from exc

    def _refuse_unusable_path(self, create: bool) -> None:
        if self.path == ":memory:":
            return
        try:
            self.path.encode("utf-8")
        except UnicodeEncodeError:
            raise DatabaseError(
                "The database path is not valid UTF-8; rename the file or folder, or choose another."
            ) from None
        p = Path(self.path)
        if p.is_dir():
            raise DatabaseError(f"{self.path} is a folder, not a database file; give the database file's path.")
        if not create and (not p.exists() or p.stat().st_size == 0):
            what = "does not exist" if not p.exists() else "is an empty file"
            raise DatabaseError(
                f"The database {self.path} {what}; create one with `orders-core init` or `orders-core demo`."
            )

    def _check_ours(self) -> bool:
        """Refuse (closing the connection, writing nothing) a database that is not ours; True when it has no table."""
        try:
            return check_ours(self.con, self.path)
        except DatabaseError:
            self.con.close()
            raise

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for one session or thread."""
        return self.con.cursor()

    def checkpoint(self) -> None:
        """Write the log into the file (a new file is then complete on its own)."""
        self.con.execute("CHECKPOINT")

    def write(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``work(cursor)`` in one transaction; retry it on a transaction conflict."""
        return run_write(self.cursor(), work)

    def serve_backups(self) -> None:
        """Answer ``orders-core backup`` while this process holds the file (``orders_core.storage.backup``)."""
        from orders_core.storage.backup import BackupService

        self._backups = BackupService(self).start()

    def close(self) -> None:
        if getattr(self, "_backups", None):
            self._backups.stop()
        self.con.close()


def claim_key(cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> None:
    """Run an INSERT or UPDATE that takes a unique key its transaction has just checked was free.

    A concurrent writer may take the key between that check and this write; DuckDB then raises
    ``ConstraintException`` ("Duplicate key") for a row the other has committed or is committing. That is
    a conflict, not a bad row: ``WriteConflict`` makes ``run_write`` retry, and the retry's check says
    who has the key, in a sentence."""
    try:
        cur.execute(sql, params or []).fetchall()
    except dialect.of(cur).error as exc:
        if not dialect.of(cur).is_duplicate_key(exc):  # PostgreSQL: UniqueViolation, after the other commits
            raise
        raise WriteConflict(str(exc)) from exc


def is_conflict(exc: BaseException) -> bool:
    """A transaction conflict with another cursor (worth retrying), as opposed to a permanent failure."""
    if isinstance(exc, WriteConflict):
        return True
    engine = dialect.DUCKDB if isinstance(exc, duckdb.Error) else dialect.POSTGRES
    return engine.is_conflict(exc)


def run_write(cur: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run ``work(cur)`` inside BEGIN/COMMIT; only a transaction conflict rolls back and retries.

    On either engine (``dialect``): DuckDB's transaction conflicts, PostgreSQL's serialization failures
    and deadlocks, and ``WriteConflict`` (a duplicate key through ``claim_key``) are conflicts.

    A permanent failure (a read-only folder, a full disk, a damaged file: ``explain_failure``) is
    DatabaseError with one sentence at once; any other error is raised as it is."""
    errors = (dialect.of(cur).error, WriteConflict)
    for attempt in range(WRITE_RETRIES):
        try:
            cur.execute("BEGIN TRANSACTION")
            result = work(cur)
            cur.execute("COMMIT")
            return result
        except errors as exc:
            _rollback(cur)
            if is_conflict(exc):
                if attempt < WRITE_RETRIES - 1:
                    # Jittered exponential backoff: writers that conflicted together must not retry in step.
                    time.sleep(random.uniform(0, min(0.25, 0.005 * 2**attempt)))
                    continue
                raise DatabaseError(BUSY) from exc
            sentence = explain_failure(exc)
            if sentence:
                raise DatabaseError(sentence) from exc
            raise
        except BaseException:
            _rollback(cur)
            raise
    raise AssertionError("unreachable")


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except dialect.of(cur).error:
        pass


def fetch_one(cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row of a result (or None), having read the result to the end as DuckDB 2.x requires."""
    rows = cur.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def fetch_value(cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first column of the first row (or None)."""
    row = fetch_one(cur, sql, params)
    return row[0] if row else None


def fetch_frame(cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    """The whole result as a DataFrame; DECIMAL columns arrive as exact ``Decimal`` values."""
    if not isinstance(cur, duckdb.DuckDBPyConnection):
        return cur.fetch_frame(sql, params)  # db_postgres.PgCursor
    return cur.sql(sql, params=params or []).to_arrow_table().to_pandas()


def iter_frames(
    cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None, batch: int = 50_000
) -> Iterator[pd.DataFrame]:
    """The result a batch at a time, read to the end."""
    if not isinstance(cur, duckdb.DuckDBPyConnection):
        yield from cur.iter_frames(sql, params, batch)  # db_postgres.PgCursor
        return
    for chunk in cur.sql(sql, params=params or []).to_arrow_reader(batch):
        yield chunk.to_pandas()


def in_list(column: str, values, sql_type: str = "VARCHAR") -> tuple[str, list]:
    """``column IN`` a list passed as one parameter (``column`` and ``sql_type`` are ours, never user text)."""
    return f"{column} IN (SELECT unnest(?::{sql_type}[]))", [list(values)]


def next_id(cur: duckdb.DuckDBPyConnection, sequence: str) -> int:
    """The next value of one of the schema's sequences (the name is ours, never user text)."""
    return fetch_value(cur, f"SELECT nextval('{sequence}')")


def record_event(
    cur: duckdb.DuckDBPyConnection, order_id: int, actor: Person, kind: str, details: str = ""
) -> None:
    """Append one row to the order's event history (inside the caller's transaction): who (name and
    e-mail as they are now), what."""
    cur.execute(
        "INSERT INTO order_events (event_id, order_id, event_at, actor, kind, details, actor_email) "
        "VALUES (nextval('event_ids'), ?, now()::TIMESTAMP, ?, ?, ?, ?)",
        [order_id, actor.name, kind, details, actor.email],
    )
