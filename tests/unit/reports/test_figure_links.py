"""The orders behind a figure of the monthly reports, as the Orders index lists them: the URL names the figure
(``ui.url_state``), never its Order IDs, and a bad one is named for the one sentence; a query naming its orders
lists exactly those, archived or not, and none when the list is empty."""

from __future__ import annotations

from orders_core.orders.access import list_orders_for
from orders_core.orders.archive import archive_orders
from orders_core.orders.index import OrderQuery
from orders_core.reports.monthly import figures as fig
from orders_core.reports.monthly.months import Month
from tests.people import MANAGER_PERSON
from ui.url_state import FigureLink, figure_from_params, figure_params, params_from_query, problems_sentence

OCT = Month(2026, 10)


def test_a_figure_link_round_trips_and_holds_no_order_id():
    link = FigureLink(OCT, "NB", "Edibles - solids")
    params = figure_params(link)
    assert params == {"figure": "ctls-sales:2026-10:NB:Edibles - solids"}
    assert figure_from_params(params) == (link, [])
    assert figure_from_params({}) == (None, [])
    assert params_from_query(OrderQuery(order_ids=(1, 2, 3))) == {}  # the ids never reach the URL


def test_a_bad_figure_is_named_once():
    for raw in ("ctls-sales:2026-13:ON:Dried", "s297:2026-10:ON:Dried", "ctls-sales:2026-10:ZZ:Dried",
                "ctls-sales:2026-10:ON:Flowers", "ctls-sales:2026-10:ON", "ctls-sales:٢٠٢٦-10:ON:Dried"):
        link, problems = figure_from_params({"figure": raw, "view": "All"})
        assert link is None and len(problems) == 1 and problems[0].startswith("figure '"), raw
    link, problems = figure_from_params({"figure": "x" * 600})
    assert link is None and problems == ["'figure' (600 characters, too long)"]
    assert problems_sentence(figure_from_params({"figure": "nope"})[1]) == (
        "This link's figure 'nope' could not be used and was left out.")


def test_the_orders_behind_a_figure_archived_or_not(db):
    cur = db.cursor()
    row = max(fig.ctls_sales(cur, OCT)["rows"], key=lambda r: r["orders"])
    ids = fig.behind(cur, fig.CTLS, OCT, (row["province"], row["category"])).ids
    assert len(ids) >= 2
    archive_orders(db, ids[:1], MANAGER_PERSON)
    listed = list_orders_for(cur, OrderQuery(order_ids=tuple(ids), page_size=200), MANAGER_PERSON)
    assert sorted(int(i) for i in listed.rows["Order ID"]) == ids and listed.total == len(ids)
    assert list_orders_for(cur, OrderQuery(order_ids=tuple(ids), view="Archived"), MANAGER_PERSON).total == 1
    assert list_orders_for(cur, OrderQuery(order_ids=()), MANAGER_PERSON).total == 0  # an empty figure lists no order
    everything = list_orders_for(cur, OrderQuery(page_size=200), MANAGER_PERSON).total
    assert everything > len(ids) and ids[0] not in set(list_orders_for(cur, OrderQuery(search=str(ids[0])), MANAGER_PERSON).rows["Order ID"])
