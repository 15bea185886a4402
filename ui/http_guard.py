"""The app's HTTP middleware (``ui/asgi.py``): security headers on every response, and the two HTTP doors that
bypass the pages' sign-in gate closed to anyone without a live sign-in.

Headers (decisions):
- ``Content-Security-Policy``: everything from this server only (``default-src 'self'``); scripts only the
  app's own files and the one inline script of Streamlit's ``index.html``, allowed by its SHA-256 (read from
  the installed Streamlit, so an upgrade keeps working) and the app's own focus script
  (``ui.components.scan_focus``, by its SHA-256), plus ``'wasm-unsafe-eval'`` (Streamlit's protobuf
  decoder compiles a small WebAssembly module for 64-bit numbers; it allows WebAssembly only, never
  JavaScript's ``eval``); styles also inline (Streamlit's emotion CSS and the
  tables of links are ``<style>`` elements); images, fonts and workers also ``data:`` and ``blob:`` URLs
  (Streamlit's icons, charts and downloads); no plugins; forms and ``<base>`` only to this server; and
  ``frame-ancestors 'none'``: no other page may frame the app (clickjacking).
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``; ``X-Content-Type-Options:
  nosniff``; ``Referrer-Policy: same-origin`` (an order's URL never leaves in a Referer header).
- ``Cache-Control: no-store`` on downloaded files (``/media/``): an export is never kept by a browser or a
  proxy cache.

Doors (decision): Streamlit stores an upload (``PUT /_stcore/upload_file/<session>/<file>``) for any open
session, signed in or not, and serves a generated file (``GET /media/<id>``) to anyone who has its URL.
Both answer 403 unless the request carries the identity cookie of a live sign-in (``staff.sign_ins``: not
signed out, idle or expired) of a person active on the staff list now. The pages and the WebSocket keep
their own gate (``ui.frame``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import cache
from pathlib import Path

import anyio
import streamlit
from starlette.requests import cookie_parser  # how Streamlit's own routes read cookies
from streamlit import config
from streamlit.web.server.starlette.starlette_websocket import _get_signed_cookie_with_chunks

from ui.components.scan_focus import SCRIPT_HASHES
from ui.session import live_sign_in

USER_COOKIE = "_streamlit_user"
UPLOADS = "/_stcore/upload_file/"
MEDIA = "/media/"


@cache
def inline_script_hashes() -> tuple[str, ...]:
    """``'sha256-…'`` sources for the inline scripts of the installed Streamlit's ``index.html``."""
    html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    return tuple(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode()}'"
                 for s in scripts if s.strip())


@cache
def content_security_policy() -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval' " + " ".join(inline_script_hashes() + SCRIPT_HASHES),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", content_security_policy().encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]
    if path.startswith(MEDIA):
        headers.append((b"cache-control", b"no-store"))
    return headers


def _cookies(scope) -> dict[str, str]:
    jar: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar.update(cookie_parser(value.decode("latin-1")))
    return jar


def signed_in_claims(cookies: dict[str, str]) -> dict | None:
    """The identity cookie's claims when it is signed with this server's secret and says signed in, else None."""
    try:
        raw = _get_signed_cookie_with_chunks(cookies, USER_COOKIE)
        claims = json.loads(raw) if raw else None
    except Exception:  # unsigned, tampered with, or not JSON
        return None
    return claims if isinstance(claims, dict) and claims.get("is_logged_in") is True else None


def _base_path() -> str:
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def guarded(method: str, path: str) -> bool:
    """Whether the request opens a door that needs a live sign-in."""
    return (path.startswith(UPLOADS) and method in ("PUT", "POST")) or path.startswith(MEDIA)


class HttpGuard:
    """ASGI middleware: the module's headers on every HTTP response; its doors closed to the signed-out."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        base = _base_path()
        if base and path.startswith(base):
            path = path[len(base):] or "/"
        extra = security_headers(path)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {name for name, _ in extra}
                message["headers"] = [(n, v) for n, v in message.get("headers", []) if n.lower() not in names] + extra
            await send(message)

        if guarded(scope.get("method", "GET"), path):
            claims = signed_in_claims(_cookies(scope))
            allowed = claims is not None and await anyio.to_thread.run_sync(live_sign_in, claims)
            if not allowed:
                await _refuse(send_with_headers)
                return
        await self.app(scope, receive, send_with_headers)


async def _refuse(send) -> None:
    body = b"Sign in first."
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
