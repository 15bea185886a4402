"""One DuckDB connection per process, a cursor per session or thread, one write path.

DuckDB lets a single process open a database file read-write. Inside that process the
connection is shared; every session or thread takes its own cursor (``Database.cursor``).
Writes go through ``Database.write``: one transaction, retried when DuckDB reports a
transaction conflict with another cursor, never dropped.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from .schema import SCHEMA_VERSION, create_schema

T = TypeVar("T")

DEFAULT_DB_PATH = "data/orders.duckdb"
WRITE_RETRIES = 20


class DatabaseError(Exception):
    """A database that cannot be used, explained in one sentence for the user."""


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
        return f"The database {path} does not exist; create one with `orders-core demo`."
    return f"The database {path} could not be opened: {text.splitlines()[0]}"


class Database:
    """The process's one connection to the orders database."""

    def __init__(self, path: str | None = None, *, create: bool = True, read_only: bool = False):
        self.path = path or default_db_path()
        if not create and not Path(self.path).exists():
            raise DatabaseError(
                f"The database {self.path} does not exist; create one with `orders-core demo`."
            )
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise DatabaseError(explain_open_error(self.path, exc)) from exc
        if not read_only:
            self._check_schema_version()
            create_schema(self.con)

    def _check_schema_version(self) -> None:
        try:
            row = fetch_one(self.con, "SELECT value FROM app_meta WHERE key = 'schema_version'")
        except duckdb.CatalogException:
            return
        if row and int(row[0]) > SCHEMA_VERSION:
            self.con.close()
            raise DatabaseError(
                f"The database {self.path} was made by a newer version of the orders module "
                f"(schema {row[0]}, this one reads {SCHEMA_VERSION}); upgrade to open it."
            )

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for one session or thread."""
        return self.con.cursor()

    def write(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``work(cursor)`` in one transaction; retry it on a transaction conflict."""
        return run_write(self.cursor(), work)

    def close(self) -> None:
        self.con.close()


def run_write(cur: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run ``work(cur)`` inside BEGIN/COMMIT; a transaction conflict rolls back and retries."""
    for attempt in range(WRITE_RETRIES):
        cur.execute("BEGIN TRANSACTION")
        try:
            result = work(cur)
            cur.execute("COMMIT")
            return result
        except duckdb.TransactionException:
            _rollback(cur)
            if attempt == WRITE_RETRIES - 1:
                raise
            time.sleep(0.005 * (attempt + 1))
        except BaseException:
            _rollback(cur)
            raise
    raise AssertionError("unreachable")


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
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
    return cur.sql(sql, params=params or []).to_arrow_table().to_pandas()


def iter_frames(
    cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None, batch: int = 50_000
) -> Iterator[pd.DataFrame]:
    """The result a batch at a time, read to the end."""
    for chunk in cur.sql(sql, params=params or []).to_arrow_reader(batch):
        yield chunk.to_pandas()


def in_list(column: str, values, sql_type: str = "VARCHAR") -> tuple[str, list]:
    """``column IN`` a list passed as one parameter (``column`` and ``sql_type`` are ours, never user text)."""
    return f"{column} IN (SELECT unnest(?::{sql_type}[]))", [list(values)]


def next_id(cur: duckdb.DuckDBPyConnection, sequence: str) -> int:
    """The next value of one of the schema's sequences (the name is ours, never user text)."""
    return fetch_value(cur, f"SELECT nextval('{sequence}')")


def record_event(
    cur: duckdb.DuckDBPyConnection, order_id: int, actor: str, kind: str, details: str = ""
) -> None:
    """Append one row to the order's event history (inside the caller's transaction)."""
    cur.execute(
        "INSERT INTO order_events VALUES (nextval('event_ids'), ?, now()::TIMESTAMP, ?, ?, ?)",
        [order_id, actor, kind, details],
    )
