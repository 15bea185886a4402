"""The Orders export read back by a CSV reader: a client's name that is a spreadsheet formula comes out as text."""

from __future__ import annotations

import csv
import io

from orders_core.orders.access import export_csv_for
from orders_core.orders.index import OrderQuery
from tests.people import MANAGER_PERSON

ATTACKS = ["-2+3+cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "@SUM(A1)", "\uff1d1+1"]


def test_formula_names_are_exported_as_text(db):
    cur = db.cursor()
    clients = [r[0] for r in cur.execute("SELECT DISTINCT client_id FROM orders WHERE archived_at IS NULL "
                                         "ORDER BY 1 LIMIT ?", [len(ATTACKS)]).fetchall()]
    for client_id, name in zip(clients, ATTACKS, strict=True):
        cur.execute("UPDATE clients SET name = ? WHERE client_id = ?", [name, client_id])
    raw = export_csv_for(cur, OrderQuery(), MANAGER_PERSON)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    names = {r["Client"] for r in rows}
    for attack in ATTACKS:
        assert "'" + attack in names and attack not in names, attack
    for row in rows:  # no other cell starts a formula either; numbers stay numbers
        for column, cell in row.items():
            assert cell[:1] not in ("=", "+", "@", "\t", "\r") or cell.startswith("'"), (column, cell)
            if cell.startswith("-"):
                float(cell)  # a negative number, not a formula
