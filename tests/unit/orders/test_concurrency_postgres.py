"""Two app servers on one PostgreSQL database, each creating an order for one client at the same moment.

Each "server" is a ``PostgresDatabase`` of its own (its own pool, its own connections), as two app
processes would be. A barrier forces the worst interleaving, as in ``test_concurrency``: both writers
have started their transaction and read the client's period before either holds the allowance ledger
row. The rule must then hold: one order commits, the other is refused with the reason, and the ledger
says what the period counts. The control test takes the ledger away and shows the same interleaving
then breaks the rule, so the barrier really forces the race.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest

from orders_core.orders import allowance_ledger, lifecycle, ordering
from orders_core.orders.drafts import DraftLine, OrderDraft, OrderRefused
from orders_core.orders.ordering import create_order
from orders_core.storage.database import open_database
from orders_core.storage.reads import fetch_value
from tests.order_helpers import make_client
from tests.people import acting
from tests.races import race

pytestmark = pytest.mark.postgresql

SKU = "FL-BB-150"  # 15 g dried a unit (the demo catalogue)


@pytest.fixture
def servers(pg_db):
    """Two app servers' databases on the test's PostgreSQL database (``pg_db`` is a third)."""
    first, second = open_database(pg_db.url, create=False), open_database(pg_db.url, create=False)
    yield first, second
    first.close()
    second.close()


@pytest.fixture
def client(pg_db) -> int:
    """5 g a day: 150 g per period and per shipment."""
    return make_client(pg_db.cursor(), gpd="5")


def _draft(client_id: int, units: int) -> OrderDraft:
    return OrderDraft(client_id, [DraftLine(SKU, units)], carrier="Canada Post", placed_by="Client",
                      return_policy_agreed=True)


def _grams(db, client_id: int) -> tuple[Decimal, Decimal | None]:
    cur = db.cursor()
    counted = fetch_value(cur, "SELECT coalesce(sum(grams), 0) FROM orders WHERE client_id = ? "
                               "AND status <> 'Cancelled'", [client_id])
    ledger = fetch_value(cur, "SELECT grams FROM allowance_ledger WHERE client_id = ?", [client_id])
    return counted, ledger


class ReadThenWait:
    """Each racing thread, in its transaction, reads the client's orders, then waits for the other one."""

    def __init__(self):
        self.barrier = threading.Barrier(2, timeout=30)
        self.local = threading.local()

    def __call__(self, cur, client_id: int) -> None:
        if threading.current_thread() is not threading.main_thread() and not getattr(self.local, "done", False):
            self.local.done = True
            cur.execute("SELECT count(*), sum(grams) FROM orders WHERE client_id = ?", [client_id]).fetchall()
            self.barrier.wait()


@pytest.mark.parametrize("ledger_row_exists", [True, False])
def test_two_servers_creating_orders_for_one_client_at_once_stay_within_the_allowance(
        pg_db, servers, client, monkeypatch, ledger_row_exists):
    wait, real_claim = ReadThenWait(), allowance_ledger.claim

    def claim(cur, keys):
        if keys:
            wait(cur, keys[0].client_id)
        return real_claim(cur, keys)

    monkeypatch.setattr(allowance_ledger, "claim", claim)
    if ledger_row_exists:
        pg_db.write(lambda cur: allowance_ledger.hold(cur, client, dt.date.today()))
    one, two = servers
    outcomes = race(lambda: create_order(one, _draft(client, 6), acting("CSR on server 1")),   # 90 g
                    lambda: create_order(two, _draft(client, 6), acting("CSR on server 2")))   # 90 g
    saved = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, OrderRefused)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    [reason] = refused[0].reasons
    assert reason.startswith("The order holds 90 g, more than the 60 g left in the prescription period ")
    assert reason.endswith(" (90 g of 150 g already used).")
    assert _grams(pg_db, client) == (Decimal("90"), Decimal("90"))


def test_control_without_the_ledger_the_same_interleaving_breaks_the_rule(pg_db, servers, client, monkeypatch):
    """With no ledger row held, the two reviews both see 150 g left, and both orders commit."""
    wait, real_review = ReadThenWait(), ordering._review_order

    def review_then_wait(cur, draft, **kw):
        review = real_review(cur, draft, **kw)
        wait(cur, draft.client_id)
        return review

    monkeypatch.setattr(allowance_ledger, "hold", lambda cur, client_id, day: None)
    monkeypatch.setattr(ordering, "_review_order", review_then_wait)
    one, two = servers
    outcomes = race(lambda: create_order(one, _draft(client, 6), acting("CSR on server 1")),
                    lambda: create_order(two, _draft(client, 6), acting("CSR on server 2")))
    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert _grams(pg_db, client)[0] == Decimal("180")  # over the 150 g: what the ledger prevents


@pytest.mark.parametrize("action", ["cancel", "edit"])
def test_two_servers_acting_on_one_order_at_once_one_wins_and_the_other_is_told_why(pg_db, servers, client, action):
    """The order's row is read with a lock: the second action waits, then re-reads what the first left."""
    order_id = create_order(pg_db, _draft(client, 2), acting("CSR"))
    barrier = threading.Barrier(2, timeout=30)

    def act(db, who):
        barrier.wait()
        if action == "cancel":
            return lifecycle.cancel_order(db, order_id, acting(who), reason="Asked by the client")
        return lifecycle.edit_order(db, order_id, acting(who), lines=[DraftLine(SKU, 3)], carrier="UPS",
                                    expected_version=1)  # both CSRs opened version 1

    one, two = servers
    outcomes = race(lambda: act(one, "CSR on server 1"), lambda: act(two, "CSR on server 2"))
    done = [o for o in outcomes if isinstance(o, lifecycle.ActionResult)]
    refused = [o for o in outcomes if isinstance(o, lifecycle.LifecycleError)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    cur = pg_db.cursor()
    assert fetch_value(cur, "SELECT version FROM orders WHERE order_id = ?", [order_id]) == 2
    assert fetch_value(cur, "SELECT count(*) FROM order_events WHERE order_id = ?", [order_id]) == 2
    if action == "cancel":
        assert refused[0].reasons == [f"Order {order_id} is Cancelled; 'Cancel' is only possible for orders that "
                                      "are Unverified or Open or Order Placed."]
        assert _grams(pg_db, client) == (Decimal("0"), Decimal("0"))
    else:
        assert isinstance(refused[0], lifecycle.StaleOrder)
        assert refused[0].reasons[0].startswith(f"Order {order_id} was changed by someone else since you opened it")
        assert _grams(pg_db, client) == (Decimal("45"), Decimal("45"))
