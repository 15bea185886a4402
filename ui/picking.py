"""The picking-list panel of the Orders page (filled in by the Picking list work)."""

from __future__ import annotations

import streamlit as st

from orders_core.index import OrderQuery


def render_picking_panel(selected_ids: list[int], query: OrderQuery) -> None:
    """Preview and download a picking list: of every Order Placed order, the selected rows, or the filtered result."""
    st.info("Picking lists are coming.")
