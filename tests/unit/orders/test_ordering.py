"""Creating orders: totals, caps with every equivalency factor, coverage across a period, every refusal.

The tests with a database run on both engines (``engine_db``: DuckDB and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orders_core.clients.records import Policy
from orders_core.orders import allowance_ledger, ordering
from orders_core.orders.drafts import DraftLine, OrderDraft, OrderRefused, review_order
from orders_core.orders.ordering import create_order
from orders_core.orders.totals import PolicyUse, TotalLine, compute_coverage, order_totals
from orders_core.storage.reads import fetch_one, fetch_value
from tests.order_helpers import TODAY, make_client, make_product
from tests.people import MANAGER_PERSON, acting
from tests.races import interleave_claims, meet, race

D = Decimal


@pytest.fixture
def db(engine_db):
    """Every test here runs on DuckDB (the demo copy) and on PostgreSQL (the demo catalogue)."""
    return engine_db


def draft(client_id: int, *lines: DraftLine, **kw) -> OrderDraft:
    base = dict(placed_by="Éloïse Bérubé-Test", return_policy_agreed=True)
    return OrderDraft(client_id, list(lines), **{**base, **kw})


def count(cur, table: str) -> int:
    return fetch_value(cur, f"SELECT count(*) FROM {table}")


# ----------------------------------------------------------------- pure arithmetic


def test_order_totals_subtracts_discounts_and_coverage_and_adds_shipping():
    lines = [TotalLine(2, D("32.50"), D("5.00"), D("3.5"), True), TotalLine(1, D("24.00"))]
    t = order_totals(lines, order_discount=D("10"), coverage_amount=D("20.50"), shipping_charge=D("12.50"))
    assert t.subtotal == D("89.00")
    assert t.line_discount_total == D("5.00")
    assert t.total_due == D("66.00")  # 89 - 5 - 10 - 20.50 + 12.50
    assert t.grams == D("7.000")


def test_order_totals_never_below_zero_and_grams_blank_without_cannabis():
    t = order_totals([TotalLine(1, D("24.00"))], order_discount=D("24"), coverage_amount=D("5"))
    assert t.total_due == D("0.00")
    assert t.grams is None


def _policy(share: str, dollars: str | None = None, grams: str | None = None) -> Policy:
    return Policy(1, "Sun Life", D(share), dollars and D(dollars), grams and D(grams), dt.date(2020, 1, 1), None)


def test_coverage_pays_share_of_cannabis_lines_only():
    lines = [TotalLine(2, D("50.00"), D("10.00"), D("7"), True), TotalLine(1, D("189.00"))]
    [c] = compute_coverage(lines, [PolicyUse(_policy("0.8"))])
    assert c.amount == D("72.00")  # 80% of (100 - 10); the vaporizer is not covered


def test_coverage_dollar_maximum_counts_earlier_orders():
    lines = [TotalLine(1, D("200.00"), grams_per_unit=D("15"), is_cannabis=True)]
    [c] = compute_coverage(lines, [PolicyUse(_policy("0.8", dollars="300"), dollars_used=D("250"))])
    assert c.amount == D("50.00")
    assert "$50.00 of its $300.00" in c.note


def test_coverage_gram_maximum_pays_pro_rata():
    lines = [TotalLine(4, D("105.00"), grams_per_unit=D("15"), is_cannabis=True)]  # 60 g, $420
    [c] = compute_coverage(lines, [PolicyUse(_policy("1.0", dollars="765", grams="90"), grams_used=D("60"))])
    assert c.amount == D("210.00")  # 30 g of 60 g left: half of $420


# ----------------------------------------------------------------- caps and equivalents


@pytest.mark.parametrize(
    ("form", "net", "per_unit"),
    [("dried", "3.5", "3.5"), ("fresh", "25", "5"), ("edible solid", "75", "5"),
     ("non-solid", "350", "5"), ("concentrate", "1.25", "5"), ("beverage", "2850", "5"), ("seed", "5", "5")],
)
def test_cap_uses_each_equivalency_factor(db, cur, form, net, per_unit):
    client = make_client(cur, gpd="0.5")  # cap: 30 x 0.5 = 15 g
    equiv = make_product(cur, "T-1", form, net)
    assert equiv == D(per_unit)
    units_at_cap = int(D(15) / equiv)
    ok = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("T-1", units_at_cap)))
    assert ok.ok, ok.reasons
    assert ok.grams == equiv * units_at_cap
    over = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("T-1", units_at_cap + 1)))
    assert any("over" in r and "limit of 15 g per order" in r for r in over.reasons), over.reasons


def test_cap_is_150_g_for_large_prescriptions(db, cur):
    client = make_client(cur, gpd="10")  # 30 x 10 = 300 g a period, but at most 150 g an order
    ok = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-BB-150", 10)))  # 150 g
    assert ok.ok, ok.reasons
    over = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-BB-150", 10), DraftLine("PR-SD-1x10", 1)))  # 151 g
    assert over.reasons == [
        "The order holds 151 g (dried equivalent), over Éloïse Bérubé-Test's limit of 150 g per order "
        "(the lesser of 30 x 10 g a day and 150 g)."
    ]


# ----------------------------------------------------------------- refusals


def test_every_reason_is_listed_and_nothing_written(db, cur):
    client = make_client(cur, gpd="1", registration="Pending Verification",
                         valid_from=TODAY - dt.timedelta(days=400), valid_until=TODAY - dt.timedelta(days=3))
    before = (count(cur, "orders"), count(cur, "order_lines"), count(cur, "order_events"))
    bad = OrderDraft(client, [DraftLine("FL-PK-035", "two"), DraftLine("FL-PK-070", "-1"),
                              DraftLine("FL-BB-150", 3, unit_price="abc", line_discount="-2")],
                     order_discount="-5", shipping_charge="1e", placed_by="", return_policy_agreed=False)
    with pytest.raises(OrderRefused) as refused:
        create_order(db, bad, acting("Isabelle Roy"))
    reasons = refused.value.reasons
    expired = (TODAY - dt.timedelta(days=3)).isoformat()
    assert reasons == [
        "Éloïse Bérubé-Test's registration is Pending Verification, not Approved.",
        f"Éloïse Bérubé-Test's prescription expired on {expired}.",
        "Line 1 (Pink Kush 3.5 g): the quantity 'two' is not a number.",
        "Line 2 (Pink Kush 7 g): the quantity '-1' is negative.",
        "Line 3 (Blue Dream 15 g): the unit price 'abc' is not a number.",
        "Line 3 (Blue Dream 15 g): the line discount '-2' is negative.",
        "The order discount '-5' is negative.",
        "The shipping charge '1e' is not a number.",
        "Say who placed the order ('Order placed by').",
        "The client has not agreed to the return and exchange policy.",
    ]
    assert (count(cur, "orders"), count(cur, "order_lines"), count(cur, "order_events")) == before


def test_no_lines_and_unknown_things_are_refused(db, cur):
    client = make_client(cur)
    assert review_order(cur, person=MANAGER_PERSON, draft=draft(client)).reasons == ["The order has no lines; add at least one product."]
    r = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("NOPE", 1), DraftLine("FL-PK-035", 0),
                                DraftLine("FL-PK-035", "1.5"), carrier="Pony Express"))
    assert r.reasons == [
        "Line 1: there is no product with SKU 'NOPE'.",
        "Line 2 (Pink Kush 3.5 g): the quantity is 0; order at least 1 unit.",
        "Line 3 (Pink Kush 3.5 g): the quantity '1.5' is not a whole number.",
        "'Pony Express' is not one of our carriers.",
    ]
    assert review_order(cur, person=MANAGER_PERSON, draft=OrderDraft(999999, [DraftLine("FL-PK-035")])).reasons == ["There is no client 999999."]


def test_discounts_larger_than_what_they_discount_are_refused(db, cur):
    client = make_client(cur)
    r = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-PK-035", 1, line_discount="40"), order_discount="1"))
    assert "Line 1 (Pink Kush 3.5 g): the line discount $40.00 is more than the line's amount $32.50." in r.reasons
    r = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-PK-035", 1), order_discount="33"))
    assert r.reasons == ["The order discount $33.00 is more than the products' total after line discounts ($32.50)."]


def test_period_allowance_counts_earlier_orders_and_cancelled_give_back(db, cur):
    from orders_core.orders.lifecycle import cancel_order

    client = make_client(cur, gpd="2")  # 60 g a period, 60 g an order
    first = create_order(db, draft(client, DraftLine("FL-BB-150", 3)), acting("Isabelle Roy"))  # 45 g
    r = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-BB-150", 2)))  # 30 g, only 15 g left
    assert len(r.reasons) == 1
    assert r.reasons[0].startswith("The order holds 30 g, more than the 15 g left in the prescription period")
    assert "(45 g of 60 g already used)" in r.reasons[0]
    cancel_order(db, first, acting("Isabelle Roy"), reason="Client changed their mind")
    assert review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-BB-150", 2))).ok


# ----------------------------------------------------------------- saving


def test_saved_order_is_open_csr_with_created_event_and_exact_totals(db, cur):
    client = make_client(cur, gpd="3", policy=("Sun Life", "0.8", "300", None))
    order_id = create_order(
        db,
        draft(client, DraftLine("FL-PK-035", "2", line_discount="5.00"), DraftLine("AC-GRN-001", 1),
              order_discount="$10", carrier="Canada Post", shipping_charge="12.50", placed_by="Jean Caregiver"),
        acting("Isabelle Roy"),
    )
    row = fetch_one(cur, """SELECT status::VARCHAR, source::VARCHAR, placed_by, subtotal, line_discount_total,
                              order_discount, coverage_amount, shipping_charge, total_due, grams, carrier,
                              return_policy_agreed, version FROM orders WHERE order_id = ?""", [order_id])
    # 2 x 32.50 + 24 = 89; coverage 80% of (65 - 5) = 48; 89 - 5 - 10 - 48 + 12.50 = 38.50
    assert row == ("Open", "CSR", "Jean Caregiver", D("89.00"), D("5.00"), D("10.00"), D("48.00"),
                   D("12.50"), D("38.50"), D("7.000"), "Canada Post", True, 1)
    lines = cur.execute("SELECT line_no, sku, units, unit_price, line_discount FROM order_lines "
                        "WHERE order_id = ? ORDER BY line_no", [order_id]).fetchall()
    assert lines == [(1, "FL-PK-035", 2, D("32.50"), D("5.00")), (2, "AC-GRN-001", 1, D("24.00"), D("0.00"))]
    [(actor, kind, details)] = cur.execute(
        "SELECT actor, kind, details FROM order_events WHERE order_id = ?", [order_id]).fetchall()
    assert (actor, kind) == ("Isabelle Roy", "created")
    assert "placed by Jean Caregiver" in details


def test_accessory_only_order_has_blank_grams(db, cur):
    client = make_client(cur)
    order_id = create_order(db, draft(client, DraftLine("AC-VAP-001", 1)), acting("Isabelle Roy"))
    assert fetch_value(cur, "SELECT grams FROM orders WHERE order_id = ?", [order_id]) is None


def test_coverage_maximum_across_orders_in_a_period(db, cur):
    client = make_client(cur, gpd="10", policy=("Sun Life", "0.8", "300", None))
    amounts = []
    for _ in range(3):  # $210 each: 80% is $168, until the $300 a period runs out
        oid = create_order(db, draft(client, DraftLine("FL-BB-150", 2)), acting("Isabelle Roy"))
        amounts.append(fetch_value(cur, "SELECT coverage_amount FROM orders WHERE order_id = ?", [oid]))
    assert amounts == [D("168.00"), D("132.00"), D("0.00")]


def test_coverage_never_pays_more_than_is_left_after_the_order_discount(db, cur):
    client = make_client(cur, gpd="10", policy=("Veterans Affairs Canada", "1.0", "765", None))
    review = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-LA-070", 1), order_discount="10.00",
                                     carrier="FedEx", shipping_charge="19.50"), today=TODAY)
    assert review.reasons == []
    assert review.totals.coverage_amount == D("45.00")  # $55 of flower, $10 off: the policy pays the $45 left
    assert review.totals.total_due == D("19.50")  # the client pays the shipping


def test_gram_maximum_across_orders_in_a_period(db, cur):
    client = make_client(cur, gpd="10", policy=("Veterans Affairs Canada", "1.0", "765", "90"))
    amounts = []
    for _ in range(2):  # 60 g, $420 each; 90 g a period covered
        oid = create_order(db, draft(client, DraftLine("FL-BB-150", 4)), acting("Isabelle Roy"))
        amounts.append(fetch_value(cur, "SELECT coverage_amount FROM orders WHERE order_id = ?", [oid]))
    assert amounts == [D("420.00"), D("210.00")]


def test_two_csrs_saving_at_once_cannot_both_use_the_last_grams(db, cur, monkeypatch):
    """Both saves have read what the client's period holds before either holds the allowance ledger row
    (``tests.races.interleave_claims``): the database must let only one of them commit."""
    client = make_client(cur, gpd="2")  # 60 g a period
    interleave_claims(monkeypatch)
    results = race(*[lambda who=who: create_order(db, draft(client, DraftLine("FL-BB-150", 3)), acting(who))  # 45 g
                     for who in ("CSR A", "CSR B")])
    saved = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, OrderRefused)]
    assert len(saved) == 1 and len(refused) == 1
    assert "more than the 15 g left" in refused[0].reasons[0]


@pytest.mark.breaches_on_purpose  # 90 g in a 60 g period: what orders-core check reports
def test_control_without_the_ledger_two_csrs_saving_at_once_both_use_the_last_grams(db, cur, monkeypatch):
    """Two saves with the ledger row neither held nor settled, each waiting for the other once it has reviewed
    the client's period (on PostgreSQL each statement reads what is committed when it runs, so the wait comes
    after the review's read): both commit, 90 g in a 60 g period, so the test above fails if the database
    does not guard the allowance."""
    client = make_client(cur, gpd="2")
    monkeypatch.setattr(allowance_ledger, "claim", lambda cur, keys: None)  # holds nothing
    monkeypatch.setattr(allowance_ledger, "settle", lambda cur, keys, grams=None: None)
    meet(monkeypatch, ordering, "_review_order", after=True)
    results = race(*[lambda who=who: create_order(db, draft(client, DraftLine("FL-BB-150", 3)), acting(who))
                     for who in ("CSR A", "CSR B")])
    assert all(isinstance(r, int) for r in results), results
    assert fetch_value(cur, "SELECT sum(grams) FROM orders WHERE client_id = ?", [client]) == 90


@pytest.mark.parametrize(
    ("units", "price", "reason"),
    [("1e9", None, "Line 1 (Pink Kush 3.5 g): the quantity '1e9' is not a number."),
     ("1 000", None, "Line 1 (Pink Kush 3.5 g): the quantity 1000 is more than 999 units."),
     ("NaN", None, "Line 1 (Pink Kush 3.5 g): the quantity 'NaN' is not a number."),
     ("", None, "Line 1 (Pink Kush 3.5 g): the quantity is empty; enter a whole number of units."),
     (1, "Infinity", "Line 1 (Pink Kush 3.5 g): the unit price 'Infinity' is not a number."),
     (1, "12.3456", "Line 1 (Pink Kush 3.5 g): the unit price '12.3456' has more than two decimal places."),
     (1, "32,505", "Line 1 (Pink Kush 3.5 g): the unit price '32,505' is ambiguous: write it without the ',' "
                   "for a whole number, or with at most two decimals."),
     (1, "😀", "Line 1 (Pink Kush 3.5 g): the unit price '😀' is not a number."),
     (1, "1" * 10_000, "Line 1 (Pink Kush 3.5 g): the unit price '" + "1" * 40 + "…' is more than $99,999.99.")],
)
def test_odd_numbers_are_refused_in_plain_words(db, cur, units, price, reason):
    client = make_client(cur)
    r = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-PK-035", units, price)))
    assert r.reasons == [reason]


def test_odd_text_is_refused_without_error(db, cur):
    client = make_client(cur)
    r = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("'; DROP TABLE orders; --" * 400, 1), placed_by="x" * 10_000))
    assert r.reasons == ["Line 1: there is no product with SKU ''; DROP TABLE orders; --'; DROP TABLE or…'.",
                         "'Order placed by' is longer than 200 characters."]


def test_an_incomplete_registered_address_is_refused(db, cur):
    client = make_client(cur)
    cur.execute("UPDATE clients SET postal_code = '' WHERE client_id = ?", [client])
    r = review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-PK-035", 1)))
    assert r.reasons == ["Éloïse Bérubé-Test's registered shipping address is incomplete; orders ship only there."]


@pytest.mark.parametrize("typed", ["32,50", "32.50", "$32.50", "32,50 $", "32,50$"])
def test_a_price_typed_in_french_or_english_habits_saves_as_typed(db, cur, typed):
    client = make_client(cur)
    order_id = create_order(db, draft(client, DraftLine("FL-PK-035", "2", typed, "1,50"), shipping_charge="1 012,50"),
                            acting("Isabelle Roy"))
    assert cur.execute("SELECT unit_price, line_discount FROM order_lines WHERE order_id = ?",
                       [order_id]).fetchall() == [(D("32.50"), D("1.50"))]
    assert fetch_value(cur, "SELECT shipping_charge FROM orders WHERE order_id = ?", [order_id]) == D("1012.50")


def test_a_price_far_from_the_catalogue_asks_for_confirmation_with_both_figures(db, cur):
    client = make_client(cur)
    before = count(cur, "orders")
    far = draft(client, DraftLine("FL-PK-035", "1", "3250"))  # meant 32,50
    r = review_order(cur, person=MANAGER_PERSON, draft=far)
    assert r.price_warnings == ["Line 1 (Pink Kush 3.5 g): the unit price $3,250.00 is far from the catalogue "
                                "price $32.50 (more than 10 times or under a tenth of it)."]
    assert r.reasons == ["Confirm the prices far from the catalogue's (or correct them) before saving."]
    with pytest.raises(OrderRefused):
        create_order(db, far, acting("Isabelle Roy"))
    assert count(cur, "orders") == before
    assert review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-PK-035", "1", "3,24"))).price_warnings  # under a tenth
    assert not review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-PK-035", "1", "3,24"))).ok
    assert not review_order(cur, person=MANAGER_PERSON, draft=draft(client, DraftLine("FL-PK-035", "1", "325"))).price_warnings  # exactly 10x
    far.prices_confirmed = True
    order_id = create_order(db, far, acting("Isabelle Roy"))
    assert fetch_value(cur, "SELECT unit_price FROM order_lines WHERE order_id = ?", [order_id]) == D("3250.00")
