"""Shared fixtures: a demo database built once per run, copied fresh for every test.

PostgreSQL: ``postgres_server`` starts one throwaway server per test process, only when a test asks for it
(``tests/postgres_server.py``), and skips those tests with the reason when there is no PostgreSQL; with
``ORDERS_REQUIRE_POSTGRES=1`` (CI) they fail with that reason instead. ``engine_empty_db`` and ``engine_db``
run a test on each engine: on DuckDB they are ``empty_db`` and ``db``; on PostgreSQL a fresh database cloned
from a template made once (the schema, and for ``engine_db`` the demo catalogue: the products the tests
order; no demo orders yet). ``engine_demo_db`` gives the whole 2,000-order demo on both engines: on
PostgreSQL the rows of the DuckDB demo template loaded with COPY (``_copy_demo``), so a test sees the same
data on each.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
from pathlib import Path

import pytest

from orders_core.demo.generate import generate
from orders_core.reports.check import check
from orders_core.storage.database import Database, open_database

# The app's daily recurring-order job would add orders to the servers tests start; a test that
# wants it passes ORDERS_RECURRING_JOB=1 to start_server.
os.environ.setdefault("ORDERS_RECURRING_JOB", "0")

ANCHOR = dt.date(2026, 11, 26)
DEMO_ORDERS = 2000


@pytest.fixture(autouse=True)
def test_people_on_the_staff_list(monkeypatch):
    """The people tests act as are on the staff list of the database they act on (``tests.staff_enrolment``)."""
    from orders_core.staff import verification
    from tests.staff_enrolment import enrolling_member

    monkeypatch.setattr(verification, "member", enrolling_member)


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


def assert_clean(database: Database) -> None:
    """``orders-core check`` finds no breach (run after every scenario that writes)."""
    breaches = check(database.cursor())
    assert not breaches, "orders-core check: " + " ".join(b.sentence for b in breaches[:10])


@pytest.fixture
def db(duckdb_db):
    """The test's own Database on its copy of the demo (DuckDB), checked clean at the end."""
    return duckdb_db


@pytest.fixture
def duckdb_db(db_path: Path, request):
    """The test's own Database (the process's one connection to its copy), checked clean at the end.

    A test that writes bad rows on purpose opts out with ``@pytest.mark.breaches_on_purpose``.
    """
    database = Database(str(db_path))
    yield database
    try:
        if not request.node.get_closest_marker("breaches_on_purpose"):
            assert_clean(database)
    finally:
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


# --------------------------------------------------------------------------- PostgreSQL

ENGINES = ["duckdb", pytest.param("postgresql", marks=pytest.mark.postgresql)]
_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of this test process, started on first use and stopped at the end."""
    from tests.postgres_server import TempPostgres, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        reason = ("PostgreSQL is not installed (no initdb/pg_ctl): install Debian's postgresql package "
                  "to run the PostgreSQL tests")
        if os.environ.get("ORDERS_REQUIRE_POSTGRES") == "1":  # CI: a PostgreSQL test must run, never be skipped
            pytest.fail(reason + " (ORDERS_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(reason)
    server = TempPostgres(bin_dir).start()
    yield server
    server.stop()


def _pg_template(server, name: str, catalogue: bool) -> str:
    from orders_core.demo.catalogue import products

    server.admin(f"CREATE DATABASE {name}")
    database = open_database(server.url(name), new_only=True)
    if catalogue:
        database.write(lambda cur: cur.executemany(
            "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", products()))
    database.close()
    return name


@pytest.fixture(scope="session")
def pg_empty_template(postgres_server) -> str:
    return _pg_template(postgres_server, "orders_empty", catalogue=False)


@pytest.fixture(scope="session")
def pg_catalogue_template(postgres_server) -> str:
    return _pg_template(postgres_server, "orders_catalogue", catalogue=True)


def _pg_clone(server, template: str, checked=None):
    """A database cloned from ``template`` for one test; ``checked``: that test's request, to check the
    database clean at the end (unless it is marked ``breaches_on_purpose``)."""
    name = f"orders_test_{os.getpid()}_{next(_databases)}"
    server.admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    database = open_database(server.url(name), create=False)
    try:
        yield database
        if checked is not None and not checked.node.get_closest_marker("breaches_on_purpose"):
            assert_clean(database)
    finally:
        database.close()
        server.admin(f"DROP DATABASE {name} WITH (FORCE)")


def _copy_demo(source: Path, database) -> None:
    """Every row of the DuckDB demo at ``source`` into the PostgreSQL ``database`` (its schema made, no rows
    but the ones the schema adds), in bulk with COPY in one transaction, each sequence set to give the value
    it gives in the demo next: ``orders-core demo``'s own loader (``orders_core.storage.bulk_load``)."""
    from orders_core.storage.bulk_load import load

    load(source, database)


@pytest.fixture(scope="session")
def pg_demo_template(postgres_server, demo_template) -> str:
    name = "orders_demo"
    postgres_server.admin(f"CREATE DATABASE {name}")
    database = open_database(postgres_server.url(name), new_only=True)
    try:
        _copy_demo(demo_template, database)
    finally:
        database.close()
    return name


@pytest.fixture
def pg_demo_db(postgres_server, pg_demo_template, request):
    """A fresh PostgreSQL orders database holding the DuckDB demo's rows (``_copy_demo``), checked clean
    at the end as ``duckdb_db`` is (``breaches_on_purpose`` opts out)."""
    yield from _pg_clone(postgres_server, pg_demo_template, checked=request)


@pytest.fixture
def pg_empty_db(postgres_server, pg_empty_template):
    """A fresh PostgreSQL orders database: the schema and the carriers."""
    yield from _pg_clone(postgres_server, pg_empty_template)


@pytest.fixture
def pg_db(postgres_server, pg_catalogue_template):
    """A fresh PostgreSQL orders database with the demo catalogue (no clients, no orders)."""
    yield from _pg_clone(postgres_server, pg_catalogue_template)


@pytest.fixture(params=ENGINES)
def engine_empty_db(request):
    """``empty_db`` on DuckDB, ``pg_empty_db`` on PostgreSQL."""
    return request.getfixturevalue("empty_db" if request.param == "duckdb" else "pg_empty_db")


@pytest.fixture(params=ENGINES)
def engine_db(request):
    """The demo copy ``duckdb_db`` on DuckDB; the catalogue-only ``pg_db`` on PostgreSQL."""
    return request.getfixturevalue("duckdb_db" if request.param == "duckdb" else "pg_db")


@pytest.fixture(params=ENGINES)
def engine_demo_db(request):
    """The demo on each engine: ``duckdb_db``, or ``pg_demo_db`` (the same rows on PostgreSQL)."""
    return request.getfixturevalue("duckdb_db" if request.param == "duckdb" else "pg_demo_db")
