"""Writes of participant data. Each service: keyword-only, one transaction, takes `actor=`.

The audit trail of participant data (who, when, which fields, old and new values) is written by
django-auditlog for every save of a registered model; the acting user comes from its middleware or from
`set_actor` in tasks and commands.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import services as course_services
from courses.models import Course, PlaceReservation, Provider
from courses.places import require_room
from diepholz_coord import access
from diepholz_coord.audit import records_actor

from . import selectors
from .models import Consent, CourseWish, Enrollment, Participant
from .signals import consent_revoked

PARTICIPANT_FIELDS = [
    "first_name",
    "last_name",
    "birth_year",
    "birth_date",
    "gender",
    "municipality",
    "first_languages",
    "literacy",
    "level",
    "level_assessed_on",
    "level_assessed_how",
    "route",
    "residence_status",
    "needs_childcare",
    "is_parent",
    "times",
    "mobility",
    "notes",
    "status",
]


def _require_full_view(actor, participant: Participant) -> None:
    if selectors.participant_view_for(user=actor, participant=participant) != selectors.View.FULL:
        raise PermissionDenied(_("You may not change this participant's data."))


def _require_owner(actor, participant: Participant) -> None:
    if not selectors.is_owner(actor, participant):
        raise PermissionDenied(_("Only the provider that registered this person may do this."))


def _require_place_rights(actor, participant: Participant, course: Course) -> None:
    """Places in a course are taken or given back by the person's own provider, the coordinator, or the
    provider that runs the course (which then needs the full view, i.e. a valid consent)."""
    _require_full_view(actor, participant)
    if not (
        access.is_coordinator(actor)
        or participant.provider_id in access.provider_ids_for(actor)
        or access.may_report_places(actor, course.provider_id)
    ):
        raise PermissionDenied(_("Only the person's own provider or the course's provider may do this."))


def _touch(participant: Participant, now: datetime.datetime | None = None) -> None:
    Participant.objects.filter(pk=participant.pk).update(last_activity_at=now or timezone.now())


def possible_duplicates(*, first_name: str, last_name: str, birth_year: int | None, exclude_pk=None):
    """Participants with the same names and year of birth, anywhere in the district (case-insensitive)."""
    qs = Participant.objects.active().filter(
        first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip(), birth_year=birth_year
    )
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


@records_actor
@transaction.atomic
def participant_register(*, actor, provider: Provider, data: dict[str, Any]) -> Participant:
    if not access.may_report_places(actor, provider.pk):  # coordinator, or admin/staff of the provider
        raise PermissionDenied(_("You may not register participants for this provider."))
    participant = Participant(provider=provider, **{k: data[k] for k in PARTICIPANT_FIELDS if k in data})
    participant.full_clean(exclude=["code"])
    participant.save()
    return participant


@records_actor
@transaction.atomic
def participant_update(*, actor, participant: Participant, data: dict[str, Any]) -> Participant:
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    _require_owner(actor, participant)
    for key in PARTICIPANT_FIELDS:
        if key in data:
            setattr(participant, key, data[key])
    participant.last_activity_at = timezone.now()
    participant.full_clean(exclude=["code"])
    participant.save()
    return participant


@records_actor
@transaction.atomic
def consent_record(*, actor, participant: Participant, data: dict[str, Any]) -> Consent:
    _require_owner(actor, participant)
    consent = Consent(participant=participant, recorded_by=actor, **data)
    if consent.purpose == Consent.Purpose.HANDOVER and consent.recipient_id is None:
        raise ValidationError({"recipient": _("Please name the provider the data may be handed over to.")})
    if consent.purpose == Consent.Purpose.MEETING:
        consent.recipient = None
    if consent.given_on > timezone.localdate():
        raise ValidationError({"given_on": _("A consent cannot be recorded before it is given.")})
    consent.full_clean()
    consent.save()
    _touch(participant)
    return consent


@records_actor
@transaction.atomic
def consent_revoke(*, actor, consent: Consent, on: datetime.date | None = None) -> Consent:
    """Revocation takes effect at once: from now on the recipient sees the pseudonymised profile only."""
    consent = Consent.objects.select_for_update().select_related("participant").get(pk=consent.pk)
    _require_owner(actor, consent.participant)
    if consent.revoked_on is not None:
        raise ValidationError(_("This consent has already been revoked."))
    consent.revoked_on = on or timezone.localdate()
    consent.save(update_fields=["revoked_on"])
    _touch(consent.participant)
    # Open handovers that relied on it now wait for a consent; transitions tells the giving side.
    consent_revoked.send(sender=Consent, consent=consent, actor=actor)
    return consent


def _check_course_for(actor, participant: Participant, course: Course) -> None:
    """Places (and waiting lists) are given by the course's own provider or the coordinator. Another provider's
    course is never written into directly: the person is offered to that provider as a handover, which it accepts
    or declines. Its course still needs a valid consent to hand the person's data over to it."""
    _require_place_rights(actor, participant, course)
    if not course.is_bookable:
        raise ValidationError(_("This course is cancelled or over; choose a current or upcoming course."))
    if not (access.is_coordinator(actor) or course.provider_id in access.provider_ids_for(actor)):
        raise ValidationError(
            _(
                "%(provider)s runs this course and decides who gets a place. Offer the person to %(provider)s as a "
                "handover instead (“Propose handover”); %(provider)s then accepts or declines."
            )
            % {"provider": course.provider.name},
            code="foreign_course",
        )
    if course.provider_id != participant.provider_id:
        consented = participant.consents.valid().filter(
            purpose=Consent.Purpose.HANDOVER, recipient_id=course.provider_id
        )
        if not consented.exists():
            raise ValidationError(
                _(
                    "%(provider)s runs this course. The person's data may go there only with a valid consent "
                    "to hand over to %(provider)s. Please record the consent first."
                )
                % {"provider": course.provider.name}
            )


@records_actor
@transaction.atomic
def enrollment_add_to_waiting_list(*, actor, participant: Participant, course: Course) -> Enrollment:
    _check_course_for(actor, participant, course)
    if participant.enrollments.filter(course=course, status__in=["waiting", "enrolled"]).exists():
        raise ValidationError(_("This person is already waiting for or enrolled in this course."))
    enrollment = Enrollment.objects.create(participant=participant, course=course, status=Enrollment.Status.WAITING)
    _touch(participant)
    return enrollment


@records_actor
@transaction.atomic
def enrollment_enrol(*, actor, participant: Participant, course: Course) -> Enrollment:
    """Give the person a place. Never more enrolled (and reserved) than the capacity, also when two people click
    at once: the course row is locked, so concurrent enrolments for one course run one after the other."""
    course = Course.objects.select_for_update().select_related("provider").get(pk=course.pk)
    _check_course_for(actor, participant, course)
    enrollment = (
        participant.enrollments.select_for_update()
        .filter(course=course, status__in=[Enrollment.Status.WAITING, Enrollment.Status.ENROLLED])
        .first()
    )
    if enrollment and enrollment.status == Enrollment.Status.ENROLLED:
        raise ValidationError(_("This person is already enrolled in this course."))
    # A place held for this very person (an accepted handover) becomes the enrolment: counted once, not twice.
    PlaceReservation.objects.active().filter(course=course, handover__participant=participant).release(
        PlaceReservation.Release.ENROLLED
    )
    require_room(course)
    # The reported figure goes down by the place taken (counted before the person is enrolled). No person in the
    # note: the report history is visible to everyone who sees the course.
    course_services.course_take_place(actor=actor, course=course, note=_("Enrolment (participant records)"))
    today = timezone.localdate()
    if enrollment is None:
        enrollment = Enrollment(participant=participant, course=course, registered_on=today)
    enrollment.status = Enrollment.Status.ENROLLED
    enrollment.enrolled_on = today
    enrollment.save()
    # The person's open wishes for this level are met.
    participant.wishes.filter(
        status=CourseWish.Status.OPEN, level__gte=course.level_from, level__lte=course.level_to
    ).update(status=CourseWish.Status.FULFILLED, fulfilled_by=enrollment)
    _touch(participant)
    return enrollment


@records_actor
@transaction.atomic
def enrollment_withdraw(*, actor, enrollment: Enrollment, on: datetime.date | None = None) -> Enrollment:
    """Leave the waiting list or the course; a place taken in the course is free again."""
    course = Course.objects.select_for_update().get(pk=enrollment.course_id)
    # Re-read under the course lock: a double click must not give the place back twice.
    enrollment = Enrollment.objects.select_for_update().select_related("participant").get(pk=enrollment.pk)
    _require_place_rights(actor, enrollment.participant, course)
    if enrollment.status not in (Enrollment.Status.WAITING, Enrollment.Status.ENROLLED):
        raise ValidationError(_("This enrollment has ended already."))
    was_enrolled = enrollment.status == Enrollment.Status.ENROLLED
    enrollment.status = Enrollment.Status.DROPPED
    enrollment.ended_on = on or timezone.localdate()
    enrollment.save()
    if was_enrolled and course.is_bookable:
        course_services.course_give_back_place(actor=actor, course=course, note=_("Withdrawal (participant records)"))
    _touch(enrollment.participant)
    return enrollment


@records_actor
@transaction.atomic
def enrollment_complete(
    *, actor, enrollment: Enrollment, level_reached: int | None, exam_result: str = "", on=None
) -> Enrollment:
    enrollment = Enrollment.objects.select_for_update().select_related("participant", "course").get(pk=enrollment.pk)
    _require_place_rights(actor, enrollment.participant, enrollment.course)
    if enrollment.status != Enrollment.Status.ENROLLED:
        raise ValidationError(_("Only an enrolled person can complete a course."))
    enrollment.status = Enrollment.Status.COMPLETED
    enrollment.ended_on = on or timezone.localdate()
    enrollment.level_reached = level_reached
    enrollment.exam_result = exam_result
    enrollment.full_clean()
    enrollment.save()
    if level_reached is not None:
        participant = enrollment.participant
        participant.level = level_reached
        participant.level_assessed_on = enrollment.ended_on
        participant.level_assessed_how = Participant.Assessment.CERTIFICATE if exam_result else "teacher"
        participant.last_activity_at = timezone.now()
        participant.save()
    else:
        _touch(enrollment.participant)
    return enrollment


@records_actor
@transaction.atomic
def wish_create(*, actor, participant: Participant, data: dict[str, Any]) -> CourseWish:
    _require_owner(actor, participant)
    municipalities = data.pop("municipalities", [])
    wish = CourseWish(participant=participant, **data)
    wish.full_clean()
    wish.save()
    wish.municipalities.set(municipalities)
    _touch(participant)
    return wish


@records_actor
@transaction.atomic
def wish_withdraw(*, actor, wish: CourseWish) -> CourseWish:
    wish = CourseWish.objects.select_for_update().select_related("participant").get(pk=wish.pk)
    _require_owner(actor, wish.participant)
    if wish.status != CourseWish.Status.OPEN:
        raise ValidationError(_("Only an open wish can be withdrawn."))
    wish.status = CourseWish.Status.WITHDRAWN
    wish.save(update_fields=["status"])
    _touch(wish.participant)
    return wish
