"""Metrics: the operations manager's morning view of orders (volume, revenue, grams, backlog, lead times).

Every number comes from ``orders_core.reports.metrics`` (aggregated in DuckDB); this page only draws it.
Clicking a bar opens the Orders index filtered to the orders behind it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from orders_core.orders.index import distinct_carriers
from orders_core.reports import metrics as m
from orders_core.reports.report_access import metrics_opened
from orders_core.rules import formatting
from orders_core.rules.dates import FIRST_DATE
from orders_core.storage.schema import CATEGORIES, SOURCES
from ui import frame, url_state
from ui.components.job_status import job_failure_sentence
from ui.components.metrics_charts import (
    BACKLOG_COLORS,
    INSURER_COLORS,
    ORDERS_PAGE,
    SOURCE_COLORS,
    STAGE_COLORS,
    STATUS_COLORS,
    card,
    custom_data,
    day_of,
    empty_note,
    hbar,
    layout,
    trend_sentence,
)
from ui.components.returns_metrics import render_return_metrics
from ui.session import cursor, database, viewer
from ui.text import literal

ss = st.session_state


# --- Controls -----------------------------------------------------------------------------------


def load_state(today: dt.date, carriers: list[str]) -> None:
    """Put the URL's state (or, back from another page, the last one shown) into the controls."""
    params = st.query_params.to_dict() or dict(ss.get("metrics_saved", {}))
    if ss.get("metrics_url") == params and "metrics_range" in ss:
        return
    state, problems = url_state.metrics_state_from_params(params, today, carriers)
    custom = (state.start, state.end) if state.preset == m.CUSTOM else (today - dt.timedelta(days=13), today)
    ss.update({
        "metrics_range": state.preset, "metrics_last_range": state.preset, "metrics_custom": custom,
        "metrics_sources": list(state.sources), "metrics_carriers": list(state.carriers),
        "metrics_categories": list(state.categories),
        "metrics_grain": state.grain.capitalize() if state.grain else None, "metrics_url": params,
    })
    if problems:
        st.warning(url_state.problems_sentence(problems))


def _keep_a_range() -> None:
    """A second click on the chosen range would unselect it; keep the range instead."""
    if not ss.get("metrics_range"):
        ss["metrics_range"] = ss.get("metrics_last_range", url_state.DEFAULT_PRESET)


def save_state(f: m.MetricsFilter, preset: str, grain_label: str | None) -> None:
    """Write what the page shows into its URL (shareable, bookmarkable) and remember it for coming back."""
    state = url_state.MetricsState(preset, f.start, f.end, f.sources, f.carriers, f.categories,
                        grain_label.lower() if grain_label else None)
    params = url_state.params_from_metrics_state(state)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    ss["metrics_url"] = params
    ss["metrics_saved"] = params
    ss["metrics_last_range"] = preset


def controls(today: dt.date, carriers: list[str]) -> tuple[m.MetricsFilter, str]:
    """The range presets, grouping and filters; stops the page with one sentence when they cannot be used."""
    load_state(today, carriers)
    left, middle, right = st.columns([2.9, 1.6, 1.2], vertical_alignment="bottom")
    preset = left.segmented_control("Date range", [*m.PRESETS, m.CUSTOM], key="metrics_range",
                                    on_change=_keep_a_range) or url_state.DEFAULT_PRESET
    grain_label = right.segmented_control("Group by", ["Day", "Week", "Month"], key="metrics_grain",
                                          help="Per day up to two months, per week beyond, unless you choose; "
                                               f"never more than {m.MAX_BUCKETS} bars.")
    if preset == m.CUSTOM:
        picked = middle.date_input("Custom range", key="metrics_custom", min_value=FIRST_DATE, max_value=today, format="YYYY-MM-DD")
        if not isinstance(picked, tuple | list) or len(picked) != 2:
            st.info("Pick the last day of the custom range.")
            st.stop()
        start, end = picked
    else:
        start, end = m.preset_range(preset, today)
    c1, c2, c3 = st.columns(3)
    sources = c1.multiselect("Source", SOURCES, key="metrics_sources", placeholder="All sources")
    chosen = c2.multiselect("Carrier", carriers, key="metrics_carriers", placeholder="All carriers")
    categories = c3.multiselect("Product category", CATEGORIES, key="metrics_categories",
                                placeholder="All categories")
    try:
        f = m.MetricsFilter(start, end, tuple(sources), tuple(chosen), tuple(categories)).validated()
    except m.InvalidFilter as exc:
        st.error(str(exc))
        st.stop()
    save_state(f, preset, grain_label)
    return f, grain_label.lower() if grain_label else m.default_grain(f)


def period_sentence(f: m.MetricsFilter) -> str:
    prev = f.previous()
    return (f"**{f.start:%b %-d, %Y} – {f.end:%b %-d, %Y}** ({f.days} days), compared with "
            f"the {f.days} days before ({prev.start:%b %-d} – {prev.end:%b %-d, %Y}). Orders and revenue count "
            "orders by the day they were created and leave out cancelled ones; archived orders count.")


# --- Headline -----------------------------------------------------------------------------------


def _pct(change: float | None) -> str | None:
    return None if change is None else f"{change:+.1%}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _pts(points: float | None) -> str | None:
    return None if points is None else f"{points:+.1f} pts"


def _series(values) -> list[float]:
    return [0.0 if v is None or pd.isna(v) else float(v) for v in values]


def headline_row(pm: m.PageMetrics) -> None:
    h, now = pm.headline, pm.headline.current
    trend = m.period_trends(pm.volume)
    trend = trend[~trend["partial"]]  # a part of a day, week or month is not drawn against whole ones
    figures = [
        ("Orders", f"{now.orders:,}", _pct(h.change("orders")), trend["orders"],
         f"Orders created in the period, cancelled excluded ({now.cancelled:,} cancelled)."),
        ("Revenue", formatting.money(now.revenue, short=True), _pct(h.change("revenue")), trend["revenue"],
         f"Total Due of those orders ({formatting.money(now.revenue)}): after discounts and policy coverage, "
         "shipping included."),
        ("Grams shipped", formatting.grams(now.grams_shipped, short=True),
         _pct(h.change("grams_shipped")), pm.grams_shipped[pm.grams_shipped["period"].isin(trend["period"])]["grams"],
         f"Dried-cannabis equivalent of orders by shipped-on date: {formatting.grams(now.grams_shipped) or '0 g'}."),
        ("Avg order value", formatting.money(now.average_order_value) or "–",
         _pct(h.change("average_order_value")), trend["average_order_value"], "Revenue divided by orders."),
        ("Portal share", _share(now.portal_share), _pts(h.points("portal_share")),
         trend["portal_share"], "Share of orders the clients submitted themselves."),
        ("Recurring share", _share(now.recurring_share), _pts(h.points("recurring_share")),
         trend["recurring_share"], "Share of orders generated by monthly recurring templates."),
    ]
    cells = [cell for _ in range(2) for cell in st.columns(3)]  # six cards in one row truncate the values
    shows = {"Orders": lambda v: f"{int(v):,}", "Revenue": formatting.money, "Grams shipped": formatting.grams,
             "Avg order value": formatting.money, "Portal share": _share, "Recurring share": _share}
    for cell, (label, value, delta, spark, help_text) in zip(cells, figures, strict=True):
        cell.metric(label, value, delta, border=True, help=help_text, chart_data=_series(spark), chart_type="bar")
        periods = pm.grams_shipped["period"] if label == "Grams shipped" else trend["period"]
        cell.caption(trend_sentence(label, spark, periods, shows[label]))  # the sparkline's text alternative


# --- Charts -------------------------------------------------------------------------------------


def volume_charts(pm: m.PageMetrics) -> None:
    f, grain, v = pm.filter, pm.grain, pm.volume
    unit = {"day": "Day", "week": "Week starting (Monday)", "month": "Month"}[grain]
    empty = int(v["orders"].sum()) == 0

    def link(point: dict) -> dict | None:
        first, last, source = (custom_data(point) + [None, None, None])[:3]
        return url_state.orders_link(f, first_day=day_of(first), last_day=day_of(last), source=source)

    csv = v.rename(columns={"period": grain, "orders": "orders (cancelled excluded)", "revenue": "total due ($)"})
    left, right = st.columns(2)
    for col, y, title, axis, key, hover in (
        (left, "orders", f"How many orders came in each {grain}, and from where?", "Orders", "orders",
         "%{y:,} orders"),
        (right, "revenue", f"How much Total Due did each {grain} bring in?", "Total Due ($)", "revenue",
         "$%{y:,.2f}"),
    ):
        fig = go.Figure()
        for source in dict.fromkeys(v["source"]):
            part = v[v["source"] == source]
            fig.add_bar(x=part["period"], y=[float(n) for n in part[y]], name=source,
                        marker_color=SOURCE_COLORS.get(source),
                        marker_opacity=[0.4 if p else 1.0 for p in part["partial"]],
                        customdata=[[a.isoformat(), b.isoformat(), source]
                                    for a, b in zip(part["first_day"], part["last_day"], strict=True)],
                        hovertemplate="%{x|%b %d}<br>" + source + ": " + hover + "<extra></extra>")
        fig.update_layout(barmode="stack")
        if key == "revenue":
            fig.update_yaxes(tickprefix="$", tickformat=",.0f")
        with col:
            card(key, title, "Stacked by source; cancelled orders left out. Click a bar to list its orders."
                 + (f" Lighter bars are partial {grain}s (only part of the {grain} so far or in the range)."
                    if v["partial"].any() else ""),
                 empty_note(layout(fig, unit, axis), empty), csv, f, link)


def funnel_chart(pm: m.PageMetrics) -> None:
    f, fun = pm.filter, pm.funnel
    fig = hbar(fun["status"], fun["orders"], colors=[STATUS_COLORS[s] for s in fun["status"]],
               text=[f"{n:,}" for n in fun["orders"]], customdata=[[s] for s in fun["status"]],
               hover="%{y}: %{x:,} orders<extra></extra>")

    def link(point: dict) -> dict | None:
        status = (custom_data(point) or [point.get("y")])[0]
        return url_state.orders_link(f, first_day=f.start, last_day=f.end, statuses=(status,)) if status else None

    card("status_funnel", "Where are this period's orders now?",
         "Orders created in the range, by their status today. Click a bar to list them.",
         empty_note(layout(fig, "Orders", "Status", legend=False), int(fun["orders"].sum()) == 0),
         fun, f, link)


def backlog_chart(pm: m.PageMetrics) -> None:
    f, b = pm.filter, pm.backlog
    fig = go.Figure(go.Bar(
        x=b["bucket"], y=b["orders"], marker_color=BACKLOG_COLORS, text=[f"{n:,}" for n in b["orders"]],
        textposition="outside", cliponaxis=False, hovertemplate="%{x}: %{y:,} orders<extra></extra>",
        customdata=[[a.isoformat() if a else "", z.isoformat()] for a, z in zip(b["created_from"], b["created_to"],
                                                                                 strict=True)]))

    def link(point: dict) -> dict | None:
        first, last = (custom_data(point) + [None, None])[:2]
        return url_state.orders_link(f, first_day=day_of(first), last_day=day_of(last), view="Unverified")

    waited = ", ".join(f"{m.waited_at_least(b, n):,} for {n}+ day{'s' if n > 1 else ''}" for n in (1, 2, 3))
    oldest = m.waited_at_least(b, 3)

    def footer() -> None:
        if oldest and st.button(f"Open the {oldest:,} orders waiting 3+ days", key="metrics_open_oldest",
                                icon=":material/warning:", type="tertiary"):
            st.switch_page(ORDERS_PAGE, query_params=url_state.orders_link(f, last_day=b["created_to"].iloc[3],
                                                                   view="Unverified"))

    card("unverified_backlog", "How long have Unverified orders been waiting?",
         f"Every order waiting for a CSR to verify it now, whatever the date range: {waited}. "
         "Created today = 0 days. Click a bar to list them.",
         empty_note(layout(fig, "Waiting since created (whole days)", "Unverified orders", legend=False),
                    int(b["orders"].sum()) == 0, "No orders waiting"),
         b, f, link, footer)


def lead_time_chart(pm: m.PageMetrics) -> None:
    lt = pm.lead_times
    fig = go.Figure()
    for stage in m.STAGES:
        part = lt[lt["stage"] == stage]
        for col, name, dash in (("median_days", "median", "solid"), ("p90_days", "90th percentile", "dot")):
            fig.add_scatter(x=part["week"], y=part[col], mode="lines+markers", name=f"{stage}, {name}",
                            line={"color": STAGE_COLORS[stage], "dash": dash, "width": 2},
                            hovertemplate="Week of %{x|%b %d}: %{y} days<extra>" + f"{stage}, {name}</extra>")
    fig.update_yaxes(rangemode="tozero")
    weeks = sorted(set(lt["week"]))
    if 0 < len(weeks) <= 12:  # a tick per week, not per day
        fig.update_xaxes(tickvals=weeks, tickformat="%b %-d")
    card("lead_times", "How many days do orders take to ship, and then to arrive?",
         "Median and 90th percentile per week, counted in the week the step finished "
         "(shipped on / delivered on). Calendar days.",
         empty_note(layout(fig, "Week starting (Monday)", "Days"), lt.empty), lt, pm.filter)


def carrier_charts(pm: m.PageMetrics) -> None:
    f, c = pm.filter, pm.carriers
    share = hbar(c["carrier"], c["shipped_orders"], colors="#0ea5e9", text=[f"{s:.0%}" for s in c["share"]],
                 customdata=[[name] for name in c["carrier"]], hover="%{y}: %{x:,} orders (%{text})<extra></extra>")

    def link(point: dict) -> dict | None:
        carrier = (custom_data(point) or [point.get("y")])[0]
        return url_state.orders_link(f, first_day=f.start, last_day=f.end, statuses=m.SHIPPED_STATUSES,
                             carrier=carrier) if carrier else None

    speed = go.Figure()
    for col, name, color in (("median_days_to_deliver", "Median", "#16a34a"),
                             ("p90_days_to_deliver", "90th percentile", "#86efac")):
        speed.add_bar(x=c["carrier"], y=c[col], name=name, marker_color=color,
                      hovertemplate="%{x}: %{y} days<extra>" + name + "</extra>")
    speed.update_layout(barmode="group")
    left, right = st.columns(2)
    with left:
        card("carrier_share", "Which carriers carry our orders?",
             "Orders created in the range that have shipped, by carrier, with each carrier's share. "
             "Click a bar to list them.",
             empty_note(layout(share, "Shipped orders", "Carrier", legend=False), c.empty), c, f, link)
    with right:
        card("carrier_delivery_days", "How fast does each carrier deliver?",
             "Days from shipped on to delivered on, for those orders that have been delivered.",
             empty_note(layout(speed, "Carrier", "Days from shipped to delivered"),
                        c.empty or int(c["delivered_orders"].sum()) == 0), c, f)


def product_charts(pm: m.PageMetrics) -> None:
    f = pm.filter
    left, right = st.columns(2)
    for col, data, x, axis, title, key, color in (
        (left, pm.top_by_units, "units", "Units ordered", "Which products sell the most units?",
         "top_products_units", "#7c3aed"),
        (right, pm.top_by_grams, "grams", "Grams (dried-cannabis equivalent)",
         "Which products move the most cannabis?", "top_products_grams", "#15803d"),
    ):
        unit = "units" if x == "units" else "g"
        fig = hbar(data["product"], [float(n) for n in data[x]], colors=color,
                   customdata=[[sku, cat] for sku, cat in zip(data["sku"], data["category"], strict=True)],
                   hover="%{y} (%{customdata[0]}, %{customdata[1]}): %{x:,} " + unit + "<extra></extra>")
        with col:
            card(key, title, "Top 10 in orders created in the range, cancelled excluded.",
                 empty_note(layout(fig, axis, "", legend=False, height=360), data.empty), data, f)


def coverage_chart(pm: m.PageMetrics) -> None:
    cov = pm.coverage
    fig = go.Figure()
    for i, insurer in enumerate(sorted(set(cov["insurer"]))):
        part = cov[cov["insurer"] == insurer]
        fig.add_bar(x=part["month"], y=[float(d) for d in part["coverage"]], name=insurer,
                    marker_color=INSURER_COLORS[i % len(INSURER_COLORS)], customdata=part["orders"],
                    hovertemplate="%{x|%b %Y}<br>" + insurer + ": $%{y:,.2f} on %{customdata:,} orders<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    months = cov["month"].nunique()
    layout(fig, "Month", "Coverage paid ($)")
    if months <= 3:  # keep a lone month's bar from filling the whole chart
        fig.update_layout(bargap=0.9 - 0.15 * months)
    total = sum(cov["coverage"], Decimal("0"))
    card("insurer_coverage", "How much did insurers pay each month?",
         f"Policy coverage on paid orders (Order Placed, Shipped, Delivered) by the month they were created: "
         f"{formatting.money(total)} in all.",
         empty_note(fig, cov.empty), cov, pm.filter)


# --- Page ---------------------------------------------------------------------------------------


def attention() -> None:
    """What needs someone's attention before the figures are read (today: a failed daily recurring-order run)."""
    items = [sentence for sentence in (job_failure_sentence(),) if sentence]
    if items:
        with st.container(border=True, key="metrics_attention"):
            st.markdown("**Needs attention**")
            for sentence in items:
                st.error(literal(sentence), icon=":material/warning:")


@st.cache_data(max_entries=64, ttl=3600, show_spinner="Computing the figures…")
def _figures(key: tuple, today: dt.date, grain: str, now: dt.datetime, version: tuple, db_path: str) -> m.PageMetrics:
    """The page's figures for one range, computed once for every session (the process-wide cache is keyed by
    the query, today, the time rounded to 5 minutes and the data's version: any write invalidates it)."""
    start, end, sources, carriers, categories = key
    cur = database().cursor()  # a cursor of its own, given back at once (on PostgreSQL: a pooled connection)
    try:
        return m.page_metrics(cur, m.MetricsFilter(start, end, sources, carriers, categories), today, grain, now=now)
    finally:
        cur.close()


def figures(f: m.MetricsFilter, today: dt.date, grain: str) -> m.PageMetrics:
    now = dt.datetime.now().replace(second=0, microsecond=0)
    now -= dt.timedelta(minutes=now.minute % 5)
    key = (f.start, f.end, f.sources, f.carriers, f.categories)
    return _figures(key, today, grain, now, m.data_version(cursor()), database().path)


def main() -> None:
    cur = cursor()
    today = dt.date.today()
    st.title("Metrics")
    attention()
    f, grain = controls(today, distinct_carriers(cur))
    pm = figures(f, today, grain)
    metrics_opened(cur, f, viewer())  # on the staff list now, and recorded in the access log
    st.markdown(period_sentence(f))
    if pm.grain_note:
        st.info(pm.grain_note)
    if f.start <= today <= f.end:
        st.caption("Today is not over: the changes compare both periods up to the same time (the previous "
                   "period cut as long after its start), and the sparklines leave out partial days, weeks "
                   "or months.")
    if f.categories:
        st.caption("With a product category chosen, the Orders index opened from a chart shows every category.")
    headline_row(pm)
    volume_charts(pm)
    left, right = st.columns(2)
    with left:
        funnel_chart(pm)
    with right:
        backlog_chart(pm)
    lead_time_chart(pm)
    carrier_charts(pm)
    product_charts(pm)
    coverage_chart(pm)
    render_return_metrics(f, pm.headline.current.revenue)
    st.caption("Clicking a bar opens the Orders index with the same dates, status, source and carrier. Archived "
               "orders count in every figure here; in the index they are under Show: Archived.")


frame.run("Metrics", main)
