import datetime

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def isodate(value: str | None) -> str:
    """An ISO date from an agenda snapshot, shown as the locale's short date (e.g. 03.02.2026)."""
    if not value:
        return "–"
    try:
        return formats.date_format(datetime.date.fromisoformat(value[:10]), "SHORT_DATE_FORMAT")
    except ValueError:
        return "–"
