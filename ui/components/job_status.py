"""The daily recurring-order job's latest failure, as the Recurring Orders and Metrics pages show it."""

from __future__ import annotations

import streamlit as st

from ui.session import daily_job
from ui.text import literal


def job_failure_sentence() -> str | None:
    """The sentence about the job's failed run, or None when the job is off or its latest run went well."""
    job = daily_job()
    return job.failure_sentence() if job is not None else None


def render_job_failure() -> bool:
    """An error box when the daily job's latest run failed; True when there was one."""
    sentence = job_failure_sentence()
    if sentence:
        st.error(literal(sentence), icon=":material/event_busy:")
    return bool(sentence)
