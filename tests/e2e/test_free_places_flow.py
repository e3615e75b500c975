"""A provider reports free places inline (no page reload); the coordinator sees the figure in the overview."""

import pytest

from courses.models import Membership, PlaceReport

from .. import factories
from .conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_provider_reports_places_and_coordinator_sees_them(new_page):
    syke = factories.MunicipalityFactory(name="Syke")
    provider = factories.ProviderFactory(name="Volkshochschule Test", municipality=syke)
    course = factories.CourseFactory(provider=provider, title="Integrationskurs Syke", capacity=16, level_from=2)
    staff = factories.MembershipFactory(
        provider=provider, role=Membership.Role.STAFF, user=factories.UserFactory(username="lehrkraft")
    ).user
    factories.coordinator(username="koordination")

    page = new_page()
    log_in(page, "lehrkraft", factories.PASSWORD)
    row = page.locator(f"#course-{course.pk}")
    # Nothing reported yet: capacity minus the people enrolled in the system, marked as an estimate.
    assert row.locator("[data-free-places]").inner_text() == "16"
    assert "*" in row.inner_text()

    # Mark the document: a full page load would lose the mark.
    page.evaluate("window.__noReload = true")
    page.get_by_label("Freie Plätze").first.fill("17")
    row.get_by_role("button", name="Melden").click()
    row = page.locator(f"#course-{course.pk}")
    assert "Der Kurs hat nur 16 Plätze" in row.get_by_role("alert").inner_text()
    assert not PlaceReport.objects.exists()

    row.get_by_label("Freie Plätze").fill("5")
    row.get_by_label("Bemerkung").fill("nach dem Einstufungstest")
    row.get_by_role("button", name="Melden").click()
    page.locator(f"#course-{course.pk} [role=status]").wait_for()
    assert page.locator(f"#course-{course.pk} [data-free-places]").inner_text() == "5"
    assert page.evaluate("window.__noReload") is True
    screenshot(page, "provider-home-after-report")
    report = PlaceReport.objects.get()
    assert (report.free_places, report.reported_by, report.note) == (5, staff, "nach dem Einstufungstest")

    coordinator_page = new_page()
    log_in(coordinator_page, "koordination", factories.PASSWORD)
    coordinator_page.goto("/uebersicht/")
    cell = coordinator_page.locator('[data-cell="Syke|A1"]')
    assert cell.locator("strong").inner_text() == "5"
    screenshot(coordinator_page, "district-overview")
    cell.click()
    coordinator_page.wait_for_url("**/kurse/?**")
    assert coordinator_page.get_by_role("link", name="Integrationskurs Syke").is_visible()


def test_reporting_works_without_javascript(browser, live_server):
    provider = factories.ProviderFactory(name="Ohne JS")
    course = factories.CourseFactory(provider=provider, title="Kurs ohne JS")
    factories.MembershipFactory(provider=provider, user=factories.UserFactory(username="ohnejs"))
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="de-DE")
    try:
        page = context.new_page()
        log_in(page, "ohnejs", factories.PASSWORD)
        row = page.locator(f"#course-{course.pk}")
        row.get_by_label("Freie Plätze").fill("3")
        row.get_by_role("button", name="Melden").click()
        page.wait_for_load_state()
        assert "3 freie Plätze für „Kurs ohne JS“ gemeldet." in page.content()
        assert page.locator(f"#course-{course.pk} [data-free-places]").inner_text() == "3"
    finally:
        context.close()
