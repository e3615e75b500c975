"""GDPR pages: access-request export, erasure, and the coordinator's view of the retention rule. Thin views."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from diepholz_coord.access import Role, require_role
from diepholz_coord.audit import audit_access

from . import gdpr, selectors
from .models import CourseWish, Enrollment, Participant


class ErasureConfirmForm(forms.Form):
    """Erasure cannot be undone: the person confirms it explicitly."""

    confirm = forms.BooleanField(
        label=gettext_lazy("I confirm that this person's personal data is to be erased. This cannot be undone."),
        required=True,
        error_messages={"required": gettext_lazy("Please tick the box to confirm the erasure.")},
    )


@require_GET
def participant_export_data(request: HttpRequest, pk: int) -> HttpResponse:
    """All data on one person (Art. 15 GDPR): an overview page, ?format=json or ?format=pdf to download."""
    participant = selectors.participant_get_for_owner(user=request.user, pk=pk)
    if not gdpr.may_export_data(request.user, participant):
        raise PermissionDenied
    output = request.GET.get("format", "html")
    if output not in ("html", "json", "pdf"):
        return HttpResponseBadRequest(_("Unknown format: choose JSON or PDF."))
    # A look at the whole record, in the trail as the access export it is, with its format (PDF, JSON, the page).
    audit_access(
        request, model=Participant, what="gdpr_export", people=[participant.pk], obj=participant,
        fmt="" if output == "html" else output,
    )  # fmt: skip
    data = gdpr.participant_export_data(actor=request.user, participant=participant)
    filename = f"auskunft-{participant.code}"
    if output == "json":
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    if output == "pdf":
        response = HttpResponse(gdpr.participant_export_pdf(data=data), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        return response
    return render(request, "participants/gdpr_export.html", {"participant": participant, "data": data})


@require_http_methods(["GET", "POST"])
def participant_erase(request: HttpRequest, pk: int) -> HttpResponse:
    participant = selectors.participant_get_for_owner(user=request.user, pk=pk)
    if not gdpr.may_erase(request.user, participant):
        raise PermissionDenied
    form = ErasureConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        code = participant.code
        try:
            gdpr.participant_erase(actor=request.user, participant=participant)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "%(code)s has been anonymised: names, birth date, notes and other personal details are erased. "
                    "The enrollments still count in the district's figures."
                )
                % {"code": code},
            )
            return redirect("participants:participant_list")
    open_enrollments = participant.enrollments.filter(status__in=gdpr.OPEN_ENROLLMENT_STATUSES).select_related("course")
    return render(
        request,
        "participants/gdpr_erase.html",
        {
            "participant": participant,
            "form": form,
            "open_enrollments": open_enrollments,
            "open_wishes": participant.wishes.filter(status=CourseWish.Status.OPEN).count(),
            "enrollment_count": Enrollment.objects.filter(participant=participant).count(),
        },
        status=400 if form.errors else 200,
    )


@require_role(Role.COORDINATOR)
@require_GET
def retention_runs(request: HttpRequest) -> HttpResponse:
    cutoff = gdpr.retention_cutoff()
    return render(
        request,
        "participants/gdpr_retention_runs.html",
        {
            "runs": gdpr.retention_runs(limit=50),
            "retention_months": settings.RETENTION_MONTHS,
            "cutoff": cutoff,
            "due_count": gdpr.retention_due(cutoff=cutoff).count(),
        },
    )
