"""Security headers, sessions and log masking through Django's test client; templates free of inline code.

The production server (gunicorn, DEBUG=False, TLS proxy) is tested in test_production_headers.py, the
browser's view of the policy (0 violations) in e2e/test_csp.py.
"""

import datetime
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diepholz_coord.log_masking import CalendarTokenFilter, mask_calendar_tokens
from diepholz_coord.middleware_headers import permissions_policy_header
from diepholz_coord.middleware_session import REFRESHED_AT, session_refresh_due
from meetings import services as meeting_services

ROOT = Path(__file__).resolve().parents[1]


def _directives(header: str) -> dict[str, str]:
    parts = (directive.strip().split(" ", 1) for directive in header.split(";"))
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_pages_carry_the_policies_and_are_not_stored(world, login):
    response = login(world.users.a_admin).get(reverse("participants:participant_list"))
    assert response.status_code == 200
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["frame-ancestors"] == policy["base-uri"] == policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["Permissions-Policy"].startswith("accelerometer=(), camera=()")
    assert "microphone=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_htmx_partials_and_error_pages_are_not_stored(world, login):
    client = login(world.users.a_admin)
    response = client.get(reverse("courses:course_list"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    response = client.get(reverse("participants:participant_detail", args=[999_999]))
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"


def test_a_view_that_sets_its_own_cache_header_keeps_it(world, client):
    token = meeting_services.calendar_token_create(user=world.users.coordinator)
    response = client.get(reverse("meetings:ical_feed", args=[token]))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, max-age=300"
    assert "Permissions-Policy" in response.headers


def test_sessions_end_with_the_browser_and_after_eight_idle_hours(world, client):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    client.force_login(world.users.a_admin)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert client.session.get_expiry_age() == 8 * 3600
    # Logged in just now: the first pages write nothing to the session table.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert settings.SESSION_COOKIE_NAME not in response.cookies

    # The last save an interval ago: the next request saves the session, its deadline 8 hours from now.
    session = client.session
    stamp = session[REFRESHED_AT] - settings.SESSION_REFRESH_SECONDS
    session[REFRESHED_AT] = stamp
    session.save()
    # An earlier deadline, as if saved 7 hours ago.
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(hours=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 200
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie
    stored = Session.objects.get(session_key=session.session_key)
    remaining = (stored.expire_date - timezone.now()).total_seconds()
    assert 8 * 3600 - 60 < remaining <= 8 * 3600
    assert client.session[REFRESHED_AT] > stamp


@pytest.mark.parametrize(
    ("stored", "now", "due"),
    [
        (None, 1_000_000, True),
        ("junk", 1_000_000, True),
        (1_000_000, 1_000_000, False),
        (1_000_000, 1_000_299, False),
        (1_000_000, 1_000_300, True),
        (1_000_000, 999_000, True),  # a stamp from the future (clock changed): refresh
    ],
)
def test_session_refresh_is_due_after_the_interval(settings, stored, now, due):
    settings.SESSION_REFRESH_SECONDS = 300
    session = {} if stored is None else {REFRESHED_AT: stored}
    assert session_refresh_due(session, now=now) is due


def test_anonymous_requests_create_no_session(client, db):
    client.get(reverse("login"))
    client.cookies[settings.SESSION_COOKIE_NAME] = "stale-session-key-of-an-expired-login"
    client.get(reverse("login"))
    assert not Session.objects.exists()


def test_permissions_policy_header_format():
    assert permissions_policy_header({"camera": [], "fullscreen": ["self"]}) == "camera=(), fullscreen=(self)"
    assert permissions_policy_header({}) == ""


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("GET /sitzungen/ical/AbC-123_xyz.ics HTTP/1.1", "GET /sitzungen/ical/[token] HTTP/1.1"),
        ("Not Found: /sitzungen/ical/%00.ics", "Not Found: /sitzungen/ical/[token]"),
        ('"GET /sitzungen/ical/tok.ics?x=1 HTTP/1.1"', '"GET /sitzungen/ical/[token]?x=1 HTTP/1.1"'),
        ("GET /sitzungen/kalender/ HTTP/1.1", "GET /sitzungen/kalender/ HTTP/1.1"),
    ],
)
def test_calendar_tokens_are_masked(line, masked):
    assert mask_calendar_tokens(line) == masked


def test_log_filter_masks_the_formatted_message():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/sitzungen/ical/s3cr3t.ics",), None
    )
    assert CalendarTokenFilter().filter(record) is True
    assert record.getMessage() == "Not Found: /sitzungen/ical/[token]"
    assert "s3cr3t" not in logging.Formatter("%(message)s").format(record)


def test_the_console_handler_masks_tokens():
    assert "calendar_tokens" in settings.LOGGING["handlers"]["console"]["filters"]


# --- Templates: no inline script, style or event handler (the policy would block them) -----------------------

# WeasyPrint's PDF templates (pdf/ folders, *_pdf.html) are rendered on the server and never reach a browser:
# their <style> stays.
PDF_FOLDER = re.compile(r"(^|/)pdf/|_pdf\.html$")
INLINE = {
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "htmx hx-on (needs eval)": re.compile(r"\shx-on", re.I),
}


def _browser_templates() -> list[Path]:
    folders = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
    return [
        path
        for folder in folders
        for path in sorted(folder.rglob("*.html"))
        if not PDF_FOLDER.search(path.relative_to(folder).as_posix())
    ]


def test_templates_have_no_inline_script_style_or_handlers():
    templates = _browser_templates()
    assert len(templates) > 50
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in templates
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)


def test_htmx_neither_injects_its_style_nor_evals():
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", base).group(1)
    assert '"includeIndicatorStyles": false' in config
    assert '"allowEval": false' in config
