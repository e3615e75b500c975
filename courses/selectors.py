"""Reads of course data, always scoped by the acting user (the one door to provider data)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from diepholz_coord import access

from .domain import Level
from .models import Course, Membership, Municipality, PlaceReport, Provider, Venue


def courses_visible_to(*, user) -> QuerySet[Course]:
    qs = Course.objects.select_related("provider", "venue", "municipality")
    if access.sees_whole_district(user):
        return qs
    return qs.filter(provider_id__in=access.provider_ids_for(user))


def course_get_for_user(*, user, pk: int) -> Course:
    """The course if the user may see it; 404 otherwise (another provider's course does not exist for you)."""
    try:
        return courses_visible_to(user=user).get(pk=pk)
    except Course.DoesNotExist:
        raise Http404 from None


def course_get_for_manager(*, user, pk: int) -> Course:
    course = course_get_for_user(user=user, pk=pk)
    if not access.may_manage_provider(user, course.provider_id):
        raise PermissionDenied
    return course


def course_get_for_reporter(*, user, pk: int) -> Course:
    course = course_get_for_user(user=user, pk=pk)
    if not access.may_report_places(user, course.provider_id):
        raise PermissionDenied
    return course


def course_reports(*, course: Course, limit: int = 100) -> QuerySet[PlaceReport]:
    return course.reports.select_related("reported_by")[:limit]


def provider_home_courses(*, user) -> QuerySet[Course]:
    """The courses a provider's people work with: not finished or cancelled, soonest first."""
    today = timezone.localdate()
    return (
        courses_visible_to(user=user)
        .filter(provider_id__in=access.provider_ids_for(user))
        .filter(Q(end_date__gte=today) | Q(status__in=[Course.Status.PLANNED, Course.Status.OPEN]))
        .exclude(status__in=[Course.Status.CANCELLED, Course.Status.FINISHED])
        .order_by("start_date", "title")
    )


def providers_visible_to(*, user) -> QuerySet[Provider]:
    if access.sees_whole_district(user):
        return Provider.objects.select_related("municipality")
    return Provider.objects.select_related("municipality").filter(pk__in=access.provider_ids_for(user))


def provider_list(*, user) -> QuerySet[Provider]:
    """Providers with their number of current and upcoming courses and free places (one query)."""
    today = timezone.localdate()
    bookable = Q(
        courses__status__in=Course.BOOKABLE_STATUSES,
        courses__end_date__gte=today,
    )
    return providers_visible_to(user=user).annotate(
        bookable_courses=Count("courses", filter=bookable),
        free_places=Sum("courses__free_places", filter=bookable),
    )


def provider_get_for_user(*, user, pk: int) -> Provider:
    try:
        return providers_visible_to(user=user).get(pk=pk)
    except Provider.DoesNotExist:
        raise Http404 from None


def provider_get_for_manager(*, user, pk: int) -> Provider:
    provider = provider_get_for_user(user=user, pk=pk)
    if not access.may_manage_provider(user, provider.pk):
        raise PermissionDenied
    return provider


def venue_get_for_manager(*, user, pk: int) -> Venue:
    try:
        venue = Venue.objects.select_related("provider", "municipality").get(pk=pk)
    except Venue.DoesNotExist:
        raise Http404 from None
    if not access.may_view_provider_data(user, venue.provider_id):
        raise Http404
    if not access.may_manage_provider(user, venue.provider_id):
        raise PermissionDenied
    return venue


def membership_get_for_manager(*, user, provider: Provider, pk: int) -> Membership:
    try:
        return Membership.objects.select_related("user").get(pk=pk, provider=provider)
    except Membership.DoesNotExist:
        raise Http404 from None


def provider_members(*, provider: Provider) -> QuerySet[Membership]:
    return Membership.objects.filter(provider=provider).select_related("user").order_by("role", "user__username")


@dataclass
class MatrixCell:
    level: int
    level_label: str
    free: int = 0
    courses: int = 0


@dataclass
class MatrixRow:
    municipality: Municipality
    cells: list[MatrixCell]
    free: int = 0
    courses: int = 0


@dataclass
class DistrictOverview:
    rows: list[MatrixRow]
    column_totals: list[MatrixCell]
    total_free: int
    total_courses: int
    total_capacity: int
    courses_without_report: int
    stale_by_provider: list[tuple[Provider, list[Course]]]
    stale_count: int
    stale_days: int


def district_overview(*, user, today: datetime.date | None = None) -> DistrictOverview:
    """Free places in current and upcoming courses, municipality × entry level, plus stale reports.

    Four queries whatever the size of the district.
    """
    if not access.sees_whole_district(user):
        raise PermissionDenied
    today = today or timezone.localdate()
    bookable = Course.objects.bookable(today)
    found = {
        (row["municipality_id"], row["level_from"]): row
        for row in bookable.values("level_from", "municipality_id").annotate(
            free=Sum("free_places"), courses=Count("id")
        )
    }
    column_totals = [MatrixCell(level=level, level_label=label) for level, label in Level.choices]
    rows = []
    for municipality in Municipality.objects.all():
        cells = []
        for column in column_totals:
            data = found.get((municipality.pk, column.level), {"free": 0, "courses": 0})
            cell = MatrixCell(
                level=column.level,
                level_label=column.level_label,
                free=data["free"] or 0,
                courses=data["courses"],
            )
            column.free += cell.free
            column.courses += cell.courses
            cells.append(cell)
        rows.append(
            MatrixRow(
                municipality=municipality,
                cells=cells,
                free=sum(c.free for c in cells),
                courses=sum(c.courses for c in cells),
            )
        )
    totals = bookable.aggregate(
        capacity=Sum("capacity"),
        courses=Count("id"),
        unreported=Count("id", filter=Q(free_places__isnull=True)),
    )

    stale: dict[int, list[Course]] = defaultdict(list)
    providers: dict[int, Provider] = {}
    for course in (
        Course.objects.stale()
        .select_related("provider", "municipality")
        .order_by("provider__name", "places_reported_at", "start_date")
    ):
        providers[course.provider_id] = course.provider
        stale[course.provider_id].append(course)

    return DistrictOverview(
        rows=rows,
        column_totals=column_totals,
        total_free=sum(c.free for c in column_totals),
        total_courses=totals["courses"] or 0,
        total_capacity=totals["capacity"] or 0,
        courses_without_report=totals["unreported"] or 0,
        stale_by_provider=[(providers[pid], courses) for pid, courses in stale.items()],
        stale_count=sum(len(courses) for courses in stale.values()),
        stale_days=settings.STALE_REPORT_DAYS,
    )
