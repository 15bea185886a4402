"""The picking-list panel as a CSR uses it (AppTest): choose the orders, preview, generate, download again; on both engines."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.engines import ENGINES, engine_app_db, with_database
from tests.app.pages import FULFILLMENT, app_page, signed_in

PAGE = "app.py"
CSR = "Zoë Tremblay"


@pytest.fixture(params=ENGINES)
def app_db(request, monkeypatch):
    """The pages on each engine: the demo in a DuckDB file, and the same rows on PostgreSQL."""
    yield from engine_app_db(request, monkeypatch)


def rows(target, query, params=()):
    return with_database(target, lambda db: db.cursor().execute(query, list(params)).fetchall())


def placed(path) -> list[int]:
    return [r[0] for r in rows(
        path, "SELECT order_id FROM orders WHERE status = 'Order Placed' AND archived_at IS NULL ORDER BY 1")]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def orders_page(app_db):
    at = app_page(PAGE, timeout=30)
    at.user = signed_in(FULFILLMENT)  # Zoë Tremblay
    _ok(at.run())
    _ok(at.button(key="menu_picking").click().run())
    return at


def test_view_picking_list_previews_generates_and_keeps_the_list(orders_page, app_db):
    at = orders_page
    assert at.radio(key="picking_scope").value == "Every order in Order Placed"
    ids = placed(app_db)
    lines, units = rows(app_db, "SELECT count(*), sum(units) FROM order_lines "
                                "WHERE order_id IN (SELECT unnest(?::BIGINT[]))", [ids])[0]
    assert metrics(at)["Orders"] == str(len(ids))
    assert metrics(at)["Lines"] == str(lines)
    assert metrics(at)["Units"] == str(units)
    assert metrics(at)["Grams (dried equivalent)"].endswith(" g")
    assert [b.key for b in at.download_button] == []  # Export CSV is for managers and administrators

    _ok(at.button(key="picking_generate").click().run())
    assert f"Picking list 1 is ready: {len(ids)} orders." in at.success[0].value
    assert at.download_button(key="picking_download").label == "Download picking list 1 (PDF)"
    assert rows(app_db, "SELECT generated_by, generated_by_email, order_ids FROM picking_lists") == \
        [(CSR, "fulfillment@demo.example", ids)]
    assert rows(app_db, "SELECT count(*), min(actor) FROM order_events WHERE kind = 'picking_list'") == [(len(ids), CSR)]
    # kept for downloading again
    assert at.download_button(key="picking_again_1").label == "Download again"
    assert any("Picking list 1" in m.value and CSR in m.value for m in at.markdown)
    assert not [w.value for w in at.warning if "already on" in w.value]  # the list just made is not "earlier"
    _ok(at.button(key="picking_generate").click().run())
    assert f"{len(ids)} of these orders are already on an earlier picking list; a new list includes them again." in [
        w.value for w in at.warning]


def test_no_orders_in_order_placed_says_so_and_offers_no_pdf(app_db):
    rows(app_db, "UPDATE orders SET status = 'Shipped', version = version + 1 WHERE status = 'Order Placed'")
    at = app_page(PAGE, timeout=30)
    _ok(at.run())
    _ok(at.button(key="menu_picking").click().run())
    assert any("There are no orders in Order Placed to pick" in i.value for i in at.info)
    assert not at.metric
    assert not [b for b in at.button if b.key == "picking_generate"]
    assert [b.key for b in at.download_button] == []


def _panel(selected: list[int], search: str) -> None:
    from orders_core.orders.index import OrderQuery
    from ui.components.picking import render_picking_panel

    render_picking_panel(list(selected), OrderQuery(search=search))


def panel(selected: list[int], search: str = "") -> AppTest:
    at = AppTest.from_function(_panel, args=(selected, search), default_timeout=30)
    at.user = signed_in(FULFILLMENT)  # Zoë Tremblay
    return _ok(at.run())


def test_selected_rows_leave_out_orders_that_cannot_be_picked(app_db):
    good = placed(app_db)[:2]
    open_id = rows(app_db, "SELECT min(order_id) FROM orders WHERE status = 'Open'")[0][0]
    at = panel([*good, open_id])
    assert at.radio(key="picking_scope").value == "Every order in Order Placed"  # the default
    _ok(at.radio(key="picking_scope").set_value("The selected rows").run())
    assert f"{open_id} (Open)" in at.warning[0].value
    assert metrics(at)["Orders"] == "2"
    _ok(at.button(key="picking_generate").click().run())
    assert rows(app_db, "SELECT order_ids FROM picking_lists") == [(good,)]


def test_selected_rows_with_nothing_selected(app_db):
    at = panel([])
    _ok(at.radio(key="picking_scope").set_value("The selected rows").run())
    assert "No rows are selected" in at.info[0].value
    assert not at.metric


def test_current_filtered_result(app_db):
    first = placed(app_db)[0]
    name = rows(app_db, "SELECT c.name FROM orders o JOIN clients c USING (client_id) WHERE order_id = ?",
                [first])[0][0]
    expected = rows(app_db, """
        SELECT count(*) FROM orders o JOIN clients c USING (client_id)
        WHERE o.status = 'Order Placed' AND o.archived_at IS NULL AND c.name = ?""", [name])[0][0]
    at = panel([], name)
    _ok(at.radio(key="picking_scope").set_value("The current filtered result").run())
    assert metrics(at)["Orders"] == str(expected)
    _ok(at.button(key="picking_generate").click().run())
    kept = rows(app_db, "SELECT order_ids FROM picking_lists")[0][0]
    assert first in kept and len(kept) == expected


def _profile(order_id: int) -> AppTest:
    """The Order Profile as the app serves it: its one picking-list button is the one tested here."""
    at = app_page("pages/order.py", timeout=30)
    at.query_params["id"] = str(order_id)
    return at


def test_order_profile_button_makes_a_list_of_that_order(app_db):
    order_id = placed(app_db)[0]
    at = _profile(order_id)
    at.user = signed_in(FULFILLMENT)  # Zoë Tremblay
    _ok(at.run())
    _ok(at.button(key=f"picking_order_{order_id}").click().run())
    assert at.download_button(key=f"picking_download_{order_id}").label == "Download picking list 1 (PDF)"
    assert rows(app_db, "SELECT order_ids, generated_by FROM picking_lists") == [([order_id], CSR)]


def test_order_profile_button_is_disabled_for_an_order_not_in_order_placed(app_db):
    open_id = rows(app_db, "SELECT min(order_id) FROM orders WHERE status = 'Open'")[0][0]
    at = _profile(open_id)
    _ok(at.run())
    button = at.button(key=f"picking_order_{open_id}")
    assert button.disabled and f"{open_id} (Open)" in button.help
