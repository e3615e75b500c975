"""The one audit mechanism: django-auditlog records every save and delete of every model of the project's apps
(and the logins' roles and switches), with old and new values, the acting user and the client address; looks at
and exports of personal data, logins and failed logins are its "access" entries (diepholz_coord.audit).

Registration is generic: a model added to one of the apps below is audited without anyone remembering to. The
table says only what differs from "every field"."""

from __future__ import annotations

from django.apps import apps

AUDITED_APPS = ("courses", "participants", "transitions", "meetings", "register", "developments")

OPTIONS: dict[str, dict] = {
    "participants.CourseWish": {"m2m_fields": {"municipalities"}},
    "meetings.MeetingSeries": {"m2m_fields": {"invited_providers", "invited_users"}},
    "register.Department": {"m2m_fields": {"members"}},
    # Stored PDFs and the agenda's frozen figures are files and a cache, not changes anyone made.
    "meetings.Meeting": {"exclude_fields": ["agenda_snapshot", "agenda_pdf", "minutes_pdf"]},
    # The secret of a calendar feed never enters the log (only its hash is stored at all).
    "meetings.CalendarToken": {"exclude_fields": ["token", "token_hash"]},
    # Logins: who may do what (roles and switches); the password hash and last login stay out.
    "auth.User": {
        "include_fields": ["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"],
        "m2m_fields": {"groups"},
    },
}


def audited_models():
    for label in AUDITED_APPS:
        yield from apps.get_app_config(label).get_models()
    yield apps.get_model("auth", "User")


def register_all() -> None:
    from auditlog.registry import auditlog

    for model in audited_models():
        auditlog.register(model, **OPTIONS.get(model._meta.label, {}))
