"""Agenda and minutes as A4 PDF documents (WeasyPrint). Rendered by Celery tasks, never in a request."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import agenda, selectors
from .models import Meeting


def _context(meeting: Meeting) -> dict:
    return agenda.agenda_context(meeting)


def _html(template: str, context: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, context)


def _pdf(html: str) -> bytes:
    import weasyprint  # heavy import, only needed here

    # Everything the document needs is inline; the base URL keeps WeasyPrint from resolving anything remote.
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def agenda_html(meeting: Meeting) -> str:
    return _html("meetings/pdf/agenda.html", _context(meeting))


def minutes_html(meeting: Meeting) -> str:
    context = _context(meeting)
    context["attendance"] = selectors.attendance_rows(meeting)
    context["action_items"] = list(
        meeting.action_items.select_related("owner_provider", "owner_user", "owner_department", "item").order_by(
            "due_on", "pk"
        )
    )
    return _html("meetings/pdf/minutes.html", context)


def agenda_pdf(meeting: Meeting) -> bytes:
    return _pdf(agenda_html(meeting))


def minutes_pdf(meeting: Meeting) -> bytes:
    return _pdf(minutes_html(meeting))


def filename(meeting: Meeting, kind: str) -> str:
    """The name a downloaded or attached PDF gets: "Tagesordnung-2026-12-01.pdf" / "Protokoll-…"."""
    day = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")
    return f"{'Tagesordnung' if kind == 'agenda' else 'Protokoll'}-{day}.pdf"
