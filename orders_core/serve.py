"""`make run`: serve the app, with a local demo sign-in only for demo data on this machine.

With ``[auth]`` in ``.streamlit/secrets.toml`` the app signs in through that provider (README, Deploying) and
this only starts the app's server. Without it, it starts the demo OpenID provider (``oidc-provider-mock``)
on 127.0.0.1 with the four demo people, writes ``.streamlit/demo-secrets.toml`` (git-ignored) pointing
Streamlit at it with a fresh random cookie secret, starts the app's server with that secrets file, and
prints how to sign in. The demo sign-in lets anyone at this machine in as any demo person, so it is offered
only when both hold; otherwise nothing starts, and one sentence on stderr names what to configure (exit 2):

- the database is demo data: ``orders-core demo`` marked it so (``storage.demo_mark``); a database made by
  ``orders-core init``, or any other, needs the licence holder's own identity provider;
- the app is served on this machine only: ``ORDERS_ADDRESS`` unset or a loopback address (``127.0.0.1``,
  ``localhost``, ``::1``); a LAN address or ``0.0.0.0`` needs the licence holder's own identity provider.

The demo provider (``run_demo_provider``, a process of its own) is ``oidc-provider-mock`` with these changes:
its sign-in page offers only the demo people, one button each, and refuses any other subject (no typed
e-mail: ``ADMIN@Demo.Example`` is not ``admin@demo.example``); its user-editing and token-revoking endpoints
(``PUT /users/<sub>``, ``POST /users/<sub>/revoke-tokens``) and client registration answer 403 to everyone;
its end-session page sends the browser back only to a loopback address; its pages load nothing from another
site and may not be framed; Werkzeug's interactive debugger is off. Its tokens last an hour
(``--token-max-age``), and the app honours their expiry (``ui.session``).

The app's server (decision): Streamlit's ``st.App`` (``ui/asgi.py``, run by ``streamlit run``) with the
app's own HTTP middleware (``ui.http_guard``): a content-security policy and anti-framing headers on every
response, and uploads and downloaded files refused without a live sign-in. ``streamlit run app.py`` still
serves the app, without them.

Safe defaults: served on 127.0.0.1 unless ``ORDERS_ADDRESS`` names another address; Streamlit's XSRF
protection stays on (it is forced on whenever ``[auth]`` is configured); uploads are limited in
``.streamlit/config.toml``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlparse

from orders_core.staff.members import DEMO_STAFF
from orders_core.storage.database import default_db_path, open_database
from orders_core.storage.demo_mark import is_demo
from orders_core.storage.errors import DatabaseError

ROOT = Path(__file__).resolve().parents[1]
SECRETS = ROOT / ".streamlit" / "secrets.toml"
DEMO_SECRETS = ROOT / ".streamlit" / "demo-secrets.toml"
SERVER_SCRIPT = ROOT / "ui" / "asgi.py"  # the app with its HTTP middleware (st.App)
DEMO_CLIENT_ID = "orders-demo"
DEMO_PEOPLE = tuple((p.email, p.name) for p in DEMO_STAFF)
TOKEN_MAX_AGE = 3600  # seconds an ID token of the demo provider lasts
CONFIGURE = ("configure your organisation's OpenID Connect provider under [auth] in .streamlit/secrets.toml "
             "(docs/deploying.md)")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def auth_configured(path: Path = SECRETS) -> bool:
    """Whether the licence holder's secrets file configures an identity provider."""
    try:
        return "auth" in tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False


def is_loopback(address: str) -> bool:
    """Whether ``address`` (a host to serve on) is this machine only."""
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def demo_sign_in_problem(database: str, address: str) -> str | None:
    """Why the demo sign-in may not serve ``database`` on ``address`` (one sentence), or None when it may."""
    if not is_loopback(address):
        return (f"The demo sign-in serves only this machine, so the app was not started on {address}: "
                f"{CONFIGURE}, or leave ORDERS_ADDRESS unset to serve 127.0.0.1.")
    try:
        db = open_database(database, create=False, read_only=True)
    except DatabaseError as exc:
        return str(exc)
    try:
        cur = db.cursor()
        demo = is_demo(cur)
        cur.close()
    finally:
        db.close()
    if not demo:
        shown = getattr(db, "path", database)
        return (f"{shown} is not a demo database (`orders-core demo` makes one) and no sign-in is configured, "
                f"so the app was not started: {CONFIGURE}.")
    return None


# --------------------------------------------------------------------------- the demo identity provider

def start_demo_provider(host: str = "127.0.0.1", port: int | None = None, timeout: float = 30, *,
                        people: Iterable[tuple[str, str]] = DEMO_PEOPLE,
                        token_max_age: int = TOKEN_MAX_AGE) -> tuple[subprocess.Popen, str]:
    """Start the demo OpenID provider for ``people`` (e-mail, name); returns the process and its base URL.

    Only on a loopback address (``ValueError`` otherwise)."""
    if not is_loopback(host):
        raise ValueError(f"The demo identity provider serves only this machine, not {host}.")
    port = port or free_port(host)
    args = [sys.executable, "-m", "orders_core.serve", "--demo-provider", "--host", host, "--port", str(port),
            "--token-max-age", str(int(token_max_age)), "--people", json.dumps(list(people))]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://{host}:{port}"
    if not answers(proc, url + "/.well-known/openid-configuration", timeout):
        if proc.poll() is not None:
            raise RuntimeError(f"The demo identity provider stopped at once (exit code {proc.returncode}).")
        proc.kill()
        raise RuntimeError(f"The demo identity provider did not answer on {url} within {timeout:.0f} s.")
    return proc, url


_AUTHORIZE_FORM = """{% extends "_base.html" %}
{% block content %}
<h1>Demo sign-in</h1>
<p>This is the Orders module's demo identity provider: it signs in only the demo people, on this machine.
Choose one.</p>
<form method="post" aria-label="Demo people">
<ul class="people">
{% for sub, name in people %}
  <li><button type="submit" name="sub" value="{{ sub }}">{{ sub }}</button> <span>{{ name }}</span></li>
{% endfor %}
</ul>
</form>
<form method="post"><button type="submit" name="action" value="deny" class="secondary">Deny</button></form>
<p class="note">You will be sent back to {{ redirect_uri }}</p>
{% endblock %}
"""
_BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo sign-in</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; padding: 0 1rem; color: #111; }
button { font: inherit; padding: 0.4rem 0.8rem; margin: 0.2rem 0; cursor: pointer; }
.people { list-style: none; padding: 0; } .note { color: #444; }
</style></head>
<body><main>{% block content %}{{ content }}{% endblock %}</main></body></html>
"""
_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                       "frame-ancestors 'none'; base-uri 'none'"}


def demo_provider_app(people: Iterable[tuple[str, str]], token_max_age: int = TOKEN_MAX_AGE):
    """The demo provider's WSGI app: ``oidc-provider-mock`` limited as the module's docstring says."""
    # Imported here only: the provider runs in a process of its own, and the app's server never loads them.
    from datetime import timedelta

    import flask
    import jinja2
    from oidc_provider_mock import User, app

    people = [(str(email), str(name)) for email, name in people]
    allowed = {email for email, _ in people}
    provider = app(user_claims=[User(sub=email, claims={"email": email, "email_verified": True, "name": name})
                                for email, name in people],
                   access_token_max_age=timedelta(seconds=token_max_age))
    provider.debug = False
    provider.wsgi_app = getattr(provider.wsgi_app, "app", provider.wsgi_app)  # no Werkzeug debugger
    provider.jinja_loader = jinja2.ChoiceLoader([
        jinja2.DictLoader({"_base.html": _BASE, "authorization_form.html": _AUTHORIZE_FORM}),
        provider.jinja_loader,
    ])

    @provider.context_processor
    def demo_people():
        return {"people": people}

    @provider.before_request
    def guard():
        request = flask.request
        if request.path.startswith("/users/") or request.path == "/oauth2/clients":
            return flask.Response("The demo people cannot be changed.", 403, mimetype="text/plain")
        if request.path == "/oauth2/authorize" and request.method == "POST" \
                and request.form.get("action") != "deny" and request.form.get("sub") not in allowed:
            return flask.Response("Only the demo people can sign in here.", 403, mimetype="text/plain")
        if request.path == "/oauth2/end_session/confirm":
            back = request.form.get("redirect_uri")
            if back is not None and not _loopback_http(back):
                return flask.Response("The demo sign-in only sends you back to this machine.", 403,
                                      mimetype="text/plain")
        return None

    @provider.after_request
    def headers(response):
        for name, value in _HEADERS.items():
            response.headers[name] = value
        return response

    return provider


def _loopback_http(url: str) -> bool:
    try:
        parsed = urlparse(url)
        return parsed.scheme in ("http", "https") and is_loopback(parsed.hostname or "")
    except ValueError:
        return False


def run_demo_provider(host: str, port: int, people: Iterable[tuple[str, str]], token_max_age: int) -> None:
    """Serve the demo provider (blocks); what ``start_demo_provider`` runs in a process of its own."""
    import uvicorn  # only in the demo provider's own process

    if not is_loopback(host):
        raise SystemExit(f"The demo identity provider serves only this machine, not {host}.")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain http on this machine only
    uvicorn.run(demo_provider_app(people, token_max_age), interface="wsgi", host=host, port=port,
                log_config=None, log_level="warning")


def answers(proc: subprocess.Popen, url: str, timeout: float) -> bool:
    """Wait until ``url`` answers 200 (True), or ``proc`` stops or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def demo_secrets(provider_url: str, app_host: str = "localhost") -> str:
    """The secrets file for the demo: Streamlit's [auth] pointing at the demo provider.

    ``{port}`` in ``redirect_uri`` is Streamlit's own placeholder for the port it serves on.
    """
    cookie_secret = secrets.token_urlsafe(32)
    return (
        "# Written by `make run` (orders_core/serve.py) for the demo sign-in; git-ignored; made anew each run.\n"
        "[auth]\n"
        f'redirect_uri = "http://{app_host}:{{port}}/oauth2callback"\n'
        f'cookie_secret = "{cookie_secret}"\n'
        f'client_id = "{DEMO_CLIENT_ID}"\n'
        'client_secret = "demo-client-secret"\n'
        f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"\n'
        "\n[orders_demo]\n"
        'provider = "oidc-provider-mock"\n'
    )


def write_demo_secrets(path: Path, provider_url: str, app_host: str = "localhost") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(demo_secrets(provider_url, app_host), encoding="utf-8")
    path.chmod(0o600)
    return path


def streamlit_args(port: int, address: str, secrets_file: Path | None) -> list[str]:
    """The command that serves the app (``ui/asgi.py``: the pages behind the app's HTTP middleware)."""
    args = [sys.executable, "-m", "streamlit", "run", str(SERVER_SCRIPT), "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    if secrets_file is not None:
        args += ["--secrets.files", str(secrets_file)]
    return args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orders_core.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--demo-provider", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--people", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--token-max-age", type=int, default=TOKEN_MAX_AGE, help=argparse.SUPPRESS)
    parser.add_argument("--demo-secrets", type=Path, default=DEMO_SECRETS, help=argparse.SUPPRESS)  # tests
    args = parser.parse_args(argv)
    if args.demo_provider:
        people = [tuple(p) for p in json.loads(args.people)] if args.people else list(DEMO_PEOPLE)
        run_demo_provider(args.host, args.port, people, args.token_max_age)
        return 0
    address = os.environ.get("ORDERS_ADDRESS", "127.0.0.1")
    browse_host = "localhost" if is_loopback(address) else (
        socket.gethostname() if address == "0.0.0.0" else address)
    provider = None
    secrets_file = None
    if not auth_configured():
        problem = demo_sign_in_problem(default_db_path(), address)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the demo provider too (the finally below)
    if not auth_configured():
        provider, provider_url = start_demo_provider(token_max_age=args.token_max_age)
        secrets_file = write_demo_secrets(args.demo_secrets, provider_url, browse_host)
        print(f"\nDemo sign-in: no [auth] in {SECRETS.relative_to(ROOT)}, so this run signs in through a demo "
              f"identity provider at {provider_url}.\nOpen http://{browse_host}:{args.port}, press Sign in, "
              "and choose one of these people:")
        for p in DEMO_STAFF:
            print(f"  {p.email:<28} {p.name:<18} {p.role}")
        print()
    server = None
    try:
        server = subprocess.Popen(streamlit_args(args.port, address, secrets_file), cwd=ROOT)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in (server, provider):  # the app's server, then the demo provider
            if child is not None and child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()


if __name__ == "__main__":
    sys.exit(main())
