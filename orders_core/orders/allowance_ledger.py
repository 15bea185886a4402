"""The allowance enforced inside the transaction: one ledger row per client and prescription period.

Every write that adds or changes grams for a client (creating, editing, verifying or cancelling an
order; recurring generation) first *claims* the client's ``allowance_ledger`` row for the period
(an UPDATE of that row), then reads what is already used, checks ``allowance``'s rule, writes, and
finally *settles* the row (``grams`` = what the period now counts), all in one transaction.

Two writers for one client and period therefore update the same row, and the database serialises
them. In DuckDB 2.0 (optimistic concurrency, measured):
- two open transactions UPDATE the same row: the second UPDATE raises ``TransactionException``
  ("Conflict on update!"); so does an UPDATE of a row another transaction changed and committed
  after this one's snapshot was taken;
- two open transactions INSERT the same key: both statements succeed and the second COMMIT raises
  ``TransactionException`` ("Failed to commit: PRIMARY KEY or UNIQUE constraint violation");
- an INSERT (even ``ON CONFLICT DO NOTHING``) of a key another transaction committed after this
  one's snapshot raises ``ConstraintException`` ("Duplicate key ..."): a conflict, not a bad row,
  so ``claim`` writes it with ``db.claim_key``, which turns it into ``WriteConflict``.
``Database.write`` rolls the loser back and runs it again from the start: it re-reads, re-checks
and commits only if the rule still holds, otherwise it is refused with the reason.

In PostgreSQL (READ COMMITTED, ``db_postgres``) the same statements take row locks:
- the claiming UPDATE of an existing row waits while another transaction holds the row, then goes
  on once it has committed; every statement after it sees what that writer committed, so the
  re-check runs on the new figures in the same attempt (no retry needed) and refuses with the reason;
- two transactions inserting a missing row: the second INSERT waits for the first, then raises
  ``UniqueViolation``, which ``db.claim_key`` makes a ``WriteConflict``: the retry finds the row
  and waits on it as above;
- a deadlock (two writers holding several rows in opposite orders) is retried by ``db.run_write``.
No in-process lock is involved, so this holds across app servers on one PostgreSQL database.

A period's row is created by the first write that needs it (with the grams already counted), or
for every period with orders by ``storage.migrations.v2_keys_and_coverage.rebuild_ledger`` (a migration of an
existing database).
The table is in ``schema``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from orders_core.rules.allowance import RELEASED_STATUSES, period_allowance, period_bounds
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_one
from orders_core.storage.transactions import claim_key


@dataclass(frozen=True)
class PeriodKey:
    """Which ledger row a write holds."""

    client_id: int
    start: dt.date
    end: dt.date
    allowance: Decimal


def period_key(cur: Cursor, client_id: int, day: dt.date) -> PeriodKey | None:
    """The period of the client's active prescription holding ``day`` (None: no prescription valid then)."""
    rx = fetch_one(
        cur,
        "SELECT grams_per_day, valid_from, valid_until FROM prescriptions WHERE client_id = ? AND active "
        "ORDER BY valid_from DESC, prescription_id DESC LIMIT 1",
        [client_id],
    )
    bounds = period_bounds(rx[1], rx[2], day) if rx else None
    if bounds is None:
        return None
    return PeriodKey(client_id, bounds[1], bounds[2], period_allowance(rx[0]))


def _keys_sql() -> str:
    return ("SELECT unnest(?::INTEGER[]) AS client_id, unnest(?::DATE[]) AS period_start, "
            "unnest(?::DATE[]) AS period_end, unnest(?::DECIMAL(10,3)[]) AS allowance")


def _key_params(keys: Sequence[PeriodKey]) -> list:
    return [[k.client_id for k in keys], [k.start for k in keys], [k.end for k in keys],
            [k.allowance for k in keys]]


_COUNTED = f"""
    SELECT k.client_id, k.period_start, k.period_end, k.allowance, coalesce(sum(o.grams), 0) AS grams
    FROM ({_keys_sql()}) k
    LEFT JOIN orders o ON o.client_id = k.client_id
         AND o.status::VARCHAR NOT IN (SELECT unnest(?::VARCHAR[]))
         AND o.created_at >= k.period_start AND o.created_at < k.period_end + INTERVAL '1 day'
         AND o.replaces_return_id IS NULL  -- a replacement (s. 293) does not count: rules.allowance
    GROUP BY k.client_id, k.period_start, k.period_end, k.allowance
"""


def claim(cur: Cursor, keys: Sequence[PeriodKey]) -> None:
    """Hold the ledger rows of ``keys`` for this transaction (create the missing ones); call it before reading
    what the periods already count. A concurrent holder makes this (or the commit) raise a retryable conflict."""
    keys = list({(k.client_id, k.start): k for k in keys}.values())
    if not keys:
        return
    if len(keys) == 1:  # the common case (one order): a point update
        held = cur.execute(
            "UPDATE allowance_ledger SET writes = writes + 1, updated_at = now()::TIMESTAMP "
            "WHERE client_id = ? AND period_start = ? RETURNING client_id, period_start",
            [keys[0].client_id, keys[0].start],
        ).fetchall()
    else:
        held = cur.execute(
            f"""
            UPDATE allowance_ledger l SET writes = l.writes + 1, updated_at = now()::TIMESTAMP
            FROM ({_keys_sql()}) k WHERE l.client_id = k.client_id AND l.period_start = k.period_start
            RETURNING l.client_id, l.period_start
            """,
            _key_params(keys),
        ).fetchall()
    missing = [k for k in keys if (k.client_id, k.start) not in set(held)]
    if not missing:
        return
    claim_key(cur, f"INSERT INTO allowance_ledger SELECT *, 1, now()::TIMESTAMP FROM ({_COUNTED}) c",  # noqa: S608
              [*_key_params(missing), list(RELEASED_STATUSES)])  # another writer may have created the row


def settle(cur: Cursor, keys: Sequence[PeriodKey], grams: Decimal | None = None) -> None:
    """Record in the held rows what their periods count now (after this transaction's writes).

    ``grams``: what the one held period counts now, when the caller has just computed it (a new order:
    what the period already held, read after the claim, plus the order's grams); otherwise it is counted."""
    keys = list({(k.client_id, k.start): k for k in keys}.values())
    if not keys:
        return
    if grams is not None and len(keys) == 1:
        cur.execute(
            "UPDATE allowance_ledger SET grams = ?, updated_at = now()::TIMESTAMP WHERE client_id = ? AND period_start = ?",
            [grams, keys[0].client_id, keys[0].start],
        ).fetchall()
        return
    cur.execute(
        f"""
        UPDATE allowance_ledger l SET grams = c.grams, allowance = c.allowance, period_end = c.period_end,
               updated_at = now()::TIMESTAMP
        FROM ({_COUNTED}) c WHERE l.client_id = c.client_id AND l.period_start = c.period_start
        """,
        [*_key_params(keys), list(RELEASED_STATUSES)],
    ).fetchall()


def hold(cur: Cursor, client_id: int, day: dt.date) -> PeriodKey | None:
    """Claim the client's row for the period holding ``day``; the key to ``settle`` (None without a period)."""
    key = period_key(cur, client_id, day)
    if key is not None:
        claim(cur, [key])
    return key
