"""Every figure of the monthly reports, aggregated in SQL (one query per report, the same SQL on both
engines): the database returns counts and exact sums; Python only rounds them to the precision CTLS takes,
so DuckDB and PostgreSQL give the same figures to the last digit.

``behind(cur, report, month, key)`` lists what is behind one figure: the orders of a CTLS row (its sales and
the orders its returns came from), the clients of a section 297 count or of a practitioner's row.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from orders_core.reports.monthly.months import Month
from orders_core.rules.ctls_categories import CATEGORY_ORDER, KG, UNIT_OF, product_category_sql
from orders_core.rules.fields import PROVINCES
from orders_core.storage import dialect, sales_days
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_one

THREE = Decimal("0.001")
CENTS = Decimal("0.01")
S297, CTLS, PRACTITIONERS = "s297", "ctls-sales", "practitioners"

S297_NOT_MADE = ("Not produced here: s. 297(1)(d), the applicants refused registration in the month by reason, and "
                 "(e), the purchase orders refused in the month by reason: the orders module records no refused "
                 "application and no refused purchase order with its reason. Count them from your own records. "
                 "Paragraphs (f) and (g) are in the practitioners report.")
PRACTITIONERS_NOTE = ("Section 297(1)(f) and (g): each health care practitioner who signed a medical document behind a "
                      "registration valid on the month's last day, and the number of those documents each signed. "
                      "The orders module holds the practitioner's name and licence number only: add their profession, "
                      "business address and the province that authorized them to practise before filing.")

# --- Section 297 -------------------------------------------------------------------------------------

_TO = "CASE kind WHEN 'approved' THEN 'Approved' WHEN 'expired' THEN 'Expired' WHEN 'reinstated' THEN 'Approved' END"
_FROM = ("CASE kind WHEN 'approved' THEN 'Pending Verification' WHEN 'expired' THEN 'Approved' "
         "WHEN 'reinstated' THEN 'Expired' END")


def valid_clients_sql() -> str:
    """SQL selecting ``client_id`` and ``prescription_id`` of every client with a valid registration at the end
    of the day given as the two parameters ``[day, day]`` (see the package docstring for the rule).

    The registered clients and the documents in force are each gathered once (``MATERIALIZED``), then joined:
    PostgreSQL, left to plan it as one join, guessed a few hundred registered clients and looked each one's
    documents up by index, 700,000 times at 10,000,000 orders."""
    return f"""
        WITH status_events AS (
            SELECT client_id, event_id, event_at, kind FROM client_events
            WHERE kind IN ('approved', 'expired', 'reinstated')
        ), day AS (SELECT ?::DATE AS last_day),
        before AS (
            SELECT DISTINCT ON (client_id) client_id, {_TO} AS status FROM status_events, day
            WHERE event_at < day.last_day + INTERVAL '1 day' ORDER BY client_id, event_at DESC, event_id DESC
        ), after AS (
            SELECT DISTINCT ON (client_id) client_id, {_FROM} AS status FROM status_events, day
            WHERE event_at >= day.last_day + INTERVAL '1 day' ORDER BY client_id, event_at, event_id
        ), registered AS MATERIALIZED (
            SELECT c.client_id FROM clients c
            LEFT JOIN before b ON b.client_id = c.client_id
            LEFT JOIN after a ON a.client_id = c.client_id
            CROSS JOIN day
            WHERE coalesce(c.registered_on, c.created_at::DATE) <= day.last_day
              AND coalesce(b.status, a.status, c.registration_status::VARCHAR) = 'Approved'
        ), in_force AS MATERIALIZED (
            SELECT p.client_id, p.prescription_id, p.prescriber, p.grams_per_day, p.valid_from
            FROM prescriptions p CROSS JOIN day
            WHERE p.active AND p.valid_from <= day.last_day AND p.valid_until >= day.last_day
              AND NOT EXISTS (SELECT 1 FROM medical_document_releases r
                              WHERE r.prescription_id = p.prescription_id AND r.released_on <= ?::DATE)
        )
        SELECT DISTINCT ON (r.client_id) r.client_id, p.prescription_id, p.prescriber, p.grams_per_day
        FROM registered r JOIN in_force p ON p.client_id = r.client_id
        ORDER BY r.client_id, p.valid_from DESC, p.prescription_id DESC"""


def daily_quantities(histogram: list[tuple[Decimal, int]]) -> dict:
    """Section 297(1)(c) from the (daily quantity, documents) histogram of the documents behind the valid
    registrations: the average, median and highest daily quantity in grams, to 3 decimals (half up). The
    median of an even number of documents is the mean of the two middle ones. All ``None`` with no document."""
    ordered = sorted((Decimal(g), int(n)) for g, n in histogram)
    count = sum(n for _g, n in ordered)
    if not count:
        return {"average_daily_grams": None, "median_daily_grams": None, "highest_daily_grams": None}

    def at(rank: int) -> Decimal:  # the 0-based rank-th quantity in ascending order
        seen = 0
        for grams, n in ordered:
            seen += n
            if rank < seen:
                return grams
        raise AssertionError(rank)

    median = (at((count - 1) // 2) + at(count // 2)) / 2
    total = sum((g * n for g, n in ordered), Decimal(0))
    return {"average_daily_grams": (total / count).quantize(THREE, ROUND_HALF_UP),
            "median_daily_grams": median.quantize(THREE, ROUND_HALF_UP),
            "highest_daily_grams": ordered[-1][0].quantize(THREE, ROUND_HALF_UP)}


def s297(cur: Cursor, month: Month) -> dict:
    day = month.last_day
    histogram = cur.execute(
        f"SELECT grams_per_day, count(*) FROM ({valid_clients_sql()}) v GROUP BY grams_per_day ORDER BY 1",
        [day, day]).fetchall()
    released = fetch_one(
        cur,
        """SELECT count(DISTINCT client_id),
                  count(DISTINCT client_id) FILTER (WHERE kind = 'transferred'),
                  count(DISTINCT client_id) FILTER (WHERE kind = 'returned')
           FROM medical_document_releases WHERE released_on >= ? AND released_on < ?""",
        [month.first_day, month.next_first_day],
    )
    return {
        "report": S297, "month": str(month), "last_day": month.last_day.isoformat(),
        "valid_registrations": sum(int(n) for _g, n in histogram),
        "documents_transferred_or_returned": int(released[0]),
        "documents_transferred": int(released[1]),
        "documents_returned": int(released[2]),
        **daily_quantities(histogram),
        "not_made": S297_NOT_MADE,
    }


# --- CTLS sales ----------------------------------------------------------------------------------------

# The month's sales from its lines (DuckDB: 0.27 s for 1,539,411 lines at 10,000,000 orders). The month's order
# lines are read once (``sold_lines``) and serve every sales figure: the sums per province and SKU (a few
# hundred rows, then per category through ``kinds``, one row per cannabis SKU), the orders per province and
# category (distinct order and category pairs), and the unclassified SKUs. They are found by the order id range
# of the month's orders, a condition their own lines always meet: an order's id is given when it is made, so a
# month's shipments span a narrow range and PostgreSQL reads that range of ``order_lines`` by its key instead
# of every line ever sold (1.6 s -> under 0.5 s at 1,000,000 orders, ``docs/benchmarks.md``).
_SOLD_LINES = """month_orders AS MATERIALIZED (
            SELECT o.order_id, c.province FROM orders o JOIN clients c ON c.client_id = o.client_id
            WHERE o.shipped_on >= ? AND o.shipped_on < ? AND o.status IN ('Shipped', 'Delivered')
        ), sold_lines AS MATERIALIZED (
            SELECT o.order_id, o.province, l.sku, l.units, l.units * k.net_content AS net,
                   l.units * l.unit_price - l.line_discount AS value
            FROM month_orders o
            JOIN order_lines l ON l.order_id = o.order_id
            JOIN (SELECT min(order_id) AS lo, max(order_id) AS hi FROM month_orders) span
              ON l.order_id BETWEEN span.lo AND span.hi
            JOIN kinds k ON k.sku = l.sku
        ), sold_skus AS (
            SELECT province, sku, sum(units) AS units, sum(net) AS net, sum(value) AS value
            FROM sold_lines GROUP BY province, sku
        ), sold_orders AS (
            SELECT province, ctls_category, count(*) AS orders
            FROM (SELECT DISTINCT s.order_id, s.province, k.ctls_category
                  FROM sold_lines s JOIN kinds k ON k.sku = s.sku) pairs
            GROUP BY province, ctls_category
        ), sold AS (
            SELECT s.province, k.ctls_category, sum(s.units) AS units, sum(s.net) AS net, sum(s.value) AS value,
                   min(o.orders) AS orders
            FROM sold_skus s JOIN kinds k ON k.sku = s.sku
            JOIN sold_orders o ON o.province = s.province AND o.ctls_category = k.ctls_category
            GROUP BY s.province, k.ctls_category
        )"""
# The same figures from the kept sums of the month's ship days (PostgreSQL; ``storage.sales_days``).
_KEPT_SALES = f"""kept AS MATERIALIZED ({sales_days.KEPT}
        ), sold_skus AS (SELECT DISTINCT sku FROM kept
        ), sold AS (
            SELECT province, ctls_category, sum(units) AS units, sum(net) AS net, sum(value) AS value,
                   sum(orders) AS orders
            FROM kept GROUP BY province, ctls_category
        )"""


def ctls_sales_sql(kept: bool = False) -> str:
    """Sales (orders shipped in the month) and returns (received in the month) per province and category, and
    on every row the number of SKUs sold whose class was taken from their category (``unclassified``);
    parameters: first day, next month's first day, twice. ``kept``: the sales are summed from the kept
    ``sales_days`` (PostgreSQL, ``storage.sales_days``: a few thousand rows a month) instead of the lines."""
    return f"""
        WITH kinds AS MATERIALIZED (
            SELECT p.sku, {product_category_sql()} AS ctls_category, p.net_content, pc.sku IS NULL AS unclassified
            FROM products p LEFT JOIN product_classes pc ON pc.sku = p.sku WHERE p.is_cannabis
        ), {_KEPT_SALES if kept else _SOLD_LINES}, back AS (
            SELECT c.province, k.ctls_category, sum(rl.units) AS units, sum(rl.units * k.net_content) AS net,
                   count(DISTINCT rl.order_id) AS orders
            FROM order_returns r
            JOIN order_return_lines rl ON rl.return_id = r.return_id
            JOIN orders o ON o.order_id = rl.order_id
            JOIN kinds k ON k.sku = rl.sku
            JOIN clients c ON c.client_id = o.client_id
            WHERE r.received_on >= ? AND r.received_on < ?
            GROUP BY c.province, k.ctls_category
        )
        SELECT coalesce(s.province, b.province) AS province, coalesce(s.ctls_category, b.ctls_category) AS ctls_category,
               coalesce(s.units, 0) AS units, coalesce(s.net, 0) AS net, coalesce(s.value, 0) AS value,
               coalesce(s.orders, 0) AS orders,
               coalesce(b.units, 0) AS returned_units, coalesce(b.net, 0) AS returned_net,
               coalesce(b.orders, 0) AS returned_orders, u.unclassified
        FROM sold s FULL OUTER JOIN back b ON b.province = s.province AND b.ctls_category = s.ctls_category
        CROSS JOIN (SELECT count(*) AS unclassified FROM kinds
                    WHERE unclassified AND sku IN (SELECT sku FROM sold_skus)) u"""


def quantity(net: Decimal, category: str) -> Decimal:
    """Net content summed (g or mL, or seeds or plants) as CTLS takes it: kg to 3 decimals, or a count."""
    if UNIT_OF.get(category, KG) == KG:
        return (Decimal(net) / 1000).quantize(THREE, ROUND_HALF_UP)
    return Decimal(net).quantize(Decimal("1"), ROUND_HALF_UP)


def _sort_key(row: dict) -> tuple:
    order = CATEGORY_ORDER.index(row["category"]) if row["category"] in CATEGORY_ORDER else len(CATEGORY_ORDER)
    return (row["province"], order)


def ctls_sales(cur: Cursor, month: Month) -> dict:
    span = [month.first_day, month.next_first_day]
    found = cur.execute(ctls_sales_sql(kept=bool(dialect.of(cur).sales_days_tables)), span + span).fetchall()
    rows = []
    for (province, category, units, net, value, orders, r_units, r_net, r_orders, _unclassified) in found:
        rows.append({
            "province": province, "province_name": PROVINCES.get(province, province), "category": category,
            "unit": UNIT_OF.get(category, KG), "units": int(units), "quantity": quantity(net, category),
            "value": Decimal(value).quantize(CENTS, ROUND_HALF_UP), "orders": int(orders),
            "returned_units": int(r_units), "returned_quantity": quantity(r_net, category),
            "returned_orders": int(r_orders),
        })
    rows.sort(key=_sort_key)
    return {"report": CTLS, "month": str(month), "rows": rows, "totals": _totals(rows),
            "unclassified_skus": int(found[0][9]) if found else 0}


def _totals(rows: list[dict]) -> dict:
    kg = [r for r in rows if r["unit"] == KG]
    return {"units": sum(r["units"] for r in rows), "kg": sum((r["quantity"] for r in kg), Decimal("0.000")),
            "value": sum((r["value"] for r in rows), Decimal("0.00")),
            "returned_units": sum(r["returned_units"] for r in rows),
            "returned_kg": sum((r["returned_quantity"] for r in kg), Decimal("0.000"))}


# --- Health care practitioners -------------------------------------------------------------------------

def practitioners(cur: Cursor, month: Month) -> dict:
    day = month.last_day
    found = cur.execute(
        f"""SELECT v.prescriber, coalesce(pp.practitioner_licence, '') AS licence, count(*) AS clients,
                   sum(v.grams_per_day) AS grams
            FROM ({valid_clients_sql()}) v
            LEFT JOIN prescription_practitioners pp ON pp.prescription_id = v.prescription_id
            GROUP BY v.prescriber, licence ORDER BY v.prescriber, licence""",
        [day, day]).fetchall()
    rows = [{"practitioner": name, "licence": licence, "clients": int(clients),
             "daily_grams": Decimal(grams).quantize(THREE, ROUND_HALF_UP),
             "average_daily_grams": (Decimal(grams) / clients).quantize(THREE, ROUND_HALF_UP)}
            for name, licence, clients, grams in found]
    return {"report": PRACTITIONERS, "month": str(month), "last_day": day.isoformat(), "rows": rows,
            "note": PRACTITIONERS_NOTE}


COMPUTE = {S297: s297, CTLS: ctls_sales, PRACTITIONERS: practitioners}


# --- What is behind a figure ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Behind:
    noun: str          # "order" or "client"
    ids: list[int]


def behind(cur: Cursor, report: str, month: Month, key: tuple) -> Behind:
    """The ids behind one figure. ``key``: for ``ctls-sales`` (province, category); for ``s297`` the figure's
    name (``valid_registrations`` or ``documents_transferred_or_returned``); for ``practitioners``
    (practitioner, licence)."""
    span = [month.first_day, month.next_first_day]
    if report == CTLS:
        province, category = key
        where_cat = f"{product_category_sql()} = ?"
        ids = [r[0] for r in cur.execute(
            f"""SELECT DISTINCT o.order_id FROM orders o JOIN order_lines l ON l.order_id = o.order_id
                JOIN products p ON p.sku = l.sku LEFT JOIN product_classes pc ON pc.sku = l.sku
                JOIN clients c ON c.client_id = o.client_id
                WHERE o.shipped_on >= ? AND o.shipped_on < ? AND o.status::VARCHAR IN ('Shipped', 'Delivered')
                  AND p.is_cannabis AND c.province = ? AND {where_cat}
                UNION
                SELECT DISTINCT o.order_id FROM order_returns r JOIN order_return_lines rl ON rl.return_id = r.return_id
                JOIN orders o ON o.order_id = rl.order_id JOIN products p ON p.sku = rl.sku
                LEFT JOIN product_classes pc ON pc.sku = rl.sku JOIN clients c ON c.client_id = o.client_id
                WHERE r.received_on >= ? AND r.received_on < ? AND p.is_cannabis AND c.province = ? AND {where_cat}
                ORDER BY 1""",
            [*span, province, category, *span, province, category]).fetchall()]
        return Behind("order", ids)
    if report == S297 and key == ("documents_transferred_or_returned",):
        ids = [r[0] for r in cur.execute(
            "SELECT DISTINCT client_id FROM medical_document_releases WHERE released_on >= ? AND released_on < ? "
            "ORDER BY 1", span).fetchall()]
        return Behind("client", ids)
    day = month.last_day
    if report == S297:
        sql, params = f"SELECT client_id FROM ({valid_clients_sql()}) v ORDER BY 1", [day, day]
    else:
        name, licence = key
        sql = (f"SELECT v.client_id FROM ({valid_clients_sql()}) v LEFT JOIN prescription_practitioners pp "
               "ON pp.prescription_id = v.prescription_id WHERE v.prescriber = ? "
               "AND coalesce(pp.practitioner_licence, '') = ? ORDER BY 1")
        params = [day, day, name, licence]
    return Behind("client", [r[0] for r in cur.execute(sql, params).fetchall()])
