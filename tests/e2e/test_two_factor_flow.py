"""Two-factor login in a real browser, on a tablet in portrait and with JavaScript switched off: the coordinator
logs in, types the key shown on the page into the "app" (django-otp's TOTP at a fixed time), confirms, keeps the
recovery codes and lands where the login was headed; the next login asks for the code."""

import base64
from binascii import unhexlify
from types import SimpleNamespace

import pytest
from django_otp.oath import TOTP

from diepholz_coord import two_factor

from .. import factories
from .conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOW = 1_780_000_000


def code(key, at):
    totp = TOTP(unhexlify(key))
    totp.time = at
    return f"{totp.token():06d}"


def test_coordinator_sets_up_and_uses_the_app_without_javascript(browser, live_server, settings, monkeypatch):
    settings.TWO_FACTOR_REQUIRED = True
    clock = SimpleNamespace(now=NOW)
    monkeypatch.setattr("django_otp.plugins.otp_totp.models.time", SimpleNamespace(time=lambda: clock.now))
    coordinator = factories.coordinator(username="koordination")
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 768, "height": 1024}, locale="de-DE", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/kurse/")
        page.get_by_label("Benutzername").fill("koordination")
        page.get_by_label("Passwort").fill(factories.PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url("**/accounts/zwei-faktor/einrichten/**")
        assert page.locator("svg").first.is_visible()
        screenshot(page, "two-factor-setup-tablet")
        secret = page.locator("code.fs-5").inner_text().replace(" ", "")
        key = base64.b32decode(secret).hex()  # what the app stores when the key is typed in
        page.get_by_label("Code aus der App").fill(code(key, NOW))
        page.get_by_role("button", name="Bestätigen und einschalten").click()
        page.wait_for_url("**/wiederherstellungscodes/**")
        assert page.locator(".list-group-item").count() == two_factor.RECOVERY_CODE_COUNT
        screenshot(page, "two-factor-recovery-codes-tablet")
        page.get_by_role("link", name="Ich habe die Codes aufbewahrt – weiter").click()
        page.wait_for_url("**/kurse/")

        # Next login (another day, a fresh browser session): password, then the code step.
        context.clear_cookies()
        clock.now += 30
        page.goto("/accounts/login/")
        page.get_by_label("Benutzername").fill("koordination")
        page.get_by_label("Passwort").fill(factories.PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url("**/accounts/zwei-faktor/code/**")
        page.get_by_label("Code").fill("000000")
        page.get_by_role("button", name="Bestätigen").click()
        assert "Dieser Code stimmt nicht" in page.content()
        screenshot(page, "two-factor-code-refused-tablet")
    finally:
        context.close()
    assert coordinator.totpdevice_set.filter(confirmed=True).count() == 1
