"""A catch-up after an outage (many templates due at once) runs in batches, each its own transaction: the
same orders as one run, progress told after each batch, and an interrupted catch-up goes on where it
stopped, on both engines."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from orders_core.recurring import api as rec
from orders_core.recurring import generation as gen
from orders_core.storage.reads import fetch_value
from tests.people import MANAGER_PERSON, acting

AS_OF = dt.date(2027, 3, 10)  # months after the demo's anchor: every enabled template is due


@pytest.fixture
def db(engine_demo_db):
    return engine_demo_db


def _due(cur) -> int:
    return fetch_value(cur, "SELECT count(*) FROM recurring_orders WHERE enabled AND next_order_on <= ?", [AS_OF])


def _generated(cur) -> set[tuple[int, dt.date]]:
    return set(cur.execute("SELECT recurring_order_id, period_start FROM recurring_generations").fetchall())


def test_a_catch_up_in_batches_generates_what_one_run_would(db):
    cur = db.cursor()
    plan = rec.preview_due(cur, MANAGER_PERSON, AS_OF)
    due, before = _due(cur), fetch_value(cur, "SELECT count(*) FROM orders")
    assert due == len(plan) > 6
    told: list[tuple[int, int, int]] = []
    result = rec.generate_due(db, acting("CSR"), AS_OF, batch=2,
                              progress=lambda part, done: told.append((part.due, done, part.remaining)))

    assert len(told) == -(-due // 2)
    assert [done for _, done, _ in told] == [min(2 * (i + 1), due) for i in range(len(told))]
    assert [remaining for *_, remaining in told] == [due - done for _, done, _ in told]
    assert result.due == due and result.remaining == 0 and _due(cur) == 0
    assert len(result.orders) == int(plan["Orders"].sum()) == fetch_value(cur, "SELECT count(*) FROM orders") - before
    assert len(result.skipped) == int(plan["Skipped"].sum())
    assert "generated from" in result.summary()


def test_an_interrupted_catch_up_keeps_its_batches_and_the_next_run_finishes_it(db, monkeypatch):
    cur = db.cursor()
    expected = int(rec.preview_due(cur, MANAGER_PERSON, AS_OF)["Orders"].sum())
    before, due = fetch_value(cur, "SELECT count(*) FROM orders"), _due(cur)
    earlier = _generated(cur)
    real, calls = gen.generate_work, []

    def failing_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the server stopped")
        return real(*args, **kwargs)

    monkeypatch.setattr(gen, "generate_work", failing_third)
    with pytest.raises(RuntimeError):
        rec.generate_due(db, acting("CSR"), AS_OF, batch=2)
    assert _due(cur) == due - 4  # the two batches that committed moved their templates past the run's date
    kept = _generated(cur) - earlier
    assert kept
    monkeypatch.setattr(gen, "generate_work", real)

    rest = rec.generate_due(db, acting("CSR"), AS_OF, batch=2)
    assert _due(cur) == 0 and kept <= _generated(cur)
    assert fetch_value(cur, "SELECT count(*) FROM orders") - before == expected
    assert rec.generate_due(db, acting("CSR"), AS_OF, batch=2).due == 0  # nothing left: idempotent
    assert rest.remaining == 0


def test_a_catch_up_that_stops_moving_on_ends_instead_of_looping(monkeypatch):
    """Each batch moves its templates past the run's date; should one ever not (nothing still due goes down),
    the run ends after that batch rather than take the same templates again and again."""
    calls = []

    def stuck(cur, as_of, actor, created_at, limit):
        calls.append(limit)
        return gen.GenerationResult(as_of, limit, 0, pd.DataFrame(columns=["Order ID"]),
                                    pd.DataFrame(columns=["Client"]), limit, remaining=50)

    class Db:
        def write(self, work):
            return work(None)

    monkeypatch.setattr(gen, "generate_work", stuck)
    result = rec.generate_due(Db(), acting("CSR"), AS_OF, batch=10)
    assert calls == [10, 10] and result.remaining == 50 and result.due == 20
