"""Reads of meetings, always scoped by the acting user.

Coordinator and county staff see every meeting (county staff read and print agendas and minutes). Provider
staff see the meetings of series their provider is invited to; anybody invited by name sees that series.
Everybody else gets 404 for a meeting ("it does not exist for you").
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from diepholz_coord import access

from .models import ActionItem, Body, Meeting, MeetingSeries


def series_visible_to(*, user) -> QuerySet[MeetingSeries]:
    qs = MeetingSeries.objects.all()
    if access.sees_whole_district(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    provider_ids = access.provider_ids_for(user)
    invited_provider = MeetingSeries.invited_providers.through.objects.filter(
        meetingseries_id=OuterRef("pk"), provider_id__in=provider_ids
    )
    invited_user = MeetingSeries.invited_users.through.objects.filter(meetingseries_id=OuterRef("pk"), user_id=user.pk)
    # The Aktionsplan Integration is the county's internal round: never visible outside the county roles.
    return qs.filter(Q(Exists(invited_provider)) | Q(Exists(invited_user))).exclude(body=Body.ACTION_PLAN)


def meetings_visible_to(*, user) -> QuerySet[Meeting]:
    """The meetings of visible series, and those where the user's provider was given an action item."""
    if access.sees_whole_district(user):
        return Meeting.objects.all()
    if not user.is_authenticated:
        return Meeting.objects.none()
    owns_action = ActionItem.objects.filter(meeting_id=OuterRef("pk")).filter(
        Q(owner_provider_id__in=access.provider_ids_for(user)) | Q(owner_user_id=user.pk)
    )
    return Meeting.objects.filter(Q(series__in=series_visible_to(user=user)) | Q(Exists(owns_action))).exclude(
        series__body=Body.ACTION_PLAN
    )


def meeting_get_for_user(*, user, pk: int) -> Meeting:
    meeting = meetings_visible_to(user=user).select_related("series").filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


def series_get_for_user(*, user, pk: int) -> MeetingSeries:
    series = series_visible_to(user=user).filter(pk=pk).first()
    if series is None:
        raise Http404
    return series


def may_edit_meeting(user) -> bool:
    """Minutes, attendance, action items, publishing: the coordinator runs the meetings."""
    return access.is_coordinator(user)


def may_propose_item(user, meeting: Meeting) -> bool:
    """The coordinator and invited providers' staff propose agenda items until the minutes are final."""
    if meeting.status in (Meeting.Status.FINAL, Meeting.Status.CANCELLED):
        return False
    return access.is_coordinator(user) or access.role_of(user) in access.PROVIDER_ROLES


def _owned_by(user) -> Q:
    """Action items the user answers for: their providers', their departments' and their own."""
    return (
        Q(owner_provider_id__in=access.provider_ids_for(user))
        | Q(owner_department__members=user)
        | Q(owner_user_id=user.pk)
    )


def open_action_items_for_provider(*, user) -> QuerySet[ActionItem]:
    """The open action items of the user's providers or departments (start page), plus those assigned to them."""
    return (
        ActionItem.objects.filter(status=ActionItem.Status.OPEN)
        .filter(_owned_by(user))
        .distinct()
        .select_related("meeting__series", "owner_provider", "owner_department", "owner_user")
        .order_by(models.F("due_on").asc(nulls_last=True), "pk")
    )


def next_meetings_by_body(*, user, now: datetime.datetime | None = None) -> list[Meeting]:
    """The next meeting of each body the user sees (not cancelled), soonest first, with its agenda due date.
    One query (the planned meetings of the coming months; a handful per series)."""
    from .models import Body

    now = now or timezone.now()
    found: dict[str, Meeting] = {}
    upcoming = (
        meetings_visible_to(user=user)
        .exclude(status=Meeting.Status.CANCELLED)
        .filter(ends_at__gte=now)
        .select_related("series")
        .order_by("starts_at", "pk")
    )
    for meeting in upcoming:
        found.setdefault(meeting.series.body, meeting)
        if len(found) == len(Body.values):
            break
    return sorted(found.values(), key=lambda m: m.starts_at)


def open_action_items(*, limit: int = 10) -> tuple[int, list[ActionItem]]:
    """All open action items (the coordinator's start page): how many, and the first by due date. Two queries."""
    items = ActionItem.objects.filter(status=ActionItem.Status.OPEN)
    first = list(
        items.select_related("meeting__series", "owner_provider", "owner_user", "owner_department").order_by(
            models.F("due_on").asc(nulls_last=True), "pk"
        )[:limit]
    )
    return items.count(), first


def action_item_get_for_owner(*, user, pk: int) -> ActionItem:
    """An action item the user may mark done: the coordinator's, or one owned by the user or their provider."""
    qs = ActionItem.objects.select_related("meeting")
    if not access.is_coordinator(user):
        qs = qs.filter(_owned_by(user)).distinct()
    item = qs.filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


# A past meeting whose minutes are not final stays in the default list this long (minutes come days later).
RECENT_OPEN_DAYS = 60
LIST_LIMIT = 200


def meeting_list(*, user, body: str = "", past: bool = False) -> list[Meeting]:
    """Upcoming meetings (and recent ones with open minutes) or, with past=True, the past ones, newest first."""
    meetings = meetings_visible_to(user=user).select_related("series")
    if body:
        meetings = meetings.filter(series__body=body)
    now = timezone.now()
    if past:
        meetings = meetings.filter(starts_at__lt=now).order_by("-starts_at")
    else:
        recent = now - datetime.timedelta(days=RECENT_OPEN_DAYS)
        meetings = meetings.filter(
            Q(ends_at__gte=now - datetime.timedelta(days=1))
            | Q(starts_at__gte=recent, status__in=[Meeting.Status.PUBLISHED, Meeting.Status.HELD])
        ).order_by("starts_at")
    return list(meetings[:LIST_LIMIT])


def invitees(meeting: Meeting) -> list[tuple[str, Any]]:
    """("provider", Provider) and ("user", User) pairs of a meeting's series, in a stable order."""
    series = meeting.series
    pairs: list[tuple[str, Any]] = [("provider", p) for p in series.invited_providers.order_by("name")]
    pairs += [("user", u) for u in series.invited_users.order_by("last_name", "first_name", "username")]
    return pairs


def recipients(meeting: Meeting) -> list[str]:
    """E-mail addresses of the invitees: invited people and invited providers (their address, else admins)."""
    series = meeting.series
    addresses = {u.email for u in series.invited_users.all() if u.email and u.is_active}
    for provider in series.invited_providers.filter(active=True).prefetch_related("memberships__user"):
        if provider.email:
            addresses.add(provider.email)
        else:
            addresses.update(
                m.user.email
                for m in provider.memberships.all()
                if m.role == "admin" and m.user.email and m.user.is_active
            )
    return sorted(addresses)


def recipient_counts(meeting: Meeting) -> dict[str, int]:
    """Who gets the agenda: addresses in all, invited providers and invited people (the publishing question)."""
    series = meeting.series
    return {
        "addresses": len(recipients(meeting)),
        "providers": series.invited_providers.filter(active=True).count(),
        "people": series.invited_users.filter(is_active=True).count(),
    }


def invitee_name(kind: str, obj) -> str:
    return obj.name if kind == "provider" else (obj.get_full_name() or obj.username)


def has_begun(meeting: Meeting, *, now: datetime.datetime | None = None) -> bool:
    """Attendance, minutes and finalising belong to a meeting that has begun; before, it is preparation."""
    return meeting.starts_at <= (now or timezone.now())


def attendance_rows(meeting: Meeting) -> list[dict]:
    """One row per invitee with the recorded attendance (or none yet): page, print view and minutes PDF."""
    recorded = {
        (("provider", a.provider_id) if a.provider_id else ("user", a.user_id)): a for a in meeting.attendance.all()
    }
    rows = []
    for kind, obj in invitees(meeting):
        record = recorded.get((kind, obj.pk))
        name = invitee_name(kind, obj)
        rows.append(
            {"kind": kind, "obj": obj, "name": name, "status": record.status if record else "", "record": record}
        )
    return rows
