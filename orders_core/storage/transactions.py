"""The one write path: ``run_write`` runs a unit of work in one transaction and retries it on a conflict.

Writes go through ``Database.write`` (either engine): one transaction, retried when the engine reports a
transaction conflict with another cursor (or our code raises ``WriteConflict``), never dropped; the
retry runs the whole work again, so it re-reads and re-checks (see ``orders.allowance_ledger``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import duckdb

from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.errors import DatabaseError, WriteConflict, explain_failure
from orders_core.storage.reads import fetch_value

T = TypeVar("T")

WRITE_RETRIES = 20


BUSY = ("Other changes to the same records kept getting in first, so nothing was saved; "
        "look at the record again and retry.")


def claim_key(cur: Cursor, sql: str, params: list | None = None) -> None:
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


def run_write(cur: Cursor, work: Callable[[Cursor], T]) -> T:
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


class RolledBack(Exception):  # noqa: N818 -- not an error: the work's way to hand back what it found
    """Raised inside a write's work to roll its transaction back and hand ``result`` to the caller of
    ``write_or_roll_back``: a dry run, or a file whose problems stop it (nothing of it is written)."""

    def __init__(self, result: object):
        super().__init__("rolled back")
        self.result = result


def write_or_roll_back(db, work: Callable[[Cursor], T]) -> T:
    """``db.write(work)`` (a ``Database`` of either engine), and when the work raises ``RolledBack`` (its
    transaction rolled back), what it carries."""
    try:
        return db.write(work)
    except RolledBack as back:
        return back.result  # type: ignore[return-value]


def _rollback(cur: Cursor) -> None:
    try:
        cur.execute("ROLLBACK")
    except dialect.of(cur).error:
        pass


def next_id(cur: Cursor, sequence: str) -> int:
    """The next value of one of the schema's sequences (the name is ours, never user text)."""
    return fetch_value(cur, f"SELECT nextval('{sequence}')")
