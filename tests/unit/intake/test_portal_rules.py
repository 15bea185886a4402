"""Portal orders follow the module's rules: one coverage row per order and policy and the allowance ledger
held in the import's transaction, so `orders-core check` is clean after an import and a CSR order racing
an import for the same client and period cannot take grams the import already counted (or the reverse)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from orders_core.intake import portal
from orders_core.orders.drafts import DraftLine, OrderDraft, OrderRefused
from orders_core.orders.ordering import create_order
from orders_core.reports import check as integrity
from orders_core.storage.reads import fetch_value
from tests.order_helpers import TODAY, make_client, make_product
from tests.people import acting
from tests.races import Interleave, interleave_claims, race

SKU = "T-DRIED-15"  # 15 g dried a unit
NOW = dt.datetime.combine(TODAY, dt.time(12))


@pytest.fixture
def db(engine_empty_db):
    make_product(engine_empty_db.cursor(), SKU, "dried", "15", price="100.00", category="Dried flower")
    return engine_empty_db


@pytest.fixture
def interleave(monkeypatch) -> Interleave:
    return interleave_claims(monkeypatch)


def _file(*orders) -> bytes:
    return json.dumps([{"portal_order_id": pid, "client_id": cid, "placed_at": at.isoformat(),
                        "carrier": "Canada Post", "lines": [{"sku": SKU, "units": units}]}
                       for pid, cid, units, at in orders]).encode()


def _counted(db, client_id: int) -> Decimal:
    return fetch_value(db.cursor(), "SELECT coalesce(sum(grams), 0) FROM orders WHERE client_id = ? "
                                    "AND status <> 'Cancelled'", [client_id])


def test_a_portal_import_leaves_the_database_clean(db):
    """Two policies, a dollar maximum, two clients, orders over the allowance: coverage rows and ledger rows agree."""
    cur = db.cursor()
    first = make_client(cur, "Two Policies", gpd="5", policy=("Sun Life", "0.5", "120", None))
    cur.execute("INSERT INTO coverage_policies VALUES (nextval('policy_ids'), ?, 'Blue Cross', 0.3, NULL, NULL, "
                "current_date - 30, NULL, TRUE)", [first])
    second = make_client(cur, "One Policy", gpd="2", policy=("Manulife", "0.8", None, "40"))
    report = portal.import_orders(db, _file(("W-1", first, 4, NOW), ("W-2", first, 4, NOW + dt.timedelta(minutes=1)),
                                            ("W-3", second, 3, NOW)), acting("Portal sync"), now=NOW + dt.timedelta(hours=1))
    assert (report.imported, report.committed) == (3, True)
    assert integrity.check(db.cursor()) == []
    paid = cur.execute("""SELECT p.portal_order_id, c.insurer, c.amount FROM portal_imports p
                          JOIN order_coverage c USING (order_id) ORDER BY 1, c.policy_id""").fetchall()
    assert paid[:2] == [("W-1", "Sun Life", Decimal("120.00")), ("W-1", "Blue Cross", Decimal("84.00"))]
    assert ("W-2", "Sun Life", Decimal("0.00")) in paid  # its period maximum was used by W-1
    for client_id in (first, second):
        assert fetch_value(cur, "SELECT grams FROM allowance_ledger WHERE client_id = ?", [client_id]) == \
            _counted(db, client_id)


def test_a_portal_order_and_a_csr_order_cannot_together_exceed_the_allowance(db, interleave):
    """5 g a day: 150 g a period. The portal brings 90 g, a CSR saves 90 g, both having read an empty period."""
    client = make_client(db.cursor(), gpd="5")
    draft = OrderDraft(client, [DraftLine(SKU, 6)], carrier="Canada Post", placed_by="CSR A",
                       return_policy_agreed=True)
    imported, order = race(lambda: portal.import_orders(db, _file(("W-1", client, 6, NOW)), acting("Portal sync"),
                                                        now=NOW + dt.timedelta(hours=1)),
                           lambda: create_order(db, draft, acting("CSR A")))
    assert not isinstance(imported, Exception), imported
    details = fetch_value(db.cursor(), "SELECT e.details FROM portal_imports p JOIN order_events e USING (order_id)")
    if isinstance(order, OrderRefused):   # the import won: its 90 g count, the CSR is told why not
        assert "more than the 60 g left in the prescription period" in " ".join(order.reasons)
        assert "Checks passed at import" in details
    else:                                 # the CSR won: the portal order arrives with the reason for the CSR
        assert isinstance(order, int)
        assert "more than the 60 g left in the prescription period" in details
    open_grams = fetch_value(db.cursor(), "SELECT coalesce(sum(grams), 0) FROM orders WHERE client_id = ? "
                                          "AND status = 'Open'", [client])
    assert open_grams <= 150
    assert fetch_value(db.cursor(), "SELECT grams FROM allowance_ledger WHERE client_id = ?", [client]) == \
        _counted(db, client)
