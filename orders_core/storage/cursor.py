"""The ``Cursor`` protocol: what every query and write in orders_core needs of a cursor, on either engine.

DuckDB's ``DuckDBPyConnection`` (a cursor of ``Database``) and ``postgres.PgCursor`` both satisfy it, so a
function that takes a cursor is typed ``Cursor`` and works on both. Where their SQL differs a query asks
``dialect.of(cur)``; where their Python API differs (frames, batches) ``reads`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Cursor: ...

    def executemany(self, sql: str, rows: Any) -> Cursor: ...

    def fetchall(self) -> list[tuple]: ...

    def fetchone(self) -> tuple | None: ...

    def close(self) -> None: ...
