"""The whole handover flow in a real browser, as its users do it:

the giving provider proposes the top suggestion for a person in its ending course → the handover page asks for the
missing consent → the consent is recorded (form prefilled for the receiver) → the offer is sent → the receiving
provider's start page lists it → it accepts → the course page shows one place reserved → once the course has
begun, it confirms the start → the person is enrolled and the reservation is gone. The coordinator's board shows
the handover with its status on the way.
"""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from courses.models import Course
from participants.models import Consent, Enrollment
from transitions.models import Handover

from .. import factories
from .conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_propose_consent_offer_accept_reserve_start(new_page):
    today = timezone.localdate()
    bassum = factories.MunicipalityFactory(name="Bassum")
    sender = factories.ProviderFactory(
        name="Alpha-Schule Bassum (Demo)", municipality=bassum, email="alpha@example.org"
    )
    receiver = factories.ProviderFactory(
        name="Integrationskurse Bassum (Demo)", municipality=bassum, email="ik@example.org"
    )
    ending = factories.CourseFactory(
        provider=sender,
        title="Niedrigschwelliger Kurs Bassum",
        course_type="LK_NIEDRIG",
        funder="county",
        level_from=0,
        level_to=2,
        start_date=today - datetime.timedelta(days=90),
        end_date=today + datetime.timedelta(days=20),
        status="running",
    )
    follow_up = factories.CourseFactory(
        provider=receiver,
        title="Integrationskurs Bassum ab Januar",
        course_type="IK_ALLG",
        level_from=2,
        level_to=4,
        start_date=ending.end_date + datetime.timedelta(days=7),
        capacity=16,
    )
    factories.report(follow_up, 4)
    # A women's course would fit the level, but not the person: it is never suggested to him.
    factories.CourseFactory(
        provider=receiver,
        title="Frauenintegrationskurs Bassum",
        course_type="IK_FRAUEN",
        women_only=True,
        level_from=2,
        level_to=4,
        start_date=ending.end_date + datetime.timedelta(days=3),
    )
    person = factories.ParticipantFactory(
        provider=sender,
        first_name="Nour",
        last_name="Test-Anschluss",
        gender="m",
        municipality=bassum,
        level=2,
        route="claim",
    )
    Enrollment.objects.create(participant=person, course=ending, status="enrolled", enrolled_on=ending.start_date)
    factories.coordinator(username="koordination")
    factories.MembershipFactory(provider=sender, role="staff", user=factories.UserFactory(username="abgabe"))
    factories.MembershipFactory(
        provider=receiver, role="admin", user=factories.UserFactory(username="aufnahme", email="leitung@example.org")
    )

    # The giving provider: its ending course, the top suggestion for the person, "Propose".
    giving = new_page()
    log_in(giving, "abgabe", factories.PASSWORD)
    giving.get_by_role("link", name="Übergänge").first.click()
    giving.get_by_role("link", name="Bald endende Kurse").click()
    giving.get_by_role("link", name="Niedrigschwelliger Kurs Bassum").click()
    card = giving.locator(".card", has_text="Test-Anschluss")
    assert "Frauenintegrationskurs" not in card.inner_text()
    top = card.locator("[data-suggestion]").first
    assert "Integrationskurs Bassum ab Januar" in top.inner_text()
    assert "✓" in top.inner_text() and "Gründe:" in giving.content()  # reasons marked by icon and word
    screenshot(giving, "handover-1-ending-course")
    top.get_by_role("button", name="Vorschlagen").click()
    giving.wait_for_url("**/uebergaenge/*/")
    handover = Handover.objects.get(participant=person)
    assert handover.to_course == follow_up and handover.status == "proposed"

    # The page asks for the missing consent before anything fails: the offer button waits for it.
    consent_box = giving.locator("[data-consent]")
    assert "Keine gültige Einwilligung zur Weitergabe an Integrationskurse Bassum (Demo)" in consent_box.inner_text()
    assert giving.get_by_role("button", name="Angebot senden").is_disabled()
    assert "→ ?" not in giving.content()
    assert "Integrationskurs Bassum ab Januar" in giving.locator("[data-target]").inner_text()
    screenshot(giving, "handover-2-consent-missing")
    giving.get_by_role("link", name="Einwilligung für Integrationskurse Bassum (Demo) erfassen").click()
    giving.wait_for_url("**/einwilligung/**")
    assert giving.get_by_label("Aufnehmender Träger").input_value() == str(receiver.pk)
    giving.get_by_label("Form").select_option(label="unterschriebenes Formular")
    giving.get_by_role("button", name="Einwilligung erfassen").click()
    giving.wait_for_url(f"**/uebergaenge/{handover.pk}/")
    assert Consent.objects.valid().filter(participant=person, recipient=receiver).exists()
    assert "Eine gültige Einwilligung zur Weitergabe" in giving.locator("[data-consent]").inner_text()

    giving.get_by_role("button", name="Angebot senden").click()
    giving.wait_for_load_state()
    assert "Das Angebot wurde an Integrationskurse Bassum (Demo) gesendet." in giving.content()
    handover.refresh_from_db()
    assert handover.status == "offered"
    offer_mail = next(m for m in mail.outbox if "Übergabe angeboten" in m.subject)
    assert "leitung@example.org" in offer_mail.to
    assert "(Alpha-Schule Bassum (Demo)) bietet Ihnen" in offer_mail.body
    assert person.code in offer_mail.body and "Test-Anschluss" not in offer_mail.body

    # The receiver: its start page lists the offer waiting for its answer; it follows the link and accepts.
    receiving = new_page()
    log_in(receiving, "aufnahme", factories.PASSWORD)
    incoming = receiving.locator("#incoming-offers")
    assert person.code in incoming.inner_text()
    screenshot(receiving, "handover-3-receiver-home")
    incoming.get_by_role("link").first.click()
    receiving.wait_for_url(f"**/uebergaenge/{handover.pk}/")
    # The e-mail's link leads to the same page.
    (link,) = [line for line in offer_mail.body.splitlines() if line.startswith(settings.SITE_URL)]
    receiving.goto(link.removeprefix(settings.SITE_URL))
    assert receiving.url.endswith(f"/uebergaenge/{handover.pk}/")
    assert "Test-Anschluss" in receiving.content()  # the consent names the receiver: it sees the person
    receiving.get_by_role("button", name="Annehmen").click()
    receiving.wait_for_load_state()
    assert "ist für die Person reserviert" in receiving.content()
    handover.refresh_from_db()
    assert handover.status == "accepted" and handover.reservation is not None

    # The course page shows the place as reserved; free places count it (4 reported, 1 reserved → 3).
    receiving.goto(follow_up.get_absolute_url())
    assert receiving.locator("[data-free-places]").first.inner_text() == "3"
    assert "1 Platz für eine angenommene Übergabe reserviert" in receiving.locator("[data-places-detail]").inner_text()
    assert person.code in receiving.locator("[data-reservations]").inner_text()
    screenshot(receiving, "handover-4-course-reserved")

    # The coordinator's board shows the card with its status.
    coordinator = new_page()
    log_in(coordinator, "koordination", factories.PASSWORD)
    coordinator.goto("/uebergaenge/")
    accepted = coordinator.locator('[data-column="accepted"]')
    assert "Nour Test-Anschluss" in accepted.inner_text() and "angenommen" in accepted.inner_text()

    # Time passes: the course begins today. The receiver confirms the start; the reservation becomes the place.
    Course.objects.filter(pk=follow_up.pk).update(start_date=today, status=Course.Status.RUNNING)
    receiving.goto(handover.get_absolute_url())
    receiving.get_by_role("button", name="Kursbeginn bestätigen").click()
    receiving.wait_for_load_state()
    assert "Der Kursbeginn ist bestätigt" in receiving.content()
    handover.refresh_from_db()
    assert handover.status == "started"
    assert handover.started_enrollment.course == follow_up and handover.started_enrollment.status == "enrolled"
    receiving.goto(follow_up.get_absolute_url())
    assert receiving.locator("[data-free-places]").first.inner_text() == "3"  # the reserved place became the enrolment
    assert receiving.locator("[data-reservations]").count() == 0
    assert "Nour Test-Anschluss" in receiving.content()  # on the course's participant list
    screenshot(receiving, "handover-5-started")
