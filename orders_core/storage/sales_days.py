"""PostgreSQL's kept sales per ship day (``sales_days``, migration 17), which the monthly CTLS sales report sums
instead of reading every line the month shipped (``reports.monthly.figures``).

At 10,000,000 orders the demo's busiest month shipped 777,571 orders (1,539,411 lines), and PostgreSQL took
4.6 s to join, group and count them on this 2-core machine (DuckDB: 0.27 s); the report must take under 2 s.
This table holds, per ship day, province, CTLS category and SKU, exactly what the report sums over those lines:
units, net content (units x the product's net content), value (units x unit price - line discount), the
number of lines, and ``orders``: the orders for which this SKU is the first (by SKU, then line number) of the
order's SKUs in this category, so that summing ``orders`` over a category's SKUs counts each order once. A
month is then a sum over a few thousand rows.

What counts: as the report's own query, an order with status Shipped or Delivered and a ship day, its lines
and its client's province now. Every line is kept, also those of products that are not cannabis (under the
category ``''``, which the report leaves out), so the table says which SKUs were ever shipped.

Kept exact by statement triggers, in each writer's own transaction (a rollback takes the change back):
- ``orders``: an order inserted, deleted, or whose status, ship day or client changed: its old row's part is
  taken away and its new row's added (the other columns leave it as it was);
- ``order_lines``: for the orders whose lines a statement changed, if any of them counts: their part with the
  lines as they were (the lines now, less the statement's new rows, plus its old rows) is taken away and
  their part with the lines now is added;
- ``clients``: a province changed moves that client's part;
- ``products`` (category, cannabis or not, net content) and ``product_classes``: a change to a product that
  was ever shipped counts the table afresh (``FILL``: about a minute at 10,000,000 orders, while it holds
  the catalogue edit; a reclassification of a product already sold is rare, and it changes the past months'
  figures, which the Reports page then shows as changed since submitted). A product that was never shipped
  changes nothing here.
- A TRUNCATE of ``orders`` or ``order_lines`` empties it.

The CTLS category of each product comes from the one mapping (``rules.ctls_categories``) as it is when the
triggers are made; a change to that mapping is a migration that makes the functions again and counts the
table afresh. ``orders-core check`` compares the table with the orders (``CHECK``),
and ``check --recount`` counts it afresh. DuckDB keeps no such table: its report reads the lines (0.27 s).

Decisions: a key's row stays when its part falls to 0 (the report keeps only rows with lines); the upsert
takes the changed keys in their order, so two writers never wait on each other's rows crosswise.
"""

from __future__ import annotations

from orders_core.rules.ctls_categories import product_category_sql
from orders_core.storage.triggers import on_every_write

TABLE = "sales_days"
TABLES = (TABLE,)
KEY = "shipped_on, province, ctls_category, sku"
SUMS = ("units", "net", "value", "lines", "orders")
SHIPPED = "o.shipped_on IS NOT NULL AND o.status IN ('Shipped', 'Delivered')"

# Each product's CTLS category ('' for a product that is not cannabis) and net content, from the one mapping.
KINDS = f"""(SELECT p.sku, CASE WHEN p.is_cannabis
                         THEN {product_category_sql()}
                         ELSE '' END AS ctls_category, p.net_content
             FROM products p LEFT JOIN product_classes pc ON pc.sku = p.sku)"""


def part(orders: str, lines: str, clients: str = "clients", sign: str = "") -> str:
    """SQL of the rows the ``orders`` (a relation with the orders' columns) add with ``lines`` and the
    ``clients``' provinces, one per line, negated with ``sign='-'`` (our own relation names only)."""
    return f"""
            SELECT o.shipped_on, c.province, k.ctls_category, l.sku,
                   {sign}l.units::BIGINT AS units, {sign}(l.units * k.net_content) AS net,
                   {sign}(l.units * l.unit_price - l.line_discount) AS value, {sign}1 AS lines,
                   CASE WHEN row_number() OVER (PARTITION BY o.order_id, k.ctls_category ORDER BY l.sku, l.line_no) = 1
                        THEN {sign}1 ELSE 0 END AS orders
            FROM {orders} o JOIN {lines} l ON l.order_id = o.order_id
            JOIN {clients} c ON c.client_id = o.client_id
            JOIN {KINDS} k ON k.sku = l.sku
            WHERE {SHIPPED}"""


def _apply(*parts: str) -> str:
    """Add the parts' sums to the table, one upsert per changed key, in the key's order."""
    sums = ", ".join(f"sum({s})" for s in SUMS)
    changed = " OR ".join(f"sum({s}) <> 0" for s in SUMS)
    update = ", ".join(f"{s} = t.{s} + excluded.{s}" for s in SUMS)
    union = "\n            UNION ALL".join(parts)
    return f"""
        INSERT INTO {TABLE} AS t
        SELECT {KEY}, {sums} FROM ({union}
        ) d GROUP BY {KEY} HAVING {changed} ORDER BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET {update};"""


FILL = f"DELETE FROM {TABLE};\n{_apply(part('orders', 'order_lines'))}\n"

_CHANGED_ORDERS = """(SELECT o.* FROM {rows} o JOIN (
                SELECT n.order_id FROM new_rows n JOIN old_rows p USING (order_id)
                WHERE (n.status, n.shipped_on, n.client_id) IS DISTINCT FROM (p.status, p.shipped_on, p.client_id)
            ) x USING (order_id))"""
# the orders a statement on order_lines touched that count, and their lines before it
_LINE_ORDERS = "(SELECT o.* FROM orders o WHERE o.order_id IN (SELECT order_id FROM {touched}) AND {shipped})"
_LINES_BEFORE = """(SELECT l.* FROM order_lines l
                WHERE l.order_id IN (SELECT order_id FROM {touched})
                  AND NOT EXISTS (SELECT 1 FROM {new} n WHERE n.order_id = l.order_id AND n.line_no = l.line_no)
                UNION ALL SELECT * FROM {old} p)"""


def _lines_change(touched: str, new: str, old: str) -> str:
    orders = _LINE_ORDERS.format(touched=touched, shipped=SHIPPED)
    before = _LINES_BEFORE.format(touched=touched, new=new, old=old)
    return f"""
            IF EXISTS {orders} THEN{_apply(part(orders, 'order_lines'), part(orders, before, sign='-'))}
            END IF;"""


_NONE = "(SELECT * FROM order_lines WHERE false)"
_PRODUCT_CHANGED = f"""EXISTS (SELECT 1 FROM new_rows n JOIN old_rows p USING (sku)
                          WHERE (n.category, n.is_cannabis, n.net_content)
                                IS DISTINCT FROM (p.category, p.is_cannabis, p.net_content)
                            AND n.sku IN (SELECT sku FROM {TABLE}))"""
_CLASS_CHANGED = f"EXISTS (SELECT 1 FROM {{rows}} r WHERE r.sku IN (SELECT sku FROM {TABLE}))"


def _function(name: str, body: str) -> str:
    return f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN{body}
            RETURN NULL;
        END $$;"""


_ON_ORDERS = _function(f"{TABLE}_orders", f"""
            IF TG_OP = 'INSERT' THEN{_apply(part('new_rows', 'order_lines'))}
            ELSIF TG_OP = 'DELETE' THEN{_apply(part('old_rows', 'order_lines', sign='-'))}
            ELSIF TG_OP = 'UPDATE' THEN{_apply(part(_CHANGED_ORDERS.format(rows='new_rows'), 'order_lines'),
                                                part(_CHANGED_ORDERS.format(rows='old_rows'), 'order_lines', sign='-'))}
            ELSE
                DELETE FROM {TABLE};
            END IF;""")
_ON_LINES = _function(f"{TABLE}_lines", f"""
            IF TG_OP = 'INSERT' THEN{_lines_change('new_rows', 'new_rows', _NONE)}
            ELSIF TG_OP = 'DELETE' THEN{_lines_change('old_rows', _NONE, 'old_rows')}
            ELSIF TG_OP = 'UPDATE' THEN{_lines_change('(SELECT order_id FROM new_rows UNION SELECT order_id FROM old_rows) t',
                                                      'new_rows', 'old_rows')}
            ELSE
                DELETE FROM {TABLE};
            END IF;""")
_MOVED = """(SELECT o.* FROM orders o WHERE o.client_id IN (
                SELECT n.client_id FROM new_rows n JOIN old_rows p USING (client_id) WHERE n.province <> p.province))"""
_ON_CLIENTS = _function(f"{TABLE}_clients", _apply(part(_MOVED, "order_lines", "new_rows"),
                                                    part(_MOVED, "order_lines", "old_rows", sign="-")))
_ON_PRODUCTS = _function(f"{TABLE}_products", f"""
            IF {_PRODUCT_CHANGED} THEN
                {FILL}
            END IF;""")
_NEW_CLASS, _OLD_CLASS = _CLASS_CHANGED.format(rows="new_rows"), _CLASS_CHANGED.format(rows="old_rows")
_ON_CLASSES = _function(f"{TABLE}_classes", f"""
            IF TG_OP = 'TRUNCATE' THEN
                {FILL}
            ELSIF TG_OP = 'INSERT' THEN
                IF {_NEW_CLASS} THEN {FILL} END IF;
            ELSIF TG_OP = 'DELETE' THEN
                IF {_OLD_CLASS} THEN {FILL} END IF;
            ELSIF {_NEW_CLASS} OR {_OLD_CLASS} THEN
                {FILL}
            END IF;""")

DDL = (f"""
        CREATE TABLE IF NOT EXISTS {TABLE} (
            shipped_on DATE NOT NULL, province VARCHAR NOT NULL, ctls_category VARCHAR NOT NULL, sku VARCHAR NOT NULL,
            units BIGINT NOT NULL, net NUMERIC NOT NULL, value NUMERIC NOT NULL, lines BIGINT NOT NULL,
            orders BIGINT NOT NULL,
            PRIMARY KEY ({KEY})
        );
        CREATE INDEX IF NOT EXISTS {TABLE}_sku ON {TABLE} (sku);"""
       + _ON_ORDERS + _ON_LINES + _ON_CLIENTS + _ON_PRODUCTS + _ON_CLASSES + "\n"
       + on_every_write(f"{TABLE}_orders", f"{TABLE}_orders")
       + on_every_write(f"{TABLE}_order_lines", f"{TABLE}_lines", "order_lines")
       + on_every_write(f"{TABLE}_clients", f"{TABLE}_clients", "clients", ("update",))
       + on_every_write(f"{TABLE}_products", f"{TABLE}_products", "products", ("update",))
       + on_every_write(f"{TABLE}_product_classes", f"{TABLE}_classes", "product_classes")
       + FILL)

# The month's sales as the report sums them: the kept rows of its ship days (parameters: first day, next
# month's first day), one per key that has lines.
KEPT = f"""SELECT {KEY}, units, net, value, orders FROM {TABLE}
            WHERE shipped_on >= ? AND shipped_on < ? AND ctls_category <> '' AND lines <> 0"""

# ``orders-core check``: every key whose kept sums differ from the orders' lines.
_COUNTED = f"SELECT {KEY}, {', '.join(f'sum({s}) AS {s}' for s in SUMS)} FROM ({part('orders', 'order_lines')}) p GROUP BY {KEY}"
_KEPT_ALL = f"SELECT {KEY}, {', '.join(SUMS)} FROM {TABLE} WHERE lines <> 0 OR orders <> 0 OR units <> 0"
CHECK = f"""
    SELECT 'ship day ' || coalesce(a.shipped_on, k.shipped_on)::VARCHAR,
           'The CTLS sales report keeps ' || coalesce(k.units, 0) || ' units of ' || coalesce(a.sku, k.sku) || ' in '
           || coalesce(a.ctls_category, k.ctls_category) || ' shipped to ' || coalesce(a.province, k.province)
           || ' on ' || coalesce(a.shipped_on, k.shipped_on)::VARCHAR || ' in ' || coalesce(k.orders, 0)
           || ' orders ({TABLE}) but the orders hold ' || coalesce(a.units, 0) || ' units in '
           || coalesce(a.orders, 0) || ' orders.'
    FROM ({_COUNTED}) a FULL JOIN ({_KEPT_ALL}) k USING ({KEY})
    WHERE {" OR ".join(f"a.{s} IS DISTINCT FROM k.{s}" for s in SUMS)}
    ORDER BY 1, 2
"""
