"""The agenda builder: a snapshot of the live district for a meeting, taken when its agenda is published.

The snapshot is plain JSON (stored in Meeting.agenda_snapshot) so that the agenda, its PDF and the minutes show
the figures the round actually discussed, not today's. It carries no participant names: handovers appear with
their pseudonym code, course wishes as counts with small numbers hidden (the agenda goes to county staff and all
invited providers).

`build_snapshot` makes a fixed number of queries whatever the size of the district (asserted in tests).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from courses.models import Course
from courses.selectors import free_places_matrix, stale_courses_shown
from participants.models import Consent
from participants.selectors import demand as participant_demand
from transitions.models import Handover
from transitions.selectors import ending_courses_all

from .models import ActionItem, AgendaItem, Body, Meeting

# The sections an agenda can have, with the bodies whose default agenda has them. "proposed" is where the items
# proposed for the meeting go, "standing" where the series' own standing items go; the others are filled by the
# builder (figures from live data) or are fixed items (welcome, any other business).
SECTIONS: list[tuple[str, object, frozenset[str]]] = [
    ("welcome", gettext_lazy("Welcome and agenda"), frozenset(Body.values)),
    ("last_minutes", gettext_lazy("Approval of the minutes of the last meeting"), frozenset(Body.values)),
    ("action_items", gettext_lazy("Open action items from earlier meetings"), frozenset(Body.values)),
    ("free_places", gettext_lazy("Free places by level and municipality"), frozenset({Body.PROVIDER_ROUND})),
    ("ending_courses", gettext_lazy("Courses ending soon and follow-ups"), frozenset({Body.PROVIDER_ROUND})),
    ("handovers", gettext_lazy("Handovers by status"), frozenset({Body.PROVIDER_ROUND})),
    ("wishes", gettext_lazy("Unmet course wishes by level and municipality"), frozenset({Body.PROVIDER_ROUND})),
    ("stale_reports", gettext_lazy("Stale free-place reports"), frozenset({Body.PROVIDER_ROUND})),
    ("course_changes", gettext_lazy("New and cancelled courses"), frozenset({Body.PROVIDER_ROUND})),
    (
        "workflows",
        gettext_lazy("Workflows and responsibilities: changed and due for review"),
        frozenset({Body.ALLIANCE}),
    ),
    (
        "developments",
        gettext_lazy("Developments: new, open assessments, overdue measures"),
        frozenset({Body.ACTION_PLAN}),
    ),
    ("proposed", gettext_lazy("Items proposed for this meeting"), frozenset(Body.values)),
    ("standing", gettext_lazy("Standing items of the series"), frozenset(Body.values)),
    ("other", gettext_lazy("Any other business"), frozenset(Body.values)),
]
# Fixed items without figures; "proposed" and "standing" are placeholders for other items.
FIXED = frozenset({"welcome", "other"})
PLACEHOLDERS = frozenset({"proposed", "standing"})
DATA_SECTIONS = frozenset(key for key, _t, _b in SECTIONS) - FIXED - PLACEHOLDERS
HANDOVER_ROWS = 60  # open handovers listed one by one (the rest is counted)
CHANGE_ROWS = 40  # new / cancelled courses listed one by one (the rest is counted)


def section_titles() -> list[tuple[str, object]]:
    return [(key, title) for key, title, _bodies in SECTIONS]


def snapshot_time(meeting: Meeting) -> datetime.datetime | None:
    """When the agenda's figures were taken (None before publishing)."""
    built = (meeting.agenda_snapshot or {}).get("built_at")
    if not built:
        return None
    try:
        return datetime.datetime.fromisoformat(built)
    except ValueError:
        return None


def default_layout(body: str) -> list[str]:
    """The default order: opening, reports and figures, proposed items, standing items, any other business."""
    return [key for key, _title, bodies in SECTIONS if body in bodies]


def layout_for(series) -> list[str]:
    """The series' order of sections (set per series), else the body's default; unknown keys are ignored."""
    known = {key for key, _t, _b in SECTIONS}
    layout = [key for key in (series.agenda_layout or []) if key in known]
    return list(dict.fromkeys(layout)) or default_layout(series.body)


def position_of(series, key: str) -> int:
    """The position of a section in the series' agenda (items sort by it); proposed items take "proposed"'s."""
    layout = layout_for(series)
    if key in layout:
        return (layout.index(key) + 1) * 100
    return (len(layout) + 1) * 100


def sections_for(body: str, series=None) -> list[tuple[str, object]]:
    """The data sections of an agenda in order (those the snapshot fills)."""
    titles = dict(section_titles())
    keys = layout_for(series) if series is not None else default_layout(body)
    return [(key, titles[key]) for key in keys if key in DATA_SECTIONS]


def _d(value: datetime.date | datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _action_items(meeting: Meeting, today: datetime.date) -> dict:
    rows = []
    for item in (
        ActionItem.objects.filter(status=ActionItem.Status.OPEN, meeting__series__body=meeting.series.body)
        .filter(meeting__starts_at__lt=meeting.starts_at)
        .select_related("owner_provider", "owner_user", "owner_department", "meeting")
        .order_by("due_on", "pk")
    ):
        owner = item.owner_label
        rows.append(
            {
                "id": item.pk,
                "title": item.title,
                "owner": owner,
                "due_on": _d(item.due_on),
                "overdue": bool(item.due_on and item.due_on < today),
                "from_meeting": _d(item.meeting.starts_at),
            }
        )
    return {"rows": rows}


def _free_places(today: datetime.date) -> dict:
    """The district overview's matrix (courses.selectors.free_places_matrix: the one rule for free places)."""
    matrix = free_places_matrix(today=today)
    return {
        "levels": [str(cell.level_label) for cell in matrix.column_totals],
        "rows": [
            {"municipality": row.municipality.name, "cells": [cell.free for cell in row.cells], "total": row.free}
            for row in matrix.rows
        ],
        "totals": [cell.free for cell in matrix.column_totals],
        "total": matrix.total_free,
        "courses": matrix.total_courses,
    }


def _ending_courses(today: datetime.date) -> dict:
    weeks = settings.ENDING_COURSE_WEEKS
    rows = [
        {
            "title": course.title,
            "provider": course.provider.name,
            "municipality": course.municipality.name if course.municipality else "",
            "end_date": _d(course.end_date),
            "enrolled": course.enrolled,
            "without_follow_up": course.without_follow_up,
        }
        for course in ending_courses_all(today=today, horizon_days=weeks * 7)
    ]
    return {
        "weeks": weeks,
        "rows": rows[:CHANGE_ROWS],
        "more": max(0, len(rows) - CHANGE_ROWS),
        "total_without": sum(r["without_follow_up"] for r in rows),
    }


def _handovers(today: datetime.date) -> dict:
    """Counts by status; open handovers one by one (pseudonym code) only where the person agreed to be
    discussed in the coordination meeting, the others are counted."""
    counts = dict(Handover.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    open_qs = Handover.objects.filter(status__in=Handover.OPEN_STATUSES)
    meeting_consent = Consent.objects.valid(today).filter(
        participant_id=OuterRef("participant_id"), purpose=Consent.Purpose.MEETING
    )
    rows = []
    for h in (
        open_qs.filter(Exists(meeting_consent))
        .select_related("participant", "from_provider", "to_provider", "to_course")
        .only(
            "status",
            "due_on",
            "wanted_level",
            "participant__code",
            "from_provider__name",
            "to_provider__name",
            "to_course__title",
        )
        .order_by(F("due_on").asc(nulls_last=True), "pk")[:HANDOVER_ROWS]
    ):
        rows.append(
            {
                "code": h.participant.code,
                "from": h.from_provider.name,
                "to": h.to_course.title if h.to_course else (h.get_wanted_level_display() or "–"),
                "to_provider": h.to_provider.name if h.to_provider else "",
                "status": str(h.get_status_display()),
                "due_on": _d(h.due_on),
                "overdue": bool(h.due_on and h.due_on < today),
            }
        )
    # Overdue first, then by due date (the query is ordered by due date already).
    rows.sort(key=lambda r: (not r["overdue"],))
    open_count = sum(counts.get(s, 0) for s in Handover.OPEN_STATUSES)
    return {
        "counts": [
            {"status": status, "label": str(label), "count": counts.get(status, 0)}
            for status, label in Handover.Status.choices
        ],
        "rows": rows,
        "more": max(0, open_count - len(rows)),
        "overdue": open_qs.filter(due_on__lt=today).count(),
    }


def _wishes() -> dict:
    """The demand page's matrix as county staff see it (participants.selectors.demand: small numbers hidden)."""
    demand = participant_demand(always_suppress=True)
    return {
        "levels": [str(label) for _level, label in demand["levels"]],
        "rows": [
            {"municipality": row["municipality"].name, "cells": row["cells"], "total": row["total"]}
            for row in demand["rows"]
        ],
        "totals": demand["totals"],
        "total": demand["total"],
        "limit": demand["limit"],
    }


def _stale_reports() -> dict:
    """The district overview's stale reports (courses.selectors.stale_courses_shown: the one list), and how many
    more there are."""
    rows = [
        {
            "provider": course.provider.name,
            "course": course.title,
            "reported_at": _d(course.places_reported_at),
        }
        for course in stale_courses_shown()
    ]
    return {
        "days": settings.STALE_REPORT_DAYS,
        "rows": rows,
        "more": max(0, Course.objects.stale().count() - len(rows)),
    }


def _course_changes(since: datetime.date) -> dict:
    new, cancelled = [], []
    for course in (
        Course.objects.filter(
            (Q(created_at__date__gte=since) & ~Q(status=Course.Status.CANCELLED))
            | Q(status=Course.Status.CANCELLED, cancelled_at__date__gte=since)
        )
        .select_related("provider")
        .order_by("start_date", "title")
    ):
        row = {
            "title": course.title,
            "provider": course.provider.name,
            "start_date": _d(course.start_date),
            "level": f"{course.get_level_from_display()}–{course.get_level_to_display()}",
        }
        if course.status == Course.Status.CANCELLED:
            cancelled.append({**row, "reason": course.cancel_reason})
        else:
            new.append(row)
    return {
        "since": _d(since),
        "new": new[:CHANGE_ROWS],
        "new_more": max(0, len(new) - CHANGE_ROWS),
        "cancelled": cancelled[:CHANGE_ROWS],
        "cancelled_more": max(0, len(cancelled) - CHANGE_ROWS),
    }


def _last_minutes(meeting: Meeting) -> dict:
    """The previous meeting of the series, whether its minutes are final (the round approves them)."""
    previous = (
        Meeting.objects.filter(series=meeting.series, starts_at__lt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-starts_at")
        .only("pk", "starts_at", "status")
        .first()
    )
    if previous is None:
        return {"date": None, "final": False, "url": ""}
    return {
        "date": _d(previous.starts_at),
        "final": previous.status == Meeting.Status.FINAL,
        "url": previous.get_absolute_url(),
    }


def previous_meeting_date(meeting: Meeting) -> datetime.date | None:
    previous = (
        Meeting.objects.filter(series=meeting.series, starts_at__lt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localtime(previous).date() if previous else None


def previous_agenda_time(meeting: Meeting) -> datetime.datetime | None:
    """When the previous meeting's agenda took its figures (published; else that meeting's start): what came
    later is new for this agenda."""
    previous = (
        Meeting.objects.filter(series=meeting.series, starts_at__lt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-starts_at")
        .values_list("agenda_published_at", "starts_at")
        .first()
    )
    if previous is None:
        return None
    published, starts = previous
    return published or starts


def build_snapshot(meeting: Meeting, *, today: datetime.date | None = None) -> dict:
    """The live figures for the meeting's generated sections, in German (the agenda's language)."""
    today = today or timezone.localdate()
    body = meeting.series.body
    with translation.override(settings.LANGUAGE_CODE):
        sections: dict[str, dict] = {}
        for key, _title in sections_for(body, meeting.series):
            if key == "last_minutes":
                sections[key] = _last_minutes(meeting)
            elif key == "action_items":
                sections[key] = _action_items(meeting, today)
            elif key == "workflows":
                # The register's own selector: what changed since the previous agenda, what is due for review.
                from register.selectors import workflows_for_agenda

                sections[key] = workflows_for_agenda(since=previous_agenda_time(meeting), today=today)
            elif key == "developments":
                # The log's own selector: new since the previous agenda, open assessments, overdue measures.
                from developments.selectors import developments_for_agenda

                sections[key] = developments_for_agenda(since=previous_agenda_time(meeting), today=today)
            elif key == "free_places":
                sections[key] = _free_places(today)
            elif key == "ending_courses":
                sections[key] = _ending_courses(today)
            elif key == "handovers":
                sections[key] = _handovers(today)
            elif key == "wishes":
                sections[key] = _wishes()
            elif key == "stale_reports":
                sections[key] = _stale_reports()
            elif key == "course_changes":
                since = previous_meeting_date(meeting) or (today - datetime.timedelta(days=31))
                sections[key] = _course_changes(since)
    return {"built_at": timezone.now().isoformat(), "today": today.isoformat(), "sections": sections}


def ensure_standing_items(meeting: Meeting) -> None:
    """Create the items of a meeting's layout once (safe to call again): fixed and data sections, and the series'
    standing items at the place of "standing"."""
    series = meeting.series
    existing = set(meeting.items.exclude(section="").values_list("section", flat=True))
    titles = dict(section_titles())
    new = []
    with translation.override(settings.LANGUAGE_CODE):
        for key in layout_for(series):
            position = position_of(series, key)
            if key == "standing":
                for i, title in enumerate(series.section_titles, start=1):
                    if f"default-{i}" not in existing:
                        new.append(
                            AgendaItem(
                                meeting=meeting,
                                position=position + i,
                                kind=AgendaItem.Kind.DEFAULT,
                                section=f"default-{i}",
                                title=title,
                            )
                        )
            elif key != "proposed" and key not in existing:
                kind = AgendaItem.Kind.DEFAULT if key in FIXED else AgendaItem.Kind.GENERATED
                new.append(
                    AgendaItem(meeting=meeting, position=position, kind=kind, section=key, title=str(titles[key]))
                )
    AgendaItem.objects.bulk_create(new, ignore_conflicts=True)


def agenda_context(meeting: Meeting) -> dict:
    """What the agenda page, its print view and the agenda/minutes PDFs show: one context for all of them."""
    from . import charts

    snapshot = meeting.agenda_snapshot or {}
    return {
        "meeting": meeting,
        "series": meeting.series,
        "county": settings.COUNTY_NAME,
        "letterhead": settings.LETTERHEAD,
        "items": agenda_items(meeting),
        "snapshot": snapshot,
        "snapshot_at": snapshot_time(meeting),
        "charts": charts.charts_for(snapshot.get("sections", {})),
    }


def agenda_items(meeting: Meeting) -> list[AgendaItem]:
    """The agenda in the series' order; proposed items at the place of "proposed", in the order they came in.

    Before publishing, the fixed and data items do not exist yet: the agenda then shows the proposed items."""
    items = list(meeting.items.select_related("proposed_by", "proposed_by_provider", "minutes"))
    proposed_at = position_of(meeting.series, "proposed")

    def place(item: AgendaItem) -> tuple:
        if item.kind == AgendaItem.Kind.PROPOSED:
            return (proposed_at, 1, item.created_at, item.pk)
        return (item.position, 0, item.created_at, item.pk)

    ordered = sorted(items, key=place)
    snapshot = (meeting.agenda_snapshot or {}).get("sections", {})
    titles = {key: title for key, title, _bodies in SECTIONS}
    for number, item in enumerate(ordered, start=1):
        item.number = number
        item.entry = getattr(item, "minutes", None)  # the minutes entry, or None (no query: select_related)
        item.data = snapshot.get(item.section) if item.kind == AgendaItem.Kind.GENERATED else None
        if item.section in titles:
            item.title = str(titles[item.section])  # in the reader's language
    return ordered
