"""The Metrics page in Chromium: the range changes the figures; a chart's data downloads; a bar opens the
Orders index filtered to its orders, and coming back keeps the range."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ANCHOR
from tests.e2e.conftest import sidebar_link, wait_for_app

pytestmark = pytest.mark.browser

FUNNEL = "Where are this period's orders now?"


def open_metrics(page, server: str) -> None:
    page.goto(server)
    wait_for_app(page)
    page.get_by_text("Signed in as").wait_for()
    sidebar_link(page, "Metrics").click()
    wait_for_app(page)
    page.get_by_text(FUNNEL, exact=True).wait_for()


def open_range(page, server: str, days: int) -> None:
    """The Metrics page on the ``days`` days ending on the tests' demo's last day (a link with a custom range):
    a preset counts back from the clock, which moves away from the demo (tests/conftest.py's ANCHOR)."""
    first = ANCHOR - dt.timedelta(days=days - 1)
    page.goto(f"{server}/metrics?range=custom&from={first.isoformat()}&to={ANCHOR.isoformat()}")
    wait_for_app(page)
    page.get_by_text(FUNNEL, exact=True).wait_for()
    page.get_by_text(f"({days} days)").wait_for()


def headline(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def changed_headline(page, label: str, before: str) -> str:
    """The card's value once the rerun has replaced ``before`` (the caption above it updates first)."""
    for _ in range(50):
        value = headline(page, label)
        if value != before:
            return value
        page.wait_for_timeout(200)
    return headline(page, label)


def choose_range(page, name: str) -> None:
    page.get_by_role("radio", name=name, exact=True).click()
    wait_for_app(page)


def card(page, title: str):
    """The bordered container of one chart (the innermost block holding its title and a chart)."""
    return (page.locator('[data-testid="stVerticalBlock"]')
            .filter(has=page.get_by_text(title, exact=True))
            .filter(has=page.locator('[data-testid="stPlotlyChart"]')).last)


def test_changing_the_range_changes_the_figures(server, manager_page):
    page = manager_page  # Metrics is the Operations Manager's
    open_metrics(page, server)  # the default range, by the sidebar
    page.get_by_text("(30 days)").wait_for()
    open_range(page, server, 30)
    month_text = headline(page, "Orders")
    open_range(page, server, 7)
    week_text = changed_headline(page, "Orders", month_text)
    open_range(page, server, 365)
    year_text = changed_headline(page, "Orders", week_text)
    month, week, year = (int(t.replace(",", "")) for t in (month_text, week_text, year_text))
    assert week < month < year
    choose_range(page, "Last year")  # a preset counts back from the clock: only its span and its link are checked
    page.wait_for_url(re.compile(r"range=year"), timeout=20_000)
    page.get_by_text("(365 days)").wait_for()
    expect(page.get_by_text("How many orders came in each week, and from where?")).to_be_visible()


def test_a_funnel_bar_downloads_and_opens_the_orders_behind_it(server, manager_page):
    page = manager_page  # Metrics is the Operations Manager's
    open_metrics(page, server)
    open_range(page, server, 30)  # the demo's last 30 days, whatever the date
    funnel = card(page, FUNNEL)
    funnel.scroll_into_view_if_needed()
    with page.expect_download() as info:
        funnel.get_by_role("button", name="Download data").click()
    with open(info.value.path(), encoding="utf-8-sig") as fh:  # with the BOM Excel needs
        rows = {r["status"]: int(r["orders"]) for r in csv.DictReader(io.StringIO(fh.read()))}
    assert list(rows) == ["Unverified", "Open", "Order Placed", "Shipped", "Delivered", "Cancelled"]
    assert rows["Unverified"] > 0

    bars = funnel.locator('[data-testid="stPlotlyChart"] g.point path')
    assert bars.count() == 6
    bars.first.click(force=True)  # the Unverified bar (lifecycle order, top to bottom)
    page.wait_for_url(re.compile(r"status=Unverified"), timeout=20_000)
    wait_for_app(page)
    assert re.search(r"from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}", page.url)
    unverified = rows["Unverified"]
    page.get_by_text(f"{unverified:,} order{'s' if unverified != 1 else ''}", exact=True).wait_for()

    # Back to Metrics through the sidebar: the 30-day range is still chosen.
    sidebar_link(page, "Metrics").click()
    wait_for_app(page)
    page.get_by_text("(30 days)").wait_for()
    assert f"to={ANCHOR.isoformat()}" in page.url
