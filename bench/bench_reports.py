"""The monthly regulator reports (s. 297, CTLS sales, practitioners) for one month over 1,000,000 orders.

Reuses ``bench.common.demo_database`` (copied, so the shared file is not upgraded or locked), then times each
report's figures (``orders_core.reports.monthly.figures``) for the last complete month before the demo's anchor
and for a month a year earlier, and the one-page PDF. Target: each under 1 s on DuckDB.

``python -m bench.bench_reports postgresql://...`` loads the same demo into that (empty) PostgreSQL database
(``orders_core.storage.bulk_load``) and times the same reports there (target under 2 s at 10,000,000 orders).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from bench.common import ANCHOR, demo_database, median_ms, table
from orders_core.reports.monthly import figures, files
from orders_core.reports.monthly.months import last_complete_month
from orders_core.storage import bulk_load
from orders_core.storage.database import Database, open_database

TARGET_MS = 1000


def run(cur, label: str) -> list[tuple]:
    rows = []
    month = last_complete_month(ANCHOR)
    for m in (month, month.previous().previous().previous().previous().previous().previous()):
        for name, compute in figures.COMPUTE.items():
            ms = median_ms(lambda c=compute, m=m: c(cur, m), runs=5, warmup=1)
            rows.append((label, str(m), name, f"{ms:.0f}", "ok" if ms < TARGET_MS else "SLOW"))
        every = {n: c(cur, m) for n, c in figures.COMPUTE.items()}
        ms = median_ms(lambda e=every, m=m: files.pdf_summary(m.label(), m.last_day, e["s297"], e["ctls-sales"],
                                                              e["practitioners"]), runs=5, warmup=1)
        rows.append((label, str(m), "PDF (drawing only)", f"{ms:.0f}", "ok" if ms < TARGET_MS else "SLOW"))
    return rows


def main(target: str | None = None) -> None:
    """DuckDB; and PostgreSQL too when ``target`` (an empty database's URL) is given."""
    source = demo_database()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "reports.duckdb"
        shutil.copy(source, copy)
        db = Database(str(copy))
        rows = run(db.cursor(), "DuckDB")
        if target:
            db.close()
            pg = open_database(target, new_only=True)
            bulk_load.load(copy, pg)
            rows += run(pg.cursor(), "PostgreSQL")
            pg.close()
        else:
            db.close()
    print(table(rows, ("engine", "month", "report", "median ms", "target 1 s")))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)  # `make bench` (bench/run_all.py) calls main(): DuckDB
