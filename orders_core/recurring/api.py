"""Recurring orders: monthly templates per client and the Open orders they generate.

This module is the public surface the pages, the daily job, the CLI and the tests import; the
code lives by concern in ``recurring_dates`` (schedules, Python and SQL), ``recurring_templates``
(records, reading), ``recurring_checks`` (checks before saving), ``recurring_saving``,
``recurring_generation`` (+ ``recurring_generation_sql``), ``recurring_listings`` (page queries)
and ``recurring_cli``. The grams rules are ``allowance``'s.

A template (``recurring_orders`` + ``recurring_order_lines``) belongs to one client. Its next
order date follows either the client's 30-day prescription periods (``schedule='period'``) or a
chosen day of the month (``schedule='day_of_month'``, clipped to the month's last day).

Generation is set-based SQL over every due template at once:

- A template is due when it is Enabled and its next order date is on or before the run's date.
  Its *period* is the prescription period holding the run's date (or the latest scheduled day of
  the month on or before it); missed periods are not back-filled (unused grams do not carry over).
- A client whose registration is not Approved, or whose prescription has expired (or is missing,
  or not valid yet), or whose template no longer fits the allowance (or what the client's other
  orders left of it in the current prescription period), is skipped: the reason is kept on the
  template and in ``recurring_skips``.
- Otherwise one Open order (source Recurring, placed by "Recurring order", linked by
  ``recurring_order_id``, with a 'created' event saying it was generated) is made; a month over
  the shipment cap (the lesser of 30 x grams/day and 150 g) is split into several orders, each
  within the cap.
- Either way the next date advances to the next period. ``(recurring_order_id, period_start)``
  is the primary key of ``recurring_generations``. Two overlapping runs (several app servers' daily
  jobs on one PostgreSQL database, a CSR's button meanwhile) generate a period once: on PostgreSQL the
  second waits on the due templates' row locks and then finds nothing due; on DuckDB their updates
  of the same template rows conflict and the loser retries and finds nothing due (no in-process lock;
  ``recurring_generation``).

Decisions (where the requirements are silent): generated orders carry the products' current prices, no
discounts, no policy coverage and no shipping charge (coverage_amount = shipping_charge = 0, so
Total Due = subtotal); a CSR applies coverage and shipping when reviewing the Open order. One
template per client; a line taken off a template keeps its row with 0 units (nothing is deleted).
A skip also advances the next date (the period is skipped); a CSR can set
the next date back to today after fixing the cause. A successful generation clears the last skip
reason (the skip history stays in ``recurring_skips``).
"""

from __future__ import annotations

from orders_core.recurring.checks import check_template
from orders_core.recurring.dates import (
    clip_to_month,
    day_of_month_after,
    day_of_month_on_or_after,
    day_of_month_on_or_before,
    period_start_on_or_after,
    period_start_on_or_before,
    scheduled_on_or_after,
)
from orders_core.recurring.generation import JOB_ACTOR, PLACED_BY, GenerationResult, generate_due, preview_due
from orders_core.recurring.listings import (
    DUE_WINDOW_DAYS,
    STATUS_FILTERS,
    TEMPLATE_COLUMNS,
    TemplatePage,
    TemplateQuery,
    active_products,
    carriers,
    count_due,
    generated_orders,
    list_templates,
    skip_history,
)
from orders_core.recurring.saving import describe_changes, describe_draft, save_template, set_enabled
from orders_core.recurring.templates import (
    SCHEDULE_LABELS,
    SCHEDULES,
    ClientRules,
    Template,
    TemplateCheck,
    TemplateDraft,
    TemplateLine,
    TemplateRefused,
    client_rules,
    get_template,
    get_template_by_id,
    template_events,
)

__all__ = [
    "DUE_WINDOW_DAYS", "JOB_ACTOR", "PLACED_BY", "SCHEDULES", "SCHEDULE_LABELS",
    "STATUS_FILTERS", "TEMPLATE_COLUMNS", "ClientRules", "GenerationResult", "Template", "TemplateCheck",
    "TemplateDraft", "TemplateLine", "TemplatePage", "TemplateQuery", "TemplateRefused", "active_products",
    "carriers", "check_template", "client_rules", "clip_to_month", "count_due", "day_of_month_after",
    "day_of_month_on_or_after", "day_of_month_on_or_before", "describe_changes", "describe_draft",
    "generate_due", "generated_orders", "get_template", "get_template_by_id",
    "list_templates", "period_start_on_or_after", "period_start_on_or_before", "preview_due",
    "save_template", "scheduled_on_or_after", "set_enabled", "skip_history", "template_events",
]
