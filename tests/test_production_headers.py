"""Response headers of a production-mode server: gunicorn with DEBUG=False, as docker-compose.yml starts it.

A real gunicorn (reading gunicorn.conf.py from the checkout, as in the image) serves a fresh SQLite database
with the demo district in a temporary VAR_DIR, behind a pretend TLS proxy (SECURE_PROXY=true, every request
says `X-Forwarded-Proto: https`). A demo provider admin logs in; a page, a static file, a PDF, an export and
the iCal feed are asked for, and their headers checked. No assertion depends on the date or the time.
"""

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTTPS = {"X-Forwarded-Proto": "https"}
DEMO_USER, DEMO_PASSWORD = "vhs", "diepholz"  # seed_demo's provider admin; demo data only


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, port: int, env: dict[str, str], access_log: Path, output: Path):
        self.port, self.env, self.access_log, self.output = port, env, access_log, output
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, *, body: dict | None = None, headers: dict | None = None, anonymous=False
    ):
        """One request without following redirects; cookies kept (none sent when anonymous).

        Returns (status, headers, body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {**HTTPS, **(headers or {})}
        if self.cookies and not anonymous:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = f"https://127.0.0.1:{self.port}/"  # Django's CSRF check on https wants one
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("production")
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "XDG_RUNTIME_DIR"}
        and not key.startswith(("SECURE_", "SESSION_"))
    }
    env.update(
        VAR_DIR=str(tmp / "var"),
        # gunicorn's control socket goes below $HOME: never the one of another gunicorn on this machine.
        HOME=str(tmp),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"https://127.0.0.1:{port}",
        SECURE_PROXY="true",
        AXES_ENABLED="false",
        # The demo admin logs in with the password alone here; the code step is tested in tests/test_two_factor.py.
        TWO_FACTOR_REQUIRED="false",
    )
    access_log, output = tmp / "access.log", tmp / "gunicorn.log"
    server = Server(port, env, access_log, output)
    server.manage("migrate", "--noinput", "-v0")
    server.manage("seed_demo")
    # Only our own static files (the big vendor folders would take half a minute to compress).
    server.manage("collectstatic", "--noinput", "-v0", "-i", "admin", "-i", "bootstrap", "-i", "django_htmx")
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "diepholz_coord.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "1", "--access-logfile", str(access_log)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                server.request("GET", "/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{output.read_text()[-4000:]}")
                time.sleep(0.3)
        status, _headers, _body = server.request("GET", "/accounts/login/")
        assert status == 200
        status, headers, body = server.request(
            "POST",
            "/accounts/login/",
            body={"username": DEMO_USER, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": server.cookies["csrftoken"]},
        )
        assert status == 302, body.decode(errors="replace")[:2000]
        server.login_headers = headers
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _assert_common_security_headers(headers):
    """What every response carries, Django's and WhiteNoise's alike."""
    assert "Server" not in headers, headers["Server"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def _assert_django_headers(headers):
    """What every response Django produces carries on top."""
    _assert_common_security_headers(headers)
    policy = dict(
        (directive.split(" ", 1) + [""])[:2]
        for directive in (d.strip() for d in headers["Content-Security-Policy"].split(";"))
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["base-uri"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in headers["Permissions-Policy"]


def _cache_directives(headers) -> set[str]:
    return {part.strip() for part in (headers["Cache-Control"] or "").split(",")}


def test_session_cookie_is_secure_http_only_lax_and_ends_with_the_browser(server):
    cookies = [SimpleCookie(line) for line in server.login_headers.get_all("Set-Cookie")]
    session = next(cookie["sessionid"] for cookie in cookies if "sessionid" in cookie)
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    # No expiry: a browser-session cookie (the 8-hour idle limit is kept on the server's side).
    assert not session["expires"]
    assert not session["max-age"]
    csrf = next(cookie["csrftoken"] for cookie in cookies if "csrftoken" in cookie)
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"


def test_a_page_of_a_logged_in_user(server):
    status, headers, body = server.request("GET", "/teilnehmende/")
    assert status == 200
    assert b"<style" not in body and b' style="' not in body and b" onclick=" not in body
    _assert_django_headers(headers)
    assert "no-store" in _cache_directives(headers)
    assert headers["Content-Type"].startswith("text/html")


def test_a_static_file_is_cacheable_and_has_no_server_header(server):
    status, headers, _body = server.request("GET", "/static/css/app.css")
    assert status == 200
    _assert_common_security_headers(headers)
    assert "no-store" not in _cache_directives(headers)
    assert "public" in _cache_directives(headers)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/zustaendigkeiten/register.pdf", "application/pdf"),
        ("/teilnehmende/export/?format=csv", "text/csv"),
    ],
)
def test_files_with_personal_data_are_not_stored(server, path, content_type):
    status, headers, _body = server.request("GET", path)
    assert status == 200
    assert headers["Content-Type"].startswith(content_type)
    _assert_django_headers(headers)
    assert "no-store" in _cache_directives(headers)


def test_plain_http_is_redirected_without_hsts_and_server_header(server):
    status, headers, _body = server.request("GET", "/", headers={"X-Forwarded-Proto": "http"})
    assert status == 301
    assert headers["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in headers
    assert "Server" not in headers


def test_calendar_feed_keeps_its_private_cache_and_its_token_stays_out_of_the_access_log(server):
    status, _headers, body = server.request("GET", "/sitzungen/kalender/")
    assert status == 200
    status, _headers, body = server.request(
        "POST", "/sitzungen/kalender/neu/", body={"csrfmiddlewaretoken": server.cookies["csrftoken"]}
    )
    assert status == 200
    feed_path = urllib.parse.urlsplit(re.search(rb'value="([^"]+\.ics)"', body).group(1).decode()).path
    token = feed_path.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 20

    status, headers, body = server.request("GET", feed_path, anonymous=True)
    assert status == 200
    assert body.startswith(b"BEGIN:VCALENDAR")
    assert headers["Cache-Control"] == "private, max-age=300"
    assert "Server" not in headers
    status, _headers, _body = server.request("GET", "/sitzungen/ical/not-a-token.ics", anonymous=True)
    assert status == 404

    deadline = time.monotonic() + 10  # gunicorn writes the line after the response
    # Both lines (the feed and the unknown token), however loaded the machine.
    while server.access_log.read_text().count("/sitzungen/ical/[token]") < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    access_log = server.access_log.read_text()
    assert access_log.count("/sitzungen/ical/[token]") >= 2
    assert token not in access_log
    assert "not-a-token" not in access_log
    # Django's own log ("Not Found: …") is masked as well.
    assert "not-a-token" not in server.output.read_text()


def test_the_image_starts_gunicorn_with_this_configuration():
    """gunicorn reads ./gunicorn.conf.py: it must be in the image's working directory, and no command line may
    name another configuration."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^WORKDIR /app$", dockerfile, re.M)
    assert re.search(r"^COPY \. \.$", dockerfile, re.M)
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()}
    assert not ignored & {"gunicorn.conf.py", "*.py", "/gunicorn.conf.py"}
    for path in ("Dockerfile", "docker-compose.yml", "Procfile.dev"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert "gunicorn" in text
        assert not re.search(r"gunicorn[^\n]*(\s-c\s|--config)", text), path
