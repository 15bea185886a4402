"""The Orders dashboard: the index of every order, its filters, and the Orders menu."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import streamlit as st

from orders_core import archive, formatting
from orders_core.index import (
    INDEX_COLUMNS,
    PAGE_SIZES,
    SORTS,
    VIEWS,
    InvalidQuery,
    OrderQuery,
    distinct_carriers,
    export_csv,
    list_orders,
)
from orders_core.schema import SOURCES, STATUSES
from ui.picking import render_picking_panel
from ui.session import acting_user, cursor, database
from ui.url_state import params_from_query, problems_sentence, query_from_params

ss = st.session_state
DIRECTIONS = ("Descending", "Ascending")


def load_url(carriers: list[str]) -> None:
    """Put the URL's filters into the widgets when the URL changed from outside (a link, a reload)."""
    params = st.query_params.to_dict()
    if ss.get("orders_url") == params:
        return
    q, problems = query_from_params(params)
    unknown = [c for c in q.carriers if c not in carriers]
    problems += [f"carrier {c!r}" for c in unknown]
    q = replace(q, carriers=tuple(c for c in q.carriers if c in carriers))
    ss.update({
        "orders_show": q.view, "orders_search": q.search, "orders_sort": q.sort,
        "orders_dir": DIRECTIONS[0] if q.descending else DIRECTIONS[1],
        "orders_status": list(q.statuses), "orders_carrier": list(q.carriers),
        "orders_source": list(q.sources), "orders_from": q.created_from, "orders_to": q.created_to,
        "orders_page": q.page, "orders_size": q.page_size, "orders_url": params,
    })
    ss["orders_signature"] = replace(q, page=1)
    if problems:
        ss["orders_url_problems"] = problems


def filters(carriers: list[str]) -> OrderQuery:
    """The Show / Search / Sort controls and the extra filters; returns the query they describe."""
    show, search, sort, direction = st.columns([2.2, 3, 1.4, 1.4], vertical_alignment="bottom")
    show.radio("Show", VIEWS, key="orders_show", horizontal=True)
    search.text_input("Search", key="orders_search",
                      placeholder="Order ID, client name, carrier or tracking number")
    sort.selectbox("Sort by", list(SORTS), key="orders_sort")
    direction.selectbox("Direction", DIRECTIONS, key="orders_dir")
    extra = any(ss.get(k) for k in ("orders_status", "orders_carrier", "orders_source", "orders_from", "orders_to"))
    with st.expander("More filters", expanded=extra):
        c1, c2, c3, c4, c5 = st.columns(5)
        c1.multiselect("Status", STATUSES, key="orders_status")
        c2.multiselect("Carrier", carriers, key="orders_carrier")
        c3.multiselect("Source", SOURCES, key="orders_source")
        c4.date_input("Created from", key="orders_from", value=None, format="YYYY-MM-DD")
        c5.date_input("Created to", key="orders_to", value=None, format="YYYY-MM-DD")
    return OrderQuery(
        view=ss.orders_show, search=ss.orders_search or "", sort=ss.orders_sort,
        descending=ss.orders_dir == DIRECTIONS[0], statuses=tuple(ss.orders_status),
        carriers=tuple(ss.orders_carrier), sources=tuple(ss.orders_source),
        created_from=ss.orders_from, created_to=ss.orders_to,
        page_size=ss.get("orders_size", 50),
    )


def current_page(q: OrderQuery) -> OrderQuery:
    """Back to page 1 whenever the filters or sort change; otherwise the page the CSR is on."""
    if ss.get("orders_signature") != q:
        ss["orders_signature"] = q
        ss["orders_page"] = 1
    return q.at_page(ss.get("orders_page", 1))


def orders_menu(q: OrderQuery, total: int) -> None:
    db = database()
    with st.popover("⋮", help="Orders menu"):
        st.button("Archive Shipped", key="menu_archive_shipped", width="stretch",
                  on_click=ss.__setitem__, args=("orders_pending_archive", "Shipped"))
        st.button("Archive Delivered", key="menu_archive_delivered", width="stretch",
                  on_click=ss.__setitem__, args=("orders_pending_archive", "Delivered"))
        st.button("View Picking List", key="menu_picking", width="stretch",
                  on_click=ss.__setitem__, args=("orders_picking_open", True))
        st.download_button(
            "Export CSV", key="menu_export", width="stretch", mime="text/csv",
            data=lambda: export_csv(db.cursor(), q),
            file_name=f"orders-{dt.date.today().isoformat()}.csv",
            help=f"All {formatting.count_label(total)} of the current result, every page",
        )


def _confirm_archive(status: str) -> None:
    result = archive.archive_status(database(), status, acting_user())
    ss.pop("orders_pending_archive", None)
    ss["orders_last_archive"] = result


def _undo_archive() -> None:
    result: archive.ArchiveResult = ss.pop("orders_last_archive")
    restored = archive.unarchive_batch(database(), result.batch, acting_user())
    ss["orders_flash"] = f"Undone: {formatting.count_label(restored)} unarchived."


def archive_messages() -> None:
    pending = ss.get("orders_pending_archive")
    if pending:
        n = archive.count_archivable(cursor(), pending)
        if n == 0:
            st.info(f"There are no {pending} orders to archive.")
            ss.pop("orders_pending_archive")
        else:
            with st.container(border=True):
                st.warning(f"Archive all {formatting.count_label(n)} in the {pending} status? They leave the "
                           "All view; you can still find them under Archived and unarchive them.")
                yes, no, _ = st.columns([1.2, 1, 4])
                yes.button(f"Archive {n:,} orders", type="primary", key="archive_confirm",
                           on_click=_confirm_archive, args=(pending,))
                no.button("Cancel", key="archive_cancel", on_click=ss.pop, args=("orders_pending_archive",))
    last: archive.ArchiveResult | None = ss.get("orders_last_archive")
    if last:
        done, undo, _ = st.columns([4, 1, 2], vertical_alignment="center")
        done.success(f"Archived {formatting.count_label(last.count)} ({last.status}).")
        undo.button("Undo", key="archive_undo", on_click=_undo_archive)
    if ss.get("orders_flash"):
        st.success(ss.pop("orders_flash"))


def pager(total_pages: int) -> None:
    page = ss.get("orders_page", 1)
    prev, label, nxt, size = st.columns([1, 2, 1, 1.2], vertical_alignment="center")
    prev.button("‹ Previous", key="page_prev", disabled=page <= 1,
                on_click=ss.__setitem__, args=("orders_page", page - 1))
    label.markdown(f"Page **{page:,}** of **{total_pages:,}**")
    nxt.button("Next ›", key="page_next", disabled=page >= total_pages,
               on_click=ss.__setitem__, args=("orders_page", page + 1))
    size.selectbox("Rows per page", PAGE_SIZES, key="orders_size", label_visibility="collapsed",
                   format_func=lambda n: f"{n} per page")


def order_table(rows, multi: bool) -> None:
    """The index; a click on a row opens its Order Profile (or, in multi mode, ticks rows)."""
    event = st.dataframe(
        formatting.index_rows(rows), hide_index=True, width="stretch", key="orders_table",
        column_order=INDEX_COLUMNS, on_select="rerun",
        selection_mode="multi-row" if multi else "single-row",
        column_config={"Order ID": st.column_config.NumberColumn("Order ID", format="%d")},
        height=min(38 + 35 * max(len(rows), 1), 38 + 35 * 25),
    )
    chosen = [int(rows.iloc[i]["Order ID"]) for i in event.selection.rows]
    if chosen and not multi:
        st.switch_page("views/order_profile.py", query_params={"id": str(chosen[0])})


def main() -> None:
    cur = cursor()
    carriers = distinct_carriers(cur)
    load_url(carriers)
    head, menu = st.columns([12, 1], vertical_alignment="bottom")
    head.title("Orders")
    if ss.get("orders_url_problems"):
        st.warning(problems_sentence(ss.pop("orders_url_problems")))
    q = current_page(filters(carriers))
    try:
        result = list_orders(cur, q)
        if result.total and q.page > result.pages:
            ss["orders_page"] = result.pages
            result = list_orders(cur, q.at_page(result.pages))
    except InvalidQuery as exc:
        st.error(str(exc))
        return
    with menu:
        orders_menu(result.query, result.total)
    archive_messages()
    params = params_from_query(result.query)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    ss["orders_url"] = params

    if ss.get("orders_picking_open"):
        picking_panel(result)
    count, mode = st.columns([4, 2], vertical_alignment="center")
    count.markdown(f"**{formatting.count_label(result.total)}**")
    multi = mode.toggle("Select several orders", key="orders_multi",
                        help="Select rows for a picking list instead of opening an order")
    if result.total == 0:
        st.info("No orders match. Clear the search or the filters to see more.")
    else:
        order_table(result.rows, multi)
        pager(result.pages)


def picking_panel(result) -> None:
    """Above the index, so the CSR sees it open; the rows ticked in multi-select mode feed it."""
    with st.container(border=True):
        title, close = st.columns([6, 1], vertical_alignment="center")
        title.subheader("Picking list")
        close.button("Close", key="picking_close", on_click=ss.__setitem__, args=("orders_picking_open", False))
        render_picking_panel(ticked_orders(result.rows), result.query)


def ticked_orders(rows) -> list[int]:
    """Order IDs of the rows ticked in the table (read from its state, before the table is drawn)."""
    state = ss.get("orders_table")
    if not ss.get("orders_multi") or not state:
        return []
    picked = state.get("selection", {}).get("rows", [])
    return [int(rows.iloc[i]["Order ID"]) for i in picked if i < len(rows)]


main()
