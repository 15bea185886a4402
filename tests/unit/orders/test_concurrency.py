"""Two writers at once, with real threads and a barrier that forces the worst interleaving.

Each writer's transaction has taken its snapshot and read what the client's period holds before
either of them holds the allowance ledger row (``allowance_ledger.claim`` is wrapped to wait at a
barrier on its first call in each thread). The database must then let only one of them commit
what the rule forbids together; the other is retried, re-checks, and is refused with the reason.
The control test removes the ledger and shows the same interleaving then breaks the rule.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from decimal import Decimal

import pytest

from orders_core.orders import allowance_ledger, lifecycle
from orders_core.orders.drafts import DraftLine, OrderDraft, OrderRefused
from orders_core.orders.ordering import create_order
from orders_core.recurring import api as rec
from orders_core.recurring import saving as recurring_saving
from orders_core.recurring.api import TemplateDraft, TemplateLine, TemplateRefused
from orders_core.storage.database import Database
from orders_core.storage.migrations.v2_keys_and_coverage import rebuild_ledger
from orders_core.storage.reads import fetch_value
from tests.order_helpers import TODAY, make_client, make_product
from tests.people import MANAGER_PERSON, acting
from tests.races import Interleave, interleave_claims, join_all, meet, race

SKU = "T-DRIED-15"  # 15 g dried a unit


@pytest.fixture
def db(empty_db):
    cur = empty_db.cursor()
    make_product(cur, SKU, "dried", "15", price="100.00", category="Dried flower")
    return empty_db


@pytest.fixture
def client(db) -> int:
    """5 g a day: 150 g per period, 150 g per shipment; the current period started 5 days ago."""
    return make_client(db.cursor(), gpd="5")


def _draft(client_id: int, units: int, who: str = "CSR A") -> OrderDraft:
    return OrderDraft(client_id, [DraftLine(SKU, units)], carrier="Canada Post", placed_by=who,
                      return_policy_agreed=True)


def _template(client_id: int, units: int) -> TemplateDraft:
    return TemplateDraft(client_id, (TemplateLine(SKU, units),), carrier="Purolator", next_order_on=TODAY)


def _period_grams(db, client_id: int) -> Decimal:
    return fetch_value(db.cursor(), "SELECT coalesce(sum(grams), 0) FROM orders WHERE client_id = ? "
                                    "AND status <> 'Cancelled'", [client_id])


def _ledger_grams(db, client_id: int) -> Decimal:
    return fetch_value(db.cursor(), "SELECT grams FROM allowance_ledger WHERE client_id = ?", [client_id])


@pytest.fixture
def interleave(monkeypatch) -> Interleave:
    """Make every racing writer read the period before any of them holds the ledger row."""
    return interleave_claims(monkeypatch)


@pytest.mark.parametrize("ledger_row_exists", [True, False])
def test_csr_order_and_recurring_job_cannot_both_take_the_period(db, client, interleave, ledger_row_exists):
    rec.save_template(db, _template(client, 6), acting("CSR B"), today=TODAY)              # 90 g a month
    if ledger_row_exists:
        db.write(lambda cur: allowance_ledger.hold(cur, client, TODAY))
    order, run = race(lambda: create_order(db, _draft(client, 5), acting("CSR A")),      # 75 g
                      lambda: rec.generate_due(db, rec.JOB_ACTOR, TODAY))
    assert not isinstance(run, Exception), run
    assert _period_grams(db, client) <= 150
    if isinstance(order, OrderRefused):      # the job won: 90 g generated, the CSR is told why not
        assert len(run.orders) == 1 and _period_grams(db, client) == 90
        assert "more than the 60 g left in the prescription period" in " ".join(order.reasons)
    else:                                    # the CSR won: the job skips the template and says why
        assert isinstance(order, int) and len(run.orders) == 0 and _period_grams(db, client) == 75
        assert run.skipped["Reason"].tolist() == [
            f"Only 75 g of the 150 g allowance is left in the prescription period starting "
            f"{TODAY - dt.timedelta(days=5):%Y-%m-%d}; the recurring order needs 90 g."]
    assert _ledger_grams(db, client) == _period_grams(db, client)


def test_control_without_the_ledger_the_same_interleaving_breaks_the_rule(db, client, interleave, monkeypatch):
    """The barrier really forces the race: with the ledger row neither held nor settled, both commit."""
    monkeypatch.setattr(allowance_ledger, "settle", lambda cur, keys, grams=None: None)
    monkeypatch.setattr(allowance_ledger, "claim", interleave.wait_once)  # waits, holds nothing
    rec.save_template(db, _template(client, 6), acting("CSR B"), today=TODAY)
    order, run = race(lambda: create_order(db, _draft(client, 5), acting("CSR A")),
                      lambda: rec.generate_due(db, rec.JOB_ACTOR, TODAY))
    assert isinstance(order, int) and len(run.orders) == 1
    assert _period_grams(db, client) == 165


def test_two_csrs_cannot_both_take_the_period(db, client, interleave):
    first, second = race(lambda: create_order(db, _draft(client, 6, "CSR A"), acting("CSR A")),   # 90 g each
                         lambda: create_order(db, _draft(client, 6, "CSR B"), acting("CSR B")))
    saved = [o for o in (first, second) if isinstance(o, int)]
    refused = [o for o in (first, second) if isinstance(o, OrderRefused)]
    assert len(saved) == 1 and len(refused) == 1
    assert "more than the 60 g left in the prescription period" in refused[0].reasons[0]
    assert _period_grams(db, client) == 90 == _ledger_grams(db, client)


def test_an_edit_and_a_new_order_cannot_both_take_the_period(db, client, interleave):
    order_id = create_order(db, _draft(client, 2), acting("CSR A"))  # 30 g, before the race
    edit, new = race(
        lambda: lifecycle.edit_order(db, order_id, acting("CSR A"), lines=[DraftLine(SKU, 6)], carrier="Canada Post"),
        lambda: create_order(db, _draft(client, 5, "CSR B"), acting("CSR B")),                    # 75 g
    )
    assert _period_grams(db, client) <= 150
    if isinstance(edit, lifecycle.LifecycleError):   # the new order won: 30 + 75 g; 90 g no longer fits
        assert isinstance(new, int) and _period_grams(db, client) == 105
        assert "more than the 75 g left" in " ".join(edit.reasons)
        assert fetch_value(db.cursor(), "SELECT grams FROM orders WHERE order_id = ?", [order_id]) == 30
    else:                                             # the edit won: 90 g; the new 75 g does not fit
        assert isinstance(edit, lifecycle.ActionResult) and isinstance(new, OrderRefused)
        assert "more than the 60 g left" in " ".join(new.reasons)
        assert _period_grams(db, client) == 90
    assert _ledger_grams(db, client) == _period_grams(db, client)


def test_a_cancel_gives_grams_back_through_the_ledger(db, client):
    order_id = create_order(db, _draft(client, 6), acting("CSR A"))
    assert _ledger_grams(db, client) == 90
    lifecycle.cancel_order(db, order_id, acting("CSR A"), reason="Client asked")
    assert _ledger_grams(db, client) == 0
    assert isinstance(create_order(db, _draft(client, 10), acting("CSR A")), int)       # the whole 150 g again


def test_two_policy_orders_at_once_never_pay_more_than_the_dollar_maximum(db, interleave):
    cur = db.cursor()
    client = make_client(cur, "Policy Client", gpd="5", policy=("Blue Cross", "1", "250", None))
    first, second = race(lambda: create_order(db, _draft(client, 2, "CSR A"), acting("CSR A")),   # $200 each
                         lambda: create_order(db, _draft(client, 2, "CSR B"), acting("CSR B")))
    assert isinstance(first, int) and isinstance(second, int)
    paid = cur.execute("SELECT coverage_amount FROM orders WHERE client_id = ? ORDER BY order_id",
                       [client]).fetchall()
    assert sorted(p for (p,) in paid) == [Decimal("50.00"), Decimal("200.00")]


def test_two_template_saves_at_once_make_one_template_and_the_loser_is_told(db, client, monkeypatch):
    meet(monkeypatch, recurring_saving, "_get_template", after=True)  # both saves have seen "no template yet"
    a, b = race(lambda: rec.save_template(db, _template(client, 6), acting("CSR A"), today=TODAY),
                lambda: rec.save_template(db, _template(client, 4), acting("CSR B"), today=TODAY))
    saved = [o for o in (a, b) if isinstance(o, int)]
    refused = [o for o in (a, b) if isinstance(o, TemplateRefused)]
    assert len(saved) == 1 and len(refused) == 1, (a, b)
    cur = db.cursor()
    assert fetch_value(cur, "SELECT count(*) FROM recurring_orders WHERE client_id = ?", [client]) == 1
    winner = fetch_value(cur, "SELECT created_by FROM recurring_orders WHERE client_id = ?", [client])
    assert refused[0].reasons == [
        f"{winner} created a recurring order (#{saved[0]}) for this client a moment ago, so yours was not saved; "
        "reload to see it and make your change there."]
    assert fetch_value(cur, "SELECT count(*) FROM recurring_events WHERE kind = 'created'") == 1


def test_the_schema_holds_one_template_per_client(db, client):
    rec.save_template(db, _template(client, 6), acting("CSR A"), today=TODAY)
    with pytest.raises(Exception, match="[Dd]uplicate key"):
        db.cursor().execute(
            "INSERT INTO recurring_orders (recurring_order_id, client_id, enabled, created_by, created_at, updated_at) "
            "VALUES (999, ?, TRUE, 'x', now(), now())", [client])


def test_a_second_process_is_refused_in_one_sentence_while_the_app_keeps_writing(db, client, tmp_path):
    """DuckDB lets one process open the file read-write: the CLI is refused, the app's writes go on."""
    rec.save_template(db, _template(client, 6), acting("CSR B"), today=TODAY)
    made: list = []

    def app_writes():
        for _ in range(3):
            made.append(create_order(db, _draft(client, 1), acting("CSR A")))

    writer = threading.Thread(target=app_writes)
    writer.start()
    out = subprocess.run([sys.executable, "-m", "orders_core.cli", "recurring", "run", "--db", db.path],
                         capture_output=True, text=True, timeout=120)
    join_all([writer])
    assert out.returncode == 2 and out.stdout == ""
    message = out.stderr.strip()
    assert "held by the running app" in message and "nothing was changed" in message and "\n" not in message
    assert len(made) == 3
    run = rec.generate_due(db, rec.JOB_ACTOR, TODAY)       # the app process generates it itself
    assert len(run.orders) == 1 and _period_grams(db, client) == 45 + 90 == _ledger_grams(db, client)


def test_rebuild_ledger_fills_every_period_from_the_orders(db, client):
    create_order(db, _draft(client, 3), acting("CSR A"))
    cur = db.cursor()
    cur.execute("DELETE FROM allowance_ledger")
    assert rebuild_ledger(cur) == 1
    row = cur.execute("SELECT period_start, period_end, allowance, grams FROM allowance_ledger").fetchall()
    start = TODAY - dt.timedelta(days=5)
    assert row == [(start, start + dt.timedelta(days=29), Decimal("150.000"), Decimal("45.000"))]


def test_the_demo_database_ledger_rebuilds_to_the_client_profile_periods(tmp_path):
    from orders_core.clients.records import get_client, prescription_periods
    from orders_core.demo.generate import generate

    anchor = dt.date(2026, 11, 26)
    db = Database(str(tmp_path / "demo.duckdb"))
    generate(db.con, 500, seed=7, anchor=anchor)
    cur = db.cursor()
    assert rebuild_ledger(cur) > 0
    ledger = {(c, s): (e, g) for c, s, e, g in cur.execute(
        "SELECT client_id, period_start, period_end, grams FROM allowance_ledger").fetchall()}
    checked = 0
    for (client_id,) in cur.execute("SELECT DISTINCT client_id FROM allowance_ledger ORDER BY 1 LIMIT 25").fetchall():
        for p in prescription_periods(cur, get_client(cur, client_id, MANAGER_PERSON), anchor + dt.timedelta(days=400), MANAGER_PERSON):
            if p.orders:
                assert ledger[(client_id, p.start)] == (p.end, p.used)
                checked += 1
    assert checked >= 25
    db.close()


def test_two_registrations_with_one_previous_number_at_once_keep_it_unique(empty_db, monkeypatch):
    from orders_core.clients import registration
    from orders_core.rules.fields import RecordRefused
    from tests.unit.clients.test_intake_records import CLIENT

    meet(monkeypatch, registration, "_key_owner", after=True)  # both have seen "nobody has A-1 yet"
    a, b = race(lambda: registration.register_client(empty_db, CLIENT, acting("CSR A"), today=TODAY),
                lambda: registration.register_client(empty_db, {**CLIENT, "name": "Other"}, acting("CSR B"),
                                                     today=TODAY))
    saved = [o for o in (a, b) if isinstance(o, int)]
    refused = [o for o in (a, b) if isinstance(o, RecordRefused)]
    assert len(saved) == 1 and len(refused) == 1, (a, b)
    assert f"A-1 already belongs to client {saved[0]}" in str(refused[0])
    assert fetch_value(empty_db.cursor(), "SELECT count(*) FROM clients") == 1
