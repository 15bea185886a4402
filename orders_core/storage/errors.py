"""The database's failures in one sentence each: a database that cannot be used, or a write that conflicted.

``explain_failure`` tells a permanent failure (read-only folder, full disk, damaged file, server gone)
from a transient one; the PostgreSQL half is ``postgres_errors`` (imported only when such an error is
seen, so that a DuckDB process never loads the PostgreSQL driver for it).
"""

from __future__ import annotations

import duckdb

from orders_core.rules.refusals import Refused


class DatabaseError(Refused):
    """A database that cannot be used, explained in one sentence for the user."""


class DatabaseInUse(DatabaseError):
    """The database file is held by another program (DuckDB lets one process open it read-write)."""


class WriteConflict(Exception):
    """A conflict with a concurrent writer that our own code detected (``run_write`` retries it like DuckDB's)."""


def explain_failure(exc: BaseException, path: str | None = None) -> str | None:
    """One sentence for a permanent database failure (read-only folder, full disk, damaged file), else None."""
    if not isinstance(exc, duckdb.Error | OSError | WriteConflict) and type(exc).__module__.startswith("psycopg"):
        # Imported here only: a DuckDB process never loads psycopg for its own errors.
        from orders_core.storage.postgres_errors import explain_failure as explain_postgres

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
