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

from orders_core.storage.order_summaries import SLOT, OrderSummary

ORDER_DAYS = OrderSummary("order_days", {"day": ("DATE", "created_at::DATE"), "slot": SLOT}, checked=("day",),
                          sums={"v": "version"})
TABLES = (ORDER_DAYS.table,)
FILL = ORDER_DAYS.fill
DDL = ORDER_DAYS.ddl

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
