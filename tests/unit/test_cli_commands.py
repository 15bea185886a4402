"""The command line registers every feature's commands, and a broken feature module fails loudly."""

from __future__ import annotations

import sys

import pytest

from orders_core.cli import main as cli


def commands() -> set[str]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return set(sub.choices)


def test_every_feature_module_registers_its_commands():
    assert commands() == {"backup", "check", "demo", "import", "init", "picking-list", "recurring", "staff"}


def test_a_module_that_cannot_be_imported_stops_the_command_line_instead_of_losing_its_command(monkeypatch):
    monkeypatch.delitem(sys.modules, "orders_core.fulfillment.picking", raising=False)
    monkeypatch.setitem(sys.modules, "orders_core.fulfillment.picking", None)  # importing it now raises ImportError
    with pytest.raises(ImportError, match="orders_core.fulfillment.picking"):
        cli.build_parser()
    with pytest.raises(ImportError):
        cli.main(["demo", "--help"])


def test_a_command_module_without_register_cli_is_an_error(monkeypatch):
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("picking", "formatting"))
    with pytest.raises(AttributeError, match="register_cli"):
        cli.build_parser()
