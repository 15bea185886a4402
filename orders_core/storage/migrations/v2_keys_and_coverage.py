"""Schema 1 -> 2: every table rebuilt with its keys and checks; one coverage row per order and policy;
the allowance ledger filled from the orders (DuckDB only: a PostgreSQL database starts at schema 2)."""

from __future__ import annotations

from orders_core.rules.allowance import sql_params
from orders_core.storage.cursor import Cursor
from orders_core.storage.schema import DDL, TABLES


def apply(con: Cursor) -> None:
    """Schema 1 -> 2: rebuild every table with its keys and checks; add one coverage row per policy."""
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main'").fetchall()}
    old = [t for t in TABLES if t != "app_meta" and t in existing]
    for table in old:
        con.execute(f"ALTER TABLE {table} RENAME TO {table}_v1")  # our own table names
    con.execute(DDL)
    for table in old:
        if table == "recurring_events":
            con.execute(
                "INSERT INTO recurring_events BY NAME SELECT *, row_number() OVER "
                "(ORDER BY event_at, recurring_order_id, rowid) AS event_id FROM recurring_events_v1")
        else:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {table}_v1")
    start = con.execute("SELECT coalesce(max(event_id), 0) + 1 FROM recurring_events").fetchall()[0][0]
    con.execute("DROP SEQUENCE IF EXISTS recurring_event_ids")
    con.execute(f"CREATE SEQUENCE recurring_event_ids START {int(start)}")
    for table in reversed(old):
        con.execute(f"DROP TABLE {table}_v1")
    backfill_coverage(con)
    rebuild_ledger(con)


def backfill_coverage(con: Cursor) -> None:
    """One coverage row per covered order and policy, for orders stored before coverage rows existed.

    Schema 1 kept only the order's total coverage. It is split over the client's policies valid on
    the order's day (by policy id, as ordering charges them): each pays at most its share of the
    cannabis lines after their discounts, and the last one the rest, so the rows add up to the stored
    total to the cent. With no policy valid that day the client's latest-starting policy gets it all.
    A covered order whose client has no policy at all keeps no row; ``orders-core check`` names it.
    """
    con.execute(
        """
        INSERT INTO order_coverage (order_id, policy_id, insurer, amount, grams, note)
        WITH covered AS (
            SELECT o.order_id, o.client_id, o.created_at::DATE AS day, o.coverage_amount, coalesce(o.grams, 0) AS grams,
                   (SELECT coalesce(sum(l.units * l.unit_price - l.line_discount), 0)
                    FROM order_lines l JOIN products p USING (sku)
                    WHERE l.order_id = o.order_id AND p.is_cannabis) AS base
            FROM orders o
            WHERE o.coverage_amount > 0 AND o.order_id NOT IN (SELECT order_id FROM order_coverage)
        ),
        candidates AS (
            SELECT c.*, cp.policy_id, cp.insurer, cp.share,
                   cp.valid_from <= c.day AND (cp.valid_until IS NULL OR c.day <= cp.valid_until) AS valid
            FROM covered c JOIN coverage_policies cp ON cp.client_id = c.client_id
        ),
        chosen AS (
            SELECT * FROM candidates
            WHERE valid OR NOT EXISTS (SELECT 1 FROM candidates v WHERE v.order_id = candidates.order_id AND v.valid)
            QUALIFY valid OR row_number() OVER (PARTITION BY order_id ORDER BY policy_id DESC) = 1
        ),
        shares AS (
            SELECT *, round(share * base, 2) AS wanted,
                   row_number() OVER w AS k, count(*) OVER (PARTITION BY order_id) AS n,
                   coalesce(sum(round(share * base, 2)) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                       AS before
            FROM chosen
            WINDOW w AS (PARTITION BY order_id ORDER BY policy_id)
        )
        SELECT order_id, policy_id, insurer,
               CASE WHEN k = n THEN greatest(coverage_amount - least(before, coverage_amount), 0)
                    ELSE least(wanted, greatest(coverage_amount - before, 0)) END AS amount,
               0, 'split recorded when the database was upgraded to schema 2'
        FROM shares
        """
    )
    con.execute(
        """
        UPDATE order_coverage c SET grams = o.grams
        FROM orders o
        WHERE c.order_id = o.order_id AND c.amount > 0 AND o.grams IS NOT NULL
          AND c.note = 'split recorded when the database was upgraded to schema 2'
        """
    )


def rebuild_ledger(con: Cursor) -> int:
    """Fill the ledger from existing orders: one row per client and period of their active prescription that
    holds orders, with the grams it counts (rows already there are recomputed). Returns the rows written.
    Run inside the caller's transaction (a numbered migration)."""
    params = {k: v for k, v in sql_params().items() if k != "shipment_cap_grams"}
    con.execute(
        """
        INSERT OR REPLACE INTO allowance_ledger
        WITH rx AS (
            SELECT DISTINCT ON (client_id) client_id, grams_per_day, valid_from, valid_until
            FROM prescriptions WHERE active ORDER BY client_id, valid_from DESC, prescription_id DESC
        ),
        placed AS (
            SELECT o.client_id, o.grams, o.status::VARCHAR AS status, rx.grams_per_day, rx.valid_until,
                   rx.valid_from + ($days_per_period * (date_diff('day', rx.valid_from, o.created_at::DATE)
                                                        // $days_per_period))::INTEGER AS period_start
            FROM orders o JOIN rx USING (client_id)
            WHERE o.created_at::DATE BETWEEN rx.valid_from AND rx.valid_until
        )
        SELECT client_id, period_start,
               least(period_start + ($days_per_period - 1)::INTEGER, any_value(valid_until)),
               any_value(grams_per_day) * $days_per_period,
               coalesce(sum(grams) FILTER (status NOT IN (SELECT unnest($released_statuses::VARCHAR[]))), 0),
               0, now()::TIMESTAMP
        FROM placed GROUP BY client_id, period_start
        """,
        params,
    )
    return con.execute("SELECT count(*) FROM allowance_ledger").fetchall()[0][0]
