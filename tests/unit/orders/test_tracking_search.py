"""DuckDB's signatures of the tracking numbers (``storage.tracking_grams``, migration 18): a search for a piece
of one finds exactly the orders the plain scan finds, the two writes that set a tracking number keep them in
their transaction, and ``check`` / ``check --recount`` find and mend a write past them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orders_core.fulfillment import bulk_ship
from orders_core.orders import index_search
from orders_core.orders.index import OrderQuery, _list_orders
from orders_core.orders.lifecycle import ship_order
from orders_core.reports.check import check, recount_summaries
from orders_core.storage import tracking_grams
from orders_core.storage.reads import fetch_value
from tests.people import ADMIN, FULFILLMENT

TRACKING = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=4, max_size=40)


def _reference(text: str) -> int:
    """The signature written out plainly, byte by byte, as the module's docstring defines it."""
    data, bits = text.encode(errors="surrogatepass"), 0
    for i in range(len(data) - 2):
        bits |= 1 << ((data[i] * 1369 + data[i + 1] * 37 + data[i + 2]) % 63)
    return bits


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TRACKING, st.text(st.characters(exclude_characters="\x00"), max_size=12)),
                min_size=1, max_size=8), st.data())
def test_a_piece_of_a_text_has_every_bit_of_its_own_signature_in_the_text_s(texts, data):
    found = tracking_grams.signatures(texts).tolist()
    assert found == [_reference(t) for t in texts]
    text = data.draw(st.sampled_from(texts))
    start = data.draw(st.integers(0, len(text)))
    piece = text[start:data.draw(st.integers(start, len(text)))]
    bits = tracking_grams.mask(piece)
    assert found[texts.index(text)] & bits == bits


def _plain(cur, text: str) -> list[int]:
    """The unarchived orders whose tracking number holds one of the forms of ``text``, read from every text."""
    forms = index_search.tracking_forms(text)
    held = " OR ".join("contains(tracking_number, ?)" for _f in forms)
    return [r[0] for r in cur.execute(f"SELECT order_id FROM orders WHERE archived_at IS NULL AND ({held}) "
                                      "ORDER BY order_id", forms).fetchall()]


def _searched(cur, text: str) -> list[int]:
    found = _list_orders(cur, OrderQuery(search=text, view="All", page_size=200))
    assert found.total <= 200
    return sorted(found.rows["Order ID"])


def _pieces(cur) -> list[str]:
    number = fetch_value(cur, "SELECT tracking_number FROM orders WHERE tracking_number IS NOT NULL "
                              "ORDER BY order_id LIMIT 1 OFFSET 100")
    return [number, number[2:12], number[-8:], "PU00012345", "A-" + number[:9]]


def test_a_tracking_search_finds_the_orders_the_plain_scan_finds(cur, monkeypatch):
    read = []
    mask = tracking_grams.mask
    monkeypatch.setattr(tracking_grams, "mask", lambda piece: read.append(piece) or mask(piece))
    for piece in _pieces(cur):
        assert _searched(cur, piece.lower()) == _plain(cur, piece), piece
    assert read  # the signatures served the searches
    digits = fetch_value(cur, "SELECT substr(tracking_number, 4, 8) FROM orders WHERE tracking_number IS NOT NULL "
                              "ORDER BY order_id LIMIT 1")
    monkeypatch.setattr(index_search, "TRACKING_CANDIDATES", 0)  # too many candidates: every text is read
    assert _searched(cur, digits) == _plain(cur, digits)
    monkeypatch.setattr(index_search, "TRACKING_CANDIDATES", 10**9)
    monkeypatch.setattr(tracking_grams, "mask", lambda piece: 0)  # every order a candidate: the text decides
    assert _searched(cur, digits) == _plain(cur, digits)


def test_shipping_one_order_or_a_carrier_file_keeps_the_signatures(db, cur):
    placed = [r[0] for r in cur.execute("SELECT order_id FROM orders WHERE status = 'Order Placed' AND "
                                        "archived_at IS NULL ORDER BY order_id LIMIT 3").fetchall()]
    ship_order(db, placed[0], FULFILLMENT, carrier="Purolator", tracking_number="ZQ 7788 1122 33")
    assert _searched(cur, "77881122") == [placed[0]]
    data = ("order_id,tracking_number,ship_date,carrier\n"
            + "".join(f"{i},ZQX{i}WW,,Purolator\n" for i in placed[1:])).encode()
    assert bulk_ship.import_file(db, data, FULFILLMENT, bulk_ship.TEMPLATES["Standard"]).committed
    for order_id in placed[1:]:
        assert _searched(cur, f"ZQX{order_id}") == [order_id]
    assert not tracking_grams.mismatches(cur)


@pytest.mark.breaches_on_purpose
def test_a_tracking_number_written_past_the_orders_module_is_named_by_check_and_recounted(db, cur):
    order_id = fetch_value(cur, "SELECT min(order_id) FROM orders WHERE tracking_number IS NOT NULL "
                                "AND archived_at IS NULL")
    db.write(lambda c: c.execute("UPDATE orders SET tracking_number = 'QQ99887766' WHERE order_id = ?", [order_id]))
    assert _searched(cur, "QQ99887766") == []  # the signature still describes the old number
    found = [b for b in check(cur) if b.check == "tracking search"]
    assert [b.subject for b in found] == [f"order {order_id}"]
    assert "tracking_grams" in found[0].sentence
    assert "tracking numbers' search signatures afresh" in recount_summaries(cur, ADMIN)
    assert not [b for b in check(cur) if b.check == "tracking search"]
    assert _searched(cur, "QQ99887766") == [order_id]
