"""Import and export of courses and the district overview: thin views around courses.imports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from diepholz_coord import access
from diepholz_coord.access import Role, require_role

from . import imports, selectors


def unknown_format() -> HttpResponse:
    return HttpResponseBadRequest(_("Unknown file format. Please choose csv or xlsx."), content_type="text/plain")


def import_page(
    request: HttpRequest, *, template: str, form, columns, max_rows: int, back_url: str, rejected=None
) -> HttpResponse:
    """The upload form with the column description, and after a rejected file every error found."""
    errors, more = imports.limit_errors(rejected.errors) if rejected else ([], 0)
    return render(
        request,
        template,
        {
            "form": form,
            "errors": errors,
            "error_count": len(errors) + more,
            "more_errors": more,
            "columns": imports.column_docs(columns),
            "max_mb": imports.MAX_UPLOAD_BYTES // (1024 * 1024),
            "max_rows": max_rows,
            "back_url": back_url,
        },
        status=400 if form.errors or errors else 200,
    )


@require_http_methods(["GET", "POST"])
def course_import(request: HttpRequest) -> HttpResponse:
    providers = access.manageable_providers(request.user)
    if not providers.exists():
        raise PermissionDenied
    if request.method == "GET" and "vorlage" in request.GET:
        fmt = imports.requested_format(request, "vorlage")
        if fmt is None:
            return unknown_format()
        return imports.template_response(fmt=fmt, stem="kurse-vorlage", columns=imports.COURSE_COLUMNS)
    posted = request.method == "POST"
    form = imports.ImportUploadForm(
        request.POST if posted else None, request.FILES if posted else None, providers=providers
    )
    rejected = None
    if posted and form.is_valid():
        try:
            result = imports.courses_import(
                actor=request.user, provider=form.target_provider(), upload=form.cleaned_data["file"]
            )
        except imports.ImportFileError as error:
            form.add_error("file", error.message)
        except imports.ImportRejected as error:
            rejected = error
        else:
            messages.success(
                request,
                ngettext("%(count)s course was imported.", "%(count)s courses were imported.", result.count)
                % {"count": result.count},
            )
            return redirect("courses:course_list")
    return import_page(
        request,
        template="courses/io_course_import.html",
        form=form,
        columns=imports.COURSE_COLUMNS,
        max_rows=imports.MAX_COURSE_ROWS,
        back_url=reverse("courses:course_list"),
        rejected=rejected,
    )


@require_GET
def course_export(request: HttpRequest) -> HttpResponse:
    """The courses of the course list, with its filters (current and upcoming courses by default)."""
    if access.role_of(request.user) == Role.NONE:
        raise PermissionDenied
    fmt = imports.requested_format(request)
    if fmt is None:
        return unknown_format()
    data = request.GET.copy()
    data.pop("format", None)
    course_filter = selectors.course_filter(user=request.user, data=data)
    headers, rows = imports.course_export(course_filter.qs.order_by("start_date", "title", "pk"))
    return imports.table_response(fmt=fmt, stem="kurse", headers=headers, rows=rows, sheet_title=_("Courses"))


@require_role(Role.COORDINATOR, Role.COUNTY_STAFF)
@require_GET
def overview_export(request: HttpRequest) -> HttpResponse:
    fmt = imports.requested_format(request)
    if fmt is None:
        return unknown_format()
    headers, rows = imports.overview_export(selectors.district_overview(user=request.user))
    return imports.table_response(
        fmt=fmt, stem="uebersicht", headers=headers, rows=rows, sheet_title=_("District overview")
    )
