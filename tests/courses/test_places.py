"""One rule for the places a course can still give (CourseQuerySet.with_places), checked against the rule written
out here: the newest report (or capacity minus enrolled while nothing is reported), never more than capacity
minus enrolled, minus the places held for accepted handovers (released or expired reservations hold nothing)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses import selectors, services
from courses.models import Course, PlaceReservation
from courses.places import current_places, places_of, require_room
from participants.models import Enrollment

from .. import factories

TODAY = datetime.date(2026, 3, 2)


def expected_available(*, capacity, enrolled, reported, reserved):
    room = capacity - enrolled
    figure = room if reported is None else reported
    return max(0, min(figure, room) - reserved)


def reserve(course, *, held_until, released=False):
    return PlaceReservation.objects.create(
        course=course,
        held_until=held_until,
        released_at=timezone.now() if released else None,
        release_reason=PlaceReservation.Release.WITHDRAWN if released else "",
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    capacity=st.integers(1, 8),
    enrolled=st.integers(0, 8),
    reported=st.none() | st.integers(0, 8),
    active=st.integers(0, 3),
    expired=st.integers(0, 2),
    released=st.integers(0, 2),
)
@pytest.mark.django_db
def test_available_places_follow_the_one_rule(world, capacity, enrolled, reported, active, expired, released):
    enrolled = min(enrolled, capacity)
    course = factories.CourseFactory(provider=world.provider_a, capacity=capacity, min_size=0)
    if reported is not None:
        factories.report(course, min(reported, capacity))
        reported = min(reported, capacity)
    for _ in range(enrolled):
        Enrollment.objects.create(
            participant=factories.ParticipantFactory(provider=world.provider_a), course=course, status="enrolled"
        )
    Enrollment.objects.create(  # waiting and dropped people take no place
        participant=factories.ParticipantFactory(provider=world.provider_a), course=course, status="waiting"
    )
    for _ in range(active):
        reserve(course, held_until=TODAY)  # held until today: still holds
    for _ in range(expired):
        reserve(course, held_until=TODAY - datetime.timedelta(days=1))
    for _ in range(released):
        reserve(course, held_until=TODAY + datetime.timedelta(days=30), released=True)
    places = current_places(course.pk, TODAY)
    assert (places.enrolled, places.reserved, places.reported) == (enrolled, active, reported)
    want = expected_available(capacity=capacity, enrolled=enrolled, reported=reported, reserved=active)
    assert places.available == want
    assert places.estimated == (reported is None)
    # The same number through the list annotation and the "with room" filter.
    listed = Course.objects.with_places(TODAY).get(pk=course.pk)
    assert places_of(listed) == places
    assert Course.objects.with_room(TODAY).filter(pk=course.pk).exists() == (want > 0)


@pytest.mark.django_db
def test_every_page_shows_the_same_figure(world, login):
    """4 reported, 1 enrolled, 1 reserved: 3 everywhere (list, detail, provider page, district matrix)."""
    course = world.course_a
    factories.report(course, 4)
    reserve(course, held_until=timezone.localdate() + datetime.timedelta(days=30))
    expected = 3
    client = login(world.users.coordinator)
    detail = client.get(reverse("courses:course_detail", args=[course.pk])).content.decode()
    assert f"data-free-places>{expected}<" in detail and "1 Platz für eine angenommene Übergabe reserviert" in detail
    listing = client.get(reverse("courses:course_list"), {"q": course.title}).content.decode()
    assert f"data-free-places>{expected}<" in listing and "1 reserviert" in listing
    provider = client.get(reverse("courses:provider_detail", args=[world.provider_a.pk])).content.decode()
    assert f"data-free-places>{expected}<" in provider
    matrix = selectors.free_places_matrix()
    assert sum(row.free for row in matrix.rows if row.municipality == course.municipality) >= expected
    cell = next(r for r in matrix.rows if r.municipality == course.municipality).cells[course.level_from]
    assert cell.free == expected
    figures = {p.pk: p.free_places for p in selectors.provider_list(user=world.users.coordinator).object_list}
    assert figures[world.provider_a.pk] == expected


@pytest.mark.django_db
def test_require_room_names_the_reservations(world):
    course = factories.CourseFactory(provider=world.provider_a, capacity=2, min_size=0)
    factories.report(course, 1)
    reserve(course, held_until=timezone.localdate() + datetime.timedelta(days=5))
    with pytest.raises(ValidationError, match="für angenommene Übergaben reserviert") as error:
        require_room(course)
    assert error.value.code == "no_room"


@pytest.mark.django_db
def test_capacity_cannot_drop_below_enrolled_and_reserved(world):
    course = factories.CourseFactory(provider=world.provider_a, capacity=10, min_size=0)
    Enrollment.objects.create(participant=world.participant_a, course=course, status="enrolled")
    for _ in range(2):
        reserve(course, held_until=timezone.localdate() + datetime.timedelta(days=5))
    with pytest.raises(ValidationError, match="2 Plätze für angenommene Übergaben reserviert"):
        services.course_update(actor=world.users.a_admin, course=course, data={"capacity": 2})
    services.course_update(actor=world.users.a_admin, course=course, data={"capacity": 3})
    assert Course.objects.get(pk=course.pk).capacity == 3


@pytest.mark.django_db
def test_cancelling_a_course_gives_its_reserved_places_back(world):
    course = world.course_a
    reservation = reserve(course, held_until=timezone.localdate() + datetime.timedelta(days=5))
    services.course_cancel(actor=world.users.a_admin, course=course, reason="Zu wenige Anmeldungen")
    reservation.refresh_from_db()
    assert reservation.release_reason == PlaceReservation.Release.CANCELLED and reservation.released_at
