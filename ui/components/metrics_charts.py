"""The Metrics page's drawing helpers: its colours, the layout its charts share, horizontal bars, and the card
that shows one chart with its question, what it counts, its numbers (as a table, the chart's text alternative,
and as CSV) and, on a click, the orders behind it; and the headline sparklines' sentences (``trend_sentence``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from orders_core.reports import metrics as m
from orders_core.rules import formatting
from orders_core.rules.csv_text import csv_bytes
from ui.session import download_for
from ui.text import literal_figure, literal_frame

ORDERS_PAGE = "app.py"
CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}
SOURCE_COLORS = {"Client Portal": "#2563eb", "CSR": "#f59e0b", "Recurring": "#10b981"}
STATUS_COLORS = {"Unverified": "#f59e0b", "Open": "#60a5fa", "Order Placed": "#6366f1",
                 "Shipped": "#14b8a6", "Delivered": "#16a34a", "Cancelled": "#9ca3af"}
BACKLOG_COLORS = ["#a3a3a3", "#fbbf24", "#f97316", "#dc2626"]
INSURER_COLORS = ["#0f766e", "#2563eb", "#db2777", "#ea580c", "#65a30d", "#7c3aed", "#0891b2", "#a16207"]
STAGE_COLORS = {m.STAGES[0]: "#2563eb", m.STAGES[1]: "#16a34a"}
Link = Callable[[dict], dict | None]
CSV_GRAMS = ("grams",)  # the charts' data columns written as formatting writes grams and money
CSV_MONEY = ("revenue", "total due ($)", "coverage")


def layout(fig: go.Figure, x: str, y: str, *, height: int = 330, legend: bool = True) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis={"title": {"text": x}}, yaxis={"title": {"text": y}},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "title": None,
                              "traceorder": "normal"},
                      showlegend=legend, clickmode="event+select", bargap=0.25)
    return fig


def empty_note(fig: go.Figure, empty: bool, text: str = "Nothing in this range") -> go.Figure:
    if empty:
        fig.add_annotation(text=text, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                           font={"size": 15, "color": "#6b7280"})
    return fig


def _csv(table: pd.DataFrame) -> bytes:
    return csv_bytes(formatting.csv_frame(table, grams_columns=CSV_GRAMS, money_columns=CSV_MONEY))


def card(key: str, title: str, caption: str, fig: go.Figure, data: pd.DataFrame, f: m.MetricsFilter,
         link: Link | None = None, footer: Callable[[], None] | None = None) -> None:
    """One chart: its question as a title, what it counts, the figure, and its numbers as CSV."""
    with st.container(border=True):
        st.markdown(f"**{title}**")
        st.caption(caption)
        alt = f"Chart: {title} {caption} Its numbers are in the table below it."
        fig = literal_figure(fig)  # names from the data (products, insurers, carriers) shown as typed
        if link is None:
            st.plotly_chart(fig, key=f"metrics_chart_{key}", config=CONFIG, alt=alt)
        else:
            event = st.plotly_chart(fig, key=f"metrics_chart_{key}", config=CONFIG, alt=alt,
                                    on_select="rerun", selection_mode="points")
            points = event.selection.points if event else []
            params = link(points[0]) if points else None
            if params:
                st.switch_page(ORDERS_PAGE, query_params=params)
        if footer:
            footer()
        with st.expander("The chart's numbers as a table"):  # its text alternative, for screen readers too
            st.table(literal_frame(formatting.csv_frame(data, grams_columns=CSV_GRAMS, money_columns=CSV_MONEY)),
                     hide_index=True)
        st.download_button("Download data", download_for("view_metrics", lambda _cur, _who: _csv(data)),
                           file_name=f"{key}_{f.start}_{f.end}.csv", mime="text/csv", key=f"metrics_csv_{key}",
                           on_click="ignore", icon=":material/download:")


def custom_data(point: dict) -> list:
    data = point.get("customdata")
    return list(data) if isinstance(data, list | tuple) else []


def day_of(text) -> dt.date | None:
    return dt.date.fromisoformat(str(text)[:10]) if text else None


def hbar(labels, values, *, colors, text=None, customdata=None, hover: str) -> go.Figure:
    """Horizontal bars in the given order, the first on top."""
    fig = go.Figure(go.Bar(x=list(values), y=list(labels), orientation="h", marker_color=colors,
                           text=None if text is None else list(text), customdata=customdata,
                           textposition="outside", cliponaxis=False, hovertemplate=hover))
    fig.update_yaxes(autorange="reversed")
    return fig


def trend_sentence(label: str, values: pd.Series, periods: pd.Series, show: Callable[[object], str]) -> str:
    """A sparkline's text alternative, written beside it: the range it covers, its first and last values, and
    its lowest and highest, each with its period ("Orders per period from 2026-10-05 to 2026-11-23: ...")."""
    points = [(formatting.date(p), v) for p, v in zip(periods.loc[values.index], values, strict=True)
              if v is not None and not pd.isna(v)]
    if not points:
        return f"{label}: no whole period in this range to draw a trend."
    if len(points) == 1:
        return f"{label} in the one whole period, {points[0][0]}: {show(points[0][1])}."
    low = min(points, key=lambda p: p[1])
    high = max(points, key=lambda p: p[1])
    return (f"{label} per period from {points[0][0]} to {points[-1][0]}: {show(points[0][1])} first, "
            f"{show(points[-1][1])} last; lowest {show(low[1])} ({low[0]}), highest {show(high[1])} ({high[0]}).")
