"""Writes of the register: a new workflow with its first version, and new versions. Versions are never changed:
a change the Aktionsbündnis decides is a new version (number + 1), the old ones stay readable.

`version_data` holds trigger, summary, valid_from, review_by, decided_in, decided_item and change_note; each step
in `steps` holds title, description, contact and exactly one of department / provider / actor (instances).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courses.models import Provider
from diepholz_coord import access
from diepholz_coord.audit import records_actor
from meetings.models import Body, Meeting

from .models import Actor, Department, Workflow, WorkflowStep, WorkflowVersion, contact_of

REVIEW_AFTER = relativedelta(months=12)
MAX_STEPS = 30
RESPONSIBLE_MODELS = {"department": Department, "provider": Provider, "actor": Actor}
RESPONSIBLE_KINDS = tuple(RESPONSIBLE_MODELS)


def _check_coordinator(actor) -> None:
    if not access.is_coordinator(actor):
        raise PermissionDenied


def _clean_steps(steps: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    if not steps:
        raise ValidationError({"steps": _("A workflow needs at least one step. Please fill in the first row.")})
    if len(steps) > MAX_STEPS:
        raise ValidationError({"steps": _("A workflow has at most %(max)d steps.") % {"max": MAX_STEPS}})
    cleaned = []
    for position, step in enumerate(steps, start=1):
        title = (step.get("title") or "").strip()
        responsibles = [(kind, step.get(kind)) for kind in RESPONSIBLE_KINDS if step.get(kind) is not None]
        if not title:
            raise ValidationError({"steps": _("Step %(n)d has no title.") % {"n": position}})
        if len(responsibles) != 1:
            raise ValidationError(
                {"steps": _("Step %(n)d needs exactly one responsible: a department, a provider or another actor.")
                 % {"n": position}}
            )  # fmt: skip
        kind, responsible = responsibles[0]
        if not isinstance(responsible, RESPONSIBLE_MODELS[kind]):
            raise TypeError(f"step {position}: {kind} must be a {RESPONSIBLE_MODELS[kind].__name__}")
        if not getattr(responsible, "active", True):
            raise ValidationError(
                {"steps": _("Step %(n)d: %(name)s is no longer active; please choose another responsible.")
                 % {"n": position, "name": responsible}}
            )  # fmt: skip
        cleaned.append(
            {
                "position": position,
                "title": title,
                "description": (step.get("description") or "").strip(),
                kind: responsible,
                # Left empty: the responsible's own contact.
                "contact": (step.get("contact") or "").strip() or contact_of(responsible),
            }
        )
    return cleaned


def _meeting_day(meeting: Meeting) -> datetime.date:
    return timezone.localtime(meeting.starts_at).date()


def _clean_version(data: dict[str, Any], *, latest: WorkflowVersion | None, today: datetime.date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    trigger = (data.get("trigger") or "").strip()
    valid_from = data.get("valid_from")
    review_by = data.get("review_by")
    meeting: Meeting | None = data.get("decided_in")
    item = data.get("decided_item")
    change_note = (data.get("change_note") or "").strip()
    if not trigger:
        errors["trigger"] = _("Please describe what starts the workflow.")
    if valid_from is None:
        errors["valid_from"] = _("Please enter the date from which the workflow applies.")
    if meeting is not None:
        if meeting.series.body != Body.ALLIANCE:
            errors["decided_in"] = _("Workflows are decided in a meeting of the Aktionsbündnis Integration.")
        elif meeting.status == Meeting.Status.CANCELLED:
            errors["decided_in"] = _("This meeting was cancelled; please choose the meeting that decided it.")
        elif _meeting_day(meeting) > today:
            errors["decided_in"] = _("This meeting has not taken place yet; record the version after the decision.")
        elif valid_from is not None and valid_from < _meeting_day(meeting):
            errors["valid_from"] = _("The version cannot apply before the meeting that decided it (%(day)s).") % {
                "day": date_format(_meeting_day(meeting), "SHORT_DATE_FORMAT")
            }
    if item is not None:
        if meeting is None:
            errors["decided_item"] = _("Please choose the meeting of this agenda item as well.")
        elif item.meeting_id != meeting.pk:
            errors["decided_item"] = _("This agenda item belongs to another meeting.")
    if latest is not None:
        if not change_note:
            errors["change_note"] = _("Please say what changed and why.")
        if valid_from is not None and valid_from < latest.valid_from:
            errors["valid_from"] = _(
                "A new version cannot apply before the previous one (version %(n)d, valid from %(day)s)."
            ) % {"n": latest.number, "day": date_format(latest.valid_from, "SHORT_DATE_FORMAT")}
    if valid_from is not None:
        review_by = review_by or valid_from + REVIEW_AFTER
        if review_by <= valid_from:
            errors["review_by"] = _("The review date must lie after the date the version applies from.")
    if errors:
        raise ValidationError(errors)
    return {
        "trigger": trigger,
        "summary": (data.get("summary") or "").strip(),
        "valid_from": valid_from,
        "review_by": review_by,
        "decided_in": meeting,
        "decided_item": item,
        "change_note": change_note,
    }


def _clean_all(version_data, steps, *, latest, today, errors: dict) -> tuple[dict, list[dict]]:
    """Both checks at once, so the form shows every problem in one go; raises with all of them."""
    version = cleaned_steps = None
    try:
        version = _clean_version(version_data, latest=latest, today=today)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        cleaned_steps = _clean_steps(steps)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return version, cleaned_steps


def _save_version(
    *, actor, workflow: Workflow, number: int, version: dict[str, Any], steps: list[dict[str, Any]]
) -> WorkflowVersion:
    saved = WorkflowVersion.objects.create(workflow=workflow, number=number, created_by=actor, **version)
    WorkflowStep.objects.bulk_create([WorkflowStep(version=saved, **step) for step in steps])
    return saved


@records_actor
@transaction.atomic
def workflow_create(
    *,
    actor,
    title: str,
    version_data: dict[str, Any],
    steps: Sequence[dict[str, Any]],
    today: datetime.date | None = None,
) -> WorkflowVersion:
    """A new workflow with its first version. Coordinator only."""
    _check_coordinator(actor)
    today = today or timezone.localdate()
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Please give the workflow a title.")
    elif Workflow.objects.filter(title__iexact=title).exists():
        errors["title"] = _("A workflow with this title exists already; change that one instead.")
    version, cleaned_steps = _clean_all(version_data, steps, latest=None, today=today, errors=errors)
    workflow = Workflow.objects.create(title=title)
    return _save_version(actor=actor, workflow=workflow, number=1, version=version, steps=cleaned_steps)


@records_actor
@transaction.atomic
def workflow_version_create(
    *,
    actor,
    workflow: Workflow,
    version_data: dict[str, Any],
    steps: Sequence[dict[str, Any]],
    today: datetime.date | None = None,
) -> WorkflowVersion:
    """A new version (number + 1) of the workflow; the older versions stay as they were. Coordinator only."""
    _check_coordinator(actor)
    today = today or timezone.localdate()
    # The row lock makes two coordinators saving at once get numbers n+1 and n+2, not a clash.
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk)
    latest = workflow.versions.order_by("-number").first()
    version, cleaned_steps = _clean_all(version_data, steps, latest=latest, today=today, errors={})
    number = (latest.number if latest else 0) + 1
    return _save_version(actor=actor, workflow=workflow, number=number, version=version, steps=cleaned_steps)
