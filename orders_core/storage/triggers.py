"""Statement triggers that keep a PostgreSQL summary exact (``order_counts``, ``order_days``, ``sales_days``):
one per INSERT, UPDATE, DELETE (with their transition tables ``new_rows`` and ``old_rows``) and TRUNCATE."""

from __future__ import annotations

EVERY_WRITE = ("insert", "update", "delete", "truncate")
_TRANSITION = {"insert": "REFERENCING NEW TABLE AS new_rows",
               "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
               "delete": "REFERENCING OLD TABLE AS old_rows", "truncate": ""}


def on_every_write(prefix: str, function: str, table: str = "orders", kinds: tuple[str, ...] = EVERY_WRITE) -> str:
    """(Re)create the triggers ``<prefix>_<kind>`` on ``table`` that call ``function()`` after each of ``kinds``
    (our own names, never user text)."""
    out = ""
    for kind in kinds:
        out += (f"        DROP TRIGGER IF EXISTS {prefix}_{kind} ON {table};\n"
                f"        CREATE TRIGGER {prefix}_{kind} AFTER {kind.upper()} ON {table} {_TRANSITION[kind]} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();\n")
    return out
