"""Thin views: parse → selector/service → render or redirect. htmx requests get the partial."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from diepholz_coord import access
from diepholz_coord.access import Role, require_role
from diepholz_coord.audit import audit_access
from diepholz_coord.forms import apply_service_errors, posted, safe_next
from participants import selectors as participant_selectors
from participants.models import Participant
from transitions.metrics import district_transition_metrics

from . import selectors, services
from .forms import CourseCancelForm, CourseForm, FreePlacesForm, ProviderForm, StaffAccountForm, VenueForm
from .places import places_of

COURSES_PER_PAGE = 50


def course_list(request: HttpRequest) -> HttpResponse:
    if access.role_of(request.user) == Role.NONE:
        raise PermissionDenied
    course_filter = selectors.course_filter(user=request.user, data=request.GET)
    page = Paginator(course_filter.qs.order_by("start_date", "title", "pk"), COURSES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "courses/course_list.html",
        {
            "filter": course_filter,
            "page": page,
            "query": query.urlencode(),
            "may_create": access.manageable_providers(request.user).exists(),
            # The "own" marker in the list, for providers (the county roles have no own courses).
            "own_provider_ids": frozenset()
            if access.sees_whole_district(request.user)
            else access.provider_ids_for(request.user),
        },
    )


def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A course's page. Another provider's course shows its public facts only (no participants, enrolments,
    report notes or reservations)."""
    course = selectors.course_get_for_user(user=request.user, pk=pk)
    own = access.may_view_provider_data(request.user, course.provider_id)
    roster = participant_selectors.course_roster(user=request.user, course=course)
    if roster:  # the names on the page are a look at these people's data
        audit_access(
            request,
            model=Participant,
            what="course_roster",
            people=[enrollment.participant_id for enrollment, named in roster if named],
            obj=course,
        )
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "own": own,
            "places": places_of(course),
            "reports": selectors.course_reports(course=course) if own else None,
            # The handovers a place is held for: the course's own people and the coordination.
            "reservations": selectors.course_reservations(course=course)
            if access.may_report_places(request.user, course.provider_id)
            else None,
            "may_manage": access.may_manage_provider(request.user, course.provider_id),
            "may_report": access.may_report_places(request.user, course.provider_id) and course.is_bookable,
            "form": FreePlacesForm(course=course),
            "roster": roster,
        },
    )


@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    if not access.manageable_providers(request.user).exists():
        raise PermissionDenied
    form = CourseForm(posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The course “%(title)s” was created.") % {"title": course.title})
            return redirect(course)
    return render(request, "courses/course_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def course_update(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.course_get_for_manager(user=request.user, pk=pk)
    form = CourseForm(posted(request), instance=course, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "provider": course.provider}
        # The form applied its values to `course` already; the service reloads and compares.
        try:
            course = services.course_update(actor=request.user, course=course, data=data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The course was saved."))
            return redirect(course)
    return render(
        request,
        "courses/course_form.html",
        {"form": form, "course": course},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def course_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.course_get_for_manager(user=request.user, pk=pk)
    form = CourseCancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.course_cancel(actor=request.user, course=course, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The course was cancelled."))
            return redirect(course)
    return render(
        request,
        "courses/course_cancel.html",
        {"form": form, "course": course},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def course_report_places(request: HttpRequest, pk: int) -> HttpResponse:
    """Report free places: inline from a course row (htmx swaps the row), or as a page without JavaScript."""
    # A report reads the course's own fields first (the service reads its places under the lock, after the write,
    # and hands the course back with them); a refused report shows the course with its places as they are now.
    writing = request.method == "POST"
    course = selectors.course_get_for_reporter(user=request.user, pk=pk, places=not writing)
    form = FreePlacesForm(posted(request), course=course)
    saved = False
    if writing and form.is_valid():
        try:
            report = services.course_report_free_places(
                actor=request.user,
                course=course,
                free_places=form.cleaned_data["free_places"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            saved = True
            course = report.course  # read after the write, with its places
    if writing and not saved:
        course = selectors.course_get_for_user(user=request.user, pk=pk)
    if saved:
        form = FreePlacesForm(course=course)
        if not request.htmx:
            messages.success(
                request,
                ngettext(
                    "%(count)s free place reported for “%(title)s”.",
                    "%(count)s free places reported for “%(title)s”.",
                    course.free_places,
                )
                % {"count": course.free_places, "title": course.title},
            )
            return redirect(safe_next(request, course.get_absolute_url()))
    status = 422 if form.errors else 200
    if request.htmx:
        return render(
            request,
            "courses/_course_row.html",
            {"course": course, "form": form, "saved": saved},
            status=status,
        )
    return render(request, "courses/course_report_places.html", {"course": course, "form": form}, status=status)


@require_role(Role.COORDINATOR, Role.COUNTY_STAFF)
def district_overview(request: HttpRequest) -> HttpResponse:
    overview = selectors.district_overview(user=request.user)
    transitions = district_transition_metrics(user=request.user)
    return render(request, "courses/district_overview.html", {"overview": overview, "transitions": transitions})


@require_role(Role.COORDINATOR, Role.COUNTY_STAFF)
def provider_list(request: HttpRequest) -> HttpResponse:
    page = selectors.provider_list(user=request.user, page=request.GET.get("page"))
    return render(request, "courses/provider_list.html", {"page": page, "providers": page.object_list})


def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    provider = selectors.provider_get_for_user(user=request.user, pk=pk)
    may_manage = access.may_manage_provider(request.user, provider.pk)
    return render(
        request,
        "courses/provider_detail.html",
        {
            "provider": provider,
            "venues": provider.venues.select_related("municipality"),
            "courses": selectors.courses_visible_to(user=request.user)
            .filter(provider=provider)
            .bookable()
            .order_by("start_date"),
            "members": selectors.provider_members(provider=provider) if may_manage else None,
            "may_manage": may_manage,
            "may_edit": access.is_coordinator(request.user),
        },
    )


@require_role(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def provider_create(request: HttpRequest) -> HttpResponse:
    form = ProviderForm(posted(request))
    if request.method == "POST" and form.is_valid():
        provider = services.provider_create(actor=request.user, data=form.cleaned_data)
        messages.success(request, _("The provider was created."))
        return redirect(provider)
    return render(request, "courses/provider_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def provider_update(request: HttpRequest, pk: int) -> HttpResponse:
    provider = selectors.provider_get_for_user(user=request.user, pk=pk)
    if not access.is_coordinator(request.user):
        raise PermissionDenied
    form = ProviderForm(posted(request), instance=provider)
    if request.method == "POST" and form.is_valid():
        provider = services.provider_update(actor=request.user, provider=provider, data=form.cleaned_data)
        messages.success(request, _("The provider was saved."))
        return redirect(provider)
    return render(
        request,
        "courses/provider_form.html",
        {"form": form, "provider": provider},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest, pk: int) -> HttpResponse:
    provider = selectors.provider_get_for_manager(user=request.user, pk=pk)
    form = StaffAccountForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.staff_account_create(
                actor=request.user,
                provider=provider,
                username=data["username"],
                password=data["password1"],
                role=data["role"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("The login “%(username)s” was created.") % {"username": membership.user.username}
            )
            return redirect(provider)
    return render(
        request,
        "courses/staff_form.html",
        {"form": form, "provider": provider},
        status=400 if form.errors else 200,
    )


@require_POST
def membership_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    provider = selectors.provider_get_for_manager(user=request.user, pk=pk)
    membership = selectors.membership_get_for_manager(user=request.user, provider=provider, pk=membership_pk)
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The access of “%(username)s” was removed.") % {"username": membership.user})
    return redirect(provider)


@require_http_methods(["GET", "POST"])
def venue_create(request: HttpRequest, pk: int) -> HttpResponse:
    provider = selectors.provider_get_for_manager(user=request.user, pk=pk)
    form = VenueForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.venue_create(actor=request.user, provider=provider, data=form.cleaned_data)
        messages.success(request, _("The venue was created."))
        return redirect(provider)
    return render(
        request,
        "courses/venue_form.html",
        {"form": form, "provider": provider},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def venue_update(request: HttpRequest, pk: int) -> HttpResponse:
    venue = selectors.venue_get_for_manager(user=request.user, pk=pk)
    form = VenueForm(posted(request), instance=venue)
    if request.method == "POST" and form.is_valid():
        services.venue_update(actor=request.user, venue=venue, data=form.cleaned_data)
        messages.success(request, _("The venue was saved."))
        return redirect(venue.provider)
    return render(
        request,
        "courses/venue_form.html",
        {"form": form, "provider": venue.provider, "venue": venue},
        status=400 if form.errors else 200,
    )
