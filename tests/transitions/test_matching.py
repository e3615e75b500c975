"""Matching of follow-up courses: hard rules as properties (hypothesis), progressions and soft rules as
examples, and a query budget for a whole ending course.

Most tests build unsaved model instances and pass them in (``courses=``, ``enrollments=``), so the ranking
runs without the database; the tests that need it ask for ``db``.
"""

import copy
import datetime
import random
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.domain import COURSE_TYPE_DEFAULTS, CourseType, Funder, Level
from courses.models import Course, Municipality, Provider, Venue
from participants.models import Enrollment, Participant, Route, TimeOfDay
from transitions import matching
from transitions.matching import exclusion, suggest_follow_ups

from .. import factories

TODAY = datetime.date(2026, 3, 2)
CT = CourseType

# Seats of the county's 15 units (domain notes, section 1).
SEATS = {
    "Bassum": ("52.848", "8.726"),
    "Diepholz": ("52.606", "8.371"),
    "Stuhr": ("53.028", "8.750"),
    "Sulingen": ("52.682", "8.801"),
    "Syke": ("52.915", "8.816"),
    "Twistringen": ("52.800", "8.639"),
    "Wagenfeld": ("52.546", "8.590"),
    "Weyhe": ("52.981", "8.840"),
    "Altes Amt Lemförde": ("52.468", "8.377"),
    "Barnstorf": ("52.710", "8.505"),
    "Bruchhausen-Vilsen": ("52.822", "8.987"),
    "Kirchdorf": ("52.595", "8.836"),
    "Rehden": ("52.610", "8.483"),
    "Schwaförden": ("52.738", "8.819"),
    "Siedenburg": ("52.693", "8.941"),
}
PLACES = {
    name: Municipality(pk=i, name=name, seat_lat=Decimal(lat), seat_lon=Decimal(lon), population=1000)
    for i, (name, (lat, lon)) in enumerate(SEATS.items(), start=1)
}
ACTIVE_PROVIDER = Provider(pk=1, name="Träger A", municipality=PLACES["Syke"], active=True)
INACTIVE_PROVIDER = Provider(pk=2, name="Träger B (inaktiv)", municipality=PLACES["Diepholz"], active=False)


@pytest.fixture(autouse=True)
def _english():
    """Reasons are compared with their English msgids, whatever the catalogue says."""
    with translation.override("en"):
        yield


def place(name):
    return PLACES[name]


def venue(municipality, *, childcare_on_site=False):
    return Venue(
        pk=municipality.pk, provider=ACTIVE_PROVIDER, municipality=municipality, childcare_on_site=childcare_on_site
    )


def course(pk, course_type=CT.IK_ALLG, *, start=30, days=180, where="Syke", online=False, **fields):
    """An unsaved course with the type's default levels and funder, starting `start` days after TODAY."""
    _units, level_from, level_to, funder = COURSE_TYPE_DEFAULTS[course_type]
    municipality = place(where)
    values = {
        "provider": ACTIVE_PROVIDER,
        "venue": None if online else venue(municipality),
        "municipality": municipality,
        "title": f"Kurs {pk}",
        "course_type": course_type,
        "funder": funder,
        "level_from": level_from,
        "level_to": level_to,
        "start_date": TODAY + datetime.timedelta(days=start),
        "weekdays": [0, 2, 4],
        "time_from": datetime.time(9),
        "time_to": datetime.time(12),
        "capacity": 20,
        "free_places": 3,
        "status": Course.Status.OPEN,
    }
    values.update(fields)
    values.setdefault("end_date", values["start_date"] + datetime.timedelta(days=days))
    return with_places(Course(pk=pk, **values))


def with_places(built, *, enrolled=0, reserved=0):
    """Set the place annotations Course.objects.with_places() gives a stored course, by the rule written out
    here: the report (or capacity minus enrolled), at most capacity minus enrolled, minus the reservations."""
    room = built.capacity - enrolled
    reported = room if built.free_places is None else built.free_places
    built.places_enrolled, built.places_reserved = enrolled, reserved
    built.places_available = max(0, min(reported, room) - reserved)
    return built


def person(**fields):
    values = {
        "pk": 1,
        "provider": ACTIVE_PROVIDER,
        "first_name": "Amira",
        "last_name": "Haddad",
        "municipality": place("Syke"),
        "literacy": Participant.Literacy.YES,
        "level": None,
        "route": Route.LEGAL_CLAIM,
        "times": [],
        "needs_childcare": False,
        "mobility": Participant.Mobility.ANY,
    }
    values.update(fields)
    return Participant(**values)


def ending(participant, course_type=CT.LK_NIEDRIG, *, ends_in=7, level_reached=None):
    """The enrollment in the participant's current course, which ends `ends_in` days after TODAY."""
    current = course(
        9000,
        course_type,
        start=ends_in - 90,
        days=90,
        status=Course.Status.RUNNING,
        free_places=0,
    )
    return Enrollment(
        pk=9000, participant=participant, course=current, status=Enrollment.Status.ENROLLED, level_reached=level_reached
    )


def suggest(participant, courses, *, after=None, enrollments=(), limit=None):
    return suggest_follow_ups(
        participant=participant, after=after, courses=courses, enrollments=enrollments, today=TODAY, limit=limit
    )


def ranked_pks(suggestions):
    return [s.course.pk for s in suggestions]


def reasons_of(suggestions, pk):
    return next(s.reasons for s in suggestions if s.course.pk == pk)


def has_reason(suggestions, pk, text):
    return any(text in reason for reason in reasons_of(suggestions, pk))


# --- Properties (hypothesis) ----------------------------------------------------------------------------


@st.composite
def course_specs(draw):
    level_from = draw(st.sampled_from(Level.values))
    capacity = draw(st.integers(1, 25))
    return {
        "course_type": draw(st.sampled_from(CourseType.values)),
        "funder": draw(st.sampled_from(Funder.values)),
        "level_from": level_from,
        "level_to": draw(st.integers(level_from, Level.C2)),
        # Starts near the boundaries (today, the current course's end) come up often, not only by chance.
        "start": draw(st.sampled_from([-1, 0, 1, 6, 7, 8]) | st.integers(-40, 140)),
        "days": draw(st.integers(0, 300)),
        "where": draw(st.sampled_from(list(SEATS))),
        "online": draw(st.integers(0, 9)) == 0,
        "provider": draw(st.sampled_from([ACTIVE_PROVIDER, ACTIVE_PROVIDER, ACTIVE_PROVIDER, INACTIVE_PROVIDER])),
        "status": draw(st.sampled_from(Course.Status.values)),
        "capacity": capacity,
        "free_places": draw(st.none() | st.integers(0, capacity)),
        "enrolled_count": draw(st.integers(0, capacity)),
        "time_from": draw(st.none() | st.sampled_from([datetime.time(h) for h in (8, 11, 12, 16, 17, 19)])),
        "minutes": draw(st.none() | st.sampled_from([45, 90, 180, 240])),
        "weekdays": draw(st.lists(st.integers(0, 6), unique=True, max_size=4)),
        "childcare": draw(st.booleans()),
        # Target groups as data: often set, so that each rule meets people inside and outside of it.
        "women_only": draw(st.booleans()),
        "parents_only": draw(st.booleans()),
        "literacy_learners": draw(st.booleans()),
        "age_min": draw(st.none() | st.sampled_from([16, 18, 25])),
        "age_max": draw(st.none() | st.sampled_from([20, 26, 27, 40])),
    }


def later(time, minutes):
    return (datetime.datetime.combine(TODAY, time) + datetime.timedelta(minutes=minutes)).time()


def build(pk, spec):
    spec = dict(spec)
    enrolled = spec.pop("enrolled_count")
    minutes = spec.pop("minutes")
    if spec["age_min"] is not None and spec["age_max"] is not None and spec["age_max"] < spec["age_min"]:
        spec["age_min"], spec["age_max"] = spec["age_max"], spec["age_min"]
    built = course(pk, spec.pop("course_type"), **spec)
    built.time_to = later(built.time_from, minutes) if built.time_from and minutes else None
    built.title = "Deutschkurs"  # the same for all: only start date and primary key may break ties
    with_places(built, enrolled=enrolled)  # as annotated by matching.candidate_courses
    return built


@st.composite
def scenarios(draw):
    """A participant, maybe a current course, enrollments they wait for, and a list of candidate courses."""
    specs = draw(st.lists(course_specs(), max_size=12))
    # Twins differ only in their primary key: the ranking must still be total and stable.
    specs += draw(st.lists(st.sampled_from(specs), max_size=3)) if specs else []
    courses = [build(pk, spec) for pk, spec in enumerate(specs, start=1)]
    participant = person(
        level=draw(st.none() | st.sampled_from(Level.values)),
        literacy=draw(st.sampled_from(Participant.Literacy.values)),
        municipality=place(draw(st.sampled_from(list(SEATS)))),
        times=draw(st.lists(st.sampled_from(TimeOfDay.values), unique=True, max_size=3)),
        needs_childcare=draw(st.booleans()),
        mobility=draw(st.sampled_from(["", *Participant.Mobility.values])),
        route=draw(st.sampled_from(Route.values)),
        gender=draw(st.sampled_from(["", *Participant.Gender.values])),
        is_parent=draw(st.none() | st.booleans()),
    )
    # Ages around the limits, with only the year of birth (uncertain by one) or the exact date.
    birth_year = draw(st.none() | st.integers(TODAY.year - 45, TODAY.year - 14))
    if birth_year is not None and draw(st.booleans()):
        participant.birth_date = datetime.date(birth_year, draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    participant.birth_year = birth_year
    after = None
    if draw(st.booleans()):
        after = ending(
            participant,
            draw(st.sampled_from(CourseType.values)),
            ends_in=draw(st.sampled_from([-1, 0, 7]) | st.integers(-20, 120)),
            level_reached=draw(st.none() | st.sampled_from(Level.values)),
        )
    if after is not None and courses:
        # Some courses start on the current course's last day or the day after: the overlap boundary.
        for pinned in draw(st.lists(st.sampled_from(courses), max_size=2)):
            pinned.start_date = after.course.end_date + datetime.timedelta(days=draw(st.sampled_from([0, 1])))
            pinned.end_date = max(pinned.end_date, pinned.start_date)
    waiting_for = draw(st.lists(st.sampled_from(courses), unique_by=lambda c: c.pk, max_size=3)) if courses else []
    enrollments = [Enrollment(participant=participant, course=c, status=Enrollment.Status.WAITING) for c in waiting_for]
    if after is not None:
        enrollments.append(after)
    # Other courses the person sits in at the same time (a language café, a second course): candidates whose
    # dates, weekdays and times all meet theirs clash. Few weekdays and times, so that clashes are frequent.
    for pk in range(5001, 5001 + draw(st.integers(0, 3))):
        other = course(
            pk,
            draw(st.sampled_from([CT.SPRACHCAFE, CT.IK_ALLG, CT.BSK_B1])),
            start=draw(st.integers(-200, 60)),
            days=draw(st.integers(0, 400)),
            status=Course.Status.RUNNING,
            weekdays=draw(st.lists(st.sampled_from([0, 2, 4]), unique=True, max_size=2)),
            time_from=draw(st.none() | st.sampled_from([datetime.time(h) for h in (9, 12, 17)])),
        )
        other.time_to = later(other.time_from, draw(st.sampled_from([60, 180]))) if other.time_from else None
        enrollments.append(Enrollment(participant=participant, course=other, status=Enrollment.Status.ENROLLED))
        if courses:
            # Some candidates meet at the other course's times, or just beside them: the clash boundaries.
            for pinned in draw(st.lists(st.sampled_from(courses), max_size=2)):
                pinned.weekdays = list(other.weekdays) if draw(st.booleans()) else [1, 3]
                pinned.time_from, pinned.time_to = other.time_from, other.time_to
                if other.time_to is not None and draw(st.booleans()):
                    pinned.time_from, pinned.time_to = other.time_to, later(other.time_to, 90)  # right after
                pinned.start_date = other.end_date + datetime.timedelta(days=draw(st.sampled_from([-60, -1, 0, 1])))
                pinned.end_date = max(pinned.end_date, pinned.start_date)
    # Without `after`, matching finds the current enrollment among the person's enrollments itself.
    pass_after = draw(st.booleans())
    return participant, after, pass_after, enrollments, courses


def current_of(scenario):
    """The enrollment matching starts from: the one passed in, else the enrolled course ending last (then the
    larger primary key; unsaved ones count as 0)."""
    _participant, after, pass_after, enrollments, _courses = scenario
    if pass_after and after is not None:
        return after
    enrolled = [e for e in enrollments if e.status == Enrollment.Status.ENROLLED]
    return max(enrolled, key=lambda e: (e.course.end_date, e.pk or 0)) if enrolled else None


def clash(candidate, other):
    """Both courses meet on a shared weekday at overlapping times within overlapping dates (all known)."""
    dates = candidate.start_date <= other.end_date and other.start_date <= candidate.end_date
    days = set(candidate.weekdays) & set(other.weekdays)
    times = None not in (candidate.time_from, candidate.time_to, other.time_from, other.time_to)
    return bool(
        dates and days and times and candidate.time_from < other.time_to and other.time_from < candidate.time_to
    )


def age_on(participant, day):
    """(youngest, oldest) possible age on `day`, or None when no year of birth is recorded."""
    if participant.birth_date is not None:
        born = participant.birth_date
        age = day.year - born.year - (1 if (day.month, day.day) < (born.month, born.day) else 0)
        return age, age
    if participant.birth_year is not None:
        return day.year - participant.birth_year - 1, day.year - participant.birth_year
    return None


def in_target_group(candidate, participant):
    """Women only, age at the start, parents: excluded only when the person is outside for sure."""
    if candidate.women_only and participant.gender == "m":
        return False
    ages = age_on(participant, candidate.start_date)
    if ages is not None:
        if candidate.age_max is not None and ages[0] > candidate.age_max:
            return False
        if candidate.age_min is not None and ages[1] < candidate.age_min:
            return False
    known_parent = participant.is_parent if participant.is_parent is not None else participant.needs_childcare or None
    return not (candidate.parents_only and known_parent is False)


def allowed(candidate, *, participant, after, enrollments):
    """The hard rules, written out independently of the module."""
    level = participant.level
    if after is not None and after.level_reached is not None:
        level = after.level_reached
    elif level is None and after is not None:
        level = after.course.level_to
    if level is not None and candidate.course_type != CT.SPRACHCAFE and candidate.level_from > level + 1:
        return False  # would miss the start
    if not in_target_group(candidate, participant):
        return False
    elsewhere = candidate.venue is not None and candidate.municipality.name != participant.municipality.name
    if participant.mobility == "local" and elsewhere:
        return False
    if candidate.funder == Funder.BAMF and participant.route in ("land", "county"):
        return False  # no access route: only in the "admission first" section
    room = candidate.capacity - candidate.places_enrolled
    free = min(room if candidate.free_places is None else candidate.free_places, room)
    waiting = {e.course.pk for e in enrollments if e.status in ("waiting", "enrolled")}
    if level is not None:
        ends_below = candidate.level_to < level
        starts_below_and_leads_nowhere = candidate.level_from < level and candidate.level_to == level
        if ends_below or starts_below_and_leads_nowhere:
            return False
    return (
        candidate.status in ("planned", "open")
        and TODAY < candidate.start_date <= candidate.end_date
        and candidate.provider.active
        and free > 0
        and candidate.pk not in waiting
        and (after is None or candidate.start_date > after.course.end_date)
        and not any(clash(candidate, e.course) for e in enrollments if e.status == "enrolled" and e is not after)
    )


HYPOTHESIS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run(scenario, courses=None):
    participant, after, pass_after, enrollments, candidates = scenario
    return suggest(
        participant,
        candidates if courses is None else courses,
        after=after if pass_after else None,
        enrollments=enrollments,
    )


@HYPOTHESIS
@given(scenarios())
def test_suggested_are_exactly_the_courses_the_hard_rules_allow(scenario):
    participant, _after, _pass_after, enrollments, courses = scenario
    after = current_of(scenario)
    suggestions = run(scenario)
    expected = {c.pk for c in courses if allowed(c, participant=participant, after=after, enrollments=enrollments)}
    assert set(ranked_pks(suggestions)) == expected
    for suggestion in suggestions:
        c = suggestion.course
        assert c.status not in ("cancelled", "finished", "running")
        assert c.start_date > TODAY
        assert after is None or c.start_date > after.course.end_date
        others = [e.course for e in enrollments if e.status == "enrolled" and e is not after]
        assert not any(clash(c, other) for other in others)


@HYPOTHESIS
@given(scenarios())
def test_never_a_level_step_backwards(scenario):
    participant = scenario[0]
    level = matching.current_level(participant, current_of(scenario))
    for suggestion in run(scenario):
        if level is not None:
            assert suggestion.course.level_to >= level
            assert suggestion.course.level_from >= level or suggestion.course.level_to > level


@HYPOTHESIS
@given(scenarios(), st.randoms(use_true_random=False))
def test_ranking_is_stable_sorted_and_explained(scenario, rnd):
    first = run(scenario)
    assert run(scenario) == first
    shuffled = list(scenario[4])
    rnd.shuffle(shuffled)
    again = run(scenario, courses=shuffled)
    assert [(s.course.pk, s.score, s.reasons) for s in again] == [(s.course.pk, s.score, s.reasons) for s in first]
    scores = [s.score for s in first]
    assert scores == sorted(scores, reverse=True)
    for earlier, later in zip(first, first[1:], strict=False):
        if earlier.score == later.score:
            assert (earlier.course.start_date, earlier.course.pk) < (later.course.start_date, later.course.pk)
    for suggestion in first:
        assert suggestion.reasons
        assert all(isinstance(reason, str) and reason.strip() for reason in suggestion.reasons)


@HYPOTHESIS
@given(scenarios(), st.integers(0, 5))
def test_limit_keeps_the_best(scenario, limit):
    participant, after, pass_after, enrollments, courses = scenario
    full = run(scenario)
    limited = suggest_follow_ups(
        participant=participant,
        after=after if pass_after else None,
        courses=courses,
        enrollments=enrollments,
        today=TODAY,
        limit=limit,
    )
    assert limited == full[:limit]


def reference_ranking(situation, courses, *, limit, admission_first):
    """The ranking by its definition: every course through ``exclusion``, the allowed ones scored with
    ``_score``, sorted by score, start, primary key and title (``matching.Candidates`` gets there faster)."""
    fitting, later = [], []
    for candidate in courses:
        code = exclusion(candidate, situation, TODAY)
        if code is None:
            fitting.append(matching._score(candidate, situation, TODAY))
        elif code == "no_access" and admission_first:
            scored = matching._score(candidate, situation, TODAY)
            needs = matching.admission_needed(candidate, situation.route)
            later.append(matching.Suggestion(course=candidate, score=scored.score, reasons=scored.reasons, needs=needs))

    def order(s):
        return (-s.score, s.course.start_date, s.course.pk or 0, s.course.title)

    fitting.sort(key=order)
    later.sort(key=order)
    if limit is not None:
        fitting, later = fitting[:limit], later[:limit]
    return fitting + later


def explained(suggestions):
    return [(s.course.pk, s.score, [(str(r), r.fit) for r in s.reasons], s.needs) for s in suggestions]


def unsaved_place(name):
    """A municipality like the stored one, but not saved (no primary key): the same place only to itself."""
    stored = PLACES[name]
    return Municipality(name=name, seat_lat=stored.seat_lat, seat_lon=stored.seat_lon, population=1000)


PERSON_VARIANTS = {
    "level": st.none() | st.sampled_from(Level.values),
    "literacy": st.sampled_from(Participant.Literacy.values),
    "municipality": st.sampled_from(list(SEATS)).map(place) | st.sampled_from(list(SEATS)).map(unsaved_place),
    "times": st.lists(st.sampled_from(TimeOfDay.values), unique=True, max_size=3),
    "needs_childcare": st.booleans(),
    "mobility": st.sampled_from(["", *Participant.Mobility.values]),
    "route": st.sampled_from(Route.values),
    "gender": st.sampled_from(["", *Participant.Gender.values]),
    "is_parent": st.none() | st.booleans(),
    "birth_year": st.none() | st.integers(TODAY.year - 45, TODAY.year - 14),
}


@st.composite
def people_on_shared_candidates(draw):
    """A scenario and more people on its candidate courses, each differing from the first in some fields and
    maybe in the course they come from, so that points tables kept between people meet every situation key."""
    first = draw(scenarios())
    participant, after, pass_after, enrollments, courses = first
    # Unsaved objects, as a caller may pass them: a course without a primary key, a course at an unsaved
    # municipality, a course at an unsaved venue (a venue but no venue id).
    for changed in draw(st.lists(st.sampled_from(courses), max_size=4)) if courses else []:
        how = draw(st.sampled_from(["no_pk", "unsaved_place", "unsaved_venue"]))
        if how == "no_pk":
            changed.pk = None
        elif how == "unsaved_place":
            changed.municipality = unsaved_place(changed.municipality.name)
            if changed.venue is not None:
                changed.venue = Venue(provider=ACTIVE_PROVIDER, municipality=changed.municipality)
        else:
            changed.venue = Venue(provider=ACTIVE_PROVIDER, municipality=changed.municipality)
    people = [(participant, after if pass_after else matching._current_enrollment(enrollments), enrollments)]
    for _ in range(draw(st.integers(1, 5))):
        other = copy.copy(participant)
        for field, values in PERSON_VARIANTS.items():
            if draw(st.booleans()):
                setattr(other, field, draw(values))
        if other.birth_year is None:
            other.birth_date = None
        elif other.birth_date is not None:
            other.birth_date = other.birth_date.replace(year=other.birth_year)
        theirs, current = enrollments, people[0][1]
        if draw(st.booleans()):
            current = ending(
                other,
                draw(st.sampled_from(CourseType.values)),
                ends_in=draw(st.integers(-20, 120)),
                level_reached=draw(st.none() | st.sampled_from(Level.values)),
            )
            theirs = [e for e in enrollments if e.pk != 9000] + [current]
        people.append((other, current, theirs))
    return people, courses


@HYPOTHESIS
@given(people_on_shared_candidates(), st.sampled_from([None, -1, 0, 1, 2, 5]), st.booleans())
def test_fast_ranking_equals_the_definition_for_everyone_on_shared_candidates(shared, limit, admission_first):
    """Several people ranked against the same prepared candidates (as ``suggest_for_ending_courses`` does, with
    points tables kept between people) get exactly what the definition gives each of them."""
    people, courses = shared
    candidates = matching.Candidates(courses, TODAY)
    for participant, current, enrollments in people:
        situation = matching.situation_for(participant=participant, after=current, enrollments=enrollments)
        expected = reference_ranking(situation, courses, limit=limit, admission_first=admission_first)
        for prepared in (candidates, courses):
            found = matching.rank(
                situation=situation, courses=prepared, today=TODAY, limit=limit, admission_first=admission_first
            )
            assert explained(found) == explained(expected)
        # The points the fast ranking picks the top by are the exact scores (before rounding) of the allowed
        # courses, each one.
        fitting, later = candidates.points(situation, admission_first=True)
        codes = {None: fitting, "no_access": later}
        for code, found in codes.items():
            allowed_here = [c for c in courses if exclusion(c, situation, TODAY) == code]
            assert sorted(id(c) for _points, c in found) == sorted(id(c) for c in allowed_here)
            for points, candidate in found:
                assert points == pytest.approx(matching._score(candidate, situation, TODAY).score, abs=0.0051)


TIMES = st.sampled_from([None, *(datetime.time(h) for h in (8, 9, 11, 12, 17, 19))])


@st.composite
def clash_scenarios(draw):
    """A person handed over from an ending course who also sits in other courses (a language café, a second
    course) that go on after it: valid candidates at, beside and away from those courses' days and times."""
    participant = person(level=draw(st.sampled_from([Level.A1, Level.A2])))
    after = ending(participant, ends_in=draw(st.integers(-5, 30)))
    enrollments = [after]
    others = []
    for pk in range(5001, 5001 + draw(st.integers(1, 3))):
        other = course(
            pk,
            CT.SPRACHCAFE,
            start=draw(st.integers(-100, 10)),
            days=draw(st.integers(40, 300)),
            status=Course.Status.RUNNING,
            weekdays=draw(st.lists(st.sampled_from([0, 2, 4]), unique=True, max_size=2)),
            time_from=draw(TIMES),
        )
        other.time_to = later(other.time_from, draw(st.sampled_from([60, 180]))) if other.time_from else None
        others.append(other)
        enrollments.append(Enrollment(participant=participant, course=other, status=Enrollment.Status.ENROLLED))
    courses = []
    for pk in range(1, 1 + draw(st.integers(1, 8))):
        candidate = course(
            pk,
            start=(after.course.end_date - TODAY).days + draw(st.integers(1, 200)),
            days=draw(st.integers(0, 200)),
            weekdays=draw(st.lists(st.sampled_from([0, 1, 2, 4]), unique=True, max_size=3)),
            time_from=draw(TIMES),
        )
        candidate.time_to = (
            later(candidate.time_from, draw(st.sampled_from([45, 90, 180]))) if candidate.time_from else None
        )
        if draw(st.booleans()):
            # At the boundaries of another course: its days and times, or right after them; from its last day on.
            other = draw(st.sampled_from(others))
            candidate.weekdays = list(other.weekdays)
            candidate.time_from, candidate.time_to = other.time_from, other.time_to
            if other.time_to is not None and draw(st.booleans()):
                candidate.time_from, candidate.time_to = other.time_to, later(other.time_to, 90)
            start = other.end_date + datetime.timedelta(days=draw(st.sampled_from([-30, 0, 1])))
            candidate.start_date = max(start, after.course.end_date + datetime.timedelta(days=1))
            candidate.end_date = max(candidate.end_date, candidate.start_date)
        courses.append(candidate)
    return participant, after, True, enrollments, courses


@HYPOTHESIS
@given(clash_scenarios())
def test_never_a_course_clashing_with_another_current_course(scenario):
    participant, after, _pass_after, enrollments, courses = scenario
    others = [e.course for e in enrollments if e is not after]
    suggestions = run(scenario)
    expected = {c.pk for c in courses if allowed(c, participant=participant, after=after, enrollments=enrollments)}
    assert set(ranked_pks(suggestions)) == expected
    for suggestion in suggestions:
        assert not any(clash(suggestion.course, other) for other in others)
    situation = matching.situation_for(participant=participant, after=after, enrollments=enrollments)
    for candidate in courses:
        if any(clash(candidate, other) for other in others) and allowed(
            candidate, participant=participant, after=after, enrollments=[after]
        ):
            assert exclusion(candidate, situation, TODAY) == "clash"


# --- Hard rules, one by one -----------------------------------------------------------------------------

EXCLUDED = [
    ("full", {"free_places": 0}),
    ("status", {"status": Course.Status.CANCELLED}),
    ("status", {"status": Course.Status.FINISHED}),
    ("status", {"status": Course.Status.RUNNING}),
    ("started", {"start": 0}),
    ("started", {"start": -10}),
    ("overlap", {"start": 7}),  # starts on the day the current course ends
    ("overlap", {"start": 3}),
    ("provider_inactive", {"provider": INACTIVE_PROVIDER}),
]


@pytest.mark.parametrize(("code", "fields"), EXCLUDED)
def test_hard_rule_excludes(code, fields):
    participant = person(level=Level.A1)
    after = ending(participant, ends_in=7)
    bad, good = course(1, **fields), course(2, start=20)
    suggestions = suggest(participant, [bad, good], after=after)
    assert ranked_pks(suggestions) == [2]
    situation = matching.situation_for(participant=participant, after=after, enrollments=[after])
    assert exclusion(bad, situation, TODAY) == code


def test_unreported_course_is_full_when_capacity_is_taken():
    participant = person(level=Level.A1)
    taken, room = course(1, free_places=None, capacity=12), course(2, free_places=None, capacity=12)
    with_places(taken, enrolled=12), with_places(room, enrolled=11)
    suggestions = suggest(participant, [taken, room])
    assert ranked_pks(suggestions) == [2]
    assert has_reason(suggestions, 2, "1 free place by capacity (not yet reported)")


def test_course_the_person_waits_for_or_sits_in_is_not_suggested():
    participant = person(level=Level.A1)
    after = ending(participant)
    waiting = course(1)
    enrollments = [after, Enrollment(participant=participant, course=waiting, status=Enrollment.Status.WAITING)]
    assert ranked_pks(suggest(participant, [waiting, course(2), after.course], enrollments=enrollments)) == [2]


@pytest.mark.parametrize(
    ("level", "level_from", "level_to", "backwards"),
    [
        (Level.A2, Level.A1, Level.A2, True),  # target already reached, starts below
        (Level.B1, Level.A2, Level.B1, True),  # a repetition when B1 is reached
        (Level.B1, Level.A1, Level.A2, True),  # ends below
        (Level.A2, Level.A2, Level.B1, False),  # a repetition at the same level
        (Level.A1, Level.PRE_A1, Level.B1, False),  # an integration course: placement test, joins at A1
        (Level.A2, Level.A2, Level.A2, False),  # consolidating the same level
        (Level.A1, Level.B1, Level.B2, False),  # too high is a soft matter, not backwards
        (None, Level.B2, Level.C1, False),
    ],
)
def test_step_backwards(level, level_from, level_to, backwards):
    assert matching.is_step_backwards(course(1, level_from=level_from, level_to=level_to), level) is backwards


# --- Learning path ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_type", "text"),
    [
        (CT.LK_NIEDRIG, "integration course after the low-threshold course"),
        (CT.EOK, "integration course after the initial orientation course"),
        (CT.NDS_BASIS, "integration course after the basic German course"),
    ],
)
def test_arrival_course_leads_to_integration_course(from_type, text):
    participant = person(level=Level.A1)
    after = ending(participant, from_type)
    candidates = [
        course(1, CT.SPRACHCAFE, free_places=5),
        course(2, CT.NDS_BASIS),
        course(3, CT.IK_ALLG),
        course(4, CT.BSK_B2),
        course(5, CT.IK_ALPHA),
    ]
    suggestions = suggest(participant, candidates, after=after)
    assert ranked_pks(suggestions)[:2] == [3, 2]
    assert suggestions[0].reasons[0] == f"Next step in the learning path: {text}"
    assert reasons_of(suggestions, 2)[0] == "Possible next step: another basic course up to A2"
    # A job-related B2 course starts two levels above A1: the person would miss the start (hard rule).
    assert 4 not in ranked_pks(suggestions)


@pytest.mark.parametrize(
    ("level_reached", "participant_level"),
    [(Level.B1, Level.A1), (None, Level.B1)],
    ids=["level-reached-B1", "course-target-B1-and-person-B1"],
)
def test_integration_course_ending_at_b1_leads_to_job_related_b2(level_reached, participant_level):
    participant = person(level=participant_level)
    after = ending(participant, CT.IK_ALLG, level_reached=level_reached)
    candidates = [course(1, CT.BSK_FACH), course(2, CT.BSK_B2), course(3, CT.IK_WIED), course(4, CT.BSK_C1)]
    suggestions = suggest(participant, candidates, after=after)
    assert ranked_pks(suggestions) == [2, 1, 4]  # the repetition A2–B1 is a step back once B1 is reached
    assert suggestions[0].reasons[0] == (
        "Next step in the learning path: job-related course B2 after the integration course"
    )


def test_integration_course_ending_at_a2_leads_to_repetition_or_job_related_b1():
    participant = person(level=Level.A1)
    after = ending(participant, CT.IK_ALLG, level_reached=Level.A2)
    candidates = [
        course(1, CT.BSK_B2),
        course(2, CT.IK_WIED, start=20),
        course(3, CT.BSK_B1, start=21),
        course(4, CT.IK_ALLG),
        course(5, CT.BSK_A2),  # A1–A2: nothing new for someone at A2
    ]
    suggestions = suggest(participant, candidates, after=after)
    assert ranked_pks(suggestions)[:2] == [2, 3]
    assert 5 not in ranked_pks(suggestions)
    assert reasons_of(suggestions, 2)[0] == (
        "Next step in the learning path: repeating the integration course to reach B1"
    )
    assert reasons_of(suggestions, 3)[0] == "Next step in the learning path: job-related special course towards B1"
    assert reasons_of(suggestions, 4)[0] == "Not a usual next step in the learning path"


def test_integration_course_ending_below_a2_leads_to_job_related_a2():
    participant = person(level=None)
    after = ending(participant, CT.IK_ALLG, level_reached=Level.A1)
    suggestions = suggest(participant, [course(1, CT.IK_ALLG), course(2, CT.BSK_A2)], after=after)
    assert ranked_pks(suggestions) == [2, 1]
    assert suggestions[0].reasons[0] == "Next step in the learning path: job-related special course towards A2"


@pytest.mark.parametrize(
    ("literacy", "level"),
    [
        (Participant.Literacy.NO, Level.ALPHA),
        (Participant.Literacy.PARTLY, Level.A1),
        (Participant.Literacy.YES, Level.ALPHA),
    ],
)
def test_literacy_learners_go_to_the_integration_course_with_literacy(literacy, level):
    participant = person(literacy=literacy, level=level)
    after = ending(participant, CT.LK_NIEDRIG)
    suggestions = suggest(participant, [course(1, CT.IK_ALLG), course(2, CT.IK_ALPHA)], after=after)
    assert ranked_pks(suggestions) == [2, 1]
    assert suggestions[0].reasons[0] == "Next step in the learning path: integration course with literacy training"
    assert suggestions[1].reasons[0] == "Possible next step: integration course without literacy training"


def test_second_script_learners_may_also_take_the_second_script_course():
    participant = person(literacy=Participant.Literacy.OTHER_SCRIPT, level=Level.A1)
    suggestions = suggest(participant, [course(1, CT.IK_ALLG), course(2, CT.IK_ZSL)], after=ending(participant))
    assert ranked_pks(suggestions) == [2, 1]
    assert suggestions[0].reasons[0] == "Next step in the learning path: course for second-script learners"


def test_b2_leads_to_job_related_c1():
    participant = person(level=Level.B2)
    after = ending(participant, CT.BSK_B2)
    suggestions = suggest(
        participant, [course(1, CT.BSK_ANERK), course(2, CT.BSK_C1), course(3, CT.BSK_B2)], after=after
    )
    assert ranked_pks(suggestions) == [2, 1]
    assert suggestions[0].reasons[0] == "Next step in the learning path: job-related course C1 after reaching B2"


def test_language_cafe_is_a_supplement_and_ranks_low():
    participant = person(level=Level.A1)
    cafe = course(1, CT.SPRACHCAFE, funder=Funder.DONATIONS, free_places=20, start=8, childcare=True)
    suggestions = suggest(participant, [cafe, course(2, CT.IK_ALLG, start=60), course(3, CT.NDS_BASIS, start=60)])
    assert ranked_pks(suggestions) == [2, 3, 1]
    assert suggestions[-1].reasons[0] == "Language café as a supplement, not a course step"


def test_level_falls_back_to_the_course_target():
    participant = person(level=None)
    after = ending(participant, CT.IK_ALLG)  # target B1, nothing recorded
    assert matching.current_level(participant, after) == Level.B1
    assert ranked_pks(suggest(participant, [course(1, CT.BSK_B2), course(2, CT.IK_WIED)], after=after)) == [1]


# --- Soft rules ------------------------------------------------------------------------------------------


def test_rail_line_counts_as_closer():
    participant = person(municipality=place("Diepholz"), level=Level.A1)
    by_train, by_road = course(1, where="Bassum"), course(2, where="Sulingen")
    km_train = matching.distance_km(place("Diepholz"), place("Bassum"))
    km_road = matching.distance_km(place("Diepholz"), place("Sulingen"))
    assert km_train > km_road  # Bassum is further on the map ...
    suggestions = suggest(participant, [by_road, by_train])
    assert ranked_pks(suggestions) == [1, 2]  # ... but closer by train
    assert f"{round(km_train)} km from home (rail line RE 9)" in reasons_of(suggestions, 1)
    assert f"{round(km_road)} km from home" in reasons_of(suggestions, 2)


def test_rail_reason_names_both_lines_where_both_stop():
    participant = person(municipality=place("Syke"))
    suggestions = suggest(participant, [course(1, where="Twistringen")])
    assert any(re.fullmatch(r"\d+ km from home \(rail line RE 9, RS 2\)", r) for r in suggestions[0].reasons)


def test_mobility_local_needs_the_home_municipality():
    """Someone who can only attend in the home municipality is never offered a course elsewhere (hard rule)."""
    participant = person(municipality=place("Syke"), mobility=Participant.Mobility.LOCAL)
    elsewhere, home = course(1, where="Weyhe", start=20), course(2, where="Syke", start=60)
    suggestions = suggest(participant, [elsewhere, home])
    assert ranked_pks(suggestions) == [2]
    assert "In the home municipality (Syke)" in reasons_of(suggestions, 2)
    situation = matching.situation_for(participant=participant, after=None, enrollments=[])
    assert exclusion(elsewhere, situation, TODAY) == "mobility"


def test_public_transport_prefers_rail():
    participant = person(municipality=place("Diepholz"), mobility=Participant.Mobility.PUBLIC_TRANSPORT)
    suggestions = suggest(participant, [course(1, where="Kirchdorf"), course(2, where="Barnstorf")])
    assert ranked_pks(suggestions) == [2, 1]
    assert "Reachable by train" in reasons_of(suggestions, 2)
    assert "No train connection, only by bus" in reasons_of(suggestions, 1)


def test_online_course_needs_no_travel():
    participant = person(municipality=place("Wagenfeld"), mobility=Participant.Mobility.LOCAL)
    suggestions = suggest(participant, [course(1, where="Stuhr", online=True)])
    assert "Online course: no travel" in suggestions[0].reasons
    assert not any("home municipality" in r for r in suggestions[0].reasons)


def test_childcare_when_needed():
    participant = person(needs_childcare=True)
    without = course(1)
    offered = course(2, childcare=True)
    on_site = course(3)
    on_site.venue = venue(place("Syke"), childcare_on_site=True)
    suggestions = suggest(participant, [without, offered, on_site])
    assert ranked_pks(suggestions) == [2, 3, 1]
    assert "Childcare available" in reasons_of(suggestions, 3)
    assert "No childcare, although needed" in reasons_of(suggestions, 1)
    assert not any("hildcare" in r for r in suggest(person(), [without])[0].reasons)


def test_times_of_day():
    participant = person(times=[TimeOfDay.MORNING, TimeOfDay.WEEKEND])
    evening = course(1, time_from=datetime.time(18))
    morning = course(2, time_from=datetime.time(9))
    saturday = course(3, time_from=datetime.time(14), weekdays=[5])
    afternoon = course(4, time_from=datetime.time(12, 30))
    suggestions = suggest(participant, [evening, morning, saturday, afternoon])
    assert ranked_pks(suggestions)[:2] == [2, 3]
    assert "mornings, as wished" in reasons_of(suggestions, 2)
    assert "weekends, as wished" in reasons_of(suggestions, 3)
    assert "evenings, outside the possible times (mornings, weekends)" in reasons_of(suggestions, 1)
    assert "afternoons, outside the possible times (mornings, weekends)" in reasons_of(suggestions, 4)


def test_route_must_fit_the_funder():
    # A county-course route gives no access to a BAMF course: only the open Land course is suggested ...
    no_access = person(level=Level.A1, route=Route.COUNTY_COURSE)
    candidates = [course(1, CT.IK_ALLG), course(2, CT.NDS_BASIS)]
    suggestions = suggest(no_access, candidates, after=ending(no_access, CT.LK_NIEDRIG))
    assert ranked_pks(suggestions) == [2]
    assert "Access fits: Land course, open to everyone" in reasons_of(suggestions, 2)
    # ... unless asked for: then the integration course follows, saying what is needed first.
    with_admission = suggest_follow_ups(
        participant=no_access,
        after=ending(no_access, CT.LK_NIEDRIG),
        courses=candidates,
        enrollments=[],
        today=TODAY,
        admission_first=True,
    )
    assert ranked_pks(with_admission) == [2, 1]
    assert with_admission[0].needs == ""
    assert with_admission[1].needs.startswith("Needs an entitlement, an obligation or an admission (BAMF)")
    assert "No access yet: a BAMF course needs a claim, an obligation or an admission" in with_admission[1].reasons
    # With a claim the integration course comes first.
    claim = person(level=Level.A1, route=Route.LEGAL_CLAIM)
    suggestions = suggest(claim, candidates, after=ending(claim, CT.LK_NIEDRIG))
    assert ranked_pks(suggestions) == [1, 2]
    assert "Access fits: Legal claim (§ 44 AufenthG)" in reasons_of(suggestions, 1)
    # Self-payers fit any course; an unknown route is to be checked.
    assert "Access fits: Self-payer" in suggest(person(route=Route.SELF_PAYER), candidates)[0].reasons
    unknown = suggest(person(route=Route.UNKNOWN), [course(1)])[0]
    assert "Access to be checked: a BAMF course needs a claim, an obligation or an admission" in unknown.reasons


def test_county_course_is_open_to_all():
    suggestions = suggest(person(route=Route.UNKNOWN, level=Level.ALPHA), [course(1, CT.LK_NIEDRIG)])
    assert "Access fits: county course, open to everyone" in suggestions[0].reasons


def test_smaller_gap_is_better_and_more_than_twelve_weeks_is_penalised():
    participant = person(level=Level.A1)
    after = ending(participant, ends_in=7)
    soon, later, much_later = course(1, start=12), course(2, start=50), course(3, start=7 + 13 * 7)
    suggestions = suggest(participant, [much_later, later, soon], after=after)
    assert ranked_pks(suggestions) == [1, 2, 3]
    assert "starts 5 days after the current course ends" in reasons_of(suggestions, 1)
    assert "starts only 13 weeks after the current course ends" in reasons_of(suggestions, 3)
    assert "starts in 12 days" in suggest(participant, [soon])[0].reasons


def test_more_free_places_rank_higher():
    participant = person()
    suggestions = suggest(participant, [course(1, free_places=1), course(2, free_places=4)])
    assert ranked_pks(suggestions) == [2, 1]
    assert "4 free places" in reasons_of(suggestions, 2)
    assert "1 free place" in reasons_of(suggestions, 1)


def test_ties_break_by_start_date_then_primary_key():
    participant = person()
    twins = [course(7, start=11), course(3, start=11), course(5, start=10)]  # all within GAP_FULL_DAYS
    for c in twins:
        c.time_from = None
    scores = {s.course.pk: s.score for s in suggest(participant, twins)}
    assert len(set(scores.values())) == 1
    assert ranked_pks(suggest(participant, twins)) == [5, 3, 7]


def test_enrollment_of_someone_else_is_refused():
    participant = person(pk=1)
    other = ending(person(pk=2))
    with pytest.raises(ValueError, match="another participant"):
        suggest(participant, [course(1)], after=other)


# --- With the database -----------------------------------------------------------------------------------


@pytest.fixture
def district(db):
    syke = factories.MunicipalityFactory(name="Syke", seat_lat="52.915", seat_lon="8.816")
    bassum = factories.MunicipalityFactory(name="Bassum", seat_lat="52.848", seat_lon="8.726")
    sending = factories.ProviderFactory(name="Sendender Träger", municipality=syke)
    receiving = factories.ProviderFactory(name="Aufnehmender Träger", municipality=bassum)
    today = timezone.localdate()
    ending_course = factories.CourseFactory(
        provider=sending,
        course_type=CT.LK_NIEDRIG,
        funder=Funder.COUNTY,
        level_from=Level.ALPHA,
        level_to=Level.A1,
        start_date=today - datetime.timedelta(days=80),
        end_date=today + datetime.timedelta(days=10),
        status=Course.Status.RUNNING,
    )
    return sending, receiving, ending_course, today


def add_candidates(receiving, today, n, offset=0):
    types = [CT.IK_ALLG, CT.NDS_BASIS, CT.IK_ALPHA, CT.BSK_B2, CT.SPRACHCAFE]
    courses = []
    for i in range(offset, offset + n):
        course_type = types[i % len(types)]
        _units, level_from, level_to, funder = COURSE_TYPE_DEFAULTS[course_type]
        courses.append(
            factories.CourseFactory(
                provider=receiving,
                course_type=course_type,
                funder=funder,
                level_from=level_from,
                level_to=level_to,
                start_date=today + datetime.timedelta(days=14 + i % 40),
                childcare=bool(i % 2),
            )
        )
    return courses


def add_participants(ending_course, n, *, waiting_for=None):
    people = []
    for i in range(n):
        participant = factories.ParticipantFactory(
            provider=ending_course.provider,
            level=Level.A1,
            literacy="yes" if i % 3 else "no",
            times=["morning"],
            needs_childcare=bool(i % 2),
            mobility="public",
        )
        Enrollment.objects.create(participant=participant, course=ending_course, status="enrolled")
        if waiting_for is not None:
            Enrollment.objects.create(participant=participant, course=waiting_for, status="waiting")
        people.append(participant)
    return people


def test_candidate_courses_only_with_a_free_place(district):
    sending, receiving, ending_course, today = district
    reported_full = factories.CourseFactory(provider=receiving, capacity=5, min_size=1)
    factories.report(reported_full, 0)
    reported_free = factories.CourseFactory(provider=receiving, capacity=5, min_size=1)
    factories.report(reported_free, 2)
    taken = factories.CourseFactory(provider=receiving, capacity=2, min_size=1)
    room = factories.CourseFactory(provider=receiving, capacity=2, min_size=1)
    for target, status in [(taken, "enrolled"), (taken, "enrolled"), (room, "enrolled"), (room, "waiting")]:
        Enrollment.objects.create(
            participant=factories.ParticipantFactory(provider=sending), course=target, status=status
        )
    started = factories.CourseFactory(provider=receiving, start_date=today)
    cancelled = factories.CourseFactory(provider=receiving, status=Course.Status.CANCELLED)
    found = {c.pk: c for c in matching.candidate_courses(today=today)}
    assert reported_free.pk in found and room.pk in found
    assert not {reported_full.pk, taken.pk, started.pk, cancelled.pk, ending_course.pk} & set(found)
    assert found[room.pk].places_enrolled == 1


def test_suggest_follow_ups_finds_the_current_course_itself(district, django_assert_num_queries):
    sending, receiving, ending_course, today = district
    ik, overlapping, waited_for = add_candidates(receiving, today, 3)
    overlapping.start_date = ending_course.end_date
    overlapping.save()
    participant = add_participants(ending_course, 1, waiting_for=waited_for)[0]
    participant = Participant.objects.select_related("municipality").get(pk=participant.pk)
    with django_assert_num_queries(2):  # the person's enrollments, the candidates
        suggestions = suggest_follow_ups(participant=participant, today=today)
    assert ranked_pks(suggestions) == [ik.pk]
    assert "starts 4 days after the current course ends" in suggestions[0].reasons


def test_suggest_for_course_covers_enrolled_and_completed_people(district):
    sending, receiving, ending_course, today = district
    add_candidates(receiving, today, 5)
    enrolled, completed, dropped, anonymised = add_participants(ending_course, 4)
    Enrollment.objects.filter(participant=completed).update(status="completed", level_reached=Level.A2)
    Enrollment.objects.filter(participant=dropped).update(status="dropped")
    Participant.objects.filter(pk=anonymised.pk).update(status=Participant.Status.ANONYMISED)
    result = matching.suggest_for_course(course=ending_course, today=today)
    assert set(result) == {enrolled.pk, completed.pk}
    assert all(result.values())
    assert all(len(suggestions) <= 5 for suggestions in result.values())
    alone = suggest_follow_ups(participant=enrolled, today=today, limit=5)
    assert [(s.course.pk, s.score, s.reasons) for s in alone] == [
        (s.course.pk, s.score, s.reasons) for s in result[enrolled.pk]
    ]


def test_suggest_for_course_query_count_does_not_grow(district):
    sending, receiving, ending_course, today = district
    waited_for = add_candidates(receiving, today, 5)[0]
    add_participants(ending_course, 3, waiting_for=waited_for)

    def measure():
        with CaptureQueriesContext(connection) as context:
            result = matching.suggest_for_course(course=ending_course, today=today)
        return len(context.captured_queries), "\n".join(q["sql"] for q in context.captured_queries), result

    small, small_sql, small_result = measure()
    assert len(small_result) == 3
    other_municipality = factories.MunicipalityFactory(name="Weyhe", seat_lat="52.981", seat_lon="8.840")
    add_candidates(factories.ProviderFactory(municipality=other_municipality), today, 25, offset=5)
    add_candidates(receiving, today, 20, offset=30)
    add_participants(ending_course, 27, waiting_for=waited_for)
    large, large_sql, large_result = measure()
    assert len(large_result) == 30
    assert small == large, f"queries grew from {small} to {large}:\n{large_sql}"
    assert large == 3, f"{large} queries (participants, their enrollments, candidates):\n{large_sql}"


def test_suggest_for_course_without_participants_is_one_query(district, django_assert_num_queries):
    _sending, _receiving, ending_course, today = district
    with django_assert_num_queries(1):
        assert matching.suggest_for_course(course=ending_course, today=today) == {}


def test_shuffled_database_candidates_rank_the_same(district):
    sending, receiving, ending_course, today = district
    add_candidates(receiving, today, 12)
    participant = add_participants(ending_course, 1)[0]
    courses = list(matching.candidate_courses(today=today))
    first = suggest_follow_ups(participant=participant, courses=courses, today=today, limit=None)
    random.Random(4).shuffle(courses)
    assert suggest_follow_ups(participant=participant, courses=courses, today=today, limit=None) == first


def test_a_course_clashing_with_the_persons_language_cafe_is_left_out(district, django_assert_num_queries):
    sending, receiving, ending_course, today = district
    cafe = factories.CourseFactory(
        provider=receiving,
        course_type=CT.SPRACHCAFE,
        level_from=Level.ALPHA,
        level_to=Level.B1,
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=200),
        weekdays=[2],
        time_from=datetime.time(17),
        time_to=datetime.time(19),
        status=Course.Status.RUNNING,
    )
    evening, morning = (
        factories.CourseFactory(
            provider=receiving,
            course_type=CT.IK_ALLG,
            level_from=Level.PRE_A1,
            level_to=Level.B1,
            start_date=ending_course.end_date + datetime.timedelta(days=7),
            weekdays=[0, 2],
            time_from=time_from,
            time_to=time_to,
        )
        for time_from, time_to in [(datetime.time(18), datetime.time(21)), (datetime.time(9), datetime.time(12))]
    )
    people = add_participants(ending_course, 3)
    Enrollment.objects.create(participant=people[0], course=cafe, status="enrolled")
    with django_assert_num_queries(3):  # participants, their enrollments, candidates: as without the café
        result = matching.suggest_for_course(course=ending_course, today=today, limit=None)
    assert morning.pk in ranked_pks(result[people[0].pk]) and evening.pk not in ranked_pks(result[people[0].pk])
    assert {morning.pk, evening.pk} <= set(ranked_pks(result[people[1].pk]))


def test_reasons_are_in_the_active_language_of_each_ranking():
    """The ranking keeps translations per language: German after English, English after German."""
    participant = person(level=Level.A1, times=["morning"])
    after = ending(participant, CT.EOK)
    candidates = [course(3, CT.IK_ALLG), course(2, CT.NDS_BASIS)]
    english = suggest(participant, candidates, after=after)
    with translation.override("de"):
        german = suggest(participant, candidates, after=after)
    again = suggest(participant, candidates, after=after)
    assert [s.reasons for s in again] == [s.reasons for s in english]
    assert german[0].reasons != english[0].reasons
    assert german[0].reasons[0].startswith("Nächster Schritt") and english[0].reasons[0].startswith("Next step")
    assert [r.fit for r in german[0].reasons] == [r.fit for r in english[0].reasons]
    # Outside a ranking the module's translations are plain gettext.
    with translation.override("de"):
        assert matching._("Time of day not yet fixed") == translation.gettext("Time of day not yet fixed")
