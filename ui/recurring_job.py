"""The daily recurring-order job: a background thread in the server process, started once per process.

It generates what is due when the app starts and then once per calendar day (checking every
few minutes whether the date changed). Generation is idempotent, so a restart, a second
process start or a CSR pressing "Generate due orders" at the same time is harmless.
Set ORDERS_RECURRING_JOB=0 to turn it off (the test suite does, so its data stays put).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading

import streamlit as st

from orders_core import recurring as rec
from orders_core.db import Database, DatabaseError, default_db_path
from ui import session

ENV_SWITCH = "ORDERS_RECURRING_JOB"
CHECK_EVERY_SECONDS = 300

log = logging.getLogger("orders.recurring_job")


def job_enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


class DailyJob:
    """Runs ``generate_due`` for each new day; ``last_result`` and ``last_error`` say how the latest run went."""

    def __init__(self, db: Database, interval: float = CHECK_EVERY_SECONDS):
        self.db = db
        self.interval = interval
        self.last_day: dt.date | None = None
        self.last_result: rec.GenerationResult | None = None
        self.last_error: str | None = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="recurring-orders-daily", daemon=True)

    def start(self) -> DailyJob:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def run_once(self, today: dt.date | None = None) -> rec.GenerationResult | None:
        today = today or dt.date.today()
        if self.last_day == today:
            return None
        try:
            self.last_result = rec.generate_due(self.db, rec.JOB_ACTOR, today)
            self.last_error = None
            self.last_day = today
            log.info("Recurring orders: %s", self.last_result.summary())
        except Exception as exc:  # keep the server alive; try again at the next check
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("Recurring orders: the daily run failed")
        return self.last_result

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval)


@st.cache_resource(show_spinner=False)
def _start(path: str) -> DailyJob:
    return DailyJob(session._database(path)).start()


def start_daily_job() -> DailyJob | None:
    """Start the process's daily job once (None when ORDERS_RECURRING_JOB=0 or the database cannot open;
    the pages then say why)."""
    if not job_enabled():
        return None
    try:
        return _start(default_db_path())
    except DatabaseError:
        return None
