"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Never downloads a browser. Without /usr/bin/chromium the tests are skipped locally, but fail when
E2E_REQUIRED is set (as .ci/run does), so CI cannot pass silently without them.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Browser console messages about the Content-Security-Policy or the Permissions-Policy: any of them fails the
# test that opened the page (every flow runs under the production policy; e2e/test_csp.py browses every page).
POLICY_CONSOLE = re.compile(r"Content.Security.Policy|Permissions.Policy", re.I)

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body are still
# synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def _playwright():
    if not Path(CHROMIUM).exists():
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(f"E2E_REQUIRED is set but there is no browser at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium; set E2E_REQUIRED to fail instead)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (own cookies) per user; tablet-sized viewport."""
    contexts, policy_messages = [], []

    def _record(message):
        if POLICY_CONSOLE.search(message.text):
            policy_messages.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def _new_page(width=1024, height=768):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}, locale="de-DE"
        )
        context.set_default_timeout(10_000)
        context.on("console", _record)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()
    if policy_messages:
        pytest.fail("browser console reports policy violations:\n" + "\n".join(policy_messages))


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/")
