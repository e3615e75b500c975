"""The Celery app and THE beat schedule: every periodic job of the product is listed here, once."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diepholz_coord.settings")

from django.conf import settings  # noqa: E402 (needs DJANGO_SETTINGS_MODULE)

app = Celery("diepholz_coord")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Monday 07:00: e-mail every provider whose free-places reports are older than STALE_REPORT_DAYS.
    # Safe to run more than once a week: a provider is reminded at most once per six days.
    "remind-stale-place-reports": {
        "task": "courses.tasks.remind_stale_place_reports",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Daily 03:30: anonymise participants without activity for RETENTION_MONTHS (GDPR storage limitation).
    # Idempotent: an anonymised person is never touched again; each run records what it did (RetentionRun).
    "apply-retention-rules": {
        "task": "participants.tasks.apply_retention",
        "schedule": crontab(minute=30, hour=3),
    },
    # Daily 02:15: plan the meetings of the next three months for every active series. Idempotent: one meeting
    # per series and rule date (unique constraint), so a second or concurrent run creates nothing.
    "plan-meetings": {
        "task": "meetings.tasks.plan_meetings",
        "schedule": crontab(minute=15, hour=2),
    },
    # Daily at AGENDA_PUBLISH_HOUR (06:00): publish the agendas that are due (snapshot of the live district,
    # PDF, e-mail to invitees).
    "publish-due-agendas": {
        "task": "meetings.tasks.publish_due_agendas",
        "schedule": crontab(minute=0, hour=settings.AGENDA_PUBLISH_HOUR),
    },
    # Every 10 minutes: the sweep. Publishes due agendas the daily run missed (broker or worker down), re-queues
    # PDFs pending for more than 10 minutes and sends invitations/minutes not yet sent. State is in the
    # database, so whatever an outage interrupted is finished once broker and worker are back.
    "sweep-meetings": {
        "task": "meetings.tasks.sweep",
        "schedule": crontab(minute="*/10"),
    },
}
