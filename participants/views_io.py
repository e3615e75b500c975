"""Import and export of participants: thin views around participants.imports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from courses import imports as tables
from courses.views_io import import_page, unknown_format
from diepholz_coord import access
from diepholz_coord.access import Role, require_role
from diepholz_coord.audit import audit_access

from . import imports, selectors
from .filters import ParticipantFilter
from .models import Participant


@require_role(Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)
@require_http_methods(["GET", "POST"])
def participant_import(request: HttpRequest) -> HttpResponse:
    providers = imports.import_providers(request.user)
    if not providers.exists():
        raise PermissionDenied
    if request.method == "GET" and "vorlage" in request.GET:
        fmt = tables.requested_format(request, "vorlage")
        if fmt is None:
            return unknown_format()
        return tables.template_response(fmt=fmt, stem="teilnehmende-vorlage", columns=imports.PARTICIPANT_COLUMNS)
    posted = request.method == "POST"
    form = imports.ParticipantUploadForm(
        request.POST if posted else None, request.FILES if posted else None, providers=providers
    )
    rejected = None
    if posted and form.is_valid():
        try:
            result = imports.participants_import(
                actor=request.user,
                provider=form.target_provider(),
                upload=form.cleaned_data["file"],
                confirm_duplicates=form.cleaned_data["confirm_duplicates"],
            )
        except tables.ImportFileError as error:
            form.add_error("file", error.message)
        except tables.ImportRejected as error:
            rejected = error
        else:
            messages.success(
                request,
                ngettext("%(count)s participant was imported.", "%(count)s participants were imported.", result.count)
                % {"count": result.count},
            )
            return redirect("participants:participant_list")
    return import_page(
        request,
        template="participants/io_participant_import.html",
        form=form,
        columns=imports.PARTICIPANT_COLUMNS,
        max_rows=imports.MAX_PARTICIPANT_ROWS,
        back_url=reverse("participants:participant_list"),
        rejected=rejected,
    )


@require_role(Role.COORDINATOR, Role.PROVIDER_ADMIN)
@require_GET
def participant_export(request: HttpRequest) -> HttpResponse:
    """A bulk export with names, with the participant list's filters: the coordinator (everyone) and provider
    admins (their own providers' people). Provider staff export their courses' lists (course_roster_export)."""
    fmt = tables.requested_format(request)
    if fmt is None:
        return unknown_format()
    data = request.GET.copy()
    data.pop("format", None)
    people = selectors.participants_with_full_view(user=request.user)
    if not access.is_coordinator(request.user):
        people = people.filter(provider__in=access.manageable_providers(request.user))
    participant_filter = ParticipantFilter(data or None, queryset=people)
    audit_access(
        request,
        model=Participant,
        what="participant_export",
        people=list(participant_filter.qs.values_list("pk", flat=True)),
        fmt=fmt,
    )
    headers, rows = imports.participant_export(participant_filter.qs)
    return tables.table_response(
        fmt=fmt, stem="teilnehmende", headers=headers, rows=rows, sheet_title=_("Participants")
    )


@require_role(Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)
@require_GET
def course_roster_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The people enrolled in or waiting for one course of the user's provider (names only where the user may see
    them, as on the course page): what staff need for their courses. Another provider's course is 404."""
    from courses.selectors import course_get_for_reporter

    course = course_get_for_reporter(user=request.user, pk=pk)
    fmt = tables.requested_format(request)
    if fmt is None:
        return unknown_format()
    roster = selectors.course_roster(user=request.user, course=course) or []
    audit_access(
        request,
        model=Participant,
        what="course_roster_export",
        people=[enrollment.participant_id for enrollment, named in roster if named],
        obj=course,
        fmt=fmt,
    )
    headers, rows = imports.course_roster_export(roster)
    return tables.table_response(
        fmt=fmt, stem=f"kurs-{course.pk}-teilnehmende", headers=headers, rows=rows, sheet_title=_("Participants")
    )
