"""`python -m orders_core.serve` with no [auth]: the demo sign-in only for a demo database on 127.0.0.1, else one
sentence and exit 2; the demo provider signs in only the demo people and its users cannot be changed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from orders_core.cli.main import main as orders_core
from orders_core.serve import (
    DEMO_PEOPLE,
    ROOT,
    SECRETS,
    answers,
    auth_configured,
    free_port,
    start_demo_provider,
)

pytestmark = pytest.mark.skipif(auth_configured(SECRETS), reason="this checkout's .streamlit/secrets.toml has [auth]")


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    assert orders_core(["demo", "--orders", "50", "--db", str(folder / "demo.duckdb")]) == 0
    assert orders_core(["init", "--db", str(folder / "init.duckdb")]) == 0
    return folder


def serve(db: Path, tmp_path: Path, **env) -> subprocess.Popen:
    port = free_port()
    return subprocess.Popen(
        [sys.executable, "-m", "orders_core.serve", "--port", str(port), "--demo-secrets", str(tmp_path / "s.toml")],
        cwd=ROOT, env={**os.environ, "ORDERS_DB": str(db), "ORDERS_RECURRING_JOB": "0", **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), port


def one_sentence(text: str) -> str:
    text = text.strip()
    assert "\n" not in text and text.endswith("."), text
    assert not re.search(r"[.!?]\s+[A-Z]", text), f"more than one sentence: {text}"
    return text


def test_an_init_database_without_auth_is_refused_in_one_sentence(databases, tmp_path):
    proc, _ = serve(databases / "init.duckdb", tmp_path)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    said = one_sentence(err)
    assert "is not a demo database" in said and "[auth] in .streamlit/secrets.toml" in said
    assert not (tmp_path / "s.toml").exists()  # no demo provider, no demo secrets


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.20"])
def test_the_demo_sign_in_is_refused_beyond_this_machine(databases, tmp_path, address):
    proc, _ = serve(databases / "demo.duckdb", tmp_path, ORDERS_ADDRESS=address)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    said = one_sentence(err)
    assert f"not started on {address}" in said and "[auth]" in said


def test_a_missing_database_is_one_sentence(tmp_path):
    proc, _ = serve(tmp_path / "nothing.duckdb", tmp_path)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "does not exist" in one_sentence(err)


def test_a_demo_database_starts_with_the_apps_headers_and_closed_doors(databases, tmp_path):
    proc, port = serve(databases / "demo.duckdb", tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        assert answers(proc, url + "/_stcore/health", 90), proc.stderr.read() if proc.poll() is not None else ""
        with urllib.request.urlopen(url + "/") as page:
            headers = page.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        for path, method in (("/media/abc.csv", "GET"), ("/_stcore/upload_file/some-session/some-file", "PUT")):
            request = urllib.request.Request(url + path, data=b"x" if method == "PUT" else None, method=method)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request)
            assert refused.value.code == 403, path
        secrets = (tmp_path / "s.toml").read_text()
        provider = re.search(r'server_metadata_url = "(http://127\.0\.0\.1:\d+)/', secrets).group(1)
        assert json.load(urllib.request.urlopen(provider + "/.well-known/openid-configuration"))["issuer"] == provider
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    time.sleep(1)
    for stopped in (url + "/_stcore/health", provider + "/.well-known/openid-configuration"):
        with pytest.raises(OSError):
            urllib.request.urlopen(stopped, timeout=2)  # the app's server and the provider stopped with it


def _post(url: str, data: bytes, method: str = "POST", ctype: str = "application/x-www-form-urlencoded"):
    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": ctype})
    try:
        with urllib.request.build_opener(Stay).open(request) as r:
            return r.status, r.headers.get("Location")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location")


@pytest.fixture(scope="module")
def provider():
    proc, url = start_demo_provider()
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_the_demo_provider_signs_in_only_the_demo_people(provider):
    authorize = json.load(urllib.request.urlopen(provider + "/.well-known/openid-configuration"))[
        "authorization_endpoint"]
    query = "?" + urllib.parse.urlencode({"client_id": "orders-demo", "response_type": "code", "state": "s",
                                          "redirect_uri": "http://localhost:8501/oauth2callback",
                                          "scope": "openid email profile"})
    with urllib.request.urlopen(authorize + query) as page:
        html = page.read().decode()
        assert page.headers["X-Frame-Options"] == "DENY"
    assert re.findall(r'<button type="submit" name="sub" value="([^"]+)"', html) == [e for e, _ in DEMO_PEOPLE]
    assert "<input" not in html and "cdn." not in html  # nothing to type; nothing from another site
    for typed in ("ADMIN@Demo.Example", "someone@example.com", " admin@demo.example", ""):
        assert _post(authorize + query, urllib.parse.urlencode({"sub": typed}).encode())[0] == 403, typed
    status, location = _post(authorize + query, urllib.parse.urlencode({"sub": "admin@demo.example"}).encode())
    assert status == 302 and location.startswith("http://localhost:8501/oauth2callback?code=")


def test_the_demo_providers_people_cannot_be_changed(provider):
    for path in ("/users/admin@demo.example", "/users/mallory@example.com"):
        body = json.dumps({"email": "admin@demo.example", "name": "Mallory"}).encode()
        assert _post(provider + path, body, "PUT", "application/json")[0] == 403
    assert _post(provider + "/users/admin@demo.example/revoke-tokens", b"")[0] == 403
    assert _post(provider + "/oauth2/clients", b"{}", ctype="application/json")[0] == 403


def test_the_demo_provider_sends_the_browser_back_only_to_this_machine(provider):
    end = provider + "/oauth2/end_session/confirm"
    assert _post(end, urllib.parse.urlencode({"redirect_uri": "https://evil.example/"}).encode())[0] == 403
    assert _post(end, urllib.parse.urlencode({"redirect_uri": "http://localhost:8501/oauth2callback"}).encode()) == \
        (302, "http://localhost:8501/oauth2callback")


def test_the_demo_provider_never_serves_the_network():
    with pytest.raises(ValueError):
        start_demo_provider(host="0.0.0.0")
