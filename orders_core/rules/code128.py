"""Code 128 (code set B) as bar and space widths, and what the fulfillment barcodes hold.

fpdf2 draws Code 39 and Interleaved 2 of 5 but not Code 128, so the encoding is here, pure: ``widths(text)``
gives the widths (in modules) of the symbol's bars and spaces in turn, starting with a bar: start code B,
the data, the modulo-103 check character and the stop pattern. The PDF draws each bar as a rectangle
(``fulfillment.label_pdf``); a quiet zone of ten modules on each side is the caller's.

What the barcodes hold (decision):
- A picking list's order barcode holds the Order ID's digits alone ("100123").
- A unit's label holds ``ORDER-UNIT`` ("100123-2": unit 2 of order 100123's cannabis units), digits and one
  dash only, so that a USB scanner typing it on any keyboard layout types the same characters.
"""

from __future__ import annotations

import re

# The 107 Code 128 patterns (values 0-105, then the stop without its final bar), as bar/space widths.
_PATTERNS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232",
)
START_B = 104
STOP = "2331112"
QUIET_MODULES = 10

UNIT_CODE = re.compile(r"^(\d{1,18})-(\d{1,4})$")
ORDER_CODE = re.compile(r"^\d{1,18}$")


class NotEncodable(ValueError):
    """Text that Code 128 B cannot hold (only printable ASCII, space to tilde)."""


def symbol_values(text: str) -> list[int]:
    """Start B, the data's values and the check value (not the stop)."""
    if not text:
        raise NotEncodable("A barcode needs at least one character.")
    values = [START_B]
    for ch in text:
        code = ord(ch)
        if not 32 <= code <= 126:
            raise NotEncodable(f"{ch!r} cannot be put in a Code 128 B barcode.")
        values.append(code - 32)
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return [*values, check]


def widths(text: str) -> list[int]:
    """The symbol's bar and space widths in modules, bar first, stop included (no quiet zone)."""
    out = [int(w) for v in symbol_values(text) for w in _PATTERNS[v]]
    return out + [int(w) for w in STOP]


def module_count(text: str) -> int:
    """How many modules wide the symbol is (11 per character, start and check, 13 for the stop)."""
    return 11 * (len(text) + 2) + 13


def unit_code(order_id: int, unit_no: int) -> str:
    """What unit ``unit_no`` of order ``order_id``'s label barcode holds."""
    return f"{int(order_id)}-{int(unit_no)}"


def parse_unit_code(text: str) -> tuple[int, int] | None:
    """(order id, unit number) from a unit label's barcode, or None when the text is not one."""
    m = UNIT_CODE.match(text.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def order_code(order_id: int) -> str:
    """What a picking list's order barcode holds."""
    return str(int(order_id))


def parse_order_code(text: str) -> int | None:
    m = ORDER_CODE.match(text.strip())
    return int(m.group(0)) if m else None
