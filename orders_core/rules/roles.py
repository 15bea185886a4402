"""Who may do what: the role table, once, as data.

``TABLE`` is the role table row by row: what the row covers, the actions it grants, and the
grant for each role in ``ROLES`` order. A grant is ``YES``, ``NO`` or ``SHIPPING`` (the Fulfillment
Associate's view of orders: only orders in Order Placed, Shipped or Delivered, shipping fields only).
Everything else (``may``, ``require``, the pages' links) reads this table; change a role's rights here
and nowhere else.

Decisions the requirements left open:
- The Clients list and the Recurring Orders page show client records and standing orders, so they
  belong to the "Client Profile" row (``view_client_records``): a Fulfillment Associate does not open
  them. Changing a recurring template or generating due orders is ``manage_recurring`` /
  ``generate_due`` (the "Create, edit, ..." row).
- A role outside ``ROLES`` (a staff row written by a newer version, say) may do nothing.
- An action name that is not in the table is a programming error (``KeyError``), never a refusal.
- Returns: receiving a parcel and recording what came back is ``receive_return`` (CSR and Fulfillment
  Associate); deciding a refund or a replacement is ``refund_order`` (CSR only). Managers see returns,
  refunds and replacements wherever they see the order (``view_orders``) but record none; Administrators
  do no order work.
"""

from __future__ import annotations

from dataclasses import dataclass

from orders_core.rules.refusals import Refused

CSR = "CSR"
FULFILLMENT = "Fulfillment Associate"
MANAGER = "Operations Manager"
ADMIN = "Administrator"
ROLES = (CSR, FULFILLMENT, MANAGER, ADMIN)

YES = "yes"
NO = "no"
SHIPPING = "shipping"  # orders in SHIPPING_STATUSES only, shipping fields only
SHIPPING_STATUSES = ("Order Placed", "Shipped", "Delivered")

# What each action is, as the refusal sentence says it ("... may not <this>.").
ACTIONS = {
    "view_orders": "open the Orders index or an Order Profile",
    "view_client_records": "see clients' dates of birth, prescriptions, coverage or history",
    "create_order": "create orders",
    "edit_order": "edit orders",
    "verify_order": "verify orders",
    "place_order": "place orders",
    "cancel_order": "cancel orders",
    "manage_recurring": "change recurring orders",
    "generate_due": "generate due recurring orders",
    "picking_list": "make picking lists",
    "mark_shipped": "mark orders as shipped",
    "mark_delivered": "mark orders as delivered",
    "archive": "archive or unarchive orders",
    "view_metrics": "open the Metrics page",
    "export_csv": "export orders as CSV",
    "manage_staff": "open the Staff page or change the staff list",
    "register_clients": "register clients or record their medical documents and coverage",
    "manage_catalogue": "change the catalogue",
    "backup": "back up the database",
    "recount": "recount the summaries of the orders",
    "read_access_log": "read the access log",
    "receive_return": "record what came back of an order",
    "refund_order": "refund orders or send replacements",
    "print_labels": "print client labels",
    "pack_orders": "pack orders at the packing station",
    "shipping_manifest": "print shipping manifests",
    "view_monthly_reports": "open the monthly reports to Health Canada",
    "submit_monthly_reports": "mark a monthly report as submitted",
}

#        the table.s row,                                                         its actions,
#        and the grant for:  CSR, Fulfillment Associate, Operations Manager, Administrator
TABLE = (
    ("Orders index, Order Profile",
     ("view_orders",),
     (YES, SHIPPING, YES, YES)),
    ("Client Profile: date of birth, prescriptions, coverage, history",
     ("view_client_records",),
     (YES, NO, YES, YES)),
    ("Create, edit, verify, place, cancel orders; recurring templates; generate due orders",
     ("create_order", "edit_order", "verify_order", "place_order", "cancel_order", "manage_recurring",
      "generate_due"),
     (YES, NO, YES, NO)),
    ("Picking lists; Mark as Shipped (carrier, tracking); Mark as Delivered",
     ("picking_list", "mark_shipped", "mark_delivered"),
     (YES, YES, YES, NO)),
    ("Archive / unarchive (one or in bulk)",
     ("archive",),
     (YES, NO, YES, NO)),
    ("Metrics page; Export CSV",
     ("view_metrics", "export_csv"),
     (NO, NO, YES, YES)),
    ("Staff page",
     ("manage_staff",),
     (NO, NO, NO, YES)),
    ("Register clients, medical documents and coverage; import them",
     ("register_clients",),
     (YES, NO, YES, NO)),
    ("Keep the catalogue; import products",
     ("manage_catalogue",),
     (NO, NO, YES, YES)),
    ("Back up the database (`orders-core backup`: every client's personal health information)",
     ("backup",),
     (NO, NO, NO, YES)),
    ("Recount the summaries of the orders: the Orders index's counts, the Metrics page's days (`orders-core check --recount`)",
     ("recount",),
     (NO, NO, NO, YES)),
    ("Access log: who opened which client's profile, which order, which report, and every export",
     ("read_access_log",),
     (NO, NO, NO, YES)),
    ("Returns: record a parcel that came back and what was in it (managers see them on the order)",
     ("receive_return",),
     (YES, YES, NO, NO)),
    ("Refunds and replacements of returned orders, goodwill refunds",
     ("refund_order",),
     (YES, NO, NO, NO)),
    ("Client labels: print and reprint each unit's label",
     ("print_labels",),
     (YES, YES, YES, NO)),
    ("Packing station (scan to verify); end-of-day shipping manifests",
     ("pack_orders", "shipping_manifest"),
     (NO, YES, YES, NO)),
    ("Monthly reports to Health Canada (s. 297, CTLS sales, practitioners): open, download, mark as submitted",
     ("view_monthly_reports", "submit_monthly_reports"),
     (NO, NO, YES, YES)),
)

GRANTS: dict[tuple[str, str], str] = {
    (action, role): grant
    for _row, actions, grants in TABLE
    for action in actions
    for role, grant in zip(ROLES, grants, strict=True)
}


@dataclass(frozen=True)
class Person:
    """A member of staff acting now: the identity every write records (email and name as they are)."""

    email: str
    name: str
    role: str

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"



class NotAllowed(Refused):
    """The acting person's role may not do this; the message is one sentence for the user."""


def grant(role: str, action: str) -> str:
    """The table's cell for ``role`` and ``action`` (``NO`` for a role the table does not know)."""
    if action not in ACTIONS:
        raise KeyError(f"{action!r} is not an action of the role table")
    return GRANTS.get((action, role), NO)


def may(person: Person | None, action: str, *, status: str | None = None) -> bool:
    """Whether ``person`` may do ``action``; with ``status``, on an order in that status."""
    if person is None:
        grant(CSR, action)  # still refuse an unknown action loudly
        return False
    cell = grant(person.role, action)
    if cell == SHIPPING:
        return status is None or status in SHIPPING_STATUSES
    return cell == YES


def require(person: Person | None, action: str, *, status: str | None = None) -> None:
    """Raise ``NotAllowed`` (one sentence) unless ``person`` may do ``action``."""
    if may(person, action, status=status):
        return
    if person is None:
        raise NotAllowed(f"Sign in to {ACTIONS[action]}.")
    if status is not None and grant(person.role, action) == SHIPPING:
        raise NotAllowed(f"{article(person.role).capitalize()} {person.role} sees only orders in {', '.join(SHIPPING_STATUSES)}; "
                         f"this one is {status}.")
    raise NotAllowed(f"{article(person.role).capitalize()} {person.role} may not {ACTIONS[action]}.")


def article(role: str) -> str:
    return "an" if role[:1] in "AEIOU" else "a"


def order_statuses(person: Person) -> tuple[str, ...] | None:
    """The order statuses ``person`` may see in the index (None: every status)."""
    return SHIPPING_STATUSES if grant(person.role, "view_orders") == SHIPPING else None


def shipping_fields_only(person: Person) -> bool:
    """Whether ``person`` sees only an order's shipping fields (the Fulfillment Associate)."""
    return grant(person.role, "view_orders") == SHIPPING
