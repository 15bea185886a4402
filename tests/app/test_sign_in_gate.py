"""The sign-in gate of every page and the Staff page (AppTest, ``st.user`` as the identity provider gives it).

The Staff page's tests and the deactivated person's run on both engines."""

from __future__ import annotations

import re

import pytest

from orders_core.rules.roles import Person
from tests.app.engines import ENGINES, engine_app_db, with_database
from tests.app.html_tables import html_tables
from tests.app.pages import ADMIN, CSR, FULFILLMENT, MANAGER, SIGNED_OUT, app_page
from ui.text import JOINER

PAGES = ["app.py", "pages/recurring.py", "pages/clients.py", "pages/metrics.py", "pages/staff.py",
         "pages/client.py", "pages/order.py", "pages/packing.py", "pages/reports.py", "pages/audit.py"]
# The role table's answer for each page (orders_core/roles.py): who may open it.
OPENS = {
    "app.py": {CSR, FULFILLMENT, MANAGER, ADMIN},
    "pages/order.py": {CSR, FULFILLMENT, MANAGER, ADMIN},
    "pages/recurring.py": {CSR, MANAGER, ADMIN},
    "pages/clients.py": {CSR, MANAGER, ADMIN},
    "pages/client.py": {CSR, MANAGER, ADMIN},
    "pages/metrics.py": {MANAGER, ADMIN},
    "pages/staff.py": {ADMIN},
    "pages/products.py": {MANAGER, ADMIN},
    "pages/import.py": {CSR, MANAGER},
    "pages/audit.py": {ADMIN},
    "pages/packing.py": {FULFILLMENT, MANAGER},
    "pages/reports.py": {MANAGER, ADMIN},
}
SIDEBAR = {
    CSR: ["Orders", "Recurring Orders", "Clients", "Import"],
    FULFILLMENT: ["Orders", "Packing Station"],
    MANAGER: ["Orders", "Recurring Orders", "Clients", "Products", "Import", "Packing Station", "Metrics", "Reports"],
    ADMIN: ["Orders", "Recurring Orders", "Clients", "Products", "Metrics", "Reports", "Staff", "Access Log"],
}


def rows(target, sql, params=None):
    return with_database(target, lambda db: db.cursor().execute(sql, params or []).fetchall())


@pytest.fixture(params=ENGINES)
def either_app_db(request, monkeypatch):
    """The pages on each engine (the Staff page's tests): the demo in a DuckDB file, the same rows on PostgreSQL."""
    yield from engine_app_db(request, monkeypatch)


def texts(at) -> str:
    """Everything the page says, as a reader sees it (Markdown escapes removed)."""
    return re.sub(r"\\(.)", r"\1", " ".join(str(e.value) for kind in ("markdown", "error", "info", "title", "caption")
                                          for e in getattr(at, kind)))


def sidebar_links(at) -> list[str]:
    return [e.proto.label for e in at.sidebar if getattr(e, "type", "") == "page_link"]


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_sees_only_the_sign_in_page(app_db, page):
    at = app_page(page, user=SIGNED_OUT).run()
    assert not at.exception
    assert "Sign-in is not configured" in texts(at)  # AppTest has no [auth]; the server's page has the button
    assert [t.value for t in at.title] == ["Orders"]
    assert not at.dataframe and not at.sidebar.children


@pytest.mark.parametrize("page", ["app.py", "pages/metrics.py", "pages/order.py"])
def test_someone_not_on_the_staff_list_sees_only_whom_to_ask(app_db, page):
    stranger = Person("stranger@example.com", "Eve Stranger", "Administrator")
    at = app_page(page, user=stranger).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["No access"]
    shown = texts(at).replace(JOINER, "")  # the address is not made a link (ui.text)
    assert "stranger@example.com, which is not on this module's staff list" in shown
    assert ADMIN.name in shown  # whom to ask
    assert not at.dataframe and not at.metric


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", [CSR, FULFILLMENT, MANAGER, ADMIN], ids=lambda p: p.role)
def test_each_page_opens_only_for_the_roles_the_table_names(app_db, page, who):
    at = app_page(page, user=who)
    if page in ("pages/client.py", "pages/order.py"):
        at.query_params["id"] = str(rows(app_db, "SELECT min(client_id) FROM clients")[0][0]
                                    if page == "pages/client.py" else
                                    rows(app_db, "SELECT min(order_id) FROM orders")[0][0])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    refused = [e.value for e in at.error if "may not" in e.value]
    if who in OPENS[page]:
        assert not refused
    else:
        assert len(refused) == 1 and refused[0].startswith(("A ", "An ")), refused
        assert not at.dataframe and not html_tables(at)
    assert sidebar_links(at) == SIDEBAR[who]
    assert f"Signed in as **{who.name}**" in texts(at)


def test_deactivated_person_is_refused_at_the_next_run(either_app_db):
    at = app_page("app.py", user=CSR).run()
    assert html_tables(at)
    rows(either_app_db, "UPDATE staff SET active = false WHERE email = ?", [CSR.email])
    at.run()
    assert [t.value for t in at.title] == ["No access"]
    assert "your access has been deactivated" in texts(at)
    assert not at.dataframe and not html_tables(at)


def test_staff_page_adds_changes_and_deactivates_with_history(either_app_db):
    at = app_page("pages/staff.py", user=ADMIN).run()
    assert not at.exception
    assert list(at.dataframe[0].value["E-mail"]) == [p.email for p in sorted([CSR, FULFILLMENT, MANAGER, ADMIN],
                                                                            key=lambda p: p.name)]
    at.text_input(key="staff_new_email").input("Luc.Gagnon@Example.ca")
    at.text_input(key="staff_new_name").input("Luc Gagnon")
    at.selectbox(key="staff_new_role").select("Fulfillment Associate")
    at.button(key="staff_add").click().run()
    assert "Added Luc Gagnon (luc.gagnon@example.ca, Fulfillment Associate)." in at.success[0].value.replace(JOINER, "")
    assert rows(either_app_db, "SELECT name, role, active, changed_by FROM staff "
                               "WHERE email = 'luc.gagnon@example.ca'") == [
        ("Luc Gagnon", "Fulfillment Associate", True, ADMIN.email)]

    at.selectbox(key="staff_who").select("luc.gagnon@example.ca").run()
    at.selectbox(key="staff_role_luc.gagnon@example.ca").select("CSR").run()
    at.button(key="staff_set_role").click().run()
    at.button(key="staff_deactivate").click().run()
    assert "Deactivated Luc Gagnon" in at.success[0].value
    history = at.dataframe[1].value  # the list, then the history
    mine = history[history["E-mail"] == "luc.gagnon@example.ca"]
    assert list(mine["Change"]) == ["deactivated", "role Fulfillment Associate → CSR", "added as Fulfillment Associate"]
    assert set(mine["By"]) == {f"{ADMIN.name} ({ADMIN.email})"}


def test_staff_page_refuses_a_bad_address_and_the_last_administrator(either_app_db):
    at = app_page("pages/staff.py", user=ADMIN).run()
    at.text_input(key="staff_new_email").input("not an address")
    at.text_input(key="staff_new_name").input("Somebody")
    at.button(key="staff_add").click().run()
    assert at.error[0].value.replace(JOINER, "") == "'not an address' is not an e-mail address (name@example.com)."
    at.selectbox(key="staff_who").select(ADMIN.email).run()
    at.button(key="staff_deactivate").click().run()
    assert at.error[0].value == "The staff list must keep one active Administrator; make another one first."
    assert rows(either_app_db, "SELECT count(*) FROM staff WHERE active") == [(4,)]


@pytest.mark.parametrize("who", [CSR, FULFILLMENT, MANAGER], ids=lambda p: p.role)
def test_the_index_offers_the_unverified_view_only_to_roles_that_see_unverified_orders(app_db, who):
    at = app_page("app.py", user=who)
    at.query_params["view"] = "Unverified"  # a link to the view, as a CSR might send it
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    show = at.radio(key="orders_show")
    if who == FULFILLMENT:
        assert show.options == ["All", "Archived", "Returns"] and show.value == "All"
    else:
        assert show.options == ["All", "Unverified", "Archived", "Returns"] and show.value == "Unverified"


def test_an_administrator_reads_an_order_and_is_told_the_role_does_not_change_orders(app_db):
    order_id = rows(app_db, "SELECT min(order_id) FROM orders WHERE status = 'Open' AND archived_at IS NULL")[0][0]
    at = app_page("pages/order.py", user=ADMIN)
    at.query_params["id"] = str(order_id)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.label for b in at.main.button if b.label in ("Verify", "Edit", "Place Order", "Cancel", "Archive")] == []
    assert "Your role (Administrator) reads orders but does not change them." in [c.value for c in at.caption]
    csr = app_page("pages/order.py", user=CSR)
    csr.query_params["id"] = str(order_id)
    csr.run()
    assert "Your role (CSR) reads orders but does not change them." not in [c.value for c in csr.caption]
