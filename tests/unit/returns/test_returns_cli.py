"""`orders-core returns ...`: a return and its refund printed; every bad input one sentence, exit 2, and the
database file byte for byte as it was."""

from __future__ import annotations

import pytest

from orders_core.cli.main import main
from orders_core.storage.database import Database
from tests.checksums import checksum
from tests.people import CSR, FULFILLMENT, MANAGER_PERSON
from tests.unit.returns.helpers import OIL, delivered_order


@pytest.fixture
def order_file(db_path):
    db = Database(str(db_path))
    order_id = delivered_order(db)
    db.close()
    return db_path, order_id


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


BAD = [
    ("record", "{order}", f"{OIL}=1", "--reason", "sneezed"),                  # an unknown reason
    ("record", "{order}", "NOT-ON-ORDER=1", "--reason", "damaged"),           # a SKU not on the order
    ("record", "{order}", f"{OIL}=4", "--reason", "damaged"),                 # more units than shipped
    ("record", "{order}", f"{OIL}=0", "--reason", "damaged"),                 # zero
    ("record", "{order}", f"{OIL}=-1", "--reason", "damaged"),                # negative
    ("record", "{order}", f"{OIL}", "--reason", "damaged"),                   # not SKU=UNITS
    ("record", "{order}", f"{OIL}=1", "--reason", "other"),                   # other without a note
    ("record", "{order}", f"{OIL}=1", "--reason", "damaged", "--received", "2099-12-31"),  # in the future
    ("record", "{open}", "X=1", "--reason", "damaged"),                       # an order not shipped
    ("record", "999999999", f"{OIL}=1", "--reason", "damaged"),               # no such order
    ("refund", "424242", "--method", "Cheque", "--reference", "C"),           # no such return
    ("goodwill", "{order}", "100000", "--reason", "x", "--method", "Cheque", "--reference", "C"),  # over what was paid
    ("replace", "424242"),                                                    # no such return
]


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a[:4]) for a in BAD])
def test_bad_input_is_one_sentence_exit_2_and_changes_nothing(order_file, capsys, argv):
    path, order_id = order_file
    db = Database(str(path))
    open_order = db.cursor().execute("SELECT min(order_id) FROM orders WHERE status = 'Open'").fetchall()[0][0]
    db.close()
    before = checksum(path)
    argv = [a.format(order=order_id, open=open_order) for a in argv]
    code, out, err = _run(capsys, "returns", *argv, "--db", str(path), "--as", CSR.email)
    assert code == 2, (out, err)
    assert err.strip() and err.strip().count("\n") == 0, err
    assert checksum(path) == before


def test_record_prints_the_return_and_its_refund_then_refund_replace_and_list(order_file, capsys):
    path, order_id = order_file
    before = checksum(path)
    code, out, _ = _run(capsys, "returns", "record", str(order_id), f"{OIL}=1", "--reason", "damaged", "--dry-run",
                        "--db", str(path), "--as", FULFILLMENT.email)
    assert code == 0 and out.startswith("Dry run, nothing was written") and checksum(path) == before
    code, out, _ = _run(capsys, "returns", "record", str(order_id), f"{OIL}=1", "--reason", "damaged",
                        "--db", str(path), "--as", FULFILLMENT.email)
    assert code == 0 and out.startswith("Return ") and "back to the client" in out
    return_id = out.split()[1].rstrip(":")
    code, out, _ = _run(capsys, "returns", "refund", return_id, "--method", "Credit card", "--reference", "RF-9",
                        "--shipping", "--db", str(path), "--as", CSR.email)
    assert code == 0 and "shipping $12.00 included" in out
    code, out, _ = _run(capsys, "returns", "replace", return_id, "--db", str(path), "--as", CSR.email)
    assert code == 0 and out.startswith("Replacement order ")
    code, out, _ = _run(capsys, "returns", "list", "--order", str(order_id), "--db", str(path),
                        "--as", MANAGER_PERSON.email)
    assert code == 0 and "Damaged in transit" in out and "RF-9" not in out
    code, _, err = _run(capsys, "returns", "refund", return_id, "--method", "Cheque", "--reference", "X",
                        "--db", str(path), "--as", FULFILLMENT.email)
    assert code == 2 and "may not" in err
