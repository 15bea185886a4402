"""PostgreSQL's count of the orders per archived or not, status and slot (``order_counts``), which the Orders
index counts its unfiltered views from: kept exact by statement triggers on ``orders`` (made by
``storage.order_summaries``; see ``dialect``'s ``order_counts``; migration 7). DuckDB keeps none."""

from __future__ import annotations

from orders_core.storage.order_summaries import ARCHIVED, SLOT, STATUS, OrderSummary

ORDER_COUNTS = OrderSummary("order_counts", {"archived": ARCHIVED, "status": STATUS, "slot": SLOT},
                            checked=("archived", "status"))
# Counts the orders into ``order_counts`` afresh: migration 7's last step and ``reports.check.recount_summaries``.
FILL = ORDER_COUNTS.fill
DDL = ORDER_COUNTS.ddl
