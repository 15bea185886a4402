"""The Orders index on 1,000,000 orders: each interaction, the page script, the server's memory.

Beside each interaction, the same done the usual Streamlit way (every order loaded into pandas,
filtered and sorted there), with the ratio.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path

import pandas as pd

from bench.common import BENCH, check_page_shown, demo_database, median_ms, signed_in_app, table
from orders_core.orders.access import list_orders_for
from orders_core.orders.index import OrderQuery
from orders_core.orders.index_search import TRACKING_MIN_CHARS
from orders_core.rules.search_text import fold
from orders_core.serve import answers
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_frame
from orders_core.storage.schema import STATUSES

ROOT = Path(__file__).resolve().parents[1]

INTERACTIONS = [
    ("All, newest first", OrderQuery()),
    ("Unverified view", OrderQuery(view="Unverified")),
    ("Archived view", OrderQuery(view="Archived")),
    ("Sort by Order ID ascending", OrderQuery(sort="Order ID", descending=False)),
    ("Sort by Status", OrderQuery(sort="Status", descending=False)),  # as a click on Status sorts: Unverified first
    ("Sort by Status, Cancelled first", OrderQuery(sort="Status")),
    ("Search client name 'cote'", OrderQuery(search="cote")),
    ("Search order id '612345'", OrderQuery(search="612345")),
    ("Search carrier 'purolator'", OrderQuery(search="purolator")),
    ("Search tracking 'pu00012345'", OrderQuery(search="pu00012345")),
    ("Filter Shipped + UPS, 2025", OrderQuery(statuses=("Shipped", "Delivered"), carriers=("UPS",),
                                              created_from=dt.date(2025, 1, 1), created_to=dt.date(2025, 12, 31))),
    ("Page 500 of All", OrderQuery(page=500)),
]


def pandas_way(frame: pd.DataFrame, q: OrderQuery) -> pd.DataFrame:
    """What a typical Streamlit app does: filter and sort the whole DataFrame in memory."""
    f = frame[frame["archived_at"].notna()] if q.view == "Archived" else frame[frame["archived_at"].isna()]
    if q.view == "Unverified":
        f = f[f["Status"] == "Unverified"]
    if q.statuses:
        f = f[f["Status"].isin(q.statuses)]
    if q.carriers:
        f = f[f["Carrier"].isin(q.carriers)]
    if q.created_from:
        f = f[f["Created At"] >= pd.Timestamp(q.created_from)]
    if q.created_to:
        f = f[f["Created At"] < pd.Timestamp(q.created_to) + pd.Timedelta(days=1)]
    if q.search:
        needle = fold(q.search)
        hit = f["name_key"].str.contains(needle, regex=False) | f["Carrier"].fillna("").str.lower().str.contains(needle, regex=False)
        if len(q.search) >= TRACKING_MIN_CHARS and any(ch.isdigit() for ch in q.search):
            hit |= f["tracking_number"].fillna("").str.contains(q.search.upper(), regex=False)
        if q.search.isdigit():
            hit |= f["Order ID"] == int(q.search)
        f = f[hit]
    if q.sort == "Status":  # in the lifecycle's order, then newest first (index._order_by)
        f = f.sort_values(["Status", "Created At", "Order ID"], ascending=[not q.descending, False, False])
    else:
        f = f.sort_values([q.sort, "Order ID"], ascending=not q.descending)
    start = (q.page - 1) * q.page_size
    return f.iloc[start:start + q.page_size].assign(total=len(f))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def page_script_ms(path: Path) -> float:
    os.environ["ORDERS_DB"] = str(path)
    os.environ["ORDERS_RECURRING_JOB"] = "0"  # the daily job would add today's due orders to the shared demo file
    at = signed_in_app("CSR", timeout=60)
    at.run()
    check_page_shown(at)

    def rerun():
        at.run()
        check_page_shown(at)

    try:
        return median_ms(rerun, runs=10, warmup=1)
    finally:
        import streamlit as st

        st.cache_resource.clear()  # closes the page's Database: the server of server_memory opens the file next


def server_memory(path: Path) -> tuple[float, float]:
    """Resident memory of `streamlit run` after start-up, and after a signed-in CSR browses the index
    (through the demo sign-in, as ``make run`` serves it)."""
    import tempfile

    from playwright.sync_api import sync_playwright

    from orders_core.serve import start_demo_provider, streamlit_args, write_demo_secrets
    from orders_core.staff.members import DEMO_STAFF
    from tests.e2e.conftest import sign_in, wait_for_app

    port = 8765
    provider, provider_url = start_demo_provider()
    with tempfile.TemporaryDirectory(prefix="bench-auth-") as folder:
        secrets_file = write_demo_secrets(Path(folder) / "secrets.toml", provider_url, "127.0.0.1")
        proc = subprocess.Popen(streamlit_args(port, "127.0.0.1", secrets_file), cwd=ROOT,
                                env={**os.environ, "ORDERS_DB": str(path), "ORDERS_RECURRING_JOB": "0"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            if not answers(proc, url + "/_stcore/health", 60):
                raise RuntimeError("the benchmark's streamlit server did not start")
            idle = rss_mb(proc.pid)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page()
                sign_in(page, url, next(p for p in DEMO_STAFF if p.role == "CSR"))
                for suffix in ["/", "/?view=Unverified", "/?view=Archived", "/?q=cote", "/?sort=status", "/?page=300"]:
                    page.goto(url + suffix)
                    wait_for_app(page)
                    if page.get_by_text("Signed in as").count() == 0:
                        raise RuntimeError(f"the benchmark's browser is not signed in at {suffix}")
                browser.close()
            return idle, rss_mb(proc.pid)
        finally:
            for p in (proc, provider):
                p.terminate()
                p.wait(timeout=20)


def main() -> None:
    path = demo_database()
    db = Database(str(path))
    cur = db.cursor()
    started = time.perf_counter()
    frame = fetch_frame(cur, """
        SELECT o.order_id AS "Order ID", c.name AS "Client", c.name_key, o.grams AS "Quantity",
               o.total_due AS "Total Due", o.created_at AS "Created At", o.shipped_on AS "Shipped On",
               o.status::VARCHAR AS "Status", o.carrier AS "Carrier", o.tracking_number, o.archived_at
        FROM orders o JOIN clients c USING (client_id)""")
    frame["Status"] = pd.Categorical(frame["Status"], categories=STATUSES, ordered=True)
    load_s = time.perf_counter() - started
    rows = []
    for label, q in INTERACTIONS:
        ours = median_ms(lambda q=q: list_orders_for(cur, q, BENCH))
        theirs = median_ms(lambda q=q: pandas_way(frame, q), runs=5, warmup=1)
        assert list(list_orders_for(cur, q, BENCH).rows["Order ID"]) == list(pandas_way(frame, q)["Order ID"]), label
        rows.append((label, f"{ours:.1f}", f"{theirs:.1f}", f"{theirs / ours:.0f}x"))
    db.close()
    print("\nOrders index on 1,000,000 orders (median ms; count and page together)")
    print(table(rows, ("interaction", "orders_core", "pandas in memory", "ratio")))
    print(f"pandas way: loading every order into a DataFrame first takes {load_s:.1f} s")
    print(f"Orders page script run (AppTest, median of 10): {page_script_ms(path):.0f} ms")
    idle, used = server_memory(path)
    print(f"streamlit server resident memory: {idle:.0f} MB at start, {used:.0f} MB after browsing the index")


if __name__ == "__main__":
    main()
