"""The one allowance rule: every writer asks it and they agree."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders_core.orders import lifecycle
from orders_core.orders.drafts import DraftLine, OrderDraft, OrderRefused, review_order
from orders_core.orders.ordering import create_order
from orders_core.recurring import api as rec
from orders_core.recurring.api import TemplateDraft, TemplateLine, TemplateRefused
from orders_core.rules import allowance
from orders_core.storage.reads import fetch_value
from tests.order_helpers import TODAY, make_client, make_product
from tests.people import MANAGER_PERSON, acting

D = Decimal


@pytest.mark.parametrize(("gpd", "cap", "period"), [("0.5", "15", "15"), ("5", "150", "150"), ("10", "150", "300")])
def test_cap_is_the_lesser_of_30_days_and_150_g(gpd, cap, period):
    assert allowance.shipment_cap(D(gpd)) == D(cap)
    assert allowance.period_allowance(D(gpd)) == D(period)


def test_sql_takes_the_constants_from_the_rule():
    assert allowance.sql_params() == {"days_per_period": 30, "shipment_cap_grams": D("150"),
                                      "released_statuses": ["Cancelled"]}


@pytest.mark.parametrize(
    ("units", "cap", "shipments"),
    [([], D(150), 1), ([D(15)] * 10, D(150), 1), ([D(15)] * 11, D(150), 2), ([D(100), D(60), D(100)], D(150), 3),
     ([D(15)] * 12 + [D("3.5")] * 10, D(150), 2), ([D(1)] * 5, None, 1)],
)
def test_shipments_are_packed_greedily_in_line_order(units, cap, shipments):
    assert allowance.shipments_needed(units, cap) == shipments


def test_the_generator_sql_selects_exactly_the_rows_the_rule_skips(empty_db):
    cur = empty_db.cursor()
    values = [D(v) for v in ("0", "1.5", "15", "45", "60", "75", "90", "149.999", "150", "150.001", "300")]
    gpds = [D(v) for v in ("0.5", "2", "5", "10")]
    rows = [(g, m, u, used) for g in gpds for m in values for u in values[:5] for used in values[::2]]
    cur.execute("CREATE TEMP TABLE r (grams_per_day DECIMAL(6,2), grams DECIMAL(12,3), max_unit_grams DECIMAL(10,3), "
                "used_grams DECIMAL(12,3))")
    cur.executemany("INSERT INTO r VALUES (?, ?, ?, ?)", [list(r) for r in rows])
    selected = set(cur.execute("SELECT * FROM r WHERE " + allowance.SQL_GENERATION_FAILS,
                               allowance.generation_fails_params()).fetchall())
    expected = {r for r in rows if allowance.generation_reason(r[0], r[1], r[2], r[3], TODAY) is not None}
    assert len(rows) > 1000 and selected == expected


def _client(cur, gpd="10") -> int:
    return make_client(cur, gpd=gpd)


def test_template_check_and_generation_agree_on_the_shipments(empty_db):
    cur = empty_db.cursor()
    make_product(cur, "T-15", "dried", "15", category="Dried flower")
    make_product(cur, "T-7", "dried", "7", category="Dried flower")
    make_product(cur, "T-35", "fresh", "17.5")               # 3.5 g dried a unit
    for units in ([("T-15", 12), ("T-35", 10)], [("T-7", 21), ("T-15", 9)], [("T-15", 10)]):
        cid = _client(cur)                                    # 300 g a period, 150 g a shipment
        draft = TemplateDraft(cid, tuple(TemplateLine(s, u) for s, u in units), carrier="Purolator",
                              next_order_on=TODAY)
        check = rec.check_template(cur, draft, MANAGER_PERSON, TODAY)
        assert check.ok, check.reasons
        rid = rec.save_template(empty_db, draft, acting("CSR"), today=TODAY)
        result = rec.generate_due(empty_db, acting("CSR"), TODAY)
        made = result.orders[result.orders["Recurring Order"] == rid]
        assert len(made) == check.shipments and all(D(g) <= 150 for g in made["Grams"])


def test_a_product_no_longer_sold_is_refused_on_an_order_as_on_a_template(empty_db):  # DuckDB only until recurring templates run on PostgreSQL
    cur = empty_db.cursor()
    make_product(cur, "T-OLD", "dried", "3.5", category="Dried flower")
    cid = _client(cur)
    order_id = create_order(empty_db, OrderDraft(cid, [DraftLine("T-OLD", 2)], placed_by="CSR",
                                                 return_policy_agreed=True), acting("CSR"))
    cur.execute("UPDATE products SET active = FALSE WHERE sku = 'T-OLD'")
    sentence = "Test dried 3.5 g (T-OLD) is no longer sold."
    with pytest.raises(OrderRefused) as refused:
        create_order(empty_db, OrderDraft(cid, [DraftLine("T-OLD", 1)], placed_by="CSR", return_policy_agreed=True),
                     acting("CSR"))
    assert refused.value.reasons == [f"Line 1 (Test dried 3.5 g): {sentence}"]
    with pytest.raises(TemplateRefused) as template:
        rec.save_template(empty_db, TemplateDraft(cid, (TemplateLine("T-OLD", 1),)), acting("CSR"), today=TODAY)
    assert sentence in template.value.reasons
    # a line already on the order may stay when the order is edited
    lifecycle.edit_order(empty_db, order_id, acting("CSR"), lines=[DraftLine("T-OLD", 1)])
    assert fetch_value(cur, "SELECT grams FROM orders WHERE order_id = ?", [order_id]) == D("3.5")


def test_review_and_ledger_count_the_same_grams(engine_empty_db):
    empty_db = engine_empty_db  # on DuckDB and on PostgreSQL
    cur = empty_db.cursor()
    make_product(cur, "T-15", "dried", "15", category="Dried flower")
    cid = _client(cur, "2")                                   # 60 g a period and a shipment
    first = create_order(empty_db, OrderDraft(cid, [DraftLine("T-15", 2)], placed_by="CSR",
                                              return_policy_agreed=True), acting("CSR"))
    create_order(empty_db, OrderDraft(cid, [DraftLine("T-15", 1)], placed_by="CSR", return_policy_agreed=True), acting("CSR"))
    r = review_order(cur, person=MANAGER_PERSON, draft=OrderDraft(cid, [DraftLine("T-15", 2)], placed_by="CSR", return_policy_agreed=True))
    assert r.period.used == 45 == fetch_value(cur, "SELECT grams FROM allowance_ledger WHERE client_id = ?", [cid])
    assert r.reasons == ["The order holds 30 g, more than the 15 g left in the prescription period "
                         f"{r.period.label()} (45 g of 60 g already used)."]
    lifecycle.cancel_order(empty_db, first, acting("CSR"), reason="Asked")
    assert fetch_value(cur, "SELECT grams FROM allowance_ledger WHERE client_id = ?", [cid]) == 15
