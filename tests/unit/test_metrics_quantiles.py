"""The Metrics page's lead-time quantiles, read from a histogram of whole days, are DuckDB's quantile_cont."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from orders_core.metrics import _histogram_quantiles

groups = st.lists(st.tuples(st.sampled_from("abc"), st.integers(min_value=0, max_value=60)), min_size=1, max_size=200)


@settings(max_examples=150, deadline=None)
@given(groups)
def test_histogram_quantiles_are_quantile_cont(rows):
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE t (g VARCHAR, days INTEGER)")
        con.executemany("INSERT INTO t VALUES (?, ?)", rows)
        ours = con.execute(
            f"SELECT g, orders, median_days, p90_days FROM "
            f"({_histogram_quantiles('SELECT g, days, count(*) AS n FROM t GROUP BY ALL', 'g')}) ORDER BY g"
        ).fetchall()
        duck = con.execute(
            "SELECT g, count(*), round(quantile_cont(days, 0.5), 1)::DOUBLE, round(quantile_cont(days, 0.9), 1)::DOUBLE "
            "FROM t GROUP BY g ORDER BY g"
        ).fetchall()
    finally:
        con.close()
    assert ours == duck
