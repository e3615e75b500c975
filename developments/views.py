"""Thin views of the developments log: parse → selector/service → render or redirect."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from diepholz_coord.access import Role, require_role
from diepholz_coord.forms import apply_service_errors, parse_pk, posted, safe_next
from diepholz_coord.pdf import html_to_pdf, pdf_html
from meetings.models import Meeting

from . import selectors, services
from .forms import AssessmentForm, DevelopmentFilterForm, DevelopmentForm, MeasureForm

READERS = (Role.COORDINATOR, Role.COUNTY_STAFF, Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)
PER_PAGE = 25


@require_role(*READERS)
def development_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    internal = selectors.may_read_internal(request.user)
    form = DevelopmentFilterForm(request.GET or None, departments=selectors.departments(), internal=internal)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "q": data["q"],
            "level": data["ebene"],
            "department": data.get("fachdienst"),
            "open_only": data.get("offen", False),
        }
    page = Paginator(selectors.development_list(user=request.user, today=today, **filters), PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "developments/development_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": any(filters.values()),
            "internal": internal,
            "may_edit": selectors.may_edit(request.user),
            "open_assessments": selectors.open_assessments_for(user=request.user),
            "today": today,
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_role(*READERS)
def development_detail(request: HttpRequest, pk: int) -> HttpResponse:
    development = selectors.development_get_for_user(user=request.user, pk=pk)
    internal = selectors.may_read_internal(request.user)
    assessments = list(development.assessments.all()) if internal else []
    for assessment in assessments:
        # Part of final minutes: stays as recorded.
        locked = assessment.meeting is not None and assessment.meeting.status == Meeting.Status.FINAL
        assessment.may_edit = not locked and selectors.may_assess(request.user, assessment.department_id)
    measures = list(development.measures.all()) if internal else []
    for measure in measures:
        measure.may_mark = measure.owner_department_id is not None and selectors.may_assess(
            request.user, measure.owner_department_id
        )
    return render(
        request,
        "developments/development_detail.html",
        {
            "development": development,
            "internal": internal,
            "assessments": assessments,
            "measures": measures,
            "may_edit": selectors.may_edit(request.user),
            "today": timezone.localdate(),
        },
    )


def _departments_of(form) -> list:
    return list(form.cleaned_data["departments"])


@require_role(Role.COORDINATOR)
def development_create(request: HttpRequest) -> HttpResponse:
    form = DevelopmentForm(posted(request), departments=selectors.departments_for_form(None))
    if request.method == "POST" and form.is_valid():
        try:
            development = services.development_create(
                actor=request.user, data=form.cleaned_data, departments=_departments_of(form)
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The development is recorded; the departments can assess it now."))
            return redirect(development)
    return render(
        request,
        "developments/development_form.html",
        {"form": form, "development": None},
        status=400 if request.method == "POST" else 200,
    )


@require_role(*READERS)  # the development first: 404 if unknown, then 403
def development_update(request: HttpRequest, pk: int) -> HttpResponse:
    development = selectors.development_get_for_user(user=request.user, pk=pk)
    if not selectors.may_edit(request.user):
        raise PermissionDenied
    form = DevelopmentForm(
        posted(request), instance=development, departments=selectors.departments_for_form(development)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.development_update(
                actor=request.user, development=development, data=form.cleaned_data, departments=_departments_of(form)
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The development is saved."))
            return redirect(development)
    return render(
        request,
        "developments/development_form.html",
        {"form": form, "development": development},
        status=400 if request.method == "POST" else 200,
    )


@require_role(*READERS)  # the development and the assessment first: 404 if unknown or not readable, then 403
def assessment_edit(request: HttpRequest, pk: int, department: int) -> HttpResponse:
    """A department's assessment: its own page, or opened from the Aktionsplan meeting page (?sitzung=…&next=…)."""
    development = selectors.development_get_for_user(user=request.user, pk=pk)
    assessment = selectors.assessment_get_for_user(user=request.user, development=development, department_pk=department)
    if not selectors.may_assess(request.user, assessment.department_id):
        raise PermissionDenied
    now = timezone.now()
    initial = {"verdict": "" if assessment.is_open else assessment.verdict, "consequences": assessment.consequences}
    meetings = selectors.recording_meetings(now=now)
    # Opened from a meeting page (?sitzung=…): that meeting, if assessments can be recorded in it.
    chosen = parse_pk(request.GET.get("sitzung")) or assessment.meeting_id
    if chosen and meetings.filter(pk=chosen).exists():
        initial["meeting"] = chosen
    form = AssessmentForm(posted(request), meetings=meetings, initial=initial)
    back = safe_next(request, development.get_absolute_url())
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_save(
                actor=request.user,
                assessment=assessment,
                verdict=form.cleaned_data["verdict"],
                consequences=form.cleaned_data["consequences"],
                meeting=form.cleaned_data["meeting"],
                now=now,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("The assessment of %(department)s is saved.") % {"department": assessment.department}
            )
            return redirect(back)
    return render(
        request,
        "developments/assessment_form.html",
        {"form": form, "development": development, "assessment": assessment, "next": back},
        status=400 if request.method == "POST" else 200,
    )


@require_role(*READERS)  # the development first: 404 if unknown, then 403
def measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    development = selectors.development_get_for_user(user=request.user, pk=pk)
    if not selectors.may_edit(request.user):
        raise PermissionDenied
    now = timezone.now()
    meetings = selectors.recording_meetings(now=now)
    form = MeasureForm(
        posted(request),
        meetings=meetings,
        departments=selectors.departments(),
        initial={"meeting": meetings.values_list("pk", flat=True).first()},
    )
    back = safe_next(request, development.get_absolute_url())
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_create(actor=request.user, development=development, now=now, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The measure is recorded; it is on the next agendas and on the start page of %(department)s.")
                % {"department": form.cleaned_data["department"]},
            )
            return redirect(back)
    return render(
        request,
        "developments/measure_form.html",
        {
            "form": form,
            "development": development,
            "next": back,
            "has_meetings": meetings.exists(),
            "next_meeting": selectors.next_action_plan_meeting(now=now),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_role(*READERS)
def log_pdf(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    internal = selectors.may_read_internal(request.user)
    html = pdf_html(
        "developments/pdf/log.html",
        {"developments": selectors.log_for_pdf(user=request.user, today=today), "internal": internal, "today": today},
    )
    return FileResponse(
        io.BytesIO(html_to_pdf(html)),
        as_attachment=False,
        filename=f"Entwicklungen-{today:%Y-%m-%d}.pdf",
        content_type="application/pdf",
    )
