"""People for tests: who acts is a ``Person``, never a typed name.

``acting(name)`` is a member of staff with the role that may make every write of the role table but
the staff list (the Operations Manager), so a test about another rule is not refused for its role;
the role table itself is tested cell by cell in ``tests/unit/rules/test_roles.py`` and
``tests/unit/rules/test_role_enforcement.py``.
"""

from __future__ import annotations

import re
import unicodedata

from orders_core.rules.roles import MANAGER, Person
from orders_core.staff.members import DEMO_STAFF

DEMO = {p.role: p for p in DEMO_STAFF}
CSR, FULFILLMENT, MANAGER_PERSON, ADMIN = (DEMO[r] for r in ("CSR", "Fulfillment Associate",
                                                             "Operations Manager", "Administrator"))


def acting(name: str = "Test CSR", role: str = MANAGER) -> Person:
    """A member of staff called ``name`` (e-mail made from it: "Test CSR" -> test.csr@staff.example), put on
    the staff list of a database the first time ``orders_core`` looks them up there (``tests.staff_enrolment``)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    local = re.sub(r"[^a-z0-9]+", ".", plain).strip(".") or "someone"
    person = Person(f"{local}@staff.example", name, role)
    _MADE.setdefault(person.email, person)
    return person


_MADE: dict[str, Person] = {p.email: p for p in DEMO_STAFF}


def known(email: str) -> Person | None:
    """The person this module made (or a demo person) with this e-mail (any case), if any."""
    return _MADE.get((email or "").strip().lower())
