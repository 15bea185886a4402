"""The monthly reports for a person: checked against the staff list and the role table, recorded in the
access log (``staff.access_log``) the way the Metrics report and the exports are.

- Opening a month's reports (page, or a command that prints them) is a "report" row: what "Monthly reports",
  the month as the filter. Each file (CSV, JSON, PDF, a CSV of the ids behind a figure) is an "export" row
  with its rows.
- Marking a month submitted is a write by the person at the time (``submit_monthly_reports``), in one
  transaction that recomputes the figures and refuses if they are not the ones the person saw.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from orders_core.reports.monthly import figures as fig
from orders_core.reports.monthly import files, submissions
from orders_core.reports.monthly.months import Month, check_month, parse_month
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import Person
from orders_core.staff import access_log
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database

REPORTS = (fig.S297, fig.CTLS, fig.PRACTITIONERS)
TITLES = {fig.S297: "Section 297", fig.CTLS: "CTLS sales", fig.PRACTITIONERS: "Health care practitioners"}
WHAT = "Monthly reports"
VIEW, SUBMIT = "view_monthly_reports", "submit_monthly_reports"
FORMATS = ("csv", "json", "pdf")


class UnknownReport(Refused):
    """A report or file kind that does not exist, in one sentence."""


@dataclass(frozen=True)
class MonthlyReports:
    month: Month
    figures: dict[str, dict]           # by report

    def fingerprint(self, report: str) -> str:
        return files.fingerprint(self.figures[report])


def _month(cur: Cursor, month: Month | str, today: dt.date) -> Month:
    return check_month(cur, month if isinstance(month, Month) else parse_month(month), today)


def _report(report: str) -> str:
    if report not in REPORTS:
        raise UnknownReport(f"{report!r} is not a monthly report; choose one of {', '.join(REPORTS)}.")
    return report


def reports_for(cur: Cursor, month: Month | str, today: dt.date, person: Person,
                only: tuple[str, ...] = REPORTS) -> MonthlyReports:
    """The month's reports (``only`` those named) for ``person``, recorded in the access log."""
    person = verify(cur, person, VIEW)
    m = _month(cur, month, today)
    computed = {r: fig.COMPUTE[_report(r)](cur, m) for r in only}
    access_log.record(cur, person, access_log.REPORT, what=WHAT, filters=f"{m}: {', '.join(only)}")
    return MonthlyReports(m, computed)


def export_for(cur: Cursor, report: str, month: Month | str, fmt: str, today: dt.date, person: Person) -> bytes:
    """One report's file (``csv`` or ``json``; ``pdf``: the month's one-page summary of every report), recorded
    as an export."""
    if fmt not in FORMATS:
        raise UnknownReport(f"{fmt!r} is not a file kind; choose one of {', '.join(FORMATS)}.")
    person = verify(cur, person, VIEW)
    m = _month(cur, month, today)
    if fmt == "pdf":
        every = {r: fig.COMPUTE[r](cur, m) for r in REPORTS}
        data = files.pdf_summary(m.label(), m.last_day, every[fig.S297], every[fig.CTLS], every[fig.PRACTITIONERS])
        what, rows = "Monthly reports PDF", len(every[fig.CTLS]["rows"])
    else:
        figures = fig.COMPUTE[_report(report)](cur, m)
        data = files.csv_file(figures) if fmt == "csv" else files.json_output(figures).encode("utf-8")
        what, rows = f"{TITLES[report]} {fmt.upper()}", len(figures.get("rows", [figures]))
    access_log.record(cur, person, access_log.EXPORT, what=what, filters=str(m), rows=rows)
    return data


def behind_csv_for(cur: Cursor, report: str, month: Month | str, key: tuple, today: dt.date,
                   person: Person) -> tuple[fig.Behind, bytes]:
    """The ids behind one figure and their CSV, recorded as an export."""
    person = verify(cur, person, VIEW)
    m = _month(cur, month, today)
    found = fig.behind(cur, _report(report), m, key)
    access_log.record(cur, person, access_log.EXPORT, what=f"{TITLES[report]}: {found.noun}s behind a figure",
                      filters=f"{m}: {' / '.join(str(k) for k in key)}", rows=len(found.ids))
    return found, files.ids_csv(found.noun, found.ids)


def behind_for(cur: Cursor, report: str, month: Month | str, key: tuple, today: dt.date,
               person: Person) -> fig.Behind:
    """The ids behind one figure (to link to the Orders index filtered to them), for ``person``."""
    verify(cur, person, VIEW)
    return fig.behind(cur, _report(report), _month(cur, month, today), key)


def submitted_state_for(cur: Cursor, reports: MonthlyReports, report: str
                        ) -> tuple[submissions.Submission | None, list[submissions.Difference]]:
    """The latest submission of ``report`` for the month, and each figure that changed since."""
    last = submissions.latest(cur, report, reports.month)
    if last is None:
        return None, []
    return last, submissions.differences(last.figures, reports.figures[report])


def mark_submitted(db: Database, report: str, month: Month | str, seen_fingerprint: str, today: dt.date,
                   person: Person) -> submissions.Submission:
    """Record the month's ``report`` as submitted by ``person``: the figures now, if they are the ones seen."""

    def work(cur: Cursor) -> submissions.Submission:
        who = verify(cur, person, SUBMIT)
        m = _month(cur, month, today)
        figures = fig.COMPUTE[_report(report)](cur, m)
        return submissions.record(cur, report, m, figures, seen_fingerprint, who)

    return db.write(work)
