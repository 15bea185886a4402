"""Every metric of the Metrics page against a small hand-built data set whose answers are worked out by hand.

Today is 2026-11-26; the range is the last 7 days (2026-11-20 .. 2026-11-26) and the previous
period is 2026-11-13 .. 2026-11-19.

 id client source        created      status        total  cover grams carrier      shipped delivered lines
  1 1001   Client Portal 11-20 10:00  Delivered     100.00 20.00 7.0   Canada Post  11-21   11-24     FL x2 (archived)
  2 1003   CSR           11-21 09:00  Shipped        50.00     0 3.5   UPS          11-24   -         FL x1, ACC x1
  3 1002   Recurring     11-23 08:00  Order Placed   45.00 10.00 0.429 UPS          -       -         OIL x1
  4 1003   Client Portal 11-24 12:00  Unverified     30.00     0 3.5   -            -       -         FL x1
  5 1003   CSR           11-25 12:00  Cancelled     999.00     0 -     UPS          -       -         ACC x5
  6 1001   Client Portal 11-26 07:00  Unverified     20.00     0 -     -            -       -         ACC x1
  7 1002   CSR           11-15 10:00  Delivered      80.00 15.00 7.0   Canada Post  11-17   11-20     FL x2
  8 1003   Client Portal 11-10 10:00  Unverified     30.00     0 3.5   -            -       -         FL x1
  9 1001   Client Portal 11-18 10:00  Shipped        60.00     0 3.5   Purolator    11-19   -         FL x1
 10 1001   CSR           11-20 15:00  Delivered      40.00  5.00 3.5   Canada Post  11-22   11-23     FL x1

Policies: client 1001 Sun Life since 2020; client 1002 Blue Cross since 2020, Manulife since 2026-11-22.

Every test runs on both engines (``mcur``: the data set loaded into ``engine_empty_db``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from orders_core.reports import metrics as m
from orders_core.storage import dialect

D = dt.date
TODAY = D(2026, 11, 26)
WEEK = m.MetricsFilter(D(2026, 11, 20), D(2026, 11, 26))

PRODUCTS = [
    ("FL", "Flower 3.5 g", "Dried flower", True, "3.5", "30.00"),
    ("OIL", "Oil 30 mL", "Oil", True, "0.429", "45.00"),
    ("ACC", "Grinder", "Accessory", False, "0", "20.00"),
]
ORDERS = [
    # id, client, source, created, status, total, coverage, grams, carrier, shipped, delivered, lines, archived
    (1, 1001, "Client Portal", "2026-11-20 10:00", "Delivered", "100.00", "20.00", "7.0", "Canada Post",
     D(2026, 11, 21), D(2026, 11, 24), [("FL", 2)], True),
    (2, 1003, "CSR", "2026-11-21 09:00", "Shipped", "50.00", "0", "3.5", "UPS", D(2026, 11, 24), None,
     [("FL", 1), ("ACC", 1)], False),
    (3, 1002, "Recurring", "2026-11-23 08:00", "Order Placed", "45.00", "10.00", "0.429", "UPS", None, None,
     [("OIL", 1)], False),
    (4, 1003, "Client Portal", "2026-11-24 12:00", "Unverified", "30.00", "0", "3.5", None, None, None,
     [("FL", 1)], False),
    (5, 1003, "CSR", "2026-11-25 12:00", "Cancelled", "999.00", "0", None, "UPS", None, None, [("ACC", 5)], False),
    (6, 1001, "Client Portal", "2026-11-26 07:00", "Unverified", "20.00", "0", None, None, None, None,
     [("ACC", 1)], False),
    (7, 1002, "CSR", "2026-11-15 10:00", "Delivered", "80.00", "15.00", "7.0", "Canada Post",
     D(2026, 11, 17), D(2026, 11, 20), [("FL", 2)], False),
    (8, 1003, "Client Portal", "2026-11-10 10:00", "Unverified", "30.00", "0", "3.5", None, None, None,
     [("FL", 1)], False),
    (9, 1001, "Client Portal", "2026-11-18 10:00", "Shipped", "60.00", "0", "3.5", "Purolator",
     D(2026, 11, 19), None, [("FL", 1)], False),
    (10, 1001, "CSR", "2026-11-20 15:00", "Delivered", "40.00", "5.00", "3.5", "Canada Post",
     D(2026, 11, 22), D(2026, 11, 23), [("FL", 1)], False),
]


def _load(cur) -> None:
    for sku, name, category, cannabis, equiv, price in PRODUCTS:
        cur.execute("INSERT INTO products VALUES (?, ?, 'Brand', ?, ?, 1, 'g', ?, ?, 'L1', 'A-1', TRUE)",
                    [sku, name, category, cannabis, Decimal(equiv), Decimal(price)])
    for client_id in (1001, 1002, 1003):
        cur.execute(
            "INSERT INTO clients VALUES (?, ?, ?, DATE '1970-01-01', NULL, NULL, '1 Main St', NULL, 'Ottawa', "
            "'ON', 'K1P 1A1', 'Approved', DATE '2020-01-01', TIMESTAMP '2020-01-01')",
            [client_id, f"Client {client_id}", f"client {client_id}"],
        )
    for policy_id, client_id, insurer, since in ((1, 1001, "Sun Life", D(2020, 1, 1)),
                                                 (2, 1002, "Blue Cross", D(2020, 1, 1)),
                                                 (3, 1002, "Manulife", D(2026, 11, 22))):
        cur.execute("INSERT INTO coverage_policies VALUES (?, ?, ?, 0.8, 300, NULL, ?, NULL, TRUE)",
                    [policy_id, client_id, insurer, since])
    for (oid, client, source, created, status, total, cover, grams, carrier, shipped, delivered,
         lines, archived) in ORDERS:
        cur.execute(
            """
            INSERT INTO orders (order_id, client_id, source, placed_by, created_at, status, subtotal,
                                coverage_amount, total_due, grams, carrier, shipped_on, delivered_on,
                                archived_at, updated_at)
            VALUES (?, ?, ?, 'someone', ?::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::TIMESTAMP)
            """,
            [oid, client, source, created, status, Decimal(total), Decimal(cover), Decimal(total),
             Decimal(grams) if grams else None, carrier, shipped, delivered,
             dt.datetime(2026, 11, 25, 12) if archived else None, created],
        )
        for line_no, (sku, units) in enumerate(lines, start=1):
            price = next(p[5] for p in PRODUCTS if p[0] == sku)
            cur.execute("INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, 0)", [oid, line_no, sku, units, Decimal(price)])
    # what each policy paid: the client's policy in force on the order's day
    cur.execute("""
        INSERT INTO order_coverage (order_id, policy_id, insurer, amount, grams)
        SELECT o.order_id, cp.policy_id, cp.insurer, o.coverage_amount, coalesce(o.grams, 0)
        FROM orders o
        JOIN coverage_policies cp ON cp.client_id = o.client_id
        WHERE o.coverage_amount > 0 AND cp.valid_from = (
            SELECT max(p.valid_from) FROM coverage_policies p
            WHERE p.client_id = o.client_id AND p.valid_from <= o.created_at::DATE)""")


@pytest.fixture
def mcur(engine_empty_db):
    cur = engine_empty_db.cursor()
    _load(cur)
    return cur


def _rows(frame, *columns):
    return [tuple(r) for r in frame[list(columns)].itertuples(index=False)]


# --- headline -----------------------------------------------------------------------------------


def test_headline_figures_of_the_period(mcur):
    now = m.headline(mcur, WEEK).current
    assert now.orders == 6                       # 1, 2, 3, 4, 6, 10 (5 is cancelled; 1 is archived and counts)
    assert now.revenue == Decimal("285.00")
    assert now.average_order_value == Decimal("47.50")
    assert now.grams_shipped == Decimal("14.000")  # shipped 11-21 (7), 11-22 (3.5), 11-24 (3.5)
    assert now.cancelled == 1
    assert now.portal_share == pytest.approx(3 / 6)
    assert now.recurring_share == pytest.approx(1 / 6)


def test_headline_compares_with_the_previous_period_of_the_same_length(mcur):
    h = m.headline(mcur, WEEK)
    before = h.previous
    assert (before.orders, before.revenue, before.grams_shipped) == (2, Decimal("140.00"), Decimal("10.500"))
    assert before.average_order_value == Decimal("70.00")
    assert h.change("orders") == pytest.approx(2.0)
    assert h.change("revenue") == pytest.approx(145 / 140)
    assert h.change("grams_shipped") == pytest.approx(3.5 / 10.5)
    assert h.points("portal_share") == pytest.approx(0.0)
    assert h.points("recurring_share") == pytest.approx(100 / 6)


def test_previous_period_has_the_same_length():
    assert WEEK.previous() == m.MetricsFilter(D(2026, 11, 13), D(2026, 11, 19))
    assert WEEK.days == 7


def test_filters_by_source_carrier_and_category(mcur):
    csr = m.headline(mcur, m.MetricsFilter(WEEK.start, WEEK.end, sources=("CSR",))).current
    assert (csr.orders, csr.revenue, csr.cancelled) == (2, Decimal("90.00"), 1)
    ups = m.headline(mcur, m.MetricsFilter(WEEK.start, WEEK.end, carriers=("UPS",))).current
    assert (ups.orders, ups.revenue, ups.grams_shipped) == (2, Decimal("95.00"), Decimal("3.500"))
    oil = m.headline(mcur, m.MetricsFilter(WEEK.start, WEEK.end, categories=("Oil",))).current
    assert (oil.orders, oil.revenue, oil.recurring_share) == (1, Decimal("45.00"), 1.0)


def test_an_empty_range_gives_zeros_and_no_average(mcur):
    empty = m.MetricsFilter(D(2030, 1, 1), D(2030, 1, 31))
    h = m.headline(mcur, empty)
    assert (h.current.orders, h.current.revenue, h.current.grams_shipped) == (0, 0, 0)
    assert h.current.average_order_value is None and h.current.portal_share is None
    assert h.change("orders") is None


# --- volume -------------------------------------------------------------------------------------


def test_orders_and_revenue_per_day_by_source(mcur):
    v = m.volume_by_source(mcur, WEEK, "day")
    assert len(v) == 7 * 3
    busy = v[v["orders"] > 0]
    assert _rows(busy, "period", "source", "orders", "revenue") == [
        (D(2026, 11, 20), "Client Portal", 1, Decimal("100.00")),
        (D(2026, 11, 20), "CSR", 1, Decimal("40.00")),
        (D(2026, 11, 21), "CSR", 1, Decimal("50.00")),
        (D(2026, 11, 23), "Recurring", 1, Decimal("45.00")),
        (D(2026, 11, 24), "Client Portal", 1, Decimal("30.00")),
        (D(2026, 11, 26), "Client Portal", 1, Decimal("20.00")),
    ]
    assert v["revenue"].sum() == Decimal("285.00")


def test_orders_and_revenue_per_week_clip_to_the_range(mcur):
    v = m.volume_by_source(mcur, WEEK, "week")
    assert _rows(v, "period", "first_day", "last_day", "source", "orders", "revenue") == [
        (D(2026, 11, 16), D(2026, 11, 20), D(2026, 11, 22), "Client Portal", 1, Decimal("100.00")),
        (D(2026, 11, 16), D(2026, 11, 20), D(2026, 11, 22), "CSR", 2, Decimal("90.00")),
        (D(2026, 11, 16), D(2026, 11, 20), D(2026, 11, 22), "Recurring", 0, Decimal("0.00")),
        (D(2026, 11, 23), D(2026, 11, 23), D(2026, 11, 26), "Client Portal", 2, Decimal("50.00")),
        (D(2026, 11, 23), D(2026, 11, 23), D(2026, 11, 26), "CSR", 0, Decimal("0.00")),
        (D(2026, 11, 23), D(2026, 11, 23), D(2026, 11, 26), "Recurring", 1, Decimal("45.00")),
    ]


def test_default_grain_is_days_up_to_two_months():
    assert m.default_grain(WEEK) == "day"
    assert m.default_grain(m.MetricsFilter(*m.preset_range("Last year", TODAY))) == "week"


# --- funnel, lead times, backlog ----------------------------------------------------------------


def test_status_funnel_of_orders_created_in_the_range(mcur):
    f = m.status_funnel(mcur, WEEK)
    assert _rows(f, "status", "orders") == [
        ("Unverified", 2), ("Open", 0), ("Order Placed", 1), ("Shipped", 1), ("Delivered", 2), ("Cancelled", 1)]


def test_lead_times_median_and_p90_per_week(mcur):
    lt = m.lead_times(mcur, WEEK)
    assert _rows(lt, "stage", "week", "orders", "median_days", "p90_days") == [
        ("Created → shipped", D(2026, 11, 16), 2, 1.5, 1.9),     # 1 and 2 days
        ("Created → shipped", D(2026, 11, 23), 1, 3.0, 3.0),
        ("Shipped → delivered", D(2026, 11, 16), 1, 3.0, 3.0),   # order 7, delivered 11-20
        ("Shipped → delivered", D(2026, 11, 23), 2, 2.0, 2.8),   # 3 and 1 days
    ]


def test_unverified_backlog_by_days_waited(mcur):
    b = m.unverified_backlog(mcur, WEEK, TODAY)
    assert _rows(b, "bucket", "orders") == [("Created today", 1), ("1 day", 0), ("2 days", 1), ("3+ days", 1)]
    assert b["created_to"].tolist() == [D(2026, 11, 26), D(2026, 11, 25), D(2026, 11, 24), D(2026, 11, 23)]
    assert b["created_from"].iloc[3] is None
    assert [m.waited_at_least(b, n) for n in (1, 2, 3)] == [2, 2, 1]


def test_backlog_ignores_the_date_range_but_follows_the_source(mcur):
    old_range = m.MetricsFilter(D(2025, 1, 1), D(2025, 1, 7))
    assert m.unverified_backlog(mcur, old_range, TODAY)["orders"].sum() == 3
    csr = m.MetricsFilter(WEEK.start, WEEK.end, sources=("CSR",))
    assert m.unverified_backlog(mcur, csr, TODAY)["orders"].sum() == 0


# --- carriers, products, coverage ---------------------------------------------------------------


def test_carrier_share_and_delivery_times(mcur):
    c = m.carrier_summary(mcur, WEEK)
    assert _rows(c, "carrier", "shipped_orders", "delivered_orders") == [("Canada Post", 2, 2), ("UPS", 1, 0)]
    assert c["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert (c["median_days_to_deliver"].iloc[0], c["p90_days_to_deliver"].iloc[0]) == (2.0, 2.8)
    assert c["median_days_to_deliver"].isna().iloc[1]


def test_top_products_by_units_and_by_grams(mcur):
    units = m.top_products(mcur, WEEK, "units")
    assert _rows(units, "sku", "units") == [("FL", 5), ("ACC", 2), ("OIL", 1)]   # the cancelled ACC x5 is out
    grams = m.top_products(mcur, WEEK, "grams")
    assert _rows(grams, "sku", "grams") == [("FL", Decimal("17.500")), ("OIL", Decimal("0.429"))]
    assert _rows(m.top_products(mcur, WEEK, "units", limit=1), "sku") == [("FL",)]


def test_top_products_with_a_category_filter_rank_only_that_category(mcur):
    oil = m.top_products(mcur, m.MetricsFilter(WEEK.start, WEEK.end, categories=("Oil",)), "units")
    assert _rows(oil, "sku", "units") == [("OIL", 1)]


def test_coverage_paid_by_insurers_per_month(mcur):
    cov = m.coverage_by_insurer(mcur, WEEK)
    assert _rows(cov, "month", "insurer", "orders", "coverage") == [
        (D(2026, 11, 1), "Manulife", 1, Decimal("10.00")),   # client 1002's policy since 11-22
        (D(2026, 11, 1), "Sun Life", 2, Decimal("25.00")),
    ]
    two_weeks = m.coverage_by_insurer(mcur, m.MetricsFilter(D(2026, 11, 13), D(2026, 11, 26)))
    assert ("Blue Cross", Decimal("15.00")) in _rows(two_weeks, "insurer", "coverage")


def test_page_metrics_for_an_empty_range(mcur):
    pm = m.page_metrics(mcur, m.MetricsFilter(D(2030, 1, 1), D(2030, 1, 7)), TODAY)
    assert pm.volume["orders"].sum() == 0 and len(pm.volume) == 21
    assert pm.funnel["orders"].sum() == 0
    assert pm.lead_times.empty and pm.carriers.empty and pm.coverage.empty
    assert pm.top_by_units.empty and pm.top_by_grams.empty
    assert pm.backlog["orders"].sum() == 3


# --- validation and links -----------------------------------------------------------------------


@pytest.mark.parametrize("f, message", [
    (m.MetricsFilter(D(2026, 11, 26), D(2026, 11, 1)), "The first day of the range is after the last day."),
    (m.MetricsFilter(D(2026, 11, 1), D(2026, 11, 2), sources=("Fax",)), "Unknown source 'Fax'"),
    (m.MetricsFilter(D(2026, 11, 1), D(2026, 11, 2), categories=("Edibles",)), "Unknown category 'Edibles'"),
    (m.MetricsFilter(D(2000, 1, 1), D(2026, 11, 2)), "at most ten years"),
])
def test_a_bad_filter_is_refused_with_one_sentence(mcur, f, message):
    with pytest.raises(m.InvalidFilter, match=message.replace("(", r"\(").replace(".", r"\.")):
        m.page_metrics(mcur, f, TODAY)


def test_bad_ranking_or_grain_is_refused(mcur):
    with pytest.raises(m.InvalidFilter, match="units or grams"):
        m.top_products(mcur, WEEK, "price")
    with pytest.raises(m.InvalidFilter, match="day, week or month"):
        m.volume_by_source(mcur, WEEK, "hour")


def test_presets_end_today():
    assert m.preset_range("Last 7 days", TODAY) == (D(2026, 11, 20), TODAY)
    assert m.preset_range("Last 30 days", TODAY) == (D(2026, 10, 28), TODAY)
    assert m.preset_range("Last year", TODAY) == (D(2025, 11, 27), TODAY)
    with pytest.raises(m.InvalidFilter, match="Unknown range"):
        m.preset_range("Forever", TODAY)


# --- sparklines --------------------------------------------------------------------------------


def test_period_trends_per_day(mcur):
    t = m.period_trends(m.volume_by_source(mcur, WEEK, "day"))
    first = t.iloc[0]   # 11-20: order 1 (Client Portal, 100.00) and order 10 (CSR, 40.00)
    assert (first["orders"], first["revenue"], first["average_order_value"]) == (2, Decimal("140.00"),
                                                                                 Decimal("70.00"))
    assert first["portal_share"] == 0.5 and first["recurring_share"] == 0.0
    assert t["orders"].tolist() == [2, 1, 0, 1, 1, 0, 1]
    assert t["average_order_value"].iloc[2] is None


def test_grams_shipped_per_day(mcur):
    g = m.grams_shipped_per_period(mcur, WEEK, "day")
    assert len(g) == 7
    assert dict(zip(g["period"], g["grams"], strict=True))[D(2026, 11, 21)] == Decimal("7.000")
    assert g["grams"].sum() == Decimal("14.000")


def test_any_range_draws_at_most_max_buckets_and_says_when_coarser():
    ten_years = m.MetricsFilter(D(2016, 11, 27), D(2026, 11, 26))
    grain, note = m.bucket_grain(ten_years, "day")
    assert grain == "month"
    assert note == ("A bar per day would draw 3,652 bars over this range: shown per month instead "
                    "(121 bars).")
    assert m.bucket_grain(WEEK, "day") == ("day", None)
    assert m.bucket_grain(m.MetricsFilter(D(2025, 11, 27), D(2026, 11, 26)), None) == ("week", None)


def test_partial_buckets_are_marked(mcur):
    days = m.volume_by_source(mcur, WEEK, "day", today=TODAY)
    partial = sorted({p for p, flag in zip(days["period"], days["partial"], strict=True) if flag})
    assert partial == [TODAY]  # today is not over
    weeks = m.volume_by_source(mcur, WEEK, "week", today=TODAY)
    assert set(weeks["partial"]) == {True}  # Mon 11-16 starts before the range; Mon 11-23 holds today
    trends = m.period_trends(days)
    assert list(trends["partial"]) == [False] * 6 + [True]


def test_a_range_ending_today_compares_like_with_like(mcur):
    f = m.MetricsFilter(D(2026, 11, 19), D(2026, 11, 25))
    assert m.headline(mcur, f).previous.orders == 2  # 11-15 and 11-18 10:00
    h = m.headline(mcur, f, now=dt.datetime(2026, 11, 25, 9, 0))
    assert h.current.orders == 5
    assert h.previous.orders == 1  # cut at 11-18 09:00: the 10:00 order is after the same elapsed time


def test_page_metrics_with_a_category_filter_agrees_with_each_figure_alone(mcur):
    oil = m.MetricsFilter(WEEK.start, WEEK.end, categories=("Oil",))
    pm = m.page_metrics(mcur, oil, TODAY, now=dt.datetime(2026, 11, 26, 18, 0))
    assert pm.funnel["orders"].sum() > 0  # the filter keeps some orders, and not all of them
    assert pm.funnel["orders"].sum() < m.status_funnel(mcur, WEEK)["orders"].sum()
    assert pm.headline == m.headline(mcur, oil, now=dt.datetime(2026, 11, 26, 18, 0))
    for name, alone in [("volume", m.volume_by_source(mcur, oil, pm.grain, TODAY)),
                        ("grams_shipped", m.grams_shipped_per_period(mcur, oil, pm.grain)),
                        ("funnel", m.status_funnel(mcur, oil)), ("lead_times", m.lead_times(mcur, oil)),
                        ("backlog", m.unverified_backlog(mcur, oil, TODAY)), ("carriers", m.carrier_summary(mcur, oil)),
                        ("coverage", m.coverage_by_insurer(mcur, oil))]:
        pd.testing.assert_frame_equal(getattr(pm, name), alone, check_dtype=False, obj=name)
    with pytest.raises(dialect.of(mcur).error):  # the temporary table is gone
        mcur.execute("SELECT count(*) FROM metrics_category_orders").fetchall()
    again = m.page_metrics(mcur, oil, TODAY, now=dt.datetime(2026, 11, 26, 18, 0))  # and can be made again
    assert again.headline == pm.headline


@pytest.mark.postgresql
def test_postgresql_indexes_the_dates_the_ranges_filter_on(pg_empty_db):
    cur = pg_empty_db.cursor()
    names = {r[0] for r in cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'orders'").fetchall()}
    for column in ("created_at", "shipped_on", "delivered_on"):
        assert any(f"btree ({column})" in d for d in names), column
