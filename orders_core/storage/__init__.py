"""The database: one connection (or pool) per process, a cursor per session or thread, one write path.

Owns ``Database`` (DuckDB) and ``PostgresDatabase`` behind ``open_database``, the ``Cursor`` protocol both
engines' cursors satisfy, ``dialect`` (every difference between the engines, and only here), the schema and
its migrations (one module per version), reads (``reads``), the write path with its retries
(``transactions``), bulk loading into PostgreSQL and the DuckDB backup.
May import: rules.
"""
