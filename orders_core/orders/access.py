"""What the Orders index shows each role (issue 12), as data the pages pass on, never a rule in a page.

The role table (``roles``) says a Fulfillment Associate sees "orders in Order Placed, Shipped,
Delivered; shipping fields only". For the index that is:

- ``order_query_for(person, q)``: the query with ``visible_statuses`` set to the role's statuses
  (``roles.order_statuses``), so every count, page, picking-list selection and export of the index is
  limited in SQL. A status filter the role cannot see simply matches nothing; the Unverified view too.
- ``index_views(person)``: the Show choices; the Unverified view only for a role that sees Unverified orders.
- ``index_columns(person)``: the columns the index shows. Decision: a Fulfillment Associate sees Order
  ID, Client, Created At, Shipped On, Status and Carrier, not Quantity (grams: what the client's
  prescription allows) nor Total Due (money).
- ``list_orders_for`` / ``export_csv_for``: the index query and the CSV export with the role checked
  (``view_orders``; the export is ``export_csv``: Operations Manager and Administrator only).
"""

from __future__ import annotations

from dataclasses import replace

from orders_core.orders.index import INDEX_COLUMNS, VIEWS, OrderPage, OrderQuery, export_csv, list_orders
from orders_core.rules.roles import Person, may, order_statuses, require, shipping_fields_only
from orders_core.storage.cursor import Cursor

SHIPPING_INDEX_COLUMNS = ["Order ID", "Client", "Created At", "Shipped On", "Status", "Carrier"]


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
    return list_orders(cur, order_query_for(person, q))


def export_csv_for(cur: Cursor, q: OrderQuery, person: Person) -> bytes:
    """The whole filtered result as CSV, for a role that may export (``NotAllowed`` otherwise)."""
    require(person, "export_csv")
    return export_csv(cur, order_query_for(person, q))
