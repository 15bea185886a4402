"""The Packing Station's other tabs: a carrier's file of tracking numbers (or deliveries), and the end-of-day
manifest. The work is ``orders_core.fulfillment`` (``bulk_ship``, ``manifest``); this draws it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import streamlit as st

from orders_core.fulfillment import bulk_ship
from orders_core.fulfillment.manifest import ManifestRefused, make_manifest
from orders_core.rules.dates import FIRST_DATE
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import may
from orders_core.storage.schema import CARRIERS
from ui.components.file_report import file_report
from ui.session import acting_person, database, person
from ui.text import literal

ss = st.session_state


def _mapping() -> bulk_ship.ColumnMap:
    name = st.selectbox("The file's columns", list(bulk_ship.TEMPLATES), key="ship_template",
                        help="Canada Post's and Purolator's exports, our own template, or a delivery file.")
    base = bulk_ship.TEMPLATES[name]
    st.download_button("Download an example file", bulk_ship.template_csv(name), key="ship_example",
                       file_name=f"{name.split(' (')[0].lower().replace(' ', '-')}-example.csv", mime="text/csv")
    with st.expander("Map other column names", expanded=False):
        a, b = st.columns(2)
        order_col = a.text_input("Order ID column", value=base.order_id, key=f"ship_map_order_{name}")
        date_col = b.text_input("Date column", value=base.date or "", key=f"ship_map_date_{name}")
        if base.kind == bulk_ship.DELIVERED:
            return dataclasses.replace(base, order_id=order_col.strip(), date=date_col.strip() or None)
        track_col = a.text_input("Tracking number column", value=base.tracking_number or "",
                                 key=f"ship_map_track_{name}")
        carrier_col = b.text_input("Carrier column (empty: one carrier for the file)", value=base.carrier or "",
                                   key=f"ship_map_carrier_{name}")
        fixed = base.fixed_carrier if base.fixed_carrier in CARRIERS else None
        one = a.selectbox("Carrier of every row (when there is no carrier column)", CARRIERS,
                          index=CARRIERS.index(fixed) if fixed else None, key=f"ship_map_fixed_{name}")
    return dataclasses.replace(base, order_id=order_col.strip(), date=date_col.strip() or None,
                               tracking_number=track_col.strip() or None, carrier=carrier_col.strip() or None,
                               fixed_carrier=None if carrier_col.strip() else one)


def render_bulk_ship() -> None:
    st.caption("Mark every order of a carrier's file Shipped (or, from a delivery file, Delivered): all or nothing. "
               "Any bad row changes nothing and is listed with its reason.")
    mapping = _mapping()
    upload = st.file_uploader("The carrier's file (CSV)", type=["csv", "txt"], key="ship_file")
    if upload is None:
        return
    data = upload.getvalue()
    signature = (upload.name, len(data), hash(data), mapping)
    check, commit = st.columns(2)
    try:
        if check.button("Check the file", key="ship_check"):
            ss["ship_checked"] = (signature, bulk_ship.import_file(database(), data, acting_person(), mapping,
                                                                   dry_run=True))
        checked = ss.get("ship_checked")
        ready = checked is not None and checked[0] == signature and checked[1].ok
        verb = "Mark them Delivered" if mapping.kind == bulk_ship.DELIVERED else "Mark them Shipped"
        if commit.button(verb, type="primary", key="ship_commit", disabled=not ready,
                         help=None if ready else "Check the file first; a file with problems changes nothing."):
            ss["ship_checked"] = (signature, bulk_ship.import_file(database(), data, acting_person(), mapping))
            checked = ss["ship_checked"]
    except Refused as exc:
        st.error(literal(str(exc)))
        return
    if checked is not None and checked[0] == signature:
        file_report(checked[1], "shipping")


def render_manifest() -> None:
    if not may(person(), "shipping_manifest"):
        st.caption("Your role does not print shipping manifests.")
        return
    a, b = st.columns(2)
    carrier = a.selectbox("Carrier", CARRIERS, key="manifest_carrier")
    day = b.date_input("Shipped on", value=dt.date.today(), min_value=FIRST_DATE, max_value=dt.date.today(),
                       key="manifest_day", format="YYYY-MM-DD")
    if st.button("Make the manifest", key="manifest_make", icon=":material/print:"):
        try:
            made = make_manifest(database(), acting_person(), carrier, day)
            ss["manifest_made"] = made
            ss.pop("manifest_error", None)
        except (ManifestRefused, Refused) as exc:
            ss["manifest_error"] = str(exc)
            ss.pop("manifest_made", None)
    if ss.get("manifest_error"):
        st.info(literal(ss["manifest_error"]))
    made = ss.get("manifest_made")
    if made:
        st.success(f"Manifest {made.number}: {len(made.parcels):,} parcels, {made.units:,} units by "
                   f"{literal(made.carrier)} on {made.day:%Y-%m-%d}.")
        st.download_button(f"Download manifest {made.number} (PDF)", made.pdf, key="manifest_download",
                           file_name=f"manifest-{made.number}.pdf", mime="application/pdf", type="primary")
