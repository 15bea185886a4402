"""The Client Profile (/client?id=...): identity, registration, prescription, coverage, and tabs:
Orders (with Create New Order), Prescription Periods and Recurring Order."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from orders_core import formatting
from orders_core.clients import (
    BadClientId,
    Client,
    get_client,
    parse_client_id,
    period_orders,
    prescription_periods,
)
from orders_core.index import INDEX_COLUMNS, OrderQuery, list_orders
from orders_core.ordering import OrderRefused, create_order, fmt_grams, review_order
from ui.order_form import draft_from_state, render_form, render_summary, show_reasons, start_form
from ui.recurring_tab import render_recurring_tab
from ui.session import acting_user, cursor, database

ss = st.session_state
PAGE_SIZE = 25


def header(client: Client) -> None:
    st.title(client.name)
    st.caption(f"Client ID {client.client_id} · Registration: **{client.registration_status}**")
    who, where, rx_col, cover = st.columns(4)
    with who:
        st.markdown("**Identity**")
        st.markdown(f"Born {client.date_of_birth:%Y-%m-%d}  \n{client.email or ''}  \n{client.phone or ''}")
    with where:
        st.markdown("**Registered shipping address**")
        st.markdown(client.address.replace(", ", "  \n"))
        st.caption("Orders ship only to this address.")
    with rx_col:
        st.markdown("**Prescription**")
        rx = client.prescription
        if rx is None:
            st.markdown("None active.")
        else:
            st.markdown(
                f"{fmt_grams(rx.grams_per_day)} g a day · {rx.prescriber}  \n"
                f"Valid {rx.valid_from:%Y-%m-%d} to {rx.valid_until:%Y-%m-%d}  \n"
                f"Limit per order {fmt_grams(rx.shipment_cap)} g · per period {fmt_grams(rx.period_allowance)} g"
            )
    with cover:
        st.markdown("**Coverage policies**")
        st.markdown("  \n".join(p.describe() for p in client.policies) or "None.")


# --------------------------------------------------------------------------- Orders tab


def _save(client_id: int) -> None:
    prefix = f"new_{client_id}"
    draft = draft_from_state(prefix, client_id)
    try:
        order_id = create_order(database(), draft, acting_user())
    except OrderRefused as exc:
        ss[f"{prefix}_refused"] = exc.reasons
        return
    start_form(prefix)
    ss[f"{prefix}_open"] = False
    ss["client_flash"] = order_id
    ss[f"client_last_saved_{client_id}"] = order_id


def _toggle_new(client_id: int, open_: bool) -> None:
    prefix = f"new_{client_id}"
    if open_:
        start_form(prefix)
    ss[f"{prefix}_open"] = open_
    ss.pop(f"{prefix}_refused", None)


def new_order(client: Client) -> None:
    prefix = f"new_{client.client_id}"
    with st.container(border=True):
        st.subheader("New order")
        draft = render_form(prefix, client.client_id, csr_fields=True, client_name=client.name)
        review = review_order(cursor(), draft)
        render_summary(review)
        if ss.get(f"{prefix}_refused"):
            show_reasons("The order was not saved:", ss[f"{prefix}_refused"])
        save, discard, _ = st.columns([1, 1, 4])
        save.button("Save order", type="primary", key=f"{prefix}_save", on_click=_save, args=(client.client_id,))
        discard.button("Discard", key=f"{prefix}_discard", on_click=_toggle_new, args=(client.client_id, False))


def orders_tab(client: Client) -> None:
    flash = ss.pop("client_flash", None)
    if flash:
        st.success(f"Order {flash} saved: it is Open.")
    last = ss.get(f"client_last_saved_{client.client_id}")
    if last and st.button(f"Open order {last}", key="client_open_new"):
        st.switch_page("views/order_profile.py", query_params={"id": str(last)})
    if ss.get(f"new_{client.client_id}_open"):
        new_order(client)
    else:
        st.button("Create New Order", type="primary", key="create_new_order",
                  on_click=_toggle_new, args=(client.client_id, True))
    archived = st.toggle("Show archived orders", key="client_archived")
    page_key = f"client_orders_page_{client.client_id}_{archived}"
    q = OrderQuery(view="Archived" if archived else "All", client_id=client.client_id,
                   page=ss.get(page_key, 1), page_size=PAGE_SIZE)
    result = list_orders(cursor(), q)
    st.markdown(f"**{formatting.count_label(result.total)}**")
    if result.total == 0:
        st.info("This client has no orders here yet.")
        return
    event = st.dataframe(
        formatting.index_rows(result.rows), hide_index=True, width="stretch", key="client_orders",
        column_order=INDEX_COLUMNS, on_select="rerun", selection_mode="single-row",
        column_config={"Order ID": st.column_config.NumberColumn("Order ID", format="%d")},
    )
    if event.selection.rows:
        order_id = int(result.rows.iloc[event.selection.rows[0]]["Order ID"])
        st.switch_page("views/order_profile.py", query_params={"id": str(order_id)})
    if result.pages > 1:
        page = ss.get(page_key, 1)
        prev, label, nxt = st.columns([1, 2, 1], vertical_alignment="center")
        prev.button("‹ Previous", key="client_prev", disabled=page <= 1,
                    on_click=ss.__setitem__, args=(page_key, page - 1))
        label.markdown(f"Page **{page}** of **{result.pages}**")
        nxt.button("Next ›", key="client_next", disabled=page >= result.pages,
                   on_click=ss.__setitem__, args=(page_key, page + 1))


# --------------------------------------------------------------------------- Prescription Periods tab


def periods_tab(client: Client) -> None:
    periods = prescription_periods(cursor(), client, dt.date.today())
    if not periods:
        st.info("There are no prescription periods: the client has no prescription valid up to today.")
        return
    st.caption("30-day windows from the prescription's start. Grams of cancelled orders are given back; "
               "unused grams do not carry over.")
    table = [{
        "Period": p.number, "From": f"{p.start:%Y-%m-%d}", "To": f"{p.end:%Y-%m-%d}",
        "Allowance": formatting.grams(p.allowance), "Used": formatting.grams(p.used),
        "Available": formatting.grams(p.available), "Orders": len(p.orders),
    } for p in periods]
    st.dataframe(table, hide_index=True, width="stretch", key="periods_table")
    chosen = st.selectbox("Orders in period", periods, format_func=lambda p: f"Period {p.number}: {p.label()}",
                          key="periods_pick")
    if chosen.orders:
        rows = period_orders(cursor(), chosen.orders)
        rows["Quantity"] = [formatting.grams(v) for v in rows["Quantity"]]
        rows["Total Due"] = [formatting.money(v) for v in rows["Total Due"]]
        rows["Created At"] = [formatting.timestamp(v) for v in rows["Created At"]]
        st.dataframe(rows, hide_index=True, width="stretch", key="period_orders",
                     column_config={"Order ID": st.column_config.NumberColumn("Order ID", format="%d")})
    else:
        st.caption("No orders in this period.")


def main() -> None:
    try:
        client_id = parse_client_id(st.query_params.get("id"))
    except BadClientId as exc:
        st.error(str(exc))
        return
    client = get_client(cursor(), client_id)
    if client is None:
        st.error(f"There is no client {client_id}: find the client on the Clients page.")
        return
    header(client)
    opening = "Recurring Order" if st.query_params.get("tab") == "recurring" else None
    orders, periods, recurring = st.tabs(["Orders", "Prescription Periods", "Recurring Order"], default=opening)
    with orders:
        orders_tab(client)
    with periods:
        periods_tab(client)
    with recurring:
        render_recurring_tab(client.client_id)


main()
