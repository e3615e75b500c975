"""Reads of course data, always scoped by the acting user (the one door to provider data)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from diepholz_coord import access

from .domain import Level
from .filters import CourseFilter
from .models import Course, Membership, Municipality, PlaceReport, PlaceReservation, Provider, Venue, stale_report


def courses_visible_to(*, user, today: datetime.date | None = None, places: bool = True) -> QuerySet[Course]:
    """Courses the user may read: every course of the district for every role (a course's public facts —
    provider, contact, venue, dates, times, level, target group, free places — are no personal data, and
    providers advise people about the whole district's offer). Annotated with the places (with_places);
    ``places=False``: the courses' own fields only."""
    if access.role_of(user) == access.Role.NONE:
        return Course.objects.none()
    if not places:
        return Course.objects.all()
    return Course.objects.select_related("provider", "venue", "municipality").with_places(today)


def course_filter(*, user, data) -> CourseFilter:
    """The course list's filters over the courses the user may read (the list page and its export)."""
    return CourseFilter(data, queryset=courses_visible_to(user=user), user=user)


def own_courses(*, user, today: datetime.date | None = None, places: bool = True) -> QuerySet[Course]:
    """The courses of the user's own providers ("mine"); all courses for the county roles."""
    qs = courses_visible_to(user=user, today=today, places=places)
    if access.sees_whole_district(user):
        return qs
    return qs.filter(provider_id__in=access.provider_ids_for(user))


def course_get_for_user(*, user, pk: int) -> Course:
    """The course's public facts; 404 for a course that does not exist (or a user without any role)."""
    try:
        return courses_visible_to(user=user).get(pk=pk)
    except Course.DoesNotExist:
        raise Http404 from None


def course_get_for_own_provider(*, user, pk: int, places: bool = True) -> Course:
    """A course whose inner workings (participants, enrolments, follow-ups) the user may see: its own provider's
    people and the county roles. Another provider's course is 404 here, as for all of that provider's data."""
    try:
        return own_courses(user=user, places=places).get(pk=pk)
    except Course.DoesNotExist:
        raise Http404 from None


def course_get_for_manager(*, user, pk: int) -> Course:
    """Editing: the course's provider admins and the coordinator. Another provider's course is 404, a missing
    right inside one's own provider (staff, county staff) 403."""
    course = course_get_for_own_provider(user=user, pk=pk)
    if not access.may_manage_provider(user, course.provider_id):
        raise PermissionDenied
    return course


def course_get_for_reporter(*, user, pk: int, places: bool = True) -> Course:
    """A course whose free places the user may report (404 for another provider's, 403 without the right).
    ``places=False``: the course's own fields only, for a report about to be written (the service reads the
    places under the row's lock)."""
    course = course_get_for_own_provider(user=user, pk=pk, places=places)
    if not access.may_report_places(user, course.provider_id):
        raise PermissionDenied
    return course


def course_reservations(*, course: Course, today: datetime.date | None = None) -> QuerySet[PlaceReservation]:
    """Places held in the course now (for its page), oldest first, with the handover they are held for."""
    return course.reservations.active(today).select_related("handover__participant").order_by("created_at", "pk")


def course_reports(*, course: Course, limit: int = 100) -> QuerySet[PlaceReport]:
    return course.reports.select_related("reported_by")[:limit]


def provider_home_courses(*, user, today: datetime.date | None = None) -> QuerySet[Course]:
    """The courses a provider's people work with: not finished or cancelled, soonest first."""
    today = today or timezone.localdate()
    return (
        courses_visible_to(user=user, today=today)
        .filter(provider_id__in=access.provider_ids_for(user))
        .filter(Q(end_date__gte=today) | Q(status__in=[Course.Status.PLANNED, Course.Status.OPEN]))
        .exclude(status__in=[Course.Status.CANCELLED, Course.Status.FINISHED])
        .order_by("start_date", "title")
    )


def providers_visible_to(*, user) -> QuerySet[Provider]:
    if access.sees_whole_district(user):
        return Provider.objects.select_related("municipality")
    return Provider.objects.select_related("municipality").filter(pk__in=access.provider_ids_for(user))


PROVIDERS_PER_PAGE = 50


def provider_list(*, user, page: str | int | None = 1, today: datetime.date | None = None) -> Page:
    """One page of the providers, by name, each with its number of current and upcoming courses and free places
    (the count, the page, the page's figures: three queries whatever the number of providers)."""
    today = today or timezone.localdate()
    paginator = Paginator(providers_visible_to(user=user).order_by("name", "pk"), PROVIDERS_PER_PAGE)
    found = paginator.get_page(page)
    providers = list(found.object_list)
    figures = {
        row["provider_id"]: row
        for row in Course.objects.bookable(today)
        .filter(provider_id__in=[provider.pk for provider in providers])
        .with_places(today)
        .values("provider_id")
        .annotate(courses=Count("pk"), free=Sum("places_available"))
    }
    for provider in providers:
        row = figures.get(provider.pk, {})
        provider.bookable_courses = row.get("courses", 0)
        provider.free_places = row.get("free") or 0
    found.object_list = providers
    return found


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
class DistrictTotals:
    """The district at a glance (the start pages' cards): one query whatever the size."""

    total_free: int
    total_courses: int
    total_capacity: int
    courses_without_report: int
    stale_count: int
    stale_days: int


@dataclass
class DistrictOverview(DistrictTotals):
    rows: list[MatrixRow]
    column_totals: list[MatrixCell]
    # The STALE_SHOWN courses with the oldest reports (missing ones first), by provider; all of them are in the
    # course list (`?report=stale`).
    stale_by_provider: list[tuple[Provider, list[Course]]]
    stale_shown: int


# The district overview lists this many stale courses (the oldest reports); the course list has all of them.
STALE_SHOWN = 40


@dataclass
class FreePlacesMatrix:
    rows: list[MatrixRow]
    column_totals: list[MatrixCell]
    total_free: int
    total_courses: int
    # The district's totals, summed from the same grouped query (the overview needs no second pass over the
    # courses): the same figures as district_totals.
    totals: DistrictTotals


def _bookable_figures(now: datetime.datetime) -> dict:
    """The aggregates the district's figures are made of, over current and upcoming courses with their places."""
    return {
        "free": Sum("places_available"),
        "courses": Count("id"),
        "capacity": Sum("capacity"),
        "unreported": Count("id", filter=Q(free_places__isnull=True)),
        "stale": Count("id", filter=stale_report(now)),
    }


def _totals(figures: dict) -> DistrictTotals:
    return DistrictTotals(
        total_free=figures["free"] or 0,
        total_courses=figures["courses"] or 0,
        total_capacity=figures["capacity"] or 0,
        courses_without_report=figures["unreported"] or 0,
        stale_count=figures["stale"] or 0,
        stale_days=settings.STALE_REPORT_DAYS,
    )


def free_places_matrix(*, today: datetime.date | None = None) -> FreePlacesMatrix:
    """Places current and upcoming courses can still give (with_places), municipality × entry level. Two
    queries whatever the size. The district overview and the meeting agenda both show this one matrix."""
    today = today or timezone.localdate()
    figures = _bookable_figures(timezone.now())
    found = {
        (row["municipality_id"], row["level_from"]): row
        for row in Course.objects.bookable(today)
        .with_places(today)
        .values("level_from", "municipality_id")
        .annotate(**figures)
    }
    column_totals = [MatrixCell(level=level, level_label=label) for level, label in Level.choices]
    rows = []
    for municipality in Municipality.objects.order_by("name"):
        cells = []
        for column in column_totals:
            data = found.get((municipality.pk, column.level), {"free": 0, "courses": 0})
            cell = MatrixCell(
                level=column.level, level_label=column.level_label, free=data["free"] or 0, courses=data["courses"]
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
    return FreePlacesMatrix(
        rows=rows,
        column_totals=column_totals,
        total_free=sum(c.free for c in column_totals),
        total_courses=sum(c.courses for c in column_totals),
        totals=_totals({name: sum(row[name] or 0 for row in found.values()) for name in figures}),
    )


def stale_courses(*, now: datetime.datetime | None = None) -> QuerySet[Course]:
    """Bookable courses with a stale or missing free-places report, the oldest report first (missing first)."""
    return (
        Course.objects.stale(now)
        .select_related("provider", "municipality")
        .with_places(timezone.localdate(now))
        .order_by(F("places_reported_at").asc(nulls_first=True), "start_date", "pk")
    )


def stale_courses_shown(*, limit: int = STALE_SHOWN) -> list[Course]:
    """The `limit` stale courses with the oldest reports (the overview and the agenda list these), by provider."""
    return sorted(stale_courses()[:limit], key=lambda c: (c.provider.name, c.provider_id))


def district_totals(*, user, today: datetime.date | None = None) -> DistrictTotals:
    """Free places, courses, places and stale reports of current and upcoming courses in the whole district."""
    if not access.sees_whole_district(user):
        raise PermissionDenied
    today = today or timezone.localdate()
    return _totals(Course.objects.bookable(today).with_places(today).aggregate(**_bookable_figures(timezone.now())))


def district_overview(*, user, today: datetime.date | None = None) -> DistrictOverview:
    """Free places in current and upcoming courses, municipality × entry level, plus the oldest stale reports.

    Three queries whatever the size of the district (the totals come with the matrix).
    """
    if not access.sees_whole_district(user):
        raise PermissionDenied
    today = today or timezone.localdate()
    matrix = free_places_matrix(today=today)
    totals = matrix.totals
    stale: dict[int, list[Course]] = defaultdict(list)
    providers: dict[int, Provider] = {}
    shown = stale_courses_shown()
    for course in shown:
        providers[course.provider_id] = course.provider
        stale[course.provider_id].append(course)

    return DistrictOverview(
        **vars(totals),
        rows=matrix.rows,
        column_totals=matrix.column_totals,
        stale_by_provider=[(providers[pid], courses) for pid, courses in stale.items()],
        stale_shown=len(shown),
    )
