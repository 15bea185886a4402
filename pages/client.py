"""The Client Profile (/client?id=...): identity, registration, prescription, coverage, and tabs:
Orders (with Create New Order), Prescription Periods and Recurring Order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from orders_core.clients import document_release
from orders_core.clients import policies as coverage
from orders_core.clients import prescriptions as documents
from orders_core.clients.records import (
    BadClientId,
    Client,
    get_client,
    parse_client_id,
    period_orders,
    prescription_periods,
)
from orders_core.clients.registration import (
    change_status,
    client_history,
    client_record,
    edit_client,
    status_actions,
)
from orders_core.orders.access import list_orders_for
from orders_core.orders.drafts import OrderRefused, review_order
from orders_core.orders.index import INDEX_COLUMNS, OrderQuery
from orders_core.orders.ordering import create_order
from orders_core.rules import formatting
from orders_core.rules.fields import RecordRefused
from orders_core.rules.roles import may
from ui import frame
from ui.components.intake_forms import client_fields as registration_fields
from ui.components.intake_forms import document_fields, policy_fields, show_refusal
from ui.components.links import orders_table
from ui.components.order_form import draft_from_state, render_form, render_summary, show_reasons, start_form
from ui.components.pager import pager
from ui.components.recurring_tab import render_recurring_tab
from ui.session import acting_person, cursor, database
from ui.text import literal

ss = st.session_state
PAGE_SIZE = 25


def header(client: Client) -> None:
    st.title(literal(client.name))
    st.caption(f"Client ID {client.client_id} · Registration: **{client.registration_status}**")
    who, where, rx_col, cover = st.columns(4)
    with who:
        st.markdown("**Identity**")
        st.markdown(f"Born {client.date_of_birth:%Y-%m-%d}  \n{literal(client.email or '')}  \n"
                    f"{literal(client.phone or '')}")
    with where:
        st.markdown("**Registered shipping address**")
        st.markdown("  \n".join(literal(part) for part in client.address.split(", ")))
        st.caption("Orders ship only to this address.")
    with rx_col:
        st.markdown("**Prescription**")
        rx = client.prescription
        if rx is None:
            st.markdown("None active.")
        else:
            st.markdown(
                f"{formatting.grams(rx.grams_per_day)} a day · {literal(rx.prescriber)}  \n"
                f"Valid {rx.valid_from:%Y-%m-%d} to {rx.valid_until:%Y-%m-%d}  \n"
                f"Limit per order {formatting.grams(rx.shipment_cap)} · per period {formatting.grams(rx.period_allowance)}"
            )
    with cover:
        st.markdown("**Coverage policies**")
        st.markdown("  \n".join(literal(p.describe()) for p in client.policies) or "None.")


# --------------------------------------------------------------------------- registration


def _done(message: str) -> None:
    ss["client_notice"] = message
    st.rerun()


def registration_section(client: Client) -> None:
    if ss.get("client_notice"):
        st.success(literal(ss.pop("client_notice")))
    if not may(acting_person(), "register_clients"):  # an Administrator reads the record, changes nothing
        history_section(client)
        return
    actions = status_actions(client.registration_status)
    cols = st.columns(len(actions) + 2) if actions else st.columns(2)
    for col, action in zip(cols, actions, strict=False):
        if col.button(f"{action} registration", key=f"status_{action}"):
            try:
                _done(change_status(database(), client.client_id, action, acting_person()))
            except ValueError as exc:
                st.error(literal(exc))
    with st.expander("Edit the registration record", icon=":material/edit:"):
        with st.form("edit_client", border=False):
            raw = registration_fields("edit", client_record(cursor(), client.client_id, acting_person()), with_status=False)
            submitted = st.form_submit_button("Save changes", type="primary")
        if submitted:
            try:
                change = edit_client(database(), client.client_id, raw, acting_person())
            except RecordRefused as exc:
                show_refusal(exc)
            else:
                _done(f"Saved: {change}" if change else "Nothing changed.")
    history_section(client)


def history_section(client: Client) -> None:
    with st.expander("History", icon=":material/history:"):
        history = client_history(cursor(), client.client_id, acting_person())
        if history:
            st.dataframe(history, hide_index=True, width="stretch", key="client_history")
        else:
            st.caption("No changes recorded yet.")


# --------------------------------------------------------------------------- Orders tab


def _save(client_id: int) -> None:
    prefix = f"new_{client_id}"
    draft = draft_from_state(prefix, client_id)
    try:
        order_id = create_order(database(), draft, acting_person())
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
        review = review_order(cursor(), draft, acting_person())
        render_summary(review, prefix)
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
        st.switch_page("pages/order.py", query_params={"id": str(last)})
    if not may(acting_person(), "create_order"):
        pass
    elif ss.get(f"new_{client.client_id}_open"):
        new_order(client)
    else:
        st.button("Create New Order", type="primary", key="create_new_order",
                  on_click=_toggle_new, args=(client.client_id, True))
    archived = st.toggle("Show archived orders", key="client_archived")
    page_key = f"client_orders_page_{client.client_id}_{archived}"
    q = OrderQuery(view="Archived" if archived else "All", client_id=client.client_id,
                   page=ss.get(page_key, 1), page_size=PAGE_SIZE)
    result = list_orders_for(cursor(), q, acting_person())
    st.markdown(f"**{formatting.count_label(result.total)}**")
    if result.total == 0:
        st.info("This client has no orders here yet.")
        return
    orders_table(formatting.index_rows(result.rows), INDEX_COLUMNS, caption=f"Orders of {client.name}")
    pager(page_key, result.pages, key="client")


# --------------------------------------------------------------------------- Prescription Periods tab


def documents_section(client: Client) -> None:
    st.subheader("Medical documents")
    docs = documents.documents(cursor(), client.client_id, acting_person())
    if docs:
        st.dataframe([{
            "Document": d["prescription_id"], "Grams/day": formatting.grams(d["grams_per_day"]),
            "Valid from": f"{d['valid_from']:%Y-%m-%d}", "Valid until": f"{d['valid_until']:%Y-%m-%d}",
            "Practitioner": d["prescriber"], "Licence": d["practitioner_licence"] or "",
        } for d in docs], hide_index=True, width="stretch", key="documents_table")
    else:
        st.info("No medical document yet: add the client's medical document below; the prescription periods "
                "and the allowance follow from it.")
    if not may(acting_person(), "register_clients"):
        return
    renewing = bool(docs)

    def save_document(raw: dict) -> str:
        add = documents.renew_document if renewing else documents.add_document
        return f"Medical document {add(database(), client.client_id, raw, acting_person())} saved."

    _form_in_expander("Renew the medical document" if renewing else "Add a medical document", ":material/note_add:",
                      "add_document", "Save the document", save_document, expanded=not renewing,
                      draw=lambda: document_fields("doc", documents.renewal_defaults(
                          cursor(), client.client_id, acting_person()) if renewing else None))
    if docs:
        _end_form("a document early", ":material/event_busy:", "end_document", "doc", "Document",
                  [d["prescription_id"] for d in docs], "Last valid day", "End the document", documents.end_document)
        release_form([d["prescription_id"] for d in docs])
    released = document_release.releases(cursor(), client.client_id, acting_person())
    if released:
        st.caption("Transferred or returned: " + "; ".join(
            literal(f"document {r['prescription_id']} {r['kind']} on {r['released_on']:%Y-%m-%d}"
                    + (f" to {r['to_seller']}" if r["to_seller"] else "")) for r in released))


def release_form(ids: list[int]) -> None:
    """Transfer a medical document to another seller (s. 287) or return it to the client (s. 286(6))."""

    def draw() -> tuple[int, dict]:
        picked = st.selectbox("Document", ids, key="release_doc")
        kind = st.radio("What happened", list(document_release.KINDS), key="release_kind",
                        format_func=document_release.KINDS.get, horizontal=True)
        day = st.date_input("Day", value=dt.date.today(), key="release_day", format="YYYY-MM-DD")
        seller = st.text_input("Holder of a licence for sale it went to (for a transfer)", key="release_seller")
        return picked, {"kind": kind, "released_on": day, "to_seller": seller}

    _form_in_expander("Transfer or return a medical document", ":material/forward_to_inbox:", "release_document",
                      "Record it", lambda picked: document_release.release_document(
                          database(), picked[0], picked[1], acting_person()), draw=draw, primary=False)


def policies_section(client: Client) -> None:
    st.subheader("Coverage policies")
    pols = coverage.policies(cursor(), client.client_id, acting_person())
    if pols:
        st.dataframe([{"Policy": p["policy_id"], "Coverage": coverage.describe(p)} for p in pols],
                     hide_index=True, width="stretch", key="policies_table")
    else:
        st.caption("No coverage policy.")
    if not may(acting_person(), "register_clients"):
        return
    _form_in_expander("Add a policy", ":material/add_card:", "add_policy", "Save the policy",
                      lambda raw: f"Policy {coverage.add_policy(database(), client.client_id, raw, acting_person())} saved.",
                      draw=lambda: policy_fields("pol"))
    if pols:
        _end_form("a policy", ":material/credit_card_off:", "end_policy", "pol", "Policy",
                  [p["policy_id"] for p in pols], "Last day covered", "End the policy", coverage.end_policy)


def _form_in_expander(label: str, icon: str, key: str, button: str, save: Callable[[object], str], *,
                      draw: Callable[[], object], expanded: bool = False, primary: bool = True) -> None:
    """An expander holding one form: on submit, ``save`` of what ``draw`` read gives the sentence shown, or
    its refusal is shown field by field (nothing written)."""
    with st.expander(label, expanded=expanded, icon=icon):
        with st.form(key, border=False):
            value = draw()
            submitted = st.form_submit_button(button, type="primary" if primary else "secondary")
        if submitted:
            try:
                sentence = save(value)
            except RecordRefused as exc:
                show_refusal(exc)
            else:
                _done(sentence)


def _end_form(what: str, icon: str, key: str, prefix: str, choose: str, ids: list[int], day: str, button: str,
              end: Callable) -> None:
    """"End <what>": pick one of ``ids`` and its last day; ``end(db, id, day, person)`` says what it did."""
    _form_in_expander(f"End {what}", icon, key, button,
                      lambda picked: end(database(), picked[0], picked[1], acting_person()), primary=False,
                      draw=lambda: (st.selectbox(choose, ids, key=f"end_{prefix}_id"),
                                    st.date_input(day, value=dt.date.today(), key=f"end_{prefix}_day",
                                                  format="YYYY-MM-DD")))


def periods_tab(client: Client) -> None:
    documents_section(client)
    policies_section(client)
    st.subheader("Prescription periods")
    periods = prescription_periods(cursor(), client, dt.date.today(), acting_person())
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
        rows = period_orders(cursor(), chosen.orders, acting_person())
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
        st.error(literal(str(exc)))
        return
    client = get_client(cursor(), client_id, acting_person())
    if client is None:
        st.error(f"There is no client {client_id}: find the client on the Clients page.")
        return
    header(client)
    registration_section(client)
    opening = "Recurring Order" if st.query_params.get("tab") == "recurring" else None
    orders, periods, recurring = st.tabs(["Orders", "Prescription Periods", "Recurring Order"], default=opening)
    with orders:
        orders_tab(client)
    with periods:
        periods_tab(client)
    with recurring:
        render_recurring_tab(client.client_id)


frame.run("Client Profile", main)
