"""PostgreSQL's permanent failures in one sentence each (server gone, read-only standby, full disk, damage)."""

from __future__ import annotations

import psycopg
from psycopg import errors


def explain_failure(exc: BaseException, where: str | None = None) -> str | None:
    """One sentence for a permanent PostgreSQL failure (server gone, read-only, full disk), else None."""
    name = f" {where}" if where else ""
    if isinstance(exc, errors.DiskFull | errors.OutOfMemory):
        return "The database server's disk is full: nothing was saved; free some space and try again."
    if isinstance(exc, errors.ReadOnlySqlTransaction):
        return f"The database{name} is read-only (a standby server?): nothing was saved; point ORDERS_DB at the primary."
    if isinstance(exc, errors.DataCorrupted | errors.IndexCorrupted):
        return f"The database{name} is damaged: restore it from a backup."
    if isinstance(exc, psycopg.OperationalError) and not isinstance(exc, errors.QueryCanceled):
        return (f"The connection to the database server{name} was lost: nothing was saved; "
                "try again in a moment.")
    return None
