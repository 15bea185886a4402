"""The Recurring Orders page and the client's Recurring Order tab (AppTest), on both engines (the demo in a
DuckDB file, and the same rows on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from orders_core.recurring.api import TEMPLATE_COLUMNS
from orders_core.storage.reads import fetch_value
from tests.app.conftest import REASON, escaped
from tests.app.engines import ENGINES, engine_app_db, with_database
from tests.app.pages import CSR, app_page, signed_in

PAGE = "pages/recurring.py"


@pytest.fixture(params=ENGINES)
def app_db(request, monkeypatch):
    """The pages on each engine (the failing daily job's tests too: it generates on that engine once mended)."""
    yield from engine_app_db(request, monkeypatch)


def with_db(target, fn):
    return with_database(target, lambda db: fn(db.cursor()))


def value(path, sql, params=None):
    return with_db(path, lambda cur: fetch_value(cur, sql, params))


def page() -> AppTest:
    return app_page(PAGE, timeout=60).run()


def table(at: AppTest):
    return next(df.value for df in at.dataframe if "Next Order On" in df.value.columns)


def test_index_lists_every_template_with_the_columns_and_the_due_count(app_db):
    at = page()
    assert not at.exception
    rows = table(at)
    assert len(rows) == value(app_db, "SELECT count(*) FROM recurring_orders")
    assert set(TEMPLATE_COLUMNS) <= set(rows.columns)
    today = dt.date.today()
    due = value(app_db, "SELECT count(*) FROM recurring_orders WHERE enabled AND next_order_on < ?::DATE + 7", [today])
    metric = next(m for m in at.metric if m.label == "Due in the next 7 days")
    assert metric.value == f"{due:,}"
    assert all(r.endswith(" g") or r == "" for r in rows["Grams per Month"])
    assert all(t.startswith("$") for t in rows["Monthly Total"])


def test_filters_show_disabled_templates_and_search_by_client(app_db):
    at = page()
    at.radio(key="rec_status").set_value("Disabled").run()
    rows = table(at)
    assert len(rows) == value(app_db, "SELECT count(*) FROM recurring_orders WHERE NOT enabled")
    assert set(rows["Status"]) == {"Disabled"}
    name = value(app_db, "SELECT c.name FROM recurring_orders r JOIN clients c USING (client_id) "
                         "ORDER BY r.recurring_order_id LIMIT 1")
    at.radio(key="rec_status").set_value("All").run()
    at.text_input(key="rec_search").input(name.lower()).run()
    assert name in set(table(at)["Client"])
    at.text_input(key="rec_search").input("zzz no such client").run()
    assert any("No recurring order matches" in i.value for i in at.info)


def test_generate_shows_what_it_will_create_then_creates_it(app_db):
    today = dt.date.today()
    rid = value(app_db, "SELECT min(recurring_order_id) FROM recurring_orders r JOIN clients c USING (client_id) "
                        "WHERE c.registration_status = 'Approved'")

    def make_due(cur):
        cur.execute("UPDATE recurring_orders SET enabled = (recurring_order_id = ?), next_order_on = ?",
                    [rid, today])
        cur.execute("UPDATE prescriptions SET valid_from = ?, valid_until = ? WHERE client_id = ?",
                    [today - dt.timedelta(days=40), today + dt.timedelta(days=300), rid])

    with_db(app_db, make_due)
    before = value(app_db, "SELECT count(*) FROM orders")
    at = page()
    at.button(key="rec_generate").click().run()
    assert not at.exception
    preview = " ".join(m.value for m in at.markdown)
    assert "1 Open order from 1 recurring order" in preview
    assert value(app_db, "SELECT count(*) FROM orders") == before  # nothing yet
    at.button(key="rec_confirm").click().run()
    assert not at.exception
    assert any("1 order generated from 1 recurring order" in s.value for s in at.success)
    new_id = value(app_db, "SELECT max(order_id) FROM orders WHERE source = 'Recurring' AND recurring_order_id = ?",
                   [rid])
    assert value(app_db, "SELECT count(*) FROM orders") == before + 1
    shown = next(df.value for df in at.dataframe if "Shipments" in df.value.columns)
    assert list(shown["Order ID"]) == [new_id]
    actor = value(app_db, "SELECT actor FROM order_events WHERE order_id = ? AND kind = 'created'", [new_id])
    assert actor == "Isabelle Roy"  # the shared sidebar's signed-in name
    # a second press finds nothing due
    at.button(key="rec_generate").click().run()
    assert any("Nothing is due" in i.value for i in at.info)


TAB_SCRIPT = """
import streamlit as st
from ui.components.recurring_tab import render_recurring_tab
render_recurring_tab(int(st.query_params["id"]))
"""


def tab(client_id: int) -> AppTest:
    at = AppTest.from_string(TAB_SCRIPT, default_timeout=60)
    at.user = signed_in(CSR)
    at.query_params["id"] = str(client_id)
    return at.run()


def test_tab_shows_grams_against_allowance_and_saves_changes(app_db):
    cid = value(app_db, "SELECT min(client_id) FROM recurring_orders r JOIN clients c USING (client_id) "
                        "WHERE c.registration_status = 'Approved'")
    at = tab(cid)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    grams = value(app_db, "SELECT sum(l.units * p.dried_equiv_grams) FROM recurring_order_lines l "
                          "JOIN products p USING (sku) WHERE l.recurring_order_id = ? AND p.is_cannabis", [cid])
    gpd = value(app_db, "SELECT grams_per_day FROM prescriptions WHERE client_id = ? AND active", [cid])
    assert metrics["Grams per month"] == f"{Decimal(grams).normalize():f} g"
    assert metrics["Monthly allowance"] == f"{(gpd * 30).normalize():f} g"
    at.toggle(key=f"rectab_{cid}_enabled").set_value(False).run()
    at.radio(key=f"rectab_{cid}_schedule").set_value("day_of_month").run()
    at.number_input(key=f"rectab_{cid}_day").set_value(31).run()
    at.button(key=f"rectab_{cid}_save").click().run()
    assert not at.exception
    assert any("Recurring order saved." in s.value for s in at.success)
    enabled, schedule, day = with_db(app_db, lambda cur: cur.execute(
        "SELECT enabled, schedule, day_of_month FROM recurring_orders WHERE client_id = ?", [cid]).fetchall()[0])
    assert (enabled, schedule, day) == (False, "day_of_month", 31)
    assert value(app_db, "SELECT actor FROM recurring_events WHERE recurring_order_id = ? "
                         "ORDER BY event_id DESC LIMIT 1", [cid]) == CSR.name  # the signed-in person


@pytest.mark.breaches_on_purpose  # the prescription is cut behind the rules (the demo's orders exceed it)
def test_tab_refuses_a_template_over_the_allowance_and_writes_nothing(app_db):
    cid = value(app_db, "SELECT min(client_id) FROM recurring_orders r JOIN clients c USING (client_id) "
                        "WHERE c.registration_status = 'Approved'")
    with_db(app_db, lambda cur: cur.execute(
        "UPDATE prescriptions SET grams_per_day = 0.1 WHERE client_id = ?", [cid]))  # 3 g a month
    events = value(app_db, "SELECT count(*) FROM recurring_events")
    at = tab(cid)
    errors = [e.value for e in at.error]
    assert any("over" in e and "monthly allowance of 3 g" in e and "can never ship" in e for e in errors)
    at.button(key=f"rectab_{cid}_save").click().run()
    assert any("monthly allowance of 3 g" in e.value for e in at.error)
    assert value(app_db, "SELECT count(*) FROM recurring_events") == events


@pytest.mark.parametrize("client_sql", ["SELECT min(client_id) FROM clients WHERE client_id % 10 <> 0"])
def test_tab_for_a_client_without_a_template_offers_to_create_one(app_db, client_sql):
    cid = value(app_db, client_sql)
    at = tab(cid)
    assert not at.exception
    assert any("has no recurring order yet" in i.value for i in at.info)
    assert at.button(key=f"rectab_{cid}_save").label == "Create recurring order"
    at.button(key=f"rectab_{cid}_save").click().run()
    assert any("A recurring order needs at least one product." in e.value for e in at.error)
    assert value(app_db, "SELECT count(*) FROM recurring_orders WHERE client_id = ?", [cid]) == 0


def test_a_failed_daily_run_shows_on_the_page_with_its_time_and_reason_until_a_run_succeeds(failing_daily_job):
    at = failing_daily_job.failed(app_page(PAGE, timeout=60))
    assert not at.exception
    shown = [e.value for e in at.error if "daily recurring" in e.value]
    assert len(shown) == 1
    failure = failing_daily_job.job.last_failure
    assert escaped(f"failed at {failure.at:%Y-%m-%d %H:%M}: OSError: {REASON}.") in shown[0]
    assert "\\*orders\\*" in shown[0]  # the reason shown literally, not as Markdown
    failing_daily_job.mend()
    at.run()
    assert not any("daily recurring" in e.value for e in at.error)


def test_template_units_are_read_as_typed_and_never_silently_fixed():
    from ui.components.recurring_tab import template_lines

    rows = pd.DataFrame({"Product": ["Pink Kush · FL-PK-035", "Grinder · AC-GRN-001", "Balm · OL-BAL-040",
                                     "Pink Kush · FL-PK-035", "Oil · OL-CBD-030"],
                         "Units": ["-5", "0", "abc", "2", " 1 "]})
    by_label = {"Pink Kush · FL-PK-035": "FL-PK-035", "Grinder · AC-GRN-001": "AC-GRN-001",
                "Balm · OL-BAL-040": "OL-BAL-040", "Oil · OL-CBD-030": "OL-CBD-030"}
    lines, errors = template_lines(rows, by_label)
    assert errors == ["Line 1: units '-5' is negative.", "Line 2: units is 0; order at least 1 unit.",
                      "Line 3: units 'abc' is not a number."]
    assert [(ln.sku, ln.units) for ln in lines] == [("FL-PK-035", 2), ("OL-CBD-030", 1)]
