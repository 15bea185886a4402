"""The page tests on both engines: a test module overrides ``app_db`` with ``engine_app_db``.

On DuckDB it is the shared ``app_db`` (the test's copy of the demo file); on PostgreSQL ``pg_demo_db``
(the same demo rows in a throwaway database, checked clean at the end), with ``ORDERS_DB`` set to its
URL. Either way the test gets what to hand ``open_database``: the file's path or the URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from orders_core.storage.database import open_database
from tests.conftest import ENGINES

__all__ = ["ENGINES", "engine_app_db", "pg_app_db", "with_database"]


def engine_app_db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path | str]:
    if request.param == "duckdb":
        path = request.getfixturevalue("db_path")
        monkeypatch.setenv("ORDERS_DB", str(path))
        yield path
        return
    yield from pg_app_db(request.getfixturevalue("pg_demo_db"), monkeypatch)


def pg_app_db(database, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The pages pointed at the PostgreSQL ``database`` (a fixture's, dropped after the test)."""
    monkeypatch.setenv("ORDERS_DB", database.url)
    yield database.url
    st.cache_resource.clear()  # the pages' pool to this database is closed before it is dropped


def with_database(target: Path | str, fn):
    """``fn(database)`` on the page's database (file or URL), closed afterwards."""
    database = open_database(str(target), create=False)
    try:
        return fn(database)
    finally:
        database.close()
