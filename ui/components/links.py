"""Ordinary links from a table's cell to a profile: the Order ID to /order?id=N, a client's name to /client?id=N.

The cell holds the link's address; the table shows only the number or the name (``display_text``).
Streamlit's LinkColumn always opens a link in a new tab (it has no same-tab option: streamlit#9343,
#7464), so the row's tick opens the profile in the same tab as well (``app.py``, ``pages/clients.py``);
in multi-select mode the tick selects rows instead (the picking list).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

ORDER_LINK = st.column_config.LinkColumn("Order ID", display_text=r"/order\?id=(\d+)",
                                         help="Opens the Order Profile")
CLIENT_LINK = st.column_config.LinkColumn("Name", display_text=r"/client\?id=\d+#(.*)$",
                                          help="Opens the Client Profile")


def order_url(order_id: int) -> str:
    return f"/order?id={int(order_id)}"


def with_order_links(frame: pd.DataFrame, column: str = "Order ID") -> pd.DataFrame:
    shown = frame.copy()
    shown[column] = [order_url(i) for i in frame[column]]
    return shown


def with_client_links(frame: pd.DataFrame, id_column: str = "Client ID", name_column: str = "Name") -> pd.DataFrame:
    """The name cell as ``/client?id=N#<name>``: the name after ``#`` is what the table shows, as typed."""
    shown = frame.copy()
    shown[name_column] = [f"/client?id={int(i)}#{n}"
                          for i, n in zip(frame[id_column], frame[name_column], strict=True)]
    return shown
