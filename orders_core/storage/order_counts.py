"""PostgreSQL's count of the orders per archived or not, status and slot (``order_counts``), which the Orders
index counts its unfiltered views from: kept exact by statement triggers on ``orders`` (see ``dialect``'s
``order_counts``; migration 7). DuckDB keeps none."""

from __future__ import annotations

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
        DROP TRIGGER IF EXISTS order_counts_insert ON orders;
        DROP TRIGGER IF EXISTS order_counts_update ON orders;
        DROP TRIGGER IF EXISTS order_counts_delete ON orders;
        DROP TRIGGER IF EXISTS order_counts_truncate ON orders;
        CREATE TRIGGER order_counts_insert AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION order_counts_add();
        CREATE TRIGGER order_counts_update AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION order_counts_add();
        CREATE TRIGGER order_counts_delete AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION order_counts_add();
        CREATE TRIGGER order_counts_truncate AFTER TRUNCATE ON orders FOR EACH STATEMENT EXECUTE FUNCTION order_counts_add();
""" + FILL
