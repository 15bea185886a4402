"""Refund arithmetic (pure): what the returned units of an order are worth to the client and to each policy.

Decisions (the regulations say nothing about money; these are ours):
- A line's returned units are worth their share of the line after its line discount
  (``units returned / units on the line``), less their share of the order discount (the order discount
  spreads over the lines in proportion to their amounts after line discounts).
- Coverage comes back to each policy that paid the order (its ``order_coverage`` row), in proportion to the
  covered (cannabis) lines' amounts returned: a policy paid its share of those lines, so it gets that share of
  what came back. The client gets the rest: what they paid for the goods (Total Due less shipping) spread
  over the lines in proportion to what each line cost the client (a line whose coverage and discount left the
  client nothing carries nothing).
- Exact to the cent, and never more than was paid: every figure is computed on the *cumulative* units
  refunded (this refund's and the earlier refunds' together), rounded half up to the cent, and this refund is
  the difference from the earlier cumulative figure. Each cumulative figure only grows with the units and
  reaches exactly what was paid when every unit has come back, so the refunds of an order add up, per party,
  to at most what that party paid, and a full return refunds exactly what was paid.
- Shipping is refunded only when the CSR chooses to (what is left of the shipping charge, to the client).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENTS = Decimal("0.01")
ZERO = Decimal("0")


@dataclass(frozen=True)
class MoneyLine:
    line_no: int
    units: int
    unit_price: Decimal
    line_discount: Decimal
    covered: bool  # a cannabis product (the products coverage policies pay for)

    @property
    def net(self) -> Decimal:
        return self.units * self.unit_price - self.line_discount


@dataclass(frozen=True)
class OrderMoney:
    """What an order's refunds are computed from, as stored on the order."""

    lines: Sequence[MoneyLine]
    order_discount: Decimal
    shipping_charge: Decimal
    total_due: Decimal
    policies: Mapping[int, Decimal]  # policy_id -> what the policy paid (order_coverage.amount)

    @property
    def client_goods(self) -> Decimal:
        """What the client paid for the goods: Total Due less shipping."""
        return max(self.total_due - self.shipping_charge, ZERO)


@dataclass(frozen=True)
class Share:
    """Money for some returned units: the client's and each policy's."""

    client: Decimal
    policies: dict[int, Decimal]

    @property
    def insurers(self) -> Decimal:
        return sum(self.policies.values(), ZERO)

    @property
    def total(self) -> Decimal:
        return self.client + self.insurers


def _cents(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENTS, ROUND_HALF_UP) \
        if value.denominator != 1 else Decimal(value.numerator).quantize(CENTS)


def _fraction(lines: Sequence[MoneyLine], returned: Mapping[int, int], weight) -> Fraction:
    """The weighted share of the lines that came back (0 to 1); equal weights by units when all weigh 0."""
    total = sum((Fraction(weight(ln)) for ln in lines), Fraction(0))
    if total <= 0:
        units = sum(ln.units for ln in lines)
        return Fraction(sum(min(returned.get(ln.line_no, 0), ln.units) for ln in lines), units) if units else Fraction(0)
    back = sum((Fraction(weight(ln)) * Fraction(min(returned.get(ln.line_no, 0), ln.units), ln.units)
                for ln in lines if ln.units), Fraction(0))
    return back / total


def cumulative(order: OrderMoney, returned: Mapping[int, int]) -> Share:
    """What ``returned`` (line_no -> units, all refunds so far together) is worth, per party, to the cent."""
    lines = list(order.lines)
    products_net = sum((ln.net for ln in lines), ZERO)
    covered_net = sum((ln.net for ln in lines if ln.covered), ZERO)
    coverage = sum(order.policies.values(), ZERO)

    def client_weight(ln: MoneyLine) -> Fraction:
        net = Fraction(ln.net)
        od = Fraction(order.order_discount) * net / Fraction(products_net) if products_net else Fraction(0)
        cov = Fraction(coverage) * net / Fraction(covered_net) if ln.covered and covered_net else Fraction(0)
        return max(net - od - cov, Fraction(0))

    client = _cents(Fraction(order.client_goods) * _fraction(lines, returned, client_weight))
    covered_lines = [ln for ln in lines if ln.covered] or lines
    policy_part = _fraction(covered_lines, returned, lambda ln: max(ln.net, ZERO))
    policies = {pid: _cents(Fraction(amount) * policy_part) for pid, amount in order.policies.items()}
    return Share(client, policies)


def refund_share(order: OrderMoney, before: Mapping[int, int], now: Mapping[int, int]) -> Share:
    """This refund: the cumulative figure for ``before`` + ``now`` less the one for ``before`` (never negative)."""
    after = {k: before.get(k, 0) + now.get(k, 0) for k in set(before) | set(now)}
    a, b = cumulative(order, after), cumulative(order, before)
    return Share(max(a.client - b.client, ZERO),
                 {pid: max(a.policies[pid] - b.policies[pid], ZERO) for pid in a.policies})
