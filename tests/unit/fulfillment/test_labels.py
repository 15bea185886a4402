"""Client labels: every required element in the PDF's text, one label per cannabis unit, both stocks' page size
and label count, every barcode decoded by zbar to the unit it claims, and every print on the record."""

from __future__ import annotations

import pytest

from orders_core.fulfillment.labels import LabelRefused, label_units, print_labels
from orders_core.fulfillment.picking import generate_picking_list
from orders_core.rules import code128
from orders_core.rules.roles import NotAllowed
from orders_core.storage.reads import fetch_value
from tests.barcodes import decode_pages, page_sizes, pdf_text
from tests.people import ADMIN, CSR, FULFILLMENT

LONG_NAME = "Marie-Ève Côté-Bélanger d'Aragon-Lefèbvre"
LONG_STREET = "12345 boulevard de la Côte-des-Neiges Ouest, appartement 1204, entrée arrière par la ruelle"


def placed(cur, n: int) -> list[int]:
    """``n`` Order Placed orders that hold cannabis, the first of them with the most units."""
    return [r[0] for r in cur.execute(
        """SELECT o.order_id FROM orders o JOIN order_lines l USING (order_id) JOIN products p USING (sku)
           WHERE o.status = 'Order Placed' AND o.archived_at IS NULL AND p.is_cannabis
           GROUP BY o.order_id ORDER BY sum(l.units) DESC, o.order_id LIMIT ?""", [n]).fetchall()]


def cannabis_units(cur, ids) -> int:
    return int(fetch_value(cur, "SELECT sum(l.units) FROM order_lines l JOIN products p USING (sku) "
                                "WHERE p.is_cannabis AND l.order_id IN (SELECT unnest(?::BIGINT[]))", [ids]))


def words(text: str) -> str:
    return " ".join(text.split())


def test_code128_symbols_have_the_right_size():
    for text in ("100123-1", "999999999-9999", "A b~"):
        w = code128.widths(text)
        assert sum(w) == code128.module_count(text) and len(w) % 2 == 1
    assert code128.parse_unit_code(" 100123-7 ") == (100123, 7)
    assert code128.parse_unit_code("FL-PK-035") is None
    with pytest.raises(code128.NotEncodable):
        code128.widths("é")


@pytest.mark.parametrize("stock, page, per_page", [("4x6", (288.0, 432.0), 1), ("letter-2x4", (612.0, 792.0), 10)])
def test_one_label_per_unit_each_barcode_decodes_to_its_unit(db, stock, page, per_page):
    cur = db.cursor()
    ids = placed(cur, 4)
    units = cannabis_units(cur, ids)
    made = print_labels(db, ids, FULFILLMENT, stock=stock)
    assert made.labels == units
    sizes = page_sizes(made.pdf)
    assert sizes == [page] * -(-units // per_page)
    pages = decode_pages(made.pdf)
    expected = [u.code for u in label_units(cur, ids)]
    assert len(expected) == units and len(set(expected)) == units
    decoded = [data for found in pages for kind, data in found if kind == "CODE-128"]
    assert sorted(decoded) == sorted(expected)
    for i, found in enumerate(pages):  # each page holds the labels it should, in order
        assert sorted(d for _, d in found) == sorted(expected[i * per_page:(i + 1) * per_page])
    for code in decoded:  # each decodes to an order on the print and a unit number within that order's labels
        order_id, unit_no = code128.parse_unit_code(code)
        assert order_id in ids and 1 <= unit_no <= sum(1 for c in expected if c.startswith(f"{order_id}-"))


@pytest.mark.parametrize("stock", ["4x6", "letter-2x4"])
def test_every_required_element_is_printed_for_a_client_with_accents_and_a_long_address(db, stock):
    cur = db.cursor()
    order_id = placed(cur, 1)[0]
    client_id = fetch_value(cur, "SELECT client_id FROM orders WHERE order_id = ?", [order_id])
    cur.execute("UPDATE clients SET name = ?, name_key = lower(strip_accents(?)), address_line1 = ?, "
                "address_line2 = 'Bureau 7', city = 'Saint-Jean-sur-Richelieu' WHERE client_id = ?",
                [LONG_NAME, LONG_NAME, LONG_STREET, client_id])
    rx = cur.execute("SELECT prescriber, grams_per_day, valid_until FROM prescriptions WHERE client_id = ? AND active "
                     "ORDER BY valid_from DESC, prescription_id DESC LIMIT 1", [client_id]).fetchone()
    text = words(pdf_text(print_labels(db, [order_id], CSR, stock=stock).pdf))
    unit = label_units(cur, [order_id])[0]
    required = {
        "client's name": LONG_NAME,
        "client ID": f"Client ID {client_id}",
        "health care practitioner": f"Health care practitioner: {rx[0]}",
        "daily quantity": f"Daily quantity: {float(rx[1]):g} g of dried cannabis per day",
        "registration expiry": f"Registration expires {rx[2]:%Y-%m-%d}",
        "licence holder": "Sold and shipped by Demo Licence Holder Inc.",
        "licence holder's contact": "1-800-555-0100",
        "shipping address": f"Ship to: {LONG_STREET}, Bureau 7, Saint-Jean-sur-Richelieu",
        "product and brand": f"Product: {unit.product} · {unit.brand}",
        "lot": f"Lot {unit.lot}",
        "net content": f"Net content {unit.net_content}",
        "dried equivalent": "of dried cannabis",
        "for medical purposes": "FOR MEDICAL PURPOSES",
        "date": "Date ",
        "order and unit": f"Order {order_id} · unit 1 of {unit.unit_count}",
    }
    missing = {k: v for k, v in required.items() if v not in text}
    assert not missing, (missing, text[:2000])
    assert text.count(LONG_NAME) == unit.unit_count  # every label, whole, never cut


def test_every_print_and_reprint_is_recorded_on_the_order(db):
    cur = db.cursor()
    order_id = placed(cur, 1)[0]
    events = lambda: [r[0] for r in cur.execute(  # noqa: E731
        "SELECT details FROM order_events WHERE order_id = ? AND kind = 'labels' ORDER BY event_id",
        [order_id]).fetchall()]
    first = print_labels(db, [order_id], FULFILLMENT)
    again = print_labels(db, [order_id], CSR, stock="letter-2x4")
    assert again.number == first.number + 1
    assert events()[0].startswith("Printed ") and events()[1].startswith("Reprinted ")
    rows = cur.execute("SELECT actor_email, stock, labels, reprint FROM label_prints WHERE order_id = ? "
                       "ORDER BY print_id", [order_id]).fetchall()
    assert rows == [(FULFILLMENT.email, "4x6", first.labels, False), (CSR.email, "letter-2x4", first.labels, True)]
    assert fetch_value(cur, "SELECT count(*) FROM access_log WHERE what = 'Client labels'") == 2


def test_orders_that_cannot_have_labels_refuse_the_whole_print_and_record_nothing(db):
    cur = db.cursor()
    good = placed(cur, 1)[0]
    open_order = fetch_value(cur, "SELECT min(order_id) FROM orders WHERE status = 'Open'")
    before = fetch_value(cur, "SELECT count(*) FROM order_events")
    with pytest.raises(LabelRefused, match=f"{open_order} \\(Open\\)") as refused:
        print_labels(db, [good, open_order, 99999999], FULFILLMENT)
    assert "99999999 (does not exist)" in str(refused.value) and str(refused.value).count(". ") == 0
    with pytest.raises(LabelRefused, match="not a label stock"):
        print_labels(db, [good], FULFILLMENT, stock="A4")
    with pytest.raises(NotAllowed):
        print_labels(db, [good], ADMIN)
    assert fetch_value(cur, "SELECT count(*) FROM order_events") == before
    assert fetch_value(cur, "SELECT count(*) FROM label_prints") == 0


def test_every_picking_list_barcode_decodes_to_its_order(db):
    cur = db.cursor()
    ids = placed(cur, 6)
    made = generate_picking_list(db, order_ids=ids, actor=FULFILLMENT)
    decoded = [data for page in decode_pages(made.pdf) for _, data in page]
    assert sorted(decoded) == sorted(str(i) for i in ids)
    assert all(code128.parse_order_code(d) in ids for d in decoded)
