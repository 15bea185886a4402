"""The Access Log page (/audit, administrators only): who opened which client's profile, which order, which
report, and every export, newest first.

The rows are ``orders_core.staff.access_log``'s, read a page at a time on the server (``read_log``, which
checks the signed-in person against the staff list and the role table's ``read_access_log``). Nothing on
this page changes the log: it has no such control, and the core has no such function.
"""

from __future__ import annotations

import streamlit as st

from orders_core.rules import formatting
from orders_core.rules.dates import FIRST_DATE, LAST_DATE
from orders_core.rules.parsing import MAX_CLIENT_ID_DIGITS, id_in
from orders_core.staff import access_log
from orders_core.staff import members as staff
from ui import frame
from ui.components.pager import pager
from ui.session import cursor, viewer

ss = st.session_state
PAGE_SIZES = (50, 100, 200)
EVERYONE = ""


def filters() -> access_log.LogQuery | None:
    """The filter controls; the query they describe (None, with one sentence shown, when it cannot be run)."""
    people = [EVERYONE, *(m.email for m in staff.list_staff(cursor()))]
    client, person, kinds, since, until = st.columns([1.2, 2.4, 2.4, 1.2, 1.2], vertical_alignment="bottom")
    client.text_input("Client ID", key="audit_client", placeholder="e.g. 1001")
    person.selectbox("Person", people, key="audit_person", format_func=lambda e: e or "Everyone")
    kinds.multiselect("Opened", access_log.KINDS, key="audit_kinds", placeholder="Every kind")
    since.date_input("Since", key="audit_since", value=None, format="YYYY-MM-DD", min_value=FIRST_DATE,
                     max_value=LAST_DATE)
    until.date_input("Until", key="audit_until", value=None, format="YYYY-MM-DD", min_value=FIRST_DATE,
                     max_value=LAST_DATE)
    typed = (ss.get("audit_client") or "").strip()
    client_id = id_in(typed, MAX_CLIENT_ID_DIGITS) if typed else None
    if typed and client_id is None:
        st.error("A client id is a number such as 1001.")
        return None
    return access_log.LogQuery(client_id=client_id, email=ss.get("audit_person") or None,
                               kinds=tuple(ss.get("audit_kinds") or ()), since=ss.get("audit_since"),
                               until=ss.get("audit_until"), page_size=ss.get("audit_size", PAGE_SIZES[0]))


def current_page(q: access_log.LogQuery) -> access_log.LogQuery:
    """Back to page 1 whenever the filters change; otherwise the page the administrator is on."""
    if ss.get("audit_signature") != q:
        ss["audit_signature"] = q
        ss["audit_page"] = 1
    return q.at_page(ss.get("audit_page", 1))


def main() -> None:
    st.title("Access Log")
    st.caption("Who opened which client's profile, which order, which report, and every export. "
               "Rows are only ever added; nobody can change or delete them.")
    q = filters()
    if q is None:
        return
    try:
        result = access_log.read_log(cursor(), current_page(q), viewer())
    except access_log.InvalidLogQuery as exc:
        st.error(str(exc))
        return
    if result.total and result.query.page > result.pages:
        ss["audit_page"] = result.pages
        result = access_log.read_log(cursor(), result.query.at_page(result.pages), viewer())
    st.markdown(f"**{formatting.count_label(result.total, 'row')}**")
    if result.total == 0:
        st.info("No access matches. Clear a filter to see more.")
        return
    rows = result.rows.copy()
    rows["When"] = [f"{t:%Y-%m-%d %H:%M:%S}" for t in rows["When"]]
    st.dataframe(rows, hide_index=True, width="stretch", key="audit_table",
                 height=min(38 + 35 * len(rows), 38 + 35 * 25))
    pager("audit_page", result.pages, key="audit_pager", sizes=PAGE_SIZES, size_key="audit_size")


frame.run("Access Log", main)
