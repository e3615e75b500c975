"""A provider registers a participant, records consent and offers them for another provider's course with one
free place (a handover: no direct enrolment into another provider's course); that provider accepts, which
reserves the place, and the district overview then shows 0 free places for that course."""

import pytest

from participants.models import Consent, Enrollment, Participant

from .. import factories
from .conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_register_consent_enrol_and_overview_shows_zero(new_page):
    twistringen = factories.MunicipalityFactory(name="Twistringen")
    owner = factories.ProviderFactory(name="Beratung Nord (Demo)", municipality=twistringen)
    runner = factories.ProviderFactory(name="Sprachschule Süd (Demo)", municipality=twistringen)
    course = factories.CourseFactory(provider=runner, title="Alphakurs Twistringen", capacity=12, level_from=0)
    factories.report(course, 1)
    factories.MembershipFactory(provider=owner, role="staff", user=factories.UserFactory(username="beraterin"))
    factories.MembershipFactory(provider=runner, role="admin", user=factories.UserFactory(username="sprachschule"))
    factories.coordinator(username="koordination")

    page = new_page()
    log_in(page, "beraterin", factories.PASSWORD)
    page.get_by_role("link", name="Teilnehmende", exact=True).click()
    page.get_by_role("link", name="Person registrieren").click()
    page.get_by_label("Vorname").fill("Hevin")
    page.get_by_label("Nachname").fill("Test-Sido")
    page.get_by_label("Geburtsjahr").fill("1989")
    page.get_by_label("Wohngemeinde").select_option(label="Twistringen")
    page.get_by_label("Alphabetisierung in lateinischer Schrift").select_option(label="nicht alphabetisiert")
    page.get_by_label("Aktuelles Niveau").select_option(label="Alpha")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url("**/teilnehmende/*/")
    person = Participant.objects.get(last_name="Test-Sido")
    assert person.provider == owner

    page.get_by_role("link", name="Einwilligung erfassen").click()
    page.get_by_label("Zweck").select_option(label="an einen benannten Träger übergeben")
    page.get_by_label("Aufnehmender Träger").select_option(label="Sprachschule Süd (Demo)")
    page.get_by_label("Form").select_option(label="unterschriebenes Formular, mit Sprachmittlung erklärt")
    page.get_by_label("Sprache der Erklärung").fill("Kurmandschi")
    page.get_by_role("button", name="Einwilligung erfassen").click()
    page.wait_for_url(f"**/teilnehmende/{person.pk}/")
    assert Consent.objects.valid().filter(participant=person, recipient=runner).exists()

    # Another provider's course: the enrolment page offers a handover instead of a direct enrolment.
    page.get_by_role("link", name="In einen Kurs einschreiben").click()
    others = page.locator("[data-other-courses]")
    assert "Alphakurs Twistringen" in others.inner_text() and "Einwilligung zur Übergabe: ja" in others.inner_text()
    screenshot(page, "participant-enrol-page")
    others.get_by_role("link", name="Übergabe vorschlagen").click()
    page.wait_for_url("**/uebergaenge/neu/**")
    page.get_by_role("button", name="Übergabe vorschlagen").click()
    page.wait_for_url("**/uebergaenge/*/")
    page.get_by_role("button", name="Angebot senden").click()
    page.wait_for_load_state()
    assert "Das Angebot wurde an Sprachschule Süd (Demo) gesendet." in page.content()
    assert not Enrollment.objects.filter(participant=person).exists()

    runner_page = new_page()
    log_in(runner_page, "sprachschule", factories.PASSWORD)
    runner_page.locator("#incoming-offers").get_by_role("link").first.click()
    runner_page.get_by_role("button", name="Annehmen").click()
    runner_page.wait_for_load_state()
    assert "ist für die Person reserviert" in runner_page.content()
    screenshot(runner_page, "participant-handover-accepted")

    coordinator = new_page()
    log_in(coordinator, "koordination", factories.PASSWORD)
    coordinator.goto("/uebersicht/")
    assert coordinator.locator('[data-cell="Twistringen|Alpha"] strong').inner_text() == "0"
    coordinator.goto(course.get_absolute_url())
    assert coordinator.locator("[data-free-places]").inner_text().startswith("0")
