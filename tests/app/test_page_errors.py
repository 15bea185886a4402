"""A damaged database is one sentence on every page; an unexpected error shows a reference on
screen and its details in the server log only."""

from __future__ import annotations

import logging

import pytest

from tests.app.pages import app_page
from tests.checksums import checksum
from tests.damage import damage

PAGES = [("app.py", {}), ("pages/order.py", {"id": "100001"}), ("pages/client.py", {"id": "1001"}),
         ("pages/clients.py", {}), ("pages/recurring.py", {}), ("pages/metrics.py", {})]


@pytest.mark.parametrize("page, params", PAGES)
def test_a_damaged_database_is_one_sentence_on_every_page(app_db, page, params):
    damage(app_db)
    before = checksum(app_db)
    at = app_page(page)
    at.query_params.update(params)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["The database is damaged: restore it from a backup."]
    assert checksum(app_db) == before


def test_an_unexpected_error_shows_a_reference_and_logs_the_details(app_db, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise KeyError("secret_column in /srv/app/orders_core/index.py")

    monkeypatch.setattr("orders_core.clients.records.list_clients", broken)  # the page imports it on every run
    with caplog.at_level(logging.ERROR, logger="orders.pages"):
        at = app_page("pages/clients.py").run()
    assert not at.exception
    [shown] = [e.value for e in at.error]
    assert shown.startswith("Something went wrong on this page, so it stopped (error reference ")
    assert "secret_column" not in shown and "Traceback" not in shown
    reference = shown.split("error reference ")[1][:8]
    [record] = [r for r in caplog.records if reference in r.getMessage()]
    assert record.exc_info and "secret_column" in str(record.exc_info[1])


def test_a_lost_postgresql_connection_is_one_sentence_not_an_error_reference(app_db, monkeypatch):
    import psycopg

    def lost(*args, **kwargs):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("orders_core.clients.records.list_clients", lost)  # the page imports it on every run
    at = app_page("pages/clients.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The connection to the database server was lost: nothing was saved; try again in a moment."]
