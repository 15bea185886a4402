"""The Order Profile (/order?id=...): every field of the order, its lines, its event history, and
the lifecycle actions its status allows and the signed-in role may take.

What a role sees is decided by ``orders_core.orders.detail.get_order`` (its docstring): a Fulfillment
Associate gets only the shipping fields (``o.shipping_only``), so this page draws only the shipping
sections and the lines without prices for them."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from orders_core.fulfillment.labels import LABEL_STATUSES
from orders_core.orders.archive import archive_orders, unarchive_orders
from orders_core.orders.detail import BadOrderId, OrderDetail, get_order, parse_order_id
from orders_core.orders.drafts import OrderRefused, review_order
from orders_core.orders.index import distinct_carriers
from orders_core.orders.lifecycle import (
    PAYMENT_METHODS,
    cancel_order,
    deliver_order,
    edit_order,
    place_order,
    ship_order,
    stored_draft,
    verify_order,
)
from orders_core.rules import formatting
from orders_core.rules.dates import FIRST_DATE
from orders_core.rules.roles import NotAllowed, may
from ui import frame
from ui.components.labels import render_label_printing
from ui.components.order_form import draft_from_state, render_form, render_summary, show_reasons, start_form
from ui.components.picking import render_order_picking_button
from ui.components.returns_panel import render_returns
from ui.session import acting_person, cursor, database, person
from ui.text import literal

ss = st.session_state


def _seen(order_id: int) -> int | None:
    return ss.get(f"order_seen_{order_id}")


def _run(order_id: int, action: str, call) -> None:
    """Run a lifecycle call from a button's callback; keep its outcome for the next render."""
    try:
        result = call()
    except OrderRefused as exc:
        ss["order_outcome"] = ("error", f"{action} was refused:", exc.reasons)
        return
    except NotAllowed as exc:
        ss["order_outcome"] = ("error", f"{action} was refused:", [str(exc)])
        return
    ss["order_outcome"] = ("ok", f"{action}: done.", [result.details] if hasattr(result, "details") else [])
    ss.pop("order_action", None)


def _do(order_id: int, action: str) -> None:
    db, actor, version = database(), acting_person(), _seen(order_id)
    k = f"act_{order_id}_"
    calls = {
        "Verify": lambda: verify_order(db, order_id, actor, expected_version=version),
        "Place Order": lambda: place_order(db, order_id, actor, payment_method=ss.get(k + "method"),
                                           payment_reference=ss.get(k + "reference"), expected_version=version),
        "Mark as Shipped": lambda: ship_order(db, order_id, actor, carrier=ss.get(k + "carrier"),
                                              tracking_number=ss.get(k + "tracking"),
                                              shipped_on=ss.get(k + "shipped_on"), expected_version=version),
        "Mark as Delivered": lambda: deliver_order(db, order_id, actor, delivered_on=ss.get(k + "delivered_on"),
                                                   expected_version=version),
        "Cancel": lambda: cancel_order(db, order_id, actor, reason=ss.get(k + "reason"), expected_version=version),
        "Edit": lambda: _edit(db, order_id, actor, version),
    }
    _run(order_id, action, calls[action])


def _edit(db, order_id: int, actor, version: int | None):
    draft = draft_from_state(f"edit_{order_id}", 0)
    return edit_order(db, order_id, actor, lines=draft.lines, order_discount=draft.order_discount,
                      carrier=draft.carrier, shipping_charge=draft.shipping_charge, expected_version=version,
                      prices_confirmed=draft.prices_confirmed)


def _archive(order_id: int, archive: bool) -> None:
    try:
        if archive:
            n = archive_orders(database(), [order_id], acting_person()).count
            ss["order_outcome"] = ("ok", "Archived." if n else "The order was already archived.", [])
        else:
            n = unarchive_orders(database(), [order_id], acting_person())
            ss["order_outcome"] = ("ok", "Unarchived." if n else "The order was not archived.", [])
    except NotAllowed as exc:
        ss["order_outcome"] = ("error", "Refused:", [str(exc)])


def _choose(order_id: int, action: str | None) -> None:
    ss["order_action"] = action
    ss.pop("order_outcome", None)
    if action == "Edit":
        start_form(f"edit_{order_id}", stored_draft(cursor(), order_id))


# --------------------------------------------------------------------------- display


def record(o: OrderDetail) -> None:
    st.markdown("**Purchase order record (s. 289)**")
    rows = [f"{label}: **{literal(value)}**" for label, value in o.purchase_record()]
    products = [literal(f"{r['Product']} ({r['Brand']}) × {r['Units']}") for _, r in o.lines.iterrows()]
    rows.append("Products: " + ("; ".join(products) or "none"))
    st.markdown("  \n".join(rows))


def money(o: OrderDetail) -> None:
    st.markdown("**Money**")
    st.table({"": [literal(label) for label, _ in o.money_rows()],  # st.table reads Markdown: an insurer's name
              "Amount": [formatting.money(v) for _, v in o.money_rows()]})
    st.markdown(f"Quantity: **{formatting.grams(o.grams) or 'no cannabis'}**"
                + (f" of {formatting.grams(o.client.prescription.shipment_cap)} allowed per order"
                   if o.client.prescription and o.grams is not None else ""))


def shipping(o: OrderDetail) -> None:
    if o.shipping_only:
        ship_to(o)
        return
    st.markdown("**Shipping and payment**")
    fields = [
        ("Status", o.status), ("Source", o.source), ("Created at", formatting.timestamp(o.created_at)),
        ("Carrier", o.carrier or "— none yet —"), ("Tracking number", o.tracking_number or "—"),
        ("Shipped on", formatting.date(o.shipped_on) or "—"), ("Delivered on", formatting.date(o.delivered_on) or "—"),
        ("Payment", f"{o.payment_method}, reference {o.payment_reference}" if o.payment_method else "—"),
        ("Return and exchange policy agreed", "Yes" if o.return_policy_agreed else "No"),
        ("Archived at", formatting.timestamp(o.archived_at) or "—"),
        ("Last changed", f"{formatting.timestamp(o.updated_at)} (version {o.version})"),
    ]
    if o.cancel_reason:
        fields.insert(1, ("Cancelled because", o.cancel_reason))
    if o.recurring_order_id:
        fields.append(("Recurring order", str(o.recurring_order_id)))
    st.markdown("  \n".join(f"{label}: **{literal(value)}**" for label, value in fields))


def ship_to(o: OrderDetail) -> None:
    """A Fulfillment Associate's view: where and how it ships, nothing else (order_detail's docstring)."""
    st.markdown("**Shipping**")
    fields = [
        ("Status", o.status), ("Created at", formatting.timestamp(o.created_at)),
        ("Client", f"{o.client.name} (client {o.client.client_id})"),
        ("Ships to (registered address)", o.client.address),
        ("Carrier", o.carrier or "— none yet —"), ("Tracking number", o.tracking_number or "—"),
        ("Shipped on", formatting.date(o.shipped_on) or "—"), ("Delivered on", formatting.date(o.delivered_on) or "—"),
        ("Archived at", formatting.timestamp(o.archived_at) or "—"),
    ]
    st.markdown("  \n".join(f"{label}: **{literal(value)}**" for label, value in fields))


def lines(o: OrderDetail) -> None:
    st.subheader("Lines")
    if o.shipping_only:
        st.dataframe(o.lines, hide_index=True, width="stretch", key="order_lines")
        return
    shown = o.lines.copy()
    for col in ("Unit Price", "Line Discount", "Line Total"):
        shown[col] = [formatting.money(v) for v in o.lines[col]]
    shown["Grams"] = [formatting.grams(v) for v in o.lines["Grams"]]
    st.dataframe(shown, hide_index=True, width="stretch", key="order_lines")


def events(o: OrderDetail) -> None:
    st.subheader("Event history")
    shown = o.events.copy()
    shown["When"] = [formatting.timestamp(v) for v in o.events["When"]]
    for column in ("Who", "Event", "What changed"):  # st.table reads Markdown in its cells: escape it
        shown[column] = [literal(v) for v in o.events[column]]
    st.table(shown.set_index("When"))


# --------------------------------------------------------------------------- actions


# The role-table action behind each lifecycle button (orders_core/roles.py).
BUTTON_ACTIONS = {"Verify": "verify_order", "Place Order": "place_order", "Mark as Shipped": "mark_shipped",
                  "Mark as Delivered": "mark_delivered", "Cancel": "cancel_order", "Edit": "edit_order"}


def action_bar(o: OrderDetail) -> None:
    st.subheader("Actions")
    who = person()
    offered = [a for a in o.actions if may(who, BUTTON_ACTIONS.get(a, "edit_order"))]
    with st.container(horizontal=True):
        for action in offered:
            st.button(action, key=f"choose_{action}", on_click=_choose, args=(o.order_id, action),
                      type="primary" if action != "Cancel" else "secondary")
        if may(who, "archive"):
            if o.archived:
                st.button("Unarchive", key="order_unarchive", on_click=_archive, args=(o.order_id, False))
            else:
                st.button("Archive", key="order_archive", on_click=_archive, args=(o.order_id, True))
        if may(who, "picking_list"):
            render_order_picking_button(o.order_id)
    if may(who, "print_labels") and o.status in LABEL_STATUSES and not o.archived:
        render_label_printing(f"labels_{o.order_id}", [o.order_id])
    if o.archived:
        st.caption("This order is archived: unarchive it to change it.")
    if not offered and not o.actions and not o.archived:
        st.caption(f"An order that is {o.status} cannot change any more.")
    elif not offered and not any(may(who, a) for a in ("archive", "picking_list")):
        st.caption(f"Your role ({who.role}) reads orders but does not change them.")


def kept_edit(o: OrderDetail) -> None:
    """An Edit the CSR was typing when someone archived the order: keep it on screen, not lost."""
    with st.container(border=True):
        st.markdown("**Edit** · kept as you typed it")
        st.caption("This order was archived meanwhile: unarchive it, then save these changes.")
        render_form(f"edit_{o.order_id}", o.client.client_id, csr_fields=False)
        st.button("Close", key=f"act_{o.order_id}_close", on_click=_choose, args=(o.order_id, None))


def action_panel(o: OrderDetail) -> None:
    action = ss.get("order_action")
    if action == "Edit" and o.archived and ss.get(f"edit_{o.order_id}_ready"):
        kept_edit(o)
        return
    if not action or action not in o.actions:
        return
    k = f"act_{o.order_id}_"
    with st.container(border=True):
        st.markdown(f"**{action}**")
        if action == "Verify":
            st.caption("Checks: registration Approved, prescription valid, within the per-order limit and what is "
                       "left in the prescription period, ships to the registered address.")
        elif action == "Place Order":
            st.selectbox("Payment method", PAYMENT_METHODS, key=k + "method")
            st.text_input("Payment reference", key=k + "reference", placeholder="e.g. the card authorisation")
        elif action == "Mark as Shipped":
            carriers = distinct_carriers(cursor())
            if ss.get(k + "carrier") not in carriers:
                ss[k + "carrier"] = o.carrier if o.carrier in carriers else None
            st.selectbox("Carrier", carriers, key=k + "carrier", placeholder="Choose the carrier")
            st.text_input("Tracking number", key=k + "tracking")
            st.date_input("Shipped on", key=k + "shipped_on", value=dt.date.today(), min_value=FIRST_DATE,
                          max_value=dt.date.today())
        elif action == "Mark as Delivered":
            st.date_input("Delivered on", key=k + "delivered_on", value=dt.date.today(), min_value=FIRST_DATE,
                          max_value=dt.date.today())
        elif action == "Cancel":
            st.text_input("Reason for cancelling", key=k + "reason")
            st.caption("The order's grams go back to the client's prescription period.")
        elif action == "Edit" and not o.shipping_only:
            draft = render_form(f"edit_{o.order_id}", o.client.client_id, csr_fields=False)
            render_summary(review_order(cursor(), draft, acting_person(), order_day=o.created_at.date(),
                                        exclude_order_id=o.order_id, csr_fields=False), f"edit_{o.order_id}")
        go, back, _ = st.columns([1.3, 1, 4])
        label = "Save changes" if action == "Edit" else f"Confirm: {action}"
        go.button(label, type="primary", key=k + "confirm", on_click=_do, args=(o.order_id, action))
        back.button("Close", key=k + "close", on_click=_choose, args=(o.order_id, None))


def outcome() -> None:
    result = ss.pop("order_outcome", None)
    if not result:
        return
    kind, title, details = result
    if kind == "error":
        show_reasons(title, details)
    else:
        st.success(literal(title) + ("  \n" + "  \n".join(literal(d) for d in details) if details else ""))


def main() -> None:
    try:
        order_id = parse_order_id(st.query_params.get("id"))
    except BadOrderId as exc:
        st.error(literal(str(exc)))
        return
    try:
        o = get_order(cursor(), order_id, acting_person())
    except NotAllowed as exc:
        st.error(literal(str(exc)))
        return
    if o is None:
        st.error(f"There is no order {order_id}: check the number, or find the order on the Orders page.")
        return
    if ss.get("order_profile_id") != order_id:
        ss["order_profile_id"] = order_id
        ss.pop("order_action", None)
    st.title(f"Order {o.order_id}")
    st.markdown(f"**{o.status}**" + (" · Archived" if o.archived else "") + f" · {literal(o.client.name)}")
    if may(person(), "view_client_records") and st.button(f"Client Profile: {literal(o.client.name)}",
                                                          key="order_to_client"):
        st.switch_page("pages/client.py", query_params={"id": str(o.client.client_id)})
    if o.shipping_only:
        shipping(o)
    else:
        left, middle, right = st.columns([1.3, 1, 1.2])
        with left:
            record(o)
        with middle:
            money(o)
        with right:
            shipping(o)
    lines(o)
    action_bar(o)
    outcome()
    action_panel(o)
    render_returns(o.order_id)
    if not o.shipping_only:
        events(o)
    ss[f"order_seen_{order_id}"] = o.version


frame.run("Order Profile", main)
