"""Writes of course data. Each service: keyword-only, one transaction, takes `actor=`, writes an audit entry
(a PlaceReport is itself the audit record of a free-places report: who, when, what, why).

Services re-check the rules that forms check for the user's convenience: a service is safe to call from a
task, a command or a test without a form in front of it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diepholz_coord import access
from diepholz_coord.audit import records_actor

from .domain import TARGET_GROUP_FIELDS, target_group_defaults
from .models import Course, Membership, PlaceReport, PlaceReservation, Provider, Venue, reservation_held_until
from .places import current_places, places_of
from .rules import course_rule_errors

COURSE_FIELDS = [
    "provider",
    "venue",
    "municipality",
    "title",
    "course_type",
    "funder",
    "level_from",
    "level_to",
    "start_date",
    "end_date",
    "weekdays",
    "time_from",
    "time_to",
    "teaching_units",
    "capacity",
    "min_size",
    "childcare",
    *TARGET_GROUP_FIELDS,
    "target_group",
    "status",
]


def _check_course_rules(course: Course) -> None:
    """Rules no stored course may break (courses.rules); the database constraints repeat the hard ones."""
    errors = course_rule_errors(course)
    if errors:
        raise ValidationError(errors)


def _check_may_manage(actor, provider: Provider) -> None:
    if not access.may_manage_provider(actor, provider.pk):
        raise PermissionDenied(_("You may not manage courses of this provider."))


def track_cancellation(course: Course) -> None:
    """Keep `cancelled_at` in step with the status (the meeting agenda lists courses cancelled since the last
    meeting). Every path that sets a course's status calls this: services, imports through them, the admin."""
    if course.status == Course.Status.CANCELLED:
        course.cancelled_at = course.cancelled_at or timezone.now()
    else:
        course.cancelled_at = None


@records_actor
@transaction.atomic
def course_create(*, actor, data: dict[str, Any]) -> Course:
    """A new course. Target-group fields not given (e.g. by an import) come from the course type."""
    values = {key: data[key] for key in COURSE_FIELDS if key in data}
    if "course_type" in values:
        for key, default in target_group_defaults(values["course_type"]).items():
            values.setdefault(key, default)
    course = Course(**values)
    _check_may_manage(actor, course.provider)
    if course.venue_id:
        course.municipality = course.venue.municipality
    _check_course_rules(course)
    track_cancellation(course)
    course.save()
    return course


@records_actor
@transaction.atomic
def course_update(*, actor, course: Course, data: dict[str, Any]) -> Course:
    course = Course.objects.select_for_update().get(pk=course.pk)
    _check_may_manage(actor, course.provider)
    changed = []
    for key in COURSE_FIELDS:
        if key in data and getattr(course, key) != data[key]:
            setattr(course, key, data[key])
            changed.append(key)
    # The provider of a course never changes through an edit: it would move data across providers.
    if "provider" in changed:
        raise ValidationError({"provider": _("A course cannot be moved to another provider.")})
    if "status" in changed and course.status != Course.Status.CANCELLED and course.cancel_reason:
        # Taken back into the programme: the old reason no longer applies.
        course.cancel_reason = ""
        changed.append("cancel_reason")
    if course.venue_id:
        course.municipality = course.venue.municipality
    _check_course_rules(course)
    track_cancellation(course)
    course.save()
    if "start_date" in changed:
        # Places held for accepted handovers are held until the same number of days after the new start.
        course.reservations.active().update(held_until=reservation_held_until(course.start_date))
    return course


@records_actor
@transaction.atomic
def course_cancel(*, actor, course: Course, reason: str) -> Course:
    course = Course.objects.select_for_update().get(pk=course.pk)
    _check_may_manage(actor, course.provider)
    if course.status == Course.Status.CANCELLED:
        raise ValidationError(_("This course is already cancelled."))
    if course.status == Course.Status.FINISHED:
        raise ValidationError(_("A finished course cannot be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Please give a reason for the cancellation.")})
    course.status = Course.Status.CANCELLED
    course.cancel_reason = reason.strip()
    track_cancellation(course)
    course.save(update_fields=["status", "cancel_reason", "cancelled_at", "updated_at"])
    # Places held for accepted handovers are given back (the handovers stay open for their providers to withdraw).
    course.reservations.release(PlaceReservation.Release.CANCELLED)
    return course


@records_actor
def record_free_places(
    *, actor, course: Course, free_places: int, note: str, now: datetime.datetime | None = None
) -> PlaceReport:
    """THE place where a free-places report is written: the report (who, when, what, why: it is its own audit
    record) and the newest figure on the course. The caller holds the course row's lock and checks the rules in
    the same transaction."""
    now = now or timezone.now()
    report = PlaceReport.objects.create(
        course=course, free_places=free_places, reported_by=actor, reported_at=now, note=note.strip()
    )
    Course.objects.filter(pk=course.pk).update(free_places=free_places, places_reported_at=now)
    return report


@records_actor
@transaction.atomic
def course_report_free_places(*, actor, course: Course, free_places: int, note: str = "") -> PlaceReport:
    """Record the free places of a course now; the course shows the newest figure to the district. The report's
    ``course`` is the course read after the write, with its places (``with_places``) as the district sees them."""
    # Lock the course row: two reports at the same moment are applied one after the other.
    course = Course.objects.select_for_update().get(pk=course.pk)
    if not access.may_report_places(actor, course.provider_id):
        raise PermissionDenied(_("You may not report free places for this course."))
    if not course.is_bookable:
        raise ValidationError(_("Free places cannot be reported for a cancelled or finished course."))
    if free_places < 0:
        raise ValidationError({"free_places": _("The number of free places cannot be negative.")})
    if free_places > course.capacity:
        raise ValidationError(
            {
                "free_places": _("The course has only %(capacity)s places; enter at most %(capacity)s.")
                % {"capacity": course.capacity}
            }
        )
    report = record_free_places(actor=actor, course=course, free_places=free_places, note=note)
    # The places are read after the lock and the write, in a statement of their own (one that waited for the lock
    # would count enrolments as they were when it began): once for the check, and for whoever shows the course
    # next. A figure above what the enrolments leave is refused, and the report rolled back with the error.
    fresh = Course.objects.select_related("provider", "venue", "municipality").with_places().get(pk=course.pk)
    places = places_of(fresh)
    if free_places > places.room:
        raise ValidationError(
            {
                "free_places": _(
                    "%(enrolled)s people are enrolled in this course, so at most %(limit)s places can be free."
                )
                % {"enrolled": places.enrolled, "limit": places.room}
            }
        )
    report.course = fresh
    return report


@records_actor
def course_take_place(*, actor, course: Course, note: str) -> None:
    """An enrolment takes one of the course's places: the reported figure goes down by one (never below 0).

    Called before the person is enrolled; the caller holds the course row's lock and has checked that a place is
    available (places.require_room)."""
    places = current_places(course.pk)
    free = places.room if places.reported is None else min(places.reported, places.room)
    record_free_places(actor=actor, course=course, free_places=max(free - 1, 0), note=note)


@records_actor
def course_give_back_place(*, actor, course: Course, note: str) -> None:
    """An enrolled person left: the reported figure goes up by one (never above capacity minus enrolled).

    The caller holds the course row's lock and has ended the enrolment already."""
    places = current_places(course.pk)
    free = places.room - 1 if places.reported is None else places.reported
    record_free_places(actor=actor, course=course, free_places=min(free + 1, places.room), note=note)


PROVIDER_FIELDS = [
    "name",
    "kind",
    "municipality",
    "address",
    "contact_name",
    "email",
    "phone",
    "website",
    "active",
]


@records_actor
@transaction.atomic
def provider_create(*, actor, data: dict[str, Any]) -> Provider:
    if not access.is_coordinator(actor):
        raise PermissionDenied
    provider = Provider.objects.create(**{key: data[key] for key in PROVIDER_FIELDS if key in data})
    return provider


@records_actor
@transaction.atomic
def provider_update(*, actor, provider: Provider, data: dict[str, Any]) -> Provider:
    if not access.is_coordinator(actor):
        raise PermissionDenied
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    changed = [key for key in PROVIDER_FIELDS if key in data and getattr(provider, key) != data[key]]
    for key in changed:
        setattr(provider, key, data[key])
    provider.save()
    return provider


VENUE_FIELDS = [
    "name",
    "street",
    "postcode",
    "town",
    "municipality",
    "accessible",
    "childcare_on_site",
    "transport_note",
]


@records_actor
@transaction.atomic
def venue_create(*, actor, provider: Provider, data: dict[str, Any]) -> Venue:
    _check_may_manage(actor, provider)
    venue = Venue.objects.create(provider=provider, **{key: data[key] for key in VENUE_FIELDS if key in data})
    return venue


@records_actor
@transaction.atomic
def venue_update(*, actor, venue: Venue, data: dict[str, Any]) -> Venue:
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    _check_may_manage(actor, venue.provider)
    changed = [key for key in VENUE_FIELDS if key in data and getattr(venue, key) != data[key]]
    for key in changed:
        setattr(venue, key, data[key])
    venue.save()
    if "municipality" in changed:
        # Current and upcoming courses take the venue's new municipality; finished ones keep their history.
        for course in venue.courses.bookable().exclude(municipality=venue.municipality):
            course.municipality = venue.municipality
            course.save(update_fields=["municipality", "updated_at"])
    return venue


@records_actor
@transaction.atomic
def staff_account_create(
    *,
    actor,
    provider: Provider,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> Membership:
    """A new login for a person working for the provider."""
    _check_may_manage(actor, provider)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken. Please choose another one.")})
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    user = User.objects.create_user(
        username=username, password=password, first_name=first_name, last_name=last_name, email=email
    )
    membership = Membership.objects.create(user=user, provider=provider, role=role)
    return membership


@records_actor
@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    """Take a person's access to the provider away; a login with no provider left is deactivated."""
    _check_may_manage(actor, membership.provider)
    if membership.user_id == actor.pk:
        raise ValidationError(_("You cannot remove your own access."))
    membership.delete()
    # A login left without any role cannot do anything: switch it off, so it cannot be reused unnoticed.
    # Coordinators, county staff and superusers keep theirs.
    user = get_user_model().objects.get(pk=membership.user_id)
    if access.role_of(user) == access.Role.NONE:
        user.is_active = False
        user.save(update_fields=["is_active"])


def county_group(name: str) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    return group


def stale_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """E-mail each provider whose free-places reports are stale. Returns how many providers were reminded.

    Idempotent within a week: a provider reminded less than six days ago is skipped, so a repeated or
    delayed beat run sends nothing twice.
    """
    now = now or timezone.now()
    skip_after = now - datetime.timedelta(days=6)
    stale = Course.objects.stale(now).select_related("provider").order_by("provider_id", "start_date")
    by_provider: dict[int, list[Course]] = {}
    for course in stale:
        by_provider.setdefault(course.provider_id, []).append(course)
    reminded = 0
    admins: dict[int, list[str]] = {}
    for provider_id, email in (
        Membership.objects.filter(provider_id__in=by_provider, role=Membership.Role.ADMIN, user__is_active=True)
        .exclude(user__email="")
        .values_list("provider_id", "user__email")
    ):
        admins.setdefault(provider_id, []).append(email)
    for provider_id, courses in by_provider.items():
        with transaction.atomic():
            # Claim the provider with a conditional UPDATE: concurrent runs cannot both send.
            claimed = (
                Provider.objects.filter(pk=provider_id, active=True)
                .exclude(stale_reminder_sent_at__gt=skip_after)
                .update(stale_reminder_sent_at=now)
            )
            if not claimed:
                continue
            provider = courses[0].provider
            recipients = sorted({e for e in [provider.email, *admins.get(provider_id, [])] if e})
            if not recipients:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                context = {"provider": provider, "courses": courses, "stale_days": settings.STALE_REPORT_DAYS}
                send_mail(
                    subject=ngettext(
                        "Please report free places: %(count)s course",
                        "Please report free places: %(count)s courses",
                        len(courses),
                    )
                    % {"count": len(courses)},
                    message=render_to_string("courses/email/stale_reminder.txt", context),
                    from_email=None,
                    recipient_list=recipients,
                )
            reminded += 1
    return reminded
