"""The process's one database connection, a cursor per session, and who is acting."""

from __future__ import annotations

import duckdb
import streamlit as st

from orders_core.db import Database, DatabaseError, default_db_path


@st.cache_resource(show_spinner=False)
def _database(path: str) -> Database:
    return Database(path, create=False)


def database() -> Database:
    """The process's Database; stops the page with one clear sentence when it cannot be opened."""
    try:
        return _database(default_db_path())
    except DatabaseError as exc:
        st.error(str(exc))
        st.stop()


def cursor() -> duckdb.DuckDBPyConnection:
    """This session's own cursor on the shared connection."""
    db = database()
    key = f"_cursor::{db.path}"
    if key not in st.session_state:
        st.session_state[key] = db.cursor()
    return st.session_state[key]


def acting_user() -> str:
    """The signed-in CSR's name, chosen in the sidebar (there is no login in this module yet)."""
    return st.session_state.get("acting_user") or "CSR"
