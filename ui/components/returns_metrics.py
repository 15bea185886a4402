"""The Metrics page's Returns and refunds section (figures from ``orders_core.reports.metrics.returns``)."""

from __future__ import annotations

import streamlit as st

from orders_core.reports.metrics.filters import MetricsFilter
from orders_core.reports.metrics.returns import return_figures
from orders_core.rules import formatting
from ui.session import cursor
from ui.text import literal_frame


def render_return_metrics(f: MetricsFilter, gross_revenue) -> None:
    r = return_figures(cursor(), f, gross_revenue)
    st.subheader("Returns and refunds")
    cells = st.columns(5)
    cells[0].metric("Returns", f"{r.returns:,}", help="Returns received in the period")
    cells[1].metric("Units back", f"{r.units:,}", help=f"{formatting.grams(r.grams)} of cannabis (dried equivalent)")
    cells[2].metric("Refunded to clients", formatting.money(r.to_clients), help=f"{r.refunds:,} refunds recorded")
    cells[3].metric("Refunded to insurers", formatting.money(r.to_insurers))
    cells[4].metric("Revenue net of refunds", formatting.money(r.net_revenue, short=True),
                    help=f"Gross {formatting.money(r.gross_revenue)} less {formatting.money(r.to_clients)} refunded")
    if len(r.by_reason):
        shown = r.by_reason.copy()
        shown["Grams"] = [formatting.grams(g) for g in shown["Grams"]]
        st.table(literal_frame(shown.set_index("Reason")))
    if f.categories:
        st.caption("Returns and refunds are per order: the product category filter does not apply to them.")
