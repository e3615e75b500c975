"""Test data for the register: Aktionsbündnis meetings, departments, workflows through the services."""

import datetime

from django.utils import timezone

from meetings.models import AgendaItem, Body, Meeting
from register import services
from register.models import Actor, Department
from tests.meetings.factories import MeetingSeriesFactory

TODAY = datetime.date(2026, 6, 15)


def alliance_meeting(day: datetime.date, *, status=Meeting.Status.FINAL, body=Body.ALLIANCE) -> Meeting:
    series = MeetingSeriesFactory(body=body, name=f"{body} {day}")
    starts = datetime.datetime.combine(day, datetime.time(14), tzinfo=timezone.get_current_timezone())
    meeting = Meeting.objects.create(
        series=series,
        occurrence=day,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        location="Kreishaus",
        status=status,
        agenda_due_on=day - datetime.timedelta(days=14),
    )
    meeting.workflow_item = AgendaItem.objects.create(
        meeting=meeting, title="Arbeitsabläufe und Zuständigkeiten", kind=AgendaItem.Kind.DEFAULT
    )
    return meeting


def department(code="jugend", name="Fachdienst Jugend") -> Department:
    return Department.objects.get_or_create(
        code=code, defaults={"name": name, "email": f"{code}@example.org", "phone": "05441 976-1300"}
    )[0]


def actor(name="Jobcenter (Test)") -> Actor:
    return Actor.objects.get_or_create(name=name, defaults={"email": "jc@example.org"})[0]


def step(title, responsible, *, kind="department", description="", contact=""):
    return {"title": title, "description": description, "contact": contact, kind: responsible}


def version_data(**overrides):
    data = {
        "trigger": "Der Fall tritt ein.",
        "summary": "",
        "valid_from": TODAY - datetime.timedelta(days=30),
        "review_by": None,
        "decided_in": None,
        "decided_item": None,
        "change_note": "",
    }
    data.update(overrides)
    return data


def make_workflow(user, title="Familie kommt an", steps=None, today=TODAY, **data):
    steps = steps or [step("Schule zuweisen", department())]
    return services.workflow_create(
        actor=user, title=title, version_data=version_data(**data), steps=steps, today=today
    )


def new_version(user, workflow, steps=None, today=TODAY, **data):
    data.setdefault("change_note", "Geändert")
    steps = steps or [step("Schule zuweisen", department())]
    return services.workflow_version_create(
        actor=user, workflow=workflow, version_data=version_data(**data), steps=steps, today=today
    )
