"""Writes of the developments log. Each write runs in one transaction and is audited.

- the coordinator records and changes developments and names the departments asked for an assessment;
- a department's county staff (and the coordinator) record its assessment, in a meeting or between meetings;
- the coordinator records measures decided in an Aktionsplan meeting: action items owned by a department, linked
  to the development, carried over to the next agendas until done.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from diepholz_coord import access
from diepholz_coord.audit import records_actor
from meetings.models import ActionItem, Body, Meeting
from register.models import Department

from . import selectors
from .models import Assessment, Development

DEVELOPMENT_FIELDS = ("title", "level", "source", "source_url", "dated", "summary", "affected_groups")
EARLIEST = datetime.date(1990, 1, 1)  # dates before are typing errors
YEARS_AHEAD = 5  # a source dated (or a measure due) later than this is a typing error


def _check_coordinator(actor) -> None:
    if not access.is_coordinator(actor):
        raise PermissionDenied


def _meeting_day(meeting: Meeting) -> datetime.date:
    return timezone.localtime(meeting.starts_at).date()


def check_meeting(meeting: Meeting, *, now: datetime.datetime) -> None:
    """A meeting something is recorded in: of the Aktionsplan Integration, begun, not cancelled, not final.
    Called inside the write's transaction; the meeting's row is locked so that finalising waits for the write."""
    meeting.status = Meeting.objects.select_for_update().filter(pk=meeting.pk).values_list("status", flat=True).get()
    if meeting.series.body != Body.ACTION_PLAN:
        raise ValidationError({"meeting": _("Assessments and measures are recorded in an Aktionsplan meeting.")})
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError({"meeting": _("This meeting was cancelled.")})
    if meeting.status == Meeting.Status.FINAL:
        raise ValidationError({"meeting": _("The minutes of this meeting are final; nothing can be added.")})
    if meeting.starts_at > now:
        raise ValidationError({"meeting": _("This meeting has not begun yet; record it in the meeting or after it.")})


def _latest_plausible(today: datetime.date) -> datetime.date:
    return today.replace(year=today.year + YEARS_AHEAD, day=min(today.day, 28))


def _clean_development(
    data: dict[str, Any], departments: Iterable[Department], *, already_asked: frozenset[int] = frozenset()
) -> tuple[dict, list[Department]]:
    errors: dict[str, str] = {}
    cleaned = {field: data.get(field) for field in DEVELOPMENT_FIELDS}
    for field in ("title", "source", "summary", "affected_groups", "source_url"):
        cleaned[field] = (cleaned[field] or "").strip()
    cleaned["concerns_courses"] = bool(data.get("concerns_courses"))
    if not cleaned["title"]:
        errors["title"] = _("Please give the development a title.")
    if cleaned["level"] not in Development.Level.values:
        errors["level"] = _("Please choose the level: EU, federal, Land or county.")
    if not cleaned["source"]:
        errors["source"] = _("Please name the source (law, decree, circular, letter).")
    if cleaned["dated"] is None:
        errors["dated"] = _("Please enter the date of the source.")
    elif not EARLIEST <= cleaned["dated"] <= _latest_plausible(timezone.localdate()):
        errors["dated"] = _("Please check the date: it lies before 1990 or more than five years ahead.")
    if not cleaned["summary"]:
        errors["summary"] = _("Please summarise the development in a few sentences.")
    departments = list(dict.fromkeys(departments))
    if not departments:
        errors["departments"] = _("Please choose at least one department to assess the development.")
    elif inactive := [str(d) for d in departments if not d.active and d.pk not in already_asked]:
        errors["departments"] = _("No longer active: %(names)s.") % {"names": ", ".join(inactive)}
    if errors:
        raise ValidationError(errors)
    return cleaned, departments


@records_actor
@transaction.atomic
def development_create(*, actor, data: dict[str, Any], departments: Iterable[Department]) -> Development:
    """A new development; every named department gets an open assessment. Coordinator only."""
    _check_coordinator(actor)
    cleaned, departments = _clean_development(data, departments)
    development = Development(created_by=actor, **cleaned)
    development.full_clean()
    development.save()
    Assessment.objects.bulk_create([Assessment(development=development, department=d) for d in departments])
    return development


@records_actor
@transaction.atomic
def development_update(
    *, actor, development: Development, data: dict[str, Any], departments: Iterable[Department]
) -> Development:
    """Change a development and the departments asked. A department that has assessed it already stays."""
    _check_coordinator(actor)
    development = Development.objects.select_for_update().get(pk=development.pk)
    existing = {a.department_id: a for a in development.assessments.select_related("department")}
    cleaned, departments = _clean_development(data, departments, already_asked=frozenset(existing))
    wanted = {d.pk for d in departments}
    assessed_left_out = [a for pk, a in existing.items() if pk not in wanted and not a.is_open]
    if assessed_left_out:
        raise ValidationError(
            {"departments": _("%(names)s assessed the development already and cannot be left out.")
             % {"names": ", ".join(str(a.department) for a in assessed_left_out)}}
        )  # fmt: skip
    for field, value in cleaned.items():
        setattr(development, field, value)
    development.full_clean()
    development.save()
    Assessment.objects.filter(development=development, verdict=Assessment.Verdict.PENDING).exclude(
        department_id__in=wanted
    ).delete()
    Assessment.objects.bulk_create(
        [Assessment(development=development, department=d) for d in departments if d.pk not in existing]
    )
    return development


@records_actor
@transaction.atomic
def assessment_save(
    *,
    actor,
    assessment: Assessment,
    verdict: str,
    consequences: str,
    meeting: Meeting | None = None,
    now: datetime.datetime | None = None,
) -> Assessment:
    """Record (or correct) a department's assessment: affected or not, and what follows."""
    now = now or timezone.now()
    assessment = Assessment.objects.select_for_update().select_related("department").get(pk=assessment.pk)
    if not selectors.may_assess(actor, assessment.department_id):
        raise PermissionDenied
    if assessment.meeting_id is not None:
        recorded_in = Meeting.objects.select_for_update().get(pk=assessment.meeting_id)
        if recorded_in.status == Meeting.Status.FINAL:
            raise ValidationError(
                _("This assessment is part of the final minutes of the meeting on %(day)s and can no longer be "
                  "changed.") % {"day": date_format(_meeting_day(recorded_in), "SHORT_DATE_FORMAT")}
            )  # fmt: skip
    consequences = (consequences or "").strip()
    errors: dict[str, str] = {}
    if verdict not in (Assessment.Verdict.AFFECTED, Assessment.Verdict.NOT_AFFECTED):
        errors["verdict"] = _("Please say whether the department is affected.")
    elif verdict == Assessment.Verdict.AFFECTED and not consequences:
        errors["consequences"] = _("Please say what follows for the department (or that nothing needs to be done).")
    if meeting is not None:
        try:
            check_meeting(meeting, now=now)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    assessment.verdict = verdict
    assessment.consequences = consequences
    assessment.meeting = meeting
    assessment.assessed_by = actor
    assessment.assessed_at = now
    assessment.save()
    return assessment


@records_actor
@transaction.atomic
def measure_create(
    *,
    actor,
    development: Development,
    meeting: Meeting,
    department: Department,
    title: str,
    due_on: datetime.date | None,
    now: datetime.datetime | None = None,
) -> ActionItem:
    """A measure decided in an Aktionsplan meeting: an action item owned by the department, linked to the
    development, on the next agendas until done. Coordinator only."""
    _check_coordinator(actor)
    now = now or timezone.now()
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Please say what is to be done.")
    if not department.active:
        errors["department"] = _("This department is no longer active.")
    try:
        check_meeting(meeting, now=now)
    except ValidationError as error:
        errors.update(error.message_dict)
    else:
        if due_on is not None and due_on > _latest_plausible(_meeting_day(meeting)):
            errors["due_on"] = _("Please check the due date: it lies more than five years ahead.")
        elif due_on is not None and due_on < _meeting_day(meeting):
            errors["due_on"] = _("The due date cannot lie before the meeting that decides the measure (%(day)s).") % {
                "day": date_format(_meeting_day(meeting), "SHORT_DATE_FORMAT")
            }
    if errors:
        raise ValidationError(errors)
    item = ActionItem(
        meeting=meeting,
        development=development,
        owner_department=department,
        title=title,
        due_on=due_on,
        created_by=actor,
    )
    item.full_clean()
    item.save()
    return item
