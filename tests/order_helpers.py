"""Test clients and products with known prescriptions, independent of the demo data's dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from orders_core.rules.equivalents import dried_equivalent
from orders_core.storage import dialect
from orders_core.storage.reads import fetch_value

TODAY = dt.date.today()


def make_client(
    cur, name: str = "Éloïse Bérubé-Test", *, gpd: str = "2", registration: str = "Approved",
    valid_from: dt.date | None = None, valid_until: dt.date | None = None, policy: tuple | None = None,
) -> int:
    """A client whose current prescription period started 5 days ago; ``policy`` = (insurer, share, $max, g max)."""
    client_id = fetch_value(cur, "SELECT nextval('client_ids')")
    cur.execute(
        f"""
        INSERT INTO clients VALUES (?, ?, {dialect.of(cur).fold("?")}, DATE '1970-05-04', 'test@example.ca',
            '(514) 555-0100', '123 rue Saint-Denis', NULL, 'Montréal', 'QC', 'H2X 1K4', ?,
            DATE '2020-01-01', TIMESTAMP '2020-01-01')
        """,
        [client_id, name, name, registration],
    )
    cur.execute(
        "INSERT INTO prescriptions VALUES (nextval('prescription_ids'), ?, ?, ?, ?, 'Dr. Test', TRUE)",
        [client_id, Decimal(gpd), valid_from or TODAY - dt.timedelta(days=5),
         valid_until or TODAY + dt.timedelta(days=300)],
    )
    if policy:
        insurer, share, dollars, grams = policy
        cur.execute(
            "INSERT INTO coverage_policies VALUES (nextval('policy_ids'), ?, ?, ?, ?, ?, DATE '2020-01-01', NULL, TRUE)",
            [client_id, insurer, Decimal(share), dollars and Decimal(dollars), grams and Decimal(grams)],
        )
    return client_id


def make_product(cur, sku: str, form: str, net: str, price: str = "10.00", category: str = "Oil") -> Decimal:
    """A cannabis product of class ``form``; returns its dried equivalent per unit."""
    equiv = dried_equivalent(form, net)
    cur.execute(
        "INSERT INTO products VALUES (?, ?, 'Test Brand', ?, TRUE, ?, 'g', ?, ?, 'LOT-1', 'Z-01-1', TRUE)",
        [sku, f"Test {form} {net} g", category, Decimal(net), equiv, Decimal(price)],
    )
    return equiv
