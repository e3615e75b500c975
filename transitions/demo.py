"""Demo handovers for seed_demo: the history behind the demo enrolments, and a current month in every status.

- History: most people who completed a course moved on within a few weeks (participants/demo.py plans their next
  enrolment); each such move is a handover, "started" once the next course has begun, else "accepted". A few of
  those without a next course did not show up in a course they had been accepted for, or were declined.
- Now: about half of the people in courses ending in the next eight weeks have an open handover (proposed,
  offered, accepted; some overdue), or a declined or withdrawn one.

Idempotent: once the demo district has handovers, nothing is added. Written directly (not through the services)
so that past steps can carry past dates; the rules of the services still hold for every row written here
(consent before acceptance, a started handover points at a real enrolment, start and no-show only once the course
has begun, never beyond capacity — no enrolment is written here).
"""

from __future__ import annotations

import datetime
import random

from auditlog.context import disable_auditlog
from django.utils import timezone

from courses.models import Course
from participants.models import Consent, Enrollment

from .models import Handover, HandoverStep

S = Handover.Status
DECLINE_REASONS = [
    "Kurs passt zeitlich nicht (Arbeitszeiten).",
    "Keine Kinderbetreuung am Kursort möglich.",
    "Einstufungstest ergab ein anderes Niveau.",
    "Fahrtweg ohne Bahnanschluss zu weit.",
]
NO_SHOW_NOTES = [
    "Zum Kursbeginn nicht erschienen, telefonisch nicht erreichbar.",
    "Nicht erschienen: hat kurzfristig eine Arbeit aufgenommen.",
]
# Statuses of the handovers of people in courses ending soon, in turn (every other person gets one).
CURRENT_PLAN = [
    S.PROPOSED,
    S.PROPOSED,
    S.OFFERED,
    S.OFFERED,
    S.OFFERED,
    S.ACCEPTED,
    S.ACCEPTED,
    S.DECLINED,
    S.WITHDRAWN,
]
# Of the people who completed a course and have no next one, which had a handover that came to nothing, in turn.
UNFINISHED_PLAN = [S.NO_SHOW, None, S.DECLINED, None, S.NO_SHOW, None, None]


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _consent(enrollment: Enrollment, provider, given_on: datetime.date) -> None:
    participant = enrollment.participant
    if provider.pk == participant.provider_id:
        return
    if not Consent.objects.valid().filter(participant=participant, purpose="handover", recipient=provider).exists():
        Consent.objects.create(
            participant=participant, purpose="handover", recipient=provider, given_on=given_on, form="signed"
        )


def _steps(handover: Handover, dated: list[tuple[str, datetime.date]], today: datetime.date, note: str = "") -> None:
    for status, day in dated:
        HandoverStep.objects.create(
            handover=handover, status=status, at=_at(min(day, today)), note=note if status == dated[-1][0] else ""
        )


def _handover(enrollment: Enrollment, course: Course, status: str, **fields) -> Handover:
    return Handover.objects.create(
        participant=enrollment.participant,
        from_enrollment=enrollment,
        from_provider=enrollment.course.provider,
        to_course=course,
        to_provider=course.provider,
        wanted_level=course.level_from,
        wanted_course_type=course.course_type,
        status=status,
        **fields,
    )


def seed_handovers(rng: random.Random | None = None, *, today: datetime.date | None = None) -> int:
    if Handover.objects.exists():
        return 0
    rng = rng or random.Random(2026)
    today = today or timezone.localdate()
    with disable_auditlog():
        created = _history(rng, today)
        created += _current(rng, today)
    return created


def _history(rng: random.Random, today: datetime.date) -> int:
    """Handovers of the people who completed a course: to the next course they sit in, or that came to nothing."""
    created = 0
    places = (
        Enrollment.objects.filter(status__in=["enrolled", "completed"])
        .select_related("participant", "course__provider")
        .order_by("participant_id", "course__start_date", "pk")
    )
    by_person: dict[int, list[Enrollment]] = {}
    for place in places:
        by_person.setdefault(place.participant_id, []).append(place)
    begun = list(
        Course.objects.filter(start_date__lte=today)
        .exclude(status=Course.Status.CANCELLED)
        .exclude(course_type="SPRACHCAFE")
        .select_related("provider")
        .order_by("start_date", "pk")
    )
    unfinished = 0
    taken: set[int] = set()  # enrolments a started handover points at already
    for done in (
        Enrollment.objects.filter(status="completed", course__end_date__lt=today)
        .exclude(course__course_type="SPRACHCAFE")
        .select_related("participant", "course__provider")
        .order_by("pk")
    ):
        end = done.course.end_date
        following = next(
            (e for e in by_person.get(done.participant_id, []) if e.course.start_date > end and e.pk not in taken),
            None,
        )
        if following is not None and following.course.course_type == "SPRACHCAFE":
            continue  # a language café needs no handover
        if following is None:
            status = UNFINISHED_PLAN[unfinished % len(UNFINISHED_PLAN)]
            unfinished += 1
            created += _came_to_nothing(rng, done, status, begun, today) if status else 0
            continue
        course = following.course
        taken.add(following.pk)
        # Proposed about two weeks before the old course ended, accepted before the new one began.
        proposed_on = min(end - datetime.timedelta(days=rng.randint(7, 21)), course.start_date)
        accepted_on = min(proposed_on + datetime.timedelta(days=rng.randint(4, 10)), course.start_date, today)
        _consent(done, course.provider, proposed_on)
        dated = [
            (S.PROPOSED, proposed_on),
            (S.OFFERED, proposed_on + datetime.timedelta(days=rng.randint(1, 3))),
            (S.ACCEPTED, accepted_on),
        ]
        if course.start_date <= today:
            handover = _handover(done, course, S.STARTED, started_enrollment=following)
            dated.append((S.STARTED, max(course.start_date, following.enrolled_on or course.start_date)))
        else:  # the place is agreed; the course begins soon
            handover = _handover(done, course, S.ACCEPTED, due_on=course.start_date)
        _steps(handover, [(status, max(day, proposed_on)) for status, day in dated], today)
        created += 1
    return created


def _came_to_nothing(
    rng: random.Random, done: Enrollment, status: str, begun: list[Course], today: datetime.date
) -> int:
    """A handover of someone without a next course: declined, or accepted for a course they never came to."""
    end = done.course.end_date
    level = done.level_reached if done.level_reached is not None else done.course.level_to
    fitting = [c for c in begun if c.start_date > end and c.level_from <= level <= c.level_to]
    if not fitting:
        return 0
    course = fitting[0]  # the first that began after the old course ended
    proposed_on = min(end - datetime.timedelta(days=rng.randint(7, 21)), course.start_date)
    offered_on = proposed_on + datetime.timedelta(days=rng.randint(1, 3))
    if status == S.DECLINED:
        reason = rng.choice(DECLINE_REASONS)
        handover = _handover(done, course, S.DECLINED, decline_reason=reason)
        _steps(handover, [(S.PROPOSED, proposed_on), (S.OFFERED, offered_on), (S.DECLINED, offered_on)], today, reason)
        return 1
    _consent(done, course.provider, proposed_on)
    handover = _handover(done, course, S.NO_SHOW)
    dated = [
        (S.PROPOSED, proposed_on),
        (S.OFFERED, offered_on),
        (S.ACCEPTED, min(offered_on + datetime.timedelta(days=rng.randint(2, 6)), course.start_date)),
        (S.NO_SHOW, course.start_date + datetime.timedelta(days=rng.randint(0, 3))),
    ]
    _steps(handover, [(s, max(day, proposed_on)) for s, day in dated], today, rng.choice(NO_SHOW_NOTES))
    return 1


def _current(rng: random.Random, today: datetime.date) -> int:
    """Handovers of people in courses ending in the next eight weeks: in every open status, some overdue."""
    created = 0
    upcoming = list(
        Course.objects.bookable(today).filter(start_date__gt=today).select_related("provider").order_by("pk")
    )
    ending = (
        Enrollment.objects.filter(
            status="enrolled",
            course__end_date__gte=today,
            course__end_date__lte=today + datetime.timedelta(days=56),
        )
        .exclude(course__course_type="SPRACHCAFE")
        .select_related("participant", "course", "course__provider")
        .order_by("pk")
    )
    for index, enrollment in enumerate(ending):
        if index % 2:  # about half of the people in ending courses get a handover
            continue
        level = enrollment.participant.level or enrollment.course.level_to
        fitting = [
            c
            for c in upcoming
            if c.level_from >= min(level, enrollment.course.level_to) and c.start_date > enrollment.course.end_date
        ]
        status = CURRENT_PLAN[(index // 2) % len(CURRENT_PLAN)]
        # Due a week after the last step: proposed up to two weeks ago, so about half are overdue.
        proposed_on = today - datetime.timedelta(days=rng.randint(2, 14))
        if not fitting or (status == S.PROPOSED and rng.random() < 0.4):
            handover = Handover.objects.create(
                participant=enrollment.participant,
                from_enrollment=enrollment,
                from_provider=enrollment.course.provider,
                wanted_level=min(level + 1, 5),
                status=S.PROPOSED,
                due_on=proposed_on + datetime.timedelta(days=7),
            )
            HandoverStep.objects.create(handover=handover, status=S.PROPOSED, at=_at(proposed_on))
            created += 1
            continue
        # One of the closest steps (entry level nearest to the person's level, soonest start).
        fitting.sort(key=lambda c: (abs(c.level_from - level), c.start_date, c.pk))
        course = rng.choice(fitting[:3])
        handover = _handover(
            enrollment,
            course,
            status,
            # Some steps are overdue: proposed or offered more than a week ago without an answer.
            due_on=proposed_on + datetime.timedelta(days=7) if status in (S.PROPOSED, S.OFFERED) else None,
            decline_reason=rng.choice(DECLINE_REASONS) if status == S.DECLINED else "",
            placement_level=level,
            units_used=rng.choice([300, 400, 600, 700]) if course.course_type.startswith("IK") else None,
            eligibility="entitlement" if course.funder == "bamf" else "",
        )
        steps = [S.PROPOSED]
        if status in (S.OFFERED, S.ACCEPTED, S.DECLINED):
            steps.append(S.OFFERED)
        if status == S.ACCEPTED:
            _consent(enrollment, course.provider, proposed_on)
            steps.append(S.ACCEPTED)
            handover.due_on = course.start_date
        if status in (S.DECLINED, S.WITHDRAWN):
            steps.append(status)
        handover.save()
        _steps(handover, [(step, proposed_on + datetime.timedelta(days=2 * n)) for n, step in enumerate(steps)], today)
        created += 1
    return created
