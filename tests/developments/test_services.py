"""The developments log's services: recording developments, assessments per department, measures as action items."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from developments import services
from developments.models import Assessment, Development
from meetings.models import ActionItem, Body, Meeting
from meetings.selectors import open_action_items_for_provider
from tests.register.helpers import department

from .helpers import NOW, action_plan_meeting, development_data, jugend, make_development, soziales

pytestmark = pytest.mark.django_db


def test_a_development_asks_every_named_department_for_an_assessment(world):
    development = make_development(world.users.coordinator)
    assert sorted(a.department.code for a in development.assessments.all()) == ["jugend", "soziales"]
    assert {a.verdict for a in development.assessments.all()} == {Assessment.Verdict.PENDING}


@pytest.mark.parametrize("role", ["county", "a_admin", "a_staff"])
def test_only_the_coordinator_records_developments(world, role):
    with pytest.raises(PermissionDenied):
        make_development(getattr(world.users, role))
    assert not Development.objects.exists()


def test_bad_input_names_every_problem_and_saves_nothing(world):
    with pytest.raises(ValidationError) as error:
        services.development_create(
            actor=world.users.coordinator,
            data=development_data(title=" ", level="mars", source="", dated=None, summary=""),
            departments=[],
        )
    assert set(error.value.message_dict) == {"title", "level", "source", "dated", "summary", "departments"}
    assert not Development.objects.exists() and not Assessment.objects.exists()


def test_update_adds_and_drops_open_assessments_but_keeps_recorded_ones(world):
    coordinator = world.users.coordinator
    development = make_development(coordinator)
    meeting = action_plan_meeting(NOW - datetime.timedelta(hours=1))
    jugend_assessment = development.assessments.get(department__code="jugend")
    services.assessment_save(
        actor=coordinator,
        assessment=jugend_assessment,
        verdict="not_affected",
        consequences="",
        meeting=meeting,
        now=NOW,
    )
    schule = department("schule", "Fachdienst Schule")
    with pytest.raises(ValidationError) as error:
        services.development_update(
            actor=coordinator, development=development, data=development_data(), departments=[soziales()]
        )
    assert "Fachdienst Jugend" in str(error.value)
    services.development_update(
        actor=coordinator, development=development, data=development_data(title="Neu"), departments=[jugend(), schule]
    )
    development.refresh_from_db()
    assert development.title == "Neu"
    assert sorted(a.department.code for a in development.assessments.all()) == ["jugend", "schule"]
    assert development.assessments.get(department__code="jugend").verdict == "not_affected"


def test_county_staff_assess_for_their_own_department_only(world):
    development = make_development(world.users.coordinator)
    county = world.users.county
    soziales().members.add(county)
    own = development.assessments.get(department__code="soziales")
    other = development.assessments.get(department__code="jugend")
    services.assessment_save(actor=county, assessment=own, verdict="affected", consequences="Merkblatt", now=NOW)
    own.refresh_from_db()
    assert (own.verdict, own.consequences, own.assessed_by, own.meeting) == ("affected", "Merkblatt", county, None)
    with pytest.raises(PermissionDenied):
        services.assessment_save(actor=county, assessment=other, verdict="affected", consequences="x", now=NOW)
    with pytest.raises(PermissionDenied):
        services.assessment_save(actor=world.users.a_admin, assessment=own, verdict="affected", consequences="x")


def test_an_affected_department_says_what_follows(world):
    development = make_development(world.users.coordinator)
    assessment = development.assessments.first()
    cases = [("affected", " ", "consequences"), ("pending", "", "verdict"), ("x", "", "verdict")]
    for verdict, consequences, field in cases:
        with pytest.raises(ValidationError) as error:
            services.assessment_save(
                actor=world.users.coordinator, assessment=assessment, verdict=verdict, consequences=consequences
            )
        assert field in error.value.message_dict
    assessment.refresh_from_db()
    assert assessment.verdict == "pending" and assessment.assessed_at is None


@pytest.mark.parametrize(
    ("starts", "status", "body"),
    [
        (NOW + datetime.timedelta(hours=1), Meeting.Status.PLANNED, Body.ACTION_PLAN),  # not begun
        (NOW - datetime.timedelta(hours=1), Meeting.Status.FINAL, Body.ACTION_PLAN),  # minutes final
        (NOW - datetime.timedelta(hours=1), Meeting.Status.CANCELLED, Body.ACTION_PLAN),
        (NOW - datetime.timedelta(hours=1), Meeting.Status.HELD, Body.ALLIANCE),  # another body
    ],
)
def test_assessments_and_measures_are_recorded_only_in_an_aktionsplan_meeting_under_way(world, starts, status, body):
    coordinator = world.users.coordinator
    development = make_development(coordinator)
    meeting = action_plan_meeting(starts, status=status, body=body)
    with pytest.raises(ValidationError) as error:
        services.assessment_save(
            actor=coordinator,
            assessment=development.assessments.first(),
            verdict="affected",
            consequences="x",
            meeting=meeting,
            now=NOW,
        )
    assert "meeting" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.measure_create(
            actor=coordinator, development=development, meeting=meeting, department=soziales(), title="x",
            due_on=None, now=NOW,
        )  # fmt: skip
    assert not ActionItem.objects.exists()


def test_a_measure_becomes_an_action_item_of_the_department_that_its_members_see(world):
    coordinator, county = world.users.coordinator, world.users.county
    soziales().members.add(county)
    development = make_development(coordinator)
    meeting = action_plan_meeting(NOW - datetime.timedelta(minutes=30))
    item = services.measure_create(
        actor=coordinator,
        development=development,
        meeting=meeting,
        department=soziales(),
        title="Merkblatt anpassen",
        due_on=NOW.date() + datetime.timedelta(days=14),
        now=NOW,
    )
    assert (item.owner_department, item.development, item.meeting, item.status) == (
        soziales(),
        development,
        meeting,
        ActionItem.Status.OPEN,
    )
    assert list(open_action_items_for_provider(user=county)) == [item]
    assert list(open_action_items_for_provider(user=world.users.a_admin)) == []


def test_a_measure_is_not_due_before_the_meeting_that_decides_it(world):
    coordinator = world.users.coordinator
    development = make_development(coordinator)
    meeting = action_plan_meeting(NOW - datetime.timedelta(minutes=30))
    with pytest.raises(ValidationError) as error:
        services.measure_create(
            actor=coordinator, development=development, meeting=meeting, department=soziales(), title="Zu früh",
            due_on=NOW.date() - datetime.timedelta(days=1), now=NOW,
        )  # fmt: skip
    assert "due_on" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.measure_create(
            actor=world.users.county, development=development, meeting=meeting, department=soziales(), title="x",
            due_on=None, now=NOW,
        )  # fmt: skip
    assert not ActionItem.objects.exists()
