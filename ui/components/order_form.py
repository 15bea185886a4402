"""The order editor shared by Create New Order (Client Profile) and Edit (Order Profile).

Widgets only: what the CSR typed becomes an ``OrderDraft``; orders_core prices it and says
what is wrong (``review_order``), live on every change.
"""

from __future__ import annotations

import itertools

import streamlit as st

from orders_core.orders.drafts import DraftLine, OrderDraft, OrderReview, catalogue
from orders_core.orders.index import distinct_carriers
from orders_core.rules import formatting
from orders_core.rules.limits import MAX_MONEY, MAX_UNITS
from orders_core.rules.numbers import NumberError, parse_money, parse_units
from ui.session import cursor
from ui.text import literal

ss = st.session_state
_uids = itertools.count(1)


def _catalogue() -> dict[str, dict]:
    if "_catalogue" not in ss:
        ss["_catalogue"] = {p["sku"]: p for p in catalogue(cursor())}
    return ss["_catalogue"]


def _label(p: dict) -> str:
    return f"{p['name']} · {p['brand']} · {p['sku']} · {formatting.money(p['unit_price'])}"


def start_form(prefix: str, draft: OrderDraft | None = None) -> None:
    """(Re)initialise the editor's state, empty or from ``draft`` (an existing order)."""
    for key in [k for k in ss if isinstance(k, str) and k.startswith(prefix + "_")]:
        del ss[key]
    ss[f"{prefix}_lines"] = []
    ss.update({f"{prefix}_discount": "0", f"{prefix}_carrier": "", f"{prefix}_shipping": "0",
               f"{prefix}_placed_by": "", f"{prefix}_agreed": False})
    if draft:
        for line in draft.lines:
            _add_line(prefix, line.sku, str(line.units), str(line.unit_price), str(line.line_discount))
        ss[f"{prefix}_discount"] = str(draft.order_discount)
        ss[f"{prefix}_carrier"] = draft.carrier or ""
        ss[f"{prefix}_shipping"] = str(draft.shipping_charge)
    ss[f"{prefix}_ready"] = True


def _add_line(prefix: str, sku: str, units: str = "1", price: str | None = None, discount: str = "0") -> None:
    uid = next(_uids)
    product = _catalogue().get(sku)
    ss[f"{prefix}_lines"] = [*ss[f"{prefix}_lines"], uid]
    ss[f"{prefix}_{uid}_sku"] = sku
    ss[f"{prefix}_{uid}_units"] = units
    ss[f"{prefix}_{uid}_price"] = price if price is not None else f"{product['unit_price']}" if product else ""
    ss[f"{prefix}_{uid}_disc"] = discount


def _on_pick(prefix: str) -> None:
    sku = ss.get(f"{prefix}_pick")
    if sku:
        _add_line(prefix, sku)
    ss[f"{prefix}_pick"] = None


def _remove(prefix: str, uid: int) -> None:
    ss[f"{prefix}_lines"] = [u for u in ss[f"{prefix}_lines"] if u != uid]


def _checked(prefix: str, container, key: str, what: str, *, units: bool = False) -> None:
    """A figure's error under its field, at once (the same reading as orders_core's ``numbers``)."""
    value = ss.get(key)
    try:
        if units:
            parse_units(value, what, maximum=MAX_UNITS)
        elif value is not None and str(value).strip():
            parse_money(value, what, maximum=MAX_MONEY)
    except NumberError as exc:
        ss[f"{prefix}_bad"] = ss.get(f"{prefix}_bad", 0) + 1
        container.error(literal(exc), icon=":material/error:")


def render_form(prefix: str, client_id: int, *, csr_fields: bool, client_name: str = "") -> OrderDraft:
    """The editor's widgets, each figure's error under it; returns the draft they describe."""
    if not ss.get(f"{prefix}_ready"):
        start_form(prefix)
    ss[f"{prefix}_bad"] = 0
    products = _catalogue()
    st.selectbox(
        "Add a product", list(products), index=None, key=f"{prefix}_pick",
        format_func=lambda sku: _label(products[sku]), placeholder="Search the catalogue by name or SKU",
        on_change=_on_pick, args=(prefix,),
    )
    uids = ss[f"{prefix}_lines"]
    if not uids:
        st.caption("No lines yet: add a product above.")
    for n, uid in enumerate(uids, start=1):
        sku = ss[f"{prefix}_{uid}_sku"]
        product = products.get(sku)
        name, units, price, disc, remove = st.columns([3.2, 1, 1.2, 1.2, 0.9], vertical_alignment="bottom")
        name.markdown(f"**{n}. {literal(product['name'] if product else sku)}**  \n"
                      f"{literal(product['brand'] if product else '')} · {literal(sku)}")
        units.text_input("Units", key=f"{prefix}_{uid}_units")
        price.text_input("Unit price ($)", key=f"{prefix}_{uid}_price")
        disc.text_input("Line discount ($)", key=f"{prefix}_{uid}_disc")
        remove.button("Remove", key=f"{prefix}_{uid}_remove", on_click=_remove, args=(prefix, uid))
        errors = st.container()
        _checked(prefix, errors, f"{prefix}_{uid}_units", f"Line {n}: the quantity", units=True)
        _checked(prefix, errors, f"{prefix}_{uid}_price", f"Line {n}: the unit price")
        _checked(prefix, errors, f"{prefix}_{uid}_disc", f"Line {n}: the line discount")
    discount, carrier, shipping = st.columns(3)
    discount.text_input("Order discount ($)", key=f"{prefix}_discount")
    _checked(prefix, discount, f"{prefix}_discount", "The order discount")
    carriers = ["", *distinct_carriers(cursor())]
    if ss.get(f"{prefix}_carrier") not in carriers:
        ss[f"{prefix}_carrier"] = ""
    carrier.selectbox("Carrier", carriers, key=f"{prefix}_carrier",
                      format_func=lambda c: c or "— no carrier yet —")
    shipping.text_input("Shipping charge ($)", key=f"{prefix}_shipping")
    _checked(prefix, shipping, f"{prefix}_shipping", "The shipping charge")
    if csr_fields:
        placed, by_client, agreed = st.columns([2, 0.8, 2.2], vertical_alignment="bottom")
        placed.text_input("Order placed by", key=f"{prefix}_placed_by",
                          placeholder="The client, or the person who called for them")
        if client_name:
            by_client.button("The client", key=f"{prefix}_by_client", help=f"Placed by {literal(client_name)}",
                             on_click=ss.__setitem__, args=(f"{prefix}_placed_by", client_name))
        agreed.checkbox("Client agreed to the return and exchange policy", key=f"{prefix}_agreed")
    return draft_from_state(prefix, client_id)


def draft_from_state(prefix: str, client_id: int) -> OrderDraft:
    """The draft the editor's current widget values describe (also usable in a button's callback)."""
    lines = [
        DraftLine(ss[f"{prefix}_{uid}_sku"], ss.get(f"{prefix}_{uid}_units"), ss.get(f"{prefix}_{uid}_price"),
                  ss.get(f"{prefix}_{uid}_disc"))
        for uid in ss.get(f"{prefix}_lines", [])
    ]
    return OrderDraft(client_id, lines, ss.get(f"{prefix}_discount"), ss.get(f"{prefix}_carrier") or None,
                      ss.get(f"{prefix}_shipping"), ss.get(f"{prefix}_placed_by") or "",
                      bool(ss.get(f"{prefix}_agreed")), bool(ss.get(f"{prefix}_prices_ok")))


def render_summary(review: OrderReview, prefix: str) -> None:
    """The live money and grams of a draft; no totals while a figure above is wrong; unusual prices to confirm."""
    if ss.get(f"{prefix}_bad"):
        st.warning("Correct the figures marked above: the totals appear when every figure is valid.")
        return
    if review.price_warnings:
        st.warning("\n\n".join(literal(w) for w in review.price_warnings))
        st.checkbox("These prices are right", key=f"{prefix}_prices_ok")
    else:
        ss.pop(f"{prefix}_prices_ok", None)
    t = review.totals
    cols = st.columns(6)
    for col, (label, value) in zip(cols, [
        ("Subtotal", t.subtotal), ("Line discounts", -t.line_discount_total),
        ("Order discount", -t.order_discount), ("Policy coverage", -t.coverage_amount),
        ("Shipping", t.shipping_charge), ("Total Due", t.total_due),
    ], strict=True):
        col.metric(label, formatting.money(value))
    for c in review.coverage:
        st.caption(literal(f"Coverage by {c.insurer}: {formatting.money(c.amount)}" + (f" ({c.note})" if c.note else "")))
    st.markdown(grams_sentence(review))


def grams_sentence(review: OrderReview) -> str:
    grams = review.totals.grams
    if review.cap is None:
        return "This client has no active prescription."
    held = formatting.grams(grams) if grams is not None else "no cannabis (0 g)"
    text = f"**Cannabis: {held}** (dried equivalent) of this client's limit of {formatting.grams(review.cap)} per order"
    if review.period is not None:
        p = review.period
        text += (f"; {formatting.grams(p.available)} of {formatting.grams(p.allowance)} left in the prescription period "
                 f"{p.label()}")
    over = grams is not None and (grams > review.cap or (review.period and grams > review.period.available))
    return f":red[{text}.]" if over else text + "."


def show_reasons(title: str, reasons: list[str]) -> None:
    st.error(literal(title) + "\n\n" + "\n".join(f"- {literal(r)}" for r in reasons))
