"""Audit entries for services: Django's admin LogEntry, so every change also shows in the admin history."""

from __future__ import annotations

import json

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models

ACTIONS = {"add": ADDITION, "change": CHANGE, "delete": DELETION}


def audit(*, actor, obj: models.Model, action: str, changed: list[str] | None = None, note: str = "") -> None:
    """Record who did what to which object; `changed` names the fields of a change."""
    message: list[dict] = []
    if action == "add":
        message.append({"added": {}})
    elif action == "change":
        message.append({"changed": {"fields": changed or []}})
    elif action == "delete":
        message.append({"deleted": {}})
    if note:
        message.append({"note": note})
    LogEntry.objects.create(
        user_id=actor.pk,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=ACTIONS[action],
        change_message=json.dumps(message),
    )


def audit_access(request, *, model, what: str, people: list[int], obj: models.Model | None = None, fmt: str = ""):
    """Who saw or exported which personal data, in the audit log (django-auditlog, action "access"): a list, a
    course's roster, an export — with the number of people and their keys, the format and the address
    (diepholz_coord.client_ip). One INSERT."""
    from auditlog.models import LogEntry

    from .client_ip import client_ip

    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk=str(obj.pk) if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        object_repr=str(obj)[:200] if obj is not None else what,
        action=LogEntry.Action.ACCESS,
        actor=request.user if request.user.is_authenticated else None,
        remote_addr=client_ip(request),
        additional_data={"what": what, "count": len(people), "people": people, "format": fmt, "path": request.path},
    )


def audit_login(request, *, user=None, username: str = "", failed: bool = False) -> None:
    """A login, or a failed one (with the username tried), in the audit log with the client's address."""
    from auditlog.models import LogEntry
    from django.contrib.auth import get_user_model

    from .client_ip import client_ip

    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_pk=str(user.pk) if user is not None else "",
        object_id=user.pk if user is not None else None,
        object_repr=(user.get_username() if user is not None else username)[:150],
        action=LogEntry.Action.ACCESS,
        actor=user,
        remote_addr=client_ip(request) if request is not None else None,
        additional_data={"what": "login_failed" if failed else "login"},
    )
