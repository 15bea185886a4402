"""Order drafts and their review: pricing, every check with its reason in plain words, coverage, totals.

``review_order`` is a pure read: it prices a draft, applies the client's coverage policies,
weighs the grams against ``allowance``'s rule (shipment cap, what is left in the prescription
period), and lists every reason the order cannot be saved.

Decisions:
- The order discount cannot exceed the products' total after line discounts; Total Due is
  never below 0.
- A product no longer sold cannot be put on an order; a line already on the order (edit, verify)
  may stay.
- Orders ship to the registration address (the order has no address of its own); the check
  fails only when that address is incomplete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from orders_core.clients.records import Client, Period, _current_period, _load_client
from orders_core.orders.coverage import policy_usage
from orders_core.orders.totals import (
    GRAMS,
    ZERO,
    CoverageLine,
    PolicyUse,
    TotalLine,
    Totals,
    order_coverage,
    order_totals,
)
from orders_core.rules import allowance, formatting
from orders_core.rules.limits import MAX_MONEY, MAX_NAME_CHARS, MAX_UNITS
from orders_core.rules.numbers import NumberError, far_from, parse_money, parse_units
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_one, fetch_value


class OrderRefused(ValueError):
    """An order that cannot be saved; ``reasons`` lists every reason in plain words."""

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        super().__init__(" ".join(self.reasons))


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


def review_order(cur: Cursor, draft: OrderDraft, person: Person, **options) -> OrderReview:
    """``draft`` priced and checked for ``person``, who must be on the staff list and may see client records
    (the review reads the client's registration, prescription and allowance). Creation, verification and
    edits review inside their own write, after checking their own person (``_review_order``)."""
    verify(cur, person, "view_client_records")
    return _review_order(cur, draft, **options)


def _review_order(
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
    client = _load_client(cur, draft.client_id)
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
    period = _current_period(cur, client, order_day, exclude_order_id)
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
