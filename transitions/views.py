"""Thin views: parse → selector/service → render or redirect."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses import selectors as course_selectors
from courses.models import Course
from diepholz_coord import access
from diepholz_coord.access import Role, require_role
from diepholz_coord.forms import apply_service_errors, posted
from participants import selectors as participant_selectors
from participants.models import Enrollment

from . import selectors, services
from .forms import AgreedInForm, BoardFilterForm, ChecklistForm, StepForm
from .matching import suggest_for_course
from .models import Handover

BOARD_COLUMNS = [Handover.Status.PROPOSED, Handover.Status.OFFERED, Handover.Status.ACCEPTED]
CLOSED_COLUMNS = [Handover.Status.STARTED, Handover.Status.DECLINED, Handover.Status.WITHDRAWN, Handover.Status.NO_SHOW]
RECENT_DAYS = 60
STEP_SLUGS = {
    "anbieten": Handover.Status.OFFERED,
    "annehmen": Handover.Status.ACCEPTED,
    "ablehnen": Handover.Status.DECLINED,
    "begonnen": Handover.Status.STARTED,
    "zurueckziehen": Handover.Status.WITHDRAWN,
    "nicht-erschienen": Handover.Status.NO_SHOW,
}


@require_role(Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)
def handover_list(request: HttpRequest) -> HttpResponse:
    """The coordinator's board (columns by status); a provider's outgoing and incoming handovers."""
    handovers = selectors.handovers_visible_to(user=request.user)
    form = BoardFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["provider"]:
            handovers = handovers.filter(Q(from_provider=data["provider"]) | Q(to_provider=data["provider"]))
        if data["municipality"]:
            handovers = handovers.filter(participant__municipality=data["municipality"])
        if data["level"] is not None:
            handovers = handovers.filter(wanted_level=data["level"])
        if data["due_within"] is not None:
            handovers = handovers.filter(
                status__in=Handover.OPEN_STATUSES,
                due_on__lte=timezone.localdate() + datetime.timedelta(days=data["due_within"] or -1),
            )
    recent = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    handovers = list(
        handovers.filter(Q(status__in=Handover.OPEN_STATUSES) | Q(updated_at__gte=recent)).order_by(
            "due_on", "created_at", "pk"
        )[:1000]
    )
    # Overdue first in every column.
    handovers.sort(key=lambda h: (not h.is_overdue, h.due_on or datetime.date.max, h.pk))
    columns = [
        {
            "status": status,
            "label": Handover.Status(status).label,
            "items": [h for h in handovers if h.status == status],
        }
        for status in [*BOARD_COLUMNS, *CLOSED_COLUMNS]
    ]
    own = access.provider_ids_for(request.user)
    named = set(
        participant_selectors.participants_with_full_view(user=request.user)
        .filter(pk__in={h.participant_id for h in handovers})
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "transitions/handover_list.html",
        {
            "form": form,
            "columns": columns,
            "outgoing": [h for h in handovers if h.from_provider_id in own or h.participant.provider_id in own],
            "incoming": [h for h in handovers if h.to_provider_id in own],
            "board": access.is_coordinator(request.user),
            "named": named,
        },
    )


def _participant_view(user, handover: Handover):
    return participant_selectors.participant_view_for(user=user, participant=handover.participant)


def handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    handover = selectors.handover_get_for_user(user=request.user, pk=pk)
    full = _participant_view(request.user, handover) == participant_selectors.View.FULL
    sender, receiver = selectors.is_sender(request.user, handover), selectors.is_receiver(request.user, handover)
    not_begun = handover.to_course is not None and handover.to_course.start_date > timezone.localdate()
    steps = [
        {"slug": slug, "status": status, "label": Handover.Status(status).label}
        for slug, status in STEP_SLUGS.items()
        if status in services.ALLOWED[handover.status]
        and ((status in services.SENDER_STEPS and sender) or (status in services.RECEIVER_STEPS and receiver))
        # "Started" and "no-show" only once the course has begun (the service refuses them before).
        and not (status in (Handover.Status.STARTED, Handover.Status.NO_SHOW) and not_begun)
    ]
    return render(
        request,
        "transitions/handover_detail.html",
        {
            "handover": handover,
            "full": full,
            "steps": steps,
            "history": handover.steps.select_related("by"),
            "consent_ok": services.has_valid_consent(handover),
            # Before a consent names the receiver, it sees whether items are there, not what they say.
            "show_details": full or sender,
            "may_edit_checklist": handover.is_open and (sender or (receiver and full)),
            "form": StepForm(),
            "course_choices": _course_choices(handover)
            if sender and handover.status == Handover.Status.PROPOSED
            else [],
            # The coordination records the meeting a handover was agreed in.
            "agreed_in_form": AgreedInForm(handover=handover) if access.is_coordinator(request.user) else None,
        },
    )


def _course_choices(handover: Handover) -> list[Course]:
    """Courses a proposed handover can be offered to: not started, with room, the wanted level first."""
    from django.db.models import F
    from django.db.models.functions import Abs

    qs = (
        Course.objects.bookable()
        .filter(start_date__gt=timezone.localdate())
        .filter(Q(free_places__gt=0) | Q(free_places__isnull=True))
        .select_related("provider")
    )
    if handover.wanted_level is not None:
        qs = qs.order_by(Abs(F("level_from") - handover.wanted_level), "start_date", "pk")
    return list(qs[:100])


@require_POST
def handover_step(request: HttpRequest, pk: int, status: str) -> HttpResponse:
    handover = selectors.handover_get_for_user(user=request.user, pk=pk)
    target = STEP_SLUGS.get(status)
    if target is None:
        raise Http404
    form = StepForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(errors)}")
        return redirect(handover)
    note = form.cleaned_data["note"]
    try:
        if target == Handover.Status.OFFERED and request.POST.get("kurs"):
            course = (
                Course.objects.bookable().filter(pk=request.POST["kurs"]).first()
                if request.POST["kurs"].isdigit()
                else None
            )
            if course is None:
                raise ValidationError(_("This course cannot be chosen (any more). Please choose one from the list."))
            services.handover_offer(actor=request.user, handover=handover, to_course=course, note=note)
        elif target == Handover.Status.DECLINED:
            services.handover_decline(actor=request.user, handover=handover, reason=form.cleaned_data.get("reason", ""))
        else:
            services.STEP_SERVICES[target](actor=request.user, handover=handover, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The handover is now: %(status)s.") % {"status": Handover.Status(target).label})
    return redirect(handover)


@require_POST
def handover_agreed_in(request: HttpRequest, pk: int) -> HttpResponse:
    handover = selectors.handover_get_for_user(user=request.user, pk=pk)
    if not access.is_coordinator(request.user):
        raise PermissionDenied
    form = AgreedInForm(request.POST, handover=handover)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["agreed_in"])
        services.handover_set_agreed_in(actor=request.user, handover=handover, meeting=form.cleaned_data["agreed_in"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The meeting the handover was agreed in was saved."))
    return redirect(handover)


@require_http_methods(["GET", "POST"])
def handover_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    handover = selectors.handover_get_for_user(user=request.user, pk=pk)
    full = _participant_view(request.user, handover) == participant_selectors.View.FULL
    if not (selectors.is_sender(request.user, handover) or (selectors.is_receiver(request.user, handover) and full)):
        raise PermissionDenied
    form = ChecklistForm(posted(request), instance=handover)
    if request.method == "POST" and form.is_valid():
        try:
            services.handover_update_checklist(actor=request.user, handover=handover, data=form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The checklist was saved."))
            return redirect(handover)
    return render(
        request,
        "transitions/handover_checklist.html",
        {"form": form, "handover": handover},
        status=400 if form.errors else 200,
    )


@require_role(Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)
@require_http_methods(["GET", "POST"])
def handover_create(request: HttpRequest) -> HttpResponse:
    """Propose a handover of one person, usually from a suggestion: ?teilnehmende=<id>&kurs=<id>&von=<id>."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        participant_pk = int(params.get("teilnehmende", ""))
        course_pk = int(params["kurs"]) if params.get("kurs") else None
        enrollment_pk = int(params["von"]) if params.get("von") else None
    except ValueError:
        raise Http404 from None
    participant = participant_selectors.participant_get_for_editor(user=request.user, pk=participant_pk)
    course = None
    if course_pk is not None:
        course = Course.objects.bookable().select_related("provider").filter(pk=course_pk).first()
        if course is None:
            raise Http404
    from_enrollment = None
    if enrollment_pk is not None:
        from_enrollment = (
            Enrollment.objects.filter(pk=enrollment_pk, participant=participant)
            .select_related("course__provider")
            .first()
        )
        if from_enrollment is None:
            raise Http404
    if request.method == "POST":
        try:
            handover = services.handover_propose(
                actor=request.user, participant=participant, to_course=course, from_enrollment=from_enrollment
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The handover was proposed."))
            return redirect(handover)
    return render(
        request,
        "transitions/handover_create.html",
        {"participant": participant, "course": course, "from_enrollment": from_enrollment},
    )


@require_role(Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)
def ending_course_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "transitions/ending_course_list.html",
        {"courses": selectors.ending_courses(user=request.user), "horizon_weeks": selectors.ending_horizon_days() // 7},
    )


def ending_course_detail(request: HttpRequest, course_pk: int) -> HttpResponse:
    """An ending course: its enrolled people, their follow-up handovers, and suggested next courses."""
    course = course_selectors.course_get_for_user(user=request.user, pk=course_pk)
    if access.role_of(request.user) not in (Role.COORDINATOR, *access.PROVIDER_ROLES):
        raise PermissionDenied
    enrollments = list(
        Enrollment.objects.filter(course=course, status=Enrollment.Status.ENROLLED)
        .select_related("participant", "participant__municipality")
        .order_by("participant__last_name", "participant__first_name")
    )
    named = set(
        participant_selectors.participants_with_full_view(user=request.user)
        .filter(pk__in=[e.participant_id for e in enrollments])
        .values_list("pk", flat=True)
    )
    handovers = {}
    for handover in (
        Handover.objects.filter(from_enrollment__in=enrollments).select_related("to_course").order_by("created_at")
    ):
        handovers.setdefault(handover.from_enrollment_id, []).append(handover)
    suggestions = suggest_for_course(course=course)
    # A course already proposed or offered for the person is not suggested again.
    taken = selectors.open_handover_targets(participant_ids=[e.participant_id for e in enrollments])
    rows = [
        {
            "enrollment": e,
            "named": e.participant_id in named,
            "handovers": handovers.get(e.pk, []),
            "suggestions": selectors.without_open_handovers(
                suggestions.get(e.participant_id, []), participant_id=e.participant_id, taken=taken
            )[:3],
        }
        for e in enrollments
    ]
    return render(request, "transitions/ending_course_detail.html", {"course": course, "rows": rows})
