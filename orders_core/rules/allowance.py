"""The allowance rule, in one place: the shipment cap, the 30-day period allowance, what counts.

Every writer (ordering, editing and verifying in ``lifecycle``, recurring templates and generation,
the command line) asks this module; SQL that needs a constant takes it as a parameter from
``sql_params()``. How the rule is enforced when two writers race is ``allowance_ledger``'s.

- **Shipment cap**: one order (one shipment) holds at most the lesser of 30 x the daily quantity
  on the client's active prescription and 150 g of dried cannabis or its equivalent
  (SOR/2018-144 ss. 266-267).
- **Period allowance**: 30 x the daily quantity per prescription period. Periods are 30-day
  windows counted from the active prescription's ``valid_from`` (the last one ends on
  ``valid_until``); unused grams do not carry over.
- **What counts** against a period: the dried-equivalent grams of every order of the client
  *created* in the window whose status is not Cancelled. Unverified orders count (they hold their
  grams until verified or cancelled); archived orders count. Cancelling gives the grams back.
- **Edits**: an edited order counts with its new grams in the period of its creation date (its old
  grams are not "already used" while it is re-checked).
- **Returns** (decision; the lifecycle has no Returned status): grams of a shipped or delivered order
  stay counted in its period when units come back; they were sold. A return is a record of its own
  (``orders_core.returns``), never a change to the order.
- **Replacements** (Cannabis Regulations s. 293(1), decided from its text): a holder of a licence for sale
  to which cannabis products (other than plants or seeds) are returned under s. 292 *may replace them*
  with cannabis products whose total quantity does not exceed the equivalent of 150 g of dried cannabis.
  That is an authorisation of its own, with its own limit, beside the sale under a purchase order
  (s. 289) to which the shipment cap and the period allowance apply; the client was already counted for
  the grams they bought and is only made whole. So a replacement order (``orders.replaces_return_id``
  set) does **not** count against the client's 30-day period allowance (``COUNTED_SQL`` and the ledger
  leave it out) and is not held to the per-order shipment cap of 30 x the daily quantity; it is held to
  ``REPLACEMENT_LIMIT_GRAMS`` for its return (``replacement_reasons``), and plants and seeds are not
  replaced this way (s. 293(2) counts them in plants under production; refused with the reason).
- A product that is no longer sold (``products.active`` false) cannot be put on a new order or a
  template; a line already on an order may stay when the order is edited or verified.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from orders_core.rules import formatting

DAYS_PER_PERIOD = 30
SHIPMENT_CAP_GRAMS = Decimal("150")
RELEASED_STATUSES = ("Cancelled",)  # orders in these statuses give their grams back
GRAMS = Decimal("0.001")
ZERO = Decimal("0")


def sql_params() -> dict:
    """The rule's constants as named SQL parameters ($days_per_period, $shipment_cap_grams, $released_statuses)."""
    return {"days_per_period": DAYS_PER_PERIOD, "shipment_cap_grams": SHIPMENT_CAP_GRAMS,
            "released_statuses": list(RELEASED_STATUSES)}


def period_allowance(grams_per_day: Decimal | int | str) -> Decimal:
    """Grams allowed in one 30-day period."""
    return Decimal(grams_per_day) * DAYS_PER_PERIOD


def shipment_cap(grams_per_day: Decimal | int | str) -> Decimal:
    """The most one shipment may hold: the lesser of 30 x the daily quantity and 150 g."""
    return min(period_allowance(grams_per_day), SHIPMENT_CAP_GRAMS)


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """One 30-day prescription period: [start, end] inclusive, with the grams already counted in it."""

    number: int
    start: dt.date
    end: dt.date
    allowance: Decimal
    used: Decimal = ZERO
    orders: tuple[int, ...] = ()

    @property
    def available(self) -> Decimal:
        return max(self.allowance - self.used, ZERO)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"


def period_index(origin: dt.date, day: dt.date) -> int:
    """Which 30-day period counted from ``origin`` holds ``day`` (0 for the first; negative before ``origin``)."""
    return (day - origin).days // DAYS_PER_PERIOD


def period_start(origin: dt.date, k: int) -> dt.date:
    """The first day of period ``k`` (0 for the first) counted from ``origin``: the one place a period starts."""
    return origin + dt.timedelta(days=k * DAYS_PER_PERIOD)


def period_span(valid_from: dt.date, valid_until: dt.date, k: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the prescription's period ``k`` (the last one ends with the prescription)."""
    start = period_start(valid_from, k)
    return start, min(period_start(valid_from, k + 1) - dt.timedelta(days=1), valid_until)


def period_bounds(valid_from: dt.date, valid_until: dt.date, day: dt.date) -> tuple[int, dt.date, dt.date] | None:
    """The number, first and last day of the prescription period holding ``day`` (None outside the prescription)."""
    if not valid_from <= day <= valid_until:
        return None
    k = period_index(valid_from, day)
    return k + 1, *period_span(valid_from, valid_until, k)


# One parameter: RELEASED_STATUSES. Replacement orders (``replaces_return_id``) are not counted (s. 293, above).
# Written for ``orders`` alone or prefixed ``o.`` (the second column is then unambiguous in the callers' joins).
COUNTED_SQL = "status::VARCHAR NOT IN (SELECT unnest(?::VARCHAR[])) AND replaces_return_id IS NULL"
REPLACEMENT_LIMIT_GRAMS = Decimal("150")  # s. 293(1): the most one return's replacement may hold
NOT_REPLACEABLE_CLASSES = ("Seeds", "Plants", "seeds", "plants")  # s. 293(1) excludes plants and seeds


def replacement_reasons(grams: Decimal, returned_grams: Decimal) -> list[str]:
    """Why a replacement holding ``grams`` cannot be sent for a return (s. 293(1)); ``returned_grams``: what came back."""
    reasons = []
    if grams > REPLACEMENT_LIMIT_GRAMS:
        reasons.append(f"The replacement holds {formatting.grams(grams)} (dried equivalent), over the "
                       f"{formatting.grams(REPLACEMENT_LIMIT_GRAMS)} a replacement may hold (Cannabis Regulations s. 293).")
    if returned_grams <= 0 < grams:
        reasons.append("Nothing of cannabis came back on this return, so no cannabis can replace it.")
    return reasons


# --------------------------------------------------------------------------- the rule, in sentences


def order_reasons(
    grams: Decimal | None, client_name: str, grams_per_day: Decimal | None, period: Period | None
) -> list[str]:
    """Why an order holding ``grams`` cannot be saved: over the shipment cap, over what is left in the period."""
    if grams is None or grams_per_day is None:
        return []
    reasons = []
    cap = shipment_cap(grams_per_day)
    if grams > cap:
        reasons.append(
            f"The order holds {formatting.grams(grams)} (dried equivalent), over {client_name}'s limit of "
            f"{formatting.grams(cap)} per order (the lesser of {DAYS_PER_PERIOD} x {formatting.grams(grams_per_day)} a day "
            f"and {formatting.grams(SHIPMENT_CAP_GRAMS)})."
        )
    if period is not None and grams > period.available:
        reasons.append(
            f"The order holds {formatting.grams(grams)}, more than the {formatting.grams(period.available)} left in the "
            f"prescription period {period.label()} ({formatting.grams(period.used)} of {formatting.grams(period.allowance)} "
            "already used)."
        )
    return reasons


def template_reasons(
    client_name: str, grams_per_day: Decimal | None, monthly_grams: Decimal,
    units: Iterable[tuple[str, Decimal]],
) -> list[str]:
    """Why a recurring template can never ship: ``units`` are (product name, grams per unit) of its cannabis."""
    if monthly_grams <= 0:
        return []
    if grams_per_day is None:
        return [f"{client_name} has no prescription, so no cannabis can be sent to them."]
    allowance, cap = period_allowance(grams_per_day), shipment_cap(grams_per_day)
    reasons = []
    if monthly_grams > allowance:
        reasons.append(
            f"The template holds {formatting.grams(monthly_grams)} a month, over {client_name}'s monthly allowance of "
            f"{formatting.grams(allowance)} ({formatting.grams(grams_per_day)} a day x {DAYS_PER_PERIOD}); it can never ship."
        )
    for name, grams in units:
        if grams > cap:
            reasons.append(f"One unit of {name} is {formatting.grams(grams)}, over the {formatting.grams(cap)} "
                           "one shipment may hold; it can never ship.")
    return reasons


def generation_reason(
    grams_per_day: Decimal, monthly_grams: Decimal, max_unit_grams: Decimal, used: Decimal,
    period_start: dt.date | None,
) -> str | None:
    """Why a due template is skipped this period on grams (None: it fits). ``used``: grams already counted."""
    allowance, cap = period_allowance(grams_per_day), shipment_cap(grams_per_day)
    if monthly_grams > allowance:
        return (f"The recurring order holds {formatting.grams(monthly_grams)} a month, over the monthly allowance of "
                f"{formatting.grams(allowance)}.")
    if max_unit_grams > cap:
        return f"One unit of a product is over the {formatting.grams(cap)} one shipment may hold."
    if monthly_grams > 0 and used + monthly_grams > allowance:
        return (f"Only {formatting.grams(max(allowance - used, ZERO))} of the {formatting.grams(allowance)} allowance is left "
                f"in the prescription period starting {period_start:%Y-%m-%d}; the recurring order needs "
                f"{formatting.grams(monthly_grams)}.")
    return None


# The same test as ``generation_reason`` for many rows at once in SQL (a test checks they agree): the generator
# asks Python for the sentence only for the rows this selects. Its ``?`` parameters (both engines) are
# ``generation_fails_params()``.
SQL_GENERATION_FAILS = """(grams > grams_per_day * ?::INTEGER
    OR max_unit_grams > least(grams_per_day * ?::INTEGER, ?::DECIMAL(10,3))
    OR (grams > 0 AND used_grams + grams > grams_per_day * ?::INTEGER))"""


def generation_fails_params() -> list:
    """The parameters of ``SQL_GENERATION_FAILS``, in order."""
    return [DAYS_PER_PERIOD, DAYS_PER_PERIOD, SHIPMENT_CAP_GRAMS, DAYS_PER_PERIOD]


def shipments_needed(unit_grams: Sequence[Decimal], cap: Decimal | None) -> int:
    """How many shipments carry these units (grams of each cannabis unit, in line order) packed greedily.

    The generator's SQL (``recurring_generation_sql``) packs the same way; a test checks they agree.
    """
    if cap is None or cap <= 0 or sum(unit_grams, ZERO) <= cap:
        return 1
    count, load = 1, ZERO
    for grams in unit_grams:
        if load + grams > cap:
            count, load = count + 1, ZERO
        load += grams
    return count
