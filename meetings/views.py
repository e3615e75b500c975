"""Thin views: parse → selector/service → render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from developments import selectors as development_selectors
from diepholz_coord import access
from diepholz_coord.access import Role, require_role
from diepholz_coord.audit import audit_access
from diepholz_coord.forms import apply_service_errors, posted

from . import agenda, calendar, pdf, selectors, services
from .forms import (
    ActionItemForm,
    BodyFilterForm,
    ItemSlotForm,
    MeetingEditForm,
    MinutesForm,
    ProposeItemForm,
    SeriesForm,
)
from .models import AgendaItem, Attendance, CalendarToken, Meeting, MeetingSeries

MEETING_ROLES = (Role.COORDINATOR, Role.COUNTY_STAFF, Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


@require_role(*MEETING_ROLES)
def meeting_list(request: HttpRequest) -> HttpResponse:
    """The meetings the user is invited to (all for the county), upcoming first, per body."""
    form = BodyFilterForm(request.GET or None)
    body, past = (form.cleaned_data["body"], form.cleaned_data["past"]) if form.is_valid() else ("", False)
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "meetings": selectors.meeting_list(user=request.user, body=body, past=past),
            "form": form,
            "past": past,
            "series_list": selectors.series_visible_to(user=request.user),
        },
    )


def _detail_context(request: HttpRequest, meeting: Meeting, *, page: bool = True) -> dict:
    context = agenda.agenda_context(meeting)
    items = context["items"]
    coordinator = selectors.may_edit_meeting(request.user)
    begun = selectors.has_begun(meeting)
    for item in items:
        item.minutes_form = MinutesForm(instance=item.entry, prefix=f"m{item.pk}") if coordinator and begun else None
    return {
        **context,
        "begun": begun,
        "attendance": (attendance := selectors.attendance_rows(meeting)),
        "attendance_recorded": any(row["record"] for row in attendance),
        "attendance_missing": sum(1 for row in attendance if not row["record"]),
        "attendance_choices": Attendance.Status.choices,
        "action_items": list(
            meeting.action_items.select_related("owner_provider", "owner_user", "owner_department", "item").order_by(
                "status", "due_on", "pk"
            )
        ),
        "may_edit": coordinator and meeting.status != Meeting.Status.FINAL,
        "is_coordinator": coordinator,
        "may_propose": selectors.may_propose_item(request.user, meeting),
        "propose_form": ProposeItemForm(),
        "action_form": ActionItemForm(meeting=meeting) if coordinator else None,
        # Aktionsplan meetings: the developments log's open assessments, and recording them and measures.
        "developments_panel": (
            development_selectors.meeting_panel(meeting=meeting, user=request.user) if page else None
        ),
    }


@require_role(*MEETING_ROLES)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    return render(request, "meetings/meeting_detail.html", _detail_context(request, meeting))


@require_role(*MEETING_ROLES)
def agenda_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda as a plain page for the browser's print dialog."""
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    return render(request, "meetings/agenda_print.html", _detail_context(request, meeting, page=False))


def _file_response(request: HttpRequest, meeting: Meeting, kind: pdf.PdfKind) -> FileResponse:
    file = getattr(meeting, kind.file)
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    # The PDFs name the invitees and (the minutes) who attended: each download is in the audit trail.
    audit_access(request, model=Meeting, what=kind.file, people=[], obj=meeting)
    return FileResponse(
        handle, as_attachment=False, filename=pdf.filename(meeting, kind), content_type="application/pdf"
    )


@require_role(*MEETING_ROLES)
def agenda_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    return _file_response(request, meeting, pdf.AGENDA_PDF)


@require_role(*MEETING_ROLES)
def minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    if meeting.status != Meeting.Status.FINAL:
        raise Http404
    return _file_response(request, meeting, pdf.MINUTES_PDF)


@require_role(*MEETING_ROLES)
def meeting_files(request: HttpRequest, pk: int) -> HttpResponse:
    """The files box; polled by htmx while a PDF is being generated."""
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    return render(request, "meetings/_files.html", _files_context(request, meeting))


def _files_context(request: HttpRequest, meeting: Meeting) -> dict:
    return {
        "meeting": meeting,
        "is_coordinator": selectors.may_edit_meeting(request.user),
        "snapshot_at": agenda.snapshot_time(meeting),
    }


def _coordinator_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    if not selectors.may_edit_meeting(request.user):
        raise PermissionDenied
    return meeting


def _error(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form) -> None:
    """A form posted from a box on the meeting page: its errors as messages there, each with its field."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)


@require_role(*MEETING_ROLES)  # the meeting first: 404 if not visible, then 403
def meeting_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publishing e-mails every invitee: the page asks first and says how many get the mail."""
    meeting = _coordinator_meeting(request, pk)
    if request.method != "POST" or not request.POST.get("confirm"):
        if meeting.status != Meeting.Status.PLANNED:
            messages.info(request, _("The agenda was already published."))
            return redirect(meeting)
        return render(
            request,
            "meetings/publish_confirm.html",
            {"meeting": meeting, "series": meeting.series, "counts": selectors.recipient_counts(meeting)},
            status=400 if request.method == "POST" else 200,
        )
    if services.agenda_publish(meeting=meeting, actor=request.user):
        messages.success(
            request, _("The agenda is published; its PDF is being generated and then sent to the invitees.")
        )
    else:
        messages.info(request, _("The agenda was already published."))
    return redirect(meeting)


@require_POST
@require_role(*MEETING_ROLES)  # the meeting first: 404 if not visible, then 403
def agenda_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _coordinator_meeting(request, pk)
    try:
        changed = services.agenda_regenerate(meeting=meeting, actor=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        titles = dict(agenda.section_titles())
        if changed:
            messages.warning(
                request,
                _("New figures taken; they changed in: %(sections)s. The agenda PDF is being generated again.")
                % {"sections": ", ".join(str(titles.get(key, key)) for key in changed)},
            )
        else:
            messages.success(request, _("The figures have not changed. The agenda PDF is being generated again."))
    meeting.refresh_from_db()
    if request.htmx:
        return render(request, "meetings/_files.html", _files_context(request, meeting))
    return redirect(meeting)


@require_POST
@require_role(*MEETING_ROLES)
def item_propose(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    if not selectors.may_propose_item(request.user, meeting):
        raise PermissionDenied
    form = ProposeItemForm(request.POST)
    if form.is_valid():
        try:
            services.item_propose(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _error(request, error)
        else:
            messages.success(request, _("The item was added to the agenda."))
            return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + "#agenda")
    _form_errors(request, form)
    return redirect(meeting)


def _item_of(meeting: Meeting, item_pk: int) -> AgendaItem:
    item = meeting.items.filter(pk=item_pk).first()
    if item is None:
        raise Http404
    return item


@require_POST
@require_role(*MEETING_ROLES)  # the meeting first: 404 if not visible, then 403
def item_delete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _coordinator_meeting(request, pk)
    try:
        services.item_delete(item=_item_of(meeting, item_pk), actor=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("The item was removed from the agenda."))
    return redirect(meeting)


@require_POST
@require_role(*MEETING_ROLES)  # the meeting first: 404 if not visible, then 403
def item_update(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Time slot and presenter of one item."""
    meeting = _coordinator_meeting(request, pk)
    item = _item_of(meeting, item_pk)
    form = ItemSlotForm(request.POST)
    if form.is_valid():
        try:
            services.item_update(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _error(request, error)
        else:
            messages.success(request, _("Time slot and presenter saved."))
    else:
        _form_errors(request, form)
    return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + f"#item-{item.pk}")


@require_POST
@require_role(*MEETING_ROLES)  # the meeting first: 404 if not visible, then 403
def attendance_save(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _coordinator_meeting(request, pk)
    statuses = {}
    for kind, obj in selectors.invitees(meeting):
        name = f"{kind}-{obj.pk}"
        if name in request.POST:
            statuses[(kind, obj.pk)] = request.POST[name]
    if not statuses:
        messages.error(request, _("Please choose the attendance of at least one invitee."))
        return redirect(meeting)
    try:
        services.attendance_save(meeting=meeting, actor=request.user, statuses=statuses)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("Attendance saved."))
    return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + "#attendance")


@require_POST
@require_role(*MEETING_ROLES)  # the meeting first: 404 if not visible, then 403
def minutes_save(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _coordinator_meeting(request, pk)
    item = _item_of(meeting, item_pk)
    form = MinutesForm(request.POST, prefix=f"m{item.pk}")
    if request.htmx:
        # Saved as the coordinator types: answer with a short status for the form's status line.
        status = 200
        try:
            if not form.is_valid():
                raise ValidationError([m for errors in form.errors.values() for m in errors])
            services.minutes_save(item=item, actor=request.user, **form.cleaned_data)
            text = _("Saved at %(time)s.") % {"time": timezone.localtime().strftime("%H:%M:%S")}
        except ValidationError as error:
            text, status = " ".join(error.messages), 422
        return HttpResponse(text, status=status)
    if form.is_valid():
        try:
            services.minutes_save(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _error(request, error)
        else:
            messages.success(request, _("Minutes of “%(title)s” saved.") % {"title": item.title})
    else:
        _form_errors(request, form)
    return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + f"#item-{item.pk}")


@require_POST
@require_role(*MEETING_ROLES)  # the meeting first: 404 if not visible, then 403
def action_item_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _coordinator_meeting(request, pk)
    form = ActionItemForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            services.action_item_create(meeting=meeting, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            _error(request, error)
        else:
            messages.success(request, _("Action item added."))
    else:
        _form_errors(request, form)
    return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + "#actions")


@require_POST
@require_role(*MEETING_ROLES)  # the meeting first: 404 if not visible, then 403
def minutes_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _coordinator_meeting(request, pk)
    if not request.POST.get("confirm"):
        messages.error(request, _("Please confirm that the minutes are complete."))
        return redirect(meeting)
    try:
        services.minutes_finalise(meeting=meeting, actor=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(
            request, _("The minutes are final. Their PDF is being generated and then sent to the invitees.")
        )
    return redirect(meeting)


@require_POST
@require_role(*MEETING_ROLES)
def action_item_done(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.action_item_get_for_owner(user=request.user, pk=pk)
    done = request.POST.get("done", "1") != "0"
    services.action_item_done(item=item, actor=request.user, done=done)
    messages.success(request, _("Marked as done.") if done else _("Opened again."))
    target = request.POST.get("next", "")
    if target == "development" and item.development_id:
        return redirect(reverse("developments:development_detail", args=[item.development_id]) + "#measures")
    if target == "meeting":
        return redirect(item.meeting.get_absolute_url())
    return redirect("home")


@require_role(*MEETING_ROLES)
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The user's private iCal address (subscribe in Outlook, Thunderbird, a phone): whether there is one, and a
    button that creates a new one."""
    token = CalendarToken.objects.filter(user=request.user).first()
    return render(request, "meetings/calendar.html", {"token": token})


@require_POST
@require_role(*MEETING_ROLES)
def calendar_reset(request: HttpRequest) -> HttpResponse:
    """A new address, shown in this answer only (the database keeps its hash); the old one stops working."""
    had_one = CalendarToken.objects.filter(user=request.user).exists()
    secret = services.calendar_token_create(user=request.user)
    url = request.build_absolute_uri(reverse("meetings:ical_feed", args=[secret]))
    token = CalendarToken.objects.get(user=request.user)
    return render(request, "meetings/calendar.html", {"token": token, "feed_url": url, "replaced": had_one})


@login_not_required
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The meetings of the token's owner as iCalendar; the token in the URL is the only credential."""
    owner = services.calendar_token_owner(token)
    if owner is None or access.role_of(owner) == Role.NONE:
        raise Http404
    body = calendar.feed(user=owner, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sitzungen.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_role(Role.COORDINATOR)
def series_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a meeting series; its meetings of the next three months are planned on saving."""
    series = MeetingSeries.objects.filter(pk=pk).first() if pk else None
    if pk and series is None:
        raise Http404
    form = SeriesForm(posted(request), instance=series)
    if request.method == "POST" and form.is_valid():
        try:
            saved, planned = services.series_save(actor=request.user, series=series, data=form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "The series is saved; %(count)d meeting was planned.",
                    "The series is saved; %(count)d meetings were planned.",
                    planned,
                )
                % {"count": planned},
            )
            return redirect(reverse("meetings:meeting_list") + f"?body={saved.body}")
    return render(
        request,
        "meetings/series_form.html",
        {"form": form, "series": series},
        status=400 if request.method == "POST" else 200,
    )


@require_role(*MEETING_ROLES)  # the meeting first: 404 if not visible, then 403
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one meeting (date, time, place) or cancel it."""
    meeting = _coordinator_meeting(request, pk)
    local = timezone.localtime(meeting.starts_at)
    initial = {
        "day": local.date(),
        "start": local.time(),
        "end": timezone.localtime(meeting.ends_at).time(),
        "cancelled": meeting.status == Meeting.Status.CANCELLED,
    }
    form = MeetingEditForm(posted(request), instance=meeting, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                meeting=meeting,
                actor=request.user,
                day=data["day"],
                start=data["start"],
                end=data["end"],
                location=data["location"],
                moved_reason=data["moved_reason"],
                cancelled=data["cancelled"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The meeting was changed."))
            return redirect(meeting)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "meeting": meeting},
        status=400 if request.method == "POST" else 200,
    )
