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
