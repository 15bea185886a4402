"""PostgreSQL's ``client_search``: each client's searchable name and how many orders of theirs are not archived,
which a search of the Orders index by a client's name reads (schema 20; nothing on DuckDB).

Why: a search for a common name ('cote') matched 16,000 of 833,000 clients at 10,000,000 orders, and
PostgreSQL took 157 ms: 14 ms to find the clients along the names' trigram index, 58-85 ms to count their
177,000 orders, and 14 ms for the page. A count per client kept apart still had to be looked up per client
(24 ms). Here the count sits beside the name, so the one trigram scan that finds the clients also sums
their orders (16-17 ms for both).

Decisions:

* What it counts: the orders not archived, the "All" view's orders. A search in another view, with a status
  or date filter, or by a role that sees some statuses only, counts the orders as before
  (``orders.index``).
* Kept by statement triggers in each writer's own transaction, as ``order_counts`` is: on ``clients`` (a new
  client, a name changed, a row deleted past the module) and on ``orders`` (a new order, one archived or
  unarchived or moved to another client, a delete). Each side writes only its own columns with an upsert
  in client order, so they may fire in either order (a load may copy the orders before the clients) and
  two writers lock the rows they share in one order.
* A client's row is written by every order added for them: two orders of one client at the same moment
  wait on each other for that row, as they would on the client's cap (the allowance ledger) anyway.
* ``orders-core check`` compares it with the clients and orders; ``check --recount`` writes it afresh.
"""

from __future__ import annotations

from orders_core.storage.triggers import on_every_write

TABLE = "client_search"
TABLES = (TABLE,)

_NAMES_UPSERT = f"ON CONFLICT (client_id) DO UPDATE SET name_key = excluded.name_key WHERE {TABLE}.name_key IS DISTINCT FROM excluded.name_key"
_COUNT_UPSERT = f"ON CONFLICT (client_id) DO UPDATE SET open_orders = {TABLE}.open_orders + excluded.open_orders"


def _open(rows: str, sign: str) -> str:
    return f"SELECT client_id, {sign}1 AS n FROM {rows} WHERE archived_at IS NULL"


def _summed(deltas: str) -> str:
    """Each client's change of ``deltas`` (rows of client_id, n), added to their row in client order."""
    return (f"SELECT client_id, sum(n) FROM ({deltas}) delta GROUP BY client_id HAVING sum(n) <> 0 "
            f"ORDER BY client_id {_COUNT_UPSERT}")


FILL = f"""
        DELETE FROM {TABLE};
        INSERT INTO {TABLE} (client_id, name_key, open_orders)
        SELECT c.client_id, c.name_key, coalesce(k.n, 0)
        FROM clients c LEFT JOIN (SELECT client_id, count(*) AS n FROM orders WHERE archived_at IS NULL
                                  GROUP BY client_id) k USING (client_id);
"""

DDL = f"""
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE TABLE IF NOT EXISTS {TABLE} (
            client_id INTEGER PRIMARY KEY,
            name_key VARCHAR NOT NULL DEFAULT '',
            open_orders BIGINT NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS {TABLE}_name_trgm ON {TABLE} USING gin (name_key gin_trgm_ops);
        CREATE OR REPLACE FUNCTION {TABLE}_names() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN  -- the clients' side: their names
            IF TG_OP IN ('UPDATE', 'DELETE') THEN  -- a row gone (or its id changed) past the module
                DELETE FROM {TABLE} s USING old_rows o WHERE s.client_id = o.client_id
                   AND NOT EXISTS (SELECT 1 FROM clients c WHERE c.client_id = o.client_id);
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO {TABLE} (client_id, name_key) SELECT client_id, name_key FROM new_rows
                ORDER BY client_id {_NAMES_UPSERT};
            ELSIF TG_OP = 'TRUNCATE' THEN
                DELETE FROM {TABLE};
            END IF;
            RETURN NULL;
        END $$;
        CREATE OR REPLACE FUNCTION {TABLE}_orders() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN  -- the orders' side: how many of each client's orders are not archived
            IF TG_OP = 'INSERT' THEN
                INSERT INTO {TABLE} (client_id, open_orders) {_summed(_open('new_rows', ''))};
            ELSIF TG_OP = 'DELETE' THEN
                INSERT INTO {TABLE} (client_id, open_orders) {_summed(_open('old_rows', '-'))};
            ELSIF TG_OP = 'UPDATE' THEN
                INSERT INTO {TABLE} (client_id, open_orders)
                {_summed(_open('new_rows', '') + ' UNION ALL ' + _open('old_rows', '-'))};
            ELSE  -- TRUNCATE
                UPDATE {TABLE} SET open_orders = 0 WHERE open_orders <> 0;
            END IF;
            RETURN NULL;
        END $$;
""" + on_every_write(f"{TABLE}_names", f"{TABLE}_names", table="clients") \
    + on_every_write(f"{TABLE}_orders", f"{TABLE}_orders") + FILL

CHECK = f"""
    WITH actual AS (SELECT c.client_id, c.name_key, coalesce(k.n, 0) AS n
                    FROM clients c LEFT JOIN (SELECT client_id, count(*) AS n FROM orders
                                              WHERE archived_at IS NULL GROUP BY client_id) k USING (client_id))
    SELECT 'client ' || client_id,
           'The Orders index''s name search holds client ' || client_id || CASE
             WHEN a.name_key IS NULL THEN ', who does not exist'
             WHEN k.name_key IS NULL THEN ' nowhere'
             WHEN a.name_key <> k.name_key THEN ' as ''' || k.name_key || ''' but the name is ''' || a.name_key || ''''
             ELSE ' with ' || k.open_orders || ' orders not archived but there are ' || a.n END
           || ' ({TABLE}); `orders-core check --recount --as ADMIN_EMAIL` writes it again.'
    FROM actual a FULL JOIN {TABLE} k USING (client_id)
    WHERE a.name_key IS DISTINCT FROM k.name_key OR coalesce(a.n, 0) <> coalesce(k.open_orders, 0)
    ORDER BY client_id
"""
