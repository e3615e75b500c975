"""The meeting planner: turns a series' recurrence rule into planned meetings for the coming months.

Holiday policy (what a county coordinator expects: nobody meets on a public holiday):

- A rule date that is a public holiday in Lower Saxony (``holidays.Germany(subdiv="NI")``), or 24 or 31 December
  (offices in the county are closed in practice), is not a meeting day.
- The meeting then moves one week later, to the same weekday; if that day is not a meeting day either, another
  week, and so on. Example: the last Friday of December 2026 is Christmas Day (25.12.), one week later is New
  Year's Day (01.01.2027), so the meeting takes place on Friday 08.01.2027.
- Moving out of the month (even out of the year) is accepted: the meeting keeps the rule date as its
  ``occurrence``, so it still is "the December meeting" and cannot be confused with the next occurrence. It
  never reaches the next occurrence either: holidays on the same weekday in consecutive weeks come at most twice
  in a row (24./31. December, 25. December/1. January), which moves a meeting by at most two weeks, while the
  next occurrence of a monthly rule is at least four weeks later.
- ``moved_reason`` says why, in the language active while planning (German for the management command and the
  Celery worker, which run with ``LANGUAGE_CODE = "de"``).

Planning never touches a meeting that exists already (a coordinator may have moved or cancelled it by hand); it
only adds the missing ones. The unique constraint ``meeting_one_per_occurrence`` makes two runs at the same time
safe: the slower one finds the row the faster one inserted and moves on.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, rrule, weekday
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .models import Meeting, MeetingSeries

# Days that are not public holidays but on which the county does not hold meetings.
NON_MEETING_DAYS = {
    (12, 24): gettext_lazy("Christmas Eve"),
    (12, 31): gettext_lazy("New Year's Eve"),
}
# Safety net for the move loop; in practice a meeting moves at most two weeks (see the module docstring).
MAX_MOVE_WEEKS = 8


def occurrences(series: MeetingSeries, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The dates the series' rule gives in [start, end] (both included), before any holiday move."""
    if end < start:
        return []
    rule = rrule(
        MONTHLY,
        interval=series.interval_months,
        byweekday=weekday(series.weekday, series.week_of_month),
        dtstart=datetime.datetime.combine(series.first_month.replace(day=1), datetime.time()),
    )
    found = rule.between(
        datetime.datetime.combine(start, datetime.time()), datetime.datetime.combine(end, datetime.time()), inc=True
    )
    return [moment.date() for moment in found]


def meeting_date(series: MeetingSeries, occurrence: datetime.date) -> tuple[datetime.date, str]:
    """The day the meeting of ``occurrence`` takes place, and why it was moved ("" when it was not).

    A public holiday in Lower Saxony, 24 or 31 December moves the meeting one week later (same weekday), as
    often as needed; see the module docstring for the whole policy.
    """
    day = occurrence
    reasons: list[str] = []
    for _week in range(MAX_MOVE_WEEKS):
        blocked = _blocked(day)
        if blocked is None:
            break
        is_public_holiday, name = blocked
        values = {"date": formats.date_format(day, "SHORT_DATE_FORMAT"), "name": name}
        if reasons:
            reasons.append(_("%(date)s is skipped as well (%(name)s).") % values)
        elif is_public_holiday:
            reasons.append(_("Moved: %(date)s is a public holiday (%(name)s).") % values)
        else:
            reasons.append(_("Moved: %(date)s is not a meeting day (%(name)s).") % values)
        day += datetime.timedelta(weeks=1)
    reason = " ".join(reasons)
    max_length = Meeting._meta.get_field("moved_reason").max_length
    return day, reason[:max_length]


def plan_series(series: MeetingSeries, today: datetime.date | None = None, months: int = 3) -> int:
    """Create the missing meetings of one active series for the next ``months`` months; return how many.

    Planned are the occurrences up to ``today + months`` whose meeting day (after a holiday move) is today or
    later, so a meeting moved past ``today`` is planned even when its rule date has gone by. Existing meetings
    are left exactly as they are. The count is exact, also when another run plans the same series at the same
    time: a meeting the other run inserted first is not counted here.
    """
    if not series.active:
        return 0
    today = today or timezone.localdate()
    end = today + relativedelta(months=months)
    candidates = occurrences(series, today - datetime.timedelta(weeks=MAX_MOVE_WEEKS), end)
    existing = set(
        Meeting.objects.filter(series=series, occurrence__in=candidates).values_list("occurrence", flat=True)
    )
    created = 0
    for occurrence in candidates:
        if occurrence in existing:
            continue
        day, reason = meeting_date(series, occurrence)
        if day < today:
            continue
        if _create_meeting(series, occurrence, day, reason):
            created += 1
    return created


def plan_all(today: datetime.date | None = None) -> int:
    """Plan the coming three months of every active series; return how many meetings were created."""
    today = today or timezone.localdate()
    return sum(plan_series(series, today=today) for series in MeetingSeries.objects.filter(active=True))


def _create_meeting(series: MeetingSeries, occurrence: datetime.date, day: datetime.date, reason: str) -> bool:
    """Insert the meeting unless a concurrent run did; True when this call inserted it."""
    starts_at = _aware(day, series.start_time)
    try:
        # A savepoint of its own, so a lost race does not break a transaction the caller may have open.
        with transaction.atomic():
            Meeting.objects.create(
                series=series,
                occurrence=occurrence,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(minutes=series.duration_minutes),
                location=series.location,
                moved_reason=reason,
                agenda_due_on=day - datetime.timedelta(days=series.agenda_lead_days),
            )
    except IntegrityError:
        # Only a lost race is expected here; any other violated constraint is a real error.
        if Meeting.objects.filter(series=series, occurrence=occurrence).exists():
            return False
        raise
    return True


def _aware(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """``time`` on ``day`` as the county's wall clock shows it (settings.TIME_ZONE, Europe/Berlin)."""
    return timezone.make_aware(datetime.datetime.combine(day, time), timezone.get_default_timezone())


def _blocked(day: datetime.date) -> tuple[bool, str] | None:
    """(is a public holiday, its name) when no meeting takes place on ``day``, else None."""
    name = _public_holidays(day.year, _holiday_language()).get(day)
    if name is not None:
        return True, name
    eve = NON_MEETING_DAYS.get((day.month, day.day))
    if eve is not None:
        return False, str(eve)
    return None


def _holiday_language() -> str:
    return "de" if (get_language() or settings.LANGUAGE_CODE).startswith("de") else "en_US"


@lru_cache(maxsize=32)
def _public_holidays(year: int, language: str) -> holidays.HolidayBase:
    return holidays.Germany(subdiv="NI", years=year, language=language)
