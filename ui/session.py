"""Streamlit glue: the process's one database connection, a cursor per script-run thread, the daily job,
who is acting.

The cursor is the thread's, not the session's: Streamlit may start a session's next run in a new thread
while the stopped run's thread is still inside a query, and a DuckDB cursor refuses a second call at once
("connection is busy with another call"). A thread runs one session's script at a time, and its cursor
goes when the thread does.

Who is acting is who signed in (``st.user``, Streamlit's OpenID Connect sign-in), looked up on the staff
list on every call: a deactivated person is nobody at their next click.
"""

from __future__ import annotations

import threading

import duckdb
import streamlit as st

from orders_core.db import Database, DatabaseError, default_db_path, open_database
from orders_core.recurring_job import DailyJob, job_enabled
from orders_core.roles import NotAllowed
from orders_core.staff import Person, active_person


@st.cache_resource(show_spinner=False, on_release=lambda db: db.close())  # cleared (tests, benchmarks): closed
def _database(path: str) -> Database:
    db = open_database(path, create=False)  # a DuckDB file or a postgresql:// URL
    db.serve_backups()  # `orders-core backup` while the app holds the file
    return db


def database() -> Database:
    """The process's Database; stops the page with one clear sentence when it cannot be opened."""
    try:
        return _database(default_db_path())
    except DatabaseError as exc:
        st.error(str(exc))
        st.stop()


_THREAD = threading.local()


def cursor() -> duckdb.DuckDBPyConnection:
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


def person() -> Person | None:
    """The signed-in member of staff, if they are on the staff list and active (checked now)."""
    return active_person(cursor(), signed_in_email())


def acting_person() -> Person:
    """The signed-in member of staff, for a write; ``NotAllowed`` when there is none (any more)."""
    who = person()
    if who is None:
        raise NotAllowed("Sign in as a member of staff first.")
    return who
