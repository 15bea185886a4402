"""Every command's arguments, fuzzed: never a traceback, and the database unchanged whenever the
command refused. Arguments run in-process (as Python decodes a non-UTF-8 argv: surrogate escapes), and a
few with raw bytes through a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders_core.cli.main import main
from tests.checksums import checksum

TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.binary(max_size=12).map(lambda b: b.decode("utf-8", "surrogateescape")),  # a non-UTF-8 argument
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "0", "-5", "9" * 25, "٣", "²", "9999-12-31", "2026-02-30", "2026-11-26", "100001,x"]),
)
# A demo of fifty orders at most, so a valid count cannot make the test slow.
SMALL = TEXT.filter(lambda t: not (t.strip().isascii() and t.strip().isdigit() and int(t) > 50))
COMMANDS = {
    "init": (["init"], {}),
    "demo": (["demo"], {"--orders": SMALL, "--seed": TEXT, "--anchor": TEXT}),
    "picking-list": (["picking-list"], {"--orders": TEXT, "--number": TEXT, "--as": TEXT}),
    "recurring": (["recurring", "run"], {"--as-of": TEXT, "--dry-run": st.none()}),
}


def argv_for(command: str):
    words, options = COMMANDS[command]

    @st.composite
    def build(draw):
        argv = list(words)
        names = draw(st.lists(st.sampled_from(sorted(options)), unique=True, max_size=len(options))) if options else []
        for name in names:
            value = draw(options[name])
            argv += [name] if value is None else [name, value]
        if draw(st.booleans()):
            argv.append(draw(TEXT))  # a stray argument
        return argv, draw(st.sampled_from(["copy", "new", "folder", "missing folder", "bad name"]))

    return build()


def where(kind: str, folder: Path, template: Path) -> tuple[str, str]:
    """(--db, -o) inside ``folder``; a fresh copy of the demo database for "copy"."""
    db = folder / "orders.duckdb"
    shutil.copy(template, db)
    return {
        "copy": str(db),
        "new": str(folder / "new.duckdb"),
        "folder": str(folder),
        "missing folder": str(folder / "nope" / "x.duckdb"),
        "bad name": str(folder / "\udcff.duckdb"),
    }[kind], str(folder / "list.pdf")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_any_arguments_give_one_sentence_or_success(demo_template, command, capsys):
    @settings(max_examples=8, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(case=argv_for(command))
    def check(case):
        argv, kind = case
        with tempfile.TemporaryDirectory() as tmp:
            db, out = where(kind, Path(tmp), demo_template)
            before = checksum(Path(tmp) / "orders.duckdb")
            argv = argv + ["--db", db] + (["-o", out] if command == "picking-list" else [])
            try:
                code = main(argv)
            except SystemExit as stop:  # argparse refused an argument
                code = stop.code
            err = capsys.readouterr().err
            assert "Traceback" not in err, (argv, err)
            if code != 0:
                assert err.strip(), argv
                assert err.strip().splitlines()[-1].count(". ") <= 2, (argv, err)
                assert checksum(Path(tmp) / "orders.duckdb") == before, argv

    check()


@pytest.mark.parametrize("argv", [
    [b"picking-list", b"-o", b"{tmp}/l.pdf", b"--as", b"\xff\xfe", b"--db", b"{db}"],
    [b"picking-list", b"-o", b"{tmp}/\xff.pdf", b"--db", b"{db}"],
    [b"picking-list", b"--orders", b"1234567890123456789012345", b"-o", b"{tmp}/l.pdf", b"--db", b"{db}"],
    [b"recurring", b"run", b"--db", b"{tmp}/\xff.duckdb"],
])
def test_a_real_process_with_raw_bytes_says_one_sentence(db_path, tmp_path, argv):
    before = checksum(db_path)
    argv = [a.replace(b"{tmp}", os.fsencode(tmp_path)).replace(b"{db}", os.fsencode(db_path)) for a in argv]
    done = subprocess.run([sys.executable.encode(), b"-m", b"orders_core.cli", *argv], capture_output=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[3])
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].count(". ") <= 1, err
    assert checksum(db_path) == before
