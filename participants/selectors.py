"""Reads of participant data, always scoped by the acting user.

Who sees what (DESIGN.md, "Access rules"):
- the owning provider (the one that registered the person) and the coordinator: everything;
- a provider named in a valid consent to hand over: the agreed data (the full profile);
- a provider that has been involved (an enrollment in one of its courses, or a consent naming it that has been
  revoked or has expired): the pseudonymised profile only — code, level, needs, municipality, wishes;
- anyone else, county staff included: nothing (another provider's participant is 404; county staff get
  aggregates only and 403 on participant pages).
"""

from __future__ import annotations

import enum

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from diepholz_coord import access
from diepholz_coord.access import Role

from .models import Consent, Enrollment, Participant


class View(enum.Enum):
    FULL = "full"
    PSEUDONYMISED = "pseudonymised"


def _provider_ids(user) -> frozenset[int]:
    return access.provider_ids_for(user)


def _consented_to(provider_ids) -> Q:
    return Q(
        Exists(
            Consent.objects.valid().filter(
                participant=OuterRef("pk"), recipient_id__in=provider_ids, purpose=Consent.Purpose.HANDOVER
            )
        )
    )


def _involved(provider_ids) -> Q:
    return Q(Exists(Enrollment.objects.filter(participant=OuterRef("pk"), course__provider_id__in=provider_ids))) | Q(
        Exists(Consent.objects.filter(participant=OuterRef("pk"), recipient_id__in=provider_ids))
    )


def participants_with_full_view(*, user) -> QuerySet[Participant]:
    """Participants the user may see with names: own provider's, and those handed over with valid consent."""
    role = access.role_of(user)
    qs = Participant.objects.active().select_related("provider", "municipality")
    if role == Role.COORDINATOR:
        return qs
    if role not in access.PROVIDER_ROLES:
        return qs.none()
    ids = _provider_ids(user)
    # The people handed over with consent are few: read them first, so that "own OR consented" is two index
    # lookups (a BitmapOr) instead of a subquery tried on every row of the table. One query more.
    consented = list(
        Consent.objects.valid()
        .filter(recipient_id__in=ids, purpose=Consent.Purpose.HANDOVER)
        .values_list("participant_id", flat=True)
    )
    return qs.filter(Q(provider_id__in=ids) | Q(pk__in=consented))


def participant_view_for(*, user, participant: Participant) -> View | None:
    role = access.role_of(user)
    if role == Role.COORDINATOR:
        return View.FULL
    if role not in access.PROVIDER_ROLES:
        return None
    ids = _provider_ids(user)
    if participant.provider_id in ids:
        return View.FULL
    qs = Participant.objects.filter(pk=participant.pk)
    if qs.filter(_consented_to(ids)).exists():
        return View.FULL
    if qs.filter(_involved(ids)).exists():
        return View.PSEUDONYMISED
    return None


def participant_get_for_user(*, user, pk: int) -> tuple[Participant, View]:
    """The participant and how much of them the user may see. County staff: 403; no relation: 404."""
    if access.role_of(user) == Role.COUNTY_STAFF:
        raise PermissionDenied
    try:
        participant = Participant.objects.active().select_related("provider", "municipality").get(pk=pk)
    except Participant.DoesNotExist:
        raise Http404 from None
    view = participant_view_for(user=user, participant=participant)
    if view is None:
        raise Http404
    return participant, view


def participant_get_for_editor(*, user, pk: int) -> Participant:
    """Editing (and enrolling, consents, wishes) needs the full view; a pseudonymised view is 403."""
    participant, view = participant_get_for_user(user=user, pk=pk)
    if view != View.FULL:
        raise PermissionDenied
    return participant


def is_owner(user, participant: Participant) -> bool:
    """The provider that registered the person (or the coordinator): it keeps the record, its consents, erasure."""
    return access.is_coordinator(user) or participant.provider_id in _provider_ids(user)


def participant_get_for_owner(*, user, pk: int) -> Participant:
    """Changes to the person's own record (names, consents, erasure): the owning provider or the coordinator."""
    participant = participant_get_for_editor(user=user, pk=pk)
    if not is_owner(user, participant):
        raise PermissionDenied
    return participant


def participant_activity(*, participant: Participant):
    """Enrollments, consents and wishes of one person for the detail page (three queries)."""
    enrollments = participant.enrollments.select_related("course", "course__provider").order_by("-registered_on")
    consents = participant.consents.select_related("recipient", "recorded_by")
    wishes = participant.wishes.prefetch_related("municipalities").order_by("status", "-priority")
    return enrollments, consents, wishes


def enrollment_get_for_editor(*, user, pk: int) -> Enrollment:
    try:
        enrollment = Enrollment.objects.select_related("course", "participant").get(pk=pk)
    except Enrollment.DoesNotExist:
        raise Http404 from None
    participant = participant_get_for_editor(user=user, pk=enrollment.participant_id)
    # The person's own provider, the coordinator, or the provider running the course (with consent).
    if not (
        access.is_coordinator(user)
        or participant.provider_id in _provider_ids(user)
        or access.may_report_places(user, enrollment.course.provider_id)
    ):
        raise PermissionDenied
    return enrollment


def wish_get_for_editor(*, user, pk: int):
    from .models import CourseWish

    try:
        wish = CourseWish.objects.select_related("participant").get(pk=pk)
    except CourseWish.DoesNotExist:
        raise Http404 from None
    participant_get_for_owner(user=user, pk=wish.participant_id)
    return wish


def consent_get_for_owner(*, user, pk: int) -> Consent:
    try:
        consent = Consent.objects.select_related("participant").get(pk=pk)
    except Consent.DoesNotExist:
        raise Http404 from None
    participant_get_for_owner(user=user, pk=consent.participant_id)
    return consent


def courses_for_enrolment(*, user, participant: Participant):
    """Where the user may place the person directly, and where to offer them instead, each current or upcoming,
    the level closest to the person's first, with their places (courses.models.CourseQuerySet.with_places).

    Returns (own, elsewhere): the courses of the user's own providers (every course for the coordinator), full
    ones included for their waiting lists; and other providers' courses with a place to give, into which the
    person goes only as a handover that provider accepts."""
    from django.db.models import F
    from django.db.models.functions import Abs

    from courses.models import Course

    courses = Course.objects.bookable().with_places().select_related("provider", "municipality")
    if participant.level is not None:
        courses = courses.order_by(Abs(F("level_from") - participant.level), "start_date", "title", "pk")
    else:
        courses = courses.order_by("level_from", "start_date", "title", "pk")
    if access.is_coordinator(user):
        return courses, courses.none()
    own = access.provider_ids_for(user)
    elsewhere = courses.exclude(provider_id__in=own)
    if participant.provider_id not in own:
        # A provider that received the person by consent hands them on through their own provider.
        elsewhere = elsewhere.none()
    elsewhere = elsewhere.filter(start_date__gt=timezone.localdate(), places_available__gt=0)
    return courses.filter(provider_id__in=own), elsewhere


def demand(*, user=None, always_suppress: bool = False) -> dict:
    """Unmet course wishes by municipality of residence × wanted level, with row, column and district totals.

    Small numbers are hidden for county staff (diepholz_coord.small_numbers: the one rule); the coordinator sees
    every figure. `always_suppress=True` gives the county staff's view whoever asks, and needs no user: the
    meeting agenda and minutes, which go to providers and county staff, read the figures so. Two queries."""
    from django.conf import settings
    from django.db.models import Count

    from courses.domain import Level
    from courses.models import Municipality
    from diepholz_coord.small_numbers import suppress_table

    from .models import CourseWish

    if always_suppress:
        suppress = True
    else:
        role = access.role_of(user) if user is not None else Role.NONE
        if role not in access.COUNTY_ROLES:
            raise PermissionDenied
        suppress = role == Role.COUNTY_STAFF
    counts = {
        (row["participant__municipality_id"], row["level"]): row["n"]
        for row in CourseWish.objects.filter(status=CourseWish.Status.OPEN, participant__status="active")
        .values("participant__municipality_id", "level")
        .annotate(n=Count("id"))
    }
    levels = list(Level.choices)
    municipalities = list(Municipality.objects.order_by("name"))
    matrix = [[counts.get((m.pk, level), 0) for level, _label in levels] for m in municipalities]
    table = suppress_table(matrix, suppress=suppress)
    empty = "·"
    rows = [
        {
            "municipality": municipality,
            "cells": [cell.display(empty) for cell in cells],
            "total": total.display(empty),
        }
        for municipality, cells, total in zip(municipalities, table.cells, table.row_totals or [], strict=True)
    ]
    return {
        "levels": levels,
        "rows": rows,
        "totals": [cell.display(empty) for cell in table.column_totals or []],
        "total": table.total.display(empty) if table.total else empty,
        "suppressed": suppress,
        "limit": settings.SMALL_NUMBER_LIMIT,
    }


def course_roster(*, user, course) -> list[tuple[Enrollment, bool]] | None:
    """Who is enrolled in or waiting for a course, for the course's provider and the coordinator.

    Each entry says whether the user may see the person's name (own participant or valid consent); otherwise
    only the pseudonym code is shown. None for everyone else (county staff see no names)."""
    if not access.may_report_places(user, course.provider_id):
        return None
    enrollments = list(
        Enrollment.objects.filter(course=course, status__in=[Enrollment.Status.WAITING, Enrollment.Status.ENROLLED])
        .exclude(participant__status=Participant.Status.ANONYMISED)
        .select_related("participant")
        .order_by("status", "registered_on", "pk")
    )
    named = set(
        participants_with_full_view(user=user)
        .filter(pk__in=[e.participant_id for e in enrollments])
        .values_list("pk", flat=True)
    )
    return [(enrollment, enrollment.participant_id in named) for enrollment in enrollments]
