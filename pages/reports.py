"""Reports: the month's reports to Health Canada (section 297, CTLS sales, health care practitioners) for
Operations Managers and Administrators: see them, download them (CSV, one-page PDF), the ids behind any
figure, and mark a report as submitted; a submitted report whose data changed says so, figure by figure.

Every figure and file comes from ``orders_core.reports.monthly`` (aggregated in SQL); this page only draws.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from orders_core.reports import monthly
from orders_core.reports.monthly import access as monthly_access
from orders_core.reports.monthly.figures import CTLS, PRACTITIONERS, S297
from orders_core.reports.monthly.months import Month, first_order_month
from orders_core.rules import formatting
from orders_core.rules.roles import may
from ui import frame, url_state
from ui.components.links import table_html
from ui.session import acting_person, cursor, database, download_for, viewer
from ui.text import literal

ss = st.session_state
CTLS_CAPTION = "CTLS sales for medical purposes (the Orders column opens the orders behind each row)"
S297_LABELS = {
    "valid_registrations": "Clients with a valid registration on the last day (s. 297(1)(a))",
    "documents_transferred_or_returned": "Clients whose medical document was transferred or returned (s. 297(1)(b))",
    "documents_transferred": "… of which transferred to another holder of a licence for sale",
    "documents_returned": "… of which returned to the client",
}
S297_GRAMS = {  # s. 297(1)(c), of the documents behind the registrations valid on the last day
    "average_daily_grams": "Average daily quantity of dried cannabis (s. 297(1)(c)(i))",
    "median_daily_grams": "Median daily quantity of dried cannabis (s. 297(1)(c)(ii))",
    "highest_daily_grams": "Highest daily quantity of dried cannabis (s. 297(1)(c)(iii))",
}


def months(today: dt.date) -> list[Month]:
    """Every month that can be reported, newest first (the last complete month first)."""
    first = first_order_month(cursor())
    last = monthly.last_complete_month(today)
    out = []
    while first is not None and last >= first:
        out.append(last)
        last = last.previous()
    return out


def pick_month(today: dt.date) -> Month | None:
    choices = months(today)
    if not choices:
        st.info("There is no complete month with orders yet: the reports start with the first month that has ended.")
        return None
    wanted = st.query_params.get("month")
    labels = [str(m) for m in choices]
    if "reports_month" not in ss or ss.get("reports_url") != wanted:
        ss["reports_month"] = wanted if wanted in labels else labels[0]
        ss["reports_url"] = wanted
    chosen = st.selectbox("Month", labels, key="reports_month", format_func=lambda t: monthly.parse_month(t).label())
    if st.query_params.get("month") != chosen:
        st.query_params["month"] = chosen
        ss["reports_url"] = chosen
    return monthly.parse_month(chosen)


def file_button(label: str, report: str, month: Month, fmt: str, today: dt.date, key: str) -> None:
    mime = {"csv": "text/csv", "json": "application/json", "pdf": "application/pdf"}[fmt]
    st.download_button(label, download_for(monthly_access.VIEW, lambda cur, who: monthly.export_for(
        cur, report, month, fmt, today, who)), file_name=f"{report if fmt != 'pdf' else 'monthly-reports'}-{month}.{fmt}",
        mime=mime, key=key, on_click="ignore", icon=":material/download:")


def behind_button(label: str, report: str, month: Month, key: tuple, today: dt.date, widget_key: str) -> None:
    st.download_button(label, download_for(monthly_access.VIEW, lambda cur, who: monthly.behind_csv_for(
        cur, report, month, key, today, who)[1]), file_name=f"{report}-{month}-ids.csv", mime="text/csv",
        key=widget_key, on_click="ignore", icon=":material/list:")


def submitted_panel(reports: monthly.MonthlyReports, report: str, today: dt.date) -> None:
    last, diffs = monthly.submitted_state_for(cursor(), reports, report)
    if last is not None:
        said = (f"Marked as submitted on {formatting.timestamp(last.submitted_at)} by "
                f"{literal(last.submitted_by)} ({literal(last.submitted_by_email)}).")
        if diffs:
            st.warning(f"**Changed since submitted.** {said} These figures differ now; file a correction with "
                       "Health Canada, then mark the report as submitted again.")
            st.dataframe(pd.DataFrame([{"Figure": d.figure, "Submitted": str(d.before), "Now": str(d.after)}
                                       for d in diffs]), hide_index=True, width="stretch", key=f"diff_{report}")
        else:
            st.success(said + " The figures have not changed since.")
    if not may(viewer(), "submit_monthly_reports"):
        return
    seen = reports.fingerprint(report)
    if st.button("Mark as submitted" if last is None else "Mark as submitted again", key=f"submit_{report}"):
        try:
            monthly.mark_submitted(database(), report, reports.month, seen, today, acting_person())
        except monthly_access.submissions.StaleFigures as exc:
            st.error(str(exc))
        else:
            st.rerun()


def s297_section(reports: monthly.MonthlyReports, today: dt.date) -> None:
    f = reports.figures[S297]
    rows = [{"Figure": label, "Value": f"{f[key]:,}"} for key, label in S297_LABELS.items()]
    rows += [{"Figure": label, "Value": "none valid" if f[key] is None else formatting.grams(f[key])}
             for key, label in S297_GRAMS.items()]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="s297_table")
    st.caption(literal(f["not_made"]))
    c1, c2, c3 = st.columns(3)
    with c1:
        file_button("Section 297 (CSV)", S297, reports.month, "csv", today, "s297_csv")
    with c2:
        behind_button("Clients with a valid registration (ids)", S297, reports.month, ("valid_registrations",),
                      today, "s297_valid_ids")
    with c3:
        behind_button("Clients whose document left (ids)", S297, reports.month,
                      ("documents_transferred_or_returned",), today, "s297_released_ids")
    submitted_panel(reports, S297, today)


def ctls_section(reports: monthly.MonthlyReports, today: dt.date) -> None:
    f = reports.figures[CTLS]
    rows = f["rows"]
    if not rows:
        st.info("No cannabis was shipped or returned in this month.")
    else:
        table = pd.DataFrame([{
            "Province or territory": r["province"], "Category": r["category"], "Units sold": f"{r['units']:,}",
            "Quantity sold": f"{r['quantity']:f}", "Unit": r["unit"], "Value of sales": formatting.money(r["value"]),
            "Units returned": f"{r['returned_units']:,}", "Quantity returned": f"{r['returned_quantity']:f}",
            "Orders": "", "_row": i,
        } for i, r in enumerate(rows)])
        st.html(table_html(table, [c for c in table.columns if c != "_row"], CTLS_CAPTION,
                           {"Orders": lambda t: orders_link(reports.month, rows[t["_row"]])},
                           numeric=("Units sold", "Quantity sold", "Value of sales", "Units returned",
                                    "Quantity returned", "Orders")))
        t = f["totals"]
        st.markdown(f"Totals: **{t['units']:,}** units sold, **{t['kg']:f} kg**, **{formatting.money(t['value'])}**; "
                    f"**{t['returned_units']:,}** units returned ({t['returned_kg']:f} kg).")
    if f["unclassified_skus"]:
        st.caption(f"{f['unclassified_skus']} SKU(s) sold this month have no regulatory class recorded; their CTLS "
                   "category was taken from their product category. Set their class on the Products page.")
    c1, c2 = st.columns(2)
    with c1:
        file_button("CTLS sales (CSV)", CTLS, reports.month, "csv", today, "ctls_csv")
    with c2:
        file_button("CTLS sales (JSON)", CTLS, reports.month, "json", today, "ctls_json")
    if rows:
        labels = [f"{r['province']} / {r['category']}" for r in rows]
        picked = st.selectbox("The orders behind a row", labels, key="ctls_behind")
        row = rows[labels.index(picked)]
        behind_button(f"Order IDs behind {picked} (CSV)", CTLS, reports.month, (row["province"], row["category"]),
                      today, "ctls_ids")
    submitted_panel(reports, CTLS, today)


def orders_link(month: Month, row: dict) -> str:
    """A link to the Orders index listing exactly the orders behind one CTLS row: the URL names the figure
    (``url_state.figure_params``) and the index asks the core for its orders, archived or not."""
    figure = url_state.FigureLink(month, row["province"], row["category"])
    text = f"{row['orders']:,} sold" + (f", {row['returned_orders']:,} with returns" if row["returned_orders"] else "")
    href = "./?" + urlencode(url_state.figure_params(figure))  # the index, relative to the app's root
    return f'<a href="{escape(href)}" aria-label="Orders behind {escape(figure.label())}">{escape(text)}</a>'


def practitioners_section(reports: monthly.MonthlyReports, today: dt.date) -> None:
    f = reports.figures[PRACTITIONERS]
    st.caption(literal(f["note"]))
    if f["rows"]:
        st.dataframe(pd.DataFrame([{
            "Practitioner": r["practitioner"], "Licence": r["licence"], "Clients": r["clients"],
            "Daily quantity (g)": f"{r['daily_grams']:f}", "Average (g)": f"{r['average_daily_grams']:f}",
        } for r in f["rows"]]), hide_index=True, width="stretch", key="practitioners_table")
    file_button("Practitioners (CSV)", PRACTITIONERS, reports.month, "csv", today, "practitioners_csv")
    submitted_panel(reports, PRACTITIONERS, today)


def main() -> None:
    st.title("Reports")
    st.caption("The month's reports to Health Canada, due by the 15th: section 297 of the Cannabis Regulations and "
               "the sales part of the CTLS report. Sales count in the month the order shipped; returns in the month "
               "they were received.")
    today = dt.date.today()
    month = pick_month(today)
    if month is None:
        return
    reports = monthly.reports_for(cursor(), month, today, viewer())
    file_button("One-page summary (PDF)", S297, month, "pdf", today, "summary_pdf")
    s297, ctls, practitioners = st.tabs(["Section 297", "CTLS sales", "Health care practitioners"])
    with s297:
        s297_section(reports, today)
    with ctls:
        ctls_section(reports, today)
    with practitioners:
        practitioners_section(reports, today)


frame.run("Reports", main)
