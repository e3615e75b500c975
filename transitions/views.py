"""Thin views: parse → selector/service → render or redirect."""

from __future__ import annotations

from auditlog.signals import accessed
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from diepholz_coord import access
from diepholz_coord.access import Role, require_role
from diepholz_coord.forms import apply_service_errors, parse_pk, posted
from participants import selectors as participant_selectors
from participants.models import Enrollment, Participant

from . import selectors, services
from .forms import AgreedInForm, BoardFilterForm, ChecklistForm, StepForm
from .models import Handover

# Step slugs in URLs and the action each button names (buttons are actions, not states).
STEP_SLUGS = {
    "anbieten": Handover.Status.OFFERED,
    "annehmen": Handover.Status.ACCEPTED,
    "ablehnen": Handover.Status.DECLINED,
    "begonnen": Handover.Status.STARTED,
    "zurueckziehen": Handover.Status.WITHDRAWN,
    "nicht-erschienen": Handover.Status.NO_SHOW,
}
STEP_ACTIONS = {
    Handover.Status.OFFERED: gettext_lazy("Send offer"),
    Handover.Status.ACCEPTED: gettext_lazy("Accept"),
    Handover.Status.DECLINED: gettext_lazy("Decline"),
    Handover.Status.STARTED: gettext_lazy("Confirm course start"),
    Handover.Status.WITHDRAWN: pgettext_lazy("handover", "Withdraw"),
    Handover.Status.NO_SHOW: gettext_lazy("Did not show up"),
}
STEP_DONE = {
    Handover.Status.OFFERED: gettext_lazy("The offer was sent to %(provider)s."),
    Handover.Status.ACCEPTED: gettext_lazy("Accepted: a place in “%(course)s” is reserved for the person."),
    Handover.Status.DECLINED: gettext_lazy("The offer was declined; the giving side is told."),
    Handover.Status.STARTED: gettext_lazy("The course start is confirmed: the person is enrolled in “%(course)s”."),
    Handover.Status.WITHDRAWN: gettext_lazy("The handover was withdrawn."),
    Handover.Status.NO_SHOW: gettext_lazy("Recorded as not shown up; the reserved place is free again."),
}


@require_role(Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)
def handover_list(request: HttpRequest) -> HttpResponse:
    """The coordinator's board (columns by status); a provider's outgoing and incoming handovers."""
    form = BoardFilterForm(request.GET or None)
    handovers = selectors.handover_board(user=request.user, filters=form.cleaned_data if form.is_valid() else None)
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
            "columns": selectors.board_columns(handovers),
            "outgoing": [h for h in handovers if h.part in ("giving", "registered")],
            "incoming": [h for h in handovers if h.part == "receiving"],
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
    today = timezone.localdate()
    not_begun = handover.to_course is not None and handover.to_course.start_date > today
    consent_ok = services.has_valid_consent(handover)
    steps = [
        {"slug": slug, "status": status, "label": STEP_ACTIONS[status]}
        for slug, status in STEP_SLUGS.items()
        if status in services.ALLOWED[handover.status]
        and ((status in services.SENDER_STEPS and sender) or (status in services.RECEIVER_STEPS and receiver))
        # "Started" and "no-show" only once the course has begun (the service refuses them before).
        and not (status in (Handover.Status.STARTED, Handover.Status.NO_SHOW) and not_begun)
    ]
    course_choices = (
        selectors.offer_target_courses(handover=handover, today=today)
        if sender and handover.status == Handover.Status.PROPOSED
        else []
    )
    owner = participant_selectors.is_owner(request.user, handover.participant)
    if full:  # the page shows the person's data: audited like a view of their page
        accessed.send(sender=Participant, instance=handover.participant)
    return render(
        request,
        "transitions/handover_detail.html",
        {
            "handover": handover,
            "today": today,
            "full": full,
            "sender": sender,
            "receiver": receiver,
            "part": selectors.part_of(request.user, handover),
            "steps": steps,
            "history": handover.steps.select_related("by"),
            "consent_ok": consent_ok,
            "consent_needed": services.consent_needed(handover),
            # The consent is recorded by the provider that registered the person (or the coordinator).
            "may_record_consent": owner and handover.is_open and handover.to_provider_id is not None,
            "reservation": handover.reservation,
            "reservation_active": handover.reservation is not None and handover.reservation.is_active(today),
            # Without the full view of the person (no consent naming the provider), a side sees whether items
            # are there, not what they say.
            "show_details": full,
            "may_edit_checklist": handover.is_open and full and (sender or receiver),
            "form": StepForm(),
            "course_choices": course_choices,
            "other_choices": any(c.pk != handover.to_course_id for c in course_choices),
            # The coordination records the meeting a handover was agreed in.
            "agreed_in_form": AgreedInForm(handover=handover) if access.is_coordinator(request.user) else None,
        },
    )


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
            course = selectors.offer_target_get(value=request.POST["kurs"])
            if course is None:
                raise ValidationError(_("This course cannot be chosen (any more). Please choose one from the list."))
            handover = services.handover_offer(actor=request.user, handover=handover, to_course=course, note=note)
        elif target == Handover.Status.DECLINED:
            handover = services.handover_decline(
                actor=request.user, handover=handover, reason=form.cleaned_data.get("reason", "")
            )
        else:
            handover = services.STEP_SERVICES[target](actor=request.user, handover=handover, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        values = {"provider": handover.to_provider.name if handover.to_provider else "", "course": handover.to_course}
        messages.success(request, STEP_DONE[target] % values)
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
    if not full or not (selectors.is_sender(request.user, handover) or selectors.is_receiver(request.user, handover)):
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
    participant_pk, course_pk, enrollment_pk = (parse_pk(params.get(key)) for key in ("teilnehmende", "kurs", "von"))
    if (
        participant_pk is None
        or (params.get("kurs") and course_pk is None)
        or (params.get("von") and enrollment_pk is None)
    ):
        raise Http404
    participant = participant_selectors.participant_get_for_editor(user=request.user, pk=participant_pk)
    course = None
    if course_pk is not None:
        course = selectors.offer_target_get(value=params["kurs"])
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
    consent = (
        participant.consents.valid().filter(purpose="handover", recipient=course.provider).first()
        if course is not None and course.provider_id != participant.provider_id
        else None
    )
    return render(
        request,
        "transitions/handover_create.html",
        {
            "participant": participant,
            "course": course,
            "from_enrollment": from_enrollment,
            "consent_needed": course is not None and course.provider_id != participant.provider_id,
            "consent": consent,
        },
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
    course = selectors.ending_course_get_for_user(user=request.user, pk=course_pk)
    admission_first = request.GET.get("zulassung") == "1"
    rows = selectors.ending_course_rows(user=request.user, course=course, admission_first=admission_first)
    return render(
        request,
        "transitions/ending_course_detail.html",
        {"course": course, "rows": rows, "admission_first": admission_first},
    )
