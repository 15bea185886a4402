"""The people tests act as are on the staff list of the database they act on.

``orders_core`` checks every acting person against the staff list (``orders_core.staff.verification``).
Tests act as the demo people (on every demo database) and as people ``tests.people.acting`` makes by name
("Isabelle Roy" -> isabelle.roy@staff.example, an Operations Manager), on databases of many kinds: demo
copies, empty ones, PostgreSQL clones, a forked writer's. So the fixture ``test_people_on_the_staff_list``
(tests/conftest.py, every test) puts such a person on the list of the database being asked, the first time
the check looks them up there and does not find them: an active row with the role ``acting`` gave them,
written with the caller's cursor (inside the caller's transaction, so it is rolled back with it), as a real
staff change by an administrator called "tests" (``staff_history`` and ``staff``).

Only people made by ``tests.people`` are put on a list (``people.known``): a ``Person`` written anywhere
else, a made-up one, is refused as in the app; someone already on the list (deactivated, another role) is
left as the list has them, so those refusals are tested too. The demo databases' own staff list is what
``orders-core demo`` made until a test acts as one of its people.
"""

from __future__ import annotations

import datetime as dt

from orders_core.rules.roles import ADMIN, Person
from orders_core.staff import members
from orders_core.staff.members import StaffMember, normal_email
from tests import people

ENROLLER = Person("tests@staff.example", "tests", ADMIN)


def enrolling_member(cur, email: str) -> StaffMember | None:
    """``members.member``, and a person ``tests.people`` made is put on the list when not on it yet."""
    row = members.member(cur, email)
    if row is not None:
        return row
    person = people.known(email)
    if person is None:
        return None
    at = dt.datetime.now().replace(microsecond=0)
    members._write_version(cur, normal_email(person.email), person.name, person.role, True,
                           f"added as {person.role} for a test", ENROLLER, at)
    return members.member(cur, email)
