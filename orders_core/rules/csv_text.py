"""CSV files people open in Excel: UTF-8 with a byte-order mark (so "Côté" is not "CÃ´tÃ©"), and text cells
shown as typed, never run as a formula.

Decision (the issue is silent): a text cell that a spreadsheet would read as a formula (it starts with
``=``, ``+``, ``@``, a tab, a carriage return, or ``-`` not followed by a digit) gets a leading ``'``,
the spreadsheet convention for "this is text". Numbers and dates are written as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

BOM = "\ufeff"
_FORMULA = re.compile(r"^(?:[=+@\t\r]|-(?![0-9]))")


def _text_cell(value: object) -> object:
    return "'" + value if isinstance(value, str) and _FORMULA.match(value) else value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    text_columns = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    if not text_columns:
        return frame
    frame = frame.copy()
    for column in text_columns:
        frame[column] = frame[column].map(_text_cell)
    return frame


def csv_bytes(frames: pd.DataFrame | Iterable[pd.DataFrame], columns: list[str] | None = None) -> bytes:
    """One CSV file from a frame (or batches of frames with the same columns), BOM first."""
    chunks = [frames] if isinstance(frames, pd.DataFrame) else frames
    parts = [BOM]
    for i, chunk in enumerate(chunks):
        parts.append(_safe(chunk).to_csv(index=False, header=(i == 0), date_format="%Y-%m-%d %H:%M:%S"))
    if len(parts) == 1 and columns:
        parts.append(",".join(columns) + "\n")
    return "".join(parts).encode("utf-8")
