"""Client labels from a page: a stock choice and a button that prints (and records) the labels, then the PDF."""

from __future__ import annotations

import streamlit as st

from orders_core.fulfillment.label_pdf import STOCKS
from orders_core.fulfillment.labels import print_labels
from orders_core.rules.refusals import Refused
from ui.session import acting_person, database
from ui.text import literal

ss = st.session_state
STOCK_LABELS = {"4x6": "4 × 6 in thermal labels", "letter-2x4": "Letter sheets of 2 × 4 in labels"}


def _print(key: str, order_ids: list[int]) -> None:
    try:
        ss[f"{key}_made"] = print_labels(database(), order_ids, acting_person(), stock=ss.get(f"{key}_stock", "4x6"))
        ss.pop(f"{key}_error", None)
    except Refused as exc:
        ss[f"{key}_error"] = str(exc)
        ss.pop(f"{key}_made", None)


def render_label_printing(key: str, order_ids: list[int], *, label: str = "Print client labels") -> None:
    """Choose the stock and print one label per cannabis unit of ``order_ids`` (the print is on each order's record)."""
    stock, button = st.columns([2, 1.4], vertical_alignment="bottom")
    stock.selectbox("Label stock", STOCKS, format_func=STOCK_LABELS.get, key=f"{key}_stock")
    button.button(label, key=f"{key}_print", on_click=_print, args=(key, order_ids), icon=":material/label:",
                  help="One label per cannabis unit, each with its barcode; printing again is recorded as a reprint.")
    if ss.get(f"{key}_error"):
        st.error(literal(ss[f"{key}_error"]))
    made = ss.get(f"{key}_made")
    if made and made.order_ids == sorted(set(order_ids)):
        st.download_button(f"Download label print {made.number}: {made.labels:,} labels (PDF)", made.pdf,
                           key=f"{key}_download", file_name=f"labels-{made.number}.pdf", mime="application/pdf",
                           type="primary", icon=":material/download:")
