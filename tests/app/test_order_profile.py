"""The Order Profile (AppTest): every field, the lifecycle actions, refusals, stale orders, archive; on both engines."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest

from orders_core.orders.drafts import DraftLine, OrderDraft
from orders_core.orders.lifecycle import place_order
from orders_core.orders.ordering import create_order
from orders_core.storage.reads import fetch_one, fetch_value
from tests.app.engines import ENGINES, engine_app_db, with_database
from tests.app.pages import MANAGER, app_page, signed_in
from tests.order_helpers import make_client
from tests.people import acting
from ui.text import JOINER

PAGE = "pages/order.py"


@pytest.fixture(params=ENGINES)
def app_db(request, monkeypatch):
    """The pages on each engine: the demo in a DuckDB file, and the same rows on PostgreSQL."""
    yield from engine_app_db(request, monkeypatch)


def with_db(target, fn):
    return with_database(target, fn)


@pytest.fixture
def order_id(app_db) -> int:
    """An Open CSR order: 2 x Pink Kush 3.5 g and a grinder, for a client allowed 2 g a day."""
    def make(db):
        client = make_client(db.cursor(), "Éloïse Bérubé-Test", gpd="2")
        draft = OrderDraft(client, [DraftLine("FL-PK-035", 2, line_discount="5"), DraftLine("AC-GRN-001", 1)],
                           order_discount="3", carrier="Canada Post", shipping_charge="12.50", placed_by="Jean Aidant",
                           return_policy_agreed=True)
        return create_order(db, draft, acting("Isabelle Roy"))
    return with_db(app_db, make)


def open_page(order_id) -> AppTest:
    at = app_page(PAGE, timeout=30)
    at.query_params["id"] = str(order_id)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def event_rows(at) -> list[tuple[str, str, str]]:
    frame = at.table[-1].value
    return list(zip(frame["Who"], frame["Event"], frame["What changed"], strict=True))


def status(app_db, order_id) -> tuple:
    return with_db(app_db, lambda db: fetch_one(
        db.cursor(), "SELECT status::VARCHAR, version FROM orders WHERE order_id = ?", [order_id]))


@pytest.mark.parametrize(
    ("value", "sentence"),
    [(None, "No order was chosen: open an order from the Orders page (the link needs ?id=\\<order id\\>)."),
     ("12ab", "'12ab' is not an order id: an order id is a number such as 100123."),
     ("'; DROP TABLE orders; --", "''; DROP TABLE orders; --' is not an order id: an order id is a number "
                                  "such as 100123."),
     ("999999999", "There is no order 999999999: check the number, or find the order on the Orders page.")],
)
def test_bad_ids_get_one_sentence(app_db, value, sentence):
    at = app_page(PAGE, timeout=30)
    if value is not None:
        at.query_params["id"] = value
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [sentence]


def test_shows_the_purchase_record_money_lines_and_events(app_db, order_id):
    at = open_page(order_id)
    assert at.title[0].value == f"Order {order_id}"
    shown = text(at)
    for fact in ["Client: **Éloïse Bérubé-Test**", "Date of birth: **1970-05-04**", "Order placed by: **Jean Aidant**",
                 "Ships to (registered address): **123 rue Saint-Denis, Montréal QC  H2X 1K4**",
                 "Pink Kush 3.5 g (Laurentian Growers) × 2", "Herb Grinder (Vapeur Nord) × 1",
                 "Status: **Open**", "Source: **CSR**", "Carrier: **Canada Post**", "Quantity: **7 g**"]:
        assert fact in shown, fact
    money = at.table[0].value
    assert money["Amount"].tolist() == ["$89.00", "-$5.00", "-$3.00", "$0.00", "$12.50", "$93.50"]
    lines = at.dataframe[0].value
    assert lines[["Product", "Brand", "Units", "Line Total", "Grams"]].values.tolist() == [
        ["Pink Kush 3.5 g", "Laurentian Growers", 2, "$60.00", "7 g"],
        ["Herb Grinder", "Vapeur Nord", 1, "$24.00", ""]]
    [(who, kind, what)] = event_rows(at)
    assert (who, kind) == (f"Isabelle Roy (isabelle.roy{JOINER}@staff.example)", "created")
    assert "placed by Jean Aidant" in what
    assert f"Recorded by: **Isabelle Roy (isabelle.roy{JOINER}@staff.example)**" in shown
    assert [b.label for b in at.button if b.key.startswith("choose_")] == ["Edit", "Place Order", "Cancel"]


def test_place_ship_deliver(app_db, order_id):
    at = open_page(order_id)
    at.user = signed_in(MANAGER)  # Priya Nair
    at.button(key="choose_Place Order").click().run()
    k = f"act_{order_id}_"
    at.selectbox(key=k + "method").select("Debit card").run()
    at.text_input(key=k + "reference").input("INT-778").run()
    at.button(key=k + "confirm").click().run()
    assert "Place Order: done." in at.success[0].value
    assert status(app_db, order_id) == ("Order Placed", 2)
    assert [b.label for b in at.button if b.key.startswith("choose_")] == ["Mark as Shipped", "Cancel"]

    at.button(key="choose_Mark as Shipped").click().run()
    at.selectbox(key=k + "carrier").select("Canada Post").run()
    at.button(key=k + "confirm").click().run()
    assert at.error[0].value == "Mark as Shipped was refused:\n\n- Enter the tracking number."
    assert status(app_db, order_id) == ("Order Placed", 2)
    at.text_input(key=k + "tracking").input("cp 1234 5678 ca").run()
    at.button(key=k + "confirm").click().run()
    assert status(app_db, order_id) == ("Shipped", 3)
    assert "Tracking number: **CP12345678CA**" in text(at)

    at.button(key="choose_Mark as Delivered").click().run()
    at.button(key=k + "confirm").click().run()
    assert status(app_db, order_id) == ("Delivered", 4)
    assert f"Delivered on: **{dt.date.today():%Y-%m-%d}**" in text(at)
    assert [b for b in at.button if b.key.startswith("choose_")] == []
    priya = f"Priya Nair (manager{JOINER}@demo.example)"
    assert [e[:2] for e in event_rows(at)] == [(f"Isabelle Roy (isabelle.roy{JOINER}@staff.example)", "created"),
                                              (priya, "status"), (priya, "status"), (priya, "status")]
    assert event_rows(at)[2][2] == f"Order Placed → Shipped on {dt.date.today():%Y-%m-%d} by Canada Post, tracking CP12345678CA"


def test_an_order_changed_by_someone_else_is_not_overwritten(app_db, order_id):
    at = open_page(order_id)
    at.button(key="choose_Cancel").click().run()
    at.text_input(key=f"act_{order_id}_reason").input("Client asked").run()
    with_db(app_db, lambda db: place_order(db, order_id, acting("Marc-André Côté"), payment_method="Credit card",
                                           payment_reference="PAY-9"))
    at.button(key=f"act_{order_id}_confirm").click().run()
    assert "was changed by someone else since you opened it (it is now Order Placed)" in at.error[0].value
    assert status(app_db, order_id) == ("Order Placed", 2)


def test_edit_changes_lines_and_totals(app_db, order_id):
    at = open_page(order_id)
    at.button(key="choose_Edit").click().run()
    prefix = f"edit_{order_id}"
    units = [t.key for t in at.text_input if t.key.startswith(prefix) and t.key.endswith("_units")]
    assert [at.text_input(key=u).value for u in units] == ["2", "1"]
    at.text_input(key=units[0]).input("20").run()  # 70 g: over the 60 g limit
    at.button(key=f"act_{order_id}_confirm").click().run()
    assert "over Éloïse Bérubé-Test's limit of 60 g per order" in at.error[0].value
    at.text_input(key=units[0]).input("4").run()
    at.selectbox(key=f"{prefix}_carrier").select("UPS").run()
    at.button(key=f"act_{order_id}_confirm").click().run()
    assert not at.error
    row = with_db(app_db, lambda db: fetch_one(
        db.cursor(), "SELECT grams, total_due, carrier, version FROM orders WHERE order_id = ?", [order_id]))
    assert [str(v) for v in row] == ["14.000", "158.50", "UPS", "2"]  # 130 + 24 - 5 - 3 + 12.50
    assert event_rows(at)[-1][1] == "edited"


def test_verify_shows_failures(app_db, order_id):
    def to_unverified(db):
        cur = db.cursor()
        cur.execute("UPDATE orders SET status = 'Unverified' WHERE order_id = ?", [order_id])
        cur.execute("UPDATE clients SET registration_status = 'Pending Verification' WHERE client_id = "
                    "(SELECT client_id FROM orders WHERE order_id = ?)", [order_id])
    with_db(app_db, to_unverified)
    at = open_page(order_id)
    at.button(key="choose_Verify").click().run()
    at.button(key=f"act_{order_id}_confirm").click().run()
    assert at.error[0].value == (f"Verify was refused:\n\n- Order {order_id} cannot be verified:\n"
                                 "- Éloïse Bérubé-Test's registration is Pending Verification, not Approved.")
    assert status(app_db, order_id) == ("Unverified", 1)


def test_archive_and_unarchive(app_db, order_id):
    at = open_page(order_id)
    at.button(key="order_archive").click().run()
    assert "Archived." in at.success[0].value
    assert [b for b in at.button if b.key.startswith("choose_")] == []
    assert with_db(app_db, lambda db: fetch_value(
        db.cursor(), "SELECT archived_at IS NOT NULL FROM orders WHERE order_id = ?", [order_id]))
    at.button(key="order_unarchive").click().run()
    assert [e[1] for e in event_rows(at)] == ["created", "archived", "unarchived"]


HOSTILE = "**bold** <b>tag</b> [link](http://evil.example) $x$ :red[red]"


def test_free_text_is_shown_as_typed_never_as_markdown(app_db):
    """Every free-text field of an order and its client, as it reaches the Order Profile."""
    def make(db):
        cur = db.cursor()
        client = make_client(cur, "Éloïse Bérubé-Test", gpd="2")
        cur.execute("UPDATE clients SET name = ?, email = ? WHERE client_id = ?", ["**Zoé** <i>Côté</i>",
                                                                                    HOSTILE, client])
        draft = OrderDraft(client, [DraftLine("FL-PK-035", 1)], placed_by=HOSTILE, return_policy_agreed=True,
                           carrier="Purolator")
        order_id = create_order(db, draft, acting("Isabelle Roy"))
        place_order(db, order_id, acting("Isabelle Roy"), payment_method="Cheque", payment_reference="[ref](http://x.io)")
        from orders_core.orders.lifecycle import cancel_order
        cancel_order(db, order_id, acting("Isabelle Roy"), reason=HOSTILE)
        return order_id
    order_id = with_db(app_db, make)
    at = open_page(order_id)
    shown = text(at)
    unescaped = re.sub(r"\\(.)", r"\1", shown).replace("\u2060", "")  # what a reader sees once the escapes are read
    for raw in (HOSTILE, "**Zoé** <i>Côté</i>", "[ref](http://x.io)"):
        assert raw in unescaped  # every character the CSR typed is there ...
        assert raw not in shown  # ... and none of it is left for Markdown to interpret
    assert "Order placed by: **\\*\\*bold\\*\\* \\<b\\>tag\\</b\\> \\[link\\](http:\u2060//evil.example)" in shown
    assert "Cancelled because: **\\*\\*bold" in shown
    assert at.button(key="order_to_client").label == "Client Profile: \\*\\*Zoé\\*\\* \\<i\\>Côté\\</i\\>"
    whats = " ".join(row[2] for row in event_rows(at))
    assert HOSTILE not in whats and HOSTILE in re.sub(r"\\(.)", r"\1", whats).replace("\u2060", "")  # escaped, every character kept


def test_an_edit_refused_because_the_order_was_archived_says_so_and_keeps_the_typing(app_db, order_id):
    from orders_core.orders.archive import archive_orders

    at = open_page(order_id)
    at.button(key="choose_Edit").click().run()
    prefix = f"edit_{order_id}"
    units = [t.key for t in at.text_input if t.key.startswith(prefix) and t.key.endswith("_units")]
    at.text_input(key=units[0]).input("3").run()
    with_db(app_db, lambda db: archive_orders(db, [order_id], acting("Marc Tremblay")))
    at.button(key=f"act_{order_id}_confirm").click().run()
    [error] = [e.value for e in at.error]
    assert f"Order {order_id} was archived by someone else since you opened it; nothing was changed." in error
    assert "it is now Open" not in error
    assert at.text_input(key=units[0]).value == "3"  # the CSR's typing is still on screen
    at.button(key="order_unarchive").click().run()
    at.button(key=f"act_{order_id}_confirm").click().run()
    assert not at.error
    assert with_db(app_db, lambda db: fetch_value(
        db.cursor(), "SELECT units FROM order_lines WHERE order_id = ? AND line_no = 1", [order_id])) == 3


def test_place_order_without_a_carrier_is_refused_in_one_sentence(app_db, order_id):
    with_db(app_db, lambda db: db.cursor().execute("UPDATE orders SET carrier = NULL WHERE order_id = ?", [order_id]))
    at = open_page(order_id)
    at.button(key="choose_Place Order").click().run()
    at.text_input(key=f"act_{order_id}_reference").input("AUTH-1").run()
    at.button(key=f"act_{order_id}_confirm").click().run()
    assert f"Order {order_id} has no carrier: Edit it to choose one before placing it" in at.error[0].value
    assert status(app_db, order_id) == ("Open", 1)
