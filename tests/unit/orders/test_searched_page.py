"""DuckDB's one scan of a search (``index._searched_page``), which tests the view's archiving on the matches
only, gives the plain count and page (``SELECT count(*)`` and ``ORDER BY ... LIMIT ... OFFSET`` over the whole
condition): the same rows in the same order and the same total, in every view, with filters, by every sort, on
a deep page and past the last."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from orders_core.orders.archive import archive_orders
from orders_core.orders.index import OrderQuery, _list_orders
from orders_core.returns.recording import record_return
from orders_core.storage import dialect
from orders_core.storage.reads import fetch_value
from tests.people import CSR, MANAGER_PERSON

DELIVERED = ("SELECT o.order_id, min(l.sku) FROM orders o JOIN order_lines l USING (order_id) "
             "WHERE o.status = 'Delivered' AND o.archived_at IS NULL GROUP BY 1 ORDER BY 1 LIMIT 2")


def _returns(db) -> tuple[int, int]:
    """Two Delivered orders with a unit back, the second archived since."""
    (kept, kept_sku), (archived, archived_sku) = db.cursor().execute(DELIVERED).fetchall()
    record_return(db, kept, CSR, units={kept_sku: 1}, reason="Wrong product")
    record_return(db, archived, CSR, units={archived_sku: 1}, reason="Wrong product")
    archive_orders(db, [archived], MANAGER_PERSON)
    return kept, archived


def _searches(cur, returned: int) -> list[str]:
    accented = fetch_value(cur, "SELECT name FROM clients WHERE name <> strip_accents(name) ORDER BY client_id LIMIT 1")
    returner = fetch_value(cur, "SELECT c.name FROM orders o JOIN clients c USING (client_id) WHERE o.order_id = ?",
                           [returned])
    tracking = fetch_value(cur, "SELECT min(tracking_number) FROM orders WHERE tracking_number IS NOT NULL")
    return ["cote", "a", "ups", accented.upper(), strip(accented), returner, tracking[2:12].lower()]


def strip(name: str) -> str:
    """The name as typed without its accents, its words the other way round."""
    bare = "".join(ch for ch in unicodedata.normalize("NFD", name) if unicodedata.category(ch) != "Mn")
    return " ".join(reversed(bare.split()))


def _queries(cur, returned: int, archived: int) -> list[OrderQuery]:
    order_id = fetch_value(cur, "SELECT max(order_id) FROM orders WHERE archived_at IS NOT NULL")
    queries = [OrderQuery(search=text, view=view, page_size=25)
               for text in _searches(cur, returned) for view in ("All", "Archived", "Unverified", "Returns")]
    return [*queries,
            OrderQuery(search="a", sort="Status", descending=False, page=3, page_size=25),
            OrderQuery(search="a", sort="Order ID", descending=False, page=2, page_size=25),
            OrderQuery(search="a", statuses=("Shipped", "Delivered"), carriers=("UPS",)),
            OrderQuery(search="e", visible_statuses=("Order Placed",), page=2, page_size=5),
            OrderQuery(search="a", page=10_000),  # past the last page
            OrderQuery(search=str(order_id)), OrderQuery(search=str(order_id), view="Archived"),
            OrderQuery(search=str(returned), view="Returns"), OrderQuery(search=str(archived), view="Returns"),
            OrderQuery(search=str(archived)), OrderQuery(search="a", order_ids=(order_id, returned, archived))]


def test_a_searchs_one_scan_gives_the_plain_querys_rows_and_total(db, monkeypatch):
    cur = db.cursor()
    assert dialect.of(cur).search_in_one_scan
    returned, archived = _returns(db)
    seen = 0
    for q in _queries(cur, returned, archived):
        scanned = _list_orders(cur, q)
        with monkeypatch.context() as m:
            m.setattr(dialect.DuckDBDialect, "search_in_one_scan", False)
            m.setattr(dialect.DuckDBDialect, "pages_by_buckets", False)
            plain = _list_orders(cur, q)
        assert scanned.total == plain.total, q
        pd.testing.assert_frame_equal(scanned.rows.reset_index(drop=True), plain.rows.reset_index(drop=True), obj=str(q))
        seen += len(plain.rows)
    assert seen > 300  # the cases list rows, not only empty pages


@pytest.mark.parametrize("view", ["All", "Archived"])
def test_the_view_decides_which_matches_count(cur, view):
    """A search for a client's name counts their orders of the view only: archived ones in Archived, the
    others in All, together every order of theirs."""
    name = fetch_value(cur, "SELECT c.name FROM orders o JOIN clients c USING (client_id) "
                            "GROUP BY c.client_id, c.name HAVING count(*) FILTER (WHERE o.archived_at IS NOT NULL) > 0 "
                            "AND count(*) FILTER (WHERE o.archived_at IS NULL) > 0 ORDER BY c.client_id LIMIT 1")
    client = fetch_value(cur, "SELECT client_id FROM clients WHERE name = ?", [name])
    archived = "IS NOT NULL" if view == "Archived" else "IS NULL"
    expected = fetch_value(cur, f"SELECT count(*) FROM orders o WHERE o.archived_at {archived} AND o.client_id IN "
                                "(SELECT client_id FROM clients WHERE name = ?)", [name])
    assert expected > 0 and client is not None
    assert _list_orders(cur, OrderQuery(search=name, view=view)).total == expected
