"""What the Orders index shows each role, as data the pages pass on, never a rule in a page.

The role table (``roles``) says a Fulfillment Associate sees "orders in Order Placed, Shipped,
Delivered; shipping fields only". For the index that is:

- ``order_query_for(person, q)``: the query with ``visible_statuses`` set to the role's statuses
  (``roles.order_statuses``), so every count, page, picking-list selection and export of the index is
  limited in SQL. A status filter the role cannot see simply matches nothing; the Unverified view too.
- ``index_views(person)``: the Show choices; the Unverified view only for a role that sees Unverified orders.
- ``index_columns(person)``: the columns the index shows. Decision: a Fulfillment Associate sees Order
  ID, Client, Created At, Shipped On, Status and Carrier, not Quantity (grams: what the client's
  prescription allows) nor Total Due (money).
- ``list_orders_for`` / ``export_csv_for``: the index query and the CSV export with the person checked
  against the staff list and the role table (``staff.verification``; ``view_orders``, and for the export
  ``export_csv``: Operations Manager and Administrator only). The page's Export CSV and
  ``orders-core export orders`` both call ``export_csv_for``; it records every export in the access log
  (``staff.access_log``): who, when, the filter in words (``describe_query``) and how many rows.
"""

from __future__ import annotations

from dataclasses import replace

from orders_core.orders.index import (
    INDEX_COLUMNS,
    VIEWS,
    OrderPage,
    OrderQuery,
    _export_csv_counted,
    _list_orders,
)
from orders_core.rules.roles import Person, may, order_statuses, require, shipping_fields_only
from orders_core.staff import access_log
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor

EXPORT_NAME = "Orders CSV"  # what the access log calls the Orders index's export

SHIPPING_INDEX_COLUMNS = ["Order ID", "Client", "Created At", "Shipped On", "Status", "Carrier", "Returns"]


def order_query_for(person: Person, q: OrderQuery) -> OrderQuery:
    """``q`` limited to the orders ``person`` may see; ``NotAllowed`` when they may see none."""
    require(person, "view_orders")
    return replace(q, visible_statuses=order_statuses(person))


def index_views(person: Person) -> list[str]:
    """The index's Show choices ``person`` has (no Unverified view for a role that sees no Unverified order)."""
    return [v for v in VIEWS if v != "Unverified" or may(person, "view_orders", status="Unverified")]


def index_columns(person: Person) -> list[str]:
    """The index columns ``person`` sees, in order."""
    return list(SHIPPING_INDEX_COLUMNS if shipping_fields_only(person) else INDEX_COLUMNS)


def list_orders_for(cur: Cursor, q: OrderQuery, person: Person) -> OrderPage:
    """One page of the index as ``person`` may see it (``OrderPage.query`` keeps the limit)."""
    person = verify(cur, person, "view_orders")
    return _list_orders(cur, order_query_for(person, q))


def export_csv_for(cur: Cursor, q: OrderQuery, person: Person) -> bytes:
    """The whole filtered result as CSV, for a person on the staff list whose role may export
    (``NotAllowed`` otherwise, and no file); the export is recorded in the access log before it is returned."""
    return export_csv_counted_for(cur, q, person)[0]


def export_csv_counted_for(cur: Cursor, q: OrderQuery, person: Person) -> tuple[bytes, int]:
    """``export_csv_for``'s file and how many orders it holds."""
    person = verify(cur, person, "export_csv")
    q = order_query_for(person, q)
    data, rows = _export_csv_counted(cur, q)
    access_log.record(cur, person, access_log.EXPORT, what=EXPORT_NAME, filters=describe_query(q), rows=rows)
    return data, rows


def describe_query(q: OrderQuery) -> str:
    """The export's filter in words, as the access log keeps it (the sort and page are not filters)."""
    said = [f"view {q.view}"]
    for name, values in (("status", q.statuses), ("carrier", q.carriers), ("source", q.sources)):
        if values:
            said.append(f"{name} {', '.join(values)}")
    if q.created_from or q.created_to:
        said.append(f"created {q.created_from or '…'} to {q.created_to or '…'}")
    if q.client_id is not None:
        said.append(f"client {q.client_id}")
    if q.order_ids is not None:  # a figure's orders may be thousands: the first ten and how many more
        more = len(q.order_ids) - 10
        said.append(f"orders {', '.join(map(str, q.order_ids[:10])) or 'none'}"
                    + (f" and {more:,} more" if more > 0 else ""))
    if q.search.strip():
        said.append(f"search {q.search.strip()[:200]!r}")
    return "; ".join(said)
