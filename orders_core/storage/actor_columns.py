"""Who did something, as they were then: the e-mail beside every recorded name (schema 4).

Events and records used to keep only the name the acting person typed or had. Migration 4 adds the
acting person's e-mail beside each of those names (``COLUMNS``: table, name column, new e-mail
column). The name stays as it was written: a later change of a staff member's name never rewrites
history.

Decisions:
- The new columns are nullable and stay NULL on rows written before schema 4 (nobody knows who a
  typed name was) and on rows no person wrote (none today: the daily job has its own address).
- Pages show who did something as ``Name (email)`` (``who_sql``), or the name alone when there is no
  e-mail; it is plain text, shown literally.
"""

from __future__ import annotations

# table, the column holding the name, the new column holding the e-mail
COLUMNS = (
    ("order_events", "actor", "actor_email"),
    ("recurring_events", "actor", "actor_email"),
    ("client_events", "actor", "actor_email"),
    ("product_events", "actor", "actor_email"),
    ("order_line_history", "replaced_by", "replaced_by_email"),
    ("picking_lists", "generated_by", "generated_by_email"),
    ("recurring_generations", "generated_by", "generated_by_email"),
    ("recurring_skips", "skipped_by", "skipped_by_email"),
    ("product_prices", "changed_by", "changed_by_email"),
    ("portal_imports", "imported_by", "imported_by_email"),
)


def who_sql(name: str, email: str) -> str:
    """SQL for 'Name (email)', or the name alone without an e-mail (``name``/``email``: our column names)."""
    return f"({name} || coalesce(' (' || {email} || ')', ''))"
