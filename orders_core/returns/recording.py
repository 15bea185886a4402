"""Recording a return: which lines and how many units came back of a Shipped or Delivered order, why, when,
who received it and what became of the units.

Decisions (from ss. 292-293 of the Cannabis Regulations, and where they are silent, ours):
- s. 292 lets a client return cannabis products to the holder of the licence for sale that sold them: a
  return is recorded against the order that sold them, only once it has left (Shipped or Delivered); an
  order not yet shipped is cancelled instead. Part of an order may come back, in several returns; across
  all of an order's returns, a line's units returned never exceed the units shipped (``state``: enforced in
  the transaction).
- "Undeliverable (returned to sender)" brings the whole parcel back: every unit not yet returned, whatever
  lines are typed. The CSR then refunds, reships (a replacement, to the same registered address: orders ship
  only there, s. 291), or both.
- "Other" needs a note saying what happened.
- What became of the units (``DISPOSITIONS``): quarantined for destruction (the default: returned cannabis
  is not resold to another client), returned to inventory (an unopened parcel returned to sender, kept by
  the holder), or returned to the processor that made it (a recall).
- The date received is today or earlier, and not before the order shipped.
- The grams that came back stay counted against the client's period (``rules.allowance``); the order's own
  rows never change: a return is a record of its own, with an event in the order's history.
- A Fulfillment Associate or a CSR records returns (role table ``receive_return``); a refund or a replacement
  is a CSR's decision (``refund_order``), recorded separately (``refunds``, ``replacement``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from orders_core.orders.events import record_event
from orders_core.returns import state
from orders_core.returns.money import Share, refund_share
from orders_core.returns.state import RETURNABLE_STATUSES, ReturnRefused
from orders_core.rules import formatting
from orders_core.rules.limits import MAX_NOTE_CHARS, MAX_UNITS
from orders_core.rules.numbers import NumberError, parse_units
from orders_core.rules.roles import Person, require
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.migrations.v11_returns import DISPOSITIONS, REASONS
from orders_core.storage.transactions import RolledBack, next_id, write_or_roll_back

UNDELIVERABLE = "Undeliverable (returned to sender)"
OTHER = "Other"
DEFAULT_DISPOSITION = DISPOSITIONS[0]


@dataclass(frozen=True)
class ReturnResult:
    return_id: int | None  # None for a dry run
    order_id: int
    units: dict[int, int]  # line_no -> units that came back
    grams: Decimal
    refund: Share  # what refunding it would give back (the shipping charge not included)
    details: str


def _units(text: object, sku: str) -> int:
    if str(text).strip().lstrip("-").isdigit() and int(str(text).strip()) <= 0:
        raise ReturnRefused(f"The units of {sku[:40]} must be a whole number of at least 1, not {str(text).strip()}.")
    try:
        return parse_units(text, f"The units of {sku[:40]}", maximum=MAX_UNITS)
    except NumberError as exc:
        raise ReturnRefused(str(exc)) from None


def parse_reason(text: str | None) -> str:
    """A reason as typed: its full text or its first word, in any case ("damaged", "recall", "undeliverable")."""
    typed = (text or "").strip().lower()
    for reason in REASONS:
        if typed and (typed == reason.lower() or typed == reason.split()[0].lower()
                      or (reason == UNDELIVERABLE and typed in ("returned to sender", "rts"))):
            return reason
    raise ReturnRefused(f"{(text or '')[:40]!r} is not a reason for a return; choose one of {', '.join(REASONS)}.")


def parse_units_list(items: list[str]) -> dict[str, str]:
    """``SKU=UNITS`` items as typed on the command line, SKU -> units (still text: checked with the order)."""
    wanted: dict[str, str] = {}
    for item in items:
        sku, sep, units = item.partition("=")
        if not sep or not sku.strip():
            raise ReturnRefused(f"{item[:40]!r} is not SKU=UNITS (for example OIL-30ML=1).")
        if sku.strip() in wanted:
            raise ReturnRefused(f"{sku.strip()[:40]} is given twice; give each SKU once with its units.")
        wanted[sku.strip()] = units.strip()
    return wanted


def check_fields(reason: str, note: str, disposition: str, received_on: dt.date, today: dt.date) -> None:
    if reason not in REASONS:
        raise ReturnRefused(f"{str(reason)[:40]!r} is not a reason for a return; choose one of {', '.join(REASONS)}.")
    if reason == OTHER and not note.strip():
        raise ReturnRefused("Say in a note what happened when the reason is Other.")
    if len(note) > MAX_NOTE_CHARS:
        raise ReturnRefused(f"The note is longer than {MAX_NOTE_CHARS} characters.")
    if disposition not in DISPOSITIONS:
        raise ReturnRefused(f"{str(disposition)[:40]!r} is not something that may become of returned units; "
                            f"choose one of {', '.join(DISPOSITIONS)}.")
    if received_on > today:
        raise ReturnRefused(f"The date received {received_on:%Y-%m-%d} is in the future.")


def _allocate(lines: list[state.OrderLine], back: dict[int, int], wanted: Mapping[str, object],
              whole: bool, order_id: int) -> dict[int, int]:
    """line_no -> units coming back now, from what was typed per SKU (several lines of one SKU fill in order)."""
    left = {ln.line_no: ln.units - back.get(ln.line_no, 0) for ln in lines}
    if whole:
        taking = {n: u for n, u in left.items() if u > 0}
        if not taking:
            raise ReturnRefused(f"Every unit of order {order_id} has already come back.")
        return taking
    if not wanted:
        raise ReturnRefused("Say which products came back and how many units of each (SKU=UNITS).")
    taking: dict[int, int] = {}
    for sku, typed in wanted.items():
        units = _units(typed, sku)
        on_order = [ln for ln in lines if ln.sku == sku]
        if not on_order:
            raise ReturnRefused(f"Order {order_id} has no line of SKU {str(sku)[:40]!r}.")
        room = sum(left[ln.line_no] for ln in on_order)
        if units > room:
            shipped = sum(ln.units for ln in on_order)
            raise ReturnRefused(f"Order {order_id} shipped {shipped} unit(s) of {sku} and {shipped - room} already came "
                                f"back, so at most {room} more can be returned, not {units}.")
        for ln in on_order:
            take = min(units, left[ln.line_no])
            if take:
                taking[ln.line_no] = taking.get(ln.line_no, 0) + take
                left[ln.line_no] -= take
                units -= take
    return taking


def record_return(
    db: Database, order_id: int, actor: Person, *, units: Mapping[str, object] | None = None, reason: str,
    received_on: dt.date | None = None, note: str = "", disposition: str = DEFAULT_DISPOSITION,
    today: dt.date | None = None, dry_run: bool = False,
) -> ReturnResult:
    """Record what came back of a Shipped or Delivered order (``units``: SKU -> units, as typed); one sentence
    (``ReturnRefused``, ``NotAllowed``) and nothing written otherwise. ``dry_run``: check and compute, write nothing."""
    today = today or dt.date.today()
    received_on = received_on or today
    note = (note or "").strip()
    check_fields(reason, note, disposition, received_on, today)
    whole = reason == UNDELIVERABLE

    def work(cur: Cursor) -> ReturnResult:
        person = verify(cur, actor, "receive_return")
        head = state.load_order(cur, order_id)
        require(person, "view_orders", status=head.status)
        if head.status not in RETURNABLE_STATUSES:
            raise ReturnRefused(f"Order {order_id} is {head.status}; only a Shipped or Delivered order can be returned"
                                + (" (cancel it instead)." if head.status != "Cancelled" else "."))
        if head.shipped_on and received_on < head.shipped_on:
            raise ReturnRefused(f"The date received {received_on:%Y-%m-%d} is before order {order_id} shipped "
                                f"({head.shipped_on:%Y-%m-%d}).")
        lines = state.load_lines(cur, order_id)
        state.claim(cur, order_id, sum(ln.units for ln in lines))  # first: a concurrent writer conflicts here
        taking = _allocate(lines, state.returned_by_line(cur, order_id), units or {}, whole, order_id)
        by_no = {ln.line_no: ln for ln in lines}
        grams = sum((by_no[n].grams_per_unit * u for n, u in taking.items()), Decimal(0))
        refund = refund_share(state.order_money(cur, head, lines),
                              state.returned_by_line(cur, order_id, refunded_only=True), taking)
        what = "; ".join(f"{u} x {by_no[n].sku}" for n, u in sorted(taking.items()))
        details = (f"Returned ({reason}{': ' + note if note else ''}), received {received_on:%Y-%m-%d}: {what}; "
                   f"{formatting.grams(grams)}; {disposition.lower()}")
        if dry_run:
            raise RolledBack(ReturnResult(None, order_id, taking, grams, refund, details))
        return_id = next_id(cur, "return_ids")
        cur.execute(
            """
            INSERT INTO order_returns (return_id, order_id, received_on, reason, note, disposition, received_by,
                received_by_email, recorded_at, whole_order, grams)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?)
            """,
            [return_id, order_id, received_on, reason, note, disposition, person.name, person.email, whole, grams],
        )
        cur.executemany(
            "INSERT INTO order_return_lines (return_id, line_no, order_id, sku, units, grams) VALUES (?, ?, ?, ?, ?, ?)",
            [[return_id, n, order_id, by_no[n].sku, u, by_no[n].grams_per_unit * u] for n, u in sorted(taking.items())],
        )
        state.touch(cur, order_id)
        record_event(cur, order_id, person, "returned", f"Return {return_id}: {details}")
        return ReturnResult(return_id, order_id, taking, grams, refund, f"Return {return_id}: {details}")

    return write_or_roll_back(db, work)
