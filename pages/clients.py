"""The Clients page: find a client and open their profile; register a client."""

from __future__ import annotations

import streamlit as st

from orders_core.clients.records import CLIENT_COLUMNS, ClientQuery, InvalidClientQuery, list_clients
from orders_core.clients.registration import has_clients, register_client
from orders_core.rules import formatting
from orders_core.rules.fields import RecordRefused
from orders_core.storage.schema import REGISTRATION_STATUSES
from ui import frame
from ui.components.intake_forms import client_fields, show_refusal
from ui.components.links import clients_table
from ui.components.pager import pager
from ui.session import acting_person, cursor, database
from ui.text import literal

ss = st.session_state
PAGE_SIZE = 25


def filters() -> ClientQuery:
    search, reg = st.columns([3, 2], vertical_alignment="bottom")
    search.text_input("Search clients", key="clients_search", placeholder="Name, client ID or email")
    reg.multiselect("Registration", REGISTRATION_STATUSES, key="clients_registration")
    q = ClientQuery(search=ss.get("clients_search") or "", registration=tuple(ss.get("clients_registration") or ()),
                    page_size=PAGE_SIZE)
    if ss.get("clients_signature") != q:
        ss["clients_signature"] = q
        ss["clients_page"] = 1
    return ClientQuery(q.search, q.registration, ss.get("clients_page", 1), PAGE_SIZE)


def shown(rows):
    out = rows.copy()
    out["Grams/day"] = [formatting.grams(v) for v in rows["Grams/day"]]
    out["Valid Until"] = [formatting.date(v) for v in rows["Valid Until"]]
    return out


def register(expanded: bool) -> None:
    with st.expander("Register a client", expanded=expanded, icon=":material/person_add:"):
        with st.form("register_client", border=False):
            st.caption("The registration record as Part 14 requires it. Orders ship only to this address.")
            raw = client_fields("reg")
            submitted = st.form_submit_button("Register the client", type="primary")
        if submitted:
            try:
                client_id = register_client(database(), raw, acting_person())
            except RecordRefused as exc:
                show_refusal(exc)
                return
            st.switch_page("pages/client.py", query_params={"id": str(client_id)})


def main() -> None:
    st.title("Clients")
    empty = not has_clients(cursor())
    if empty:
        st.info("There are no clients yet. Register your first client below, or import your clients "
                "from the previous system on the Import page.")
        st.page_link("pages/import.py", label="Import clients from a file", icon=":material/upload_file:")
    register(expanded=empty)
    if empty:
        return
    q = filters()
    try:
        result = list_clients(cursor(), q, acting_person())
    except InvalidClientQuery as exc:
        st.error(literal(str(exc)))
        return
    st.markdown(f"**{formatting.count_label(result.total, 'client')}**")
    if result.total == 0:
        st.info("No clients match. Search by part of a name (accents optional), a client ID or an email.")
        return
    st.caption("Open a client's profile from their name; create new orders from its Orders tab.")
    clients_table(shown(result.rows), CLIENT_COLUMNS)
    pager("clients_page", result.pages, key="clients")


frame.run("Clients", main)
