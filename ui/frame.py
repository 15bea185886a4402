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

Sessions end on the server (``ui.session``, ``orders_core.staff.sign_ins``): the gate first asks whether this
browser's sign-in is over (signed out with this cookie, idle, expired, or its person deactivated) and, if so,
shows one page that says which, with a Sign in button, and nothing else. Deactivating someone ends their
sign-in at their next click (``end_sign_in``), so a reactivated person signs in again. While a page is open,
``watch`` looks again every minute (a quarter of the idle limit when shorter) without counting as activity,
and reruns the page as soon as the sign-in is over, so an idle screen clears itself of health information.

Back to the page asked for (decision): signed out, a page is only the sign-in page; its Sign in button
remembers the page (by its title, so only this app's own pages) and its URL parameters, for ten minutes,
under this browser's XSRF cookie token (Streamlit's ``_streamlit_xsrf``, which survives the identity
provider's round trip; the app cannot set a cookie of its own), in this server process's memory. The first
signed-in run that finds it goes to that page with those parameters. Nothing else is followed: never a URL,
never another site. Lost when the server restarts, or when the provider's redirect lands on another server.

``PAGE_ACTIONS`` says which action of the role table (``orders_core.rules.roles``) opens each page, by the
title the page gives ``page()``; a page not listed needs ``DEFAULT_ACTION`` (seeing client records),
so a new page is never open to more people than the Client Profile until it is listed here.

Errors: every page ends with ``frame.run(title, main)``. A database that cannot be used
(``DatabaseError``, or DuckDB reporting a damaged file, a read-only folder or a full disk after it
opened) is one sentence. Anything unexpected is a short message with an error reference, and the
traceback goes to the server log under that reference, never to the screen; Streamlit's own
``client.showErrorDetails = "none"`` (.streamlit/config.toml) covers what happens outside ``main``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from orders_core.rules import roles
from orders_core.rules.roles import Person
from orders_core.staff import members as staff
from orders_core.staff import sign_ins
from orders_core.storage.dialect import driver_errors
from orders_core.storage.errors import DatabaseError, explain_failure
from ui.session import (
    check_sign_in,
    cursor,
    daily_job,
    end_sign_in,
    freeze_imports,
    idle_limit,
    let_in,
    person,
    sign_in_over,
    sign_out,
    signed_in_email,
)
from ui.text import literal

NAV = (
    ("app.py", "Orders", ":material/receipt_long:"),
    ("pages/recurring.py", "Recurring Orders", ":material/event_repeat:"),
    ("pages/clients.py", "Clients", ":material/groups:"),
    ("pages/products.py", "Products", ":material/inventory_2:"),
    ("pages/import.py", "Import", ":material/upload_file:"),
    ("pages/packing.py", "Packing Station", ":material/barcode_scanner:"),
    ("pages/metrics.py", "Metrics", ":material/monitoring:"),
    ("pages/reports.py", "Reports", ":material/assignment:"),
    ("pages/staff.py", "Staff", ":material/badge:"),
    ("pages/audit.py", "Access Log", ":material/policy:"),
)

PAGE_ACTIONS = {
    "Orders": "view_orders",
    "Order Profile": "view_orders",
    "Client Profile": "view_client_records",
    "Clients": "view_client_records",
    "Recurring Orders": "view_client_records",
    "Metrics": "view_metrics",
    "Reports": "view_monthly_reports",
    "Staff": "manage_staff",
    "Products": "manage_catalogue",
    "Import": "register_clients",
    "Packing Station": "pack_orders",
    "Access Log": "read_access_log",
}
DEFAULT_ACTION = "view_client_records"
# Each page by the title it gives ``page()``: where the sign-in page's button sends the person back to.
PAGE_PATHS = {
    "Orders": "app.py",
    "Order Profile": "pages/order.py",
    "Client Profile": "pages/client.py",
    "Clients": "pages/clients.py",
    "Recurring Orders": "pages/recurring.py",
    "Metrics": "pages/metrics.py",
    "Reports": "pages/reports.py",
    "Staff": "pages/staff.py",
    "Products": "pages/products.py",
    "Import": "pages/import.py",
    "Packing Station": "pages/packing.py",
    "Access Log": "pages/audit.py",
}


def page(title: str) -> Person:
    """Draw what every page shares and return the signed-in person; call it first on every page.

    Stops the page (``st.stop()``) for someone signed out, not on the staff list, or whose role may not
    open it.
    """
    st.set_page_config(page_title=f"{title} · Orders", page_icon="🚚", layout="wide")
    freeze_imports()  # Streamlit's full garbage collection after each run then skips the modules
    daily_job()  # once per server process; ORDERS_RECURRING_JOB=0 turns it off
    email = signed_in_email()
    if email is None:
        sign_in_page(title)
        st.stop()
    ended = check_sign_in()
    who = person(email)
    if who is None:
        if ended is None and staff.member(cursor(), email) is not None:
            end_sign_in(sign_ins.DEACTIVATED)  # on the list but deactivated: this sign-in is over for good
        no_access_page(email)
        st.stop()
    if ended is not None:
        ended_page(ended, title)
        st.stop()
    go_back_to_asked_page(title)
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
        st.button("Sign out", key="frame_sign_out", on_click=sign_out, icon=":material/logout:")
        watch()


def _watch_every() -> float:
    return min(60.0, idle_limit().total_seconds() / 4)


@st.fragment(run_every=_watch_every())
def watch() -> None:
    """Every minute (or a quarter of the idle limit), without counting as activity: rerun the whole page as
    soon as this sign-in is over or its person no longer active, so the gate clears the screen."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not ctx.fragment_ids_this_run:
        return  # drawn by the page's own run, whose frame has just checked
    if sign_in_over() is not None or person() is None:
        st.rerun(scope="app")


ENDED = {
    sign_ins.SIGNED_OUT: ("Signed out", "You signed out of this session."),
    sign_ins.IDLE: ("Session ended", "Your session ended after {idle} without activity, so that no health "
                    "information stays on an unattended screen."),
    sign_ins.EXPIRED: ("Session ended", "Your sign-in has expired: your organisation's identity provider "
                       "limits how long one lasts."),
    sign_ins.DEACTIVATED: ("Session ended", "Your access was deactivated during this session, so it ended."),
}


def ended_page(why: str, title: str) -> None:
    """The only thing a browser whose sign-in is over sees: what ended it, and a Sign in button."""
    heading, sentence = ENDED[why]
    minutes = idle_limit().total_seconds() / 60
    idle = f"{minutes:g} minute{'s' if minutes != 1 else ''}" if minutes >= 1 else \
        f"{minutes * 60:g} seconds"
    st.title(heading)
    st.info(sentence.format(idle=idle) + " Sign in again to go on.")
    sign_in_button(title)


def sign_in_page(title: str = "Orders") -> None:
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
    sign_in_button(title)


def sign_in_button(title: str) -> None:
    st.button("Sign in", key="frame_sign_in", type="primary", on_click=_sign_in, args=(title,),
              icon=":material/login:")


def _sign_in(title: str) -> None:
    remember_asked_page(title)
    st.login()


# --------------------------------------------------------------------------- back to the page asked for

RETURN_SECONDS = 600
_MAX_PARAMS, _MAX_PARAM_TEXT, _MAX_WAITING = 30, 4000, 10_000
_waiting: dict[str, tuple[float, str, dict[str, list[str]]]] = {}  # browser -> (until, page path, parameters)
_waiting_lock = threading.Lock()


def _browser() -> str | None:
    """This browser, as its XSRF cookie's token identifies it (hashed), or None."""
    try:  # Streamlit's internal module, imported where a missing one only means no page to go back to
        from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string

        token, _ = decode_xsrf_token_string(st.context.cookies.get("_streamlit_xsrf") or "")
    except Exception:  # another Streamlit, or no cookie: no way back, only the Orders page
        return None
    return hashlib.sha256(token).hexdigest() if token else None


def remember_asked_page(title: str) -> None:
    """Before sending the browser to sign in: remember this page and its URL parameters for it."""
    path, browser = PAGE_PATHS.get(title), _browser()
    if path is None or browser is None:
        return
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    if len(params) > _MAX_PARAMS or sum(len(k) + sum(map(len, v)) for k, v in params.items()) > _MAX_PARAM_TEXT:
        params = {}
    now = time.monotonic()
    with _waiting_lock:
        for key in [k for k, (until, _, _) in _waiting.items() if until < now]:
            del _waiting[key]
        if len(_waiting) >= _MAX_WAITING:
            _waiting.pop(next(iter(_waiting)))
        _waiting[browser] = (now + RETURN_SECONDS, path, params)


def go_back_to_asked_page(title: str) -> None:
    """The first signed-in run after signing in: to the page the browser asked for, if it was another one."""
    browser = _browser()
    if browser is None:
        return
    with _waiting_lock:
        waiting = _waiting.pop(browser, None)
    if waiting is None or waiting[0] < time.monotonic():
        return
    _, path, params = waiting
    here = {k: st.query_params.get_all(k) for k in st.query_params}
    if path == PAGE_PATHS.get(title) and params == here:
        return
    st.switch_page(path, query_params=params)


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
    st.button("Sign out", key="frame_sign_out", on_click=sign_out, icon=":material/logout:")


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
        st.error(literal(str(exc)))
    except roles.NotAllowed as exc:  # orders_core refused what the role may not do: one sentence
        st.error(literal(str(exc)))
    except driver_errors() as exc:  # DuckDB's or psycopg's: a permanent failure is one sentence
        sentence = explain_failure(exc)
        if sentence:
            st.error(literal(sentence))
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
