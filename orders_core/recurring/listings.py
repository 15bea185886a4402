"""Reading recurring orders for the pages: the index, due counts, generated orders and skips (both engines).

The readers of client data (the index, generated orders, skips) take the acting person and check them
against the staff list with the caller's cursor (``staff.verification.verify``, ``view_client_records``:
the role table puts the Recurring Orders page in the Client Profile's row). ``count_due`` (a number),
``active_products`` and ``carriers`` (the catalogue) hold nothing personal and take no person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from orders_core.rules.limits import MAX_SEARCH_CHARS
from orders_core.rules.paging import Page, check_page
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage import dialect
from orders_core.storage.actor_columns import who_sql
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame, fetch_value

STATUS_FILTERS = ("All", "Enabled", "Disabled")
DUE_WINDOW_DAYS = 7
TEMPLATE_COLUMNS = ["Client", "Items", "Grams per Month", "Monthly Total", "Status", "Next Order On",
                    "Last Generated Order", "Last Skip Reason"]


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
        check_page(self.page, self.page_size, "recurring orders")
        return self


@dataclass(frozen=True)
class TemplatePage(Page):
    query: TemplateQuery


def _template_where(d: dialect.Dialect, q: TemplateQuery, today: dt.date) -> tuple[str, list]:
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
            clause = (f"r.client_id IN (SELECT client_id FROM clients WHERE "
                      f"{d.contains('name_key', d.fold('?::VARCHAR'))})")
            params.append(text)
            if text.lstrip("#").isascii() and text.lstrip("#").isdigit() and len(text.lstrip("#")) <= 9:
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
           CASE WHEN bool_or(p.is_cannabis) THEN sum(l.units * p.dried_equiv_grams) FILTER (WHERE p.is_cannabis) END AS grams,
           sum(l.units * p.unit_price) AS total
    FROM recurring_order_lines l LEFT JOIN products p USING (sku)
    WHERE l.recurring_order_id IN (SELECT recurring_order_id FROM page) AND l.units > 0
    GROUP BY l.recurring_order_id
) t USING (recurring_order_id)
ORDER BY r.enabled DESC, r.next_order_on NULLS LAST, c.name, r.recurring_order_id
"""


def list_templates(cur: Cursor, q: TemplateQuery, person: Person) -> TemplatePage:
    """One page of the Recurring Orders index (due first) and how many templates match, for ``person``."""
    verify(cur, person, "view_client_records")
    q = q.validated()
    today = q.today or dt.date.today()
    where, params = _template_where(dialect.of(cur), q, today)
    total = fetch_value(cur, "SELECT count(*) FROM recurring_orders r WHERE " + where, params)
    page_sql = (
        "WITH page AS (SELECT r.* FROM recurring_orders r JOIN clients c USING (client_id) WHERE " + where
        + " ORDER BY r.enabled DESC, r.next_order_on NULLS LAST, c.name, r.recurring_order_id LIMIT ? OFFSET ?) "
        + _TEMPLATE_ROWS
    )
    rows = fetch_frame(cur, page_sql, [*params, q.page_size, (q.page - 1) * q.page_size])
    return TemplatePage(rows=rows, total=total, query=q)


def count_due(cur: Cursor, today: dt.date | None = None, days: int = DUE_WINDOW_DAYS) -> int:
    """Enabled templates whose next order date falls before ``today`` + ``days`` (overdue ones included)."""
    today = today or dt.date.today()
    return fetch_value(
        cur,
        "SELECT count(*) FROM recurring_orders WHERE enabled AND next_order_on < ?::DATE + ?::INTEGER",
        [today, days],
    )


def generated_orders(
    cur: Cursor, person: Person, recurring_order_id: int | None = None, limit: int = 50
) -> pd.DataFrame:
    """Orders made from recurring templates, newest first (of one template, or of all), for ``person``."""
    verify(cur, person, "view_client_records")
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


def skip_history(cur: Cursor, recurring_order_id: int, person: Person) -> pd.DataFrame:
    """Why the template's periods were skipped, newest first, for ``person``."""
    verify(cur, person, "view_client_records")
    return fetch_frame(
        cur,
        f"""
        SELECT period_start AS "Period Start", skipped_at AS "Skipped At",
               {who_sql("skipped_by", "skipped_by_email")} AS "By", reason AS "Reason"
        FROM recurring_skips WHERE recurring_order_id = ? ORDER BY period_start DESC
        """,
        [recurring_order_id],
    )


def active_products(cur: Cursor) -> pd.DataFrame:
    """The catalogue a template can draw on."""
    return fetch_frame(
        cur,
        """
        SELECT sku, name, brand, category::VARCHAR AS category, is_cannabis, dried_equiv_grams, unit_price
        FROM products WHERE active ORDER BY is_cannabis DESC, name
        """,
    )


def carriers(cur: Cursor) -> list[str]:
    return [r[0] for r in cur.execute("SELECT name FROM carriers ORDER BY name").fetchall()]

