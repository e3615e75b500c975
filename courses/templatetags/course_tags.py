from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
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


# The two tags below are written in Python rather than as included templates: lists show them in every row, and
# an include per cell cost a list of 50 courses several milliseconds.


@register.simple_tag
def places(course) -> SafeString:
    """The places a course can still give (courses.models.CourseQuerySet.with_places): one figure everywhere,
    marked when nothing is reported yet, with the places held for accepted handovers."""
    html = format_html('<span class="fw-bold" data-free-places>{}</span>', course.places_available)
    if course.free_places is None:
        html += format_html(
            '<span class="small text-body-secondary" title="{}">*</span>',
            _("Nothing reported yet: capacity minus the people enrolled in the system."),
        )
    if course.places_reserved:
        reserved = ngettext("%(counter)s reserved", "%(counter)s reserved", course.places_reserved) % {
            "counter": course.places_reserved
        }
        html += format_html(' <span class="badge text-bg-info" data-reserved>{}</span>', reserved)
    return html  # safe: each part comes from format_html


@register.simple_tag
def report_age(course) -> SafeString:
    """When the free places were last reported ("3 days ago", the moment as a tooltip), and whether that is stale."""
    reported = course.places_reported_at
    if reported:
        moment = formats.date_format(timezone.localtime(reported), "SHORT_DATETIME_FORMAT")
        html = format_html('<span title="{}">{}</span>', moment, days_ago(reported))
    else:
        html = format_html('<span class="text-body-secondary">{}</span>', _("never reported"))
    if course.report_is_stale:
        html += format_html(' <span class="badge badge-stale">{}</span>', _("stale"))
    return html  # safe: each part comes from format_html
