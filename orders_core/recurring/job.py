"""The daily recurring-order job: a background thread in the server process (``ui.session`` starts it once).

It generates what is due when the app starts and then once per calendar day (checking every
few minutes whether the date changed). Generation is idempotent, so a restart, a second
process start or a CSR pressing "Generate due orders" at the same time is harmless.
Set ORDERS_RECURRING_JOB=0 to turn it off (the test suite does, so its data stays put).

On PostgreSQL every app server runs its own job against the one database; nothing elects a leader.
Decision: that is safe, and simpler than choosing one server: the servers' runs of a day overlap
or follow each other, and a template's period is generated once whichever runs first
(``recurring_generation``: the due templates' rows are locked for the run and the generation key is
unique). The server that comes second finds nothing due and records a run of 0 orders. Turn the job
off (ORDERS_RECURRING_JOB=0) on servers that should never write on their own, if any.

Who acts: every write records a person, and nobody is signed in to a background thread.
Decision: the job acts as one fixed system person, ``recurring.JOB_ACTOR``: the name "Daily recurring
job", the address ``recurring-job@orders.invalid`` (reserved, so never a staff member's and never on the
staff list: nobody can sign in as it) and the CSR role, so ``roles.require(JOB_ACTOR, "generate_due")``
passes as it would for a CSR pressing "Generate due orders", and the job can do nothing else a CSR
could not. Every order, generation and skip it writes names it, name and address. The job is started by
the server process itself, not by a request, so no signed-in person's rights are borrowed.

A failed run is kept as ``last_failure`` (when, and why in one line) until a later run succeeds;
the Recurring Orders page and the Metrics page's attention list show it (``failure_sentence``).
The job tries again at the next check, so a passing problem mends itself. The full traceback
goes to the server log only.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from dataclasses import dataclass

from orders_core.recurring import api as rec
from orders_core.rules.formatting import timestamp
from orders_core.storage.database import Database

ENV_SWITCH = "ORDERS_RECURRING_JOB"
CHECK_EVERY_SECONDS = 300
MAX_REASON_CHARS = 300  # one line on a page; the log has the rest

log = logging.getLogger("orders.recurring_job")


def job_enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True)
class JobFailure:
    """The latest failed run: when it failed, for which day, and why (the exception, in one line)."""

    at: dt.datetime
    day: dt.date
    reason: str

    @classmethod
    def from_exception(cls, exc: BaseException, day: dt.date, at: dt.datetime | None = None) -> JobFailure:
        text = " ".join(str(exc).split()) or "no details"
        if len(text) > MAX_REASON_CHARS:
            text = text[: MAX_REASON_CHARS - 1] + "…"
        return cls(at or dt.datetime.now(), day, f"{type(exc).__name__}: {text}")


def failure_sentence(failure: JobFailure, interval: float = CHECK_EVERY_SECONDS) -> str:
    """What a CSR or manager reads about a failed run (plain text: show it literally)."""
    minutes = max(1, round(interval / 60))
    return (f"The daily recurring-order run failed at {timestamp(failure.at)}: {failure.reason}. "
            f"Orders due on {failure.day:%Y-%m-%d} may not have been generated; it tries again every "
            f"{minutes} minute{'s' if minutes != 1 else ''}, or press \"Generate due orders\" on the "
            "Recurring Orders page.")


class DailyJob:
    """Runs ``generate_due`` for each new day; ``last_result`` and ``last_failure`` say how the latest run went."""

    def __init__(self, db: Database, interval: float = CHECK_EVERY_SECONDS):
        self.db = db
        self.interval = interval
        self.last_day: dt.date | None = None
        self.last_result: rec.GenerationResult | None = None
        self.last_failure: JobFailure | None = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="recurring-orders-daily", daemon=True)

    @property
    def last_error(self) -> str | None:
        """The latest failure's reason, None after a successful run."""
        return self.last_failure.reason if self.last_failure else None

    def failure_sentence(self) -> str | None:
        return failure_sentence(self.last_failure, self.interval) if self.last_failure else None

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
        except Exception as exc:  # keep the server alive; try again at the next check
            self.last_failure = JobFailure.from_exception(exc, today)
            log.exception("Recurring orders: the daily run failed")
            return None
        self.last_failure = None
        self.last_day = today
        log.info("Recurring orders: %s", self.last_result.summary())
        return self.last_result

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval)
