"""The client index, a client's record, and prescription periods.

The tests with a database run on both engines (DuckDB and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orders_core.clients.records import (
    CLIENT_COLUMNS,
    ClientQuery,
    InvalidClientQuery,
    get_client,
    list_clients,
    period_bounds,
    period_orders,
    prescription_periods,
)
from orders_core.orders.drafts import DraftLine, OrderDraft
from orders_core.orders.lifecycle import cancel_order
from orders_core.orders.ordering import create_order
from orders_core.rules.search_text import fold
from orders_core.storage.reads import fetch_value
from tests.order_helpers import TODAY, make_client
from tests.people import MANAGER_PERSON, acting


@pytest.fixture
def db(engine_demo_db):
    """The demo on each engine (DuckDB, and the same rows on PostgreSQL)."""
    return engine_demo_db


def test_index_pages_and_counts(cur):
    total = fetch_value(cur, "SELECT count(*) FROM clients")
    page = list_clients(cur, ClientQuery(page_size=25), MANAGER_PERSON)
    assert list(page.rows.columns) == CLIENT_COLUMNS
    assert page.total == total and len(page.rows) == 25
    last = list_clients(cur, ClientQuery(page=page.pages, page_size=25), MANAGER_PERSON)
    assert len(last.rows) == total - 25 * (page.pages - 1)


def test_search_is_accent_and_case_insensitive_and_finds_ids(cur):
    cote = list_clients(cur, ClientQuery(search="COTE"), MANAGER_PERSON)
    assert cote.total > 0 and all("Côté" in n for n in cote.rows["Name"])
    one = list_clients(cur, ClientQuery(search="1002"), MANAGER_PERSON)
    assert one.rows["Client ID"].tolist() == [1002]


def test_search_words_may_come_in_any_order(cur):
    name = fetch_value(cur, "SELECT name FROM clients WHERE name LIKE '% %' AND name LIKE '%é%' ORDER BY client_id LIMIT 1")
    first, last = name.split(" ", 1)
    reversed_words = list_clients(cur, ClientQuery(search=f"{last.upper()}, {first}"), MANAGER_PERSON)
    assert name in reversed_words.rows["Name"].tolist()
    assert all(fold(first) in fold(n) and fold(last) in fold(n) for n in reversed_words.rows["Name"])
    assert list_clients(cur, ClientQuery(search=f"{first} zzzz"), MANAGER_PERSON).total == 0  # every word must be there


@pytest.mark.parametrize("text", ["'; DROP TABLE clients; --", "100%", "_", "😀", "x" * 10_000, '"'])
def test_bad_search_text_is_harmless(cur, text):
    page = list_clients(cur, ClientQuery(search=text), MANAGER_PERSON)
    assert page.total == len(page.rows) == 0
    assert fetch_value(cur, "SELECT count(*) FROM clients") > 0


def test_registration_filter_and_bad_filters(cur):
    pending = list_clients(cur, ClientQuery(registration=("Pending Verification",)), MANAGER_PERSON)
    assert pending.total > 0 and set(pending.rows["Registration"]) == {"Pending Verification"}
    with pytest.raises(InvalidClientQuery, match="Unknown registration status 'Banned'."):
        list_clients(cur, ClientQuery(registration=("Banned",)), MANAGER_PERSON)
    with pytest.raises(InvalidClientQuery):
        list_clients(cur, ClientQuery(page=0), MANAGER_PERSON)


def test_open_orders_count(db, cur):
    client = make_client(cur, "Zoë Open-Orders")
    for _ in range(2):
        create_order(db, OrderDraft(client, [DraftLine("AC-GRN-001", 1)], placed_by="Zoë",
                                    return_policy_agreed=True), acting("CSR"))
    row = list_clients(cur, ClientQuery(search="zoe open-orders"), MANAGER_PERSON).rows.iloc[0]
    assert (row["Client ID"], row["Open Orders"], row["Grams/day"]) == (client, 2, Decimal("2.00"))


def test_client_record(cur):
    client_id = make_client(cur, policy=("Veterans Affairs Canada", "1.0", "765", "90"))
    c = get_client(cur, client_id, MANAGER_PERSON)
    assert c.address == "123 rue Saint-Denis, Montréal QC  H2X 1K4"
    assert c.prescription.shipment_cap == Decimal("60")
    assert c.prescription.period_allowance == Decimal("60")
    assert [p.describe() for p in c.policies] == [
        "Veterans Affairs Canada: pays 100% of cannabis products up to $765.00 and 90 g per 30-day period"]
    assert get_client(cur, 1, MANAGER_PERSON) is None


def test_period_bounds_are_30_day_windows_from_valid_from(cur):
    c = get_client(cur, make_client(cur, valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2026, 3, 5)), MANAGER_PERSON)
    rx = c.prescription
    assert period_bounds(rx, dt.date(2026, 1, 1)) == (1, dt.date(2026, 1, 1), dt.date(2026, 1, 30))
    assert period_bounds(rx, dt.date(2026, 1, 31)) == (2, dt.date(2026, 1, 31), dt.date(2026, 3, 1))
    assert period_bounds(rx, dt.date(2026, 3, 4)) == (3, dt.date(2026, 3, 2), dt.date(2026, 3, 5))
    assert period_bounds(rx, dt.date(2026, 3, 6)) is None


def test_periods_show_used_and_available_and_their_orders(db, cur):
    client_id = make_client(cur, valid_from=TODAY - dt.timedelta(days=65))  # third period holds today
    draft = OrderDraft(client_id, [DraftLine("FL-BB-150", 2)], placed_by="Client", return_policy_agreed=True)
    kept = create_order(db, draft, acting("CSR"))  # 30 g
    gone = create_order(db, OrderDraft(client_id, [DraftLine("FL-PK-035", 1)], placed_by="Client",
                                       return_policy_agreed=True), acting("CSR"))
    cancel_order(db, gone, acting("CSR"), reason="Duplicate")
    periods = prescription_periods(cur, get_client(cur, client_id, MANAGER_PERSON), TODAY, MANAGER_PERSON)
    assert [p.number for p in periods] == [3, 2, 1]
    now = periods[0]
    assert (now.allowance, now.used, now.available, now.orders) == (
        Decimal("60.00"), Decimal("30.000"), Decimal("30.000"), (kept, gone))
    assert periods[1].used == 0 and periods[1].orders == ()
    frame = period_orders(cur, now.orders, MANAGER_PERSON)
    assert frame["Status"].tolist() == ["Open", "Cancelled"]
    assert frame["Grams given back"].tolist() == [False, True]
