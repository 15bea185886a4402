"""Returns on the pages (AppTest): the Order Profile records a return, refunds it and replaces it; the Orders
index's Returns view and label; the Metrics page's returns and refunds."""

from __future__ import annotations

from tests.app.engines import with_database
from tests.app.html_tables import html_table
from tests.app.pages import CSR, MANAGER, app_page
from tests.unit.returns.helpers import OIL, delivered_order


def _open(order_id: int, user=CSR):
    at = app_page("pages/order.py", timeout=30, user=user)
    at.query_params["id"] = str(order_id)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at, key):
    return next(b for b in at.button if b.key == key)


def test_a_csr_records_refunds_and_replaces_a_return_on_the_order_profile(app_db):
    order_id = with_database(app_db, delivered_order)
    at = _open(order_id)
    _button(at, "returns_record").click().run()
    at.number_input(key=f"ret_{order_id}_units_{OIL}").set_value(1)
    at.selectbox(key=f"ret_{order_id}_reason").set_value("Damaged in transit")
    _button(at, f"ret_{order_id}_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Return 1: Returned (Damaged in transit)" in s.value for s in at.success), [e.value for e in at.error]
    _button(at, "returns_refund_1").click().run()
    at.text_input(key="refund_1_reference").input("RF-1")
    _button(at, "refund_1_save").click().run()
    assert any("Refund 1 on order" in s.value for s in at.success), [e.value for e in at.error]
    _button(at, "returns_replace_1").click().run()
    assert any("Replacement order" in s.value for s in at.success), [e.value for e in at.error]
    page = "\n".join(m.value for m in at.markdown)
    assert "**Return 1**" in page and "Refund 1" in page and "replaced by order" in page
    assert any("Partly returned" in s.value for s in at.subheader)

    index = app_page("app.py", user=CSR)
    index.query_params["view"] = "Returns"
    index.run()
    table = html_table(index).frame
    assert table["Order ID"].tolist() == [str(order_id)] and table["Returns"].tolist() == ["Partly returned"]


def test_a_manager_sees_returns_but_has_no_return_buttons_and_metrics_show_refunds(app_db):
    order_id = with_database(app_db, delivered_order)
    at = _open(order_id, MANAGER)
    keys = {b.key for b in at.button}
    assert "returns_record" not in keys and "returns_goodwill" not in keys
    metrics = app_page("pages/metrics.py", timeout=60, user=MANAGER)
    metrics.run()
    assert not metrics.exception, [e.value for e in metrics.exception]
    labels = [m.label for m in metrics.metric]
    assert "Refunded to clients" in labels and "Revenue net of refunds" in labels
