"""iCalendar feed of a user's meetings (icalendar library)."""

from __future__ import annotations

import datetime

import icalendar
from django.conf import settings
from django.utils import timezone

from . import selectors
from .models import Meeting

FEED_PAST_DAYS = 180


def feed(*, user, base_url: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Landkreis Diepholz//Sprachkurskoordination//DE")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{settings.COUNTY_NAME}: Sitzungen")
    since = timezone.now() - datetime.timedelta(days=FEED_PAST_DAYS)
    for meeting in (
        selectors.meetings_visible_to(user=user)
        .filter(starts_at__gte=since)
        .select_related("series")
        .order_by("starts_at")
    ):
        event = icalendar.Event()
        event.add("uid", f"meeting-{meeting.pk}@diepholz-kurse")
        event.add("summary", meeting.series.name)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("dtstamp", timezone.now())
        # Calendar programs take a changed LAST-MODIFIED/SEQUENCE as "this event was moved".
        event.add("last-modified", meeting.updated_at)
        event.add("sequence", int(meeting.updated_at.timestamp()) // 60 % 100000)
        event.add("location", meeting.location)
        event.add("url", f"{base_url}{meeting.get_absolute_url()}")
        if meeting.status == Meeting.Status.CANCELLED:
            event.add("status", "CANCELLED")
        else:
            event.add("status", "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
