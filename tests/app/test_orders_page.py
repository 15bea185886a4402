"""The Orders page as a CSR uses it (AppTest): views, search, sort, URL, archive with undo; on both engines
(the tests of a missing or held DuckDB file on DuckDB only)."""

from __future__ import annotations

import pytest

from orders_core.storage.reads import fetch_value
from tests.app.engines import ENGINES, engine_app_db, with_database
from tests.app.html_tables import html_table, html_tables
from tests.app.pages import app_page
from ui.text import JOINER

PAGE = "app.py"


@pytest.fixture(params=ENGINES)
def app_db(request, monkeypatch):
    """The pages on each engine: the demo in a DuckDB file, and the same rows on PostgreSQL."""
    yield from engine_app_db(request, monkeypatch)


@pytest.fixture
def at(app_db):
    app = app_page(PAGE, timeout=30)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def sql(target, query, params=()):
    return with_database(target, lambda db: fetch_value(db.cursor(), query, list(params)))


def order_ids(at) -> list[int]:
    """The index's Order IDs (each cell a link to order?id=N, reading N)."""
    return [int(v) for v in html_table(at).frame["Order ID"]]


def total_label(at) -> str:
    return next(m.value for m in at.markdown if m.value.endswith("orders**") or m.value.endswith("order**"))


def test_lands_on_all_orders_newest_first(at, app_db):
    assert at.radio(key="orders_show").value == "All"
    assert at.radio(key="orders_show").options == ["All", "Unverified", "Archived", "Returns"]
    table = html_table(at).frame
    assert list(table.columns) == ["Order ID", "Client", "Quantity", "Total Due", "Created At",
                                   "Shipped On", "Status", "Carrier", "Returns"]
    expected = sql(app_db, "SELECT count(*) FROM orders WHERE archived_at IS NULL")
    assert total_label(at) == f"**{expected:,} orders**"
    newest = sql(app_db, "SELECT max(order_id) FROM orders WHERE archived_at IS NULL")
    assert table["Order ID"].iloc[0] == str(newest)
    assert html_table(at).links[0].href == f"order?id={newest}"  # a link to its profile
    assert table["Total Due"].iloc[0].startswith("$")


def test_views_search_and_sort(at, app_db):
    at.radio(key="orders_show").set_value("Unverified").run()
    assert set(html_table(at).frame["Status"]) == {"Unverified"}
    assert at.query_params["view"] == "Unverified"
    at.radio(key="orders_show").set_value("All").run()
    surname = sql(app_db, "SELECT split_part(c.name, ' ', -1) FROM orders o JOIN clients c USING (client_id) "
                          "WHERE o.archived_at IS NULL ORDER BY o.order_id DESC LIMIT 1")
    at.text_input(key="orders_search").input(surname.upper()).run()
    clients = set(html_table(at).frame["Client"])
    assert clients and all(surname in c for c in clients)
    at.text_input(key="orders_search").input("").run()
    at.selectbox(key="orders_sort").set_value("Order ID").run()
    at.selectbox(key="orders_dir").set_value("Ascending").run()
    ids = order_ids(at)
    assert ids == sorted(ids) and ids[0] == sql(app_db, "SELECT min(order_id) FROM orders WHERE archived_at IS NULL")
    assert at.query_params["sort"] == "id" and at.query_params["dir"] == "asc"


def test_a_shared_link_opens_the_same_view(app_db):
    at = app_page(PAGE, timeout=30)
    at.query_params.update({"view": "Archived", "status": "Delivered", "sort": "id", "dir": "asc"})
    at.run()
    assert at.radio(key="orders_show").value == "Archived"
    assert at.multiselect(key="orders_status").value == ["Delivered"]
    expected = sql(app_db, "SELECT count(*) FROM orders WHERE archived_at IS NOT NULL AND status = 'Delivered'")
    assert total_label(at) == f"**{expected:,} orders**"


def test_a_bad_link_is_explained_in_one_sentence(app_db):
    at = app_page(PAGE, timeout=30)
    at.query_params.update({"view": "Nope", "carrier": "Pigeon Post"})
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "This link's view 'Nope', carrier 'Pigeon Post' could not be used and were left out."]


def test_hostile_search_shows_no_orders_and_no_error(at):
    at.text_input(key="orders_search").input("'; DROP TABLE orders; -- %_😀").run()
    assert not at.exception
    assert total_label(at) == "**0 orders**"
    assert "No orders match" in at.info[0].value


def test_paging_moves_through_the_result(at):
    first = order_ids(at)
    at.button(key="page_next").click().run()
    second = order_ids(at)
    assert len(second) == 50 and set(first).isdisjoint(second) and max(second) < min(first)
    assert at.query_params["page"] == "2"
    at.text_input(key="orders_search").input("a").run()
    assert "page" not in at.query_params, "a new search starts again on page 1"


def test_archive_shipped_asks_first_then_offers_undo(at, app_db):
    shipped = sql(app_db, "SELECT count(*) FROM orders WHERE status = 'Shipped' AND archived_at IS NULL")
    at.button(key="menu_archive_shipped").click().run()
    assert f"Archive all {shipped:,} orders in the Shipped status?" in at.warning[0].value
    assert sql(app_db, "SELECT count(*) FROM orders WHERE status = 'Shipped' AND archived_at IS NULL") == shipped
    at.button(key="archive_confirm").click().run()
    assert at.success[0].value == f"Archived {shipped:,} orders (Shipped)."
    assert sql(app_db, "SELECT count(*) FROM orders WHERE status = 'Shipped' AND archived_at IS NULL") == 0
    at.button(key="archive_undo").click().run()
    assert at.success[0].value == f"Undone: {shipped:,} orders unarchived."
    assert sql(app_db, "SELECT count(*) FROM orders WHERE status = 'Shipped' AND archived_at IS NULL") == shipped


def test_cancelling_the_archive_changes_nothing(at, app_db):
    before = sql(app_db, "SELECT count(*) FROM orders WHERE archived_at IS NOT NULL")
    at.button(key="menu_archive_delivered").click().run()
    at.button(key="archive_cancel").click().run()
    assert not at.warning
    assert sql(app_db, "SELECT count(*) FROM orders WHERE archived_at IS NOT NULL") == before


def test_a_missing_database_is_one_sentence_and_is_not_created(tmp_path, monkeypatch):
    path = tmp_path / "missing.duckdb"
    monkeypatch.setenv("ORDERS_DB", str(path))
    at = app_page(PAGE, timeout=30)
    at.run()
    assert [e.value for e in at.error] == [
        f"The database {path} does not exist; create one with `orders-core init` or `orders-core demo`."]
    assert not at.dataframe and not html_tables(at) and not path.exists()


def test_a_database_held_by_another_program_is_one_sentence(tmp_path, monkeypatch, demo_template):
    import shutil
    import subprocess
    import sys

    path = tmp_path / "held.duckdb"
    shutil.copy(demo_template, path)
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        monkeypatch.setenv("ORDERS_DB", str(path))
        at = app_page(PAGE, timeout=30)
        at.run()
        assert len(at.error) == 1
        assert at.error[0].value.startswith(f"The database {path} is already open in another program (process ")
        assert not at.exception
    finally:
        holder.kill()


def test_the_second_csr_to_confirm_archive_is_told_what_happened_and_gets_no_empty_undo(app_db):
    first, second = app_page(PAGE, timeout=30).run(), app_page(PAGE, timeout=30).run()
    shipped = sql(app_db, "SELECT count(*) FROM orders WHERE status = 'Shipped' AND archived_at IS NULL")
    for app in (first, second):
        app.button(key="menu_archive_shipped").click().run()
        assert f"Archive all {shipped:,} orders in the Shipped status?" in app.warning[0].value
    first.button(key="archive_confirm").click().run()
    assert first.success[0].value == f"Archived {shipped:,} orders (Shipped)."
    second.button(key="archive_confirm").click().run()
    [said] = [i.value for i in second.info]
    assert said.startswith(f"Nothing was archived: there are no Shipped orders left to archive. {shipped:,} "
                           f"Shipped orders were archived a moment ago (")
    assert said.endswith(f") by Isabelle Roy (csr{JOINER}@demo.example).")
    assert not second.success
    assert not [b for b in second.button if b.key == "archive_undo"]


def test_choosing_archive_delivered_closes_the_menu(at):
    at.button(key="menu_archive_delivered").click().run()
    assert at.session_state["orders_menu"] is False  # the "⋮" popover is closed over the confirmation
    assert "in the Delivered status?" in at.warning[0].value


def test_sort_by_status_starts_unverified_first_and_the_direction_still_flips(at, app_db):
    at.selectbox(key="orders_sort").select("Status").run()
    assert at.selectbox(key="orders_dir").value == "Ascending"
    assert html_table(at).frame["Status"].iloc[0] == "Unverified"
    at.selectbox(key="orders_dir").select("Descending").run()
    assert html_table(at).frame["Status"].iloc[0] == "Cancelled"
    at.selectbox(key="orders_sort").select("Order ID").run()
    assert at.selectbox(key="orders_dir").value == "Descending"
    ids = order_ids(at)
    assert ids == sorted(ids, reverse=True)
