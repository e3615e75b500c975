"""Agenda and minutes as A4 PDF documents (WeasyPrint). Rendered by Celery tasks, never in a request."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class PdfKind:
    """One of a meeting's two PDFs: the Meeting fields that hold its file and state, and the task that renders it.

    Written out in full (no names assembled from "agenda"/"minutes"), so that a search for a field finds its users.
    """

    name: str  # "agenda" or "minutes", for log lines
    file: str
    state: str
    attempts: str
    requested_at: str
    generated_at: str
    sent_at: str  # when the mail with this PDF went to the invitees
    task: str  # name of the Celery task that renders it (meetings/tasks.py)
    stored_name: str  # prefix of the stored file
    download_name: str  # prefix of the name a download or attachment gets


PDF_KINDS = {
    "agenda": PdfKind(
        name="agenda",
        file="agenda_pdf",
        state="agenda_pdf_state",
        attempts="agenda_pdf_attempts",
        requested_at="agenda_pdf_requested_at",
        generated_at="agenda_pdf_generated_at",
        sent_at="invitations_sent_at",
        task="meetings.tasks.render_agenda_pdf",
        stored_name="tagesordnung",
        download_name="Tagesordnung",
    ),
    "minutes": PdfKind(
        name="minutes",
        file="minutes_pdf",
        state="minutes_pdf_state",
        attempts="minutes_pdf_attempts",
        requested_at="minutes_pdf_requested_at",
        generated_at="minutes_pdf_generated_at",
        sent_at="minutes_sent_at",
        task="meetings.tasks.render_minutes_pdf",
        stored_name="protokoll",
        download_name="Protokoll",
    ),
}
AGENDA_PDF = PDF_KINDS["agenda"]
MINUTES_PDF = PDF_KINDS["minutes"]


def filename(meeting: Meeting, kind: PdfKind) -> str:
    """The name a downloaded or attached PDF gets: "Tagesordnung-2026-12-01.pdf" / "Protokoll-…"."""
    day = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")
    return f"{kind.download_name}-{day}.pdf"
