"""The role table, cell by cell, through roles.require (written out here, not read from the code)."""

from __future__ import annotations

import pytest

from orders_core.rules.roles import (
    ACTIONS,
    ROLES,
    SHIPPING_STATUSES,
    NotAllowed,
    Person,
    may,
    order_statuses,
    require,
)
from orders_core.storage.schema import STATUSES

Y, N, S = "yes", "no", "shipping"
# The role table: action -> (CSR, Fulfillment Associate, Operations Manager, Administrator)
ISSUE_TABLE = {
    "view_orders": (Y, S, Y, Y),
    "view_client_records": (Y, N, Y, Y),
    "create_order": (Y, N, Y, N),
    "edit_order": (Y, N, Y, N),
    "verify_order": (Y, N, Y, N),
    "place_order": (Y, N, Y, N),
    "cancel_order": (Y, N, Y, N),
    "manage_recurring": (Y, N, Y, N),
    "generate_due": (Y, N, Y, N),
    "picking_list": (Y, Y, Y, N),
    "mark_shipped": (Y, Y, Y, N),
    "mark_delivered": (Y, Y, Y, N),
    "archive": (Y, N, Y, N),
    "view_metrics": (N, N, Y, Y),
    "export_csv": (N, N, Y, Y),
    "manage_staff": (N, N, N, Y),
    "register_clients": (Y, N, Y, N),  # CSR and Operations Manager register clients and documents
    "manage_catalogue": (N, N, Y, Y),  # Operations Manager and Administrator keep the catalogue
    "backup": (N, N, N, Y),  # a backup holds every client's health information
    "recount": (N, N, N, Y),  # maintenance of PostgreSQL's order_counts, after a restore
    "read_access_log": (N, N, N, Y),  # who opened which profile, order or report, and every export
    "receive_return": (Y, Y, N, N),  # receiving a parcel that came back: CSR or Fulfillment Associate
    "refund_order": (Y, N, N, N),  # deciding a refund or a replacement: a CSR's
    "print_labels": (Y, Y, Y, N),  # client labels: Fulfillment Associates, and CSRs may print them too
    "pack_orders": (N, Y, Y, N),  # the packing station: the Fulfillment Associate's (managers see everything)
    "shipping_manifest": (N, Y, Y, N),  # the end-of-day manifest for the driver
    "view_monthly_reports": (N, N, Y, Y),  # the regulator's monthly reports: managers and administrators
    "submit_monthly_reports": (N, N, Y, Y),
}
CELLS = [(action, role, grants[i]) for action, grants in ISSUE_TABLE.items() for i, role in enumerate(ROLES)]


def test_the_table_covers_every_action():
    assert set(ISSUE_TABLE) == set(ACTIONS)


@pytest.mark.parametrize(("action", "role", "expected"), CELLS, ids=[f"{a}-{r}" for a, r, _ in CELLS])
def test_every_cell(action, role, expected):
    who = Person(f"{role.split()[0].lower()}@example.ca", "Test Person", role)
    if expected == N:
        with pytest.raises(NotAllowed) as refused:
            require(who, action)
        assert str(refused.value).endswith(f"may not {ACTIONS[action]}.")
        assert str(refused.value).count(".") == 1  # one sentence
        assert not may(who, action)
        return
    require(who, action)
    assert may(who, action)
    for status in STATUSES:
        allowed = expected == Y or status in SHIPPING_STATUSES
        assert may(who, action, status=status) is allowed
        if not allowed:
            with pytest.raises(NotAllowed, match=f"this one is {status}"):
                require(who, action, status=status)


def test_fulfillment_sees_only_shipping_statuses():
    assert order_statuses(Person("f@example.ca", "F", "Fulfillment Associate")) == (
        "Order Placed", "Shipped", "Delivered")
    assert order_statuses(Person("c@example.ca", "C", "CSR")) is None


def test_nobody_and_unknown_roles_may_do_nothing():
    for action in ACTIONS:
        assert not may(None, action)
        assert not may(Person("x@example.ca", "X", "Intern"), action)
    with pytest.raises(NotAllowed, match="Sign in to open the Metrics page."):
        require(None, "view_metrics")


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        may(Person("c@example.ca", "C", "CSR"), "delete_everything")
