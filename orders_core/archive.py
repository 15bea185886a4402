"""Archiving: a flag that hides orders from the default index. Nothing is deleted; every change is an event."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from .db import Database, fetch_value
from .schema import STATUSES

BULK_ARCHIVE_STATUSES = ("Shipped", "Delivered")


class ArchiveError(ValueError):
    """An archive request that cannot be carried out, said in one sentence."""


@dataclass(frozen=True)
class ArchiveResult:
    batch: str
    count: int
    status: str | None = None


def count_archivable(cur: duckdb.DuckDBPyConnection, status: str) -> int:
    """How many non-archived orders are in ``status`` (what Archive <status> would archive)."""
    _check_bulk_status(status)
    return fetch_value(
        cur, "SELECT count(*) FROM orders WHERE status = ? AND archived_at IS NULL", [status]
    )


def _check_bulk_status(status: str) -> None:
    if status not in BULK_ARCHIVE_STATUSES:
        raise ArchiveError(f"Only Shipped or Delivered orders can be archived in bulk, not {status!r}.")


def archive_status(db: Database, status: str, actor: str) -> ArchiveResult:
    """Archive every non-archived order in ``status`` in one transaction, with an event per order."""
    _check_bulk_status(status)
    batch = f"{status.lower()}-{uuid.uuid4().hex[:12]}"

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        cur.execute(
            """
            CREATE OR REPLACE TEMP TABLE archive_targets AS
            SELECT order_id FROM orders WHERE status = ? AND archived_at IS NULL
            """,
            [status],
        )
        return _archive_targets(cur, batch, actor, f"Archived with Archive {status}")

    return ArchiveResult(batch=batch, count=db.write(work), status=status)


def archive_orders(db: Database, order_ids: Sequence[int], actor: str) -> ArchiveResult:
    """Archive the given orders (those not archived yet), with an event per order."""
    batch = f"manual-{uuid.uuid4().hex[:12]}"

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        cur.execute(
            """
            CREATE OR REPLACE TEMP TABLE archive_targets AS
            SELECT order_id FROM orders
            WHERE order_id IN (SELECT unnest(?::BIGINT[])) AND archived_at IS NULL
            """,
            [list(order_ids)],
        )
        return _archive_targets(cur, batch, actor, "Archived")

    return ArchiveResult(batch=batch, count=db.write(work))


def _archive_targets(cur: duckdb.DuckDBPyConnection, batch: str, actor: str, what: str) -> int:
    count = fetch_value(cur, "SELECT count(*) FROM archive_targets")
    if count == 0:
        return 0
    cur.execute(
        """
        UPDATE orders SET archived_at = now()::TIMESTAMP, archive_batch = ?, version = version + 1,
                          updated_at = now()::TIMESTAMP
        WHERE order_id IN (SELECT order_id FROM archive_targets)
        """,
        [batch],
    )
    _events_for_targets(cur, actor, "archived", f"{what} (batch {batch})")
    return count


def _events_for_targets(cur: duckdb.DuckDBPyConnection, actor: str, kind: str, details: str) -> None:
    cur.execute(
        """
        INSERT INTO order_events
        SELECT nextval('event_ids'), order_id, now()::TIMESTAMP, ?, ?, ? FROM archive_targets
        """,
        [actor, kind, details],
    )


def unarchive_batch(db: Database, batch: str, actor: str) -> int:
    """Undo one archive batch: unarchive the orders it archived that are still archived."""

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        cur.execute(
            """
            CREATE OR REPLACE TEMP TABLE archive_targets AS
            SELECT order_id FROM orders WHERE archive_batch = ? AND archived_at IS NOT NULL
            """,
            [batch],
        )
        return _unarchive_targets(cur, actor, f"Unarchived (undo of batch {batch})")

    return db.write(work)


def unarchive_orders(db: Database, order_ids: Sequence[int], actor: str) -> int:
    """Unarchive the given orders (those that are archived)."""

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        cur.execute(
            """
            CREATE OR REPLACE TEMP TABLE archive_targets AS
            SELECT order_id FROM orders
            WHERE order_id IN (SELECT unnest(?::BIGINT[])) AND archived_at IS NOT NULL
            """,
            [list(order_ids)],
        )
        return _unarchive_targets(cur, actor, "Unarchived")

    return db.write(work)


def _unarchive_targets(cur: duckdb.DuckDBPyConnection, actor: str, what: str) -> int:
    count = fetch_value(cur, "SELECT count(*) FROM archive_targets")
    if count == 0:
        return 0
    cur.execute(
        """
        UPDATE orders SET archived_at = NULL, archive_batch = NULL, version = version + 1,
                          updated_at = now()::TIMESTAMP
        WHERE order_id IN (SELECT order_id FROM archive_targets)
        """
    )
    _events_for_targets(cur, actor, "unarchived", what)
    return count


assert set(BULK_ARCHIVE_STATUSES) <= set(STATUSES)
