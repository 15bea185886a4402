"""A copy of a database whose blocks are damaged: it opens, and its first real query fails."""

from __future__ import annotations

import os
from pathlib import Path

BLOCK = 262_144  # DuckDB's block size
HEADERS = 3 * 4096


def damage(path: Path) -> Path:
    """Overwrite 64 bytes inside every data block of ``path`` (the headers and catalog stay readable)."""
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        for k in range(2, size // BLOCK):
            f.seek(HEADERS + k * BLOCK + 200)
            f.write(b"\xab" * 64)
    return path
