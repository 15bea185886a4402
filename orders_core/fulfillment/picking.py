"""Picking lists: what a Fulfillment Associate takes into the vault, as a printable PDF.

Which orders
    By default every non-archived order in Order Placed. A chosen set of orders must all be
    non-archived and in Order Placed: otherwise ``generate_picking_list`` refuses with one
    sentence naming the orders that cannot go on the list (unknown ids, archived, wrong status)
    and changes nothing. ``eligible_order_ids`` / ``order_ids_for_query`` let a page narrow a
    selection or a filtered result to the orders that can go on the list before asking.

What is kept
    Generating a list records an event on every order in it ("Added to picking list N"), a
    ``picking_lists`` row (number, when, by whom, which orders, licence holder) and a snapshot of
    every line as printed (``picking_list_lines``: client, ship-to address, carrier, prescription,
    product, brand, lot, bin, units, grams), all in one transaction. The PDF is rendered from that
    snapshot, both the first time and when the list is downloaded again (``picking_list_pdf``), so
    a kept list reprints exactly what the associate was given even after orders ship, bins move
    or lots change.

The grams of each order are printed against the client's per-order shipment cap, except for a
replacement (``orders.replaces_return_id``, set when it is created and never changed): Cannabis
Regulations s. 293 holds it to ``allowance.REPLACEMENT_LIMIT_GRAMS`` instead (``rules.allowance``), so
it is printed against that limit and a replacement over the client's cap is not stopped.

The licence holder's name on every page comes from ``ORDERS_LICENCE_HOLDER`` (default
"Demo Licence Holder Inc."), or the ``licence_holder`` argument.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from orders_core.fulfillment.picking_pdf import _Line, _Meta, _Order, render
from orders_core.orders.index import OrderQuery, _iter_orders
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage import dialect
from orders_core.storage.actor_columns import who_sql
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one
from orders_core.storage.transactions import next_id

LICENCE_HOLDER_ENV = "ORDERS_LICENCE_HOLDER"
DEFAULT_LICENCE_HOLDER = "Demo Licence Holder Inc."
PICKING_STATUS = "Order Placed"
EVENT_KIND = "picking_list"


class PickingListError(ValueError):
    """A picking list that cannot be made as asked, said in one sentence."""


class EmptyPickingList(PickingListError):
    """There are no orders to put on the list."""


@dataclass(frozen=True)
class PickingList:
    number: int
    pdf: bytes
    order_ids: list[int]
    generated_at: dt.datetime | None = None
    generated_by: str = ""


@dataclass(frozen=True)
class PickingPreview:
    orders: int
    lines: int
    units: int
    grams: Decimal
    already_listed: int = 0  # how many of the orders are on an earlier picking list


@dataclass(frozen=True)
class KeptPickingList:
    number: int
    generated_at: dt.datetime
    generated_by: str
    orders: int


def licence_holder_name(override: str | None = None) -> str:
    """The licence holder printed on the list: the argument, else $ORDERS_LICENCE_HOLDER, else the demo name."""
    for candidate in (override, os.environ.get(LICENCE_HOLDER_ENV)):
        if candidate and candidate.strip():
            return candidate.strip()
    return DEFAULT_LICENCE_HOLDER


# --------------------------------------------------------------------------- which orders


def _ids_list(order_ids: Sequence[int]) -> list[int]:
    try:
        return sorted({int(i) for i in order_ids})
    except (TypeError, ValueError):
        raise PickingListError("Order IDs are whole numbers, such as 100123.") from None


def default_order_ids(cur: Cursor) -> list[int]:
    """Every non-archived order in Order Placed, by Order ID."""
    rows = cur.execute(
        "SELECT order_id FROM orders WHERE status = ? AND archived_at IS NULL ORDER BY order_id",
        [PICKING_STATUS],
    ).fetchall()
    return [r[0] for r in rows]


def _classify(cur: Cursor, ids: list[int]) -> tuple[list[int], list[tuple[int, str]]]:
    """(ids that can go on a list, [(id, why not)] for the others)."""
    rows = cur.execute(
        """
        SELECT t.id, o.status::VARCHAR, o.archived_at IS NOT NULL
        FROM (SELECT unnest(?::BIGINT[]) AS id) t LEFT JOIN orders o ON o.order_id = t.id
        ORDER BY t.id
        """,
        [ids],
    ).fetchall()
    ok, refused = [], []
    for order_id, status, archived in rows:
        if status is None:
            refused.append((order_id, "does not exist"))
        elif archived:
            refused.append((order_id, "archived"))
        elif status != PICKING_STATUS:
            refused.append((order_id, status))
        else:
            ok.append(order_id)
    return ok, refused


def eligible_order_ids(cur: Cursor, order_ids: Sequence[int]) -> tuple[list[int], list[str]]:
    """Split ``order_ids`` into those that can go on a picking list and a reason for each other one."""
    ok, refused = _classify(cur, _ids_list(order_ids))
    return ok, [f"{i} ({why})" for i, why in refused]


def _refusal(refused: list[tuple[int, str]]) -> str:
    shown = ", ".join(f"{i} ({why})" for i, why in refused[:5])
    more = f" and {len(refused) - 5:,} more" if len(refused) > 5 else ""
    return (f"Only non-archived orders in {PICKING_STATUS} go on a picking list, "
            f"so these cannot: {shown}{more}.")


def resolve_order_ids(cur: Cursor, order_ids: Sequence[int] | None) -> list[int]:
    """The orders a list of ``order_ids`` (None: the default set) would hold; PickingListError if any cannot."""
    if order_ids is None:
        return default_order_ids(cur)
    ids = _ids_list(order_ids)
    if not ids:
        return []
    ok, refused = _classify(cur, ids)
    if refused:
        raise PickingListError(_refusal(refused))
    return ok


def order_ids_for_query(cur: Cursor, query: OrderQuery) -> list[int]:
    """The non-archived Order Placed orders among those matching ``query`` (every page of it)."""
    q = query.validated()
    if q.view == "Archived" or (q.statuses and PICKING_STATUS not in q.statuses):
        return []
    q = replace(q, statuses=(PICKING_STATUS,), sort="Order ID", descending=False)
    ids: list[int] = []
    for frame in _iter_orders(cur, q):
        ids.extend(int(i) for i in frame["Order ID"])
    return ids


def picking_preview(
    cur: Cursor, order_ids: Sequence[int] | None = None, *, made_list: int | None = None,
) -> PickingPreview:
    """How many orders, lines, units and dried-equivalent grams the list would hold, and how many of them
    are already on an earlier list (``made_list``: the list just made of these orders, which is not earlier)."""
    ids = resolve_order_ids(cur, order_ids)
    if not ids:
        return PickingPreview(0, 0, 0, Decimal("0"))
    lines, units, grams = fetch_one(
        cur,
        """
        SELECT count(*), coalesce(sum(l.units), 0),
               coalesce(sum(CASE WHEN p.is_cannabis THEN l.units * p.dried_equiv_grams ELSE 0 END), 0)
        FROM order_lines l JOIN products p USING (sku)
        WHERE l.order_id IN (SELECT unnest(?::BIGINT[]))
        """,
        [ids],
    )
    listed = fetch_one(
        cur,
        "SELECT count(DISTINCT order_id) FROM picking_list_lines WHERE order_id IN (SELECT unnest(?::BIGINT[])) "
        "AND picking_list_id IS DISTINCT FROM ?",
        [ids, made_list],
    )[0]
    return PickingPreview(len(ids), int(lines), int(units), Decimal(grams), int(listed))


# --------------------------------------------------------------------------- generating and keeping

_SNAPSHOT = """
    INSERT INTO picking_list_lines
    SELECT ?, o.order_id, l.line_no, c.client_id, c.name, c.address_line1, c.address_line2, c.city,
           c.province, c.postal_code, o.carrier, rx.grams_per_day, p.sku, p.name, p.brand, p.is_cannabis,
           p.lot_number, p.bin_location, l.units,
           CASE WHEN p.is_cannabis THEN l.units * p.dried_equiv_grams ELSE 0 END
    FROM orders o
    JOIN clients c ON c.client_id = o.client_id
    JOIN order_lines l ON l.order_id = o.order_id
    JOIN products p ON p.sku = l.sku
    LEFT JOIN (SELECT client_id, grams_per_day
               FROM (SELECT client_id, grams_per_day,
                            row_number() OVER (PARTITION BY client_id
                                               ORDER BY valid_from DESC, prescription_id DESC) AS n
                     FROM prescriptions WHERE active) r
               WHERE n = 1) rx
           ON rx.client_id = o.client_id
    WHERE o.order_id IN (SELECT unnest(?::BIGINT[]))
"""


def _no_orders_sentence(order_ids: Sequence[int] | None) -> str:
    if order_ids is None:
        return f"There are no orders in {PICKING_STATUS} to pick, so there is no picking list to make."
    return "No orders were chosen, so there is no picking list to make."


def generate_picking_list(
    db: Database,
    *,
    order_ids: Sequence[int] | None = None,
    actor: Person,
    licence_holder: str | None = None,
    before_commit: Callable[[bytes], None] | None = None,
) -> PickingList:
    """Make, keep and render a picking list of ``order_ids`` (None: every non-archived Order Placed order).

    ``before_commit(pdf)``, when given, receives the rendered PDF inside the transaction (the command
    line writes the file there): if it raises, nothing is recorded. The list records ``actor`` (name and
    e-mail), whose role must allow picking lists (``NotAllowed`` otherwise, nothing recorded)."""
    holder = licence_holder_name(licence_holder)

    def work(cur: Cursor) -> tuple[int, list[int]]:
        verify(cur, actor, "picking_list")
        ids = resolve_order_ids(cur, order_ids)
        if not ids:
            raise EmptyPickingList(_no_orders_sentence(order_ids))
        number = next_id(cur, "picking_list_ids")
        cur.execute(
            """
            INSERT INTO picking_lists (picking_list_id, generated_at, generated_by, order_ids, licence_holder,
                                       generated_by_email)
            VALUES (?, now()::TIMESTAMP, ?, ?, ?, ?)
            """,
            [number, actor.name, ids, holder, actor.email],
        )
        cur.execute(_SNAPSHOT, [number, ids])
        cur.execute(
            """
            INSERT INTO order_events (event_id, order_id, event_at, actor, kind, details, actor_email)
            SELECT nextval('event_ids'), id, now()::TIMESTAMP, ?, ?, ?, ?
            FROM (SELECT unnest(?::BIGINT[]) AS id) t
            """,
            [actor.name, EVENT_KIND, f"Added to picking list {number}", actor.email, ids],
        )
        if before_commit is None:
            return number, ids, None
        meta, sections = _load(cur, number)
        pdf = render(meta, sections)
        before_commit(pdf)
        return number, ids, (meta, pdf)

    number, ids, made = db.write(work)
    if made is None:
        meta, sections = _load(db.cursor(), number)
        made = meta, render(meta, sections)
    meta, pdf = made
    return PickingList(number=number, pdf=pdf, order_ids=ids,
                       generated_at=meta.generated_at, generated_by=meta.generated_by)


def picking_list_pdf(db_or_cur: Database | Cursor, number: int) -> bytes:
    """Kept picking list ``number`` again, exactly as it was generated (from its snapshot)."""
    cur = db_or_cur.cursor() if hasattr(db_or_cur, "write") else db_or_cur  # a database (either engine) or a cursor
    meta, sections = _load(cur, number)
    return render(meta, sections)


def recent_picking_lists(cur: Cursor, limit: int = 10) -> list[KeptPickingList]:
    """The latest kept picking lists, newest first."""
    rows = cur.execute(
        f"""
        SELECT picking_list_id, generated_at, {who_sql("generated_by", "generated_by_email")},
               {dialect.of(cur).array_length("order_ids")}
        FROM picking_lists ORDER BY picking_list_id DESC LIMIT ?
        """,
        [limit],
    ).fetchall()
    return [KeptPickingList(*r) for r in rows]


def _load(cur: Cursor, number: int) -> tuple[_Meta, list[_Order]]:
    head = fetch_one(
        cur,
        f"SELECT picking_list_id, generated_at, {who_sql('generated_by', 'generated_by_email')}, licence_holder "
        "FROM picking_lists "
        "WHERE picking_list_id = ?",
        [int(number)],
    )
    if head is None:
        raise PickingListError(f"There is no picking list {number}.")
    meta = _Meta(head[0], head[1], head[2], head[3] or licence_holder_name())
    rows = cur.execute(
        """
        SELECT l.order_id, l.client_id, l.client_name, l.address_line1, l.address_line2, l.city, l.province,
               l.postal_code, l.carrier, l.grams_per_day, l.sku, l.product, l.brand, l.is_cannabis, l.lot_number,
               l.bin_location, l.units, l.grams, o.replaces_return_id
        FROM picking_list_lines l LEFT JOIN orders o ON o.order_id = l.order_id
        WHERE l.picking_list_id = ? ORDER BY l.order_id, l.bin_location, l.line_no
        """,
        [int(number)],
    ).fetchall()
    orders: list[_Order] = []
    for r in rows:
        if not orders or orders[-1].order_id != r[0]:
            address = [", ".join(p for p in (r[3], r[4]) if p), f"{r[5]} {r[6]}  {r[7]}"]
            orders.append(_Order(r[0], r[1], r[2], address, r[8], r[9], replaces_return_id=r[18]))
        orders[-1].lines.append(_Line(*r[10:16], int(r[16]), Decimal(r[17])))
    return meta, orders
