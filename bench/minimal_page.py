"""The load bench's yardstick (bench/bench_load.py): a minimal Streamlit page with the Orders
page's widgets and a 50-row table, and nothing else: no database, no sign-in, no sidebar.

The same labels as the Orders page ("Show", "Search", "Sort by", "Direction", "Next ›"), so the bench's
simulated sessions drive both pages with the same code; what the Orders page spends per interaction
beyond this page's figure is ours (the frame, the queries, the formatting), not Streamlit's.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

ROWS = 50
STATUSES = ("Unverified", "Order Placed", "Shipped", "Delivered", "Cancelled")
CARRIERS = ("Canada Post", "Purolator", "UPS", "FedEx")

ss = st.session_state
st.set_page_config(page_title="Minimal · Orders bench", layout="wide")
show, search, sort, direction = st.columns([2.2, 3, 1.4, 1.4], vertical_alignment="bottom")
view = show.radio("Show", ["All", "Unverified", "Archived"], key="show", horizontal=True)
text = search.text_input("Search", key="search")
sort.selectbox("Sort by", ["Created At", "Order ID", "Client", "Status"], key="sort")
direction.selectbox("Direction", ["Descending", "Ascending"], key="dir")
if ss.get("signature") != (view, text):  # back to page 1 when the filters change, as the Orders page does
    ss["signature"] = (view, text)
    ss["page"] = 1
page = ss.get("page", 1)

first = 1_000_000 - page * ROWS
ids = range(first, first + ROWS)
created = dt.datetime(2026, 11, 26, 12)
st.markdown(f"**{1_000_000:,} orders**")
st.dataframe(pd.DataFrame({
    "Order ID": list(ids),
    "Client": [f"{text or view} client {i % 997}" for i in ids],
    "Quantity": [f"{(i % 30) + 1} g" for i in ids],
    "Total Due": [f"${(i % 500) + 0.95:,.2f}" for i in ids],
    "Created At": [(created - dt.timedelta(minutes=i % 10_000)).strftime("%Y-%m-%d %H:%M") for i in ids],
    "Shipped On": [(created.date() - dt.timedelta(days=i % 30)).isoformat() for i in ids],
    "Status": [STATUSES[i % len(STATUSES)] for i in ids],
    "Carrier": [CARRIERS[i % len(CARRIERS)] for i in ids],
}), hide_index=True, width="stretch")
st.button("Next ›", key="page_next", on_click=ss.__setitem__, args=("page", page + 1))
