"""The Celery app and THE beat schedule: every periodic job of the product is listed here, once."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diepholz_coord.settings")

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
}
