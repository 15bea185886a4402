"""The role table, enforced: every write and every personal-health-information read of orders_core, for
every role, allowed or refused as ``orders_core.rules.roles.TABLE`` says.

Each case prepares what the call needs as an Operations Manager (a role that may do every write), closes
the database, calls the real function as the role's demo person on a fresh open, and closes it again.
Refused: ``NotAllowed`` in one sentence and the database file byte-for-byte as it was. Allowed: no
``NotAllowed``; a write changed the file and its records name the person (name and e-mail).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from orders_core.catalogue import products as catalogue
from orders_core.cli.backup import backup_as
from orders_core.clients import policies, prescriptions, registration
from orders_core.clients.records import _load_client, get_client, prescription_periods
from orders_core.fulfillment import packing
from orders_core.fulfillment.labels import print_labels
from orders_core.fulfillment.manifest import make_manifest
from orders_core.fulfillment.picking import generate_picking_list
from orders_core.intake import importing, portal
from orders_core.orders import archive
from orders_core.orders.access import export_csv_for
from orders_core.orders.detail import get_order
from orders_core.orders.drafts import DraftLine, OrderDraft
from orders_core.orders.index import OrderQuery
from orders_core.orders.lifecycle import (
    cancel_order,
    deliver_order,
    edit_order,
    place_order,
    ship_order,
    verify_order,
)
from orders_core.orders.ordering import create_order
from orders_core.recurring import api as recurring
from orders_core.reports import monthly
from orders_core.reports.check import recount_summaries
from orders_core.reports.metrics import MetricsFilter
from orders_core.reports.monthly.figures import s297
from orders_core.reports.monthly.files import fingerprint
from orders_core.reports.monthly.months import Month
from orders_core.reports.report_access import metrics_for
from orders_core.returns.recording import record_return
from orders_core.returns.refunds import goodwill_refund, refund_return
from orders_core.returns.replacement import create_replacement
from orders_core.rules.roles import ROLES, NotAllowed, Person, may
from orders_core.staff import access_log
from orders_core.staff.members import DEMO_STAFF
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_value
from tests.checksums import checksum
from tests.order_helpers import TODAY, make_client
from tests.people import MANAGER_PERSON as SETUP

PEOPLE = {p.role: p for p in DEMO_STAFF}
CLIENT = {"name": "Éloïse Tremblay", "date_of_birth": "1968-04-21", "email": "eloise@example.ca", "phone": "",
          "address_line1": "4120 rue Saint-Denis", "city": "Montréal", "province": "QC", "postal_code": "H2W 2M5",
          "registered_on": "2025-09-02"}
DOC = {"grams_per_day": "2", "valid_from": TODAY + dt.timedelta(days=301), "valid_until": TODAY + dt.timedelta(days=600),
       "prescriber": "Dre Gagnon", "practitioner_licence": "CMQ 12345"}
POLICY = {"insurer": "Sun Life", "share": "50", "max_dollars_per_period": "100", "valid_from": "2026-01-01"}
PRODUCT = {"sku": "OL-ROLE", "name": "Huile CBD 30 mL", "brand": "Boréal", "regulatory_class": "extract for ingestion",
           "net_content": "30", "net_unit": "mL", "unit_price": "45.00", "lot_number": "L1", "bin_location": "B-1"}


def _order(db: Database, status: str = "Open") -> int:
    """A new order of a new client (with a policy), brought to ``status`` by the setup person."""
    cur = db.cursor()
    client = make_client(cur, gpd="3", policy=("Sun Life", "0.5", "100", None))
    oid = create_order(db, OrderDraft(client, [DraftLine("FL-PK-035", 1)], placed_by="Client", carrier="Canada Post",
                                      return_policy_agreed=True), SETUP)
    if status in ("Order Placed", "Shipped", "Delivered"):
        place_order(db, oid, SETUP, payment_method="Credit card", payment_reference="P1")
    if status in ("Shipped", "Delivered"):
        ship_order(db, oid, SETUP, carrier="UPS", tracking_number="1Z999")
    if status == "Delivered":
        deliver_order(db, oid, SETUP)
    return oid


def _unverified(db: Database) -> int:
    oid = _order(db)
    db.cursor().execute("UPDATE orders SET status = 'Unverified' WHERE order_id = ?", [oid])
    return oid


def _client(db: Database) -> int:
    return registration.register_client(db, {**CLIENT, "registration_status": "Approved"}, SETUP, today=TODAY)


def _document(db: Database) -> tuple[int, int]:
    cid = _client(db)
    return cid, prescriptions.add_document(db, cid, {**DOC, "valid_from": "2026-01-01", "valid_until": "2026-12-31"},
                                           SETUP)


def _policy(db: Database) -> int:
    return policies.add_policy(db, _client(db), POLICY, SETUP)


def _template_client(db: Database) -> int:
    cid = make_client(db.cursor(), gpd="3")
    recurring.save_template(db, _template(cid), SETUP, today=TODAY)
    return cid


def _template(cid: int) -> recurring.TemplateDraft:
    return recurring.TemplateDraft(cid, (recurring.TemplateLine("FL-PK-035", 1),), carrier="Purolator")


def _a_minute_ago() -> str:
    """A placing time already past at any hour (noon today is still to come in the morning: refused)."""
    return (dt.datetime.now() - dt.timedelta(minutes=1)).isoformat(timespec="seconds")


def _portal_file(db: Database) -> bytes:
    cid = make_client(db.cursor(), gpd="3")
    return json.dumps([{"portal_order_id": "ROLE-1", "client_id": cid, "placed_at": _a_minute_ago(),
                        "carrier": "Canada Post", "lines": [{"sku": "FL-PK-035", "units": 1}]}]).encode()


def _returned(db: Database) -> int:
    """A return of one unit of a Delivered order, recorded by the demo CSR (a manager records none)."""
    oid = _order(db, "Delivered")
    return record_return(db, oid, PEOPLE["CSR"], units={"FL-PK-035": 1}, reason="Wrong product").return_id


def _archived_order(db: Database) -> int:
    oid = _order(db, "Delivered")
    archive.archive_orders(db, [oid], SETUP)
    return oid


def _client_with_policy(db: Database) -> int:
    cid = _client(db)
    policies.add_policy(db, cid, POLICY, SETUP)
    return cid


def _archived_batch(db: Database) -> str:
    _order(db, "Delivered")
    return archive.archive_status(db, "Delivered", SETUP).batch


THIS_MONTH = Month(TODAY.year, TODAY.month)
AFTER_THIS_MONTH = THIS_MONTH.next_first_day  # the month of the setup's order is over: it can be reported


def _reportable_month(db: Database) -> str:
    """An order in this month, and the fingerprint of the month's section 297 figures as a page shows them."""
    _order(db, "Shipped")
    return fingerprint(s297(db.cursor(), THIS_MONTH))


@dataclass(frozen=True)
class Case:
    """One real call: ``setup(db)`` as the setup person gives ``call(db, person, prepared)`` what it needs."""

    name: str
    action: str                     # the role table's action the call needs
    setup: Callable
    call: Callable
    status: str | None = None       # the order's status, where the table's grant depends on it
    writes: bool | None = True      # None: it rewrites derived data (summaries) or the access log, no event


WRITES = [
    Case("create_order", "create_order", lambda db: make_client(db.cursor(), gpd="3"),
         lambda db, p, cid: create_order(db, OrderDraft(cid, [DraftLine("FL-PK-035", 1)], placed_by="Client",
                                                        carrier="UPS", return_policy_agreed=True), p)),
    Case("edit_order", "edit_order", _order,
         lambda db, p, oid: edit_order(db, oid, p, lines=[DraftLine("FL-PK-035", 2)], carrier="UPS"), "Open"),
    Case("verify_order", "verify_order", _unverified, lambda db, p, oid: verify_order(db, oid, p), "Unverified"),
    Case("place_order", "place_order", _order,
         lambda db, p, oid: place_order(db, oid, p, payment_method="Cheque", payment_reference="C-1"), "Open"),
    Case("cancel_order", "cancel_order", _order, lambda db, p, oid: cancel_order(db, oid, p, reason="Asked"), "Open"),
    Case("ship_order", "mark_shipped", lambda db: _order(db, "Order Placed"),
         lambda db, p, oid: ship_order(db, oid, p, carrier="UPS", tracking_number="1Z12345"), "Order Placed"),
    Case("deliver_order", "mark_delivered", lambda db: _order(db, "Shipped"),
         lambda db, p, oid: deliver_order(db, oid, p), "Shipped"),
    Case("archive_orders", "archive", lambda db: _order(db, "Delivered"),
         lambda db, p, oid: archive.archive_orders(db, [oid], p)),
    Case("archive_status", "archive", lambda db: _order(db, "Delivered"),
         lambda db, p, _: archive.archive_status(db, "Delivered", p)),
    Case("unarchive_orders", "archive", lambda db: _archived_order(db),
         lambda db, p, oid: archive.unarchive_orders(db, [oid], p)),
    Case("unarchive_batch", "archive", _archived_batch, lambda db, p, batch: archive.unarchive_batch(db, batch, p)),
    Case("generate_picking_list", "picking_list", lambda db: _order(db, "Order Placed"),
         lambda db, p, oid: generate_picking_list(db, order_ids=[oid], actor=p)),
    Case("save_template", "manage_recurring", lambda db: make_client(db.cursor(), gpd="3"),
         lambda db, p, cid: recurring.save_template(db, _template(cid), p, today=TODAY)),
    Case("set_enabled", "manage_recurring", _template_client,
         lambda db, p, cid: recurring.set_enabled(db, cid, False, p, today=TODAY)),
    Case("generate_due", "generate_due", _template_client,
         lambda db, p, _: recurring.generate_due(db, p, TODAY + dt.timedelta(days=40))),
    Case("register_client", "register_clients", lambda db: None,
         lambda db, p, _: registration.register_client(db, CLIENT, p, today=TODAY)),
    Case("edit_client", "register_clients", _client,
         lambda db, p, cid: registration.edit_client(db, cid, {**CLIENT, "city": "Laval", "postal_code": "H7N 1A1"},
                                                    p, today=TODAY)),
    Case("change_status", "register_clients", _client,
         lambda db, p, cid: registration.change_status(db, cid, "Expire", p)),
    Case("add_document", "register_clients", _client,
         lambda db, p, cid: prescriptions.add_document(db, cid, DOC, p)),
    Case("renew_document", "register_clients", lambda db: _document(db)[0],
         lambda db, p, cid: prescriptions.renew_document(db, cid, {**DOC, "valid_from": "2027-01-01",
                                                                  "valid_until": "2027-12-31"}, p)),
    Case("end_document", "register_clients", lambda db: _document(db)[1],
         lambda db, p, pid: prescriptions.end_document(db, pid, "2026-06-30", p)),
    Case("add_policy", "register_clients", _client, lambda db, p, cid: policies.add_policy(db, cid, POLICY, p)),
    Case("end_policy", "register_clients", _policy, lambda db, p, pid: policies.end_policy(db, pid, "2026-06-30", p)),
    Case("add_product", "manage_catalogue", lambda db: None, lambda db, p, _: catalogue.add_product(db, PRODUCT, p)),
    Case("edit_product", "manage_catalogue", lambda db: catalogue.add_product(db, PRODUCT, SETUP),
         lambda db, p, sku: catalogue.edit_product(db, sku, {**PRODUCT, "unit_price": "49.99"}, p)),
    *[Case(f"import {kind}", importing.import_action(kind), lambda db: None,
           lambda db, p, _, kind=kind: importing.import_file(db, kind, importing.template_csv(kind).encode(), p,
                                                             today=TODAY))
      for kind in ("clients", "products")],
    *[Case(f"import {kind}", importing.import_action(kind),
           lambda db: importing.import_file(db, "clients", importing.template_csv("clients").encode(), SETUP,
                                            today=TODAY),
           lambda db, p, _, kind=kind: importing.import_file(db, kind, importing.template_csv(kind).encode(), p,
                                                             today=TODAY))
      for kind in ("prescriptions", "policies")],
    Case("import orders", importing.import_action("orders"), _portal_file,
         lambda db, p, data: portal.import_orders(db, data, p)),
    Case("record_return", "receive_return", lambda db: _order(db, "Delivered"),
         lambda db, p, oid: record_return(db, oid, p, units={"FL-PK-035": 1}, reason="Damaged in transit"),
         "Delivered"),
    Case("refund_return", "refund_order", _returned,
         lambda db, p, rid: refund_return(db, rid, p, method="Cheque", reference="C-1")),
    Case("create_replacement", "refund_order", _returned, lambda db, p, rid: create_replacement(db, rid, p)),
    Case("goodwill_refund", "refund_order", lambda db: _order(db, "Delivered"),
         lambda db, p, oid: goodwill_refund(db, oid, p, amount="1.00", reason="Late", method="Cheque", reference="C")),
    Case("print_labels", "print_labels", lambda db: _order(db, "Order Placed"),
         lambda db, p, oid: print_labels(db, [oid], p), "Order Placed"),
    Case("scan_unit", "pack_orders", lambda db: _order(db, "Order Placed"),
         lambda db, p, oid: packing.scan_unit(db, p, oid, "FL-PK-035"), "Order Placed"),
    Case("make_manifest", "shipping_manifest", lambda db: _order(db, "Shipped"),
         lambda db, p, _: make_manifest(db, p, "UPS", dt.date.today()), writes=None),
]

READS = [  # and the maintenance commands that change no record (so they record no event)
    Case("recount", "recount", lambda db: None, lambda db, p, _: recount_summaries(db.cursor(), p), writes=None),
    Case("backup", "backup", lambda db: Path(db.path).with_name("copy.duckdb"),  # beside the test's database
         lambda db, p, target: backup_as(db.cursor(), target, p.email), writes=False),
    Case("get_client", "view_client_records", _client, lambda db, p, cid: get_client(db.cursor(), cid, p), writes=None),
    Case("client_record", "view_client_records", _client,
         lambda db, p, cid: registration.client_record(db.cursor(), cid, p), writes=False),
    Case("client_history", "view_client_records", _client,
         lambda db, p, cid: registration.client_history(db.cursor(), cid, p), writes=False),
    Case("documents", "view_client_records", lambda db: _document(db)[0],
         lambda db, p, cid: prescriptions.documents(db.cursor(), cid, p), writes=False),
    Case("renewal_defaults", "view_client_records", lambda db: _document(db)[0],
         lambda db, p, cid: prescriptions.renewal_defaults(db.cursor(), cid, p), writes=False),
    Case("policies", "view_client_records", _client_with_policy,
         lambda db, p, cid: policies.policies(db.cursor(), cid, p), writes=False),
    Case("prescription_periods", "view_client_records", lambda db: make_client(db.cursor()),
         lambda db, p, cid: prescription_periods(db.cursor(), _load_client(db.cursor(), cid), TODAY, p), writes=False),
    Case("get_order (Open)", "view_orders", _order, lambda db, p, oid: get_order(db.cursor(), oid, p),
         "Open", writes=None),
    Case("get_order (Shipped)", "view_orders", lambda db: _order(db, "Shipped"),
         lambda db, p, oid: get_order(db.cursor(), oid, p), "Shipped", writes=None),
    Case("export_csv_for", "export_csv", lambda db: None,
         lambda db, p, _: export_csv_for(db.cursor(), OrderQuery(), p), writes=None),
    Case("metrics_for", "view_metrics", lambda db: None,
         lambda db, p, _: metrics_for(db.cursor(), MetricsFilter(TODAY - dt.timedelta(days=7), TODAY), TODAY, p),
         writes=None),
    Case("read_log", "read_access_log", lambda db: None,
         lambda db, p, _: access_log.read_log(db.cursor(), access_log.LogQuery(), p), writes=False),
    Case("monthly_reports", "view_monthly_reports", _reportable_month,
         lambda db, p, seen: monthly.reports_for(db.cursor(), THIS_MONTH, AFTER_THIS_MONTH, p), writes=None),
    Case("mark_submitted", "submit_monthly_reports", _reportable_month,
         lambda db, p, seen: monthly.mark_submitted(db, "s297", THIS_MONTH, seen, AFTER_THIS_MONTH, p), writes=None),
]


def _events_naming(db: Database, person: Person) -> int:
    """Events of every kind that name ``person`` by name and e-mail."""
    return sum(fetch_value(db.cursor(), f"SELECT count(*) FROM {t} WHERE actor = ? AND actor_email = ?",
                           [person.name, person.email])
               for t in ("order_events", "client_events", "product_events", "recurring_events"))


def _expected(case: Case, person: Person) -> bool:
    allowed = may(person, case.action, status=case.status)
    if case.name.startswith("get_order") or case.status is not None:  # an order the role cannot see is refused too
        allowed = allowed and may(person, "view_orders", status=case.status)
    return allowed


CASES = [pytest.param(case, role, id=f"{case.name}-{role}") for case in WRITES + READS for role in ROLES]


def test_every_call_of_the_table_is_here():
    """Every action of the table that guards a write or a health-information read has a case here."""
    covered = {c.action for c in WRITES + READS}
    page_only = {"manage_staff"}  # the staff module (tests/unit/staff/test_staff.py)
    from orders_core.rules.roles import ACTIONS

    assert set(ACTIONS) - page_only == covered


@pytest.mark.parametrize("case, role", CASES)
def test_the_role_table_is_enforced(db_path, case: Case, role: str):
    person = PEOPLE[role]
    db = Database(str(db_path))
    try:
        prepared = case.setup(db)
    finally:
        db.close()
    before = checksum(db_path)
    db = Database(str(db_path))
    try:
        if _expected(case, person):
            named = _events_naming(db, person)
            case.call(db, person, prepared)
            if case.writes:
                assert _events_naming(db, person) > named, f"{case.name}: no new event names {person}"
        else:
            with pytest.raises(NotAllowed) as refused:
                case.call(db, person, prepared)
            sentence = str(refused.value)
            assert sentence.endswith(".") and sentence.count(". ") == 0 and role in sentence
    finally:
        db.close()
    if not _expected(case, person) or case.writes is False:
        assert checksum(db_path) == before, f"{case.name} as {role} changed the database"
    elif case.writes:
        assert checksum(db_path) != before


@pytest.fixture
def db(engine_db):
    """The shipping-fields test runs on both engines (the table's cases compare DuckDB files byte for byte)."""
    return engine_db


def test_a_fulfillment_associate_sees_only_the_shipping_fields(db):
    oid = _order(db, "Shipped")
    o = get_order(db.cursor(), oid, PEOPLE["Fulfillment Associate"])
    assert o.shipping_only and o.client.date_of_birth is None and o.client.prescription is None
    assert o.client.policies == () and o.client.email is None and o.client.phone is None
    assert (o.total_due, o.subtotal, o.coverage_amount, o.grams, o.payment_method) == (None,) * 5
    assert o.placed_by == "" and o.events.empty and o.payments == ()
    assert list(o.lines.columns) == ["Line", "SKU", "Product", "Brand", "Units", "Lot"]
    assert (o.carrier, o.tracking_number, o.client.address) == ("UPS", "1Z999", _load_client(db.cursor(),
                                                                                           _client_of(db, oid)).address)
    full = get_order(db.cursor(), oid, PEOPLE["CSR"])
    assert not full.shipping_only and full.client.date_of_birth is not None and full.total_due > 0


def _client_of(db, oid: int) -> int:
    return fetch_value(db.cursor(), "SELECT client_id FROM orders WHERE order_id = ?", [oid])
