"""GDPR tools: access-request export (JSON, PDF), erasure by anonymisation, retention job."""

import datetime
import io
import json
import logging

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry as AuditEntry
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.admin.models import CHANGE, DELETION
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from courses.domain import Level
from courses.models import Course
from participants import gdpr, services, tasks
from participants.models import Consent, CourseWish, Enrollment, Participant, RetentionRun

from .. import factories

BIRTH_DATE = datetime.date(1991, 3, 4)
# Values that exist only in the person to be erased; after erasure none may be found in any table.
SECRETS = [
    "Zarifa",
    "Qaderi-Testname",
    "Sehr-Geheime-Notiz-4711",
    "Dari-Testsprache",
    "Erklaert-auf-Dari-Testsprache",
    "1991-03-04",
]


def _values(entries):
    return {entry["field"]: entry["value"] for entry in entries}


def _text_fields(model):
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
    ]


def _find_in_database(needles):
    """Every row of every model, every text-like column (JSON included): where does any of the needles occur?"""
    hits = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = _text_fields(model)
        if fields:
            for row in model._base_manager.values_list(*fields):
                for name, value in zip(fields, row, strict=True):
                    if value is None:
                        continue
                    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
                    hits += [(model._meta.label, name, n) for n in needles if n.lower() in text.lower()]
        for field in model._meta.concrete_fields:
            if type(field) is models.DateField and model._base_manager.filter(**{field.attname: BIRTH_DATE}).exists():
                hits.append((model._meta.label, field.attname, str(BIRTH_DATE)))
    return hits


def _district_totals():
    """The figures the district's overviews are built from."""
    return {
        "enrollments": sorted(
            Enrollment.objects.values_list("course_id", "status", "level_reached", "exam_result").annotate(
                n=Count("pk")
            )
        ),
        "participants_by_municipality": sorted(
            Participant.objects.values_list("municipality_id", "level", "route").annotate(n=Count("pk"))
        ),
        "free_places": sorted(Course.objects.values_list("pk", "free_places")),
        "wishes": sorted(
            CourseWish.objects.values_list("participant__municipality_id", "level").annotate(n=Count("pk"))
        ),
    }


def _seed_person(world, *, first_name="Zarifa", last_name="Qaderi-Testname"):
    """A person with distinctive values, changed several times through the services (so the audit log holds the
    old values), enrolled in and through a course, with consents and wishes."""
    admin = world.users.a_admin
    municipality = world.provider_a.municipality
    with set_actor(admin):
        person = services.participant_register(
            actor=admin,
            provider=world.provider_a,
            data={
                "first_name": first_name,
                "last_name": last_name + "-Alt",
                "birth_year": 1991,
                "birth_date": BIRTH_DATE,
                "gender": "f",
                "municipality": municipality,
                "first_languages": "Dari-Testsprache",
                "literacy": "partly",
                "level": Level.A1,
                "route": "claim",
                "residence_status": "AE_25_1_2",
                "times": ["morning"],
                "mobility": "public",
                "notes": "Erste Notiz",
            },
        )
        services.participant_update(
            actor=admin, participant=person, data={"last_name": last_name, "notes": "Sehr-Geheime-Notiz-4711"}
        )
        services.participant_update(
            actor=admin,
            participant=person,
            data={"notes": "Sehr-Geheime-Notiz-4711, ergänzt", "first_languages": "Dari-Testsprache, Paschtu"},
        )
        consent = services.consent_record(
            actor=admin,
            participant=person,
            data={
                "purpose": Consent.Purpose.HANDOVER,
                "recipient": world.provider_b,
                "given_on": timezone.localdate(),
                "form": Consent.Form.INTERPRETER,
                "language": "Erklaert-auf-Dari-Testsprache",
            },
        )
        services.consent_revoke(actor=admin, consent=consent)
        # A consent recorded by mistake and deleted (e.g. in the admin): its audit entries still hold its values.
        mistaken = factories.ConsentFactory(participant=person, recipient=None, purpose="meeting")
        Consent.objects.filter(pk=mistaken.pk).update(language="Erklaert-auf-Dari-Testsprache (Irrtum)")
        mistaken.refresh_from_db()
        mistaken.language = "Erklaert-auf-Dari-Testsprache, gelöscht"
        mistaken.save()
        mistaken_pk = mistaken.pk
        mistaken.delete()
        services.wish_create(
            actor=admin,
            participant=person,
            data={"level": Level.A2, "course_types": ["IK_ALLG"], "municipalities": [municipality]},
        )
        enrollment = services.enrollment_enrol(actor=admin, participant=person, course=world.course_a)
        services.enrollment_complete(actor=admin, enrollment=enrollment, level_reached=Level.A2, exam_result="dtz_a2")
        services.wish_create(
            actor=admin, participant=person, data={"level": Level.B1, "municipalities": [municipality]}
        )
    # A change made in Django's admin names the person in its history.
    AdminLogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Participant),
        object_id=str(person.pk),
        object_repr=f"{first_name} {last_name}",
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"fields": ["Notes"]}}, {"note": "Zarifa angerufen"}]),
    )
    AdminLogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Consent),
        object_id=str(mistaken_pk),
        object_repr=f"Einwilligung von {first_name} {last_name}",
        action_flag=DELETION,
        change_message="",
    )
    person.refresh_from_db()
    return person


def _export_url(participant, output=None):
    url = reverse("participants:participant_export_data", args=[participant.pk])
    return f"{url}?format={output}" if output else url


# --- Export ------------------------------------------------------------------------------------------------------


def test_export_json_holds_names_consents_enrollments_wishes_and_audit_trail(world, login):
    person = world.participant_a
    client = login(world.users.a_admin)  # an admin of the owning provider answers an access request
    response = client.get(_export_url(person, "json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert f'filename="auskunft-{person.code}.json"' in response["Content-Disposition"]
    data = json.loads(response.content)
    profile = _values(data["participant"])
    assert profile["first_name"] == "Amira"
    assert profile["last_name"] == "Haddad"
    assert profile["code"] == person.code
    assert profile["municipality"] == "Syke"
    labels = {entry["field"]: entry["label"] for entry in data["participant"]}
    assert labels["first_name"] == "Vorname"
    assert data["county"] == "Landkreis Diepholz"
    assert data["controller"]["name"] == "Träger A"

    [consent] = data["consents"]
    assert _values(consent)["purpose"] == "meeting"
    [enrollment] = data["enrollments"]
    assert _values(enrollment)["course"] == "Kurs A"
    assert _values(enrollment)["provider"] == "Träger A"
    assert _values(enrollment)["status"] == "enrolled"
    [wish] = data["wishes"]
    assert _values(wish)["level"] == Level.A1 and _values(wish)["course_types"] == ["IK_ALLG"]

    trail = data["audit_trail"]
    # Creation of the person, the consent, the wish and the enrollment, and this export (an access).
    assert {entry["object_type"] for entry in trail} >= {
        "Teilnehmende Person",
        "Einwilligung",
        "Kurswunsch",
        "Einschreibung",
    }
    creation = next(entry for entry in trail if entry["object_type"] == "Teilnehmende Person")
    assert "first_name" in creation["changed_fields"]
    assert trail[-1]["actor"] == world.users.a_admin.username
    assert AuditEntry.objects.filter(
        object_id=person.pk,
        content_type=ContentType.objects.get_for_model(Participant),
        action=AuditEntry.Action.ACCESS,
        actor=world.users.a_admin,
        additional_data__what="gdpr_export",
        additional_data__format="json",
    ).exists()
    json.dumps(data)  # serialisable as it is


def test_export_pdf_is_an_a4_document_with_the_heading_name_and_code(world, login):
    person = world.participant_a
    response = login(world.users.a_admin).get(_export_url(person, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="auskunft-{person.code}.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Auskunft nach Art. 15 DSGVO" in text
    assert "Landkreis Diepholz" in text
    assert person.code in text
    assert "Amira" in text and "Haddad" in text
    assert "Kurs A" in text


def test_export_page_links_the_downloads(world, login):
    response = login(world.users.coordinator).get(_export_url(world.participant_a))
    assert response.status_code == 200
    assert b"?format=pdf" in response.content and b"?format=json" in response.content
    assert login(world.users.coordinator).get(_export_url(world.participant_a, "xml")).status_code == 400


@pytest.mark.parametrize(
    ("role", "expected"),
    [("b_admin", 404), ("county", 403), ("a_staff", 403), ("a_admin", 200), ("coordinator", 200)],
)
def test_export_access(world, login, role, expected):
    """Least privilege: the full access-request export is for the owning provider's admins and the coordinator."""
    response = login(getattr(world.users, role)).get(_export_url(world.participant_a, "json"))
    assert response.status_code == expected


def test_export_query_count_does_not_grow_with_the_records(world):
    def queries_for(person):
        with CaptureQueriesContext(connection) as captured:
            gdpr.participant_export_data(actor=world.users.coordinator, participant=person)
        return len(captured)

    small = _seed_person(world, first_name="Klein", last_name="Eins")
    large = _seed_person(world, first_name="Gross", last_name="Zwei")
    for _ in range(4):
        factories.ConsentFactory(participant=large, recipient=world.provider_b)
        CourseWish.objects.create(participant=large, level=Level.B1).municipalities.add(world.provider_a.municipality)
        Enrollment.objects.create(participant=large, course=factories.CourseFactory(provider=world.provider_a))
    assert queries_for(small) == queries_for(large)


# --- Erasure -----------------------------------------------------------------------------------------------------


def test_erasure_leaves_no_trace_of_the_person_and_keeps_the_district_totals(world, login):
    person = _seed_person(world)
    admin = world.users.a_admin
    client = login(admin)
    client.get(person.get_absolute_url())  # an audited look at the record
    client.get(_export_url(person, "json"))
    before_hits = _find_in_database(SECRETS)
    # The search works: every value is stored (the audit log keeps old ones) before the erasure.
    assert {needle for _model, _field, needle in before_hits} == set(SECRETS)
    assert any(model == "auditlog.LogEntry" for model, _field, _needle in before_hits)
    totals = _district_totals()
    trail = list(AuditEntry.objects.order_by("pk").values_list("pk", "timestamp", "actor_id", "action"))

    page = client.get(reverse("participants:participant_erase", args=[person.pk]))
    assert page.status_code == 200
    assert "Anonymisiert" in page.content.decode()
    response = client.post(reverse("participants:participant_erase", args=[person.pk]), {"confirm": "on"})
    assert response.status_code == 302
    assert response.url == reverse("participants:participant_list")
    listing = client.get(response.url)
    assert person.code in listing.content.decode()  # the success message names the code, nothing else

    assert _find_in_database(SECRETS) == []
    assert _district_totals() == totals
    person.refresh_from_db()
    assert person.status == Participant.Status.ANONYMISED and person.anonymised_at is not None
    assert person.first_name == person.last_name == "Anonymisiert"
    assert person.birth_year is None and person.birth_date is None
    assert person.municipality == world.provider_a.municipality and person.level == Level.A2
    assert not person.wishes.filter(status=CourseWish.Status.OPEN).exists()
    assert person.consents.get().recorded_by == admin
    # The trail keeps who did what when; one entry more records the erasure, without values.
    assert (
        list(
            AuditEntry.objects.filter(pk__in=[row[0] for row in trail])
            .order_by("pk")
            .values_list("pk", "timestamp", "actor_id", "action")
        )
        == trail
    )
    # (The list shown after the erasure is recorded too, as a look at a list: keys and a count, no values.)
    last = AuditEntry.objects.get_for_object(person).exclude(pk__in=[row[0] for row in trail]).get()
    assert last.changes == {"status": ["***", "anonymised"]} and last.actor == admin
    assert AdminLogEntry.objects.get(object_id=str(person.pk), action_flag=CHANGE).object_repr == person.code
    # Gone from the provider's pages.
    assert client.get(person.get_absolute_url()).status_code == 404


def test_erasure_needs_the_confirmation(world, login):
    person = world.participant_a
    response = login(world.users.coordinator).post(reverse("participants:participant_erase", args=[person.pk]), {})
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.status == Participant.Status.ACTIVE and person.first_name == "Amira"


@pytest.mark.parametrize(("role", "expected"), [("a_staff", 403), ("b_admin", 404), ("county", 403)])
def test_only_the_owners_admin_and_the_coordinator_may_erase(world, login, role, expected):
    person = world.participant_a
    url = reverse("participants:participant_erase", args=[person.pk])
    assert login(getattr(world.users, role)).post(url, {"confirm": "on"}).status_code == expected
    person.refresh_from_db()
    assert person.status == Participant.Status.ACTIVE and person.first_name == "Amira"


def test_erase_service_checks_the_role_and_refuses_twice(world):
    person = world.participant_a
    with pytest.raises(PermissionDenied):
        gdpr.participant_erase(actor=world.users.a_staff, participant=person)
    gdpr.participant_erase(actor=world.users.coordinator, participant=person)
    with pytest.raises(Exception, match="bereits anonymisiert"):
        gdpr.participant_erase(actor=world.users.coordinator, participant=person)


# --- Retention ---------------------------------------------------------------------------------------------------


def _age(person, months):
    Participant.objects.filter(pk=person.pk).update(last_activity_at=timezone.now() - relativedelta(months=months))


def test_retention_anonymises_inactive_people_only_once(world, caplog):
    stale = _seed_person(world)  # its enrollment is completed: nothing open
    _age(stale, 25)
    recent = factories.ParticipantFactory(provider=world.provider_a, first_name="Noch", last_name="Aktiv")
    _age(recent, 23)
    enrolled = factories.ParticipantFactory(provider=world.provider_a, first_name="Sitzt", last_name="ImKurs")
    Enrollment.objects.create(participant=enrolled, course=world.course_a, status=Enrollment.Status.ENROLLED)
    _age(enrolled, 30)
    waiting = factories.ParticipantFactory(provider=world.provider_a, first_name="Wartet", last_name="NochImmer")
    Enrollment.objects.create(participant=waiting, course=world.course_b, status=Enrollment.Status.WAITING)
    _age(waiting, 30)
    totals = _district_totals()

    with caplog.at_level(logging.INFO, logger="participants.gdpr"):
        assert tasks.apply_retention.apply().get() == 1
    assert tasks.apply_retention.apply().get() == 0  # idempotent

    assert _find_in_database(SECRETS) == []
    assert _district_totals() == totals
    statuses = dict(Participant.objects.values_list("pk", "status"))
    assert statuses[stale.pk] == "anonymised"
    assert statuses[recent.pk] == statuses[enrolled.pk] == statuses[waiting.pk] == "active"
    assert statuses[world.participant_a.pk] == "active"
    runs = list(RetentionRun.objects.order_by("ran_at").values_list("anonymised", flat=True))
    assert runs == [1, 0]
    run = RetentionRun.objects.order_by("ran_at").first()
    expected_cutoff = run.ran_at - relativedelta(months=24)
    assert run.cutoff == expected_cutoff
    assert any("anonymised 1 participant" in record.getMessage() for record in caplog.records)
    retention_entry = AuditEntry.objects.filter(object_id=stale.pk, changes__status__1="anonymised").get()
    assert retention_entry.actor is None and retention_entry.additional_data == {"gdpr": "retention"}


def test_retention_period_comes_from_the_setting(world, settings):
    settings.RETENTION_MONTHS = 6
    _age(world.participant_a, 7)
    Enrollment.objects.filter(participant=world.participant_a).update(status=Enrollment.Status.COMPLETED)
    run = gdpr.retention_apply()
    assert run.anonymised == 1


def test_retention_page_shows_the_rule_and_the_runs(world, login):
    gdpr.retention_apply()
    response = login(world.users.coordinator).get(reverse("participants:retention_runs"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "24 Monate" in content
    assert RetentionRun.objects.count() == 1
