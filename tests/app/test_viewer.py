"""Who is signed in, looked up once per run for the page's reads and afresh for every write (ui/session.py).

The frame checks the person at the start of each run and the page's reads ask ``viewer()``; a write in a
widget callback runs before the frame, so it looks the person up itself (``acting_person()``).
"""

from __future__ import annotations

import gc
import sys
from types import SimpleNamespace

from tests.app.engines import with_database
from tests.app.html_tables import html_tables
from tests.app.pages import CSR, app_page
from ui import session


def sql(target, query, params=()):
    return with_database(target, lambda db: db.cursor().execute(query, list(params)).fetchall())


def test_the_orders_page_looks_the_person_up_once_per_run(app_db, monkeypatch):
    at = app_page("app.py", user=CSR).run()
    assert html_tables(at) and not at.exception
    looked_up = []
    real = session.active_person
    monkeypatch.setattr(session, "active_person", lambda cur, email: looked_up.append(email) or real(cur, email))
    at.text_input(key="orders_search").input("Tremblay").run()
    at.run()
    assert not at.exception
    assert looked_up == [CSR.email, CSR.email]


def test_a_callback_write_after_deactivation_is_refused_and_the_next_run_says_so(app_db):
    shipped = "SELECT count(*) FROM orders WHERE status = 'Shipped' AND archived_at IS NULL"
    before = sql(app_db, shipped)[0][0]
    at = app_page("app.py", user=CSR).run()
    at.button(key="menu_archive_shipped").click().run()
    assert at.button(key="archive_confirm")
    sql(app_db, "UPDATE staff SET active = false WHERE email = ?", [CSR.email])
    at.button(key="archive_confirm").click().run()  # the callback refuses (NotAllowed), before the frame
    assert sql(app_db, shipped)[0][0] == before, "the archive ran for someone deactivated"
    at.run()
    assert [t.value for t in at.title] == ["No access"]
    assert not at.dataframe


def test_imports_are_frozen_once_then_not_again(app_db, monkeypatch):
    app_page("app.py", user=CSR).run()
    session.freeze_imports()  # what the run imported after the frame's call
    assert gc.get_freeze_count() > 0
    # The decision is read through a stand-in for gc: the app's background threads (the sign-in check, the
    # daily job) may freeze the real collector at any moment, so its count cannot tell what this call did.
    frozen = []
    monkeypatch.setattr(session, "gc", SimpleNamespace(collect=lambda: 0, freeze=lambda: frozen.append(1)))
    monkeypatch.setattr(session, "_FROZEN_MODULES", len(sys.modules))
    session.freeze_imports()  # nothing imported since: nothing to do
    assert frozen == []
    monkeypatch.setattr(session, "_FROZEN_MODULES", len(sys.modules) - 1)
    session.freeze_imports()  # a module imported since: frozen once
    assert frozen == [1] and session._FROZEN_MODULES == len(sys.modules)
