"""Submitted months: "Mark as submitted" keeps who, when, the figures and their fingerprint; a later change of
the month's data shows as "changed since submitted", figure by figure, before and after.

Decisions: a month may be marked again after a correction is filed (every submission is kept, the latest
is compared with); marking needs the figures the person saw to still be the month's figures (the page passes
the fingerprint it showed), so nobody records figures they did not see.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from orders_core.reports.monthly.files import canonical_json, fingerprint
from orders_core.reports.monthly.months import Month
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import Person
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_one
from orders_core.storage.transactions import next_id


class StaleFigures(Refused):
    """The figures changed between showing them and marking them submitted."""


@dataclass(frozen=True)
class Submission:
    submitted_at: dt.datetime
    submitted_by: str
    submitted_by_email: str
    fingerprint: str
    figures: dict


@dataclass(frozen=True)
class Difference:
    figure: str         # "valid_registrations", "ON / Dried: units", ...
    before: object
    after: object


def latest(cur: Cursor, report: str, month: Month) -> Submission | None:
    row = fetch_one(
        cur,
        """SELECT submitted_at, submitted_by, submitted_by_email, fingerprint, figures
           FROM monthly_report_submissions WHERE report = ? AND month = ?
           ORDER BY submitted_at DESC, submission_id DESC LIMIT 1""",
        [report, month.first_day])
    if row is None:
        return None
    return Submission(row[0], row[1], row[2], row[3], json.loads(row[4]))


def record(cur: Cursor, report: str, month: Month, figures: dict, seen: str, person: Person) -> Submission:
    """Record ``figures`` as submitted by ``person`` (``StaleFigures`` if they are not the ones seen)."""
    now = fingerprint(figures)
    if seen != now:
        raise StaleFigures("The month's figures changed since the page showed them; look at them again, "
                           "then mark them as submitted.")
    cur.execute(
        """INSERT INTO monthly_report_submissions (submission_id, report, month, submitted_at, submitted_by,
                                                   submitted_by_email, fingerprint, figures)
           VALUES (?, ?, ?, now()::TIMESTAMP, ?, ?, ?, ?)""",
        [next_id(cur, "report_submission_ids"), report, month.first_day, person.name, person.email, now,
         canonical_json(figures)])
    return latest(cur, report, month)


def _flat(figures: dict) -> dict[str, object]:
    """Every figure of a report by a name a person reads."""
    plain = json.loads(canonical_json(figures))
    out: dict[str, object] = {}
    if "rows" in plain:
        for row in plain["rows"]:
            if "province" in row:
                name = f"{row['province']} / {row['category']}"
                fields = ("units", "quantity", "value", "returned_units", "returned_quantity")
            else:
                name = f"{row['practitioner']} ({row['licence'] or 'no licence number'})"
                fields = ("clients", "daily_grams", "average_daily_grams")
            for field in fields:
                out[f"{name}: {field}"] = row[field]
    else:
        for key in ("valid_registrations", "documents_transferred_or_returned", "documents_transferred",
                    "documents_returned", "average_daily_grams", "median_daily_grams", "highest_daily_grams"):
            if key in plain:  # submissions made before the s. 297(1)(c) quantities were produced lack them
                out[key] = plain[key]
    return out


def differences(before: dict, after: dict) -> list[Difference]:
    """Each figure that is not the same in ``after`` as in ``before`` (a row that appeared or went is 0)."""
    old, new = _flat(before), _flat(after)
    added = set(_ADDED_LATER) - set(old) if before.get("report") == "s297" else set()  # not a change of the data
    return [Difference(name, old.get(name, 0), new.get(name, 0))
            for name in sorted((set(old) | set(new)) - added) if old.get(name, 0) != new.get(name, 0)]


_ADDED_LATER = ("average_daily_grams", "median_daily_grams", "highest_daily_grams")
