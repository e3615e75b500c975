"""One audit mechanism (django-auditlog) for the whole product, and the coordinator's trail per user and per
person with its export for the data-protection officer."""

import ast
import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diepholz_coord.auditing import AUDITED_APPS
from meetings import services as meeting_services
from meetings.models import ActionItem
from tests.meetings.factories import MeetingSeriesFactory

ROOT = Path(__file__).resolve().parents[1]


def test_every_model_of_the_project_is_audited():
    project = [
        model
        for config in apps.get_app_configs()
        if config.path.startswith(str(ROOT)) and ".venv" not in config.path and config.label != "diepholz_coord"
        for model in config.get_models()
    ]
    assert {model._meta.app_label for model in project} == set(AUDITED_APPS)
    missing = [model._meta.label for model in project if not auditlog.contains(model)]
    assert not missing, f"not in the audit log: {missing}"
    assert auditlog.contains(apps.get_model("auth", "User"))


def test_every_service_with_an_actor_names_it_in_the_audit_log():
    """Each public function of the apps that takes `actor` (services, imports, GDPR tools) is @records_actor."""
    unmarked = []
    for label in AUDITED_APPS:
        for path in (ROOT / label).glob("*.py"):
            if path.stem in {"views", "forms", "selectors", "rules", "admin"} or path.stem.startswith("views"):
                continue
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                    arguments = [a.arg for a in node.args.args + node.args.kwonlyargs]
                    decorators = {getattr(d, "id", getattr(d, "attr", "")) for d in node.decorator_list}
                    if "actor" in arguments and "records_actor" not in decorators:
                        unmarked.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert not unmarked


@pytest.mark.django_db
def test_a_service_outside_a_request_records_its_actor_and_the_changed_values(world):
    from tests.access_matrix_meetings import meeting_a

    meeting = meeting_a(world)
    item = meeting_services.action_item_create(
        meeting=meeting,
        actor=world.users.coordinator,
        data={"title": "Flyer drucken", "owner_provider": world.provider_a},
    )
    [created] = LogEntry.objects.get_for_object(item).filter(action=LogEntry.Action.CREATE)
    assert created.actor == world.users.coordinator and created.changes["title"] == [None, "Flyer drucken"]
    meeting_services.action_item_done(item=item, actor=world.users.a_admin)
    [done] = LogEntry.objects.get_for_object(item).filter(action=LogEntry.Action.UPDATE)
    assert done.actor == world.users.a_admin and done.changes["status"] == ["open", ActionItem.Status.DONE]


@pytest.mark.django_db
def test_the_calendar_secret_never_enters_the_audit_log(world):
    secret = meeting_services.calendar_token_create(user=world.users.a_staff)
    assert LogEntry.objects.filter(content_type__model="calendartoken").exists()
    for entry in LogEntry.objects.all():
        assert secret not in str(entry.changes) and "token_hash" not in (entry.changes or {})


@pytest.mark.django_db
def test_the_trail_per_person_shows_every_look_and_change_and_only_theirs(world, client):
    person = world.participant_a
    client.force_login(world.users.a_admin)
    client.get(reverse("participants:participant_list"))  # shows A's person only
    client.get(person.get_absolute_url())
    client.force_login(world.users.b_admin)
    client.get(reverse("participants:participant_list"))  # shows B's person only
    client.force_login(world.users.coordinator)
    response = client.get(reverse("audit_log"), {"person": person.code.lower()})
    assert response.status_code == 200
    body = response.content.decode()
    shown = {int(pk) for pk in re.findall(r'data-entry="(\d+)"', body)}
    looks = set(
        LogEntry.objects.filter(
            actor=world.users.a_admin, action=LogEntry.Action.ACCESS, content_type__model="participant"
        ).values_list("pk", flat=True)
    )
    assert looks and looks <= shown
    b_list = LogEntry.objects.get(actor=world.users.b_admin, additional_data__what="participant_list")
    assert b_list.pk not in shown
    assert "Teilnehmendenliste · 1 Person<" in body and "participant_list" not in body
    # Per user: only B's admin's entries.
    response = client.get(reverse("audit_log"), {"user": world.users.b_admin.pk})
    shown = {int(pk) for pk in re.findall(r'data-entry="(\d+)"', response.content.decode())}
    assert b_list.pk in shown and not (shown & looks)


@pytest.mark.django_db
def test_the_export_for_the_data_protection_officer_holds_the_filtered_entries_and_is_itself_recorded(world, client):
    client.force_login(world.users.a_admin)
    client.get(world.participant_a.get_absolute_url(), REMOTE_ADDR="192.0.2.44")
    client.force_login(world.users.coordinator)
    response = client.get(reverse("audit_export"), {"person": world.participant_a.code, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Zeit", "Benutzer", "IP-Adresse"]
    assert any(row[1] == world.users.a_admin.username and row[2] == "192.0.2.44" for row in rows[1:])
    assert all(world.users.b_admin.username != row[1] for row in rows[1:])
    [export] = LogEntry.objects.filter(additional_data__what="audit_export")
    assert export.actor == world.users.coordinator and export.object_pk == str(world.participant_a.pk)
    response = client.get(reverse("audit_export"), {"format": "xlsx", "kind": "logins"})
    assert response.status_code == 200 and response.content[:2] == b"PK"


@pytest.mark.django_db
def test_bad_filters_get_a_german_message(world, client):
    client.force_login(world.users.coordinator)
    response = client.get(reverse("audit_log"), {"person": "TN-NIEMAND", "since": "2026-12-01", "until": "2026-11-01"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Niemand hat diesen Code." in body and "Das Ende liegt vor dem Beginn." in body
    assert client.get(reverse("audit_log"), {"user": "٣"}).status_code == 400
    assert client.get(reverse("audit_export"), {"format": "pdf"}).status_code == 400


@pytest.mark.django_db
def test_the_trail_page_needs_the_same_queries_for_many_entries(world, client):
    client.force_login(world.users.coordinator)

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("audit_log")).status_code == 200
        return len(context)

    client.get(reverse("participants:participant_list"))
    small = count()
    for number in range(60):
        MeetingSeriesFactory(name=f"Reihe {number}")
    assert LogEntry.objects.count() > 60
    assert count() == small


@pytest.mark.django_db
def test_the_command_exports_for_the_data_protection_officer_and_records_itself(world, client, tmp_path):
    client.force_login(world.users.a_admin)
    client.get(world.participant_a.get_absolute_url(), REMOTE_ADDR="192.0.2.45")
    client.force_login(world.users.b_admin)
    client.get(reverse("participants:participant_list"), REMOTE_ADDR="192.0.2.46")  # shows B's people, not A's
    output = tmp_path / "dsb.csv"
    stdout = io.StringIO()
    call_command("audit_export", output=output, person=world.participant_a.code, stdout=stdout)
    rows = list(csv.reader(io.StringIO(output.read_text("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Zeit", "Benutzer", "IP-Adresse"]
    assert any(row[1] == world.users.a_admin.username and row[2] == "192.0.2.45" for row in rows[1:])
    assert not any("192.0.2.46" in row for row in rows)
    assert f"{len(rows) - 1} Einträge" in stdout.getvalue()
    [export] = LogEntry.objects.filter(additional_data__what="audit_export")
    assert export.actor is None and export.additional_data["path"] == "manage.py audit_export"
    assert export.object_pk == str(world.participant_a.pk)
    # Per user, as Excel: only B's admin's entries.
    workbook_path = tmp_path / "dsb.xlsx"
    call_command("audit_export", output=workbook_path, user=world.users.b_admin.username, stdout=io.StringIO())
    sheet = openpyxl.load_workbook(workbook_path).active
    users = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert users == {world.users.b_admin.username}


@pytest.mark.django_db
def test_the_command_refuses_bad_filters_and_leaves_no_file(world, tmp_path):
    output = tmp_path / "dsb.csv"
    with pytest.raises(CommandError, match="Niemand hat diesen Code"):
        call_command("audit_export", output=output, person="TN-NIEMAND")
    with pytest.raises(CommandError, match="Das Ende liegt vor dem Beginn"):
        call_command("audit_export", output=output, since="2026-12-01", until="2026-11-01")
    with pytest.raises(CommandError, match="niemand"):
        call_command("audit_export", output=output, user="niemand")
    assert list(tmp_path.iterdir()) == []
    assert not LogEntry.objects.filter(additional_data__what="audit_export").exists()


@pytest.mark.django_db
def test_an_access_request_export_is_in_the_persons_trail_with_its_format(world, client):
    person = world.participant_a
    client.force_login(world.users.a_admin)
    url = reverse("participants:participant_export_data", args=[person.pk])
    assert client.get(url, {"format": "pdf"}).status_code == 200
    client.force_login(world.users.coordinator)
    body = client.get(reverse("audit_log"), {"person": person.code}).content.decode()
    assert "Auskunft (Art. 15 DSGVO) · 1 Person · PDF" in body
