"""Sessions that end on the server, as the pages see them (AppTest, ``st.user`` as the provider gives it): a
sign-in ended by Sign out (a cookie copied before it), an idle one, an expired ID token and a deactivation
show one page and nothing else, and a widget callback of such a session writes nothing."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.app.engines import ENGINES, engine_app_db, with_database
from tests.app.html_tables import html_tables
from tests.app.pages import ADMIN, CSR, MANAGER, app_page, signed_in

PAGES = ["app.py", "pages/recurring.py", "pages/clients.py", "pages/metrics.py", "pages/staff.py",
         "pages/client.py", "pages/order.py", "pages/products.py", "pages/import.py"]


def sql(target, query, params=None):
    return with_database(target, lambda db: db.cursor().execute(query, params or []).fetchall())


def shows_nothing(at) -> None:
    """Only the ended page: its title, one sentence, the Sign in button; no data, no sidebar."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.dataframe and not html_tables(at) and not at.metric and not at.sidebar.children
    assert [b.label for b in at.button] == ["Sign in"]


@pytest.fixture(params=ENGINES)
def either_app_db(request, monkeypatch):
    yield from engine_app_db(request, monkeypatch)


def test_sign_out_ends_the_sign_in_on_the_server(either_app_db):
    at = app_page("app.py", user=MANAGER).run()
    assert html_tables(at)
    (key,) = sql(either_app_db, "SELECT sign_in FROM sign_ins WHERE email = ? AND ended_at IS NULL", [MANAGER.email])[0]
    at.button(key="frame_sign_out").click().run()
    assert sql(either_app_db, "SELECT ended_why FROM sign_ins WHERE sign_in = ?", [key]) == [("signed out",)]
    # The same identity cookie, replayed on a new session, opens nothing on any page.
    for page in PAGES:
        replay = app_page(page, user=MANAGER)
        replay.query_params["id"] = "1001" if page == "pages/client.py" else "100001"
        replay.run()
        shows_nothing(replay)
        assert [t.value for t in replay.title] == ["Signed out"], page


def test_an_expired_id_token_opens_nothing(app_db):
    at = app_page("pages/metrics.py", user=MANAGER)
    at.user = {**signed_in(MANAGER), "exp": int(time.time()) - 1, "iat": int(time.time()) - 3600}
    at.run()
    shows_nothing(at)
    assert "Your sign-in has expired" in at.info[0].value
    assert sql(app_db, "SELECT ended_why FROM sign_ins WHERE email = ?", [MANAGER.email]) == [("expired",)]


def test_a_token_that_expires_during_the_session_ends_it(app_db):
    at = app_page("app.py", user=CSR)
    at.user = {**signed_in(CSR), "exp": int(time.time()) + 2}
    at.run()
    assert html_tables(at)
    time.sleep(2.5)
    at.run()
    shows_nothing(at)
    assert [t.value for t in at.title] == ["Session ended"]


def test_an_idle_session_ends_with_a_page_that_says_so(app_db, monkeypatch):
    monkeypatch.setenv("ORDERS_IDLE_MINUTES", "30")
    at = app_page("app.py", user=CSR).run()
    assert html_tables(at)
    sql(app_db, "UPDATE sign_ins SET seen_at = seen_at - INTERVAL 31 MINUTE WHERE email = ?", [CSR.email])
    at.run()
    shows_nothing(at)
    assert [t.value for t in at.title] == ["Session ended"]
    assert "Your session ended after 30 minutes without activity" in at.info[0].value
    sql(app_db, "UPDATE sign_ins SET seen_at = now() WHERE email = ?", [CSR.email])
    assert not html_tables(at.run())  # ended for good: activity later does not revive it


def test_the_idle_limit_is_configurable(app_db, monkeypatch):
    monkeypatch.setenv("ORDERS_IDLE_MINUTES", "5")
    at = app_page("app.py", user=CSR).run()
    sql(app_db, "UPDATE sign_ins SET seen_at = seen_at - INTERVAL 6 MINUTE WHERE email = ?", [CSR.email])
    assert "after 5 minutes without activity" in at.run().info[0].value


def test_deactivation_ends_the_session_even_once_reactivated(app_db):
    at = app_page("app.py", user=CSR).run()
    assert html_tables(at)
    sql(app_db, "UPDATE staff SET active = false WHERE email = ?", [CSR.email])
    at.run()
    assert [t.value for t in at.title] == ["No access"]
    assert sql(app_db, "SELECT ended_why FROM sign_ins WHERE email = ?", [CSR.email]) == [("deactivated",)]
    sql(app_db, "UPDATE staff SET active = true WHERE email = ?", [CSR.email])
    at.run()
    shows_nothing(at)
    assert "Your access was deactivated during this session" in at.info[0].value


def test_a_callback_of_an_ended_session_writes_nothing(app_db):
    order_id = sql(app_db, "SELECT min(order_id) FROM orders WHERE status = 'Delivered' AND archived_at IS NULL")[0][0]
    at = app_page("pages/order.py", user=CSR)
    at.query_params["id"] = str(order_id)
    at.run()
    assert [b for b in at.button if b.label == "Archive"]
    sql(app_db, "UPDATE sign_ins SET ended_at = now()::TIMESTAMP, ended_why = 'signed out' WHERE email = ?",
        [CSR.email])  # Sign out in another tab of the same browser
    next(b for b in at.button if b.label == "Archive").click().run()
    assert sql(app_db, "SELECT archived_at FROM orders WHERE order_id = ?", [order_id]) == [(None,)]
    assert [t.value for t in at.title] == ["Signed out"]


def test_an_administrator_deactivating_someone_keeps_their_own_session(app_db):
    at = app_page("pages/staff.py", user=ADMIN).run()
    at.selectbox(key="staff_who").select(CSR.email).run()
    at.button(key="staff_deactivate").click().run()
    assert "Deactivated" in at.success[0].value
    assert at.dataframe  # the administrator's own session goes on
    assert sql(app_db, "SELECT count(*) FROM sign_ins WHERE ended_at IS NOT NULL") == [(0,)]


def test_a_bad_idle_setting_falls_back_to_thirty_minutes(monkeypatch):
    from ui.session import idle_limit

    for bad in ("", "abc", "-5", "0", "nan", "inf"):
        monkeypatch.setenv("ORDERS_IDLE_MINUTES", bad)
        assert idle_limit() == dt.timedelta(minutes=30), bad
    monkeypatch.setenv("ORDERS_IDLE_MINUTES", "0.5")
    assert idle_limit() == dt.timedelta(seconds=30)
