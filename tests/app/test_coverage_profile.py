"""The Order Profile shows what each policy paid (Blue Cross $84.00 + Manulife $10.50), as stored."""

from __future__ import annotations

from orders_core.db import Database
from tests.app.pages import app_page
from tests.unit.test_coverage_rows import blue_cross_and_manulife_order


def test_the_profile_lists_each_insurer_s_part(app_db):
    db = Database(str(app_db))
    try:
        order_id = blue_cross_and_manulife_order(db, db.cursor())
    finally:
        db.close()
    at = app_page("pages/order.py", timeout=30)
    at.query_params["id"] = str(order_id)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    money = at.table[0].value
    rows = dict(zip(money[""], money["Amount"], strict=True))
    assert rows["Policy coverage: Blue Cross"] == "-$84.00"
    assert rows["Policy coverage: Manulife"] == "-$10.50"
    assert rows["Total Due"] == "$10.50"
