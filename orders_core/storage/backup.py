"""`orders-core backup`: a consistent copy of the DuckDB database, also while the app is running.

DuckDB lets one process hold the file read-write, and while the app runs its server is that process:
no other program may read the file, and copying its bytes could catch a write half done. So:

- The file is free: the command opens it read-only and writes the copy itself.
- The app holds it: the command leaves a request beside the database (``<db>.backup-request``: the
  target file, who asks, a request id) and waits; the app's server looks for a request every
  ``POLL_SECONDS`` (``BackupService``, started with the process's database by ``ui/session.py``), writes
  the copy through its own connection and answers in ``<db>.backup-answer-<id>``. The command prints the
  answer; without one within ``WAIT_SECONDS`` it says so, and nothing is written.

Either way the copy is one snapshot (DuckDB's ``COPY FROM DATABASE`` in one transaction: every table with
its keys and CHECKs, the ENUM types and the sequences where they stand), written under a temporary name
and renamed when complete, so a half-written backup never carries the target's name.

Decisions the requirements left open:
- Only an Administrator may make a backup (it holds every client's personal health information): the
  role table's ``backup`` row, checked against the staff list by whichever process writes the copy.
- The target must be a new file in an existing folder: a backup never replaces a file.
- PostgreSQL has its own tools (``pg_dump``, point-in-time recovery; README "Deploying"): the command
  says so in one sentence for a ``postgresql://`` URL.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path

from orders_core.rules.refusals import Refused
from orders_core.storage.reads import fetch_value

POLL_SECONDS = 2.0
WAIT_SECONDS = 120.0


class BackupRefused(Refused):
    """A backup that cannot be made as asked, in one sentence."""


def target_problem(target: Path) -> str | None:
    """Why ``target`` cannot take a new backup (None: it can)."""
    if target.exists():
        return f"{target} already exists; a backup never replaces a file, so give a new file name."
    if not target.parent.is_dir():
        return f"The folder {target.parent} does not exist; make it first or give another path."
    if not os.access(target.parent, os.W_OK):
        return f"The folder {target.parent} is read-only; give a folder you may write to."
    return None


def write_copy(cur, target: Path) -> int:
    """Copy the database ``cur`` is on into the new file ``target``; returns how many orders it holds."""
    problem = target_problem(target)
    if problem:
        raise BackupRefused(problem)
    building = target.with_name(f".{target.name}.backup-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    quoted = str(building).replace("'", "''")  # ATTACH takes no parameter; the path is a literal
    source = fetch_value(cur, "SELECT current_database()")
    try:
        cur.execute(f"ATTACH '{quoted}' AS orders_backup (READ_WRITE)").fetchall()
        try:
            cur.execute(f'COPY FROM DATABASE "{source}" TO orders_backup').fetchall()
            orders = fetch_value(cur, "SELECT count(*) FROM orders_backup.orders")
        finally:
            cur.execute("DETACH orders_backup").fetchall()
        os.replace(building, target)
    finally:
        building.unlink(missing_ok=True)
        Path(f"{building}.wal").unlink(missing_ok=True)
    return orders




# --- while the app holds the database -------------------------------------------------------------

def _request_file(db_path: str) -> Path:
    return Path(f"{Path(db_path).resolve()}.backup-request")  # the same file whatever path each side was given


def _answer_file(db_path: str, request_id: str) -> Path:
    return Path(f"{Path(db_path).resolve()}.backup-answer-{request_id}")


def _write_atomically(path: Path, data: dict) -> None:
    part = path.with_name(path.name + f".{os.getpid()}.part")
    part.write_text(json.dumps(data), encoding="utf-8")
    os.replace(part, path)


def ask_the_app(db_path: str, target: Path, email: str | None, wait: float = WAIT_SECONDS) -> str:
    """Ask the app holding ``db_path`` for the backup and wait for its answer (the sentence to print)."""
    request = _request_file(db_path)
    if request.exists():
        raise BackupRefused("Another backup of this database is under way; wait for it and try again.")
    request_id = uuid.uuid4().hex
    _write_atomically(request, {"id": request_id, "target": str(target.resolve()), "email": email})
    answer = _answer_file(db_path, request_id)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if answer.exists():
            reply = json.loads(answer.read_text(encoding="utf-8"))
            answer.unlink(missing_ok=True)
            if not reply["ok"]:
                raise BackupRefused(reply["message"])
            return reply["message"]
        time.sleep(0.2)
    request.unlink(missing_ok=True)
    raise BackupRefused(f"The program holding {db_path} did not answer within {wait:.0f} s, so no backup was "
                        "made; if it is not the orders app, stop it and run the backup again.")


class BackupService:
    """In the app's server: answers the backup requests of ``orders-core backup`` (see the module docstring)."""

    def __init__(self, db, make_copy, poll: float = POLL_SECONDS):
        """``make_copy(cur, target, email)`` checks who asks and writes the copy (``cli.backup.backup_as``)."""
        self.db, self.make_copy, self.poll = db, make_copy, poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="orders-backup-requests", daemon=True)

    def start(self) -> BackupService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.poll):
            self.answer_once()

    def answer_once(self) -> bool:
        """Answer a waiting request, if there is one (True when one was answered)."""
        request = _request_file(self.db.path)
        try:
            asked = json.loads(request.read_text(encoding="utf-8"))
            request.unlink()
        except (OSError, ValueError):
            return False
        try:
            message, ok = self.make_copy(self.db.cursor(), Path(asked["target"]), asked.get("email")), True
        except Exception as exc:  # every failure is told to the command waiting for it
            message, ok = str(exc).splitlines()[0] if str(exc) else type(exc).__name__, False
        _write_atomically(_answer_file(self.db.path, str(asked.get("id"))), {"ok": ok, "message": message})
        return True
