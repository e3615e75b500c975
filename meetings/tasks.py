"""Thin Celery wrappers around meetings.services. Each takes ids, is idempotent and may run twice."""

import smtplib

from celery import shared_task

from . import services

MAIL_ERRORS = (OSError, smtplib.SMTPException)


@shared_task
def plan_meetings() -> int:
    """Daily: the meetings of the next three months for every active series (unique per occurrence)."""
    from .planning import plan_all

    return plan_all()


@shared_task
def publish_due_agendas() -> int:
    """Daily: publish the agendas whose day has come (snapshot of the live data, then PDF and invitations)."""
    return services.agenda_publish_due()


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=True, max_retries=5, soft_time_limit=300)
def render_agenda_pdf(meeting_id: int) -> bool:
    return services.agenda_pdf_render(meeting_id=meeting_id)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=True, max_retries=5, soft_time_limit=300)
def render_minutes_pdf(meeting_id: int) -> bool:
    return services.minutes_pdf_render(meeting_id=meeting_id)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=True, max_retries=5, soft_time_limit=120)
def send_change_notice(meeting_id: int) -> bool:
    return services.change_notice_send(meeting_id=meeting_id)


@shared_task(soft_time_limit=540)
def sweep() -> dict:
    """Every 10 minutes: finish whatever a broker or worker outage left pending (state in the database)."""
    return services.background_sweep()
