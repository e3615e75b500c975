"""Twenty staff click "enrol" for the last place at the same moment: exactly one gets it (PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from courses.models import Course, PlaceReport
from participants import services
from participants.models import Enrollment

from .. import factories
from ..required import require_postgres

ATTEMPTS = 20


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("reported", [True, False], ids=["one-free-place-reported", "one-seat-left-unreported"])
def test_last_place_goes_to_exactly_one_of_twenty_concurrent_enrolments(reported):
    require_postgres()  # row locks are what is tested here
    course = factories.CourseFactory(capacity=12, title="Letzter Platz", min_size=1)
    if reported:
        factories.report(course, 1)  # the provider says: one place free
    else:
        # Never reported: the free seats are capacity − enrolled, and eleven people sit in the course.
        course = factories.CourseFactory(capacity=12, title="Letzter Platz (ohne Meldung)", min_size=1)
        for person in [factories.ParticipantFactory(provider=course.provider) for _ in range(11)]:
            Enrollment.objects.create(participant=person, course=course, status="enrolled")
    # The course's own staff give places (another provider offers its people as handovers instead).
    staff = factories.MembershipFactory(provider=course.provider, role="staff").user
    people = [factories.ParticipantFactory(provider=course.provider) for _ in range(ATTEMPTS)]

    barrier = threading.Barrier(ATTEMPTS)
    results: list[object] = [None] * ATTEMPTS

    def attempt(index):
        try:
            barrier.wait(timeout=30)
            results[index] = services.enrollment_enrol(actor=staff, participant=people[index], course=course)
        except ValidationError as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    winners = [r for r in results if isinstance(r, Enrollment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(winners) == 1, results
    assert len(refused) == ATTEMPTS - 1
    assert all("keinen freien Platz mehr" in " ".join(error.messages) for error in refused), refused[0].messages
    course.refresh_from_db()
    assert course.free_places == 0
    assert Enrollment.objects.filter(course=course, status="enrolled").count() == (1 if reported else 12)
    # One report for the enrolment (plus the provider's own one where there was one).
    assert PlaceReport.objects.filter(course=course).count() == (2 if reported else 1)
    assert Course.objects.get(pk=course.pk).enrollments.filter(participant__in=people).count() == 1
