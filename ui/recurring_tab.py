"""The Recurring Order tab of the Client Profile (filled in by the Recurring Orders work)."""

import streamlit as st


def render_recurring_tab(client_id: int) -> None:
    st.info("This client's monthly recurring order will be shown and edited here.")
