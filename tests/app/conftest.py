"""Fixtures for the page tests."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from orders_core.recurring import api as rec

REASON = "could not write *orders* [disk full]"


class FailingJob:
    """The app's real daily job switched on, with every generation failing until ``mend()``."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.real = rec.generate_due
        self.job = None
        monkeypatch.setenv("ORDERS_RECURRING_JOB", "1")
        monkeypatch.setattr(rec, "generate_due", self._fail)

    @staticmethod
    def _fail(*_args, **_kwargs):
        raise OSError(REASON)

    def failed(self, at, timeout: float = 20.0):
        """Run the page (which starts the job), wait until the job's first run has failed, run the page again."""
        from ui import session

        at.run()
        self.job = session.daily_job()
        deadline = time.monotonic() + timeout
        while self.job.last_failure is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert self.job.last_failure is not None, "the daily job never ran"
        return at.run()

    def mend(self) -> None:
        """Generation works again; the job's next check runs it now."""
        self.monkeypatch.setattr(rec, "generate_due", self.real)
        self.job.run_once()

    def stop(self) -> None:
        if self.job is not None:
            self.job.stop()


@pytest.fixture
def failing_daily_job(app_db, monkeypatch):
    job = FailingJob(monkeypatch)
    yield job
    job.stop()


def escaped(text: str) -> str:
    """``text`` as the pages write it into Markdown to show it literally."""
    from ui.components.job_status import literal

    return literal(text)


@pytest.fixture(scope="module")
def fuzz_db(demo_template, tmp_path_factory):
    """A copy of the demo the app's pages open (``ORDERS_DB``) for a module of fuzz tests, which check that
    no URL changes a byte of it."""
    path = tmp_path_factory.mktemp("fuzz") / "orders.duckdb"
    shutil.copy(demo_template, path)
    old = os.environ.get("ORDERS_DB")
    os.environ["ORDERS_DB"] = str(path)
    yield path
    if old is None:
        os.environ.pop("ORDERS_DB", None)
    else:
        os.environ["ORDERS_DB"] = old
