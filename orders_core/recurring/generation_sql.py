"""The set-based SQL of recurring generation: staging what is due, packing shipments, writing orders.

Written once for DuckDB and PostgreSQL: ``?`` placeholders (each statement's parameters are listed
beside it in ``recurring_generation``), the schedule arithmetic of ``recurring_dates.sql_*``, and the
few differences asked of the cursor's dialect: ``temp_table_as`` (the staging tables live until the
transaction ends), ``date_text`` and ``grams_text`` (the sentences of events and skips). Every constant
of the rules comes in as a parameter from ``allowance``. Each function gives the statements for one
dialect (cached: the SQL text is built once per engine).
"""

from __future__ import annotations

import functools

from orders_core.recurring.dates import sql_dom_after, sql_dom_on_or_before, sql_grid_on_or_before
from orders_core.storage.dialect import Dialect

# Every enabled template due on the run's date, with its period, its next date and why it is skipped (if so)
# for a reason other than grams; ``used_grams`` is filled and the grams rule applied after the ledger rows are
# held. The run's date and the rule's constants are columns of ``due`` (so each is one parameter).
# Parameters: as_of, days_per_period, shipment_cap_grams, as_of.


@functools.cache
def stage_due(d: Dialect) -> str:
    grid_rx = sql_grid_on_or_before("valid_from", "as_of", "days_per_period")
    return d.temp_table_as("rec_due", f"""
WITH due AS (
    SELECT recurring_order_id AS rid, client_id, carrier, schedule, day_of_month, next_order_on,
           ?::DATE AS as_of, ?::INTEGER AS days_per_period, ?::DECIMAL(10,3) AS shipment_cap_grams
    FROM recurring_orders WHERE enabled AND next_order_on <= ?::DATE
    ORDER BY recurring_order_id LIMIT ?
),
rx AS (
    SELECT DISTINCT ON (client_id) client_id, grams_per_day, valid_from, valid_until
    FROM prescriptions WHERE active AND client_id IN (SELECT client_id FROM due)
    ORDER BY client_id, valid_from DESC, prescription_id DESC
),
tl AS (
    SELECT l.recurring_order_id AS rid, count(*) AS n_lines,
           sum(l.units * p.unit_price) AS subtotal,
           sum(CASE WHEN p.is_cannabis THEN l.units * p.dried_equiv_grams ELSE 0 END) AS grams,
           bool_or(p.is_cannabis) AS has_cannabis,
           max(CASE WHEN p.is_cannabis THEN p.dried_equiv_grams ELSE 0 END) AS max_unit_grams,
           bool_or(p.sku IS NULL OR NOT p.active) AS unavailable
    FROM recurring_order_lines l LEFT JOIN products p USING (sku)
    WHERE l.recurring_order_id IN (SELECT rid FROM due) AND l.units > 0
    GROUP BY l.recurring_order_id
),
base AS (
    SELECT d.*, c.name AS client, c.registration_status::VARCHAR AS registration,
           rx.grams_per_day, rx.valid_from, rx.valid_until,
           rx.grams_per_day * d.days_per_period AS allowance,
           least(rx.grams_per_day * d.days_per_period, d.shipment_cap_grams) AS cap,
           coalesce(tl.n_lines, 0) AS n_lines, coalesce(tl.subtotal, 0) AS subtotal,
           coalesce(tl.grams, 0) AS grams, coalesce(tl.has_cannabis, FALSE) AS has_cannabis,
           coalesce(tl.max_unit_grams, 0) AS max_unit_grams, coalesce(tl.unavailable, FALSE) AS unavailable,
           rx.valid_from IS NOT NULL AND rx.valid_from <= d.as_of AS rx_started
    FROM due d JOIN clients c USING (client_id)
    LEFT JOIN rx USING (client_id) LEFT JOIN tl USING (rid)
),
sched AS (
    SELECT *,
           CASE WHEN schedule = 'day_of_month' AND day_of_month IS NOT NULL
                     THEN {sql_dom_on_or_before("as_of", "day_of_month")}
                WHEN rx_started THEN {grid_rx}
                ELSE {sql_grid_on_or_before("next_order_on", "as_of", "days_per_period")} END AS period_start,
           CASE WHEN rx_started THEN {grid_rx} END AS rx_period_start
    FROM base
),
marked AS (
    SELECT s.*, EXISTS (SELECT 1 FROM recurring_generations g
                        WHERE g.recurring_order_id = s.rid AND g.period_start = s.period_start) AS already
    FROM sched s
)
SELECT m.*, CAST(0 AS DECIMAL(12,3)) AS used_grams,
       least(rx_period_start + (days_per_period - 1)::INTEGER, valid_until) AS rx_period_end,
       CASE WHEN schedule = 'day_of_month' AND day_of_month IS NOT NULL
                 THEN {sql_dom_after("period_start", "day_of_month")}
            WHEN NOT rx_started AND valid_from IS NOT NULL AND valid_from > as_of THEN valid_from
            ELSE period_start + days_per_period::INTEGER END AS next_on,
       CASE WHEN already THEN NULL
            WHEN registration <> 'Approved'
                 THEN 'Registration is ' || registration || ', not Approved.'
            WHEN valid_from IS NULL THEN 'The client has no prescription.'
            WHEN valid_until < as_of THEN 'The prescription expired on ' || {d.date_text("valid_until")} || '.'
            WHEN valid_from > as_of
                 THEN 'The prescription is not valid until ' || {d.date_text("valid_from")} || '.'
            WHEN n_lines = 0 THEN 'The recurring order has no products.'
            WHEN unavailable THEN 'A product on the recurring order is no longer sold.'
       END::VARCHAR AS skip_reason
FROM marked m
""")


# Grams the client's other orders already count in the prescription period holding the run's date.
# Parameters: released_statuses.
STAGE_USED = """
UPDATE rec_due SET used_grams = u.used_grams
FROM (
    SELECT x.rid, sum(o.grams) AS used_grams
    FROM rec_due x JOIN orders o ON o.client_id = x.client_id
    WHERE x.rx_period_start IS NOT NULL AND o.grams IS NOT NULL
      AND o.status::VARCHAR NOT IN (SELECT unnest(?::VARCHAR[])) AND o.replaces_return_id IS NULL
      AND o.created_at >= x.rx_period_start AND o.created_at < x.rx_period_end + INTERVAL '1 day'
    GROUP BY x.rid
) u
WHERE rec_due.rid = u.rid
"""


@functools.cache
def stage_lines(d: Dialect) -> tuple[str, ...]:
    """The lines of every template that generates, each assigned to its shipment (1 unless over the cap).
    No parameters."""
    return (
        d.temp_table_as("rec_lines", """
SELECT d.rid, l.line_no, l.sku, l.units, p.unit_price, p.is_cannabis,
       CASE WHEN p.is_cannabis THEN p.dried_equiv_grams ELSE 0 END AS g,
       d.grams > d.cap AS split
FROM rec_due d
JOIN recurring_order_lines l ON l.recurring_order_id = d.rid AND l.units > 0
JOIN products p USING (sku)
WHERE d.skip_reason IS NULL AND NOT d.already
"""),
        d.temp_table_as("rec_units", """
SELECT l.rid, l.line_no, l.g,
       row_number() OVER (PARTITION BY l.rid ORDER BY l.line_no, k.k) AS idx
FROM rec_lines l CROSS JOIN LATERAL generate_series(1, l.units) AS k(k)
WHERE l.split AND l.g > 0
"""),
        d.temp_table_as("rec_ship_lines", """
WITH RECURSIVE pack(rid, idx, shipment_no, load) AS (
    SELECT rid, idx, 1, g::DECIMAL(14,3) FROM rec_units WHERE idx = 1
    UNION ALL
    SELECT u.rid, u.idx,
           p.shipment_no + CASE WHEN p.load + u.g > d.cap THEN 1 ELSE 0 END,
           (CASE WHEN p.load + u.g > d.cap THEN u.g ELSE p.load + u.g END)::DECIMAL(14,3)
    FROM pack p
    JOIN rec_units u ON u.rid = p.rid AND u.idx = p.idx + 1
    JOIN rec_due d ON d.rid = p.rid
),
packed AS (
    SELECT u.rid, p.shipment_no, u.line_no, count(*)::INTEGER AS units
    FROM pack p JOIN rec_units u USING (rid, idx)
    GROUP BY u.rid, p.shipment_no, u.line_no
)
SELECT l.rid, coalesce(k.shipment_no, 1) AS shipment_no, l.line_no, l.sku,
       coalesce(k.units, l.units) AS units, l.unit_price, l.is_cannabis, l.g
FROM rec_lines l
LEFT JOIN packed k ON k.rid = l.rid AND k.line_no = l.line_no AND l.split AND l.g > 0
"""),
        d.temp_table_as("rec_shipments", """
SELECT rid, shipment_no, count(*) OVER (PARTITION BY rid) AS shipments,
       sum_amount, grams
FROM (
    SELECT rid, shipment_no, sum(units * unit_price) AS sum_amount,
           CASE WHEN bool_or(is_cannabis) THEN sum(units * g) FILTER (WHERE is_cannabis) END AS grams
    FROM rec_ship_lines GROUP BY rid, shipment_no
) s
"""),
    )


# The writes, in order; each with the names of its parameters (``recurring_generation.write_params``).
ADVANCE = """
UPDATE recurring_orders r
SET next_order_on = d.next_on,
    last_skip_reason = CASE WHEN d.skip_reason IS NOT NULL THEN d.skip_reason
                            WHEN d.already THEN r.last_skip_reason END,
    last_skip_at = CASE WHEN d.skip_reason IS NOT NULL THEN now()::TIMESTAMP
                        WHEN d.already THEN r.last_skip_at END,
    updated_at = now()::TIMESTAMP
FROM rec_due d WHERE r.recurring_order_id = d.rid
"""

# The key (recurring_order_id, period_start) makes a template's period generate once: written through
# ``db.claim_key``, so a concurrent run that took the key makes this one retry (and find nothing due).
GENERATIONS = """
INSERT INTO recurring_generations
    (recurring_order_id, period_start, generated_at, generated_by, shipments, generated_by_email)
SELECT rid, period_start, now()::TIMESTAMP, ?::VARCHAR, coalesce(max(s.shipments), 1), ?::VARCHAR
FROM rec_due d LEFT JOIN rec_shipments s USING (rid)
WHERE d.skip_reason IS NULL AND NOT d.already
GROUP BY rid, period_start
"""
GENERATIONS_PARAMS = ("actor", "actor_email")

SKIPS = """
INSERT INTO recurring_skips
    (recurring_order_id, period_start, skipped_at, skipped_by, reason, skipped_by_email)
SELECT rid, period_start, now()::TIMESTAMP, ?::VARCHAR, skip_reason, ?::VARCHAR
FROM rec_due WHERE skip_reason IS NOT NULL
ON CONFLICT (recurring_order_id, period_start) DO UPDATE SET
    skipped_at = excluded.skipped_at, skipped_by = excluded.skipped_by, reason = excluded.reason,
    skipped_by_email = excluded.skipped_by_email
"""
SKIPS_PARAMS = ("actor", "actor_email")


@functools.cache
def new_orders(d: Dialect) -> str:
    return d.temp_table_as("rec_new_orders", """
SELECT s.*, d.client_id, d.carrier, d.period_start, nextval('order_ids') AS order_id
FROM rec_shipments s JOIN rec_due d USING (rid)
""")


ORDERS = """
INSERT INTO orders (order_id, client_id, source, placed_by, created_at, status, subtotal,
    line_discount_total, order_discount, coverage_amount, shipping_charge, total_due, grams, carrier,
    return_policy_agreed, recurring_order_id, version, updated_at)
SELECT order_id, client_id, 'Recurring', ?::VARCHAR, ?::TIMESTAMP, 'Open', sum_amount,
       0, 0, 0, 0, sum_amount, grams, carrier, FALSE, rid, 1, now()::TIMESTAMP
FROM rec_new_orders
"""
ORDERS_PARAMS = ("placed_by", "created_at")

LINES = """
INSERT INTO order_lines (order_id, line_no, sku, units, unit_price, line_discount)
SELECT n.order_id, row_number() OVER (PARTITION BY n.order_id ORDER BY l.line_no), l.sku, l.units, l.unit_price, 0
FROM rec_ship_lines l JOIN rec_new_orders n USING (rid, shipment_no)
"""

GENERATED_ORDERS = """
INSERT INTO recurring_generated_orders (order_id, recurring_order_id, period_start, shipment_no)
SELECT order_id, rid, period_start, shipment_no FROM rec_new_orders
"""


@functools.cache
def events(d: Dialect) -> str:
    """The 'created' event of every new order. Parameters: actor, actor_email."""
    return f"""
INSERT INTO order_events (event_id, order_id, event_at, actor, kind, details, actor_email)
SELECT nextval('event_ids'), n.order_id, now()::TIMESTAMP, ?::VARCHAR, 'created',
       'Order generated from recurring order #' || n.rid || ' for the period starting '
       || {d.date_text("n.period_start")}
       || CASE WHEN n.shipments > 1 THEN ' (shipment ' || n.shipment_no || ' of ' || n.shipments
               || ', each within the shipment cap)' ELSE '' END
       || ': ' || l.items || '; ' || coalesce({d.grams_text("n.grams")} || ' g', 'no cannabis')
       || '; Total Due $' || n.sum_amount::DECIMAL(12,2)::VARCHAR
       || '. Policy coverage and shipping are applied when a CSR reviews the order.',
       ?::VARCHAR
FROM rec_new_orders n
JOIN (SELECT rid, shipment_no, string_agg(units || ' x ' || sku, '; ' ORDER BY line_no) AS items
      FROM rec_ship_lines GROUP BY rid, shipment_no) l USING (rid, shipment_no)
"""


EVENTS_PARAMS = ("actor", "actor_email")

LAST_GENERATED = """
UPDATE recurring_orders r SET last_generated_order_id = n.order_id
FROM (SELECT rid, max(order_id) AS order_id FROM rec_new_orders GROUP BY rid) n
WHERE r.recurring_order_id = n.rid
"""


PLAN_SQL = """
SELECT d.client AS "Client", d.client_id AS "Client ID", d.rid AS "Recurring Order",
       d.next_order_on AS "Due On", d.period_start AS "Period Start", coalesce(s.shipments, 0) AS "Orders",
       CASE WHEN d.has_cannabis THEN d.grams END AS "Grams", d.subtotal AS "Total Due",
       d.next_on AS "Next Order On", d.skip_reason IS NOT NULL AS "Skipped",
       CASE WHEN d.skip_reason IS NOT NULL THEN 'Skip: ' || d.skip_reason
            WHEN d.already THEN 'Already generated for this period'
            WHEN s.shipments > 1 THEN 'Generate ' || s.shipments || ' shipments within the cap'
            ELSE 'Generate' END AS "Action"
FROM rec_due d
LEFT JOIN (SELECT rid, max(shipments) AS shipments FROM rec_shipments GROUP BY rid) s USING (rid)
ORDER BY d.skip_reason IS NOT NULL, d.next_order_on, d.client
"""
