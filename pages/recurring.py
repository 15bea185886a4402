"""The Recurring Orders tab: every monthly template, what is due, and generating due orders."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from orders_core.recurring import api as rec
from orders_core.rules import formatting
from orders_core.rules.roles import may
from ui import frame
from ui.components.job_status import render_job_failure
from ui.components.pager import pager
from ui.session import acting_person, cursor, database

ss = st.session_state
PAGE_SIZE = 50
TEMPLATE_WIDTHS = {
    "Items": st.column_config.TextColumn("Items", width="medium"),
    "Last Skip Reason": st.column_config.TextColumn("Last Skip Reason", width="medium"),
}


def template_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The index's rows as a CSR reads them."""
    shown = rows.copy()
    shown["Grams per Month"] = [formatting.grams(v) for v in rows["Grams per Month"]]
    shown["Monthly Total"] = [formatting.money(v) for v in rows["Monthly Total"]]
    shown["Next Order On"] = [formatting.date(v) for v in rows["Next Order On"]]
    shown["Last Generated Order"] = ["" if pd.isna(v) else str(int(v)) for v in rows["Last Generated Order"]]
    shown["Last Skip Reason"] = rows["Last Skip Reason"].fillna("").astype(str)
    return shown


def order_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Generated orders as a CSR reads them (grams blank when there is no cannabis)."""
    shown = rows.copy()
    for col, fmt in (("Quantity", formatting.grams), ("Grams", formatting.grams), ("Total Due", formatting.money),
                     ("Period Start", formatting.date), ("Created At", formatting.timestamp)):
        if col in rows:
            shown[col] = [fmt(v) for v in rows[col]]
    if "Carrier" in rows:
        shown["Carrier"] = rows["Carrier"].fillna("").astype(str)
    return shown


def open_order(rows: pd.DataFrame, key: str, columns: list[str]) -> None:
    """A table of orders; clicking a row opens its Order Profile."""
    event = st.dataframe(
        order_rows(rows), hide_index=True, width="stretch", key=key, column_order=columns,
        on_select="rerun", selection_mode="single-row",
        column_config={"Order ID": st.column_config.NumberColumn("Order ID", format="%d")},
    )
    if event.selection.rows:
        order_id = int(rows.iloc[event.selection.rows[0]]["Order ID"])
        st.switch_page("pages/order.py", query_params={"id": str(order_id)})


def generate_panel(today: dt.date) -> None:
    """"Generate due orders": first show what it will create, then create it on confirmation (only for a
    role that may generate due orders)."""
    if not may(acting_person(), "generate_due"):
        return
    if st.button("Generate due orders", icon=":material/event_repeat:", key="rec_generate"):
        ss["rec_preview"] = True
        ss.pop("rec_last_run", None)
    if ss.get("rec_preview"):
        plan = rec.preview_due(cursor(), acting_person(), today)
        with st.container(border=True):
            if plan.empty:
                st.info(f"Nothing is due on {today:%Y-%m-%d}.")
                st.button("Close", key="rec_close", on_click=ss.pop, args=("rec_preview", None))
                return
            n_orders = int(plan["Orders"].sum())
            skips = int(plan["Skipped"].sum())
            st.markdown(
                f"**Generate due orders for {today:%Y-%m-%d}:** {formatting.count_label(n_orders, 'Open order')} "
                f"from {formatting.count_label(len(plan) - skips, 'recurring order')}; "
                f"{skips:,} will be skipped with the reason shown."
            )
            shown = plan.copy()
            shown["Grams"] = [formatting.grams(v) for v in plan["Grams"]]
            shown["Total Due"] = [formatting.money(v) for v in plan["Total Due"]]
            for col in ("Due On", "Period Start", "Next Order On"):
                shown[col] = [formatting.date(v) for v in plan[col]]
            st.dataframe(shown, hide_index=True, width="stretch", key="rec_plan",
                         column_order=["Client", "Due On", "Period Start", "Orders", "Grams", "Total Due",
                                       "Next Order On", "Action"])
            go, cancel, _ = st.columns([1.4, 1, 4])
            if go.button(f"Create {formatting.count_label(n_orders, 'order')}", type="primary", key="rec_confirm",
                         disabled=len(plan) == 0):
                result = rec.generate_due(database(), acting_person(), today)
                ss["rec_last_run"] = result
                ss.pop("rec_preview", None)
                st.rerun()
            cancel.button("Cancel", key="rec_cancel", on_click=ss.pop, args=("rec_preview", None))


def last_run() -> None:
    result: rec.GenerationResult | None = ss.get("rec_last_run")
    if result is None:
        return
    st.success(result.summary())
    if len(result.orders):
        st.markdown("**Orders just generated** (select one to open it)")
        open_order(result.orders, "rec_new_orders",
                   ["Order ID", "Client", "Period Start", "Shipment", "Shipments", "Grams", "Total Due", "Carrier"])
    if len(result.skipped):
        st.markdown("**Skipped**")
        shown = result.skipped.copy()
        shown["Period Start"] = [formatting.date(v) for v in result.skipped["Period Start"]]
        st.dataframe(shown, hide_index=True, width="stretch", key="rec_skipped")


def filters() -> rec.TemplateQuery:
    status, due, search = st.columns([2, 1.3, 3], vertical_alignment="bottom")
    status.radio("Show", rec.STATUS_FILTERS, key="rec_status", horizontal=True)
    due.checkbox("Due this week", key="rec_due_week", help="Enabled, next order within the next 7 days")
    search.text_input("Search by client", key="rec_search", placeholder="Client name or client ID")
    q = rec.TemplateQuery(status=ss.get("rec_status", "All"), due_this_week=bool(ss.get("rec_due_week")),
                          search=ss.get("rec_search", ""), page_size=PAGE_SIZE)
    signature = (q.status, q.due_this_week, q.search)
    if ss.get("rec_signature") != signature:
        ss["rec_signature"] = signature
        ss["rec_page"] = 1
    return rec.TemplateQuery(**{**q.__dict__, "page": ss.get("rec_page", 1)})


def template_table(q: rec.TemplateQuery) -> None:
    page = rec.list_templates(cursor(), q, acting_person())
    if page.query.page > page.pages:
        ss["rec_page"] = page.pages
        page = rec.list_templates(cursor(), rec.TemplateQuery(**{**q.__dict__, "page": page.pages}), acting_person())
    st.caption(f"{formatting.count_label(page.total, 'recurring order')} · select one to open its client's "
               "Recurring Order tab")
    if page.rows.empty:
        st.info("No recurring order matches these filters.")
        return
    event = st.dataframe(
        template_rows(page.rows), hide_index=True, width="stretch", key="rec_table",
        column_order=rec.TEMPLATE_COLUMNS, on_select="rerun", selection_mode="single-row",
        height=min(38 + 35 * len(page.rows), 38 + 35 * 20), column_config=TEMPLATE_WIDTHS,
    )
    if event.selection.rows:
        client_id = int(page.rows.iloc[event.selection.rows[0]]["Client ID"])
        st.switch_page("pages/client.py", query_params={"id": str(client_id), "tab": "recurring"})
    pager("rec_page", page.pages, key="rec")


def main() -> None:
    today = dt.date.today()
    cur = cursor()
    st.title("Recurring Orders")
    render_job_failure()
    due, enabled, _ = st.columns([1, 1, 3])
    due.metric("Due in the next 7 days", f"{rec.count_due(cur, today):,}")
    all_page = rec.list_templates(cur, rec.TemplateQuery(status="Enabled", page_size=1), acting_person())
    enabled.metric("Enabled", f"{all_page.total:,}")
    generate_panel(today)
    last_run()
    template_table(filters())
    st.subheader("Generated orders")
    recent = rec.generated_orders(cur, acting_person(), limit=25)
    if recent.empty:
        st.caption("No order has been generated from a recurring order yet.")
    else:
        st.caption("The latest orders made from recurring orders; select one to open its Order Profile.")
        open_order(recent, "rec_recent",
                   ["Order ID", "Client", "Period Start", "Quantity", "Total Due", "Created At", "Status", "Carrier"])


frame.run("Recurring Orders", main)
