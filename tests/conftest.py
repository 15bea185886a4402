"""Shared fixtures: a demo database built once per run, copied fresh for every test."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from orders_core.db import Database
from orders_core.demo import generate

# The app's daily recurring-order job would add orders to the servers tests start; a test that
# wants it passes ORDERS_RECURRING_JOB=1 to start_server.
os.environ.setdefault("ORDERS_RECURRING_JOB", "0")

ANCHOR = dt.date(2026, 11, 26)
DEMO_ORDERS = 2000


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A demo database of 2,000 orders anchored on 2026-11-26, made once per run (never written to)."""
    path = tmp_path_factory.mktemp("template") / "demo.duckdb"
    db = Database(str(path))
    generate(db.con, DEMO_ORDERS, seed=42, anchor=ANCHOR)
    db.con.execute("CHECKPOINT")
    db.close()
    return path


@pytest.fixture
def db_path(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database for one test."""
    path = tmp_path / "orders.duckdb"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def db(db_path: Path):
    """The test's own Database (the process's one connection to its copy)."""
    database = Database(str(db_path))
    yield database
    database.close()


@pytest.fixture
def cur(db):
    return db.cursor()


@pytest.fixture
def empty_db(tmp_path: Path):
    """A database with the schema and nothing else."""
    database = Database(str(tmp_path / "empty.duckdb"))
    yield database
    database.close()


@pytest.fixture
def app_db(db_path: Path, monkeypatch) -> Path:
    """Point the Streamlit pages (AppTest) at the test's database copy."""
    monkeypatch.setenv("ORDERS_DB", str(db_path))
    return db_path
