"""The picking-list panel of the Orders page: choose the orders, preview, generate, download (again)."""

from __future__ import annotations

import streamlit as st

from orders_core.fulfillment.picking import (
    PICKING_STATUS,
    PickingList,
    PickingListError,
    default_order_ids,
    eligible_order_ids,
    generate_picking_list,
    order_ids_for_query,
    picking_list_pdf,
    picking_preview,
    recent_picking_lists,
)
from orders_core.fulfillment.picking_pdf import grams_text
from orders_core.orders.index import InvalidQuery, OrderQuery
from orders_core.rules.roles import NotAllowed, may
from ui.components.labels import render_label_printing
from ui.session import acting_person, cursor, database, download_for, viewer
from ui.text import literal

EVERY = f"Every order in {PICKING_STATUS}"
SELECTED = "The selected rows"
FILTERED = "The current filtered result"
SCOPES = (EVERY, SELECTED, FILTERED)
ss = st.session_state


def _scope_ids(scope: str, selected_ids: list[int], query: OrderQuery) -> list[int] | None:
    """The orders the chosen scope puts on the list, or None (with a message) when there are none."""
    cur = cursor()
    if scope == SELECTED:
        if not selected_ids:
            st.info("No rows are selected. Turn on “Select several orders” above the index and tick the orders "
                    "to put on the list.")
            return None
        ids, refused = eligible_order_ids(cur, selected_ids)
        if refused:
            st.warning(f"Only non-archived orders in {PICKING_STATUS} go on a picking list; left out: "
                       f"{', '.join(refused[:10])}{' …' if len(refused) > 10 else ''}.")
    elif scope == FILTERED:
        try:
            ids = order_ids_for_query(cur, query)
        except InvalidQuery as exc:
            st.error(literal(str(exc)))
            return None
        st.caption(f"Only the filtered result's non-archived orders in {PICKING_STATUS} go on the list.")
    else:
        ids = default_order_ids(cur)
    if not ids:
        st.info(f"There are no orders in {PICKING_STATUS} to pick here, so there is no picking list to make.")
        return None
    return ids


def _preview(ids: list[int]) -> None:
    made: PickingList | None = ss.get("picking_made")
    just_made = made.number if made and sorted(made.order_ids) == sorted(ids) else None
    p = picking_preview(cursor(), ids, made_list=just_made)
    orders, lines, units, grams = st.columns(4)
    orders.metric("Orders", f"{p.orders:,}")
    lines.metric("Lines", f"{p.lines:,}")
    units.metric("Units", f"{p.units:,}")
    grams.metric("Grams (dried equivalent)", f"{grams_text(p.grams)} g")
    if p.already_listed:
        st.warning(f"{p.already_listed:,} of these orders {'is' if p.already_listed == 1 else 'are'} already on "
                   f"an earlier picking list; a new list includes them again.")


def _generate(ids: list[int]) -> None:
    try:
        made = generate_picking_list(database(), order_ids=ids, actor=acting_person())
    except (PickingListError, NotAllowed) as exc:
        ss["picking_error"] = str(exc)
        ss.pop("picking_made", None)
        return
    ss.pop("picking_error", None)
    ss["picking_made"] = made


def _made() -> None:
    if ss.get("picking_error"):
        st.error(literal(ss["picking_error"]))
    made: PickingList | None = ss.get("picking_made")
    if made:
        count = len(made.order_ids)
        st.success(f"Picking list {made.number} is ready: {count:,} order{'s' if count != 1 else ''}. "
                   f"Each order's history now says it was added to picking list {made.number}.")
        st.download_button(
            f"Download picking list {made.number} (PDF)", data=made.pdf, key="picking_download",
            file_name=f"picking-list-{made.number}.pdf", mime="application/pdf", type="primary",
            icon=":material/download:",
        )
        if may(viewer(), "print_labels"):
            render_label_printing("picking_labels", made.order_ids, label="Print the client labels of these orders")


def _recent() -> None:
    kept = recent_picking_lists(cursor(), limit=10)
    if not kept:
        return
    with st.expander("Recent picking lists", expanded=False):
        for k in kept:
            text, button = st.columns([4, 1.4], vertical_alignment="center")
            text.markdown(f"**Picking list {k.number}** · {k.orders:,} order{'s' if k.orders != 1 else ''} · "
                          f"{k.generated_at:%Y-%m-%d %H:%M} by {literal(k.generated_by)}")
            button.download_button(
                "Download again", key=f"picking_again_{k.number}", width="stretch",
                data=download_for("picking_list", lambda cur, _who, n=k.number: picking_list_pdf(cur, n)),
                file_name=f"picking-list-{k.number}.pdf", mime="application/pdf",
            )


def render_picking_panel(selected_ids: list[int], query: OrderQuery) -> None:
    """Preview and download a picking list: of every Order Placed order, the selected rows, or the filtered result."""
    scope = st.radio("Orders on the list", SCOPES, index=0, key="picking_scope", horizontal=True,
                     format_func=lambda s: f"{s} ({len(selected_ids):,})" if s == SELECTED else s)
    ids = _scope_ids(scope, selected_ids, query)
    if ids:
        _preview(ids)
        st.button("Generate picking list", key="picking_generate", type="primary",
                  on_click=_generate, args=(ids,), icon=":material/print:")
    _made()
    _recent()


def _generate_one(order_id: int) -> None:
    try:
        ss[f"picking_made_{order_id}"] = generate_picking_list(database(), order_ids=[order_id], actor=acting_person())
        ss.pop(f"picking_error_{order_id}", None)
    except (PickingListError, NotAllowed) as exc:
        ss[f"picking_error_{order_id}"] = str(exc)


def render_order_picking_button(order_id: int) -> None:
    """For an Order Profile: a "Picking list" button that makes a list of this one order, then its download."""
    _, refused = eligible_order_ids(cursor(), [order_id])
    key = f"picking_order_{order_id}"
    if refused:
        st.button("Picking list", key=key, disabled=True, icon=":material/print:",
                  help=f"Only non-archived orders in {PICKING_STATUS} go on a picking list; "
                       f"this one is not: {refused[0]}.")
    else:
        st.button("Picking list", key=key, on_click=_generate_one, args=(order_id,), icon=":material/print:",
                  help="Make a picking list of this order alone (it is recorded in the order's history).")
    if ss.get(f"picking_error_{order_id}"):
        st.error(literal(ss[f"picking_error_{order_id}"]))
    made: PickingList | None = ss.get(f"picking_made_{order_id}")
    if made:
        st.download_button(
            f"Download picking list {made.number} (PDF)", data=made.pdf, key=f"picking_download_{order_id}",
            file_name=f"picking-list-{made.number}.pdf", mime="application/pdf", type="primary",
            icon=":material/download:",
        )
