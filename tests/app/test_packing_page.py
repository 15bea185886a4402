"""The Packing Station page (AppTest): who may open it, a scan's answer, the order's progress, and the label
button on the Order Profile."""

from __future__ import annotations

from tests.app.engines import with_database
from tests.app.pages import CSR, FULFILLMENT, MANAGER, app_page

PAGE = "pages/packing.py"


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def an_order(path) -> tuple[int, list[str]]:
    def ask(db):
        cur = db.cursor()
        order_id = cur.execute("SELECT min(order_id) FROM orders WHERE status = 'Order Placed' AND archived_at IS NULL"
                               ).fetchone()[0]
        skus = [r[0] for r in cur.execute("SELECT sku FROM order_lines, range(units) WHERE order_id = ? "
                                          "ORDER BY line_no", [order_id]).fetchall()]
        return order_id, skus
    return with_database(path, ask)


def test_a_fulfillment_associate_packs_an_order_by_scanning(app_db):
    order_id, skus = an_order(app_db)
    at = _ok(app_page(PAGE, user=FULFILLMENT).run())
    assert at.title[0].value == "Packing Station"
    at = _ok(at.text_input(key="pack_scan").set_value(str(order_id)).run())
    assert f"Order {order_id} for" in at.success[0].value
    at = _ok(at.text_input(key="pack_scan").set_value("NO-SUCH-SKU").run())
    assert at.error[0].value.endswith(f"is not on order {order_id}: do not pack it.")
    for sku in skus:
        at = _ok(at.text_input(key="pack_scan").set_value(sku).run())
    assert "the order is complete" in at.success[0].value
    assert at.text_input(key="pack_scan").value == ""


def test_who_may_open_the_packing_station(app_db):
    assert _ok(app_page(PAGE, user=MANAGER).run()).title[0].value == "Packing Station"
    at = _ok(app_page(PAGE, user=CSR).run())
    assert at.error[0].value.startswith("A CSR may not pack orders at the packing station.")
    assert not at.text_input


def test_the_order_profile_prints_labels(app_db):
    order_id, _ = an_order(app_db)
    at = app_page("pages/order.py", user=FULFILLMENT)
    at.query_params["id"] = str(order_id)
    at = _ok(at.run())
    at = _ok(at.button(key=f"labels_{order_id}_print").click().run())
    assert not at.error, [e.value for e in at.error]
    events = with_database(app_db, lambda db: db.cursor().execute(
        "SELECT count(*) FROM label_prints WHERE order_id = ?", [order_id]).fetchone()[0])
    assert events == 1
