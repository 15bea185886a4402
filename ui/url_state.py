"""The pages' state as URL parameters, so a view can be shared and survives a reload: one codec per page.

Pure functions (no Streamlit): ``*_from_params`` read what a URL says, keeping what they can and
listing what they had to drop (``problems_sentence`` says it in one sentence); ``params_from_*`` write
the non-default parts. The Orders index's parameters are written only here, also for the links other
pages make to it (``orders_link``, ``figure_params``).

What a URL may hold: a value longer than ``MAX_PARAM_CHARS`` characters is dropped as a
whole (no field needs more; a search longer than that is not a search); a value is named in the
sentence by at most ``SHOWN_CHARS`` of its characters; numbers and dates are ASCII digits only (a
Unicode digit such as '٣' or '²' is not a number here); dates lie in orders_core.rules.dates' range. A key
given twice counts once, with its last value (what Streamlit's ``st.query_params`` hands over).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from orders_core.orders.index import NATURAL_DESCENDING, PAGE_SIZES, SORTS, VIEWS, OrderQuery
from orders_core.reports.metrics import CUSTOM, GRAINS, PRESETS, MetricsFilter
from orders_core.reports.monthly.figures import CTLS
from orders_core.reports.monthly.months import Month, parse_month
from orders_core.rules.ctls_categories import CATEGORY_ORDER
from orders_core.rules.dates import parse_date
from orders_core.rules.fields import PROVINCES
from orders_core.storage.schema import CATEGORIES, SOURCES, STATUSES
from ui.text import literal

SORT_KEYS = {"created": "Created At", "id": "Order ID", "status": "Status"}
SORT_PARAMS = {v: k for k, v in SORT_KEYS.items()}
MAX_PARAM_CHARS = 500
SHOWN_CHARS = 40
MAX_PAGE = 10_000_000




def shown(value: str) -> str:
    """A URL value as a sentence names it: quoted, cut to SHOWN_CHARS characters, and shown literally."""
    value = str(value)
    return literal(repr(value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"))


def _usable(params: Mapping[str, str], problems: list[str]) -> dict[str, str]:
    """The parameters that are not too long (the others become problems)."""
    kept = {}
    for key, value in params.items():
        value = str(value)
        if len(value) > MAX_PARAM_CHARS:
            problems.append(f"{shown(key)} ({len(value):,} characters, too long)")
        else:
            kept[key] = value
    return kept


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _date(text: str) -> dt.date:
    return parse_date(text)


def _whole_number(text: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_PAGE)):
        raise ValueError(text)
    return int(text)


# --- The Orders index -----------------------------------------------------------------------------


def query_from_params(params: Mapping[str, str]) -> tuple[OrderQuery, list[str]]:
    """The query a URL describes, and a list of what in it could not be used."""
    problems: list[str] = []
    params = _usable(params, problems)
    fields: dict = {}
    view = params.get("view")
    if view:
        if view in VIEWS:
            fields["view"] = view
        else:
            problems.append(f"view {shown(view)}")
    if params.get("q"):
        fields["search"] = params["q"]
    sort = params.get("sort")
    if sort:
        if sort in SORT_KEYS:
            fields["sort"] = SORT_KEYS[sort]
            fields["descending"] = NATURAL_DESCENDING[SORT_KEYS[sort]]  # unless the link says otherwise
        else:
            problems.append(f"sort {shown(sort)}")
    direction = params.get("dir")
    if direction:
        if direction in ("asc", "desc"):
            fields["descending"] = direction == "desc"
        else:
            problems.append(f"direction {shown(direction)}")
    for key, field, allowed in (("status", "statuses", STATUSES), ("source", "sources", SOURCES)):
        values = _split(params.get(key, ""))
        good = tuple(dict.fromkeys(v for v in values if v in allowed))
        problems.extend(f"{key} {shown(v)}" for v in values if v not in allowed)
        if good:
            fields[field] = good
    carriers = tuple(dict.fromkeys(_split(params.get("carrier", ""))))
    if carriers:
        fields["carriers"] = carriers
    for key, field in (("from", "created_from"), ("to", "created_to")):
        if params.get(key):
            try:
                fields[field] = _date(params[key])
            except ValueError:
                problems.append(f"date {shown(params[key])}")
    for key, field, ok in (("page", "page", lambda n: n >= 1), ("size", "page_size", lambda n: n in PAGE_SIZES)):
        if params.get(key):
            try:
                number = _whole_number(params[key])
                if not ok(number):
                    raise ValueError
                fields[field] = number
            except ValueError:
                problems.append(f"{key} {shown(params[key])}")
    query = OrderQuery(**fields)
    if query.created_from and query.created_to and query.created_from > query.created_to:
        problems.append("a 'from' date after the 'to' date")
        query = OrderQuery(**{**fields, "created_from": None, "created_to": None})
    return query, problems


def params_from_query(q: OrderQuery) -> dict[str, str]:
    """The URL parameters for ``q``, leaving out what is the default."""
    default = OrderQuery()
    params: dict[str, str] = {}
    if q.view != default.view:
        params["view"] = q.view
    if q.search:
        params["q"] = q.search
    if q.sort != default.sort:
        params["sort"] = SORT_PARAMS[q.sort]
    if q.descending != NATURAL_DESCENDING[q.sort]:
        params["dir"] = "desc" if q.descending else "asc"
    for key, values in (("status", q.statuses), ("carrier", q.carriers), ("source", q.sources)):
        if values:
            params[key] = ",".join(values)
    if q.created_from:
        params["from"] = q.created_from.isoformat()
    if q.created_to:
        params["to"] = q.created_to.isoformat()
    if q.page != 1:
        params["page"] = str(q.page)
    if q.page_size != default.page_size:
        params["size"] = str(q.page_size)
    return params


def orders_link(f: MetricsFilter, *, first_day: dt.date | None = None, last_day: dt.date | None = None,
                statuses: tuple[str, ...] = (), source: str | None = None, carrier: str | None = None,
                view: str = "All") -> dict[str, str]:
    """The Orders index's URL parameters that list the orders behind one bar of a Metrics chart, newest first.

    The index filters by created date, status, source and carrier (not by product category).
    """
    return params_from_query(OrderQuery(
        view=view, sort="Created At", descending=True, created_from=first_day, created_to=last_day,
        statuses=tuple(statuses), sources=(source,) if source else tuple(f.sources),
        carriers=(carrier,) if carrier else tuple(f.carriers),
    ))


# --- The orders behind a figure of the monthly reports ----------------------------------------------

FIGURE_PARAM = "figure"
FIGURE_SEP = ":"


@dataclass(frozen=True)
class FigureLink:
    """A row of a month's CTLS sales (its province or territory and category) whose orders the index lists:
    ``figure=ctls-sales:2026-10:ON:Dried``. The index asks the core for its orders (``behind_for``), so the
    URL names the figure, never its (possibly thousands of) Order IDs."""

    month: Month
    province: str
    category: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.province, self.category)

    def label(self) -> str:
        return f"CTLS sales, {self.month.label()}, {self.province} / {self.category}"


def figure_params(link: FigureLink) -> dict[str, str]:
    """The Orders index's URL parameter for the orders behind ``link``."""
    return {FIGURE_PARAM: FIGURE_SEP.join((CTLS, str(link.month), link.province, link.category))}


def figure_from_params(params: Mapping[str, str]) -> tuple[FigureLink | None, list[str]]:
    """The figure a URL names (``figure_params``), or None; and what could not be used (for one sentence).
    Whether the month can be reported (over, not before the first order) is the core's to say."""
    problems: list[str] = []
    raw = _usable({k: v for k, v in params.items() if k == FIGURE_PARAM}, problems).get(FIGURE_PARAM)
    if not raw:
        return None, problems
    parts = raw.split(FIGURE_SEP)
    try:
        if len(parts) != 4 or parts[0] != CTLS or parts[2] not in PROVINCES or parts[3] not in CATEGORY_ORDER:
            raise ValueError(raw)
        return FigureLink(parse_month(parts[1]), parts[2], parts[3]), problems
    except ValueError:  # InvalidMonth is one too
        return None, [*problems, f"figure {shown(raw)}"]


# --- The Metrics page -----------------------------------------------------------------------------

RANGE_PARAMS = {"Last 7 days": "7d", "Last 30 days": "30d", "Last quarter": "quarter", "Last year": "year",
                CUSTOM: "custom"}
DEFAULT_PRESET = "Last 30 days"
assert set(RANGE_PARAMS) == {*PRESETS, CUSTOM}


@dataclass(frozen=True)
class MetricsState:
    """What the Metrics page shows: a preset (or a custom range), the filters and the grouping."""

    preset: str = DEFAULT_PRESET
    start: dt.date | None = None   # custom range only
    end: dt.date | None = None
    sources: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    grain: str | None = None       # None: day up to two months, week beyond


def _custom_range(params, today: dt.date, problems: list[str]) -> tuple[dt.date, dt.date] | None:
    try:
        start, end = _date(params.get("from", "")), _date(params.get("to", ""))
    except ValueError:
        problems.append("custom dates")
        return None
    if start > end or end > today:
        problems.append("custom dates")
        return None
    return start, end


def metrics_state_from_params(params: Mapping[str, str], today: dt.date,
                              carriers: list[str]) -> tuple[MetricsState, list[str]]:
    """The Metrics page state a URL describes, and what in it could not be used (for one sentence)."""
    problems: list[str] = []
    params = _usable(params, problems)
    fields: dict = {}
    by_param = {v: k for k, v in RANGE_PARAMS.items()}
    preset = by_param.get(params.get("range", ""), None)
    if params.get("range") and preset is None:
        problems.append(f"range {shown(params['range'])}")
    if preset == CUSTOM:
        dates = _custom_range(params, today, problems)
        if dates:
            fields.update(preset=CUSTOM, start=dates[0], end=dates[1])
    elif preset:
        fields["preset"] = preset
    for key, name, allowed in (("source", "sources", SOURCES), ("carrier", "carriers", carriers),
                               ("category", "categories", CATEGORIES)):
        values = _split(params.get(key, ""))
        problems.extend(f"{key} {shown(v)}" for v in values if v not in allowed)
        fields[name] = tuple(dict.fromkeys(v for v in values if v in allowed))
    grain = params.get("group")
    if grain in GRAINS:
        fields["grain"] = grain
    elif grain:
        problems.append(f"grouping {shown(grain)}")
    return MetricsState(**fields), problems


def params_from_metrics_state(state: MetricsState) -> dict[str, str]:
    """The URL parameters of a Metrics page state, leaving out the defaults."""
    params: dict[str, str] = {}
    if state.preset != DEFAULT_PRESET:
        params["range"] = RANGE_PARAMS[state.preset]
    if state.preset == CUSTOM and state.start and state.end:
        params["from"], params["to"] = state.start.isoformat(), state.end.isoformat()
    for key, values in (("source", state.sources), ("carrier", state.carriers), ("category", state.categories)):
        if values:
            params[key] = ",".join(values)
    if state.grain:
        params["group"] = state.grain
    return params


def problems_sentence(problems: list[str]) -> str:
    return "This link's " + ", ".join(problems) + " could not be used and " + (
        "was" if len(problems) == 1 else "were") + " left out."


assert set(SORT_KEYS.values()) == set(SORTS)
