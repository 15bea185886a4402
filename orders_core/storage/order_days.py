"""PostgreSQL's count of the orders per created day (``order_days``), which tells the Metrics page's daily
summaries which days are stale without grouping every order (``reports.rollup.stale_days``).

A day's summary rows are fresh when their orders and versions add up to the ``count(*)`` and
``sum(version)`` of the orders created that day. Grouping 10,000,000 orders by their day to know that took
PostgreSQL about 2 s on each view of the Metrics page (DuckDB: 30 ms, so it keeps doing so). This table
holds the same two numbers per created day and slot (16 slots by order id, so concurrent writers of new
orders seldom wait on one row), kept exact by statement triggers on ``orders`` from their transition tables,
in each writer's own transaction (a rollback takes the change back with it), as ``order_counts`` is
(``dialect.order_counts``). A restore that bypasses triggers leaves it behind the orders: ``orders-core
check`` compares it with the orders, and ``check --recount`` counts it afresh (``FILL``).
"""

from __future__ import annotations

from orders_core.storage.triggers import on_every_write

TABLES = ("order_days",)

FILL = """
        DELETE FROM order_days;
        INSERT INTO order_days SELECT created_at::DATE, (order_id % 16)::SMALLINT, count(*), sum(version)
        FROM orders GROUP BY 1, 2;
"""

DDL = """
        CREATE TABLE IF NOT EXISTS order_days (
            day DATE NOT NULL, slot SMALLINT NOT NULL, n BIGINT NOT NULL, v BIGINT NOT NULL,
            PRIMARY KEY (day, slot)
        );
        CREATE OR REPLACE FUNCTION order_days_add() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN  -- one row per key a statement changed, taken in the key's order
            IF TG_OP = 'INSERT' THEN
                INSERT INTO order_days AS d
                SELECT created_at::DATE, (order_id % 16)::SMALLINT, count(*), sum(version) FROM new_rows
                GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (day, slot) DO UPDATE SET n = d.n + excluded.n, v = d.v + excluded.v;
            ELSIF TG_OP = 'DELETE' THEN
                INSERT INTO order_days AS d
                SELECT created_at::DATE, (order_id % 16)::SMALLINT, -count(*), -sum(version) FROM old_rows
                GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (day, slot) DO UPDATE SET n = d.n + excluded.n, v = d.v + excluded.v;
            ELSIF TG_OP = 'UPDATE' THEN
                INSERT INTO order_days AS d
                SELECT k, s, sum(dn), sum(dv) FROM (
                    SELECT created_at::DATE, (order_id % 16)::SMALLINT, 1, version FROM new_rows
                    UNION ALL SELECT created_at::DATE, (order_id % 16)::SMALLINT, -1, -version FROM old_rows
                ) delta (k, s, dn, dv)
                GROUP BY 1, 2 HAVING sum(dn) <> 0 OR sum(dv) <> 0 ORDER BY 1, 2
                ON CONFLICT (day, slot) DO UPDATE SET n = d.n + excluded.n, v = d.v + excluded.v;
            ELSE  -- TRUNCATE
                DELETE FROM order_days;
            END IF;
            RETURN NULL;
        END $$;
""" + on_every_write("order_days", "order_days_add") + FILL

# Each created day's orders and versions: from ``order_days`` (PostgreSQL) or by grouping the orders (DuckDB).
KEPT_DAYS = "SELECT day, sum(n) AS n, sum(v) AS v FROM order_days GROUP BY day HAVING sum(n) <> 0"
COUNTED_DAYS = "SELECT created_at::DATE AS day, count(*) AS n, sum(version) AS v FROM orders GROUP BY 1"

# ``orders-core check``: every day whose kept numbers differ from the orders'.
CHECK = f"""
    SELECT 'day ' || coalesce(a.day, k.day)::VARCHAR,
           'The Metrics page counts ' || coalesce(k.n, 0) || ' orders (version sum ' || coalesce(k.v, 0)
           || ') created on ' || coalesce(a.day, k.day)::VARCHAR || ' (order_days) but there are '
           || coalesce(a.n, 0) || ' (version sum ' || coalesce(a.v, 0) || ').'
    FROM ({COUNTED_DAYS}) a FULL JOIN ({KEPT_DAYS}) k ON k.day = a.day
    WHERE a.n IS DISTINCT FROM k.n OR a.v IS DISTINCT FROM k.v
    ORDER BY 1
"""
