"""Thin views of the register: parse → selector/service → render or redirect."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from diepholz_coord.access import Role, require_role
from diepholz_coord.forms import apply_service_errors, parse_pk, posted

from . import pdf, selectors, services
from .forms import StepFormSet, VersionForm, WorkflowFilterForm, initial_from

READERS = (Role.COORDINATOR, Role.COUNTY_STAFF, Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


@require_role(*READERS)
def workflow_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    choices = selectors.responsible_choices()
    form = WorkflowFilterForm(request.GET or None, responsible_choices=choices)
    q, responsible = ("", None)
    if form.is_bound and form.is_valid():
        q, responsible = form.cleaned_data["q"], form.cleaned_data["zustaendig"]
    filtered = bool(q or responsible)
    return render(
        request,
        "register/workflow_list.html",
        {
            "form": form,
            "responsible_choices": choices,
            "selected_responsible": request.GET.get("zustaendig", "") if responsible else "",
            "versions": selectors.workflow_list(user=request.user, today=today, q=q, responsible=responsible),
            "upcoming": [] if filtered else selectors.workflows_upcoming(user=request.user, today=today),
            "filtered": filtered,
            "today": today,
        },
        status=200 if not form.is_bound or form.is_valid() else 400,
    )


def _detail(request: HttpRequest, pk: int, number: int | None) -> HttpResponse:
    today = timezone.localdate()
    workflow = selectors.workflow_get_for_user(user=request.user, pk=pk)
    current = selectors.current_of(workflow, today=today)
    version = selectors.version_get(workflow=workflow, number=number) if number else current
    if version is None:  # decided, not valid yet: show the first upcoming version
        version = min(workflow.versions.all(), key=lambda v: v.number)
    versions = list(workflow.versions.all())
    return render(
        request,
        "register/workflow_detail.html",
        {
            "workflow": workflow,
            "version": version,
            "current": current,
            "is_current": version == current,
            "is_upcoming": version.valid_from > today,
            "versions": versions,
            "previous": selectors.version_of(workflow, version.number - 1),
            "may_edit": selectors.may_edit(request.user),
            "today": today,
        },
    )


@require_role(*READERS)
def workflow_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk, None)


@require_role(*READERS)
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    return _detail(request, pk, number)


@require_role(*READERS)
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions side by side: ?von=1&bis=2. Missing or unknown numbers give the page with a message."""
    workflow = selectors.workflow_get_for_user(user=request.user, pk=pk)
    versions = list(workflow.versions.all())
    raw_old, raw_new = request.GET.get("von"), request.GET.get("bis")
    old_number, new_number = parse_pk(raw_old), parse_pk(raw_new)
    old = selectors.version_of(workflow, old_number)
    new = selectors.version_of(workflow, new_number)
    problem, status = "", 200
    if raw_old is None and raw_new is None:
        if len(versions) < 2:
            problem = _("This workflow has only one version so far; there is nothing to compare.")
        else:
            # Nothing chosen: the newest version against the one before.
            new, old = versions[0], versions[1]
    elif old is None or new is None:
        problem, status = _("Please choose two existing versions to compare."), 400
    elif old == new:
        problem, status = _("Please choose two different versions."), 400
    return render(
        request,
        "register/version_diff.html",
        {
            "workflow": workflow,
            "versions": versions,
            "problem": problem,
            "diff": selectors.version_diff(old, new) if not problem else None,
            "old_number": old.number if old and not problem else old_number,
            "new_number": new.number if new and not problem else new_number,
        },
        status=status,
    )


@require_role(Role.COORDINATOR)
def workflow_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, workflow=None)


@require_role(*READERS)  # the workflow first: 404 if unknown, then 403
def version_create(request: HttpRequest, pk: int) -> HttpResponse:
    workflow = selectors.workflow_get_for_user(user=request.user, pk=pk)
    if not selectors.may_edit(request.user):
        raise PermissionDenied
    return _edit(request, workflow=workflow)


def _edit(request: HttpRequest, *, workflow) -> HttpResponse:
    """The form of a new workflow or of a new version (prefilled from the newest version)."""
    today = timezone.localdate()
    choices = selectors.responsible_choices()
    base = workflow.versions.all()[0] if workflow is not None else None  # prefetched newest first
    version_initial, steps_initial = initial_from(base) if base else ({}, [])
    form = VersionForm(posted(request), with_title=workflow is None, today=today, initial=version_initial)
    formset = StepFormSet(
        posted(request), initial=steps_initial, prefix="steps", form_kwargs={"responsible_choices": choices}
    )
    valid = request.method == "POST" and form.is_valid()
    valid = request.method == "POST" and formset.is_valid() and valid  # both, to show every error at once
    if valid:
        data = dict(form.cleaned_data)
        title = data.pop("title", None)
        try:
            if workflow is None:
                saved = services.workflow_create(
                    actor=request.user, title=title, version_data=data, steps=formset.steps(), today=today
                )
            else:
                saved = services.workflow_version_create(
                    actor=request.user, workflow=workflow, version_data=data, steps=formset.steps(), today=today
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Version %(n)d of “%(title)s” is saved.") % {"n": saved.number, "title": saved.workflow}
            )
            return redirect(saved.workflow)
    return render(
        request,
        "register/workflow_form.html",
        {"form": form, "formset": formset, "workflow": workflow, "base": base},
        status=400 if request.method == "POST" else 200,
    )


@require_role(*READERS)
def register_pdf(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    versions = selectors.workflow_list(user=request.user, today=today)
    return _pdf_response(pdf.register_pdf(versions, today=today), f"Zustaendigkeiten-{today:%Y-%m-%d}.pdf")


@require_role(*READERS)
def version_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    today = timezone.localdate()
    workflow = selectors.workflow_get_for_user(user=request.user, pk=pk)
    version = selectors.version_get(workflow=workflow, number=number)
    current = selectors.current_of(workflow, today=today)
    content = pdf.version_pdf(version, is_current=version == current, today=today)
    return _pdf_response(content, f"Ablauf-{workflow.pk}-Fassung-{version.number}.pdf")


def _pdf_response(content: bytes, filename: str) -> FileResponse:
    # A file response like the meetings' PDFs: shown in the browser, saved under a telling name.
    return FileResponse(io.BytesIO(content), as_attachment=False, filename=filename, content_type="application/pdf")
