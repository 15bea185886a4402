"""Registration records, medical documents and coverage policies: every rule refuses field by field and
writes nothing; every write records who, when and what changed (products: ``tests/unit/catalogue``).

The tests with a database run on both engines (DuckDB and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orders_core.clients import policies, prescriptions, registration
from orders_core.clients.records import get_client
from orders_core.rules.fields import RecordRefused
from orders_core.storage.reads import fetch_value
from tests.people import MANAGER_PERSON, acting


@pytest.fixture
def empty_db(engine_empty_db):
    """An empty database on each engine (the schema, nothing else)."""
    return engine_empty_db


TODAY = dt.date(2026, 11, 26)
CLIENT = {"name": "Éloïse Tremblay", "date_of_birth": "1968-04-21", "email": "eloise@example.ca", "phone": "",
          "address_line1": "4120 rue Saint-Denis", "city": "Montréal", "province": "QC", "postal_code": "h2w2m5",
          "registered_on": "2025-09-02", "previous_system_id": "A-1"}
DOC = {"grams_per_day": "2,5", "valid_from": "2026-01-01", "valid_until": "2026-12-31", "prescriber": "Dre Gagnon",
       "practitioner_licence": "CMQ 12345"}


def count(db, table):
    return fetch_value(db.cursor(), f"SELECT count(*) FROM {table}")


def events(db, client_id):
    return db.cursor().execute("SELECT actor, kind, details FROM client_events WHERE client_id = ? ORDER BY event_id",
                               [client_id]).fetchall()


def test_register_keeps_accents_normalises_and_records_an_event(empty_db):
    cid = registration.register_client(empty_db, CLIENT, acting("Isabelle"), today=TODAY)
    record = registration.client_record(empty_db.cursor(), cid, MANAGER_PERSON)
    assert record["name"] == "Éloïse Tremblay" and record["postal_code"] == "H2W 2M5"
    assert record["registration_status"] == "Pending Verification"
    assert events(empty_db, cid) == [("Isabelle", "registered", "Registered by Isabelle: Éloïse Tremblay, Pending Verification")]


@pytest.mark.parametrize("field, value, reason", [
    ("name", "", "Name is empty."),
    ("date_of_birth", "2030-01-01", "Date of birth must be in the past"),
    ("province", "XX", "Province is not a Canadian province"),
    ("postal_code", "K1A 0B1", "Postal code starts with K, which is not a postal code of Quebec."),
    ("registered_on", "2027-01-01", "Registration date is in the future."),
    ("email", "nope", "Email is not an email address"),
    ("registration_status", "Maybe", "Registration status is not one of"),
])
def test_each_registration_rule_refuses_and_writes_nothing(empty_db, field, value, reason):
    with pytest.raises(RecordRefused) as refused:
        registration.register_client(empty_db, {**CLIENT, field: value}, acting("me"), today=TODAY)
    assert any(s.startswith(reason) for s in refused.value.sentences()), refused.value.sentences()
    assert count(empty_db, "clients") == 0 and count(empty_db, "client_events") == 0


def test_every_bad_field_is_listed_not_only_the_first(empty_db):
    with pytest.raises(RecordRefused) as refused:
        registration.register_client(empty_db, {"province": "QC"}, acting("me"), today=TODAY)
    assert set(refused.value.errors) >= {"name", "date_of_birth", "email", "address_line1", "city", "postal_code",
                                         "registered_on"}


def test_a_contact_is_required(empty_db):
    with pytest.raises(RecordRefused, match="give at least one way to reach the client"):
        registration.register_client(empty_db, {**CLIENT, "email": "", "phone": ""}, acting("me"), today=TODAY)


def test_previous_system_number_is_unique(empty_db):
    registration.register_client(empty_db, CLIENT, acting("me"), today=TODAY)
    with pytest.raises(RecordRefused, match="A-1 already belongs to client"):
        registration.register_client(empty_db, {**CLIENT, "name": "Other"}, acting("me"), today=TODAY)
    assert count(empty_db, "clients") == 1


def test_edit_keeps_previous_values_in_history(empty_db):
    cid = registration.register_client(empty_db, CLIENT, acting("me"), today=TODAY)
    change = registration.edit_client(empty_db, cid, {**CLIENT, "city": "Laval", "postal_code": "H7N 1A1"}, acting("Marc"),
                                      today=TODAY)
    assert change == "City: Montréal → Laval; Postal code: H2W 2M5 → H7N 1A1"
    assert events(empty_db, cid)[-1] == ("Marc", "edited", change)
    assert registration.edit_client(empty_db, cid, {**CLIENT, "city": "Laval", "postal_code": "H7N 1A1"}, acting("Marc"),
                                    today=TODAY) == ""
    assert len(events(empty_db, cid)) == 2


def test_status_changes_are_events_and_follow_the_order(empty_db):
    cid = registration.register_client(empty_db, CLIENT, acting("me"), today=TODAY)
    with pytest.raises(ValueError, match="only registrations that are Expired can be reinstated"):
        registration.change_status(empty_db, cid, "Reinstate", acting("me"))
    for action in ("Approve", "Expire", "Reinstate"):
        registration.change_status(empty_db, cid, action, acting("me"))
    assert [k for _, k, _ in events(empty_db, cid)] == ["registered", "approved", "expired", "reinstated"]
    assert registration.client_record(empty_db.cursor(), cid, MANAGER_PERSON)["registration_status"] == "Approved"


@pytest.fixture
def client_id(empty_db):
    return registration.register_client(empty_db, {**CLIENT, "registration_status": "Approved"}, acting("me"), today=TODAY)


def test_document_rules(empty_db, client_id):
    for field, value, reason in [
        ("grams_per_day", "0", "must be more than 0"), ("grams_per_day", "151", "at most 150"),
        ("valid_until", "2027-01-02", "more than one year after"), ("valid_until", "2025-12-31", "before valid from"),
        ("prescriber", "", "is empty"), ("practitioner_licence", "#!", "is not a licence number"),
    ]:
        with pytest.raises(RecordRefused, match=reason):
            prescriptions.add_document(empty_db, client_id, {**DOC, field: value}, acting("me"))
    assert count(empty_db, "prescriptions") == 0


def test_document_add_renew_end_and_the_allowance_follows(empty_db, client_id):
    pid = prescriptions.add_document(empty_db, client_id, DOC, acting("me"))
    client = get_client(empty_db.cursor(), client_id, MANAGER_PERSON)
    assert client.prescription.grams_per_day == Decimal("2.50")
    assert client.prescription.period_allowance == Decimal("75.00")
    with pytest.raises(RecordRefused, match="overlaps the document valid from 2026-01-01"):
        prescriptions.add_document(empty_db, client_id, {**DOC, "valid_from": "2026-06-01", "valid_until": "2027-01-01"}, acting("me"))
    renewal = prescriptions.renewal_defaults(empty_db.cursor(), client_id, MANAGER_PERSON)
    assert renewal["valid_from"] == dt.date(2027, 1, 1) and renewal["valid_until"] == dt.date(2027, 12, 31)
    prescriptions.renew_document(empty_db, client_id, renewal, acting("me"))
    # a renewal that starts later does not displace the document in force today
    assert get_client(empty_db.cursor(), client_id, MANAGER_PERSON).prescription.prescription_id == pid
    assert prescriptions.end_document(empty_db, pid, "2026-11-30", acting("me")) == (
        f"Document {pid} ended early: valid until 2026-12-31 → 2026-11-30")
    assert [k for _, k, _ in events(empty_db, client_id)][-3:] == ["document added", "document renewed", "document ended"]
    assert count(empty_db, "prescriptions") == 2


def test_policy_rules_add_and_end(empty_db, client_id):
    with pytest.raises(RecordRefused, match="give at least one"):
        policies.add_policy(empty_db, client_id, {"insurer": "Sun Life", "share": "80", "valid_from": "2026-01-01"}, acting("me"))
    with pytest.raises(RecordRefused, match="Share paid"):
        policies.add_policy(empty_db, client_id, {"insurer": "Sun Life", "share": "0", "max_grams_per_period": "90",
                                                  "valid_from": "2026-01-01"}, acting("me"))
    pid = policies.add_policy(empty_db, client_id, {"insurer": "VAC", "share": "100", "max_grams_per_period": "90",
                                                    "max_dollars_per_period": "$1,500.00", "valid_from": "2026-01-01"}, acting("me"))
    [p] = get_client(empty_db.cursor(), client_id, MANAGER_PERSON).policies
    assert (p.insurer, p.share, p.max_dollars_per_period, p.max_grams_per_period) == (
        "Veterans Affairs Canada", Decimal("1.0000"), Decimal("1500.00"), Decimal("90.000"))
    policies.end_policy(empty_db, pid, "2026-06-30", acting("me"))
    assert get_client(empty_db.cursor(), client_id, MANAGER_PERSON).policies[0].valid_until == dt.date(2026, 6, 30)
    assert events(empty_db, client_id)[-1][1] == "policy ended"
