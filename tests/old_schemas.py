"""Databases made by earlier releases (``tests/fixtures/schemaN.duckdb.gz``), unpacked for an upgrade test."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def unpacked(version: int, folder: Path) -> Path:
    """A fresh copy of the schema ``version`` database in ``folder``."""
    path = folder / f"schema{version}.duckdb"
    with gzip.open(FIXTURES / f"schema{version}.duckdb.gz") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return path
