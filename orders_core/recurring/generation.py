"""Generating due orders from templates, set-based, one transaction per batch of due templates (a day's
run is one batch; a catch-up after an outage is several, see ``generate_due``; ``recurring`` has the rules).

The same SQL on DuckDB and PostgreSQL (``recurring_generation_sql``). A template's period is generated
once however many runs overlap (the daily job may run on every app server, a CSR may press "Generate
due orders" meanwhile):

- the run first locks the due templates' rows (``SELECT ... FOR UPDATE`` on PostgreSQL, in template
  order, so two runs never deadlock on them); a second run waits there until the first commits, then
  reads the templates as the first left them: their next dates have moved past the run's date, so
  nothing is due. DuckDB has no row locks: the run's UPDATE of the same template rows conflicts with the
  other transaction instead, and the retry finds nothing due;
- ``recurring_generations`` has the key (template, period start), taken through ``db.claim_key``: a
  run that still finds a key taken retries rather than fails, and its retry sees the period generated
  (``already``);
- the ledger rows of the clients' periods are claimed before the grams are counted
  (``allowance_ledger``), so a CSR's order for the same client meanwhile is counted or waits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from orders_core.orders import allowance_ledger
from orders_core.recurring import generation_sql as sql
from orders_core.rules import allowance
from orders_core.rules.roles import CSR, Person, require
from orders_core.staff.verification import verify
from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_frame, fetch_one, fetch_value
from orders_core.storage.transactions import claim_key

PLACED_BY = "Recurring order"
# The daily job in the server process (orders_core.recurring.job) acts as this system person: see that
# module's docstring. Its address is not on the staff list (``.invalid`` never is), so nobody signs in as it.
JOB_ACTOR = Person("recurring-job@orders.invalid", "Daily recurring job", CSR)
ALL = 2**31 - 1  # no batch: every due template at once
BATCH = 5_000  # due templates a transaction of ``generate_due`` takes at most


@dataclass(frozen=True)
class GenerationResult:
    """What a run did: the orders it created and the templates it skipped (with reasons)."""

    as_of: dt.date
    due: int
    generated_templates: int
    orders: pd.DataFrame
    skipped: pd.DataFrame
    already: int
    remaining: int = 0  # templates still due when the run (its last batch) committed

    @property
    def order_ids(self) -> list[int]:
        return [int(x) for x in self.orders["Order ID"]] if len(self.orders) else []

    def summary(self) -> str:
        n = len(self.orders)
        text = (f"{self.as_of:%Y-%m-%d}: {n:,} order{'s' if n != 1 else ''} generated from "
                f"{self.generated_templates:,} recurring order{'s' if self.generated_templates != 1 else ''}")
        if len(self.skipped):
            text += f", {len(self.skipped):,} skipped"
        if self.already:
            text += f", {self.already:,} already generated for the period"
        ids = self.order_ids
        if 0 < len(ids) <= 10:
            text += f" (order{'s' if len(ids) > 1 else ''} {', '.join(str(i) for i in ids)})"
        return text + "."


def _stage_due(cur: Cursor, as_of: dt.date, limit: int = ALL) -> list[allowance_ledger.PeriodKey]:
    """Stage what is due (the first ``limit`` templates by id); the ledger keys of the templates that may
    generate (their periods' rows to hold)."""
    cur.execute(sql.stage_due(dialect.of(cur)),
                [as_of, allowance.DAYS_PER_PERIOD, allowance.SHIPMENT_CAP_GRAMS, as_of, limit]).fetchall()
    rows = cur.execute(
        "SELECT client_id, rx_period_start, rx_period_end, allowance FROM rec_due "
        "WHERE skip_reason IS NULL AND NOT already AND rx_period_start IS NOT NULL"
    ).fetchall()
    return [allowance_ledger.PeriodKey(*row) for row in rows]


def _apply_allowance(cur: Cursor) -> None:
    """Count what each client's period already holds, then skip (with ``allowance``'s reason) what no longer fits."""
    cur.execute(sql.STAGE_USED, [list(allowance.RELEASED_STATUSES)]).fetchall()
    rows = cur.execute(
        "SELECT rid, grams_per_day, grams, max_unit_grams, used_grams, rx_period_start FROM rec_due "
        "WHERE skip_reason IS NULL AND NOT already AND has_cannabis AND " + allowance.SQL_GENERATION_FAILS,
        allowance.generation_fails_params(),
    ).fetchall()
    skips = [(rid, reason) for rid, *facts in rows if (reason := allowance.generation_reason(*facts))]
    if skips:
        cur.execute(
            "UPDATE rec_due SET skip_reason = s.reason FROM (SELECT unnest(?::INTEGER[]) AS rid, "
            "unnest(?::VARCHAR[]) AS reason) s WHERE rec_due.rid = s.rid",
            [[rid for rid, _ in skips], [reason for _, reason in skips]],
        ).fetchall()
    for statement in sql.stage_lines(dialect.of(cur)):
        cur.execute(statement).fetchall()


def _lock_due(cur: Cursor, as_of: dt.date, limit: int) -> None:
    """Hold the due templates' rows (the batch's) until the run commits (PostgreSQL; see the module's docstring)."""
    cur.execute("SELECT recurring_order_id FROM recurring_orders WHERE enabled AND next_order_on <= ? "
                "ORDER BY recurring_order_id LIMIT ?" + dialect.of(cur).lock_row, [as_of, limit]).fetchall()


def preview_due(cur: Cursor, person: Person, as_of: dt.date | None = None) -> pd.DataFrame:
    """What a run on ``as_of`` would do, one row per due template (writes nothing), for ``person`` on the
    staff list who may see client records (``staff.verification``).

    ``Skipped`` says whether the template will be skipped; ``Action`` says what happens, for people.
    The staging tables live in a transaction that is rolled back."""
    verify(cur, person, "view_client_records")
    as_of = as_of or dt.date.today()
    cur.execute("BEGIN TRANSACTION")
    try:
        _stage_due(cur, as_of)
        _apply_allowance(cur)
        return fetch_frame(cur, sql.PLAN_SQL)
    finally:
        cur.execute("ROLLBACK")


def generate_work(cur: Cursor, as_of: dt.date, actor: Person,
                  created_at: dt.datetime, limit: int = ALL) -> GenerationResult:
    if actor is JOB_ACTOR:  # the daily job's own system person, never on the staff list (staff.verification)
        require(actor, "generate_due")
    else:
        verify(cur, actor, "generate_due")
    _lock_due(cur, as_of, limit)
    keys = _stage_due(cur, as_of, limit)
    allowance_ledger.claim(cur, keys)  # before counting what is used: a concurrent writer conflicts here
    _apply_allowance(cur)
    _write(cur, {"actor": actor.name, "actor_email": actor.email, "placed_by": PLACED_BY, "created_at": created_at})
    allowance_ledger.settle(cur, keys)
    due, generated, already = fetch_one(
        cur,
        "SELECT count(*), count(*) FILTER (WHERE skip_reason IS NULL AND NOT already), "
        "count(*) FILTER (WHERE already AND skip_reason IS NULL) FROM rec_due",
    )
    orders = fetch_frame(
        cur,
        """
        SELECT n.order_id AS "Order ID", d.client AS "Client", n.rid AS "Recurring Order",
               n.period_start AS "Period Start", n.shipment_no AS "Shipment", n.shipments AS "Shipments",
               n.grams AS "Grams", n.sum_amount AS "Total Due", n.carrier AS "Carrier"
        FROM rec_new_orders n JOIN rec_due d USING (rid) ORDER BY n.order_id
        """,
    )
    skipped = fetch_frame(
        cur,
        """
        SELECT client AS "Client", client_id AS "Client ID", rid AS "Recurring Order",
               period_start AS "Period Start", skip_reason AS "Reason"
        FROM rec_due WHERE skip_reason IS NOT NULL ORDER BY client
        """,
    )
    remaining = fetch_value(cur, "SELECT count(*) FROM recurring_orders WHERE enabled AND next_order_on <= ?", [as_of])
    return GenerationResult(as_of, due, generated, orders, skipped, already, remaining)


def _write(cur: Cursor, values: dict) -> None:
    """Advance the templates, record generations and skips, write the orders, their lines and events."""

    def params(names: tuple[str, ...]) -> list:
        return [values[name] for name in names]

    d = dialect.of(cur)
    cur.execute(sql.ADVANCE).fetchall()
    claim_key(cur, sql.GENERATIONS, params(sql.GENERATIONS_PARAMS))
    cur.execute(sql.SKIPS, params(sql.SKIPS_PARAMS)).fetchall()
    cur.execute(sql.new_orders(d)).fetchall()
    cur.execute(sql.ORDERS, params(sql.ORDERS_PARAMS)).fetchall()
    cur.execute(sql.LINES).fetchall()
    cur.execute(sql.GENERATED_ORDERS).fetchall()
    cur.execute(sql.events(d), params(sql.EVENTS_PARAMS)).fetchall()
    cur.execute(sql.LAST_GENERATED).fetchall()


def generate_due(db: Database, actor: Person, as_of: dt.date | None = None, *, batch: int = BATCH,
                 progress: Callable[[GenerationResult, int], None] | None = None) -> GenerationResult:
    """Generate every due template's order(s) for ``as_of`` (default today); idempotent.

    ``batch`` due templates a transaction (the lowest ids first): a day's run is one batch, and a catch-up
    after an outage (every template due at once) commits batch after batch, each moving its templates'
    next dates past ``as_of``, so an interruption keeps what was done and the next run goes on from there.
    ``progress(batch_result, done)`` is told after each batch (``done``: templates handled so far;
    ``batch_result.remaining``: still due). The result is every batch's together.

    ``actor`` (a person on the staff list whose role may generate due orders, or the very ``JOB_ACTOR``
    object) is recorded on every generation, skip and 'created' event; ``NotAllowed`` and nothing written
    otherwise."""
    as_of = as_of or dt.date.today()
    now = dt.datetime.now()
    created_at = dt.datetime.combine(as_of, now.time()) if as_of != now.date() else now
    parts: list[GenerationResult] = []
    while True:
        part = db.write(lambda cur: generate_work(cur, as_of, actor, created_at, batch))
        parts.append(part)
        if progress is not None:
            progress(part, sum(p.due for p in parts))
        stalled = len(parts) > 1 and part.remaining >= parts[-2].remaining  # never loop without moving on
        if part.due < batch or not part.remaining or stalled:
            return _together(parts)


def _together(parts: list[GenerationResult]) -> GenerationResult:
    """One result for a run's batches."""
    if len(parts) == 1:
        return parts[0]
    frames = lambda name: pd.concat([getattr(p, name) for p in parts], ignore_index=True)  # noqa: E731
    return GenerationResult(parts[0].as_of, sum(p.due for p in parts), sum(p.generated_templates for p in parts),
                            frames("orders"), frames("skipped").sort_values("Client", kind="stable", ignore_index=True),
                            sum(p.already for p in parts), parts[-1].remaining)

