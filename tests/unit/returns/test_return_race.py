"""Two people record returns of the last unit of a line at the same moment (real threads, forced to overlap
inside their transactions): one is saved, the other refused with the reason; on both engines.
The control test takes the per-order row (``order_return_state``) away and shows that the same interleaving
then lets both returns through, so the race test can fail."""

from __future__ import annotations

import pytest

from orders_core.returns import state
from orders_core.returns.recording import record_return
from orders_core.returns.state import ReturnRefused
from orders_core.storage.reads import fetch_value
from tests.races import meet, race
from tests.unit.returns.helpers import CSR_B, CSR_PERSON, FA_PERSON, OIL, delivered_order


def _read_returns(cur, order_id, *_):
    cur.execute("SELECT count(*) FROM order_return_lines WHERE order_id = ?", [order_id]).fetchall()


@pytest.mark.parametrize("earlier", [0, 2], ids=["first return", "after an earlier return"])
def test_two_returns_of_the_last_unit_at_once(engine_db, monkeypatch, earlier):
    db = engine_db
    order_id = delivered_order(db, [(OIL, earlier + 1, "0")], order_discount="0")
    if earlier:
        record_return(db, order_id, FA_PERSON, units={OIL: earlier}, reason="Damaged in transit")
    meeting = meet(monkeypatch, state, "claim", read=_read_returns)  # both have read before either holds the row

    outcomes = race(
        lambda: record_return(db, order_id, CSR_PERSON, units={OIL: "1"}, reason="Client request"),
        lambda: record_return(db, order_id, CSR_B, units={OIL: "1"}, reason="Wrong product"),
    )
    saved = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], ReturnRefused)
    assert "at most 0 more can be returned" in str(refused[0])
    assert meeting.calls >= 2
    cur = db.cursor()
    assert fetch_value(cur, "SELECT sum(units) FROM order_return_lines WHERE order_id = ?", [order_id]) == earlier + 1
    assert fetch_value(cur, "SELECT units_returned FROM order_return_state WHERE order_id = ?", [order_id]) == earlier + 1


@pytest.mark.breaches_on_purpose  # the control saves more units returned than shipped
@pytest.mark.parametrize("earlier", [0, 2], ids=["first return", "after an earlier return"])
def test_control_without_the_per_order_row_both_returns_of_the_last_unit_get_through(engine_db, monkeypatch, earlier):
    """The barrier really forces the race: with the order's return-state row neither claimed nor updated
    (``state.claim`` and ``state.touch`` do nothing), both writers read that one unit is left and both returns
    are saved. Each waits for the other after its read of what was returned (on PostgreSQL each statement reads
    what is committed when it runs, so a wait before that read would let one writer see the other's return)."""
    db = engine_db
    order_id = delivered_order(db, [(OIL, earlier + 1, "0")], order_discount="0")
    if earlier:
        record_return(db, order_id, FA_PERSON, units={OIL: earlier}, reason="Damaged in transit")
    monkeypatch.setattr(state, "claim", lambda cur, order_id, units_ordered: None)  # holds nothing
    monkeypatch.setattr(state, "touch", lambda cur, order_id: None)
    meeting = meet(monkeypatch, state, "returned_by_line", after=True)

    outcomes = race(
        lambda: record_return(db, order_id, CSR_PERSON, units={OIL: "1"}, reason="Client request"),
        lambda: record_return(db, order_id, CSR_B, units={OIL: "1"}, reason="Wrong product"),
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert meeting.calls == 4  # two reads by each writer, and no retry: nothing conflicted
    assert fetch_value(db.cursor(), "SELECT sum(units) FROM order_return_lines WHERE order_id = ?",
                       [order_id]) == earlier + 2  # one unit more than shipped
