"""Recurring templates as records: what a CSR enters, what is stored, and reading them back.

One template per client (``recurring_orders`` + ``recurring_order_lines``); a line taken off a
template keeps its row with 0 units, so every reader counts only ``units > 0``.

The public readers (``client_rules``, ``get_template``, ``get_template_by_id``, ``template_events``) take
the acting person and check them against the staff list with the caller's cursor
(``staff.verification.verify``, ``view_client_records``). Their unchecked twins (``_client_rules``,
``_get_template``, ``_get_template_by_id``, ``_generated_periods``) are for the package's own checks and
writes, which checked their person first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from orders_core.rules import allowance, formatting
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.actor_columns import who_sql
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame, fetch_one, fetch_value

SCHEDULES = ("period", "day_of_month")
SCHEDULE_LABELS = {"period": "Start of each prescription period", "day_of_month": "A day of the month"}
STATUS_FILTERS = ("All", "Enabled", "Disabled")


class TemplateRefused(ValueError):
    """A template that cannot be saved, with every reason in plain words."""

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        super().__init__(" ".join(self.reasons))



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
        return None if self.grams_per_day is None else allowance.period_allowance(self.grams_per_day)

    @property
    def shipment_cap(self) -> Decimal | None:
        return None if self.grams_per_day is None else allowance.shipment_cap(self.grams_per_day)


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


def client_rules(cur: Cursor, client_id: int, person: Person) -> ClientRules | None:
    """The client's registration status and active prescription (None if there is no such client), for
    ``person``."""
    verify(cur, person, "view_client_records")
    return _client_rules(cur, client_id)


def _client_rules(cur: Cursor, client_id: int) -> ClientRules | None:
    """``client_rules`` unchecked."""
    row = fetch_one(
        cur, "SELECT client_id, name, registration_status::VARCHAR FROM clients WHERE client_id = ?",
        [client_id],
    )
    if row is None:
        return None
    rx = fetch_one(cur, _RX_SQL, [client_id])
    return ClientRules(row[0], row[1], row[2], *(rx[1:] if rx else (None, None, None)))


def get_template(cur: Cursor, client_id: int, person: Person) -> Template | None:
    """The client's recurring order, or None, for ``person``."""
    verify(cur, person, "view_client_records")
    return _get_template(cur, client_id)


def _get_template(cur: Cursor, client_id: int) -> Template | None:
    """``get_template`` unchecked."""
    rid = fetch_value(
        cur, "SELECT min(recurring_order_id) FROM recurring_orders WHERE client_id = ?", [client_id]
    )
    return None if rid is None else _get_template_by_id(cur, rid)


def get_template_by_id(cur: Cursor, recurring_order_id: int, person: Person) -> Template | None:
    """The recurring order ``recurring_order_id``, or None, for ``person``."""
    verify(cur, person, "view_client_records")
    return _get_template_by_id(cur, recurring_order_id)


def _get_template_by_id(cur: Cursor, recurring_order_id: int) -> Template | None:
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



def _generated_periods(cur: Cursor, rid: int) -> set[dt.date]:
    rows = cur.execute(
        "SELECT period_start FROM recurring_generations WHERE recurring_order_id = ?", [rid]
    ).fetchall()
    return {r[0] for r in rows}



def template_events(cur: Cursor, recurring_order_id: int, person: Person) -> pd.DataFrame:
    """What was done to the template, newest first, for ``person``."""
    verify(cur, person, "view_client_records")
    return fetch_frame(
        cur,
        f"""
        SELECT event_at AS "When", {who_sql("actor", "actor_email")} AS "Who", kind AS "What", details AS "Details"
        FROM recurring_events WHERE recurring_order_id = ? ORDER BY event_at DESC
        """,
        [recurring_order_id],
    )


def _g(value: Decimal | None) -> str:
    """Grams without the unit, as everywhere (``formatting.grams``); the SQL twin is the ``rec_g`` macro."""
    return formatting.grams(value, unit=False)
