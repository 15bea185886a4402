"""The Access Log page (AppTest): the pages' openings are on it for an administrator, filtered and paged on the
server; every other role is refused in one sentence."""

from __future__ import annotations

import pytest

from tests.app.pages import ADMIN, CSR, FULFILLMENT, MANAGER, app_page

PAGE = "pages/audit.py"


def run(page: str, user, **params):
    at = app_page(page, user=user)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_an_administrator_sees_who_opened_what(app_db):
    run("pages/client.py", CSR, id="1001")
    run("pages/client.py", CSR, id="1002")
    run("pages/order.py", MANAGER, id="100001")
    at = run(PAGE, ADMIN)
    frame = at.dataframe[0].value
    assert list(frame["Opened"]) == ["order", "client profile", "client profile"]
    assert list(frame["Who"]) == [f"{MANAGER.name} ({MANAGER.email})", *[f"{CSR.name} ({CSR.email})"] * 2]
    assert list(frame["Client ID"])[1:] == [1002, 1001] and frame["Order ID"].iloc[0] == 100001
    assert "**3 rows**" in [m.value for m in at.markdown]

    at.text_input(key="audit_client").input("1001").run()
    only = at.dataframe[0].value
    assert set(only["Client ID"]) == {1001} and list(only["Opened"])[-1] == "client profile"
    at.text_input(key="audit_client").input("").run()
    at.selectbox(key="audit_person").select(MANAGER.email).run()
    assert list(at.dataframe[0].value["Opened"]) == ["order"]
    at.text_input(key="audit_client").input("abc").run()
    assert [e.value for e in at.error] == ["A client id is a number such as 1001."]


@pytest.mark.parametrize("who", [CSR, FULFILLMENT, MANAGER], ids=lambda p: p.role)
def test_every_other_role_is_refused(app_db, who):
    at = run(PAGE, who)
    assert not at.dataframe
    assert [e.value for e in at.error] == [f"{'An' if who.role[0] in 'AEIOU' else 'A'} {who.role} may not read the "
                                           "access log. Ask an administrator if you need it."]
