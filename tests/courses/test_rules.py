"""Rules found in review: one staleness rule everywhere, inactive providers, access removal, audit, history."""

import contextlib
import datetime

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.db.models.signals import pre_save
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Course, Membership, Provider

from ..factories import UserFactory, report


@pytest.mark.django_db
@pytest.mark.parametrize(("age_hours", "stale"), [(14 * 24 + 12, True), (13 * 24 + 12, False)])
def test_one_staleness_rule_for_badge_list_and_email(world, login, settings, age_hours, stale):
    settings.STALE_REPORT_DAYS = 14
    report(world.course_a, 2, at=timezone.now() - datetime.timedelta(hours=age_hours))
    report(world.course_b, 2)
    assert world.course_a.report_is_stale is stale
    assert Course.objects.stale().filter(pk=world.course_a.pk).exists() is stale
    home = login(world.users.a_staff).get(reverse("home")).content.decode()
    assert ("veraltet" in home) is stale
    assert ("keine Meldung freier Plätze vor" in home) is stale
    overview = login(world.users.coordinator).get(reverse("courses:district_overview")).content.decode()
    assert ("Kurs A" in overview[overview.index('id="stale"') :]) is stale
    assert services.stale_reminders_send() == (1 if stale else 0)
    assert len(mail.outbox) == (1 if stale else 0)


@pytest.mark.django_db
def test_inactive_provider_leaves_the_district_but_its_courses_stay_editable(world, login):
    report(world.course_b, 7)
    Provider.objects.filter(pk=world.provider_b.pk).update(active=False)
    overview = login(world.users.coordinator).get(reverse("courses:district_overview")).content.decode()
    assert 'data-cell="Diepholz|A1"' not in overview
    assert "Kurs B" not in overview
    # The coordinator can still correct the course of the switched-off provider.
    client = login(world.users.coordinator)
    response = client.get(reverse("courses:course_update", args=[world.course_b.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(title="Kurs B (korrigiert)", weekdays=[str(d) for d in data["weekdays"]])
    for name in ("start_date", "end_date"):
        data[name] = form[name].value().isoformat()
    response = client.post(reverse("courses:course_update", args=[world.course_b.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    world.course_b.refresh_from_db()
    assert world.course_b.title == "Kurs B (korrigiert)"
    # Its people no longer have a role.
    assert login(world.users.b_admin).get(reverse("home")).status_code == 403


@pytest.mark.django_db
def test_removing_a_membership_never_deactivates_a_coordinator_or_superuser(world, login):
    superuser = UserFactory(username="erste-koordination", is_superuser=True, is_staff=True)
    Membership.objects.create(user=superuser, provider=world.provider_a, role=Membership.Role.STAFF)
    county = world.users.county
    county_membership = Membership.objects.create(user=county, provider=world.provider_a)
    client = login(world.users.a_admin)
    for membership in Membership.objects.filter(user__in=[superuser, county]):
        url = reverse("courses:membership_remove", args=[world.provider_a.pk, membership.pk])
        assert client.post(url).status_code == 302
    superuser.refresh_from_db()
    county.refresh_from_db()
    assert superuser.is_active and county.is_active
    assert not Membership.objects.filter(pk=county_membership.pk).exists()


@pytest.mark.django_db
def test_course_changes_are_audited(world, login):
    client = login(world.users.a_admin)
    client.post(reverse("courses:course_cancel", args=[world.course_a.pk]), {"reason": "Lehrkraft fehlt"})
    [entry] = LogEntry.objects.get_for_object(world.course_a).filter(action=LogEntry.Action.UPDATE)
    assert entry.actor == world.users.a_admin and entry.remote_addr == "127.0.0.1"
    assert entry.changes["status"] == ["open", "cancelled"]
    assert entry.changes["cancel_reason"] == ["", "Lehrkraft fehlt"]


@pytest.mark.django_db
def test_reopening_a_cancelled_course_clears_the_reason(world):
    services.course_cancel(actor=world.users.a_admin, course=world.course_a, reason="zu wenige")
    services.course_update(actor=world.users.a_admin, course=world.course_a, data={"status": Course.Status.OPEN})
    world.course_a.refresh_from_db()
    assert world.course_a.status == Course.Status.OPEN and world.course_a.cancel_reason == ""


@pytest.mark.django_db
def test_no_report_for_a_course_that_has_ended(world, login):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Course.objects.filter(pk=world.course_a.pk).update(
        start_date=yesterday - datetime.timedelta(days=90), end_date=yesterday, status=Course.Status.RUNNING
    )
    response = login(world.users.a_staff).post(
        reverse("courses:course_report_places", args=[world.course_a.pk]), {"free_places": 1}
    )
    assert response.status_code == 422
    world.course_a.refresh_from_db()
    assert world.course_a.free_places is None


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Träger A", "träger a", "TRÄGER A"])
def test_provider_names_are_unique_ignoring_case(world, login, name):
    client = login(world.users.coordinator)
    response = client.post(
        reverse("courses:provider_create"),
        {"name": name, "kind": "charity", "municipality": world.provider_a.municipality_id, "active": "on"},
    )
    assert response.status_code == 400
    assert "Einen Träger mit diesem Namen gibt es bereits." in response.content.decode()
    assert Provider.objects.count() == 2


@pytest.mark.django_db
def test_coordinator_creates_and_edits_provider(world, login):
    client = login(world.users.coordinator)
    data = {
        "name": "Sprachwerkstatt Bassum (Demo)",
        "kind": "education",
        "municipality": world.provider_a.municipality_id,
        "email": "info@sprachwerkstatt.example.org",
        "website": "sprachwerkstatt.example.org",
        "active": "on",
    }
    response = client.post(reverse("courses:provider_create"), data)
    provider = Provider.objects.get(name="Sprachwerkstatt Bassum (Demo)")
    assert response.status_code == 302 and response.url == provider.get_absolute_url()
    assert provider.website == "https://sprachwerkstatt.example.org"
    response = client.post(
        reverse("courses:provider_update", args=[provider.pk]), {**data, "email": "kein-mail", "active": ""}
    )
    assert response.status_code == 400
    assert "Bitte gültige E-Mail-Adresse eingeben." in response.content.decode()
    provider.refresh_from_db()
    assert provider.email == "info@sprachwerkstatt.example.org" and provider.active


@pytest.mark.django_db
def test_cancellation_date_follows_the_status_on_every_path(world):
    from django.contrib.admin.sites import site

    course = services.course_cancel(actor=world.users.a_admin, course=world.course_a, reason="Zu wenige")
    assert course.cancelled_at is not None
    first = course.cancelled_at
    course = services.course_update(actor=world.users.a_admin, course=course, data={"status": Course.Status.OPEN})
    assert course.cancelled_at is None and course.cancel_reason == ""
    # Created as cancelled (e.g. by an import, which goes through course_create): dated at once.
    created = services.course_create(
        actor=world.users.a_admin,
        data={**{f: getattr(world.course_b, f) for f in ("course_type", "funder", "level_from", "level_to")},
              "provider": world.provider_a, "venue": world.venue_a, "title": "Gleich abgesagt",
              "start_date": world.course_a.start_date, "end_date": world.course_a.end_date, "capacity": 12,
              "min_size": 6, "status": Course.Status.CANCELLED, "cancel_reason": "Raum fehlt"},
    )  # fmt: skip
    assert created.cancelled_at is not None and created.cancelled_at >= first
    # The admin keeps it in step as well.
    course.status = Course.Status.CANCELLED
    site._registry[Course].save_model(None, course, None, True)
    assert Course.objects.get(pk=course.pk).cancelled_at is not None


@pytest.mark.django_db
def test_a_failing_audit_write_leaves_no_course_behind(world):
    """course_create runs in one transaction with its audit entry: when the entry cannot be written, the course
    is not saved either (nothing half-saved)."""

    def broken_audit(sender, instance, **kwargs):
        raise RuntimeError("audit store unavailable")

    pre_save.connect(broken_audit, sender=LogEntry, dispatch_uid="broken_audit")
    before = Course.objects.count()
    with pytest.raises(RuntimeError), contextlib.ExitStack() as stack:
        stack.callback(pre_save.disconnect, sender=LogEntry, dispatch_uid="broken_audit")
        services.course_create(
            actor=world.users.a_admin,
            data={**{f: getattr(world.course_a, f) for f in ("course_type", "funder", "level_from", "level_to")},
                  "provider": world.provider_a, "venue": world.venue_a, "title": "Ohne Protokoll",
                  "start_date": world.course_a.start_date, "end_date": world.course_a.end_date, "capacity": 12},
        )  # fmt: skip
    assert Course.objects.count() == before
    assert not Course.objects.filter(title="Ohne Protokoll").exists()
