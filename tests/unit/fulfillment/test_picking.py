"""Picking lists, read back from the PDF the way a Fulfillment Associate would read them.

The tests with a database run on both engines (DuckDB and PostgreSQL); the command-line ones on a DuckDB file.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from pypdf import PdfReader

from orders_core.cli.main import main as cli_main
from orders_core.fulfillment.picking import (
    DEFAULT_LICENCE_HOLDER,
    EmptyPickingList,
    PickingListError,
    eligible_order_ids,
    generate_picking_list,
    order_ids_for_query,
    picking_list_pdf,
    picking_preview,
    recent_picking_lists,
)
from orders_core.fulfillment.picking_pdf import grams_text
from orders_core.orders.index import OrderQuery
from orders_core.rules.roles import ADMIN, NotAllowed
from orders_core.storage.reads import fetch_value
from tests.people import acting


@pytest.fixture
def db(engine_demo_db):
    """The demo on each engine (DuckDB, and the same rows on PostgreSQL)."""
    return engine_demo_db


ACTOR = acting("Zoë Côté-Müller")
# Code 39 patterns (n = narrow, w = wide; bar, space, bar, ...) for the characters an Order ID uses.
CODE39 = {
    "nnnwwnwnn": "0", "wnnwnnnnw": "1", "nnwwnnnnw": "2", "wnwwnnnnn": "3", "nnnwwnnnw": "4",
    "wnnwwnnnn": "5", "nnwwwnnnn": "6", "nnnwnnwnw": "7", "wnnwnnwnn": "8", "nnwwnnwnn": "9",
    "nwnnwnwnn": "*",
}
RECT = re.compile(rb"(-?[\d.]+) (-?[\d.]+) ([\d.]+) (-?[\d.]+) re f")


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def barcodes(pdf: bytes) -> list[list[str]]:
    """The Code 39 barcodes drawn on each page, decoded from the bars themselves."""
    decoded = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        data = page.get_contents().get_data()
        rows: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for x, y, w, h in RECT.findall(data):
            if abs(float(h)) > 25:  # barcode bars are 11 mm tall; table fills are much lower
                rows.setdefault((y, h), []).append((float(x), float(w)))
        decoded.append([_decode(sorted(bars)) for bars in rows.values()])
    return decoded


def _decode(bars: list[tuple[float, float]]) -> str:
    narrow = min(w for _, w in bars)
    kinds = []
    for i, (x, w) in enumerate(bars):
        kinds.append("w" if w > 2 * narrow else "n")
        if i + 1 < len(bars):
            space = bars[i + 1][0] - (x + w)
            kinds.append("w" if space > 2 * narrow else "n")
    text = ""
    # 9 elements per character, then one narrow gap between characters
    for start in range(0, len(kinds), 10):
        text += CODE39[''.join(kinds[start:start + 9])]
    return text


def order_lines(cur, ids) -> dict[int, list[tuple]]:
    rows = cur.execute(
        """
        SELECT l.order_id, l.sku, p.lot_number, p.bin_location, l.units,
               CASE WHEN p.is_cannabis THEN l.units * p.dried_equiv_grams END
        FROM order_lines l JOIN products p USING (sku)
        WHERE l.order_id IN (SELECT unnest(?::BIGINT[])) ORDER BY l.order_id, l.line_no
        """,
        [list(ids)],
    ).fetchall()
    out: dict[int, list[tuple]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(r[1:])
    return out


def section(text: str, order_id: int) -> str:
    """The text of one order's section, from its heading to its sign-off."""
    m = re.search(rf"Order {order_id} \(.*?Order {order_id} picked by", text, re.S)
    assert m, f"order {order_id} has no complete section"
    return m.group(0)


def placed_ids(cur) -> list[int]:
    return [r[0] for r in cur.execute(
        "SELECT order_id FROM orders WHERE status = 'Order Placed' AND archived_at IS NULL ORDER BY order_id"
    ).fetchall()]


@pytest.fixture
def made(db):
    return generate_picking_list(db, actor=ACTOR)


def test_default_list_holds_every_order_placed_order_with_every_line(db, cur, made):
    ids = placed_ids(cur)
    assert len(ids) >= 5
    assert made.order_ids == ids
    text = "\n".join(pages_text(made.pdf))
    for order_id, lines in order_lines(cur, ids).items():
        rows = [r for r in section(text, order_id).splitlines() if re.match(r"^[A-Z]{2}-[A-Z]+-", r)]
        assert len(rows) == len(lines)
        for sku, lot, bin_, units, grams in lines:
            g = grams_text(grams) if grams is not None else "–"
            assert any(r.startswith(sku + " ") and r.endswith(f" {lot} {bin_} {units} {g}") for r in rows), \
                (order_id, sku)
    heading_ids = [int(m) for m in re.findall(r"^Order (\d+) \(", text, re.M)]
    assert heading_ids == ids


@pytest.mark.breaches_on_purpose  # the test changes rows behind the rules
def test_archived_and_other_statuses_are_not_on_the_default_list(db, cur):
    archived = placed_ids(cur)[0]
    cur.execute("UPDATE orders SET archived_at = now()::TIMESTAMP, version = version + 1 WHERE order_id = ?", [archived])
    made = generate_picking_list(db, actor=ACTOR)
    assert archived not in made.order_ids
    statuses = cur.execute(
        "SELECT DISTINCT status::VARCHAR FROM orders WHERE order_id IN (SELECT unnest(?::BIGINT[]))",
        [made.order_ids],
    ).fetchall()
    assert statuses == [("Order Placed",)]


def _batch_rows(first_page: str) -> list[tuple[str, str, str, int, int, str]]:
    pattern = re.compile(r"^([A-Z]-\d\d-\d) (\S+) .+ (L\d{4}-\d{3}) ([\d,]+) ([\d,]+) ([\d.,]+)$", re.M)
    return [(b, s, lot, int(u.replace(",", "")), int(n), g) for b, s, lot, u, n, g in pattern.findall(first_page)]


def test_batch_section_totals_equal_the_order_sections_and_run_in_bin_order(cur, made):
    pages = pages_text(made.pdf)
    batch = _batch_rows(pages[0])
    assert [r[0] for r in batch] == sorted(r[0] for r in batch)  # bin order: one walk through the vault

    text = "\n".join(pages[1:])
    by_sku_lot: Counter = Counter()
    orders_per_sku_lot: dict[tuple[str, str], set[int]] = {}
    grams = Decimal("0")
    for order_id in made.order_ids:
        for row in section(text, order_id).splitlines():
            m = re.match(r"^([A-Z]{2}-[A-Z]+-\S+) .+ (L\d{4}-\d{3}) [A-Z]-\d\d-\d (\d+) (\S+)$", row)
            if m:
                by_sku_lot[(m[1], m[2])] += int(m[3])
                orders_per_sku_lot.setdefault((m[1], m[2]), set()).add(order_id)
                grams += Decimal(m[4]) if m[4] != "–" else 0
    assert {(s, lot): u for _, s, lot, u, _, _ in batch} == dict(by_sku_lot)
    assert {(s, lot): n for _, s, lot, _, n, _ in batch} == {k: len(v) for k, v in orders_per_sku_lot.items()}

    total = re.search(r"Total: (\d+) SKU/lot rows ([\d,]+) ([\d,]+) ([\d.,]+)", pages[0])
    assert int(total[1]) == len(batch)
    assert int(total[2].replace(",", "")) == sum(by_sku_lot.values())
    assert int(total[3]) == len(made.order_ids)
    assert total[4] == grams_text(grams)
    summary = f"{len(made.order_ids)} orders · {sum(len(v) for v in order_lines(cur, made.order_ids).values())} lines"
    assert summary in pages[0]


def test_every_page_has_holder_list_number_generated_and_page_x_of_y(made):
    pages = pages_text(made.pdf)
    assert len(pages) >= 2
    for i, text in enumerate(pages, start=1):
        assert DEFAULT_LICENCE_HOLDER in text
        assert f"Picking list {made.number}" in text
        assert re.search(rf"Generated \d{{4}}-\d\d-\d\d \d\d:\d\d by {ACTOR.name} \(zoe\.cote", text)
        assert f"Page {i} of {len(pages)}" in text


def test_accented_names_print_intact(db, cur):
    holder = "Cannabis Médical Québec Ltée"
    made = generate_picking_list(db, actor=ACTOR, licence_holder=holder)
    text = "\n".join(pages_text(made.pdf))
    names = [r[0] for r in cur.execute(
        "SELECT DISTINCT c.name FROM orders o JOIN clients c USING (client_id) "
        "WHERE o.order_id IN (SELECT unnest(?::BIGINT[]))", [made.order_ids]).fetchall()]
    assert any(n.encode("ascii", "ignore").decode() != n for n in names), "the demo should hold accented names"
    for name in names:
        assert name in text
    assert holder in text and ACTOR.name in text
    assert "Boréal Botanicals" in text or "Érablière Cannabis" in text or "Montréal" in text
    assert "?" not in text.replace("(initials)", "")


def test_licence_holder_comes_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("ORDERS_LICENCE_HOLDER", "Les Jardins Médicinaux Inc.")
    made = generate_picking_list(db, actor=ACTOR)
    assert all("Les Jardins Médicinaux Inc." in t for t in pages_text(made.pdf))


def test_a_barcode_encoding_each_order_id_is_drawn_beside_its_order(made):
    pages = pages_text(made.pdf)
    codes = barcodes(made.pdf)
    assert codes[0] == []  # the batch page has none
    drawn = [c for page in codes for c in page]
    assert sorted(drawn) == sorted(f"*{i}*" for i in made.order_ids)
    for text, page_codes in zip(pages, codes, strict=True):
        for code in page_codes:
            assert f"Order {code.strip('*')} (" in text


def test_each_order_section_stays_on_one_page(made):
    for text in pages_text(made.pdf)[1:]:
        starts = re.findall(r"^Order (\d+) \(", text, re.M)
        ends = re.findall(r"^Order (\d+) picked by", text, re.M)
        assert starts == ends


@pytest.mark.breaches_on_purpose  # the test changes rows behind the rules
def test_a_long_order_continues_on_the_next_page_under_its_heading(db, cur):
    order_id = placed_ids(cur)[0]
    cur.execute("DELETE FROM order_lines WHERE order_id = ?", [order_id])  # test data only
    skus = [r[0] for r in cur.execute("SELECT sku FROM products ORDER BY sku").fetchall()]
    for n in range(1, 61):
        cur.execute("INSERT INTO order_lines VALUES (?, ?, ?, ?, 1.00, 0)", [order_id, n, skus[n % len(skus)], n])
    made = generate_picking_list(db, order_ids=[order_id], actor=ACTOR)
    pages = pages_text(made.pdf)
    assert len(pages) >= 3
    assert f"Order {order_id} (continued)" in pages[2]
    text = "\n".join(pages)
    units = [int(r.rsplit(" ", 2)[1]) for r in text.splitlines() if re.match(r"^[A-Z]{2}-[A-Z]+-\S+ .+ L\d{4}", r)]
    assert sorted(units) == list(range(1, 61))


@pytest.mark.breaches_on_purpose  # the test changes rows behind the rules
def test_a_long_batch_section_continues_in_bin_order_with_its_heading(db, cur):
    order_id = placed_ids(cur)[0]
    for n in range(50):  # test data: fifty more products, in bins F-00-0 .. F-49-0, added out of order
        k = (n * 7) % 50
        cur.execute("INSERT INTO products VALUES (?, ?, 'Test Brand', 'Dried flower', TRUE, 1, 'g', 1, 5.00, "
                    "?, ?, TRUE)", [f"TS-X-{k:03d}", f"Test product {k}", f"L2026-{k:03d}", f"F-{k:02d}-0"])
        cur.execute("INSERT INTO order_lines VALUES (?, ?, ?, 1, 5.00, 0)", [order_id, 100 + n, f"TS-X-{k:03d}"])
    made = generate_picking_list(db, actor=ACTOR)
    pages = pages_text(made.pdf)
    end = next(i for i, text in enumerate(pages) if "Total:" in text)
    assert end >= 1 and all("Batch pick (continued)" in text for text in pages[1:end + 1])
    batch = [row for text in pages[:end + 1] for row in _batch_rows(text)]
    bins = [r[0] for r in batch]
    assert bins == sorted(bins) and len([b for b in bins if b.startswith("F-")]) == 50
    assert f"Order {order_id} (" in pages[end + 1]  # the orders start after the batch pages


@pytest.mark.breaches_on_purpose  # the test changes rows behind the rules
def test_grams_are_printed_against_the_clients_cap(db, cur):
    ids = placed_ids(cur)
    over, none = [r[0] for r in cur.execute(
        "SELECT min(order_id) FROM orders WHERE status = 'Order Placed' AND archived_at IS NULL "
        "AND grams IS NOT NULL GROUP BY client_id ORDER BY 1 LIMIT 2").fetchall()]
    cur.execute(
        "UPDATE prescriptions SET grams_per_day = 0.01 WHERE client_id = (SELECT client_id FROM orders WHERE order_id = ?)",
        [over],
    )
    cur.execute(
        "UPDATE prescriptions SET active = FALSE WHERE client_id = (SELECT client_id FROM orders WHERE order_id = ?)",
        [none],
    )
    made = generate_picking_list(db, order_ids=ids, actor=ACTOR)
    text = "\n".join(pages_text(made.pdf))
    s_over, s_none = section(text, over), section(text, none)
    assert "OVER the cap of 0.3 g (lesser of 30 × 0.01 g/day and 150 g)." in s_over
    assert "no active prescription on file." in s_none
    for s in (s_over, s_none):
        assert "STOP: do not pack this order; return it to a CSR." in s
    stopped_clients = "SELECT client_id FROM orders WHERE order_id IN (?, ?)"
    others = [r[0] for r in cur.execute(
        f"SELECT order_id FROM orders WHERE order_id IN (SELECT unnest(?::BIGINT[])) "
        f"AND client_id NOT IN ({stopped_clients})", [ids, over, none]).fetchall()]
    assert others
    for order_id in others:
        s = section(text, order_id)
        grams = fetch_value(cur, "SELECT grams FROM orders WHERE order_id = ?", [order_id])
        if grams is None:
            assert "No cannabis in this order" in s
        else:
            assert f"Dried-cannabis equivalent: {grams_text(grams)} g of the " in s
            assert "prescription label" in s
        assert "STOP" not in s


def test_generating_records_an_event_per_order_and_keeps_the_list(db, cur, made):
    events = cur.execute(
        "SELECT order_id, actor, details FROM order_events WHERE kind = 'picking_list' ORDER BY order_id"
    ).fetchall()
    assert events == [(i, ACTOR.name, f"Added to picking list {made.number}") for i in made.order_ids]
    assert fetch_value(cur, "SELECT generated_by_email FROM picking_lists WHERE picking_list_id = ?",
                       [made.number]) == ACTOR.email
    kept = recent_picking_lists(cur)
    assert [(k.number, k.generated_by, k.orders) for k in kept] == \
        [(made.number, f"{ACTOR.name} ({ACTOR.email})", len(made.order_ids))]
    assert pages_text(picking_list_pdf(db, made.number)) == pages_text(made.pdf)


def test_a_kept_list_reprints_what_was_picked_even_after_changes(db, cur, made):
    order_id = made.order_ids[0]
    sku = fetch_value(cur, "SELECT sku FROM order_lines WHERE order_id = ? ORDER BY line_no LIMIT 1", [order_id])
    old_bin = fetch_value(cur, "SELECT bin_location FROM products WHERE sku = ?", [sku])
    cur.execute("UPDATE products SET bin_location = 'Z-99-9' WHERE sku = ?", [sku])
    cur.execute("UPDATE orders SET status = 'Shipped', version = version + 1 WHERE order_id = ?", [order_id])
    again = "\n".join(pages_text(picking_list_pdf(cur, made.number)))
    assert f" {old_bin} " in section(again, order_id)
    assert "Z-99-9" not in again


def test_chosen_orders_only(db, cur):
    ids = placed_ids(cur)[:2]
    made = generate_picking_list(db, order_ids=[ids[1], ids[0], ids[1]], actor=ACTOR)
    assert made.order_ids == ids
    text = "\n".join(pages_text(made.pdf))
    assert re.findall(r"^Order (\d+) \(", text, re.M) == [str(i) for i in ids]


def test_orders_that_cannot_be_picked_are_refused_by_name_and_nothing_changes(db, cur):
    open_id = fetch_value(cur, "SELECT min(order_id) FROM orders WHERE status = 'Open'")
    good = placed_ids(cur)[0]
    events = fetch_value(cur, "SELECT count(*) FROM order_events")
    with pytest.raises(PickingListError) as err:
        generate_picking_list(db, order_ids=[good, open_id, 999], actor=ACTOR)
    message = str(err.value)
    assert message.endswith(f"so these cannot: 999 (does not exist), {open_id} (Open).")
    assert message.count(".") == 1 and message.endswith(".")
    assert fetch_value(cur, "SELECT count(*) FROM picking_lists") == 0
    assert fetch_value(cur, "SELECT count(*) FROM order_events") == events
    ok, refused = eligible_order_ids(cur, [good, open_id, 999])
    assert ok == [good] and refused == ["999 (does not exist)", f"{open_id} (Open)"]


def test_no_orders_gives_one_sentence_and_no_pdf(db, cur):
    with pytest.raises(EmptyPickingList, match=r"^No orders were chosen"):
        generate_picking_list(db, order_ids=[], actor=ACTOR)
    cur.execute("UPDATE orders SET status = 'Shipped', version = version + 1 WHERE status = 'Order Placed'")
    with pytest.raises(EmptyPickingList) as err:
        generate_picking_list(db, actor=ACTOR)
    assert str(err.value) == "There are no orders in Order Placed to pick, so there is no picking list to make."
    assert isinstance(err.value, ValueError)
    assert fetch_value(cur, "SELECT count(*) FROM picking_lists") == 0
    assert picking_preview(cur).orders == 0


def test_an_administrator_makes_no_picking_list_and_nothing_is_recorded(db, cur):
    events = fetch_value(cur, "SELECT count(*) FROM order_events")
    with pytest.raises(NotAllowed, match="^An Administrator may not make picking lists.$"):
        generate_picking_list(db, actor=acting("Anne Admin", ADMIN))
    assert fetch_value(cur, "SELECT count(*) FROM picking_lists") == 0
    assert fetch_value(cur, "SELECT count(*) FROM order_events") == events


def test_unknown_list_number(db):
    with pytest.raises(PickingListError, match="There is no picking list 42."):
        picking_list_pdf(db, 42)


def test_preview_matches_the_pdf(cur, db):
    preview = picking_preview(cur)
    made = generate_picking_list(db, actor=ACTOR)
    first = pages_text(made.pdf)[0]
    assert (f"{preview.orders} orders · {preview.lines} lines · {preview.units} units · "
            f"{grams_text(preview.grams)} g") in first
    assert picking_preview(cur).already_listed == preview.orders


def test_filtered_result_resolves_to_its_order_placed_orders(cur):
    every = placed_ids(cur)
    assert order_ids_for_query(cur, OrderQuery()) == every
    assert order_ids_for_query(cur, OrderQuery(statuses=("Open",))) == []
    assert order_ids_for_query(cur, OrderQuery(view="Archived")) == []
    name = fetch_value(cur, "SELECT c.name FROM orders o JOIN clients c USING (client_id) WHERE o.order_id = ?",
                       [every[0]])
    found = order_ids_for_query(cur, OrderQuery(search=name))
    assert every[0] in found and set(found) <= set(every)


def test_command_line(db_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ORDERS_AS", "fulfillment@demo.example")  # --as's default
    out = tmp_path / "list.pdf"
    assert cli_main(["picking-list", "-o", str(out), "--db", str(db_path), "--as", "fulfillment@demo.example"]) == 0
    assert "Picking list 1 (" in capsys.readouterr().out
    assert "by Zoë Tremblay (fulfillment@demo.example)" in pages_text(out.read_bytes())[0]
    again = tmp_path / "again.pdf"
    assert cli_main(["picking-list", "--number", "1", "-o", str(again), "--db", str(db_path)]) == 0
    assert pages_text(again.read_bytes()) == pages_text(out.read_bytes())
    for who, says in (("admin@demo.example", "An Administrator may not make picking lists."),
                      ("nobody@demo.example", "nobody@demo.example is not on the staff list")):
        assert cli_main(["picking-list", "-o", str(tmp_path / "x.pdf"), "--db", str(db_path), "--as", who]) == 2
        assert says in capsys.readouterr().err
        assert not (tmp_path / "x.pdf").exists()
    assert cli_main(["picking-list", "--orders", "999", "-o", str(tmp_path / "x.pdf"), "--db", str(db_path)]) == 2
    assert "999 (does not exist)" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
    with pytest.raises(SystemExit):
        cli_main(["picking-list", "--orders", "12a", "-o", str(out), "--db", str(db_path)])
    assert "'12a' is not an Order ID" in capsys.readouterr().err


def test_the_batch_instruction_is_whole_and_a_one_order_list_is_one_page(db, cur):
    many = generate_picking_list(db, actor=ACTOR)
    pages = pages_text(many.pdf)
    assert "then pack each order from its own section on the pages that follow." in pages[0].replace("\n", " ")
    one_id = many.order_ids[0]
    one = generate_picking_list(db, order_ids=[one_id], actor=ACTOR)
    [page] = pages_text(one.pdf)
    assert "then pack each order from its section below." in page.replace("\n", " ")
    assert f"Order {one_id}" in page and "Batch pick" in page


def test_a_replacement_is_printed_against_its_s293_limit_not_the_clients_cap(engine_db):
    """A replacement (``replaces_return_id``) may hold more than the client's per-order cap (s. 293): the list
    prints it against the 150 g a replacement may hold, and does not stop it."""
    from orders_core.returns.recording import record_return
    from orders_core.returns.replacement import create_replacement
    from tests.order_helpers import make_client
    from tests.unit.returns.helpers import CSR_PERSON, DRIED, delivered_order, products

    db = engine_db
    cur = db.cursor()
    products(cur)
    client_id = make_client(cur, "Gaëlle Remplacement-Test", gpd="1")  # a cap of 30 g an order
    order_id = delivered_order(db, [(DRIED, 5, "0")], order_discount="0", client_id=client_id)  # 25 g
    back = record_return(db, order_id, CSR_PERSON, units={DRIED: 5}, reason="Damaged in transit")
    new = create_replacement(db, back.return_id, CSR_PERSON, lines={DRIED: "8"})  # 40 g: over the 30 g cap
    s = section("\n".join(pages_text(generate_picking_list(db, order_ids=[new], actor=ACTOR).pdf)), new)
    flat = " ".join(s.split())
    assert (f"Dried-cannabis equivalent: 40 g of the 150 g a replacement may hold (return {back.return_id}, "
            "Cannabis Regulations s. 293: no per-order cap).") in flat
    assert "OVER" not in s and "STOP" not in s and "30 g" not in s


def test_a_replacement_over_its_s293_limit_is_stopped():
    from orders_core.fulfillment.picking_pdf import _cap_sentence, _Line, _Order

    line = _Line("R-DRIED-5", "Dried", "Brand", True, "LOT", "A-1", 31, Decimal("155"))
    over = _Order(1, 1, "Client", ["1 rue", "Montréal QC  H2X 1K4"], "Canada Post", Decimal("5"), [line],
                  replaces_return_id=7)
    assert _cap_sentence(over) == ("Dried-cannabis equivalent: 155 g: OVER the 150 g a replacement may hold "
                                   "(return 7, Cannabis Regulations s. 293).", True)
