"""The order lifecycle: every transition allowed and refused, one event each, concurrency.

Every test runs on both engines (``engine_db``: DuckDB and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orders_core.orders import lifecycle
from orders_core.orders.archive import archive_orders
from orders_core.orders.drafts import DraftLine, OrderDraft
from orders_core.orders.lifecycle import (
    TRANSITIONS,
    LifecycleError,
    StaleOrder,
    allowed_actions,
    cancel_order,
    deliver_order,
    edit_order,
    place_order,
    ship_order,
    verify_order,
)
from orders_core.orders.ordering import create_order
from orders_core.storage.reads import fetch_one, fetch_value
from orders_core.storage.schema import STATUSES
from tests.order_helpers import TODAY, make_client
from tests.people import MANAGER_PERSON, acting
from tests.races import meet, race

ACTOR = acting("Priya Nair")


@pytest.fixture
def db(engine_db):
    """Every test here runs on DuckDB (the demo copy) and on PostgreSQL (the demo catalogue)."""
    return engine_db

def new_order(db, cur, *lines: DraftLine, gpd: str = "3", carrier: str | None = "Canada Post") -> int:
    client = make_client(cur, gpd=gpd)
    lines = lines or (DraftLine("FL-PK-035", 2),)
    return create_order(db, OrderDraft(client, list(lines), placed_by="Client", return_policy_agreed=True,
                                       carrier=carrier), acting("CSR"))


def state(cur, order_id: int) -> tuple:
    return fetch_one(cur, "SELECT status::VARCHAR, version FROM orders WHERE order_id = ?", [order_id])


def events(cur, order_id: int) -> list[tuple]:
    return cur.execute("SELECT actor, kind, details FROM order_events WHERE order_id = ? ORDER BY event_id",
                       [order_id]).fetchall()


def run(action: str, db, order_id: int, **kw):
    calls = {
        "Verify": lambda: verify_order(db, order_id, ACTOR, **kw),
        "Edit": lambda: edit_order(db, order_id, ACTOR, lines=[DraftLine("FL-PK-035", 1)], **kw),
        "Place Order": lambda: place_order(db, order_id, ACTOR, payment_method="Credit card",
                                           payment_reference="PAY-1", **kw),
        "Mark as Shipped": lambda: ship_order(db, order_id, ACTOR, carrier="Purolator",
                                              tracking_number="pur 123", **kw),
        "Mark as Delivered": lambda: deliver_order(db, order_id, ACTOR, **kw),
        "Cancel": lambda: cancel_order(db, order_id, ACTOR, reason="Client asked", **kw),
    }
    return calls[action]()


def test_the_happy_path_writes_one_event_per_step(db, cur):
    order_id = new_order(db, cur)
    place_order(db, order_id, ACTOR, payment_method="Debit card", payment_reference="  INT-778 ")
    ship_order(db, order_id, ACTOR, carrier="Canada Post", tracking_number="cp 1234 5678 ca")
    deliver_order(db, order_id, ACTOR)
    row = fetch_one(cur, """SELECT status::VARCHAR, version, payment_method, payment_reference, carrier,
                            tracking_number, shipped_on, delivered_on FROM orders WHERE order_id = ?""", [order_id])
    today = dt.date.today()  # the day the steps ran (a module constant goes stale past midnight)
    assert row == ("Delivered", 4, "Debit card", "INT-778", "Canada Post", "CP12345678CA", today, today)
    ev = events(cur, order_id)
    assert [e[1] for e in ev] == ["created", "status", "status", "status"]
    assert ev[1][2] == "Open → Order Placed; paid by Debit card, reference INT-778"
    assert ev[2][2] == f"Order Placed → Shipped on {today:%Y-%m-%d} by Canada Post, tracking CP12345678CA"
    assert ev[3][2] == f"Shipped → Delivered on {today:%Y-%m-%d}"
    assert all(e[0] == ACTOR.name for e in ev[1:])
    assert cur.execute("SELECT DISTINCT actor_email FROM order_events WHERE order_id = ? AND kind = 'status'",
                       [order_id]).fetchall() == [(ACTOR.email,)]


# The matrix is Python over one SQL path that the other tests run on PostgreSQL too: DuckDB only, to keep CI short.
@pytest.mark.parametrize("engine_db", ["duckdb"], indirect=True)
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_action_in_every_status(db, cur, status, action):
    order_id = new_order(db, cur)
    cur.execute("UPDATE orders SET status = ?, carrier = 'UPS', shipped_on = ? WHERE order_id = ?",
                [status, TODAY - dt.timedelta(days=1) if status in ("Shipped", "Delivered") else None, order_id])
    starts, to = TRANSITIONS[action]
    before = len(events(cur, order_id))
    if status in starts:
        result = run(action, db, order_id)
        assert state(cur, order_id) == (to, 2)
        assert result.status == to
        assert len(events(cur, order_id)) == before + 1
        assert action in allowed_actions(status)
    else:
        with pytest.raises(LifecycleError) as refused:
            run(action, db, order_id)
        assert refused.value.reasons == [
            f"Order {order_id} is {status}; '{action}' is only possible for orders that are {' or '.join(starts)}."
        ]
        assert state(cur, order_id) == (status, 1)
        assert len(events(cur, order_id)) == before
        assert action not in allowed_actions(status)


@pytest.mark.parametrize("engine_db", ["duckdb"], indirect=True)  # archive.py: DuckDB only, for now
def test_archived_orders_must_be_unarchived_first(db, cur):
    order_id = new_order(db, cur)
    archive_orders(db, [order_id], ACTOR)
    assert allowed_actions("Open", archived=True) == []
    with pytest.raises(LifecycleError, match="is archived; unarchive it"):
        run("Cancel", db, order_id)


@pytest.mark.parametrize(
    ("kwargs", "reasons"),
    [
        (dict(carrier="", tracking_number=""), ["Choose the carrier.", "Enter the tracking number."]),
        (dict(carrier="UPS", tracking_number="a!"), ["A tracking number has 4 to 40 letters, digits or dashes."]),
        (dict(carrier="Pony Express", tracking_number="PX1234"), ["'Pony Express' is not one of our carriers."]),
        (dict(carrier="UPS", tracking_number="1Z999", shipped_on=TODAY + dt.timedelta(days=2)),
         [f"The shipped-on date {TODAY + dt.timedelta(days=2):%Y-%m-%d} is in the future."]),
    ],
)
def test_shipping_needs_carrier_and_tracking(db, cur, kwargs, reasons):
    order_id = new_order(db, cur)
    place_order(db, order_id, ACTOR, payment_method="Credit card", payment_reference="P1")
    with pytest.raises(LifecycleError) as refused:
        ship_order(db, order_id, ACTOR, **kwargs)
    assert refused.value.reasons == reasons
    assert state(cur, order_id) == ("Order Placed", 2)


def test_place_order_needs_method_and_reference_and_cancel_a_reason(db, cur):
    order_id = new_order(db, cur)
    with pytest.raises(LifecycleError) as refused:
        place_order(db, order_id, ACTOR, payment_method="Bitcoin", payment_reference=" ")
    assert refused.value.reasons == [
        "Choose a payment method: Credit card, Debit card, Insurance direct bill, E-transfer, Cheque.",
        "Enter the payment reference.",
    ]
    with pytest.raises(LifecycleError, match="Enter the reason for cancelling."):
        cancel_order(db, order_id, ACTOR, reason="")
    assert state(cur, order_id) == ("Open", 1)


def test_cancel_records_reason_and_gives_grams_back(db, cur):
    order_id = new_order(db, cur)
    cancel_order(db, order_id, ACTOR, reason="Duplicate order")
    assert fetch_value(cur, "SELECT cancel_reason FROM orders WHERE order_id = ?", [order_id]) == "Duplicate order"
    assert events(cur, order_id)[-1][2] == "Open → Cancelled: Duplicate order; 7 g given back to the period"


@pytest.mark.breaches_on_purpose  # the test changes rows behind the rules
def test_verify_runs_the_creation_checks(db, cur):
    good = new_order(db, cur)
    bad = new_order(db, cur, DraftLine("FL-BB-150", 4), gpd="3")  # 60 g, under a 90 g cap
    cur.execute("UPDATE orders SET status = 'Unverified', source = 'Client Portal' WHERE order_id IN (?, ?)",
                [good, bad])
    client = fetch_value(cur, "SELECT client_id FROM orders WHERE order_id = ?", [bad])
    cur.execute("UPDATE clients SET registration_status = 'Expired' WHERE client_id = ?", [client])
    cur.execute("UPDATE prescriptions SET grams_per_day = 1 WHERE client_id = ?", [client])
    with pytest.raises(LifecycleError) as refused:
        verify_order(db, bad, ACTOR)
    assert refused.value.reasons[0] == f"Order {bad} cannot be verified:"
    assert refused.value.reasons[1].endswith("registration is Expired, not Approved.")
    assert "limit of 30 g per order" in refused.value.reasons[2]
    assert state(cur, bad) == ("Unverified", 1)
    result = verify_order(db, good, ACTOR)
    assert (result.status, result.version) == ("Open", 2)
    assert events(cur, good)[-1][1:] == ("verified", "Unverified → Open; checks passed (ships to "
                                         "123 rue Saint-Denis, Montréal QC  H2X 1K4)")


def test_edit_recomputes_totals_and_keeps_the_old_lines_in_the_event(db, cur):
    order_id = new_order(db, cur)
    edit_order(db, order_id, ACTOR, lines=[DraftLine("FL-PK-070", 1, "59.00", "4"), DraftLine("AC-JAR-001", 2)],
               order_discount="5", carrier="UPS", shipping_charge="19.50")
    row = fetch_one(cur, """SELECT subtotal, line_discount_total, order_discount, shipping_charge, total_due,
                            grams, carrier, version FROM orders WHERE order_id = ?""", [order_id])
    D = Decimal
    assert row == (D("91.00"), D("4.00"), D("5.00"), D("19.50"), D("101.50"), D("7.000"), "UPS", 2)
    assert cur.execute("SELECT sku, units FROM order_lines WHERE order_id = ? ORDER BY line_no",
                       [order_id]).fetchall() == [("FL-PK-070", 1), ("AC-JAR-001", 2)]
    assert cur.execute("SELECT sku, units, unit_price, replaced_by, order_version FROM order_line_history "
                       "WHERE order_id = ?", [order_id]).fetchall() == [("FL-PK-035", 2, D("32.50"), ACTOR.name, 1)]
    assert fetch_one(cur, "SELECT replaced_by_email FROM order_line_history WHERE order_id = ?",
                     [order_id]) == (ACTOR.email,)
    kind, details = events(cur, order_id)[-1][1:]
    assert kind == "edited"
    assert "Before: 2 x FL-PK-035 @ $32.50" in details and "After: 1 x FL-PK-070 @ $59.00 less $4.00" in details


def test_edit_over_the_cap_is_refused_and_changes_nothing(db, cur):
    order_id = new_order(db, cur, gpd="1")
    with pytest.raises(LifecycleError) as refused:
        edit_order(db, order_id, ACTOR, lines=[DraftLine("FL-BB-150", 3)])
    assert "limit of 30 g per order" in refused.value.reasons[1]
    assert cur.execute("SELECT sku, units FROM order_lines WHERE order_id = ?", [order_id]).fetchall() == [
        ("FL-PK-035", 2)]
    assert state(cur, order_id) == ("Open", 1)


def test_a_stale_version_is_refused(db, cur):
    order_id = new_order(db, cur)
    place_order(db, order_id, ACTOR, payment_method="Credit card", payment_reference="P1", expected_version=1)
    with pytest.raises(StaleOrder) as stale:
        cancel_order(db, order_id, ACTOR, reason="Too late", expected_version=1)
    assert stale.value.reasons == [
        f"Order {order_id} was changed by someone else since you opened it (it is now Order Placed); "
        "nothing was changed. Reload the order and try again."
    ]
    assert state(cur, order_id) == ("Order Placed", 2)


@pytest.mark.parametrize("with_version", [True, False])
def test_two_csrs_acting_at_once(db, cur, with_version, monkeypatch):
    order_id = new_order(db, cur)
    place_order(db, order_id, ACTOR, payment_method="Credit card", payment_reference="P1")
    # Both transactions have read the order (Order Placed, version 2) before either writes it; on PostgreSQL
    # the real _load then takes the row lock, and the second waits there for the first to commit.
    meet(monkeypatch, lifecycle, "_load", read=lambda cur, oid: state(cur, oid))
    version = 2 if with_version else None
    ship = lambda: ship_order(db, order_id, acting("A"), carrier="UPS", tracking_number="1Z12", expected_version=version)  # noqa: E731
    cancel = lambda: cancel_order(db, order_id, acting("B"), reason="Client asked", expected_version=version)  # noqa: E731
    outcomes = race(ship, cancel)
    for outcome in outcomes:
        if isinstance(outcome, Exception) and not isinstance(outcome, LifecycleError):
            raise outcome
    results = list(zip(("ship", "cancel"), outcomes, strict=True))
    won = [name for name, r in results if not isinstance(r, Exception)]
    lost = [r for _, r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1
    expected = {"ship": "Shipped", "cancel": "Cancelled"}[won[0]]
    assert state(cur, order_id) == (expected, 3)
    assert [e[1] for e in events(cur, order_id)] == ["created", "status", "status"]
    assert f"Order {order_id}" in lost[0].reasons[0]


def test_order_detail_holds_the_purchase_record(db, cur):
    from orders_core.orders.detail import BadOrderId, get_order, parse_order_id

    order_id = new_order(db, cur, DraftLine("FL-PK-035", 2), DraftLine("AC-GRN-001", 1))
    o = get_order(cur, order_id, MANAGER_PERSON)
    assert dict(o.purchase_record())["Client"] == "Éloïse Bérubé-Test"
    assert dict(o.purchase_record())["Ships to (registered address)"] == "123 rue Saint-Denis, Montréal QC  H2X 1K4"
    assert o.lines[["Product", "Brand", "Units"]].values.tolist() == [
        ["Pink Kush 3.5 g", "Laurentian Growers", 2], ["Herb Grinder", "Vapeur Nord", 1]]
    assert dict(o.money_rows())["Total Due"] == Decimal("89.00")
    assert o.actions == ["Edit", "Place Order", "Cancel"]
    assert get_order(cur, 1, MANAGER_PERSON) is None
    assert parse_order_id(" #100123 ") == 100123
    for bad in ["", None, "12a", "1" * 19, "-5"]:
        with pytest.raises(BadOrderId):
            parse_order_id(bad)


def test_place_order_requires_a_carrier(db, cur):
    order_id = new_order(db, cur, carrier=None)
    with pytest.raises(LifecycleError) as exc:
        place_order(db, order_id, ACTOR, payment_method="Cheque", payment_reference="123")
    assert exc.value.reasons == [f"Order {order_id} has no carrier: Edit it to choose one before placing it, "
                                 f"so that the picking list says how it ships."]
    assert fetch_one(cur, "SELECT status::VARCHAR, version FROM orders WHERE order_id = ?", [order_id]) == ("Open", 1)


@pytest.mark.parametrize("engine_db", ["duckdb"], indirect=True)  # archive.py: DuckDB only, for now
def test_an_edit_refused_because_the_order_was_archived_says_archived(db, cur):
    order_id = new_order(db, cur)
    archive_orders(db, [order_id], acting("Someone Else"))
    with pytest.raises(LifecycleError) as exc:
        edit_order(db, order_id, ACTOR, lines=[DraftLine("FL-PK-035", 1)], expected_version=1)
    assert exc.value.reasons == [f"Order {order_id} was archived by someone else since you opened it; nothing "
                                 f"was changed. Unarchive it to go on: what you typed is kept."]
