"""Schema 11 -> 12: the monthly regulator reports (``orders_core.reports.monthly``).

- ``monthly_report_submissions``: a month's report marked as submitted to Health Canada: which report and
  month, who marked it and when, the fingerprint of its figures and the figures themselves (JSON text), so a
  later change to the month's data is shown figure by figure. A month may be submitted again (a correction):
  every submission is kept; the latest is the one the page compares with.
- ``medical_document_releases``: a medical document transferred to another holder of a licence for sale
  (s. 287) or returned to the client (s. 286(6)), on which day, to which seller; one release per document.
  Section 297(1)(b) counts the clients whose document was released in the month.

Portable DDL: the same statements on DuckDB and PostgreSQL; no ENUM, CHECKs for the closed lists.
"""

from __future__ import annotations

REPORTS = ("s297", "ctls-sales", "practitioners")
RELEASES = ("transferred", "returned")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v + "'" for v in values)


DDL = f"""
CREATE SEQUENCE IF NOT EXISTS report_submission_ids START 1;
CREATE SEQUENCE IF NOT EXISTS document_release_ids START 1;
CREATE TABLE IF NOT EXISTS monthly_report_submissions (
    submission_id BIGINT PRIMARY KEY,
    report VARCHAR NOT NULL CHECK (report IN ({_in(REPORTS)})),
    month DATE NOT NULL,                  -- the month's first day
    submitted_at TIMESTAMP NOT NULL,
    submitted_by VARCHAR NOT NULL,
    submitted_by_email VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,         -- sha256 of the figures' canonical JSON
    figures VARCHAR NOT NULL              -- the figures, canonical JSON
);
CREATE TABLE IF NOT EXISTS medical_document_releases (
    release_id BIGINT PRIMARY KEY,
    prescription_id INTEGER NOT NULL UNIQUE REFERENCES prescriptions (prescription_id),
    client_id INTEGER NOT NULL REFERENCES clients (client_id),
    kind VARCHAR NOT NULL CHECK (kind IN ({_in(RELEASES)})),
    released_on DATE NOT NULL,
    to_seller VARCHAR,                    -- the holder of a licence for sale it went to (transfers)
    recorded_at TIMESTAMP NOT NULL,
    recorded_by VARCHAR NOT NULL,
    recorded_by_email VARCHAR NOT NULL
);
CREATE INDEX IF NOT EXISTS report_submissions_month ON monthly_report_submissions (report, month);
CREATE INDEX IF NOT EXISTS document_releases_day ON medical_document_releases (released_on)
"""


def apply(con) -> None:
    for statement in DDL.split(";"):
        if statement.strip():
            con.execute(statement)
