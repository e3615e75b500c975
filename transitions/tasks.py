"""Thin Celery wrappers around handover services: ids in, the service reloads what it needs."""

import smtplib

from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError, smtplib.SMTPException), retry_backoff=True, max_retries=5)
def send_handover_mail(handover_id: int, step_id: int) -> int:
    """The e-mail about one handover step (enqueued after commit by services._notify)."""
    return services.handover_send_mail(handover_id=handover_id, step_id=step_id)
