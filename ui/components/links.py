"""Ordinary links from a table to a profile: the Order ID to the Order Profile, a client's name to the Client
Profile, in a table drawn as HTML (``link_table``).

Why not ``st.dataframe`` with a ``LinkColumn``: Streamlit's grid draws its cells on a canvas, and a link
cell (i) always opens a new tab (no same-tab option: streamlit#9343, #7464, and the closed pull requests
#8176 and #9226), (ii) is no HTML link, so a middle-click or Ctrl-click does nothing more and there is no
"open in new tab" or "copy link" menu (streamlit#9683), and (iii) keeps the address as its value: the
grid's accessible cells, its copy and its "Download as CSV" give ``/order?id=100123``, whatever
``display_text`` shows. None of this is reachable from the app.

So the index's rows are an HTML table (``st.html``: no script, sanitised by Streamlit) whose Order ID cell
is ``<a href="order?id=100123" aria-label="Order 100123">100123</a>``: it shows and copies as the number,
a screen reader names it "Order 100123", a click opens the Order Profile in the same tab (a page load; the
page's state is in its URL) and a middle-click or Ctrl-click in a new one. Addresses are relative to the
app's root, so a server under a path prefix (``server.baseUrlPath``) keeps them. Every text is escaped.
Selecting rows (the picking list) still uses the grid, with the Order ID as a plain number
(``ORDER_NUMBER``), so its copy and CSV give numbers too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import pandas as pd
import streamlit as st

ORDER_NUMBER = st.column_config.NumberColumn("Order ID", format="%d", help="Tick a row to select it")

_STYLE = """
<style>
.orders-links { border-collapse: collapse; width: 100%; font-size: 0.875rem; }
.orders-links caption { text-align: left; font-weight: 600; padding: 0 0 0.25rem 0; }
.orders-links th, .orders-links td { text-align: left; padding: 0.3rem 0.6rem; white-space: nowrap;
  border-bottom: 1px solid rgba(128, 128, 128, 0.35); }
.orders-links th { font-weight: 600; }
.orders-links td.num, .orders-links th.num { text-align: right; font-variant-numeric: tabular-nums; }
.orders-links tbody tr:hover { background: rgba(128, 128, 128, 0.08); }
.orders-links a { text-decoration: underline; }
.orders-links a:focus-visible { outline: 3px solid currentColor; outline-offset: 2px; }
.orders-links-wrap { overflow-x: auto; }
</style>
"""


def order_url(order_id: int) -> str:
    """The Order Profile of ``order_id``, relative to the app's root."""
    return f"order?id={int(order_id)}"


def client_url(client_id: int) -> str:
    """The Client Profile of ``client_id``, relative to the app's root."""
    return f"client?id={int(client_id)}"


def order_link(order_id: int) -> str:
    return _anchor(order_url(order_id), f"Order {int(order_id)}", str(int(order_id)))


def client_link(client_id: int, name: str) -> str:
    return _anchor(client_url(client_id), f"Client {name}", name)


def _anchor(href: str, label: str, text: str) -> str:
    return f'<a href="{escape(href)}" aria-label="{escape(label)}">{escape(text)}</a>'


def table_html(frame: pd.DataFrame, columns: Sequence[str], caption: str,
               links: dict[str, Callable[[pd.Series], str]], numeric: Sequence[str] = ()) -> str:
    """``frame``'s ``columns`` as an HTML table: a column in ``links`` holds the link its function makes from
    the row (already escaped); every other cell is its text, escaped."""
    head = "".join(f'<th scope="col"{_num(c, numeric)}>{escape(c)}</th>' for c in columns)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for c in columns:
            value = links[c](row) if c in links else escape(_text(row[c]))
            cells.append(f"<td{_num(c, numeric)}>{value}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'{_STYLE}<div class="orders-links-wrap"><table class="orders-links"><caption>{escape(caption)}'
            f'</caption><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _num(column: str, numeric: Sequence[str]) -> str:
    return ' class="num"' if column in numeric else ""


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def orders_table(rows: pd.DataFrame, columns: Sequence[str], caption: str = "Orders") -> None:
    """Orders as the index shows them (``formatting.index_rows``), the Order ID a link to its profile."""
    st.html(table_html(rows, columns, caption, {"Order ID": lambda r: order_link(r["Order ID"])},
                       numeric=("Order ID", "Quantity", "Total Due")))


def clients_table(rows: pd.DataFrame, columns: Sequence[str], caption: str = "Clients") -> None:
    """Clients as the Clients page lists them, the name a link to the Client Profile."""
    st.html(table_html(rows, columns, caption, {"Name": lambda r: client_link(r["Client ID"], _text(r["Name"]))},
                       numeric=("Client ID", "Grams/day", "Open Orders")))
