"""The Products page: the catalogue; add a product, edit one (a new price joins its price history).

The dried-cannabis equivalent per unit is computed from the class and the net content, never typed.
"""

from __future__ import annotations

import streamlit as st

from orders_core.catalogue import products as catalogue
from orders_core.rules import formatting
from orders_core.rules.fields import RecordRefused
from ui import frame
from ui.components.intake_forms import literal, product_fields, show_refusal
from ui.session import acting_person, cursor, database

ss = st.session_state


def _done(message: str) -> None:
    ss["products_notice"] = message
    st.rerun()


def table(products: list[dict]) -> None:
    st.dataframe([{
        "SKU": p["sku"], "Name": p["name"], "Brand": p["brand"], "Class": p["regulatory_class"] or "",
        "Category": p["category"], "Net content": f"{p['net_content'].normalize():f} {p['net_unit']}",
        "Dried equivalent (g)": formatting.grams(p["dried_equiv_grams"]) if p["is_cannabis"] else "",
        "Price": formatting.money(p["unit_price"]), "Lot": p["lot_number"], "Bin": p["bin_location"],
        "Active": "yes" if p["active"] else "no",
    } for p in products], hide_index=True, width="stretch", key="products_table")


def add(expanded: bool) -> None:
    with st.expander("Add a product", expanded=expanded, icon=":material/add_box:"):
        with st.form("add_product", border=False):
            raw = product_fields("new")
            submitted = st.form_submit_button("Add the product", type="primary")
        if submitted:
            try:
                sku = catalogue.add_product(database(), raw, acting_person())
            except RecordRefused as exc:
                show_refusal(exc)
            else:
                _done(f"Added {sku}.")


def edit(products: list[dict]) -> None:
    with st.expander("Edit a product", icon=":material/edit:"):
        skus = [p["sku"] for p in products]
        sku = st.selectbox("Product", skus, index=None, key="edit_sku", placeholder="Choose a SKU",
                           format_func=lambda s: f"{s} · {next(p['name'] for p in products if p['sku'] == s)}")
        if sku is None:
            return
        current = catalogue.product(cursor(), sku)
        with st.form(f"edit_product_{sku}", border=False):
            raw = product_fields(f"edit_{sku}", current, new=False)
            submitted = st.form_submit_button("Save changes", type="primary")
        if submitted:
            try:
                change = catalogue.edit_product(database(), sku, raw, acting_person())
            except RecordRefused as exc:
                show_refusal(exc)
            else:
                _done(f"{sku}: {change}" if change else "Nothing changed.")
        st.caption("Price history (orders keep the price they were made at)")
        st.dataframe(catalogue.price_history(cursor(), sku), hide_index=True, key="price_history")


def main() -> None:
    st.title("Products")
    if ss.get("products_notice"):
        st.success(literal(ss.pop("products_notice")))
    products = catalogue.list_products(cursor())
    if not products:
        st.info("The catalogue is empty. Add your first product below, or import your catalogue on the Import page.")
        st.page_link("pages/import.py", label="Import products from a file", icon=":material/upload_file:")
    add(expanded=not products)
    if products:
        edit(products)
        table(products)


frame.run("Products", main)
