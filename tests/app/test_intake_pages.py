"""The intake forms (AppTest): register a client, edit, status; documents and policies on the Client Profile;
the Products page; the Import page. Bad input is refused field by field and writes nothing. On both engines."""

from __future__ import annotations

import datetime as dt

import pytest

from orders_core.staff.members import add_demo_staff
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_value
from tests.app.engines import ENGINES, pg_app_db, with_database
from tests.app.pages import CSR, MANAGER, app_page
from tests.people import acting


@pytest.fixture(params=ENGINES)
def empty_app_db(request, tmp_path, monkeypatch):
    """A new database with its first people (orders-core staff add): a DuckDB file, or on PostgreSQL."""
    staff_at = dt.datetime(2026, 11, 26, 8)
    if request.param == "postgresql":
        database = request.getfixturevalue("pg_empty_db")
        add_demo_staff(database.cursor(), staff_at)
        yield from pg_app_db(database, monkeypatch)
        return
    path = tmp_path / "empty.duckdb"
    db = Database(str(path))
    add_demo_staff(db.con, staff_at)
    db.close()
    monkeypatch.setenv("ORDERS_DB", str(path))
    yield path


def value(target, sql, params=None):
    return with_database(target, lambda db: fetch_value(db.cursor(), sql, params))


def table_with(at, column):
    """The first table showing ``column`` (Streamlit keys only tables that can be selected)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def run(page, user=CSR, **params):
    at = app_page(page, user=user)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def fill_client(at, prefix="reg", **over):
    fields = {"name": "Éloïse Tremblay", "email": "eloise@example.ca", "addr1": "4120 rue Saint-Denis",
              "city": "Montréal", "postal": "h2w 2m5", "prev": "A-1", **over}
    for key, text in fields.items():
        at.text_input(key=f"{prefix}_{key}").input(text)
    at.date_input(key=f"{prefix}_dob").set_value(dt.date(1968, 4, 21))
    at.selectbox(key=f"{prefix}_prov").select("QC")


def test_empty_database_pages_say_what_to_do_first(empty_app_db):
    clients = run("pages/clients.py")
    assert any("There are no clients yet" in i.value for i in clients.info)
    products = run("pages/products.py", user=MANAGER)
    assert any("The catalogue is empty" in i.value for i in products.info)
    orders = run("app.py")
    assert any("There are no clients or orders yet" in i.value for i in orders.info)
    imports = run("pages/import.py")
    assert imports.title[0].value == "Import"


def test_register_refuses_field_by_field_then_registers(empty_app_db):
    at = run("pages/clients.py")
    fill_client(at, postal="K1A 0B1", name="")
    at.button(key="FormSubmitter:register_client-Register the client").click().run()
    [error] = [e.value for e in at.error]
    assert error.startswith("Nothing was saved:")
    assert "Name is empty" in error and "Postal code starts with K, which is not a postal code of Quebec" in error
    assert value(empty_app_db, "SELECT count(*) FROM clients") == 0
    fill_client(at)
    at.button(key="FormSubmitter:register_client-Register the client").click().run()
    assert not at.error
    assert value(empty_app_db, "SELECT postal_code FROM clients WHERE name = 'Éloïse Tremblay'") == "H2W 2M5"


def registered(path) -> int:
    from orders_core.clients.registration import register_client

    return with_database(path, lambda db: register_client(
        db, {"name": "Chloé Côté", "date_of_birth": "1980-01-31", "phone": "418 555 0100",
             "address_line1": "2 rue X", "city": "Québec", "province": "QC",
             "postal_code": "G1R 4P5", "registered_on": "2025-10-01"}, acting("setup")))


def test_profile_edit_status_document_and_policy(empty_app_db):
    cid = registered(empty_app_db)
    at = run("pages/client.py", id=str(cid))
    at.button(key="status_Approve").click().run()
    assert value(empty_app_db, "SELECT registration_status::VARCHAR FROM clients") == "Approved"
    at.text_input(key="edit_city").input("Lévis")
    at.text_input(key="edit_postal").input("G6V 1A1")
    at.button(key="FormSubmitter:edit_client-Save changes").click().run()
    assert value(empty_app_db, "SELECT city FROM clients") == "Lévis"
    assert value(empty_app_db, "SELECT details FROM client_events WHERE kind = 'edited'") == (
        "City: Québec → Lévis; Postal code: G1R 4P5 → G6V 1A1")

    at.text_input(key="doc_grams").input("2,5")
    at.date_input(key="doc_from").set_value(dt.date.today())
    at.date_input(key="doc_until").set_value(dt.date.today() + dt.timedelta(days=400))
    at.text_input(key="doc_who").input("Dre Gagnon")
    at.text_input(key="doc_licence").input("CMQ 12345")
    at.button(key="FormSubmitter:add_document-Save the document").click().run()
    assert any("more than one year after valid from" in e.value for e in at.error)
    assert value(empty_app_db, "SELECT count(*) FROM prescriptions") == 0
    at.date_input(key="doc_until").set_value(dt.date.today() + dt.timedelta(days=300))
    at.button(key="FormSubmitter:add_document-Save the document").click().run()
    assert not at.error
    assert str(value(empty_app_db, "SELECT grams_per_day FROM prescriptions")) == "2.50"
    assert table_with(at, "Practitioner")["Grams/day"].tolist() == ["2.5 g"]

    at.text_input(key="pol_insurer").input("VAC")
    at.text_input(key="pol_share").input("100")
    at.text_input(key="pol_grams").input("90")
    at.button(key="FormSubmitter:add_policy-Save the policy").click().run()
    assert not at.error
    assert value(empty_app_db, "SELECT insurer FROM coverage_policies") == "Veterans Affairs Canada"


def test_products_page_adds_and_edits(empty_app_db):
    at = run("pages/products.py", user=MANAGER)
    at.text_input(key="new_sku").input("FL-PK-035")
    at.text_input(key="new_name").input("Pink Kush 3.5 g")
    at.text_input(key="new_brand").input("Laurentian Growers")
    at.selectbox(key="new_class").select("dried")
    at.text_input(key="new_net").input("3.5")
    at.selectbox(key="new_unit").select("g")
    at.text_input(key="new_price").input("$32.50")
    at.text_input(key="new_lot").input("PK-114")
    at.button(key="FormSubmitter:add_product-Add the product").click().run()
    assert any("Bin is empty" in e.value for e in at.error)
    at.text_input(key="new_bin").input("A-01-1")
    at.button(key="FormSubmitter:add_product-Add the product").click().run()
    assert not at.error
    table = table_with(at, "SKU")
    assert table[["SKU", "Dried equivalent (g)", "Price"]].values.tolist() == [["FL-PK-035", "3.5 g", "$32.50"]]
    at.selectbox(key="edit_sku").select("FL-PK-035").run()
    at.text_input(key="edit_FL-PK-035_price").input("33")
    at.button(key="FormSubmitter:edit_product_FL-PK-035-Save changes").click().run()
    assert str(value(empty_app_db, "SELECT unit_price FROM products")) == "33.00"
    assert value(empty_app_db, "SELECT count(*) FROM product_prices") == 2
