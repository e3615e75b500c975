import datetime
import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Course, Provider
from courses.tasks import remind_stale_place_reports
from diepholz_coord.celery import app as celery_app

from .factories import CourseFactory, report
from .required import require_postgres, require_redis


@pytest.mark.django_db
def test_ci_runs_the_suite_against_postgresql_and_redis():
    """With SERVICES_REQUIRED (CI) the suite must not fall back to SQLite or the filesystem broker unnoticed."""
    require_postgres()
    require_redis()


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
@pytest.mark.expected_error_log  # Django logs every 5xx response as an ERROR
def test_healthz_is_503_when_broker_is_down(client, settings):
    # A port where nothing listens: a real connection attempt that fails.
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get(reverse("healthz"))
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error", "database": "ok", "broker": "error"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.expected_error_log  # Django logs every 5xx response as an ERROR
def test_healthz_is_503_when_the_database_is_down(client):
    """A real connection attempt to a port where no database listens (PostgreSQL; SQLite has no server)."""
    from django.db import connection

    require_postgres()  # a database server to point elsewhere
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        response = client.get(reverse("healthz"))
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error", "database": "error", "broker": "ok"}
    connection.ensure_connection()
    assert connection.is_usable()  # and the real database answers again


def test_beat_schedule_names_only_registered_tasks():
    schedule = celery_app.conf.beat_schedule
    assert schedule["remind-stale-place-reports"]["task"] == "courses.tasks.remind_stale_place_reports"
    assert schedule["apply-retention-rules"]["task"] == "participants.tasks.apply_retention"
    celery_app.loader.import_default_modules()  # what a worker does at start
    for name, entry in schedule.items():
        assert entry["task"] in celery_app.tasks, f"beat entry {name} names an unknown task"


@pytest.mark.django_db
def test_stale_reminder_mails_each_stale_provider_once(world):
    now = timezone.now()
    report(world.course_a, 3, at=now - datetime.timedelta(days=20))  # stale
    report(world.course_b, 3, at=now - datetime.timedelta(days=2))  # fresh
    CourseFactory(provider=world.provider_b, title="Nie gemeldet")  # never reported: stale
    cancelled = CourseFactory(provider=world.provider_a, title="Abgesagt", status=Course.Status.CANCELLED)
    assert cancelled.free_places is None

    assert services.stale_reminders_send(now=now) == 2
    assert len(mail.outbox) == 2
    by_recipient = {tuple(m.to): m for m in mail.outbox}
    message_a = next(m for to, m in by_recipient.items() if world.provider_a.email in to)
    assert world.users.a_admin.email in message_a.to
    assert "Kurs A" in message_a.body and "Abgesagt" not in message_a.body
    assert "Bitte" in message_a.subject
    message_b = next(m for to, m in by_recipient.items() if world.provider_b.email in to)
    assert "Nie gemeldet" in message_b.body and "Kurs B" not in message_b.body

    # A second run in the same week sends nothing; a week later it reminds again.
    assert services.stale_reminders_send(now=now + datetime.timedelta(hours=1)) == 0
    assert len(mail.outbox) == 2
    assert services.stale_reminders_send(now=now + datetime.timedelta(days=7)) == 2


@pytest.mark.django_db
def test_stale_reminder_task_runs_through_celery(world):
    report(world.course_a, 3, at=timezone.now() - datetime.timedelta(days=30))
    report(world.course_b, 3)
    result = remind_stale_place_reports.apply()
    assert result.get() == 1
    assert Provider.objects.get(pk=world.provider_a.pk).stale_reminder_sent_at is not None


@pytest.mark.django_db
def test_district_overview_shows_matrix_totals_and_stale_list(world, login):
    now = timezone.now()
    report(world.course_a, 4, at=now)
    report(world.course_b, 6, at=now - datetime.timedelta(days=15))
    html = login(world.users.county).get(reverse("courses:district_overview")).content.decode()
    assert 'data-cell="Syke|A1"' in html and 'data-cell="Diepholz|A1"' in html
    assert "<strong data-total-free>10</strong>" in html
    stale = html[html.index('id="stale"') :]
    assert "Träger B" in stale and "Kurs B" in stale and "Kurs A" not in stale
    link = f"/kurse/?status=bookable&amp;level=2&amp;municipality={world.course_a.municipality_id}"
    assert link in html
