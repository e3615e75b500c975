"""Matching: rank follow-up courses across all providers for a participant whose course is ending.

Two steps, kept apart so the ranking can run on given lists without the database (and so be property-tested):
1. Hard rules decide what may be suggested at all (``exclusion``): never a full, cancelled, finished or started
   course, never one overlapping the current course, never one clashing with another course the person sits in
   (a language café, a second course), never a step backwards in level, never a course the person is already
   enrolled in or waiting for.
2. Soft rules score what is left (``WEIGHTS``) and every score comes with its reasons in words, so the
   coordinator sees why a course is ranked where it is.

The progressions follow the domain notes ("Typical progression"): arrival courses (county low-threshold,
EOK, Land basic course) → integration course; integration course ending at B1 → job-related B2; ending at A2
→ repetition or job-related A2/B1; literacy learners → integration course with literacy training; B2 → C1.

Matching reads courses of all providers and knows nothing of the acting user: callers check access to the
participant (and show only what the user may see) before they call it.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.domain import CourseType, Funder, Level
from courses.models import Course, Municipality
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
    # Per level the entry level lies above the person's current level (they would miss the start).
    "entry_above_level_per_step": -20.0,
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
    # Mobility: "only in the home municipality" and a course elsewhere; "public transport only" with or
    # without a railway connection.
    "mobility_local_elsewhere": -80.0,
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
_BAMF_ROUTES = {Route.LEGAL_CLAIM, Route.OBLIGED_IMMIGRATION, Route.OBLIGED_JOBCENTER, Route.BAMF_ADMISSION}
_OPEN_ENROLLMENT = (Enrollment.Status.WAITING, Enrollment.Status.ENROLLED)
_WEEKEND = {5, 6}


@dataclass(frozen=True)
class Suggestion:
    """A follow-up course, its score (higher is better) and the reasons, in the active language."""

    course: Course
    score: float
    reasons: tuple[str, ...]


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


# --- Public API -----------------------------------------------------------------------------------------


def candidate_courses(*, today: datetime.date | None = None, starts_after: datetime.date | None = None) -> QuerySet:
    """Courses of all providers that can take someone: bookable, not started, with a free place. One query.

    A free place is a reported one, or — while nothing is reported — capacity minus the people enrolled
    (annotated as ``enrolled_count`` so the ranking needs no further query).
    """
    today = today or timezone.localdate()
    qs = (
        Course.objects.bookable(today)
        .filter(status__in=[Course.Status.PLANNED, Course.Status.OPEN], start_date__gt=today)
        .annotate(enrolled_count=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED)))
        .filter(Q(free_places__gt=0) | Q(free_places__isnull=True, capacity__gt=F("enrolled_count")))
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
    return rank(situation=situation, courses=courses, today=today, limit=limit)


def suggest_for_course(
    *, course: Course, today: datetime.date | None = None, limit: int | None = 5
) -> dict[int, list[Suggestion]]:
    """Suggestions for everyone in an ending course, by participant id, in three queries whatever the size.

    Covers people enrolled in the course or having completed it (not those who dropped out or only wait),
    except anonymised people and those who left the county.
    """
    today = today or timezone.localdate()
    participants = list(
        Participant.objects.active()
        .exclude(status=Participant.Status.LEFT)
        .filter(
            enrollments__course=course,
            enrollments__status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED],
        )
        .distinct()
        .select_related("municipality")
        .prefetch_related(Prefetch("enrollments", queryset=Enrollment.objects.select_related("course")))
    )
    if not participants:
        return {}
    courses = list(candidate_courses(today=today, starts_after=course.end_date))
    result: dict[int, list[Suggestion]] = {}
    for participant in participants:
        enrollments = list(participant.enrollments.all())
        in_course = [
            e
            for e in enrollments
            if e.course_id == course.pk and e.status in (Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED)
        ]
        after = max(in_course, key=lambda e: (e.status == Enrollment.Status.ENROLLED, e.pk))
        situation = situation_for(participant=participant, after=after, enrollments=enrollments)
        result[participant.pk] = rank(situation=situation, courses=courses, today=today, limit=limit)
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


def exclusion(course: Course, situation: Situation, today: datetime.date) -> str | None:
    """Why the course may never be suggested (a short code for tests and debugging), or None."""
    if course.status not in (Course.Status.PLANNED, Course.Status.OPEN):
        return "status"
    if course.start_date <= today or course.end_date < today:
        return "started"
    if not course.provider.active:
        return "provider_inactive"
    if free_places(course)[0] <= 0:
        return "full"
    if course.pk is not None and (course.pk == situation.current_course_id or course.pk in situation.open_course_ids):
        return "already_enrolled"
    # Both date ranges include their last day: a course starting on the day the current one ends overlaps it.
    if situation.current_end is not None and course.start_date <= situation.current_end:
        return "overlap"
    if any(busy.clashes_with(course) for busy in situation.busy):
        return "clash"
    if is_step_backwards(course, situation.level):
        return "backwards"
    return None


def free_places(course: Course) -> tuple[int, bool]:
    """Free places now, and whether the provider reported them (else: capacity minus enrolled)."""
    if course.free_places is not None:
        return course.free_places, True
    enrolled = getattr(course, "enrolled_count", None)
    if enrolled is None:
        # Not loaded through candidate_courses: an unsaved course has nobody enrolled; a stored one costs a query.
        enrolled = 0 if course._state.adding else course.enrollments.filter(status=Enrollment.Status.ENROLLED).count()
    return max(course.capacity - enrolled, 0), False


def rank(
    *, situation: Situation, courses: Iterable[Course], today: datetime.date, limit: int | None = None
) -> list[Suggestion]:
    """Score the courses that pass the hard rules; best first, ties by start date, then primary key."""
    suggestions = [
        _score(course, situation, today) for course in courses if exclusion(course, situation, today) is None
    ]
    suggestions.sort(key=lambda s: (-s.score, s.course.start_date, s.course.pk or 0, s.course.title))
    return suggestions if limit is None else suggestions[:limit]


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
    )


# --- Scoring --------------------------------------------------------------------------------------------


def _score(course: Course, situation: Situation, today: datetime.date) -> Suggestion:
    parts = [
        _path(course, situation),
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
    return Level(level).label


def _path(course: Course, s: Situation) -> tuple[float, str]:
    kind, reason = _path_step(course, s)
    if reason is None:
        reason = _("Not a usual next step in the learning path")
    return WEIGHTS[f"path_{kind}"], reason


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


def _entry_level(course: Course, s: Situation) -> tuple[float, str] | None:
    if s.level is None or course.level_from <= s.level or course.course_type == CourseType.SPRACHCAFE:
        return None
    steps = course.level_from - s.level
    reason = _("Starts at %(entry)s, current level is %(level)s") % {
        "entry": _level_label(course.level_from),
        "level": _level_label(s.level),
    }
    return WEIGHTS["entry_above_level_per_step"] * steps, reason


def _free_places(course: Course) -> tuple[float, str]:
    count, reported = free_places(course)
    points = WEIGHTS["free_place"] * min(count, FREE_PLACES_COUNTED)
    if reported:
        return points, ngettext("%(count)s free place", "%(count)s free places", count) % {"count": count}
    reason = ngettext(
        "%(count)s free place by capacity (not yet reported)",
        "%(count)s free places by capacity (not yet reported)",
        count,
    ) % {"count": count}
    return points * WEIGHTS["free_places_estimated_factor"], reason


def _gap(course: Course, s: Situation, today: datetime.date) -> tuple[float, str]:
    after_current = s.current_end is not None and s.current_end >= today
    reference = s.current_end if after_current else today
    days = (course.start_date - reference).days
    if days <= GAP_FULL_DAYS:
        points = WEIGHTS["gap_soon"]
    elif days <= GAP_LIMIT_DAYS:
        points = WEIGHTS["gap_soon"] * (GAP_LIMIT_DAYS - days) / (GAP_LIMIT_DAYS - GAP_FULL_DAYS)
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
        return WEIGHTS["gap_too_long"], reason % {"weeks": weeks}
    if after_current:
        reason = ngettext(
            "starts %(days)s day after the current course ends",
            "starts %(days)s days after the current course ends",
            days,
        )
    else:
        reason = ngettext("starts in %(days)s day", "starts in %(days)s days", days)
    return points, reason % {"days": days}


def _distance(course: Course, s: Situation) -> list[tuple[float, str]]:
    if course.venue is None:
        return [(0.0, _("Online course: no travel"))]
    home, there = s.municipality, course.municipality
    if home is there or (home.pk is not None and home.pk == there.pk):
        return [(0.0, _("In the home municipality (%(municipality)s)") % {"municipality": there.name})]
    km = distance_km(home, there)
    lines = [line for line in RAIL_LINES.get(home.name, ()) if line in RAIL_LINES.get(there.name, ())]
    if lines:
        parts = [
            (
                WEIGHTS["distance_per_km"] * km * WEIGHTS["rail_distance_factor"],
                _("%(km)s km from home (rail line %(line)s)") % {"km": round(km), "line": ", ".join(lines)},
            )
        ]
    else:
        parts = [(WEIGHTS["distance_per_km"] * km, _("%(km)s km from home") % {"km": round(km)})]
    if s.mobility == Participant.Mobility.LOCAL:
        parts.append(
            (
                WEIGHTS["mobility_local_elsewhere"],
                _("Outside the home municipality, but the person can only attend there"),
            )
        )
    elif s.mobility == Participant.Mobility.PUBLIC_TRANSPORT:
        if lines:
            parts.append((WEIGHTS["public_transport_rail"], _("Reachable by train")))
        else:
            parts.append((WEIGHTS["public_transport_no_rail"], _("No train connection, only by bus")))
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


def _time_of_day(course: Course, s: Situation) -> tuple[float, str] | None:
    wanted = [t for t in TimeOfDay if t in s.times]
    if not wanted:
        return None
    slot = _course_slot(course)
    if slot is None:
        return 0.0, _("Time of day not yet fixed")
    if slot in wanted:
        return WEIGHTS["time_fits"], _("%(slot)s, as wished") % {"slot": slot.label}
    reason = _("%(slot)s, outside the possible times (%(times)s)") % {
        "slot": slot.label,
        "times": ", ".join(str(t.label) for t in wanted),
    }
    return WEIGHTS["time_does_not_fit"], reason


def _childcare(course: Course, s: Situation) -> tuple[float, str] | None:
    if not s.needs_childcare:
        return None
    if course.childcare or (course.venue is not None and course.venue.childcare_on_site):
        return WEIGHTS["childcare_available"], _("Childcare available")
    return WEIGHTS["childcare_missing"], _("No childcare, although needed")


def _route(course: Course, s: Situation) -> tuple[float, str]:
    route = s.route
    if route == Route.SELF_PAYER:
        return WEIGHTS["route_fits"], _("Access fits: %(route)s") % {"route": Route(route).label}
    if course.funder == Funder.BAMF:
        if route in _BAMF_ROUTES:
            return WEIGHTS["route_fits"], _("Access fits: %(route)s") % {"route": Route(route).label}
        if route == Route.UNKNOWN:
            return WEIGHTS["route_unknown"], _(
                "Access to be checked: a BAMF course needs a claim, an obligation or an admission"
            )
        return WEIGHTS["route_missing"], _("No access yet: a BAMF course needs a claim, an obligation or an admission")
    if course.funder == Funder.LAND:
        return WEIGHTS["route_open"], _("Access fits: Land course, open to everyone")
    if course.funder == Funder.COUNTY:
        return WEIGHTS["route_open"], _("Access fits: county course, open to everyone")
    if course.funder == Funder.SELF_PAYERS:
        return 0.0, _("Course for self-payers: participants pay a fee")
    return WEIGHTS["route_open"], _("Access fits: open to everyone")
