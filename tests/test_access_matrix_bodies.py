"""Refused writes with real bodies: for every write endpoint, the body the coordinator's own form would send (or,
for endpoints without a page, the fields they take) is posted by every role the matrix refuses — another
provider's admin, county staff, staff without the right, anonymous. Nothing may change; the same body posted by
the coordinator afterwards is accepted, which shows it was a valid submission and not an empty one."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from . import figures
from .form_bodies import body_for
from .test_access_matrix import LOGIN, MATRIX, POST_MATRIX, ROLES, _state

REFUSED = {403, 404, LOGIN}
# File imports take an uploaded file; their refusal is checked with an empty body by the matrix (POST_MATRIX).
# Logging out, switching the language and renewing one's own calendar address act on the user's own session.
WITHOUT_BODY = {"courses:course_import", "participants:participant_import", "logout", "set_language",
                "meetings:calendar_reset"}  # fmt: skip


def _today():
    return timezone.localdate().isoformat()


def _page_body(client, name, args):
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} as coordinator: {response.status_code}"
    body = body_for(response.content.decode(), url)
    assert body is not None, f"{url} has no form posting to itself"
    return body


def _action_plan_meeting(world):
    from meetings.models import Body, Meeting, MeetingSeries

    series, _ = MeetingSeries.objects.get_or_create(
        name="Aktionsplan (Test)",
        defaults={"body": Body.ACTION_PLAN, "first_month": datetime.date(2026, 1, 1), "start_time": datetime.time(9),
                  "location": "Kreishaus"},
    )  # fmt: skip
    starts = timezone.now() - datetime.timedelta(minutes=10)
    return Meeting.objects.create(
        series=series, occurrence=starts.date(), starts_at=starts, ends_at=starts + datetime.timedelta(hours=1),
        location="Kreishaus", status=Meeting.Status.PUBLISHED, agenda_due_on=starts.date(),
    )  # fmt: skip


def _second_course(world):
    """Another open course of provider A (the world's person is enrolled in Kurs A already)."""
    from tests import factories

    return factories.CourseFactory(provider=world.provider_a, title="Kurs A2")


def _department():
    from tests.register.helpers import department

    return department()


# name → body(world, client logged in as coordinator, url args). Endpoints with a page start from its form.
def _with(name, **changes):
    def build(world, client, args):
        body = _page_body(client, name, args)
        body.update({key: [str(value)] for key, value in changes.items()})
        return body

    return build


def _from_page(source, source_args, **changes):
    """The form of another page (an object's edit form) as the body of a create form."""

    def build(world, client, args):
        body = _page_body(client, source, source_args(world))
        body.update({key: [str(value)] for key, value in changes.items()})
        return body

    return build


def _fixed(fields):
    def build(world, client, args):
        return {key: [str(value)] for key, value in fields(world, args).items()}

    return build


BODIES = {
    "courses:course_cancel": _with("courses:course_cancel", reason="Zu wenige Anmeldungen"),
    "courses:course_create": _from_page(
        "courses:course_update", lambda w: [w.course_a.pk], title="Neuer Kurs", provider="{provider}"
    ),
    "courses:course_report_places": _fixed(lambda w, a: {"free_places": 3, "note": ""}),
    "courses:provider_create": _from_page("courses:provider_update", lambda w: [w.provider_a.pk], name="Neuer Träger"),
    "courses:staff_create": _fixed(
        lambda w, a: {
            "username": "neu-mitarbeiterin",
            "first_name": "Neu",
            "last_name": "Mitarbeiterin",
            "email": "neu@example.org",
            "role": "staff",
            "password1": "Kursplanung-Sulingen-2026",
            "password2": "Kursplanung-Sulingen-2026",
        }
    ),  # fmt: skip
    "courses:venue_create": _from_page("courses:venue_update", lambda w: [w.venue_a.pk], name="Neuer Kursort"),
    "developments:assessment_edit": _with("developments:assessment_edit", verdict="affected", consequences="Folgt"),
    "developments:development_create": _from_page(
        "developments:development_update",
        lambda w: [MATRIX["developments:development_detail"][1](w)[0]],
        title="Neue Entwicklung",
    ),  # fmt: skip
    "developments:measure_create": _fixed(
        lambda w, a: {
            "title": "Maßnahme",
            "department": _department().pk,
            "meeting": _action_plan_meeting(w).pk,
            "due_on": "",
        }
    ),  # fmt: skip
    "meetings:action_item_create": _fixed(lambda w, a: {"title": "Melden", "owner_provider": w.provider_a.pk}),
    "meetings:attendance_save": _fixed(lambda w, a: {f"provider-{w.provider_a.pk}": "present"}),
    "meetings:item_propose": _fixed(lambda w, a: {"title": "Neuer Punkt", "description": ""}),
    "meetings:minutes_save": _fixed(lambda w, a: {f"m{a[1]}-notes": "Notiz", f"m{a[1]}-decisions": ""}),
    "meetings:item_update": _fixed(lambda w, a: {"slot_start": "10:00", "slot_end": "10:30", "presenter": "K"}),
    "meetings:minutes_finalise": _fixed(lambda w, a: {"confirm": "on"}),
    "meetings:meeting_edit": _with("meetings:meeting_edit", cancelled="on", moved_reason="Krankheit"),
    "meetings:series_create": _from_page(
        "meetings:series_update", lambda w: MATRIX["meetings:series_update"][1](w), name="Neue Reihe"
    ),
    "participants:consent_create": _with(
        "participants:consent_create",
        purpose="handover",
        recipient="{provider_b}",
        given_on="{today}",
        form="signed",
        language="Deutsch",
    ),  # fmt: skip
    "participants:enrollment_create": _fixed(lambda w, a: {"course": _second_course(w).pk, "action": "wait"}),
    "participants:participant_create": _from_page(
        "participants:participant_update",
        lambda w: [w.participant_a.pk],
        first_name="Neue",
        last_name="Person",
        provider="{provider}",
    ),  # fmt: skip
    "participants:enrollment_complete": _with("participants:enrollment_complete", ended_on="{today}"),
    "participants:wish_create": _with("participants:wish_create", level="2", priority="1", max_distance_km="20"),
    "participants:participant_erase": _fixed(lambda w, a: {"confirm": "on"}),
    "register:workflow_create": _with(
        "register:workflow_create",
        title="Neuer Ablauf",
        trigger="Es passiert",
        valid_from="{today}",
        **{"steps-0-title": "Schritt", "steps-0-responsible": "department:{department}", "steps-0-ORDER": "1"},
    ),  # fmt: skip
    # Edit forms: their own page's form, as the browser would send it unchanged.
    **{
        name: _with(name)
        for name in (
            "courses:course_update",
            "courses:provider_update",
            "courses:venue_update",
            "developments:development_update",
            "meetings:series_update",
            "participants:participant_update",
            "transitions:handover_checklist",
        )
    },  # fmt: skip
    "register:version_create": _with("register:version_create", change_note="Geändert", valid_from="{today}"),
}


def _resolve(body, world):
    values = {"provider": world.provider_a.pk, "provider_b": world.provider_b.pk, "today": _today(),
              "course_a": world.course_a.pk, "department": _department().pk}  # fmt: skip
    return {key: [value.format(**values) for value in items] for key, items in body.items()}


def _write_endpoints():
    names = set(POST_MATRIX) | {name for name, (method, _a, _e) in MATRIX.items() if method == "post"}
    return sorted(names - WITHOUT_BODY)


def _expected(name, role):
    if name in POST_MATRIX:
        return POST_MATRIX[name][ROLES.index(role)]
    return MATRIX[name][2][ROLES.index(role)]


@pytest.mark.django_db
@pytest.mark.parametrize("name", _write_endpoints())
def test_refused_roles_change_nothing_even_with_a_valid_body(world, client, name):
    args = MATRIX[name][1](world)
    url = reverse(name, args=args)
    client.force_login(world.users.coordinator)
    body = _resolve(BODIES[name](world, client, args) if name in BODIES else {}, world)
    refused = [role for role in ROLES if _expected(name, role) in REFUSED]
    assert refused, f"{name}: every role may post; nothing to check"
    for role in refused:
        client.logout()
        if role != "anonymous":
            client.force_login(getattr(world.users, role))
        before = _state()
        response = client.post(url, body)
        expected = _expected(name, role)
        if expected == LOGIN:
            assert response.status_code == 302 and response.url.startswith(reverse("login")), (name, role)
        else:
            assert response.status_code == expected, f"POST {url} as {role}: {response.status_code}"
        after = _state()
        changed = [label for label in before if before[label] != after[label]]
        assert not changed, f"POST {url} as {role} with a valid body changed {changed}"
        figures.count("refused POSTs with a valid body, nothing changed")
    # The same body from the coordinator is accepted: it was a real submission.
    client.logout()
    client.force_login(world.users.coordinator)
    response = client.post(url, body)
    form = getattr(response, "context", None) and response.context.get("form")
    assert response.status_code in (200, 302), (
        f"POST {url} as coordinator: {response.status_code} {getattr(form, 'errors', '')}"
    )
    if response.status_code == 200:  # a page again: only fine if it shows no form errors
        assert not (form and form.errors), f"{url}: {form.errors}"


def test_every_write_endpoint_has_a_body_or_a_reason():
    missing = [name for name in _write_endpoints() if name not in BODIES and name in POST_MATRIX]
    assert not missing, f"write endpoints with a form but no valid body here: {missing}"
