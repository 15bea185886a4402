"""One typed field at a time: each parser turns what a person typed (in a form or a file cell) into a
value, or raises ``FieldError`` with the reason in plain words. Records (registration, medical
documents, policies, products) and the importer use these, so a rule is written once.

Decisions (where the requirements are silent):
- Dates: ISO ``2024-03-15`` (also ``2024/03/15``), ``15/03/2024`` or ``03/15/2024`` when only one
  reading is a date (``03/04/2024`` is refused as ambiguous), and month names in English or French
  (``March 15, 2024``, ``15 mars 2024``, ``Mar 15 2024``).
- Money: ``32.50``, ``$32.50``, ``1,234.50``, ``1 234,50 $``, ``32,50`` (a comma followed by exactly
  two digits is a decimal comma; followed by three it separates thousands). This is a private parser
  until the shared money parser (h14) lands.
- Postal codes: ``A1A 1A1`` (any case, with or without the space), letters D F I O Q U never, W and Z
  never first, and the first letter must belong to the province (H... is Quebec).
- Phone: a North American number of 10 digits (a leading 1 is dropped), kept as 514-555-0199.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from orders_core.rules import dates
from orders_core.rules.limits import MAX_NAME_CHARS

MAX_TEXT = MAX_NAME_CHARS  # one place for text limits (orders_core.rules.limits)


class FieldError(ValueError):
    """A field that cannot be used; the message is the reason in plain words."""


PROVINCES = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
    "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
    "SK": "Saskatchewan", "YT": "Yukon",
}
POSTAL_FIRST_LETTERS = {
    "NL": "A", "NS": "B", "PE": "C", "NB": "E", "QC": "GHJ", "ON": "KLMNP", "MB": "R",
    "SK": "S", "AB": "T", "BC": "V", "NT": "X", "NU": "X", "YT": "Y",
}
_POSTAL = re.compile(r"^([ABCEGHJ-NPRSTVXY])(\d)([ABCEGHJ-NPRSTV-Z]) ?(\d)([ABCEGHJ-NPRSTV-Z])(\d)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LICENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,29}$")

MONTHS = {
    "january": 1, "jan": 1, "janvier": 1, "janv": 1,
    "february": 2, "feb": 2, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "fév": 2,
    "march": 3, "mar": 3, "mars": 3,
    "april": 4, "apr": 4, "avril": 4, "avr": 4,
    "may": 5, "mai": 5,
    "june": 6, "jun": 6, "juin": 6,
    "july": 7, "jul": 7, "juillet": 7, "juil": 7,
    "august": 8, "aug": 8, "août": 8, "aout": 8,
    "september": 9, "sep": 9, "sept": 9, "septembre": 9,
    "october": 10, "oct": 10, "octobre": 10,
    "november": 11, "nov": 11, "novembre": 11,
    "december": 12, "dec": 12, "décembre": 12, "decembre": 12, "déc": 12,
}


def blank(value: object) -> bool:
    if value.__class__ is str:
        return not value or value.isspace()
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and value != value)


def text(value: object, *, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    """Trimmed text, kept exactly as typed (accents included)."""
    if blank(value):
        if required:
            raise FieldError("is empty")
        return None
    out = " ".join(str(value).split())
    if len(out) > limit:
        raise FieldError(f"is longer than {limit} characters")
    return out


def choice(value: object, options: tuple[str, ...] | list[str], *, required: bool = True) -> str | None:
    """One of ``options`` (case and surrounding spaces ignored), spelled as the option."""
    if blank(value):
        if required:
            raise FieldError("is empty; choose one of " + ", ".join(options))
        return None
    wanted = " ".join(str(value).split()).casefold()
    for option in options:
        if option.casefold() == wanted:
            return option
    raise FieldError("is not one of " + ", ".join(options))


def province(value: object) -> str:
    code = text(value, limit=40).upper()
    if code in PROVINCES:
        return code
    by_name = {name.upper(): c for c, name in PROVINCES.items()}
    if code in by_name:
        return by_name[code]
    raise FieldError("is not a Canadian province or territory code (AB, BC, MB, NB, NL, NS, NT, NU, ON, "
                     "PE, QC, SK, YT)")


def postal_code(value: object, province_code: str | None = None) -> str:
    """A Canadian postal code, as ``A1A 1A1``; checked against the province when it is known."""
    raw = text(value, limit=20).upper()
    match = _POSTAL.match(raw)
    if not match:
        raise FieldError("is not a Canadian postal code (letter digit letter, digit letter digit, "
                         "for example H2X 1Y4)")
    code = "".join(match.groups())
    code = code[:3] + " " + code[3:]
    if province_code in POSTAL_FIRST_LETTERS and code[0] not in POSTAL_FIRST_LETTERS[province_code]:
        raise FieldError(f"starts with {code[0]}, which is not a postal code of "
                         f"{PROVINCES[province_code]}")
    return code


def email(value: object) -> str | None:
    out = text(value, required=False, limit=254)
    if out is not None and not _EMAIL.match(out):
        raise FieldError("is not an email address (name@example.ca)")
    return out


def phone(value: object) -> str | None:
    if blank(value):
        return None
    digits = re.sub(r"\D", "", str(value))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or re.search(r"[^\d\s().+-]", str(value).strip()):
        raise FieldError("is not a 10-digit phone number (514-555-0199)")
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def licence_number(value: object) -> str:
    out = text(value, limit=30)
    if not _LICENCE.match(out):
        raise FieldError("is not a licence number (letters, digits, spaces, '.', '/' or '-', up to 30)")
    return out


# --------------------------------------------------------------------------- dates


def date(value: object, *, required: bool = True) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if blank(value):
        if required:
            raise FieldError("is empty; write a date such as 2024-03-15")
        return None
    return _date_text(" ".join(str(value).split()).lower())


def business_date(value: object, *, required: bool = True) -> dt.date | None:
    """A date the module works with (a document's or policy's validity, a registration day, an end day):
    ``date`` held to ``orders_core.rules.dates``' years; dates of birth use ``date``."""
    day = date(value, required=required)
    if day is not None and not dates.in_range(day):
        raise FieldError(f"is outside the years {dates.FIRST_DATE.year} to {dates.LAST_DATE.year} "
                         "that the orders module accepts")
    return day


def end_day(value: object) -> dt.date:
    """The last valid day typed to end a document or a policy early, or RecordRefused naming the field."""
    try:
        return business_date(value)
    except FieldError as exc:
        raise RecordRefused({"valid_until": str(exc)}, {"valid_until": "The last day"}) from None


@lru_cache(maxsize=65536)
def _date_text(raw: str) -> dt.date:
    try:
        return _parse_date(raw)
    except ValueError as exc:
        if isinstance(exc, FieldError):
            raise
        raise FieldError("is not a date; write it as 2024-03-15") from None


def _parse_date(raw: str) -> dt.date:
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", raw)
    if m:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", raw)
    if m:
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        readings = {d for d in (_try_date(year, b, a), _try_date(year, a, b)) if d}
        if len(readings) > 1:
            raise FieldError(f"could be {a}/{b} or {b}/{a} (day/month); write it as YYYY-MM-DD")
        if not readings:
            raise ValueError(raw)
        return readings.pop()
    words = re.findall(r"[^\W\d_]+\.?|\d+", raw)
    numbers = [int(w) for w in words if w.isdigit()]
    names = [MONTHS.get(w.rstrip(".")) for w in words if not w.isdigit() and w.rstrip(".") not in ("le", "the")]
    if len(numbers) == 2 and len(names) == 1 and names[0]:
        day, year = (numbers[0], numbers[1]) if numbers[1] > 31 else (numbers[1], numbers[0])
        return dt.date(year, names[0], day)
    raise ValueError(raw)


def _try_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def one_year_after(day: dt.date) -> dt.date:
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


# --------------------------------------------------------------------------- numbers


def _number_text(value: object) -> str:
    raw = str(value).strip().replace("\u00a0", " ").replace("\u202f", " ")
    raw = raw.replace("$", "").replace("CAD", "").strip()
    raw = raw.replace(" ", "")
    if "," in raw and "." in raw:
        if raw.rfind(",") > raw.rfind("."):          # 1.234,50
            raw = raw.replace(".", "").replace(",", ".")
        else:                                          # 1,234.50
            raw = raw.replace(",", "")
    elif "," in raw:
        head, _, tail = raw.rpartition(",")
        if raw.count(",") == 1 and len(tail) != 3:     # 32,50 or 2,5
            raw = head + "." + tail
        else:                                          # 1,234 or 1,234,567
            raw = raw.replace(",", "")
    return raw


def decimal(value: object, *, places: int, required: bool = True, minimum: Decimal = Decimal(0),
            maximum: Decimal | None = None, positive: bool = False, unit: str = "") -> Decimal | None:
    """A number of at most ``places`` decimals, with or without "$", thousands separators, decimal comma."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        number = Decimal(value)
    elif blank(value):
        if required:
            raise FieldError("is empty")
        return None
    else:
        try:
            number = Decimal(_number_text(value))
        except (InvalidOperation, ValueError):
            raise FieldError("is not a number") from None
    if not number.is_finite():
        raise FieldError("is not a number")
    if positive and number <= 0:
        raise FieldError("must be more than 0")
    if number < minimum:
        raise FieldError(f"must be at least {minimum}{unit}")
    if maximum is not None and number > maximum:
        raise FieldError(f"must be at most {maximum:,}{unit}")
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum):
        raise FieldError(f"has more than {places} decimal places")
    return number.quantize(quantum)


def money(value: object, *, required: bool = True, maximum: Decimal = Decimal("99999.99")) -> Decimal | None:
    return decimal(value, places=2, required=required, maximum=maximum)


def grams(value: object, *, required: bool = True, maximum: Decimal | None = None, places: int = 3) -> Decimal | None:
    return decimal(value, places=places, required=required, maximum=maximum, positive=True, unit=" g")


def percent(value: object) -> Decimal:
    """A share typed as a percentage: ``80``, ``80 %``, ``80,5``; returned as a fraction (0.8)."""
    if isinstance(value, str):
        value = value.replace("%", "")
    number = decimal(value, places=2, positive=True, maximum=Decimal(100), unit=" %")
    return (number / 100).quantize(Decimal("0.0001"))


def yes_no(value: object, *, default: bool = True) -> bool:
    if isinstance(value, bool):
        return value
    if blank(value):
        return default
    word = str(value).strip().casefold()
    if word in ("yes", "y", "true", "1", "oui", "o", "vrai", "active"):
        return True
    if word in ("no", "n", "false", "0", "non", "faux", "inactive"):
        return False
    raise FieldError("is not yes or no")


# --------------------------------------------------------------------------- records


class RecordRefused(ValueError):
    """A record that cannot be saved: ``errors`` maps each bad field to its reason; nothing was written."""

    def __init__(self, errors: dict[str, str], labels: dict[str, str] | None = None):
        self.errors = dict(errors)
        self.labels = labels or {}
        super().__init__(" ".join(self.sentences()))

    def sentences(self) -> list[str]:
        return [sentence(self.labels.get(f, f), reason) for f, reason in self.errors.items()]


def sentence(label: str, reason: str) -> str:
    return f"{label} {reason}." if not reason.endswith(".") else f"{label} {reason}"


class Checker:
    """Parses a record's raw fields one by one and keeps every field's reason (not only the first)."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.values: dict = {}
        self.errors: dict[str, str] = {}

    def field(self, name: str, parse, *args, **kwargs):
        try:
            value = parse(self.raw.get(name), *args, **kwargs)
        except FieldError as exc:
            self.errors[name] = str(exc)
            value = None
        self.values[name] = value
        return value

    def fail(self, name: str, reason: str) -> None:
        self.errors.setdefault(name, reason)

    def ok(self, *names: str) -> bool:
        return not any(n in self.errors for n in names)

    def values_or_refuse(self, labels: dict[str, str]) -> dict:
        """The parsed values, or ``RecordRefused`` naming every bad field (nothing written yet)."""
        if self.errors:
            raise RecordRefused(self.errors, labels)
        return self.values


def describe_changes(old: dict, new: dict, labels: dict[str, str]) -> str:
    """'Label: old -> new; ...' for every field whose value changed (blank when none did)."""
    parts = []
    for name, label in labels.items():
        if name in new and old.get(name) != new[name]:
            parts.append(f"{label}: {show(old.get(name))} → {show(new[name])}")
    return "; ".join(parts)


def show(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
