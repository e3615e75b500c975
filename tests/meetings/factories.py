"""Factories for the meetings app (kept apart from tests/factories.py, which other apps' tests share)."""

import datetime

import factory

from meetings.models import Body, MeetingSeries


class MeetingSeriesFactory(factory.django.DjangoModelFactory):
    """A monthly series, "first Tuesday of the month, 10:00", starting January 2026."""

    class Meta:
        model = MeetingSeries

    body = Body.PROVIDER_ROUND
    name = factory.Sequence(lambda n: f"Abstimmungsgespräch {n}")
    week_of_month = 1
    weekday = 1
    interval_months = 1
    first_month = datetime.date(2026, 1, 1)
    start_time = datetime.time(10, 0)
    duration_minutes = 120
    location = "Kreishaus Diepholz, Raum 101"
    agenda_lead_days = 7
