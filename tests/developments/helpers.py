"""Test data for the developments log: Aktionsplan meetings, departments, developments through the services."""

import datetime

from django.utils import timezone

from developments import services
from developments.models import Development
from meetings.models import Body, Meeting
from tests.meetings.factories import MeetingSeriesFactory
from tests.register.helpers import department

NOW = datetime.datetime(2026, 6, 18, 11, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 6, 18)


def action_plan_meeting(
    starts_at: datetime.datetime, *, status=Meeting.Status.PLANNED, body=Body.ACTION_PLAN, series=None
) -> Meeting:
    series = series or MeetingSeriesFactory(body=body, name=f"{body} {starts_at:%Y-%m-%d}")
    return Meeting.objects.create(
        series=series,
        occurrence=timezone.localtime(starts_at).date(),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=90),
        location="Kreishaus, Raum 3.12",
        status=status,
        agenda_due_on=timezone.localtime(starts_at).date() - datetime.timedelta(days=5),
    )


def development_data(**overrides):
    data = {
        "title": "Integrationskurse: geänderte Zulassung",
        "level": Development.Level.FEDERAL,
        "source": "BAMF-Trägerrundschreiben",
        "source_url": "",
        "dated": TODAY - datetime.timedelta(days=10),
        "summary": "Die Zulassung gilt ein Jahr.",
        "affected_groups": "Menschen mit Duldung",
        "concerns_courses": False,
    }
    data.update(overrides)
    return data


def soziales():
    return department("soziales", "Fachdienst Soziales")


def jugend():
    return department("jugend", "Fachdienst Jugend")


def make_development(coordinator, *, departments=None, **overrides) -> Development:
    return services.development_create(
        actor=coordinator,
        data=development_data(**overrides),
        departments=departments if departments is not None else [soziales(), jugend()],
    )
