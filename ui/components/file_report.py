"""What a file handed in was found to hold (``rules.file_problems``): its problems as a table and a CSV to
download, or what was (or would be) written; the import page and the shipping files show it alike."""

from __future__ import annotations

import streamlit as st

from orders_core.rules.file_problems import FileProblems
from ui.text import literal


def file_report(result: FileProblems, key: str) -> None:
    """``result``'s summary, and its problems when it has some (``key``: the widgets' prefix and file name)."""
    if result.problems:
        st.error(literal(result.summary()))
        st.dataframe(result.problems_frame(), hide_index=True, width="stretch", key=f"{key}_problems")
        st.download_button("Download the problems (CSV)", result.problems_csv(), file_name=f"{key}-problems.csv",
                           mime="text/csv", key=f"{key}_problems_csv")
    elif result.committed:
        st.success(literal(result.summary()))
    else:
        st.info(literal(result.summary()))
