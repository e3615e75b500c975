"""The developments log's services: recording developments, assessments per department, measures as action items."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

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


def test_a_development_stays_editable_when_a_department_that_assessed_it_is_no_longer_active(world, client):
    coordinator = world.users.coordinator
    development = make_development(coordinator)
    services.assessment_save(
        actor=coordinator,
        assessment=development.assessments.get(department=jugend()),
        verdict="affected",
        consequences="Kitas informieren",
        now=NOW,
    )
    jugend_department = jugend()
    jugend_department.active = False
    jugend_department.save()
    client.force_login(coordinator)
    url = reverse("developments:development_update", args=[development.pk])
    form = client.get(url).context["form"]
    assert jugend_department in form.fields["departments"].queryset  # still offered, ticked
    data = {**development_data(title="Geändert"), "dated": development.dated.isoformat(), "level": "federal"}
    data["departments"] = [jugend_department.pk, soziales().pk]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    development.refresh_from_db()
    assert development.title == "Geändert"
    # A department no longer active cannot be newly asked.
    other = make_development(coordinator, departments=[soziales()])
    with pytest.raises(ValidationError) as error:
        services.development_update(
            actor=coordinator, development=other, data=development_data(), departments=[soziales(), jugend_department]
        )
    assert "departments" in error.value.message_dict


def test_an_assessment_in_final_minutes_can_no_longer_be_changed(world):
    coordinator = world.users.coordinator
    development = make_development(coordinator)
    meeting = action_plan_meeting(NOW - datetime.timedelta(hours=2))
    assessment = development.assessments.get(department=soziales())
    services.assessment_save(
        actor=coordinator, assessment=assessment, verdict="affected", consequences="Merkblatt", meeting=meeting, now=NOW
    )
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.FINAL)
    with pytest.raises(ValidationError):
        services.assessment_save(
            actor=coordinator, assessment=assessment, verdict="not_affected", consequences="", now=NOW
        )
    assessment.refresh_from_db()
    assert (assessment.verdict, assessment.meeting) == ("affected", meeting)


@pytest.mark.parametrize("dated", [datetime.date(1989, 12, 31), datetime.date(1, 1, 1), datetime.date(2099, 1, 1)])
def test_implausible_dates_are_refused(world, dated):
    with pytest.raises(ValidationError) as error:
        make_development(world.users.coordinator, dated=dated)
    assert "dated" in error.value.message_dict


def test_the_aktionsplan_is_internal_no_providers_invited_or_owning_its_action_items(world):
    from meetings import selectors as meeting_selectors
    from meetings import services as meeting_services

    coordinator = world.users.coordinator
    meeting = action_plan_meeting(NOW - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError) as error:
        meeting_services.series_save(
            actor=coordinator, series=meeting.series, data={"invited_providers": [world.provider_a]}
        )
    assert "invited_providers" in error.value.message_dict
    assert not meeting.series.invited_providers.exists()
    with pytest.raises(ValidationError):
        meeting_services.action_item_create(
            meeting=meeting, actor=coordinator, data={"title": "x", "owner_provider": world.provider_a}
        )
    # Even an invitation or an action item written past the services shows a provider nothing of the round.
    meeting.series.invited_providers.add(world.provider_a)
    ActionItem.objects.create(meeting=meeting, title="x", owner_provider=world.provider_a)
    for user in (world.users.a_admin, world.users.a_staff):
        assert not meeting_selectors.meetings_visible_to(user=user).filter(pk=meeting.pk).exists()
        assert not meeting_selectors.series_visible_to(user=user).filter(pk=meeting.series_id).exists()
    assert meeting_selectors.meetings_visible_to(user=world.users.county).filter(pk=meeting.pk).exists()


def test_action_item_form_takes_only_ascii_primary_keys(world):
    from meetings.forms import ActionItemForm

    meeting = action_plan_meeting(NOW - datetime.timedelta(hours=1))
    department = soziales()
    arabic_indic = "".join(chr(0x0660 + int(digit)) for digit in str(department.pk))  # int() would take it
    form = ActionItemForm({"title": "x", "owner_department": arabic_indic}, meeting=meeting)
    assert not form.is_valid() and "owner_department" in form.errors
    assert ActionItemForm({"title": "x", "owner_department": str(department.pk)}, meeting=meeting).is_valid()
