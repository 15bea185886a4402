"""The one table that maps our regulatory classes (``catalogue.products.CLASSES``) to the CTLS product
categories, with the unit CTLS asks each in (kg for weights, a count for seeds and plants).

A product with no regulatory class recorded (made before classes were kept: the demo catalogue, old
imports) takes the class its category implies (``CLASS_OF_CATEGORY``); the report names how many SKUs that
was, so they can be given their class on the Products page. "Extracts - other" has no class of ours.
"""

from __future__ import annotations

KG, SEEDS, PLANTS = "kg", "seeds", "plants"

# regulatory class -> (CTLS category, the unit its quantity is reported in); "not cannabis" is no category.
CTLS_CATEGORIES: dict[str, tuple[str, str]] = {
    "seeds": ("Seeds", SEEDS),
    "plants": ("Vegetative plants", PLANTS),
    "fresh": ("Fresh", KG),
    "dried": ("Dried", KG),
    "edible solid": ("Edibles - solids", KG),
    "edible non-solid": ("Edibles - non-solids", KG),
    "extract for inhalation": ("Extracts - inhaled", KG),
    "extract for ingestion": ("Extracts - ingested", KG),
    "topical": ("Topicals", KG),
}
OTHER_EXTRACTS = "Extracts - other"  # a cannabis product whose class names no CTLS category
CATEGORY_ORDER = [category for category, _unit in CTLS_CATEGORIES.values()] + [OTHER_EXTRACTS]
UNIT_OF = {category: unit for category, unit in CTLS_CATEGORIES.values()}

# A product without a recorded class: the class its category (storage.schema.CATEGORIES) implies.
CLASS_OF_CATEGORY = {"Dried flower": "dried", "Pre-rolls": "dried", "Oil": "extract for ingestion",
                     "Capsules": "extract for ingestion", "Accessory": "not cannabis"}


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def class_sql(class_column: str, category_column: str) -> str:
    """SQL for a product's regulatory class: its recorded one, else its category's (our constants only)."""
    cases = " ".join(f"WHEN {_quoted(cat)} THEN {_quoted(cls)}" for cat, cls in CLASS_OF_CATEGORY.items())
    return f"coalesce({class_column}, CASE {category_column}::VARCHAR {cases} END)"


def category_sql(class_expression: str) -> str:
    """SQL for the CTLS category of a regulatory class (NULL for a product that is not cannabis)."""
    cases = " ".join(f"WHEN {_quoted(cls)} THEN {_quoted(cat)}" for cls, (cat, _u) in CTLS_CATEGORIES.items())
    return f"CASE {class_expression} {cases} END"


def product_category_sql(products: str = "p", classes: str = "pc") -> str:
    """SQL for the CTLS category of a cannabis product (``products`` joined to its row of ``product_classes``
    as ``classes``): its recorded class's, else its category's, else "Extracts - other"."""
    implied = class_sql(f"{classes}.regulatory_class", f"{products}.category")
    return f"coalesce({category_sql(implied)}, '{OTHER_EXTRACTS}')"
