"""Orders from the Client Portal: a JSON file of the portal's orders becomes Unverified orders with
source "Client Portal", priced and reviewed by the same rules as any order, so an order over the
allowance (or for a client whose registration or prescription is not in order) arrives Unverified
with every reason recorded in its 'created' event for the CSR who verifies it.

The file: a JSON list (or ``{"orders": [...]}``) of
``{"portal_order_id": "W-1001", "client_number": "A-10442" (or "client_id": 1001),
"placed_at": "2026-11-20T14:03:00", "carrier": "Canada Post", "lines": [{"sku": "FL-PK-035", "units": 2}]}``.

Decisions (where the requirements are silent):
- A file that cannot be used (an unknown client or SKU, a bad quantity or time, an unknown carrier,
  a portal id twice in the file) writes nothing and lists every problem; an order the rules refuse
  (allowance, cap, registration, prescription) is imported Unverified with its reasons.
- A portal order id already imported is skipped (counted), so importing the same file again adds nothing.
- The review is set-based for speed (100,000 orders): clients, documents, policies and products are
  read once; then the import holds the ``allowance_ledger`` rows of every client and period its
  orders touch (``allowance_ledger.claim``, one statement for all the keys) before it reads the
  grams and the per-policy coverage (dollars net of refunds, and grams: ``coverage.policy_usage_by_period``,
  the one reading order creation uses too) already used, so a concurrent CSR order for one of those
  clients and periods conflicts with it and is re-checked.
  Each order, in the order it was placed, then goes through the one rule set: ordering's
  ``order_totals``, ``order_coverage`` (per policy, as ``ordering.review_order``), the client
  checks, and ``allowance.order_reasons``; the orders of the file count against the allowance and
  the policy maximums of the ones placed after them. The write stores one ``order_coverage`` row
  per order and policy (as ``coverage.write_coverage``) and settles the held ledger rows, all in
  the one transaction. The prices are the catalogue's at import.
- A placed-at time outside ``orders_core.rules.dates``' range is a bad cell.
- "Order placed by" is the client's name; the order's created-at is the time it was placed.

The same code runs on DuckDB and PostgreSQL: the orders, lines and coverage rows go to the database as
three tables (``dialect.frame_table``: DuckDB reads the DataFrames, PostgreSQL gets them with COPY), and
the SQL is written once (``DISTINCT ON`` rather than ``QUALIFY``, the groups named, ``generate_series``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from orders_core.clients.records import Client, Policy, Prescription, period_bounds
from orders_core.intake.importing import ImportRefused, decode
from orders_core.intake.writers import BadCell, FileReport
from orders_core.orders import allowance_ledger
from orders_core.orders.allowance_ledger import PeriodKey
from orders_core.orders.coverage import policy_usage_by_period
from orders_core.orders.drafts import OrderReview, PricedLine, _client_reasons
from orders_core.orders.ordering import describe_creation
from orders_core.orders.totals import PolicyUse, order_coverage, order_totals
from orders_core.rules import allowance, dates
from orders_core.rules import fields as f
from orders_core.rules.allowance import RELEASED_STATUSES, Period
from orders_core.rules.limits import MAX_UNITS
from orders_core.rules.parsing import FOREIGN_DIGIT, MAX_CLIENT_ID_DIGITS, foreign_digit, id_in
from orders_core.rules.roles import Person, require
from orders_core.staff.verification import verify
from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import in_list
from orders_core.storage.transactions import run_write

ZERO = Decimal(0)
EXAMPLE = [{"portal_order_id": "W-2026-000123", "client_number": "A-10442", "placed_at": "2026-11-20T14:03:00",
            "carrier": "Canada Post", "lines": [{"sku": "FL-PK-035", "units": 2}]}]


@dataclass
class PortalReport(FileReport):
    orders: int
    imported: int = 0
    unverified_with_reasons: int = 0
    already_imported: int = 0

    def summary(self) -> str:
        if self.problems:
            return self.refusal(self.orders, "orders")
        return (f"{self.verb()}: {self.imported:,} portal orders as Unverified ({self.unverified_with_reasons:,} with "
                f"reasons for the CSR), {self.already_imported:,} already imported.")


@dataclass
class _Order:
    row: int
    portal_id: str
    client_id: int
    placed_at: dt.datetime
    carrier: str | None
    lines: list[tuple[str, int]]


def example_json() -> str:
    return json.dumps(EXAMPLE, indent=2, ensure_ascii=False)


ID_FIELDS = ("portal_order_id", "client_number", "client_id")  # and each line's sku
MAX_NESTING = 16  # a portal file nests 4 levels ({"orders": [{"lines": [{...}]}]}); deeper is not an order file
TOO_DEEP = (f"The file nests lists or objects more than {MAX_NESTING} levels deep, which no Client Portal file "
            "does; export the orders from the portal again.")


def read_orders(data: bytes) -> list:
    """The file's orders as parsed JSON; ImportRefused in one sentence for a file that is not a list of orders
    (not JSON, not UTF-8, or nested deeper than any portal file: ``MAX_NESTING``, at any depth)."""
    try:
        parsed = json.loads(decode(data))
    except json.JSONDecodeError as exc:
        raise ImportRefused(f"The file is not JSON we can read (line {exc.lineno}: {exc.msg}).") from None
    except RecursionError:  # Python's JSON reader recurses once per level: about 1,000 levels stop it
        raise ImportRefused(TOO_DEEP) from None
    if _deeper_than(parsed, MAX_NESTING):
        raise ImportRefused(TOO_DEEP)
    if isinstance(parsed, dict):
        parsed = parsed.get("orders")
    if not isinstance(parsed, list):
        raise ImportRefused('The file must hold a list of orders (or {"orders": [...]}).')
    return parsed


def _deeper_than(value: object, limit: int) -> bool:
    """Whether ``value`` nests lists or objects more than ``limit`` levels deep (walked without recursion, so
    the check itself, and everything after it that prints or compares a value, cannot run out of stack)."""
    level = [value]
    for _ in range(limit + 1):
        level = [child for item in level if isinstance(item, list | dict)
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return True


def _check_structure(cur: Cursor, items: list, now: dt.datetime
                     ) -> tuple[list[_Order], list[BadCell], set[str]]:
    problems: list[BadCell] = []
    numbers = {str(o.get("client_number")).strip() for o in items if isinstance(o, dict) and o.get("client_number")}
    clause, params = in_list("previous_system_id", numbers)
    by_number = dict(cur.execute(f"SELECT previous_system_id, client_id FROM client_keys WHERE {clause}", params).fetchall())
    known_ids = {r[0] for r in cur.execute("SELECT client_id FROM clients").fetchall()}
    skus = {r[0] for r in cur.execute("SELECT sku FROM products").fetchall()}
    carriers = {r[0].casefold(): r[0] for r in cur.execute("SELECT name FROM carriers").fetchall()}
    seen: dict[str, int] = {}
    orders = []
    for n, item in enumerate(items, start=1):
        bad = lambda col, val, why, n=n: problems.append(BadCell(n, col, f.show(val)[:80], why))  # noqa: E731
        if not isinstance(item, dict):
            bad("order", item, "is not an order (an object with portal_order_id, client_number, placed_at, lines)")
            continue
        odd = {k: d for k in ID_FIELDS if isinstance(item.get(k), str) and (d := foreign_digit(item[k]))}
        for key, digit in odd.items():  # an id with a digit that is not 0-9 ("²", "٣"): refused as such
            bad(key, item[key], FOREIGN_DIGIT.format(digit))
        if odd:
            continue
        pid = item.get("portal_order_id")
        pid = None if f.blank(pid) else str(pid).strip()
        if pid is None or len(pid) > 50:
            bad("portal_order_id", pid, "is empty or longer than 50 characters")
        elif pid in seen:
            bad("portal_order_id", pid, f"repeats order {seen[pid]}")
        else:
            seen[pid] = n
        client_id = None
        if not f.blank(item.get("client_number")):
            client_id = by_number.get(str(item["client_number"]).strip())
            if client_id is None:
                bad("client_number", item["client_number"], "is not the number of a client we have")
        elif id_in(item.get("client_id"), MAX_CLIENT_ID_DIGITS) in known_ids:
            client_id = id_in(item["client_id"], MAX_CLIENT_ID_DIGITS)
        else:
            bad("client_id", item.get("client_id"), "is not a client of ours (give client_number or client_id)")
        placed = _placed_at(item.get("placed_at"))
        if placed is None:
            bad("placed_at", item.get("placed_at"), "is not a date and time (2026-11-20T14:03:00)")
        elif not dates.in_range(placed.date()):
            bad("placed_at", item.get("placed_at"), f"is outside the years {dates.FIRST_DATE.year} to "
                f"{dates.LAST_DATE.year} that the orders module accepts")
        elif placed > now + dt.timedelta(hours=1):
            bad("placed_at", item.get("placed_at"), "is in the future")
        carrier = None if f.blank(item.get("carrier")) else carriers.get(str(item["carrier"]).strip().casefold())
        if not f.blank(item.get("carrier")) and carrier is None:
            bad("carrier", item.get("carrier"), "is not one of our carriers (" + ", ".join(carriers.values()) + ")")
        lines = _lines(item.get("lines"), skus, bad)
        if pid and client_id is not None and placed is not None and lines is not None:
            orders.append(_Order(n, pid, client_id, placed, carrier, lines))
    return orders, problems, set(seen)


def _placed_at(value: object) -> dt.datetime | None:
    if f.blank(value):
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _lines(value: object, skus: set[str], bad) -> list[tuple[str, int]] | None:
    if not isinstance(value, list) or not value:
        bad("lines", value, "is empty; an order needs at least one line")
        return None
    out = []
    for i, line in enumerate(value, start=1):
        sku = str(line.get("sku", "")).strip() if isinstance(line, dict) else ""
        if foreign_digit(sku):
            bad(f"lines[{i}].sku", sku, FOREIGN_DIGIT.format(foreign_digit(sku)))
            continue
        if sku not in skus:
            bad(f"lines[{i}].sku", sku, "is not a product in our catalogue")
            continue
        try:
            units = f.decimal(line.get("units"), places=0, positive=True, maximum=Decimal(MAX_UNITS))
        except f.FieldError as exc:
            bad(f"lines[{i}].units", line.get("units"), str(exc))
            continue
        out.append((sku, int(units)))
    return out if len(out) == len(value) else None


# --------------------------------------------------------------------------- review, set-based


class _Book:
    """What the review reads, loaded once: clients, documents, policies, products; then (``load_usage``, after
    the ledger rows are held) the grams and per-policy coverage already used, by client and period."""

    def __init__(self, cur: Cursor, client_ids: list[int]):
        clause, params = in_list("client_id", client_ids, "INTEGER")
        self._clause, self._params = clause, params
        rx = {r[0]: Prescription(*r[1:]) for r in cur.execute(
            f"""SELECT DISTINCT ON (client_id) client_id, prescription_id, grams_per_day, valid_from, valid_until, prescriber
                FROM prescriptions
                WHERE active AND {clause}
                ORDER BY client_id, valid_from <= current_date DESC, valid_from DESC, prescription_id DESC""",
            params).fetchall()}
        pol = defaultdict(list)
        for r in cur.execute(
                f"""SELECT client_id, policy_id, insurer, share, max_dollars_per_period, max_grams_per_period,
                           valid_from, valid_until FROM coverage_policies WHERE active AND {clause} ORDER BY policy_id""",
                params).fetchall():
            pol[r[0]].append(Policy(*r[1:]))
        self.clients = {r[0]: Client(*r, prescription=rx.get(r[0]), policies=tuple(pol[r[0]])) for r in cur.execute(
            f"""SELECT client_id, name, date_of_birth, email, phone, address_line1, address_line2, city, province,
                       postal_code, registration_status::VARCHAR, registered_on FROM clients WHERE {clause}""",
            params).fetchall()}
        self.products = {r[0]: r[1:] for r in cur.execute(
            "SELECT sku, name, brand, category::VARCHAR, unit_price, dried_equiv_grams, is_cannabis FROM products"
        ).fetchall()}
        self.periods: dict[tuple[int, dt.date], Decimal] = {}
        self.policies: dict[tuple[int, dt.date, int], list[Decimal]] = {}

    def period_key(self, client_id: int, day: dt.date) -> PeriodKey | None:
        """The ledger row an order of ``client_id`` placed on ``day`` counts in (None: no prescription then)."""
        rx = self.clients[client_id].prescription
        bounds = period_bounds(rx, day) if rx else None
        return PeriodKey(client_id, bounds[1], bounds[2], rx.period_allowance) if bounds else None

    def load_usage(self, cur: Cursor, keys: list[PeriodKey]) -> None:
        """Grams counted, and dollars and grams each policy paid, in each period of ``keys`` (read after the claim)."""
        if not keys:
            return
        key_sql = ("SELECT unnest(?::INTEGER[]) AS client_id, unnest(?::DATE[]) AS period_start, "
                   "unnest(?::DATE[]) AS period_end")
        key_params = [[k.client_id for k in keys], [k.start for k in keys], [k.end for k in keys]]
        in_period = ("o.client_id = k.client_id AND o.created_at >= k.period_start "
                     "AND o.created_at < k.period_end + INTERVAL '1 day' "
                     "AND o.status::VARCHAR NOT IN (SELECT unnest(?::VARCHAR[])) AND o.replaces_return_id IS NULL")
        released = list(RELEASED_STATUSES)
        for client_id, start, grams in cur.execute(
                f"""SELECT k.client_id, k.period_start, coalesce(sum(o.grams), 0)
                    FROM ({key_sql}) k JOIN orders o ON {in_period} GROUP BY k.client_id, k.period_start""",
                [*key_params, released]).fetchall():
            self.periods[(client_id, start)] = Decimal(grams)
        used = policy_usage_by_period(cur, [(k.client_id, k.start, k.end) for k in keys])
        self.policies.update({key: list(paid) for key, paid in used.items()})  # net of refunds, as ordering reads

    def grams_in(self, client_id: int, start: dt.date) -> Decimal:
        return self.periods.get((client_id, start), ZERO)

    def policy_use(self, client_id: int, start: dt.date, policy: Policy) -> PolicyUse:
        dollars, grams = self.policies.get((client_id, start, policy.policy_id), (ZERO, ZERO))
        return PolicyUse(policy, dollars, grams)

    def add(self, client_id: int, review: OrderReview) -> None:
        """Count an order of this import in its period (later orders of the file see it), per policy too."""
        if review.period is None:
            return
        start = review.period.start
        self.periods[(client_id, start)] = self.grams_in(client_id, start) + (review.totals.grams or ZERO)
        for line in review.coverage:
            if line.policy_id is not None:
                slot = self.policies.setdefault((client_id, start, line.policy_id), [ZERO, ZERO])
                slot[0] += line.amount
                slot[1] += line.grams


def review(book: _Book, order: _Order) -> OrderReview:
    """The same review as ``ordering.review_order`` (client, lines, coverage, totals, grams), from the book."""
    client = book.clients[order.client_id]
    day = order.placed_at.date()
    reasons = _client_reasons(client, day)
    priced = []
    for n, (sku, units) in enumerate(order.lines, start=1):
        name, brand, category, price, grams, cannabis = book.products[sku]
        priced.append(PricedLine(n, sku=sku, name=name, brand=brand, category=category, units=units,
                                 unit_price=price, line_discount=ZERO, grams_per_unit=grams, is_cannabis=cannabis))
    total_lines = [p.total_line() for p in priced]
    rx = client.prescription
    bounds = period_bounds(rx, day) if rx else None
    policies = client.active_policies(day)
    period, uses = None, [PolicyUse(p) for p in policies]
    if bounds:
        number, start, end = bounds
        period = Period(number, start, end, rx.period_allowance, book.grams_in(client.client_id, start))
        uses = [book.policy_use(client.client_id, start, p) for p in policies]
    coverage = order_coverage(total_lines, uses)
    totals = order_totals(total_lines, ZERO, sum((c.amount for c in coverage), ZERO), ZERO)
    reasons += allowance.order_reasons(totals.grams, client.name, rx.grams_per_day if rx else None, period)
    return OrderReview(client, priced, totals, coverage, rx.shipment_cap if rx else None, period, reasons,
                       carrier=order.carrier, placed_by=client.name, return_policy_agreed=False)


# --------------------------------------------------------------------------- writing


def import_orders(db: Database, data: bytes, actor: Person, *, dry_run: bool = False,
                  now: dt.datetime | None = None) -> PortalReport:
    """Check the portal's orders and, when the file is usable and not ``dry_run``, create them all.

    Importing orders is creating orders (the role table's ``create_order``), checked before the file is
    read and again in the transaction; each order's 'created' event records ``actor`` (name, e-mail)."""
    require(actor, "create_order")
    items = read_orders(data)
    now = now or dt.datetime.now()
    report = PortalReport(len(items))

    def work(cur: Cursor) -> PortalReport:
        verify(cur, actor, "create_order")
        orders, report.problems, ids = _check_structure(cur, items, now)
        if report.problems:
            return report
        clause, params = in_list("portal_order_id", ids)
        done = {r[0] for r in cur.execute(f"SELECT portal_order_id FROM portal_imports WHERE {clause}", params).fetchall()}
        fresh = sorted((o for o in orders if o.portal_id not in done), key=lambda o: (o.placed_at, o.row))
        report.already_imported = len(orders) - len(fresh)
        book = _Book(cur, sorted({o.client_id for o in fresh}))
        keys = list({(k.client_id, k.start): k for o in fresh
                     if (k := book.period_key(o.client_id, o.placed_at.date())) is not None}.values())
        if not dry_run:
            allowance_ledger.claim(cur, keys)  # first: a concurrent writer for these periods conflicts here
        book.load_usage(cur, keys)
        reviews = []
        for order in fresh:
            r = review(book, order)
            book.add(order.client_id, r)
            reviews.append(r)
        report.imported = len(fresh)
        report.unverified_with_reasons = sum(1 for r in reviews if r.reasons)
        if not dry_run:
            if fresh:
                _write(cur, fresh, reviews, actor)
                allowance_ledger.settle(cur, keys)  # the held rows count what their periods hold now
            report.committed = True
        return report

    return run_write(db.cursor(), work)


def _write(cur: Cursor, orders: list[_Order], reviews: list[OrderReview], actor: Person) -> None:
    ids = [r[0] for r in cur.execute("SELECT nextval('order_ids') AS id FROM generate_series(1, ?) ORDER BY id",
                                     [len(orders)]).fetchall()]
    head = pd.DataFrame({
        "order_id": ids,
        "client_id": [o.client_id for o in orders],
        "placed_by": [r.placed_by for r in reviews],
        "created_at": [o.placed_at for o in orders],
        "subtotal": [str(r.totals.subtotal) for r in reviews],
        "coverage_amount": [str(r.totals.coverage_amount) for r in reviews],
        "total_due": [str(r.totals.total_due) for r in reviews],
        "grams": [None if r.totals.grams is None else str(r.totals.grams) for r in reviews],
        "carrier": [o.carrier for o in orders],
        "portal_order_id": [o.portal_id for o in orders],
        "details": [describe_creation(r, actor.name, "Client Portal") + (f". Portal order {o.portal_id}."
                    + (" For the CSR: " + " ".join(r.reasons) if r.reasons else " Checks passed at import."))
                    for o, r in zip(orders, reviews, strict=True)],
    })
    lines = pd.DataFrame(
        [(oid, ln.line_no, ln.sku, ln.units, str(ln.unit_price)) for oid, r in zip(ids, reviews, strict=True)
         for ln in r.lines],
        columns=["order_id", "line_no", "sku", "units", "unit_price"],
    )
    coverage = pd.DataFrame(
        [(oid, c.policy_id, c.insurer, str(c.amount), str(c.grams), c.note or "")
         for oid, r in zip(ids, reviews, strict=True) for c in r.coverage if c.policy_id is not None],
        columns=["order_id", "policy_id", "insurer", "amount", "grams", "note"],
    ).astype({"order_id": "int64", "policy_id": "int64", "insurer": "object", "amount": "object",
              "grams": "object", "note": "object"})
    d = dialect.of(cur)
    with d.frame_table(cur, "portal_head", head, _HEAD_TYPES), \
            d.frame_table(cur, "portal_lines", lines, _LINE_TYPES), \
            d.frame_table(cur, "portal_coverage", coverage, _COVERAGE_TYPES):
        cur.execute("""
            INSERT INTO orders (order_id, client_id, source, placed_by, created_at, status, subtotal,
                line_discount_total, order_discount, coverage_amount, shipping_charge, total_due, grams, carrier,
                return_policy_agreed, version, updated_at)
            SELECT order_id, client_id, 'Client Portal', placed_by, created_at, 'Unverified', subtotal::DECIMAL(12,2),
                   0, 0, coverage_amount::DECIMAL(12,2), 0, total_due::DECIMAL(12,2), grams::DECIMAL(10,3), carrier,
                   FALSE, 1, now()::TIMESTAMP
            FROM portal_head""")
        cur.execute("""INSERT INTO order_lines SELECT order_id, line_no, sku, units, unit_price::DECIMAL(10,2), 0
                       FROM portal_lines""")
        cur.execute("""INSERT INTO order_coverage (order_id, policy_id, insurer, amount, grams, note)
                       SELECT order_id, policy_id, insurer, amount::DECIMAL(12,2), grams::DECIMAL(10,3), note
                       FROM portal_coverage""")
        cur.execute("""INSERT INTO order_events (event_id, order_id, event_at, actor, kind, details, actor_email)
                       SELECT nextval('event_ids'), order_id, now()::TIMESTAMP, ?, 'created', details, ?
                       FROM portal_head""", [actor.name, actor.email])
        cur.execute("INSERT INTO portal_imports (portal_order_id, order_id, imported_at, imported_by, imported_by_email) "
                    "SELECT portal_order_id, order_id, now()::TIMESTAMP, ?, ? FROM portal_head",
                    [actor.name, actor.email])


# The staged frames' column types on PostgreSQL (``dialect.frame_table``; the others are VARCHAR, cast on insert).
_HEAD_TYPES = {"order_id": "BIGINT", "client_id": "INTEGER", "created_at": "TIMESTAMP"}
_LINE_TYPES = {"order_id": "BIGINT", "line_no": "INTEGER", "units": "INTEGER"}
_COVERAGE_TYPES = {"order_id": "BIGINT", "policy_id": "INTEGER"}
