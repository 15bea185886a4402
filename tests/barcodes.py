"""Read a PDF as a person and a scanner would: its text (pdftotext), its page size (pdfinfo), and every barcode
on every page decoded by a real decoder (zbar's ``zbarimg``, from Debian's zbar-tools, on ``pdftoppm -r 300``).

A missing tool fails the test (never skips it): ``make test`` and ``.ci/run`` install them
(``scripts/ensure-tools.sh``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run `make test` (scripts/ensure-tools.sh installs zbar-tools and "
                    "poppler-utils) or apt-get install zbar-tools poppler-utils", pytrace=False)
    return path


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.pdf"
        path.write_bytes(pdf)
        return subprocess.run([_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, check=True,
                              text=True).stdout


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Every page's width and height in points."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.pdf"
        path.write_bytes(pdf)
        out = subprocess.run([_tool("pdfinfo"), "-f", "1", "-l", "100000", str(path)], capture_output=True,
                             check=True, text=True).stdout
    sizes = []
    for line in out.splitlines():
        if line.startswith("Page") and "size:" in line:
            parts = line.split("size:")[1].split()
            sizes.append((float(parts[0]), float(parts[2])))
    return sizes


def decode_pages(pdf: bytes, dpi: int = 300) -> list[list[tuple[str, str]]]:
    """Per page, every barcode zbar finds on it: (symbology, data)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.pdf"
        path.write_bytes(pdf)
        subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-png", str(path), str(Path(tmp) / "p")], check=True)
        pages = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        found = []
        for page in pages:
            run = subprocess.run([_tool("zbarimg"), "-q", "--xml", str(page)],
                                 capture_output=True, text=True)
            found.append(_symbols(run.stdout))
        return found


def _symbols(xml: str) -> list[tuple[str, str]]:
    import re

    return [(kind, data) for kind, data in re.findall(r"<symbol type='([^']+)'[^>]*>.*?<data><!\[CDATA\[(.*?)\]\]>",
                                                      xml, flags=re.S)]
