"""Only `orders-core demo` marks a database as demo data (what lets the demo sign-in serve it)."""

from __future__ import annotations

from orders_core.cli.main import main
from orders_core.storage.database import Database
from orders_core.storage.demo_mark import is_demo, mark_demo


def test_demo_marks_its_database_and_init_does_not(tmp_path, capsys):
    assert main(["demo", "--orders", "50", "--db", str(tmp_path / "demo.duckdb")]) == 0
    assert main(["init", "--db", str(tmp_path / "init.duckdb")]) == 0
    for name, expected in (("demo.duckdb", True), ("init.duckdb", False)):
        db = Database(str(tmp_path / name), create=False, read_only=True)
        try:
            assert is_demo(db.cursor()) is expected, name
        finally:
            db.close()


def test_the_mark_is_one_row_of_app_meta(empty_db):
    cur = empty_db.cursor()
    assert not is_demo(cur)
    mark_demo(cur)
    mark_demo(cur)  # again: still one row
    assert is_demo(cur)
    assert cur.execute("SELECT count(*) FROM app_meta WHERE key = 'demo'").fetchall() == [(1,)]
