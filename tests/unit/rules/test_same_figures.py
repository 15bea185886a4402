"""One formatter for grams and one for money: the same figure reads the same on every page, PDF and CSV."""

from __future__ import annotations

import random
from decimal import Decimal

from orders_core.fulfillment.picking import generate_picking_list
from orders_core.fulfillment.picking_pdf import grams_text
from orders_core.orders.access import export_csv_for, list_orders_for
from orders_core.orders.index import OrderQuery
from orders_core.recurring.templates import _g
from orders_core.rules import formatting
from orders_core.storage import dialect
from tests.people import MANAGER_PERSON, acting
from tests.unit.fulfillment.test_picking import pages_text


def sample_grams() -> list[Decimal]:
    rnd = random.Random(9)
    edges = ["0", "0.001", "0.0005", "0.429", "3.5", "17", "150", "999.999", "1000", "1234.25", "12345678.125"]
    return [Decimal(v) for v in edges] + [Decimal(rnd.randrange(0, 10**10)) / 1000 for _ in range(2_000)]


def test_the_sql_sentences_and_the_picking_list_write_grams_as_the_one_formatter_does(engine_empty_db):
    """The recurring generator's sentences write grams in SQL (``dialect.grams_text``), on either engine."""
    cur = engine_empty_db.cursor()
    values = sample_grams()
    in_sql = dialect.of(cur).grams_text("x")
    rows = cur.execute(f"SELECT x, {in_sql} FROM (SELECT unnest(?::DECIMAL(18, 4)[]) AS x) v",  # noqa: S608
                       [values]).fetchall()
    expected = [formatting.grams(v, unit=False) for v in values]
    assert len(rows) == len(values) and all(text == formatting.grams(x, unit=False) for x, text in rows)
    assert [grams_text(v) for v in values] == expected == [_g(v) for v in values]


def test_an_orders_grams_and_total_read_the_same_in_the_index_the_csv_and_the_picking_list(db, cur):
    order_id, grams, total = cur.execute(
        "SELECT order_id, grams, total_due FROM orders WHERE status = 'Order Placed' AND archived_at IS NULL "
        "AND grams * 100 <> floor(grams * 100) ORDER BY order_id LIMIT 1").fetchall()[0]
    text = formatting.grams(grams, unit=False)
    assert len(text.split(".")[1]) == 3  # a figure the old index rounded to 2 decimals
    q = OrderQuery(search=str(order_id))
    row = formatting.index_rows(list_orders_for(cur, q, MANAGER_PERSON).rows).iloc[0]
    assert row["Quantity"] == f"{text} g" and row["Total Due"] == formatting.money(total)
    csv_row = export_csv_for(cur, q, MANAGER_PERSON).decode().splitlines()[1].split(",")
    assert csv_row[2] == text.replace(",", "") and csv_row[3] == formatting.money(total, csv=True)
    pdf = "\n".join(pages_text(generate_picking_list(db, order_ids=[order_id], actor=acting("Test")).pdf))
    assert f"Dried-cannabis equivalent: {text} g" in pdf
