"""A free-places report that waits for the course's lock checks the figure against the course as it is once the
lock is got: an enrolment committed meanwhile counts (PostgreSQL, read committed)."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from courses import services
from courses.models import Course
from participants.models import Enrollment

from .. import factories
from ..required import require_postgres


def _waiting_for_a_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_report_waiting_for_the_lock_counts_the_enrolment_committed_meanwhile():
    require_postgres()
    course = factories.CourseFactory(capacity=12, min_size=1, title="Fast voll")
    for person in [factories.ParticipantFactory(provider=course.provider) for _ in range(10)]:
        Enrollment.objects.create(participant=person, course=course, status="enrolled")
    newcomer = factories.ParticipantFactory(provider=course.provider)
    staff = factories.MembershipFactory(provider=course.provider, role="staff").user
    locked, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def enrol_holding_the_lock():
        try:
            with transaction.atomic():
                Course.objects.select_for_update().get(pk=course.pk)
                Enrollment.objects.create(participant=newcomer, course=course, status="enrolled")
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def report_two_free_places():
        try:
            services.course_report_free_places(actor=staff, course=course, free_places=2)
            outcome["report"] = "saved"
        except ValidationError as error:
            outcome["report"] = error
        finally:
            connection.close()

    holder = threading.Thread(target=enrol_holding_the_lock)
    holder.start()
    assert locked.wait(timeout=30)
    reporter = threading.Thread(target=report_two_free_places)
    reporter.start()
    deadline = time.monotonic() + 30
    while not _waiting_for_a_lock():  # the report waits for the course's row lock
        assert time.monotonic() < deadline, "the report never waited for the lock"
        time.sleep(0.02)
    release.set()
    holder.join(timeout=30)
    reporter.join(timeout=30)
    # Eleven people are enrolled now: at most one place can be free, and the message says so.
    assert isinstance(outcome["report"], ValidationError), outcome
    assert "höchstens 1" in " ".join(outcome["report"].messages) or "at most 1" in " ".join(outcome["report"].messages)
    course.refresh_from_db()
    assert course.free_places is None
