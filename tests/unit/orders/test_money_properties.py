"""Property tests (hypothesis) for money and grams: totals to the cent, policies within their caps.

The functions under test are pure: ``ordering.order_coverage`` / ``compute_coverage`` /
``order_totals`` and ``allowance``'s rule. A period is simulated order by order, each policy's usage
counted from what that policy itself paid (what one coverage row per order and policy will hold).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from orders_core.clients.records import Policy
from orders_core.orders.totals import PolicyUse, TotalLine, compute_coverage, order_coverage, order_totals
from orders_core.rules import allowance
from orders_core.rules.allowance import Period

CENT = Decimal("0.01")
ZERO = Decimal("0")
settings.register_profile("orders", max_examples=150, deadline=None)
settings.load_profile("orders")


def cents(lo: int, hi: int):
    return st.integers(lo, hi).map(lambda c: Decimal(c).scaleb(-2))


grams_per_unit = st.integers(0, 30_000).map(lambda m: Decimal(m).scaleb(-3))   # 0 to 30 g, to the mg
shares = st.integers(0, 10_000).map(lambda s: Decimal(s).scaleb(-4))           # DECIMAL(5,4)


@st.composite
def lines(draw, *, larger_discounts: bool = False):
    units = draw(st.integers(1, 999))
    price = draw(cents(0, 99_999))
    amount = units * price
    top = int(amount * 100) * (2 if larger_discounts else 1)
    discount = draw(cents(0, min(top, 10**9)))
    return TotalLine(units, price, discount, draw(grams_per_unit), draw(st.booleans()))


@st.composite
def policies(draw, n: int | None = None):
    count = n or draw(st.integers(1, 3))
    return [Policy(i + 1, f"Insurer {i + 1}", draw(shares),
                   draw(st.none() | cents(0, 100_000)),
                   draw(st.none() | st.integers(0, 300_000).map(lambda m: Decimal(m).scaleb(-3))),
                   dt.date(2020, 1, 1), None)
            for i in range(count)]


def _cents_only(value: Decimal) -> bool:
    return value == value.quantize(CENT)


# --------------------------------------------------------------------------- one order


@given(st.lists(lines(), min_size=1, max_size=6), policies(), st.data())
def test_an_order_adds_up_to_the_cent_and_no_policy_pays_more_than_it_may(order_lines, pols, data):
    products_net = sum((ln.net for ln in order_lines), ZERO)
    order_discount = data.draw(cents(0, int(products_net * 100)))
    shipping = data.draw(cents(0, 10_000))
    uses = [PolicyUse(p, data.draw(cents(0, 100_000)), Decimal(data.draw(st.integers(0, 300_000))).scaleb(-3))
            for p in pols]
    coverage = order_coverage(order_lines, uses, order_discount)
    base = sum((max(ln.net, ZERO) for ln in order_lines if ln.is_cannabis), ZERO)
    paid = sum((c.amount for c in coverage), ZERO)
    assert len(coverage) == len(pols)
    for use, line in zip(uses, coverage, strict=True):
        p = use.policy
        assert _cents_only(line.amount) and line.amount >= 0
        assert line.amount <= (base * p.share).quantize(CENT, ROUND_HALF_UP)          # its share, at most
        if p.max_dollars_per_period is not None:                                         # its dollars left
            assert line.amount <= max(p.max_dollars_per_period - use.dollars_used, ZERO)
    assert paid <= max(products_net - order_discount, ZERO)                            # never more than cost
    assert paid <= base
    t = order_totals(order_lines, order_discount, paid, shipping)
    assert all(_cents_only(v) for v in (t.subtotal, t.line_discount_total, t.order_discount,
                                        t.coverage_amount, t.shipping_charge, t.total_due))
    assert t.subtotal == sum((ln.units * ln.unit_price for ln in order_lines), ZERO)
    assert t.total_due == t.subtotal - t.line_discount_total - t.order_discount - t.coverage_amount \
        + t.shipping_charge >= 0
    cannabis = [ln for ln in order_lines if ln.is_cannabis]
    assert t.grams == (sum((ln.units * ln.grams_per_unit for ln in cannabis), ZERO) if cannabis else None)


@given(st.lists(lines(larger_discounts=True), min_size=1, max_size=5), policies())
def test_discounts_larger_than_a_line_never_make_coverage_or_the_total_negative(order_lines, pols):
    coverage = order_coverage(order_lines, [PolicyUse(p) for p in pols])
    products_net = sum((ln.net for ln in order_lines), ZERO)
    assert all(c.amount >= 0 for c in coverage)
    assert sum((c.amount for c in coverage), ZERO) <= max(products_net, ZERO)
    t = order_totals(order_lines, ZERO, sum((c.amount for c in coverage), ZERO))
    assert t.total_due >= 0 and _cents_only(t.total_due)


@given(st.integers(0, 999_999).map(lambda c: Decimal(2 * c + 1).scaleb(-2)))
@example(Decimal("0.01"))
@example(Decimal("0.05"))
def test_half_cents_round_up_not_to_even(odd_cents):
    """Half of an odd number of cents is a half cent: the policy pays the next cent (ROUND_HALF_UP)."""
    line = TotalLine(1, odd_cents, ZERO, Decimal("1"), True)
    [c] = compute_coverage([line], [PolicyUse(Policy(1, "Half", Decimal("0.5"), None, None, dt.date(2020, 1, 1), None))])
    assert c.amount - odd_cents / 2 == Decimal("0.005")
    assert c.amount + (odd_cents - c.amount) == odd_cents     # the client pays the rest, to the cent


# --------------------------------------------------------------------------- a period of orders


@st.composite
def periods(draw):
    gpd = draw(st.integers(5, 1000).map(lambda c: Decimal(c).scaleb(-2)))   # 0.05 to 10 g a day
    orders = draw(st.lists(st.lists(lines(), min_size=1, max_size=4), min_size=1, max_size=8))
    return gpd, orders, draw(policies())


@given(periods())
def test_a_period_of_orders_stays_within_the_allowance_and_every_policy_cap(period):
    gpd, orders, pols = period
    cap, allowance_g = allowance.shipment_cap(gpd), allowance.period_allowance(gpd)
    used = ZERO
    paid = {p.policy_id: ZERO for p in pols}
    grams_paid_for = {p.policy_id: ZERO for p in pols}
    slack = {p.policy_id: ZERO for p in pols}
    covered_grams = {p.policy_id: ZERO for p in pols}
    for order_lines in orders:
        grams = order_totals(order_lines).grams
        reasons = allowance.order_reasons(grams, "Client", gpd, Period(1, dt.date(2026, 1, 1), dt.date(2026, 1, 30),
                                                                      allowance_g, used))
        assert (reasons == []) == (grams is None or (grams <= cap and used + grams <= allowance_g))
        if reasons:
            continue
        uses = [PolicyUse(p, paid[p.policy_id], covered_grams[p.policy_id]) for p in pols]
        coverage = order_coverage(order_lines, uses)
        base = sum((max(ln.net, ZERO) for ln in order_lines if ln.is_cannabis), ZERO)
        cannabis_grams = sum((ln.grams for ln in order_lines if ln.is_cannabis), ZERO)
        for p, c in zip(pols, coverage, strict=True):
            paid[p.policy_id] += c.amount
            if c.amount > 0:
                covered_grams[p.policy_id] += grams or ZERO
                if p.share > 0 and base > 0 and cannabis_grams > 0:
                    per_gram = p.share * base / cannabis_grams        # what one gram costs the policy
                    grams_paid_for[p.policy_id] += c.amount / per_gram
                    slack[p.policy_id] += CENT / 2 / per_gram        # a rounding half cent, in grams
        used += grams or ZERO
    assert used <= allowance_g
    for p in pols:
        if p.max_dollars_per_period is not None:
            assert paid[p.policy_id] <= p.max_dollars_per_period
        if p.max_grams_per_period is not None:
            assert grams_paid_for[p.policy_id] <= p.max_grams_per_period + slack[p.policy_id]


def test_each_policy_is_charged_what_it_paid_so_a_second_policy_stops_at_its_gram_cap():
    p1 = Policy(1, "First", Decimal("0.5"), None, Decimal("30"), dt.date(2020, 1, 1), None)
    p2 = Policy(2, "Second", Decimal("0.5"), None, Decimal("30"), dt.date(2020, 1, 1), None)
    line = TotalLine(30, Decimal("10.00"), ZERO, Decimal("1"), True)                # 30 g, $300
    first = compute_coverage([line], [PolicyUse(p1), PolicyUse(p2)])
    assert all(c.amount > 0 for c in first)                                         # both paid for the 30 g
    used = {c.policy_id: (c.amount, c.grams) for c in first}                        # the stored coverage rows
    second = compute_coverage([line], [PolicyUse(p, *used[p.policy_id]) for p in (p1, p2)])
    assert second[0].amount == 0 and second[1].amount == 0                          # both caps are used up
