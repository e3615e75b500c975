"""The coordinator's audit trail: who saw, exported or changed what, per user and per person; the export for the
data-protection officer (CSV/XLSX, itself recorded in the trail)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from courses import imports as tables
from courses.views_io import unknown_format
from participants.models import Participant

from . import audit_trail
from .access import Role, require_role
from .audit import audit_access
from .audit_forms import AuditFilterForm

PER_PAGE = 50


def _form(request: HttpRequest) -> AuditFilterForm:
    data = request.GET.copy()
    for key in ("page", "format"):
        data.pop(key, None)
    return AuditFilterForm(data)


@require_role(Role.COORDINATOR)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    valid = form.is_valid()
    qs = audit_trail.entries(**form.filters()) if valid else audit_trail.entries().none()
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": [audit_trail.row(entry) for entry in page.object_list],
            "query": query.urlencode(),
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
            "person": form.cleaned_data.get("person") if valid else None,
        },
        status=200 if valid else 400,
    )


@require_role(Role.COORDINATOR)
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    fmt = tables.requested_format(request)
    if fmt is None:
        return unknown_format()
    form = _form(request)
    if not form.is_valid():
        return render(request, "audit/audit_log.html", {"form": form, "rows": [], "page": None}, status=400)
    qs = audit_trail.entries(**form.filters())
    person = form.cleaned_data.get("person")
    audit_access(
        request, model=Participant, what="audit_export", people=[person.pk] if person else [], obj=person, fmt=fmt
    )
    return tables.table_response(
        fmt=fmt,
        stem="pruefprotokoll",
        headers=audit_trail.export_headers(),
        rows=audit_trail.export_rows(qs),
        sheet_title=_("Audit trail"),
    )
