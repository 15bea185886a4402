"""``orders-core check``: verify the whole database and list every breach in plain words.

Each check is one SQL query over the whole database that returns one row per breach: what it is
about (an order, a client, a template) and a sentence saying what is wrong. ``check(cur)`` runs
them all; the command prints every sentence and exits 0 only when there is none.

Decisions (where the requirements are silent):
- An order's grams are recomputed from its lines and the products' dried equivalents now (lines
  keep the price they were sold at but not the product's equivalent then).
- An order counts against the 30-day period of the prescription valid on the day it was created
  (the latest-starting active one when several are); cancelled orders do not count. Orders made
  outside every prescription are not an allowance breach here (creating one is refused anyway).
- Unverified orders are left out of the allowance and shipment-cap checks: a Client Portal order
  over the allowance arrives Unverified with its reasons and cannot be verified while
  they hold; the orders a CSR accepted (Open and later) must fit.
- Coverage: an order's ``coverage_amount`` must equal the sum of its ``order_coverage`` rows; an
  order covered without any row (older data a policy cannot be found for) is listed.
- Beyond the first list of checks: an order over its shipment cap (the lesser of 30 x grams/day and 150 g
  of the prescription valid that day), an order without lines, and an order or template whose
  carrier is not one of ours (the schema has no foreign key there, see ``schema``).
- Returns (``orders_core.returns``): a line's units returned never exceed its units shipped; the client's
  refunds never exceed what they paid (Total Due), nor what a policy is given back what it paid; a
  replacement holds at most 150 g (s. 293(1)) for a return of the same client, one per return; the order's
  running return totals match its returns.
- The breaches' sentences name clients and quote their prescriptions' grams (personal health
  information), so the command prints them only ``--as`` a staff member whose role may see client
  records. Without ``--as`` it still checks the whole database and exits the same way, but
  prints each breach as its kind and record number only ("allowance: client 1042"), which holds no
  personal information: an operator or a CI job can verify a database without acting as anyone. A
  ``--as`` that is not an active staff member with that right is refused in one sentence.

The checks are written once for DuckDB and PostgreSQL, without DuckDB's shorthands
(``QUALIFY``, ``GROUP BY ALL``, ``ANTI JOIN``, ``arg_max``, ``//``, ``any_value``, a subquery without an
alias): the prescription an order counts under is ``row_number() = 1`` in a subquery, the last archive
event ``DISTINCT ON``, a period's start ``day - (day - valid_from) % 30``. The one difference, a date as
text, is ``dialect.date_text``. A sentence reads the same on both engines (the shipment cap is a
``DECIMAL(6,2)`` on both, "150.00 g").
"""

from __future__ import annotations

from dataclasses import dataclass

from orders_core.reports import rollup as metrics_rollup
from orders_core.rules.allowance import DAYS_PER_PERIOD, REPLACEMENT_LIMIT_GRAMS, SHIPMENT_CAP_GRAMS
from orders_core.staff.verification import verify
from orders_core.storage import (
    client_search,
    dialect,
    order_days,
    order_summaries,
    sales_days,
    tracking_grams,
)
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_value
from orders_core.storage.transactions import run_write


@dataclass(frozen=True)
class Breach:
    check: str
    subject: str
    sentence: str


_LINE_TOTALS = """
    SELECT l.order_id, sum(l.units * l.unit_price) AS subtotal, sum(l.line_discount) AS line_discounts,
           CASE WHEN bool_or(p.is_cannabis) THEN sum(l.units * p.dried_equiv_grams) FILTER (WHERE p.is_cannabis) END AS grams
    FROM order_lines l JOIN products p USING (sku) GROUP BY l.order_id
"""

# The prescription each order counts under: the latest-starting active one valid on its day.
_ORDER_RX = """
    SELECT * FROM (
        SELECT o.order_id, o.client_id, o.created_at::DATE AS day, o.status, o.grams, o.replaces_return_id,
               rx.prescription_id, rx.valid_from, rx.valid_until, rx.grams_per_day,
               row_number() OVER (PARTITION BY o.order_id ORDER BY rx.valid_from DESC, rx.prescription_id DESC) AS rank
        FROM orders o
        JOIN prescriptions rx ON rx.client_id = o.client_id AND rx.active
         AND o.created_at::DATE BETWEEN rx.valid_from AND rx.valid_until
    ) ranked WHERE rank = 1
"""


def checks(d: dialect.Dialect) -> dict[str, str]:
    """Each check's name and query, in ``d``'s dialect."""
    return {
    "order totals": f"""
        WITH t AS ({_LINE_TOTALS}),
             c AS (SELECT order_id, sum(amount) AS covered, count(*) AS n FROM order_coverage GROUP BY order_id)
        SELECT 'order ' || o.order_id,
               'Order ' || o.order_id || ': ' || concat_ws('; ',
                 CASE WHEN t.order_id IS NULL THEN 'it has no lines' END,
                 CASE WHEN o.subtotal <> coalesce(t.subtotal, 0)
                      THEN 'the subtotal is $' || o.subtotal || ' but its lines add up to $' || coalesce(t.subtotal, 0) END,
                 CASE WHEN o.line_discount_total <> coalesce(t.line_discounts, 0)
                      THEN 'the line discounts are $' || o.line_discount_total || ' but its lines say $'
                           || coalesce(t.line_discounts, 0) END,
                 CASE WHEN o.grams IS DISTINCT FROM t.grams
                      THEN 'it holds ' || coalesce(o.grams::VARCHAR || ' g', 'no cannabis') || ' but its lines hold '
                           || coalesce(t.grams::VARCHAR || ' g', 'no cannabis') END,
                 CASE WHEN c.order_id IS NULL AND o.coverage_amount > 0
                      THEN 'its coverage of $' || o.coverage_amount || ' has no policy that paid it'
                      WHEN o.coverage_amount <> coalesce(c.covered, 0)
                      THEN 'its coverage is $' || o.coverage_amount || ' but its policies paid $' || c.covered END,
                 CASE WHEN o.total_due <> greatest(o.subtotal - o.line_discount_total - o.order_discount
                                                   - o.coverage_amount + o.shipping_charge, 0)
                      THEN 'Total Due is $' || o.total_due || ' but its money adds up to $'
                           || greatest(o.subtotal - o.line_discount_total - o.order_discount - o.coverage_amount
                                       + o.shipping_charge, 0) END
               ) || '.'
        FROM orders o LEFT JOIN t USING (order_id) LEFT JOIN c USING (order_id)
        WHERE t.order_id IS NULL OR o.subtotal <> t.subtotal OR o.line_discount_total <> t.line_discounts
           OR o.grams IS DISTINCT FROM t.grams
           OR o.coverage_amount <> coalesce(c.covered, 0)
           OR o.total_due <> greatest(o.subtotal - o.line_discount_total - o.order_discount - o.coverage_amount
                                      + o.shipping_charge, 0)
        ORDER BY o.order_id
    """,
    "period allowance": f"""
        SELECT 'client ' || x.client_id,
               'Client ' || x.client_id || ' (' || c.name || '): ' || x.used || ' g in the prescription period '
               || {d.date_text('x.start')} || ' to '
               || {d.date_text(f'least(x.start + {DAYS_PER_PERIOD - 1}, x.valid_until)')}
               || ', over the ' || x.allowance || ' g it allows (orders ' || x.orders || ').'
        FROM (
            SELECT client_id, prescription_id,
                   day - ((day - valid_from) % {DAYS_PER_PERIOD})::INTEGER AS start,
                   max(valid_until) AS valid_until,  -- one value per prescription
                   max(grams_per_day) * {DAYS_PER_PERIOD} AS allowance, sum(grams) AS used,
                   string_agg(order_id::VARCHAR, ', ' ORDER BY order_id) AS orders
            FROM ({_ORDER_RX}) rx WHERE status NOT IN ('Cancelled', 'Unverified') AND grams IS NOT NULL
              AND replaces_return_id IS NULL
            GROUP BY client_id, prescription_id, day - ((day - valid_from) % {DAYS_PER_PERIOD})::INTEGER
            HAVING sum(grams) > max(grams_per_day) * {DAYS_PER_PERIOD}
        ) x JOIN clients c USING (client_id)
        ORDER BY x.client_id, x.start
    """,
    "shipment cap": f"""
        SELECT 'order ' || order_id,
               'Order ' || order_id || ' holds ' || grams || ' g, over the shipment cap of '
               || least(grams_per_day * {DAYS_PER_PERIOD}, {SHIPMENT_CAP_GRAMS}::DECIMAL(6, 2)) || ' g.'
        FROM ({_ORDER_RX}) rx
        WHERE status NOT IN ('Cancelled', 'Unverified') AND replaces_return_id IS NULL
          AND grams > least(grams_per_day * {DAYS_PER_PERIOD}, {SHIPMENT_CAP_GRAMS}::DECIMAL(6, 2))
        ORDER BY order_id
    """,
    "created event": """
        SELECT 'order ' || o.order_id, 'Order ' || o.order_id || ' has no "created" event.'
        FROM orders o
        WHERE NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.order_id AND e.kind = 'created')
        ORDER BY o.order_id
    """,
    "archive event": """
        SELECT 'order ' || o.order_id,
               'Order ' || o.order_id || ' is archived but its history has no "archived" event after the last '
               || '"unarchived" one.'
        FROM orders o
        LEFT JOIN (SELECT DISTINCT ON (order_id) order_id, kind AS last FROM order_events
                   WHERE kind IN ('archived', 'unarchived') ORDER BY order_id, event_at DESC, event_id DESC) e
             USING (order_id)
        WHERE o.archived_at IS NOT NULL AND e.last IS DISTINCT FROM 'archived'
        ORDER BY o.order_id
    """,
    "template lines": """
        SELECT 'template ' || r.recurring_order_id,
               'Recurring order ' || r.recurring_order_id || ' (client ' || r.client_id || ') has no lines.'
        FROM recurring_orders r
        WHERE NOT EXISTS (SELECT 1 FROM recurring_order_lines l
                          WHERE l.recurring_order_id = r.recurring_order_id AND l.units > 0)
        ORDER BY r.recurring_order_id
    """,
    "carriers": """
        SELECT 'order ' || order_id, 'Order ' || order_id || '''s carrier ''' || carrier || ''' is not one of ours.'
        FROM orders WHERE carrier IS NOT NULL AND carrier NOT IN (SELECT name FROM carriers)
        UNION ALL
        SELECT 'template ' || recurring_order_id,
               'Recurring order ' || recurring_order_id || '''s carrier ''' || carrier || ''' is not one of ours.'
        FROM recurring_orders WHERE carrier IS NOT NULL AND carrier NOT IN (SELECT name FROM carriers)
    """,
    } | _RETURN_CHECKS | ({"order counts": _ORDER_COUNTS} if d.order_counts_tables else {}) \
      | ({"order days": order_days.CHECK} if d.order_days_tables else {}) \
      | ({s.table: s.check for s in order_summaries.SUMMARIES} if d.search_counts_tables else {}) \
      | ({sales_days.TABLE: sales_days.CHECK} if d.sales_days_tables else {}) \
      | ({client_search.TABLE: client_search.CHECK} if d.client_search_tables else {})


# Returns, refunds and replacements (``orders_core.returns``): what no write of the module can leave behind.
_RETURN_CHECKS = {
    "returned units": """
        SELECT 'order ' || l.order_id,
               'Order ' || l.order_id || ', line ' || l.line_no || ' (' || l.sku || '): ' || r.units
               || ' units came back but ' || l.units || ' were shipped.'
        FROM order_lines l JOIN (SELECT order_id, line_no, sum(units) AS units FROM order_return_lines
                                 GROUP BY order_id, line_no) r USING (order_id, line_no)
        WHERE r.units > l.units
        UNION ALL
        SELECT 'return ' || r.return_id, 'Return ' || r.return_id || ' names line ' || r.line_no || ' of order '
               || r.order_id || ', which has no such line of ' || r.sku || '.'
        FROM order_return_lines r
        WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = r.order_id AND l.line_no = r.line_no
                          AND l.sku = r.sku)
    """,
    "refunds": """
        SELECT 'order ' || o.order_id,
               'Order ' || o.order_id || ': the client was refunded $' || f.client || ' but paid $' || o.total_due || '.'
        FROM orders o JOIN (SELECT order_id, sum(client_amount + shipping_amount) AS client FROM order_refunds
                            GROUP BY order_id) f USING (order_id)
        WHERE f.client > o.total_due
        UNION ALL
        SELECT 'order ' || c.order_id,
               'Order ' || c.order_id || ': ' || c.insurer || ' (policy ' || c.policy_id || ') was given back $' || g.back
               || ' but paid $' || c.amount || '.'
        FROM order_coverage c JOIN (SELECT order_id, policy_id, sum(amount) AS back FROM order_refund_policies
                                    GROUP BY order_id, policy_id) g USING (order_id, policy_id)
        WHERE g.back > c.amount
        UNION ALL
        SELECT 'refund ' || f.refund_id, 'Refund ' || f.refund_id || ' gives $' || f.insurer_amount
               || ' back to insurers but its policies were given $' || coalesce(p.back, 0) || '.'
        FROM order_refunds f LEFT JOIN (SELECT refund_id, sum(amount) AS back FROM order_refund_policies
                                        GROUP BY refund_id) p USING (refund_id)
        WHERE f.insurer_amount <> coalesce(p.back, 0)
    """,
    "replacements": f"""
        SELECT 'order ' || o.order_id,
               'Order ' || o.order_id || ' replaces return ' || o.replaces_return_id || CASE
                 WHEN r.return_id IS NULL THEN ', which does not exist.'
                 WHEN x.client_id <> o.client_id THEN ' of another client''s order.'
                 ELSE ' with ' || o.grams || ' g, over the {REPLACEMENT_LIMIT_GRAMS} g a replacement may hold.' END
        FROM orders o LEFT JOIN order_returns r ON r.return_id = o.replaces_return_id
             LEFT JOIN orders x ON x.order_id = r.order_id
        WHERE o.replaces_return_id IS NOT NULL
          AND (r.return_id IS NULL OR x.client_id <> o.client_id OR o.grams > {REPLACEMENT_LIMIT_GRAMS})
        UNION ALL
        SELECT 'return ' || replaces_return_id, 'Return ' || replaces_return_id || ' is replaced by '
               || count(*) || ' orders; a return has one replacement.'
        FROM orders WHERE replaces_return_id IS NOT NULL GROUP BY replaces_return_id HAVING count(*) > 1
    """,
    "return totals": """
        SELECT 'order ' || s.order_id, 'Order ' || s.order_id || ': its return totals say ' || s.units_returned
               || ' units came back, but its returns hold ' || coalesce(r.units, 0) || '.'
        FROM order_return_state s LEFT JOIN (SELECT order_id, sum(units) AS units FROM order_return_lines
                                             GROUP BY order_id) r USING (order_id)
        WHERE s.units_returned <> coalesce(r.units, 0)
    """,
}


# PostgreSQL's summary of the orders (``dialect.order_counts``, kept by triggers) against the orders themselves.
_ORDER_COUNTS = """
    WITH actual AS (SELECT archived_at IS NOT NULL AS archived, status, count(*) AS n FROM orders GROUP BY 1, 2),
         kept AS (SELECT archived, status, sum(n) AS n FROM order_counts GROUP BY 1, 2)
    SELECT 'order counts', 'The Orders index counts ' || coalesce(k.n, 0) || CASE WHEN archived THEN ' archived '
           ELSE ' unarchived ' END || status::VARCHAR || ' orders (order_counts) but there are ' || coalesce(a.n, 0) || '.'
    FROM actual a FULL JOIN kept k USING (archived, status)
    WHERE coalesce(a.n, 0) <> coalesce(k.n, 0)
    ORDER BY archived, status
"""


def recount_summaries(cur, person) -> str:
    """Count the summaries of the orders afresh, as an Administrator; the sentence says what.

    PostgreSQL's ``order_counts``: the triggers keep it exact in every writer's transaction, but a restore
    with ``pg_restore --disable-triggers`` (or a session with ``session_replication_role = replica``) writes
    orders past them, and ``check`` then lists the difference. The recount locks ``orders`` against writers
    (SHARE: readers go on) while it counts, so no write falls between the count and the table: a few hundred
    milliseconds, and ``sales_days`` (orders, lines, clients and products locked) about a minute at
    10,000,000 orders. DuckDB's signatures of the tracking numbers (``storage.tracking_grams``) are
    written afresh. The Metrics page's daily summaries (``metrics_rollup``, both engines) are written afresh
    too: a write past the orders module that changes an order without its version leaves them describing
    the order as it was, and ``check`` lists those days. It changes no order, so it records no order event;
    only an Administrator may run it (``recount``)."""
    verify(cur, person, "recount")
    said = []
    if dialect.of(cur).order_counts_tables:
        def work(c) -> int:
            c.execute("LOCK TABLE orders, order_lines, clients, products, product_classes IN SHARE MODE")
            c.execute(dialect.ORDER_COUNTS_FILL)
            c.execute(order_days.FILL)
            c.execute(order_summaries.FILL)
            c.execute(sales_days.FILL)
            c.execute(client_search.FILL)
            return int(fetch_value(c, "SELECT coalesce(sum(n), 0) FROM order_counts"))

        said.append(f"Recounted the Orders index's summary: {run_write(cur, work):,} orders.")
    if dialect.of(cur).tracking_grams_tables:
        tracked = run_write(cur, tracking_grams.fill)
        said.append(f"Wrote the tracking numbers' search signatures afresh: {tracked:,} orders.")
    said.append(f"Wrote the Metrics page's daily summaries afresh: {metrics_rollup.rebuild(cur):,} days.")
    return " ".join(said)


def check(cur: Cursor) -> list[Breach]:
    """Every breach in the database (empty: it is clean)."""
    breaches = []
    for name, sql in checks(dialect.of(cur)).items():
        breaches += [Breach(name, subject, sentence) for subject, sentence in cur.execute(sql).fetchall()]
    if dialect.of(cur).tracking_grams_tables:
        breaches += [Breach("tracking search", f"order {order_id}",
                            f"Order {order_id}'s tracking number is not in the search's signatures as it is now "
                            "(tracking_grams), so a search may miss it; `orders-core check --recount --as "
                            "ADMIN_EMAIL` writes them again.") for order_id in tracking_grams.mismatches(cur)]
    for table, day in metrics_rollup.mismatches(cur):
        breaches.append(Breach("metrics summaries", f"day {day:%Y-%m-%d}",
                               f"The Metrics page's summary of {day:%Y-%m-%d} ({table}) does not match that day's "
                               "orders; `orders-core check --recount --as ADMIN_EMAIL` writes the summaries again."))
    return breaches
