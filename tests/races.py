"""Writers at the same moment, for real: threads that are forced to overlap inside their transactions.

Starting two threads together is not enough: the first may commit before the second begins, and the test
then passes whether or not the database guards anything. ``meet`` makes every racing thread stop once, at
one point inside its transaction (after it has read what it will check), until all of them are there.
Then no writer can commit before the others have read, so a database that did not guard the rule would let
every one of them commit; and threads that ran one after the other could not pass the barrier at all (it
breaks after ``BARRIER_TIMEOUT`` seconds and the test fails). Each thread waits only on its first call:
a retry of its transaction runs straight through.

Give each racing writer a person of its own (``acting("CSR A")``, ``acting("CSR B")``): two writers acting as
one person new to the database both put that person on its staff list and conflict on that row, a conflict
that is not the guard under test.

``race`` runs the writers in threads and returns each one's result or exception; every thread is joined
with a timeout and must have finished (a deadlock fails the test instead of hanging the run).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

JOIN_TIMEOUT = 60  # seconds a racing thread may take in all
BARRIER_TIMEOUT = 30  # seconds a racing thread waits at a barrier for the others


def join_all(threads: list[threading.Thread], timeout: float = JOIN_TIMEOUT) -> None:
    """Join every thread, each within ``timeout`` seconds, and assert that all of them have finished."""
    for t in threads:
        t.join(timeout)
    alive = [t.name for t in threads if t.is_alive()]
    assert not alive, f"still running after {timeout} s (a deadlock?): {alive}"


def race(*writers: Callable[[], object]) -> list:
    """Run the writers in threads at once; each outcome is its result or the exception it raised."""
    outcomes: list = [None] * len(writers)

    def run(i, writer):
        try:
            outcomes[i] = writer()
        except Exception as exc:  # the refused writer's reason is asserted by the test
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i, w), name=f"writer {i + 1}") for i, w in enumerate(writers)]
    for t in threads:
        t.start()
    join_all(threads)
    return outcomes


class Meeting:
    """A barrier each racing thread (never the main thread) passes once, on its first ``wait_once``."""

    def __init__(self, parties: int = 2, timeout: float = BARRIER_TIMEOUT):
        self.barrier = threading.Barrier(parties, timeout=timeout)
        self.local = threading.local()
        self.calls = 0  # calls of the function ``meet`` wraps, from every thread (retries included)

    def wait_once(self) -> None:
        if threading.current_thread() is threading.main_thread() or getattr(self.local, "waited", False):
            return
        self.local.waited = True
        self.barrier.wait()


def meet(monkeypatch, owner, name: str, *, parties: int = 2, read: Callable | None = None,
         after: bool = False) -> Meeting:
    """Wrap ``owner.name`` (a step inside a write) so that each racing thread, on its first call, waits there
    for the others: before the real call, after ``read(*args, **kwargs)`` (a read in the same transaction,
    so the writer has seen what it will check); or with ``after``, once the real call has returned."""
    meeting, real = Meeting(parties), getattr(owner, name)

    def wrapped(*args, **kwargs):
        meeting.calls += 1
        if after:
            result = real(*args, **kwargs)
            meeting.wait_once()
            return result
        if read is not None and not getattr(meeting.local, "waited", False):
            read(*args, **kwargs)
        meeting.wait_once()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapped)
    return meeting


class Interleave(Meeting):
    """Each racing thread, on its first allowance claim, reads the client's orders (its snapshot) then waits
    for the other, so both have read what the client's period holds before either holds the ledger row."""

    def wait_once(self, cur=None, keys=()) -> None:
        if keys and threading.current_thread() is not threading.main_thread() \
                and not getattr(self.local, "waited", False):
            cur.execute("SELECT count(*), sum(grams) FROM orders WHERE client_id = ?", [keys[0].client_id]).fetchall()
            super().wait_once()


def interleave_claims(monkeypatch) -> Interleave:
    """Make every racing writer read the client's period before any of them holds the ledger row
    (``allowance_ledger.claim`` waits for the other racing thread on its first call in each thread)."""
    from orders_core.orders import allowance_ledger

    forced, real_claim = Interleave(), allowance_ledger.claim

    def claim(cur, keys):
        forced.calls += 1
        forced.wait_once(cur, keys)
        return real_claim(cur, keys)

    monkeypatch.setattr(allowance_ledger, "claim", claim)
    return forced
