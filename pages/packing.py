"""The Packing Station (/packing): scan an order's barcode, then each unit, then the tracking number.

Everything is typed into one field (a USB scanner types the code and Enter), kept focused after every scan
(``ui.components.scan_focus``) and at the top of the page so that it stays the same element: an associate
never needs the mouse. What a scan means and what it writes is ``orders_core.fulfillment.packing``: an
order barcode opens the order, a label or a SKU packs a unit, and once the order is complete the next scan
is its tracking number (Mark as Shipped, with the carrier chosen below, the order's own by default).
The other tabs take a carrier's file of tracking numbers and print the end-of-day manifest.
"""

from __future__ import annotations

import streamlit as st

from orders_core.fulfillment import packing
from orders_core.orders.drafts import OrderRefused
from orders_core.rules import code128
from orders_core.rules.refusals import Refused
from orders_core.storage.schema import CARRIERS
from ui import frame
from ui.components.scan_focus import keep_focus
from ui.components.shipping import render_bulk_ship, render_manifest
from ui.session import acting_person, cursor, database
from ui.text import literal

ss = st.session_state
SCAN = "pack_scan"


def _say(kind: str, text: str) -> None:
    ss["pack_message"] = (kind, text)


def _on_scan() -> None:
    code = " ".join(str(ss.get(SCAN) or "").split())
    ss[SCAN] = ""
    if not code:
        return
    current = ss.get("pack_order")
    try:
        if current is not None:
            state = packing.pack_state(cursor(), current)
            on_order = state is not None and any(ln.sku.casefold() == code.casefold() for ln in state.lines)
            a_unit = on_order or code128.parse_unit_code(code) is not None  # one too many, not a tracking number
            if state is not None and state.complete and not a_unit:
                result = packing.ship_packed(database(), acting_person(), current, carrier=ss.get("pack_carrier"),
                                             tracking_number=code)
                ss.pop("pack_order", None)
                _say("ok", f"Order {current} is Shipped: {result.details}. Scan the next order's barcode.")
                return
            if a_unit or code128.parse_order_code(code) is None:
                _say("ok", packing.scan_unit(database(), acting_person(), current, code).message)
                return
        state = packing.open_order(cursor(), acting_person(), code)
        ss["pack_order"] = state.order_id
        ss["pack_carrier"] = state.carrier if state.carrier in CARRIERS else None
        _say("ok", f"Order {state.order_id} for {state.client_name}: scan its {state.units - state.packed:,} "
                   f"unit{'s' if state.units - state.packed != 1 else ''}.")
    except OrderRefused as exc:
        _say("error", " ".join(exc.reasons))
    except Refused as exc:
        _say("error", str(exc))


def _aside() -> None:
    ss.pop("pack_order", None)
    _say("ok", "Put aside: its scans are kept. Scan an order's barcode.")


def _pack_tab() -> None:
    current = ss.get("pack_order")
    state = packing.pack_state(cursor(), current) if current is not None else None
    complete = state is not None and state.complete
    prompt = ("Scan the tracking number" if complete else
              "Scan a unit's label or product barcode" if state else "Scan the order's barcode on the picking list")
    st.text_input("Scan", key=SCAN, on_change=_on_scan, placeholder=prompt, autocomplete="off",
                  help="A barcode scanner types the code and Enter; typing it and pressing Enter works too.")
    keep_focus(SCAN)
    message = ss.get("pack_message")
    if message:
        (st.success if message[0] == "ok" else st.error)(literal(message[1]))
    if state is None:
        st.caption(prompt + ".")
        return
    st.subheader(f"Order {state.order_id} · {literal(state.client_name)}")
    st.markdown(f"**{state.packed:,} of {state.units:,} units packed**"
                + (f" · last scan {state.last_scan[0]:%H:%M} by {literal(state.last_scan[1])}" if state.last_scan else ""))
    st.table({"SKU": [literal(ln.sku) for ln in state.lines], "Product": [literal(ln.product) for ln in state.lines],
              "Units": [ln.units for ln in state.lines], "Packed": [ln.packed for ln in state.lines],
              "Left": [ln.left for ln in state.lines]})
    if complete:
        st.markdown("**Complete. Mark as Shipped:** scan (or type) the tracking number in the Scan field.")
        st.selectbox("Carrier", CARRIERS, key="pack_carrier", placeholder="Choose the carrier")
    st.button("Put this order aside", key="pack_aside", on_click=_aside)


def main() -> None:
    st.title("Packing Station")
    pack, bulk, manifest = st.tabs(["Pack and ship", "Ship a carrier's file", "End-of-day manifest"])
    with pack:
        _pack_tab()
    with bulk:
        render_bulk_ship()
    with manifest:
        render_manifest()


frame.run("Packing Station", main)
