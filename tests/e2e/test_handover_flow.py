"""The coordinator opens an ending course, proposes the top suggestion for a participant, offers it; the receiving
provider logs in and accepts it; the board shows it as accepted."""

import datetime

import pytest
from django.utils import timezone

from participants.models import Enrollment
from transitions.models import Handover

from .. import factories
from .conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_propose_top_suggestion_and_receiver_accepts(new_page):
    today = timezone.localdate()
    bassum = factories.MunicipalityFactory(name="Bassum")
    sender = factories.ProviderFactory(name="Alpha-Schule Bassum (Demo)", municipality=bassum)
    receiver = factories.ProviderFactory(name="Integrationskurse Bassum (Demo)", municipality=bassum)
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
    person = factories.ParticipantFactory(
        provider=sender, first_name="Nour", last_name="Test-Anschluss", municipality=bassum, level=2, route="claim"
    )
    Enrollment.objects.create(participant=person, course=ending, status="enrolled", enrolled_on=ending.start_date)
    factories.ConsentFactory(participant=person, recipient=receiver)
    factories.coordinator(username="koordination")
    factories.MembershipFactory(provider=receiver, role="admin", user=factories.UserFactory(username="aufnahme"))

    coordinator = new_page()
    log_in(coordinator, "koordination", factories.PASSWORD)
    coordinator.get_by_role("link", name="Übergänge").first.click()
    coordinator.get_by_role("link", name="Bald endende Kurse").click()
    coordinator.get_by_role("link", name="Niedrigschwelliger Kurs Bassum").click()
    card = coordinator.locator(".card", has_text="Test-Anschluss")
    assert "Integrationskurs Bassum ab Januar" in card.inner_text()
    card.get_by_role("button", name="Vorschlagen").first.click()
    coordinator.wait_for_url("**/uebergaenge/*/")
    handover = Handover.objects.get(participant=person)
    assert handover.to_course == follow_up and handover.status == "proposed"
    coordinator.get_by_role("button", name="angeboten").click()
    coordinator.wait_for_load_state()
    handover.refresh_from_db()
    assert handover.status == "offered"

    provider = new_page()
    log_in(provider, "aufnahme", factories.PASSWORD)
    provider.get_by_role("link", name="Übergänge").first.click()
    provider.get_by_role("link", name="Nour Test-Anschluss").click()
    provider.get_by_role("button", name="angenommen").click()
    provider.wait_for_load_state()
    assert "Die Übergabe ist jetzt: angenommen." in provider.content()
    screenshot(provider, "handover-accepted")

    coordinator.goto("/uebergaenge/")
    accepted = coordinator.locator('[data-column="accepted"]')
    assert "Nour Test-Anschluss" in accepted.inner_text()
    screenshot(coordinator, "handover-board")
