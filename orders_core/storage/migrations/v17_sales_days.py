"""Schema 16 -> 17: each ship day's sales per province, CTLS category and SKU, which the monthly CTLS sales
report sums (``dialect.sales_days``: a table kept by triggers on PostgreSQL, filled here,
``storage.sales_days``; nothing on DuckDB)."""

from __future__ import annotations

from orders_core.storage import dialect


def apply(con) -> None:
    ddl = dialect.of(con).sales_days
    if ddl:
        con.execute(ddl)
