"""GDPR tools: the access-request export (Art. 15), erasure by anonymisation (Art. 17) and the retention rule
(storage limitation, Art. 5 (1) e).

Erasure keeps the rows the district's figures are built from (the participant with municipality, level and
route; enrollments with status, dates, level reached and exam result; wishes with level and status) and removes
everything that identifies the person: names, birth date and year, gender, first languages, residence status,
needs, free-text notes, the language noted on consents — and the old values in the audit trail, which
django-auditlog would otherwise keep for ever. The audit trail keeps who did what when, to which fields.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Iterable
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry as AuditEntry
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diepholz_coord import access
from diepholz_coord.audit import records_actor
from diepholz_coord.audit_trail import field_label

from .models import Consent, CourseWish, Enrollment, Participant, RetentionRun, TimeOfDay
from .signals import participant_erasing

logger = logging.getLogger(__name__)

# What replaces an erased value in the audit trail.
MASK = "***"
# The name an anonymised person is listed under (the pseudonym code stays).
ANONYMISED_NAME = "Anonymisiert"
# Participants anonymised per transaction by the retention job: short locks, bounded memory.
RETENTION_BATCH_SIZE = 200

# Our own words for auditlog's actions (its catalogue has no German for "access").
AUDIT_ACTIONS = {
    AuditEntry.Action.CREATE: ("create", gettext_lazy("created")),
    AuditEntry.Action.UPDATE: ("update", gettext_lazy("changed")),
    AuditEntry.Action.DELETE: ("delete", gettext_lazy("deleted")),
    AuditEntry.Action.ACCESS: ("access", gettext_lazy("viewed or exported")),
}

OPEN_ENROLLMENT_STATUSES = (Enrollment.Status.WAITING, Enrollment.Status.ENROLLED)

# The participant's fields in the export, in the order of the registration form; "id" is internal.
_EXPORT_EXCLUDE = {"id"}
_RELATED_MODELS = (Consent, Enrollment, CourseWish)


# --- Export (Art. 15) -------------------------------------------------------------------------------------------


def _display(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


def _entry(field: str, label: Any, value: Any, display_value: Any = None) -> dict[str, Any]:
    """One line of the export: machine-readable value (ISO dates, codes) and the text a person reads."""
    shown = value if display_value is None else display_value
    return {"field": field, "label": capfirst(str(label)), "value": _json_value(value), "display": _display(shown)}


def _field_entry(instance: models.Model, name: str) -> dict[str, Any]:
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if field.is_relation:
        return _entry(name, field.verbose_name, str(value) if value is not None else None)
    if field.choices and value not in (None, ""):
        return _entry(name, field.verbose_name, value, getattr(instance, f"get_{name}_display")())
    return _entry(name, field.verbose_name, value)


def _time_labels(codes: Iterable[str]) -> list[str]:
    names = dict(TimeOfDay.choices)
    return [str(names.get(code, code)) for code in codes]


def _participant_entries(participant: Participant) -> list[dict[str, Any]]:
    entries = []
    for field in participant._meta.concrete_fields:
        if field.name in _EXPORT_EXCLUDE:
            continue
        if field.name == "times":
            entries.append(_entry("times", field.verbose_name, participant.times, _time_labels(participant.times)))
        else:
            entries.append(_field_entry(participant, field.name))
    return entries


def _consent_entries(consent: Consent) -> list[dict[str, Any]]:
    names = ["purpose", "recipient", "given_on", "form", "language", "expires_on", "revoked_on", "recorded_by"]
    entries = [_field_entry(consent, name) for name in names]
    entries.append(_entry("valid", _("valid today"), consent.is_valid()))
    return entries


def _enrollment_entries(enrollment: Enrollment) -> list[dict[str, Any]]:
    course = enrollment.course
    return [
        _entry("course", _("course"), course.title),
        _entry("provider", _("provider"), course.provider.name),
        _entry("course_start", _("course start"), course.start_date),
        _entry("course_end", _("course end"), course.end_date),
        *(
            _field_entry(enrollment, name)
            for name in ("status", "registered_on", "enrolled_on", "ended_on", "level_reached", "exam_result")
        ),
    ]


def _wish_entries(wish: CourseWish) -> list[dict[str, Any]]:
    type_labels = wish.course_type_labels
    return [
        _entry("course_types", CourseWish._meta.get_field("course_types").verbose_name, wish.course_types, type_labels),
        _field_entry(wish, "level"),
        _entry(
            "municipalities",
            CourseWish._meta.get_field("municipalities").verbose_name,
            [municipality.name for municipality in wish.municipalities.all()],
        ),
        _field_entry(wish, "max_distance_km"),
        _entry("times", CourseWish._meta.get_field("times").verbose_name, wish.times, _time_labels(wish.times)),
        _field_entry(wish, "childcare"),
        _field_entry(wish, "priority"),
        _field_entry(wish, "registered_on"),
        _field_entry(wish, "status"),
    ]


def audit_condition(participant: Participant) -> Q:
    """Audit entries of the person and of their consents, enrollments and wishes — also of related rows that have
    been deleted since (found through the "participant" value of their creation entry)."""
    condition = Q(content_type=ContentType.objects.get_for_model(Participant), object_id=participant.pk)
    for model in _RELATED_MODELS:
        content_type = ContentType.objects.get_for_model(model)
        current = model.objects.filter(participant=participant).values("pk")
        created_for_person = AuditEntry.objects.filter(
            content_type=content_type, action=AuditEntry.Action.CREATE
        ).filter(Q(changes__participant__1=participant.pk) | Q(changes__participant__1=str(participant.pk)))
        condition |= Q(content_type=content_type) & (
            Q(object_id__in=current) | Q(object_id__in=created_for_person.values("object_id"))
        )
    return condition


def _changed_fields(changes: Any) -> list[str]:
    if isinstance(changes, str):
        try:
            changes = json.loads(changes)
        except ValueError:
            return []
    return sorted(changes) if isinstance(changes, dict) else []


def _audit_trail(participant: Participant) -> list[dict[str, Any]]:
    entries = (
        AuditEntry.objects.filter(audit_condition(participant))
        .select_related("actor", "content_type")
        .order_by("timestamp", "pk")
    )
    trail = []
    for entry in entries:
        model = entry.content_type.model_class()
        changed = _changed_fields(entry.changes)
        trail.append(
            {
                "timestamp": _json_value(entry.timestamp),
                "display_timestamp": _display(entry.timestamp),
                "actor": entry.actor.get_username() if entry.actor else None,
                "action": AUDIT_ACTIONS.get(entry.action, ("", ""))[0],
                "display_action": str(AUDIT_ACTIONS.get(entry.action, ("", entry.get_action_display()))[1]),
                "object_type": capfirst(str(model._meta.verbose_name)) if model else entry.content_type.model,
                "object": entry.object_repr,
                "changed_fields": changed,
                "display_changed_fields": [field_label(model, name) for name in changed],
            }
        )
    return trail


@records_actor
def participant_export_data(*, actor, participant: Participant) -> dict[str, Any]:
    """Everything stored about one person, for an access request (Art. 15 GDPR). JSON-serialisable.

    The caller has checked access (participants.selectors.participant_get_for_owner) and records the access.
    """
    participant = Participant.objects.select_related("provider", "municipality").get(pk=participant.pk)
    provider = participant.provider
    consents = participant.consents.select_related("recipient", "recorded_by").order_by("given_on", "pk")
    enrollments = participant.enrollments.select_related("course", "course__provider").order_by("registered_on", "pk")
    wishes = participant.wishes.prefetch_related("municipalities").order_by("registered_on", "pk")
    now = timezone.now()
    return {
        "title": _("Information according to Art. 15 GDPR"),
        "county": settings.COUNTY_NAME,
        "generated_at": _json_value(now),
        "display_generated_at": _display(now),
        "generated_by": actor.get_username() if actor is not None else None,
        "code": participant.code,
        "controller": {
            "name": provider.name,
            "address": provider.address,
            "email": provider.email,
            "phone": provider.phone,
        },
        "participant": _participant_entries(participant),
        "consents": [_consent_entries(consent) for consent in consents],
        "enrollments": [_enrollment_entries(enrollment) for enrollment in enrollments],
        "wishes": [_wish_entries(wish) for wish in wishes],
        "audit_trail": _audit_trail(participant),
    }


def participant_export_pdf(*, data: dict[str, Any]) -> bytes:
    """The export as an A4 document, rendered synchronously (a few pages at most)."""
    import weasyprint  # heavy import, only needed here

    html = render_to_string("participants/gdpr_export_pdf.html", {"data": data})
    # Everything the document needs is inline: the base URL only keeps WeasyPrint from resolving anything remote.
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


# --- Erasure (Art. 17) and retention ----------------------------------------------------------------------------


def _masked_changes(changes: Any) -> dict[str, Any] | None:
    """Field names stay (the trail still says which fields changed), every value becomes MASK."""
    if isinstance(changes, str):
        try:
            changes = json.loads(changes)
        except ValueError:
            return None
    if not isinstance(changes, dict):
        return None
    masked: dict[str, Any] = {}
    for field, change in changes.items():
        if isinstance(change, dict) and change.get("type") == "m2m":
            masked[field] = {"type": "m2m", "operation": change.get("operation", ""), "objects": [MASK]}
        else:
            masked[field] = [MASK, MASK]
    return masked


def _clean_admin_message(message: str) -> str:
    """Keep the structure of a Django admin change message (added / changed fields / deleted), drop free text
    such as the names of related objects."""
    try:
        parts = json.loads(message or "[]")
    except ValueError:
        return "[]"
    cleaned: list[dict[str, Any]] = []
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, dict):
            continue
        for key in ("added", "changed", "deleted"):
            if key in part:
                fields = part[key].get("fields", []) if isinstance(part[key], dict) else []
                cleaned.append({key: {"fields": [str(field) for field in fields]}} if fields else {key: {}})
    return json.dumps(cleaned)


def _rewrite_audit_trail(participant: Participant) -> None:
    repr_by_object: dict[tuple[int, int], str] = {}
    participant_type = ContentType.objects.get_for_model(Participant)
    repr_by_object[(participant_type.pk, participant.pk)] = str(participant)
    for model in _RELATED_MODELS:
        content_type = ContentType.objects.get_for_model(model)
        for obj in model.objects.filter(participant=participant).select_related(
            *(["participant", "course"] if model is Enrollment else ["participant"])
        ):
            repr_by_object[(content_type.pk, obj.pk)] = str(obj)

    entries = list(AuditEntry.objects.filter(audit_condition(participant)))
    for entry in entries:
        entry.object_repr = repr_by_object.get((entry.content_type_id, entry.object_id), participant.code)
        entry.changes = _masked_changes(entry.changes)
        entry.changes_text = ""
        entry.serialized_data = None
        entry.additional_data = None
    AuditEntry.objects.bulk_update(
        entries, ["object_repr", "changes", "changes_text", "serialized_data", "additional_data"], batch_size=500
    )

    # Django's admin history (changes made in /admin/, entries of diepholz_coord.audit), also of related rows
    # deleted since (known from their audit entries).
    objects = set(repr_by_object) | {(entry.content_type_id, entry.object_id) for entry in entries}
    admin_condition = Q(pk__in=[])
    for content_type_id, object_id in objects:
        admin_condition |= Q(content_type_id=content_type_id, object_id=str(object_id))
    admin_entries = list(AdminLogEntry.objects.filter(admin_condition))
    for admin_entry in admin_entries:
        key = (admin_entry.content_type_id, int(admin_entry.object_id))
        admin_entry.object_repr = repr_by_object.get(key, participant.code)[:200]
        admin_entry.change_message = _clean_admin_message(admin_entry.change_message)
    AdminLogEntry.objects.bulk_update(admin_entries, ["object_repr", "change_message"], batch_size=500)


def _anonymise(participant: Participant, *, actor, reason: str, now: datetime.datetime) -> None:
    """Anonymise one (locked) participant. Runs inside the caller's transaction."""
    with disable_auditlog():
        participant.first_name = ANONYMISED_NAME
        participant.last_name = ANONYMISED_NAME
        participant.birth_year = None
        participant.birth_date = None
        participant.gender = ""
        participant.first_languages = ""
        participant.level_assessed_on = None
        participant.level_assessed_how = ""
        participant.residence_status = ""
        participant.needs_childcare = False
        participant.times = []
        participant.mobility = ""
        participant.notes = ""
        participant.status = Participant.Status.ANONYMISED
        participant.anonymised_at = now
        participant.save()
        Consent.objects.filter(participant=participant).update(language="")
        # Nobody can be placed from an anonymised record: open wishes leave the waiting list. Enrollments stay as
        # they are — they are the district's figures.
        CourseWish.objects.filter(participant=participant, status=CourseWish.Status.OPEN).update(
            status=CourseWish.Status.WITHDRAWN
        )
        _rewrite_audit_trail(participant)
    # The erasure itself is on the record, without any of the old values.
    AuditEntry.objects.log_create(
        participant,
        force_log=True,
        action=AuditEntry.Action.UPDATE,
        changes={"status": [MASK, Participant.Status.ANONYMISED.value]},
        actor=actor,
        additional_data={"gdpr": reason},
    )


def may_erase(user, participant: Participant) -> bool:
    """The owning provider's admins and the coordinator; provider staff may not."""
    return access.may_manage_provider(user, participant.provider_id)


def may_export_data(user, participant: Participant) -> bool:
    """The full access-request export (Art. 15 GDPR): the owning provider's admins and the coordinator, as for
    erasure; provider staff work with the person's page and their courses' lists."""
    return access.may_manage_provider(user, participant.provider_id)


@records_actor
@transaction.atomic
def participant_erase(*, actor, participant: Participant) -> None:
    """Erase the person's data by anonymisation (Art. 17 GDPR), keeping the district's figures."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if not may_erase(actor, participant):
        raise PermissionDenied(_("Only an administrator of the registering provider or the coordination may erase."))
    if participant.status == Participant.Status.ANONYMISED:
        raise ValidationError(_("This person has already been anonymised."))
    # An erased person can no longer be found to be withdrawn later: give their places back now.
    from . import services

    for enrollment in participant.enrollments.filter(status__in=OPEN_ENROLLMENT_STATUSES):
        services.enrollment_withdraw(actor=actor, enrollment=enrollment)
    participant_erasing.send(sender=Participant, participant=participant, actor=actor)
    _anonymise(participant, actor=actor, reason="erasure", now=timezone.now())


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - relativedelta(months=settings.RETENTION_MONTHS)


def retention_due(*, cutoff: datetime.datetime):
    """Participants the retention rule anonymises: no activity since the cutoff, no open place or waiting place."""
    open_enrollment = Enrollment.objects.filter(participant=OuterRef("pk"), status__in=OPEN_ENROLLMENT_STATUSES)
    return Participant.objects.active().filter(last_activity_at__lt=cutoff).exclude(Exists(open_enrollment))


def retention_apply(*, now: datetime.datetime | None = None) -> RetentionRun:
    """Anonymise everyone without activity for RETENTION_MONTHS months. Idempotent: an anonymised person is never
    touched again, and every person is re-checked under a row lock (a second run at the same time skips them)."""
    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    due_ids = list(retention_due(cutoff=cutoff).order_by("pk").values_list("pk", flat=True))
    anonymised = 0
    for start in range(0, len(due_ids), RETENTION_BATCH_SIZE):
        batch = due_ids[start : start + RETENTION_BATCH_SIZE]
        with transaction.atomic():
            for participant in retention_due(cutoff=cutoff).filter(pk__in=batch).select_for_update().order_by("pk"):
                _anonymise(participant, actor=None, reason="retention", now=now)
                anonymised += 1
    run = RetentionRun.objects.create(ran_at=now, cutoff=cutoff, anonymised=anonymised)
    logger.info(
        "Retention (%s months): anonymised %d participant(s) without activity since %s",
        settings.RETENTION_MONTHS,
        anonymised,
        cutoff.isoformat(),
    )
    return run


def retention_runs(*, limit: int = 50):
    return RetentionRun.objects.order_by("-ran_at", "-pk")[:limit]
