"""The Metrics page's lead-time quantiles, read from a histogram of whole days, are the engine's own
interpolated quantiles: DuckDB's ``quantile_cont``, PostgreSQL's ``percentile_cont``."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orders_core.reports.metrics.flow import _histogram_quantiles
from orders_core.storage.dialect import DUCKDB, POSTGRES

groups = st.lists(st.tuples(st.sampled_from("abc"), st.integers(min_value=0, max_value=60)), min_size=1, max_size=200)
HISTOGRAM = "SELECT g, days, count(*) AS n FROM t GROUP BY g, days"


@settings(max_examples=150, deadline=None)
@given(groups)
def test_histogram_quantiles_are_quantile_cont(rows):
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE t (g VARCHAR, days INTEGER)")
        con.executemany("INSERT INTO t VALUES (?, ?)", rows)
        ours = con.execute(
            f"SELECT g, orders, median_days, p90_days FROM "
            f"({_histogram_quantiles(DUCKDB, HISTOGRAM, 'g')}) q ORDER BY g"
        ).fetchall()
        duck = con.execute(
            "SELECT g, count(*), round(quantile_cont(days, 0.5), 1)::DOUBLE, round(quantile_cont(days, 0.9), 1)::DOUBLE "
            "FROM t GROUP BY g ORDER BY g"
        ).fetchall()
    finally:
        con.close()
    assert ours == duck


@pytest.fixture(scope="module")
def pg_cursor(postgres_server):
    """A cursor on an empty PostgreSQL database of this module (hypothesis runs many examples on it)."""
    import psycopg

    from orders_core.storage.postgres import PgCursor

    postgres_server.admin("CREATE DATABASE metrics_quantiles")
    conn = psycopg.connect(postgres_server.url("metrics_quantiles"), autocommit=True)
    try:
        yield PgCursor(conn)
    finally:
        conn.close()
        postgres_server.admin("DROP DATABASE metrics_quantiles WITH (FORCE)")


@pytest.mark.postgresql
@settings(max_examples=100, deadline=None)
@given(rows=groups)
def test_histogram_quantiles_are_percentile_cont_on_postgresql(pg_cursor, rows):
    cur = pg_cursor
    cur.execute("DROP TABLE IF EXISTS t")
    cur.execute("CREATE TABLE t (g VARCHAR, days INTEGER)")
    cur.executemany("INSERT INTO t VALUES (?, ?)", rows)
    ours = cur.execute(
        f"SELECT g, orders, median_days, p90_days FROM "
        f"({_histogram_quantiles(POSTGRES, HISTOGRAM, 'g')}) q ORDER BY g"
    ).fetchall()
    theirs = cur.execute(
        "SELECT g, count(*), "
        "round((percentile_cont(0.5) WITHIN GROUP (ORDER BY days))::NUMERIC, 1)::DOUBLE PRECISION, "
        "round((percentile_cont(0.9) WITHIN GROUP (ORDER BY days))::NUMERIC, 1)::DOUBLE PRECISION "
        "FROM t GROUP BY g ORDER BY g"
    ).fetchall()
    assert len(ours) == len({g for g, _ in rows}) and ours == theirs
