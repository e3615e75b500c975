"""Reads of handovers, scoped by the acting user.

The coordinator sees every handover; a provider sees those it sends (the sending provider, or the provider that
registered the person) and those it receives; anyone else gets 404. County staff see aggregates only (403).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from courses.models import Course
from diepholz_coord import access
from diepholz_coord.access import Role
from participants.models import Enrollment

from .models import Handover, HandoverStep


def ending_horizon_days() -> int:
    from django.conf import settings

    return settings.ENDING_COURSE_WEEKS * 7


def handovers_visible_to(*, user) -> QuerySet[Handover]:
    qs = Handover.objects.select_related(
        "participant",
        "participant__municipality",
        "from_provider",
        "to_provider",
        "to_course",
        "responsible",
        "agreed_in__series",
    )
    role = access.role_of(user)
    if role == Role.COORDINATOR:
        return qs
    if role not in access.PROVIDER_ROLES:
        return qs.none()
    ids = access.provider_ids_for(user)
    # The receiving side sees a handover once it has been offered to it (not while it is only being proposed).
    offered = Exists(HandoverStep.objects.filter(handover=OuterRef("pk"), status=Handover.Status.OFFERED))
    received = Q(to_provider_id__in=ids) & Q(offered)
    return qs.filter(Q(from_provider_id__in=ids) | Q(participant__provider_id__in=ids) | received)


def handover_get_for_user(*, user, pk: int) -> Handover:
    if access.role_of(user) == Role.COUNTY_STAFF:
        raise PermissionDenied
    try:
        return handovers_visible_to(user=user).get(pk=pk)
    except Handover.DoesNotExist:
        raise Http404 from None


def is_sender(user, handover: Handover) -> bool:
    ids = access.provider_ids_for(user)
    return access.is_coordinator(user) or handover.from_provider_id in ids or handover.participant.provider_id in ids


def is_receiver(user, handover: Handover) -> bool:
    return access.is_coordinator(user) or (
        handover.to_provider_id is not None and handover.to_provider_id in access.provider_ids_for(user)
    )


def open_handover_targets(*, participant_ids) -> set[tuple[int, int]]:
    """(participant id, course id) of every open handover (proposed, offered or accepted) of these people: a
    course already proposed for a person is not suggested to them again. One query."""
    return set(
        Handover.objects.filter(
            participant_id__in=participant_ids, status__in=Handover.OPEN_STATUSES, to_course__isnull=False
        ).values_list("participant_id", "to_course_id")
    )


def without_open_handovers(suggestions, *, participant_id: int, taken: set[tuple[int, int]]) -> list:
    """The suggestions for one person minus the courses already proposed for them (see open_handover_targets)."""
    return [s for s in suggestions if (participant_id, s.course.pk) not in taken]


# Meetings a handover can be recorded as agreed in: held ones and those of the next days, the newest first.
AGREED_IN_DAYS_AHEAD = 14
AGREED_IN_CHOICES = 24


def meetings_to_agree_in(*, current_id: int | None = None, now: datetime.datetime | None = None) -> QuerySet:
    """The AGREED_IN_CHOICES newest meetings that have begun or begin within AGREED_IN_DAYS_AHEAD days (not
    cancelled), and the one already recorded, with their series. Filterable (one query when evaluated)."""
    from meetings.models import Meeting

    now = now or timezone.now()
    recent = (
        Meeting.objects.exclude(status=Meeting.Status.CANCELLED)
        .filter(starts_at__lte=now + datetime.timedelta(days=AGREED_IN_DAYS_AHEAD))
        .order_by("-starts_at", "-pk")
        .values("pk")[:AGREED_IN_CHOICES]
    )
    return (
        Meeting.objects.filter(Q(pk__in=recent) | Q(pk=current_id))
        .select_related("series")
        .order_by("-starts_at", "-pk")
    )


def ending_courses(*, user, today: datetime.date | None = None, horizon_days: int | None = None):
    """Courses ending within the horizon, each with the number of enrolled people without a follow-up."""
    qs = ending_courses_all(today=today, horizon_days=horizon_days)
    if access.role_of(user) == Role.COORDINATOR:
        return qs
    if access.role_of(user) in access.PROVIDER_ROLES:
        return qs.filter(provider_id__in=access.provider_ids_for(user))
    raise PermissionDenied


def ending_courses_all(*, today: datetime.date | None = None, horizon_days: int | None = None):
    """All providers' courses ending within the horizon (no names: also used by the meeting agenda)."""
    today = today or timezone.localdate()
    horizon_days = horizon_days if horizon_days is not None else ending_horizon_days()
    open_handover = Handover.objects.filter(
        from_enrollment=OuterRef("pk"), status__in=[*Handover.OPEN_STATUSES, Handover.Status.STARTED]
    )
    without_follow_up = Enrollment.objects.filter(course=OuterRef("pk"), status=Enrollment.Status.ENROLLED).exclude(
        Exists(open_handover)
    )
    from django.db.models import Count

    qs = (
        Course.objects.filter(
            status__in=[Course.Status.RUNNING, Course.Status.OPEN, Course.Status.PLANNED],
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=horizon_days),
        )
        .select_related("provider", "municipality")
        .annotate(
            enrolled=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED), distinct=True),
            without_follow_up=Count(
                "enrollments",
                filter=Q(enrollments__in=without_follow_up.values("pk")),
                distinct=True,
            ),
        )
        .order_by("end_date", "title")
    )
    return qs
