"""The PostgreSQL adapter: a connection pool per process, a connection per session, one write path.

``db.open_database`` returns a ``PostgresDatabase`` when ``ORDERS_DB`` (or ``--db``) is a
``postgresql://`` URL; it has the interface of ``db.Database`` (``cursor()``, ``write(work)``,
``close()``, ``path``), and its cursors (``PgCursor``) the part of DuckDB's cursor that ``orders_core``
uses (``execute(sql, params).fetchall()``, ``fetchone``, ``executemany``), so the fetch helpers
and every query run on it unchanged. The engines' differences are ``dialect``'s.

- Placeholders: queries keep DuckDB's ``?``; ``positional`` numbers them ``$1, $2, ...`` (outside
  string literals, quoted names, comments and dollar-quoted bodies) and the query runs on psycopg's
  ``RawCursor``, which sends ``$n`` parameters to the server as they are. Nothing else in the SQL is
  rewritten. DuckDB's named ``$name`` parameters are refused with a ``TypeError`` (the recurring
  generator and the demo still use them: DuckDB only, for now).
- Connections are in autocommit mode at READ COMMITTED, without JIT compilation (``_configure``); ``write(work)`` borrows one from the pool
  for one transaction, opened and committed by ``db.run_write`` (``BEGIN TRANSACTION`` / ``COMMIT``,
  as on DuckDB), which retries ``SerializationFailure`` and ``DeadlockDetected`` and a duplicate key
  taken through ``db.claim_key`` (``UniqueViolation``), and nothing else.
- ``cursor()`` (a Streamlit session's, a command's) holds one pooled connection until it is closed
  or forgotten (garbage-collected); the pool holds ``ORDERS_PG_POOL_MAX`` connections (default 20)
  and a cursor waits up to 30 s for one.
- What it opens is checked as for a DuckDB file (``db.check_ours``): an orders database of our
  schema version is upgraded (under an advisory lock, ``dialect``), an empty one is created only by
  ``orders-core init``, anything else is refused in one sentence and left as it was. Messages name
  the database without its password.
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
from collections.abc import Iterator

import pandas as pd
import psycopg
from psycopg import IsolationLevel
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from orders_core.storage.dialect import POSTGRES
from orders_core.storage.errors import DatabaseError
from orders_core.storage.migrations import SchemaError, upgrade
from orders_core.storage.ownership import check_ours
from orders_core.storage.postgres_errors import explain_failure
from orders_core.storage.transactions import run_write

POOL_MAX = int(os.environ.get("ORDERS_PG_POOL_MAX", "20"))
CONNECT_TIMEOUT = 10  # seconds


@functools.lru_cache(maxsize=4096)
def positional(sql: str) -> tuple[str, int]:
    """``sql`` with each ``?`` placeholder numbered ``$1, $2, ...``, and how many there are.

    A ``?`` inside a string literal, a quoted name, a comment or a dollar-quoted body is left as it is."""
    out: list[str] = []
    n = i = 0
    size = len(sql)
    while i < size:
        ch = sql[i]
        if ch in "'\"":
            end = i + 1
            while end < size:
                if sql[end] == ch:
                    if end + 1 < size and sql[end + 1] == ch:  # a doubled quote stays inside
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i:end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = size if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = size if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        elif sql.startswith("$$", i):
            end = sql.find("$$", i + 2)
            end = size if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        elif ch == "?":
            n += 1
            out.append(f"${n}")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out), n


_CURSOR_NUMBERS = itertools.count(1)  # server-side cursors' names, unique within the process


class PgCursor:
    """One PostgreSQL connection seen through the cursor interface ``orders_core`` uses on DuckDB."""

    dialect = POSTGRES

    def __init__(self, conn: psycopg.Connection, release=None):
        self.conn = conn
        self._cur = psycopg.RawCursor(conn)
        self._release = release

    def execute(self, sql: str, params=None) -> PgCursor:
        if isinstance(params, dict):
            raise TypeError("named ($name) parameters are DuckDB-only; pass a list for ? placeholders")
        query, n = positional(sql)
        if n == 0 and not params:
            self._cur.execute(query)  # no parameters: several statements may run at once (DDL)
        else:
            self._cur.execute(query, list(params or []))
        return self

    def executemany(self, sql: str, rows) -> PgCursor:
        self._cur.executemany(positional(sql)[0], [list(r) for r in rows])
        return self

    def copy_rows(self, sql: str, rows) -> PgCursor:
        """``COPY ... FROM STDIN`` of Python rows (tuples of values psycopg adapts; None is NULL)."""
        with self._cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return self

    def cursor(self) -> PgCursor:
        """Another cursor on the same connection, as DuckDB's ``cursor()`` (a result is read to the client
        when it is executed, so a second query does not disturb the first's ``fetchmany``)."""
        return PgCursor(self.conn)

    def fetchall(self) -> list[tuple]:
        return self._cur.fetchall() if self._cur.description is not None else []

    def fetchone(self) -> tuple | None:
        return self._cur.fetchone() if self._cur.description is not None else None

    @property
    def description(self):
        return self._cur.description

    def fetch_frame(self, sql: str, params=None) -> pd.DataFrame:
        """The whole result as a DataFrame (NUMERIC columns as exact ``Decimal`` values, as on DuckDB)."""
        self.execute(sql, params)
        columns = [c.name for c in self._cur.description]
        return pd.DataFrame.from_records(self._cur.fetchall(), columns=columns)

    def iter_frames(self, sql: str, params=None, batch: int = 50_000) -> Iterator[pd.DataFrame]:
        """The result a batch at a time from a server-side cursor, so the process holds one batch, never the
        whole result (a client-side cursor reads every row into memory when the query runs). The cursor lives
        in a transaction of its own (a savepoint inside one already open); other statements may run on the
        connection between batches."""
        with self.conn.transaction(), psycopg.RawServerCursor(self.conn, f"batches_{next(_CURSOR_NUMBERS)}") as server:
            server.execute(positional(sql)[0], list(params or []))
            columns = [c.name for c in server.description]
            while rows := server.fetchmany(batch):
                yield pd.DataFrame.from_records(rows, columns=columns)

    def close(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            self._cur.close()
            release(self.conn)

    def __del__(self):  # a session's cursor forgotten with its session gives its connection back
        try:
            self.close()
        except Exception:  # the pool may be closed already at interpreter exit
            pass


def describe(url: str) -> str:
    """The database a URL names, for messages: ``postgresql://user@host:port/dbname`` (never the password)."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(a URL that cannot be read)"
    user = f"{info['user']}@" if info.get("user") else ""
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{info.get('host', 'localhost')}{port}/{info.get('dbname', '')}"


def explain_connect_error(where: str, exc: Exception) -> str:
    text = (str(exc).strip().splitlines() or ["no reason given"])[-1].strip()
    if "does not exist" in text and "database" in text:
        return (f"The database {where} does not exist; create an empty one (createdb), "
                "then run `orders-core init --db` with its URL.")
    if "password authentication failed" in text or "no password supplied" in text:
        return f"The database server refused the user and password given for {where}; check the URL in ORDERS_DB."
    return (f"The database server for {where} could not be reached ({text}); check the URL in ORDERS_DB "
            "and that PostgreSQL is running.")


def _configure(conn: psycopg.Connection) -> None:
    conn.isolation_level = IsolationLevel.READ_COMMITTED
    # No JIT compilation: the server JIT-compiles any query its planner costs high, and for ours (the Metrics
    # page's aggregations over a million orders, the recurring generator's staging) compiling took 1-2 s, most
    # of the query's time (measured: the staging of a day's due templates 2.0 s with JIT, 0.05 s without).
    conn.execute("SET jit = off")


class PostgresDatabase:
    """The process's connection pool to an orders database on a PostgreSQL server (``db.Database``'s twin)."""

    def __init__(self, url: str, *, create: bool = True, read_only: bool = False, new_only: bool = False):
        self.url = url
        self.path = describe(url)
        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.Error as exc:
            raise DatabaseError(explain_connect_error(self.path, exc)) from exc
        try:
            _configure(conn)
            cur = PgCursor(conn)
            empty = check_ours(cur, self.path)
            if new_only and not empty:
                raise DatabaseError(f"{self.path} already holds an orders database; nothing in it was changed.")
            if empty and not create:
                raise DatabaseError(
                    f"The database {self.path} is empty (it holds no orders tables); "
                    "create one with `orders-core init`.")
            if not read_only:
                try:
                    upgrade(cur)
                except SchemaError as exc:
                    raise DatabaseError(f"The database {self.path} {exc.reason}") from exc
        except psycopg.Error as exc:
            raise DatabaseError(explain_failure(exc, self.path)
                                or f"The database {self.path} could not be opened: {exc}") from exc
        finally:
            conn.close()
        self.pool = ConnectionPool(url, min_size=1, max_size=max(POOL_MAX, 2), open=True, timeout=30,
                                   kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
                                   configure=_configure, check=ConnectionPool.check_connection,
                                   name=f"orders-{threading.get_ident()}")

    def cursor(self) -> PgCursor:
        """A cursor of its own (one pooled connection) for one session or thread."""
        return PgCursor(self.pool.getconn(), release=self.pool.putconn)

    def write(self, work):
        """Run ``work(cursor)`` in one transaction on a pooled connection; retried on a conflict (``db.run_write``)."""
        with self.pool.connection() as conn:
            return run_write(PgCursor(conn), work)

    def checkpoint(self) -> None:
        """Nothing to do: the server writes its own checkpoints."""

    def serve_backups(self, make_copy) -> None:
        """Nothing to serve: PostgreSQL is backed up with its own tools (``orders_core.storage.backup``)."""

    def close(self) -> None:
        self.pool.close()
