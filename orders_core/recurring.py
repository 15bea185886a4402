"""Recurring orders: monthly templates per client and the Open orders they generate.

A template (``recurring_orders`` + ``recurring_order_lines``) belongs to one client. Its next
order date follows either the client's 30-day prescription periods (``schedule='period'``) or a
chosen day of the month (``schedule='day_of_month'``, clipped to the month's last day).

Generation is set-based SQL over every due template at once:

- A template is due when it is Enabled and its next order date is on or before the run's date.
  Its *period* is the prescription period holding the run's date (or the latest scheduled day of
  the month on or before it); missed periods are not back-filled (unused grams do not carry over).
- A client whose registration is not Approved, or whose prescription has expired (or is missing,
  or not valid yet), or whose template no longer fits the allowance (or what the client's other
  orders left of it in the current prescription period), is skipped: the reason is kept on the
  template and in ``recurring_skips``.
- Otherwise one Open order (source Recurring, placed by "Recurring order", linked by
  ``recurring_order_id``, with a 'created' event saying it was generated) is made; a month over
  the shipment cap (the lesser of 30 x grams/day and 150 g) is split into several orders, each
  within the cap.
- Either way the next date advances to the next period. ``(recurring_order_id, period_start)``
  is the primary key of ``recurring_generations``; the run first updates every due template's row,
  so two overlapping runs conflict inside DuckDB and the loser retries and finds nothing due.

Decisions (the issue is silent): generated orders carry the products' current prices, no
discounts, no policy coverage and no shipping charge (coverage_amount = shipping_charge = 0, so
Total Due = subtotal); a CSR applies coverage and shipping when reviewing the Open order. One
template per client; a line taken off a template keeps its row with 0 units (nothing is deleted).
A skip also advances the next date (the period is skipped); a CSR can set
the next date back to today after fixing the cause. A successful generation clears the last skip
reason (the skip history stays in ``recurring_skips``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import pandas as pd

from .db import Database, DatabaseError, default_db_path, fetch_frame, fetch_one, fetch_value
from .equivalents import DAYS_PER_PERIOD, SHIPMENT_CAP_GRAMS

SCHEDULES = ("period", "day_of_month")
SCHEDULE_LABELS = {"period": "Start of each prescription period", "day_of_month": "A day of the month"}
STATUS_FILTERS = ("All", "Enabled", "Disabled")
PLACED_BY = "Recurring order"
JOB_ACTOR = "Recurring job (daily)"
CLI_ACTOR = "Command line (orders-core recurring run)"
MAX_UNITS = 999
MAX_SEARCH_CHARS = 200
DUE_WINDOW_DAYS = 7
TEMPLATE_COLUMNS = ["Client", "Items", "Grams per Month", "Monthly Total", "Status", "Next Order On",
                    "Last Generated Order", "Last Skip Reason"]

# Two runs in one process wait for each other; the database's own conflict check covers the rest.
_RUN_LOCK = threading.Lock()


class TemplateRefused(ValueError):
    """A template that cannot be saved, with every reason in plain words."""

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        super().__init__(" ".join(self.reasons))


# --------------------------------------------------------------------------- due-date arithmetic


def clip_to_month(year: int, month: int, day_of_month: int) -> dt.date:
    """``day_of_month`` in that month, or the month's last day when the month is shorter."""
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = (nxt - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day_of_month, last))


def _shift_month(day: dt.date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def day_of_month_on_or_before(day_of_month: int, day: dt.date) -> dt.date:
    """The latest scheduled day (``day_of_month``, clipped to month ends) on or before ``day``."""
    this = clip_to_month(day.year, day.month, day_of_month)
    return this if this <= day else clip_to_month(*_shift_month(day, -1), day_of_month)


def day_of_month_after(day_of_month: int, day: dt.date) -> dt.date:
    """The first scheduled day strictly after ``day``."""
    this = clip_to_month(day.year, day.month, day_of_month)
    return this if this > day else clip_to_month(*_shift_month(day, 1), day_of_month)


def day_of_month_on_or_after(day_of_month: int, day: dt.date) -> dt.date:
    return day_of_month_after(day_of_month, day - dt.timedelta(days=1))


def period_start_on_or_before(origin: dt.date, day: dt.date) -> dt.date:
    """The start of the 30-day period (counted from ``origin``) holding ``day`` (``day`` >= ``origin``)."""
    k = (day - origin).days // DAYS_PER_PERIOD
    return origin + dt.timedelta(days=k * DAYS_PER_PERIOD)


def period_start_on_or_after(origin: dt.date, day: dt.date) -> dt.date:
    """The first period start (``origin`` + 30 k, k >= 0) on or after ``day``."""
    if day <= origin:
        return origin
    k = -((origin - day).days // DAYS_PER_PERIOD)  # ceiling of (day - origin) / 30
    return origin + dt.timedelta(days=k * DAYS_PER_PERIOD)


def scheduled_on_or_after(
    schedule: str, day_of_month: int | None, valid_from: dt.date | None, day: dt.date
) -> dt.date | None:
    """The first date on or after ``day`` that the schedule generates an order (None if it cannot tell)."""
    if schedule == "day_of_month" and day_of_month:
        return day_of_month_on_or_after(day_of_month, day)
    if schedule == "period" and valid_from is not None:
        return period_start_on_or_after(valid_from, day)
    return None


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class TemplateLine:
    sku: str
    units: int


@dataclass(frozen=True)
class TemplateDraft:
    """What a CSR enters for a client's template. ``next_order_on`` None means 'follow the schedule'."""

    client_id: int
    lines: tuple[TemplateLine, ...]
    carrier: str | None = None
    enabled: bool = True
    schedule: str = "period"
    day_of_month: int | None = None
    next_order_on: dt.date | None = None


@dataclass(frozen=True)
class Template:
    recurring_order_id: int
    client_id: int
    carrier: str | None
    enabled: bool
    schedule: str
    day_of_month: int | None
    next_order_on: dt.date | None
    last_generated_order_id: int | None
    last_skip_reason: str | None
    last_skip_at: dt.datetime | None
    lines: tuple[TemplateLine, ...] = field(default=())


@dataclass(frozen=True)
class ClientRules:
    """What the client's registration and prescription allow."""

    client_id: int
    name: str
    registration_status: str
    grams_per_day: Decimal | None
    valid_from: dt.date | None
    valid_until: dt.date | None

    @property
    def allowance(self) -> Decimal | None:
        """Grams allowed per 30-day period (None without a prescription)."""
        return None if self.grams_per_day is None else self.grams_per_day * DAYS_PER_PERIOD

    @property
    def shipment_cap(self) -> Decimal | None:
        return None if self.allowance is None else min(self.allowance, SHIPMENT_CAP_GRAMS)


@dataclass(frozen=True)
class TemplateCheck:
    """A template weighed against the client's allowance and the per-shipment cap."""

    client: ClientRules | None
    grams_per_month: Decimal | None
    monthly_total: Decimal
    shipments: int
    next_order_on: dt.date | None
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]
    lines: pd.DataFrame

    @property
    def ok(self) -> bool:
        return not self.reasons


_RX_SQL = """
    SELECT client_id, grams_per_day, valid_from, valid_until FROM prescriptions
    WHERE client_id = ? AND active ORDER BY valid_from DESC, prescription_id DESC LIMIT 1
"""


def client_rules(cur: duckdb.DuckDBPyConnection, client_id: int) -> ClientRules | None:
    """The client's registration status and active prescription (None if there is no such client)."""
    row = fetch_one(
        cur, "SELECT client_id, name, registration_status::VARCHAR FROM clients WHERE client_id = ?",
        [client_id],
    )
    if row is None:
        return None
    rx = fetch_one(cur, _RX_SQL, [client_id])
    return ClientRules(row[0], row[1], row[2], *(rx[1:] if rx else (None, None, None)))


def get_template(cur: duckdb.DuckDBPyConnection, client_id: int) -> Template | None:
    """The client's recurring order, or None."""
    rid = fetch_value(
        cur, "SELECT min(recurring_order_id) FROM recurring_orders WHERE client_id = ?", [client_id]
    )
    return None if rid is None else get_template_by_id(cur, rid)


def get_template_by_id(cur: duckdb.DuckDBPyConnection, recurring_order_id: int) -> Template | None:
    row = fetch_one(
        cur,
        """
        SELECT recurring_order_id, client_id, carrier, enabled, schedule, day_of_month, next_order_on,
               last_generated_order_id, last_skip_reason, last_skip_at
        FROM recurring_orders WHERE recurring_order_id = ?
        """,
        [recurring_order_id],
    )
    if row is None:
        return None
    lines = cur.execute(
        "SELECT sku, units FROM recurring_order_lines WHERE recurring_order_id = ? AND units > 0 ORDER BY line_no",
        [recurring_order_id],
    ).fetchall()
    return Template(*row, lines=tuple(TemplateLine(s, u) for s, u in lines))


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


def _priced_lines(cur: duckdb.DuckDBPyConnection, lines: Sequence[TemplateLine]) -> pd.DataFrame:
    """Each line with its product (missing products have NULL name)."""
    return fetch_frame(
        cur,
        """
        SELECT l.line_no, l.sku, l.units, p.name AS product, p.is_cannabis, p.active,
               p.unit_price, p.dried_equiv_grams,
               l.units * p.unit_price AS amount,
               CASE WHEN p.is_cannabis THEN l.units * p.dried_equiv_grams ELSE 0 END AS grams
        FROM (SELECT unnest(?::VARCHAR[]) AS sku, unnest(?::INTEGER[]) AS units,
                     unnest(range(1, ?::INTEGER + 1)) AS line_no) l
        LEFT JOIN products p USING (sku)
        ORDER BY l.line_no
        """,
        [[ln.sku for ln in lines], [_as_int(ln.units) for ln in lines], len(lines)],
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


def _gram_reasons(client: ClientRules, lines: pd.DataFrame, grams: Decimal, today: dt.date) -> list[str]:
    if grams <= 0:
        return []
    if client.allowance is None:
        return [f"{client.name} has no prescription, so no cannabis can be sent to them."]
    reasons = []
    if grams > client.allowance:
        reasons.append(
            f"The template holds {_g(grams)} g a month, over {client.name}'s monthly allowance of "
            f"{_g(client.allowance)} g ({_g(client.grams_per_day)} g a day x {DAYS_PER_PERIOD}); it can never ship."
        )
    cap = client.shipment_cap
    for row in lines.itertuples():
        if row.is_cannabis and row.dried_equiv_grams > cap:
            reasons.append(
                f"One unit of {row.product} is {_g(row.dried_equiv_grams)} g, over the {_g(cap)} g "
                "one shipment may hold; it can never ship."
            )
    return reasons


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


def _shipments(grams: Decimal, cap: Decimal | None, lines: pd.DataFrame) -> int:
    """How many shipments the month needs (the generator packs units greedily, in line order)."""
    if cap is None or grams <= cap or cap <= 0:
        return 1
    count, load = 1, Decimal("0")
    for row in lines.itertuples():
        if not row.is_cannabis:
            continue
        for _ in range(int(row.units)):
            if load + row.dried_equiv_grams > cap:
                count, load = count + 1, Decimal("0")
            load += row.dried_equiv_grams
    return count


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


def check_template(cur: duckdb.DuckDBPyConnection, draft: TemplateDraft, today: dt.date | None = None) -> TemplateCheck:
    """Weigh ``draft`` against the client's allowance and the shipment cap; every reason it cannot be saved."""
    today = today or dt.date.today()
    client = client_rules(cur, draft.client_id)
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
    current = get_template(cur, draft.client_id)
    carriers = {r[0] for r in cur.execute("SELECT name FROM carriers").fetchall()}
    reasons += _schedule_reasons(draft, carriers, today, current)
    next_on, warnings = None, []
    if client is not None:
        reasons += _gram_reasons(client, known, grams, today)
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
        shipments=_shipments(grams, client.shipment_cap if client else None, known),
        next_order_on=next_on,
        reasons=tuple(reasons),
        warnings=tuple(warnings),
        lines=lines,
    )


def _generated_periods(cur: duckdb.DuckDBPyConnection, rid: int) -> set[dt.date]:
    rows = cur.execute(
        "SELECT period_start FROM recurring_generations WHERE recurring_order_id = ?", [rid]
    ).fetchall()
    return {r[0] for r in rows}


def save_template(db: Database, draft: TemplateDraft, actor: str, today: dt.date | None = None) -> int:
    """Create or update the client's template; TemplateRefused (nothing written) when it cannot ship legally."""

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        check = check_template(cur, draft, today)
        if not check.ok:
            raise TemplateRefused(check.reasons)
        current = get_template(cur, draft.client_id)
        values = [draft.carrier, bool(draft.enabled), draft.schedule,
                  draft.day_of_month if draft.schedule == "day_of_month" else None, check.next_order_on]
        if current is None:
            rid = fetch_value(cur, "SELECT nextval('recurring_ids')")
            cur.execute(
                """
                INSERT INTO recurring_orders (recurring_order_id, client_id, carrier, enabled, schedule,
                    day_of_month, next_order_on, created_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, now()::TIMESTAMP)
                """,
                [rid, draft.client_id, *values, actor],
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


def _write_lines(cur: duckdb.DuckDBPyConnection, rid: int, lines: Sequence[TemplateLine]) -> None:
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


def set_enabled(db: Database, client_id: int, enabled: bool, actor: str, today: dt.date | None = None) -> int:
    """Enable or disable the client's template (enabling runs every check again)."""
    cur = db.cursor()
    current = get_template(cur, client_id)
    if current is None:
        raise TemplateRefused([f"Client {client_id} has no recurring order yet."])
    draft = TemplateDraft(client_id, current.lines, current.carrier, enabled, current.schedule,
                          current.day_of_month, None)
    return save_template(db, draft, actor, today)


def _record_template_event(cur: duckdb.DuckDBPyConnection, rid: int, actor: str, kind: str, details: str) -> None:
    cur.execute(
        "INSERT INTO recurring_events VALUES (?, now()::TIMESTAMP, ?, ?, ?)", [rid, actor, kind, details]
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


def template_events(cur: duckdb.DuckDBPyConnection, recurring_order_id: int) -> pd.DataFrame:
    return fetch_frame(
        cur,
        """
        SELECT event_at AS "When", actor AS "Who", kind AS "What", details AS "Details"
        FROM recurring_events WHERE recurring_order_id = ? ORDER BY event_at DESC
        """,
        [recurring_order_id],
    )


def _g(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value):.3f}".rstrip("0").rstrip(".")
    return text or "0"


# --------------------------------------------------------------------------- generation (set-based)

_MACROS = """
CREATE OR REPLACE TEMP MACRO rec_clip(m, dom) AS
    make_date(year(m), month(m), least(dom, day(last_day(m))));
CREATE OR REPLACE TEMP MACRO rec_dom_on_or_before(d, dom) AS
    CASE WHEN rec_clip(d, dom) <= d THEN rec_clip(d, dom)
         ELSE rec_clip((date_trunc('month', d) - INTERVAL 1 MONTH)::DATE, dom) END;
CREATE OR REPLACE TEMP MACRO rec_dom_after(d, dom) AS
    rec_clip((date_trunc('month', d) + INTERVAL 1 MONTH)::DATE, dom);
CREATE OR REPLACE TEMP MACRO rec_g(x) AS
    CASE WHEN x::VARCHAR LIKE '%.%' THEN rtrim(rtrim(x::VARCHAR, '0'), '.') ELSE x::VARCHAR END;
CREATE OR REPLACE TEMP MACRO rec_grid_on_or_before(origin, d) AS
    (origin + (30 * (date_diff('day', origin, d) // 30))::INTEGER)::DATE;
"""

# Every enabled template due on $as_of, with its period, its next date and why it is skipped (if so).
_STAGE_DUE = """
CREATE OR REPLACE TEMP TABLE rec_due AS
WITH due AS (
    SELECT recurring_order_id AS rid, client_id, carrier, schedule, day_of_month, next_order_on
    FROM recurring_orders WHERE enabled AND next_order_on <= $as_of
),
rx AS (
    SELECT DISTINCT ON (client_id) client_id, grams_per_day, valid_from, valid_until
    FROM prescriptions WHERE active AND client_id IN (SELECT client_id FROM due)
    ORDER BY client_id, valid_from DESC, prescription_id DESC
),
tl AS (
    SELECT l.recurring_order_id AS rid, count(*) AS n_lines,
           sum(l.units * p.unit_price) AS subtotal,
           sum(CASE WHEN p.is_cannabis THEN l.units * p.dried_equiv_grams ELSE 0 END) AS grams,
           bool_or(p.is_cannabis) AS has_cannabis,
           max(CASE WHEN p.is_cannabis THEN p.dried_equiv_grams ELSE 0 END) AS max_unit_grams,
           bool_or(p.sku IS NULL OR NOT p.active) AS unavailable
    FROM recurring_order_lines l LEFT JOIN products p USING (sku)
    WHERE l.recurring_order_id IN (SELECT rid FROM due) AND l.units > 0
    GROUP BY ALL
),
base AS (
    SELECT d.*, c.name AS client, c.registration_status::VARCHAR AS registration,
           rx.grams_per_day, rx.valid_from, rx.valid_until,
           rx.grams_per_day * 30 AS allowance, least(rx.grams_per_day * 30, 150) AS cap,
           coalesce(tl.n_lines, 0) AS n_lines, coalesce(tl.subtotal, 0) AS subtotal,
           coalesce(tl.grams, 0) AS grams, coalesce(tl.has_cannabis, FALSE) AS has_cannabis,
           coalesce(tl.max_unit_grams, 0) AS max_unit_grams, coalesce(tl.unavailable, FALSE) AS unavailable,
           rx.valid_from IS NOT NULL AND rx.valid_from <= $as_of AS rx_started
    FROM due d JOIN clients c USING (client_id)
    LEFT JOIN rx USING (client_id) LEFT JOIN tl USING (rid)
),
sched AS (
    SELECT *,
           CASE WHEN schedule = 'day_of_month' AND day_of_month IS NOT NULL
                     THEN rec_dom_on_or_before($as_of, day_of_month)
                WHEN rx_started THEN rec_grid_on_or_before(valid_from, $as_of)
                ELSE rec_grid_on_or_before(next_order_on, $as_of) END AS period_start,
           CASE WHEN rx_started THEN rec_grid_on_or_before(valid_from, $as_of) END AS rx_period_start
    FROM base
),
marked AS (
    SELECT s.*, EXISTS (SELECT 1 FROM recurring_generations g
                        WHERE g.recurring_order_id = s.rid AND g.period_start = s.period_start) AS already
    FROM sched s
),
used AS (   -- grams the client's other orders already take from the prescription period holding $as_of
    SELECT m.rid, sum(o.grams) AS used_grams
    FROM marked m JOIN orders o ON o.client_id = m.client_id
    WHERE m.rx_period_start IS NOT NULL AND o.status <> 'Cancelled' AND o.grams IS NOT NULL
      AND o.created_at >= m.rx_period_start AND o.created_at < least(m.rx_period_start + 30, m.valid_until + 1)
    GROUP BY m.rid
)
SELECT m.*, coalesce(u.used_grams, 0) AS used_grams,
       CASE WHEN schedule = 'day_of_month' AND day_of_month IS NOT NULL THEN rec_dom_after(period_start, day_of_month)
            WHEN NOT rx_started AND valid_from IS NOT NULL AND valid_from > $as_of THEN valid_from
            ELSE period_start + 30 END AS next_on,
       CASE WHEN already THEN NULL
            WHEN registration <> 'Approved'
                 THEN 'Registration is ' || registration || ', not Approved.'
            WHEN valid_from IS NULL THEN 'The client has no prescription.'
            WHEN valid_until < $as_of THEN 'The prescription expired on ' || strftime(valid_until, '%Y-%m-%d') || '.'
            WHEN valid_from > $as_of
                 THEN 'The prescription is not valid until ' || strftime(valid_from, '%Y-%m-%d') || '.'
            WHEN n_lines = 0 THEN 'The recurring order has no products.'
            WHEN unavailable THEN 'A product on the recurring order is no longer sold.'
            WHEN grams > allowance
                 THEN 'The recurring order holds ' || rec_g(grams) || ' g a month, over the monthly allowance of '
                      || rec_g(allowance) || ' g.'
            WHEN max_unit_grams > cap
                 THEN 'One unit of a product is over the ' || rec_g(cap) || ' g one shipment may hold.'
            WHEN has_cannabis AND coalesce(u.used_grams, 0) + grams > allowance
                 THEN 'Only ' || rec_g(greatest(allowance - coalesce(u.used_grams, 0), 0)) || ' g of the '
                      || rec_g(allowance) || ' g allowance is left in the prescription period starting '
                      || strftime(rx_period_start, '%Y-%m-%d') || '; the recurring order needs ' || rec_g(grams) || ' g.'
       END AS skip_reason
FROM marked m LEFT JOIN used u USING (rid)
"""

# The lines of every template that generates, each assigned to its shipment (1 unless over the cap).
_STAGE_LINES = """
CREATE OR REPLACE TEMP TABLE rec_lines AS
SELECT d.rid, l.line_no, l.sku, l.units, p.unit_price, p.is_cannabis,
       CASE WHEN p.is_cannabis THEN p.dried_equiv_grams ELSE 0 END AS g,
       d.grams > d.cap AS split
FROM rec_due d
JOIN recurring_order_lines l ON l.recurring_order_id = d.rid AND l.units > 0
JOIN products p USING (sku)
WHERE d.skip_reason IS NULL AND NOT d.already;

CREATE OR REPLACE TEMP TABLE rec_units AS
SELECT l.rid, l.line_no, l.g,
       row_number() OVER (PARTITION BY l.rid ORDER BY l.line_no, k.k) AS idx
FROM rec_lines l, LATERAL (SELECT unnest(range(l.units)) AS k) k
WHERE l.split AND l.g > 0;

CREATE OR REPLACE TEMP TABLE rec_ship_lines AS
WITH RECURSIVE pack(rid, idx, shipment_no, load) AS (
    SELECT rid, idx, 1, g::DECIMAL(14,3) FROM rec_units WHERE idx = 1
    UNION ALL
    SELECT u.rid, u.idx,
           p.shipment_no + CASE WHEN p.load + u.g > d.cap THEN 1 ELSE 0 END,
           (CASE WHEN p.load + u.g > d.cap THEN u.g ELSE p.load + u.g END)::DECIMAL(14,3)
    FROM pack p
    JOIN rec_units u ON u.rid = p.rid AND u.idx = p.idx + 1
    JOIN rec_due d ON d.rid = p.rid
),
packed AS (
    SELECT u.rid, p.shipment_no, u.line_no, count(*)::INTEGER AS units
    FROM pack p JOIN rec_units u USING (rid, idx)
    GROUP BY ALL
)
SELECT l.rid, coalesce(k.shipment_no, 1) AS shipment_no, l.line_no, l.sku,
       coalesce(k.units, l.units) AS units, l.unit_price, l.is_cannabis, l.g
FROM rec_lines l
LEFT JOIN packed k ON k.rid = l.rid AND k.line_no = l.line_no AND l.split AND l.g > 0;

CREATE OR REPLACE TEMP TABLE rec_shipments AS
SELECT rid, shipment_no, count(*) OVER (PARTITION BY rid) AS shipments,
       sum_amount, grams
FROM (
    SELECT rid, shipment_no, sum(units * unit_price) AS sum_amount,
           CASE WHEN bool_or(is_cannabis) THEN sum(units * g) FILTER (is_cannabis) END AS grams
    FROM rec_ship_lines GROUP BY ALL
);
"""

_WRITE = """
UPDATE recurring_orders r
SET next_order_on = d.next_on,
    last_skip_reason = CASE WHEN d.skip_reason IS NOT NULL THEN d.skip_reason
                            WHEN d.already THEN r.last_skip_reason END,
    last_skip_at = CASE WHEN d.skip_reason IS NOT NULL THEN now()::TIMESTAMP
                        WHEN d.already THEN r.last_skip_at END,
    updated_at = now()::TIMESTAMP
FROM rec_due d WHERE r.recurring_order_id = d.rid;

INSERT INTO recurring_generations
SELECT rid, period_start, now()::TIMESTAMP, $actor, coalesce(max(s.shipments), 1)
FROM rec_due d LEFT JOIN rec_shipments s USING (rid)
WHERE d.skip_reason IS NULL AND NOT d.already
GROUP BY rid, period_start;

INSERT OR REPLACE INTO recurring_skips
SELECT rid, period_start, now()::TIMESTAMP, $actor, skip_reason FROM rec_due WHERE skip_reason IS NOT NULL;

CREATE OR REPLACE TEMP TABLE rec_new_orders AS
SELECT s.*, d.client_id, d.carrier, d.period_start, nextval('order_ids') AS order_id
FROM rec_shipments s JOIN rec_due d USING (rid);

INSERT INTO orders (order_id, client_id, source, placed_by, created_at, status, subtotal,
    line_discount_total, order_discount, coverage_amount, shipping_charge, total_due, grams, carrier,
    return_policy_agreed, recurring_order_id, version, updated_at)
SELECT order_id, client_id, 'Recurring', $placed_by, $created_at, 'Open', sum_amount,
       0, 0, 0, 0, sum_amount, grams, carrier, FALSE, rid, 1, now()::TIMESTAMP
FROM rec_new_orders;

INSERT INTO order_lines
SELECT n.order_id, row_number() OVER (PARTITION BY n.order_id ORDER BY l.line_no), l.sku, l.units, l.unit_price, 0
FROM rec_ship_lines l JOIN rec_new_orders n USING (rid, shipment_no);

INSERT INTO recurring_generated_orders
SELECT order_id, rid, period_start, shipment_no FROM rec_new_orders;

INSERT INTO order_events
SELECT nextval('event_ids'), n.order_id, now()::TIMESTAMP, $actor, 'created',
       'Order generated from recurring order #' || n.rid || ' for the period starting '
       || strftime(n.period_start, '%Y-%m-%d')
       || CASE WHEN n.shipments > 1 THEN ' (shipment ' || n.shipment_no || ' of ' || n.shipments
               || ', each within the shipment cap)' ELSE '' END
       || ': ' || l.items || '; ' || coalesce(rec_g(n.grams) || ' g', 'no cannabis')
       || '; Total Due $' || n.sum_amount::DECIMAL(12,2)::VARCHAR
       || '. Policy coverage and shipping are applied when a CSR reviews the order.'
FROM rec_new_orders n
JOIN (SELECT rid, shipment_no, string_agg(units || ' x ' || sku, '; ' ORDER BY line_no) AS items
      FROM rec_ship_lines GROUP BY ALL) l USING (rid, shipment_no);

UPDATE recurring_orders r SET last_generated_order_id = n.order_id
FROM (SELECT rid, max(order_id) AS order_id FROM rec_new_orders GROUP BY rid) n
WHERE r.recurring_order_id = n.rid;
"""


@dataclass(frozen=True)
class GenerationResult:
    """What a run did: the orders it created and the templates it skipped (with reasons)."""

    as_of: dt.date
    due: int
    generated_templates: int
    orders: pd.DataFrame
    skipped: pd.DataFrame
    already: int

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


def _run_script(cur: duckdb.DuckDBPyConnection, script: str, params: dict | None = None) -> None:
    """Run our own multi-statement SQL, giving each statement the named parameters it uses."""
    for statement in script.split(";\n"):
        if statement.strip():
            used = {k: v for k, v in (params or {}).items() if f"${k}" in statement}
            cur.execute(statement, used)


def _stage(cur: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    _run_script(cur, _MACROS)
    _run_script(cur, _STAGE_DUE, {"as_of": as_of})
    _run_script(cur, _STAGE_LINES)


_PLAN_SQL = """
SELECT d.client AS "Client", d.client_id AS "Client ID", d.rid AS "Recurring Order",
       d.next_order_on AS "Due On", d.period_start AS "Period Start", coalesce(s.shipments, 0) AS "Orders",
       CASE WHEN d.has_cannabis THEN d.grams END AS "Grams", d.subtotal AS "Total Due",
       d.next_on AS "Next Order On",
       CASE WHEN d.skip_reason IS NOT NULL THEN 'Skip: ' || d.skip_reason
            WHEN d.already THEN 'Already generated for this period'
            WHEN s.shipments > 1 THEN 'Generate ' || s.shipments || ' shipments within the cap'
            ELSE 'Generate' END AS "Action"
FROM rec_due d
LEFT JOIN (SELECT rid, max(shipments) AS shipments FROM rec_shipments GROUP BY rid) s USING (rid)
ORDER BY d.skip_reason IS NOT NULL, d.next_order_on, d.client
"""


def preview_due(cur: duckdb.DuckDBPyConnection, as_of: dt.date | None = None) -> pd.DataFrame:
    """What a run on ``as_of`` would do, one row per due template (writes nothing)."""
    as_of = as_of or dt.date.today()
    _stage(cur, as_of)
    return fetch_frame(cur, _PLAN_SQL)


def _generate_work(cur: duckdb.DuckDBPyConnection, as_of: dt.date, actor: str, created_at: dt.datetime) -> GenerationResult:
    _stage(cur, as_of)
    _run_script(cur, _WRITE, {"actor": actor, "placed_by": PLACED_BY, "created_at": created_at})
    due, generated, already = fetch_one(
        cur,
        "SELECT count(*), count(*) FILTER (skip_reason IS NULL AND NOT already), "
        "count(*) FILTER (already AND skip_reason IS NULL) FROM rec_due",
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
    return GenerationResult(as_of, due, generated, orders, skipped, already)


def generate_due(db: Database, actor: str, as_of: dt.date | None = None) -> GenerationResult:
    """Generate every due template's order(s) for ``as_of`` (default today) in one transaction; idempotent."""
    as_of = as_of or dt.date.today()
    if not actor or not actor.strip():
        raise ValueError("Say who is generating the orders.")
    now = dt.datetime.now()
    created_at = dt.datetime.combine(as_of, now.time()) if as_of != now.date() else now
    with _RUN_LOCK:
        return db.write(lambda cur: _generate_work(cur, as_of, actor.strip(), created_at))


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class TemplateQuery:
    status: str = "All"
    due_this_week: bool = False
    search: str = ""
    page: int = 1
    page_size: int = 50
    today: dt.date | None = None

    def validated(self) -> TemplateQuery:
        if self.status not in STATUS_FILTERS:
            raise ValueError(f"Unknown filter {self.status!r}; choose one of {', '.join(STATUS_FILTERS)}.")
        if self.page < 1 or not 1 <= self.page_size <= 1000:
            raise ValueError("Page numbers start at 1 and a page holds 1 to 1,000 recurring orders.")
        return self


@dataclass(frozen=True)
class TemplatePage:
    rows: pd.DataFrame
    total: int
    query: TemplateQuery

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.page_size))


def _template_where(q: TemplateQuery, today: dt.date) -> tuple[str, list]:
    clauses, params = ["TRUE"], []
    if q.status == "Enabled":
        clauses.append("r.enabled")
    elif q.status == "Disabled":
        clauses.append("NOT r.enabled")
    if q.due_this_week:
        clauses.append("r.enabled AND r.next_order_on < ?::DATE + ?::INTEGER")
        params += [today, DUE_WINDOW_DAYS]
    text = q.search.strip()
    if text:
        if len(text) > MAX_SEARCH_CHARS:
            clauses.append("FALSE")
        else:
            clause = "r.client_id IN (SELECT client_id FROM clients WHERE contains(name_key, lower(strip_accents(?))))"
            params.append(text)
            if text.lstrip("#").isdigit() and len(text.lstrip("#")) <= 9:
                clause = f"({clause} OR r.client_id = ? OR r.recurring_order_id = ?)"
                params += [int(text.lstrip("#"))] * 2
            clauses.append(clause)
    return " AND ".join(clauses), params


_TEMPLATE_ROWS = """
SELECT r.recurring_order_id AS "Recurring Order", r.client_id AS "Client ID", c.name AS "Client",
       coalesce(t.items, '') AS "Items", t.grams AS "Grams per Month", coalesce(t.total, 0) AS "Monthly Total",
       CASE WHEN r.enabled THEN 'Enabled' ELSE 'Disabled' END AS "Status",
       r.next_order_on AS "Next Order On", r.last_generated_order_id AS "Last Generated Order",
       r.last_skip_reason AS "Last Skip Reason"
FROM page r
JOIN clients c USING (client_id)
LEFT JOIN (
    SELECT l.recurring_order_id, string_agg(l.units || ' x ' || coalesce(p.name, l.sku), '; ' ORDER BY l.line_no) AS items,
           CASE WHEN bool_or(p.is_cannabis) THEN sum(l.units * p.dried_equiv_grams) FILTER (p.is_cannabis) END AS grams,
           sum(l.units * p.unit_price) AS total
    FROM recurring_order_lines l LEFT JOIN products p USING (sku)
    WHERE l.recurring_order_id IN (SELECT recurring_order_id FROM page) AND l.units > 0
    GROUP BY l.recurring_order_id
) t USING (recurring_order_id)
ORDER BY r.enabled DESC, r.next_order_on NULLS LAST, c.name, r.recurring_order_id
"""


def list_templates(cur: duckdb.DuckDBPyConnection, q: TemplateQuery) -> TemplatePage:
    """One page of the Recurring Orders index (due first) and how many templates match."""
    q = q.validated()
    today = q.today or dt.date.today()
    where, params = _template_where(q, today)
    total = fetch_value(cur, "SELECT count(*) FROM recurring_orders r WHERE " + where, params)
    page_sql = (
        "WITH page AS (SELECT r.* FROM recurring_orders r JOIN clients c USING (client_id) WHERE " + where
        + " ORDER BY r.enabled DESC, r.next_order_on NULLS LAST, c.name, r.recurring_order_id LIMIT ? OFFSET ?) "
        + _TEMPLATE_ROWS
    )
    rows = fetch_frame(cur, page_sql, [*params, q.page_size, (q.page - 1) * q.page_size])
    return TemplatePage(rows=rows, total=total, query=q)


def count_due(cur: duckdb.DuckDBPyConnection, today: dt.date | None = None, days: int = DUE_WINDOW_DAYS) -> int:
    """Enabled templates whose next order date falls before ``today`` + ``days`` (overdue ones included)."""
    today = today or dt.date.today()
    return fetch_value(
        cur,
        "SELECT count(*) FROM recurring_orders WHERE enabled AND next_order_on < ?::DATE + ?::INTEGER",
        [today, days],
    )


def generated_orders(
    cur: duckdb.DuckDBPyConnection, recurring_order_id: int | None = None, limit: int = 50
) -> pd.DataFrame:
    """Orders made from recurring templates, newest first (of one template, or of all)."""
    where = "o.source = 'Recurring'" if recurring_order_id is None else "o.recurring_order_id = ?"
    params: list = [] if recurring_order_id is None else [recurring_order_id]
    return fetch_frame(
        cur,
        """
        SELECT o.order_id AS "Order ID", c.name AS "Client", g.period_start AS "Period Start",
               g.shipment_no AS "Shipment", o.grams AS "Quantity", o.total_due AS "Total Due",
               o.created_at AS "Created At", o.status::VARCHAR AS "Status", o.carrier AS "Carrier"
        FROM (SELECT * FROM orders o WHERE """ + where + """ ORDER BY o.created_at DESC, o.order_id DESC LIMIT ?) o
        JOIN clients c USING (client_id)
        LEFT JOIN recurring_generated_orders g USING (order_id)
        ORDER BY o.created_at DESC, o.order_id DESC
        """,
        [*params, limit],
    )


def skip_history(cur: duckdb.DuckDBPyConnection, recurring_order_id: int) -> pd.DataFrame:
    return fetch_frame(
        cur,
        """
        SELECT period_start AS "Period Start", skipped_at AS "Skipped At", skipped_by AS "By", reason AS "Reason"
        FROM recurring_skips WHERE recurring_order_id = ? ORDER BY period_start DESC
        """,
        [recurring_order_id],
    )


def active_products(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The catalogue a template can draw on."""
    return fetch_frame(
        cur,
        """
        SELECT sku, name, brand, category::VARCHAR AS category, is_cannabis, dried_equiv_grams, unit_price
        FROM products WHERE active ORDER BY is_cannabis DESC, name
        """,
    )


def carriers(cur: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in cur.execute("SELECT name FROM carriers ORDER BY name").fetchall()]


# --------------------------------------------------------------------------- command line


def _run_cli(args: argparse.Namespace) -> int:
    try:
        db = Database(args.db, create=False)
    except DatabaseError as exc:
        if "already open" in str(exc):
            print(
                f"The database {args.db} is held by the running app, which generates due orders by itself "
                "once a day, so nothing was changed; use \"Generate due orders\" on its Recurring Orders "
                "page, or stop the app and run this again.",
                file=sys.stderr,
            )
        else:
            print(str(exc), file=sys.stderr)
        return 2
    try:
        if args.dry_run:
            plan = preview_due(db.cursor(), args.as_of)
            print(plan.to_string(index=False) if len(plan) else "Nothing is due.")
            return 0
        result = generate_due(db, CLI_ACTOR, args.as_of)
    finally:
        db.close()
    print(result.summary())
    for row in result.skipped.itertuples():
        print(f"  skipped {row.Client} (client {row[2]}): {row.Reason}")
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add ``orders-core recurring run [--as-of DATE] [--db PATH] [--dry-run]``."""
    from .cli import date_arg  # the command line imports this module, not the other way round

    recurring = subparsers.add_parser("recurring", help="recurring monthly orders")
    sub = recurring.add_subparsers(dest="recurring_command", required=True)
    run = sub.add_parser("run", help="generate the orders that are due (idempotent)")
    run.add_argument("--as-of", type=date_arg, default=None, help="the run's date (default: today)")
    run.add_argument("--db", default=default_db_path(), help="database file (default $ORDERS_DB or data/orders.duckdb)")
    run.add_argument("--dry-run", action="store_true", help="show what would be generated and change nothing")
    run.set_defaults(func=_run_cli)
