"""Handover steps. Each step is a service with its own rules; a refused step says why and changes nothing.

proposed → offered → accepted → started
     ↘ withdrawn   ↘ declined  ↘ no_show / withdrawn / declined

- An offer needs a valid consent naming the receiving provider (unless the person stays with its own provider):
  the receiver sees the person's data from the offer on.
- Accepting reserves a place in the target course (courses.PlaceReservation, counted by with_places); the
  reservation is released when the handover ends without a start, runs out RESERVATION_DAYS_AFTER_START days
  after the course's start, and turns into the enrolment on "started".
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError

from courses.models import Course, Membership, PlaceReservation, reservation_held_until
from courses.places import require_room
from diepholz_coord import access
from diepholz_coord.audit import records_actor
from participants import selectors as participant_selectors
from participants import services as participant_services
from participants.models import Consent, Enrollment, Participant

from . import selectors
from .matching import target_group_refusal
from .models import Handover, HandoverStep

S = Handover.Status
logger = logging.getLogger(__name__)

# Which step may follow which. Everything else is refused.
ALLOWED: dict[str, set[str]] = {
    S.PROPOSED: {S.OFFERED, S.WITHDRAWN},
    S.OFFERED: {S.ACCEPTED, S.DECLINED, S.WITHDRAWN},
    # Accepted, then declined: e.g. the placement test on the first day shows another level.
    S.ACCEPTED: {S.STARTED, S.WITHDRAWN, S.NO_SHOW, S.DECLINED},
    S.STARTED: set(),
    S.DECLINED: set(),
    S.WITHDRAWN: set(),
    S.NO_SHOW: set(),
}
# Who takes a step: the sending side (sender provider / owner / coordinator) or the receiving side.
SENDER_STEPS = {S.OFFERED, S.WITHDRAWN}
RECEIVER_STEPS = {S.ACCEPTED, S.DECLINED, S.STARTED, S.NO_SHOW}

DEFAULT_DUE_DAYS = 7
CHECKLIST_FIELDS = [
    "eligibility",
    "eligibility_issuer",
    "eligibility_expires_on",
    "fee_exempt",
    "placement_level",
    "placement_on",
    "last_module",
    "units_used",
    "attendance_confirmed",
    "certificates",
    "constraints",
    "reason",
]


def _step(handover: Handover, status: str, actor, note: str = "") -> HandoverStep:
    return HandoverStep.objects.create(handover=handover, status=status, by=actor, note=note)


def _lock(handover: Handover) -> Handover:
    # Lock the handover row only: PostgreSQL cannot lock the nullable side of the outer joins.
    return (
        Handover.objects.select_for_update(of=("self",))
        .select_related(
            "participant", "participant__provider", "to_course", "to_provider", "from_provider", "reservation"
        )
        .get(pk=handover.pk)
    )


def _has_full_view(actor, handover: Handover) -> bool:
    view = participant_selectors.participant_view_for(user=actor, participant=handover.participant)
    return view == participant_selectors.View.FULL


def _check_transition(handover: Handover, to_status: str, actor) -> None:
    if to_status not in ALLOWED[handover.status]:
        raise ValidationError(
            _("A handover that is “%(current)s” cannot become “%(next)s”.")
            % {"current": handover.get_status_display(), "next": S(to_status).label}
        )
    if to_status in SENDER_STEPS and not selectors.is_sender(actor, handover):
        raise PermissionDenied(_("Only the sending provider or the coordination may do this."))
    if to_status in RECEIVER_STEPS and not selectors.is_receiver(actor, handover):
        raise PermissionDenied(_("Only the receiving provider or the coordination may do this."))


def _check_target(course: Course, participant: Participant | None = None) -> None:
    """A handover goes to a course that has not started, is not cancelled, still has room and is meant for the
    person (target group: women only, age at the start, parents)."""
    if not course.is_bookable or course.start_date <= timezone.localdate():
        raise ValidationError(_("Choose a course that has not started yet and is not cancelled."))
    if participant is not None:
        refusal = target_group_refusal(course, participant)
        if refusal:
            raise ValidationError(
                _("“%(title)s” is not meant for this person: %(reason)s") % {"title": course.title, "reason": refusal},
                code="target_group",
            )
    require_room(course)


def _check_course_begun(handover: Handover, to_status: str) -> None:
    """Whether the person started, or did not show up, can only be said once the course has begun."""
    course = handover.to_course
    if course.start_date <= timezone.localdate():
        return
    values = {"title": course.title, "date": date_format(course.start_date, "SHORT_DATE_FORMAT")}
    if to_status == S.STARTED:
        message = _("“%(title)s” only begins on %(date)s. The start can be recorded from that day on.")
    else:
        message = _("“%(title)s” only begins on %(date)s. A no-show can be recorded from that day on.")
    raise ValidationError(message % values, code="course_not_begun")


def consent_needed(handover: Handover) -> bool:
    """Whether the handover crosses providers, so that the person's consent must name the receiving provider."""
    return handover.to_provider_id is not None and handover.to_provider_id != handover.participant.provider_id


def _require_consent(handover: Handover, *, step: str) -> None:
    if has_valid_consent(handover):
        return
    values = {"provider": handover.to_provider.name, "owner": handover.participant.provider.name}
    if step == S.OFFERED:
        message = _(
            "There is no valid consent to hand this person's data over to %(provider)s, so the offer cannot be "
            "sent. Please record the person's consent first (%(owner)s, who registered the person, records it)."
        )
    else:
        message = _(
            "There is no valid consent to hand this person's data over to %(provider)s (revoked or expired). "
            "The handover waits for the consent; %(owner)s, who registered the person, can record it again."
        )
    raise ValidationError(message % values, code="consent_missing")


def has_valid_consent(handover: Handover, today: datetime.date | None = None) -> bool:
    """The handover may carry the person's data to the receiver: it stays with the own provider, or a valid
    consent names the receiving provider. (Lists read the same rule from selectors.with_consent_state.)"""
    if handover.to_provider_id is None:
        return False
    if not consent_needed(handover):
        return True  # staying with the own provider needs no consent to share
    return (
        Consent.objects.valid(today)
        .filter(participant=handover.participant, purpose=Consent.Purpose.HANDOVER, recipient=handover.to_provider)
        .exists()
    )


@records_actor
@transaction.atomic
def handover_propose(
    *,
    actor,
    participant: Participant,
    from_enrollment: Enrollment | None = None,
    to_course: Course | None = None,
    wanted_level: int | None = None,
    wanted_course_type: str = "",
    due_on: datetime.date | None = None,
    note: str = "",
) -> Handover:
    """Start a handover: for a named course, or for a wanted type/level while no course is fixed."""
    if from_enrollment is None:
        # The course the person sits in now is the one they are handed over from.
        from_enrollment = (
            participant.enrollments.filter(status=Enrollment.Status.ENROLLED)
            .select_related("course__provider")
            .order_by("-course__end_date", "-pk")
            .first()
        )
    own = access.provider_ids_for(actor)
    may_propose = (
        access.is_coordinator(actor)
        or participant.provider_id in own
        or (from_enrollment is not None and from_enrollment.course.provider_id in own)
    )
    full_view = participant_selectors.participant_view_for(user=actor, participant=participant) == (
        participant_selectors.View.FULL
    )
    if not (may_propose and full_view):
        raise PermissionDenied(_("You may not propose a handover for this person."))
    if to_course is None and wanted_level is None:
        raise ValidationError(_("Please choose a course, or at least the wanted level."))
    if to_course is not None:
        _check_target(to_course, participant)
        if Handover.objects.filter(participant=participant, to_course=to_course, status__in=Handover.OPEN_STATUSES):
            raise ValidationError(_("There is already an open handover of this person to this course."))
    from_provider = from_enrollment.course.provider if from_enrollment else participant.provider
    handover = Handover(
        participant=participant,
        from_enrollment=from_enrollment,
        from_provider=from_provider,
        to_course=to_course,
        to_provider=to_course.provider if to_course else None,
        wanted_level=wanted_level if wanted_level is not None else (to_course.level_from if to_course else None),
        wanted_course_type=wanted_course_type or (to_course.course_type if to_course else ""),
        due_on=due_on or timezone.localdate() + datetime.timedelta(days=DEFAULT_DUE_DAYS),
        responsible=actor,
    )
    try:
        # Two people proposing the same handover at once: the unique constraint lets one through.
        with transaction.atomic():
            handover.save()
    except IntegrityError:
        raise ValidationError(_("There is already an open handover of this person to this course.")) from None
    _step(handover, S.PROPOSED, actor, note)
    return handover


@records_actor
@transaction.atomic
def handover_update_checklist(*, actor, handover: Handover, data: dict[str, Any]) -> Handover:
    handover = _lock(handover)
    if not (selectors.is_sender(actor, handover) or selectors.is_receiver(actor, handover)):
        raise PermissionDenied
    if not _has_full_view(actor, handover):
        raise PermissionDenied(
            _("Without a valid consent naming your provider you cannot see or change this checklist.")
        )
    if not handover.is_open:
        raise ValidationError(_("This handover is closed; its checklist can no longer change."))
    for key in CHECKLIST_FIELDS:
        if key in data:
            setattr(handover, key, data[key])
    handover.full_clean()
    handover.save()
    return handover


@records_actor
@transaction.atomic
def handover_set_agreed_in(*, actor, handover: Handover, meeting=None) -> Handover:
    """Record the meeting the handover was agreed in (or none). The coordination keeps the meetings' record, so
    only it may; any status, since the minutes are often written up after the handover has moved on."""
    if not access.is_coordinator(actor):
        raise PermissionDenied(_("Only the coordination records the meeting a handover was agreed in."))
    handover = _lock(handover)
    if meeting is not None and meeting.pk != handover.agreed_in_id:
        latest = timezone.now() + datetime.timedelta(days=selectors.AGREED_IN_DAYS_AHEAD)
        if meeting.status == meeting.Status.CANCELLED or meeting.starts_at > latest:
            raise ValidationError(
                {"agreed_in": _("Choose a meeting that has taken place or takes place in the next days.")}
            )
    handover.agreed_in = meeting
    handover.save(update_fields=["agreed_in", "updated_at"])
    return handover


@records_actor
@transaction.atomic
def handover_offer(*, actor, handover: Handover, to_course: Course | None = None, note: str = "") -> Handover:
    """Offer the person to the receiving provider (a specific course); that provider is told by e-mail.

    Needs a valid consent naming the receiving provider: from the offer on, the receiver sees the person."""
    handover = _lock(handover)
    _check_transition(handover, S.OFFERED, actor)
    if not _has_full_view(actor, handover):
        # An offer hands the person's data on: only a side that may see them does that.
        raise PermissionDenied(_("You may not hand this person's data on: there is no consent naming your provider."))
    course = to_course or handover.to_course
    if course is None:
        raise ValidationError(_("Choose the course the person is offered to."))
    _check_target(course, handover.participant)
    handover.to_course = course
    handover.to_provider = course.provider
    _require_consent(handover, step=S.OFFERED)
    handover.status = S.OFFERED
    handover.due_on = timezone.localdate() + datetime.timedelta(days=DEFAULT_DUE_DAYS)
    try:
        with transaction.atomic():
            handover.save()
    except IntegrityError:
        raise ValidationError(_("There is already an open handover of this person to this course.")) from None
    _notify(_step(handover, S.OFFERED, actor, note))
    return handover


def _release(handover: Handover, reason: str) -> None:
    """Give the reserved place back (nothing to do when there is none, or it was released already)."""
    if handover.reservation_id:
        PlaceReservation.objects.filter(pk=handover.reservation_id).release(reason)


@records_actor
@transaction.atomic
def handover_accept(*, actor, handover: Handover, note: str = "") -> Handover:
    """The receiver takes the person: a place in the course is reserved for them until they start.

    Two providers accepting for the last place at once: the course row is locked, so exactly one gets it and
    the other is told that the course has no free place any more."""
    handover = _lock(handover)
    _check_transition(handover, S.ACCEPTED, actor)
    _require_consent(handover, step=S.ACCEPTED)
    course = Course.objects.select_for_update().get(pk=handover.to_course_id)
    _check_target(course, handover.participant)
    handover.reservation = PlaceReservation.objects.create(
        course=course, held_until=reservation_held_until(course.start_date), created_by=actor
    )
    handover.status = S.ACCEPTED
    handover.due_on = course.start_date
    handover.save()
    _notify(_step(handover, S.ACCEPTED, actor, note))
    return handover


@records_actor
@transaction.atomic
def handover_decline(*, actor, handover: Handover, reason: str) -> Handover:
    handover = _lock(handover)
    _check_transition(handover, S.DECLINED, actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Please give a reason for declining.")})
    _release(handover, PlaceReservation.Release.DECLINED)
    handover.status = S.DECLINED
    handover.decline_reason = reason.strip()
    handover.due_on = None
    handover.save()
    _notify(_step(handover, S.DECLINED, actor, reason.strip()))
    return handover


@records_actor
@transaction.atomic
def handover_start(*, actor, handover: Handover, note: str = "") -> Handover:
    """The person has started: the reserved place becomes their enrolment in the receiving course."""
    handover = _lock(handover)
    _check_transition(handover, S.STARTED, actor)
    _check_course_begun(handover, S.STARTED)
    _require_consent(handover, step=S.STARTED)
    # The course row first, as every write of places does (enrolment, cancellation): no lock-order deadlock.
    Course.objects.select_for_update().get(pk=handover.to_course_id)
    # The receiving provider may have given the person the place already (e.g. from the course's page): then that
    # place is the one the handover started with; otherwise the reserved place becomes the enrolment.
    enrollment = handover.participant.enrollments.filter(
        course=handover.to_course, status=Enrollment.Status.ENROLLED, started_by_handover__isnull=True
    ).first()
    _release(handover, PlaceReservation.Release.ENROLLED)
    if enrollment is None:
        try:
            enrollment = participant_services.enrollment_enrol(
                actor=actor, participant=handover.participant, course=handover.to_course
            )
        except ValidationError as error:
            if handover.reservation_id and not handover.reservation.is_active():
                raise ValidationError(
                    _(
                        "The place reserved for this person was given back on %(date)s, and “%(title)s” has no "
                        "free place any more. Free a place in the course, or record a no-show."
                    )
                    % {
                        "date": date_format(handover.reservation.held_until, "SHORT_DATE_FORMAT"),
                        "title": handover.to_course.title,
                    },
                    code="no_room",
                ) from error
            raise
    handover.status = S.STARTED
    handover.started_enrollment = enrollment
    handover.due_on = None
    handover.save()
    _notify(_step(handover, S.STARTED, actor, note))
    return handover


@records_actor
@transaction.atomic
def handover_withdraw(*, actor, handover: Handover, note: str = "") -> Handover:
    handover = _lock(handover)
    _check_transition(handover, S.WITHDRAWN, actor)
    return _withdraw(handover, actor, note)


def _withdraw(handover: Handover, actor, note: str) -> Handover:
    """Withdraw a locked, open handover: the reserved place is given back, a receiver that knew of it is told."""
    was_offered = handover.status != S.PROPOSED
    _release(handover, PlaceReservation.Release.WITHDRAWN)
    handover.status = S.WITHDRAWN
    handover.due_on = None
    handover.save()
    step = _step(handover, S.WITHDRAWN, actor, note)
    if was_offered:  # the receiver knew of it: tell it that it is off
        _notify(step)
    return handover


@records_actor
@transaction.atomic
def handover_no_show(*, actor, handover: Handover, note: str = "") -> Handover:
    handover = _lock(handover)
    _check_transition(handover, S.NO_SHOW, actor)
    _check_course_begun(handover, S.NO_SHOW)
    _release(handover, PlaceReservation.Release.NO_SHOW)
    handover.status = S.NO_SHOW
    handover.due_on = None
    handover.save()
    _notify(_step(handover, S.NO_SHOW, actor, note))
    return handover


@records_actor
def on_participant_erasing(sender, *, participant, actor, **kwargs) -> None:
    """participants.signals.participant_erasing: an erased person's open handovers are withdrawn (their reserved
    places given back), inside the erasure's transaction."""
    for handover in Handover.objects.filter(participant=participant, status__in=Handover.OPEN_STATUSES):
        _withdraw(_lock(handover), actor, _("The person's data was erased (GDPR)."))


@records_actor
def on_consent_revoked(sender, *, consent, actor, **kwargs) -> None:
    """participants.signals.consent_revoked: a decoupled side effect of the revocation (same transaction)."""
    if consent.recipient_id is not None:
        handovers_consent_revoked(actor=actor, consent=consent)


@records_actor
def handovers_consent_revoked(*, actor, consent) -> int:
    """A consent to hand over was revoked: every open handover of the person to that provider now waits for a
    consent. The case history records it and the giving side is told by e-mail. Returns how many."""
    handovers = Handover.objects.filter(
        participant_id=consent.participant_id,
        to_provider_id=consent.recipient_id,
        status__in=Handover.OPEN_STATUSES,
    ).select_related("participant", "to_provider")
    count = 0
    for handover in handovers:
        if has_valid_consent(handover):
            continue  # another consent to the same provider is still valid
        _notify(_step(handover, HandoverStep.CONSENT_REVOKED, actor))
        count += 1
    return count


STEP_SERVICES = {
    S.OFFERED: handover_offer,
    S.ACCEPTED: handover_accept,
    S.STARTED: handover_start,
    S.WITHDRAWN: handover_withdraw,
    S.NO_SHOW: handover_no_show,
}


# Steps the other side is told about by e-mail: the receiver of an offer (and of its withdrawal), the giving side of
# every answer and of a revoked consent.
GIVER, RECEIVER = "giver", "receiver"
MAILED_STEPS = {
    S.OFFERED: RECEIVER,
    S.WITHDRAWN: RECEIVER,
    S.ACCEPTED: GIVER,
    S.DECLINED: GIVER,
    S.STARTED: GIVER,
    S.NO_SHOW: GIVER,
    HandoverStep.CONSENT_REVOKED: GIVER,
}


def _notify(step: HandoverStep) -> None:
    """After commit, hand the e-mail about `step` to the worker; if the broker cannot be reached, send it here.

    The step is saved either way: neither a broker outage nor a mail server outage turns it into an error page.
    """
    from .tasks import send_handover_mail

    handover_id, step_id = step.handover_id, step.pk

    def enqueue() -> None:
        try:
            send_handover_mail.delay(handover_id, step_id)
        except KombuOperationalError:
            logger.warning("handover %s: broker unreachable, sending the e-mail in-process", handover_id, exc_info=True)
            try:
                handover_send_mail(handover_id=handover_id, step_id=step_id)
            except (OSError, smtplib.SMTPException):
                logger.warning("handover %s: e-mail about step %s failed", handover_id, step_id, exc_info=True)

    transaction.on_commit(enqueue)


def _provider_recipients(providers) -> list[str]:
    """A provider's own address and its admins' addresses."""
    ids = [p.pk for p in providers]
    admins = (
        Membership.objects.filter(provider_id__in=ids, role=Membership.Role.ADMIN, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted({p.email for p in providers} | set(admins) - {""})


def handover_send_mail(*, handover_id: int, step_id: int) -> int:
    """E-mail the other side about one step of a handover; returns the number of messages sent (0 or 1).

    The mail says who acted, for whom, and links to the handover. Idempotent: the step is claimed
    (``mail_sent_at``) before sending, so a task delivered twice sends once; a failed send gives the claim back and
    raises, so that the task retries. A step that no longer exists (or needs no e-mail) sends nothing.
    """
    step = (
        HandoverStep.objects.select_related(
            "by",
            "handover__participant__provider",
            "handover__to_course",
            "handover__to_provider",
            "handover__from_provider",
        )
        .filter(pk=step_id, handover_id=handover_id)
        .first()
    )
    if step is None or step.status not in MAILED_STEPS:
        return 0
    handover = step.handover
    side = MAILED_STEPS[step.status]
    if side == RECEIVER:
        providers = [handover.to_provider] if handover.to_provider else []
    else:
        providers = list({p.pk: p for p in (handover.from_provider, handover.participant.provider)}.values())
    recipients = _provider_recipients(providers)
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        values = {"code": handover.participant.code, "course": handover.to_course}
        if step.status == S.OFFERED:
            subject = _("Handover offered: %(code)s for “%(course)s”") % values
        elif step.status == HandoverStep.CONSENT_REVOKED:
            subject = _("Consent revoked: handover of %(code)s to “%(course)s” waits") % values
        else:
            subject = _("Handover %(status)s: %(code)s for “%(course)s”") % {
                **values,
                "status": S(step.status).label,
            }
        body = render_to_string(
            "transitions/email/handover.txt",
            {
                "handover": handover,
                "step": step,
                "addressee": ", ".join(p.name for p in providers),
                "actor": selectors.actor_label(step.by, handover),
                "status": S(step.status).label if step.status in S.values else "",
                "site_url": settings.SITE_URL,
            },
        )
    if not HandoverStep.objects.filter(pk=step.pk, mail_sent_at__isnull=True).update(mail_sent_at=timezone.now()):
        return 0  # sent already (a task delivered twice)
    try:
        send_mail(subject, body, None, recipients)
    except BaseException:
        HandoverStep.objects.filter(pk=step.pk).update(mail_sent_at=None)
        raise
    return 1
