"""PostgreSQL's count of the orders per archived or not, status and slot (``order_counts``), which the Orders
index counts its unfiltered views from: kept exact by statement triggers on ``orders`` (see ``dialect``'s
``order_counts``; migration 7). DuckDB keeps none."""

from __future__ import annotations

from orders_core.storage.triggers import on_every_write

# Counts the orders into ``order_counts`` afresh: migration 7's last step and ``reports.check.recount_summaries``.
FILL = """
        DELETE FROM order_counts;
        INSERT INTO order_counts SELECT archived_at IS NOT NULL, status, (order_id % 16)::SMALLINT, count(*)
        FROM orders GROUP BY 1, 2, 3;
"""

DDL = """
        CREATE TABLE IF NOT EXISTS order_counts (
            archived BOOLEAN NOT NULL, status order_status NOT NULL, slot SMALLINT NOT NULL, n BIGINT NOT NULL,
            PRIMARY KEY (archived, status, slot)
        );
        CREATE OR REPLACE FUNCTION order_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN  -- one row per key a statement changed, taken in the key's order
            IF TG_OP = 'INSERT' THEN
                INSERT INTO order_counts AS c
                SELECT archived_at IS NOT NULL, status, (order_id % 16)::SMALLINT, count(*) FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                ON CONFLICT (archived, status, slot) DO UPDATE SET n = c.n + excluded.n;
            ELSIF TG_OP = 'DELETE' THEN
                INSERT INTO order_counts AS c
                SELECT archived_at IS NOT NULL, status, (order_id % 16)::SMALLINT, -count(*) FROM old_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                ON CONFLICT (archived, status, slot) DO UPDATE SET n = c.n + excluded.n;
            ELSIF TG_OP = 'UPDATE' THEN
                INSERT INTO order_counts AS c
                SELECT a, s, k, sum(d) FROM (SELECT archived_at IS NOT NULL, status, (order_id % 16)::SMALLINT, 1 FROM new_rows
                                             UNION ALL SELECT archived_at IS NOT NULL, status, (order_id % 16)::SMALLINT, -1 FROM old_rows) delta (a, s, k, d)
                GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
                ON CONFLICT (archived, status, slot) DO UPDATE SET n = c.n + excluded.n;
            ELSE  -- TRUNCATE
                DELETE FROM order_counts;
            END IF;
            RETURN NULL;
        END $$;
""" + on_every_write("order_counts", "order_counts_add") + FILL
