"""CSV import: all or nothing with every bad cell reported, encodings, and the upsert on stable keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orders_core.cli.main import main
from orders_core.clients.records import get_client
from orders_core.intake import importing
from orders_core.staff.members import add_demo_staff
from orders_core.storage.reads import fetch_value
from tests.people import CSR, MANAGER_PERSON, acting

TODAY = dt.date(2026, 11, 26)
HEADER = ("client_number,name,date_of_birth,email,phone,address_line1,address_line2,city,province,postal_code,"
          "registration_status,registered_on")
GOOD = [
    "A-1,Éloïse Tremblay,1968-04-21,e@example.ca,514-555-0148,4120 rue Saint-Denis,,Montréal,QC,H2W 2M5,Approved,2025-09-02",
    "A-2,Bob Smith,21/04/1970,,416 555 0100,1 King St W,,Toronto,ON,M5H 1A1,,\"September 2, 2025\"",
    "A-3,Chloé Côté,1980-01-31,c@example.ca,,2 rue X,,Québec,qc,g1r4p5,Pending Verification,2025-10-01",
]


@pytest.fixture
def db(engine_empty_db):
    """An empty orders database on each engine."""
    return engine_empty_db


def csv(*rows, header=HEADER, bom=False) -> bytes:
    return (("\ufeff" if bom else "") + "\n".join([header, *rows]) + "\n").encode()


def run(db, kind, data, **kw):
    return importing.import_file(db, kind, data, acting("Importer"), today=TODAY, **kw)


def count(db, table):
    return fetch_value(db.cursor(), f"SELECT count(*) FROM {table}")


def test_a_file_with_bad_rows_writes_nothing_and_lists_every_bad_cell(db):
    bad = [GOOD[0], GOOD[1].replace("M5H 1A1", "H5H 1A1"), GOOD[2].replace("1980-01-31", "03/04/1980").replace(",Chloé Côté,", ",,")]
    report = run(db, "clients", csv(*bad))
    assert not report.ok and not report.committed
    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (3, "postal_code", "H5H 1A1"), (4, "name", ""), (4, "date_of_birth", "03/04/1980")]
    assert report.problems[0].reason == "starts with H, which is not a postal code of Ontario"
    assert report.summary().startswith("Nothing was imported: 2 of 3 rows have problems")
    assert report.problems_csv().splitlines()[0] == "row,column,value,reason"
    assert count(db, "clients") == 0 and count(db, "client_events") == 0


def test_importing_twice_changes_nothing_and_a_corrected_file_updates(db):
    first = run(db, "clients", csv(*GOOD, bom=True))
    assert (first.added, first.updated, first.unchanged, first.committed) == (3, 0, 0, True)
    again = run(db, "clients", csv(*GOOD))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert count(db, "clients") == 3 and count(db, "client_events") == 3
    fixed = run(db, "clients", csv(GOOD[0].replace("Montréal,QC,H2W 2M5", "Laval,QC,H7N 1A1"), *GOOD[1:]))
    assert (fixed.added, fixed.updated, fixed.unchanged) == (0, 1, 2)
    assert count(db, "clients") == 3
    [(details,)] = db.cursor().execute(
        "SELECT details FROM client_events WHERE kind = 'edited'").fetchall()
    assert details == "Imported from a file: City: Montréal → Laval; Postal code: H2W 2M5 → H7N 1A1"
    name = fetch_value(db.cursor(), "SELECT name FROM clients c JOIN client_keys USING (client_id) "
                                          "WHERE previous_system_id = 'A-1'")
    assert name == "Éloïse Tremblay"


def test_dry_run_reports_and_writes_nothing(db):
    report = run(db, "clients", csv(*GOOD), dry_run=True)
    assert (report.added, report.committed) == (3, False)
    assert count(db, "clients") == 0


def test_other_encodings_and_wrong_columns_are_refused_in_one_sentence(db):
    with pytest.raises(importing.ImportRefused, match="not in UTF-8"):
        run(db, "clients", csv(*GOOD).decode().encode("cp1252"))
    with pytest.raises(importing.ImportRefused, match="has no column name"):
        run(db, "clients", csv("A-1", header="client_number"))
    with pytest.raises(importing.ImportRefused, match="'colour' that the clients template does not have"):
        run(db, "clients", csv(GOOD[0] + ",red", header=HEADER + ",colour"))


def test_semicolon_files_and_a_repeated_key(db):
    rows = [r.replace(",", ";") for r in (GOOD[0], GOOD[0])]
    report = run(db, "clients", csv(*rows, header=HEADER.replace(",", ";")))
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (3, "client_number", "repeats row 2 (client_number must be unique in a file)")]


def test_templates_import_cleanly_in_order(db):
    for kind in ("products", "clients", "prescriptions", "policies"):
        report = run(db, kind, importing.template_csv(kind).encode())
        assert report.committed, (kind, report.problems)
    client = get_client(db.cursor(), fetch_value(db.cursor(), "SELECT client_id FROM clients"), MANAGER_PERSON)
    assert client.name == "Éloïse Tremblay"
    assert client.prescription.grams_per_day == Decimal("2.50")
    assert client.policies[0].insurer == "Veterans Affairs Canada"


def test_documents_need_a_known_client_and_must_not_overlap(db):
    run(db, "clients", csv(*GOOD))
    head = "client_number,grams_per_day,valid_from,valid_until,practitioner_name,practitioner_licence"
    rows = ["A-1,2.5,2025-09-01,2026-08-31,Dre Gagnon,CMQ 1", "A-1,3,2026-03-01,2027-02-28,Dre Gagnon,CMQ 1",
            "Z-9,3,2026-03-01,2027-02-28,Dr X,CPSO 2", "A-2,\"1,5\",2025-09-01,2026-09-02,Dr X,CPSO 2"]
    report = run(db, "prescriptions", csv(*rows, header=head))
    assert [(p.row, p.column) for p in report.problems] == [(3, "valid_from"), (4, "client_number"), (5, "valid_until")]
    assert count(db, "prescriptions") == 0
    ok = run(db, "prescriptions", csv(rows[0], rows[3].replace("2026-09-02", "2026-08-31"), header=head))
    assert ok.added == 2
    corrected = run(db, "prescriptions", csv(rows[0].replace("2.5", "3"), header=head))
    assert (corrected.added, corrected.updated) == (0, 1)
    assert count(db, "prescriptions") == 2


def test_products_upsert_keeps_price_history(db):
    head = "sku,name,brand,regulatory_class,category,net_content,net_unit,unit_price,lot_number,bin_location,active"
    row = "FL-1,Pink Kush 3.5 g,Laurentian,dried,,3.5,g,$32.50,L1,A-01-1,yes"
    assert run(db, "products", csv(row, header=head)).added == 1
    changed = run(db, "products", csv(row.replace("$32.50", "\"$1,032.50\""), header=head))
    assert changed.updated == 1
    prices = [r[0] for r in db.cursor().execute(
        "SELECT unit_price FROM product_prices WHERE sku = 'FL-1' ORDER BY effective_at").fetchall()]
    assert prices == [Decimal("32.50"), Decimal("1032.50")]
    assert fetch_value(db.cursor(), "SELECT dried_equiv_grams FROM products") == Decimal("3.500")


def test_the_command_line_imports_into_either_engine(db, tmp_path, capsys):
    add_demo_staff(db.cursor(), dt.datetime(2026, 11, 26, 8))
    (tmp_path / "clients.csv").write_bytes(csv(*GOOD))
    target = getattr(db, "url", db.path)  # a PostgreSQL URL, or the DuckDB file
    argv = ["import", "clients", str(tmp_path / "clients.csv"), "--db", target, "--as", CSR.email]
    assert main(argv) == 0
    assert "Imported: 3 clients rows, 3 new, 0 updated, 0 unchanged." in capsys.readouterr().out
    assert main([*argv, "--dry-run"]) == 0
    assert "Ready to import (nothing written yet): 3 clients rows, 0 new, 0 updated, 3 unchanged." in \
        capsys.readouterr().out
    assert count(db, "clients") == 3 and count(db, "client_events") == 3
