"""Products: every rule refuses field by field and writes nothing; the dried equivalent follows the class and
content; a price change keeps its history and orders keep their price.

The tests run on both engines (DuckDB and PostgreSQL).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders_core.catalogue import products as catalogue
from orders_core.rules.fields import RecordRefused
from orders_core.storage.reads import fetch_value
from tests.people import acting


@pytest.fixture
def empty_db(engine_empty_db):
    """An empty database on each engine (the schema, nothing else)."""
    return engine_empty_db


PRODUCT = {"sku": "OL-1", "name": "Huile CBD 30 mL", "brand": "Boréal", "regulatory_class": "extract for ingestion",
           "net_content": "30", "net_unit": "mL", "unit_price": "45,00 $", "lot_number": "L1", "bin_location": "B-1"}


def count(db, table):
    return fetch_value(db.cursor(), f"SELECT count(*) FROM {table}")


@pytest.mark.parametrize("cls, net, unit, grams", [
    ("dried", "3.5", "g", "3.500"), ("fresh", "10", "g", "2.000"), ("edible solid", "30", "g", "2.000"),
    ("edible non-solid", "355", "mL", "5.071"), ("extract for ingestion", "30", "mL", "0.429"),
    ("extract for inhalation", "0.5", "g", "2.000"), ("topical", "70", "g", "1.000"), ("seeds", "5", "seeds", "5.000"),
    ("plants", "1", "plants", "1.000"), ("not cannabis", "1", "units", "0.000"),
])
def test_the_dried_equivalent_is_computed_from_class_and_content(empty_db, cls, net, unit, grams):
    category = {"fresh": "Dried flower", "edible solid": "Capsules", "edible non-solid": "Oil", "extract for inhalation": "Oil",
                "topical": "Oil", "seeds": "Dried flower", "plants": "Dried flower"}.get(cls, "")
    catalogue.add_product(empty_db, {**PRODUCT, "sku": "X-1", "regulatory_class": cls, "net_content": net,
                                     "net_unit": unit, "category": category}, acting("me"))
    p = catalogue.product(empty_db.cursor(), "X-1")
    assert p["dried_equiv_grams"] == Decimal(grams)
    assert p["is_cannabis"] is (cls != "not cannabis")


def test_product_rules(empty_db):
    for field, value, reason in [
        ("sku", "bad sku!", "SKU may hold only"), ("regulatory_class", "flower", "Regulatory class is not one of"),
        ("net_unit", "seeds", "Unit is not one of g, mL"), ("net_content", "0", "must be more than 0"),
        ("unit_price", "12.345", "more than 2 decimal places"), ("lot_number", "", "Lot is empty"),
    ]:
        with pytest.raises(RecordRefused, match=reason):
            catalogue.add_product(empty_db, {**PRODUCT, field: value}, acting("me"))
    with pytest.raises(RecordRefused, match="Category is empty"):
        catalogue.add_product(empty_db, {**PRODUCT, "regulatory_class": "topical", "net_unit": "g"}, acting("me"))
    assert count(empty_db, "products") == 0


def test_price_changes_keep_history_and_orders_keep_their_price(empty_db):
    catalogue.add_product(empty_db, PRODUCT, acting("me"))
    assert catalogue.edit_product(empty_db, "OL-1", {**PRODUCT, "unit_price": "49.99"}, acting("Ana")) == "Price: 45.00 → 49.99"
    assert [h["Price"] for h in catalogue.price_history(empty_db.cursor(), "OL-1")] == [Decimal("49.99"), Decimal("45.00")]
    assert empty_db.cursor().execute("SELECT kind, details FROM product_events ORDER BY event_id").fetchall()[-1] == (
        "edited", "Price: 45.00 → 49.99")
    with pytest.raises(RecordRefused, match="already in the catalogue"):
        catalogue.add_product(empty_db, PRODUCT, acting("me"))

