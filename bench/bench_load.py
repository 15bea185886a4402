"""Load bench: simulated CSR sessions on real `streamlit run` servers, without a browser.

Each session speaks Streamlit's own WebSocket protocol, as the browser does: it connects, runs the
Orders page signed in as the demo CSR, then every 0.5-2 s (random, seeded) types a search, switches the
view (All / Unverified / Archived) or goes to the next page. An interaction's time is from sending the
BackMsg to receiving script_finished. For 1, 5, 10 and 20 concurrent sessions it reports the median and
p95 interaction time, the server processes' CPU seconds per interaction (utime + stime from
/proc/PID/stat, before and after) and their resident memory (VmRSS) at the end, for one DuckDB server,
one PostgreSQL server, and two PostgreSQL servers on one database (sessions split between them), on
100,000 demo orders (``--orders``). The same run measures ``bench/minimal_page.py`` (the same widgets
and a 50-row table, nothing else) and prints the ratio of the Orders page's CPU per interaction to it
(the goal: within 1.3x). ``--quick``: 1 and 5 sessions, DuckDB and the minimal page only.

What Streamlit 1.67's server (streamlit/web/server/starlette/starlette_websocket.py) needs of a client:
- ``ws://HOST:PORT/_stcore/stream``, binary frames only: a protobuf ``BackMsg`` each, ``ForwardMsg`` back.
- An ``Origin`` naming the same host and port as the request (anything else is closed with 1008).
- ``Sec-WebSocket-Protocol: streamlit, <XSRF token>``: XSRF protection is on (``[auth]`` forces it), and
  the auth cookie is only read when that token decodes to the same bytes as the ``_streamlit_xsrf``
  cookie. The token is Streamlit's ``2|mask|masked|time`` format made here; no server secret is involved.
- The ``_streamlit_user`` cookie, signed with the demo cookie secret, whose ``origin`` is the URL the
  Origin header names (``tests/e2e/conftest.identity_cookie``).
- Nothing runs until the client sends ``rerun_script`` (a ``ClientState``: the query string, the page's
  script hash, widget states). A run answers ``new_session`` (the page's hash), deltas (the elements,
  each widget with its ``id`` and ``label``), ``page_info_changed`` (the URL the page sets, which the
  next run sends back as the browser would) and ``script_finished``.

A browser sends every widget's value on each run; a session here sends the values it has set (Show,
Search) and a button's trigger, and the server keeps the other widgets' values, which never change.
Only 127.0.0.1, bounded per level by ``--duration`` seconds and ``--max-interactions`` per session;
every server it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ANCHOR, BENCH_DIR, table

ROOT = Path(__file__).resolve().parents[1]
MINIMAL_PAGE = ROOT / "bench" / "minimal_page.py"
CLK_TCK = os.sysconf("SC_CLK_TCK")
RUN_TIMEOUT = 120  # seconds one script run may take before the bench gives up
THINK = (0.5, 2.0)  # seconds between a session's interactions
# What the sessions type in the Search box ("" clears it): names (one needing accent folding), carriers,
# an order ID's digits.
SEARCHES = ("cote", "Tremblay", "gagnon", "Roy", "Purolator", "canada post", "4217", "")
WIDGETS = ("radio", "text_input", "selectbox", "button", "toggle", "checkbox", "multiselect", "date_input")


# --------------------------------------------------------------------------- the server processes

def _stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields from the third (the state) on: the name in parentheses may hold spaces."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds the process has used (/proc/PID/stat fields 14 and 15)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid`` and its children: the live ones' own, and the exited ones' that ``pid`` has
    waited for (fields 16 and 17). For PostgreSQL: the postmaster and its backends."""
    fields = _stat(pid)
    total = sum(int(v) for v in fields[11:15]) / CLK_TCK
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                child = _stat(int(entry.name))
            except OSError:  # gone meanwhile
                continue
            if child[1] == str(pid):
                total += sum(int(v) for v in child[11:15]) / CLK_TCK
    return total


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class Served:
    """One configuration under load: its server processes, their base URLs, and the identity cookie for each."""
    name: str
    procs: list[subprocess.Popen]
    urls: list[str]
    cookies: list[str | None]
    signed_in: bool  # the Orders page: each session checks its first run shows the signed-in page
    db_cpu: Callable[[], float] | None = None  # the database server's CPU seconds so far (PostgreSQL)


def start_app(label: str, database: str, servers: int, log_dir: Path) -> Served:
    """``servers`` servers of app.py over ``database``, as the browser tests start them, each session signed
    in as the demo CSR."""
    from orders_core.staff.members import DEMO_STAFF
    from tests.e2e.conftest import identity_cookie, start_server

    csr = next(p for p in DEMO_STAFF if p.role == "CSR")
    procs, urls = [], []
    try:
        for i in range(servers):
            folder = log_dir / f"{label.replace(' ', '-')}-{i}"
            folder.mkdir()
            proc, url = start_server(database, extra_env={"ORDERS_RECURRING_JOB": "0"}, log_dir=folder)
            procs.append(proc)
            urls.append(url)
    except BaseException:
        stop(procs)
        raise
    return Served(label, procs, urls, [identity_cookie(u, csr)["value"] for u in urls], True)


def start_minimal(log_dir: Path) -> Served:
    """bench/minimal_page.py served with the same command line and configuration as the app."""
    from orders_core.serve import answers, free_port
    from tests.e2e.conftest import demo_auth_secrets

    port = free_port()
    log = log_dir / "minimal.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(MINIMAL_PAGE),
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         "--secrets.files", str(demo_auth_secrets())],
        cwd=ROOT, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    if not answers(proc, url + "/_stcore/health", 60):
        stop([proc])
        raise RuntimeError("the minimal page's server did not start: " + log.read_text(errors="replace")[-2000:])
    return Served("minimal page", [proc], [url], [None], False)


def stop(procs: list[subprocess.Popen]) -> None:
    from tests.e2e.conftest import stop_server

    for proc in procs:
        stop_server(proc)


def duckdb_demo(orders: int) -> Path:
    """The bench's own DuckDB demo of ``orders`` orders (``orders-core demo``), made once and reused; its own
    file, so a server of this bench never holds the file another bench opens."""
    from orders_core.storage.database import Database
    from orders_core.storage.reads import fetch_value

    BENCH_DIR.mkdir(exist_ok=True)
    path = BENCH_DIR / f"load-demo-{orders}.duckdb"
    if path.exists():
        try:
            db = Database(str(path), create=False)
            try:
                if fetch_value(db.cursor(), "SELECT count(*) FROM orders") == orders:
                    return path
            finally:
                db.close()
        except Exception as exc:  # an older or damaged file: made again
            print(f"remaking {path}: {exc}")
    _orders_core_demo(str(path), orders, "--force")
    return path


def _orders_core_demo(target: str, orders: int, *extra: str) -> None:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "orders_core.cli", "demo", "--orders", str(orders),  # orders-core demo
                    "--db", target, "--anchor", ANCHOR.isoformat(), *extra], check=True, cwd=ROOT)
    print(f"(orders-core demo: {orders:,} orders in {time.perf_counter() - started:.0f} s)", flush=True)


# --------------------------------------------------------------------------- a simulated session

@dataclass
class Session:
    url: str
    cookie: str | None
    rng: random.Random
    query: str = ""  # the page's URL query string, as the browser's address bar holds it
    page_hash: str = ""
    settings: dict[str, str] = field(default_factory=dict)  # widget label -> the value this session set
    widgets: dict[str, tuple[str, object]] = field(default_factory=dict)  # label -> (kind, proto), last run
    texts: list[str] = field(default_factory=list)  # the last run's markdown
    times: list[tuple[str, float]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ws: object = None

    async def open(self, signed_in: bool) -> None:
        from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string
        from websockets.asyncio.client import connect

        token = generate_xsrf_token_string()
        cookies = f"_streamlit_xsrf={token}" + (f"; _streamlit_user={self.cookie}" if self.cookie else "")
        if not self.url.startswith("http://127.0.0.1:"):
            raise ValueError(f"the load bench only connects to 127.0.0.1, not {self.url}")
        self.ws = await connect(
            "ws://" + self.url.removeprefix("http://") + "/_stcore/stream", origin=self.url,
            subprotocols=["streamlit", token], additional_headers={"Cookie": cookies}, proxy=None,
            max_size=None, open_timeout=60, ping_interval=None, close_timeout=5)
        await self.run()
        if signed_in and not any(t.startswith("Signed in as") for t in self.texts):
            raise RuntimeError(f"the session's first run did not show the signed-in page: {self.texts[:3]}")
        if self.problems:
            raise RuntimeError(f"the page's first run showed an error: {self.problems[0]}")

    async def close(self) -> None:
        await self.ws.close()

    async def run(self, trigger: str | None = None) -> float:
        """One script run with this session's widget values (and ``trigger``: a button's label, clicked);
        returns the seconds from sending it to script_finished."""
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale, info.url = "America/Toronto", 300, "en-CA", self.url + "/"
        for label, value in self.settings.items():
            widget = state.widget_states.widgets.add()
            widget.id = self.widgets[label][1].id
            widget.string_value = value
        if trigger:
            widget = state.widget_states.widgets.add()
            widget.id = self.widgets[trigger][1].id
            widget.trigger_value = True
        widgets, texts = {}, []
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        while True:
            fm = ForwardMsg.FromString(await asyncio.wait_for(self.ws.recv(), RUN_TIMEOUT))
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = fm.new_session.page_script_hash
                widgets, texts = {}, []  # a new run (also after a rerun the page asked for)
            elif kind == "page_info_changed":
                self.query = fm.page_info_changed.query_string
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                element = fm.delta.new_element
                what = element.WhichOneof("type")
                if what in WIDGETS:
                    proto = getattr(element, what)
                    widgets[proto.label] = (what, proto)
                elif what == "markdown":
                    texts.append(element.markdown.body)
                elif what == "exception":
                    self.problems.append(f"{element.exception.type}: {element.exception.message}")
                elif what == "alert" and element.alert.format == Alert.ERROR:
                    self.problems.append(element.alert.body)
            elif kind in ("page_not_found", "auth_redirect"):
                self.problems.append(kind)
            elif kind == "script_finished":
                if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the page asked for a rerun: its next run follows
                break
        elapsed = time.perf_counter() - started
        self.widgets, self.texts = widgets, texts
        return elapsed

    def choose(self) -> tuple[str, str | None]:
        """The next interaction (search, view or next) and, for a button, its label."""
        actions = ["search", "view"]
        nxt = self.widgets.get("Next ›")
        if nxt and not nxt[1].disabled:
            actions.append("next")
        action = self.rng.choice(actions)
        if action == "search":
            current = self.settings.get("Search", "")
            self.settings["Search"] = self.rng.choice([s for s in SEARCHES if s != current])
        elif action == "view":
            radio = self.widgets["Show"][1]
            current = self.settings.get("Show", radio.options[radio.default])
            self.settings["Show"] = self.rng.choice([o for o in radio.options if o != current])
        return action, ("Next ›" if action == "next" else None)

    async def interact(self, deadline: float, most: int, think: tuple[float, float] = THINK) -> None:
        while len(self.times) < most:
            await asyncio.sleep(self.rng.uniform(*think))
            if time.perf_counter() >= deadline:
                return
            action, trigger = self.choose()
            self.times.append((action, await self.run(trigger)))


# --------------------------------------------------------------------------- one level of load

@dataclass
class Level:
    sessions: int
    times: list[float]
    cpu_s: float
    wall_s: float
    rss: list[float]
    problems: list[str]
    actions: dict[str, list[float]]
    db_cpu_s: float | None = None
    client_cores: float = 0.0  # this bench's own CPU seconds per second meanwhile (the simulated sessions)

    @property
    def count(self) -> int:
        return len(self.times)

    @property
    def cpu_ms(self) -> float:
        return self.cpu_s / max(self.count, 1) * 1000


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]


async def warm_up(served: Served) -> None:
    """A session of a few quick interactions on each server first, so no level times a server's first
    imports and caches."""
    for url, cookie in zip(served.urls, served.cookies, strict=True):
        session = Session(url, cookie, random.Random(0))
        await session.open(served.signed_in)
        await session.interact(time.perf_counter() + 60, 6, think=(0, 0))
        await session.close()


async def level(served: Served, sessions: int, duration: float, most: int, seed: int) -> Level:
    pool = [Session(served.urls[i % len(served.urls)], served.cookies[i % len(served.urls)],
                    random.Random(seed * 1000 + i)) for i in range(sessions)]
    await asyncio.gather(*(s.open(served.signed_in) for s in pool))  # connected and drawn: not measured
    pids = [p.pid for p in served.procs]
    cpu_before = sum(cpu_seconds(p) for p in pids)
    db_before = served.db_cpu() if served.db_cpu else None
    client_before = time.process_time()
    started = time.perf_counter()
    try:
        await asyncio.gather(*(s.interact(started + duration, most) for s in pool))
        wall = time.perf_counter() - started
        cpu = sum(cpu_seconds(p) for p in pids) - cpu_before
        db_cpu = served.db_cpu() - db_before if served.db_cpu else None
        rss = [rss_mb(p) for p in pids]
        client = (time.process_time() - client_before) / wall
    finally:
        await asyncio.gather(*(s.close() for s in pool), return_exceptions=True)
    times = [t for s in pool for _, t in s.times]
    actions: dict[str, list[float]] = {}
    for s in pool:
        for action, t in s.times:
            actions.setdefault(action, []).append(t)
    return Level(sessions, times, cpu, wall, rss, [p for s in pool for p in s.problems], actions, db_cpu, client)


async def idle_cpu(served: Served, seconds: float = 3) -> float:
    """The servers' CPU seconds per second with no session connected (what every level's figure includes)."""
    pids = [p.pid for p in served.procs]
    before = sum(cpu_seconds(p) for p in pids)
    await asyncio.sleep(seconds)
    return (sum(cpu_seconds(p) for p in pids) - before) / seconds


async def measure(served: Served, counts: list[int], duration: float, most: int, seed: int) -> list[Level]:
    await warm_up(served)
    idle = await idle_cpu(served)
    print(f"  {served.name}: idle server CPU {idle * 1000:.1f} ms per second", flush=True)
    results = []
    for n in counts:
        result = await level(served, n, duration, most, seed)
        each = ", ".join(f"{a} {statistics.median(t) * 1000:.0f}" for a, t in sorted(result.actions.items()))
        print(f"  {served.name}, {n} sessions: {result.count} interactions, "
              f"median {statistics.median(result.times) * 1000:.0f} ms ({each}), "
              f"CPU {result.cpu_ms:.0f} ms per interaction; the bench's own sessions used "
              f"{result.client_cores:.3f} cores", flush=True)
        results.append(result)
    return results


# --------------------------------------------------------------------------- the run

def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_load", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1 and 5 sessions, DuckDB and the minimal page only (about a minute)")
    parser.add_argument("--orders", type=int, default=100_000, help="demo orders (default 100,000)")
    parser.add_argument("--sessions", type=int, nargs="+", help="the session counts (default 1 5 10 20)")
    parser.add_argument("--duration", type=float, help="seconds of interactions per level (default 40; quick 12)")
    parser.add_argument("--max-interactions", type=int, default=200, help="per session and level (default 200)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--engines", nargs="+", choices=("duckdb", "postgresql", "postgresql-2"),
                        help="the configurations besides the minimal page (default all; quick duckdb)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv or [])  # `make bench` (bench/run_all.py) calls main() with no arguments: the full run
    counts = args.sessions or ([1, 5] if args.quick else [1, 5, 10, 20])
    engines = args.engines or (["duckdb"] if args.quick else ["duckdb", "postgresql", "postgresql-2"])
    duration = args.duration or (12 if args.quick else 40)
    if any(n < 1 or n > 50 for n in counts):
        raise SystemExit("sessions: between 1 and 50")
    from tests.postgres_server import find_bin_dir

    if any(e.startswith("postgresql") for e in engines) and find_bin_dir() is None:
        print("PostgreSQL is not installed (no initdb/pg_ctl), so only DuckDB is measured: install Debian's "
              "postgresql package for the PostgreSQL rows")
        engines = [e for e in engines if not e.startswith("postgresql")]
    results: dict[str, list[Level]] = {}
    postgres = None
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="orders-load-") as folder:
        logs = Path(folder)
        try:
            configs = ["minimal", *engines]
            for config in configs:
                if config == "minimal":
                    served = start_minimal(logs)
                elif config == "duckdb":
                    served = start_app("DuckDB, 1 server", str(duckdb_demo(args.orders)), 1, logs)
                else:
                    if postgres is None:
                        postgres = postgres_demo(args.orders)
                    two = config == "postgresql-2"
                    served = start_app(f"PostgreSQL, {2 if two else 1} server{'s' if two else ''}",
                                       postgres.url("orders_load"), 2 if two else 1, logs)
                    served.db_cpu = postmaster_cpu(postgres)
                try:
                    results[served.name] = asyncio.run(measure(served, counts, duration, args.max_interactions,
                                                               args.seed))
                finally:
                    stop(served.procs)
        finally:
            if postgres is not None:
                postgres.stop()
    report(results, args.orders)
    print(f"machine: {os.cpu_count()} cores; load average (1 min) {load_before:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end (other processes share the cores)")


def postgres_demo(orders: int):
    """A throwaway PostgreSQL server with the demo loaded (``orders-core demo --db postgresql://...``)."""
    from tests.postgres_server import TempPostgres, find_bin_dir

    server = TempPostgres(find_bin_dir()).start()
    try:
        server.admin("CREATE DATABASE orders_load")
        _orders_core_demo(server.url("orders_load"), orders)
    except BaseException:
        server.stop()
        raise
    return server


def postmaster_cpu(server) -> Callable[[], float]:
    """The CPU seconds so far of the PostgreSQL server of ``server`` (a TempPostgres): its postmaster's tree."""
    pid = int((server.dir / "data" / "postmaster.pid").read_text().split()[0])
    return lambda: tree_cpu_seconds(pid)


def report(results: dict[str, list[Level]], orders: int) -> None:
    minimal = {lv.sessions: lv for lv in results.get("minimal page", [])}
    rows = []
    for name, levels in results.items():
        for lv in levels:
            base = minimal.get(lv.sessions)
            ratio = f"{lv.cpu_ms / base.cpu_ms:.2f}x" if base and name != "minimal page" and base.cpu_ms else ""
            db = f"{lv.db_cpu_s / max(lv.count, 1) * 1000:.0f}" if lv.db_cpu_s is not None else ""
            rows.append((name, lv.sessions, lv.count, f"{statistics.median(lv.times) * 1000:.0f}",
                         f"{p95(lv.times) * 1000:.0f}", f"{lv.cpu_ms:.0f}", db, f"{lv.cpu_s / lv.wall_s:.2f}",
                         " + ".join(f"{r:.0f}" for r in lv.rss), ratio, len(lv.problems)))
    print(f"\nLoad: simulated CSR sessions over Streamlit's WebSocket protocol, an interaction every "
          f"{THINK[0]}-{THINK[1]} s (search, view, next page); Orders page on {orders:,} demo orders")
    print(table(rows, ("configuration", "sessions", "interactions", "median ms", "p95 ms", "CPU ms",
                       "PG CPU ms", "cores", "RSS MB", "CPU vs minimal", "errors")))
    print("CPU ms: the Streamlit server processes' CPU per interaction (both servers' together for two); PG CPU ms:\n"
          "the PostgreSQL server's (postmaster and backends) per interaction; cores: the Streamlit servers' CPU\n"
          "seconds per second; RSS MB: each Streamlit server's resident memory at the level's end; CPU vs minimal:\n"
          "CPU ms over the minimal page's at the same number of sessions; errors: runs that showed an error.")
    ratios = [lv.cpu_ms / minimal[lv.sessions].cpu_ms for name, levels in results.items()
              if name != "minimal page" for lv in levels if lv.sessions in minimal and minimal[lv.sessions].cpu_ms]
    if ratios:
        print(f"CPU per interaction, Orders page / minimal page: {min(ratios):.2f}x to {max(ratios):.2f}x "
              "(goal: within 1.3x)")
    problems = [p for levels in results.values() for lv in levels for p in lv.problems]
    if problems:
        print(f"{len(problems)} runs showed an error, for example: {problems[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
