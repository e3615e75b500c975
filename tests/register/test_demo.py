"""The demo register: idempotent, realistic and consistent with the demo's Aktionsbündnis meetings."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from meetings.models import Body, Meeting
from register import demo
from register.models import Workflow, WorkflowStep, WorkflowVersion
from tests import factories

from .helpers import alliance_meeting

pytestmark = pytest.mark.django_db


def counts():
    return Workflow.objects.count(), WorkflowVersion.objects.count(), WorkflowStep.objects.count()


def check_rules(today):
    now = timezone.now()
    assert 8 <= Workflow.objects.count() <= 12
    for version in WorkflowVersion.objects.select_related("decided_in__series", "decided_item"):
        assert 3 <= version.steps.count() <= 6, version
        assert version.created_at <= now
        if version.decided_in is not None:
            meeting = version.decided_in
            day = timezone.localtime(meeting.starts_at).date()
            assert meeting.series.body == Body.ALLIANCE and meeting.status != Meeting.Status.CANCELLED
            assert day < today, "decided in the future"
            assert version.valid_from >= day
            assert version.decided_item is None or version.decided_item.meeting_id == meeting.pk
    for step in WorkflowStep.objects.all():
        assert "@" not in step.contact or "example.org" in step.contact, step.contact
    twice = [w for w in Workflow.objects.all() if w.versions.count() == 2]
    assert len(twice) >= 3
    return twice


def test_seed_demo_twice_is_stable_and_consistent():
    call_command("seed_demo", verbosity=0)
    first = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == first
    today = timezone.localdate()
    twice = check_rules(today)
    meetings = Meeting.objects.filter(series__body=Body.ALLIANCE, starts_at__date__lt=today).exclude(
        status=Meeting.Status.CANCELLED
    )
    for workflow in twice:
        v1, v2 = workflow.versions.order_by("number")
        assert v2.decided_in is not None and v1.decided_in != v2.decided_in
        if meetings.count() < 2:
            assert v1.decided_in is None


def test_two_past_meetings_decide_the_two_versions():
    """With two past Aktionsbündnis meetings, the first versions are decided in the earlier one."""
    today = timezone.localdate()
    factories.coordinator(username="koordination")
    demo.seed_departments()
    for name in (demo.VHS, demo.MBE, demo.JMD, demo.LERNHAUS):
        factories.ProviderFactory(name=name)
    earlier = alliance_meeting(today - datetime.timedelta(days=120))
    later = alliance_meeting(today - datetime.timedelta(days=30))
    alliance_meeting(today - datetime.timedelta(days=60), status=Meeting.Status.CANCELLED)
    assert demo.seed_workflows(today=today) == len(demo.WORKFLOWS)
    assert demo.seed_workflows(today=today) == 0
    twice = check_rules(today)
    for workflow in twice:
        v1, v2 = workflow.versions.order_by("number")
        assert (v1.decided_in, v2.decided_in) == (earlier, later)
        assert v2.decided_item == later.workflow_item


def test_the_next_alliance_agenda_lists_only_what_its_latest_meeting_changed():
    """After `seed_demo` the coming Aktionsbündnis agenda reports, as "changed since the last meeting", the second
    versions the latest meeting decided — not every workflow of the register."""
    from meetings.agenda import previous_agenda_time
    from register.selectors import workflows_for_agenda

    call_command("seed_demo", verbosity=0)
    today = timezone.localdate()
    coming = Meeting.objects.filter(series__body=Body.ALLIANCE, starts_at__date__gte=today).order_by("starts_at")
    changed = workflows_for_agenda(since=previous_agenda_time(coming.first()), today=today)["changed"]
    assert sorted((row["title"], row["version"]) for row in changed) == [
        ("Ein Kurs fällt kurzfristig aus", 2),
        ("Eine Person erhält eine Berechtigung zum Integrationskurs (BAMF)", 2),
        ("Familie mit schulpflichtigen Kindern kommt an", 2),
        ("Übergang Integrationskurs → Berufssprachkurs (DeuFöV)", 2),
    ]
    assert len(changed) < Workflow.objects.count()
