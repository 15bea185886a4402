"""Money and quantities as Canadians type them, in English and French habits, or one sentence why not.

Accepted (``parse_amount``): ``32.50``, ``32,50``, ``1,234.50``, ``1 234,50``, ``1.234,50``, ``$32.50``,
``32,50 $``, ``32.50$``, with ordinary, no-break or thin spaces.

Decisions (where the requirements are silent):
- With both ``,`` and ``.`` the last one is the decimal mark; the other groups thousands.
- A space only ever groups thousands (groups of exactly three digits after the first).
- A lone ``,`` or ``.`` followed by one or two digits is the decimal mark (``32,50`` = 32.50).
- A lone ``,`` or ``.`` followed by exactly three digits (``1,234``, ``1.500``) is ambiguous (a thousand
  and more in English, a decimal in French): refused, asking for the figure without a separator.
- Several of the same mark (``1,234,567`` or ``1.234.567``) group thousands and must be in threes.
- Anything else (letters, ``1e9``, ``inf``, ``0x10``, two dollar signs, non-ASCII digits) is malformed.
- A leading ``-`` (before or after ``$``) is read, so that callers can say "is negative".
"""

from __future__ import annotations

import re
from decimal import Decimal

SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
DIGITS = re.compile(r"[0-9]+")
GROUPED = re.compile(r"[0-9]{1,3}(?:[ ,.][0-9]{3})+")


class NumberError(ValueError):
    """Text that is not a number as people type one; the message is one sentence."""


def _quote(text: str) -> str:
    text = " ".join(text.split())  # one line, whatever was pasted
    return "'" + (text[:40] + "…" if len(text) > 40 else text) + "'"


def _strip_dollar(text: str) -> str:
    if text.startswith("-"):
        return "-" + _strip_dollar(text[1:].strip())
    if text.count("$") > 1:
        return "?"
    if text.startswith("$"):
        return text[1:].strip()
    if text.endswith("$"):
        return text[:-1].strip()
    return text


def _ungroup(integer: str, typed: str) -> str:
    """The digits of an integer part that may group thousands with one kind of mark."""
    if DIGITS.fullmatch(integer):
        return integer
    marks = {c for c in integer if not c.isdigit()}
    if len(marks) == 1 and GROUPED.fullmatch(integer):
        return re.sub(r"[ ,.]", "", integer)
    raise NumberError(f"{_quote(typed)} is not a number: group thousands in threes, e.g. 1 234,50 or 1,234.50.")


def parse_amount(text: object) -> Decimal:
    """The number in ``text`` (see the module's rules); NumberError with one sentence otherwise."""
    if isinstance(text, Decimal | int) and not isinstance(text, bool):
        return Decimal(text)
    typed = str(text).strip()
    body = _strip_dollar(SPACES.sub(" ", typed).strip())
    negative = body.startswith("-")
    body = body[1:].strip() if negative else body
    body = "0" + body if body[:1] in (",", ".") else body
    if not body or not re.fullmatch(r"[0-9][0-9 ,.]*", body) or not body[-1].isdigit():
        raise NumberError(f"{_quote(typed)} is not a number.")
    last_comma, last_dot = body.rfind(","), body.rfind(".")
    if last_comma >= 0 and last_dot >= 0:
        decimal_at = max(last_comma, last_dot)
        if body[decimal_at + 1:].count(",") or body[decimal_at + 1:].count(".") or " " in body[decimal_at + 1:]:
            raise NumberError(f"{_quote(typed)} is not a number.")
    else:
        mark = "," if last_comma >= 0 else "." if last_dot >= 0 else None
        decimal_at = -1
        if mark and body.count(mark) == 1:
            after = len(body) - body.index(mark) - 1
            if after == 3 and " " not in body:
                raise NumberError(f"{_quote(typed)} is ambiguous: write it without the '{mark}' for a whole "
                                  f"number, or with at most two decimals.")
            decimal_at = body.index(mark)
    integer, fraction = (body[:decimal_at], body[decimal_at + 1:]) if decimal_at >= 0 else (body, "")
    if decimal_at >= 0 and (not integer or not DIGITS.fullmatch(fraction)):
        raise NumberError(f"{_quote(typed)} is not a number.")
    number = Decimal(_ungroup(integer.strip(), typed) + ("." + fraction if fraction else ""))
    return -number if negative else number


def _not_negative(text: object, what: str) -> Decimal:
    """``parse_amount`` of ``text``, refused when negative; the sentence starts with ``what`` (the field)."""
    try:
        number = parse_amount(text)
    except NumberError as exc:
        raise NumberError(f"{what} {exc}") from None
    if number < 0:
        raise NumberError(f"{what} {_quote(str(text))} is negative.")
    return number


def parse_money(text: object, what: str, *, maximum: Decimal | None = None) -> Decimal:
    """Dollars and cents, not negative, at most two decimals: ``what`` names the field in the sentence."""
    number = _not_negative(text, what)
    if maximum is not None and number > maximum:
        raise NumberError(f"{what} {_quote(str(text))} is more than ${maximum:,.2f}.")
    if number.as_tuple().exponent < -2 and number != number.quantize(Decimal("0.01")):
        raise NumberError(f"{what} {_quote(str(text))} has more than two decimal places.")
    return number.quantize(Decimal("0.01"))


def parse_units(text: object, what: str, *, maximum: int) -> int:
    """A whole number of units from 1 to ``maximum``."""
    if text is None or not str(text).strip():
        raise NumberError(f"{what} is empty; enter a whole number of units.")
    number = _not_negative(text, what)
    if number != number.to_integral_value():
        raise NumberError(f"{what} {_quote(str(text))} is not a whole number.")
    if number == 0:
        raise NumberError(f"{what} is 0; order at least 1 unit.")
    if number > maximum:
        raise NumberError(f"{what} {int(number)} is more than {maximum} units.")
    return int(number)


def far_from(price: Decimal, catalogue: Decimal, factor: int = 10) -> bool:
    """A typed price more than ``factor`` times, or under a ``factor``-th of, the catalogue price."""
    if catalogue <= 0:
        return False
    return price > catalogue * factor or price * factor < catalogue
