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

import gc
import sys
import threading

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from orders_core.cli.backup import backup_as
from orders_core.recurring.job import DailyJob, job_enabled
from orders_core.rules.roles import NotAllowed, Person
from orders_core.staff.members import active_person
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


def person(email: str | None = None) -> Person | None:
    """The signed-in member of staff (or ``email``'s), if they are on the staff list and active (checked now)."""
    return active_person(cursor(), email or signed_in_email())


def acting_person() -> Person:
    """The signed-in member of staff, for a write; ``NotAllowed`` when there is none (any more)."""
    return _allowed(person())


def _allowed(who: Person | None) -> Person:
    if who is None:
        raise NotAllowed("Sign in as a member of staff first.")
    return who


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
