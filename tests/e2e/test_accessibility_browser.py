"""axe-core in Chromium: no WCAG 2.1 A or AA violation on any page, for any role (and signed out).

axe-core is the npm package pinned in tests/e2e/axe/package-lock.json (``scripts/ensure-axe.sh`` installs it);
its ``axe.min.js`` is injected into each page once Streamlit has drawn it. A violation Streamlit itself
causes, which the app cannot fix, is allowed only by its rule id and the CSS selector of the element axe
names (``STREAMLIT_OWN``, each with its Streamlit issue: docs/accessibility.md); anything else fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from orders_core.rules import roles
from tests.e2e.conftest import ADMIN, CSR, FULFILLMENT, MANAGER, new_page, sign_in, wait_for_app
from ui.frame import NAV, page_action

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# What Streamlit itself draws and the app cannot change: (rule id, the selector axe names, as a pattern since
# Streamlit's class names hold a random part) -> the Streamlit issue. docs/accessibility.md says the same.
STREAMLIT_OWN: dict[tuple[str, str], str] = {
    # st.metric's sparkline (chart_data) is a Vega chart whose marks have no name; st.metric takes no alt text.
    # The page writes each sparkline's sentence beside it (ui.components.metrics_charts.trend_sentence).
    ("svg-img-alt", r"\.metric_chart_[a-z0-9]+_highlighted_points_marks"): "streamlit#8563",
}


def axe_violations(pg) -> list[dict]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now: one entry per rule and element."""
    if not pg.evaluate("() => typeof window.axe !== 'undefined'"):
        pg.add_script_tag(path=str(AXE))
    result = pg.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: "
                         "['violations']})", TAGS)
    return [{"rule": v["id"], "target": " ".join(map(str, node["target"])), "impact": v["impact"],
             "summary": node.get("failureSummary", "")[:300], "html": node.get("html", "")[:200]}
            for v in result["violations"] for node in v["nodes"]]


def streamlit_own(violation: dict) -> bool:
    return any(violation["rule"] == rule and re.fullmatch(selector, violation["target"])
               for rule, selector in STREAMLIT_OWN)


def new_violations(pg) -> list[dict]:
    return [v for v in axe_violations(pg) if not streamlit_own(v)]


def pages_for(who, order_id: int, client_id: int) -> list[str]:
    """Every page ``who`` may open, as a path: the sidebar's, and an Order and a Client Profile."""
    paths = []
    for path, label, _icon in NAV:
        if roles.may(who, page_action(label)):
            paths.append("/" if path == "app.py" else "/" + Path(path).stem)
    if roles.may(who, page_action("Order Profile")):
        paths.append(f"/order?id={order_id}")
    if roles.may(who, page_action("Client Profile")):
        paths.append(f"/client?id={client_id}")
    return paths


def check_pages(pg, url: str, paths: list[str]) -> dict[str, list[dict]]:
    found = {}
    for path in paths:
        pg.goto(url + path)
        wait_for_app(pg)
        violations = new_violations(pg)
        if violations:
            found[path] = violations
    return found


@pytest.mark.parametrize("who", [CSR, FULFILLMENT, MANAGER, ADMIN], ids=lambda p: p.role)
def test_every_page_has_no_wcag_violation_for_each_role(server, browser, demo_sql, who):
    assert AXE.exists(), "axe-core is not installed: run scripts/ensure-axe.sh"
    order_id = demo_sql("SELECT max(order_id) FROM orders WHERE status = 'Shipped' AND archived_at IS NULL")
    client_id = demo_sql("SELECT client_id FROM orders WHERE order_id = ?", [order_id])
    pg = new_page(browser)
    try:
        sign_in(pg, server, who)
        found = check_pages(pg, server, pages_for(who, order_id, client_id))
    finally:
        pg.context.close()
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


def test_the_sign_in_page_has_no_wcag_violation(server, browser):
    pg = new_page(browser)
    try:
        found = check_pages(pg, server, ["/"])
    finally:
        pg.context.close()
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)
