"""A file's checksum, to show that refused input left a database byte-for-byte as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path


def checksum(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
