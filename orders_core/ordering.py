"""Creating orders: drafts, every check with its reason in plain words, coverage, totals.

``review_order`` is a pure read: it prices a draft, applies the client's coverage policies,
weighs the grams against the shipment cap and the current prescription period, and lists
every reason the order cannot be saved. ``create_order`` runs the same review inside the
write transaction and writes nothing when there is any reason.

Decisions (the issue is silent):
- Covered products are the cannabis products; a policy pays its share of each covered line's
  price after the line discount, before the order discount.
- A policy's maximum per 30-day period is counted over the prescription period holding the
  order's date: dollars = coverage of the client's other non-cancelled orders in it; grams =
  grams of those orders that received coverage. With several policies, earlier usage is
  charged to them in policy order, and each later policy pays its share of what is left.
  A gram maximum that is partly used pays pro rata (grams left / the order's grams).
- The order discount cannot exceed the products' total after line discounts; Total Due is
  never below 0.
- Orders ship to the registration address (the order has no address of its own); the check
  fails only when that address is incomplete.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import duckdb

from .clients import Client, Period, Policy, current_period, get_client
from .db import Database, fetch_one, fetch_value, next_id, record_event

CENTS = Decimal("0.01")
GRAMS = Decimal("0.001")
ZERO = Decimal("0")
MAX_UNITS = 999
MAX_MONEY = Decimal("99999.99")
MAX_TEXT = 200


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


def cap_coverage(coverage: list[CoverageLine], left_to_pay: Decimal) -> list[CoverageLine]:
    """Policies never pay more than the products cost after every discount: trim the last ones first."""
    room = max(Decimal(left_to_pay), ZERO)
    capped = []
    for line in coverage:
        amount = min(line.amount, room)
        room -= amount
        capped.append(line if amount == line.amount else
                      CoverageLine(line.insurer, amount, line.note + " (limited to what is left to pay)"))
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
        notes = []
        if p.max_grams_per_period is not None and grams > 0:
            left = max(p.max_grams_per_period - use.grams_used, ZERO)
            if grams > left:
                amount = amount * left / grams
                notes.append(f"{fmt_grams(left)} g of its {fmt_grams(p.max_grams_per_period)} g left this period")
        if p.max_dollars_per_period is not None:
            left = max(p.max_dollars_per_period - use.dollars_used, ZERO)
            if amount > left:
                amount = left
                notes.append(f"${left:,.2f} of its ${p.max_dollars_per_period:,.2f} left this period")
        amount = amount.quantize(CENTS, ROUND_HALF_UP)
        base -= amount
        result.append(CoverageLine(p.insurer, amount, "; ".join(notes)))
    return result


def fmt_grams(value: Decimal) -> str:
    """Grams for people: 3.500 -> 3.5, 60.000 -> 60."""
    text = f"{Decimal(value).quantize(GRAMS):f}".rstrip("0").rstrip(".")
    return text or "0"


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


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

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def grams(self) -> Decimal | None:
        return self.totals.grams


def parse_decimal(value: object, what: str, reasons: list[str], *, whole: bool = False) -> Decimal | None:
    """A non-negative number from text or a number, or None with the reason appended."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if whole:
            reasons.append(f"{what} is empty; enter a whole number of units.")
            return None
        return ZERO
    text = str(value).strip().replace(",", "")
    if not whole and text.startswith("$"):
        text = text[1:].strip()
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        kind = "a whole number" if whole else "a number"
        reasons.append(f"{what} {_quote(value)} is not {kind}.")
        return None
    if not number.is_finite():
        reasons.append(f"{what} {_quote(value)} is not a number.")
        return None
    if number < 0:
        reasons.append(f"{what} {_quote(value)} is negative.")
        return None
    if whole:
        if number != number.to_integral_value():
            reasons.append(f"{what} {_quote(value)} is not a whole number.")
            return None
        if number == 0:
            reasons.append(f"{what} is 0; order at least 1 unit.")
            return None
        if number > MAX_UNITS:
            reasons.append(f"{what} {number} is more than {MAX_UNITS} units.")
            return None
        return number
    if number > MAX_MONEY:
        reasons.append(f"{what} {_quote(value)} is more than {_money(MAX_MONEY)}.")
        return None
    if number != number.quantize(CENTS):
        reasons.append(f"{what} {_quote(value)} has more than two decimal places.")
        return None
    return number.quantize(CENTS)


def _quote(value: object) -> str:
    text = str(value)
    return "'" + (text[:40] + "…" if len(text) > 40 else text) + "'"


def _product(cur: duckdb.DuckDBPyConnection, sku: str) -> tuple | None:
    return fetch_one(
        cur,
        """
        SELECT sku, name, brand, category::VARCHAR, unit_price, dried_equiv_grams, is_cannabis, active
        FROM products WHERE sku = ?
        """,
        [sku],
    )


def _price_lines(cur: duckdb.DuckDBPyConnection, lines: Sequence[DraftLine], reasons: list[str]) -> list[PricedLine]:
    priced = []
    for i, line in enumerate(lines, start=1):
        sku = (line.sku or "").strip()
        product = _product(cur, sku) if sku and len(sku) <= 50 else None
        if product is None:
            reasons.append(f"Line {i}: there is no product with SKU {_quote(sku)}." if sku
                           else f"Line {i}: choose a product.")
            continue
        _, name, brand, category, price, grams, cannabis, _active = product
        label = f"Line {i} ({name})"
        units = parse_decimal(line.units, f"{label}: the quantity", reasons, whole=True)
        unit_price = price if line.unit_price is None else parse_decimal(
            line.unit_price, f"{label}: the unit price", reasons)
        discount = parse_decimal(line.line_discount, f"{label}: the line discount", reasons)
        if units is None or unit_price is None or discount is None:
            continue
        if discount > units * unit_price:
            reasons.append(f"{label}: the line discount {_money(discount)} is more than the line's "
                           f"amount {_money(units * unit_price)}.")
            continue
        priced.append(PricedLine(i, name=name, brand=brand, category=category, units=int(units),
                                 unit_price=unit_price, line_discount=discount, grams_per_unit=grams,
                                 is_cannabis=cannabis, sku=sku))
    return priced


def _policy_uses(
    cur: duckdb.DuckDBPyConnection, client: Client, period: Period | None, day: dt.date,
    exclude_order_id: int | None,
) -> list[PolicyUse]:
    policies = client.active_policies(day)
    if period is None:
        return [PolicyUse(p) for p in policies]
    if not policies:
        return []
    dollars, grams = fetch_one(
        cur,
        """
        SELECT coalesce(sum(coverage_amount), 0), coalesce(sum(grams) FILTER (coverage_amount > 0), 0)
        FROM orders
        WHERE client_id = ? AND status <> 'Cancelled' AND order_id IS DISTINCT FROM ?
          AND created_at >= ?::DATE AND created_at < ?::DATE + INTERVAL 1 DAY
        """,
        [client.client_id, exclude_order_id, period.start, period.end],
    )
    uses = []
    for p in policies:  # charge earlier usage to the policies in order
        d = min(dollars, p.max_dollars_per_period) if p.max_dollars_per_period is not None else dollars
        g = min(grams, p.max_grams_per_period) if p.max_grams_per_period is not None else grams
        uses.append(PolicyUse(p, Decimal(d), Decimal(g)))
        dollars, grams = dollars - d, grams - g
    return uses


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


def _gram_reasons(grams: Decimal | None, client: Client, period: Period | None) -> list[str]:
    rx = client.prescription
    if grams is None or rx is None:
        return []
    reasons = []
    cap = rx.shipment_cap
    if grams > cap:
        reasons.append(
            f"The order holds {fmt_grams(grams)} g (dried equivalent), over {client.name}'s limit of {fmt_grams(cap)} g "
            f"per order (the lesser of 30 x {fmt_grams(rx.grams_per_day)} g a day and 150 g)."
        )
    if period is not None and grams > period.available:
        reasons.append(
            f"The order holds {fmt_grams(grams)} g, more than the {fmt_grams(period.available)} g left in the prescription "
            f"period {period.label()} ({fmt_grams(period.used)} g of {fmt_grams(period.allowance)} g already used)."
        )
    return reasons


def _order_reasons(draft: OrderDraft, reasons: list[str], csr: bool) -> tuple[Decimal, Decimal, str | None]:
    order_discount = parse_decimal(draft.order_discount, "The order discount", reasons)
    shipping = parse_decimal(draft.shipping_charge, "The shipping charge", reasons)
    carrier = (draft.carrier or "").strip() or None
    if csr:
        placed_by = (draft.placed_by or "").strip()
        if not placed_by:
            reasons.append("Say who placed the order ('Order placed by').")
        elif len(placed_by) > MAX_TEXT:
            reasons.append(f"'Order placed by' is longer than {MAX_TEXT} characters.")
        if not draft.return_policy_agreed:
            reasons.append("The client has not agreed to the return and exchange policy.")
    return order_discount if order_discount is not None else ZERO, shipping if shipping is not None else ZERO, carrier


def review_order(
    cur: duckdb.DuckDBPyConnection,
    draft: OrderDraft,
    *,
    today: dt.date | None = None,
    order_day: dt.date | None = None,
    exclude_order_id: int | None = None,
    csr_fields: bool = True,
) -> OrderReview:
    """Price ``draft`` and list every reason it cannot be saved.

    ``today`` decides whether registration and prescription are valid; ``order_day`` (default
    ``today``) picks the prescription period the order's grams count in. ``exclude_order_id`` is
    the order being verified or edited (its own grams are not "already used").
    """
    today = today or dt.date.today()
    order_day = order_day or today
    reasons: list[str] = []
    client = get_client(cur, draft.client_id)
    if client is None:
        empty = order_totals([])
        return OrderReview(None, [], empty, [], None, None, [f"There is no client {draft.client_id}."])
    reasons += _client_reasons(client, today)
    if not draft.lines:
        reasons.append("The order has no lines; add at least one product.")
    priced = _price_lines(cur, draft.lines, reasons)
    order_discount, shipping, carrier = _order_reasons(draft, reasons, csr_fields)
    if carrier is not None and not fetch_value(cur, "SELECT count(*) FROM carriers WHERE name = ?", [carrier]):
        reasons.append(f"{_quote(carrier)} is not one of our carriers.")
    total_lines = [p.total_line() for p in priced]
    products_net = sum((ln.net for ln in total_lines), ZERO)
    if order_discount > products_net:
        reasons.append(f"The order discount {_money(order_discount)} is more than the products' total after "
                       f"line discounts ({_money(products_net)}).")
    period = current_period(cur, client, order_day, exclude_order_id)
    coverage = compute_coverage(total_lines, _policy_uses(cur, client, period, order_day, exclude_order_id))
    coverage = cap_coverage(coverage, products_net - order_discount)
    covered = sum((c.amount for c in coverage), ZERO)
    totals = order_totals(total_lines, order_discount, covered, shipping)
    reasons += _gram_reasons(totals.grams, client, period)
    rx = client.prescription
    return OrderReview(
        client, priced, totals, coverage, rx.shipment_cap if rx else None, period, reasons,
        carrier=carrier, placed_by=(draft.placed_by or "").strip(),
        return_policy_agreed=bool(draft.return_policy_agreed),
    )


# --------------------------------------------------------------------------- writing


_client_locks: dict[int, threading.Lock] = {}
_client_locks_guard = threading.Lock()


@contextmanager
def client_lock(client_id: int) -> Iterator[None]:
    """Serialise the check-then-write of orders that add grams for one client.

    DuckDB lets only one process open the file read-write, so every writer is in this process;
    a lock per client makes the period check and the insert atomic (DuckDB itself only detects
    two transactions updating the same row, not two inserting orders for one client).
    """
    with _client_locks_guard:
        lock = _client_locks.setdefault(client_id, threading.Lock())
    with lock:
        yield


def insert_lines(cur: duckdb.DuckDBPyConnection, order_id: int, lines: Sequence[PricedLine]) -> None:
    cur.executemany(
        "INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, ?)",
        [[order_id, n, ln.sku, ln.units, ln.unit_price, ln.line_discount] for n, ln in enumerate(lines, 1)],
    )


def create_order(
    db: Database, draft: OrderDraft, actor: str, *, today: dt.date | None = None, source: str = "CSR"
) -> int:
    """Save ``draft`` as an Open order with a 'created' event; OrderRefused (nothing written) otherwise."""

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        review = review_order(cur, draft, today=today)
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
        record_event(cur, order_id, actor, "created", describe_creation(review, actor, source))
        return order_id

    with client_lock(draft.client_id):
        return db.write(work)


def describe_creation(review: OrderReview, actor: str, source: str) -> str:
    lines = "; ".join(f"{ln.units} x {ln.sku}" for ln in review.lines)
    grams = f"{fmt_grams(review.totals.grams)} g" if review.totals.grams is not None else "no cannabis"
    return (f"Order created ({source}) by {actor}, placed by {review.placed_by}: {lines}; {grams}; "
            f"Total Due {_money(review.totals.total_due)}")


def describe_lines(lines: Iterable[PricedLine]) -> str:
    return "; ".join(
        f"{ln.units} x {ln.sku} @ {_money(ln.unit_price)}"
        + (f" less {_money(ln.line_discount)}" if ln.line_discount else "")
        for ln in lines
    )


def catalogue(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """The active products a CSR can order, by name: sku, name, brand, category, price, grams per unit."""
    rows = cur.execute(
        """
        SELECT sku, name, brand, category::VARCHAR, unit_price, dried_equiv_grams, is_cannabis
        FROM products WHERE active ORDER BY name, sku
        """
    ).fetchall()
    keys = ("sku", "name", "brand", "category", "unit_price", "grams_per_unit", "is_cannabis")
    return [dict(zip(keys, row, strict=True)) for row in rows]
