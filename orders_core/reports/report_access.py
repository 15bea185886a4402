"""The Metrics report for a person: checked against the staff list and recorded in the access log.

``metrics_for(cur, f, today, person)`` is ``metrics.page_metrics`` for a person on the staff list whose role
may open the Metrics page (``view_metrics``), recorded in the access log (``staff.access_log``: kind
"report", what "Metrics", the range and filters in words). A page that keeps the figures of a range in a
cache shared by every session computes them without a person and calls ``metrics_opened(cur, f, person)``
on every run instead: the check and the record, without the figures.

Decision the requirements left open: the report's row names the filter (range, sources, carriers, categories), not
the chart grouping; changing only the grouping is the same opening.
"""

from __future__ import annotations

import datetime as dt

from orders_core.reports.metrics import MetricsFilter, PageMetrics, page_metrics
from orders_core.rules.roles import Person
from orders_core.staff import access_log
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor

METRICS = "Metrics"  # what the access log calls the report


def describe_filter(f: MetricsFilter) -> str:
    """The report's filter in words, as the access log keeps it."""
    said = [f"{f.start:%Y-%m-%d} to {f.end:%Y-%m-%d}"]
    for name, values in (("source", f.sources), ("carrier", f.carriers), ("category", f.categories)):
        if values:
            said.append(f"{name} {', '.join(values)}")
    return "; ".join(said)


def metrics_opened(cur: Cursor, f: MetricsFilter, person: Person) -> Person:
    """Check ``person`` (on the staff list, allowed ``view_metrics``; ``NotAllowed`` otherwise) and record
    that they opened the Metrics report for ``f``; returns them as the staff list has them."""
    person = verify(cur, person, "view_metrics")
    access_log.record(cur, person, access_log.REPORT, what=METRICS, filters=describe_filter(f.validated()))
    return person


def metrics_for(cur: Cursor, f: MetricsFilter, today: dt.date, person: Person, **options) -> PageMetrics:
    """``page_metrics(cur, f, today, **options)`` for ``person``, recorded in the access log."""
    person = verify(cur, person, "view_metrics")
    figures = page_metrics(cur, f, today, **options)
    access_log.record(cur, person, access_log.REPORT, what=METRICS, filters=describe_filter(figures.filter))
    return figures
