"""The Orders index's filters and sort as URL parameters, so a view can be shared and survives a reload.

Pure functions (no Streamlit): ``query_from_params`` reads what a URL says, keeping what it can and
saying in one sentence what it had to drop; ``params_from_query`` writes the non-default parts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from orders_core.index import PAGE_SIZES, SORTS, VIEWS, OrderQuery
from orders_core.schema import SOURCES, STATUSES

SORT_KEYS = {"created": "Created At", "id": "Order ID", "status": "Status"}
SORT_PARAMS = {v: k for k, v in SORT_KEYS.items()}


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def query_from_params(params: Mapping[str, str]) -> tuple[OrderQuery, list[str]]:
    """The query a URL describes, and a list of what in it could not be used."""
    problems: list[str] = []
    fields: dict = {}
    view = params.get("view")
    if view:
        if view in VIEWS:
            fields["view"] = view
        else:
            problems.append(f"view {view!r}")
    if params.get("q"):
        fields["search"] = params["q"]
    sort = params.get("sort")
    if sort:
        if sort in SORT_KEYS:
            fields["sort"] = SORT_KEYS[sort]
        else:
            problems.append(f"sort {sort!r}")
    direction = params.get("dir")
    if direction:
        if direction in ("asc", "desc"):
            fields["descending"] = direction == "desc"
        else:
            problems.append(f"direction {direction!r}")
    for key, field, allowed in (("status", "statuses", STATUSES), ("source", "sources", SOURCES)):
        values = _split(params.get(key, ""))
        good = tuple(v for v in values if v in allowed)
        problems.extend(f"{key} {v!r}" for v in values if v not in allowed)
        if good:
            fields[field] = good
    carriers = tuple(_split(params.get("carrier", "")))
    if carriers:
        fields["carriers"] = carriers
    for key, field in (("from", "created_from"), ("to", "created_to")):
        if params.get(key):
            try:
                fields[field] = _date(params[key])
            except ValueError:
                problems.append(f"date {params[key]!r}")
    for key, field, ok in (("page", "page", lambda n: n >= 1), ("size", "page_size", lambda n: n in PAGE_SIZES)):
        if params.get(key):
            try:
                number = int(params[key])
                if not ok(number):
                    raise ValueError
                fields[field] = number
            except ValueError:
                problems.append(f"{key} {params[key]!r}")
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
    if q.descending != default.descending:
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


def problems_sentence(problems: list[str]) -> str:
    return "This link's " + ", ".join(problems) + " could not be used and " + (
        "was" if len(problems) == 1 else "were") + " left out."


assert set(SORT_KEYS.values()) == set(SORTS)
