"""The demo's orders: the kept candidates, their lines, money and coverage, and the recurring templates (their
histories: ``demo.events``).

How they keep the app's rules:
- Coverage follows ``orders.totals``: a client's policy (valid from registration) pays its share of the
  cannabis lines after their discounts, never more than is left to pay after the order discount,
  with one ``order_coverage`` row per order. Decision: the demo policies' period maximums ($1,000,
  Veterans Affairs $1,500 and 150 g) are never reached, so an Edit that changes nothing recomputes
  the same coverage whatever the order's place in its period.
- A recurring template (every tenth client) exists from a day after the client registered; its
  generated orders (source Recurring, no coverage, no discount, no shipping, as the generator makes
  them) come after that day, with exactly the template's products, one per period, recorded in
  ``recurring_generations`` / ``recurring_generated_orders``.
"""

from __future__ import annotations

import datetime as dt

from orders_core.demo.catalogue import CSRS
from orders_core.demo.clients import PERIOD, _list
from orders_core.recurring.generation import JOB_ACTOR
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_one
from orders_core.storage.schema import CARRIERS

# The demo's CSRs (catalogue.CSRS) and their e-mails: the first three are demo staff today, the
# others worked there when their orders were made.
CSR_EMAILS = {"Isabelle Roy": "csr@demo.example", "Marc-André Côté": "admin@demo.example",
              "Priya Nair": "manager@demo.example", "Kevin O'Connor": "kevin.oconnor@demo.example",
              "Sophie Lévesque": "sophie.levesque@demo.example"}
FIRST_ORDER_ID = 100001  # the demo's orders are numbered from here, by date


def _email_of(name_sql: str) -> str:
    """SQL for the demo e-mail of the demo CSR named by ``name_sql`` (our own SQL, never user text)."""
    cases = " ".join(f"WHEN '{n.replace(chr(39), chr(39) * 2)}' THEN '{e}'" for n, e in CSR_EMAILS.items())
    return f"(CASE {name_sql} {cases} END)"


def _recurring(con: Cursor, anchor: dt.date) -> None:
    """A monthly template for every tenth client from a day after registration; its id is the client's id."""
    con.execute(
        f"""
        INSERT INTO recurring_orders
        SELECT c.client_id, c.client_id, {_list(CARRIERS)}[pick(c.client_id, 'rcar', {len(CARRIERS)})],
               rnd(c.client_id, 'ren') < 0.85, 'period', NULL,
               (SELECT min(rx.vf + (((DATE '{anchor}' - rx.vf) // {PERIOD} + 1) * {PERIOD})::INTEGER)
                FROM demo_rx rx WHERE rx.client_id = c.client_id AND DATE '{anchor}' BETWEEN rx.vf AND rx.vu),
               NULL, NULL, NULL, 'Isabelle Roy', c.template_on, c.template_on
        FROM demo_clients c WHERE c.template_on IS NOT NULL
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
    con.execute(
        f"""
        INSERT INTO recurring_events (event_id, recurring_order_id, event_at, actor, kind, details, actor_email)
        SELECT row_number() OVER (ORDER BY recurring_order_id), recurring_order_id, created_at, created_by,
               'created', details, {_email_of('created_by')}
        FROM (SELECT recurring_order_id, created_at, created_by,
                     'Recurring order created: ' || string_agg(units || ' x ' || sku, '; ' ORDER BY line_no) AS details
              FROM recurring_orders JOIN recurring_order_lines USING (recurring_order_id)
              GROUP BY ALL)
        """
    )


def _orders(con: Cursor, n: int, anchor: dt.date) -> None:
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE demo_orders AS
        SELECT *,
               CASE WHEN status IN ('Shipped', 'Delivered')
                    THEN least(created_at::DATE + INTERVAL (pick(i, 'shp', 3)) DAY, DATE '{anchor}') END AS shipped_on
        FROM (
            SELECT i, order_id, client_id, prescription_id, period_start, budget, created_at, age, source,
                   CASE WHEN status = 'Unverified' AND source <> 'Client Portal' THEN 'Open' ELSE status END AS status
            FROM (
                SELECT i, {FIRST_ORDER_ID} + i AS order_id, client_id, prescription_id, period_start, budget, created_at,
                       date_diff('day', created_at, TIMESTAMP '{anchor} 23:59:59') AS age,
                       CASE WHEN template_on IS NOT NULL AND created_at > template_on AND rnd(i, 'rec') < 0.7
                            THEN 'Recurring'
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
                    SELECT row_number() OVER (ORDER BY created_at, key) - 1 AS i, *
                    FROM (SELECT * FROM demo_slots QUALIFY row_number() OVER (ORDER BY key) <= {int(n)})
                )
            )
        )
        """
    )
    _lines(con)
    _order_rows(con, anchor)


def _demo_products(con: Cursor) -> None:
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE demo_products AS
        SELECT *, row_number() OVER (PARTITION BY is_cannabis ORDER BY sku) AS k FROM products
        """
    )


def _lines(con: Cursor) -> None:
    """Up to three lines an order, kept while their grams fit the order's budget; a Recurring order's are its template's."""
    n_can, n_acc = fetch_one(
        con, "SELECT count(*) FILTER (is_cannabis), count(*) FILTER (NOT is_cannabis) FROM products"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE demo_lines AS
        SELECT order_id, row_number() OVER (PARTITION BY order_id ORDER BY line_no)::INTEGER AS line_no,
               sku, units, unit_price, line_discount
        FROM (
            SELECT *, sum(g) OVER (PARTITION BY order_id ORDER BY line_no) AS running
            FROM (
                SELECT o.order_id, o.budget, l.line_no, p.sku,
                       CASE WHEN p.category = 'Dried flower' THEN 1 ELSE pick(o.i * 7 + l.line_no, 'u', 2) END AS units,
                       p.unit_price,
                       CASE WHEN rnd(o.i * 7 + l.line_no, 'ld') < 0.05
                            THEN round(p.unit_price * 0.10, 2) ELSE 0 END AS line_discount,
                       (CASE WHEN p.category = 'Dried flower' THEN 1 ELSE pick(o.i * 7 + l.line_no, 'u', 2) END)
                       * p.dried_equiv_grams AS g
                FROM (SELECT i, order_id, budget, rnd(i, 'acc') < 0.04 AS accessory_only, pick(i, 'nl', 3) AS n_lines
                      FROM demo_orders WHERE source <> 'Recurring') o,
                     LATERAL (SELECT unnest(range(1, o.n_lines + 1)) AS line_no) l,
                     demo_products p
                WHERE p.is_cannabis = NOT (o.accessory_only OR (l.line_no > 1 AND rnd(o.i * 7 + l.line_no, 'la') < 0.15))
                  AND p.k = CASE WHEN p.is_cannabis THEN (pick(o.i, 'sku', {n_can}) - 1 + (l.line_no - 1) * 5) % {n_can} + 1
                                 ELSE (pick(o.i, 'acs', {n_acc}) - 1 + l.line_no - 1) % {n_acc} + 1 END
            )
        )
        WHERE running <= budget
        UNION ALL
        SELECT o.order_id, t.line_no, t.sku, t.units, p.unit_price, 0
        FROM demo_orders o
        JOIN recurring_order_lines t ON t.recurring_order_id = o.client_id AND t.units > 0
        JOIN products p USING (sku)
        WHERE o.source = 'Recurring'
        """
    )


def _order_rows(con: Cursor, anchor: dt.date) -> None:
    carriers = _list(CARRIERS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE demo_totals AS
            SELECT o.order_id, any_value(o.carrier) AS carrier,
                   sum(l.units * l.unit_price) AS subtotal,
                   sum(l.line_discount) AS line_discounts,
                   CASE WHEN rnd(any_value(o.i), 'od') < 0.05 AND any_value(o.source) <> 'Recurring'
                        THEN least(10.00, sum(l.units * l.unit_price) / 4)::DECIMAL(12,2) ELSE 0 END AS order_discount,
                   -- the policy pays its share of the cannabis lines after their discounts, never more
                   -- than what is left to pay for the products (Recurring orders: no coverage)
                   CASE WHEN any_value(cp.policy_id) IS NULL OR any_value(o.source) = 'Recurring' THEN 0
                        ELSE greatest(0, least(
                           round(any_value(cp.share) * coalesce(sum(l.units * l.unit_price - l.line_discount)
                                                                FILTER (p.is_cannabis), 0), 2),
                           sum(l.units * l.unit_price - l.line_discount) - order_discount)) END::DECIMAL(12,2) AS coverage,
                   -- the policy that pays (none for a Recurring order): the order's order_coverage row
                   CASE WHEN any_value(o.source) <> 'Recurring' THEN any_value(cp.policy_id) END AS policy_id,
                   any_value(cp.insurer) AS insurer,
                   CASE WHEN any_value(o.carrier) IS NULL OR sum(l.units * l.unit_price) >= 200
                             OR any_value(o.source) = 'Recurring' THEN 0
                        ELSE [12.50, 15.95, 18.00, 19.50, 14.25, 16.75][list_position({carriers}, any_value(o.carrier))]
                   END::DECIMAL(12,2) AS shipping,
                   CASE WHEN bool_or(p.is_cannabis)
                        THEN sum(l.units * p.dried_equiv_grams) FILTER (p.is_cannabis) END AS grams
            FROM (SELECT d.i, d.order_id, d.client_id, d.source,
                         CASE WHEN d.source = 'Recurring' THEN r.carrier
                              WHEN d.status = 'Unverified' AND rnd(d.i, 'nc') < 0.7 THEN NULL
                              WHEN d.status = 'Open' AND rnd(d.i, 'nc') < 0.5 THEN NULL
                              ELSE {carriers}[pick(d.i, 'car', {len(CARRIERS)})] END AS carrier
                  FROM demo_orders d LEFT JOIN recurring_orders r ON r.recurring_order_id = d.client_id) o
            JOIN demo_lines l USING (order_id)
            JOIN products p USING (sku)
            LEFT JOIN coverage_policies cp ON cp.client_id = o.client_id
            GROUP BY o.order_id
        """
    )
    con.execute(
        f"""
        INSERT INTO orders (order_id, client_id, source, placed_by, created_at, status, subtotal, line_discount_total,
            order_discount, coverage_amount, shipping_charge, total_due, grams, carrier, tracking_number, shipped_on,
            delivered_on, payment_method, payment_reference, return_policy_agreed, cancel_reason, archived_at,
            archive_batch, recurring_order_id, version, updated_at)  -- by name: later migrations add columns
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
        JOIN demo_totals t USING (order_id)
        ORDER BY o.order_id  -- in key order: the primary key's index builds fastest
        """
    )
    con.execute("INSERT INTO order_lines SELECT * FROM demo_lines ORDER BY order_id, line_no")
    con.execute(
        """
        INSERT INTO order_coverage (order_id, policy_id, insurer, amount, grams, note)
        SELECT order_id, policy_id, insurer, coverage, CASE WHEN coverage > 0 THEN coalesce(grams, 0) ELSE 0 END, ''
        FROM demo_totals WHERE policy_id IS NOT NULL  -- the orders' own figures, without reading the orders back
        ORDER BY order_id  -- in key order, as the orders: the indexes on the keys grow in order
        """
    )
    con.execute(
        """
        INSERT INTO recurring_generations
            (recurring_order_id, period_start, generated_at, generated_by, shipments, generated_by_email)
        SELECT client_id, period_start, created_at, ?, 1, ? FROM demo_orders WHERE source = 'Recurring'
        """,
        [JOB_ACTOR.name, JOB_ACTOR.email],
    )
    con.execute(
        """
        INSERT INTO recurring_generated_orders
        SELECT order_id, client_id, period_start, 1 FROM demo_orders WHERE source = 'Recurring'
        """
    )
    con.execute(
        "UPDATE recurring_orders r SET last_generated_order_id = o.last FROM "
        "(SELECT client_id, max(order_id) AS last FROM demo_orders WHERE source = 'Recurring' GROUP BY ALL) o "
        "WHERE o.client_id = r.recurring_order_id")
