from celery import shared_task


@shared_task
def apply_retention() -> int:
    """Daily (see the beat schedule in diepholz_coord/celery.py). Implemented in participants.gdpr."""
    from . import gdpr

    return gdpr.retention_apply().anonymised
