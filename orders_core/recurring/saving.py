"""Saving a template: create or update (one per client), enable/disable, and the template's events.

One template per client is a UNIQUE key on ``recurring_orders.client_id``. Two CSRs creating a
client's template at the same moment: the database lets one insert win (the other's commit or
insert fails with a conflict); the loser runs again, finds the winner's template, and is refused
in one sentence (nothing saved) rather than silently overwriting it. Two edits of one template
update the same row: the loser retries and its change is applied after the winner's (both are
recorded as events).

Saving, enabling and disabling a template is the role table's ``manage_recurring``, checked in the
write's transaction; each change's event records the acting person's name and e-mail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from orders_core.recurring.checks import _check_template
from orders_core.recurring.templates import (
    Template,
    TemplateCheck,
    TemplateDraft,
    TemplateLine,
    TemplateRefused,
    _g,
    _get_template,
)
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_value
from orders_core.storage.transactions import claim_key


def save_template(db: Database, draft: TemplateDraft, actor: Person, today: dt.date | None = None) -> int:
    """Create or update the client's template; TemplateRefused (nothing written) when it cannot ship legally."""

    creating: list[bool] = []  # what the first attempt found: no template yet (a create) or one (an edit)

    def work(cur: Cursor) -> int:
        verify(cur, actor, "manage_recurring")
        check = _check_template(cur, draft, today)
        if not check.ok:
            raise TemplateRefused(check.reasons)
        current = _get_template(cur, draft.client_id)
        if not creating:
            creating.append(current is None)
        elif creating[0] and current is not None:
            raise TemplateRefused([_created_meanwhile(cur, current)])
        values = [draft.carrier, bool(draft.enabled), draft.schedule,
                  draft.day_of_month if draft.schedule == "day_of_month" else None, check.next_order_on]
        if current is None:
            rid = fetch_value(cur, "SELECT nextval('recurring_ids')")
            claim_key(  # one template per client: a concurrent create makes this a conflict, then a refusal
                cur,
                """
                INSERT INTO recurring_orders (recurring_order_id, client_id, carrier, enabled, schedule,
                    day_of_month, next_order_on, created_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, now()::TIMESTAMP)
                """,
                [rid, draft.client_id, *values, actor.name],
            )
            kind, details = "created", "Recurring order created: " + describe_draft(draft, check)
        else:
            rid = current.recurring_order_id
            cur.execute(
                """
                UPDATE recurring_orders SET carrier = ?, enabled = ?, schedule = ?, day_of_month = ?,
                       next_order_on = ?, updated_at = now()::TIMESTAMP
                WHERE recurring_order_id = ?
                """,
                [*values, rid],
            )
            kind, details = "edited", describe_changes(current, draft, check)
        _write_lines(cur, rid, draft.lines)
        _record_template_event(cur, rid, actor, kind, details)
        return rid

    return db.write(work)


def _created_meanwhile(cur: Cursor, current: Template) -> str:
    who = fetch_value(cur, "SELECT created_by FROM recurring_orders WHERE recurring_order_id = ?",
                      [current.recurring_order_id])
    return (f"{who} created a recurring order (#{current.recurring_order_id}) for this client a moment ago, "
            "so yours was not saved; reload to see it and make your change there.")


def _write_lines(cur: Cursor, rid: int, lines: Sequence[TemplateLine]) -> None:
    """Make ``lines`` the template's lines. Nothing is deleted: a line no longer wanted keeps its row
    with 0 units (every reader counts only units > 0); the template's events say what changed."""
    existing = {r[0] for r in cur.execute(
        "SELECT line_no FROM recurring_order_lines WHERE recurring_order_id = ?", [rid]).fetchall()}
    cur.execute("UPDATE recurring_order_lines SET units = 0 WHERE recurring_order_id = ?", [rid])
    for n, ln in enumerate(lines, 1):
        if n in existing:
            cur.execute("UPDATE recurring_order_lines SET sku = ?, units = ? WHERE recurring_order_id = ? AND line_no = ?",
                        [ln.sku, ln.units, rid, n])
        else:
            cur.execute("INSERT INTO recurring_order_lines VALUES (?, ?, ?, ?)", [rid, n, ln.sku, ln.units])


def set_enabled(db: Database, client_id: int, enabled: bool, actor: Person, today: dt.date | None = None) -> int:
    """Enable or disable the client's template (enabling runs every check again)."""
    cur = db.cursor()
    verify(cur, actor, "manage_recurring")
    current = _get_template(cur, client_id)
    if current is None:
        raise TemplateRefused([f"Client {client_id} has no recurring order yet."])
    draft = TemplateDraft(client_id, current.lines, current.carrier, enabled, current.schedule,
                          current.day_of_month, None)
    return save_template(db, draft, actor, today)


def _record_template_event(cur: Cursor, rid: int, actor: Person, kind: str, details: str) -> None:
    cur.execute(
        "INSERT INTO recurring_events (event_id, recurring_order_id, event_at, actor, kind, details, actor_email) "
        "VALUES (nextval('recurring_event_ids'), ?, now()::TIMESTAMP, ?, ?, ?, ?)",
        [rid, actor.name, kind, details, actor.email],
    )


def describe_draft(draft: TemplateDraft, check: TemplateCheck) -> str:
    lines = "; ".join(f"{ln.units} x {ln.sku}" for ln in draft.lines)
    when = (f"day {draft.day_of_month} of each month" if draft.schedule == "day_of_month"
            else "start of each prescription period")
    grams = f"{_g(check.grams_per_month)} g a month" if check.grams_per_month is not None else "no cannabis"
    state = "Enabled" if draft.enabled else "Disabled"
    nxt = f"{check.next_order_on:%Y-%m-%d}" if check.next_order_on else "not set"
    return f"{lines}; {grams}; carrier {draft.carrier or 'not chosen'}; {when}; next order on {nxt}; {state}"


def describe_changes(current: Template, draft: TemplateDraft, check: TemplateCheck) -> str:
    changes = []
    if current.enabled != draft.enabled:
        changes.append("Enabled" if draft.enabled else "Disabled")
    if tuple(current.lines) != tuple(draft.lines):
        before = "; ".join(f"{ln.units} x {ln.sku}" for ln in current.lines)
        after = "; ".join(f"{ln.units} x {ln.sku}" for ln in draft.lines)
        changes.append(f"lines {before} → {after}")
    if current.carrier != draft.carrier:
        changes.append(f"carrier {current.carrier or 'none'} → {draft.carrier or 'none'}")
    if (current.schedule, current.day_of_month) != (draft.schedule, draft.day_of_month):
        changes.append(f"schedule {current.schedule} → {draft.schedule}")
    if current.next_order_on != check.next_order_on:
        changes.append(f"next order on {current.next_order_on} → {check.next_order_on}")
    return "Recurring order edited: " + (", ".join(changes) if changes else "no change")

