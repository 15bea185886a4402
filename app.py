"""The Orders dashboard: the index of every order, its filters, and the Orders menu.

Export CSV is produced when it is clicked, for the person signed in at that moment (``ui.session.download_for``:
their sign-in live, on the staff list, active, and their role allowing exports then), never for the person
the menu was drawn for.

What the signed-in role sees is ``orders_core.orders.access`` (the statuses and columns) and ``roles.may``
(the menu entries): a Fulfillment Associate sees orders in Order Placed, Shipped and Delivered with
shipping columns only, and a menu with only View Picking List."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import streamlit as st

from orders_core.clients.registration import has_clients
from orders_core.orders import archive
from orders_core.orders.access import export_csv_for, index_columns, index_views, list_orders_for
from orders_core.orders.index import (
    NATURAL_DESCENDING,
    PAGE_SIZES,
    SORTS,
    InvalidQuery,
    OrderQuery,
    distinct_carriers,
)
from orders_core.reports.monthly.access import behind_for
from orders_core.reports.monthly.figures import CTLS
from orders_core.rules import formatting
from orders_core.rules.dates import FIRST_DATE, LAST_DATE
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import may, order_statuses
from orders_core.storage.schema import SOURCES, STATUSES
from ui import frame
from ui.components.links import ORDER_NUMBER, orders_table
from ui.components.pager import pager
from ui.components.picking import render_picking_panel
from ui.session import acting_person, cursor, database, download_for, viewer
from ui.text import literal
from ui.url_state import (
    figure_from_params,
    figure_params,
    params_from_query,
    problems_sentence,
    query_from_params,
    shown,
)

ss = st.session_state
DIRECTIONS = ("Descending", "Ascending")


def load_url(carriers: list[str]) -> None:
    """Put the URL's filters into the widgets when the URL changed from outside (a link, a reload)."""
    params = st.query_params.to_dict()
    if ss.get("orders_url") == params:
        return
    q, problems = query_from_params(params)
    unknown = [c for c in q.carriers if c not in carriers]
    problems += [f"carrier {shown(c)}" for c in unknown]
    q = replace(q, carriers=tuple(c for c in q.carriers if c in carriers))
    problems += load_figure(params)
    ss.update({
        "orders_show": q.view, "orders_search": q.search, "orders_sort": q.sort,
        "orders_dir": DIRECTIONS[0] if q.descending else DIRECTIONS[1],
        "orders_status": list(q.statuses), "orders_carrier": list(q.carriers),
        "orders_source": list(q.sources), "orders_from": q.created_from, "orders_to": q.created_to,
        "orders_page": q.page, "orders_size": q.page_size, "orders_url": params,
    })
    ss["orders_signature"] = with_figure(replace(q, page=1))
    if problems:
        ss["orders_url_problems"] = problems


def load_figure(params: dict) -> list[str]:
    """A link to the orders behind a figure of the monthly reports (the Reports page): the core lists them once,
    when the link is opened (``orders_figure``: the figure and its Order IDs); what could not be used, for the
    sentence."""
    figure, problems = figure_from_params(params)
    ss["orders_figure"] = None
    if figure is not None:
        try:
            found = behind_for(cursor(), CTLS, figure.month, figure.key, dt.date.today(), viewer())
        except Refused as exc:
            problems.append(f"figure {shown(figure_params(figure)['figure'])} ({str(exc).rstrip('.')})")
        else:
            ss["orders_figure"] = (figure, tuple(found.ids))
    return problems


def with_figure(q: OrderQuery) -> OrderQuery:
    """``q`` limited to the orders behind the linked figure, if any (archived or not)."""
    linked = ss.get("orders_figure")
    return q if linked is None else replace(q, order_ids=linked[1])


def figure_banner() -> None:
    """Which figure's orders are listed, and a way back to every order."""
    linked = ss.get("orders_figure")
    if linked is None:
        return
    said, clear = st.columns([6, 1], vertical_alignment="center")
    said.info(f"The orders behind {literal(linked[0].label())}: shipped in the month or with a return received "
              "in it, archived or not.", icon=":material/filter_alt:")
    clear.button("Show every order", key="orders_figure_clear", on_click=ss.__setitem__, args=("orders_figure", None))


def _natural_direction() -> None:
    """A new sort starts in its natural direction (newest first; Status Unverified first); the Direction
    control still flips it."""
    ss["orders_dir"] = DIRECTIONS[0] if NATURAL_DESCENDING[ss.orders_sort] else DIRECTIONS[1]


def filters(carriers: list[str]) -> OrderQuery:
    """The Show / Search / Sort controls and the extra filters; returns the query they describe."""
    show, search, sort, direction = st.columns([2.2, 3, 1.4, 1.4], vertical_alignment="bottom")
    views = index_views(viewer())
    if ss.get("orders_show") not in views:  # a link to a view this role does not have
        ss["orders_show"] = views[0]
    show.radio("Show", views, key="orders_show", horizontal=True)
    search.text_input("Search", key="orders_search",
                      placeholder="Order ID, client name, carrier or tracking number")
    sort.selectbox("Sort by", list(SORTS), key="orders_sort", on_change=_natural_direction)
    direction.selectbox("Direction", DIRECTIONS, key="orders_dir")
    extra = any(ss.get(k) for k in ("orders_status", "orders_carrier", "orders_source", "orders_from", "orders_to"))
    with st.expander("More filters", expanded=extra):
        c1, c2, c3, c4, c5 = st.columns(5)
        c1.multiselect("Status", order_statuses(viewer()) or STATUSES, key="orders_status")
        c2.multiselect("Carrier", carriers, key="orders_carrier")
        c3.multiselect("Source", SOURCES, key="orders_source")
        c4.date_input("Created from", key="orders_from", value=None, format="YYYY-MM-DD",
                      min_value=FIRST_DATE, max_value=LAST_DATE)
        c5.date_input("Created to", key="orders_to", value=None, format="YYYY-MM-DD",
                      min_value=FIRST_DATE, max_value=LAST_DATE)
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


def _menu_choice(key: str, value: object) -> None:
    """A menu entry was chosen: remember it and close the "⋮" menu so it does not cover what follows."""
    ss[key] = value
    ss["orders_menu"] = False


def orders_menu(q: OrderQuery, total: int) -> None:
    """The "⋮" menu, with only the entries the signed-in role may use (none: no menu)."""
    who = viewer()
    archive_ok, picking_ok, export_ok = (may(who, a) for a in ("archive", "picking_list", "export_csv"))
    if not (archive_ok or picking_ok or export_ok):
        return
    with st.popover("⋮", help="Orders menu", key="orders_menu", on_change="rerun"):
        if archive_ok:
            st.button("Archive Shipped", key="menu_archive_shipped", width="stretch",
                      on_click=_menu_choice, args=("orders_pending_archive", "Shipped"))
            st.button("Archive Delivered", key="menu_archive_delivered", width="stretch",
                      on_click=_menu_choice, args=("orders_pending_archive", "Delivered"))
        if picking_ok:
            st.button("View Picking List", key="menu_picking", width="stretch",
                      on_click=_menu_choice, args=("orders_picking_open", True))
        if export_ok:
            st.download_button(
                "Export CSV", key="menu_export", width="stretch", mime="text/csv",
                data=download_for("export_csv", lambda cur, now: export_csv_for(cur, q, now)),
                file_name=f"orders-{dt.date.today().isoformat()}.csv",
                help=f"All {formatting.count_label(total)} of the current result, every page",
            )


def _confirm_archive(status: str, expected: int) -> None:
    result = archive.archive_status(database(), status, acting_person(), expected=expected)
    ss.pop("orders_pending_archive", None)
    ss["orders_archive_said"] = result.sentence(expected)
    if result.count:
        ss["orders_last_archive"] = result  # an Undo only for something that was done
    else:
        ss.pop("orders_last_archive", None)


def _undo_archive() -> None:
    result: archive.ArchiveResult = ss.pop("orders_last_archive")
    ss.pop("orders_archive_said", None)
    restored = archive.unarchive_batch(database(), result.batch, acting_person())
    ss["orders_flash"] = f"Undone: {formatting.count_label(restored)} unarchived."


def archive_messages() -> None:
    if not may(viewer(), "archive"):
        ss.pop("orders_pending_archive", None)
        return
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
                           on_click=_confirm_archive, args=(pending, n))
                no.button("Cancel", key="archive_cancel", on_click=ss.pop, args=("orders_pending_archive",))
    last: archive.ArchiveResult | None = ss.get("orders_last_archive")
    said = ss.get("orders_archive_said")
    if last:
        done, undo, _ = st.columns([4, 1, 2], vertical_alignment="center")
        done.success(literal(said or last.sentence()))
        undo.button("Undo", key="archive_undo", on_click=_undo_archive)
    elif said:
        st.info(literal(ss.pop("orders_archive_said")))
    if ss.get("orders_flash"):
        st.success(ss.pop("orders_flash"))


def order_table(rows, multi: bool) -> None:
    """The index: each Order ID a link to its Order Profile (``links.orders_table``); in multi-select mode a
    grid whose ticked rows feed the picking list instead."""
    columns = index_columns(viewer())  # only these reach the browser, not just the screen
    shown = formatting.index_rows(rows)[columns]
    if not multi:
        orders_table(shown, columns)
        return
    st.dataframe(
        shown, hide_index=True, width="stretch", key="orders_table", column_order=columns, on_select="rerun",
        selection_mode="multi-row", column_config={"Order ID": ORDER_NUMBER},
        height=min(38 + 35 * max(len(rows), 1), 38 + 35 * 25),
    )


def main() -> None:
    cur = cursor()
    carriers = distinct_carriers(cur)
    load_url(carriers)
    head, menu = st.columns([12, 1], vertical_alignment="bottom")
    head.title("Orders")
    if ss.get("orders_url_problems"):
        st.warning(problems_sentence(ss.pop("orders_url_problems")))
    figure_banner()
    q = current_page(with_figure(filters(carriers)))
    who = viewer()
    try:
        result = list_orders_for(cur, q, who)
        if result.total and q.page > result.pages:
            ss["orders_page"] = result.pages
            result = list_orders_for(cur, q.at_page(result.pages), who)
    except InvalidQuery as exc:
        st.error(literal(str(exc)))
        return
    with menu:
        orders_menu(result.query, result.total)
    archive_messages()
    params = params_from_query(result.query)
    if ss.get("orders_figure") is not None:
        params.update(figure_params(ss["orders_figure"][0]))
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    ss["orders_url"] = params

    if ss.get("orders_picking_open"):
        picking_panel(result)
    count, mode = st.columns([4, 2], vertical_alignment="center")
    count.markdown(f"**{formatting.count_label(result.total)}**")
    multi = mode.toggle("Select several orders", key="orders_multi",
                        help="Select rows for a picking list instead of opening an order")
    if result.total == 0 and not has_clients(cursor()):
        first_steps()
    elif result.total == 0:
        st.info("No orders match. Clear the search or the filters to see more.")
    else:
        order_table(result.rows, multi)
        pager("orders_page", result.pages, key="page", sizes=PAGE_SIZES, size_key="orders_size")


def first_steps() -> None:
    """An empty database: what to do first, with links."""
    st.info("There are no clients or orders yet. Start by adding your products, then register your clients "
            "(or import both from your previous system); orders follow from a client's profile.")
    st.page_link("pages/products.py", label="1. Add products", icon=":material/inventory_2:")
    st.page_link("pages/clients.py", label="2. Register a client", icon=":material/person_add:")
    st.page_link("pages/import.py", label="Or import from files", icon=":material/upload_file:")


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


frame.run("Orders", main)
