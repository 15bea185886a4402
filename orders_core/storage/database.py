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

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

from orders_core.storage.backup import BackupService
from orders_core.storage.cursor import Cursor
from orders_core.storage.dialect import is_postgres_url
from orders_core.storage.errors import DatabaseError, DatabaseInUse, explain_failure
from orders_core.storage.migrations import SchemaError, upgrade
from orders_core.storage.ownership import check_ours
from orders_core.storage.transactions import run_write

T = TypeVar("T")

DEFAULT_DB_PATH = "data/orders.duckdb"


def default_db_path() -> str:
    return os.environ.get("ORDERS_DB", DEFAULT_DB_PATH)


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
        # Imported here only: a DuckDB deployment never loads the PostgreSQL driver and its pool.
        from orders_core.storage.postgres import PostgresDatabase

        return PostgresDatabase(target, **options)
    return Database(target, **options)


class Database:
    """The process's one connection to the orders database (DuckDB; ``open_database`` picks the engine).

    What it opens: a file that is an orders database (an ``app_meta`` table with our
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

    def write(self, work: Callable[[Cursor], T]) -> T:
        """Run ``work(cursor)`` in one transaction; retry it on a transaction conflict."""
        return run_write(self.cursor(), work)

    def serve_backups(self, make_copy) -> None:
        """Answer ``orders-core backup`` while this process holds the file (``storage.backup``); ``make_copy``
        checks who asks and writes the copy."""
        self._backups = BackupService(self, make_copy).start()

    def close(self) -> None:
        if getattr(self, "_backups", None):
            self._backups.stop()
        self.con.close()
