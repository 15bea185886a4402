"""Refund money, as properties (hypothesis): any sequence of partial returns of an order with discounts and two
policies refunds, in all, at most what was paid, each policy at most what it paid, to the cent; a full return
refunds exactly what was paid."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from orders_core.orders.totals import PolicyUse, TotalLine, order_coverage, order_totals
from orders_core.returns.money import MoneyLine, OrderMoney, cumulative, refund_share

CENT = Decimal("0.01")
money = st.integers(min_value=0, max_value=50_000).map(lambda c: Decimal(c) / 100)


class _Policy:
    def __init__(self, pid, share):
        self.policy_id, self.insurer, self.share = pid, f"Insurer {pid}", share
        self.max_dollars_per_period = self.max_grams_per_period = None


@st.composite
def orders(draw):
    n = draw(st.integers(1, 4))
    lines = []
    for i in range(1, n + 1):
        units = draw(st.integers(1, 6))
        price = draw(money.filter(lambda m: m > 0))
        discount = draw(st.integers(0, int(units * price * 100))) * CENT
        lines.append(MoneyLine(i, units, price, discount, draw(st.booleans())))
    products_net = sum(ln.net for ln in lines)
    order_discount = draw(st.integers(0, int(products_net * 100))) * CENT
    shipping = draw(money)
    shares = [Decimal(draw(st.integers(0, 100))) / 100 for _ in range(2)]
    total_lines = [TotalLine(ln.units, ln.unit_price, ln.line_discount, Decimal(1), ln.covered) for ln in lines]
    coverage = order_coverage(total_lines, [PolicyUse(_Policy(i + 1, s)) for i, s in enumerate(shares)], order_discount)
    totals = order_totals(total_lines, order_discount, sum(c.amount for c in coverage), shipping)
    return OrderMoney(lines, order_discount, shipping, totals.total_due, {c.policy_id: c.amount for c in coverage})


@st.composite
def order_and_returns(draw):
    order = draw(orders())
    left = {ln.line_no: ln.units for ln in order.lines}
    returns = []
    for _ in range(draw(st.integers(1, 6))):
        now = {}
        for n, units in left.items():
            take = draw(st.integers(0, units))
            if take:
                now[n] = take
                left[n] -= take
        if now:
            returns.append(now)
    return order, returns, left


@settings(max_examples=300, deadline=None)
@given(order_and_returns())
def test_partial_returns_never_refund_more_than_was_paid(case):
    order, returns, left = case
    before: dict[int, int] = {}
    client, policies = Decimal(0), dict.fromkeys(order.policies, Decimal(0))
    for now in returns:
        share = refund_share(order, before, now)
        assert share.client >= 0 and all(a >= 0 for a in share.policies.values())
        assert share.client == share.client.quantize(CENT)
        client += share.client
        for pid, amount in share.policies.items():
            policies[pid] += amount
        for n, u in now.items():
            before[n] = before.get(n, 0) + u
    assert client <= order.client_goods
    for pid, amount in policies.items():
        assert amount <= order.policies[pid]
    if not any(left.values()):  # everything came back: exactly what was paid (shipping aside)
        assert client == order.client_goods
        assert policies == dict(order.policies)


@settings(max_examples=200, deadline=None)
@given(orders())
def test_a_full_return_at_once_refunds_exactly_what_was_paid(order):
    share = cumulative(order, {ln.line_no: ln.units for ln in order.lines})
    assert share.client + order.shipping_charge == order.total_due
    assert share.policies == dict(order.policies)
    assert cumulative(order, {}).total == 0
