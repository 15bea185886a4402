"""The core checks the person: ``verify(cur, person, action)``, the one check every public function of
``orders_core`` that reads or writes personal information makes before it does.

A ``Person`` is only a value: anyone can write ``Person("x", "Nobody", "CSR")``. ``verify`` first applies
the role table (``roles.require``, so a role's refusal reads as before), then looks the person up on the
staff list with the caller's cursor, inside the caller's transaction when there is one (a write's), so
the person is checked against the list as it is when the work is done, not when a page was drawn.

Decisions the requirements left open:
- The person must be on the staff list under their e-mail (any case), active, and with the role they
  claim: a role changed meanwhile is refused too (the page or command is opened again with the new
  role), not quietly upgraded or downgraded.
- The name is not compared: the e-mail is the identity (a renamed person's open page still works; what
  it records is the name it was given when the page looked them up).
- A refusal is ``NotAllowed`` (one sentence, shown by pages and the command line like a role's refusal).
- The daily recurring job's system person (``recurring.JOB_ACTOR``) is not on the list and never will be:
  ``recurring.generation.generate_due`` accepts that very object, and nothing else does.
- Which functions check: every public function of ``orders_core`` that reads or writes personal
  information takes the acting person and calls ``verify`` itself; reads of client data with
  ``view_client_records`` (``clients.records.list_clients``, ``get_client``, ``prescription_periods``,
  ``period_orders``; the recurring index, generated orders, skips, templates, their events, the template
  check and the due-orders preview), reads of orders with ``view_orders`` (``orders.access.list_orders_for``,
  ``orders.detail.get_order``; the export with ``export_csv``). A building block that another orders_core
  function calls after checking is private (a leading underscore: ``clients.records._load_client``,
  ``orders.index._list_orders`` / ``_iter_orders`` / ``_export_csv_counted``, ``recurring.templates._get_template``
  ...): nothing outside orders_core (pages, commands, benchmarks, tests of the rules) reads through them.
  No token is handed out: a caller passes the ``Person`` and the check looks them up again every call.
"""

from __future__ import annotations

from orders_core.rules.roles import ACTIONS, NotAllowed, Person, article, require
from orders_core.staff.members import member
from orders_core.storage.cursor import Cursor


def verify(cur: Cursor, person: Person | None, action: str, *, status: str | None = None) -> Person:
    """``person`` as the staff list has them now, when the role table lets their role do ``action`` (on an
    order in ``status``) and they are on the list, active, with that role; ``NotAllowed`` otherwise."""
    require(person, action, status=status)
    row = member(cur, person.email)
    if row is None:
        raise NotAllowed(f"{person.email} is not on the staff list, so may not {ACTIONS[action]}.")
    if not row.active:
        raise NotAllowed(f"{row.name} ({row.email}) has been deactivated, so may not {ACTIONS[action]}.")
    if row.role != person.role:
        raise NotAllowed(f"{row.name} is {article(row.role)} {row.role} on the staff list now, not "
                         f"{article(person.role)} {person.role}; reload the page or run the command again.")
    return row.person
