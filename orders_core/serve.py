"""`make run`: serve the app, with a local demo sign-in when no identity provider is configured.

With ``[auth]`` in ``.streamlit/secrets.toml`` the app signs in through that provider (README,
Deploying) and this only starts Streamlit. Without it, it starts the demo OpenID provider
(``oidc-provider-mock``) on this machine with one demo person per role, writes
``.streamlit/demo-secrets.toml`` (git-ignored) pointing Streamlit at it with a fresh random cookie
secret, starts Streamlit with that secrets file, and prints how to sign in.

Safe defaults: served on 127.0.0.1 unless ``ORDERS_ADDRESS`` names another address (a LAN address,
or 0.0.0.0 for every interface); Streamlit's XSRF protection stays on (it is forced on whenever
``[auth]`` is configured); uploads are limited in ``.streamlit/config.toml``.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path

from orders_core.staff.members import DEMO_STAFF

ROOT = Path(__file__).resolve().parents[1]
SECRETS = ROOT / ".streamlit" / "secrets.toml"
DEMO_SECRETS = ROOT / ".streamlit" / "demo-secrets.toml"
DEMO_CLIENT_ID = "orders-demo"


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


def start_demo_provider(host: str = "127.0.0.1", port: int | None = None,
                        timeout: float = 30) -> tuple[subprocess.Popen, str]:
    """Start the demo OpenID provider with the demo people; returns the process and its base URL."""
    port = port or free_port(host)
    args = [sys.executable, "-m", "oidc_provider_mock", "--host", host, "--port", str(port)]
    for p in DEMO_STAFF:
        args += ["--user-claims", json.dumps({"sub": p.email, "email": p.email, "email_verified": True,
                                              "name": p.name})]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://{host}:{port}"
    if not answers(proc, url + "/.well-known/openid-configuration", timeout):
        if proc.poll() is not None:
            raise RuntimeError(f"The demo identity provider stopped at once (exit code {proc.returncode}).")
        proc.kill()
        raise RuntimeError(f"The demo identity provider did not answer on {url} within {timeout:.0f} s.")
    return proc, url


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
    args = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    if secrets_file is not None:
        args += ["--secrets.files", str(secrets_file)]
    return args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orders_core.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501)
    args = parser.parse_args(argv)
    address = os.environ.get("ORDERS_ADDRESS", "127.0.0.1")
    browse_host = "localhost" if address in ("127.0.0.1", "localhost") else (
        socket.gethostname() if address == "0.0.0.0" else address)
    provider = None
    secrets_file = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the demo provider too (the finally below)
    if not auth_configured():
        provider, provider_url = start_demo_provider(host="127.0.0.1" if address == "127.0.0.1" else address)
        provider_url = provider_url.replace("://0.0.0.0:", f"://{browse_host}:")
        secrets_file = write_demo_secrets(DEMO_SECRETS, provider_url, browse_host)
        print(f"\nDemo sign-in: no [auth] in {SECRETS.relative_to(ROOT)}, so this run signs in through a demo "
              f"identity provider at {provider_url}.\nOpen http://{browse_host}:{args.port}, press Sign in, "
              "and choose one of these people:")
        for p in DEMO_STAFF:
            print(f"  {p.email:<28} {p.name:<18} {p.role}")
        print()
    try:
        return subprocess.call(streamlit_args(args.port, address, secrets_file))
    except KeyboardInterrupt:
        return 0
    finally:
        if provider is not None:
            provider.terminate()
            try:
                provider.wait(timeout=10)
            except subprocess.TimeoutExpired:
                provider.kill()


if __name__ == "__main__":
    sys.exit(main())
