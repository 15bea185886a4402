"""The command line registers every command group's commands, and a group without them fails loudly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orders_core.cli import main as cli


def commands() -> set[str]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return set(sub.choices)


def test_every_feature_module_registers_its_commands():
    assert commands() == {"audit", "backup", "check", "demo", "export", "import", "init", "picking-list", "recurring",
                          "returns", "staff", "labels", "ship", "manifest", "report"}


def test_the_command_line_runs_as_a_module_with_every_command():
    done = subprocess.run([sys.executable, "-m", "orders_core.cli", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    for name in ("audit", "backup", "check", "demo", "export", "import", "init", "picking-list", "recurring", "returns", "staff",
                 "labels", "ship", "manifest", "report"):
        assert name in done.stdout


def test_a_command_group_without_register_cli_is_an_error(monkeypatch):
    from orders_core.rules import formatting

    monkeypatch.setattr(cli, "COMMAND_GROUPS", (*cli.COMMAND_GROUPS, formatting))
    with pytest.raises(AttributeError, match="register_cli"):
        cli.build_parser()
