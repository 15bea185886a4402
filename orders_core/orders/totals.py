"""Order arithmetic (pure): the totals of an order's lines and what each coverage policy pays.

Decisions:
- Covered products are the cannabis products; a policy pays its share of each covered line's
  price after the line discount, before the order discount.
- A policy's maximum per 30-day period is counted over the prescription period holding the
  order's date: dollars and grams = what that policy paid for (its ``order_coverage`` rows) of
  the client's other non-cancelled orders in it. With several policies each later policy pays
  its share of what is left; every policy's part is stored (``orders_core.orders.coverage``).
  A gram maximum that is partly used pays pro rata (grams left / the order's grams).
- Coverage (``order_coverage``) is a pure function of the lines, the policies and what earlier
  orders used of each (``coverage.policy_usage``), so it can be stored per policy and tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from orders_core.clients.records import Policy
from orders_core.rules import formatting

CENTS = Decimal("0.01")
GRAMS = Decimal("0.001")
ZERO = Decimal("0")


@dataclass(frozen=True)
class TotalLine:
    """What the totals need of one line."""

    units: int
    unit_price: Decimal
    line_discount: Decimal = ZERO
    grams_per_unit: Decimal = ZERO
    is_cannabis: bool = False

    @property
    def amount(self) -> Decimal:
        return self.units * self.unit_price

    @property
    def net(self) -> Decimal:
        return self.amount - self.line_discount

    @property
    def grams(self) -> Decimal:
        return self.units * self.grams_per_unit


@dataclass(frozen=True)
class Totals:
    """The money and grams columns of ``orders``, exactly as stored."""

    subtotal: Decimal
    line_discount_total: Decimal
    order_discount: Decimal
    coverage_amount: Decimal
    shipping_charge: Decimal
    total_due: Decimal
    grams: Decimal | None  # None (not 0) when the order holds no cannabis


def order_totals(
    lines: Iterable[TotalLine],
    order_discount: Decimal = ZERO,
    coverage_amount: Decimal = ZERO,
    shipping_charge: Decimal = ZERO,
) -> Totals:
    """Total Due = subtotal - line discounts - order discount - coverage + shipping, never below 0."""
    lines = list(lines)
    subtotal = sum((ln.amount for ln in lines), ZERO).quantize(CENTS)
    line_discounts = sum((ln.line_discount for ln in lines), ZERO).quantize(CENTS)
    cannabis = [ln for ln in lines if ln.is_cannabis]
    grams = sum((ln.grams for ln in cannabis), ZERO).quantize(GRAMS) if cannabis else None
    due = subtotal - line_discounts - order_discount - coverage_amount + shipping_charge
    return Totals(
        subtotal=subtotal,
        line_discount_total=line_discounts,
        order_discount=Decimal(order_discount).quantize(CENTS),
        coverage_amount=Decimal(coverage_amount).quantize(CENTS),
        shipping_charge=Decimal(shipping_charge).quantize(CENTS),
        total_due=max(due, ZERO).quantize(CENTS),
        grams=grams,
    )


@dataclass(frozen=True)
class PolicyUse:
    """A coverage policy and what the client's other orders already used of it this period."""

    policy: Policy
    dollars_used: Decimal = ZERO
    grams_used: Decimal = ZERO


@dataclass(frozen=True)
class CoverageLine:
    insurer: str
    amount: Decimal
    note: str
    policy_id: int | None = None
    grams: Decimal = ZERO  # the grams the policy pays for (what is left of its gram maximum, at most)


def cap_coverage(coverage: list[CoverageLine], left_to_pay: Decimal) -> list[CoverageLine]:
    """Policies never pay more than the products cost after every discount: trim the last ones first."""
    room = max(Decimal(left_to_pay), ZERO)
    capped = []
    for line in coverage:
        amount = min(line.amount, room)
        room -= amount
        capped.append(line if amount == line.amount else
                      CoverageLine(line.insurer, amount, line.note + " (limited to what is left to pay)",
                                   line.policy_id, line.grams if amount > 0 else ZERO))
    return capped


def compute_coverage(lines: Iterable[TotalLine], uses: Iterable[PolicyUse]) -> list[CoverageLine]:
    """What each policy pays for this order, after its period maximums (see the module's decisions)."""
    covered = [ln for ln in lines if ln.is_cannabis]
    base = sum((max(ln.net, ZERO) for ln in covered), ZERO)
    grams = sum((ln.grams for ln in covered), ZERO)
    result = []
    for use in uses:
        p = use.policy
        amount = base * p.share
        paid_grams = grams
        notes = []
        if p.max_grams_per_period is not None and grams > 0:
            left = max(p.max_grams_per_period - use.grams_used, ZERO)
            if grams > left:
                amount = amount * left / grams
                paid_grams = left
                notes.append(f"{formatting.grams(left)} of its {formatting.grams(p.max_grams_per_period)} left this period")
        if p.max_dollars_per_period is not None:
            left = max(p.max_dollars_per_period - use.dollars_used, ZERO)
            if amount > left:
                amount = left
                notes.append(f"{formatting.money(left)} of its {formatting.money(p.max_dollars_per_period)} left this period")
        amount = amount.quantize(CENTS, ROUND_HALF_UP)
        base -= amount
        result.append(CoverageLine(p.insurer, amount, "; ".join(notes), p.policy_id,
                                   paid_grams.quantize(GRAMS) if amount > 0 else ZERO))
    return result


def order_coverage(lines: Sequence[TotalLine], uses: Sequence[PolicyUse], order_discount: Decimal = ZERO) -> list[CoverageLine]:
    """What each policy pays for an order (pure): its share within its period maximums, never more in all
    than the products cost after every discount."""
    products_net = sum((ln.net for ln in lines), ZERO)
    return cap_coverage(compute_coverage(lines, uses), products_net - order_discount)
