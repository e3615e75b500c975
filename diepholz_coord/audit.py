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
