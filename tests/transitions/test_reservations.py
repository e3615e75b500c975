"""Accepting a handover holds a place; the place is given back when the handover ends without a start or the
reservation runs out, and becomes the enrolment on "started". The last place goes to exactly one of two
providers accepting at once (PostgreSQL row locks)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from courses.models import Course, PlaceReservation
from courses.places import current_places
from participants.models import Enrollment
from transitions import services
from transitions.models import Handover

from .. import factories
from ..required import require_postgres

S = Handover.Status


def offered(world, course, *, provider=None):
    """A person of provider A (or `provider`) offered to `course` with a consent naming its provider."""
    provider = provider or world.provider_a
    person = factories.ParticipantFactory(provider=provider)
    factories.ConsentFactory(participant=person, recipient=course.provider)
    actor = world.users.coordinator
    handover = services.handover_propose(actor=actor, participant=person, to_course=course)
    return services.handover_offer(actor=actor, handover=handover)


def begin(course):
    Course.objects.filter(pk=course.pk).update(start_date=timezone.localdate(), status=Course.Status.RUNNING)


@pytest.mark.django_db
def test_accept_reserves_a_place_and_start_turns_it_into_the_enrolment(world, settings):
    settings.RESERVATION_DAYS_AFTER_START = 7
    factories.report(world.course_b, 3)
    handover = offered(world, world.course_b)
    assert current_places(world.course_b.pk).available == 3
    handover = services.handover_accept(actor=world.users.b_admin, handover=handover)
    reservation = handover.reservation
    assert reservation.course == world.course_b and reservation.is_active()
    assert reservation.held_until == world.course_b.start_date + datetime.timedelta(days=7)
    places = current_places(world.course_b.pk)
    assert (places.reserved, places.available) == (1, 2)

    begin(world.course_b)
    handover = services.handover_start(actor=world.users.b_admin, handover=handover)
    reservation.refresh_from_db()
    assert reservation.release_reason == PlaceReservation.Release.ENROLLED and reservation.released_at
    places = current_places(world.course_b.pk)
    assert (places.reserved, places.enrolled, places.available) == (0, 1, 2), "the place moved, none was added"
    assert handover.started_enrollment.status == Enrollment.Status.ENROLLED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ending", "reason"),
    [
        ("declined", PlaceReservation.Release.DECLINED),
        ("withdrawn", PlaceReservation.Release.WITHDRAWN),
        ("no_show", PlaceReservation.Release.NO_SHOW),
    ],
)
def test_the_place_is_given_back_when_the_handover_ends(world, ending, reason):
    factories.report(world.course_b, 1)
    handover = services.handover_accept(actor=world.users.b_admin, handover=offered(world, world.course_b))
    assert current_places(world.course_b.pk).available == 0
    if ending == "declined":
        services.handover_decline(actor=world.users.b_admin, handover=handover, reason="Einstufung ergab B1")
    elif ending == "withdrawn":
        services.handover_withdraw(actor=world.users.a_admin, handover=handover)
    else:
        begin(world.course_b)
        services.handover_no_show(actor=world.users.b_admin, handover=handover)
    handover.refresh_from_db()
    assert handover.status == ending
    assert handover.reservation.release_reason == reason
    assert current_places(world.course_b.pk).available == 1


@pytest.mark.django_db
def test_a_reservation_runs_out_days_after_the_start_without_a_start(world, settings):
    settings.RESERVATION_DAYS_AFTER_START = 3
    factories.report(world.course_b, 1)
    handover = services.handover_accept(actor=world.users.b_admin, handover=offered(world, world.course_b))
    start = world.course_b.start_date
    assert current_places(world.course_b.pk, start + datetime.timedelta(days=3)).available == 0
    assert current_places(world.course_b.pk, start + datetime.timedelta(days=4)).available == 1
    assert handover.reservation.is_active(start + datetime.timedelta(days=3))
    assert not handover.reservation.is_active(start + datetime.timedelta(days=4))


@pytest.mark.django_db
def test_no_acceptance_when_the_last_place_is_held_for_someone_else(world):
    factories.report(world.course_b, 1)
    first, second = offered(world, world.course_b), offered(world, world.course_b)
    services.handover_accept(actor=world.users.b_admin, handover=first)
    with pytest.raises(ValidationError, match="keinen freien Platz mehr") as error:
        services.handover_accept(actor=world.users.b_admin, handover=second)
    assert "reserviert" in error.value.messages[0]
    second.refresh_from_db()
    assert second.status == S.OFFERED and second.reservation is None


@pytest.mark.django_db(transaction=True)
def test_two_accepting_at_once_for_the_last_place_exactly_one_gets_it():
    require_postgres()  # row locks are what is tested here
    receiver = factories.ProviderFactory(name="Aufnehmender Träger")
    course = factories.CourseFactory(provider=receiver, capacity=10, min_size=0, title="Letzter Platz")
    factories.report(course, 1)
    coordinator = factories.coordinator()
    handovers = []
    for name in ("Träger Nord", "Träger Süd"):
        giving = factories.ProviderFactory(name=name)
        person = factories.ParticipantFactory(provider=giving)
        factories.ConsentFactory(participant=person, recipient=receiver)
        handover = services.handover_propose(actor=coordinator, participant=person, to_course=course)
        handovers.append(services.handover_offer(actor=coordinator, handover=handover))
    # Two people of the receiving provider click "Accept" at the same moment.
    staff = [factories.MembershipFactory(provider=receiver, role="staff").user for _ in handovers]
    barrier = threading.Barrier(len(handovers))
    results: list[object] = [None] * len(handovers)

    def accept(index):
        try:
            barrier.wait(timeout=30)
            results[index] = services.handover_accept(actor=staff[index], handover=handovers[index])
        except ValidationError as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(len(handovers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [r for r in results if isinstance(r, Handover)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(winners) == 1 and len(refused) == 1, results
    assert "„Letzter Platz“ hat keinen freien Platz mehr" in refused[0].messages[0]
    assert PlaceReservation.objects.filter(course=course, released_at__isnull=True).count() == 1
    assert current_places(course.pk).available == 0
    assert sorted(Handover.objects.filter(pk__in=[h.pk for h in handovers]).values_list("status", flat=True)) == [
        S.ACCEPTED,
        S.OFFERED,
    ]


@pytest.mark.django_db
def test_enrolling_the_accepted_person_directly_takes_their_own_reserved_place(world):
    """The receiver gives the accepted person the place from its course page: the reservation becomes that
    enrolment (counted once), also when it is the course's last place; the start then takes that enrolment."""
    from participants import services as participant_services

    factories.report(world.course_b, 1)
    handover = services.handover_accept(actor=world.users.b_admin, handover=offered(world, world.course_b))
    assert current_places(world.course_b.pk).available == 0
    enrollment = participant_services.enrollment_enrol(
        actor=world.users.b_admin, participant=handover.participant, course=world.course_b
    )
    handover.reservation.refresh_from_db()
    assert handover.reservation.release_reason == PlaceReservation.Release.ENROLLED
    places = current_places(world.course_b.pk)
    assert (places.enrolled, places.reserved, places.available) == (1, 0, 0)
    begin(world.course_b)
    handover = services.handover_start(actor=world.users.b_admin, handover=handover)
    assert handover.started_enrollment == enrollment


@pytest.mark.django_db
def test_moving_a_course_moves_the_reservations_and_erasure_gives_the_place_back(world, settings):
    from courses import services as course_services
    from participants import gdpr

    settings.RESERVATION_DAYS_AFTER_START = 7
    handover = services.handover_accept(actor=world.users.b_admin, handover=offered(world, world.course_b))
    later = world.course_b.start_date + datetime.timedelta(days=14)
    course_services.course_update(
        actor=world.users.b_admin,
        course=world.course_b,
        data={"start_date": later, "end_date": later + datetime.timedelta(days=180)},
    )
    handover.reservation.refresh_from_db()
    assert handover.reservation.held_until == later + datetime.timedelta(days=7)
    gdpr.participant_erase(actor=world.users.a_admin, participant=handover.participant)
    handover.refresh_from_db()
    assert handover.status == S.WITHDRAWN
    assert handover.reservation.release_reason == PlaceReservation.Release.WITHDRAWN
    assert current_places(world.course_b.pk).reserved == 0
