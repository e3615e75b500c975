"""One way to make a PDF: a template rendered in the county's language with its letterhead, then WeasyPrint.

Templates extend `templates/pdf/_a4.html` (A4, page numbers, running title, letterhead)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def pdf_html(template: str, context: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            template, {"county": settings.COUNTY_NAME, "letterhead": settings.LETTERHEAD, **context}
        )


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # heavy import, only needed here

    # Everything the document needs is inline; the base URL keeps WeasyPrint from resolving anything remote.
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
