"""Creating orders: drafts, every check with its reason in plain words, coverage, totals.

``review_order`` is a pure read: it prices a draft, applies the client's coverage policies,
weighs the grams against ``allowance``'s rule (shipment cap, what is left in the prescription
period), and lists every reason the order cannot be saved. ``create_order`` holds the client's
ledger row for the period (``allowance_ledger``), runs the same review inside that write
transaction and writes nothing when there is any reason; a concurrent writer for the same client
and period makes one of them retry and re-check.

Decisions (the issue is silent):
- Covered products are the cannabis products; a policy pays its share of each covered line's
  price after the line discount, before the order discount.
- A policy's maximum per 30-day period is counted over the prescription period holding the
  order's date: dollars and grams = what that policy paid for (its ``order_coverage`` rows) of
  the client's other non-cancelled orders in it. With several policies each later policy pays
  its share of what is left; every policy's part is stored (``orders_core.orders.coverage``).
  A gram maximum that is partly used pays pro rata (grams left / the order's grams).
- The order discount cannot exceed the products' total after line discounts; Total Due is
  never below 0.
- A product no longer sold cannot be put on an order; a line already on the order (edit, verify)
  may stay.
- Coverage (``order_coverage``) is a pure function of the lines, the policies and what earlier
  orders used of each (``coverage.policy_usage``), so it can be stored per policy and tested on its own.
- Orders ship to the registration address (the order has no address of its own); the check
  fails only when that address is incomplete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from orders_core.clients.records import Client, Period, Policy, current_period, load_client
from orders_core.orders import allowance_ledger
from orders_core.orders.coverage import policy_usage, write_coverage
from orders_core.orders.events import record_event
from orders_core.rules import allowance, formatting
from orders_core.rules.limits import MAX_MONEY, MAX_NAME_CHARS, MAX_UNITS
from orders_core.rules.numbers import NumberError, far_from, parse_money, parse_units
from orders_core.rules.roles import Person, require
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one, fetch_value
from orders_core.storage.transactions import next_id

CENTS = Decimal("0.01")
GRAMS = Decimal("0.001")
ZERO = Decimal("0")


class OrderRefused(ValueError):
    """An order that cannot be saved; ``reasons`` lists every reason in plain words."""

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        super().__init__(" ".join(self.reasons))


# --------------------------------------------------------------------------- arithmetic


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


# --------------------------------------------------------------------------- drafts


@dataclass
class DraftLine:
    """One line as the CSR typed it: units, price and discount may be text; price None = catalogue price."""

    sku: str
    units: object = 1
    unit_price: object = None
    line_discount: object = "0"


@dataclass
class OrderDraft:
    client_id: int
    lines: list[DraftLine] = field(default_factory=list)
    order_discount: object = "0"
    carrier: str | None = None
    shipping_charge: object = "0"
    placed_by: str = ""
    return_policy_agreed: bool = False
    prices_confirmed: bool = False  # the CSR confirmed prices far from the catalogue's


@dataclass(frozen=True)
class PricedLine:
    line_no: int
    sku: str
    name: str
    brand: str
    category: str
    units: int
    unit_price: Decimal
    line_discount: Decimal
    grams_per_unit: Decimal
    is_cannabis: bool

    def total_line(self) -> TotalLine:
        return TotalLine(self.units, self.unit_price, self.line_discount, self.grams_per_unit, self.is_cannabis)

    @property
    def grams(self) -> Decimal | None:
        return (self.units * self.grams_per_unit).quantize(GRAMS) if self.is_cannabis else None


@dataclass
class OrderReview:
    """A priced draft and every reason it cannot be saved (none: it can)."""

    client: Client | None
    lines: list[PricedLine]
    totals: Totals
    coverage: list[CoverageLine]
    cap: Decimal | None
    period: Period | None
    reasons: list[str]
    carrier: str | None = None
    placed_by: str = ""
    return_policy_agreed: bool = False
    price_warnings: list[str] = field(default_factory=list)  # prices far from the catalogue's, to confirm

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def grams(self) -> Decimal | None:
        return self.totals.grams


def parse_decimal(value: object, what: str, reasons: list[str], *, whole: bool = False) -> Decimal | None:
    """A non-negative amount (or, ``whole``, units) as people type it (``numbers``), or None with the reason."""
    if not whole and (value is None or (isinstance(value, str) and not value.strip())):
        return ZERO
    try:
        if whole:
            return Decimal(parse_units(value, what, maximum=MAX_UNITS))
        return parse_money(value, what, maximum=MAX_MONEY)
    except NumberError as exc:
        reasons.append(str(exc))
        return None


def _quote(value: object) -> str:
    text = str(value)
    return "'" + (text[:40] + "…" if len(text) > 40 else text) + "'"


def _product(cur: Cursor, sku: str) -> tuple | None:
    return fetch_one(
        cur,
        """
        SELECT sku, name, brand, category::VARCHAR, unit_price, dried_equiv_grams, is_cannabis, active
        FROM products WHERE sku = ?
        """,
        [sku],
    )


def _price_lines(
    cur: Cursor, lines: Sequence[DraftLine], reasons: list[str], kept_skus: frozenset[str],
    warnings: list[str] | None = None,
) -> list[PricedLine]:
    priced = []
    warnings = [] if warnings is None else warnings
    for i, line in enumerate(lines, start=1):
        sku = (line.sku or "").strip()
        product = _product(cur, sku) if sku and len(sku) <= 50 else None
        if product is None:
            reasons.append(f"Line {i}: there is no product with SKU {_quote(sku)}." if sku
                           else f"Line {i}: choose a product.")
            continue
        _, name, brand, category, price, grams, cannabis, active = product
        label = f"Line {i} ({name})"
        if not active and sku not in kept_skus:
            reasons.append(f"{label}: {name} ({sku}) is no longer sold.")
            continue
        units = parse_decimal(line.units, f"{label}: the quantity", reasons, whole=True)
        unit_price = price if line.unit_price is None else parse_decimal(
            line.unit_price, f"{label}: the unit price", reasons)
        discount = parse_decimal(line.line_discount, f"{label}: the line discount", reasons)
        if units is None or unit_price is None or discount is None:
            continue
        if far_from(unit_price, price):
            warnings.append(f"{label}: the unit price {formatting.money(unit_price)} is far from the catalogue price "
                            f"{formatting.money(price)} (more than 10 times or under a tenth of it).")
        if discount > units * unit_price:
            reasons.append(f"{label}: the line discount {formatting.money(discount)} is more than the line's "
                           f"amount {formatting.money(units * unit_price)}.")
            continue
        priced.append(PricedLine(i, name=name, brand=brand, category=category, units=int(units),
                                 unit_price=unit_price, line_discount=discount, grams_per_unit=grams,
                                 is_cannabis=cannabis, sku=sku))
    return priced


def _policy_uses(
    cur: Cursor, client: Client, period: Period | None, day: dt.date,
    exclude_order_id: int | None,
) -> list[PolicyUse]:
    policies = client.active_policies(day)
    if period is None:
        return [PolicyUse(p) for p in policies]
    if not policies:
        return []
    used = policy_usage(cur, client.client_id, period.start, period.end, exclude_order_id)
    return [PolicyUse(p, *used.get(p.policy_id, (ZERO, ZERO))) for p in policies]


def _client_reasons(client: Client, today: dt.date) -> list[str]:
    reasons = []
    if client.registration_status != "Approved":
        reasons.append(f"{client.name}'s registration is {client.registration_status}, not Approved.")
    rx = client.prescription
    if rx is None:
        reasons.append(f"{client.name} has no active prescription.")
    elif today > rx.valid_until:
        reasons.append(f"{client.name}'s prescription expired on {rx.valid_until:%Y-%m-%d}.")
    elif today < rx.valid_from:
        reasons.append(f"{client.name}'s prescription is not valid until {rx.valid_from:%Y-%m-%d}.")
    if not (client.address_line1 and client.city and client.province and client.postal_code):
        reasons.append(f"{client.name}'s registered shipping address is incomplete; orders ship only there.")
    return reasons


def _order_reasons(draft: OrderDraft, reasons: list[str], csr: bool) -> tuple[Decimal, Decimal, str | None]:
    order_discount = parse_decimal(draft.order_discount, "The order discount", reasons)
    shipping = parse_decimal(draft.shipping_charge, "The shipping charge", reasons)
    carrier = (draft.carrier or "").strip() or None
    if csr:
        placed_by = (draft.placed_by or "").strip()
        if not placed_by:
            reasons.append("Say who placed the order ('Order placed by').")
        elif len(placed_by) > MAX_NAME_CHARS:
            reasons.append(f"'Order placed by' is longer than {MAX_NAME_CHARS} characters.")
        if not draft.return_policy_agreed:
            reasons.append("The client has not agreed to the return and exchange policy.")
    return order_discount if order_discount is not None else ZERO, shipping if shipping is not None else ZERO, carrier


def review_order(
    cur: Cursor,
    draft: OrderDraft,
    *,
    today: dt.date | None = None,
    order_day: dt.date | None = None,
    exclude_order_id: int | None = None,
    csr_fields: bool = True,
    kept_skus: frozenset[str] = frozenset(),
) -> OrderReview:
    """Price ``draft`` and list every reason it cannot be saved.

    ``today`` decides whether registration and prescription are valid; ``order_day`` (default
    ``today``) picks the prescription period the order's grams count in. ``exclude_order_id`` is
    the order being verified or edited (its own grams are not "already used"); ``kept_skus`` are
    products already on it, which may stay even if they are no longer sold.
    """
    today = today or dt.date.today()
    order_day = order_day or today
    reasons: list[str] = []
    client = load_client(cur, draft.client_id)
    if client is None:
        empty = order_totals([])
        return OrderReview(None, [], empty, [], None, None, [f"There is no client {draft.client_id}."])
    reasons += _client_reasons(client, today)
    if not draft.lines:
        reasons.append("The order has no lines; add at least one product.")
    warnings: list[str] = []
    priced = _price_lines(cur, draft.lines, reasons, kept_skus, warnings)
    if warnings and not draft.prices_confirmed:
        reasons.append("Confirm the prices far from the catalogue's (or correct them) before saving.")
    order_discount, shipping, carrier = _order_reasons(draft, reasons, csr_fields)
    if carrier is not None and not fetch_value(cur, "SELECT count(*) FROM carriers WHERE name = ?", [carrier]):
        reasons.append(f"{_quote(carrier)} is not one of our carriers.")
    total_lines = [p.total_line() for p in priced]
    products_net = sum((ln.net for ln in total_lines), ZERO)
    if order_discount > products_net:
        reasons.append(f"The order discount {formatting.money(order_discount)} is more than the products' total after "
                       f"line discounts ({formatting.money(products_net)}).")
    period = current_period(cur, client, order_day, exclude_order_id)
    coverage = order_coverage(total_lines, _policy_uses(cur, client, period, order_day, exclude_order_id),
                              order_discount)
    covered = sum((c.amount for c in coverage), ZERO)
    totals = order_totals(total_lines, order_discount, covered, shipping)
    rx = client.prescription
    reasons += allowance.order_reasons(totals.grams, client.name, rx.grams_per_day if rx else None, period)
    return OrderReview(
        client, priced, totals, coverage, rx.shipment_cap if rx else None, period, reasons,
        carrier=carrier, placed_by=(draft.placed_by or "").strip(),
        return_policy_agreed=bool(draft.return_policy_agreed), price_warnings=warnings,
    )


# --------------------------------------------------------------------------- writing


def insert_lines(cur: Cursor, order_id: int, lines: Sequence[PricedLine]) -> None:
    cur.executemany(
        "INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, ?)",
        [[order_id, n, ln.sku, ln.units, ln.unit_price, ln.line_discount] for n, ln in enumerate(lines, 1)],
    )


def create_order(
    db: Database, draft: OrderDraft, actor: Person, *, today: dt.date | None = None, source: str = "CSR"
) -> int:
    """Save ``draft`` as an Open order with a 'created' event by ``actor``; OrderRefused (nothing written)
    otherwise, NotAllowed when the actor's role may not create orders."""

    day = today or dt.date.today()

    def work(cur: Cursor) -> int:
        require(actor, "create_order")
        held = allowance_ledger.hold(cur, draft.client_id, day)  # first: a concurrent writer conflicts here
        review = review_order(cur, draft, today=day)
        if not review.ok:
            raise OrderRefused(review.reasons)
        t = review.totals
        order_id = next_id(cur, "order_ids")
        cur.execute(
            """
            INSERT INTO orders (order_id, client_id, source, placed_by, created_at, status, subtotal,
                line_discount_total, order_discount, coverage_amount, shipping_charge, total_due, grams,
                carrier, return_policy_agreed, version, updated_at)
            VALUES (?, ?, ?, ?, now()::TIMESTAMP, 'Open', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, now()::TIMESTAMP)
            """,
            [order_id, draft.client_id, source, review.placed_by, t.subtotal, t.line_discount_total,
             t.order_discount, t.coverage_amount, t.shipping_charge, t.total_due, t.grams, review.carrier,
             review.return_policy_agreed],
        )
        insert_lines(cur, order_id, review.lines)
        write_coverage(cur, order_id, review.coverage)
        record_event(cur, order_id, actor, "created", describe_creation(review, actor.name, source))
        if held is not None:
            counted = review.period.used + (t.grams or ZERO) if review.period is not None else None
            allowance_ledger.settle(cur, [held], counted)
        return order_id

    return db.write(work)


def describe_creation(review: OrderReview, actor: str, source: str) -> str:
    """The 'created' event's details; ``actor`` is the name of who created it."""
    lines = "; ".join(f"{ln.units} x {ln.sku}" for ln in review.lines)
    grams = formatting.grams(review.totals.grams) if review.totals.grams is not None else "no cannabis"
    return (f"Order created ({source}) by {actor}, placed by {review.placed_by}: {lines}; {grams}; "
            f"Total Due {formatting.money(review.totals.total_due)}")


def describe_lines(lines: Iterable[PricedLine]) -> str:
    return "; ".join(
        f"{ln.units} x {ln.sku} @ {formatting.money(ln.unit_price)}"
        + (f" less {formatting.money(ln.line_discount)}" if ln.line_discount else "")
        for ln in lines
    )


def catalogue(cur: Cursor) -> list[dict]:
    """The active products a CSR can order, by name: sku, name, brand, category, price, grams per unit."""
    rows = cur.execute(
        """
        SELECT sku, name, brand, category::VARCHAR, unit_price, dried_equiv_grams, is_cannabis
        FROM products WHERE active ORDER BY name, sku
        """
    ).fetchall()
    keys = ("sku", "name", "brand", "category", "unit_price", "grams_per_unit", "is_cannabis")
    return [dict(zip(keys, row, strict=True)) for row in rows]
