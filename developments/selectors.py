"""Reads of the developments log.

Who reads what: the coordinator and county staff read every development with its assessments and measures;
provider admins and staff read the developments that concern language courses, without the internal assessments
and measures; anybody else reads nothing (404 for a development). Every list makes a fixed number of queries.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from diepholz_coord import access
from meetings.models import ActionItem, Body, Meeting
from register.models import Department

from .models import Assessment, Development

AGENDA_ROWS = 40  # rows per agenda list (the rest is counted)


def may_read_internal(user) -> bool:
    """Assessments and measures are internal to the county."""
    return access.sees_whole_district(user)


def may_edit(user) -> bool:
    return access.is_coordinator(user)


def own_department_ids(user) -> frozenset[int]:
    """The departments a county-staff user belongs to (one query, cached on the user); none for other roles."""
    if access.role_of(user) != access.Role.COUNTY_STAFF:
        return frozenset()
    if not hasattr(user, "_own_department_ids"):
        user._own_department_ids = frozenset(Department.objects.filter(members=user).values_list("pk", flat=True))
    return user._own_department_ids


def may_assess(user, department_id: int) -> bool:
    """The coordinator any department's assessment, county staff their own departments'."""
    return access.is_coordinator(user) or department_id in own_department_ids(user)


def developments_visible_to(user) -> QuerySet[Development]:
    role = access.role_of(user)
    if role in access.COUNTY_ROLES:
        return Development.objects.all()
    if role in access.PROVIDER_ROLES:
        return Development.objects.filter(concerns_courses=True)
    return Development.objects.none()


def _count(queryset) -> Coalesce:
    """A count of related rows as a subquery (no join that multiplies rows)."""
    counted = queryset.order_by().values("development_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _with_counts(queryset: QuerySet[Development], *, today: datetime.date) -> QuerySet[Development]:
    assessments = Assessment.objects.filter(development_id=OuterRef("pk"))
    measures = ActionItem.objects.filter(development_id=OuterRef("pk"), status=ActionItem.Status.OPEN)
    return queryset.annotate(
        assessments_total=_count(assessments),
        assessments_open=_count(assessments.filter(verdict=Assessment.Verdict.PENDING)),
        assessments_affected=_count(assessments.filter(verdict=Assessment.Verdict.AFFECTED)),
        measures_open=_count(measures),
        measures_overdue=_count(measures.filter(due_on__lt=today)),
    )


def development_list(
    *,
    user,
    today: datetime.date,
    q: str = "",
    level: str = "",
    department: Department | None = None,
    open_only: bool = False,
) -> QuerySet[Development]:
    """The log, newest first: searched (title, source, summary, affected groups), filtered by level, by a
    department asked for an assessment, or to those with open assessments. Counts per development (internal
    readers only). One query (plus pagination's count)."""
    developments = developments_visible_to(user)
    q = q.strip()
    if q:
        developments = developments.filter(
            Q(title__icontains=q) | Q(source__icontains=q) | Q(summary__icontains=q) | Q(affected_groups__icontains=q)
        )
    if level:
        developments = developments.filter(level=level)
    internal = may_read_internal(user)
    if internal and department is not None:
        developments = developments.filter(
            Exists(Assessment.objects.filter(development_id=OuterRef("pk"), department=department))
        )
    if internal and open_only:
        developments = developments.filter(
            Exists(Assessment.objects.filter(development_id=OuterRef("pk"), verdict=Assessment.Verdict.PENDING))
        )
    if internal:
        developments = _with_counts(developments, today=today)
    return developments.order_by("-dated", "-pk")


def development_get_for_user(*, user, pk: int) -> Development:
    """A development the user may read, with its assessments and measures for internal readers (prefetched:
    a fixed number of queries however many there are)."""
    queryset = developments_visible_to(user).select_related("created_by")
    if may_read_internal(user):
        queryset = queryset.prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.select_related("department", "meeting__series", "assessed_by").order_by(
                    "department__position", "department__name"
                ),
            ),
            Prefetch(
                "measures",
                queryset=ActionItem.objects.select_related("owner_department", "meeting__series").order_by(
                    "status", "due_on", "pk"
                ),
            ),
        )
    development = queryset.filter(pk=pk).first()
    if development is None:
        raise Http404
    return development


def assessment_get_for_user(*, user, development: Development, department_pk: int) -> Assessment:
    """The department's assessment of a development fetched with development_get_for_user; 404 if the
    department was not asked or the user reads no assessments."""
    if not may_read_internal(user):
        raise Http404
    assessment = next((a for a in development.assessments.all() if a.department_id == department_pk), None)
    if assessment is None:
        raise Http404
    return assessment


def open_assessments_for(*, user) -> list[Assessment]:
    """The assessments the user's departments still owe (county staff's start page), oldest development first."""
    if access.role_of(user) != access.Role.COUNTY_STAFF:
        return []
    return list(
        Assessment.objects.filter(verdict=Assessment.Verdict.PENDING, department__members=user)
        .select_related("development", "department")
        .order_by("development__dated", "development_id", "department__position", "department__name")[:50]
    )


def open_assessment_count() -> int:
    return Assessment.objects.filter(verdict=Assessment.Verdict.PENDING).count()


def departments() -> QuerySet[Department]:
    return Department.objects.filter(active=True).order_by("position", "name")


def departments_for_form(development: Development | None) -> QuerySet[Department]:
    """The departments that can be asked: the active ones, and those asked already (also when no longer active,
    so that a development they assessed stays editable)."""
    if development is None:
        return departments()
    asked = Assessment.objects.filter(development=development).values("department_id")
    return Department.objects.filter(Q(active=True) | Q(pk__in=asked)).order_by("position", "name")


def next_action_plan_meeting(*, now: datetime.datetime) -> Meeting | None:
    """The coming Aktionsplan meeting (for "record it there" hints)."""
    return (
        Meeting.objects.filter(series__body=Body.ACTION_PLAN, starts_at__gt=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("series")
        .order_by("starts_at")
        .first()
    )


def recording_meetings(*, now: datetime.datetime) -> QuerySet[Meeting]:
    """The Aktionsplan meetings assessments and measures can be recorded in: begun, not cancelled, not final;
    the latest first."""
    return (
        Meeting.objects.filter(series__body=Body.ACTION_PLAN, starts_at__lte=now)
        .exclude(status__in=[Meeting.Status.CANCELLED, Meeting.Status.FINAL])
        .select_related("series")
        .order_by("-starts_at")
    )


# --- The Aktionsplan meeting and its agenda -------------------------------------------------------------------


def meeting_panel(*, meeting: Meeting, user, now: datetime.datetime | None = None) -> dict[str, Any] | None:
    """What an Aktionsplan meeting page shows of the log, for the county roles (None for other bodies and readers):
    - before and during the meeting: the developments with open assessments, and those assessed or given measures
      in this meeting; once it is under way the coordinator records assessments and measures here, county staff
      their own departments' assessments;
    - once the minutes are final (or the meeting was cancelled): only what was recorded in this meeting.
    At most five queries."""
    if meeting.series.body != Body.ACTION_PLAN or not may_read_internal(user):
        return None
    now = now or timezone.now()
    closed = meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.FINAL)
    under_way = meeting.starts_at <= now and not closed
    in_meeting = Q(assessments__meeting=meeting) | Q(measures__meeting=meeting)
    if closed:
        ids = Development.objects.filter(in_meeting).values("pk")
    else:
        pending = Exists(Assessment.objects.filter(development_id=OuterRef("pk"), verdict=Assessment.Verdict.PENDING))
        ids = Development.objects.filter(Q(pending) | in_meeting).values("pk")
    developments = list(
        Development.objects.filter(pk__in=ids)
        .prefetch_related(
            # A closed meeting shows the assessments recorded in it, not later ones.
            Prefetch(
                "assessments",
                queryset=(
                    Assessment.objects.filter(meeting=meeting) if closed else Assessment.objects.all()
                ).select_related("department"),
            ),
            Prefetch(
                "measures",
                queryset=ActionItem.objects.filter(meeting=meeting).select_related("owner_department"),
                to_attr="measures_here",
            ),
        )
        .order_by("dated", "pk")
    )
    coordinator = access.is_coordinator(user)
    own = own_department_ids(user) if under_way else frozenset()
    for development in developments:
        for assessment in development.assessments.all():
            # Open ones, and those recorded in this meeting, can be recorded or corrected here while it runs.
            assessment.record_here = (
                under_way
                and (coordinator or assessment.department_id in own)
                and (assessment.is_open or assessment.meeting_id == meeting.pk)
            )
    return {
        "developments": developments,
        "state": "closed" if closed else "under_way" if under_way else "before",
        "may_record": coordinator and under_way,  # measures
        "departments": list(departments()) if coordinator and under_way else [],
    }


def _d(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def developments_for_agenda(*, since: datetime.datetime | None, today: datetime.date) -> dict[str, Any]:
    """What the Aktionsplan round should hear about (JSON-serialisable, dates as ISO strings):
    - "new": developments recorded after `since` (when the previous meeting's agenda was published, so nothing
      falls between two agendas; None: all) up to today;
    - "open_assessments": departments that have not assessed a development yet;
    - "overdue_measures": open measures past their due date.
    Each list has at most AGENDA_ROWS rows, the rest counted in "<list>_more". Six queries."""
    new = Development.objects.filter(created_at__date__lte=today)
    if since is not None:
        new = new.filter(created_at__gt=since)
    new_rows = [
        {
            "title": d.title,
            "level": str(d.get_level_display()),
            "source": d.source,
            "dated": _d(d.dated),
            "url": d.get_absolute_url(),
        }
        for d in new.order_by("dated", "pk")[:AGENDA_ROWS]
    ]
    pending = Assessment.objects.filter(verdict=Assessment.Verdict.PENDING, development__created_at__date__lte=today)
    open_rows = [
        {
            "title": a.development.title,
            "department": a.department.name,
            "dated": _d(a.development.dated),
            "url": a.development.get_absolute_url(),
        }
        for a in pending.select_related("development", "department").order_by(
            "development__dated", "development_id", "department__position", "department__name"
        )[:AGENDA_ROWS]
    ]
    overdue = ActionItem.objects.filter(
        development__isnull=False, status=ActionItem.Status.OPEN, due_on__lt=today
    ).select_related("development", "owner_department", "owner_provider", "owner_user")
    overdue_rows = [
        {
            "title": m.title,
            "development": m.development.title,
            "owner": m.owner_label,
            "due_on": _d(m.due_on),
        }
        for m in overdue.order_by("due_on", "pk")[:AGENDA_ROWS]
    ]
    return {
        "since": _d(since),
        "new": new_rows,
        "new_more": new.count() - len(new_rows),
        "open_assessments": open_rows,
        "open_assessments_more": pending.count() - len(open_rows),
        "overdue_measures": overdue_rows,
        "overdue_measures_more": overdue.count() - len(overdue_rows),
    }


def log_for_pdf(*, user, today: datetime.date) -> list[Development]:
    """The whole log for its PDF, newest first, with assessments and measures for internal readers."""
    queryset = developments_visible_to(user).order_by("-dated", "-pk")
    if may_read_internal(user):
        queryset = queryset.prefetch_related(
            Prefetch("assessments", queryset=Assessment.objects.select_related("department", "meeting")),
            Prefetch(
                "measures",
                queryset=ActionItem.objects.select_related("owner_department", "meeting").order_by("due_on", "pk"),
            ),
        )
    return list(queryset)
