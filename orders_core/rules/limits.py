"""How long or large each kind of field may be: one limit per kind, used by every module that checks one.

- A search box: ``MAX_SEARCH_CHARS``. Nothing we search (names, emails, tracking numbers) is longer,
  so a longer text matches nothing (the listing is empty, no error).
- A person's name typed in a form (who placed an order, who acts): ``MAX_NAME_CHARS``.
- A reference (a payment reference, an authorisation): ``MAX_REFERENCE_CHARS``.
- A sentence a person writes (a reason for cancelling, a note): ``MAX_NOTE_CHARS``.
- Units on one order or template line: 1 to ``MAX_UNITS``. An amount of money: at most ``MAX_MONEY``.

A field over its limit is refused with one sentence that names the field and the limit.
"""

from __future__ import annotations

from decimal import Decimal

MAX_SEARCH_CHARS = 200
MAX_NAME_CHARS = 200
MAX_REFERENCE_CHARS = 100
MAX_NOTE_CHARS = 500
MAX_UNITS = 999
MAX_MONEY = Decimal("99999.99")
