"""The frame every page draws first: page config, the sign-in gate, the shared sidebar, and the daily job.

Pages are Streamlit's folder mode: ``app.py`` is the Orders dashboard and ``pages/*.py`` the other
pages, the file name giving the URL path. Folder mode is decided per process by the folder's existence,
so every link is right from a fresh server's very first request. The built-in page list is hidden
(``client.showSidebarNavigation = false``); this sidebar draws its own links instead, only to the
pages the signed-in person's role may open.

The gate runs on every rerun: signed out, only the sign-in page; signed in but not on the staff list
(or deactivated), one page that says so and whom to ask; a page the role may not open (a typed URL),
one sentence saying so. Each stops the script (``st.stop()``), so nothing else of the page runs. The
person let in is this run's ``ui.session.viewer()`` (the page's reads ask it, not the staff list again);
writes still look the person up at the time (``acting_person()``), as callbacks run before the frame.

``PAGE_ACTIONS`` says which action of the role table (``orders_core.rules.roles``) opens each page, by the
title the page gives ``page()``; a page not listed needs ``DEFAULT_ACTION`` (seeing client records),
so a new page is never open to more people than the Client Profile until it is listed here.

Errors (issue 11): every page ends with ``frame.run(title, main)``. A database that cannot be used
(``DatabaseError``, or DuckDB reporting a damaged file, a read-only folder or a full disk after it
opened) is one sentence. Anything unexpected is a short message with an error reference, and the
traceback goes to the server log under that reference, never to the screen; Streamlit's own
``client.showErrorDetails = "none"`` (.streamlit/config.toml) covers what happens outside ``main``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import streamlit as st

from orders_core.rules import roles
from orders_core.rules.roles import Person
from orders_core.staff import members as staff
from orders_core.storage.dialect import driver_errors
from orders_core.storage.errors import DatabaseError, explain_failure
from ui.session import cursor, daily_job, freeze_imports, let_in, person, signed_in_email
from ui.text import literal

NAV = (
    ("app.py", "Orders", ":material/receipt_long:"),
    ("pages/recurring.py", "Recurring Orders", ":material/event_repeat:"),
    ("pages/clients.py", "Clients", ":material/groups:"),
    ("pages/products.py", "Products", ":material/inventory_2:"),
    ("pages/import.py", "Import", ":material/upload_file:"),
    ("pages/metrics.py", "Metrics", ":material/monitoring:"),
    ("pages/staff.py", "Staff", ":material/badge:"),
)

PAGE_ACTIONS = {
    "Orders": "view_orders",
    "Order Profile": "view_orders",
    "Client Profile": "view_client_records",
    "Clients": "view_client_records",
    "Recurring Orders": "view_client_records",
    "Metrics": "view_metrics",
    "Staff": "manage_staff",
    "Products": "manage_catalogue",
    "Import": "register_clients",
}
DEFAULT_ACTION = "view_client_records"


def page(title: str) -> Person:
    """Draw what every page shares and return the signed-in person; call it first on every page.

    Stops the page (``st.stop()``) for someone signed out, not on the staff list, or whose role may not
    open it.
    """
    st.set_page_config(page_title=f"{title} · Orders", page_icon=":material/local_shipping:", layout="wide")
    freeze_imports()  # Streamlit's full garbage collection after each run then skips the modules
    daily_job()  # once per server process; ORDERS_RECURRING_JOB=0 turns it off
    email = signed_in_email()
    if email is None:
        sign_in_page()
        st.stop()
    who = person(email)
    if who is None:
        no_access_page(email)
        st.stop()
    sidebar(who)
    try:
        roles.require(who, page_action(title))
    except roles.NotAllowed as exc:
        st.title(title)
        st.error(f"{exc} Ask an administrator if you need it.")
        st.stop()
    let_in(who)
    return who


def page_action(title: str) -> str:
    return PAGE_ACTIONS.get(title, DEFAULT_ACTION)


def sidebar(who: Person) -> None:
    with st.sidebar:
        for path, label, icon in NAV:
            if roles.may(who, page_action(label)):
                st.page_link(path, label=label, icon=icon)
        st.divider()
        st.markdown(f"Signed in as **{literal(who.name)}**  \n{literal(who.email)}  \n{who.role}")
        st.caption("Every change you make is recorded under this name and e-mail.")
        st.button("Sign out", key="frame_sign_out", on_click=st.logout, icon=":material/logout:")


def sign_in_page() -> None:
    st.title("Orders")
    st.markdown("Sign in to see and work on orders.")
    if not auth_configured():
        st.error("Sign-in is not configured on this server: start it with `make run` (a demo sign-in), or "
                 "set up `[auth]` in `.streamlit/secrets.toml` (README, Deploying).")
        return
    if demo_provider():
        st.info("This server signs in through the **demo identity provider** (a test provider on this "
                "machine, not your organisation's). On its page, choose one of these people:")
        st.table({"E-mail": [p.email for p in staff.DEMO_STAFF], "Name": [p.name for p in staff.DEMO_STAFF],
                  "Role": [p.role for p in staff.DEMO_STAFF]})
    st.button("Sign in", key="frame_sign_in", type="primary", on_click=st.login, icon=":material/login:")


def no_access_page(email: str) -> None:
    row = staff.member(cursor(), email)
    admins = staff.administrators(cursor())
    st.title("No access")
    if row is None:
        st.error(f"You are signed in as {literal(email)}, which is not on this module's staff list.")
    else:
        st.error(f"{literal(row.name)} ({literal(email)}): your access has been deactivated.")
    ask = ", ".join(literal(n) for n in admins) if admins else "the licence holder's IT contact"
    st.markdown(f"To get access, ask an administrator: {ask}.")
    st.button("Sign out", key="frame_sign_out", on_click=st.logout, icon=":material/logout:")


def auth_configured() -> bool:
    """Whether ``[auth]`` is in the secrets (without it ``st.login`` has nowhere to send anyone)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def demo_provider() -> bool:
    """Whether this server signs in through the demo provider (``scripts/run_demo.py`` says so in the secrets)."""
    try:
        return bool(st.secrets.get("orders_demo", {}).get("provider"))
    except Exception:
        return False


log = logging.getLogger("orders.pages")


def run(title: str, main: Callable[[], None]) -> None:
    """Draw the frame, then the page's ``main``; an error is one sentence, never a traceback on screen."""
    try:
        page(title)
        main()
    except DatabaseError as exc:
        st.error(str(exc))
    except roles.NotAllowed as exc:  # orders_core refused what the role may not do: one sentence
        st.error(str(exc))
    except driver_errors() as exc:  # DuckDB's or psycopg's: a permanent failure is one sentence
        sentence = explain_failure(exc)
        if sentence:
            st.error(sentence)
        else:
            unexpected(title, exc)
    except Exception as exc:  # Streamlit's rerun and stop are BaseExceptions and pass through
        unexpected(title, exc)


def unexpected(title: str, exc: BaseException) -> str:
    """Log ``exc`` with a new error reference for the server's log and tell the user the reference."""
    reference = uuid.uuid4().hex[:8].upper()
    log.error("Error reference %s on the %s page", reference, title, exc_info=exc)
    st.error(f"Something went wrong on this page, so it stopped (error reference {reference}). Try again; "
             "if it happens again, give the reference to your administrator, who will find the details "
             "in the server log.")
    return reference
