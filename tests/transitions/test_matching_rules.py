"""The matching's hard rules one by one, as properties: a course is suggested exactly when the rule (written out
here) allows it, and an excluded course says why. Then the whole demo district: no suggestion and no handover
breaks a hard rule."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.domain import CourseType, Funder, Level
from participants.models import Participant, Route
from transitions import matching, selectors
from transitions.matching import Reason, exclusion, suggest_follow_ups
from transitions.models import Handover

from .test_matching import PLACES, TODAY, course, person

CT = CourseType
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(participant, candidate, *, after=None, admission_first=False):
    enrollments = [after] if after is not None else []
    return suggest_follow_ups(
        participant=participant,
        after=after,
        courses=[candidate],
        enrollments=enrollments,
        today=TODAY,
        admission_first=admission_first,
    )


def situation(participant, after=None):
    return matching.situation_for(participant=participant, after=after, enrollments=[after] if after else [])


@PROPERTY
@given(gender=st.sampled_from(["", "f", "m", "d"]), women_only=st.booleans())
def test_women_only_courses_are_never_suggested_to_men(gender, women_only):
    participant = person(gender=gender)
    candidate = course(1, CT.IK_FRAUEN, women_only=women_only)
    suggested = bool(run(participant, candidate))
    assert suggested == (not (women_only and gender == "m"))
    if not suggested:
        assert exclusion(candidate, situation(participant), TODAY) == "women_only"
    elif women_only:
        reasons = run(participant, candidate)[0].reasons
        fit = {r.fit for r in reasons if "women" in r.lower()}
        assert fit == ({Reason.GOOD} if gender == "f" else {Reason.CHECK})


@PROPERTY
@given(
    age=st.integers(15, 40),
    exact=st.booleans(),
    day_offset=st.integers(-200, 200),
    age_min=st.none() | st.sampled_from([16, 18]),
    age_max=st.none() | st.sampled_from([26, 27, 30]),
)
def test_the_age_at_the_start_must_fit_for_sure(age, exact, day_offset, age_min, age_max):
    candidate = course(1, CT.IK_JUGEND, age_min=age_min, age_max=age_max, start=40)
    start = candidate.start_date
    born = start - datetime.timedelta(days=round(age * 365.25) + day_offset)
    participant = person(birth_year=born.year, birth_date=born if exact else None)
    # The rule: with a date of birth the age on the first course day; with only the year it is one of two, and
    # the course is excluded only when both are outside the range.
    if exact:
        ages = {start.year - born.year - ((start.month, start.day) < (born.month, born.day))}
    else:
        ages = {start.year - born.year - 1, start.year - born.year}

    def inside(a):
        return (age_min is None or a >= age_min) and (age_max is None or a <= age_max)

    suggested = bool(run(participant, candidate))
    assert suggested == any(inside(a) for a in ages)
    if not suggested:
        assert exclusion(candidate, situation(participant), TODAY) == "age"


@PROPERTY
@given(is_parent=st.none() | st.booleans(), childcare=st.booleans(), parents_only=st.booleans())
def test_parents_courses_only_for_parents(is_parent, childcare, parents_only):
    participant = person(is_parent=is_parent, needs_childcare=childcare)
    candidate = course(1, CT.IK_ELTERN, parents_only=parents_only, childcare=True)
    known = is_parent if is_parent is not None else (True if childcare else None)
    suggested = bool(run(participant, candidate))
    assert suggested == (not (parents_only and known is False))
    if not suggested:
        assert exclusion(candidate, situation(participant), TODAY) == "parents"


@PROPERTY
@given(level=st.sampled_from(Level.values[:6]), entry=st.sampled_from(Level.values[:7]))
def test_entry_level_at_most_one_step_above(level, entry):
    participant = person(level=level)
    candidate = course(1, CT.BSK_B1, level_from=entry, level_to=max(entry, Level.C1))
    suggested = bool(run(participant, candidate))
    backwards = candidate.level_to < level or (entry < level and candidate.level_to <= level)
    assert suggested == (entry <= level + 1 and not backwards)
    if entry > level + 1:
        assert exclusion(candidate, situation(participant), TODAY) == "entry_level"
    elif suggested and entry == level + 1:
        assert any(r.fit == Reason.BAD and r.startswith("Starts at") for r in run(participant, candidate)[0].reasons)


@PROPERTY
@given(
    mobility=st.sampled_from(["", *Participant.Mobility.values]),
    home=st.sampled_from(list(PLACES)),
    there=st.sampled_from(list(PLACES)),
    online=st.booleans(),
)
def test_local_mobility_means_the_home_municipality(mobility, home, there, online):
    participant = person(municipality=PLACES[home], mobility=mobility)
    candidate = course(1, where=there, online=online)
    suggested = bool(run(participant, candidate))
    assert suggested == (mobility != "local" or online or home == there)
    if not suggested:
        assert exclusion(candidate, situation(participant), TODAY) == "mobility"


@PROPERTY
@given(
    route=st.sampled_from(Route.values), funder=st.sampled_from(Funder.values), course_type=st.sampled_from(CT.values)
)
def test_no_access_route_only_in_the_admission_first_section(route, funder, course_type):
    participant = person(route=route, level=Level.A1)
    candidate = course(1, course_type, funder=funder, level_from=Level.A1, level_to=Level.B1)
    no_access = funder == Funder.BAMF and route in (Route.LAND_COURSE, Route.COUNTY_COURSE)
    plain, asked = run(participant, candidate), run(participant, candidate, admission_first=True)
    if exclusion(candidate, situation(participant), TODAY) not in (None, "no_access"):
        return  # another rule excludes it (e.g. a step back): nothing to see here
    assert bool(plain) == (not no_access)
    assert len(asked) == 1
    assert bool(asked[0].needs) == no_access
    if no_access:
        assert asked[0].needs.startswith("Needs")


def test_the_reasons_say_whether_they_fit():
    participant = person(needs_childcare=True, times=["morning"], route=Route.LEGAL_CLAIM)
    suggestion = run(participant, course(1, time_from=datetime.time(18)))[0]
    fits = {str(r): r.fit for r in suggestion.reasons}
    assert fits["No childcare, although needed"] == Reason.BAD
    assert fits["evenings, outside the possible times (mornings)"] == Reason.BAD
    assert fits["Access fits: Legal claim (§ 44 AufenthG)"] == Reason.GOOD
    assert fits["3 free places"] == Reason.GOOD
    assert all(r.fit in (Reason.GOOD, Reason.BAD, Reason.CHECK, Reason.INFO) for r in suggestion.reasons)


def test_a_handover_is_refused_for_a_course_the_person_is_not_meant_for(db):
    from django.core.exceptions import ValidationError

    from transitions import services

    from .. import factories

    man = factories.ParticipantFactory(gender="m")
    women = factories.CourseFactory(course_type=CT.IK_FRAUEN, women_only=True, title="Frauenkurs")
    with pytest.raises(ValidationError) as error:
        services.handover_propose(actor=factories.coordinator(), participant=man, to_course=women)
    assert error.value.code == "target_group"


# --- The whole demo district ------------------------------------------------------------------------------------


def _ages(participant, day):
    if participant.birth_date:
        b = participant.birth_date
        age = day.year - b.year - ((day.month, day.day) < (b.month, b.day))
        return age, age
    if participant.birth_year:
        return day.year - participant.birth_year - 1, day.year - participant.birth_year
    return None


def broken_rules(target, participant, level):
    """Every hard rule a course would break for the person (written out independently of the module)."""
    broken = []
    if target.women_only and participant.gender == "m":
        broken.append("women_only")
    ages = _ages(participant, target.start_date)
    if ages and target.age_max is not None and ages[0] > target.age_max:
        broken.append("age_max")
    if ages and target.age_min is not None and ages[1] < target.age_min:
        broken.append("age_min")
    known_parent = participant.is_parent if participant.is_parent is not None else participant.needs_childcare or None
    if target.parents_only and known_parent is False:
        broken.append("parents")
    if target.funder == Funder.BAMF and participant.route in (Route.LAND_COURSE, Route.COUNTY_COURSE):
        broken.append("no_access")
    if participant.mobility == "local" and target.venue_id and target.municipality_id != participant.municipality_id:
        broken.append("mobility")
    if level is not None and target.course_type != CT.SPRACHCAFE and target.level_from > level + 1:
        broken.append("entry_level")
    return broken


@pytest.mark.django_db
def test_no_suggestion_or_handover_in_the_demo_district_breaks_a_hard_rule():
    call_command("seed_demo", verbosity=0)
    today = timezone.localdate()
    coordinator = get_user_model().objects.get(username="koordination")
    checked, broken = 0, []
    # The ending-course pages (every course ending within the horizon), as the coordinator sees them.
    for ending_course in selectors.ending_courses_all(today=today):
        for row in selectors.ending_course_rows(user=coordinator, course=ending_course, today=today):
            participant = row["enrollment"].participant
            level = matching.current_level(participant, row["enrollment"])
            for suggestion in row["suggestions"]:
                checked += 1
                for rule in broken_rules(suggestion.course, participant, level):
                    broken.append((participant.code, suggestion.course.title, rule))
    # The participant pages' "fitting next courses" of every active person.
    candidates = list(matching.candidate_courses(today=today))
    for participant in Participant.objects.filter(status="active").select_related("municipality"):
        for suggestion in suggest_follow_ups(participant=participant, courses=candidates, today=today, limit=3):
            checked += 1
            level = matching.situation_for(
                participant=participant,
                after=matching._current_enrollment(matching._load_enrollments(participant)),
                enrollments=matching._load_enrollments(participant),
            ).level
            for rule in broken_rules(suggestion.course, participant, level):
                broken.append((participant.code, suggestion.course.title, rule))
    assert checked > 300
    assert not broken, broken[:10]
    # Every handover of the demo, at the level the person had when it was made.
    handovers = Handover.objects.exclude(to_course=None).select_related(
        "participant", "to_course", "from_enrollment__course"
    )
    assert handovers.count() > 50
    for handover in handovers:
        before = handover.from_enrollment
        level = before.level_reached if before and before.level_reached is not None else None
        if level is None:
            level = before.course.level_to if before else handover.participant.level
        assert not broken_rules(handover.to_course, handover.participant, level), (handover, handover.status)
