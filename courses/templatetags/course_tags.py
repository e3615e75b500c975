from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def days_ago(moment) -> str:
    """'today', 'yesterday' or 'N days ago': the age of a report in the unit that matters for staleness."""
    if moment is None:
        return ""
    days = (timezone.localdate() - timezone.localdate(moment)).days
    if days <= 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    return ngettext("%(days)s day ago", "%(days)s days ago", days) % {"days": days}


@register.filter
def small(value, suppress) -> str:
    """Counts below SMALL_NUMBER_LIMIT shown as "<N" where small numbers must be hidden (county staff)."""
    from django.conf import settings

    limit = settings.SMALL_NUMBER_LIMIT
    if suppress and isinstance(value, int) and 0 < value < limit:
        return f"<{limit}"
    return str(value)
