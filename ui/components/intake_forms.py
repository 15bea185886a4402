"""The intake forms' fields (registration, medical document, policy, product) and how a refusal is shown.

The fields return what was typed; ``orders_core`` checks it (field by field) and writes nothing until
all is right. Numbers are text inputs so "2,5" or "$1,234.50" are read by the same parsers as files.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from orders_core.catalogue.products import CLASSES, UNITS
from orders_core.rules.fields import PROVINCES, RecordRefused
from orders_core.storage.schema import CATEGORIES, REGISTRATION_STATUSES
from ui.text import literal  # noqa: F401  (pages import it from here too)

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


def show_refusal(exc: RecordRefused) -> None:
    st.error("Nothing was saved:\n\n" + "\n".join(f"- {literal(s)}" for s in exc.sentences()))


def _date(label: str, key: str, value: dt.date | None, *, optional: bool = False):
    return st.date_input(label, value=value, min_value=EARLIEST, max_value=LATEST, key=key,
                         format="YYYY-MM-DD", help="Optional" if optional else None)


def client_fields(prefix: str, initial: dict | None = None, *, with_status: bool = True) -> dict:
    v = initial or {}
    a, b = st.columns(2)
    raw = {
        "name": a.text_input("Name", value=v.get("name") or "", key=f"{prefix}_name", max_chars=200),
        "date_of_birth": b.date_input("Date of birth", value=v.get("date_of_birth"), min_value=EARLIEST,
                                      max_value=dt.date.today(), key=f"{prefix}_dob", format="YYYY-MM-DD"),
        "email": a.text_input("Email", value=v.get("email") or "", key=f"{prefix}_email"),
        "phone": b.text_input("Phone", value=v.get("phone") or "", key=f"{prefix}_phone", placeholder="514-555-0199"),
        "address_line1": a.text_input("Shipping address (from the registration document)",
                                      value=v.get("address_line1") or "", key=f"{prefix}_addr1"),
        "address_line2": b.text_input("Address line 2", value=v.get("address_line2") or "", key=f"{prefix}_addr2"),
        "city": a.text_input("City", value=v.get("city") or "", key=f"{prefix}_city"),
    }
    codes = list(PROVINCES)
    prov = v.get("province")
    raw["province"] = b.selectbox("Province", codes, index=codes.index(prov) if prov in codes else None,
                                  format_func=lambda c: f"{c} · {PROVINCES[c]}", key=f"{prefix}_prov",
                                  placeholder="Choose a province or territory")
    raw["postal_code"] = a.text_input("Postal code", value=v.get("postal_code") or "", key=f"{prefix}_postal",
                                      placeholder="H2X 1Y4")
    raw["registered_on"] = b.date_input("Registration date", value=v.get("registered_on", dt.date.today()),
                                        min_value=EARLIEST, max_value=LATEST, key=f"{prefix}_regdate",
                                        format="YYYY-MM-DD")
    if with_status:
        raw["registration_status"] = a.selectbox("Registration status", REGISTRATION_STATUSES,
                                                 key=f"{prefix}_status")
    raw["previous_system_id"] = b.text_input("Number in the previous system (optional)",
                                             value=v.get("previous_system_id") or "", key=f"{prefix}_prev")
    return raw


def document_fields(prefix: str, initial: dict | None = None) -> dict:
    v = initial or {}
    a, b = st.columns(2)
    grams = v.get("grams_per_day")
    return {
        "grams_per_day": a.text_input("Daily quantity (g of dried cannabis)", value="" if grams is None else str(grams),
                                      key=f"{prefix}_grams", placeholder="2.5"),
        "valid_from": _date("Valid from", f"{prefix}_from", v.get("valid_from", dt.date.today())),
        "valid_until": _date("Valid until (at most one year later)", f"{prefix}_until", v.get("valid_until")),
        "prescriber": a.text_input("Practitioner's name", value=v.get("prescriber") or "", key=f"{prefix}_who"),
        "practitioner_licence": b.text_input("Practitioner's licence number", value=v.get("practitioner_licence") or "",
                                             key=f"{prefix}_licence"),
    }


def policy_fields(prefix: str) -> dict:
    a, b = st.columns(2)
    return {
        "insurer": a.text_input("Insurer (or Veterans Affairs Canada)", key=f"{prefix}_insurer"),
        "share": b.text_input("Share paid (%)", key=f"{prefix}_share", placeholder="80"),
        "max_dollars_per_period": a.text_input("Dollar maximum per 30-day period", key=f"{prefix}_dollars",
                                               placeholder="$300.00"),
        "max_grams_per_period": b.text_input("Gram maximum per 30-day period", key=f"{prefix}_grams",
                                             placeholder="90"),
        "valid_from": _date("Valid from", f"{prefix}_from", dt.date.today()),
        "valid_until": _date("Valid until (optional)", f"{prefix}_until", None, optional=True),
    }


def product_fields(prefix: str, initial: dict | None = None, *, new: bool = True) -> dict:
    v = initial or {}
    a, b = st.columns(2)
    raw = {"sku": a.text_input("SKU", value=v.get("sku") or "", key=f"{prefix}_sku", disabled=not new)}
    raw["name"] = b.text_input("Name", value=v.get("name") or "", key=f"{prefix}_name")
    raw["brand"] = a.text_input("Brand", value=v.get("brand") or "", key=f"{prefix}_brand")
    cls = v.get("regulatory_class")
    raw["regulatory_class"] = b.selectbox("Regulatory class", CLASSES, key=f"{prefix}_class",
                                          index=CLASSES.index(cls) if cls in CLASSES else None,
                                          placeholder="Choose the class")
    cat = v.get("category")
    raw["category"] = a.selectbox("Category", CATEGORIES, key=f"{prefix}_cat",
                                  index=CATEGORIES.index(cat) if cat in CATEGORIES else None,
                                  placeholder="From the class when it is clear")
    net = v.get("net_content")
    raw["net_content"] = b.text_input("Net content per unit", value="" if net is None else f"{net.normalize():f}",
                                      key=f"{prefix}_net", placeholder="3.5")
    units = sorted({u for us in UNITS.values() for u in us})
    unit = v.get("net_unit")
    raw["net_unit"] = a.selectbox("Unit", units, index=units.index(unit) if unit in units else None,
                                  key=f"{prefix}_unit", placeholder="g, mL, seeds, plants, units")
    price = v.get("unit_price")
    raw["unit_price"] = b.text_input("Price", value="" if price is None else f"{price:.2f}", key=f"{prefix}_price",
                                     placeholder="$32.50")
    raw["lot_number"] = a.text_input("Lot", value=v.get("lot_number") or "", key=f"{prefix}_lot")
    raw["bin_location"] = b.text_input("Bin", value=v.get("bin_location") or "", key=f"{prefix}_bin")
    raw["active"] = a.checkbox("Active (can be ordered)", value=v.get("active", True), key=f"{prefix}_active")
    return raw
