"""The district overview's time-to-next-course figures are kept in the cache until a course, an enrollment or a
handover changes (transitions.metrics.district_transition_metrics, figures_changed)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from participants.models import Enrollment
from tests import factories
from transitions import metrics


def _ended(world, *, days_ago: int, people: int) -> None:
    today = timezone.localdate()
    course = factories.CourseFactory(
        provider=world.provider_a,
        start_date=today - datetime.timedelta(days=200),
        end_date=today - datetime.timedelta(days=days_ago),
        status="finished",
    )
    for _ in range(people):
        Enrollment.objects.create(
            participant=factories.ParticipantFactory(provider=world.provider_a), course=course, status="completed"
        )


@pytest.mark.django_db
def test_the_figures_are_kept_until_an_enrollment_changes(world, login, django_capture_on_commit_callbacks):
    _ended(world, days_ago=30, people=4)
    client = login(world.users.coordinator)
    first = client.get(reverse("courses:district_overview")).context["transitions"]
    assert first.district.endings == 4
    # Kept: the second look reads no enrollments.
    with CaptureQueriesContext(connection) as again:
        second = client.get(reverse("courses:district_overview")).context["transitions"]
    assert second.district.endings == 4
    assert not any("participants_enrollment" in q["sql"] and "completed" in q["sql"] for q in again.captured_queries)
    # A write: the next look counts again (at once, and again after the commit).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _ended(world, days_ago=20, people=3)
    assert callbacks
    third = client.get(reverse("courses:district_overview")).context["transitions"]
    assert third.district.endings == 7
    enrollment = Enrollment.objects.filter(status="completed").first()
    enrollment.delete()
    assert client.get(reverse("courses:district_overview")).context["transitions"].district.endings == 6


@pytest.mark.django_db
def test_county_staff_and_the_coordinator_are_kept_apart(world, login):
    _ended(world, days_ago=30, people=4)
    _ended(world, days_ago=25, people=1)
    coordinator = login(world.users.coordinator).get(reverse("courses:district_overview")).context["transitions"]
    county = login(world.users.county).get(reverse("courses:district_overview")).context["transitions"]
    assert not coordinator.suppress_small and county.suppress_small
    assert coordinator.district.endings == county.district.endings == 5


@pytest.mark.django_db
def test_a_new_day_is_another_key(world):
    _ended(world, days_ago=30, people=4)
    today = timezone.localdate()
    first = metrics.district_transition_metrics(user=world.users.coordinator, today=today)
    later = metrics.district_transition_metrics(user=world.users.coordinator, today=today + datetime.timedelta(days=1))
    assert first.today == today and later.today == today + datetime.timedelta(days=1)


@pytest.mark.django_db
def test_the_cache_keeps_what_the_overview_shows_of_many_groups(world, monkeypatch):
    """The cached figures hold the largest groups of each breakdown only, and the overview's tables read the
    same from them as from the whole figures (the same groups, the same count of groups left out)."""
    monkeypatch.setattr(metrics, "TOP_GROUPS", 2)
    today = timezone.localdate()
    for n in range(4):
        provider = factories.ProviderFactory(name=f"Träger {n}")
        course = factories.CourseFactory(
            provider=provider,
            start_date=today - datetime.timedelta(days=200),
            end_date=today - datetime.timedelta(days=20 + n),
            status="finished",
        )
        for _ in range(n + 1):
            Enrollment.objects.create(
                participant=factories.ParticipantFactory(provider=provider), course=course, status="completed"
            )
    whole = metrics.transition_metrics(today=today, since=today - datetime.timedelta(days=metrics.OVERVIEW_PERIOD_DAYS))
    cached = metrics.district_transition_metrics(user=world.users.coordinator, today=today)
    assert len(whole.by_provider) == 4 and len(cached.by_provider) == 2
    assert cached.left_out[0] == 2
    for from_cache, from_whole in zip(cached.tables, whole.tables, strict=True):
        assert from_cache == from_whole
    assert cached.district == whole.district
