"""The coordinator's audit trail: who saw, exported or changed what, per user and per person; the export for the
data-protection officer (CSV/XLSX, itself recorded in the trail)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from courses import imports as tables
from courses.views_io import unknown_format
from participants.models import Participant

from . import audit_trail
from .access import Role, require_role
from .audit import audit_access
from .forms import StrictModelChoiceField

PER_PAGE = 50


class AuditFilterForm(forms.Form):
    person = forms.CharField(
        label=gettext_lazy("Person (code)"), required=False, max_length=20,
        help_text=gettext_lazy("The participant's code, e.g. TN-4K7Q2M."),
    )  # fmt: skip
    user = StrictModelChoiceField(
        label=gettext_lazy("User"), required=False, empty_label=gettext_lazy("all"),
        queryset=get_user_model().objects.order_by("username"),
    )  # fmt: skip
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("all")), *audit_trail.KINDS.items()]
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_person(self):
        code = self.cleaned_data["person"].strip().upper()
        if not code:
            return None
        participant = Participant.objects.filter(code=code).first()
        if participant is None:
            raise forms.ValidationError(_("No person has this code."))
        return participant

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end lies before the start."))
        return data

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "participant": data.get("person"),
            "user": data.get("user"),
            "kind": data.get("kind") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }


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
