"""Demo meetings for the three bodies (called by `seed_demo`; idempotent).

- the monthly provider round (first Tuesday, 10:00, Kreishaus Diepholz) with every demo provider invited;
- the Aktionsbündnis Integration every three months (second Wednesday, 14:00);
- the internal Aktionsplan Integration round of the county's departments (third Thursday, 9:00).
Each series gets its past meeting with final minutes, attendance and action items (some still open, one for the
demo VHS), and the coming three months are planned; the next agenda is published if its day has come.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from courses.models import Provider

from . import agenda, planning, services
from .models import ActionItem, AgendaItem, Attendance, Body, Meeting, MeetingSeries, MinutesEntry
from .pdf import AGENDA_PDF, MINUTES_PDF

SERIES = [
    {
        "name": "Trägerrunde Sprachkurse",
        "body": Body.PROVIDER_ROUND,
        "week_of_month": 1,
        "weekday": 1,
        "interval_months": 1,
        "start_time": datetime.time(10, 0),
        "duration_minutes": 120,
        "location": "Kreishaus Diepholz, Niedersachsenstraße 2, Sitzungsraum 1",
        "agenda_lead_days": 7,
        "default_sections": "Berichte der Träger",
    },
    {
        "name": "Aktionsbündnis Integration",
        "body": Body.ALLIANCE,
        "week_of_month": 2,
        "weekday": 2,
        "interval_months": 3,
        "start_time": datetime.time(14, 0),
        "duration_minutes": 150,
        "location": "Kreishaus Diepholz, Großer Sitzungssaal",
        "agenda_lead_days": 14,
        "default_sections": ("Berichte aus den Arbeitsgruppen (Sprache, Arbeit, Wohnen, Ehrenamt)"),
    },
    {
        "name": "Aktionsplan Integration (intern)",
        "body": Body.ACTION_PLAN,
        "week_of_month": 3,
        "weekday": 3,
        "interval_months": 1,
        "start_time": datetime.time(9, 0),
        "duration_minutes": 90,
        "location": "Kreishaus Diepholz, Besprechungsraum 3.12",
        "agenda_lead_days": 5,
        "default_sections": (
            "Fachdienst Jugend\nFachdienst Soziales\nFachdienst Gesundheit\nFachdienst Öffentliche Ordnung\n"
            "Fachdienst Schule\nWirtschaftsförderung"
        ),
    },
]

PAST_MINUTES = {
    "Berichte der Träger": (
        "Die Träger berichten über die Belegung ihrer Kurse. In Sulingen und Syke sind Plätze frei, "
        "in Diepholz gibt es eine Warteliste für Alphabetisierungskurse.",
        "Die Volkshochschule prüft einen zusätzlichen Alphabetisierungskurs in Diepholz.",
    ),
}
ACTIONS = {
    Body.PROVIDER_ROUND: [
        ("Zusätzlichen Alphabetisierungskurs in Diepholz prüfen", "Volkshochschule Hunte-Weser (Demo)", 14, False),
        ("Freie Plätze aller Kurse bis zur nächsten Sitzung melden", "Lernhaus Dümmer gGmbH", 21, False),
        ("Kinderbetreuung für den Abendkurs in Weyhe klären", "Volkshochschule Hunte-Weser (Demo)", 7, True),
    ],
    Body.ALLIANCE: [
        (
            "Ablauf „Ankommen im Landkreis“ mit den Beratungsstellen abstimmen",
            "Jugendmigrationsdienst Südkreis (Demo)",
            30,
            False,
        ),
        (
            "Ehrenamtliche Sprachpatenschaften im Nordkreis bekannt machen",
            "Volkshochschule Hunte-Weser (Demo)",
            45,
            False,
        ),
    ],
}


def _months_back(day: datetime.date, months: int) -> datetime.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    return datetime.date(year, (month - 1) % 12 + 1, 1)


@transaction.atomic
def seed_meetings(*, today: datetime.date | None = None, publish: bool = True) -> int:
    today = today or timezone.localdate()
    User = get_user_model()
    coordinator = User.objects.filter(username="koordination").first()
    county = User.objects.filter(username="kreis").first()
    providers = list(Provider.objects.filter(active=True))
    created = 0
    for spec in SERIES:
        values = {k: v for k, v in spec.items() if k != "name"}
        series, _ = MeetingSeries.objects.update_or_create(
            name=spec["name"], defaults={**values, "first_month": _months_back(today, 6)}
        )
        if series.body == Body.ACTION_PLAN:
            series.invited_providers.clear()
        else:
            series.invited_providers.set(providers)
        series.invited_users.set([u for u in (coordinator, county) if u])
        # The two previous meetings, held and with final minutes (only created once); decisions of the register
        # and the developments log refer to them. Action items come from the latest one.
        previous = planning.occurrences(
            series, _months_back(today, 2 * series.interval_months + 1), today - datetime.timedelta(days=1)
        )
        for occurrence in previous[-2:]:
            created += _seed_past_meeting(series, occurrence, coordinator, actions=occurrence == previous[-1])
    created += planning.plan_all(today=today)
    if publish:  # seed_demo publishes after the register is seeded, so the agendas list its changes
        services.agenda_publish_due(today=today)
    return created


def _seed_past_meeting(series: MeetingSeries, occurrence: datetime.date, coordinator, *, actions: bool) -> int:
    day, reason = planning.meeting_date(series, occurrence)
    tz = timezone.get_current_timezone()
    starts = datetime.datetime.combine(day, series.start_time, tzinfo=tz)
    meeting, created = Meeting.objects.get_or_create(
        series=series,
        occurrence=occurrence,
        defaults={
            "starts_at": starts,
            "ends_at": starts + datetime.timedelta(minutes=series.duration_minutes),
            "location": series.location,
            "moved_reason": reason,
            "agenda_due_on": day - datetime.timedelta(days=series.agenda_lead_days),
        },
    )
    if not created:
        return 0
    # The agenda as it was published then (figures of today stand in for the figures of that day).
    agenda.ensure_standing_items(meeting)
    now = timezone.now()
    meeting.agenda_snapshot = agenda.build_snapshot(
        meeting, today=day - datetime.timedelta(days=series.agenda_lead_days)
    )
    for item in meeting.items.all():
        notes, decisions = PAST_MINUTES.get(item.title, ("", ""))
        if notes:
            MinutesEntry.objects.create(item=item, notes=notes, decisions=decisions, updated_by=coordinator)
    # Every invitee has an attendance entry: most were there, every fourth provider sent apologies, every seventh
    # did not come.
    for index, provider in enumerate(series.invited_providers.order_by("name")):
        status = (
            Attendance.Status.ABSENT
            if index % 7 == 6
            else Attendance.Status.EXCUSED
            if index % 4 == 3
            else Attendance.Status.PRESENT
        )
        Attendance.objects.create(meeting=meeting, provider=provider, status=status)
    for user in series.invited_users.all():
        Attendance.objects.create(meeting=meeting, user=user, status=Attendance.Status.PRESENT)
    actions = ACTIONS.get(series.body, []) if actions else []
    if actions:
        by_name = {p.name: p for p in Provider.objects.filter(name__in=[a[1] for a in actions])}
        reports = meeting.items.filter(kind=AgendaItem.Kind.DEFAULT).order_by("position").first()
        for title, provider_name, due_days, done in actions:
            provider = by_name.get(provider_name)
            if provider is None:
                continue
            ActionItem.objects.create(
                meeting=meeting,
                item=reports,
                title=title,
                owner_provider=provider,
                due_on=day + datetime.timedelta(days=due_days),
                status=ActionItem.Status.DONE if done else ActionItem.Status.OPEN,
                done_at=now if done else None,
                created_by=coordinator,
            )
    meeting.agenda_published_at = starts - datetime.timedelta(days=series.agenda_lead_days)
    meeting.invitations_sent_at = meeting.agenda_published_at
    # Minutes are finalised two days after the meeting, never in the future: a meeting of the last two days is
    # held, its minutes still being written.
    finalised = starts + datetime.timedelta(days=2)
    if finalised <= now:
        meeting.status = Meeting.Status.FINAL
        meeting.minutes_finalised_at = finalised
        meeting.minutes_finalised_by = coordinator
        meeting.minutes_sent_at = finalised
    else:
        meeting.status = Meeting.Status.HELD
    # The PDFs of the demo's past meetings are made by the worker once `make run` is up (the sweep).
    meeting.agenda_pdf_state = Meeting.FileState.PENDING
    meeting.agenda_pdf_requested_at = now - services.PENDING_GRACE
    if meeting.status == Meeting.Status.FINAL:
        meeting.minutes_pdf_state = Meeting.FileState.PENDING
        meeting.minutes_pdf_requested_at = now - services.PENDING_GRACE
    meeting.save()
    services._enqueue(AGENDA_PDF.task, meeting.pk)
    if meeting.status == Meeting.Status.FINAL:
        services._enqueue(MINUTES_PDF.task, meeting.pk)
    return 1
