"""The Reports page (AppTest): a manager sees the last complete month's reports and marks one submitted; a CSR
is refused; the page's figures are the core's."""

from __future__ import annotations

import datetime as dt

from orders_core.reports import monthly
from orders_core.storage.database import Database
from tests.app.pages import CSR, MANAGER, app_page

PAGE = "pages/reports.py"


def run(user, **params):
    at = app_page(PAGE, user=user)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_manager_sees_last_month_and_marks_it_submitted(app_db):
    at = run(MANAGER)
    month = monthly.last_complete_month(dt.date.today())
    assert at.selectbox(key="reports_month").value == str(month)
    db = Database(str(app_db))
    try:
        figures = monthly.reports_for(db.cursor(), month, dt.date.today(), MANAGER).figures
    finally:
        db.close()
    s297 = at.dataframe[0].value
    assert list(s297["Count"])[0] == figures["s297"]["valid_registrations"]
    if figures["ctls-sales"]["rows"]:
        assert int(at.dataframe[1].value["Units sold"].sum()) == figures["ctls-sales"]["totals"]["units"]
    at.button(key="submit_s297").click().run()
    assert not at.exception
    assert any("Marked as submitted" in s.value for s in at.success)


def test_a_csr_may_not_open_reports(app_db):
    at = run(CSR)
    assert any("may not open the monthly reports" in e.value for e in at.error)
