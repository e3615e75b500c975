"""A provider registers a participant, records consent and enrols them into another provider's course with
one free place; the district overview then shows 0 free places for that course."""

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

    page.get_by_role("link", name="In einen Kurs einschreiben").click()
    page.get_by_label("Alphakurs Twistringen").check()
    page.get_by_label("Jetzt einschreiben").check()
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(f"**/teilnehmende/{person.pk}/")
    assert "wurde in „Alphakurs Twistringen“ eingeschrieben" in page.content()
    screenshot(page, "participant-enrolled")
    assert Enrollment.objects.get(participant=person).status == "enrolled"

    coordinator = new_page()
    log_in(coordinator, "koordination", factories.PASSWORD)
    coordinator.goto("/uebersicht/")
    assert coordinator.locator('[data-cell="Twistringen|Alpha"] strong').inner_text() == "0"
    coordinator.goto(course.get_absolute_url())
    assert coordinator.locator("[data-free-places]").inner_text().startswith("0")
