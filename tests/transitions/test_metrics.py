"""Time-to-next-course figures, checked against values computed by hand on a small fixture.

The expected days below were counted on a calendar, not with the code under test:
days from the end of March to a date in April = 3 (29, 30, 31 March) + the day of April, and so on.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.domain import CourseType
from courses.models import Course
from participants.models import Enrollment
from transitions.metrics import (
    bucket_for,
    course_endings,
    district_transition_metrics,
    transition_metrics,
)

from .. import factories

D = datetime.date
TODAY = D(2025, 6, 30)
E = Enrollment.Status


def place(participant, course, status=E.ENROLLED, *, enrolled_on="start", ended_on=None):
    if enrolled_on == "start":
        enrolled_on = course.start_date
    if status == E.COMPLETED and ended_on is None:
        ended_on = course.end_date
    return Enrollment.objects.create(
        participant=participant, course=course, status=status, enrolled_on=enrolled_on, ended_on=ended_on
    )


@pytest.fixture
def fixture(db):
    """Two providers, three municipalities, nine courses, seven people. "Today" is Monday 30 June 2025."""
    syke = factories.MunicipalityFactory(name="Syke", ars="032510041")
    weyhe = factories.MunicipalityFactory(name="Weyhe", ars="032510045")
    diepholz = factories.MunicipalityFactory(name="Diepholz", ars="032510012")
    north = factories.ProviderFactory(name="Träger Nord", municipality=syke)
    south = factories.ProviderFactory(name="Träger Süd", municipality=diepholz)

    def course(provider, municipality, course_type, start, end, status=Course.Status.FINISHED):
        return factories.CourseFactory(
            provider=provider,
            municipality=municipality,
            course_type=course_type,
            start_date=start,
            end_date=end,
            status=status,
        )

    c = SimpleNamespace(
        c1=course(north, syke, CourseType.IK_ALLG, D(2025, 1, 6), D(2025, 3, 28)),
        c2=course(north, weyhe, CourseType.IK_ALLG, D(2025, 2, 3), D(2025, 4, 25)),
        c3=course(south, diepholz, CourseType.BSK_B2, D(2025, 4, 7), D(2025, 9, 30), Course.Status.RUNNING),
        c4=course(south, diepholz, CourseType.NDS_BASIS, D(2025, 3, 20), D(2025, 6, 20)),
        c5=course(south, diepholz, CourseType.BSK_A2, D(2025, 5, 12), D(2025, 8, 1), Course.Status.RUNNING),
        c6=course(north, syke, CourseType.LK_NIEDRIG, D(2025, 6, 16), D(2025, 6, 27)),
        c7=course(south, diepholz, CourseType.BSK_B1, D(2025, 8, 4), D(2025, 12, 19), Course.Status.OPEN),
        c8=course(south, diepholz, CourseType.IK_WIED, D(2025, 4, 25), D(2025, 7, 25), Course.Status.RUNNING),
        c9=course(north, syke, CourseType.IK_ALLG, D(2025, 4, 1), D(2025, 6, 1), Course.Status.CANCELLED),
    )
    names = [
        "Amal Nassar",
        "Bilal Karimi",
        "Chiara Osei",
        "Dawit Tesfaye",
        "Emre Yilmaz",
        "Farah Haidari",
        "Goran Ilic",
    ]
    p = SimpleNamespace(
        **{
            f"p{i}": factories.ParticipantFactory(provider=north, first_name=n.split()[0], last_name=n.split()[1])
            for i, n in enumerate(names, start=1)
        }
    )
    # P1: C1 (ends 28.3.) → C3 (starts 7.4.): 3 + 7 = 10 days.
    place(p.p1, c.c1, E.COMPLETED)
    place(p.p1, c.c3)
    # P2: C1 → C4 started 20.3., before C1 ended: overlap, not next. C9 was cancelled: no place.
    # So C1 has no follow-up; C4 (ends 20.6.) has none either.
    place(p.p2, c.c1, E.COMPLETED)
    place(p.p2, c.c4, E.COMPLETED)
    place(p.p2, c.c9)
    # P3: C2 (ends 25.4.) → C5 (starts 12.5.): 5 + 12 = 17 days.
    place(p.p3, c.c2, E.COMPLETED)
    place(p.p3, c.c5)
    # P4: C2 (ends 25.4.) → left C5's waiting list on 20.5. (never held a place), still waiting for C8 (no place),
    # enrolled in C7 (starts 4.8.): 5 (April) + 31 (May) + 30 (June) + 31 (July) + 4 = 101 days.
    place(p.p4, c.c2, E.COMPLETED)
    place(p.p4, c.c5, E.DROPPED, enrolled_on=None, ended_on=D(2025, 5, 20))
    place(p.p4, c.c8, E.WAITING, enrolled_on=None)
    place(p.p4, c.c7)
    # P5: C1 (ends 28.3.) → C5 (starts 12.5.), dropped out on 2.6. after it had started: it still is the next
    # course: 3 + 30 + 12 = 45 days. Then C6 (ends 27.6.): nothing after it.
    place(p.p5, c.c1, E.COMPLETED)
    place(p.p5, c.c5, E.DROPPED, ended_on=D(2025, 6, 2))
    place(p.p5, c.c6, E.COMPLETED)
    # P6: dropped out of C1 (not an ending); C2 (ends 25.4.) → C8 starts on 25.4., the same day: 0 days.
    place(p.p6, c.c1, E.DROPPED, ended_on=D(2025, 2, 14))
    place(p.p6, c.c2, E.COMPLETED)
    place(p.p6, c.c8)
    # P7: C1 (ends 28.3.) → had a place in C8 (starts 25.4.) but gave it up on 10.4., before the start: not next.
    # → C6 (starts 16.6.): 3 + 30 + 31 + 16 = 80 days. Then C6 (ends 27.6.): nothing after.
    place(p.p7, c.c1, E.COMPLETED)
    place(p.p7, c.c8, E.DROPPED, enrolled_on=D(2025, 4, 1), ended_on=D(2025, 4, 10))
    place(p.p7, c.c6, E.COMPLETED)
    return SimpleNamespace(c=c, p=p, north=north, south=south, names=names)


def gaps_by_person(fixture, endings):
    codes = {getattr(fixture.p, f"p{i}").pk: f"P{i}" for i in range(1, 8)}
    courses = {v.pk: k.upper() for k, v in vars(fixture.c).items()}
    return {(codes[e.participant_id], courses[e.course_id]): e.gap_days for e in endings}


def test_gap_per_person_and_ended_course(fixture):
    assert gaps_by_person(fixture, course_endings(today=TODAY)) == {
        ("P1", "C1"): 10,
        ("P2", "C1"): None,  # C4 overlaps C1, C9 was cancelled
        ("P2", "C4"): None,
        ("P3", "C2"): 17,
        ("P4", "C2"): 101,  # neither the waiting list of C8 nor leaving C5's waiting list is a place
        ("P5", "C1"): 45,  # dropped out of C5 after its start: still the next course
        ("P5", "C6"): None,
        ("P6", "C2"): 0,  # same day; P6's dropped C1 is no ending
        ("P7", "C1"): 80,  # the place in C8 given up before its start is no place
        ("P7", "C6"): None,
    }


def test_next_course_is_the_earliest_one(fixture):
    endings = {(e.participant_id, e.course_id): e for e in course_endings(today=TODAY)}
    # P5 holds places in C5 (12.5.) and C6 (16.6.) after C1: the earlier one is next.
    assert endings[(fixture.p.p5.pk, fixture.c.c1.pk)].next_course_id == fixture.c.c5.pk
    assert endings[(fixture.p.p1.pk, fixture.c.c1.pk)].next_course_id == fixture.c.c3.pk


def test_a_course_ending_today_has_not_ended(fixture):
    assert course_endings(today=D(2025, 3, 28)) == []
    # The next day, C1's five completions count; C3 has not started yet but P1's place in it is agreed.
    assert gaps_by_person(fixture, course_endings(today=D(2025, 3, 29))) == {
        ("P1", "C1"): 10,
        ("P2", "C1"): None,
        ("P5", "C1"): 45,
        ("P7", "C1"): 80,
    }


def test_district_median_buckets_and_share(fixture):
    metrics = transition_metrics(today=TODAY)
    district = metrics.district
    assert district.endings == 10
    assert district.with_follow_up == 6
    assert district.no_follow_up == 4
    # Waits 0, 10, 17, 45, 80, 101: the median is (17 + 45) / 2 = 31.
    assert district.median_days == 31
    assert [(b.key, b.count) for b in district.buckets] == [
        ("0-14", 2),  # 0 and 10
        ("15-28", 1),  # 17
        ("29-56", 1),  # 45
        ("57-91", 1),  # 80
        ("92+", 1),  # 101
        ("none", 4),
    ]
    # Decided: endings on or before 2.6. (28 days before 30.6.) — those of C1 and C2, seven. C4 (20.6.) and
    # C6 (27.6.) may still get a follow-up. Within 28 days: P1 (10), P3 (17), P6 (0). 3 of 7 = 42.9 % → 43 %.
    assert (district.decided, district.within, district.within_percent) == (7, 3, 43)
    assert [b.percent for b in district.buckets] == [20, 10, 10, 10, 10, 40]


def figures(groups):
    return {g.label: (g.endings, g.median_days, g.decided, g.within, g.within_percent) for g in groups}


def test_grouped_by_provider_municipality_and_course_type(fixture):
    metrics = transition_metrics(today=TODAY)
    # Nord ran C1, C2, C6: nine endings, the same six waits as the district (median 31), 3 of 7 decided.
    # Süd: only P2's C4, too small for a median or share.
    assert figures(metrics.by_provider) == {
        "Träger Nord": (9, 31, 7, 3, 43),
        "Träger Süd": (1, None, 0, 0, None),
    }
    assert [g.label for g in metrics.by_provider] == ["Träger Nord", "Träger Süd"]
    # Syke (C1, C6): six endings, waits 10, 45, 80 → median 45; decided are the four of C1, one within (P1): 25 %.
    # Weyhe (C2): three endings, waits 0, 17, 101 → median 17; all decided, two within (0 and 17): 66.7 → 67 %.
    # Diepholz (C4): one ending.
    assert figures(metrics.by_municipality) == {
        "Syke": (6, 45, 4, 1, 25),
        "Weyhe": (3, 17, 3, 2, 67),
        "Diepholz": (1, None, 0, 0, None),
    }
    assert [g.label for g in metrics.by_municipality] == ["Syke", "Weyhe", "Diepholz"]
    # Types: general integration course (C1, C2) seven endings, waits 0, 10, 17, 45, 80, 101 → 31; 3 of 7.
    # County low-threshold course (C6): two endings without follow-up; Lower Saxony basic course (C4): one.
    ik = str(CourseType.IK_ALLG.label)
    lk = str(CourseType.LK_NIEDRIG.label)
    nds = str(CourseType.NDS_BASIS.label)
    assert figures(metrics.by_course_type) == {
        ik: (7, 31, 7, 3, 43),
        lk: (2, None, 0, 0, None),
        nds: (1, None, 0, 0, None),
    }
    assert [g.label for g in metrics.by_course_type] == [ik, lk, nds]


def test_since_limits_the_ended_courses(fixture):
    # From 1.4. on: C2 (25.4.), C4 (20.6.), C6 (27.6.). Waits 17, 101, 0 → median 17; three without follow-up.
    metrics = transition_metrics(today=TODAY, since=D(2025, 4, 1))
    assert (metrics.district.endings, metrics.district.median_days, metrics.district.no_follow_up) == (6, 17, 3)
    # Decided: the three of C2; within 28 days: P3 (17) and P6 (0).
    assert (metrics.district.decided, metrics.district.within) == (3, 2)


def test_medians_need_three_waits(fixture):
    # From 2.4. on, Weyhe (C2) has three waits, 0, 17 and 101 → 17; Syke (C6) two endings without any wait.
    metrics = transition_metrics(today=TODAY, since=D(2025, 4, 2))
    assert [(g.label, g.median_days) for g in metrics.by_municipality] == [
        ("Weyhe", 17),
        ("Syke", None),
        ("Diepholz", None),
    ]
    # On 21.6., from 26.4. on, only P2's C4 (20.6.) has ended: one ending, no median, no share.
    small = transition_metrics(today=D(2025, 6, 21), since=D(2025, 4, 26))
    assert (small.district.endings, small.district.median_days, small.district.within_percent) == (1, None, None)
    # Two waits are not enough either: P3 (17) and P6 (0) are two of Weyhe's three; without P4's C2 completion
    # Weyhe keeps two endings with waits and its median is hidden.
    Enrollment.objects.filter(participant=fixture.p.p4, course=fixture.c.c2).update(status=E.DROPPED)
    weyhe = transition_metrics(today=TODAY).by_municipality
    assert [(g.label, g.endings, g.with_follow_up, g.median_days) for g in weyhe if g.label == "Weyhe"] == [
        ("Weyhe", 2, 2, None)
    ]


@pytest.mark.parametrize(
    ("days", "key"),
    [
        (0, "0-14"),
        (14, "0-14"),
        (15, "15-28"),
        (28, "15-28"),
        (29, "29-56"),
        (56, "29-56"),
        (57, "57-91"),
        (91, "57-91"),
        (92, "92+"),
        (400, "92+"),
        (None, "none"),
    ],
)
def test_bucket_boundaries(days, key):
    assert bucket_for(days).key == key


def test_chart_bars_scale_to_the_largest_bucket(fixture):
    chart = transition_metrics(today=TODAY).chart
    widths = {bar.label: bar.width for bar in chart.bars}
    largest = max(widths.values())
    # "No follow-up yet" (4) is the longest bar; a bucket of 1 is a quarter of it, of 2 a half.
    assert [bar.count for bar in chart.bars] == [2, 1, 1, 1, 1, 4]
    assert chart.bars[-1].width == largest
    assert chart.bars[0].width == largest // 2
    assert chart.bars[1].width == largest // 4


def test_declined_and_no_show_come_from_handovers(fixture):
    handover = apps.get_model("transitions", "Handover")
    assert (transition_metrics(today=TODAY).declined, transition_metrics(today=TODAY).no_show) == (0, 0)
    for status in ["declined", "declined", "no_show", "withdrawn"]:
        handover.objects.create(
            participant=fixture.p.p2,
            from_provider=fixture.north,
            to_course=fixture.c.c7,
            to_provider=fixture.south,
            status=status,
        )
    metrics = transition_metrics(today=TODAY)
    assert (metrics.declined, metrics.no_show) == (2, 1)


def grow(count, today):
    """`count` people, each with a completed course, a next course and a place they left the waiting list of."""
    provider = factories.ProviderFactory()
    for i in range(count):
        ended = factories.CourseFactory(
            provider=provider,
            start_date=today - datetime.timedelta(days=200 + i),
            end_date=today - datetime.timedelta(days=40 + i),
            status=Course.Status.FINISHED,
        )
        following = factories.CourseFactory(
            provider=factories.ProviderFactory(),
            start_date=today - datetime.timedelta(days=20),
            status=Course.Status.RUNNING,
        )
        person = factories.ParticipantFactory(provider=provider)
        place(person, ended, E.COMPLETED)
        place(person, following)
        place(person, factories.CourseFactory(provider=provider), E.DROPPED, enrolled_on=None)


def count_queries(**kwargs):
    with CaptureQueriesContext(connection) as context:
        transition_metrics(**kwargs)
    return len(context.captured_queries), "\n".join(q["sql"] for q in context.captured_queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_data():
    today = timezone.localdate()
    grow(5, today)
    small, _ = count_queries(today=today)
    assert transition_metrics(today=today).district.endings == 5
    grow(45, today)
    large, sql = count_queries(today=today)
    assert transition_metrics(today=today).district.endings == 50
    assert small == large, f"queries grew from {small} to {large}:\n{sql}"
    # The enrollments with their courses, providers and municipalities; the handover counts.
    assert large == 2, sql


def test_only_the_district_roles_get_the_figures(world):
    for user in (world.users.coordinator, world.users.county):
        district_transition_metrics(user=user)
    for user in (world.users.a_admin, world.users.a_staff, world.users.b_admin):
        with pytest.raises(PermissionDenied):
            district_transition_metrics(user=user)


@pytest.mark.parametrize("role", ["coordinator", "county"])
def test_overview_shows_the_chart_and_no_names(world, client, role):
    today = timezone.localdate()
    names = [("Rahel", "Gebremedhin"), ("Samir", "Qasemi"), ("Tamara", "Kowalczyk")]
    people = []
    ended = factories.CourseFactory(
        provider=world.provider_a,
        start_date=today - datetime.timedelta(days=150),
        end_date=today - datetime.timedelta(days=60),
        status=Course.Status.FINISHED,
    )
    for gap, (first, last) in zip([5, 20, None], names, strict=True):
        person = factories.ParticipantFactory(provider=world.provider_a, first_name=first, last_name=last)
        people.append(person)
        place(person, ended, E.COMPLETED)
        if gap is not None:
            following = factories.CourseFactory(
                provider=world.provider_b,
                start_date=ended.end_date + datetime.timedelta(days=gap),
                status=Course.Status.RUNNING,
            )
            place(person, following)
    client.force_login(getattr(world.users, role))
    response = client.get(reverse("courses:district_overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="transitions-heading"' in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert "<title>" in html
    metrics = response.context["transitions"]
    # Waits 5 and 20 and one without follow-up: 2 waits are too few for a median.
    assert (metrics.district.endings, metrics.district.with_follow_up, metrics.district.median_days) == (3, 2, None)
    assert metrics.district.within_percent == 67  # 2 of 3 endings 60 days ago
    for person in [*people, world.participant_a]:
        for text in (person.first_name, person.last_name, person.code):
            assert text not in html
