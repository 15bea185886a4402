"""Checking a template before it is saved: lines, schedule, and the grams rules (``allowance``).

``check_template`` (the editor's preview) checks the acting person (``view_client_records``); ``saving``
uses the unchecked ``_check_template`` inside its write, after checking its own person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pandas as pd

from orders_core.recurring.dates import scheduled_on_or_after
from orders_core.recurring.templates import (
    SCHEDULES,
    ClientRules,
    Template,
    TemplateCheck,
    TemplateDraft,
    TemplateLine,
    _client_rules,
    _generated_periods,
    _get_template,
)
from orders_core.rules import allowance
from orders_core.rules.limits import MAX_UNITS
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame


def _line_reasons(lines: Sequence[TemplateLine]) -> list[str]:
    reasons = []
    if not lines:
        reasons.append("A recurring order needs at least one product.")
    seen: set[str] = set()
    for ln in lines:
        if isinstance(ln.units, bool) or not isinstance(ln.units, int) or not 1 <= ln.units <= MAX_UNITS:
            reasons.append(f"Units of {ln.sku} must be a whole number from 1 to {MAX_UNITS}.")
        if ln.sku in seen:
            reasons.append(f"{ln.sku} is on the template twice; put all its units on one line.")
        seen.add(ln.sku)
    return reasons


def _priced_lines(cur: Cursor, lines: Sequence[TemplateLine]) -> pd.DataFrame:
    """Each line with its product (missing products have NULL name)."""
    return fetch_frame(
        cur,
        """
        SELECT l.line_no, l.sku, l.units, p.name AS product, p.is_cannabis, p.active,
               p.unit_price, p.dried_equiv_grams,
               l.units * p.unit_price AS amount,
               CASE WHEN p.is_cannabis THEN l.units * p.dried_equiv_grams ELSE 0 END AS grams
        FROM (SELECT unnest(?::VARCHAR[]) AS sku, unnest(?::INTEGER[]) AS units,
                     unnest(?::INTEGER[]) AS line_no) l
        LEFT JOIN products p USING (sku)
        ORDER BY l.line_no
        """,
        [[ln.sku for ln in lines], [_as_int(ln.units) for ln in lines], list(range(1, len(lines) + 1))],
    )


def _as_int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**31 else 0


def _schedule_reasons(draft: TemplateDraft, carriers: set[str], today: dt.date, current: Template | None) -> list[str]:
    reasons = []
    if draft.carrier is not None and draft.carrier not in carriers:
        reasons.append(f"{draft.carrier!r} is not one of our carriers.")
    if draft.schedule not in SCHEDULES:
        reasons.append("Choose when the order is made: the start of each prescription period or a day of the month.")
    elif draft.schedule == "day_of_month" and not (
        isinstance(draft.day_of_month, int) and 1 <= draft.day_of_month <= 31
    ):
        reasons.append("The day of the month must be a whole number from 1 to 31.")
    unchanged = current is not None and draft.next_order_on == current.next_order_on
    if draft.next_order_on is not None and draft.next_order_on < today and not unchanged:
        reasons.append(f"The next order date {draft.next_order_on:%Y-%m-%d} is in the past; choose today or later.")
    return reasons


def _gram_reasons(client: ClientRules, lines: pd.DataFrame, grams: Decimal) -> list[str]:
    units = [(row.product, row.dried_equiv_grams) for row in lines.itertuples() if row.is_cannabis]
    return allowance.template_reasons(client.name, client.grams_per_day, grams, units)


def _warnings(client: ClientRules, next_on: dt.date | None) -> list[str]:
    warnings = []
    if client.registration_status != "Approved":
        warnings.append(
            f"{client.name}'s registration is {client.registration_status}; orders are skipped until it is Approved."
        )
    if client.valid_until is not None and next_on is not None and client.valid_until < next_on:
        warnings.append(
            f"The prescription expires on {client.valid_until:%Y-%m-%d}, before the next order on "
            f"{next_on:%Y-%m-%d}; that order will be skipped unless the prescription is renewed."
        )
    return warnings


def _shipments(cap: Decimal | None, lines: pd.DataFrame) -> int:
    """How many shipments the month needs (packed as the generator packs them)."""
    units = [row.dried_equiv_grams for row in lines.itertuples() if row.is_cannabis for _ in range(int(row.units))]
    return allowance.shipments_needed(units, cap)


def _next_order_on(
    draft: TemplateDraft, client: ClientRules, current: Template | None, today: dt.date,
    generated: set[dt.date],
) -> dt.date | None:
    if draft.next_order_on is not None:
        return draft.next_order_on
    same_schedule = current is not None and (current.schedule, current.day_of_month) == (
        draft.schedule, draft.day_of_month)
    if same_schedule and current.next_order_on is not None:
        return current.next_order_on
    day = today
    for _ in range(3):  # skip a period that was already generated
        nxt = scheduled_on_or_after(draft.schedule, draft.day_of_month, client.valid_from, day)
        if nxt is None or nxt not in generated:
            return nxt
        day = nxt + dt.timedelta(days=1)
    return nxt


def check_template(cur: Cursor, draft: TemplateDraft, person: Person, today: dt.date | None = None) -> TemplateCheck:
    """``draft`` weighed against the client's allowance and the shipment cap (what a template's editor shows),
    for ``person`` on the staff list who may see client records (``staff.verification``)."""
    verify(cur, person, "view_client_records")
    return _check_template(cur, draft, today)


def _check_template(cur: Cursor, draft: TemplateDraft, today: dt.date | None = None) -> TemplateCheck:
    """Weigh ``draft`` against the client's allowance and the shipment cap; every reason it cannot be saved."""
    today = today or dt.date.today()
    client = _client_rules(cur, draft.client_id)
    reasons = _line_reasons(draft.lines)
    lines = _priced_lines(cur, draft.lines)
    if client is None:
        reasons.insert(0, f"There is no client {draft.client_id}.")
    for row in lines.itertuples():
        if row.product is None or pd.isna(row.product):
            reasons.append(f"There is no product with SKU {row.sku!r}.")
        elif not row.active:
            reasons.append(f"{row.product} ({row.sku}) is no longer sold.")
    known = lines[lines["product"].notna()]
    grams = Decimal(sum(known["grams"], Decimal("0")))
    total = Decimal(sum(known["amount"], Decimal("0")))
    current = _get_template(cur, draft.client_id)
    carriers = {r[0] for r in cur.execute("SELECT name FROM carriers").fetchall()}
    reasons += _schedule_reasons(draft, carriers, today, current)
    next_on, warnings = None, []
    if client is not None:
        reasons += _gram_reasons(client, known, grams)
        if draft.schedule == "period" and client.valid_from is None:
            reasons.append(f"{client.name} has no prescription, so there are no prescription periods to follow; "
                           "choose a day of the month.")
        generated = _generated_periods(cur, current.recurring_order_id) if current else set()
        next_on = _next_order_on(draft, client, current, today, generated) if draft.schedule in SCHEDULES else None
        warnings = _warnings(client, next_on)
    has_cannabis = bool(known["is_cannabis"].any()) if len(known) else False
    return TemplateCheck(
        client=client,
        grams_per_month=grams if has_cannabis else None,
        monthly_total=total,
        shipments=_shipments(client.shipment_cap if client else None, known),
        next_order_on=next_on,
        reasons=tuple(reasons),
        warnings=tuple(warnings),
        lines=lines,
    )

