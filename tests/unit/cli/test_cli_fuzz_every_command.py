"""Every command of ``orders-core`` (read from its argparse parser, so a new command is fuzzed without being
listed here), with generated arguments: never a traceback, exit status 0 or a sentence on stderr, and a
database left as it was whenever the command refused.

Each command gets a few derandomised examples: its options in any subset and order, each value either a
plausible one (an e-mail of the demo staff, a choice, a path in a fresh folder, a small number, a date) or
anything (Unicode digits such as "²", huge numbers, text that is not UTF-8).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders_core.cli.main import build_parser, main
from orders_core.staff.members import DEMO_STAFF
from tests.checksums import checksum

ANYTHING = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=24),
    st.binary(max_size=10).map(lambda b: b.decode("utf-8", "surrogateescape")),  # not UTF-8
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(["", " ", "0", "-1", "²", "٣", "１２", "9" * 25, "2026-02-30", "9999-12-31", "2026-11-26",
                     "#100123", "/order?id=100123", "100001,100002", "x@y", "\x00"]),
)
EMAILS = st.sampled_from([p.email for p in DEMO_STAFF] + ["nobody@example.com", "ADMIN@DEMO.EXAMPLE "])
PATH_OPTIONS = {"-o", "--output", "--report"}
SMALL_COUNTS = {"--orders"}  # a demo or a picking list of a few orders at most, so the test stays quick


def commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every leaf command (its words, e.g. ("staff", "add")) and its parser."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(commands(sub, (*words, name)))
            return found
    return {words: parser}


COMMANDS = commands(build_parser())


def value_for(action: argparse.Action, folder: Path):
    """What may be typed for ``action``: a plausible value or anything."""
    flag = action.option_strings[0] if action.option_strings else action.dest
    plausible = []
    if action.choices:
        plausible.append(st.sampled_from(list(action.choices)))
    if set(action.option_strings) & PATH_OPTIONS or action.dest == "file":
        plausible.append(st.sampled_from([str(folder / "out.pdf"), str(folder / "nope" / "x"), str(folder),
                                          str(folder / "in.csv"), str(folder / "\udcff.x")]))
    if action.dest in ("as_email", "email", "person"):
        plausible.append(EMAILS)
    if flag in SMALL_COUNTS:
        return st.sampled_from(["1", "3", "0", "-2", "²", "x", "100001,100002", "9" * 20])
    return st.one_of(*plausible, ANYTHING) if plausible else ANYTHING


@st.composite
def argv_for(draw, words: tuple[str, ...], folder: Path):
    parser = COMMANDS[words]
    argv = list(words)
    optional = [a for a in parser._actions if a.option_strings and a.dest not in ("help", "db")]
    for action in draw(st.permutations(optional))[: draw(st.integers(0, len(optional)))]:
        if action.nargs == 0:  # a flag such as --dry-run
            argv.append(action.option_strings[-1])
        else:
            argv += [action.option_strings[-1], draw(value_for(action, folder))]
    for action in (a for a in parser._actions if not a.option_strings):
        if action.nargs == "?" and draw(st.booleans()):
            continue
        argv.append(draw(value_for(action, folder)))
    return argv


@pytest.mark.parametrize("words", sorted(COMMANDS), ids=" ".join)
def test_any_arguments_of_every_command_give_one_sentence_or_success(demo_template, words, capsys):
    folder = Path(tempfile.mkdtemp(prefix="cli-fuzz-"))
    (folder / "in.csv").write_text("client_number,name\n²,Zoë\n", encoding="utf-8")
    db = folder / "orders.duckdb"
    try:
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
        @given(argv=argv_for(words, folder))
        def check(argv):
            shutil.copy(demo_template, db)
            before = checksum(db)
            try:
                code = main([*argv, "--db", str(db)])
            except SystemExit as stop:  # argparse refused an argument: its usage line and one sentence
                code = stop.code
            err = capsys.readouterr().err
            assert "Traceback" not in err, (argv, err)
            assert code in (0, 1, 2), (argv, code)
            if code:
                assert err.strip(), (argv, "a refusal says why")
                assert checksum(db) == before, (argv, "a refused command changed the database")

        check()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_every_command_is_fuzzed():
    """The commands this test found in the parser (a new one is included by itself)."""
    assert {w[0] for w in COMMANDS} >= {"demo", "init", "picking-list", "recurring", "check", "import", "staff",
                                        "backup"}
