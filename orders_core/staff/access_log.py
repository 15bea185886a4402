"""The access log: who opened which client's profile, which order, which report, and every export.

``record`` is called by the domain function that reads, right after the read and on the same cursor
(``clients.records.get_client``, ``orders.detail.get_order``, ``orders.access.export_csv_for``,
``reports.report_access.metrics_for``), so the pages, the command line and the tests all leave the same
rows. ``read_log`` is the one reader: an Administrator's (the role table's ``read_access_log``), a page
at a time, newest first, filtered by client, person, kind and dates. Nothing in this module, or anywhere
in the app, updates or deletes a row (on PostgreSQL triggers refuse it as well: migration 10).

Decisions the requirements left open:
- What is recorded: a Client Profile read (``get_client``: the client's date of birth, prescription and
  coverage), an Order Profile read (``get_order``, with the order's client, also for a Fulfillment
  Associate's shipping view: it shows the client's name and address), the Metrics report (with its
  range and filters in words) and every CSV export (its filter in words and its row count). The lists
  (Orders index, Clients) are not recorded: what a person then opens is.
- One row per opening, not per redraw: Streamlit runs a page again on every click, so a read of the same
  record (same person, same kind, same client, order, report and filter) within ``REOPEN_MINUTES`` of
  their last recorded one is the same opening and adds no row. Every export is a row of its own.
- A read that finds nothing (no such client or order) records nothing: no personal information was read.
- Who is recorded as the staff list has them at that moment (e-mail, name, role); a person not on the
  list, deactivated or with another role cannot leave a row (``NotAllowed``), so the log cannot be
  filled with made-up names.
- The row is written after the read and before the result is returned: when it cannot be written the
  caller gets the error, not the information (an export produces no file).
- ``--client`` finds the profile and order openings of that client; an export is not tied to one
  client (its filter and row count say what it held), and reading the access log itself is not
  recorded (only Administrators can, and it holds client ids, not health information).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from orders_core.rules.paging import Page, check_page
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import NotAllowed, Person
from orders_core.staff.members import normal_email
from orders_core.staff.verification import verify
from orders_core.storage.actor_columns import who_sql
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame, fetch_value

CLIENT_PROFILE, ORDER, REPORT, EXPORT = "client profile", "order", "report", "export"
KINDS = (CLIENT_PROFILE, ORDER, REPORT, EXPORT)
REOPEN_MINUTES = 10
COLUMNS = ["When", "Who", "Role", "Opened", "Client ID", "Order ID", "Report or export", "Filter", "Rows"]


class InvalidLogQuery(Refused, ValueError):
    """An access-log filter that cannot be applied, said in one sentence."""


# --- writing -------------------------------------------------------------------------------------

def record(cur: Cursor, person: Person, kind: str, *, client_id: int | None = None, order_id: int | None = None,
           what: str | None = None, filters: str | None = None, rows: int | None = None) -> bool:
    """Record that ``person`` read something (module docstring); False when it is the same opening as
    their last one (nothing written). ``NotAllowed`` when ``person`` is not active on the staff list with
    that role."""
    if kind not in KINDS:
        raise KeyError(f"{kind!r} is not a kind of the access log")
    subject = [client_id, order_id, what, filters]
    if kind != EXPORT and fetch_value(
        cur,
        f"""SELECT 1 FROM access_log WHERE actor_email = ? AND kind = ?
              AND client_id IS NOT DISTINCT FROM ? AND order_id IS NOT DISTINCT FROM ?
              AND what IS NOT DISTINCT FROM ? AND filters IS NOT DISTINCT FROM ?
              AND accessed_at >= now()::TIMESTAMP - INTERVAL '{REOPEN_MINUTES} minutes'
            LIMIT 1""",
        [normal_email(person.email), kind, *subject],
    ):
        return False
    written = cur.execute(
        """INSERT INTO access_log (access_id, accessed_at, actor_email, actor, role, kind, client_id, order_id, what,
                                   filters, row_count)
           SELECT nextval('access_log_ids'), now()::TIMESTAMP, email, name, role, ?, ?, ?, ?, ?, ?
           FROM staff WHERE email = ? AND active AND role = ?
           RETURNING access_id""",
        [kind, *subject, rows, normal_email(person.email), person.role],
    ).fetchall()
    if not written:
        raise NotAllowed(f"{person.email} is not an active {person.role} on the staff list, so nothing was shown.")
    return True


# --- reading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogQuery:
    """Which rows of the log: all filters optional and combined with AND; newest first, a page at a time."""

    client_id: int | None = None
    email: str | None = None             # who opened (any case)
    kinds: tuple[str, ...] = ()
    since: dt.date | None = None         # from this day on
    until: dt.date | None = None         # up to and including this day
    up_to_id: int | None = None          # rows recorded up to this one: pages that stay put while rows are added
    page: int = 1
    page_size: int = 50

    def validated(self) -> LogQuery:
        bad = [k for k in self.kinds if k not in KINDS]
        if bad:
            raise InvalidLogQuery(f"Unknown kind {bad[0]!r}; the kinds are {', '.join(KINDS)}.")
        if self.since and self.until and self.since > self.until:
            raise InvalidLogQuery("The 'since' date is after the 'until' date.")
        check_page(self.page, self.page_size, "rows", InvalidLogQuery)
        return self

    def at_page(self, page: int) -> LogQuery:
        return replace(self, page=page)


@dataclass(frozen=True)
class LogPage(Page):
    query: LogQuery


def _where(q: LogQuery) -> tuple[str, list]:
    clauses, params = ["TRUE"], []
    if q.client_id is not None:
        clauses.append("client_id = ?")
        params.append(q.client_id)
    if q.email:
        clauses.append("actor_email = ?")
        params.append(normal_email(q.email))
    if q.kinds:
        clauses.append("kind IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(q.kinds))
    if q.since:
        clauses.append("accessed_at >= ?::DATE")
        params.append(q.since)
    if q.up_to_id is not None:
        clauses.append("access_id <= ?")
        params.append(q.up_to_id)
    if q.until:
        clauses.append("accessed_at < ?::DATE + INTERVAL '1 day'")
        params.append(q.until)
    return " AND ".join(clauses), params


def read_log(cur: Cursor, q: LogQuery, person: Person) -> LogPage:
    """One page of the access log (newest first) and how many rows match, for an Administrator on the
    staff list (``NotAllowed`` otherwise)."""
    verify(cur, person, "read_access_log")
    q = q.validated()
    where, params = _where(q)
    total = fetch_value(cur, f"SELECT count(*) FROM access_log WHERE {where}", params)
    rows = fetch_frame(
        cur,
        f"""SELECT accessed_at AS "When", {who_sql("actor", "actor_email")} AS "Who", role AS "Role", kind AS "Opened",
                   client_id AS "Client ID", order_id AS "Order ID", what AS "Report or export",
                   filters AS "Filter", row_count AS "Rows"
            FROM access_log WHERE {where} ORDER BY access_id DESC LIMIT ? OFFSET ?""",
        [*params, q.page_size, (q.page - 1) * q.page_size],
    )
    rows = rows.astype({"Client ID": "Int64", "Order ID": "Int64", "Rows": "Int64"})
    return LogPage(rows=rows, total=int(total), query=q)


def last_id(cur: Cursor) -> int:
    """The id of the latest row (0 for an empty log): ``LogQuery.up_to_id`` for pages that stay put."""
    return int(fetch_value(cur, "SELECT coalesce(max(access_id), 0) FROM access_log"))


def sentence(kind: str, client_id=None, order_id=None, what=None, filters=None, rows=None) -> str:
    """What one row says was opened, in words: "client 1001's profile", "order 100123 (client 1001)",
    "the Metrics report: 2026-11-01 to 2026-11-30", "export Orders CSV, 12 rows: view All"."""
    client_id, order_id, what, filters, rows = (None if pd.isna(v) else v
                                                for v in (client_id, order_id, what, filters, rows))
    detail = f": {filters}" if filters else ""
    if kind == CLIENT_PROFILE:
        return f"client {client_id}'s profile"
    if kind == ORDER:
        return f"order {order_id}" + (f" (client {client_id})" if client_id is not None else "")
    if kind == EXPORT:
        return f"export {what}" + (f", {int(rows):,} rows" if rows is not None else "") + detail
    return f"the {what} report{detail}"
