"""The audit trail's entries that are not saves (django-auditlog records those, diepholz_coord.auditing): looks
at and exports of personal data, logins and failed logins, two-factor events. And `records_actor`, which names
the acting user of a service in the entries its saves write — also outside a request (commands, the worker)."""

from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar

from django.contrib.contenttypes.models import ContentType
from django.db import models

_actor: ContextVar = ContextVar("audit_actor", default=None)


@contextlib.contextmanager
def acting(actor):
    """Entries written inside name `actor` (when the request has not named one already)."""
    token = _actor.set(actor if getattr(actor, "is_authenticated", False) else None)
    try:
        yield
    finally:
        _actor.reset(token)


def records_actor(func):
    """For services: their `actor` keyword argument is the acting user of the audit entries they cause."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with acting(kwargs.get("actor")):
            return func(*args, **kwargs)

    wrapper.records_actor = True
    return wrapper


def fill_actor(sender, instance, **kwargs) -> None:
    """pre_save of auditlog's LogEntry (connected in diepholz_coord.apps)."""
    actor = _actor.get()
    if actor is not None and instance.actor_id is None:
        instance.actor = actor
        instance.actor_email = getattr(actor, "email", None)


def audit_access(request, *, model, what: str, people: list[int], obj: models.Model | None = None, fmt: str = ""):
    """Who saw or exported which personal data, in the audit log (django-auditlog, action "access"): a list, a
    course's roster, an export — with the number of people and their keys, the format and the address
    (diepholz_coord.client_ip). Two INSERTs (the entry, its people)."""
    from .client_ip import client_ip

    record_access(
        actor=request.user if request.user.is_authenticated else None,
        remote_addr=client_ip(request),
        path=request.path,
        model=model,
        what=what,
        people=people,
        obj=obj,
        fmt=fmt,
    )


def record_access(
    *, actor, remote_addr: str | None, path: str, model, what: str, people: list[int], obj=None, fmt: str = ""
) -> None:
    """`audit_access` without a request: for commands (`path` names the command, `actor` may be None)."""
    from auditlog.models import LogEntry

    from .models import AuditedPerson

    entry = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk=str(obj.pk) if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        object_repr=str(obj)[:200] if obj is not None else what,
        action=LogEntry.Action.ACCESS,
        actor=actor,
        remote_addr=remote_addr,
        additional_data={"what": what, "count": len(people), "people": people, "format": fmt, "path": path},
    )
    if people:
        AuditedPerson.objects.bulk_create([AuditedPerson(entry=entry, participant_id=pk) for pk in people])


def audit_login(request, *, user=None, username: str = "", failed: bool = False) -> None:
    """A login, or a failed one (with the username tried), in the audit log with the client's address."""
    audit_event(request, what="login_failed" if failed else "login", user=user, username=username)


def audit_event(request, *, what: str, user=None, username: str = "") -> None:
    """An event of a login (diepholz_coord.audit_trail.LOGIN_EVENTS): who, from where; `username` when the login
    is not known."""
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
        additional_data={"what": what},
    )
