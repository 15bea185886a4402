"""The Import page: clients, medical documents, policies and products from CSV, Client Portal orders from
JSON. Upload, preview the first rows, check (the validation report, downloadable), then import.
All or nothing: a file with any bad row writes nothing."""

from __future__ import annotations

import streamlit as st

from orders_core.intake import importing, portal
from orders_core.rules.roles import may
from ui import frame
from ui.components.file_report import file_report
from ui.components.intake_forms import literal
from ui.session import acting_person, database

ss = st.session_state
KIND_LABELS = {"clients": "Clients", "prescriptions": "Medical documents", "policies": "Coverage policies",
               "products": "Products", "orders": "Client Portal orders (JSON)"}
ORDER_FIRST = "Import in this order: products and clients first, then medical documents and policies, then orders."


def _run(kind: str, data: bytes, name: str, dry_run: bool):
    if kind == "orders":
        return portal.import_orders(database(), data, acting_person(), dry_run=dry_run)
    return importing.import_file(database(), kind, data, acting_person(), dry_run=dry_run, source=name)


def preview(kind: str, data: bytes) -> bool:
    try:
        if kind == "orders":
            items = portal.read_orders(data)
            st.caption(f"{len(items):,} orders in the file; the first ones:")
            st.json(items[:3], expanded=False)
        else:
            rows = importing.read_rows(kind, data)
            st.caption(f"{len(rows):,} rows in the file; the first ones (row numbers as in a spreadsheet):")
            st.dataframe(rows.preview(10), width="stretch", key="import_preview")
    except importing.ImportRefused as exc:
        st.error(literal(exc))
        return False
    return True


def main() -> None:
    st.title("Import")
    st.caption(ORDER_FIRST)
    who = acting_person()  # only the kinds the role may import (products: the catalogue's roles)
    kinds = [k for k in KIND_LABELS if may(who, importing.import_action(k))]
    kind = st.radio("What does the file hold?", kinds, format_func=KIND_LABELS.get, horizontal=True,
                    key="import_kind")
    if kind == "orders":
        st.download_button("Download an example file", portal.example_json(), file_name="portal-orders.json",
                           mime="application/json", key="import_template")
    else:
        st.download_button(f"Download the {KIND_LABELS[kind].lower()} template (CSV)", importing.template_csv(kind),
                           file_name=f"{kind}-template.csv", mime="text/csv", key="import_template")
    upload = st.file_uploader("File", type=["json"] if kind == "orders" else ["csv", "txt"], key=f"import_file_{kind}")
    if upload is None:
        return
    data = upload.getvalue()
    if not preview(kind, data):
        return
    check, commit = st.columns(2)
    signature = (kind, upload.name, len(data), hash(data))
    try:
        _buttons(kind, data, upload.name, signature, check, commit)
    except importing.ImportRefused as exc:
        st.error(literal(exc))


def _buttons(kind: str, data: bytes, name: str, signature: tuple, check, commit) -> None:
    if check.button("Check the file", key="import_check"):
        ss["import_checked"] = (signature, _run(kind, data, name, dry_run=True))
    checked = ss.get("import_checked")
    ready = checked is not None and checked[0] == signature and checked[1].ok
    if commit.button("Import", type="primary", key="import_commit", disabled=not ready,
                     help=None if ready else "Check the file first; a file with problems cannot be imported."):
        ss["import_checked"] = (signature, _run(kind, data, name, dry_run=False))
        checked = ss["import_checked"]
    if checked is not None and checked[0] == signature:
        file_report(checked[1], "import")


frame.run("Import", main)
