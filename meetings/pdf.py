"""Agenda and minutes as A4 PDF documents (WeasyPrint). Rendered by Celery tasks, never in a request."""

from __future__ import annotations

from django.utils import timezone

from diepholz_coord.pdf import html_to_pdf, pdf_html

from . import agenda, selectors
from .models import Meeting


def _context(meeting: Meeting) -> dict:
    return agenda.agenda_context(meeting)


def agenda_html(meeting: Meeting) -> str:
    return pdf_html("meetings/pdf/agenda.html", _context(meeting))


def minutes_html(meeting: Meeting) -> str:
    context = _context(meeting)
    context["attendance"] = selectors.attendance_rows(meeting)
    context["action_items"] = list(
        meeting.action_items.select_related("owner_provider", "owner_user", "owner_department", "item").order_by(
            "due_on", "pk"
        )
    )
    return pdf_html("meetings/pdf/minutes.html", context)


def agenda_pdf(meeting: Meeting) -> bytes:
    return html_to_pdf(agenda_html(meeting))


def minutes_pdf(meeting: Meeting) -> bytes:
    return html_to_pdf(minutes_html(meeting))


def filename(meeting: Meeting, kind: str) -> str:
    """The name a downloaded or attached PDF gets: "Tagesordnung-2026-12-01.pdf" / "Protokoll-…"."""
    day = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")
    return f"{'Tagesordnung' if kind == 'agenda' else 'Protokoll'}-{day}.pdf"
