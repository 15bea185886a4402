"""The packing station's rules: what a scan packs, what it refuses (nothing written), and Mark as Shipped once
every unit is in; who packed an order, and when, is its history."""

from __future__ import annotations

import pytest

from orders_core.fulfillment import packing
from orders_core.fulfillment.labels import label_units
from orders_core.orders.lifecycle import LifecycleError
from orders_core.rules.roles import NotAllowed
from orders_core.storage.reads import fetch_value
from tests.people import CSR, FULFILLMENT


def an_order(cur) -> int:
    """An Order Placed order with cannabis and more than one unit."""
    return fetch_value(cur, """SELECT o.order_id FROM orders o JOIN order_lines l USING (order_id)
                               JOIN products p USING (sku) WHERE o.status = 'Order Placed' AND o.archived_at IS NULL
                               GROUP BY o.order_id HAVING bool_or(p.is_cannabis) AND sum(l.units) > 2
                               ORDER BY o.order_id LIMIT 1""")


def writes(cur) -> tuple[int, int]:
    return (fetch_value(cur, "SELECT count(*) FROM pack_scans"), fetch_value(cur, "SELECT count(*) FROM order_events"))


def test_scans_pack_the_order_and_refuse_what_does_not_belong(db):
    cur = db.cursor()
    order_id = an_order(cur)
    state = packing.open_order(cur, FULFILLMENT, str(order_id))
    other = fetch_value(cur, "SELECT min(order_id) FROM orders WHERE status = 'Order Placed' AND order_id <> ?",
                        [order_id])
    before = writes(cur)
    for code, sentence in [("NOT-A-SKU", "is not on order"), (f"{other}-1", f"is for order {other}"),
                           (f"{order_id}-999", "there is no unit 999"), ("", "Scan a unit")]:
        with pytest.raises(packing.PackRefused, match=sentence):
            packing.scan_unit(db, FULFILLMENT, order_id, code)
    assert writes(cur) == before
    labels = label_units(cur, [order_id])
    packing.scan_unit(db, FULFILLMENT, order_id, labels[0].code)
    with pytest.raises(packing.PackRefused, match="already scanned"):
        packing.scan_unit(db, FULFILLMENT, order_id, labels[0].code)
    for line in packing.pack_state(cur, order_id).lines:
        for _ in range(line.left):
            packing.scan_unit(db, FULFILLMENT, order_id, line.sku)
        with pytest.raises(packing.PackRefused, match="One unit too many"):
            packing.scan_unit(db, FULFILLMENT, order_id, line.sku)
    done = packing.pack_state(cur, order_id)
    assert done.complete and done.packed == state.units
    who = packing.packed_by(cur, order_id)
    assert len(who) == state.units and all(FULFILLMENT.email in w[1] for w in who)
    assert fetch_value(cur, "SELECT count(*) FROM order_events WHERE order_id = ? AND kind = 'packed'",
                       [order_id]) == state.units
    result = packing.ship_packed(db, FULFILLMENT, order_id, carrier="Purolator", tracking_number="329 0123 4567")
    assert result.status == "Shipped"
    assert cur.execute("SELECT tracking_number, carrier FROM orders WHERE order_id = ?", [order_id]).fetchone() == (
        "32901234567", "Purolator")
    with pytest.raises(packing.PackRefused, match="only orders in Order Placed"):
        packing.open_order(cur, FULFILLMENT, str(order_id))


def test_an_incomplete_order_is_not_shipped_and_roles_are_checked(db):
    cur = db.cursor()
    order_id = an_order(cur)
    with pytest.raises(packing.PackRefused, match="not completely packed"):
        packing.ship_packed(db, FULFILLMENT, order_id, carrier="Purolator", tracking_number="ABCD1234")
    with pytest.raises(NotAllowed):
        packing.scan_unit(db, CSR, order_id, "X")
    with pytest.raises(packing.PackRefused, match="There is no order 42"):
        packing.open_order(cur, FULFILLMENT, "42")
    with pytest.raises(packing.PackRefused, match="not an order's barcode"):
        packing.open_order(cur, FULFILLMENT, "FL-PK-035")
    state = packing.pack_state(cur, order_id)
    for line in state.lines:
        for _ in range(line.units):
            packing.scan_unit(db, FULFILLMENT, order_id, line.sku)
    with pytest.raises(LifecycleError, match="tracking number"):
        packing.ship_packed(db, FULFILLMENT, order_id, carrier="Purolator", tracking_number="#")
