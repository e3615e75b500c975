"""Reads of the Aktionsbündnis register of workflows and responsibilities.

Every logged-in role (coordinator, county staff, provider admin and staff) reads the whole register: it is what the
district agreed on, with no personal data in it. Anybody else gets nothing (404 for a workflow).
"""

from __future__ import annotations

import datetime
import difflib
import re
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diepholz_coord import access
from meetings.models import Body, Meeting

from .models import Actor, Department, Workflow, WorkflowStep, WorkflowVersion

READER_ROLES = frozenset({*access.COUNTY_ROLES, *access.PROVIDER_ROLES})
REVIEW_NOTICE_DAYS = 30
RESPONSIBLE_KINDS = ("department", "provider", "actor")
_RESPONSIBLE_VALUE = re.compile(r"(department|provider|actor):([0-9]{1,12})")


def may_read(user) -> bool:
    return access.role_of(user) in READER_ROLES


def may_edit(user) -> bool:
    """Only the coordinator records workflows and new versions (decided in the Aktionsbündnis)."""
    return access.is_coordinator(user)


def parse_responsible(value: str | None) -> tuple[str, int] | None:
    """ "department:3" → ("department", 3); anything else (other kinds, signs, spaces, "٣") → None."""
    match = _RESPONSIBLE_VALUE.fullmatch(value or "")
    if match is None or not match.group(2).isascii():
        return None
    return match.group(1), int(match.group(2))


def responsible_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The responsible select's option groups: departments, providers, other actors (active ones; three queries)."""
    from courses.models import Provider

    return [
        (str(_("Departments")), [(f"department:{d.pk}", d.name) for d in Department.objects.filter(active=True)]),
        (str(_("Providers")), [(f"provider:{p.pk}", p.name) for p in Provider.objects.filter(active=True)]),
        (str(_("Other actors")), [(f"actor:{a.pk}", a.name) for a in Actor.objects.filter(active=True)]),
    ]


def _versions_with_details() -> QuerySet[WorkflowVersion]:
    steps = WorkflowStep.objects.select_related("department", "provider", "actor").order_by("position")
    return WorkflowVersion.objects.select_related(
        "workflow", "decided_in__series", "decided_item", "created_by"
    ).prefetch_related(Prefetch("steps", queryset=steps))


def current_version_ids(*, today: datetime.date) -> QuerySet:
    """Per workflow, the pk of its current version: the newest valid_from on or before today (then the highest
    number). A subquery, so callers stay at a fixed number of queries."""
    newest = (
        WorkflowVersion.objects.filter(workflow_id=OuterRef("pk"), valid_from__lte=today)
        .order_by("-valid_from", "-number")
        .values("pk")[:1]
    )
    return Workflow.objects.annotate(current_id=Subquery(newest)).filter(current_id__isnull=False).values("current_id")


def current_versions(*, today: datetime.date) -> QuerySet[WorkflowVersion]:
    """The current version of every workflow that has one, with steps and responsibles, by title."""
    return _versions_with_details().filter(pk__in=current_version_ids(today=today)).order_by("workflow__title")


def workflow_list(
    *, user, today: datetime.date, q: str = "", responsible: tuple[str, int] | None = None
) -> list[WorkflowVersion]:
    """The register: current versions, searched (title, trigger, steps, responsibles; ignoring case) and filtered
    by a responsible ("department", pk) / ("provider", pk) / ("actor", pk). Fixed number of queries."""
    if not may_read(user):
        return []
    versions = current_versions(today=today)
    q = q.strip()
    if q:
        matching_steps = WorkflowStep.objects.filter(
            Q(title__icontains=q)
            | Q(description__icontains=q)
            | Q(contact__icontains=q)
            | Q(department__name__icontains=q)
            | Q(provider__name__icontains=q)
            | Q(actor__name__icontains=q)
        ).values("version_id")
        versions = versions.filter(
            Q(workflow__title__icontains=q)
            | Q(trigger__icontains=q)
            | Q(summary__icontains=q)
            | Q(pk__in=matching_steps)
        )
    if responsible is not None:
        kind, pk = responsible
        versions = versions.filter(pk__in=WorkflowStep.objects.filter(**{f"{kind}_id": pk}).values("version_id"))
    return list(versions)


def workflows_upcoming(*, user, today: datetime.date) -> list[WorkflowVersion]:
    """Workflows decided but not valid yet (no current version): their first version, listed apart."""
    if not may_read(user):
        return []
    without_current = Workflow.objects.exclude(versions__valid_from__lte=today).values("pk")
    return list(
        _versions_with_details()
        .filter(workflow_id__in=without_current, number=1)
        .order_by("valid_from", "workflow__title")
    )


def workflow_get_for_user(*, user, pk: int) -> Workflow:
    """The workflow with all its versions (steps and responsibles prefetched), newest first."""
    if not may_read(user):
        raise Http404
    workflow = (
        Workflow.objects.prefetch_related(Prefetch("versions", queryset=_versions_with_details().order_by("-number")))
        .filter(pk=pk)
        .first()
    )
    if workflow is None:
        raise Http404
    return workflow


def current_of(workflow: Workflow, *, today: datetime.date) -> WorkflowVersion | None:
    """The current version among the prefetched versions (see current_version_ids for the rule)."""
    valid = [v for v in workflow.versions.all() if v.valid_from <= today]
    return max(valid, key=lambda v: (v.valid_from, v.number), default=None)


def version_of(workflow: Workflow, number: int | None) -> WorkflowVersion | None:
    return next((v for v in workflow.versions.all() if v.number == number), None)


def version_get(*, workflow: Workflow, number: int) -> WorkflowVersion:
    """A version of a workflow fetched by workflow_get_for_user; 404 for an unknown number."""
    version = version_of(workflow, number)
    if version is None:
        raise Http404
    return version


# --- Comparing two versions -----------------------------------------------------------------------------------


def _text_diff(old: str, new: str) -> list[dict[str, str]]:
    """Word-level differences as segments {"op": "equal"|"delete"|"insert", "text": …} for <del>/<ins>."""
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    segments = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append({"op": "equal", "text": "".join(old_words[i1:i2])})
            continue
        if op in ("delete", "replace"):
            segments.append({"op": "delete", "text": "".join(old_words[i1:i2])})
        if op in ("insert", "replace"):
            segments.append({"op": "insert", "text": "".join(new_words[j1:j2])})
    return [s for s in segments if s["text"]]


def _field_row(name: str, label, old: str, new: str, *, text: bool = True) -> dict[str, Any]:
    changed = old != new
    return {
        "name": name,
        "label": label,
        "old": old,
        "new": new,
        "changed": changed,
        "diff": _text_diff(old, new) if changed and text and old and new else [],
    }


def _responsible_label(step: WorkflowStep) -> str:
    return str(step.responsible or "")


def _step_fields(old: WorkflowStep | None, new: WorkflowStep | None) -> list[dict[str, Any]]:
    def value(step, attribute):
        if step is None:
            return ""
        if attribute == "responsible":
            return _responsible_label(step)
        if attribute == "position":
            return str(step.position)
        return getattr(step, attribute)

    return [
        _field_row("position", _("position"), value(old, "position"), value(new, "position"), text=False),
        _field_row("title", _("step"), value(old, "title"), value(new, "title")),
        _field_row("description", _("description"), value(old, "description"), value(new, "description")),
        _field_row("responsible", _("responsible"), value(old, "responsible"), value(new, "responsible"), text=False),
        _field_row("contact", _("contact"), value(old, "contact"), value(new, "contact"), text=False),
    ]


def _pair_steps(old_steps: list[WorkflowStep], new_steps: list[WorkflowStep]) -> list[tuple]:
    """Which old step became which new one: same title first (also when moved), then the most similar title
    (a renamed step, ratio ≥ 0.6); what is left was removed or added."""
    pairs = []
    unmatched_old = list(old_steps)
    unmatched_new = []
    for step in new_steps:
        same = next((o for o in unmatched_old if o.title.strip().casefold() == step.title.strip().casefold()), None)
        if same is not None:
            unmatched_old.remove(same)
            pairs.append((same, step))
        else:
            unmatched_new.append(step)
    candidates = sorted(
        (
            (difflib.SequenceMatcher(a=o.title.casefold(), b=n.title.casefold()).ratio(), o.position, n.position, o, n)
            for o in unmatched_old
            for n in unmatched_new
        ),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    for ratio, _old_pos, _new_pos, old, new in candidates:
        if ratio < 0.6:
            break
        if old in unmatched_old and new in unmatched_new:
            unmatched_old.remove(old)
            unmatched_new.remove(new)
            pairs.append((old, new))
    pairs += [(None, new) for new in unmatched_new]
    pairs += [(old, None) for old in unmatched_old]
    return pairs


def version_diff(old: WorkflowVersion, new: WorkflowVersion) -> dict[str, Any]:
    """What changed from `old` to `new`: rows for the trigger and the summary, and one row per step with its
    status ("added", "removed", "changed", "unchanged") and per-field old/new values (word diff where text
    changed). Uses the prefetched steps: no queries of its own."""
    step_rows = []
    for old_step, new_step in _pair_steps(list(old.steps.all()), list(new.steps.all())):
        fields = _step_fields(old_step, new_step)
        if old_step is None:
            status = "added"
        elif new_step is None:
            status = "removed"
        else:
            status = "changed" if any(f["changed"] for f in fields) else "unchanged"
        step_rows.append({"status": status, "old": old_step, "new": new_step, "fields": fields})
    # In the order of the new version; a removed step stands where it stood in the old one.
    step_rows.sort(key=lambda r: (r["new"] or r["old"]).position + (0.5 if r["new"] is None else 0))
    return {
        "old": old,
        "new": new,
        "fields": [
            _field_row("trigger", _("what starts it"), old.trigger, new.trigger),
            _field_row("summary", _("summary and notes"), old.summary, new.summary),
        ],
        "steps": step_rows,
        "counts": {s: sum(r["status"] == s for r in step_rows) for s in ("added", "removed", "changed", "unchanged")},
    }


# --- For the Aktionsbündnis agenda ----------------------------------------------------------------------------


def _meeting_day(meeting: Meeting | None) -> str | None:
    return timezone.localtime(meeting.starts_at).date().isoformat() if meeting else None


def workflows_for_agenda(*, since: datetime.datetime | None, today: datetime.date) -> dict[str, list[dict[str, Any]]]:
    """What the Aktionsbündnis should hear about (JSON-serialisable, dates as ISO strings):
    - "changed": versions recorded after `since` (when the previous meeting's agenda was published, so nothing
      falls between two agendas; None: all) up to today, oldest first;
    - "due_for_review": current versions whose review date is at most 30 days ahead ("overdue" when passed).
    Two queries."""
    recorded = WorkflowVersion.objects.select_related("workflow", "decided_in").filter(created_at__date__lte=today)
    if since is not None:
        recorded = recorded.filter(created_at__gt=since)
    changed = [
        {
            "title": v.workflow.title,
            "version": v.number,
            "valid_from": v.valid_from.isoformat(),
            "decided_on": _meeting_day(v.decided_in),
            "change_note": v.change_note,
            "url": v.get_absolute_url(),
        }
        for v in recorded.order_by("created_at", "pk")
    ]
    due = (
        WorkflowVersion.objects.select_related("workflow")
        .filter(pk__in=current_version_ids(today=today))
        .filter(review_by__lte=today + datetime.timedelta(days=REVIEW_NOTICE_DAYS))
        .order_by("review_by", "workflow__title")
    )
    due_for_review = [
        {
            "title": v.workflow.title,
            "version": v.number,
            "review_by": v.review_by.isoformat(),
            "overdue": v.review_by < today,
            "url": reverse("register:workflow_detail", args=[v.workflow_id]),
        }
        for v in due
    ]
    return {"changed": changed, "due_for_review": due_for_review}


def deciding_meetings() -> QuerySet[Meeting]:
    """Meetings that can decide a version: of an Aktionsbündnis series, not cancelled."""
    return Meeting.objects.filter(series__body=Body.ALLIANCE).exclude(status=Meeting.Status.CANCELLED)
