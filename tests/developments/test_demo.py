"""The demo developments log: idempotent, realistic and consistent with the demo's Aktionsplan meetings."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from developments import demo
from developments.models import Assessment, Development
from meetings.models import ActionItem, Body, Meeting

pytestmark = pytest.mark.django_db


def test_the_demo_log_is_consistent_and_seeding_twice_changes_nothing():
    call_command("seed_demo", verbosity=0)
    now, today = timezone.now(), timezone.localdate()
    developments = list(Development.objects.all())
    assert 5 <= len(developments) <= 8
    assert {d.level for d in developments} >= {"federal", "land", "county"}
    assert any(d.concerns_courses for d in developments) and not all(d.concerns_courses for d in developments)
    for development in developments:
        assert development.created_at <= now and development.dated <= development.created_at.date()
    for assessment in Assessment.objects.select_related("development", "meeting__series"):
        if assessment.is_open:
            assert assessment.meeting is None and assessment.assessed_at is None
            continue
        assert assessment.development.created_at <= assessment.assessed_at <= now
        assert assessment.meeting.series.body == Body.ACTION_PLAN
        assert assessment.meeting.starts_at <= assessment.assessed_at
        assert assessment.meeting.status != Meeting.Status.CANCELLED
    measures = list(ActionItem.objects.filter(development__isnull=False).select_related("meeting__series"))
    assert {m.status for m in measures} == {"open", "done"}
    assert any(m.status == "open" and m.due_on < today for m in measures)  # one overdue
    for measure in measures:
        assert measure.owner_department is not None and measure.meeting.series.body == Body.ACTION_PLAN
        assert measure.due_on >= timezone.localtime(measure.meeting.starts_at).date()
        assert measure.meeting.starts_at <= now
        if measure.done_at:
            assert measure.done_at <= now
    # The demo county-staff login answers for the overdue one and has assessments waiting.
    kreis_overdue = [m for m in measures if m.owner_department.code == "soziales" and m.status == "open"]
    assert any(m.due_on < today for m in kreis_overdue)
    assert Assessment.objects.filter(department__code="soziales", verdict="pending").exists()
    before = (Development.objects.count(), Assessment.objects.count(), ActionItem.objects.count())
    assert demo.seed_developments(today=today) == 0
    assert (Development.objects.count(), Assessment.objects.count(), ActionItem.objects.count()) == before
