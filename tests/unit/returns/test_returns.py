"""Returns, refunds and replacements on both engines: the rules, the money, the allowance, the checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders_core.clients.records import _grams_used as grams_used
from orders_core.orders import allowance_ledger
from orders_core.returns.reads import list_returns, order_returns
from orders_core.returns.recording import record_return
from orders_core.returns.refunds import goodwill_refund, refund_return
from orders_core.returns.replacement import create_replacement
from orders_core.returns.state import ReturnRefused
from orders_core.rules.roles import NotAllowed
from orders_core.storage.reads import fetch_value
from tests.order_helpers import TODAY
from tests.people import MANAGER_PERSON
from tests.unit.returns.helpers import BONG, CSR_PERSON, DRIED, FA_PERSON, OIL, delivered_order, paid


def _counts(cur) -> tuple:
    return tuple(fetch_value(cur, f"SELECT count(*) FROM {t}") for t in
                 ("order_returns", "order_return_lines", "order_refunds", "order_refund_policies", "orders", "order_events"))


def test_a_return_its_refund_and_its_replacement(engine_db):
    db = engine_db
    order_id = delivered_order(db)
    cur = db.cursor()
    total_due, policies = paid(cur, order_id)
    result = record_return(db, order_id, FA_PERSON, units={OIL: "1"}, reason="Damaged in transit")
    assert result.units == {1: 1} and result.grams == Decimal("0.5")
    refund = refund_return(db, result.return_id, CSR_PERSON, method="Credit card", reference="RF-1",
                           include_shipping=True)
    assert refund.shipping == Decimal("12.00")
    assert refund.client == result.refund.client and refund.policies == result.refund.policies
    assert set(refund.policies) == set(policies)
    replacement = create_replacement(db, result.return_id, CSR_PERSON)
    cur = db.cursor()
    row = cur.execute("SELECT status::VARCHAR, total_due, grams, replaces_return_id, client_id FROM orders "
                      "WHERE order_id = ?", [replacement]).fetchall()[0]
    assert row[:4] == ("Order Placed", Decimal("0.00"), Decimal("0.500"), result.return_id)
    # the order's own totals never change
    assert paid(cur, order_id) == (total_due, policies)
    seen = order_returns(cur, order_id, MANAGER_PERSON)
    assert [r.replacement_order_id for r in seen.returns] == [replacement]
    assert seen.label == "Partly returned" and len(seen.refunds) == 1
    kinds = [k for (k,) in cur.execute("SELECT kind FROM order_events WHERE order_id = ? ORDER BY event_id",
                                       [order_id]).fetchall()]
    assert kinds[-3:] == ["returned", "refunded", "replaced"]
    with pytest.raises(ReturnRefused, match="already refunded"):
        refund_return(db, result.return_id, CSR_PERSON, method="Cheque", reference="X")
    with pytest.raises(ReturnRefused, match="already replaced"):
        create_replacement(db, result.return_id, CSR_PERSON)


def test_returned_to_sender_brings_the_whole_order_back_and_refunds_exactly_what_was_paid(engine_db):
    db = engine_db
    order_id = delivered_order(db)
    total_due, policies = paid(db.cursor(), order_id)
    back = record_return(db, order_id, CSR_PERSON, reason="Undeliverable (returned to sender)",
                         disposition="Returned to inventory")
    assert back.units == {1: 3, 2: 2, 3: 1}
    refund = refund_return(db, back.return_id, CSR_PERSON, method="Original payment method", reference="R",
                           include_shipping=True)
    assert refund.to_client == total_due and refund.policies == {p: a for p, a in policies.items() if a}
    assert order_returns(db.cursor(), order_id, CSR_PERSON).label == "Returned"
    with pytest.raises(ReturnRefused, match="already come back"):
        record_return(db, order_id, CSR_PERSON, reason="Undeliverable (returned to sender)")
    with pytest.raises(ReturnRefused, match=r"at most \$0.00"):
        goodwill_refund(db, order_id, CSR_PERSON, amount="1", reason="sorry", method="Cheque", reference="C")


@pytest.mark.parametrize(("units", "reason", "message"), [
    ({OIL: "4"}, "Damaged in transit", "at most 3 more"),
    ({"NOT-ON-IT": "1"}, "Damaged in transit", "has no line of SKU"),
    ({OIL: "0"}, "Damaged in transit", "at least 1"),
    ({OIL: "-2"}, "Damaged in transit", "at least 1"),
    ({OIL: "1.5"}, "Damaged in transit", "1.5"),
    ({OIL: "1"}, "Sneezed on", "is not a reason"),
    ({OIL: "1"}, "Other", "Say in a note"),
    ({}, "Client request", "Say which products"),
])
def test_bad_returns_are_one_sentence_and_write_nothing(engine_db, units, reason, message):
    db = engine_db
    order_id = delivered_order(db)
    before = _counts(db.cursor())
    with pytest.raises(ReturnRefused, match=message) as refused:
        record_return(db, order_id, CSR_PERSON, units=units, reason=reason)
    assert "\n" not in str(refused.value)
    assert _counts(db.cursor()) == before


def test_only_shipped_orders_come_back_and_roles_are_the_tables(engine_db):
    db = engine_db
    order_id = delivered_order(db)
    db.write(lambda c: c.execute("UPDATE orders SET status = 'Order Placed' WHERE order_id = ?", [order_id]))
    with pytest.raises(ReturnRefused, match="only a Shipped or Delivered order"):
        record_return(db, order_id, CSR_PERSON, units={OIL: 1}, reason="Client request")
    db.write(lambda c: c.execute("UPDATE orders SET status = 'Delivered' WHERE order_id = ?", [order_id]))
    with pytest.raises(NotAllowed):
        record_return(db, order_id, MANAGER_PERSON, units={OIL: 1}, reason="Client request")
    back = record_return(db, order_id, FA_PERSON, units={OIL: 1}, reason="Client request")
    with pytest.raises(NotAllowed):
        refund_return(db, back.return_id, FA_PERSON, method="Cheque", reference="C")
    with pytest.raises(NotAllowed):
        create_replacement(db, back.return_id, MANAGER_PERSON)
    assert "To the client" not in list_returns(db.cursor(), FA_PERSON, order_id).columns
    assert order_returns(db.cursor(), order_id, FA_PERSON).refunds is None


def test_goodwill_refund_never_more_than_the_client_paid(engine_db):
    db = engine_db
    order_id = delivered_order(db)
    total_due, _ = paid(db.cursor(), order_id)
    with pytest.raises(ReturnRefused, match="Say why"):
        goodwill_refund(db, order_id, CSR_PERSON, amount="5", reason=" ", method="Cheque", reference="C")
    first = goodwill_refund(db, order_id, CSR_PERSON, amount="10.00", reason="Late parcel", method="E-transfer",
                            reference="ET-1")
    assert first.client == Decimal("10.00") and not first.policies
    with pytest.raises(ReturnRefused, match="at most"):
        goodwill_refund(db, order_id, CSR_PERSON, amount=str(total_due), reason="again", method="Cheque",
                        reference="C")
    # a full return after it refunds the client only what is left of what they paid
    back = record_return(db, order_id, CSR_PERSON, reason="Undeliverable (returned to sender)")
    refund = refund_return(db, back.return_id, CSR_PERSON, method="Cheque", reference="C2", include_shipping=True)
    assert first.to_client + refund.to_client == total_due


def test_a_replacement_does_not_count_against_the_allowance_and_is_held_to_150_g(engine_db):
    db = engine_db
    order_id = delivered_order(db, [(DRIED, 10, "0")], order_discount="0")  # 50 g of a 150 g period
    cur = db.cursor()
    client_id = fetch_value(cur, "SELECT client_id FROM orders WHERE order_id = ?", [order_id])
    key = allowance_ledger.period_key(cur, client_id, TODAY)
    used = grams_used(cur, client_id, key.start, key.end)
    back = record_return(db, order_id, CSR_PERSON, units={DRIED: 10}, reason="Product recall",
                         disposition="Returned to the processor")
    with pytest.raises(ReturnRefused, match="over the 150 g a replacement may hold"):
        create_replacement(db, back.return_id, CSR_PERSON, lines={DRIED: "31"})  # 155 g
    with pytest.raises(ReturnRefused, match="no longer sold|no product"):
        create_replacement(db, back.return_id, CSR_PERSON, lines={"NO-SUCH": "1"})
    new = create_replacement(db, back.return_id, CSR_PERSON, lines={DRIED: "30", BONG: "1"})  # 150 g: allowed
    cur = db.cursor()
    assert fetch_value(cur, "SELECT grams FROM orders WHERE order_id = ?", [new]) == Decimal("150.000")
    assert grams_used(cur, client_id, key.start, key.end) == used  # the 150 g do not count
    assert fetch_value(cur, "SELECT grams FROM allowance_ledger WHERE client_id = ? AND period_start = ?",
                       [client_id, key.start]) in (None, used)


def test_refunded_coverage_lowers_what_the_policy_paid_in_the_period(engine_db):
    from orders_core.orders.coverage import policy_usage

    db = engine_db
    order_id = delivered_order(db)
    cur = db.cursor()
    client_id = fetch_value(cur, "SELECT client_id FROM orders WHERE order_id = ?", [order_id])
    key = allowance_ledger.period_key(cur, client_id, TODAY)
    before = policy_usage(cur, client_id, key.start, key.end, None)
    back = record_return(db, order_id, CSR_PERSON, units={OIL: "2"}, reason="Wrong product")
    refund = refund_return(db, back.return_id, CSR_PERSON, method="Cheque", reference="C")
    after = policy_usage(db.cursor(), client_id, key.start, key.end, None)
    for pid, amount in refund.policies.items():
        assert after[pid][0] == before[pid][0] - amount


def test_the_index_returns_view_label_and_export(engine_db):
    from orders_core.orders.access import export_csv_for, list_orders_for
    from orders_core.orders.index import OrderQuery

    db = engine_db
    order_id = delivered_order(db)
    back = record_return(db, order_id, CSR_PERSON, units={OIL: "1"}, reason="Damaged in transit")
    refund = refund_return(db, back.return_id, CSR_PERSON, method="Cheque", reference="C")
    page = list_orders_for(db.cursor(), OrderQuery(view="Returns"), MANAGER_PERSON)
    assert page.total == 1 and page.rows["Order ID"].tolist() == [order_id]
    assert page.rows["Returns"].tolist() == ["Partly returned"] and page.rows["Status"].tolist() == ["Delivered"]
    text = export_csv_for(db.cursor(), OrderQuery(view="Returns"), MANAGER_PERSON).decode("utf-8-sig").splitlines()
    assert text[0].endswith("Returned Units,Refunded to Client,Refunded to Insurers")
    assert text[1].endswith(f",1,{refund.to_client},{refund.insurers}")
    assert "Partly returned" in text[1]
