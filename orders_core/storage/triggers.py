"""Statement triggers on ``orders`` that keep a PostgreSQL summary of the orders exact (``order_counts``,
``order_days``): one per INSERT, UPDATE, DELETE (with their transition tables) and TRUNCATE."""

from __future__ import annotations


def on_every_write(prefix: str, function: str) -> str:
    """(Re)create the four triggers ``<prefix>_insert`` ... ``<prefix>_truncate`` that call ``function()``
    (our own names, never user text)."""
    kinds = ("insert", "update", "delete", "truncate")
    drops = "".join(f"        DROP TRIGGER IF EXISTS {prefix}_{kind} ON orders;\n" for kind in kinds)
    run = f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
    return drops + (
        f"        CREATE TRIGGER {prefix}_insert AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows {run}\n"
        f"        CREATE TRIGGER {prefix}_update AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows {run}\n"
        f"        CREATE TRIGGER {prefix}_delete AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows {run}\n"
        f"        CREATE TRIGGER {prefix}_truncate AFTER TRUNCATE ON orders {run}\n"
    )
