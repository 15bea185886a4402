"""Shipping in bulk from a carrier's file: all or nothing, the imports' problem report, both engines, the
carriers' column maps, and the command line (a bad row leaves the database byte for byte as it was)."""

from __future__ import annotations

import datetime as dt

import pytest

from orders_core.cli.main import main
from orders_core.fulfillment import bulk_ship
from orders_core.storage.reads import fetch_value
from tests.checksums import checksum
from tests.people import FULFILLMENT


def placed(cur, n: int) -> list[int]:
    return [r[0] for r in cur.execute("SELECT order_id FROM orders WHERE status = 'Order Placed' AND archived_at "
                                      "IS NULL ORDER BY order_id LIMIT ?", [n]).fetchall()]


def ship_file(ids, carrier="Purolator", day="") -> bytes:
    return ("order_id,tracking_number,ship_date,carrier\n"
            + "".join(f"{i},PUR{i}X,{day},{carrier}\n" for i in ids)).encode()


def test_a_good_file_ships_every_order_and_a_delivery_file_delivers_them(engine_demo_db):
    db = engine_demo_db
    cur = db.cursor()
    ids = placed(cur, 20)
    n = len(ids)
    assert n >= 10
    events = fetch_value(cur, "SELECT count(*) FROM order_events")
    dry = bulk_ship.import_file(db, ship_file(ids), FULFILLMENT, bulk_ship.TEMPLATES["Standard"], dry_run=True)
    assert dry.ok and not dry.committed
    assert fetch_value(cur, "SELECT count(*) FROM order_events") == events
    report = bulk_ship.import_file(db, ship_file(ids), FULFILLMENT, bulk_ship.TEMPLATES["Standard"])
    assert report.committed and report.summary() == f"Marked {n} orders shipped."
    rows = cur.execute("SELECT status::VARCHAR, carrier, tracking_number, shipped_on, version FROM orders "
                       "WHERE order_id IN (SELECT unnest(?::BIGINT[])) ORDER BY order_id", [ids]).fetchall()
    assert all(r[:2] == ("Shipped", "Purolator") and r[3] == dt.date.today() for r in rows)
    assert [r[2] for r in rows] == [f"PUR{i}X" for i in ids]
    assert fetch_value(cur, "SELECT count(*) FROM order_events") == events + n
    delivered = ("order_id,delivered_date\n" + "".join(f"{i},\n" for i in ids)).encode()
    report = bulk_ship.import_file(db, delivered, FULFILLMENT, bulk_ship.TEMPLATES["Standard delivery"])
    assert report.committed
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE status = 'Delivered' AND order_id IN "
                            "(SELECT unnest(?::BIGINT[]))", [ids]) == n


def test_one_bad_row_changes_nothing_and_is_listed(engine_demo_db):
    db = engine_demo_db
    cur = db.cursor()
    ids = placed(cur, 5)
    shipped = fetch_value(cur, "SELECT min(order_id) FROM orders WHERE status = 'Shipped'")
    data = ship_file(ids) + f"{shipped},PUR1X,,Purolator\n{ids[0]},PUR2X,,Purolator\n".encode()
    data += f"{ids[1] + 10**9},PUR3X,2999-01-01,Pigeon\n".encode()
    before = fetch_value(cur, "SELECT count(*) FROM order_events")
    report = bulk_ship.import_file(db, data, FULFILLMENT, bulk_ship.TEMPLATES["Standard"])
    assert not report.committed
    reasons = {(p.row, p.column): p.reason for p in report.problems}
    assert "is Shipped" in reasons[(7, "order_id")]
    assert "repeats row 2" in reasons[(8, "order_id")]
    assert "not one of our carriers" in reasons[(9, "carrier")]
    assert "There is no order" in reasons[(9, "order_id")]
    assert report.summary().startswith("Nothing was changed: 3 of 8 rows have problems")
    assert fetch_value(cur, "SELECT count(*) FROM order_events") == before
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE order_id IN (SELECT unnest(?::BIGINT[])) "
                            "AND status = 'Order Placed'", [ids]) == 5


def test_canada_post_and_purolator_exports_map_their_columns(db):
    cur = db.cursor()
    a, b = placed(cur, 2)
    cp = f"Customer reference,Tracking number,Mailing date,Weight\n{a},7023 2100 3941 4604,{dt.date.today():%Y/%m/%d},1.2\n"
    report = bulk_ship.import_file(db, cp.encode(), FULFILLMENT, bulk_ship.TEMPLATES["Canada Post (EST)"])
    assert report.committed, report.problems
    pu = f"PIN;Reference 1;Shipment Date\n329012345678;{b};{dt.date.today():%Y%m%d}\n"
    report = bulk_ship.import_file(db, pu.encode(), FULFILLMENT, bulk_ship.TEMPLATES["Purolator (E-Ship Online)"])
    assert report.committed, report.problems
    assert cur.execute("SELECT carrier, tracking_number FROM orders WHERE order_id IN (?, ?) ORDER BY order_id",
                       [a, b]).fetchall() == [("Canada Post", "7023210039414604"), ("Purolator", "329012345678")]
    with pytest.raises(bulk_ship.ShipFileRefused, match="no column 'Reference 1', 'Shipment Date', 'PIN'"):
        bulk_ship.import_file(db, cp.encode(), FULFILLMENT, bulk_ship.TEMPLATES["Purolator (E-Ship Online)"])


def test_the_command_line_refuses_a_file_with_a_bad_row_and_leaves_the_database_as_it_was(db_path, tmp_path, capsys):
    from orders_core.storage.database import Database

    database = Database(str(db_path))
    ids = placed(database.cursor(), 3)
    database.close()
    bad = tmp_path / "ship.csv"
    bad.write_bytes(ship_file(ids) + b"12,PUR12X,,Purolator\n")
    before = checksum(db_path)
    assert main(["ship", str(bad), "--db", str(db_path), "--as", FULFILLMENT.email]) == 1
    err = capsys.readouterr().err
    assert "row 5, order_id '12': There is no order 12." in err
    assert checksum(db_path) == before
    good = tmp_path / "good.csv"
    good.write_bytes(ship_file(ids))
    assert main(["ship", str(good), "--dry-run", "--db", str(db_path), "--as", FULFILLMENT.email]) == 0
    assert checksum(db_path) == before
    assert main(["ship", str(good), "--db", str(db_path), "--as", FULFILLMENT.email]) == 0
    assert "Marked 3 orders shipped." in capsys.readouterr().out
    out = tmp_path / "manifest.pdf"
    assert main(["manifest", "--carrier", "Purolator", "-o", str(out), "--db", str(db_path),
                 "--as", FULFILLMENT.email]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    labels = tmp_path / "labels.pdf"
    assert main(["labels", "--orders", ",".join(map(str, ids)), "-o", str(labels), "--stock", "letter-2x4",
                 "--db", str(db_path), "--as", FULFILLMENT.email]) in (0, 2)
