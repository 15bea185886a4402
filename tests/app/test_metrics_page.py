"""The Metrics page (AppTest): every chart renders for a full range and for an empty one, with the right figures,
on both engines (the demo in a DuckDB file, and the same rows on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from orders_core.rules.formatting import money
from orders_core.storage.reads import fetch_one
from tests.app.conftest import REASON, escaped
from tests.app.engines import ENGINES, engine_app_db, with_database
from tests.app.pages import MANAGER, app_page

PAGE = "pages/metrics.py"
ANCHOR = dt.date(2026, 11, 26)
TITLES = [
    "How many orders came in each day, and from where?",
    "How much Total Due did each day bring in?",
    "Where are this period's orders now?",
    "How long have Unverified orders been waiting?",
    "How many days do orders take to ship, and then to arrive?",
    "Which carriers carry our orders?",
    "How fast does each carrier deliver?",
    "Which products sell the most units?",
    "Which products move the most cannabis?",
    "How much did insurers pay each month?",
]


@pytest.fixture(params=ENGINES)
def app_db(request, monkeypatch):
    """The page on each engine (the failing daily job's tests too: it generates on that engine once mended)."""
    yield from engine_app_db(request, monkeypatch)


@pytest.fixture
def at(app_db):
    app = app_page(PAGE, timeout=60, user=MANAGER)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def sql_row(target, query, params=()):
    return with_database(target, lambda db: fetch_one(db.cursor(), query, list(params)))


def choose_range(at, start: dt.date, end: dt.date) -> None:
    at.segmented_control(key="metrics_range").set_value("Custom").run()
    at.date_input(key="metrics_custom").set_value((start, end)).run()
    assert not at.exception, [e.value for e in at.exception]


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def is_empty(fig: dict) -> bool:
    notes = [a.get("text") for a in fig.get("layout", {}).get("annotations", [])]
    return any(n in ("Nothing in this range", "No orders waiting") for n in notes)


def metric(at, label: str):
    return next(m for m in at.metric if m.label == label)


def test_a_full_range_renders_every_chart_with_data(at, app_db):
    start = dt.date(2026, 10, 1)
    choose_range(at, start, ANCHOR)
    shown = [md.value.strip("*") for md in at.markdown if md.value.startswith("**How") or md.value.startswith("**Wh")]
    assert shown == TITLES
    figs = figures(at)
    assert len(figs) == len(TITLES)
    assert not any(is_empty(f) for f in figs)
    assert all(f["data"] for f in figs)
    assert [b.label for b in at.download_button] == ["Download data"] * len(TITLES)
    orders, revenue = sql_row(
        app_db, "SELECT count(*), sum(total_due) FROM orders WHERE status <> 'Cancelled' "
        "AND created_at >= ? AND created_at < ?::DATE + INTERVAL '1 day'", [start, ANCHOR])
    assert metric(at, "Orders").value == f"{orders:,}"
    assert metric(at, "Revenue").value == f"${round(revenue):,}"      # whole dollars under $100,000
    assert f"({money(revenue)})" in metric(at, "Revenue").proto.help  # the exact amount in its help
    assert metric(at, "Orders").delta.endswith("%")


def test_an_empty_range_renders_every_chart_empty(at):
    choose_range(at, dt.date(2019, 1, 1), dt.date(2019, 1, 31))
    figs = figures(at)
    assert len(figs) == len(TITLES)
    # Every chart says there is nothing, but the backlog, which is "now" whatever the range.
    empties = [is_empty(f) for f in figs]
    assert empties == [True, True, True, False, True, True, True, True, True, True]
    assert metric(at, "Orders").value == "0"
    assert metric(at, "Avg order value").value == "–"
    assert metric(at, "Portal share").value == "–"
    assert len(at.download_button) == len(TITLES)


def test_presets_and_grouping_change_the_figures(at):
    """A preset counts back from the clock, which moves away from the demo (its last day is ANCHOR): the presets
    are checked for the span they choose, the figures on the same spans ending on the demo's last day."""
    at.segmented_control(key="metrics_range").set_value("Last 7 days").run()
    assert not at.exception
    assert "(7 days)" in at.markdown[0].value
    at.segmented_control(key="metrics_range").set_value("Last year").run()
    assert not at.exception
    assert "(365 days)" in at.markdown[0].value
    choose_range(at, ANCHOR - dt.timedelta(days=6), ANCHOR)
    week = metric(at, "Orders").value
    bars_per_day = len(figures(at)[0]["data"][0]["x"])
    choose_range(at, ANCHOR - dt.timedelta(days=364), ANCHOR)
    assert int(metric(at, "Orders").value.replace(",", "")) > int(week.replace(",", ""))
    assert "(365 days)" in at.markdown[0].value
    choose_range(at, ANCHOR - dt.timedelta(days=6), ANCHOR)
    at.segmented_control(key="metrics_grain").set_value("Week").run()
    assert len(figures(at)[0]["data"][0]["x"]) < bars_per_day
    assert "each week" in " ".join(md.value for md in at.markdown)


def test_a_source_filter_applies_to_the_headline(at):
    choose_range(at, dt.date(2026, 10, 1), ANCHOR)
    at.multiselect(key="metrics_sources").select("Client Portal").run()
    assert metric(at, "Portal share").value == "100.0%"
    assert metric(at, "Recurring share").value == "0.0%"
    sources = {trace["name"] for trace in figures(at)[0]["data"]}
    assert sources == {"Client Portal"}


def test_half_a_custom_range_asks_for_the_last_day(at):
    at.segmented_control(key="metrics_range").set_value("Custom").run()
    at.date_input(key="metrics_custom").set_value((dt.date(2026, 11, 1),)).run()
    assert [i.value for i in at.info] == ["Pick the last day of the custom range."]
    assert not at.get("plotly_chart")


def test_backlog_caption_counts_orders_waiting(at, app_db):
    (three_plus,) = sql_row(app_db, "SELECT count(*) FROM orders WHERE status = 'Unverified' "
                                    "AND created_at < ?::DATE - INTERVAL '2 days'", [dt.date.today()])
    caption = next(c.value for c in at.caption if c.value.startswith("Every order waiting"))
    assert f"{three_plus:,} for 3+ days" in caption
    assert at.button(key="metrics_open_oldest").label == f"Open the {three_plus:,} orders waiting 3+ days"


def test_the_url_sets_the_range_filters_and_grouping(app_db):
    at = app_page(PAGE, timeout=60, user=MANAGER)
    at.query_params.update({"range": "custom", "from": "2026-10-01", "to": "2026-11-26", "source": "CSR",
                            "group": "week"})
    at.run()
    assert not at.exception
    assert at.segmented_control(key="metrics_range").value == "Custom"
    assert at.multiselect(key="metrics_sources").value == ["CSR"]
    assert "(57 days)" in at.markdown[0].value
    assert metric(at, "Portal share").value == "0.0%"
    assert "each week" in " ".join(md.value for md in at.markdown)


def test_a_bad_link_says_what_it_left_out(app_db):
    at = app_page(PAGE, timeout=60, user=MANAGER)
    at.query_params.update({"range": "forever", "source": "Fax"})
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "This link's range 'forever', source 'Fax' could not be used and were left out."]
    assert "(30 days)" in at.markdown[0].value


def test_the_controls_write_the_url(at):
    at.segmented_control(key="metrics_range").set_value("Last year").run()
    at.multiselect(key="metrics_categories").select("Oil").run()
    assert at.query_params == {"range": "year", "category": "Oil"}


def test_a_failed_daily_recurring_run_is_in_the_attention_list_until_a_run_succeeds(failing_daily_job):
    at = failing_daily_job.failed(app_page(PAGE, timeout=60, user=MANAGER))
    assert not at.exception
    failure = failing_daily_job.job.last_failure
    assert any(m.value == "**Needs attention**" for m in at.markdown)
    shown = [e.value for e in at.error if "daily recurring" in e.value]
    assert len(shown) == 1 and escaped(f"failed at {failure.at:%Y-%m-%d %H:%M}: OSError: {REASON}.") in shown[0]
    failing_daily_job.mend()
    at.run()
    assert not any(m.value == "**Needs attention**" for m in at.markdown)
    assert not any("daily recurring" in e.value for e in at.error)


def test_a_ten_year_day_link_is_drawn_per_month_and_computed_once_for_every_session(app_db, monkeypatch):
    from orders_core.reports import metrics as m

    calls = []
    real = m.page_metrics
    monkeypatch.setattr(m, "page_metrics", lambda *a, **k: calls.append((a[1], k.get("now"))) or real(*a, **k))
    today = dt.date.today()
    params = {"range": "custom", "from": (today - dt.timedelta(days=3652)).isoformat(),
              "to": today.isoformat(), "group": "day"}
    sessions = []
    for _ in range(2):
        app = app_page(PAGE, timeout=60, user=MANAGER)
        app.query_params.update(params)
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        sessions.append(app)
    # The second session reads the same figures from the process-wide cache: one computation per key (the key
    # holds the time rounded to 5 minutes, so two sessions on each side of such a boundary compute twice).
    assert len(calls) == len(set(calls)) and len({f for f, _ in calls}) == 1
    for app in sessions:
        [note] = [i.value for i in app.info if i.value.startswith("A bar per day")]
        assert note.endswith("shown per month instead (121 bars).")
