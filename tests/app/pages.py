"""Open a page as the server does: app.py is the main script, pages/ its other pages (folder mode).

Every page is behind the sign-in gate: ``app_page`` signs in the demo CSR (``st.user`` as the
identity provider would give it), or ``user`` (a staff ``Person``, or ``None`` for signed out).
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from orders_core.rules.roles import Person
from orders_core.staff.members import DEMO_STAFF

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
DEMO = {p.role: p for p in DEMO_STAFF}
CSR, FULFILLMENT, MANAGER, ADMIN = (DEMO[r] for r in ("CSR", "Fulfillment Associate", "Operations Manager",
                                                      "Administrator"))
SIGNED_OUT = None


def signed_in(user: Person | None) -> dict:
    """``st.user`` for ``user`` as the identity provider's claims give it (None: signed out)."""
    if user is None:
        return {"is_logged_in": False}
    return {"is_logged_in": True, "email": user.email, "name": user.name}


def app_page(page: str = "app.py", timeout: float = 30, user: Person | None = CSR) -> AppTest:
    """An AppTest of ``page`` ("app.py" or "pages/NAME.py") run through app.py, with the shared frame,
    signed in as ``user`` (the demo CSR unless told otherwise)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.user = signed_in(user)
    if page != "app.py":
        at.switch_page(page)
    return at
