"""Every page (app.py and each file of pages/, found on disk, so a new page is fuzzed without being listed here),
opened with generated URL parameters by someone whose role may open it, and signed out: at most one sentence,
never a traceback, and the database unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders_core.rules import roles
from tests.app.pages import ADMIN, CSR, FULFILLMENT, MANAGER, ROOT, SIGNED_OUT, app_page
from tests.checksums import checksum
from ui.frame import NAV, page_action

PAGES = ["app.py", *sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))]
TITLES = {path: label for path, label, _icon in NAV} | {"pages/order.py": "Order Profile",
                                                        "pages/client.py": "Client Profile"}
KEYS = ["id", "q", "tab", "page", "size", "view", "sort", "dir", "status", "source", "carrier", "from", "to",
        "range", "category", "group", "next", "kind"]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
VALUE = st.one_of(
    TEXT,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "0", "1001", "100001", "#100001", " 100001 ", "/order?id=100001", "http://x/client?id=1",
                     "²", "٣", "9" * 25, "2026-02-30", "All", "recurring", "//evil.example/", "x" * 600, "\x00"]),
)
PARAMS = st.dictionaries(st.one_of(st.sampled_from(KEYS), TEXT.filter(bool)),
                         st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3)), max_size=4)


def who_may_open(page: str):
    """A demo person whose role opens ``page`` (the least powerful first)."""
    action = page_action(TITLES.get(page, ""))
    return next(p for p in (CSR, FULFILLMENT, MANAGER, ADMIN) if roles.may(p, action))


def at_most_one_sentence(page: str, user, params: dict) -> None:
    at = app_page(page, user=user)
    at.query_params.update(params)
    at.run()
    assert not at.exception, (page, params, [e.value for e in at.exception])
    said = [e.value for e in (*at.error, *at.warning)]
    assert len(said) <= 1, (page, params, said)
    for sentence in said:
        assert "Traceback" not in sentence and len(sentence) < 500, (page, params, sentence[:200])


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed in", "signed out"])
@pytest.mark.parametrize("page", PAGES)
def test_any_url_parameters_on_every_page(fuzz_db, page, signed_in):
    user = who_may_open(page) if signed_in else SIGNED_OUT
    before = checksum(fuzz_db)

    @settings(max_examples=3, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(params=PARAMS)
    def check(params):
        at_most_one_sentence(page, user, params)

    check()
    assert checksum(fuzz_db) == before


def test_every_page_file_is_fuzzed():
    assert {"app.py", "pages/products.py", "pages/import.py", "pages/staff.py"} <= set(PAGES)
    assert all(Path(ROOT / p).exists() for p in PAGES)
