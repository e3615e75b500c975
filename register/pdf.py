"""The register and single versions as A4 PDF documents (WeasyPrint), rendered in the request: they are small."""

from __future__ import annotations

import datetime

from diepholz_coord.pdf import html_to_pdf, pdf_html

from .models import WorkflowVersion


def _pdf(template: str, context: dict) -> bytes:
    return html_to_pdf(pdf_html(template, context))


def register_pdf(versions: list[WorkflowVersion], *, today: datetime.date) -> bytes:
    """Every current version (steps and responsibles prefetched), by title."""
    return _pdf("register/pdf/register.html", {"versions": versions, "today": today})


def version_pdf(version: WorkflowVersion, *, is_current: bool, today: datetime.date) -> bytes:
    return _pdf("register/pdf/version.html", {"version": version, "is_current": is_current, "today": today})
