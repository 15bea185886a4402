"""A realistic, deterministic demo data set, generated in bulk with SQL.

Every random choice is ``hash(row, salt, seed)``: the same seed and anchor date give the same
data set. Orders are spread over four years before the anchor date with a steadily growing
business (about 9% more orders each month), so the recent weeks, where orders are still moving
through the lifecycle, hold enough orders for every status even in a small data set.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from .db import fetch_one, fetch_value
from .demo_catalogue import CITIES, CSRS, FIRST_NAMES, INSURERS, LAST_NAMES, PRESCRIBERS, STREETS, products
from .schema import CARRIERS

SPAN_DAYS = 4 * 365
GROWTH = 4.0  # orders per day grow smoothly by e^4 over the four years: about 9% a month


def _list(values) -> str:
    """A SQL list literal of our own constant strings (never user input)."""
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def generate(
    con: duckdb.DuckDBPyConnection,
    orders: int,
    *,
    seed: int = 42,
    anchor: dt.date | None = None,
) -> dict[str, int]:
    """Fill an empty database with ``orders`` orders and the clients, products and templates behind them."""
    if orders < 0:
        raise ValueError("The number of orders cannot be negative.")
    existing = fetch_value(con, "SELECT count(*) FROM orders")
    if existing:
        raise ValueError(f"The database already holds {existing:,} orders; demo data goes into an empty one.")
    anchor = anchor or dt.date.today()
    seed = int(seed)
    n_clients = max(40, orders // 20)
    con.execute(f"CREATE OR REPLACE TEMP MACRO rnd(i, salt) AS (hash(i, salt, {seed}) % 1000003) / 1000003.0")
    con.execute(f"CREATE OR REPLACE TEMP MACRO pick(i, salt, n) AS (hash(i, salt, {seed}) % n)::INTEGER + 1")
    con.execute("BEGIN TRANSACTION")
    try:
        con.executemany("INSERT INTO products VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", products())
        _clients(con, n_clients, anchor)
        _orders(con, orders, n_clients, anchor)
        _recurring(con, n_clients, anchor)
        _events(con)
        _reset_sequences(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {"clients": n_clients, "orders": orders}


def _clients(con: duckdb.DuckDBPyConnection, n: int, anchor: dt.date) -> None:
    con.execute(
        f"""
        INSERT INTO clients
        SELECT 1001 + i AS client_id, name, lower(strip_accents(name)), dob,
               lower(strip_accents(replace(replace(first, ' ', ''), '''', ''))) || '.'
                 || lower(strip_accents(replace(replace(last, ' ', ''), '''', ''))) || i || '@example.ca',
               '(' || (200 + pick(i, 'ph1', 790)) || ') 555-' || lpad((pick(i, 'ph2', 9999))::VARCHAR, 4, '0'),
               (pick(i, 'num', 9800) + 10) || ' ' || {_list(STREETS)}[pick(i, 'st', {len(STREETS)})],
               CASE WHEN rnd(i, 'apt') < 0.25 THEN 'App. ' || pick(i, 'apt2', 40) END,
               city[1], city[2],
               city[3] || ' ' || pick(i, 'pc1', 9) || chr(64 + pick(i, 'pc2', 26)::INTEGER) || pick(i, 'pc3', 9),
               CASE WHEN rnd(i, 'reg') < 0.90 THEN 'Approved'
                    WHEN rnd(i, 'reg') < 0.95 THEN 'Pending Verification' ELSE 'Expired' END,
               DATE '{anchor}' - INTERVAL (pick(i, 'regd', 1400) + 30) DAY,
               DATE '{anchor}' - INTERVAL (pick(i, 'regd', 1400) + 30) DAY
        FROM (
            SELECT i, first, last, first || ' ' || last AS name,
                   DATE '1940-01-01' + INTERVAL (pick(i, 'dob', 23000)) DAY AS dob,
                   {_city_list()}[pick(i, 'city', {len(CITIES)})] AS city
            FROM (
                SELECT i, {_list(FIRST_NAMES)}[pick(i, 'fn', {len(FIRST_NAMES)})] AS first,
                       {_list(LAST_NAMES)}[pick(i, 'ln', {len(LAST_NAMES)})] AS last
                FROM range({n}) t(i)
            )
        )
        """
    )
    con.execute(
        f"""
        INSERT INTO prescriptions
        SELECT row_number() OVER (ORDER BY client_id), client_id,
               [1.5, 2, 2.5, 3, 4, 5][pick(client_id, 'gpd', 6)],
               vf, CASE WHEN registration_status = 'Expired' THEN DATE '{anchor}' - INTERVAL 20 DAY
                        ELSE vf + INTERVAL 365 DAY END,
               {_list(PRESCRIBERS)}[pick(client_id, 'dr', {len(PRESCRIBERS)})], TRUE
        FROM (SELECT client_id, registration_status,
                     DATE '{anchor}' - INTERVAL (pick(client_id, 'rxf', 300) + 20) DAY AS vf
              FROM clients)
        """
    )
    con.execute(
        f"""
        INSERT INTO coverage_policies
        SELECT row_number() OVER (ORDER BY client_id), client_id, insurer,
               CASE WHEN insurer = 'Veterans Affairs Canada' THEN 1.0 ELSE 0.8 END,
               CASE WHEN insurer = 'Veterans Affairs Canada' THEN 765.00 ELSE 300.00 END,
               CASE WHEN insurer = 'Veterans Affairs Canada' THEN 90 END,
               DATE '{anchor}' - INTERVAL 1500 DAY, NULL, TRUE
        FROM (SELECT client_id, {_list(INSURERS)}[pick(client_id, 'ins', {len(INSURERS)})] AS insurer
              FROM clients WHERE rnd(client_id, 'cov') < 0.2)
        """
    )


def _city_list() -> str:
    return "[" + ", ".join(_list(c) for c in CITIES) + "]"


def _orders(con: duckdb.DuckDBPyConnection, n: int, n_clients: int, anchor: dt.date) -> None:
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE demo_orders AS
        SELECT *,
               CASE WHEN status IN ('Shipped', 'Delivered')
                    THEN least(created_at::DATE + INTERVAL (pick(i, 'shp', 3)) DAY, DATE '{anchor}') END AS shipped_on
        FROM (
            SELECT i, 100001 + i AS order_id, client_id, created_at, age, source,
                   CASE WHEN status = 'Unverified' AND source <> 'Client Portal' THEN 'Open' ELSE status END AS status
            FROM (
                SELECT i, client_id, created_at,
                       date_diff('day', created_at, TIMESTAMP '{anchor} 23:59:59') AS age,
                       CASE WHEN client_id % 10 = 0 AND rnd(i, 'rec') < 0.7 THEN 'Recurring'
                            WHEN rnd(i, 'src') < 0.55 THEN 'Client Portal' ELSE 'CSR' END AS source,
                       CASE
                         WHEN date_diff('day', created_at, TIMESTAMP '{anchor} 23:59:59') > 21 THEN
                           CASE WHEN rnd(i, 'st') < 0.94 THEN 'Delivered'
                                WHEN rnd(i, 'st') < 0.99 THEN 'Cancelled' ELSE 'Shipped' END
                         WHEN date_diff('day', created_at, TIMESTAMP '{anchor} 23:59:59') > 7 THEN
                           ['Delivered','Delivered','Delivered','Delivered','Delivered','Delivered',
                            'Shipped','Shipped','Shipped','Cancelled','Order Placed','Open'][pick(i, 'st', 12)]
                         ELSE
                           ['Unverified','Unverified','Unverified','Open','Open','Open','Order Placed',
                            'Order Placed','Order Placed','Shipped','Shipped','Delivered','Cancelled'][pick(i, 'st', 13)]
                       END AS status
                FROM (
                    SELECT i, 1001 + pick(i, 'cl', {n_clients}) - 1 AS client_id,
                           TIMESTAMP '{anchor}' - INTERVAL {SPAN_DAYS} DAY
                           + INTERVAL (ln(1 + (i / {max(n, 1)}) * (exp({GROWTH}) - 1)) / {GROWTH}
                                       * {SPAN_DAYS} * 86400) SECOND AS created_at
                    FROM range({n}) t(i)
                )
            )
        )
        """
    )
    _lines(con)
    _order_rows(con, anchor)


def _lines(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE demo_products AS
        SELECT *, row_number() OVER (PARTITION BY is_cannabis ORDER BY sku) AS k FROM products
        """
    )
    n_can, n_acc = fetch_one(
        con, "SELECT count(*) FILTER (is_cannabis), count(*) FILTER (NOT is_cannabis) FROM products"
    )
    con.execute(
        f"""
        INSERT INTO order_lines
        SELECT o.order_id, l.line_no, p.sku,
               CASE WHEN p.category = 'Dried flower' THEN 1 ELSE pick(o.i * 7 + l.line_no, 'u', 2) END,
               p.unit_price,
               CASE WHEN rnd(o.i * 7 + l.line_no, 'ld') < 0.05
                    THEN round(p.unit_price * 0.10, 2) ELSE 0 END
        FROM (SELECT i, order_id, rnd(i, 'acc') < 0.04 AS accessory_only, pick(i, 'nl', 3) AS n_lines
              FROM demo_orders) o,
             LATERAL (SELECT unnest(range(1, o.n_lines + 1)) AS line_no) l,
             demo_products p
        WHERE p.is_cannabis = NOT (o.accessory_only OR (l.line_no > 1 AND rnd(o.i * 7 + l.line_no, 'la') < 0.15))
          AND p.k = CASE WHEN p.is_cannabis THEN (pick(o.i, 'sku', {n_can}) - 1 + (l.line_no - 1) * 5) % {n_can} + 1
                         ELSE (pick(o.i, 'acs', {n_acc}) - 1 + l.line_no - 1) % {n_acc} + 1 END
        """
    )


def _order_rows(con: duckdb.DuckDBPyConnection, anchor: dt.date) -> None:
    carriers = _list(CARRIERS)
    con.execute(
        f"""
        INSERT INTO orders
        SELECT o.order_id, o.client_id, o.source,
               CASE o.source WHEN 'Client Portal' THEN c.name
                             WHEN 'CSR' THEN {_list(CSRS)}[pick(o.i, 'csr', {len(CSRS)})]
                             ELSE 'Recurring order' END,
               o.created_at, o.status,
               t.subtotal, t.line_discounts, t.order_discount, t.coverage, t.shipping,
               t.subtotal - t.line_discounts - t.order_discount - t.coverage + t.shipping,
               t.grams, t.carrier,
               CASE WHEN o.status IN ('Shipped', 'Delivered')
                    THEN upper(left(t.carrier, 2)) || lpad((hash(o.i, 'trk') % 1000000000000)::VARCHAR, 12, '0') END,
               o.shipped_on,
               CASE WHEN o.status = 'Delivered'
                    THEN least(o.shipped_on + INTERVAL (pick(o.i, 'dlv', 6)) DAY, DATE '{anchor}') END,
               CASE WHEN o.status IN ('Order Placed', 'Shipped', 'Delivered')
                    THEN CASE WHEN t.coverage > 0 THEN 'Insurance direct bill' ELSE 'Credit card' END END,
               CASE WHEN o.status IN ('Order Placed', 'Shipped', 'Delivered')
                    THEN 'PAY-' || lpad((hash(o.i, 'pay') % 100000000)::VARCHAR, 8, '0') END,
               o.source <> 'Recurring',
               CASE WHEN o.status = 'Cancelled' THEN 'Client asked to cancel' END,
               CASE WHEN o.status IN ('Delivered', 'Cancelled') AND o.age > 60 AND rnd(o.i, 'arc') < 0.11
                    THEN o.created_at + INTERVAL 45 DAY END,
               CASE WHEN o.status IN ('Delivered', 'Cancelled') AND o.age > 60 AND rnd(o.i, 'arc') < 0.11
                    THEN 'demo' END,
               CASE WHEN o.source = 'Recurring' THEN o.client_id END,
               1, o.created_at
        FROM demo_orders o
        JOIN clients c USING (client_id)
        JOIN (
            SELECT o.order_id, any_value(o.carrier) AS carrier,
                   sum(l.units * l.unit_price) AS subtotal,
                   sum(l.line_discount) AS line_discounts,
                   CASE WHEN rnd(any_value(o.i), 'od') < 0.05 THEN least(10.00, sum(l.units * l.unit_price) / 4)::DECIMAL(12,2)
                        ELSE 0 END AS order_discount,
                   -- the policy pays its share of the cannabis lines after their discounts, never more
                   -- than what is left to pay for the products
                   greatest(0, coalesce(least(
                       any_value(cp.share) * sum(l.units * l.unit_price - l.line_discount) FILTER (p.is_cannabis),
                       any_value(cp.max_dollars_per_period),
                       sum(l.units * l.unit_price - l.line_discount) - order_discount), 0))::DECIMAL(12,2) AS coverage,
                   CASE WHEN any_value(o.carrier) IS NULL OR sum(l.units * l.unit_price) >= 200 THEN 0
                        ELSE [12.50, 15.95, 18.00, 19.50, 14.25, 16.75][list_position({carriers}, any_value(o.carrier))]
                   END::DECIMAL(12,2) AS shipping,
                   CASE WHEN bool_or(p.is_cannabis)
                        THEN sum(l.units * p.dried_equiv_grams) FILTER (p.is_cannabis) END AS grams
            FROM (SELECT i, order_id, client_id,
                         CASE WHEN status = 'Unverified' AND rnd(i, 'nc') < 0.7 THEN NULL
                              WHEN status = 'Open' AND rnd(i, 'nc') < 0.5 THEN NULL
                              ELSE {carriers}[pick(i, 'car', {len(CARRIERS)})] END AS carrier
                  FROM demo_orders) o
            JOIN order_lines l USING (order_id)
            JOIN products p USING (sku)
            LEFT JOIN coverage_policies cp ON cp.client_id = o.client_id
            GROUP BY o.order_id
        ) t USING (order_id)
        """
    )


def _recurring(con: duckdb.DuckDBPyConnection, n_clients: int, anchor: dt.date) -> None:
    """A monthly template for every tenth client; its id is the client's id, so demo orders can link to it."""
    con.execute(
        f"""
        INSERT INTO recurring_orders
        SELECT c.client_id, c.client_id, {_list(CARRIERS)}[pick(c.client_id, 'rcar', {len(CARRIERS)})],
               rnd(c.client_id, 'ren') < 0.85, 'period', NULL,
               DATE '{anchor}' + INTERVAL (pick(c.client_id, 'rnext', 30) - 1) DAY,
               (SELECT max(order_id) FROM orders o WHERE o.recurring_order_id = c.client_id),
               NULL, NULL, 'Isabelle Roy',
               TIMESTAMP '{anchor}' - INTERVAL 800 DAY, TIMESTAMP '{anchor}' - INTERVAL 800 DAY
        FROM clients c WHERE c.client_id % 10 = 0
        """
    )
    con.execute(
        """
        INSERT INTO recurring_order_lines
        SELECT r.recurring_order_id, l.line_no, p.sku, 1
        FROM recurring_orders r,
             LATERAL (SELECT unnest(range(1, pick(r.recurring_order_id, 'rnl', 2) + 1)) AS line_no) l,
             demo_products p
        WHERE p.is_cannabis AND p.k = (pick(r.recurring_order_id, 'rsku', 10) + l.line_no * 3) % 20 + 1
        """
    )


def _events(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        INSERT INTO order_events
        SELECT row_number() OVER (ORDER BY order_id, event_at, kind), order_id, event_at, actor, kind, details
        FROM (
            SELECT order_id, created_at AS event_at, placed_by AS actor, 'created' AS kind,
                   'Order created (' || source || ')' AS details
            FROM orders
            UNION ALL
            SELECT order_id, created_at + INTERVAL 3 HOUR, 'Isabelle Roy', 'verified', 'Unverified → Open'
            FROM orders WHERE source = 'Client Portal' AND status <> 'Unverified'
            UNION ALL
            SELECT order_id, coalesce(shipped_on::TIMESTAMP, created_at + INTERVAL 1 DAY), 'Marc-André Côté',
                   'status', 'Open → ' || status
            FROM orders WHERE status NOT IN ('Unverified', 'Open')
            UNION ALL
            SELECT order_id, archived_at, 'Isabelle Roy', 'archived', 'Archived (' || status || ')'
            FROM orders WHERE archived_at IS NOT NULL
        )
        """
    )


def _reset_sequences(con: duckdb.DuckDBPyConnection) -> None:
    """Start each id sequence after the ids the bulk insert used."""
    for seq, table, col in [
        ("order_ids", "orders", "order_id"),
        ("client_ids", "clients", "client_id"),
        ("event_ids", "order_events", "event_id"),
        ("prescription_ids", "prescriptions", "prescription_id"),
        ("policy_ids", "coverage_policies", "policy_id"),
        ("recurring_ids", "recurring_orders", "recurring_order_id"),
    ]:
        start = fetch_value(con, f"SELECT coalesce(max({col}), 0) + 1 FROM {table}")
        start = max(start, 100001) if seq == "order_ids" else start
        con.execute(f"DROP SEQUENCE {seq}")
        con.execute(f"CREATE SEQUENCE {seq} START {int(start)}")
