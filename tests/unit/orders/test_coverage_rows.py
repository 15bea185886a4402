"""What each policy pays is kept: one coverage row per order and policy, read by the profile, Metrics and exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest

from orders_core.orders.access import export_csv_for
from orders_core.orders.coverage import order_payments
from orders_core.orders.detail import get_order
from orders_core.orders.drafts import DraftLine, OrderDraft
from orders_core.orders.index import OrderQuery
from orders_core.orders.lifecycle import edit_order, place_order
from orders_core.orders.ordering import create_order
from orders_core.reports import metrics
from orders_core.storage.reads import fetch_value
from tests.order_helpers import make_client
from tests.people import MANAGER_PERSON, acting


@pytest.fixture
def db(engine_db):
    """Each engine: DuckDB's demo copy, PostgreSQL's demo catalogue (the tests make their own clients)."""
    return engine_db




def two_policy_client(cur) -> int:
    """Blue Cross pays 80% of cannabis; Manulife 50% of what is left."""
    client = make_client(cur, "Blue Manu-Test", gpd="10", policy=("Blue Cross", "0.8", "500", None))
    cur.execute("INSERT INTO coverage_policies VALUES (nextval('policy_ids'), ?, 'Manulife', 0.5, 200, NULL, "
                "DATE '2020-01-01', NULL, TRUE)", [client])
    return client


def blue_cross_and_manulife_order(db, cur) -> int:
    client = two_policy_client(cur)
    draft = OrderDraft(client, [DraftLine("FL-BB-150", 1)], carrier="UPS", placed_by="Jean Aidant",
                       return_policy_agreed=True)  # $105.00 of flower
    return create_order(db, draft, acting("Isabelle Roy"))


def test_each_policy_s_part_is_stored_and_shown_on_the_profile(db, cur):
    order_id = blue_cross_and_manulife_order(db, cur)
    paid = [(p.insurer, p.amount, p.grams) for p in order_payments(cur, order_id)]
    assert paid == [("Blue Cross", D("84.00"), D("15.000")), ("Manulife", D("10.50"), D("15.000"))]
    assert fetch_value(cur, "SELECT coverage_amount FROM orders WHERE order_id = ?", [order_id]) == D("94.50")
    money = get_order(cur, order_id, MANAGER_PERSON).money_rows()
    assert ("Policy coverage: Blue Cross", D("-84.00")) in money
    assert ("Policy coverage: Manulife", D("-10.50")) in money
    assert ("Total Due", D("10.50")) in money


def test_metrics_report_each_insurer_with_its_own_amount(db, cur):
    order_id = blue_cross_and_manulife_order(db, cur)
    place_order(db, order_id, acting("Isabelle Roy"), payment_method="Insurance direct bill", payment_reference="BC-1")
    frame = metrics.coverage_by_insurer(cur, metrics.MetricsFilter(dt.date.today(), dt.date.today()))
    mine = {r.insurer: (r.orders, r.coverage) for r in frame.itertuples()}
    assert mine["Blue Cross"] == (1, D("84.00"))
    assert mine["Manulife"] == (1, D("10.50"))


def test_the_orders_export_says_what_each_policy_paid(db, cur):
    order_id = blue_cross_and_manulife_order(db, cur)
    text = export_csv_for(cur, OrderQuery(search=str(order_id)), MANAGER_PERSON).decode()
    header, row = csv.DictReader(io.StringIO(text.lstrip("\ufeff"))).fieldnames, next(
        csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert "Policy Coverage" in header
    assert row["Policy Coverage"] == "Blue Cross $84.00; Manulife $10.50"


def test_an_edit_rewrites_the_parts_and_one_that_changes_nothing_changes_nothing(db, cur):
    order_id = blue_cross_and_manulife_order(db, cur)
    before = fetch_value(cur, "SELECT total_due FROM orders WHERE order_id = ?", [order_id])
    edit_order(db, order_id, acting("Isabelle Roy"), lines=[DraftLine("FL-BB-150", 1)], carrier="UPS")
    assert fetch_value(cur, "SELECT total_due FROM orders WHERE order_id = ?", [order_id]) == before
    assert [p.amount for p in order_payments(cur, order_id)] == [D("84.00"), D("10.50")]
    edit_order(db, order_id, acting("Isabelle Roy"), lines=[DraftLine("FL-BB-150", 2)], carrier="UPS")  # $210
    assert [p.amount for p in order_payments(cur, order_id)] == [D("168.00"), D("21.00")]
    assert fetch_value(cur, "SELECT coverage_amount FROM orders WHERE order_id = ?", [order_id]) == D("189.00")


def test_a_policy_maximum_counts_what_that_policy_paid(db, cur):
    client = two_policy_client(cur)
    amounts = []
    for _ in range(4):  # $210 each: Blue Cross pays $168 until its $500 a period runs out
        draft = OrderDraft(client, [DraftLine("FL-BB-150", 2)], placed_by="Jean Aidant", return_policy_agreed=True)
        oid = create_order(db, draft, acting("Isabelle Roy"))
        amounts.append([p.amount for p in order_payments(cur, oid)])
    assert [a[0] for a in amounts] == [D("168.00"), D("168.00"), D("164.00"), D("0.00")]
    assert sum(a[1] for a in amounts) <= D("200")  # Manulife's own maximum
