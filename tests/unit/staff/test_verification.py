"""The core checks the person: a made-up ``Person``, a deactivated one or one whose role changed is refused by
``orders_core`` itself (not only by the pages and the command line), in one sentence, and nothing is written.
On both engines."""

from __future__ import annotations

import datetime as dt

import pytest

from orders_core.clients.records import get_client
from orders_core.orders.archive import archive_orders
from orders_core.orders.detail import get_order
from orders_core.orders.drafts import DraftLine, OrderDraft
from orders_core.orders.ordering import create_order
from orders_core.recurring import api as recurring
from orders_core.rules.roles import CSR as CSR_ROLE
from orders_core.rules.roles import NotAllowed, Person
from orders_core.staff import members as staff
from orders_core.staff.members import DEMO_STAFF
from orders_core.staff.verification import verify
from orders_core.storage.reads import fetch_value
from tests.order_helpers import make_client

CSR, FULFILLMENT, MANAGER, ADMIN = DEMO_STAFF
NOBODY = Person("x@example.ca", "Nobody", "CSR")


@pytest.fixture
def db(engine_db):
    """The demo copy (DuckDB) or the catalogue-only PostgreSQL database, with the demo people on its list."""
    cur = engine_db.cursor()
    if staff.member(cur, ADMIN.email) is None:
        staff.add_demo_staff(cur, dt.datetime(2026, 11, 26, 8))
    return engine_db


def _draft(cid: int) -> OrderDraft:
    return OrderDraft(cid, [DraftLine("FL-PK-035", 1)], placed_by="Client", carrier="UPS", return_policy_agreed=True)


def _orders(db) -> int:
    return fetch_value(db.cursor(), "SELECT count(*) FROM orders")


def test_a_made_up_person_cannot_create_an_order_through_the_core(db):
    cid = make_client(db.cursor(), gpd="3")
    before = _orders(db)
    with pytest.raises(NotAllowed) as refused:
        create_order(db, _draft(cid), NOBODY)
    assert str(refused.value) == "x@example.ca is not on the staff list, so may not create orders."
    assert _orders(db) == before
    with pytest.raises(NotAllowed):
        get_client(db.cursor(), cid, NOBODY)
    oid = create_order(db, _draft(cid), CSR)  # the real CSR may
    with pytest.raises(NotAllowed):
        get_order(db.cursor(), oid, Person("x@example.ca", "Nobody", "Operations Manager"))
    assert fetch_value(db.cursor(), "SELECT count(*) FROM access_log WHERE actor_email = 'x@example.ca'") == 0


def test_a_staff_members_address_with_another_role_or_deactivated_is_refused(db):
    cid = make_client(db.cursor(), gpd="3")
    as_manager = Person(CSR.email, CSR.name, "Operations Manager")  # a CSR's address, claiming more
    with pytest.raises(NotAllowed, match="Isabelle Roy is a CSR on the staff list now, not an Operations Manager"):
        create_order(db, _draft(cid), as_manager)
    oid = create_order(db, _draft(cid), MANAGER)
    staff.deactivate(db, ADMIN, MANAGER.email)
    with pytest.raises(NotAllowed, match=r"Priya Nair \(manager@demo.example\) has been deactivated"):
        archive_orders(db, [oid], MANAGER)
    with pytest.raises(NotAllowed, match="has been deactivated"):
        get_order(db.cursor(), oid, MANAGER)
    staff.reactivate(db, ADMIN, MANAGER.email)
    assert get_order(db.cursor(), oid, MANAGER).order_id == oid
    assert verify(db.cursor(), Person("CSR@Demo.Example", "any name", CSR_ROLE), "create_order") == CSR


def test_only_the_daily_jobs_own_person_is_accepted_off_the_list(db):
    result = recurring.generate_due(db, recurring.JOB_ACTOR, dt.date(2026, 11, 26))
    assert result.as_of == dt.date(2026, 11, 26)
    copy = Person(recurring.JOB_ACTOR.email, recurring.JOB_ACTOR.name, recurring.JOB_ACTOR.role)
    with pytest.raises(NotAllowed, match="recurring-job@orders.invalid is not on the staff list"):
        recurring.generate_due(db, copy, dt.date(2026, 11, 26))
    with pytest.raises(NotAllowed):
        create_order(db, _draft(make_client(db.cursor(), gpd="3")), recurring.JOB_ACTOR)


def _readers(cid: int, oid: int, client=None) -> dict:
    """Every public reader of personal information in orders_core, called as ``person``."""
    from orders_core.clients.records import ClientQuery, list_clients, period_orders, prescription_periods
    from orders_core.orders.access import export_csv_for, list_orders_for
    from orders_core.orders.drafts import review_order
    from orders_core.orders.index import OrderQuery

    day = dt.date(2026, 11, 26)
    draft = recurring.TemplateDraft(cid, (recurring.TemplateLine("FL-PK-035", 1),))
    return {
        "list_clients": lambda cur, p: list_clients(cur, ClientQuery(), p),
        "get_client": lambda cur, p: get_client(cur, cid, p),
        "prescription_periods": lambda cur, p: prescription_periods(cur, client, day, p),
        "period_orders": lambda cur, p: period_orders(cur, (oid,), p),
        "list_orders_for": lambda cur, p: list_orders_for(cur, OrderQuery(), p),
        "export_csv_for": lambda cur, p: export_csv_for(cur, OrderQuery(), p),
        "get_order": lambda cur, p: get_order(cur, oid, p),
        "list_templates": lambda cur, p: recurring.list_templates(cur, recurring.TemplateQuery(), p),
        "generated_orders": lambda cur, p: recurring.generated_orders(cur, p),
        "skip_history": lambda cur, p: recurring.skip_history(cur, 1, p),
        "client_rules": lambda cur, p: recurring.client_rules(cur, cid, p),
        "get_template": lambda cur, p: recurring.get_template(cur, cid, p),
        "get_template_by_id": lambda cur, p: recurring.get_template_by_id(cur, 1, p),
        "template_events": lambda cur, p: recurring.template_events(cur, 1, p),
        "check_template": lambda cur, p: recurring.check_template(cur, draft, p, day),
        "preview_due": lambda cur, p: recurring.preview_due(cur, p, day),
        "review_order": lambda cur, p: review_order(cur, _draft(cid), p),
    }


@pytest.mark.parametrize("name", list(_readers(0, 0)))
def test_every_reader_of_personal_information_refuses_a_made_up_person(db, name):
    """Each public reader of client or order data in orders_core refuses a ``Person`` that is not on the staff
    list (whatever role it claims), in one sentence, and records nothing; the same call as a real member of
    staff with that role is answered."""
    cid = make_client(db.cursor(), gpd="3")
    oid = create_order(db, _draft(cid), CSR)
    read = _readers(cid, oid, get_client(db.cursor(), cid, CSR))[name]
    logged = fetch_value(db.cursor(), "SELECT count(*) FROM access_log")
    for role in ("Operations Manager", "Administrator", "CSR"):  # the first two may do every one of these reads
        with pytest.raises(NotAllowed) as refused:
            read(db.cursor(), Person("x@example.ca", "Nobody", role))
        assert role == "CSR" or str(refused.value).startswith("x@example.ca is not on the staff list, so may not ")
    assert fetch_value(db.cursor(), "SELECT count(*) FROM access_log") == logged
    read(db.cursor(), MANAGER)  # a real Operations Manager may
