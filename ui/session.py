"""Streamlit glue: the process's one database connection, a cursor per script-run thread, the daily job,
who is acting.

The cursor is the thread's, not the session's: Streamlit may start a session's next run in a new thread
while the stopped run's thread is still inside a query, and a DuckDB cursor refuses a second call at once
("connection is busy with another call"). A thread runs one session's script at a time, and its cursor
goes when the thread does.

Who is acting is who signed in (``st.user``, Streamlit's OpenID Connect sign-in), on the staff list and
active. Access is checked on every rerun, so a deactivated person is nobody at their next click:

- ``acting_person()`` (and ``person()``) look the person up on the staff list at every call. A write
  uses it, above all in a widget callback: callbacks run before the script, so before this run's frame
  has checked anyone.
- ``viewer()`` is for reads (which views, statuses, columns and menu entries a role gets): the person
  the frame (``ui.frame.page``) looked up and let in at the start of this very run, without another
  query. Called where the frame has not done so in this run (a callback, code before the frame, a page
  without the frame), it looks the person up now, as ``acting_person()`` does.

Sessions end on the server (``orders_core.staff.sign_ins``): this browser's sign-in (``current_sign_in()``, the
identity provider's claims hashed) is checked by the frame at the start of every run (``check_sign_in()``,
which records it), and read again by ``person()`` for a callback and by every download (``download_for``),
so a cookie copied before Sign out, a session idle longer than ``ORDERS_IDLE_MINUTES`` (default 30; a decimal
number of minutes, so tests can use seconds) or past its ID token's expiry, or a deactivated person's,
opens nothing, writes nothing and downloads nothing. ``sign_out()`` ends the sign-in before Streamlit's
``st.logout`` clears the cookie.

Downloads (decision): ``st.download_button`` with a callable runs it later, when the person clicks, on a
server thread outside any script run, so it cannot see ``st.user``. ``download_for(action, make)`` captures
the sign-in and the session when the button is drawn and, when clicked, produces the file only if that
session is still open, the sign-in is live, the person is on the staff list and active now, and their
role allows ``action`` now; otherwise it raises ``NotAllowed`` and Streamlit sends no file.

"This run" is Streamlit's per-run state (a new ``ScriptRunContext.parallel_coordinator`` made by every
run's reset, before its callbacks), and only once the script itself has started; a remembered person
never outlives its run. The run's Database is remembered the same way, so ``database()`` and
``cursor()`` go through ``st.cache_resource`` once per run rather than at every call.

Streamlit collects garbage in full after every script run (``runner.postScriptGC``), which walks every
object of the process: with this app's imports (DuckDB, pandas, pyarrow, fpdf) about 50-90 ms of CPU per
interaction, more than the page itself. ``freeze_imports()``, called by the frame at the start of every
run, does ``gc.collect()`` then ``gc.freeze()`` whenever modules were imported since it last did (the
first runs of a process and a page's first visit): what is alive then (the modules, the process's
caches) moves to the permanent generation, so each later collection walks only what was made since. A
frozen object is still freed by reference counting as ever; only a reference cycle among frozen
objects that dies later is never collected, a bounded one-off left over from those few runs.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
import threading
from collections.abc import Callable, Mapping
from typing import TypeVar

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from orders_core.cli.backup import backup_as
from orders_core.recurring.job import DailyJob, job_enabled
from orders_core.rules.roles import NotAllowed, Person, require
from orders_core.staff import sign_ins
from orders_core.staff.members import active_person
from orders_core.staff.sign_ins import SignIn
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database, default_db_path, open_database
from orders_core.storage.errors import DatabaseError


@st.cache_resource(show_spinner=False, on_release=lambda db: db.close())  # cleared (tests, benchmarks): closed
def _database(path: str) -> Database:
    db = open_database(path, create=False)  # a DuckDB file or a postgresql:// URL
    db.serve_backups(backup_as)  # `orders-core backup` while the app holds the file
    return db


_THREAD = threading.local()


def _this_run() -> object | None:
    """An object that is the current script run's own (a new one every run), or None outside a run."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else getattr(ctx, "parallel_coordinator", None)


def _run_memo() -> dict | None:
    """What this script run has remembered (the Database, the viewer), empty at a new run; None outside a run."""
    run = _this_run()
    if run is None:
        return None
    memo = _THREAD.__dict__.get("run")
    if memo is None or memo[0] is not run:
        memo = _THREAD.run = (run, {})
    return memo[1]


def database() -> Database:
    """The process's Database; stops the page with one clear sentence when it cannot be opened."""
    memo = _run_memo()
    if memo is not None and "db" in memo:
        return memo["db"]
    try:
        db = _database(default_db_path())
    except DatabaseError as exc:
        st.error(str(exc))
        st.stop()
    if memo is not None:
        memo["db"] = db
    return db


def cursor() -> Cursor:
    """This script run's own cursor on the shared connection (one per thread and database)."""
    db = database()
    cursors = _THREAD.__dict__.setdefault("cursors", {})
    if cursors.get(db.path, (None,))[0] is not db:  # a new Database (cache cleared): a new cursor
        cursors[db.path] = (db, db.cursor())
    return cursors[db.path][1]


@st.cache_resource(show_spinner=False)
def _start_job(path: str) -> DailyJob:
    return DailyJob(_database(path)).start()


def daily_job() -> DailyJob | None:
    """The process's daily recurring-order job, started on first use (None when ORDERS_RECURRING_JOB=0
    or the database cannot open; the pages then say why)."""
    if not job_enabled():
        return None
    try:
        return _start_job(default_db_path())
    except DatabaseError:
        return None


_FREEZING = threading.Lock()
_FROZEN_MODULES = 0  # len(sys.modules) when gc.freeze() last ran


def freeze_imports() -> None:
    """Freeze what is alive now (``gc.freeze``) when modules were imported since the last time."""
    global _FROZEN_MODULES
    if len(sys.modules) == _FROZEN_MODULES or not _FREEZING.acquire(blocking=False):
        return
    try:
        modules = len(sys.modules)
        gc.collect()  # no garbage into the permanent generation
        gc.freeze()
        _FROZEN_MODULES = modules
    finally:
        _FREEZING.release()


def signed_in_email() -> str | None:
    """The identity provider's e-mail for this browser, or None when signed out.

    The ``email`` claim; Microsoft Entra ID may send the address as ``preferred_username`` instead.
    """
    user = st.user
    if not user.get("is_logged_in"):
        return None
    for claim in ("email", "preferred_username"):
        value = user.get(claim)
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return None


IDLE_ENV = "ORDERS_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 30.0
SIGN_IN_AGAIN = "Your session has ended; sign in again."


def idle_limit() -> dt.timedelta:
    """How long a session may stay idle: ``ORDERS_IDLE_MINUTES`` (a positive number of minutes), else 30."""
    try:
        minutes = float(os.environ.get(IDLE_ENV, "") or DEFAULT_IDLE_MINUTES)
    except ValueError:
        minutes = DEFAULT_IDLE_MINUTES
    if not (0 < minutes < 60 * 24 * 366):  # also NaN
        minutes = DEFAULT_IDLE_MINUTES
    return dt.timedelta(minutes=minutes)


def current_sign_in() -> SignIn | None:
    """This browser's sign-in (None when signed out or the provider gave no e-mail)."""
    email = signed_in_email()
    if email is None:
        return None
    return sign_ins.sign_in_of(st.user.to_dict(), email)


def check_sign_in() -> str | None:
    """The frame's check at the start of a run: why this browser's sign-in is over (recorded for good), or None
    while it is live (its activity recorded). Signed out: None."""
    s = current_sign_in()
    if s is None:
        return None
    why = sign_ins.touch(database(), s, idle_limit(), cur=cursor())
    memo = _run_memo()
    if memo is not None:
        memo["sign_in"] = (s.key, why)
    return why


def sign_in_over() -> str | None:
    """Why this browser's sign-in is over, read now (or as the frame found it at the start of this run)."""
    s = current_sign_in()
    if s is None:
        return None
    memo = _run_memo()
    ctx = get_script_run_ctx(suppress_warning=True)
    if memo is not None and memo.get("sign_in", (None,))[0] == s.key and ctx is not None and ctx.has_script_started:
        return memo["sign_in"][1]
    return sign_ins.ended_why(cursor(), s, idle_limit())


def end_sign_in(why: str) -> None:
    """End this browser's sign-in now (``sign_ins.ENDINGS``)."""
    s = current_sign_in()
    if s is not None:
        sign_ins.end(database(), s, why)


def sign_out() -> None:
    """The Sign out button: the sign-in ends on the server, then Streamlit clears the cookie and sends the
    browser to the identity provider to end its session there too."""
    try:
        end_sign_in(sign_ins.SIGNED_OUT)
    finally:
        st.logout()


def person(email: str | None = None) -> Person | None:
    """The signed-in member of staff (or ``email``'s), if they are on the staff list and active (checked now).

    Without ``email``, also only while this browser's sign-in is live (``sign_in_over``)."""
    if email is None:
        email = signed_in_email()
        if email is None or sign_in_over() is not None:
            return None
    return active_person(cursor(), email)


def acting_person() -> Person:
    """The signed-in member of staff, for a write; ``NotAllowed`` when there is none (any more)."""
    return _allowed(person())


def _allowed(who: Person | None) -> Person:
    if who is None:
        if signed_in_email() is not None and sign_in_over() is not None:
            raise NotAllowed(SIGN_IN_AGAIN)
        raise NotAllowed("Sign in as a member of staff first.")
    return who


def live_sign_in(claims: Mapping[str, object]) -> bool:
    """Whether an identity cookie's ``claims`` are a live sign-in of a person active on the staff list now;
    for the server's HTTP doors (``ui.http_guard``), outside any script run."""
    email = next((v.strip().lower() for k in ("email", "preferred_username")
                  if isinstance(v := claims.get(k), str) and "@" in v), None)
    if email is None:
        return False
    s = sign_ins.sign_in_of(claims, email)
    cur = _database(default_db_path()).cursor()
    try:
        return sign_ins.ended_why(cur, s, idle_limit()) is None and active_person(cur, email) is not None
    finally:
        cur.close()


Made = TypeVar("Made", bytes, str)


def download_for(action: str, make: Callable[[Cursor, Person], Made]) -> Callable[[], Made]:
    """``data`` for ``st.download_button``: ``make(cursor, person)`` run when the person clicks, only for a
    signed-in, allowed request at that moment (see the module's docstring); ``NotAllowed`` otherwise."""
    s = current_sign_in()
    db = database()
    ctx = get_script_run_ctx(suppress_warning=True)
    session_id = ctx.session_id if ctx is not None else None
    idle = idle_limit()

    def produce() -> Made:
        if s is None or not _session_open(session_id):
            raise NotAllowed("Sign in as a member of staff first.")
        cur = db.cursor()
        try:
            if sign_ins.ended_why(cur, s, idle) is not None:
                raise NotAllowed(SIGN_IN_AGAIN)
            who = active_person(cur, s.email)
            if who is None:
                raise NotAllowed("Sign in as a member of staff first.")
            require(who, action)
            return make(cur, who)
        finally:
            cur.close()

    return produce


def _session_open(session_id: str | None) -> bool:
    """Whether the Streamlit session that drew a download button is still connected to this server."""
    if not runtime.exists():
        return True  # outside a server (AppTest): no session to look at
    return session_id is not None and runtime.get_instance().is_active_session(session_id)


def let_in(who: Person) -> None:
    """The frame's word that it checked ``who`` at the start of this run: ``viewer()`` for the rest of it."""
    memo = _run_memo()
    if memo is not None:
        memo["viewer"] = who


def viewer() -> Person:
    """The signed-in member of staff, for reads: whom the frame let in at the start of this run; otherwise
    (a callback, before the frame) looked up now, as ``acting_person()``."""
    memo = _run_memo()
    ctx = get_script_run_ctx(suppress_warning=True)
    if memo is not None and "viewer" in memo and ctx is not None and ctx.has_script_started:
        return memo["viewer"]
    return acting_person()
