"""Matching: rank follow-up courses across all providers for a participant whose course is ending.

Two steps, kept apart so the ranking can run on given lists without the database (and so be property-tested):
1. Hard rules decide what may be suggested at all (``exclusion``), each with its reason in words: never a full,
   cancelled, finished or started course, never one overlapping the current course, never one clashing with
   another course the person sits in (a language café, a second course), never a step backwards in level, never
   a course the person is already enrolled in or waiting for; never a course whose target group the person is
   not in (women only, age at the course's start, parents), never an entry level more than one step above the
   person's, never a course elsewhere for someone who can only attend in the home municipality, and never a BAMF
   course without an access route — unless asked (``admission_first``): then such courses come back marked
   with what is needed first.
2. Soft rules score what is left (``WEIGHTS``) and every score comes with its reasons in words, each marked as
   fitting, not fitting or to be checked (``Reason.fit``), so the coordinator sees why a course is ranked where
   it is.

The progressions follow the domain notes ("Typical progression"): arrival courses (county low-threshold,
EOK, Land basic course) → integration course; integration course ending at B1 → job-related B2; ending at A2
→ repetition or job-related A2/B1; literacy learners → integration course with literacy training; B2 → C1.

Ranking many people against the same courses (everyone in the courses ending soon) goes through
``Candidates``, which gives exactly what the two steps give (the tests compare them on random data) without
wording reasons for courses that do not make the top.

Matching reads courses of all providers and knows nothing of the acting user: callers check access to the
participant (and show only what the user may see) before they call it.
"""

from __future__ import annotations

import bisect
import contextvars
import datetime
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation

from courses.domain import CourseType, Funder, Level
from courses.models import Course, Municipality
from courses.places import places_of
from participants.models import Enrollment, Participant, Route, TimeOfDay

# Soft scoring. A course's score is the sum of the parts that apply; the learning path outweighs everything
# else, so a fitting next step a bit further away still ranks above a nearby course off the path.
WEIGHTS: dict[str, float] = {
    # Learning path: the usual next step, an accepted alternative, a supplement (language café), or a course
    # that fits the level but is no usual step.
    "path_next_step": 100.0,
    "path_alternative": 50.0,
    "path_supplement": 5.0,
    "path_other": 0.0,
    # The entry level lies one step above the person's current level (more is a hard rule: they would miss
    # the start).
    "entry_above_level_per_step": -20.0,
    # A literacy course for someone who reads and writes the Latin script.
    "literacy_course_for_literate": -40.0,
    "literacy_course_for_learner": 10.0,
    # Per free place now, counted up to FREE_PLACES_COUNTED; places only estimated from capacity minus
    # enrolled (no report yet) count half, since the provider has not confirmed them.
    "free_place": 3.0,
    "free_places_estimated_factor": 0.5,
    # Start soon after the current course ends (or after today without one): the full bonus up to GAP_FULL_DAYS,
    # falling linearly to nothing at GAP_LIMIT_DAYS (12 weeks); a later start is penalised.
    "gap_soon": 30.0,
    "gap_too_long": -30.0,
    # Per km between the municipality seats (home and course); when both are on the railway line the km
    # count only by this factor (the RE 9 makes them closer than the map says).
    "distance_per_km": -0.8,
    "rail_distance_factor": 0.5,
    # Mobility "public transport only" with or without a railway connection ("only in the home municipality"
    # and a course elsewhere is a hard rule).
    "public_transport_rail": 10.0,
    "public_transport_no_rail": -20.0,
    # Time of day against the times the person can attend.
    "time_fits": 15.0,
    "time_does_not_fit": -25.0,
    # Childcare, when the person needs it.
    "childcare_available": 20.0,
    "childcare_missing": -40.0,
    # Route into courses against the course's funder.
    "route_fits": 20.0,
    "route_open": 10.0,
    "route_unknown": -10.0,
    "route_missing": -60.0,
}
FREE_PLACES_COUNTED = 5
GAP_FULL_DAYS = 14
GAP_LIMIT_DAYS = 12 * 7

# Municipalities with a station on the Osnabrück–Bremen line and the lines that stop there (domain notes,
# "Rail and buses"; Weyhe = Kirchweyhe). Nothing else in the county has passenger trains.
RAIL_LINES: dict[str, tuple[str, ...]] = {
    "Altes Amt Lemförde": ("RE 9",),
    "Diepholz": ("RE 9",),
    "Barnstorf": ("RE 9",),
    "Twistringen": ("RE 9", "RS 2"),
    "Bassum": ("RE 9", "RS 2"),
    "Syke": ("RE 9", "RS 2"),
    "Weyhe": ("RE 9", "RS 2"),
}

_ARRIVAL = {CourseType.LK_NIEDRIG, CourseType.EOK, CourseType.NDS_BASIS}
_INTEGRATION_GENERAL = {
    CourseType.IK_ALLG,
    CourseType.IK_ZSL,
    CourseType.IK_JUGEND,
    CourseType.IK_ELTERN,
    CourseType.IK_FRAUEN,
    CourseType.IK_FOERDER,
    CourseType.IK_INTENSIV,
}
_INTEGRATION = _INTEGRATION_GENERAL | {CourseType.IK_ALPHA, CourseType.IK_WIED, CourseType.OK}
_JOB_SPECIAL = {CourseType.BSK_A2, CourseType.BSK_B1}
_JOB_FROM_B1 = {CourseType.BSK_FACH, CourseType.BSK_ANERK, CourseType.NDS_IHF}
_JOB_ALL = _JOB_SPECIAL | {CourseType.BSK_B2, CourseType.BSK_C1, CourseType.BSK_ANERK, CourseType.BSK_FACH}
_BAMF_ROUTES = {Route.LEGAL_CLAIM, Route.OBLIGED_IMMIGRATION, Route.OBLIGED_JOBCENTER, Route.BAMF_ADMISSION}
_OPEN_ENROLLMENT = (Enrollment.Status.WAITING, Enrollment.Status.ENROLLED)
_WEEKEND = {5, 6}


# The ranking words thousands of reasons per person with a few dozen texts: while a ranking runs, translations
# are looked up once per language (a plain gettext costs a lookup of the active language each time).
_RANKING_LANGUAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("ranking_language", default=None)
_TRANSLATED: dict[tuple, str] = {}


def _(message: str) -> str:
    language = _RANKING_LANGUAGE.get()
    if language is None:
        return translation.gettext(message)
    key = (language, message)
    if key not in _TRANSLATED:
        _TRANSLATED[key] = translation.gettext(message)
    return _TRANSLATED[key]


def ngettext(singular: str, plural: str, number: int) -> str:
    language = _RANKING_LANGUAGE.get()
    if language is None:
        return translation.ngettext(singular, plural, number)
    # The plural form depends on the number; German and English have two, so the number's form is kept per
    # number (a few dozen numbers: days, weeks, places).
    key = (language, singular, plural, number)
    if key not in _TRANSLATED:
        _TRANSLATED[key] = translation.ngettext(singular, plural, number)
    return _TRANSLATED[key]


def _label(choice) -> str:
    """A choice's label (Level, Route, TimeOfDay), translated once per language while a ranking runs."""
    language = _RANKING_LANGUAGE.get()
    if language is None:
        return str(choice.label)
    key = (language, type(choice).__name__, choice.value)
    if key not in _TRANSLATED:
        _TRANSLATED[key] = str(choice.label)
    return _TRANSLATED[key]


class Reason(str):
    """A reason in words (the active language), marked as fitting, not fitting or to be checked: pages show an
    icon and a word for it, not colour alone."""

    GOOD, BAD, CHECK, INFO = "good", "bad", "check", "info"
    fit: str

    def __new__(cls, text: str, fit: str) -> Reason:
        reason = super().__new__(cls, text)
        reason.fit = fit
        return reason


def good(text: str) -> Reason:
    return Reason(text, Reason.GOOD)


def bad(text: str) -> Reason:
    return Reason(text, Reason.BAD)


def check(text: str) -> Reason:
    return Reason(text, Reason.CHECK)


def info(text: str) -> Reason:
    return Reason(text, Reason.INFO)


@dataclass(frozen=True)
class Suggestion:
    """A follow-up course, its score (higher is better) and the reasons, in the active language. ``needs`` says
    what the person needs first (an admission) for a course shown only in the "admission first" section."""

    course: Course
    score: float
    reasons: tuple[Reason, ...]
    needs: str = ""


@dataclass(frozen=True)
class Person:
    """What the target-group rules need to know about the person."""

    gender: str
    birth_year: int | None
    birth_date: datetime.date | None
    is_parent: bool | None
    needs_childcare: bool

    @classmethod
    def of(cls, participant: Participant) -> Person:
        return cls(
            gender=participant.gender,
            birth_year=participant.birth_year,
            birth_date=participant.birth_date,
            is_parent=participant.is_parent,
            needs_childcare=participant.needs_childcare,
        )

    def age_range_at(self, day: datetime.date) -> tuple[int, int] | None:
        """The person's age on `day`: exact with a date of birth, else one of two with only the year."""
        if self.birth_date is not None:
            age = (
                day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))
            )
            return age, age
        if self.birth_year is not None:
            return day.year - self.birth_year - 1, day.year - self.birth_year
        return None

    @property
    def parent(self) -> bool | None:
        """Known to have children (recorded, or needing childcare), known not to, or not known."""
        if self.is_parent is not None:
            return self.is_parent
        return True if self.needs_childcare else None


@dataclass(frozen=True)
class Busy:
    """When the person is in another course: its dates, and its weekdays and times where they are fixed."""

    start: datetime.date
    end: datetime.date
    weekdays: frozenset[int]
    time_from: datetime.time | None
    time_to: datetime.time | None

    @classmethod
    def of(cls, course: Course) -> Busy:
        return cls(
            course.start_date, course.end_date, frozenset(course.weekdays or ()), course.time_from, course.time_to
        )

    def clashes_with(self, course: Course) -> bool:
        """True only for a certain clash: the dates overlap (both ends included), and so do a weekday and the
        times. Weekdays or times not fixed yet on either side cannot clash for sure, so they do not exclude."""
        if course.start_date > self.end or course.end_date < self.start:
            return False
        if not self.weekdays.intersection(course.weekdays or ()):
            return False
        if None in (self.time_from, self.time_to, course.time_from, course.time_to):
            return False
        return course.time_from < self.time_to and self.time_from < course.time_to


@dataclass(frozen=True)
class Situation:
    """What the ranking needs to know about the person and their current course (see ``situation_for``)."""

    level: int | None
    literacy_learner: bool
    other_script: bool
    from_type: str | None
    current_course_id: int | None
    current_end: datetime.date | None
    open_course_ids: frozenset[int]
    # The person's other current courses (enrolled, not the one they are handed over from).
    busy: tuple[Busy, ...]
    municipality: Municipality
    mobility: str
    times: frozenset[str]
    needs_childcare: bool
    route: str
    person: Person


# --- Public API -----------------------------------------------------------------------------------------


def candidate_courses(*, today: datetime.date | None = None, starts_after: datetime.date | None = None) -> QuerySet:
    """Courses of all providers that can take someone: bookable, not started, with a place to give (the one rule,
    ``CourseQuerySet.with_places``, annotated so the ranking needs no further query). One query."""
    today = today or timezone.localdate()
    qs = (
        Course.objects.bookable(today)
        .filter(status__in=[Course.Status.PLANNED, Course.Status.OPEN], start_date__gt=today)
        .with_room(today)
        .select_related("provider", "municipality", "venue")
        .order_by("start_date", "pk")
    )
    if starts_after is not None:
        qs = qs.filter(start_date__gt=starts_after)
    return qs


def suggest_follow_ups(
    *,
    participant: Participant,
    after: Enrollment | None = None,
    courses: Iterable[Course] | None = None,
    enrollments: Iterable[Enrollment] | None = None,
    today: datetime.date | None = None,
    limit: int | None = 10,
    admission_first: bool = False,
) -> list[Suggestion]:
    """The best follow-up courses for one person, best first.

    ``after`` is the enrollment whose course is ending; without it, the person's current enrollment (the
    enrolled course ending last, else the completed course that ended last) stands for it.
    ``courses`` are the candidates (default: ``candidate_courses``, one query); ``enrollments`` the person's
    enrollments with their courses (default: loaded in one query; none for an unsaved participant). With both
    given, no query is made — the ranking runs on the lists.
    """
    today = today or timezone.localdate()
    if after is not None and participant.pk and after.participant_id and after.participant_id != participant.pk:
        raise ValueError("The enrollment belongs to another participant.")
    if enrollments is None:
        enrollments = _load_enrollments(participant)
    enrollments = list(enrollments)
    if after is None:
        after = _current_enrollment(enrollments)
    if courses is None:
        courses = candidate_courses(today=today)
    situation = situation_for(participant=participant, after=after, enrollments=enrollments)
    return rank(situation=situation, courses=courses, today=today, limit=limit, admission_first=admission_first)


def suggest_for_course(
    *, course: Course, today: datetime.date | None = None, limit: int | None = 5, admission_first: bool = False
) -> dict[int, list[Suggestion]]:
    """Suggestions for everyone in an ending course, by participant id, in three queries whatever the size.

    Covers people enrolled in the course or having completed it (not those who dropped out or only wait),
    except anonymised people and those who left the county.
    """
    found = suggest_for_ending_courses(courses=[course], today=today, limit=limit, admission_first=admission_first)
    return found.get(course.pk, {})


def suggest_for_ending_courses(
    *,
    courses: Iterable[Course],
    today: datetime.date | None = None,
    limit: int | None = 5,
    admission_first: bool = False,
) -> dict[int, dict[int, list[Suggestion]]]:
    """`suggest_for_course` for several ending courses at once: {course id: {participant id: suggestions}}, in
    three queries whatever the number of courses and people (the candidates are loaded once, from the earliest
    end on, and each course gets those that start after it ends). Courses without anyone in them are left out."""
    today = today or timezone.localdate()
    courses = {course.pk: course for course in courses}
    if not courses:
        return {}
    in_course = [Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED]
    participants = list(
        Participant.objects.active()
        .exclude(status=Participant.Status.LEFT)
        .filter(enrollments__course__in=list(courses), enrollments__status__in=in_course)
        .distinct()
        .select_related("municipality")
        .prefetch_related(Prefetch("enrollments", queryset=Enrollment.objects.select_related("course")))
    )
    if not participants:
        return {}
    earliest = min(course.end_date for course in courses.values())
    # One set of candidates for everyone: each person gets those starting after their course ends (the overlap
    # rule), whichever ending course they are in.
    candidates = Candidates(candidate_courses(today=today, starts_after=earliest), today)
    result: dict[int, dict[int, list[Suggestion]]] = {}
    for participant in participants:
        enrollments = list(participant.enrollments.all())
        by_course: dict[int, list[Enrollment]] = defaultdict(list)
        for enrollment in enrollments:
            if enrollment.course_id in courses and enrollment.status in in_course:
                by_course[enrollment.course_id].append(enrollment)
        for course_id, held in by_course.items():
            after = max(held, key=lambda e: (e.status == Enrollment.Status.ENROLLED, e.pk))
            situation = situation_for(participant=participant, after=after, enrollments=enrollments)
            result.setdefault(course_id, {})[participant.pk] = rank(
                situation=situation,
                courses=candidates,
                today=today,
                limit=limit,
                admission_first=admission_first,
            )
    return result


def current_level(participant: Participant, after: Enrollment | None) -> int | None:
    """The level reached in the ending course, else the person's recorded level, else the course's target."""
    if after is not None and after.level_reached is not None:
        return after.level_reached
    if participant.level is not None:
        return participant.level
    if after is not None:
        return after.course.level_to
    return None


def is_step_backwards(course: Course, level: int | None) -> bool:
    """True for a course that ends below the current level, or starts below it without leading above it.

    Courses that span several levels (an integration course Pre-A1–B1, a language café) take people in at
    their level after a placement test, so an entry level below the current one alone is no step back; a
    course starting at the current level (a repetition A2–B1 for someone at A2) is none either.
    """
    if level is None:
        return False
    if course.level_to < level:
        return True
    return course.level_from < level and course.level_to <= level


def target_group_exclusion(course: Course, person: Person) -> tuple[str, str] | None:
    """(code, reason) when the person is not in the course's target group for sure, else None."""
    if course.women_only and person.gender == Participant.Gender.MALE:
        return "women_only", _("The course is for women only")
    if course.age_min is not None or course.age_max is not None:
        ages = person.age_range_at(course.start_date)
        if ages is not None:
            youngest, oldest = ages
            if course.age_max is not None and youngest > course.age_max:
                return "age", _("At the start the person is older than %(max)s, the course's age limit") % {
                    "max": course.age_max
                }
            if course.age_min is not None and oldest < course.age_min:
                return "age", _("At the start the person is younger than %(min)s, the course's minimum age") % {
                    "min": course.age_min
                }
    if course.parents_only and person.parent is False:
        return "parents", _("The course is for parents only")
    return None


def target_group_refusal(course: Course, participant: Participant) -> str | None:
    """Why the person is not in the course's target group (for the services' refusal), or None."""
    found = target_group_exclusion(course, Person.of(participant))
    return found[1] if found else None


def admission_needed(course: Course, route: str) -> str | None:
    """What the person needs before a BAMF-funded course, when their route gives no access to it; else None."""
    if course.funder != Funder.BAMF or route not in (Route.LAND_COURSE, Route.COUNTY_COURSE):
        return None
    if course.course_type in _JOB_ALL:
        return _(
            "Needs a permission first: Jobcenter or employment agency (job-seekers) or BAMF (employed people) "
            "for a job-related course"
        )
    return _("Needs an entitlement, an obligation or an admission (BAMF) for the integration course first")


def exclusion(course: Course, situation: Situation, today: datetime.date) -> str | None:
    """Why the course may never be suggested (a short code; ``target_group_exclusion`` and ``admission_needed``
    say theirs in words), or None. "no_access" comes last: a course excluded only by it may be shown as
    "admission first"."""
    excluded = course_exclusion(course, today)
    if excluded:
        return excluded
    if course.pk is not None and (course.pk == situation.current_course_id or course.pk in situation.open_course_ids):
        return "already_enrolled"
    # Both date ranges include their last day: a course starting on the day the current one ends overlaps it.
    if situation.current_end is not None and course.start_date <= situation.current_end:
        return "overlap"
    if any(busy.clashes_with(course) for busy in situation.busy):
        return "clash"
    excluded = level_exclusion(course, situation.level)
    if excluded:
        return excluded
    excluded = target_group_exclusion(course, situation.person)
    if excluded:
        return excluded[0]
    if (
        situation.mobility == Participant.Mobility.LOCAL
        and course.venue_id is not None
        and not _same_place(situation.municipality, course.municipality)
    ):
        return "mobility"
    if admission_needed(course, situation.route):
        return "no_access"
    return None


def course_exclusion(course: Course, today: datetime.date) -> str | None:
    """The hard rules that depend on the course alone: its status, its start, its provider, its places."""
    if course.status not in (Course.Status.PLANNED, Course.Status.OPEN):
        return "status"
    if course.start_date <= today or course.end_date < today:
        return "started"
    if not course.provider.active:
        return "provider_inactive"
    if free_places(course)[0] <= 0:
        return "full"
    return None


def level_exclusion(course: Course, level: int | None) -> str | None:
    """The hard rules that depend on the course and the person's level alone: no step backwards, and no entry
    level more than one step above (except for a language café)."""
    if is_step_backwards(course, level):
        return "backwards"
    if level is not None and course.course_type != CourseType.SPRACHCAFE and course.level_from - level > 1:
        return "entry_level"
    return None


def free_places(course: Course) -> tuple[int, bool]:
    """Places the course can still give (courses.places), and whether the provider reported them (else:
    capacity minus enrolled)."""
    places = places_of(course)
    return places.available, not places.estimated


def rank(
    *,
    situation: Situation,
    courses: Iterable[Course],
    today: datetime.date,
    limit: int | None = None,
    admission_first: bool = False,
) -> list[Suggestion]:
    """Score the courses that pass the hard rules; best first, ties by start date, then primary key. With
    ``admission_first``, courses excluded only for the missing access route come after, marked with ``needs``.

    The same as applying ``exclusion`` and ``_score`` to every course and sorting (the tests check this on
    random data), only faster: see ``Candidates``."""
    if isinstance(courses, Candidates):
        if courses.today != today:
            raise ValueError("The candidates were prepared for another day.")
        candidates = courses
    else:
        candidates = Candidates(courses, today)
    token = _RANKING_LANGUAGE.set(translation.get_language() or "")
    try:
        return candidates.rank(situation, limit=limit, admission_first=admission_first)
    finally:
        _RANKING_LANGUAGE.reset(token)


# A score is a rounded sum of parts; the fast sum adds the same parts in another order, so it may differ from
# the exact score in the last bits. Everything within this margin of the last place kept is scored exactly.
_SCORE_MARGIN = 0.05


class Candidates:
    """Candidate courses prepared for ranking many people (``suggest_for_ending_courses`` ranks hundreds against
    the same thousand courses).

    The rules that depend on the course alone are applied once; those that depend on the course and the level
    once per level. Every soft rule's points depend on the person and a few fields of the course only (the path
    on the type, entry level and literacy flag; the distance on the place; and so on), so each rule's points are
    worked out once per distinct value of those fields (and per distinct person situation, kept between
    people) and a course's points are a sum of table lookups. Only the courses that make it to the top (within
    ``_SCORE_MARGIN``) are scored exactly, with their reasons in words, and ordered.
    """

    # What each entry holds (one tuple per course, worked out once): the course, its primary key, its start, and
    # the field values the rules' points depend on.
    _FIELDS = {"start": 2, "path": 3, "place": 4, "slot": 6, "childcare": 7, "funder": 8}

    def __init__(self, courses: Iterable[Course], today: datetime.date):
        self.today = today
        # Sorted by start (stable: equal starts keep their order), so courses overlapping the current one are
        # cut off by a bisection.
        kept = sorted((c for c in courses if course_exclusion(c, today) is None), key=lambda c: c.start_date)
        self._all = [self._entry(c) for c in kept]
        self._by_level: dict[int | None, tuple[list[datetime.date], list[tuple]]] = {}
        # Representative courses per field value, and the points tables built from them (per situation key).
        self._tables: dict[tuple, dict] = {}
        # Unsaved municipalities of people whose identity is part of a table's key: kept alive with the tables,
        # so that no other object can take their identity while the tables are used.
        self._alive: list[Municipality] = []

    @staticmethod
    def _entry(c: Course) -> tuple:
        return (
            c,
            c.pk,
            c.start_date,
            (c.course_type, c.level_from, bool(c.literacy_learners)),
            None if c.venue is None else _place_key(c.municipality),
            None if c.venue_id is None else _place_key(c.municipality),
            _course_slot(c),
            bool(c.childcare or (c.venue is not None and c.venue.childcare_on_site)),
            c.funder,
            bool(c.women_only or c.parents_only or c.age_min is not None or c.age_max is not None),
            _free_places(c)[0],
        )

    def _entries(self, level: int | None) -> tuple[list[datetime.date], list[tuple]]:
        if level not in self._by_level:
            entries = [e for e in self._all if level_exclusion(e[0], level) is None]
            self._by_level[level] = ([e[2] for e in entries], entries)
        return self._by_level[level]

    def _table(self, part: str, key: tuple, values: dict, points) -> dict:
        """{field value: points of the part} for one situation key, from one representative course per value."""
        table = self._tables.get((part, key))
        if table is None:
            table = self._tables[(part, key)] = {value: points(course) for value, course in values.items()}
        return table

    def _representatives(self, field: str) -> dict:
        found = self._tables.get(("representatives", field))
        if found is None:
            found = {}
            index = self._FIELDS[field]
            for entry in self._all:
                found.setdefault(entry[index], entry[0])
            self._tables[("representatives", field)] = found
        return found

    def rank(self, s: Situation, *, limit: int | None, admission_first: bool) -> list[Suggestion]:
        fitting, later = self.points(s, admission_first=admission_first)
        found = self._best(fitting, s, limit)
        if admission_first:
            for suggestion in self._best(later, s, limit):
                needs = admission_needed(suggestion.course, s.route)
                found.append(
                    Suggestion(
                        course=suggestion.course, score=suggestion.score, reasons=suggestion.reasons, needs=needs
                    )
                )
        return found

    def points(
        self, s: Situation, *, admission_first: bool
    ) -> tuple[list[tuple[float, Course]], list[tuple[float, Course]]]:
        """(points, course) for the courses the hard rules allow, and for those they allow only after an
        admission (with ``admission_first``; else none). The points are the score before rounding."""
        today = self.today

        def summed(parts) -> float:
            return sum(p[0] for p in parts if p is not None)

        path = self._table(
            "path",
            (s.level, s.from_type, s.literacy_learner, s.other_script),
            self._representatives("path"),
            lambda c: summed([_path(c, s), *_target_group(c, s), _entry_level(c, s)]),
        )
        gap = self._table("gap", (s.current_end,), self._representatives("start"), lambda c: _gap(c, s, today)[0])
        place = self._table(
            "place",
            (_place_key(s.municipality), s.mobility),
            self._representatives("place"),
            lambda c: summed(_distance(c, s)),
        )
        slot = self._table("slot", (s.times,), self._representatives("slot"), lambda c: summed([_time_of_day(c, s)]))
        care = self._table(
            "childcare", (s.needs_childcare,), self._representatives("childcare"), lambda c: summed([_childcare(c, s)])
        )
        funder = self._table("funder", (s.route,), self._representatives("funder"), lambda c: _route(c, s)[0])

        if s.municipality.pk is None:
            self._alive.append(s.municipality)
        starts, entries = self._entries(s.level)
        first = 0 if s.current_end is None else bisect.bisect_right(starts, s.current_end)
        blocked = {pk for pk in (s.current_course_id, *s.open_course_ids) if pk is not None}
        home = _place_key(s.municipality) if s.mobility == Participant.Mobility.LOCAL else None
        busy, person = s.busy, s.person
        no_route = s.route in (Route.LAND_COURSE, Route.COUNTY_COURSE)
        fitting: list[tuple[float, Course]] = []
        later: list[tuple[float, Course]] = []
        for course, pk, start, path_key, place_key, local_key, slot_key, care_key, funder_key, restricted, free in (
            entries[first:] if first else entries
        ):
            if pk in blocked:
                continue
            if busy and any(b.clashes_with(course) for b in busy):
                continue
            if restricted and target_group_exclusion(course, person):
                continue
            if home is not None and local_key is not None and local_key != home:
                continue
            points = (
                path[path_key]
                + free
                + gap[start]
                + place[place_key]
                + slot[slot_key]
                + care[care_key]
                + funder[funder_key]
            )
            if no_route and funder_key == Funder.BAMF:
                if admission_first:
                    later.append((points, course))
                continue
            fitting.append((points, course))
        return fitting, later

    def _best(self, scored: list[tuple[float, Course]], s: Situation, limit: int | None) -> list[Suggestion]:
        if limit == 0:
            return []
        if limit is not None and 0 < limit < len(scored):
            last = heapq.nlargest(limit, (points for points, _course in scored))[-1]
            scored = [entry for entry in scored if entry[0] >= last - _SCORE_MARGIN]
        found = [_score(course, s, self.today) for _points, course in scored]
        found.sort(key=lambda x: (-x.score, x.course.start_date, x.course.pk or 0, x.course.title))
        return found if limit is None else found[:limit]


def _place_key(municipality: Municipality):
    """Equal for the same municipality (``_same_place``): its primary key, or the object itself when unsaved."""
    return ("pk", municipality.pk) if municipality.pk is not None else ("object", id(municipality))


def distance_km(a: Municipality, b: Municipality) -> float:
    """Great-circle distance between two municipality seats (haversine)."""
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (a.seat_lat, a.seat_lon, b.seat_lat, b.seat_lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


# --- Building the situation -----------------------------------------------------------------------------


def _load_enrollments(participant: Participant) -> list[Enrollment]:
    if not participant.pk:
        return []
    if "enrollments" in getattr(participant, "_prefetched_objects_cache", {}):
        return list(participant.enrollments.all())
    return list(participant.enrollments.select_related("course"))


def _current_enrollment(enrollments: Sequence[Enrollment]) -> Enrollment | None:
    for status in (Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED):
        candidates = [e for e in enrollments if e.status == status]
        if candidates:
            return max(candidates, key=lambda e: (e.course.end_date, e.pk or 0))
    return None


def _same_enrollment(a: Enrollment, b: Enrollment | None) -> bool:
    return b is not None and (a is b or (a.pk is not None and a.pk == b.pk))


def situation_for(
    *, participant: Participant, after: Enrollment | None, enrollments: Sequence[Enrollment]
) -> Situation:
    """The person's situation after `after` (their ending enrollment), given all their enrollments."""
    level = current_level(participant, after)
    literacy = participant.literacy
    return Situation(
        level=level,
        literacy_learner=literacy != Participant.Literacy.YES or level == Level.ALPHA,
        other_script=literacy == Participant.Literacy.OTHER_SCRIPT,
        from_type=after.course.course_type if after is not None else None,
        current_course_id=after.course_id if after is not None else None,
        current_end=after.course.end_date if after is not None else None,
        open_course_ids=frozenset(e.course_id for e in enrollments if e.status in _OPEN_ENROLLMENT),
        busy=tuple(
            Busy.of(e.course)
            for e in enrollments
            if e.status == Enrollment.Status.ENROLLED and not _same_enrollment(e, after)
        ),
        municipality=participant.municipality,
        mobility=participant.mobility or Participant.Mobility.ANY,
        times=frozenset(participant.times or ()),
        needs_childcare=participant.needs_childcare,
        route=participant.route or Route.UNKNOWN,
        person=Person.of(participant),
    )


# --- Scoring --------------------------------------------------------------------------------------------


def _score(course: Course, situation: Situation, today: datetime.date) -> Suggestion:
    parts = [
        _path(course, situation),
        *_target_group(course, situation),
        _entry_level(course, situation),
        _free_places(course),
        _gap(course, situation, today),
        *_distance(course, situation),
        _time_of_day(course, situation),
        _childcare(course, situation),
        _route(course, situation),
    ]
    parts = [p for p in parts if p is not None]
    score = round(sum(points for points, _reason in parts), 2)
    return Suggestion(course=course, score=score, reasons=tuple(reason for _points, reason in parts))


def _level_label(level: int) -> str:
    return _label(Level(level))


def _path(course: Course, s: Situation) -> tuple[float, Reason]:
    kind, reason = _path_step(course, s)
    if reason is None:
        return WEIGHTS[f"path_{kind}"], bad(_("Not a usual next step in the learning path"))
    return WEIGHTS[f"path_{kind}"], info(reason) if kind == "supplement" else good(reason)


def _path_step(course: Course, s: Situation) -> tuple[str, str | None]:
    ct, level = course.course_type, s.level
    if ct == CourseType.SPRACHCAFE:
        return "supplement", _("Language café as a supplement, not a course step")
    if level is not None and level >= Level.B2:
        if ct == CourseType.BSK_C1:
            return "next_step", _("Next step in the learning path: job-related course C1 after reaching B2")
        if ct in _JOB_FROM_B1:
            return "alternative", _("Possible next step: another job-related or advanced course")
        return "other", None
    if level == Level.B1:
        if ct == CourseType.BSK_B2:
            if s.from_type in _INTEGRATION:
                return "next_step", _(
                    "Next step in the learning path: job-related course B2 after the integration course"
                )
            return "next_step", _("Next step in the learning path: job-related course B2 after reaching B1")
        if ct in _JOB_FROM_B1:
            return "alternative", _("Possible next step: another job-related or advanced course")
        return "other", None
    if s.from_type in _INTEGRATION or s.from_type in _JOB_SPECIAL:
        # Ended below B1: repeat (integration course only) or a job-related special course.
        if ct == CourseType.IK_WIED and s.from_type in _INTEGRATION:
            return "next_step", _("Next step in the learning path: repeating the integration course to reach B1")
        if ct in _JOB_SPECIAL:
            return "next_step", _("Next step in the learning path: job-related special course towards %(level)s") % {
                "level": _level_label(course.level_to)
            }
        if ct == CourseType.IK_ALPHA and s.literacy_learner:
            return "next_step", _("Next step in the learning path: integration course with literacy training")
        return "other", None
    # Arrival course, a language café or no course yet.
    if s.literacy_learner:
        if ct == CourseType.IK_ALPHA:
            return "next_step", _("Next step in the learning path: integration course with literacy training")
        if ct == CourseType.IK_ZSL and s.other_script:
            return "next_step", _("Next step in the learning path: course for second-script learners")
        if ct in _INTEGRATION_GENERAL:
            return "alternative", _("Possible next step: integration course without literacy training")
    elif ct in _INTEGRATION_GENERAL:
        return "next_step", {
            CourseType.LK_NIEDRIG: _(
                "Next step in the learning path: integration course after the low-threshold course"
            ),
            CourseType.EOK: _(
                "Next step in the learning path: integration course after the initial orientation course"
            ),
            CourseType.NDS_BASIS: _("Next step in the learning path: integration course after the basic German course"),
        }.get(s.from_type, _("Next step in the learning path: integration course"))
    if ct in _ARRIVAL:
        return "alternative", _("Possible next step: another basic course up to %(level)s") % {
            "level": _level_label(course.level_to)
        }
    return "other", None


def _target_group(course: Course, s: Situation) -> list[tuple[float, Reason]]:
    """The course's target group where the person belongs to it, or where that still has to be checked (a
    certain mismatch is a hard rule); literacy courses for people who read and write are ranked down."""
    person, parts = s.person, []
    if course.women_only:
        if person.gender == Participant.Gender.FEMALE:
            parts.append((0.0, good(_("Women's course: fits"))))
        elif person.gender == Participant.Gender.DIVERSE:
            parts.append((0.0, check(_("Course for women only: please check with the person and the provider"))))
        else:
            parts.append((0.0, check(_("Course for women only: please check (gender not recorded)"))))
    if course.age_min is not None or course.age_max is not None:
        limit = (
            _("%(min)s to %(max)s years") % {"min": course.age_min, "max": course.age_max}
            if course.age_min is not None and course.age_max is not None
            else _("up to %(max)s years") % {"max": course.age_max}
            if course.age_max is not None
            else _("from %(min)s years") % {"min": course.age_min}
        )
        ages = person.age_range_at(course.start_date)
        if ages is None:
            parts.append((0.0, check(_("Age limit %(limit)s: age not recorded, please check") % {"limit": limit})))
        elif (course.age_max is None or ages[1] <= course.age_max) and (
            course.age_min is None or ages[0] >= course.age_min
        ):
            parts.append((0.0, good(_("Age at the start fits (%(limit)s)") % {"limit": limit})))
        else:
            parts.append(
                (0.0, check(_("Age limit %(limit)s: only the year of birth is known, please check") % {"limit": limit}))
            )
    if course.parents_only:
        if person.parent:
            parts.append((0.0, good(_("Parents' course: fits"))))
        else:
            parts.append((0.0, check(_("Course for parents: please check whether the person has children"))))
    if course.literacy_learners and course.course_type != CourseType.SPRACHCAFE:
        if s.literacy_learner:
            parts.append((WEIGHTS["literacy_course_for_learner"], good(_("Literacy course: fits"))))
        else:
            parts.append(
                (
                    WEIGHTS["literacy_course_for_literate"],
                    bad(_("Literacy course, although the person reads and writes the Latin script")),
                )
            )
    return parts


def _entry_level(course: Course, s: Situation) -> tuple[float, Reason] | None:
    if s.level is None or course.level_from <= s.level or course.course_type == CourseType.SPRACHCAFE:
        return None
    steps = course.level_from - s.level
    reason = _("Starts at %(entry)s, current level is %(level)s") % {
        "entry": _level_label(course.level_from),
        "level": _level_label(s.level),
    }
    return WEIGHTS["entry_above_level_per_step"] * steps, bad(reason)


def _free_places(course: Course) -> tuple[float, Reason]:
    count, reported = free_places(course)
    points = WEIGHTS["free_place"] * min(count, FREE_PLACES_COUNTED)
    if reported:
        return points, good(ngettext("%(count)s free place", "%(count)s free places", count) % {"count": count})
    reason = ngettext(
        "%(count)s free place by capacity (not yet reported)",
        "%(count)s free places by capacity (not yet reported)",
        count,
    ) % {"count": count}
    return points * WEIGHTS["free_places_estimated_factor"], check(reason)


def _gap(course: Course, s: Situation, today: datetime.date) -> tuple[float, Reason]:
    after_current = s.current_end is not None and s.current_end >= today
    reference = s.current_end if after_current else today
    days = (course.start_date - reference).days
    if days <= GAP_FULL_DAYS:
        points, mark = WEIGHTS["gap_soon"], good
    elif days <= GAP_LIMIT_DAYS:
        points, mark = WEIGHTS["gap_soon"] * (GAP_LIMIT_DAYS - days) / (GAP_LIMIT_DAYS - GAP_FULL_DAYS), info
    else:
        weeks = days // 7
        if after_current:
            reason = ngettext(
                "starts only %(weeks)s week after the current course ends",
                "starts only %(weeks)s weeks after the current course ends",
                weeks,
            )
        else:
            reason = ngettext("starts only in %(weeks)s week", "starts only in %(weeks)s weeks", weeks)
        return WEIGHTS["gap_too_long"], bad(reason % {"weeks": weeks})
    if after_current:
        reason = ngettext(
            "starts %(days)s day after the current course ends",
            "starts %(days)s days after the current course ends",
            days,
        )
    else:
        reason = ngettext("starts in %(days)s day", "starts in %(days)s days", days)
    return points, mark(reason % {"days": days})


def _same_place(home: Municipality, there: Municipality) -> bool:
    return home is there or (home.pk is not None and home.pk == there.pk)


def _distance(course: Course, s: Situation) -> list[tuple[float, Reason]]:
    if course.venue is None:
        return [(0.0, good(_("Online course: no travel")))]
    home, there = s.municipality, course.municipality
    if _same_place(home, there):
        return [(0.0, good(_("In the home municipality (%(municipality)s)") % {"municipality": there.name}))]
    km = distance_km(home, there)
    lines = [line for line in RAIL_LINES.get(home.name, ()) if line in RAIL_LINES.get(there.name, ())]
    if lines:
        parts = [
            (
                WEIGHTS["distance_per_km"] * km * WEIGHTS["rail_distance_factor"],
                info(_("%(km)s km from home (rail line %(line)s)") % {"km": round(km), "line": ", ".join(lines)}),
            )
        ]
    else:
        parts = [(WEIGHTS["distance_per_km"] * km, info(_("%(km)s km from home") % {"km": round(km)}))]
    if s.mobility == Participant.Mobility.PUBLIC_TRANSPORT:
        if lines:
            parts.append((WEIGHTS["public_transport_rail"], good(_("Reachable by train"))))
        else:
            parts.append((WEIGHTS["public_transport_no_rail"], bad(_("No train connection, only by bus"))))
    return parts


def _course_slot(course: Course) -> str | None:
    if course.weekdays and set(course.weekdays) <= _WEEKEND:
        return TimeOfDay.WEEKEND
    if course.time_from is None:
        return None
    if course.time_from.hour < 12:
        return TimeOfDay.MORNING
    if course.time_from.hour < 17:
        return TimeOfDay.AFTERNOON
    return TimeOfDay.EVENING


def _time_of_day(course: Course, s: Situation) -> tuple[float, Reason] | None:
    wanted = [t for t in TimeOfDay if t in s.times]
    if not wanted:
        return None
    slot = _course_slot(course)
    if slot is None:
        return 0.0, check(_("Time of day not yet fixed"))
    if slot in wanted:
        return WEIGHTS["time_fits"], good(_("%(slot)s, as wished") % {"slot": _label(slot)})
    reason = _("%(slot)s, outside the possible times (%(times)s)") % {
        "slot": _label(slot),
        "times": ", ".join(_label(t) for t in wanted),
    }
    return WEIGHTS["time_does_not_fit"], bad(reason)


def _childcare(course: Course, s: Situation) -> tuple[float, Reason] | None:
    if not s.needs_childcare:
        return None
    if course.childcare or (course.venue is not None and course.venue.childcare_on_site):
        return WEIGHTS["childcare_available"], good(_("Childcare available"))
    return WEIGHTS["childcare_missing"], bad(_("No childcare, although needed"))


def _route(course: Course, s: Situation) -> tuple[float, Reason]:
    route = s.route
    if route == Route.SELF_PAYER:
        return WEIGHTS["route_fits"], good(_("Access fits: %(route)s") % {"route": _label(Route(route))})
    if course.funder == Funder.BAMF:
        if route in _BAMF_ROUTES:
            return WEIGHTS["route_fits"], good(_("Access fits: %(route)s") % {"route": _label(Route(route))})
        if route == Route.UNKNOWN:
            return WEIGHTS["route_unknown"], check(
                _("Access to be checked: a BAMF course needs a claim, an obligation or an admission")
            )
        return WEIGHTS["route_missing"], bad(
            _("No access yet: a BAMF course needs a claim, an obligation or an admission")
        )
    if course.funder == Funder.LAND:
        return WEIGHTS["route_open"], good(_("Access fits: Land course, open to everyone"))
    if course.funder == Funder.COUNTY:
        return WEIGHTS["route_open"], good(_("Access fits: county course, open to everyone"))
    if course.funder == Funder.SELF_PAYERS:
        return 0.0, check(_("Course for self-payers: participants pay a fee"))
    return WEIGHTS["route_open"], good(_("Access fits: open to everyone"))
