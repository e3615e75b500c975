"""Thin views: parse → selector/service → render or redirect."""

from __future__ import annotations

from auditlog.signals import accessed
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import Provider
from diepholz_coord import access
from diepholz_coord.access import Role, require_role
from diepholz_coord.audit import audit_access
from diepholz_coord.forms import apply_service_errors, parse_pk, posted, safe_next

from . import selectors, services
from .filters import ParticipantFilter
from .forms import CompleteForm, ConsentForm, EnrolForm, ParticipantForm, WishForm
from .models import Consent, CourseWish, Enrollment, Participant

PER_PAGE = 50


def _status(form) -> int:
    return 400 if form.errors else 200


def _registering_providers(user):
    if access.is_coordinator(user):
        return Provider.objects.filter(active=True)
    return Provider.objects.filter(active=True, pk__in=access.provider_ids_for(user))


@require_role(Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)
def participant_list(request: HttpRequest) -> HttpResponse:
    participants = selectors.participants_with_full_view(user=request.user).annotate(
        has_open_wish=Exists(CourseWish.objects.filter(participant=OuterRef("pk"), status=CourseWish.Status.OPEN))
    )
    participant_filter = ParticipantFilter(request.GET or None, queryset=participants)
    page = Paginator(participant_filter.qs.order_by("last_name", "first_name", "pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    audit_access(request, model=Participant, what="participant_list", people=[p.pk for p in page.object_list])
    query = request.GET.copy()
    query.pop("page", None)
    own = access.provider_ids_for(request.user)
    return render(
        request,
        "participants/participant_list.html",
        {
            "filter": participant_filter,
            "page": page,
            "query": query.urlencode(),
            "own_provider_ids": own,
            # Bulk exports: the coordinator and provider admins (staff export their courses' lists).
            "may_bulk_export": access.role_of(request.user) in (access.Role.COORDINATOR, access.Role.PROVIDER_ADMIN),
        },
    )


@require_role(Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)
@require_http_methods(["GET", "POST"])
def participant_create(request: HttpRequest) -> HttpResponse:
    providers = _registering_providers(request.user)
    form = ParticipantForm(posted(request), providers=providers)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        provider = data.pop("provider")
        try:
            participant = services.participant_register(actor=request.user, provider=provider, data=data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s was registered as %(code)s.") % {"name": participant.full_name, "code": participant.code},
            )
            return redirect(participant)
    return render(
        request,
        "participants/participant_form.html",
        {"form": form, "own_provider_ids": access.provider_ids_for(request.user)},
        status=_status(form),
    )


def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    participant, view = selectors.participant_get_for_user(user=request.user, pk=pk)
    # Every look at a person's record is audited (django-auditlog "access" entry).
    accessed.send(sender=Participant, instance=participant)
    enrollments, consents, wishes = selectors.participant_activity(participant=participant)
    full = view == selectors.View.FULL
    is_owner = selectors.is_owner(request.user, participant)
    from transitions import selectors as transition_selectors

    admission_first = request.GET.get("zulassung") == "1"
    may_suggest = full and is_owner and participant.status == Participant.Status.ACTIVE
    # As on the ending-course page: a course already proposed for the person is not suggested again.
    fitting, admission_first_only = (
        transition_selectors.person_suggestions(participant=participant, admission_first=admission_first)
        if may_suggest
        else ([], [])
    )
    return render(
        request,
        "participants/participant_detail.html",
        {
            "participant": participant,
            "full": full,
            "is_owner": is_owner,
            "may_erase": access.may_manage_provider(request.user, participant.provider_id),
            "enrollments": enrollments if full else None,
            "consents": consents if full else None,
            "wishes": wishes,
            "suggestions": fitting,
            "admission_first_suggestions": admission_first_only,
            "admission_first": admission_first,
            "may_suggest": may_suggest,
            # The person's handovers the user may see (open ones first): the case history across providers.
            "handovers": transition_selectors.participant_handovers(user=request.user, participant=participant),
        },
    )


@require_http_methods(["GET", "POST"])
def participant_update(request: HttpRequest, pk: int) -> HttpResponse:
    participant = selectors.participant_get_for_owner(user=request.user, pk=pk)
    form = ParticipantForm(posted(request), instance=participant, providers=Provider.objects.none())
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_update(
                actor=request.user, participant=participant, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect(participant)
    return render(
        request,
        "participants/participant_form.html",
        {"form": form, "participant": participant, "own_provider_ids": access.provider_ids_for(request.user)},
        status=_status(form),
    )


@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a consent. From a handover page: ?empfaenger=<provider id>&weiter=<handover page> prefills the
    receiving provider and goes back there after saving."""
    participant = selectors.participant_get_for_owner(user=request.user, pk=pk)
    initial = {}
    recipient = parse_pk(request.GET.get("empfaenger"))
    if recipient is not None:
        initial = {"purpose": Consent.Purpose.HANDOVER, "recipient": recipient}
    form = ConsentForm(posted(request), participant=participant, initial=initial)
    back = safe_next(request, participant.get_absolute_url(), name="weiter")
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.consent_record(actor=request.user, participant=participant, data=form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if consent.recipient:
                text = _("The consent to hand over to %(provider)s was recorded.") % {"provider": consent.recipient}
            else:
                text = _("The consent was recorded.")
            messages.success(request, text)
            return redirect(back)
    return render(
        request,
        "participants/consent_form.html",
        {"form": form, "participant": participant, "next_url": back if back != participant.get_absolute_url() else ""},
        status=_status(form),
    )


@require_POST
def consent_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    consent = selectors.consent_get_for_owner(user=request.user, pk=pk)
    try:
        services.consent_revoke(actor=request.user, consent=consent)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The consent was revoked. It no longer allows sharing the data."))
    return redirect(consent.participant)


@require_http_methods(["GET", "POST"])
def wish_create(request: HttpRequest, pk: int) -> HttpResponse:
    participant = selectors.participant_get_for_owner(user=request.user, pk=pk)
    form = WishForm(posted(request), participant=participant)
    if request.method == "POST" and form.is_valid():
        try:
            services.wish_create(actor=request.user, participant=participant, data=dict(form.cleaned_data))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The course wish was added to the waiting list."))
            return redirect(participant)
    return render(
        request, "participants/wish_form.html", {"form": form, "participant": participant}, status=_status(form)
    )


@require_POST
def wish_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    wish = selectors.wish_get_for_editor(user=request.user, pk=pk)
    try:
        services.wish_withdraw(actor=request.user, wish=wish)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The course wish was withdrawn."))
    return redirect(wish.participant)


@require_http_methods(["GET", "POST"])
def enrollment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol into a course with free places (or onto its waiting list), across providers with consent."""
    participant = selectors.participant_get_for_editor(user=request.user, pk=pk)
    courses, elsewhere = selectors.courses_for_enrolment(user=request.user, participant=participant)
    consented = set(
        participant.consents.valid().filter(purpose=Consent.Purpose.HANDOVER).values_list("recipient_id", flat=True)
    )
    form = EnrolForm(posted(request), courses=courses)
    if request.method == "POST" and form.is_valid():
        course = form.cleaned_data["course"]
        service = (
            services.enrollment_enrol
            if form.cleaned_data["action"] == EnrolForm.ENROL
            else services.enrollment_add_to_waiting_list
        )
        try:
            enrollment = service(actor=request.user, participant=participant, course=course)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if enrollment.status == Enrollment.Status.ENROLLED:
                text = _("%(code)s was enrolled in “%(title)s”.")
            else:
                text = _("%(code)s was put on the waiting list of “%(title)s”.")
            messages.success(request, text % {"code": participant.code, "title": course.title})
            return redirect(participant)
    return render(
        request,
        "participants/enrollment_form.html",
        {
            "form": form,
            "participant": participant,
            "courses": list(courses[:200]),
            "elsewhere": list(elsewhere[:100]),
            "consented_provider_ids": consented,
        },
        status=_status(form),
    )


@require_POST
def enrollment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = selectors.enrollment_get_for_editor(user=request.user, pk=pk)
    try:
        services.enrollment_withdraw(actor=request.user, enrollment=enrollment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The enrolment was ended; a taken place is free again."))
    return redirect(enrollment.participant)


@require_http_methods(["GET", "POST"])
def enrollment_complete(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = selectors.enrollment_get_for_editor(user=request.user, pk=pk)
    form = CompleteForm(posted(request), enrollment=enrollment)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrollment_complete(
                actor=request.user,
                enrollment=enrollment,
                level_reached=form.cleaned_data["level_reached"],
                exam_result=form.cleaned_data["exam_result"],
                on=form.cleaned_data["ended_on"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The course was recorded as completed."))
            return redirect(enrollment.participant)
    return render(
        request,
        "participants/enrollment_complete.html",
        {"form": form, "enrollment": enrollment, "participant": enrollment.participant},
        status=_status(form),
    )


def participant_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's audit trail is the coordinator's audit trail filtered by their code (/protokoll/?person=…).

    Another provider's person is 404 as everywhere, one's own is 403 for everyone but the coordinator."""
    participant, _view = selectors.participant_get_for_user(user=request.user, pk=pk)
    if not access.is_coordinator(request.user):
        raise PermissionDenied
    return redirect(f"{reverse('audit_log')}?{urlencode({'person': participant.code})}")


@require_role(Role.COORDINATOR, Role.COUNTY_STAFF)
def demand(request: HttpRequest) -> HttpResponse:
    return render(request, "participants/demand.html", {"demand": selectors.demand(user=request.user)})
