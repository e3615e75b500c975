"""Agenda and minutes as A4 PDF documents (WeasyPrint). Rendered by Celery tasks, never in a request."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from . import agenda, charts
from .models import Meeting


def _context(meeting: Meeting) -> dict:
    items = agenda.agenda_items(meeting)
    sections = (meeting.agenda_snapshot or {}).get("sections", {})
    return {
        "meeting": meeting,
        "series": meeting.series,
        "county": settings.COUNTY_NAME,
        "items": items,
        "snapshot": meeting.agenda_snapshot or {},
        "charts": charts.charts_for(sections),
    }


def _render(template: str, context: dict) -> bytes:
    import weasyprint  # heavy import, only needed here

    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(template, context)
    # Everything the document needs is inline; the base URL keeps WeasyPrint from resolving anything remote.
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def agenda_html(meeting: Meeting) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("meetings/pdf/agenda.html", _context(meeting))


def agenda_pdf(meeting: Meeting) -> bytes:
    return _render("meetings/pdf/agenda.html", _context(meeting))


def minutes_pdf(meeting: Meeting) -> bytes:
    context = _context(meeting)
    context["attendance"] = attendance_rows(meeting)
    context["action_items"] = list(
        meeting.action_items.select_related("owner_provider", "owner_user", "item").order_by("due_on", "pk")
    )
    return _render("meetings/pdf/minutes.html", context)


def attendance_rows(meeting: Meeting) -> list[dict]:
    from .services import invitees

    recorded = {
        (("provider", a.provider_id) if a.provider_id else ("user", a.user_id)): a for a in meeting.attendance.all()
    }
    rows = []
    for kind, obj in invitees(meeting):
        record = recorded.get((kind, obj.pk))
        name = obj.name if kind == "provider" else (obj.get_full_name() or obj.username)
        rows.append(
            {"kind": kind, "obj": obj, "name": name, "status": record.status if record else "", "record": record}
        )
    return rows
