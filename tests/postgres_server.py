"""A throwaway PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` in a temporary folder, on a free port.

No container and no password: the cluster trusts local connections on 127.0.0.1 and is deleted at the end.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user Debian's package
creates (``runuser -u postgres``), or ``nobody`` without it; the temporary folder is given to that user.
``find_bin_dir`` looks in ``$ORDERS_TEST_PG_BIN``, then ``pg_config --bindir``, then Debian's
``/usr/lib/postgresql/<version>/bin`` (the newest), then the ``PATH``; None when there is no PostgreSQL.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

USER = "orders"


def find_bin_dir() -> Path | None:
    candidates = []
    if os.environ.get("ORDERS_TEST_PG_BIN"):
        candidates.append(Path(os.environ["ORDERS_TEST_PG_BIN"]))
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(out.stdout.strip()))
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                    if p.parent.name.isdigit() else 0, reverse=True)
    candidates += debian
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).parent)
    for d in candidates:
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    return None


def _run_as() -> tuple[list[str], str | None]:
    """The command prefix that runs the server as an unprivileged user, and that user (None: ourselves)."""
    if os.geteuid() != 0:
        return [], None
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"], user
    raise RuntimeError("running as root with neither a postgres nor a nobody user to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    """One PostgreSQL cluster in a temporary folder; ``url(dbname)`` connects to it as the trusted user."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.prefix, self.user = _run_as()
        self.dir = Path(tempfile.mkdtemp(prefix="orders-pg-"))
        self.port = 0

    def _cmd(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, text=True)

    def start(self) -> TempPostgres:
        if self.user:
            shutil.chown(self.dir, self.user)
        data = self.dir / "data"
        self._cmd(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", USER, "-E", "UTF8",
                  "--locale=C", "--no-sync")
        for _attempt in range(3):  # another process may take the free port first
            self.port = _free_port()
            options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            try:
                self._cmd(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w",
                          "-t", "60", "-o", options, "start")
                return self
            except subprocess.CalledProcessError:
                continue
        raise RuntimeError(f"PostgreSQL did not start: {(self.dir / 'log').read_text(errors='replace')[-2000:]}")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{dbname}"

    def admin(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE DATABASE, DROP DATABASE) on the maintenance database."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def stop(self) -> None:
        try:
            self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
