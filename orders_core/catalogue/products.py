"""The product catalogue: add and edit products; the dried-cannabis equivalent per unit is computed
from the regulatory class and the net content (``orders_core.equivalents``, Schedule 3), never typed.
Price changes keep their history (``product_prices``); orders keep the price on their lines.
Every change is a ``product_events`` row; nothing is deleted (a product is made inactive instead).

Decisions on classes and Schedule 3 (where the requirements are silent):
- dried -> dried (1 g = 1 g); fresh -> fresh (5 g); edible solid -> solid (15 g); edible non-solid,
  extract for ingestion (oils, softgels) and topical -> non-solid (70 g; 1 mL counts as 1 g);
  extract for inhalation -> concentrate (0.25 g); seeds -> 1 g per seed; plants -> 1 g per plant
  (Schedule 3 has no line for plants; counting them like seeds keeps them under the cap); not
  cannabis -> 0 g and not a cannabis product.
- Units: g for dried, fresh, edible solid and extract for inhalation; g or mL for edible non-solid,
  extract for ingestion and topical; seeds; plants; units, g or mL for a product that is not cannabis.
- The category (the schema's list: Dried flower, Oil, Capsules, Pre-rolls, Accessory) defaults from
  the class where one fits (dried -> Dried flower, extract for ingestion -> Oil, not cannabis ->
  Accessory) and must be chosen otherwise.
- A SKU is letters, digits, '.', '_' and '-' (up to 50) and never changes once added.
"""

from __future__ import annotations

import re
from decimal import Decimal

from orders_core.rules import fields as f
from orders_core.rules.equivalents import dried_equivalent
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.actor_columns import who_sql
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one
from orders_core.storage.schema import CATEGORIES
from orders_core.storage.transactions import claim_key

CLASSES = ("dried", "fresh", "edible solid", "edible non-solid", "extract for ingestion",
           "extract for inhalation", "topical", "seeds", "plants", "not cannabis")
SCHEDULE_3_FORM = {
    "dried": "dried", "fresh": "fresh", "edible solid": "edible solid", "edible non-solid": "non-solid",
    "extract for ingestion": "non-solid", "extract for inhalation": "concentrate", "topical": "non-solid",
    "seeds": "seed", "plants": "seed",
}
UNITS = {
    "dried": ("g",), "fresh": ("g",), "edible solid": ("g",), "extract for inhalation": ("g",),
    "edible non-solid": ("g", "mL"), "extract for ingestion": ("g", "mL"), "topical": ("g", "mL"),
    "seeds": ("seeds",), "plants": ("plants",), "not cannabis": ("units", "g", "mL"),
}
DEFAULT_CATEGORY = {"dried": "Dried flower", "extract for ingestion": "Oil", "not cannabis": "Accessory"}
LABELS = {
    "sku": "SKU", "name": "Name", "brand": "Brand", "regulatory_class": "Regulatory class",
    "category": "Category", "net_content": "Net content", "net_unit": "Unit", "unit_price": "Price",
    "lot_number": "Lot", "bin_location": "Bin", "active": "Active",
}
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")
MAX_NET = Decimal("100000")


def equivalent_per_unit(regulatory_class: str, net_content: Decimal) -> Decimal:
    """Grams of dried cannabis one unit counts for (0 for a product that is not cannabis)."""
    if regulatory_class == "not cannabis":
        return Decimal("0.000")
    return dried_equivalent(SCHEDULE_3_FORM[regulatory_class], net_content)


def sku(value: object) -> str:
    out = f.text(value, limit=50)
    if not _SKU.match(out):
        raise f.FieldError("may hold only letters, digits, '.', '_' and '-' (up to 50)")
    return out


def check_product(raw: dict) -> f.Checker:
    c = f.Checker(raw)
    c.field("sku", sku)
    c.field("name", f.text)
    c.field("brand", f.text, limit=100)
    cls = c.field("regulatory_class", f.choice, CLASSES)
    if f.blank(raw.get("category")) and cls in DEFAULT_CATEGORY:
        c.values["category"] = DEFAULT_CATEGORY[cls]
    else:
        c.field("category", f.choice, CATEGORIES)
    net = c.field("net_content", f.decimal, places=3, positive=True, maximum=MAX_NET)
    if cls:
        unit = c.field("net_unit", f.choice, UNITS[cls])
        if cls in ("seeds", "plants") and net is not None and net != net.to_integral_value():
            c.fail("net_content", f"must be a whole number of {cls}")
    else:
        unit = c.field("net_unit", f.text, limit=10)
    c.field("unit_price", f.money)
    c.field("lot_number", f.text, limit=50)
    c.field("bin_location", f.text, limit=50)
    c.field("active", f.yes_no)
    if not c.errors:
        c.values["net_unit"] = unit
        c.values["is_cannabis"] = cls != "not cannabis"
        c.values["dried_equiv_grams"] = equivalent_per_unit(cls, net)
    return c


_COLUMNS = ("name", "brand", "category", "is_cannabis", "net_content", "net_unit",
            "dried_equiv_grams", "unit_price", "lot_number", "bin_location", "active")
_READ = ("sku", "name", "brand", "category", "regulatory_class", "is_cannabis", "net_content", "net_unit",
         "dried_equiv_grams", "unit_price", "lot_number", "bin_location", "active")
_SELECT = f"""SELECT {", ".join("p.category::VARCHAR" if c == "category" else c for c in _READ)}
              FROM products p LEFT JOIN product_classes USING (sku)"""


def _event(cur: Cursor, sku_: str, actor: Person, kind: str, details: str) -> None:
    cur.execute("INSERT INTO product_events (event_id, sku, event_at, actor, kind, details, actor_email) "
                "VALUES (nextval('product_event_ids'), ?, now()::TIMESTAMP, ?, ?, ?, ?)",
                [sku_, actor.name, kind, details, actor.email])


def _price(cur: Cursor, sku_: str, price, actor: Person) -> None:
    cur.execute("INSERT INTO product_prices (sku, unit_price, effective_at, changed_by, changed_by_email) "
                "VALUES (?, ?, now()::TIMESTAMP, ?, ?)", [sku_, price, actor.name, actor.email])


def product(cur: Cursor, sku_: str) -> dict | None:
    row = fetch_one(cur, f"{_SELECT} WHERE sku = ?", [sku_])
    return dict(zip(_READ, row, strict=True)) if row else None


def add_product(db: Database, raw: dict, actor: Person) -> str:
    """Add a product; RecordRefused (nothing written) lists every bad field."""
    v = check_product(raw).values_or_refuse(LABELS)

    def work(cur: Cursor) -> str:
        verify(cur, actor, "manage_catalogue")
        if product(cur, v["sku"]) is not None:
            raise f.RecordRefused({"sku": f"{v['sku']} is already in the catalogue; edit that product"}, LABELS)
        claim_key(cur, f"INSERT INTO products (sku, {', '.join(_COLUMNS)}) VALUES (?{', ?' * len(_COLUMNS)})",
                  [v["sku"], *(v[k] for k in _COLUMNS)])
        cur.execute("INSERT INTO product_classes VALUES (?, ?)", [v["sku"], v["regulatory_class"]])
        _price(cur, v["sku"], v["unit_price"], actor)
        _event(cur, v["sku"], actor, "added",
               f"Added {v['name']} ({v['regulatory_class']}, {v['net_content'].normalize():f} {v['net_unit']}, "
               f"{v['dried_equiv_grams'].normalize():f} g dried equivalent) at ${v['unit_price']:,.2f}")
        return v["sku"]

    return db.write(work)


def edit_product(db: Database, sku_: str, raw: dict, actor: Person) -> str:
    """Change a product (not its SKU); a new price is added to its price history. Returns the change."""
    new = check_product({**raw, "sku": sku_}).values_or_refuse(LABELS)

    def work(cur: Cursor) -> str:
        verify(cur, actor, "manage_catalogue")
        old = product(cur, sku_)
        if old is None:
            raise f.RecordRefused({"sku": f"{sku_} is not in the catalogue"}, LABELS)
        change = f.describe_changes(old, new, {**LABELS, "dried_equiv_grams": "Dried equivalent (g)"})
        if not change:
            return ""
        cur.execute(f"UPDATE products SET {', '.join(k + ' = ?' for k in _COLUMNS)} WHERE sku = ?",
                    [*(new[k] for k in _COLUMNS), sku_])
        cur.execute("INSERT INTO product_classes VALUES (?, ?) ON CONFLICT (sku) DO UPDATE "
                    "SET regulatory_class = excluded.regulatory_class", [sku_, new["regulatory_class"]])
        if old["unit_price"] != new["unit_price"]:
            _price(cur, sku_, new["unit_price"], actor)
        _event(cur, sku_, actor, "edited", change)
        return change

    return db.write(work)


def list_products(cur: Cursor, *, include_inactive: bool = True) -> list[dict]:
    where = "" if include_inactive else "WHERE active"
    rows = cur.execute(f"{_SELECT} {where} ORDER BY name, sku").fetchall()
    return [dict(zip(_READ, r, strict=True)) for r in rows]


def price_history(cur: Cursor, sku_: str) -> list[dict]:
    rows = cur.execute(f"SELECT effective_at, unit_price, {who_sql('changed_by', 'changed_by_email')} "
                       "FROM product_prices WHERE sku = ? "
                       "ORDER BY effective_at DESC", [sku_]).fetchall()
    return [dict(zip(("From", "Price", "By"), r, strict=True)) for r in rows]
