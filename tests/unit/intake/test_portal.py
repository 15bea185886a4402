"""Client Portal orders: Unverified, reviewed by the same rules as any order, reasons recorded, imported once."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from orders_core.intake import portal
from orders_core.intake.importing import ImportRefused
from orders_core.orders.drafts import DraftLine, OrderDraft, review_order
from orders_core.storage.reads import fetch_value
from tests.order_helpers import TODAY, make_client, make_product
from tests.people import MANAGER_PERSON, acting

NOW = dt.datetime.combine(TODAY, dt.time(12))


def order(pid, client_id, *lines, placed=None, carrier="Canada Post"):
    return {"portal_order_id": pid, "client_id": client_id, "placed_at": (placed or NOW).isoformat(),
            "carrier": carrier, "lines": [{"sku": s, "units": u} for s, u in lines]}


def data(*orders) -> bytes:
    return json.dumps(list(orders)).encode()


@pytest.fixture
def db(engine_demo_db):
    """The demo on each engine."""
    return engine_demo_db


@pytest.fixture
def setup(db):
    cur = db.cursor()
    ok = make_client(cur, "Portal Client", gpd="2", policy=("Sun Life", "0.8", "50", None))
    make_product(cur, "T-DRY-10", "dried", "10", price="80.00", category="Dried flower")
    make_product(cur, "T-OIL-30", "non-solid", "30", price="45.00")
    return ok


def test_the_review_is_ordering_s_review(db, setup):
    """For each order, the set-based review gives what ordering.review_order gives the same draft."""
    cur = db.cursor()
    clients = [r[0] for r in cur.execute("SELECT client_id FROM clients ORDER BY client_id LIMIT 40").fetchall()]
    clients.append(setup)
    for i, cid in enumerate(clients):
        lines = [("T-DRY-10", 1 + i % 3), ("T-OIL-30", 1)]
        expected = review_order(cur, person=MANAGER_PERSON, draft=OrderDraft(cid, [DraftLine(s, u) for s, u in lines], carrier="Canada Post"),
                                today=TODAY, csr_fields=False)
        book = portal._Book(cur, [cid])
        key = book.period_key(cid, NOW.date())
        book.load_usage(cur, [key] if key else [])
        got = portal.review(book, portal._Order(1, "x", cid, NOW, "Canada Post", lines))
        assert got.totals == expected.totals, cid
        assert got.reasons == expected.reasons, cid
        assert [(c.policy_id, c.amount, c.grams) for c in got.coverage] == \
            [(c.policy_id, c.amount, c.grams) for c in expected.coverage]


def test_over_the_allowance_arrives_unverified_with_the_reasons(db, setup):
    report = portal.import_orders(db, data(order("W-1", setup, ("T-DRY-10", 7))), acting("Portal sync"), now=NOW)
    assert (report.imported, report.unverified_with_reasons, report.committed) == (1, 1, True)
    [(status, source, grams, coverage, placed_by, actor, details)] = db.cursor().execute(
        """SELECT o.status::VARCHAR, o.source::VARCHAR, o.grams, o.coverage_amount, o.placed_by, e.actor, e.details
           FROM portal_imports p JOIN orders o USING (order_id) JOIN order_events e USING (order_id)""").fetchall()
    assert (status, source, grams, placed_by, actor) == (
        "Unverified", "Client Portal", Decimal("70.000"), "Portal Client", "Portal sync")
    assert coverage == Decimal("50.00")          # 80% of $560, up to the policy's $50 a period
    assert "For the CSR: The order holds 70 g (dried equivalent), over Portal Client's limit of 60 g per order" in details
    assert "more than the 60 g left in the prescription period" in details


def test_a_second_order_over_what_is_left_gets_the_reason(db, setup):
    report = portal.import_orders(
        db, data(order("W-1", setup, ("T-DRY-10", 5)), order("W-2", setup, ("T-DRY-10", 2), placed=NOW + dt.timedelta(minutes=5))),
        acting("Portal sync"), now=NOW + dt.timedelta(hours=1))
    assert report.unverified_with_reasons == 1
    details = fetch_value(db.cursor(), "SELECT e.details FROM portal_imports p JOIN order_events e USING (order_id) "
                                       "WHERE p.portal_order_id = 'W-2'")
    assert "more than the 10 g left in the prescription period" in details


def test_an_order_already_imported_is_not_imported_again(db, setup):
    file = data(order("W-1", setup, ("T-DRY-10", 1)))
    portal.import_orders(db, file, acting("sync"), now=NOW)
    again = portal.import_orders(db, file, acting("sync"), now=NOW)
    assert (again.imported, again.already_imported) == (0, 1)
    assert fetch_value(db.cursor(), "SELECT count(*) FROM portal_imports") == 1


def test_an_unusable_file_writes_nothing_and_lists_every_problem(db, setup):
    before = fetch_value(db.cursor(), "SELECT count(*) FROM orders")
    report = portal.import_orders(db, data(
        order("W-1", setup, ("T-DRY-10", 1)),
        order("W-1", setup, ("NOPE", 1)),
        {"portal_order_id": "W-3", "client_number": "ZZ", "placed_at": "yesterday", "lines": [{"sku": "T-DRY-10", "units": 0}]},
        order("W-4", setup, ("T-DRY-10", 1), carrier="Pony Express"),
    ), acting("sync"), now=NOW)
    assert [(p.row, p.column) for p in report.problems] == [
        (2, "portal_order_id"), (2, "lines[1].sku"), (3, "client_number"), (3, "placed_at"), (3, "lines[1].units"),
        (4, "carrier")]
    assert fetch_value(db.cursor(), "SELECT count(*) FROM orders") == before
    with pytest.raises(ImportRefused, match="not JSON"):
        portal.import_orders(db, b"{oops", acting("sync"))


def test_refunded_coverage_goes_back_to_the_policy_for_a_portal_order_as_for_a_csr_order(engine_db):
    """A refund gives a policy back what it paid (``order_refund_policies``): its period total goes down for the
    portal's review exactly as for ordering's, through the one reading (``coverage.policy_usage_by_period``)."""
    from orders_core.returns.recording import record_return
    from orders_core.returns.refunds import refund_return
    from tests.unit.returns.helpers import CSR_PERSON, DRIED, delivered_order, products

    db = engine_db
    cur = db.cursor()
    products(cur)
    cid = make_client(cur, "Portal Remboursée-Test", gpd="5", policy=("Sun Life", "0.8", "100", None))
    order_id = delivered_order(db, [(DRIED, 2, "0")], order_discount="0", shipping="0", client_id=cid)
    assert fetch_value(cur, "SELECT coverage_amount FROM orders WHERE order_id = ?", [order_id]) == Decimal("64.00")
    back = record_return(db, order_id, CSR_PERSON, units={DRIED: 2}, reason="Damaged in transit")
    assert sum(refund_return(db, back.return_id, CSR_PERSON, method="Cheque", reference="C").policies.values()) \
        == Decimal("64.00")  # the $100 a period is whole again: $36 left without the refund
    lines = [(DRIED, 3)]  # $120.00: 80% is $96.00
    expected = review_order(cur, person=MANAGER_PERSON, draft=OrderDraft(cid, [DraftLine(s, u) for s, u in lines], carrier="Canada Post"),
                            today=TODAY, csr_fields=False)
    assert [c.amount for c in expected.coverage] == [Decimal("96.00")]
    report = portal.import_orders(db, data(order("W-R1", cid, *lines)), acting("Portal sync"), now=NOW)
    assert report.committed
    got = fetch_value(db.cursor(), "SELECT o.coverage_amount FROM portal_imports p JOIN orders o USING (order_id) "
                                   "WHERE p.portal_order_id = 'W-R1'")
    assert got == Decimal("96.00")
