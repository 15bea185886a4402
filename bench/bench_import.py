"""Importing from the previous system: 100,000 clients and 200,000 medical documents from CSV (target
under 30 s together), then 100,000 Client Portal orders from JSON (target under 60 s), into an empty
database, and the same client file again (nothing changes).

Files and the database live in ORDERS_BENCH_DIR; ``python -m bench.bench_import postgresql://...`` runs the same
imports into that PostgreSQL database instead (an empty one: ``createdb``).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time

from bench.common import BENCH, BENCH_DIR, table
from orders_core.intake.importing import import_file
from orders_core.staff.members import add_demo_staff
from orders_core.storage.database import Database, open_database

CLIENTS = 100_000
DOCUMENTS = 200_000
PORTAL_ORDERS = 100_000
TODAY = dt.date(2026, 11, 26)
PLACES = [("Montréal", "QC", "H2W 2M5"), ("Toronto", "ON", "M5H 1A1"), ("Calgary", "AB", "T2P 1J9"),
          ("Halifax", "NS", "B3H 1A1"), ("Vancouver", "BC", "V6B 1A1"), ("Winnipeg", "MB", "R3C 0A1")]


def clients_csv() -> bytes:
    rnd = random.Random(13)
    lines = ["client_number,name,date_of_birth,email,phone,address_line1,address_line2,city,province,"
             "postal_code,registration_status,registered_on"]
    for i in range(CLIENTS):
        city, prov, postal = PLACES[i % len(PLACES)]
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rnd.randrange(25_000))
        lines.append(f"P-{i:06d},Client Éloïse {i},{born:%Y-%m-%d},c{i}@example.ca,514-555-{i % 10000:04d},"
                     f"{i} rue Principale,,{city},{prov},{postal},Approved,2025-{1 + i % 12:02d}-{1 + i % 28:02d}")
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


def documents_csv() -> bytes:
    lines = ["client_number,grams_per_day,valid_from,valid_until,practitioner_name,practitioner_licence"]
    for i in range(DOCUMENTS):
        client, second = divmod(i, 2)
        start = dt.date(2025, 1, 1) + dt.timedelta(days=client % 300) + dt.timedelta(days=365 * second)
        until = start + dt.timedelta(days=364)
        lines.append(f"P-{client:06d},\"{1 + client % 5},5\",{start:%d/%m/%Y}" if start.day > 12 else
                     f"P-{client:06d},{1 + client % 5}.5,{start:%Y-%m-%d}")
        lines[-1] += f",{until:%Y-%m-%d},Dre Gagnon {client % 97},CMQ {10000 + client % 97}"
    return ("\n".join(lines) + "\n").encode()


def products_csv() -> bytes:
    """The demo catalogue as a products file (its classes follow the demo's Schedule 3 forms)."""
    from orders_core.demo.catalogue import _PRODUCTS

    cls = {"dried": "dried", "non-solid": "extract for ingestion"}
    lines = ["sku,name,brand,regulatory_class,category,net_content,net_unit,unit_price,lot_number,bin_location,active"]
    for sku, name, brand, cat, form, net, unit, price, bin_ in _PRODUCTS:
        klass = "not cannabis" if cat == "Accessory" else cls[form]
        unit = "units" if klass == "not cannabis" else unit
        lines.append(f"{sku},{name},{brand},{klass},{cat},{net},{unit},{price},LOT-1,{bin_},yes")
    return ("\n".join(lines) + "\n").encode()


def portal_json() -> bytes:
    """100,000 portal orders from the imported clients, a few over their allowance."""
    from orders_core.demo.catalogue import _PRODUCTS

    rnd = random.Random(7)
    skus = [p[0] for p in _PRODUCTS]
    orders = []
    for i in range(PORTAL_ORDERS):
        placed = dt.datetime(2026, 11, 1) + dt.timedelta(minutes=rnd.randrange(25 * 24 * 60))
        orders.append({"portal_order_id": f"W-{i:07d}", "client_number": f"P-{rnd.randrange(CLIENTS):06d}",
                       "placed_at": placed.isoformat(timespec="seconds"), "carrier": "Canada Post",
                       "lines": [{"sku": rnd.choice(skus), "units": rnd.randint(1, 3)}
                                 for _ in range(rnd.randint(1, 3))]})
    return json.dumps(orders).encode()


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main(target: str | None = None) -> None:
    """Into a new DuckDB file in ORDERS_BENCH_DIR, or into the empty PostgreSQL database ``target`` names."""
    BENCH_DIR.mkdir(exist_ok=True)
    if target:
        db = open_database(target, new_only=True)
    else:
        path = BENCH_DIR / "import.duckdb"
        for p in (path, path.with_suffix(".duckdb.wal")):
            p.unlink(missing_ok=True)
        db = Database(str(path))
    add_demo_staff(db.cursor(), dt.datetime.now().replace(microsecond=0))  # BENCH acts: on the staff list
    clients, documents = clients_csv(), documents_csv()
    rows = []
    r1, t1 = timed(lambda: import_file(db, "clients", clients, BENCH, today=TODAY))
    rows.append(("100,000 clients (CSV)", f"{t1:.1f} s", r1.summary()))
    r2, t2 = timed(lambda: import_file(db, "prescriptions", documents, BENCH, today=TODAY))
    rows.append(("200,000 medical documents (CSV)", f"{t2:.1f} s", r2.summary()))
    rows.append(("clients + documents (target < 30 s)", f"{t1 + t2:.1f} s", ""))
    r3, t3 = timed(lambda: import_file(db, "clients", clients, BENCH, today=TODAY))
    rows.append(("the same 100,000 clients again", f"{t3:.1f} s", r3.summary()))
    import_file(db, "products", products_csv(), BENCH, today=TODAY)
    orders = portal_json()
    from orders_core.intake.portal import import_orders

    now = dt.datetime(2026, 11, 26, 12)
    r4, t4 = timed(lambda: import_orders(db, orders, BENCH, now=now))
    rows.append(("100,000 portal orders (JSON, target < 60 s)", f"{t4:.1f} s", r4.summary()))
    r5, t5 = timed(lambda: import_orders(db, orders, BENCH, now=now))
    rows.append(("the same portal orders again", f"{t5:.1f} s", r5.summary()))
    db.close()
    print(table(rows, ("import", "time", "outcome")))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
