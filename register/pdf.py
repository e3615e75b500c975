"""The register and single versions as A4 PDF documents (WeasyPrint), rendered in the request: they are small."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .models import WorkflowVersion


def _pdf(template: str, context: dict) -> bytes:
    import weasyprint  # heavy import, only needed here

    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(template, {**context, "county": settings.COUNTY_NAME})
    # Everything the document needs is inline; the base URL keeps WeasyPrint from resolving anything remote.
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def register_pdf(versions: list[WorkflowVersion], *, today: datetime.date) -> bytes:
    """Every current version (steps and responsibles prefetched), by title."""
    return _pdf("register/pdf/register.html", {"versions": versions, "today": today})


def version_pdf(version: WorkflowVersion, *, is_current: bool, today: datetime.date) -> bytes:
    return _pdf("register/pdf/version.html", {"version": version, "is_current": is_current, "today": today})
