"""Clients: the searchable index, one client's record, and their prescription periods.

The index's search takes part of a name (words in any order, accents optional), part of an e-mail, a
client id ("1001", "#1001", spaces around it), or a pasted link: to a Client Profile (that client) or to
an Order Profile (the client of that order; ``rules.parsing.linked_id``).

Prescription periods, what counts against them and the shipment cap are ``allowance``'s rule;
this module reads a client's periods with it.

Every public reader here takes the acting person and checks them (``staff.verification.verify``,
``view_client_records``) with the caller's cursor; the unchecked building blocks (``_load_client``,
``_current_period``, ``_grams_used``) are private, for orders_core functions that checked their person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from orders_core.rules import allowance, formatting
from orders_core.rules.allowance import COUNTED_SQL, DAYS_PER_PERIOD, RELEASED_STATUSES, Period
from orders_core.rules.limits import MAX_SEARCH_CHARS
from orders_core.rules.paging import Page, check_page
from orders_core.rules.parsing import MAX_CLIENT_ID_DIGITS, id_in, linked_id
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import Person
from orders_core.rules.search_text import search_words
from orders_core.staff import access_log
from orders_core.staff.verification import verify
from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame, fetch_one, fetch_value
from orders_core.storage.schema import REGISTRATION_STATUSES

CLIENT_COLUMNS = ["Client ID", "Name", "Registration", "Grams/day", "Valid Until", "Open Orders"]
OPEN_STATUSES = ("Unverified", "Open", "Order Placed")


class InvalidClientQuery(Refused, ValueError):
    """A client filter that cannot be applied, said in one sentence."""


@dataclass(frozen=True)
class ClientQuery:
    search: str = ""
    registration: tuple[str, ...] = ()
    page: int = 1
    page_size: int = 50

    def validated(self) -> ClientQuery:
        bad = [r for r in self.registration if r not in REGISTRATION_STATUSES]
        if bad:
            raise InvalidClientQuery(f"Unknown registration status {bad[0]!r}.")
        check_page(self.page, self.page_size, "clients", InvalidClientQuery)
        return self


@dataclass(frozen=True)
class ClientPage(Page):
    query: ClientQuery


def _client_where(sql: dialect.Dialect, q: ClientQuery) -> tuple[str, list]:
    clauses = ["TRUE"]
    params: list = []
    if q.registration:
        clauses.append("c.registration_status::VARCHAR IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(q.registration))
    text = q.search.strip()
    link = linked_id(text) if len(text) <= MAX_SEARCH_CHARS else None
    if len(text) > MAX_SEARCH_CHARS or "\x00" in text:
        clauses.append("FALSE")
    elif link is not None:  # a pasted link: that client, or the client of that order
        clauses.append("c.client_id = ?" if link.page == "client"
                       else "c.client_id = (SELECT o.client_id FROM orders o WHERE o.order_id = ?)")
        params.append(link.id)
    elif text:
        words = search_words(text)
        parts = ["(" + " AND ".join(sql.contains("c.name_key", "?") for _ in words) + ")",
                 sql.contains("lower(c.email)", "lower(?)")]
        params += [*words, text]
        client_id = id_in(text, MAX_CLIENT_ID_DIGITS)
        if client_id is not None:
            parts.insert(0, "c.client_id = ?")
            params.insert(len(params) - len(words) - 1, client_id)
        clauses.append("(" + " OR ".join(parts) + ")")
    return " AND ".join(clauses), params


def list_clients(cur: Cursor, q: ClientQuery, person: Person) -> ClientPage:
    """One page of clients (by name) matching ``q``, and how many match in all; for ``person`` only when they
    are on the staff list and their role may see client records (``NotAllowed`` otherwise)."""
    verify(cur, person, "view_client_records")
    q = q.validated()
    where, params = _client_where(dialect.of(cur), q)
    total = fetch_value(cur, f"SELECT count(*) FROM clients c WHERE {where}", params)
    rows = fetch_frame(
        cur,
        f"""
        SELECT c.client_id AS "Client ID", c.name AS "Name",
               c.registration_status::VARCHAR AS "Registration",
               p.grams_per_day AS "Grams/day", p.valid_until AS "Valid Until",
               (SELECT count(*) FROM orders o WHERE o.client_id = c.client_id AND o.archived_at IS NULL
                  AND o.status::VARCHAR IN (SELECT unnest(?::VARCHAR[])))::INTEGER AS "Open Orders"
        FROM (SELECT * FROM clients c WHERE {where} ORDER BY c.name_key, c.client_id LIMIT ? OFFSET ?) c
        LEFT JOIN (SELECT client_id, grams_per_day, valid_until
                   FROM (SELECT client_id, grams_per_day, valid_until,
                                row_number() OVER (PARTITION BY client_id ORDER BY valid_from DESC) AS n
                         FROM prescriptions WHERE active) r
                   WHERE n = 1) p
               USING (client_id)
        ORDER BY c.name_key, c.client_id
        """,
        [list(OPEN_STATUSES), *params, q.page_size, (q.page - 1) * q.page_size],
    )
    return ClientPage(rows=rows, total=total, query=q)


@dataclass(frozen=True)
class Prescription:
    prescription_id: int
    grams_per_day: Decimal
    valid_from: dt.date
    valid_until: dt.date
    prescriber: str

    @property
    def period_allowance(self) -> Decimal:
        """Grams the prescription allows in one 30-day period."""
        return allowance.period_allowance(self.grams_per_day)

    @property
    def shipment_cap(self) -> Decimal:
        """The most one order may hold: the lesser of 30 x grams/day and 150 g."""
        return allowance.shipment_cap(self.grams_per_day)

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_until


@dataclass(frozen=True)
class Policy:
    policy_id: int
    insurer: str
    share: Decimal
    max_dollars_per_period: Decimal | None
    max_grams_per_period: Decimal | None
    valid_from: dt.date
    valid_until: dt.date | None

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def describe(self) -> str:
        limits = []
        if self.max_dollars_per_period is not None:
            limits.append(formatting.money(self.max_dollars_per_period))
        if self.max_grams_per_period is not None:
            limits.append(formatting.grams(self.max_grams_per_period))
        cap = f" up to {' and '.join(limits)} per 30-day period" if limits else ""
        return f"{self.insurer}: pays {self.share * 100:.0f}% of cannabis products{cap}"


@dataclass(frozen=True)
class Client:
    client_id: int
    name: str
    date_of_birth: dt.date
    email: str | None
    phone: str | None
    address_line1: str
    address_line2: str | None
    city: str
    province: str
    postal_code: str
    registration_status: str
    registered_on: dt.date | None
    prescription: Prescription | None = None
    policies: tuple[Policy, ...] = field(default=())

    @property
    def address(self) -> str:
        """The shipping address on the registration document, on one line."""
        parts = [self.address_line1, self.address_line2, f"{self.city} {self.province}  {self.postal_code}"]
        return ", ".join(p for p in parts if p)

    def active_policies(self, day: dt.date) -> list[Policy]:
        return [p for p in self.policies if p.is_valid_on(day)]


def get_client(cur: Cursor, client_id: int, person: Person) -> Client | None:
    """The client with their date of birth, active prescription and coverage policies, or None; for
    ``person`` only when they are on the staff list and their role may see client records (``NotAllowed``
    otherwise). Opening a client's profile is recorded in the access log (``staff.access_log``)."""
    person = verify(cur, person, "view_client_records")
    client = _load_client(cur, client_id)
    if client is not None:
        access_log.record(cur, person, access_log.CLIENT_PROFILE, client_id=client_id)
    return client


def _load_client(cur: Cursor, client_id: int) -> Client | None:
    """The client with their active prescription and active coverage policies, or None.

    A building block of orders_core, unchecked: only for functions that have checked their person already
    (``get_client``, a write's checks, the Order Profile); everyone else reads a client with
    ``get_client(cur, client_id, person)``."""
    row = fetch_one(
        cur,
        """
        SELECT client_id, name, date_of_birth, email, phone, address_line1, address_line2, city,
               province, postal_code, registration_status::VARCHAR, registered_on
        FROM clients WHERE client_id = ?
        """,
        [client_id],
    )
    if row is None:
        return None
    rx = fetch_one(
        cur,
        """
        SELECT prescription_id, grams_per_day, valid_from, valid_until, prescriber FROM prescriptions
        WHERE client_id = ? AND active
        ORDER BY valid_from <= current_date DESC, valid_from DESC, prescription_id DESC LIMIT 1
        """,
        [client_id],
    )
    policies = cur.execute(
        """
        SELECT policy_id, insurer, share, max_dollars_per_period, max_grams_per_period, valid_from, valid_until
        FROM coverage_policies WHERE client_id = ? AND active ORDER BY policy_id
        """,
        [client_id],
    ).fetchall()
    return Client(
        *row,
        prescription=Prescription(*rx) if rx else None,
        policies=tuple(Policy(*p) for p in policies),
    )


def period_bounds(rx: Prescription, day: dt.date) -> tuple[int, dt.date, dt.date] | None:
    """The number, first and last day of ``rx``'s period holding ``day`` (None outside it)."""
    return allowance.period_bounds(rx.valid_from, rx.valid_until, day)


def _grams_used(
    cur: Cursor, client_id: int, start: dt.date, end: dt.date,
    exclude_order_id: int | None = None,
) -> Decimal:
    """Grams counted against the period [start, end]: the client's orders created in it, not released
    (unchecked: for ``_current_period`` and the checks of a write whose person was checked)."""
    value = fetch_value(
        cur,
        f"""
        SELECT coalesce(sum(grams), 0) FROM orders
        WHERE client_id = ? AND {allowance.COUNTED_SQL}
          AND created_at >= ?::DATE AND created_at < ?::DATE + INTERVAL '1 day'
          AND order_id IS DISTINCT FROM ?
        """,
        [client_id, list(allowance.RELEASED_STATUSES), start, end, exclude_order_id],
    )
    return Decimal(value)


def _current_period(
    cur: Cursor, client: Client, day: dt.date, exclude_order_id: int | None = None
) -> Period | None:
    """The period holding ``day`` with the grams already used in it (None without a valid prescription).
    Unchecked: for the checks of a write whose person was checked (``orders.drafts``)."""
    rx = client.prescription
    bounds = period_bounds(rx, day) if rx else None
    if bounds is None:
        return None
    number, start, end = bounds
    used = _grams_used(cur, client.client_id, start, end, exclude_order_id)
    return Period(number, start, end, rx.period_allowance, used)


def prescription_periods(cur: Cursor, client: Client, today: dt.date,
                         person: Person) -> list[Period]:
    """Every period of the active prescription up to the one holding ``today``, newest first (for a
    ``person`` on the staff list who may see client records)."""
    verify(cur, person, "view_client_records")
    rx = client.prescription
    if rx is None:
        return []
    last = min(today, rx.valid_until)
    if last < rx.valid_from:
        return []
    sql = dialect.of(cur)
    rows = cur.execute(
        f"""
        SELECT {sql.int_div("created_at::DATE - ?::DATE", "?")}::INTEGER AS k,
               coalesce(sum(grams) FILTER (WHERE {COUNTED_SQL}), 0) AS used,
               {sql.list_agg("order_id", "created_at, order_id")} AS orders
        FROM orders
        WHERE client_id = ? AND created_at >= ?::DATE AND created_at < ?::DATE + INTERVAL '1 day'
        GROUP BY 1
        """,
        [rx.valid_from, DAYS_PER_PERIOD, list(RELEASED_STATUSES), client.client_id, rx.valid_from, rx.valid_until],
    ).fetchall()
    by_k = {k: (Decimal(used), tuple(orders)) for k, used, orders in rows}
    periods = []
    for k in range(allowance.period_index(rx.valid_from, last) + 1):
        start, end = allowance.period_span(rx.valid_from, rx.valid_until, k)
        used, orders = by_k.get(k, (Decimal("0"), ()))
        periods.append(Period(k + 1, start, end, rx.period_allowance, used, orders))
    return periods[::-1]


def period_orders(cur: Cursor, order_ids: tuple[int, ...], person: Person) -> pd.DataFrame:
    """The orders of one period: id, created, status, grams (blank when no cannabis), total due (for a
    ``person`` on the staff list who may see client records: a client's history)."""
    verify(cur, person, "view_client_records")
    return fetch_frame(
        cur,
        """
        SELECT order_id AS "Order ID", created_at AS "Created At", status::VARCHAR AS "Status",
               grams AS "Quantity", total_due AS "Total Due",
               status::VARCHAR IN (SELECT unnest(?::VARCHAR[])) AS "Grams given back"
        FROM orders WHERE order_id IN (SELECT unnest(?::BIGINT[])) ORDER BY created_at, order_id
        """,
        [list(RELEASED_STATUSES), list(order_ids)],
    )


class BadClientId(Refused, ValueError):
    """A client id that is missing or malformed, said in one sentence."""


def parse_client_id(text: object) -> int:
    """The client id in ``text`` (e.g. from ``?id=``), or BadClientId with one sentence."""
    if text is None or not str(text).strip():
        raise BadClientId("No client was chosen: find one on the Clients page (the link needs ?id=<client id>).")
    found = id_in(text, MAX_CLIENT_ID_DIGITS)
    if found is None:
        raise BadClientId(f"'{str(text)[:40]}' is not a client id: a client id is a number such as 1001.")
    return found
