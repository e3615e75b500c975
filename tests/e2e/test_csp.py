"""The Content-Security-Policy in a real Chromium: 0 violations on the pages each demo role reaches.

The demo district (seed_demo) is browsed as the coordinator, county staff and a provider admin: from the start
page every same-site link is followed, one page per URL pattern (a second participant looks like the first),
files (PDF, CSV, iCal) and the admin's inner pages left out. Every `securitypolicyviolation` event and every
console message about the Content-Security-Policy or the Permissions-Policy fails the test. The shared
behaviour that replaced inline handlers (print buttons, confirmation questions) is tried too.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse

from courses.models import Membership

from .conftest import POLICY_CONSOLE, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "diepholz"  # seed_demo's documented demo password; demo data only
MAX_PAGES_PER_ROLE = 45

# Collects violations from the first moment of every document (init scripts are not subject to the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""
# Files, not pages; actions; the admin's inner pages (Django's own templates).
SKIPPED_VIEWS = re.compile(r"(pdf|export|ical_feed|logout|set_language)$|^admin:(?!index$)")


def _view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def _browse(page, violations: list[str]) -> list[str]:
    """Follow same-site links from the start page, one page per URL pattern; returns the paths visited."""
    queue, seen_views, visited = ["/"], set(), []
    while queue and len(visited) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        view = _view_name(urlsplit(path).path)
        if view is None or view in seen_views or SKIPPED_VIEWS.search(view):
            continue
        seen_views.add(view)
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        page.wait_for_load_state("networkidle")
        visited.append(path)
        violations.extend(f"{path}: {v}" for v in page.evaluate("window.__cspViolations"))
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or "format=" in parts.query:
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return visited


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


@pytest.mark.parametrize(
    ("username", "must_visit"),
    [
        (
            "koordination",
            {"home", "courses:course_list", "participants:participant_list", "participants:participant_detail"}
            | {"transitions:handover_list", "meetings:meeting_list", "meetings:meeting_detail"}
            | {"meetings:agenda_print", "courses:district_overview", "participants:demand", "register:workflow_list"}
            | {"developments:development_list", "courses:provider_list", "admin:index"},
        ),
        (
            "kreis",
            {"home", "courses:district_overview", "meetings:meeting_list", "developments:development_list"},
        ),
        (
            "vhs",
            {"home", "courses:course_list", "courses:course_detail", "participants:participant_detail"}
            | {"transitions:handover_list", "courses:provider_detail", "meetings:calendar"},
        ),
    ],
)
def test_no_policy_violations_on_the_pages_of_each_role(demo, new_page, username, must_visit):
    page = new_page()
    page.context.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on("console", lambda message: POLICY_CONSOLE.search(message.text) and console.append(message.text))

    log_in(page, username, DEMO_PASSWORD)
    violations: list[str] = []
    visited = _browse(page, violations)

    visited_views = {_view_name(urlsplit(path).path) for path in visited}
    assert must_visit <= visited_views, f"not reached: {sorted(must_visit - visited_views)}"
    assert not violations + console, "\n".join(violations + console)


def test_print_buttons_and_confirmation_questions_work_without_inline_handlers(demo, new_page):
    page = new_page()
    page.context.add_init_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
    log_in(page, "koordination", DEMO_PASSWORD)
    memberships = Membership.objects.filter(provider=Membership.objects.order_by("pk").first().provider).count()

    page.goto(reverse("courses:district_overview"))
    page.locator("[data-print]").first.click()
    assert page.evaluate("window.__printed") == 1

    # A form with data-confirm: declining the question keeps the page (and the provider's access).
    provider = Membership.objects.order_by("pk").first().provider
    page.goto(reverse("courses:provider_detail", args=[provider.pk]))
    form = page.locator("form[data-confirm]").first
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    url = page.url
    page.evaluate("window.__stay = true")
    form.locator("[type=submit]").click()
    page.wait_for_timeout(300)
    assert asked == [form.get_attribute("data-confirm")]
    assert page.url == url and page.evaluate("window.__stay") is True
    assert Membership.objects.filter(provider=provider).count() == memberships
