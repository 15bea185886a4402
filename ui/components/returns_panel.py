"""The Order Profile's Returns section: what came back, the refunds, the replacement, and their actions.

Reads ``orders_core.returns.reads.order_returns`` (who sees what is decided there) and calls the module's
writes; a refusal is its one sentence. No rule and no SQL here.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from orders_core.returns.reads import OrderReturns, order_returns
from orders_core.returns.recording import record_return
from orders_core.returns.refunds import goodwill_refund, refund_return
from orders_core.returns.replacement import create_replacement
from orders_core.rules import formatting
from orders_core.rules.dates import FIRST_DATE
from orders_core.rules.refusals import Refused
from ui.session import acting_person, cursor, database
from ui.text import literal

ss = st.session_state


def _outcome(ok: str | None = None, error: str | None = None) -> None:
    ss["returns_outcome"] = ("ok", ok) if ok else ("error", error)


def _call(work, ok) -> None:
    try:
        result = work()
    except Refused as exc:
        _outcome(error=str(exc))
        return
    _outcome(ok=ok(result))
    ss.pop("returns_action", None)


def _record(order_id: int, skus: list[str]) -> None:
    k = f"ret_{order_id}_"
    units = {sku: ss.get(k + f"units_{sku}") for sku in skus if ss.get(k + f"units_{sku}")}
    _call(lambda: record_return(database(), order_id, acting_person(), units=units, reason=ss.get(k + "reason"),
                                received_on=ss.get(k + "received"), note=ss.get(k + "note") or "",
                                disposition=ss.get(k + "disposition")),
          lambda r: r.details)


def _refund(return_id: int) -> None:
    k = f"refund_{return_id}_"
    _call(lambda: refund_return(database(), return_id, acting_person(), method=ss.get(k + "method"),
                                reference=ss.get(k + "reference"), include_shipping=bool(ss.get(k + "shipping"))),
          lambda r: r.sentence())


def _replace(return_id: int) -> None:
    _call(lambda: create_replacement(database(), return_id, acting_person()),
          lambda order_id: f"Replacement order {order_id} created for return {return_id} (Order Placed, no charge).")


def _goodwill(order_id: int) -> None:
    k = f"goodwill_{order_id}_"
    _call(lambda: goodwill_refund(database(), order_id, acting_person(), amount=ss.get(k + "amount"),
                                  reason=ss.get(k + "reason"), method=ss.get(k + "method"),
                                  reference=ss.get(k + "reference")),
          lambda r: r.sentence())


def _choose(action: str | None) -> None:
    ss["returns_action"] = action
    ss.pop("returns_outcome", None)


def render_returns(order_id: int) -> None:
    """The Returns section of order ``order_id`` for the signed-in person."""
    r = order_returns(cursor(), order_id, acting_person())
    if r.replaces_return_id is not None:
        st.info(f"Source: Replacement — this order replaces return {r.replaces_return_id}"
                + (f" of order {r.replaced_order_id}" if r.replaced_order_id else "") + " (Cannabis Regulations s. 293).")
    if not (r.returns or (r.refunds is not None and len(r.refunds)) or r.can_receive or r.can_refund):
        return
    st.subheader("Returns and refunds" + (f" · {r.label}" if r.label else ""))
    _list(r)
    _buttons(r)
    result = ss.pop("returns_outcome", None)
    if result:
        (st.success if result[0] == "ok" else st.error)(literal(result[1]))
    _panel(r)


def _list(r: OrderReturns) -> None:
    if not r.returns:
        st.caption("Nothing has come back of this order.")
    for ret in r.returns:
        said = (f"**Return {ret.return_id}** · {literal(ret.reason)} · received {formatting.date(ret.received_on)} by "
                f"{literal(ret.received_by)} · {literal(ret.lines)} · {formatting.grams(ret.grams)} · "
                f"{literal(ret.disposition)}")
        if ret.note:
            said += f"  \nNote: {literal(ret.note)}"
        said += "  \n" + (f"Refund {ret.refund_id}" if ret.refund_id else "Not refunded") + " · " + (
            f"replaced by order [{ret.replacement_order_id}](/order?id={ret.replacement_order_id})"
            if ret.replacement_order_id else "no replacement")
        st.markdown(said)
    if r.refunds is not None and len(r.refunds):
        shown = r.refunds.copy()
        for column in ("To the client", "Of which shipping", "To insurers"):
            shown[column] = [formatting.money(v) for v in shown[column]]
        shown["Recorded at"] = [formatting.timestamp(v) for v in shown["Recorded at"]]
        st.dataframe(shown, hide_index=True, width="stretch", key="order_refunds")


def _buttons(r: OrderReturns) -> None:
    with st.container(horizontal=True):
        if r.can_receive and r.units_left:
            st.button("Record a return", key="returns_record", on_click=_choose, args=("record",))
        if r.can_refund:
            for ret in r.returns:
                if not ret.refund_id:
                    st.button(f"Refund return {ret.return_id}", key=f"returns_refund_{ret.return_id}",
                              on_click=_choose, args=(f"refund {ret.return_id}",))
                if not ret.replacement_order_id:
                    st.button(f"Replace return {ret.return_id}", key=f"returns_replace_{ret.return_id}",
                              on_click=_replace, args=(ret.return_id,))
            st.button("Goodwill refund", key="returns_goodwill", on_click=_choose, args=("goodwill",))


def _panel(r: OrderReturns) -> None:
    action = ss.get("returns_action")
    if not action:
        return
    with st.container(border=True):
        if action == "record" and r.can_receive:
            k = f"ret_{r.order_id}_"
            st.markdown("**Record a return**")
            for sku, left in r.units_left.items():
                st.number_input(f"Units of {sku} that came back (at most {left})", min_value=0, max_value=left,
                                step=1, key=k + f"units_{sku}")
            st.selectbox("Reason", r.reasons, key=k + "reason")
            st.caption("Undeliverable (returned to sender) brings every unit back, whatever is typed above.")
            st.text_input("Note (needed for Other)", key=k + "note")
            st.selectbox("What became of the units", r.dispositions, key=k + "disposition")
            st.date_input("Received on", key=k + "received", value=dt.date.today(), min_value=FIRST_DATE,
                          max_value=dt.date.today())
            st.button("Save the return", type="primary", key=k + "save", on_click=_record,
                      args=(r.order_id, list(r.units_left)))
        elif action.startswith("refund ") and r.can_refund:
            return_id = int(action.split()[1])
            k = f"refund_{return_id}_"
            st.markdown(f"**Refund return {return_id}**")
            st.caption("The amounts follow from the units that came back: the client's share, and each policy's "
                       "coverage back to its insurer.")
            st.selectbox("Refund method", r.methods, key=k + "method")
            st.text_input("Refund reference", key=k + "reference")
            st.checkbox("Refund the shipping charge too", key=k + "shipping")
            st.button("Save the refund", type="primary", key=k + "save", on_click=_refund, args=(return_id,))
        elif action == "goodwill" and r.can_refund:
            k = f"goodwill_{r.order_id}_"
            st.markdown("**Goodwill refund** (no return; never more than the client paid)")
            st.text_input("Amount", key=k + "amount", placeholder="e.g. 10.00")
            st.text_input("Reason", key=k + "reason")
            st.selectbox("Refund method", r.methods, key=k + "method")
            st.text_input("Refund reference", key=k + "reference")
            st.button("Save the refund", type="primary", key=k + "save", on_click=_goodwill, args=(r.order_id,))
        st.button("Close", key="returns_close", on_click=_choose, args=(None,))
