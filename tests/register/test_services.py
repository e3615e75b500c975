"""Writes of the register: versions, numbers, validation in German, meeting/item consistency, coordinator only."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetings.models import Body, Meeting
from register import selectors
from register.models import Workflow, WorkflowStep, WorkflowVersion

from .helpers import TODAY, actor, alliance_meeting, department, make_workflow, new_version, step

pytestmark = pytest.mark.django_db
# Messages are compared with the German catalogue's text of each msgid (the lead adds the translations).
ONE_RESPONSIBLE = gettext_lazy("Step %(n)d needs exactly one responsible: a department, a provider or another actor.")


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.message_dict


def test_create_then_new_version_keeps_the_old_one_readable(world):
    coordinator = world.users.coordinator
    jugend, jobcenter = department(), actor()
    first = make_workflow(
        coordinator,
        steps=[step("Schule zuweisen", jugend), step("Beratung", jobcenter, kind="actor", contact="Frau Test")],
        valid_from=TODAY - datetime.timedelta(days=100),
    )
    assert first.number == 1
    assert first.review_by == datetime.date(2026, 3, 7) + datetime.timedelta(days=365)  # valid_from + 12 months
    # An empty contact takes the responsible's; a given one stays.
    assert [s.contact for s in first.steps.order_by("position")] == [
        "jugend@example.org · 05441 976-1300",
        "Frau Test",
    ]
    second = new_version(
        coordinator,
        first.workflow,
        steps=[step("Schule zuweisen", jugend, description="binnen zehn Tagen")],
        valid_from=TODAY - datetime.timedelta(days=5),
        change_note="Frist ergänzt",
    )
    third = new_version(coordinator, first.workflow, valid_from=TODAY + datetime.timedelta(days=20))
    assert (second.number, third.number) == (2, 3)
    first.refresh_from_db()
    assert first.steps.count() == 2 and first.trigger == "Der Fall tritt ein."
    assert WorkflowStep.objects.filter(version=second).get().description == "binnen zehn Tagen"
    # Current: the newest valid_from on or before today; version 3 applies later.
    workflow = selectors.workflow_get_for_user(user=coordinator, pk=first.workflow_id)
    assert selectors.current_of(workflow, today=TODAY).number == 2
    assert selectors.current_of(workflow, today=TODAY + datetime.timedelta(days=20)).number == 3
    assert [v.number for v in selectors.current_versions(today=TODAY)] == [2]


@pytest.mark.parametrize("role", ["county", "a_admin", "a_staff", "b_admin"])
def test_only_the_coordinator_writes(world, role):
    user = getattr(world.users, role)
    with pytest.raises(PermissionDenied):
        make_workflow(user)
    workflow = make_workflow(world.users.coordinator).workflow
    with pytest.raises(PermissionDenied):
        new_version(user, workflow, valid_from=TODAY)
    assert WorkflowVersion.objects.count() == 1


def test_validation_messages_name_their_fields(world):
    coordinator = world.users.coordinator
    errors = errors_of(lambda: make_workflow(coordinator, title=" ", steps=[{"title": "x"}], trigger=""))
    assert errors["title"] == [_("Please give the workflow a title.")]
    assert errors["trigger"] == [_("Please describe what starts the workflow.")]
    assert errors["steps"] == [ONE_RESPONSIBLE % {"n": 1}]
    from register import services

    errors = errors_of(
        lambda: services.workflow_create(
            actor=coordinator, title="Ohne Schritte", version_data={"trigger": "t", "valid_from": TODAY}, steps=[]
        )
    )
    assert errors["steps"] == [_("A workflow needs at least one step. Please fill in the first row.")]
    two = {"title": "Zwei", "department": department(), "actor": actor()}
    assert errors_of(lambda: make_workflow(coordinator, steps=[two]))["steps"] == [ONE_RESPONSIBLE % {"n": 1}]
    make_workflow(coordinator, title="Familie kommt an")
    assert errors_of(lambda: make_workflow(coordinator, title="familie KOMMT an"))["title"] == [
        _("A workflow with this title exists already; change that one instead.")
    ]
    assert Workflow.objects.count() == 1


def test_decided_in_must_be_a_held_alliance_meeting_and_valid_from_not_before_it(world):
    coordinator = world.users.coordinator
    meeting = alliance_meeting(TODAY - datetime.timedelta(days=20))
    round_ = alliance_meeting(TODAY - datetime.timedelta(days=21), body=Body.PROVIDER_ROUND)
    cancelled = alliance_meeting(TODAY - datetime.timedelta(days=22), status=Meeting.Status.CANCELLED)
    future = alliance_meeting(TODAY + datetime.timedelta(days=3), status=Meeting.Status.PLANNED)

    def attempt(**data):
        return errors_of(lambda: make_workflow(coordinator, title="T", **data))

    assert attempt(decided_in=round_)["decided_in"] == [
        _("Workflows are decided in a meeting of the Aktionsbündnis Integration.")
    ]
    assert attempt(decided_in=cancelled)["decided_in"] == [
        _("This meeting was cancelled; please choose the meeting that decided it.")
    ]
    assert attempt(decided_in=future, valid_from=TODAY + datetime.timedelta(days=5))["decided_in"] == [
        _("This meeting has not taken place yet; record the version after the decision.")
    ]
    assert attempt(decided_in=meeting, valid_from=TODAY - datetime.timedelta(days=21))["valid_from"] == [
        _("The version cannot apply before the meeting that decided it (%(day)s).") % {"day": "26.05.2026"}
    ]
    assert attempt(decided_in=meeting, decided_item=round_.workflow_item)["decided_item"] == [
        _("This agenda item belongs to another meeting.")
    ]
    assert attempt(decided_item=meeting.workflow_item)["decided_item"] == [
        _("Please choose the meeting of this agenda item as well.")
    ]
    assert attempt(review_by=TODAY - datetime.timedelta(days=30))["review_by"] == [
        _("The review date must lie after the date the version applies from.")
    ]
    assert not Workflow.objects.exists()
    saved = make_workflow(
        coordinator, decided_in=meeting, decided_item=meeting.workflow_item, valid_from=TODAY - datetime.timedelta(20)
    )
    assert saved.decided_in == meeting and saved.decided_item == meeting.workflow_item


def test_a_new_version_needs_a_change_note_and_cannot_apply_before_the_previous(world):
    coordinator = world.users.coordinator
    workflow = make_workflow(coordinator, valid_from=TODAY - datetime.timedelta(days=10)).workflow
    errors = errors_of(
        lambda: new_version(coordinator, workflow, change_note="", valid_from=TODAY - datetime.timedelta(days=11))
    )
    assert errors["change_note"] == [_("Please say what changed and why.")]
    assert errors["valid_from"] == [
        _("A new version cannot apply before the previous one (version %(n)d, valid from %(day)s).")
        % {"n": 1, "day": "05.06.2026"}
    ]
    assert workflow.versions.count() == 1


def test_a_failing_step_saves_nothing(world):
    """One transaction: a bad step after good ones leaves neither workflow nor version behind."""
    coordinator = world.users.coordinator
    with pytest.raises(ValidationError):
        make_workflow(coordinator, steps=[step("Gut", department()), {"title": "", "department": department()}])
    assert not Workflow.objects.exists() and not WorkflowVersion.objects.exists()
