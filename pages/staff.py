"""The Staff page (/staff, administrators only): who may sign in, their roles, and every change.

Every change goes through ``orders_core.staff.members`` as the signed-in administrator, who is checked again
inside the write's transaction; a refusal is one sentence and changes nothing.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from orders_core.rules import formatting
from orders_core.rules.roles import ROLES, NotAllowed
from orders_core.staff import members as staff
from ui import frame
from ui.session import acting_person, cursor, database
from ui.text import literal

ss = st.session_state


def _outcome(kind: str, text: str) -> None:
    ss["staff_outcome"] = (kind, text)


def _apply(change, *args) -> None:
    """Run one staff change as the signed-in person; keep its outcome for the next render."""
    try:
        person = change(database(), acting_person(), *args)
    except (NotAllowed, staff.StaffError) as exc:
        _outcome("error", str(exc))
        return
    verb = {staff.add: "Added", staff.set_role: "Changed the role of", staff.deactivate: "Deactivated",
            staff.reactivate: "Reactivated"}[change]
    _outcome("ok", f"{verb} {person.name} ({person.email}, {person.role}).")


def _add() -> None:
    _apply(staff.add, ss.get("staff_new_email") or "", ss.get("staff_new_name") or "", ss.get("staff_new_role"))
    if ss.get("staff_outcome", ("",))[0] == "ok":
        ss["staff_new_email"] = ""
        ss["staff_new_name"] = ""


def outcome() -> None:
    result = ss.pop("staff_outcome", None)
    if result:
        kind, text = result
        (st.success if kind == "ok" else st.error)(literal(text))


def staff_table(rows: list[staff.StaffMember]) -> None:
    st.dataframe(pd.DataFrame({
        "Name": [m.name for m in rows],
        "E-mail": [m.email for m in rows],
        "Role": [m.role for m in rows],
        "Status": ["Active" if m.active else "Deactivated" for m in rows],
        "Last Changed": [formatting.timestamp(m.changed_at) for m in rows],
        "Changed By": [m.changed_by_name for m in rows],
    }), hide_index=True, width="stretch", key="staff_table")


def add_form() -> None:
    with st.container(border=True):
        st.markdown("**Add a person**")
        email, name, role, go = st.columns([3, 3, 2, 1], vertical_alignment="bottom")
        email.text_input("E-mail (their sign-in identity)", key="staff_new_email", max_chars=254)
        name.text_input("Name (as records will show it)", key="staff_new_name", max_chars=staff.MAX_NAME)
        role.selectbox("Role", ROLES, key="staff_new_role")
        go.button("Add", key="staff_add", type="primary", on_click=_add)


def change_form(rows: list[staff.StaffMember]) -> None:
    with st.container(border=True):
        st.markdown("**Change someone's access**")
        by_email = {m.email: m for m in rows}
        who_col, role_col, set_col, act_col = st.columns([3, 2, 1.2, 1.4], vertical_alignment="bottom")
        email = who_col.selectbox("Person", list(by_email), key="staff_who",
                                  format_func=lambda e: f"{by_email[e].name} · {e}")
        if not email:
            return
        m = by_email[email]
        role = role_col.selectbox("New role", ROLES, index=ROLES.index(m.role) if m.role in ROLES else 0,
                                  key=f"staff_role_{email}")
        set_col.button("Change role", key="staff_set_role", on_click=_apply, args=(staff.set_role, email, role),
                       disabled=role == m.role)
        if m.active:
            act_col.button("Deactivate", key="staff_deactivate", on_click=_apply, args=(staff.deactivate, email))
        else:
            act_col.button("Reactivate", key="staff_reactivate", on_click=_apply, args=(staff.reactivate, email))
        st.caption("Deactivating takes effect at the person's next click; their history stays.")


def history_table() -> None:
    st.subheader("History")
    rows = staff.history(cursor())
    st.dataframe(pd.DataFrame({
        "When": [formatting.timestamp(r[0]) for r in rows],
        "E-mail": [r[1] for r in rows],
        "Name": [r[2] for r in rows],
        "Role": [r[3] for r in rows],
        "Change": [r[5] for r in rows],
        "By": [f"{r[6]} ({r[7]})" for r in rows],
    }), hide_index=True, width="stretch", key="staff_history")


def main() -> None:
    st.title("Staff")
    st.caption("Who may sign in to the Orders module, and what their role lets them do.")
    outcome()
    rows = staff.list_staff(cursor())
    staff_table(rows)
    add_form()
    change_form(rows)
    history_table()


frame.page("Staff")
main()
