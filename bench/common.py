"""What the benchmarks share: a 1,000,000-order database built once, and a median timer."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from orders_core.demo.generate import generate
from orders_core.rules.roles import MANAGER
from orders_core.staff.members import DEMO_STAFF
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_value

ANCHOR = dt.date(2026, 11, 26)
# Who the benchmarks act as: a role that may make every write they time, on the staff list of every demo
# database (orders_core checks the person against the list): the demo Operations Manager.
BENCH = next(p for p in DEMO_STAFF if p.role == MANAGER)
BENCH_DIR = Path(os.environ.get("ORDERS_BENCH_DIR", "/tmp/orders-bench"))  # one per checkout if several run


def demo_database(orders: int = 1_000_000) -> Path:
    """A demo database of ``orders`` orders, generated once and reused by later runs."""
    BENCH_DIR.mkdir(exist_ok=True)
    path = BENCH_DIR / f"demo-{orders}.duckdb"
    if path.exists():
        db = Database(str(path))
        try:
            if fetch_value(db.cursor(), "SELECT count(*) FROM orders") == orders:
                return path
        finally:
            db.close()
        path.unlink()
    db = Database(str(path))
    started = time.perf_counter()
    generate(db.con, orders, anchor=ANCHOR)
    db.con.execute("CHECKPOINT")
    db.close()
    print(f"generated {orders:,} demo orders in {time.perf_counter() - started:.1f} s")
    return path


def median_ms(fn: Callable[[], object], runs: int = 15, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def table(rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def signed_in_app(role: str, timeout: float = 120):
    """An AppTest of app.py signed in as the demo staff member of ``role`` (as the identity provider
    would give ``st.user``), so a page benchmark times the page, not the sign-in page."""
    from streamlit.testing.v1 import AppTest

    from orders_core.staff.members import DEMO_STAFF

    who = next(p for p in DEMO_STAFF if p.role == role)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=timeout)
    # "iat": a sign-in of its own, as a provider's new token is: the same claims on a kept bench database would be
    # the sign-in an earlier run left there, ended since for want of activity.
    at.user = {"is_logged_in": True, "email": who.email, "name": who.name, "iat": time.time_ns()}
    return at


def check_page_shown(at) -> None:
    """Fail the benchmark when the run did not draw a signed-in page (an error, the sign-in page)."""
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    if not any("Signed in as" in m.value for m in at.sidebar.markdown):
        raise RuntimeError("the benchmark timed the sign-in or no-access page, not the page it names")
    if at.error:
        raise RuntimeError(f"the page showed an error: {at.error[0].value}")


def clients_who_can_order(cur, count: int, today: dt.date | None = None) -> list[int]:
    """``count`` distinct clients who can order ``today`` (Approved, a prescription of at least 5 g/day valid
    then), lowest client id first: writers that each take one never share a client's allowance."""
    day = today or dt.date.today()
    rows = cur.execute(
        """
        SELECT DISTINCT c.client_id FROM clients c JOIN prescriptions p USING (client_id)
        WHERE c.registration_status = 'Approved' AND p.valid_from <= ? AND p.valid_until >= ? AND p.grams_per_day >= 5
        ORDER BY c.client_id LIMIT ?
        """,
        [day, day, count],
    ).fetchall()
    if len(rows) < count:
        raise RuntimeError(f"only {len(rows)} demo clients can order on {day}, {count} needed")
    return [r[0] for r in rows]
