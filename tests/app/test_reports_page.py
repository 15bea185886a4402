"""The Reports page (AppTest): a manager sees the last complete month's reports and marks one submitted; a CSR
is refused; the page's figures are the core's."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

from orders_core.orders.archive import archive_orders
from orders_core.reports import monthly
from orders_core.reports.monthly import access
from orders_core.rules import formatting
from orders_core.storage.database import Database
from tests.app.html_tables import html_table
from tests.app.pages import CSR, MANAGER, app_page

PAGE = "pages/reports.py"
CTLS_CAPTION = "CTLS sales for medical purposes (the Orders column opens the orders behind each row)"


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
    assert list(s297["Value"])[0] == f"{figures['s297']['valid_registrations']:,}"
    highest = figures["s297"]["highest_daily_grams"]
    assert list(s297["Value"])[-1] == (formatting.grams(highest) if highest is not None else "none valid")
    if figures["ctls-sales"]["rows"]:
        units = html_table(at, CTLS_CAPTION).frame["Units sold"].str.replace(",", "").astype(int)
        assert int(units.sum()) == figures["ctls-sales"]["totals"]["units"]
    at.button(key="submit_s297").click().run()
    assert not at.exception
    assert any("Marked as submitted" in s.value for s in at.success)


def test_a_csr_may_not_open_reports(app_db):
    at = run(CSR)
    assert any("may not open the monthly reports" in e.value for e in at.error)


def index(user, params: dict):
    at = app_page("app.py", user=user)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_ctls_row_opens_exactly_its_orders_in_the_index_archived_or_not(app_db):
    today = dt.date.today()
    month = monthly.last_complete_month(today)
    link = html_table(run(MANAGER), CTLS_CAPTION).links[0]
    assert link.href.startswith("./?figure=ctls-sales")  # the figure, not its Order IDs
    params = dict(parse_qsl(urlsplit(link.href).query))
    _report, _month, province, category = params["figure"].split(":")
    db = Database(str(app_db))
    try:
        ids = access.behind_for(db.cursor(), "ctls-sales", month, (province, category), today, MANAGER).ids
        archive_orders(db, ids[:1], MANAGER)  # archived: still behind the figure
    finally:
        db.close()
    at = index(MANAGER, {**params, "size": "200"})
    assert sorted(int(v) for v in html_table(at).frame["Order ID"]) == ids
    assert f"The orders behind CTLS sales, {month.label()}, {province} / {category}" in at.info[0].value
    assert at.query_params["figure"] == params["figure"]  # kept while the page is used
    at.button(key="orders_figure_clear").click().run()
    assert "figure" not in at.query_params and len(html_table(at).frame) == 200


def test_a_bad_figure_link_is_one_sentence_and_lists_every_order(app_db):
    at = index(MANAGER, {"figure": "ctls-sales:2026-13:ON:Dried"})
    assert [w.value.replace("\\:", ":") for w in at.warning] == [  # the markdown source escapes ":"
        "This link's figure 'ctls-sales:2026-13:ON:Dried' could not be used and was left out."]
    future = monthly.last_complete_month(dt.date.today()).next_first_day
    at = index(MANAGER, {"figure": f"ctls-sales:{future:%Y-%m}:ON:Dried"})
    assert len(at.warning) == 1 and "has not ended yet" in at.warning[0].value
    at = index(CSR, {"figure": "ctls-sales:2026-10:ON:Dried"})
    assert len(at.warning) == 1 and "may not open the monthly reports" in at.warning[0].value
    assert "figure" not in at.query_params
