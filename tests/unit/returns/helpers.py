"""A Delivered order of a test client with known lines, discounts, shipping and two coverage policies."""

from __future__ import annotations

from decimal import Decimal

from orders_core.orders import lifecycle
from orders_core.orders.drafts import DraftLine, OrderDraft
from orders_core.orders.ordering import create_order
from orders_core.rules.roles import CSR, FULFILLMENT
from orders_core.storage.reads import fetch_value
from tests.order_helpers import TODAY, make_client, make_product
from tests.people import acting

CSR_PERSON = acting("Returns CSR", CSR)
CSR_B = acting("Returns CSR B", CSR)
FA_PERSON = acting("Returns Associate", FULFILLMENT)
OIL, DRIED, BONG = "R-OIL-35", "R-DRIED-5", "R-BONG"


def products(cur) -> None:
    if fetch_value(cur, "SELECT count(*) FROM products WHERE sku = ?", [OIL]):
        return
    make_product(cur, OIL, "non-solid", "35", price="45.00")  # 0.5 g a unit
    make_product(cur, DRIED, "dried", "5", price="40.00", category="Dried flower")  # 5 g a unit
    cur.execute("INSERT INTO products VALUES (?, 'Test grinder', 'Test Brand', 'Accessory', FALSE, 1, 'units', 0, "
                "12.50, 'LOT-A', 'Z-02-1', TRUE)", [BONG])


def client_with_two_policies(cur, name: str = "Rosalie Test-Retour") -> int:
    client_id = make_client(cur, name, gpd="5", policy=("Blue Cross", "0.5", None, None))
    cur.execute("INSERT INTO coverage_policies VALUES (nextval('policy_ids'), ?, 'Veterans Affairs Canada', 0.3, "
                "NULL, NULL, DATE '2020-01-01', NULL, TRUE)", [client_id])
    return client_id


def delivered_order(db, lines: list[tuple[str, int, str]] | None = None, *, order_discount: str = "5.00",
                    shipping: str = "12.00", client_id: int | None = None) -> int:
    """lines: (sku, units, line discount). Created, placed, shipped and delivered by CSR_PERSON."""
    cur = db.cursor()
    products(cur)
    if client_id is None:
        client_id = client_with_two_policies(cur)
    lines = lines or [(OIL, 3, "2.00"), (DRIED, 2, "0"), (BONG, 1, "0")]
    draft = OrderDraft(client_id, [DraftLine(s, u, None, d) for s, u, d in lines], order_discount, "Canada Post",
                       shipping, "The client", True)
    order_id = create_order(db, draft, CSR_PERSON)
    lifecycle.place_order(db, order_id, CSR_PERSON, payment_method="Credit card", payment_reference="AUTH-1")
    lifecycle.ship_order(db, order_id, CSR_PERSON, carrier="Canada Post", tracking_number="TRACK1234",
                         shipped_on=TODAY)
    lifecycle.deliver_order(db, order_id, CSR_PERSON, delivered_on=TODAY)
    return order_id


def paid(cur, order_id: int) -> tuple[Decimal, dict[int, Decimal]]:
    total = fetch_value(cur, "SELECT total_due FROM orders WHERE order_id = ?", [order_id])
    return total, dict(cur.execute("SELECT policy_id, amount FROM order_coverage WHERE order_id = ?", [order_id]).fetchall())
