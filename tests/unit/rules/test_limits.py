"""One limit per kind of field (orders_core/limits.py), the same in every module that checks one."""

from __future__ import annotations

import pytest

from orders_core.clients.records import ClientQuery, list_clients
from orders_core.orders.access import list_orders_for
from orders_core.orders.index import OrderQuery
from orders_core.orders.lifecycle import LifecycleError, cancel_order, place_order
from orders_core.recurring.api import TemplateQuery, list_templates
from orders_core.rules import limits
from orders_core.storage.reads import fetch_value
from tests.people import MANAGER_PERSON
from tests.unit.orders.test_lifecycle import ACTOR, new_order


def test_a_search_longer_than_the_search_limit_matches_nothing_in_every_listing(cur):
    name = fetch_value(cur, "SELECT name FROM clients ORDER BY client_id LIMIT 1")
    fits = name.ljust(limits.MAX_SEARCH_CHARS)[: limits.MAX_SEARCH_CHARS]  # trailing blanks are stripped
    too_long = name + "x" * limits.MAX_SEARCH_CHARS
    assert list_orders_for(cur, OrderQuery(search=fits), MANAGER_PERSON).total > 0
    assert list_clients(cur, ClientQuery(search=fits), MANAGER_PERSON).total > 0
    for page in (list_orders_for(cur, OrderQuery(search=too_long), MANAGER_PERSON), list_clients(cur, ClientQuery(search=too_long), MANAGER_PERSON),
                 list_templates(cur, TemplateQuery(search=too_long), MANAGER_PERSON)):
        assert page.total == 0


def test_a_reference_and_a_reason_are_held_to_their_kinds_limits(db, cur):
    order_id = new_order(db, cur)
    with pytest.raises(LifecycleError) as refused:
        place_order(db, order_id, ACTOR, payment_method="Cheque", payment_reference="r" * (limits.MAX_REFERENCE_CHARS + 1))
    assert refused.value.reasons == [f"The payment reference is longer than {limits.MAX_REFERENCE_CHARS} characters."]
    with pytest.raises(LifecycleError) as refused:
        cancel_order(db, order_id, ACTOR, reason="w" * (limits.MAX_NOTE_CHARS + 1))
    assert refused.value.reasons == [f"The reason for cancelling is longer than {limits.MAX_NOTE_CHARS} characters."]
    cancel_order(db, order_id, ACTOR, reason="w" * limits.MAX_NOTE_CHARS)
    assert fetch_value(cur, "SELECT status FROM orders WHERE order_id = ?", [order_id]) == "Cancelled"
