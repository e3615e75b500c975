"""Query budgets of detail and form pages that show lists: fixed whatever the amount of related data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Membership
from participants import services as participant_services
from participants.models import CourseWish, Enrollment
from transitions import services
from transitions.models import HandoverStep

from . import factories
from .meetings.factories import MeetingSeriesFactory
from .meetings.test_agenda import make_meeting


def count(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries), "\n".join(q["sql"] for q in context.captured_queries)


def assert_constant(client, url, grow, budget):
    small, _ = count(client, url)
    grow()
    large, sql = count(client, url)
    assert small == large, f"{url}: {small} → {large} queries\n{sql}"
    assert large <= budget, f"{url}: {large} queries, budget {budget}\n{sql}"


@pytest.mark.django_db
def test_handover_detail(world, client):
    factories.ConsentFactory(participant=world.participant_a, recipient=world.provider_b)
    handover = services.handover_propose(
        actor=world.users.a_admin, participant=world.participant_a, to_course=world.course_b
    )
    client.force_login(world.users.a_admin)

    def grow():
        # More courses to offer it to, and a longer history (same status, so the same page).
        for n in range(10):
            factories.CourseFactory(provider=world.provider_b)
            HandoverStep.objects.create(handover=handover, status="proposed", by=world.users.a_staff, note=f"{n}")

    # + the audit entry for the look at the person's data (one INSERT)
    assert_constant(client, handover.get_absolute_url(), grow, budget=9)


@pytest.mark.django_db
def test_ending_course_detail(world, client):
    today = timezone.localdate()
    ending = factories.CourseFactory(
        provider=world.provider_a,
        start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=10),
        status="running",
    )
    client.force_login(world.users.a_admin)

    def add_people(n):
        for _ in range(n):
            person = factories.ParticipantFactory(provider=world.provider_a, level=2)
            Enrollment.objects.create(participant=person, course=ending, status="enrolled")
            factories.CourseFactory(provider=world.provider_b, start_date=ending.end_date + datetime.timedelta(days=5))

    add_people(2)
    assert_constant(
        client, reverse("transitions:ending_course_detail", args=[ending.pk]), lambda: add_people(12), budget=13
    )


@pytest.mark.django_db
def test_enrolment_form_and_audit_page(world, client):
    person = world.participant_a

    def grow():
        for _ in range(10):
            factories.CourseFactory(provider=world.provider_b)
            participant_services.participant_update(
                actor=world.users.a_admin, participant=person, data={"notes": f"Notiz {timezone.now()}"}
            )
            CourseWish.objects.create(participant=person, level=2)

    client.force_login(world.users.a_staff)
    assert_constant(
        client, reverse("participants:enrollment_create", args=[person.pk]), grow, budget=8
    )  # own courses, and other providers' for a handover
    client.force_login(world.users.coordinator)
    assert_constant(client, f"{reverse('audit_log')}?person={person.code}", grow, budget=12)


@pytest.mark.django_db
def test_publish_confirmation_page(world, client):
    """The question before publishing counts the addresses: more invitees, providers without an address of
    their own (their admins get the mail) and inactive ones cost no extra query."""
    series = MeetingSeriesFactory()
    series.invited_providers.set([world.provider_a])
    series.invited_users.set([world.users.county])
    meeting = make_meeting(series, days_ahead=10)

    def grow():
        for n in range(5):
            series.invited_users.add(factories.UserFactory(), factories.UserFactory(is_active=False))
            without_address = factories.ProviderFactory(email="")
            for role in (Membership.Role.ADMIN, Membership.Role.ADMIN, Membership.Role.STAFF):
                factories.MembershipFactory(provider=without_address, role=role)
            series.invited_providers.add(without_address, factories.ProviderFactory(active=n % 2 == 0))

    client.force_login(world.users.coordinator)
    assert_constant(client, reverse("meetings:meeting_publish", args=[meeting.pk]), grow, budget=10)
