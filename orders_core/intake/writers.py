"""The set-based writes of an import: the checked rows (table ``imp_raw``, text) are typed, matched to
existing rows on the kind's stable key, then inserted or updated with single SQL statements, each new
or changed row recording an event ('Label: old → new; ...'). Used by ``orders_core.intake.importing``.

The SQL is written once for DuckDB and PostgreSQL (``ON CONFLICT`` rather than ``INSERT OR REPLACE``,
``DISTINCT ON`` rather than ``QUALIFY``, column lists rather than ``BY NAME``, ``?`` parameters); what
differs is asked of the cursor's dialect: the staging tables (``temp_table_as``), and, in the SQL a
``Writer`` holds as a function of the dialect, accent folding and dates as text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from orders_core.rules.file_problems import BadCell, FileProblems
from orders_core.rules.roles import Person
from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.dialect import Dialect
from orders_core.storage.reads import fetch_value


@dataclass(kw_only=True)
class FileReport(FileProblems):
    """What an import of a file found: the problems that stop it (nothing is written then), or that it
    was written (``committed``). The kinds of import add their counts and their ``summary``."""

    def verb(self) -> str:
        return "Imported" if self.committed else "Ready to import (nothing written yet)"


def diff_sql(columns: dict[str, str], new: str = "i", old: str = "t") -> str:
    """SQL text 'Label: old → new; ...' for the columns that differ (the names are ours, never user text)."""
    parts = [
        f"CASE WHEN {new}.{c} IS DISTINCT FROM {old}.{c} THEN '{label}: ' || coalesce({old}.{c}::VARCHAR, '—') "
        f"|| ' → ' || coalesce({new}.{c}::VARCHAR, '—') END"
        for c, label in columns.items()
    ]
    return f"concat_ws('; ', {', '.join(parts)})"


SQL = str | Callable[[Dialect], str]  # a query, or a function giving it in a dialect's SQL


def _sql(sql: SQL, d: Dialect) -> str:
    return sql(d) if callable(sql) else sql


@dataclass(frozen=True)
class Writer:
    table: str
    id_col: str
    id_seq: str | None                  # None: the key column is the id (products' SKU)
    typed: SQL                          # SELECT over imp_raw r giving typed columns, _row and lookups
    match: str                          # how an existing row t matches an imported row i
    columns: dict[str, str | None]      # columns written; a label means "shown in the history"
    event_table: str
    event_seq: str
    subject: str                        # the event's subject (client_id or sku) over i and n (n._id = row id)
    describe_new: str                   # SQL text of a new row's event details
    kinds: tuple[str, str]              # event kinds: new, changed
    current: str = ""                   # what a row is compared with (default: the table), as t
    side: tuple[str, ...] = ()          # columns compared but kept in a side table (written by the hooks)
    insert_extra: dict[str, str] = field(default_factory=dict)
    update_extra: dict[str, str] = field(default_factory=dict)
    after_new: tuple[str, ...] = ()     # SQL run once new rows are in (parameters, if any: ?, ? = by name, e-mail)
    before_update: tuple[str, ...] = () # SQL run on changed rows before they are updated (the same)
    checks: tuple[SQL, ...] = ()        # SELECT _row, column, value, reason over imp: problems only the db can see

    @property
    def subject_col(self) -> str:
        """The event table's column the subject goes in."""
        return "sku" if self.event_table == "product_events" else "client_id"

    def problems(self, cur: Cursor, records: list[dict]) -> list[BadCell]:
        d = dialect.of(cur)
        cur.execute(d.temp_table_as("imp", _sql(self.typed, d)))
        found = []
        for sql in self.checks:
            found += [BadCell(int(r), c, str(v), reason) for r, c, v, reason in cur.execute(_sql(sql, d)).fetchall()]
        return sorted(found, key=lambda p: p.row)

    def write(self, cur: Cursor, actor: Person, source: str) -> tuple[int, int, int]:
        d = dialect.of(cur)
        cur.execute(d.temp_table_as("imp_m", f"""
            SELECT DISTINCT ON (i._row) i.*, t.{self.id_col} AS _existing
            FROM imp i LEFT JOIN {self.table} t ON {self.match} ORDER BY i._row, t.{self.id_col} DESC"""))
        new_id = f"nextval('{self.id_seq}')" if self.id_seq else f"i.{self.id_col}"
        cur.execute(d.temp_table_as("imp_new", f"""
            SELECT i._row, {new_id} AS _id FROM imp_m i WHERE i._existing IS NULL"""))
        labelled = {c: label for c, label in self.columns.items() if label}
        cur.execute(d.temp_table_as("imp_chg", f"""
            SELECT * FROM (SELECT i._row, i._existing AS _id, {diff_sql(labelled)} AS _details
                           FROM imp_m i JOIN {self.current or self.table} t ON t.{self.id_col} = i._existing) c
            WHERE _details <> ''"""))
        cols = [c for c in self.columns if c not in self.side]
        extra = self.insert_extra
        cur.execute(
            f"""INSERT INTO {self.table} ({self.id_col}, {", ".join(c for c in cols if c != self.id_col)}
                    {"".join(", " + c for c in extra)})
                SELECT n._id, {", ".join("i." + c for c in cols if c != self.id_col)}
                    {"".join(", " + v for v in extra.values())}
                FROM imp_m i JOIN imp_new n USING (_row)""")
        for sql in self.after_new:
            cur.execute(sql, _by(sql, actor))
        self._events(cur, "imp_new", self.kinds[0], self.describe_new, actor, source)
        self._events(cur, "imp_chg", self.kinds[1], "n._details", actor, source)
        for sql in self.before_update:
            cur.execute(sql, _by(sql, actor))
        sets = [f"{c} = s.{c}" for c in cols if c != self.id_col] + [f"{c} = {v}" for c, v in self.update_extra.items()]
        cur.execute(f"""UPDATE {self.table} t SET {", ".join(sets)}
            FROM (SELECT i.*, n._id FROM imp_m i JOIN imp_chg n USING (_row)) s
            WHERE t.{self.id_col} = s._id""")
        total = fetch_value(cur, "SELECT count(*) FROM imp_m")
        added = fetch_value(cur, "SELECT count(*) FROM imp_new")
        changed = fetch_value(cur, "SELECT count(*) FROM imp_chg")
        return added, changed, total - added - changed

    def _events(self, cur, ids: str, kind: str, details: str, actor: Person, source: str) -> None:
        cur.execute(
            f"""INSERT INTO {self.event_table} (event_id, {self.subject_col}, event_at, actor, kind, details, actor_email)
                SELECT nextval('{self.event_seq}'), {self.subject}, now()::TIMESTAMP, ?, ?,
                       'Imported from ' || ? || ': ' || {details}, ?
                FROM imp_m i JOIN {ids} n USING (_row)""",
            [actor.name, kind, source, actor.email],
        )


def _by(sql: str, actor: Person) -> list:
    """The parameters of a hook's SQL: none, or who is importing (name, then e-mail)."""
    return [actor.name, actor.email] if "?" in sql else []


_NOW = "now()::TIMESTAMP"
_UNKNOWN_CLIENT = """SELECT _row, 'client_number', client_number,
    'is not the number of a client we have; import the clients first' FROM imp WHERE client_id IS NULL"""

CLIENTS = Writer(
    table="clients", id_col="client_id", id_seq="client_ids",
    typed=lambda d: f"""SELECT r._row, k.client_id, r.previous_system_id, r.name, {d.fold("r.name")} AS name_key,
               r.date_of_birth::DATE AS date_of_birth, r.email, r.phone, r.address_line1, r.address_line2, r.city,
               r.province, r.postal_code, r.registration_status::registration_status AS registration_status,
               r.registered_on::DATE AS registered_on
             FROM imp_raw r LEFT JOIN client_keys k USING (previous_system_id)""",
    match="t.client_id = i.client_id",
    columns={"name": "Name", "name_key": None, "date_of_birth": "Date of birth", "email": "Email",
             "phone": "Phone", "address_line1": "Address", "address_line2": "Address line 2", "city": "City",
             "province": "Province", "postal_code": "Postal code",
             "registration_status": "Registration status", "registered_on": "Registration date"},
    event_table="client_events", event_seq="client_event_ids", subject="n._id",
    describe_new="i.name || ', ' || i.registration_status::VARCHAR || ' (number ' || i.previous_system_id || ')'",
    kinds=("registered", "edited"),
    insert_extra={"created_at": _NOW},
    after_new=("""INSERT INTO client_keys SELECT i.previous_system_id, n._id
                  FROM imp_m i JOIN imp_new n USING (_row)""",),
)

def _rx_overlap(d: Dialect) -> str:
    """A document that overlaps another of the client's (recorded, or earlier in the file)."""
    return f"""
WITH docs AS (
    SELECT client_id, valid_from, valid_until, _row FROM imp WHERE client_id IS NOT NULL
    UNION ALL
    SELECT p.client_id, p.valid_from, p.valid_until, NULL FROM prescriptions p
    WHERE p.active AND p.client_id IN (SELECT client_id FROM imp)
      AND NOT EXISTS (SELECT 1 FROM imp i WHERE i.client_id = p.client_id AND i.valid_from = p.valid_from))
SELECT a._row, 'valid_from', {d.date_text("a.valid_from")},
       'overlaps the document valid from ' || {d.date_text("min(b.valid_from)")}
         || CASE WHEN bool_and(b._row IS NULL) THEN ' already recorded' ELSE ' earlier in the file' END
FROM docs a JOIN docs b ON a.client_id = b.client_id AND a._row IS NOT NULL
     AND (b._row IS NULL OR b._row < a._row)
     AND a.valid_from <= b.valid_until AND b.valid_from <= a.valid_until
GROUP BY a._row, a.valid_from"""

PRESCRIPTIONS = Writer(
    table="prescriptions", id_col="prescription_id", id_seq="prescription_ids",
    typed="""SELECT r._row, k.client_id, r.client_number, r.grams_per_day::DECIMAL(6,2) AS grams_per_day,
               r.valid_from::DATE AS valid_from, r.valid_until::DATE AS valid_until, r.prescriber,
               r.practitioner_licence
             FROM imp_raw r LEFT JOIN client_keys k ON k.previous_system_id = r.client_number""",
    match="t.client_id = i.client_id AND t.valid_from = i.valid_from AND t.active",
    columns={"client_id": None, "grams_per_day": "Daily quantity (g)", "valid_from": None,
             "valid_until": "Valid until", "prescriber": "Practitioner", "practitioner_licence": "Licence"},
    event_table="client_events", event_seq="client_event_ids", subject="i.client_id",
    describe_new="""'document ' || n._id || ': ' || i.grams_per_day || ' g a day from ' || i.valid_from
                    || ' to ' || i.valid_until || ', by ' || i.prescriber || ' (licence ' || i.practitioner_licence || ')'""",
    kinds=("document added", "document edited"),
    insert_extra={"active": "TRUE"},
    current="(SELECT * FROM prescriptions LEFT JOIN prescription_practitioners USING (prescription_id))",
    side=("practitioner_licence",),
    after_new=("""INSERT INTO prescription_practitioners SELECT n._id, i.practitioner_licence
                  FROM imp_m i JOIN imp_new n USING (_row)""",),
    before_update=("""INSERT INTO prescription_practitioners (prescription_id, practitioner_licence)
                      SELECT n._id, i.practitioner_licence FROM imp_m i JOIN imp_chg n USING (_row)
                      ON CONFLICT (prescription_id) DO UPDATE SET practitioner_licence = excluded.practitioner_licence""",),
    checks=(_UNKNOWN_CLIENT, _rx_overlap),
)

POLICIES = Writer(
    table="coverage_policies", id_col="policy_id", id_seq="policy_ids",
    typed="""SELECT r._row, k.client_id, r.client_number, r.insurer, r.share::DECIMAL(5,4) AS share,
               r.max_dollars_per_period::DECIMAL(12,2) AS max_dollars_per_period,
               r.max_grams_per_period::DECIMAL(10,3) AS max_grams_per_period,
               r.valid_from::DATE AS valid_from, r.valid_until::DATE AS valid_until
             FROM imp_raw r LEFT JOIN client_keys k ON k.previous_system_id = r.client_number""",
    match="t.client_id = i.client_id AND t.insurer = i.insurer AND t.valid_from = i.valid_from AND t.active",
    columns={"client_id": None, "insurer": None, "share": "Share", "max_dollars_per_period": "Dollar maximum",
             "max_grams_per_period": "Gram maximum", "valid_from": None, "valid_until": "Valid until"},
    event_table="client_events", event_seq="client_event_ids", subject="i.client_id",
    describe_new="""'policy ' || n._id || ': ' || i.insurer || ' pays ' || (i.share * 100)::DECIMAL(5,2) || '%'
                    || ' from ' || i.valid_from""",
    kinds=("policy added", "policy edited"),
    insert_extra={"active": "TRUE"},
    checks=(_UNKNOWN_CLIENT,),
)

PRODUCTS = Writer(
    table="products", id_col="sku", id_seq=None,
    typed="""SELECT r._row, r.sku, r.name, r.brand, r.category::product_category AS category, r.regulatory_class,
               r.is_cannabis::BOOLEAN AS is_cannabis, r.net_content::DECIMAL(10,3) AS net_content, r.net_unit,
               r.dried_equiv_grams::DECIMAL(10,3) AS dried_equiv_grams, r.unit_price::DECIMAL(10,2) AS unit_price,
               r.lot_number, r.bin_location, r.active::BOOLEAN AS active
             FROM imp_raw r""",
    match="t.sku = i.sku",
    columns={"sku": None, "name": "Name", "brand": "Brand", "category": "Category",
             "regulatory_class": "Regulatory class", "is_cannabis": None, "net_content": "Net content",
             "net_unit": "Unit", "dried_equiv_grams": "Dried equivalent (g)", "unit_price": "Price",
             "lot_number": "Lot", "bin_location": "Bin", "active": "Active"},
    event_table="product_events", event_seq="product_event_ids", subject="i.sku",
    describe_new="i.name || ' at $' || i.unit_price",
    kinds=("added", "edited"),
    current="(SELECT * FROM products LEFT JOIN product_classes USING (sku))",
    side=("regulatory_class",),
    after_new=("""INSERT INTO product_prices (sku, unit_price, effective_at, changed_by, changed_by_email)
                  SELECT i.sku, i.unit_price, now()::TIMESTAMP, ?, ?
                  FROM imp_m i JOIN imp_new n USING (_row)""",
               """INSERT INTO product_classes SELECT n._id, i.regulatory_class FROM imp_m i JOIN imp_new n USING (_row)"""),
    before_update=("""INSERT INTO product_classes (sku, regulatory_class)
                      SELECT n._id, i.regulatory_class FROM imp_m i JOIN imp_chg n USING (_row)
                      ON CONFLICT (sku) DO UPDATE SET regulatory_class = excluded.regulatory_class""",
                   """INSERT INTO product_prices (sku, unit_price, effective_at, changed_by, changed_by_email)
                      SELECT i.sku, i.unit_price, now()::TIMESTAMP, ?, ?
                      FROM imp_m i JOIN imp_chg n USING (_row) JOIN products t ON t.sku = i.sku
                      WHERE t.unit_price <> i.unit_price""",),
)

WRITERS = {"clients": CLIENTS, "prescriptions": PRESCRIPTIONS, "policies": POLICIES, "products": PRODUCTS}
