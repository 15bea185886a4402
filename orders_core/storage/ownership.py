"""Whether a database is ours: an ``app_meta`` with a schema version this code reads, only our tables.

The same rule on both engines (``dialect.catalogue``); a database that is not ours is refused in one
sentence and left as it was.
"""

from __future__ import annotations

import functools

import duckdb

from orders_core.storage import dialect
from orders_core.storage.errors import DatabaseError
from orders_core.storage.migrations import SCHEMA_VERSION, upgrade
from orders_core.storage.reads import fetch_value


@functools.cache
def known_tables() -> frozenset[str]:
    """The names of every table the orders schema makes (read from a schema built in memory)."""
    con = duckdb.connect(":memory:")
    try:
        upgrade(con)
        return frozenset(r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall())
    finally:
        con.close()


def check_ours(cur, path: str) -> bool:
    """Refuse (DatabaseError, writing nothing) a database that is not ours; True when it has no table.

    Ours: an ``app_meta`` with a schema version this code reads, no table that is not one of ours (in the
    schema our tables live in, or any other) and no view. The same rule on both engines (``dialect.catalogue``)."""
    tables, views, _ = dialect.of(cur).catalogue(cur)
    if not tables and not views:
        return True
    version = None
    if ("main", "app_meta") in tables:
        version = fetch_value(cur, "SELECT max(value) FROM app_meta WHERE key = 'schema_version'")
    ours = known_tables() | set(dialect.of(cur).own_tables)  # and the summaries PostgreSQL alone keeps
    foreign = sorted(f"{s}.{t}" if s != "main" else t for s, t in tables - {("main", t) for t in ours})
    if version is None or not (str(version).isascii() and str(version).isdigit()) or views:
        example = f" (it has tables of its own, such as {foreign[0]!r})" if foreign else ""
        raise DatabaseError(
            f"{path} is not an orders database{example}; nothing in it was changed. Point --db "
            "or ORDERS_DB at an orders database, or create one with `orders-core init`."
        )
    if int(version) > SCHEMA_VERSION:
        raise DatabaseError(
            f"The database {path} was made by a newer version of the orders module "
            f"(schema {version}, this one reads {SCHEMA_VERSION}); upgrade to open it."
        )
    if foreign:
        raise DatabaseError(
            f"{path} is not only an orders database: it has tables of its own, such as "
            f"{foreign[0]!r}; nothing in it was changed. Keep the orders database in a file of its own."
        )
    return False
