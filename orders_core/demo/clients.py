"""The demo's clients, their prescriptions and policies, and every order they could make (staged in bulk).

How they keep the app's rules:
- Each client holds a chain of one-year prescriptions from registration (an Expired client's last
  one ended 20 days before the anchor). Orders are made only while a prescription is valid: a
  client orders once or twice in each 30-day prescription period (once for clients with a
  recurring template), and an order never holds more than the period's allowance divided by the
  number of orders the client makes in a period, so no period is over its allowance and no order is
  over its shipment cap. Clients pending verification have no orders.
- Candidate orders are every such (client, period, slot); exactly ``orders`` of them are kept by
  hash, then numbered by date.
"""

from __future__ import annotations

import datetime as dt

from orders_core.demo.catalogue import CITIES, FIRST_NAMES, INSURERS, LAST_NAMES, PRESCRIBERS, STREETS
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_value

SPAN_DAYS = 4 * 365
GROWTH = 4.0  # clients (and so orders per day) grow smoothly by e^4 over the four years: about 9% a month
RX_DAYS = 365
PERIOD = 30


def _list(values) -> str:
    """A SQL list literal of our own constant strings (never user input)."""
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def _city_list() -> str:
    return "[" + ", ".join(_list(c) for c in CITIES) + "]"


def _stage_clients(con: Cursor, n: int, anchor: dt.date) -> None:
    """demo_clients: registration on the growth curve, status, daily quantity, orders per period, template day."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE demo_clients AS
        SELECT i, client_id, reg, gpd, status,
               CASE WHEN status = 'Approved' THEN template_on END AS template_on,  -- templates ship: Approved only
               CASE WHEN status = 'Approved' AND template_on IS NOT NULL THEN 1 ELSE pick(client_id, 'm', 2) END
                   AS per_period
        FROM (SELECT * REPLACE (CASE WHEN status = 'Expired' AND reg > DATE '{anchor}' - INTERVAL 60 DAY
                                     THEN 'Approved' ELSE status END AS status)
        FROM (
            SELECT i, 1001 + i AS client_id, reg, [1.5, 2, 2.5, 3, 4, 5][pick(1001 + i, 'gpd', 6)] AS gpd,
                   CASE WHEN rnd(i, 'reg') < 0.90 THEN 'Approved'
                        WHEN rnd(i, 'reg') < 0.95 THEN 'Pending Verification' ELSE 'Expired' END AS status,
                   CASE WHEN (1001 + i) % 10 = 0
                        THEN least(reg + INTERVAL (pick(i, 'tpl', 60)) DAY, DATE '{anchor}' - INTERVAL 1 DAY)
                             + INTERVAL (pick(i, 'tplh', 36000)) SECOND END AS template_on
            FROM (
                SELECT i, (DATE '{anchor}' - INTERVAL {SPAN_DAYS} DAY
                           + INTERVAL (floor(ln(1 + ((i + 0.5) / {n}) * (exp({GROWTH}) - 1)) / {GROWTH}
                                             * {SPAN_DAYS})) DAY)::DATE AS reg
                FROM range({n}) t(i)
            )
        ))
        """
    )
    # A chain of one-year prescriptions from registration; an Expired client's last one ended 20 days ago.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE demo_rx AS
        SELECT row_number() OVER (ORDER BY client_id, k) AS prescription_id, client_id, k, gpd, vf,
               CASE WHEN status = 'Expired' THEN least(vf + {RX_DAYS - 1}, DATE '{anchor}' - 20)
                    ELSE vf + {RX_DAYS - 1} END AS vu
        FROM (
            SELECT c.*, k, (c.reg + (k * {RX_DAYS})::INTEGER)::DATE AS vf
            FROM demo_clients c,
                 LATERAL (SELECT unnest(range(0, ((CASE WHEN c.status = 'Expired' THEN DATE '{anchor}' - 20
                                                        ELSE DATE '{anchor}' END) - c.reg) // {RX_DAYS} + 1)) AS k)
        )
        """
    )


def _stage_candidates(con: Cursor, anchor: dt.date) -> int:
    """demo_slots: every order a client could make (1 or 2 per prescription period, within the rx and to date)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE demo_slots AS
        SELECT client_id, prescription_id, period_start, slot, budget, created_at, template_on,
               hash(client_id, period_start, slot, 'keep') AS key
        FROM (
            SELECT c.client_id, rx.prescription_id, p.period_start, s.slot, c.template_on,
                   rx.gpd * {PERIOD} / c.per_period AS budget,
                   p.period_start + ((s.slot * {PERIOD} // c.per_period)
                                     + pick(c.client_id * 1000 + p.k, 'day' || s.slot, {PERIOD} // c.per_period) - 1)::INTEGER
                   + INTERVAL (28800 + pick(c.client_id * 1000 + p.k, 'sec' || s.slot, 43200)) SECOND AS created_at,
                   least(p.period_start + {PERIOD - 1}, rx.vu, DATE '{anchor}' - 1) AS last_day  -- up to yesterday
            FROM demo_clients c
            JOIN demo_rx rx USING (client_id)
            , LATERAL (SELECT k, (rx.vf + (k * {PERIOD})::INTEGER)::DATE AS period_start
                       FROM (SELECT unnest(range(0, (least(rx.vu, DATE '{anchor}') - rx.vf) // {PERIOD} + 1)) AS k)) p
            , LATERAL (SELECT unnest(range(0, c.per_period)) AS slot) s
            WHERE c.status <> 'Pending Verification'
        )
        WHERE created_at::DATE <= last_day
        """
    )
    return fetch_value(con, "SELECT count(*) FROM demo_slots")


def _clients(con: Cursor, n: int) -> None:
    con.execute(
        f"""
        INSERT INTO clients
        SELECT 1001 + i AS client_id, name, lower(strip_accents(name)), dob,
               lower(strip_accents(replace(replace(first, ' ', ''), '''', ''))) || '.'
                 || lower(strip_accents(replace(replace(last, ' ', ''), '''', ''))) || i || '@example.ca',
               '(' || (200 + pick(i, 'ph1', 790)) || ') 555-' || lpad((pick(i, 'ph2', 9999))::VARCHAR, 4, '0'),
               (pick(i, 'num', 9800) + 10) || ' ' || {_list(STREETS)}[pick(i, 'st', {len(STREETS)})],
               CASE WHEN rnd(i, 'apt') < 0.25 THEN 'App. ' || pick(i, 'apt2', 40) END,
               city[1], city[2],
               city[3] || ' ' || pick(i, 'pc1', 9) || chr(64 + pick(i, 'pc2', 26)::INTEGER) || pick(i, 'pc3', 9),
               dc.status, dc.reg, dc.reg
        FROM (
            SELECT i, first, last, first || ' ' || last AS name,
                   DATE '1940-01-01' + INTERVAL (pick(i, 'dob', 23000)) DAY AS dob,
                   {_city_list()}[pick(i, 'city', {len(CITIES)})] AS city
            FROM (
                SELECT i, {_list(FIRST_NAMES)}[pick(i, 'fn', {len(FIRST_NAMES)})] AS first,
                       {_list(LAST_NAMES)}[pick(i, 'ln', {len(LAST_NAMES)})] AS last
                FROM range({n}) t(i)
            )
        ) JOIN demo_clients dc USING (i)
        """
    )
    con.execute(
        f"""
        INSERT INTO prescriptions
        SELECT prescription_id, client_id, gpd, vf, vu,
               {_list(PRESCRIBERS)}[pick(client_id * 100 + k, 'dr', {len(PRESCRIBERS)})], TRUE
        FROM demo_rx
        """
    )
    con.execute(
        f"""
        INSERT INTO coverage_policies
        SELECT row_number() OVER (ORDER BY client_id), client_id, insurer,
               CASE WHEN insurer = 'Veterans Affairs Canada' THEN 1.0 ELSE 0.8 END,
               CASE WHEN insurer = 'Veterans Affairs Canada' THEN 1500.00 ELSE 1000.00 END,
               CASE WHEN insurer = 'Veterans Affairs Canada' THEN 150 END,
               reg, NULL, TRUE
        FROM (SELECT client_id, reg, {_list(INSURERS)}[pick(client_id, 'ins', {len(INSURERS)})] AS insurer
              FROM demo_clients WHERE rnd(client_id, 'cov') < 0.2)
        """
    )
