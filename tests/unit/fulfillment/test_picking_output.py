"""`orders-core picking-list -o` somewhere it cannot write records nothing and says so in one sentence."""

from __future__ import annotations

import pytest

from orders_core.cli.main import main
from orders_core.fulfillment.picking import generate_picking_list
from orders_core.storage.reads import fetch_value
from tests.checksums import checksum
from tests.people import acting


@pytest.mark.parametrize("where, sentence", [
    ("folder", "is a folder; give the file's name, such as"),
    ("missing/list.pdf", "does not exist; create it first"),
    ("afile/list.pdf", "is not a folder"),
])
def test_unwritable_output_records_nothing(db_path, tmp_path, capsys, where, sentence):
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("not a folder")
    before = checksum(db_path)
    assert main(["picking-list", "-o", str(tmp_path / where), "--db", str(db_path), "--as", "fulfillment@demo.example"]) == 2
    err = capsys.readouterr().err.strip()
    assert sentence in err and len(err.splitlines()) == 1
    assert checksum(db_path) == before


def test_a_pdf_that_fails_to_write_rolls_the_list_back(engine_demo_db):
    """On both engines: the list, its lines and its events are one transaction with the PDF's writing."""
    db = engine_demo_db
    cur = db.cursor()
    events = fetch_value(cur, "SELECT count(*) FROM order_events")

    def disk_full(pdf: bytes) -> None:
        assert pdf.startswith(b"%PDF")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        generate_picking_list(db, actor=acting("Tester"), before_commit=disk_full)
    assert fetch_value(cur, "SELECT count(*) FROM picking_lists") == 0
    assert fetch_value(cur, "SELECT count(*) FROM picking_list_lines") == 0
    assert fetch_value(cur, "SELECT count(*) FROM order_events") == events


def test_the_written_pdf_is_the_kept_list(db_path, tmp_path, capsys):
    out = tmp_path / "list.pdf"
    assert main(["picking-list", "-o", str(out), "--db", str(db_path), "--as", "fulfillment@demo.example"]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())
    assert "Picking list 1" in capsys.readouterr().out
