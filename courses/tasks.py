from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def remind_stale_place_reports() -> int:
    """Weekly (see the beat schedule in diepholz_coord/celery.py)."""
    return services.stale_reminders_send()
