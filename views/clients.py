"""The Clients page: find a client and open their profile."""

from __future__ import annotations

import streamlit as st

from orders_core import formatting
from orders_core.clients import CLIENT_COLUMNS, ClientQuery, InvalidClientQuery, list_clients
from orders_core.schema import REGISTRATION_STATUSES
from ui.session import cursor

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


def pager(pages: int) -> None:
    page = ss.get("clients_page", 1)
    prev, label, nxt = st.columns([1, 2, 1], vertical_alignment="center")
    prev.button("‹ Previous", key="clients_prev", disabled=page <= 1,
                on_click=ss.__setitem__, args=("clients_page", page - 1))
    label.markdown(f"Page **{page:,}** of **{pages:,}**")
    nxt.button("Next ›", key="clients_next", disabled=page >= pages,
               on_click=ss.__setitem__, args=("clients_page", page + 1))


def main() -> None:
    st.title("Clients")
    q = filters()
    try:
        result = list_clients(cursor(), q)
    except InvalidClientQuery as exc:
        st.error(str(exc))
        return
    st.markdown(f"**{formatting.count_label(result.total, 'client')}**")
    if result.total == 0:
        st.info("No clients match. Search by part of a name (accents optional), a client ID or an email.")
        return
    st.caption("Select a client to open their profile; create new orders from its Orders tab.")
    event = st.dataframe(
        shown(result.rows), hide_index=True, width="stretch", key="clients_table", column_order=CLIENT_COLUMNS,
        on_select="rerun", selection_mode="single-row",
        column_config={"Client ID": st.column_config.NumberColumn("Client ID", format="%d")},
    )
    if event.selection.rows:
        client_id = int(result.rows.iloc[event.selection.rows[0]]["Client ID"])
        st.switch_page("views/client_profile.py", query_params={"id": str(client_id)})
    pager(result.pages)


main()
