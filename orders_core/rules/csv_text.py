"""CSV files people open in Excel: UTF-8 with a byte-order mark (so "Côté" is not "CÃ´tÃ©"), and text cells
shown as typed, never run as a formula.

Decisions (the requirement names the goal, not the rule):
- A text cell is neutralised when a spreadsheet could read it as a formula: its first character is one of
  ``= + - @``, their full-width forms ``＝ ＋ － ＠`` (U+FF1D, U+FF0B, U+FF0D, U+FF20, which spreadsheets
  in East Asian locales accept as the same signs) or the minus sign ``−`` (U+2212), a tab, a carriage
  return or a line feed; or those signs come after leading spaces or other invisible characters
  (spreadsheets trim spaces when importing, and LibreOffice's "trim spaces" and "evaluate formulas"
  options make `` =1+1`` a formula). Neutralised means a leading ``'``, the spreadsheet convention
  for "this is text"; the cell is otherwise unchanged.
- A text cell that is really a number is kept as it is, so it stays a number: an optional ``-`` or
  ``+``, ASCII digits with at most one decimal point, and an optional exponent (``-5.5``, ``+3``,
  ``1e5``) and nothing else. ``-2+3+cmd|' /C calc'!A0`` starts like a number but is not one, so it
  is neutralised.
- Number and date columns are written as they are (they are not text).
- Rows end with CRLF (RFC 4180). With a bare LF, Python's CSV writer leaves a cell holding a lone carriage
  return unquoted, and a spreadsheet reads it as the end of the row: a typed ``a\rb`` would become two
  rows. With CRLF every cell holding either character is quoted and stays one cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

BOM = "\ufeff"
LINE_END = "\r\n"  # RFC 4180's, as Excel writes: a cell holding a CR or LF alone is then quoted (see above)
# Signs a spreadsheet reads as the start of a formula (ASCII and full-width), and the control characters
# that some of them accept before one.
FORMULA_SIGNS = "=+-@\uff1d\uff0b\uff0d\uff20\u2212"
_LEADING_CONTROLS = "\t\r\n"
# Invisible characters a spreadsheet may trim before reading a formula: Unicode whitespace (spaces, the
# no-break and ideographic spaces) and format characters (zero-width space and joiners, the BOM).
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060-\u2064\ufeff\u00ad]*")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def is_number(text: str) -> bool:
    """Whether ``text`` is a plain number a spreadsheet reads as that number (not a formula)."""
    return _NUMBER.fullmatch(text) is not None


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (see the module's decisions)."""
    if not text or is_number(text):
        return False
    if text[0] in _LEADING_CONTROLS:
        return True
    rest = text[_INVISIBLE.match(text).end():]
    return bool(rest) and rest[0] in FORMULA_SIGNS


def text_cell(value: object) -> object:
    """``value`` as it goes into a CSV file: a text that could run as a formula gets a leading ``'``."""
    return "'" + value if isinstance(value, str) and is_formula_like(value) else value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    text_columns = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    if not text_columns:
        return frame
    frame = frame.copy()
    for column in text_columns:
        frame[column] = frame[column].map(text_cell)
    return frame


def csv_bytes(frames: pd.DataFrame | Iterable[pd.DataFrame], columns: list[str] | None = None) -> bytes:
    """One CSV file from a frame (or batches of frames with the same columns), BOM first."""
    chunks = [frames] if isinstance(frames, pd.DataFrame) else frames
    parts = [BOM]
    for i, chunk in enumerate(chunks):
        parts.append(_safe(chunk).to_csv(index=False, header=(i == 0), date_format="%Y-%m-%d %H:%M:%S",
                                         lineterminator=LINE_END))
    if len(parts) == 1 and columns:
        parts.append(",".join(columns) + LINE_END)
    return "".join(parts).encode("utf-8")
