"""The Recurring Order tab of the Client Profile: the client's monthly template and what it generated."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from orders_core.recurring import api as rec
from orders_core.rules import formatting
from orders_core.rules.dates import LAST_DATE
from orders_core.rules.limits import MAX_UNITS
from orders_core.rules.numbers import NumberError, parse_units
from orders_core.rules.roles import may
from ui.session import acting_person, cursor, database
from ui.text import literal

ss = st.session_state
NO_CARRIER = "(choose later)"


def _key(client_id: int, name: str) -> str:
    return f"rectab_{client_id}_{name}"


def _rules_caption(rules: rec.ClientRules) -> str:
    if rules.grams_per_day is None:
        rx = "no prescription"
    else:
        rx = (f"{formatting.grams(rules.grams_per_day)} a day, valid {rules.valid_from:%Y-%m-%d} to "
              f"{rules.valid_until:%Y-%m-%d}; monthly allowance {formatting.grams(rules.allowance)}, "
              f"at most {formatting.grams(rules.shipment_cap)} per shipment")
    return f"Registration **{rules.registration_status}** · Prescription: {rx}"


def _status(template: rec.Template) -> None:
    state = "Enabled" if template.enabled else "Disabled"
    nxt = formatting.date(template.next_order_on) or "not set"
    last = template.last_generated_order_id
    st.markdown(f"Recurring order **#{template.recurring_order_id}** · **{state}** · next order on **{nxt}**"
                + (f" · last generated order **{last}**" if last else ""))
    if template.last_skip_reason:
        when = formatting.timestamp(template.last_skip_at)
        st.warning(f"Last skipped ({when}): {literal(template.last_skip_reason)}")


def _lines_editor(
    client_id: int, template: rec.Template | None, products: pd.DataFrame,
) -> tuple[list[rec.TemplateLine], list[str]]:
    """The template's lines as typed and each bad figure's sentence (units read as ``numbers`` reads them)."""
    labels = {r.sku: f"{r.name} · {r.sku}" for r in products.itertuples()}
    by_label = {v: k for k, v in labels.items()}
    start = pd.DataFrame({
        "Product": [labels.get(ln.sku, ln.sku) for ln in (template.lines if template else ())],
        "Units": [str(ln.units) for ln in (template.lines if template else ())],
    }).astype({"Product": "object", "Units": "object"})
    edited = st.data_editor(
        start, key=_key(client_id, f"lines_{ss.get(_key(client_id, 'version'), 0)}"), num_rows="dynamic",
        hide_index=True, width="stretch",
        column_config={
            "Product": st.column_config.SelectboxColumn("Product", options=list(labels.values()), required=True,
                                                        width="large"),
            "Units": st.column_config.TextColumn("Units", default="1", required=True,
                                                 help=f"A whole number from 1 to {MAX_UNITS}."),
        },
    )
    return template_lines(edited, by_label)


def template_lines(edited: pd.DataFrame, by_label: dict[str, str]) -> tuple[list[rec.TemplateLine], list[str]]:
    """The editor's rows as template lines, and one sentence per bad figure (never silently fixed)."""
    lines, errors = [], []
    for n, row in enumerate(edited.itertuples(), start=1):
        if row.Product is None or pd.isna(row.Product):
            continue
        try:
            units = parse_units(None if pd.isna(row.Units) else row.Units, f"Line {n}: units",
                                maximum=MAX_UNITS)
        except NumberError as exc:
            errors.append(str(exc))
            continue
        lines.append(rec.TemplateLine(by_label.get(row.Product, str(row.Product)), units))
    return lines, errors


def _schedule(client_id: int, template: rec.Template | None, carriers: list[str]) -> dict:
    k = lambda name: _key(client_id, name)  # noqa: E731
    left, right = st.columns(2)
    options = [NO_CARRIER, *carriers]
    carrier = left.selectbox("Carrier", options, key=k("carrier"),
                             index=options.index(template.carrier) if template and template.carrier in options else 0)
    enabled = left.toggle("Enabled", key=k("enabled"), value=template.enabled if template else True,
                          help="Disabled templates generate nothing until enabled again.")
    schedule = right.radio("Generate the order on", rec.SCHEDULES, format_func=rec.SCHEDULE_LABELS.get,
                           key=k("schedule"),
                           index=rec.SCHEDULES.index(template.schedule) if template else 0)
    day = None
    if schedule == "day_of_month":
        day = right.number_input("Day of the month", 1, 31, step=1, key=k("day"),
                                 value=(template.day_of_month if template and template.day_of_month else 1),
                                 help="29, 30 and 31 fall on the month's last day in shorter months.")
    choose = right.checkbox("Choose the next order date", key=k("choose"))
    next_on = None
    if choose:
        default = template.next_order_on if template and template.next_order_on else dt.date.today()
        next_on = right.date_input("Next order on", value=max(default, dt.date.today()), key=k("next_on"),
                                   min_value=dt.date.today(), max_value=LAST_DATE)
    return {"carrier": None if carrier == NO_CARRIER else carrier, "enabled": enabled, "schedule": schedule,
            "day_of_month": int(day) if day is not None else None, "next_order_on": next_on}


def _gram_meters(check: rec.TemplateCheck) -> None:
    rules = check.client
    grams = check.grams_per_month
    a, b, c, d = st.columns(4)
    a.metric("Grams per month", formatting.grams(grams) or "no cannabis")
    b.metric("Monthly allowance", formatting.grams(rules.allowance) if rules and rules.allowance else "none")
    c.metric("Per shipment (cap)", formatting.grams(rules.shipment_cap) if rules and rules.shipment_cap else "none")
    d.metric("Monthly total", formatting.money(check.monthly_total),
             help="Product prices today; coverage and shipping are applied when a CSR reviews each order.")
    if grams is not None and rules and rules.allowance:
        share = float(min(grams / rules.allowance, 1))
        st.progress(share, text=f"{formatting.grams(grams)} of {formatting.grams(rules.allowance)} allowed a month"
                    + (f" · ships as {check.shipments} orders of at most {formatting.grams(rules.shipment_cap)}"
                       if check.shipments > 1 else ""))
    if check.next_order_on:
        st.caption(f"Next order on {check.next_order_on:%Y-%m-%d}.")


def _editor(client_id: int, template: rec.Template | None) -> None:
    cur = cursor()
    products = rec.active_products(cur)
    st.markdown("**Products every month**")
    lines, bad = _lines_editor(client_id, template, products)
    for sentence in bad:
        st.error(literal(sentence))
    if bad:
        st.warning("Correct the units marked above: nothing is checked or saved while a figure is wrong.")
        return
    values = _schedule(client_id, template, rec.carriers(cur))
    draft = rec.TemplateDraft(client_id, tuple(lines), **values)
    check = rec.check_template(cur, draft, acting_person())
    _gram_meters(check)
    untouched = template is None and not lines  # a new, empty template: no reasons until they try to save
    for reason in () if untouched else check.reasons:
        st.error(literal(reason))
    for warning in check.warnings:
        st.warning(literal(warning))
    label = "Save recurring order" if template else "Create recurring order"
    if st.button(label, type="primary", key=_key(client_id, "save")):
        try:
            rec.save_template(database(), draft, acting_person())
        except rec.TemplateRefused as exc:
            ss[_key(client_id, "flash")] = ("error", literal(exc))
        else:
            ss[_key(client_id, "flash")] = ("success", "Recurring order saved.")
            ss[_key(client_id, "version")] = ss.get(_key(client_id, "version"), 0) + 1
            for name in ("carrier", "enabled", "schedule", "day", "choose", "next_on"):
                ss.pop(_key(client_id, name), None)
        st.rerun()


def _history(template: rec.Template) -> None:
    cur = cursor()
    st.markdown("**Orders it generated** (select one to open it)")
    orders = rec.generated_orders(cur, acting_person(), template.recurring_order_id, limit=100)
    if orders.empty:
        st.caption("No order generated yet.")
    else:
        shown = orders.copy()
        shown["Quantity"] = [formatting.grams(v) for v in orders["Quantity"]]
        shown["Total Due"] = [formatting.money(v) for v in orders["Total Due"]]
        shown["Created At"] = [formatting.timestamp(v) for v in orders["Created At"]]
        shown["Period Start"] = [formatting.date(v) for v in orders["Period Start"]]
        shown["Carrier"] = orders["Carrier"].fillna("").astype(str)
        event = st.dataframe(
            shown, hide_index=True, width="stretch", key=_key(template.client_id, "history"),
            on_select="rerun", selection_mode="single-row",
            column_order=["Order ID", "Period Start", "Quantity", "Total Due", "Created At", "Status", "Carrier"],
            column_config={"Order ID": st.column_config.NumberColumn("Order ID", format="%d")},
        )
        if event.selection.rows:
            order_id = int(orders.iloc[event.selection.rows[0]]["Order ID"])
            st.switch_page("pages/order.py", query_params={"id": str(order_id)})
    skips = rec.skip_history(cur, template.recurring_order_id, acting_person())
    if not skips.empty:
        st.markdown("**Skipped periods**")
        st.dataframe(skips, hide_index=True, width="stretch")
    with st.expander("Changes to this recurring order"):
        st.dataframe(rec.template_events(cur, template.recurring_order_id, acting_person()), hide_index=True, width="stretch")


def render_recurring_tab(client_id: int) -> None:
    """The client's template: create or edit it against the allowance and cap, and its history."""
    cur = cursor()
    rules = rec.client_rules(cur, client_id, acting_person())
    if rules is None:
        st.error(f"There is no client {client_id}.")
        return
    flash = ss.pop(_key(client_id, "flash"), None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    st.caption(_rules_caption(rules))
    template = rec.get_template(cur, client_id, acting_person())
    may_change = may(acting_person(), "manage_recurring")
    if template is None:
        st.info(f"{literal(rules.name)} has no recurring order yet"
                + ("; add products below to create one." if may_change else "."))
    else:
        _status(template)
    if may_change:  # an Administrator reads templates, changes none
        _editor(client_id, template)
    if template is not None:
        _history(template)
