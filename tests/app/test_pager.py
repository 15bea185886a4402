"""The one pager every paged table uses (AppTest of the component on its own)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

SCRIPT = """
import streamlit as st
from ui.components.pager import pager
pages = int(st.query_params.get("pages", "3"))
sizes = (25, 50) if st.query_params.get("sizes") else ()
pager("p", pages, key="t", sizes=sizes, size_key="t_size" if sizes else None)
st.text(f"on {st.session_state.get('p', 1)}")
"""


def run(pages: int, sizes: bool = False) -> AppTest:
    at = AppTest.from_string(SCRIPT)
    at.query_params["pages"] = str(pages)
    if sizes:
        at.query_params["sizes"] = "1"
    return at.run()


def label(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("Page "))


def test_next_and_previous_move_within_the_pages():
    at = run(1_200)
    assert label(at) == "Page **1** of **1,200**"
    assert at.button(key="t_prev").disabled and not at.button(key="t_next").disabled
    at.button(key="t_next").click().run()
    at.button(key="t_next").click().run()
    assert label(at) == "Page **3** of **1,200**" and at.text[0].value == "on 3"
    at.button(key="t_prev").click().run()
    assert label(at) == "Page **2** of **1,200**"


def test_the_last_page_disables_next():
    at = run(2)
    at.button(key="t_next").click().run()
    assert label(at) == "Page **2** of **2**" and at.button(key="t_next").disabled


def test_a_single_page_shows_no_pager_unless_it_offers_page_sizes():
    at = run(1)
    assert not [m for m in at.markdown if m.value.startswith("Page ")] and not at.button
    at = run(1, sizes=True)
    assert label(at) == "Page **1** of **1**"
    assert at.selectbox(key="t_size").options == ["25 per page", "50 per page"]
