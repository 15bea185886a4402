"""Order metrics for operations managers: every figure and chart of the Metrics page.

One module per family of figures, each with its decisions: ``filters`` (the range, the filters and the
grouping of the charts), ``query`` (how every figure reads the daily summaries), ``volume`` (headline,
orders and revenue, grams shipped), ``flow`` (status funnel, lead times, Unverified backlog),
``breakdowns`` (carriers, top products, policy coverage) and ``page`` (every figure of the page at once).
The names callers use are importable from here.
"""

from orders_core.reports.metrics.breakdowns import (
    PAID_STATUSES,
    SHIPPED_STATUSES,
    UNKNOWN_INSURER,
    carrier_summary,
    coverage_by_insurer,
    product_totals,
    rank_products,
    top_products,
)
from orders_core.reports.metrics.filters import (
    CUSTOM,
    DAY_GRAIN_MAX_DAYS,
    GRAINS,
    MAX_BUCKETS,
    MAX_RANGE_DAYS,
    PRESETS,
    InvalidFilter,
    MetricsFilter,
    bucket_grain,
    data_version,
    default_grain,
    preset_range,
)
from orders_core.reports.metrics.flow import (
    BACKLOG_BUCKETS,
    STAGES,
    lead_times,
    status_funnel,
    unverified_backlog,
    waited_at_least,
)
from orders_core.reports.metrics.page import PageMetrics, page_metrics
from orders_core.reports.metrics.volume import (
    Headline,
    PeriodFigures,
    grams_shipped_per_period,
    headline,
    period_trends,
    volume_by_source,
)

__all__ = [
    "BACKLOG_BUCKETS", "CUSTOM", "DAY_GRAIN_MAX_DAYS", "GRAINS", "MAX_BUCKETS", "MAX_RANGE_DAYS", "PAID_STATUSES",
    "PRESETS", "SHIPPED_STATUSES", "STAGES", "UNKNOWN_INSURER",
    "Headline", "InvalidFilter", "MetricsFilter", "PageMetrics", "PeriodFigures",
    "bucket_grain", "carrier_summary", "coverage_by_insurer", "data_version", "default_grain",
    "grams_shipped_per_period", "headline", "lead_times", "page_metrics", "period_trends", "preset_range",
    "product_totals", "rank_products", "status_funnel", "top_products", "unverified_backlog", "volume_by_source",
    "waited_at_least",
]
