"""The meeting planner: rule dates, holiday moves in Lower Saxony, idempotent and concurrent planning."""

import datetime
import threading
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from meetings.models import Meeting
from meetings.planning import meeting_date, occurrences, plan_all, plan_series

from ..required import require_postgres
from .factories import MeetingSeriesFactory

D = datetime.date
BERLIN = ZoneInfo("Europe/Berlin")
UTC = datetime.UTC

# Monday=0 … Friday=4; week_of_month -1 = last.
MON, TUE, WED, THU, FRI = range(5)

# (rule, series fields, {rule date: meeting date}) for every occurrence from January through December 2026,
# worked out by hand from the 2026 calendar and the Lower Saxony holidays: 01.01. New Year, 03.04. Good Friday,
# 06.04. Easter Monday, 01.05. Labour Day, 14.05. Ascension, 25.05. Whit Monday, 03.10. and 31.10. (Saturdays),
# 25./26.12. Christmas; plus 24.12. and 31.12., which are no meeting days.
PLANS_2026 = [
    (
        "first Tuesday, monthly: no holiday falls on one",
        {"week_of_month": 1, "weekday": TUE},
        {
            D(2026, 1, 6): D(2026, 1, 6),
            D(2026, 2, 3): D(2026, 2, 3),
            D(2026, 3, 3): D(2026, 3, 3),
            D(2026, 4, 7): D(2026, 4, 7),
            D(2026, 5, 5): D(2026, 5, 5),
            D(2026, 6, 2): D(2026, 6, 2),
            D(2026, 7, 7): D(2026, 7, 7),
            D(2026, 8, 4): D(2026, 8, 4),
            D(2026, 9, 1): D(2026, 9, 1),
            D(2026, 10, 6): D(2026, 10, 6),
            D(2026, 11, 3): D(2026, 11, 3),
            D(2026, 12, 1): D(2026, 12, 1),
        },
    ),
    (
        "first Thursday, monthly: New Year's Day moves January",
        {"week_of_month": 1, "weekday": THU},
        {
            D(2026, 1, 1): D(2026, 1, 8),
            D(2026, 2, 5): D(2026, 2, 5),
            D(2026, 3, 5): D(2026, 3, 5),
            D(2026, 4, 2): D(2026, 4, 2),
            D(2026, 5, 7): D(2026, 5, 7),
            D(2026, 6, 4): D(2026, 6, 4),
            D(2026, 7, 2): D(2026, 7, 2),
            D(2026, 8, 6): D(2026, 8, 6),
            D(2026, 9, 3): D(2026, 9, 3),
            D(2026, 10, 1): D(2026, 10, 1),
            D(2026, 11, 5): D(2026, 11, 5),
            D(2026, 12, 3): D(2026, 12, 3),
        },
    ),
    (
        "last Monday, monthly: Whit Monday moves May into June",
        {"week_of_month": -1, "weekday": MON},
        {
            D(2026, 1, 26): D(2026, 1, 26),
            D(2026, 2, 23): D(2026, 2, 23),
            D(2026, 3, 30): D(2026, 3, 30),
            D(2026, 4, 27): D(2026, 4, 27),
            D(2026, 5, 25): D(2026, 6, 1),
            D(2026, 6, 29): D(2026, 6, 29),
            D(2026, 7, 27): D(2026, 7, 27),
            D(2026, 8, 31): D(2026, 8, 31),
            D(2026, 9, 28): D(2026, 9, 28),
            D(2026, 10, 26): D(2026, 10, 26),
            D(2026, 11, 30): D(2026, 11, 30),
            D(2026, 12, 28): D(2026, 12, 28),
        },
    ),
    (
        "last Friday, monthly: Christmas Day, then New Year's Day, so December meets on 8 January 2027",
        {"week_of_month": -1, "weekday": FRI},
        {
            D(2026, 1, 30): D(2026, 1, 30),
            D(2026, 2, 27): D(2026, 2, 27),
            D(2026, 3, 27): D(2026, 3, 27),
            D(2026, 4, 24): D(2026, 4, 24),
            D(2026, 5, 29): D(2026, 5, 29),
            D(2026, 6, 26): D(2026, 6, 26),
            D(2026, 7, 31): D(2026, 7, 31),
            D(2026, 8, 28): D(2026, 8, 28),
            D(2026, 9, 25): D(2026, 9, 25),
            D(2026, 10, 30): D(2026, 10, 30),
            D(2026, 11, 27): D(2026, 11, 27),
            D(2026, 12, 25): D(2027, 1, 8),
        },
    ),
    (
        "fourth Thursday, monthly: Christmas Eve, then New Year's Eve, so December meets on 7 January 2027",
        {"week_of_month": 4, "weekday": THU},
        {
            D(2026, 1, 22): D(2026, 1, 22),
            D(2026, 2, 26): D(2026, 2, 26),
            D(2026, 3, 26): D(2026, 3, 26),
            D(2026, 4, 23): D(2026, 4, 23),
            D(2026, 5, 28): D(2026, 5, 28),
            D(2026, 6, 25): D(2026, 6, 25),
            D(2026, 7, 23): D(2026, 7, 23),
            D(2026, 8, 27): D(2026, 8, 27),
            D(2026, 9, 24): D(2026, 9, 24),
            D(2026, 10, 22): D(2026, 10, 22),
            D(2026, 11, 26): D(2026, 11, 26),
            D(2026, 12, 24): D(2027, 1, 7),
        },
    ),
    (
        "second Thursday, monthly: Ascension Day moves May",
        {"week_of_month": 2, "weekday": THU},
        {
            D(2026, 1, 8): D(2026, 1, 8),
            D(2026, 2, 12): D(2026, 2, 12),
            D(2026, 3, 12): D(2026, 3, 12),
            D(2026, 4, 9): D(2026, 4, 9),
            D(2026, 5, 14): D(2026, 5, 21),
            D(2026, 6, 11): D(2026, 6, 11),
            D(2026, 7, 9): D(2026, 7, 9),
            D(2026, 8, 13): D(2026, 8, 13),
            D(2026, 9, 10): D(2026, 9, 10),
            D(2026, 10, 8): D(2026, 10, 8),
            D(2026, 11, 12): D(2026, 11, 12),
            D(2026, 12, 10): D(2026, 12, 10),
        },
    ),
    (
        "every three months, second Wednesday, from January",
        {"week_of_month": 2, "weekday": WED, "interval_months": 3},
        {
            D(2026, 1, 14): D(2026, 1, 14),
            D(2026, 4, 8): D(2026, 4, 8),
            D(2026, 7, 8): D(2026, 7, 8),
            D(2026, 10, 14): D(2026, 10, 14),
        },
    ),
    (
        "every two months, first Friday, from March (day of first_month ignored): Labour Day moves May",
        {"week_of_month": 1, "weekday": FRI, "interval_months": 2, "first_month": D(2026, 3, 17)},
        {
            D(2026, 3, 6): D(2026, 3, 6),
            D(2026, 5, 1): D(2026, 5, 8),
            D(2026, 7, 3): D(2026, 7, 3),
            D(2026, 9, 4): D(2026, 9, 4),
            D(2026, 11, 6): D(2026, 11, 6),
        },
    ),
    (
        "every three months, first Friday, from January: Good Friday moves April",
        {"week_of_month": 1, "weekday": FRI, "interval_months": 3},
        {
            D(2026, 1, 2): D(2026, 1, 2),
            D(2026, 4, 3): D(2026, 4, 10),
            D(2026, 7, 3): D(2026, 7, 3),
            D(2026, 10, 2): D(2026, 10, 2),
        },
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("rule", "fields", "expected"), PLANS_2026, ids=[row[0] for row in PLANS_2026])
def test_rule_dates_and_holiday_moves_over_2026(rule, fields, expected):
    series = MeetingSeriesFactory(**fields)
    assert occurrences(series, D(2026, 1, 1), D(2026, 12, 31)) == list(expected)
    assert {occurrence: meeting_date(series, occurrence)[0] for occurrence in expected} == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("rule", "fields", "expected"), PLANS_2026, ids=[row[0] for row in PLANS_2026])
def test_a_year_of_planning_creates_exactly_the_table(rule, fields, expected):
    series = MeetingSeriesFactory(**fields)
    # The window 31.12.2025–31.12.2026 holds exactly the occurrences of 2026.
    created = plan_series(series, today=D(2025, 12, 31), months=12)
    meetings = Meeting.objects.filter(series=series)
    assert created == len(expected) == meetings.count()
    assert {m.occurrence: m.starts_at.astimezone(BERLIN).date() for m in meetings} == expected
    for meeting in meetings:
        moved = meeting.occurrence != meeting.starts_at.astimezone(BERLIN).date()
        assert bool(meeting.moved_reason) == moved, meeting


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "rule_date", "expected_date", "reason_en", "german_parts"),
    [
        (
            {"week_of_month": 1, "weekday": THU},
            D(2026, 1, 1),
            D(2026, 1, 8),
            "Moved: 01/01/2026 is a public holiday (New Year's Day).",
            ["01.01.2026", "(Neujahr)"],
        ),
        (
            {"week_of_month": -1, "weekday": MON},
            D(2027, 3, 29),
            D(2027, 4, 5),
            "Moved: 03/29/2027 is a public holiday (Easter Monday).",
            ["29.03.2027", "(Ostermontag)"],
        ),
        (
            {"week_of_month": 1, "weekday": THU},
            D(2027, 5, 6),
            D(2027, 5, 13),
            "Moved: 05/06/2027 is a public holiday (Ascension Day).",
            ["06.05.2027", "(Christi Himmelfahrt)"],
        ),
        (
            {"week_of_month": -1, "weekday": FRI},
            D(2026, 12, 25),
            D(2027, 1, 8),
            "Moved: 12/25/2026 is a public holiday (Christmas Day). 01/01/2027 is skipped as well (New Year's Day).",
            ["25.12.2026", "(Erster Weihnachtstag)", "01.01.2027", "(Neujahr)"],
        ),
        (
            {"week_of_month": 4, "weekday": THU},
            D(2026, 12, 24),
            D(2027, 1, 7),
            "Moved: 12/24/2026 is not a meeting day (Christmas Eve). 12/31/2026 is skipped as well (New Year's Eve).",
            ["24.12.2026", "31.12.2026"],
        ),
    ],
)
def test_moved_meetings_say_why(fields, rule_date, expected_date, reason_en, german_parts):
    series = MeetingSeriesFactory(**fields)
    with translation.override("en"):
        assert meeting_date(series, rule_date) == (expected_date, reason_en)
    # In German, dates and holiday names are German too (the sentences come from the catalogue).
    with translation.override("de"):
        day, reason = meeting_date(series, rule_date)
    assert day == expected_date
    for part in german_parts:
        assert part in reason


@pytest.mark.django_db
def test_dates_not_moved_have_no_reason():
    series = MeetingSeriesFactory(week_of_month=1, weekday=TUE)
    assert meeting_date(series, D(2026, 2, 3)) == (D(2026, 2, 3), "")
    # 3 October and 31 October 2026 are Saturdays: no weekday meeting can fall on them, but 2028 they do.
    tuesday = MeetingSeriesFactory(week_of_month=1, weekday=TUE)
    assert meeting_date(tuesday, D(2028, 10, 3))[0] == D(2028, 10, 10)
    last_tuesday = MeetingSeriesFactory(week_of_month=-1, weekday=TUE)
    assert meeting_date(last_tuesday, D(2028, 10, 31))[0] == D(2028, 11, 7)


@pytest.mark.django_db
def test_occurrences_start_with_first_month_and_respect_the_interval():
    series = MeetingSeriesFactory(week_of_month=3, weekday=WED, interval_months=2, first_month=D(2026, 2, 20))
    assert occurrences(series, D(2025, 1, 1), D(2026, 8, 18)) == [D(2026, 2, 18), D(2026, 4, 15), D(2026, 6, 17)]
    assert occurrences(series, D(2026, 8, 19), D(2026, 9, 30)) == [D(2026, 8, 19)]
    assert occurrences(series, D(2026, 2, 19), D(2026, 4, 15)) == [D(2026, 4, 15)]
    assert occurrences(series, D(2026, 5, 1), D(2026, 4, 1)) == []


@pytest.mark.django_db
def test_planned_meeting_fields():
    series = MeetingSeriesFactory(
        week_of_month=1, weekday=THU, start_time=datetime.time(10, 0), duration_minutes=90, agenda_lead_days=10
    )
    plan_series(series, today=D(2026, 1, 1), months=6)
    january = Meeting.objects.get(series=series, occurrence=D(2026, 1, 1))
    # Moved past New Year's Day; 10:00 in Diepholz is 09:00 UTC in winter.
    assert january.starts_at == datetime.datetime(2026, 1, 8, 9, 0, tzinfo=UTC)
    assert january.ends_at == datetime.datetime(2026, 1, 8, 10, 30, tzinfo=UTC)
    assert january.agenda_due_on == D(2025, 12, 29)
    assert january.location == "Kreishaus Diepholz, Raum 101"
    assert january.status == Meeting.Status.PLANNED
    assert "01.01.2026" in january.moved_reason
    assert "Neujahr" in january.moved_reason
    # Summer time: 10:00 in Diepholz is 08:00 UTC.
    june = Meeting.objects.get(series=series, occurrence=D(2026, 6, 4))
    assert june.starts_at == datetime.datetime(2026, 6, 4, 8, 0, tzinfo=UTC)
    assert june.starts_at.astimezone(BERLIN).time() == datetime.time(10, 0)
    assert june.moved_reason == ""
    assert june.agenda_due_on == D(2026, 5, 25)


@pytest.mark.django_db
def test_the_window_is_today_through_three_months_and_includes_a_meeting_moved_past_today():
    series = MeetingSeriesFactory(week_of_month=1, weekday=THU)
    # On 2 January the rule date 1 January has gone by, but its meeting (8 January) is still ahead.
    assert plan_all(today=D(2026, 1, 2)) == 4
    assert list(Meeting.objects.filter(series=series).values_list("occurrence", flat=True)) == [
        D(2026, 1, 1),
        D(2026, 2, 5),
        D(2026, 3, 5),
        D(2026, 4, 2),  # the last day of the window
    ]
    # A week later the window has moved on by a week, which brings no new occurrence.
    assert plan_all(today=D(2026, 1, 9)) == 0
    # Past meetings are never planned after the fact.
    late = MeetingSeriesFactory(week_of_month=2, weekday=WED)
    assert plan_series(late, today=D(2026, 1, 15)) == 3  # February, March, April; not 14 January
    assert not Meeting.objects.filter(series=late, occurrence=D(2026, 1, 14)).exists()


@pytest.mark.django_db
def test_planning_twice_creates_no_duplicates():
    MeetingSeriesFactory(week_of_month=1, weekday=TUE)
    MeetingSeriesFactory(week_of_month=-1, weekday=FRI)
    first = plan_all(today=D(2026, 11, 1))
    # Window 1 Nov 2026 – 1 Feb 2027: 3 Nov, 1 Dec, 5 Jan; 27 Nov, 25 Dec (→ 8 Jan), 29 Jan.
    assert first == 6
    assert plan_all(today=D(2026, 11, 1)) == 0
    assert Meeting.objects.count() == first


@pytest.mark.django_db
def test_replanning_leaves_existing_meetings_alone():
    series = MeetingSeriesFactory(week_of_month=1, weekday=TUE)
    plan_series(series, today=D(2026, 1, 1))
    moved = Meeting.objects.get(series=series, occurrence=D(2026, 2, 3))
    moved.starts_at = datetime.datetime(2026, 2, 4, 14, 0, tzinfo=BERLIN)
    moved.ends_at = datetime.datetime(2026, 2, 4, 16, 0, tzinfo=BERLIN)
    moved.location = "Rathaus Syke"
    moved.moved_reason = "Raum belegt"
    moved.agenda_due_on = D(2026, 1, 20)
    moved.save()
    cancelled = Meeting.objects.get(series=series, occurrence=D(2026, 3, 3))
    cancelled.status = Meeting.Status.CANCELLED
    cancelled.save()
    series.start_time = datetime.time(9, 0)
    series.location = "Kreishaus, Raum 2"
    series.save()
    before = {
        m.pk: (m.starts_at, m.ends_at, m.location, m.moved_reason, m.agenda_due_on, m.status)
        for m in Meeting.objects.all()
    }

    assert plan_series(series, today=D(2026, 1, 1)) == 0

    after = {
        m.pk: (m.starts_at, m.ends_at, m.location, m.moved_reason, m.agenda_due_on, m.status)
        for m in Meeting.objects.all()
    }
    assert after == before
    # New occurrences take the series as it is now.
    assert plan_series(series, today=D(2026, 2, 1)) == 1
    april = Meeting.objects.get(series=series, occurrence=D(2026, 4, 7))
    assert april.location == "Kreishaus, Raum 2"
    assert april.starts_at.astimezone(BERLIN).time() == datetime.time(9, 0)


@pytest.mark.django_db
def test_inactive_series_are_not_planned():
    active = MeetingSeriesFactory(week_of_month=1, weekday=TUE)
    inactive = MeetingSeriesFactory(week_of_month=1, weekday=WED, active=False)
    assert plan_all(today=D(2026, 1, 1)) == 3  # 6 Jan, 3 Feb, 3 Mar; 7 April is after the window (1 April)
    assert Meeting.objects.filter(series=active).count() == 3
    assert not Meeting.objects.filter(series=inactive).exists()
    assert plan_series(inactive, today=D(2026, 1, 1)) == 0


@pytest.mark.django_db
def test_plan_meetings_command_prints_the_count():
    MeetingSeriesFactory(week_of_month=1, weekday=THU)
    out = StringIO()
    with translation.override("en"):
        call_command("plan_meetings", "--today", "2026-01-02", stdout=out)
    assert out.getvalue().strip() == "4 meetings planned."
    assert Meeting.objects.count() == 4
    # Default language (German); the number is what matters to a caller.
    out = StringIO()
    call_command("plan_meetings", "--today", "2026-01-02", stdout=out)
    assert out.getvalue().strip().startswith("0 ")
    assert Meeting.objects.count() == 4


@pytest.mark.django_db
def test_plan_meetings_command_rejects_a_bad_date():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("plan_meetings", "--today", "02.01.2026")


@pytest.mark.django_db
def test_plan_meetings_command_defaults_to_today(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 1, 2))
    MeetingSeriesFactory(week_of_month=1, weekday=THU)
    call_command("plan_meetings", stdout=StringIO())
    assert Meeting.objects.count() == 4


CONCURRENT_RUNS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_planning_creates_no_duplicates_and_raises_nothing():
    require_postgres()  # concurrent inserts against the unique constraint
    series = [
        MeetingSeriesFactory(week_of_month=1, weekday=TUE),
        MeetingSeriesFactory(week_of_month=-1, weekday=FRI),
        MeetingSeriesFactory(week_of_month=2, weekday=WED, interval_months=3),
    ]
    barrier = threading.Barrier(CONCURRENT_RUNS)
    results: list[object] = [None] * CONCURRENT_RUNS

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = plan_all(today=D(2026, 11, 1))
        except Exception as error:  # noqa: BLE001 - any exception is the failure reported below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CONCURRENT_RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(result, int) for result in results), results
    # Window 1 Nov 2026 – 1 Feb 2027: Nov, Dec, Jan for each monthly series; 13 January for the quarterly one.
    expected = 3 + 3 + 1
    assert Meeting.objects.count() == expected
    assert sum(results) == expected, results
    for one in series:
        occurrences_planned = list(Meeting.objects.filter(series=one).values_list("occurrence", flat=True))
        assert len(occurrences_planned) == len(set(occurrences_planned))


@pytest.mark.django_db
def test_a_lost_race_is_no_error_but_other_constraint_violations_are():
    """The branch a concurrent run takes when the other run inserted the meeting first (also on SQLite)."""
    from django.db import IntegrityError

    from meetings.planning import _create_meeting

    series = MeetingSeriesFactory(week_of_month=1, weekday=TUE)
    assert _create_meeting(series, D(2026, 2, 3), D(2026, 2, 3), "") is True
    assert _create_meeting(series, D(2026, 2, 3), D(2026, 2, 10), "anders") is False
    assert Meeting.objects.get(series=series).starts_at.astimezone(BERLIN).date() == D(2026, 2, 3)
    # A meeting that would end when it starts is a data error, not a race: it must not be swallowed.
    series.duration_minutes = 0
    with pytest.raises(IntegrityError):
        _create_meeting(series, D(2026, 3, 3), D(2026, 3, 3), "")
