"""The picking list PDF writes typed text as text: markup in a client's name and address comes out as typed."""

from __future__ import annotations

import io

import pypdf

from orders_core.fulfillment.picking import generate_picking_list
from tests.people import MANAGER_PERSON

MARKUP = "Eve **bold** <b>tag</b> [x](http://127.0.0.1:9/p)"


def test_markup_in_a_name_and_address_is_printed_as_typed(db):
    cur = db.cursor()
    order_id, client_id = cur.execute("SELECT order_id, client_id FROM orders WHERE status = 'Order Placed' "
                                      "AND archived_at IS NULL ORDER BY order_id LIMIT 1").fetchall()[0]
    cur.execute("UPDATE clients SET name = ?, address_line1 = ? WHERE client_id = ?", [MARKUP, MARKUP, client_id])
    made = generate_picking_list(db, order_ids=[order_id], actor=MANAGER_PERSON)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(made.pdf)).pages)
    flat = " ".join(text.split())
    assert f"Client: {MARKUP}" in flat
    assert flat.count("**bold** <b>tag</b> [x](http://127.0.0.1:9/p)") >= 2  # the name and the address
