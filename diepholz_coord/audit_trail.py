"""Reading the audit trail (diepholz_coord.auditing, diepholz_coord.audit): per user, per person, per kind and
period, for the coordinator's page and the data-protection officer's export."""

from __future__ import annotations

import datetime
import json
from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import AuditedPerson

LOGIN_EVENTS = ("login", "login_failed", "two_factor_setup", "two_factor_code", "two_factor_code_failed",
                "two_factor_recovery_code", "two_factor_recovery_codes")  # fmt: skip
KINDS = {
    "changes": gettext_lazy("Changes"),
    "access": gettext_lazy("Views and exports of personal data"),
    "logins": gettext_lazy("Logins"),
}
ACTIONS = {
    LogEntry.Action.CREATE: gettext_lazy("created"),
    LogEntry.Action.UPDATE: gettext_lazy("changed"),
    LogEntry.Action.DELETE: gettext_lazy("deleted"),
    LogEntry.Action.ACCESS: gettext_lazy("viewed or exported"),
}
M2M = {"add": gettext_lazy("added"), "delete": gettext_lazy("removed")}  # django-auditlog's two operations
WHAT = {
    "participant_list": gettext_lazy("participant list"),
    "participant_export": gettext_lazy("participant export"),
    "course_roster": gettext_lazy("course roster"),
    "course_roster_export": gettext_lazy("course roster export"),
    "audit_export": gettext_lazy("audit trail export"),
    "gdpr_export": gettext_lazy("access request (Art. 15 GDPR)"),
    "agenda_pdf": gettext_lazy("agenda PDF"),
    "minutes_pdf": gettext_lazy("minutes PDF"),
    "login": gettext_lazy("login"),
    "login_failed": gettext_lazy("failed login"),
    "two_factor_setup": gettext_lazy("two-factor login set up"),
    "two_factor_code": gettext_lazy("two-factor code accepted"),
    "two_factor_code_failed": gettext_lazy("wrong two-factor code"),
    "two_factor_recovery_code": gettext_lazy("recovery code used"),
    "two_factor_recovery_codes": gettext_lazy("new recovery codes"),
}


def entries(
    *,
    user=None,
    participant=None,
    kind: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet:
    """Entries, newest first. `participant`: the changes of the person and their consents, enrolments and wishes,
    and every look at them (their page, a list, a roster, an export that showed them)."""
    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if user is not None:
        qs = qs.filter(actor=user)
    if participant is not None:
        from participants.gdpr import audit_condition

        seen = AuditedPerson.objects.filter(participant_id=participant.pk).values("entry_id")
        qs = qs.filter(audit_condition(participant) | Q(pk__in=seen))
    if kind == "changes":
        qs = qs.exclude(action=LogEntry.Action.ACCESS)
    elif kind == "access":
        qs = qs.filter(action=LogEntry.Action.ACCESS).exclude(additional_data__what__in=LOGIN_EVENTS)
    elif kind == "logins":
        qs = qs.filter(action=LogEntry.Action.ACCESS, additional_data__what__in=LOGIN_EVENTS)
    tz = timezone.get_current_timezone()
    if since is not None:
        qs = qs.filter(timestamp__gte=datetime.datetime.combine(since, datetime.time.min, tzinfo=tz))
    if until is not None:
        qs = qs.filter(
            timestamp__lt=datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        )
    return qs


def _changes(entry: LogEntry) -> dict:
    changes = entry.changes
    if isinstance(changes, str):
        try:
            changes = json.loads(changes)
        except ValueError:
            return {}
    return changes if isinstance(changes, dict) else {}


def field_label(model, name: str) -> str:
    """The field's verbose name; its name when the field has been removed since or is a reverse relation."""
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return name
    return capfirst(str(getattr(field, "verbose_name", name)))


def details(entry: LogEntry) -> str:
    """What the entry says, in a line: the changed fields with old and new value, or what was seen how."""
    if entry.action == LogEntry.Action.ACCESS:
        data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
        what = data.get("what")
        if what is None:  # auditlog's own "accessed" signal: a person's page
            return _("page viewed")
        parts = [str(WHAT.get(what, what))]
        if "count" in data:
            parts.append(ngettext("%(count)s person", "%(count)s people", data["count"]) % {"count": data["count"]})
        if data.get("format"):
            parts.append(str(data["format"]).upper())
        return " · ".join(parts)
    model = entry.content_type.model_class() if entry.content_type_id else None
    parts = []
    for name, values in sorted(_changes(entry).items()):
        label = field_label(model, name)
        if isinstance(values, list) and len(values) == 2:
            parts.append(f"{label}: {_short(values[0])} → {_short(values[1])}")
        elif isinstance(values, dict) and values.get("type") == "m2m":  # {"operation": "add", "objects": [...]}
            objects = ", ".join(map(str, values.get("objects") or []))
            operation = values.get("operation", "")
            parts.append(f"{label}: {M2M.get(operation, operation)} {_short(objects)}")
        else:
            parts.append(label)
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = "–" if value in (None, "", "None") else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def row(entry: LogEntry) -> dict[str, Any]:
    model = entry.content_type.model_class() if entry.content_type_id else None
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    # A look at a list has no single record: its name (the "what") is in the details already.
    shown = "" if entry.object_pk == "" and entry.object_repr == data.get("what") else entry.object_repr
    return {
        "entry": entry,
        "when": timezone.localtime(entry.timestamp),
        "user": entry.actor.get_username() if entry.actor else "",
        "user_name": entry.actor.get_full_name() if entry.actor else "",
        "address": entry.remote_addr or "",
        "action": str(ACTIONS.get(entry.action, entry.get_action_display())),
        "type": capfirst(str(model._meta.verbose_name)) if model else "",
        "object": shown,
        "details": details(entry),
    }


def export_headers() -> list[str]:
    return [_("Time"), _("User"), _("IP address"), _("Action"), _("Kind of record"), _("Record"), _("Details")]


def export_rows(qs: QuerySet):
    for entry in qs.iterator(chunk_size=2000):
        r = row(entry)
        yield [
            date_format(r["when"], "Y-m-d H:i:s"),
            r["user"],
            r["address"],
            r["action"],
            r["type"],
            r["object"],
            r["details"],
        ]
