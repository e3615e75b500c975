"""Writes for meetings: publishing agendas, PDFs, invitations, attendance, minutes, action items, the sweep.

Background work is driven by state in the database, so that nothing is lost when the broker or a worker is
down:
- a meeting whose agenda is due (agenda_due_on ≤ today) and still "planned" is published by `agenda_publish_due`;
- a PDF in state "pending" is (re)queued by `background_sweep` when it has waited longer than PENDING_GRACE;
- invitations and finalised minutes are e-mailed once the PDF is ready; `*_sent_at` makes that happen once.
Tasks (meetings/tasks.py) are thin wrappers and are enqueued by name with `transaction.on_commit`; if enqueueing
fails the state stays "pending" and the sweep picks it up.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from kombu.exceptions import OperationalError

from diepholz_coord import access
from diepholz_coord.audit import records_actor
from diepholz_coord.celery import app as celery_app

from . import agenda, pdf, selectors
from .models import ActionItem, AgendaItem, Attendance, Body, CalendarToken, Meeting, MeetingSeries, MinutesEntry
from .pdf import AGENDA_PDF, MINUTES_PDF, PDF_KINDS, PdfKind

logger = logging.getLogger(__name__)
FS = Meeting.FileState
PENDING_GRACE = datetime.timedelta(minutes=10)
# A PDF that fails this many times is marked "failed" (and logged) instead of being retried every sweep.
MAX_PDF_ATTEMPTS = 3
# Meetings whose invitees get e-mails (invitation, minutes, change notices).
MAILED_STATUSES = (Meeting.Status.PUBLISHED, Meeting.Status.HELD, Meeting.Status.FINAL)


def _check_coordinator(actor) -> None:
    if actor is not None and not access.is_coordinator(actor):
        raise PermissionDenied


def _enqueue(task_name: str, meeting_id: int) -> None:
    """Queue a task by its name after the commit; a broker outage is logged and left to the sweep.

    By name, so that services never import meetings.tasks (which imports services). A signature runs through
    the registered task when this process has it (a worker; tests, where tasks run eagerly) and is sent to the
    broker by name otherwise (web).
    """

    def send() -> None:
        try:
            celery_app.signature(task_name, args=(meeting_id,)).delay()
        except (OperationalError, OSError):
            logger.warning("meeting %s: could not queue %s, the sweep will retry", meeting_id, task_name, exc_info=True)

    transaction.on_commit(send)


# --- Agenda ---------------------------------------------------------------------------------------------------


@records_actor
def agenda_publish(*, meeting: Meeting, actor=None, today: datetime.date | None = None) -> bool:
    """Take the snapshot of the live district, fix the agenda and ask for its PDF. Idempotent.

    Returns True when this call published the agenda (False when it was already published).
    """
    _check_coordinator(actor)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("series").get(pk=meeting.pk)
        if meeting.status != Meeting.Status.PLANNED:
            return False
        agenda.ensure_standing_items(meeting)
        meeting.agenda_snapshot = agenda.build_snapshot(meeting, today=today)
        meeting.status = Meeting.Status.PUBLISHED
        meeting.agenda_published_at = timezone.now()
        meeting.save(update_fields=["agenda_snapshot", "status", "agenda_published_at"])
        _request_pdf(meeting.pk, AGENDA_PDF)
    return True


def agenda_publish_due(*, today: datetime.date | None = None) -> int:
    """Publish every planned agenda whose day has come (daily beat job and the sweep)."""
    today = today or timezone.localdate()
    due = Meeting.objects.filter(
        status=Meeting.Status.PLANNED, agenda_due_on__lte=today, starts_at__date__gte=today, series__active=True
    )
    published = 0
    for meeting in due.order_by("starts_at"):
        published += agenda_publish(meeting=meeting, today=today)
    return published


def _figures(snapshot: dict | None) -> dict:
    return (snapshot or {}).get("sections", {})


@records_actor
def agenda_regenerate(*, meeting: Meeting, actor, today: datetime.date | None = None) -> list[str]:
    """ "Regenerate": take the live figures again and make a new PDF of the published agenda.

    Returns the keys of the sections whose figures changed since the previous snapshot (empty: unchanged).
    Once the meeting has begun the figures stay those the round discussed; only the PDF is made again.
    """
    _check_coordinator(actor)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("series").get(pk=meeting.pk)
        if meeting.status == Meeting.Status.CANCELLED:
            raise ValidationError(_("The meeting was cancelled."))
        if meeting.status == Meeting.Status.PLANNED or not meeting.agenda_published_at:
            raise ValidationError(_("The agenda has not been published yet."))
        changed: list[str] = []
        if meeting.status == Meeting.Status.PUBLISHED and meeting.starts_at > timezone.now():
            agenda.ensure_standing_items(meeting)
            old = _figures(meeting.agenda_snapshot)
            meeting.agenda_snapshot = agenda.build_snapshot(meeting, today=today)
            new = _figures(meeting.agenda_snapshot)
            changed = [key for key in new if new.get(key) != old.get(key)]
            meeting.save(update_fields=["agenda_snapshot", "updated_at"])
        _request_pdf(meeting.pk, AGENDA_PDF)
    return changed


def _request_pdf(meeting_id: int, kind: PdfKind, *, retry: bool = False, now: datetime.datetime | None = None) -> None:
    """Mark a meeting's agenda or minutes PDF "pending" and queue its rendering after the commit.

    A new request starts the attempt count afresh; the sweep's retry (retry=True) keeps it.
    """
    fields = {kind.state: FS.PENDING, kind.requested_at: now or timezone.now()}
    if not retry:
        fields[kind.attempts] = 0
    with transaction.atomic():
        Meeting.objects.filter(pk=meeting_id).update(**fields)
        _enqueue(kind.task, meeting_id)


def agenda_pdf_render(*, meeting_id: int) -> bool:
    """Render and store the agenda PDF, then send the invitations once. Safe to run twice."""
    return _render(meeting_id, AGENDA_PDF, pdf.agenda_pdf, invitations_send)


def _render(meeting_id: int, kind: PdfKind, render, then) -> bool:
    """Render one PDF of a meeting. A failure counts an attempt; after MAX_PDF_ATTEMPTS the file is "failed"."""
    meeting = Meeting.objects.select_related("series").get(pk=meeting_id)
    if getattr(meeting, kind.state) != FS.PENDING:
        return False
    try:
        content = render(meeting)
    except Exception:
        attempts = getattr(meeting, kind.attempts) + 1
        failed = attempts >= MAX_PDF_ATTEMPTS
        Meeting.objects.filter(pk=meeting_id, **{kind.state: FS.PENDING}).update(
            **{kind.attempts: attempts, kind.state: FS.FAILED if failed else FS.PENDING}
        )
        if failed:
            logger.exception("meeting %s: the %s PDF failed %s times; given up", meeting_id, kind.name, attempts)
            return False
        raise
    name = f"{kind.stored_name}-{meeting.pk}-{timezone.localtime():%Y%m%d%H%M%S}.pdf"
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
        file = getattr(meeting, kind.file)
        old = file.name
        file.save(name, ContentFile(content), save=False)
        setattr(meeting, kind.state, FS.READY)
        setattr(meeting, kind.generated_at, timezone.now())
        setattr(meeting, kind.attempts, 0)
        meeting.save(update_fields=[kind.file, kind.state, kind.generated_at, kind.attempts])
    if old and old != file.name:
        file.storage.delete(old)
    then(meeting_id=meeting.pk)
    return True


def _send(meeting: Meeting, *, subject: str, template: str, attachment: tuple[str, bytes] | None) -> int:
    to = selectors.recipients(meeting)
    if not to:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {"meeting": meeting, "site_url": settings.SITE_URL})
    message = EmailMessage(subject=subject, body=body, to=[settings.DEFAULT_FROM_EMAIL], bcc=to)
    if attachment:
        message.attach(attachment[0], attachment[1], "application/pdf")
    return message.send()


def _claim_and_send(meeting_id: int, kind: PdfKind, conditions: dict, build) -> bool:
    """Send one mail of a meeting at most once: claim it with a conditional UPDATE, send outside any
    transaction (no lock held while SMTP talks), and give the claim back if sending fails (retried later)."""
    sent_field = kind.sent_at
    now = timezone.now()
    claimed = Meeting.objects.filter(pk=meeting_id, **{f"{sent_field}__isnull": True}, **conditions).update(
        **{sent_field: now}
    )
    if not claimed:
        return False
    meeting = Meeting.objects.select_related("series").get(pk=meeting_id)
    try:
        build(meeting)
    except FileNotFoundError:
        # The stored PDF is gone: render it again; the mail follows the new file.
        Meeting.objects.filter(pk=meeting_id, **{sent_field: now}).update(**{sent_field: None})
        logger.warning("meeting %s: the %s PDF file is missing; rendering it again", meeting_id, kind.name)
        _request_pdf(meeting_id, kind)
        return False
    except Exception:
        Meeting.objects.filter(pk=meeting_id, **{sent_field: now}).update(**{sent_field: None})
        raise
    return True


def _subject(meeting: Meeting, template: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(template) % {
            "series": meeting.series.name,
            "date": timezone.localtime(meeting.starts_at).strftime("%d.%m.%Y"),
        }


def invitations_send(*, meeting_id: int) -> bool:
    """E-mail the agenda PDF to the invitees, exactly once per meeting (never for a cancelled one)."""

    build = _pdf_mail(AGENDA_PDF, gettext_noop("Agenda: %(series)s on %(date)s"), "meetings/email/invitation.txt")
    return _claim_and_send(meeting_id, AGENDA_PDF, {AGENDA_PDF.state: FS.READY, "status__in": MAILED_STATUSES}, build)


def _pdf_mail(kind: PdfKind, subject: str, template: str):
    """The mail to the invitees with the meeting's agenda or minutes PDF attached."""

    def build(meeting: Meeting) -> None:
        with getattr(meeting, kind.file).open("rb") as f:
            attachment = (pdf.filename(meeting, kind), f.read())
        _send(meeting, subject=_subject(meeting, subject), template=template, attachment=attachment)

    return build


@records_actor
def item_propose(*, meeting: Meeting, actor, title: str, description: str = "") -> AgendaItem:
    if not selectors.may_propose_item(actor, meeting):
        raise PermissionDenied
    if not access.is_coordinator(actor) and meeting.starts_at <= timezone.now():
        raise ValidationError(_("The meeting has begun; please raise the item at the next meeting."))
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Please give the item a title.")})
    # For people working at several providers: the first (by id) stands for them.
    provider_id = min(access.provider_ids_for(actor), default=None)
    with transaction.atomic():
        return AgendaItem.objects.create(
            meeting=meeting,
            kind=AgendaItem.Kind.PROPOSED,
            position=1000,
            title=title,
            description=description.strip(),
            proposed_by=actor,
            proposed_by_provider_id=provider_id,
        )


@records_actor
@transaction.atomic
def item_update(*, item: AgendaItem, actor, slot_start, slot_end, presenter: str) -> AgendaItem:
    """The time slot and presenter of an agenda item (shown on the page and in the PDFs)."""
    _check_coordinator(actor)
    _check_not_final(item.meeting)
    item.slot_start, item.slot_end, item.presenter = slot_start, slot_end, presenter.strip()
    # The model's constraint is the rule (a slot ends after it starts); full_clean checks it.
    item.full_clean(exclude=["meeting", "proposed_by", "proposed_by_provider"])
    item.save(update_fields=["slot_start", "slot_end", "presenter"])
    return item


@records_actor
@transaction.atomic
def item_delete(*, item: AgendaItem, actor) -> None:
    _check_coordinator(actor)
    _check_not_final(item.meeting)
    if item.kind != AgendaItem.Kind.PROPOSED:
        raise ValidationError(_("Standing items cannot be removed."))
    item.delete()


# --- During and after the meeting ----------------------------------------------------------------------------


def _check_not_final(meeting: Meeting) -> None:
    """Refuse once the minutes are final. Called inside the write's transaction: the meeting's row is locked, so
    finalising at the same moment waits for this write (or this write sees the final status)."""
    status = Meeting.objects.select_for_update().filter(pk=meeting.pk).values_list("status", flat=True).first()
    if status == Meeting.Status.FINAL:
        raise ValidationError(_("The minutes are final and can no longer be changed."))


@records_actor
def attendance_save(*, meeting: Meeting, actor, statuses: dict[tuple[str, int], str]) -> int:
    """Record present/excused/absent per invited provider or person; an empty status removes the record."""
    _check_coordinator(actor)
    allowed = {(kind, obj.pk) for kind, obj in selectors.invitees(meeting)}
    valid = set(Attendance.Status.values)
    for key, status in statuses.items():
        if key not in allowed:
            raise ValidationError(_("Attendance can only be recorded for invited providers and people."))
        if status and status not in valid:
            raise ValidationError(_("Unknown attendance status."))
    with transaction.atomic():
        _check_not_final(meeting)
        for (kind, pk), status in statuses.items():
            lookup = {"provider_id": pk} if kind == "provider" else {"user_id": pk}
            if status:
                Attendance.objects.update_or_create(meeting=meeting, **lookup, defaults={"status": status})
            else:
                Attendance.objects.filter(meeting=meeting, **lookup).delete()
        # Apologies may come in beforehand; the meeting counts as held once it has begun and someone was there.
        present = any(status == Attendance.Status.PRESENT for status in statuses.values())
        if meeting.status == Meeting.Status.PUBLISHED and present and meeting.starts_at <= timezone.now():
            Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.PUBLISHED).update(status=Meeting.Status.HELD)
    return len(statuses)


@records_actor
def minutes_save(*, item: AgendaItem, actor, notes: str, decisions: str) -> MinutesEntry | None:
    """Save an item's notes and decisions (typed: the page saves them as they are typed, so two saves of the same
    item can overlap). One transaction; the meeting's row is locked first (PostgreSQL), and a save that still
    meets the other's new entry (SQLite, where the lock is the whole database) tries once more."""
    _check_coordinator(actor)
    notes, decisions = notes.strip(), decisions.strip()
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                _check_not_final(item.meeting)
                if not notes and not decisions:
                    # Nothing to record: an emptied entry is removed rather than kept blank.
                    MinutesEntry.objects.filter(item=item).delete()
                    return None
                entry, _created = MinutesEntry.objects.update_or_create(
                    item=item, defaults={"notes": notes, "decisions": decisions, "updated_by": actor}
                )
                return entry
        except IntegrityError:
            if attempt == 2:
                raise
    return None  # not reached


@records_actor
@transaction.atomic
def action_item_create(*, meeting: Meeting, actor, data: dict[str, Any]) -> ActionItem:
    _check_coordinator(actor)
    _check_not_final(meeting)
    if meeting.series.body == Body.ACTION_PLAN and data.get("owner_provider"):
        raise ValidationError(
            {"owner_provider": _("In the Aktionsplan Integration a department or a person is responsible, not a "
                                 "provider.")}
        )  # fmt: skip
    item = ActionItem(meeting=meeting, created_by=actor, **data)
    item.full_clean()
    item.save()
    return item


@records_actor
@transaction.atomic
def action_item_done(*, item: ActionItem, actor, done: bool = True) -> ActionItem:
    """Owners (their provider's staff, the person) and the coordinator mark an item done, or open again."""
    selectors.action_item_get_for_owner(user=actor, pk=item.pk)  # 404 for anyone else
    item.status = ActionItem.Status.DONE if done else ActionItem.Status.OPEN
    item.done_at = timezone.now() if done else None
    item.done_by = actor if done else None
    item.save(update_fields=["status", "done_at", "done_by"])
    return item


@records_actor
def minutes_finalise(*, meeting: Meeting, actor) -> None:
    """Lock the minutes, render their PDF in the background and e-mail it to the invitees."""
    _check_coordinator(actor)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status == Meeting.Status.FINAL:
            raise ValidationError(_("The minutes are already final."))
        if meeting.status == Meeting.Status.CANCELLED:
            raise ValidationError(_("The meeting was cancelled."))
        if meeting.starts_at > timezone.now():
            raise ValidationError(_("Minutes can only be finalised once the meeting has begun."))
        recorded = {
            ("provider", a.provider_id) if a.provider_id else ("user", a.user_id) for a in meeting.attendance.all()
        }
        missing = [
            kind_obj for kind_obj in selectors.invitees(meeting) if (kind_obj[0], kind_obj[1].pk) not in recorded
        ]
        if missing:
            raise ValidationError(
                _("Please record the attendance of every invitee before finalising; missing: %(names)s.")
                % {"names": ", ".join(selectors.invitee_name(kind, obj) for kind, obj in missing)}
            )
        meeting.status = Meeting.Status.FINAL
        meeting.minutes_finalised_at = timezone.now()
        meeting.minutes_finalised_by = actor
        meeting.save(update_fields=["status", "minutes_finalised_at", "minutes_finalised_by"])
        _request_pdf(meeting.pk, MINUTES_PDF)


def minutes_pdf_render(*, meeting_id: int) -> bool:
    return _render(meeting_id, MINUTES_PDF, pdf.minutes_pdf, minutes_send)


def minutes_send(*, meeting_id: int) -> bool:
    """E-mail the final minutes to the invitees, exactly once."""
    build = _pdf_mail(MINUTES_PDF, gettext_noop("Minutes: %(series)s on %(date)s"), "meetings/email/minutes.txt")
    return _claim_and_send(
        meeting_id, MINUTES_PDF, {MINUTES_PDF.state: FS.READY, "status": Meeting.Status.FINAL}, build
    )


def change_notice_send(*, meeting_id: int) -> bool:
    """Tell the invitees that a meeting they were invited to was moved or cancelled (once per change)."""
    claimed = Meeting.objects.filter(pk=meeting_id, change_notice_pending=True).update(change_notice_pending=False)
    if not claimed:
        return False
    meeting = Meeting.objects.select_related("series").get(pk=meeting_id)
    try:
        template = (
            gettext_noop("Cancelled: %(series)s on %(date)s")
            if meeting.status == Meeting.Status.CANCELLED
            else gettext_noop("Moved: %(series)s, now on %(date)s")
        )
        _send(meeting, subject=_subject(meeting, template), template="meetings/email/changed.txt", attachment=None)
    except Exception:
        Meeting.objects.filter(pk=meeting_id).update(change_notice_pending=True)
        raise
    return True


# --- The sweep ---------------------------------------------------------------------------------------------------


def background_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Finish what an outage left undone: publish due agendas, re-queue PDFs pending too long, send mails.

    Runs from beat every 10 minutes; every part is idempotent, so overlapping runs do no harm, and one
    meeting's failure is logged without stopping the others.
    """
    now = now or timezone.now()
    local = timezone.localtime(now)
    published = 0
    if local.hour >= settings.AGENDA_PUBLISH_HOUR:
        published = _guarded("publish", None, lambda: agenda_publish_due(today=local.date())) or 0
    stale = now - PENDING_GRACE
    requeued = 0
    for kind in PDF_KINDS.values():
        for meeting_id in Meeting.objects.filter(
            **{kind.state: FS.PENDING, f"{kind.requested_at}__lte": stale}
        ).values_list("pk", flat=True):
            _request_pdf(meeting_id, kind, retry=True, now=now)
            requeued += 1
    mailed = 0
    unsent = Meeting.objects.filter(
        Q(agenda_pdf_state=FS.READY, invitations_sent_at__isnull=True, status__in=MAILED_STATUSES)
        | Q(status=Meeting.Status.FINAL, minutes_pdf_state=FS.READY, minutes_sent_at__isnull=True)
        | Q(change_notice_pending=True)
    )
    for meeting_id in unsent.values_list("pk", flat=True):
        for send in (invitations_send, minutes_send, change_notice_send):
            mailed += _guarded(send.__name__, meeting_id, lambda send=send, pk=meeting_id: send(meeting_id=pk)) or 0
    return {"published": published, "requeued": requeued, "mailed": mailed}


def _guarded(what: str, meeting_id: int | None, job):
    """Run one part of the sweep; log a failure and go on with the rest."""
    try:
        return job()
    except Exception:
        logger.exception("sweep: %s failed for meeting %s", what, meeting_id)
        return None


# --- Series and single meetings ----------------------------------------------------------------------------------


SERIES_FIELDS = (
    "name", "body", "week_of_month", "weekday", "interval_months", "first_month", "start_time", "duration_minutes",
    "location", "agenda_lead_days", "default_sections", "agenda_layout", "active",
)  # fmt: skip
RULE_FIELDS = frozenset({
    "week_of_month", "weekday", "interval_months", "first_month", "start_time", "duration_minutes", "location",
    "agenda_lead_days", "active",
})  # fmt: skip


@records_actor
def series_save(*, actor, series: MeetingSeries | None, data: dict[str, Any]) -> tuple[MeetingSeries, int]:
    """Create or change a series (data: the cleaned fields and the invitees), then plan its coming meetings."""
    from .planning import plan_series

    _check_coordinator(actor)
    with transaction.atomic():
        if series is None:
            series, before = MeetingSeries(), None
        else:
            series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
            before = {field: getattr(series, field) for field in RULE_FIELDS}
        for field in SERIES_FIELDS:
            if field in data:
                setattr(series, field, data[field])
        providers = (
            data["invited_providers"]
            if "invited_providers" in data
            else (list(series.invited_providers.all()) if series.pk else [])
        )
        if series.body == Body.ACTION_PLAN and providers:
            raise ValidationError(
                {"invited_providers": _("The Aktionsplan Integration is the county's internal round: providers are "
                                        "not invited to it.")}
            )  # fmt: skip
        series.full_clean()
        series.save()
        if "invited_providers" in data:
            series.invited_providers.set(data["invited_providers"])
        if "invited_users" in data:
            series.invited_users.set(data["invited_users"])
        if before is not None and any(before[field] != getattr(series, field) for field in RULE_FIELDS):
            # Meetings planned under the old rule and not touched since are planned again under the new one.
            Meeting.objects.filter(
                series=series, status=Meeting.Status.PLANNED, adjusted=False, starts_at__gt=timezone.now()
            ).exclude(items__isnull=False).delete()
    return series, plan_series(series)


@records_actor
def meeting_update(*, meeting: Meeting, actor, day, start, end, location: str, moved_reason: str, cancelled: bool):
    """Move one meeting or cancel it. A held meeting or final minutes are history and stay as they are.

    Invitees who already have the invitation are told of the change; a published agenda gets a new PDF.
    """
    _check_coordinator(actor)
    tz = timezone.get_current_timezone()
    starts_at = datetime.datetime.combine(day, start, tzinfo=tz)
    ends_at = datetime.datetime.combine(day, end, tzinfo=tz)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("series").get(pk=meeting.pk)
        if meeting.status in (Meeting.Status.HELD, Meeting.Status.FINAL):
            raise ValidationError(_("A meeting that has taken place cannot be moved or cancelled."))
        was = (meeting.status, meeting.starts_at, meeting.ends_at, meeting.location)
        if cancelled:
            meeting.status = Meeting.Status.CANCELLED
        elif meeting.status == Meeting.Status.CANCELLED:
            meeting.status = Meeting.Status.PUBLISHED if meeting.agenda_published_at else Meeting.Status.PLANNED
        if not cancelled and starts_at != meeting.starts_at and starts_at < timezone.now():
            raise ValidationError({"day": _("A meeting cannot be moved into the past.")})
        meeting.starts_at, meeting.ends_at = starts_at, ends_at
        meeting.location = location.strip()
        meeting.moved_reason = moved_reason.strip()
        meeting.agenda_due_on = day - datetime.timedelta(days=meeting.series.agenda_lead_days)
        changed = was != (meeting.status, meeting.starts_at, meeting.ends_at, meeting.location)
        meeting.adjusted = meeting.adjusted or changed
        # Only people who were invited already need to hear of the change.
        if changed and meeting.invitations_sent_at:
            meeting.change_notice_pending = True
        meeting.full_clean()
        fields = ["status", "starts_at", "ends_at", "location", "moved_reason", "agenda_due_on", "adjusted"]
        meeting.save(update_fields=[*fields, "change_notice_pending", "updated_at"])
        if meeting.change_notice_pending:
            _enqueue("meetings.tasks.send_change_notice", meeting.pk)
        if changed and meeting.status != Meeting.Status.CANCELLED and meeting.agenda_published_at:
            _request_pdf(meeting.pk, AGENDA_PDF)  # the PDF shows date and place
    return meeting


@transaction.atomic
def calendar_token_create(*, user) -> str:
    """A new secret iCal address for the user (an older one stops working at once). Returns the secret: only its
    hash is stored, so this is the one moment it can be shown."""
    secret = secrets.token_urlsafe(32)
    CalendarToken.objects.filter(user=user).delete()
    CalendarToken.objects.create(user=user, token_hash=CalendarToken.hash_secret(secret))
    return secret


def calendar_token_owner(secret: str):
    """The active user whose calendar address has this secret, or None."""
    token = (
        CalendarToken.objects.select_related("user")
        .filter(token_hash=CalendarToken.hash_secret(secret), user__is_active=True)
        .first()
    )
    return token.user if token is not None else None
