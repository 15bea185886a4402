"""Returns and refunds on the Metrics page: what came back (count, units, grams, by reason), what was refunded
(to clients and to insurers), and revenue net of refunds beside gross.

Decisions:
- A return counts on the day it was received; a refund on the day it was recorded: they answer "what came
  back and what went out during the period", like the revenue of orders created in it.
- Net revenue = the period's revenue (Total Due of the orders created in it, cancelled left out: ``volume``)
  less what was refunded to clients (goods, shipping and goodwill) during the period.
- The source and carrier filters apply (the returned order's); a product category filter does not (a refund
  is for an order, not a category), which the page says.
- Read from the returns tables directly (they are small beside the orders: no daily summary is needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from orders_core.reports.metrics.filters import MetricsFilter
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame, fetch_one

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ReturnFigures:
    returns: int
    units: int
    grams: Decimal
    by_reason: pd.DataFrame  # reason, returns, units, grams
    refunds: int
    to_clients: Decimal
    to_insurers: Decimal
    gross_revenue: Decimal
    net_revenue: Decimal


def _orders_clause(f: MetricsFilter) -> tuple[str, list]:
    clauses, params = ["TRUE"], []
    if f.sources:
        clauses.append("o.source::VARCHAR IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(f.sources))
    if f.carriers:
        clauses.append("o.carrier IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(f.carriers))
    return " AND ".join(clauses), params


def return_figures(cur: Cursor, f: MetricsFilter, gross_revenue: Decimal) -> ReturnFigures:
    """The period's returns and refunds; ``gross_revenue``: the headline's revenue for the same filter."""
    where, params = _orders_clause(f)
    by_reason = fetch_frame(
        cur,
        f"""
        SELECT r.reason AS "Reason", count(DISTINCT r.return_id) AS "Returns", coalesce(sum(l.units), 0) AS "Units",
               coalesce(sum(l.grams), 0) AS "Grams"
        FROM order_returns r JOIN orders o USING (order_id) LEFT JOIN order_return_lines l USING (return_id)
        WHERE r.received_on BETWEEN ? AND ? AND {where}
        GROUP BY r.reason ORDER BY count(DISTINCT r.return_id) DESC, r.reason
        """,
        [f.start, f.end, *params],
    )
    refunds = fetch_one(
        cur,
        f"""
        SELECT count(*), coalesce(sum(x.client_amount + x.shipping_amount), 0), coalesce(sum(x.insurer_amount), 0)
        FROM order_refunds x JOIN orders o USING (order_id)
        WHERE x.recorded_at >= ?::DATE AND x.recorded_at < ?::DATE + INTERVAL '1 day' AND {where}
        """,
        [f.start, f.end, *params],
    )
    to_clients = Decimal(refunds[1]).quantize(ZERO)
    return ReturnFigures(
        returns=int(by_reason["Returns"].sum()) if len(by_reason) else 0,
        units=int(by_reason["Units"].sum()) if len(by_reason) else 0,
        grams=sum((Decimal(g) for g in by_reason["Grams"]), Decimal(0)),
        by_reason=by_reason, refunds=int(refunds[0]), to_clients=to_clients,
        to_insurers=Decimal(refunds[2]).quantize(ZERO),
        gross_revenue=Decimal(gross_revenue), net_revenue=Decimal(gross_revenue) - to_clients,
    )
