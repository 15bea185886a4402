"""The pager under every paged table: ‹ Previous · Page N of M · Next ›, and optionally rows per page."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st


def pager(page_key: str, pages: int, *, key: str, sizes: Sequence[int] = (), size_key: str | None = None) -> None:
    """Buttons that move the page number kept in ``st.session_state[page_key]`` (1-based) within 1..pages.

    ``key`` prefixes the buttons' keys (``{key}_prev``, ``{key}_next``). With ``sizes`` and ``size_key``
    a "N per page" choice sits beside them and the pager always shows; without, it shows only when
    there is more than one page.
    """
    ss = st.session_state
    if pages <= 1 and not sizes:
        return
    page = min(max(int(ss.get(page_key, 1)), 1), pages)
    widths = [1, 2, 1, 1.2] if sizes else [1, 2, 1]
    prev, label, nxt, *size = st.columns(widths, vertical_alignment="center")
    prev.button("‹ Previous", key=f"{key}_prev", disabled=page <= 1,
                on_click=ss.__setitem__, args=(page_key, page - 1))
    label.markdown(f"Page **{page:,}** of **{pages:,}**")
    nxt.button("Next ›", key=f"{key}_next", disabled=page >= pages,
               on_click=ss.__setitem__, args=(page_key, page + 1))
    if sizes:
        size[0].selectbox("Rows per page", list(sizes), key=size_key, label_visibility="collapsed",
                          format_func=lambda n: f"{n} per page")
