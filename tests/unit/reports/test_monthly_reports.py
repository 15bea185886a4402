"""The monthly reports (s. 297, CTLS sales, practitioners) against counts written here, separately from the
report's own queries, on a small data set built for the edge cases: a return, a registration that expired
mid-month, a status changed after the month, a document transferred, an order shipped on the last day (its
last event at 23:59), a cancelled and an unshipped order, accessories, a product with no class recorded.
Every test runs on DuckDB and PostgreSQL; the reports must be identical on both."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from orders_core.clients.document_release import ReleaseRefused, release_document
from orders_core.reports import monthly
from orders_core.reports.monthly import files
from orders_core.reports.monthly.access import UnknownReport
from orders_core.rules.roles import NotAllowed
from tests.barcodes import pdf_text
from tests.people import CSR, MANAGER_PERSON

TODAY = dt.date(2026, 12, 5)
OCT = "2026-10"


def _seed(cur) -> None:
    cur.execute("INSERT INTO products VALUES ('DRY', 'Dried 3.5 g', 'B', 'Dried flower', TRUE, 3.5, 'g', 3.5, 30.00, "
                "'L1', 'A-1', TRUE)")
    cur.execute("INSERT INTO products VALUES ('OIL', 'Oil 30 mL', 'B', 'Oil', TRUE, 30, 'mL', 0.429, 45.00, "
                "'L2', 'A-2', TRUE)")  # no regulatory class recorded: its category says extract for ingestion
    cur.execute("INSERT INTO products VALUES ('SEED', 'Seeds x5', 'B', 'Accessory', TRUE, 5, 'seeds', 5, 20.00, "
                "'L3', 'A-3', TRUE)")
    cur.execute("INSERT INTO products VALUES ('ACC', 'Grinder', 'B', 'Accessory', FALSE, 1, 'units', 0, 24.00, "
                "'L4', 'A-4', TRUE)")
    cur.execute("INSERT INTO product_classes VALUES ('DRY', 'dried'), ('SEED', 'seeds'), ('ACC', 'not cannabis')")
    clients = [  # id, province, status now, registered on, document from, until, practitioner, licence
        (1, "QC", "Approved", "2026-01-01", "2026-01-01", "2026-12-31", "Dr. A", "L-1"),
        (2, "ON", "Approved", "2026-01-01", "2026-01-01", "2026-10-15", "Dr. A", "L-1"),  # expired mid-October
        (3, "ON", "Expired", "2026-01-01", "2026-01-01", "2026-12-31", "Dr. B", "L-2"),  # expired in November
        (4, "BC", "Approved", "2026-10-20", "2026-10-20", "2027-10-19", "Dr. B", "L-2"),  # approved in November
        (5, "AB", "Approved", "2026-01-01", "2026-01-01", "2026-12-31", "Dr. C", "L-3"),  # document transferred
    ]
    for cid, prov, status, reg, start, end, dr, licence in clients:
        cur.execute(
            "INSERT INTO clients VALUES (?, ?, ?, DATE '1970-01-01', 'c@example.ca', NULL, '1 rue A', NULL, 'X', ?, "
            "'H2X 1K4', ?, ?::DATE, TIMESTAMP '2026-01-01')", [cid, f"Client {cid}", f"client {cid}", prov, status, reg])
        cur.execute("INSERT INTO prescriptions VALUES (?, ?, 2, ?::DATE, ?::DATE, ?, TRUE)", [cid, cid, start, end, dr])
        cur.execute("INSERT INTO prescription_practitioners VALUES (?, ?)", [cid, licence])
    for cid, at, kind in ((3, "2026-11-05 09:00", "expired"), (4, "2026-11-02 10:00", "approved")):
        cur.execute("INSERT INTO client_events (event_id, client_id, event_at, actor, kind, details) "
                    "VALUES (nextval('client_event_ids'), ?, ?::TIMESTAMP, 'T', ?, '')", [cid, at, kind])
    orders = [  # id, client, status, shipped on, lines (sku, units, price, discount)
        (101, 1, "Delivered", "2026-10-31", [("DRY", 2, "30.00", "0"), ("ACC", 1, "24.00", "0")]),
        (102, 2, "Shipped", "2026-10-01", [("OIL", 1, "45.00", "5.00"), ("SEED", 2, "20.00", "0")]),
        (103, 1, "Shipped", "2026-11-01", [("DRY", 1, "30.00", "0")]),
        (104, 3, "Delivered", "2026-09-30", [("DRY", 3, "30.00", "0")]),
        (105, 1, "Cancelled", None, [("DRY", 1, "30.00", "0")]),
        (106, 3, "Order Placed", None, [("DRY", 1, "30.00", "0")]),
    ]
    for oid, cid, status, shipped, lines in orders:
        sub = sum(Decimal(p) * u for _s, u, p, _d in lines)
        cur.execute(
            "INSERT INTO orders (order_id, client_id, source, placed_by, created_at, status, subtotal, total_due, "
            "shipped_on, updated_at) VALUES (?, ?, 'CSR', 'T', TIMESTAMP '2026-09-01 10:00', ?, ?, ?, ?::DATE, "
            "TIMESTAMP '2026-09-01 10:00')", [oid, cid, status, sub, sub, shipped])
        for n, (sku, units, price, disc) in enumerate(lines, 1):
            cur.execute("INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, ?)",
                        [oid, n, sku, units, Decimal(price), Decimal(disc)])
    cur.execute("INSERT INTO order_events (event_id, order_id, event_at, actor, kind, details) VALUES "
                "(1, 101, TIMESTAMP '2026-10-31 23:59:00', 'T', 'status', 'Order Placed -> Shipped')")
    _return(cur, 1, 104, "2026-10-10", 1)


def _return(cur, return_id: int, order_id: int, day: str, units: int) -> None:
    cur.execute("INSERT INTO order_returns (return_id, order_id, received_on, reason, disposition, received_by, "
                "received_by_email, recorded_at) VALUES (?, ?, ?::DATE, 'Other', 'Quarantined for destruction', "
                "'T', 't@example.ca', TIMESTAMP '2026-10-10 10:00')", [return_id, order_id, day])
    cur.execute("INSERT INTO order_return_lines (return_id, line_no, order_id, sku, units) VALUES (?, 1, ?, 'DRY', ?)",
                [return_id, order_id, units])


@pytest.fixture
def data(engine_empty_db):
    engine_empty_db.write(_seed)
    release_document(engine_empty_db, 5, {"kind": "transferred", "released_on": "2026-10-20",
                                          "to_seller": "Other Seller Inc."}, MANAGER_PERSON, today=TODAY)
    return engine_empty_db


# --- independent counts (written apart from the report's SQL) ----------------------------------------------

def _count(cur, sql, params=()):
    return cur.execute(sql, list(params)).fetchall()


def test_s297_figures_match_independent_counts(data):
    cur = data.cursor()
    r = monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON).figures["s297"]
    # Valid on 2026-10-31: client 1 (document through December) and client 3 (expired only in November).
    expected = _count(cur, """
        SELECT count(*) FROM clients c WHERE c.client_id IN (
            SELECT p.client_id FROM prescriptions p WHERE DATE '2026-10-31' BETWEEN p.valid_from AND p.valid_until)
          AND c.client_id NOT IN (SELECT client_id FROM medical_document_releases WHERE released_on <= DATE '2026-10-31')
          AND (c.registration_status::VARCHAR = 'Approved' AND c.client_id NOT IN (
                 SELECT client_id FROM client_events WHERE kind = 'approved' AND event_at >= DATE '2026-11-01')
               OR c.client_id IN (SELECT client_id FROM client_events WHERE kind = 'expired'
                                  AND event_at >= DATE '2026-11-01'))""")[0][0]
    assert r["valid_registrations"] == expected == 2
    assert r["documents_transferred_or_returned"] == r["documents_transferred"] == 1
    assert r["documents_returned"] == 0
    behind = monthly.behind_csv_for(cur, "s297", OCT, ("valid_registrations",), TODAY, MANAGER_PERSON)[0]
    assert behind.ids == [1, 3]
    # September: client 2 still valid, client 4 not yet registered, client 5 not yet transferred.
    assert monthly.reports_for(cur, "2026-09", TODAY, MANAGER_PERSON).figures["s297"]["valid_registrations"] == 4


def test_s297_daily_quantities_paragraph_c(data):
    """s. 297(1)(c): average, median and highest daily quantity of the documents behind the registrations
    valid on the month's last day, in grams; (d) and (e) are named as not produced, in the CSV too."""
    data.write(lambda c: c.execute("UPDATE prescriptions SET grams_per_day = 5 WHERE client_id = 3"))
    cur = data.cursor()
    r = monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON).figures["s297"]
    # Valid on 2026-10-31: client 1 (2 g) and client 3 (5 g).
    assert (r["average_daily_grams"], r["median_daily_grams"], r["highest_daily_grams"]) == (
        Decimal("3.500"), Decimal("3.500"), Decimal("5.000"))
    sep = monthly.reports_for(cur, "2026-09", TODAY, MANAGER_PERSON).figures["s297"]
    # Valid on 2026-09-30: clients 1, 2, 5 (2 g each) and 3 (5 g): median of 2, 2, 2, 5 is 2.
    assert (sep["average_daily_grams"], sep["median_daily_grams"], sep["highest_daily_grams"]) == (
        Decimal("2.750"), Decimal("2.000"), Decimal("5.000"))
    assert "297(1)(d)" in r["not_made"] and "(e)" in r["not_made"]
    lines = monthly.export_for(cur, "s297", OCT, "csv", TODAY, MANAGER_PERSON).decode("utf-8-sig").splitlines()
    assert lines[0].startswith(",".join(files.S297_COLUMNS[:-1]))
    assert lines[1].startswith("2026,10,2026-10-31,2,1,1,0,3.500,3.500,5.000,")
    text = " ".join(pdf_text(monthly.export_for(cur, "s297", OCT, "pdf", TODAY, MANAGER_PERSON)).split())
    assert "Median daily quantity of dried cannabis, valid registrations' documents (s. 297(1)(c)(ii)) 3.500 g" in text
    assert "Not produced here: s. 297(1)(d)" in text


def test_s297_daily_quantities_rules():
    from orders_core.reports.monthly.figures import daily_quantities
    assert daily_quantities([]) == {"average_daily_grams": None, "median_daily_grams": None,
                                    "highest_daily_grams": None}
    odd = daily_quantities([(Decimal("1.50"), 2), (Decimal("3.00"), 1)])  # 1.5, 1.5, 3
    assert (odd["average_daily_grams"], odd["median_daily_grams"], odd["highest_daily_grams"]) == (
        Decimal("2.000"), Decimal("1.500"), Decimal("3.000"))
    even = daily_quantities([(Decimal("1"), 1), (Decimal("2.25"), 1)])
    assert even["median_daily_grams"] == Decimal("1.625") and even["average_daily_grams"] == Decimal("1.625")


def test_ctls_sales_match_independent_counts(data):
    cur = data.cursor()
    rows = {(r["province"], r["category"]): r for r in
            monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON).figures["ctls-sales"]["rows"]}
    sold = _count(cur, """
        SELECT c.province, l.sku, sum(l.units), sum(l.units * p.net_content), sum(l.units * l.unit_price - l.line_discount)
        FROM orders o, order_lines l, products p, clients c
        WHERE l.order_id = o.order_id AND p.sku = l.sku AND c.client_id = o.client_id AND p.is_cannabis
          AND o.shipped_on BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'
        GROUP BY c.province, l.sku ORDER BY 1, 2""")
    names = {"DRY": "Dried", "OIL": "Extracts - ingested", "SEED": "Seeds"}
    assert {(p, names[s]) for p, s, *_ in sold} | {("ON", "Dried")} == set(rows)
    for province, sku, units, net, value in sold:
        row = rows[(province, names[sku])]
        assert row["units"] == units
        assert row["value"] == Decimal(value)
        assert row["quantity"] == (Decimal(net) if sku == "SEED" else (Decimal(net) / 1000).quantize(Decimal("0.001")))
    assert rows[("QC", "Dried")]["units"] == 2  # shipped on the last day (at 23:59): October
    assert rows[("QC", "Dried")]["quantity"] == Decimal("0.007")
    assert rows[("ON", "Extracts - ingested")]["value"] == Decimal("40.00")
    assert rows[("ON", "Seeds")]["quantity"] == 10 and rows[("ON", "Seeds")]["unit"] == "seeds"
    back = rows[("ON", "Dried")]  # order 104 shipped in September, 1 unit returned in October
    assert (back["units"], back["returned_units"], back["returned_quantity"]) == (0, 1, Decimal("0.004"))
    assert "ACC" not in json.dumps(files.canonical_json(rows.get(("QC", "Dried"))))
    ids = monthly.behind_csv_for(cur, "ctls-sales", OCT, ("QC", "Dried"), TODAY, MANAGER_PERSON)[0].ids
    assert ids == [101]
    nov = monthly.reports_for(cur, "2026-11", TODAY, MANAGER_PERSON).figures["ctls-sales"]["rows"]
    assert [(r["province"], r["category"], r["units"]) for r in nov] == [("QC", "Dried", 1)]


def test_practitioners(data):
    cur = data.cursor()
    rows = monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON).figures["practitioners"]["rows"]
    assert [(r["practitioner"], r["licence"], r["clients"], r["daily_grams"]) for r in rows] == [
        ("Dr. A", "L-1", 1, Decimal("2.000")), ("Dr. B", "L-2", 1, Decimal("2.000"))]
    note = monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON).figures["practitioners"]["note"]
    assert "297(1)(f) and (g)" in note and "profession, business address" in note
    header = monthly.export_for(cur, "practitioners", OCT, "csv", TODAY, MANAGER_PERSON).decode("utf-8-sig")
    assert "Medical documents signed (s. 297(1)(g))" in header.splitlines()[0]


def test_files_same_bytes_twice_and_csv_layout(data):
    cur = data.cursor()
    for fmt in ("csv", "json", "pdf"):
        first = monthly.export_for(cur, "ctls-sales", OCT, fmt, TODAY, MANAGER_PERSON)
        assert first == monthly.export_for(cur, "ctls-sales", OCT, fmt, TODAY, MANAGER_PERSON)
    text = monthly.export_for(cur, "ctls-sales", OCT, "csv", TODAY, MANAGER_PERSON).decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(files.CTLS_COLUMNS)
    assert "2026,10,QC,Dried,2,0.007,kg,60.00,0,0.000" in text.splitlines()


def test_submitted_then_late_return_shows_the_difference(data):
    cur = data.cursor()
    reports = monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON)
    monthly.mark_submitted(data, "ctls-sales", OCT, reports.fingerprint("ctls-sales"), TODAY, MANAGER_PERSON)
    last, diffs = monthly.submitted_state_for(cur, monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON), "ctls-sales")
    assert last.submitted_by_email == MANAGER_PERSON.email and diffs == []
    data.write(lambda c: _return(c, 2, 101, "2026-10-31", 1))  # a late return, received in October
    last, diffs = monthly.submitted_state_for(cur, monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON), "ctls-sales")
    assert [(d.figure, d.before, d.after) for d in diffs] == [
        ("QC / Dried: returned_quantity", 0.0, 0.004), ("QC / Dried: returned_units", 0, 1)]
    with pytest.raises(monthly_stale()):
        monthly.mark_submitted(data, "ctls-sales", OCT, reports.fingerprint("ctls-sales"), TODAY, MANAGER_PERSON)


def test_s297_submitted_before_paragraph_c_was_produced_shows_no_false_change(data):
    cur = data.cursor()
    reports = monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON)
    monthly.mark_submitted(data, "s297", OCT, reports.fingerprint("s297"), TODAY, MANAGER_PERSON)
    old = {k: v for k, v in json.loads(files.canonical_json(reports.figures["s297"])).items()
           if not k.endswith("_daily_grams")}  # a submission made before s. 297(1)(c) was produced
    data.write(lambda c: c.execute("UPDATE monthly_report_submissions SET figures = ?", [json.dumps(old)]))
    _last, diffs = monthly.submitted_state_for(cur, monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON), "s297")
    assert diffs == []
    data.write(lambda c: c.execute("UPDATE prescriptions SET grams_per_day = 5 WHERE client_id = 3"))
    reports = monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON)
    monthly.mark_submitted(data, "s297", OCT, reports.fingerprint("s297"), TODAY, MANAGER_PERSON)
    data.write(lambda c: c.execute("UPDATE prescriptions SET grams_per_day = 2 WHERE client_id = 3"))
    _last, diffs = monthly.submitted_state_for(cur, monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON), "s297")
    assert [(d.figure, d.before, d.after) for d in diffs] == [
        ("average_daily_grams", 3.5, 2.0), ("highest_daily_grams", 5.0, 2.0), ("median_daily_grams", 3.5, 2.0)]


def monthly_stale():
    from orders_core.reports.monthly.submissions import StaleFigures
    return StaleFigures


def test_refusals(data):
    cur = data.cursor()
    for month in ("2026-12", "2027-01", "2026-13", "26-10", "2025-12"):
        with pytest.raises(monthly.InvalidMonth):
            monthly.reports_for(cur, month, TODAY, MANAGER_PERSON)
    with pytest.raises(NotAllowed):
        monthly.reports_for(cur, OCT, TODAY, CSR)
    with pytest.raises(UnknownReport):
        monthly.export_for(cur, "sales", OCT, "csv", TODAY, MANAGER_PERSON)
    with pytest.raises(ReleaseRefused):  # already transferred
        release_document(data, 5, {"kind": "returned", "released_on": "2026-10-25"}, MANAGER_PERSON, today=TODAY)
    with pytest.raises(ReleaseRefused):  # a transfer names the seller
        release_document(data, 1, {"kind": "transferred", "released_on": "2026-10-25"}, MANAGER_PERSON, today=TODAY)


def test_the_views_and_files_are_in_the_access_log(data):
    cur = data.cursor()
    monthly.reports_for(cur, OCT, TODAY, MANAGER_PERSON)
    monthly.export_for(cur, "s297", OCT, "csv", TODAY, MANAGER_PERSON)
    kinds = cur.execute("SELECT kind, what, filters FROM access_log ORDER BY access_id").fetchall()
    assert ("report", "Monthly reports", "2026-10: s297, ctls-sales, practitioners") in kinds
    assert ("export", "Section 297 CSV", "2026-10") in kinds


@pytest.fixture(scope="module")
def both_engines():
    return {}


@pytest.mark.parametrize("report", ["s297", "ctls-sales", "practitioners"])
def test_duckdb_and_postgresql_identical(data, report, both_engines, request):
    """Each engine's canonical JSON of the report is the same (the PostgreSQL run compares with DuckDB's)."""
    text = files.canonical_json(monthly.reports_for(data.cursor(), OCT, TODAY, MANAGER_PERSON).figures[report])
    engine = request.node.callspec.params["engine_empty_db"]
    both_engines.setdefault(report, {})[engine] = text
    if len(both_engines[report]) == 2:
        assert both_engines[report]["duckdb"] == both_engines[report]["postgresql"]
