"""Counts of the orders per key that PostgreSQL keeps exact by statement triggers on ``orders`` (``OrderSummary``:
the table, its triggers, its fill and its check, written once for ``order_counts``, ``order_days`` and
``order_carrier_counts``), and the one the Orders index counts a carrier's orders from (``CARRIER_COUNTS``,
migration 16).

A search for a carrier ('purolator') or a carrier filter matched 1,500,000 of 10,000,000 orders, and PostgreSQL
counted them in about 140 ms (``docs/benchmarks.md``). This table holds the same count per carrier, archived or
not and status, so the count is a sum over a few dozen rows. Like ``order_counts`` and ``order_days``, it is kept
by the triggers in each writer's own transaction (a rollback takes the change back with it), ``orders-core
check`` compares it with the orders, and ``check --recount`` counts it afresh after a restore that bypassed the
triggers.

Decisions:
- 16 slots by order id, as ``order_counts`` has: every new order is one of a few keys (no carrier yet,
  Unverified), and concurrent writers should seldom wait on one row.
- A key's row is added to and never deleted; a row may be left at 0 (the counts are summed, so it is harmless).
- An order without a carrier is counted under the empty name ``''`` (a key column cannot be NULL), which no
  filter names.
- No count per client and status here: a search for a common name ('cote') matched 16,000 of 833,000 clients,
  and summing their kept rows (1,400,000 rows for every client) took 80-110 ms. Each client's orders not
  archived are kept beside the client's name instead (``storage.client_search``, schema 20: 16 ms).
- DuckDB keeps none: it counts its columns. DuckDB 2.0 has triggers, but while an UPDATE trigger is on
  ``orders``, DuckDB 2.0.1 refuses every update of an order that has lines (its foreign key check; see
  ``tests/unit/storage/test_duckdb_triggers.py``). Kept instead by each writer of ``orders``, the counts would
  be wrong after any write that forgot them, and no check in the write could tell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orders_core.storage.triggers import on_every_write


@dataclass(frozen=True)
class OrderSummary:
    """A table counting the orders per ``keys`` (column name -> (SQL type, expression over an order's row)) in
    ``n``, with a BIGINT sum per ``sums`` (column name -> expression) beside it. Our own names and expressions
    only, never user text."""

    table: str
    keys: dict[str, tuple[str, str]]
    checked: tuple[str, ...]  # the keys ``check`` compares per (the others, such as a slot, are summed over)
    sums: dict[str, str] = field(default_factory=dict)

    @property
    def _names(self) -> str:
        return ", ".join(self.keys)

    @property
    def _row(self) -> str:
        return ", ".join(expr for _t, expr in self.keys.values())

    @property
    def _positions(self) -> str:
        return ", ".join(str(i + 1) for i in range(len(self.keys)))

    def _tallies(self, sign: str = "") -> str:
        """The count and the sums of a group of rows (negated with ``sign='-'``)."""
        return ", ".join([f"{sign}count(*)", *(f"{sign}sum({expr})" for expr in self.sums.values())])

    @property
    def fill(self) -> str:
        """Count the orders into the table afresh (its migration's last step, and ``check --recount``)."""
        return (f"DELETE FROM {self.table};\n"
                f"INSERT INTO {self.table} SELECT {self._row}, {self._tallies()} FROM orders "
                f"GROUP BY {self._positions};\n")

    @property
    def ddl(self) -> str:
        """The table, the function and the four triggers that keep it, then its first count."""
        tallied = ["n", *self.sums]
        columns = ",\n".join([*(f"            {name} {kind} NOT NULL" for name, (kind, _e) in self.keys.items()),
                               *(f"            {name} BIGINT NOT NULL" for name in tallied)])
        grouped = f"GROUP BY {self._positions} ORDER BY {self._positions}"
        upsert = (f"ON CONFLICT ({self._names}) DO UPDATE SET "
                  + ", ".join(f"{name} = s.{name} + excluded.{name}" for name in tallied) + ";")
        deltas = ", ".join(f"d_{name}" for name in tallied)
        plus = ", ".join(["1", *self.sums.values()])
        minus = ", ".join(["-1", *(f"-({expr})" for expr in self.sums.values())])
        function = f"{self.table}_add"
        return f"""
        CREATE TABLE IF NOT EXISTS {self.table} (
{columns},
            PRIMARY KEY ({self._names})
        );
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN  -- one row per key a statement changed, taken in the key's order
            IF TG_OP = 'INSERT' THEN
                INSERT INTO {self.table} AS s SELECT {self._row}, {self._tallies()} FROM new_rows {grouped} {upsert}
            ELSIF TG_OP = 'DELETE' THEN
                INSERT INTO {self.table} AS s SELECT {self._row}, {self._tallies("-")} FROM old_rows {grouped} {upsert}
            ELSIF TG_OP = 'UPDATE' THEN
                INSERT INTO {self.table} AS s SELECT {self._names}, {", ".join(f"sum(d_{n})" for n in tallied)} FROM (
                    SELECT {self._row}, {plus} FROM new_rows UNION ALL SELECT {self._row}, {minus} FROM old_rows
                ) delta ({self._names}, {deltas})
                GROUP BY {self._positions} HAVING {" OR ".join(f"sum(d_{n}) <> 0" for n in tallied)}
                ORDER BY {self._positions} {upsert}
            ELSE  -- TRUNCATE
                DELETE FROM {self.table};
            END IF;
            RETURN NULL;
        END $$;
""" + on_every_write(self.table, function) + self.fill

    @property
    def check(self) -> str:
        """``orders-core check``: one (where, sentence) row per key whose count differs from the orders'."""
        names = ", ".join(self.checked)
        exprs = ", ".join(f"{self.keys[k][1]} AS {k}" for k in self.checked)
        what = " || ', ' || ".join(f"'{k} ' || {k}::VARCHAR" for k in self.checked)
        positions = ", ".join(str(i + 1) for i in range(len(self.checked)))
        return f"""
    WITH actual AS (SELECT {exprs}, count(*) AS n FROM orders GROUP BY {positions}),
         kept AS (SELECT {names}, sum(n) AS n FROM {self.table} GROUP BY {positions})
    SELECT '{self.table}', 'The Orders index counts ' || coalesce(k.n, 0) || ' orders of ' || {what}
           || ' ({self.table}) but there are ' || coalesce(a.n, 0) || '.'
    FROM actual a FULL JOIN kept k USING ({names})
    WHERE coalesce(a.n, 0) <> coalesce(k.n, 0)
    ORDER BY {names}
"""


ARCHIVED = ("BOOLEAN", "archived_at IS NOT NULL")
STATUS = ("order_status", "status")
SLOT = ("SMALLINT", "(order_id % 16)::SMALLINT")  # 16 slots by order id: concurrent writers seldom share a row
CARRIER_COUNTS = OrderSummary(
    "order_carrier_counts",
    {"carrier": ("VARCHAR", "coalesce(carrier, '')"), "archived": ARCHIVED, "status": STATUS, "slot": SLOT},
    checked=("carrier", "archived", "status"))
SUMMARIES = (CARRIER_COUNTS,)
TABLES = tuple(s.table for s in SUMMARIES)
DDL = "".join(s.ddl for s in SUMMARIES)
FILL = "".join(s.fill for s in SUMMARIES)
