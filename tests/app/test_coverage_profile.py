"""The Order Profile shows what each policy paid (Blue Cross $84.00 + Manulife $10.50), as stored; on both engines."""

from __future__ import annotations

import pytest

from tests.app.engines import ENGINES, engine_app_db, with_database
from tests.app.pages import app_page
from tests.unit.orders.test_coverage_rows import blue_cross_and_manulife_order


@pytest.fixture(params=ENGINES)
def app_db(request, monkeypatch):
    """The pages on each engine: the demo in a DuckDB file, and the same rows on PostgreSQL."""
    yield from engine_app_db(request, monkeypatch)


def test_the_profile_lists_each_insurer_s_part(app_db):
    order_id = with_database(app_db, lambda db: blue_cross_and_manulife_order(db, db.cursor()))
    at = app_page("pages/order.py", timeout=30)
    at.query_params["id"] = str(order_id)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    money = at.table[0].value
    rows = dict(zip(money[""], money["Amount"], strict=True))
    assert rows["Policy coverage: Blue Cross"] == "-$84.00"
    assert rows["Policy coverage: Manulife"] == "-$10.50"
    assert rows["Total Due"] == "$10.50"
