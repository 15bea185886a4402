"""The app's server: ``streamlit run ui/asgi.py`` (what ``python -m orders_core.serve`` runs).

Streamlit's ``st.App`` serving the pages (``app.py`` and ``pages/``, folder mode as ever) behind the app's HTTP
middleware (``ui.http_guard``: security headers, and uploads and downloads only for a live sign-in).
``streamlit run`` finds ``app`` below and runs it; this file is not a page.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# `streamlit run` put this folder first on the path; the pages import `ui.…` from the project's root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from ui.http_guard import HttpGuard  # noqa: E402

app = st.App(ROOT / "app.py", middleware=[Middleware(HttpGuard)])
