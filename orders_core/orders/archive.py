"""Archiving: a flag that hides orders from the default index. Nothing is deleted; every change is an event.

Archiving and unarchiving (one order, a chosen set, or a whole status in bulk) is the role table's
``archive`` action, checked in the write's transaction: ``NotAllowed`` and nothing written otherwise."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one, fetch_value
from orders_core.storage.schema import STATUSES

BULK_ARCHIVE_STATUSES = ("Shipped", "Delivered")


class ArchiveError(ValueError):
    """An archive request that cannot be carried out, said in one sentence."""


@dataclass(frozen=True)
class ArchiveResult:
    batch: str
    count: int
    status: str | None = None
    earlier_by: str | None = None  # who last archived this status in bulk, when this run found fewer orders
    earlier_at: dt.datetime | None = None
    earlier_count: int = 0

    def sentence(self, expected: int | None = None) -> str:
        """What happened, for the CSR who asked (``expected``: how many orders they were told about)."""
        done = f"Archived {self.count:,} order{'s' if self.count != 1 else ''} ({self.status})."
        if self.count == 0:
            done = f"Nothing was archived: there are no {self.status} orders left to archive."
        if self.earlier_by and (expected is None or self.count < expected):
            done += (f" {self.earlier_count:,} {self.status} order{'s were' if self.earlier_count != 1 else ' was'}"
                     f" archived a moment ago ({self.earlier_at:%H:%M}) by {self.earlier_by}.")
        return done


def count_archivable(cur: Cursor, status: str) -> int:
    """How many non-archived orders are in ``status`` (what Archive <status> would archive)."""
    _check_bulk_status(status)
    return fetch_value(
        cur, "SELECT count(*) FROM orders WHERE status = ? AND archived_at IS NULL", [status]
    )


def _check_bulk_status(status: str) -> None:
    if status not in BULK_ARCHIVE_STATUSES:
        raise ArchiveError(f"Only Shipped or Delivered orders can be archived in bulk, not {status!r}.")


def archive_status(db: Database, status: str, actor: Person, expected: int | None = None) -> ArchiveResult:
    """Archive every non-archived order in ``status`` in one transaction, with an event per order.

    ``expected`` is how many the CSR was asked to confirm; when fewer are left (another CSR archived them
    meanwhile), the result says who archived this status last and when."""
    _check_bulk_status(status)
    batch = f"{status.lower()}-{uuid.uuid4().hex[:12]}"

    def work(cur: Cursor) -> int:
        verify(cur, actor, "archive")
        _select_targets(cur, """
            SELECT order_id FROM orders WHERE status = ? AND archived_at IS NULL
            """, [status])
        count = _archive_targets(cur, batch, actor, f"Archived with Archive {status}")
        if expected is None or count >= expected:
            return count, None
        earlier = fetch_one(
            cur,
            """
            SELECT e.actor || coalesce(' (' || e.actor_email || ')', ''), max(e.event_at), count(*)
            FROM order_events e
            WHERE e.kind = 'archived' AND e.details LIKE ? AND e.details NOT LIKE ?
              AND e.event_at >= now()::TIMESTAMP - INTERVAL '1 hour'
            GROUP BY e.actor, e.actor_email, e.details ORDER BY max(e.event_at) DESC LIMIT 1
            """,
            [f"Archived with Archive {status} (batch %", f"%{batch}%"],
        )
        return count, earlier

    count, earlier = db.write(work)
    by, at, n = earlier if earlier else (None, None, 0)
    return ArchiveResult(batch=batch, count=count, status=status, earlier_by=by, earlier_at=at, earlier_count=n)


def archive_orders(db: Database, order_ids: Sequence[int], actor: Person) -> ArchiveResult:
    """Archive the given orders (those not archived yet), with an event per order."""
    batch = f"manual-{uuid.uuid4().hex[:12]}"

    def work(cur: Cursor) -> int:
        verify(cur, actor, "archive")
        _select_targets(cur, """
            SELECT order_id FROM orders
            WHERE order_id IN (SELECT unnest(?::BIGINT[])) AND archived_at IS NULL
            """, [list(order_ids)])
        return _archive_targets(cur, batch, actor, "Archived")

    return ArchiveResult(batch=batch, count=db.write(work))


def _select_targets(cur: Cursor, select: str, params: list) -> None:
    """The orders ``select`` finds, as the transaction's ``archive_targets`` table (``dialect.temp_table_as``).

    On PostgreSQL the rows are locked as they are read (``dialect.lock_row``): a second server archiving
    the same orders at once waits, then finds them archived and leaves them (DuckDB's concurrent UPDATE
    conflicts and is retried instead), so an order is archived once, with one event."""
    sql = dialect.of(cur)
    cur.execute(sql.temp_table_as("archive_targets", select.rstrip() + sql.lock_row), params)


def _archive_targets(cur: Cursor, batch: str, actor: Person, what: str) -> int:
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


def _events_for_targets(cur: Cursor, actor: Person, kind: str, details: str) -> None:
    cur.execute(
        """
        INSERT INTO order_events (event_id, order_id, event_at, actor, kind, details, actor_email)
        SELECT nextval('event_ids'), order_id, now()::TIMESTAMP, ?, ?, ?, ? FROM archive_targets
        """,
        [actor.name, kind, details, actor.email],
    )


def unarchive_batch(db: Database, batch: str, actor: Person) -> int:
    """Undo one archive batch: unarchive the orders it archived that are still archived."""

    def work(cur: Cursor) -> int:
        verify(cur, actor, "archive")
        _select_targets(cur, """
            SELECT order_id FROM orders WHERE archive_batch = ? AND archived_at IS NOT NULL
            """, [batch])
        return _unarchive_targets(cur, actor, f"Unarchived (undo of batch {batch})")

    return db.write(work)


def unarchive_orders(db: Database, order_ids: Sequence[int], actor: Person) -> int:
    """Unarchive the given orders (those that are archived)."""

    def work(cur: Cursor) -> int:
        verify(cur, actor, "archive")
        _select_targets(cur, """
            SELECT order_id FROM orders
            WHERE order_id IN (SELECT unnest(?::BIGINT[])) AND archived_at IS NOT NULL
            """, [list(order_ids)])
        return _unarchive_targets(cur, actor, "Unarchived")

    return db.write(work)


def _unarchive_targets(cur: Cursor, actor: Person, what: str) -> int:
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
