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
from django.db.models import Q
from django.utils import timezone

from courses.models import Course, PlaceReservation, Provider, reservation_held_until
from courses.places import current_places
from participants.models import Consent, Enrollment

from . import matching
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
        else:  # the place is agreed and the receiver has enrolled the person already; the course begins soon
            handover = _handover(done, course, S.ACCEPTED, due_on=course.start_date)
            handover.reservation = PlaceReservation.objects.create(
                course=course,
                held_until=reservation_held_until(course.start_date),
                created_at=_at(accepted_on, 11),
                released_at=_at(max(accepted_on, following.enrolled_on or accepted_on), 12),
                release_reason=PlaceReservation.Release.ENROLLED,
            )
            handover.save(update_fields=["reservation"])
        _steps(handover, [(status, max(day, proposed_on)) for status, day in dated], today)
        created += 1
    return created


def _came_to_nothing(
    rng: random.Random, done: Enrollment, status: str, begun: list[Course], today: datetime.date
) -> int:
    """A handover of someone without a next course: declined, or accepted for a course they never came to."""
    end = done.course.end_date
    level = done.level_reached if done.level_reached is not None else done.course.level_to
    person = matching.Person.of(done.participant)
    fitting = [
        c
        for c in begun
        if c.start_date > end
        and c.level_from <= level <= c.level_to
        and matching.target_group_exclusion(c, person) is None
        and matching.admission_needed(c, done.participant.route) is None
        and (done.participant.mobility != "local" or c.municipality_id == done.participant.municipality_id)
    ]
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


def _reserve(handover: Handover, course: Course, accepted_on: datetime.date) -> bool:
    """Hold a place for an accepted handover (as handover_accept does); False when the course has none left."""
    if current_places(course.pk, accepted_on).available <= 0:
        return False
    handover.reservation = PlaceReservation.objects.create(
        course=course,
        held_until=reservation_held_until(course.start_date),
        created_at=_at(accepted_on, 11),
    )
    return True


def _suggested(enrollment: Enrollment, candidates: list[Course], today: datetime.date, *, limit: int = 3):
    """The product's own suggestions for the person (hard rules kept: target group, access, mobility, level)."""
    participant = enrollment.participant
    return matching.suggest_follow_ups(
        participant=participant,
        after=enrollment,
        courses=[c for c in candidates if c.start_date > enrollment.course.end_date],
        enrollments=list(participant.enrollments.select_related("course")),
        today=today,
        limit=limit,
    )


def _current(rng: random.Random, today: datetime.date) -> int:
    """Handovers of people in courses ending in the next eight weeks: in every open status, some overdue, each
    to a course the matching suggests for the person (so no hard rule is broken); offers with a consent."""
    created = 0
    candidates = list(matching.candidate_courses(today=today))
    ending = (
        Enrollment.objects.filter(
            status="enrolled",
            course__end_date__gte=today,
            course__end_date__lte=today + datetime.timedelta(days=56),
        )
        .exclude(course__course_type="SPRACHCAFE")
        .select_related("participant", "participant__municipality", "course", "course__provider")
        .order_by("pk")
    )
    for index, enrollment in enumerate(ending):
        if index % 2:  # about half of the people in ending courses get a handover
            continue
        level = enrollment.participant.level or enrollment.course.level_to
        status = CURRENT_PLAN[(index // 2) % len(CURRENT_PLAN)]
        # Due a week after the last step: proposed up to two weeks ago, so about half are overdue.
        proposed_on = today - datetime.timedelta(days=rng.randint(2, 14))
        suggestions = _suggested(enrollment, candidates, today)
        if not suggestions or (status == S.PROPOSED and rng.random() < 0.4):
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
        course = rng.choice(suggestions).course
        created += _open_handover(rng, enrollment, course, status, proposed_on, level, today)
    created += _ensure_waiting(rng, today, candidates)
    return created


def _open_handover(rng, enrollment, course, status, proposed_on, level, today) -> int:
    steps = [S.PROPOSED]
    if status in (S.OFFERED, S.ACCEPTED, S.DECLINED):
        # An offer needs the person's consent to hand over to the receiving provider.
        _consent(enrollment, course.provider, proposed_on)
        steps.append(S.OFFERED)
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
    if status == S.ACCEPTED:
        accepted_on = proposed_on + datetime.timedelta(days=4)
        if _reserve(handover, course, min(accepted_on, today)):
            steps.append(S.ACCEPTED)
            handover.due_on = course.start_date
        else:  # no place left to hold: still waiting for the answer
            handover.status = S.OFFERED
            handover.due_on = proposed_on + datetime.timedelta(days=7)
    if status in (S.DECLINED, S.WITHDRAWN):
        steps.append(status)
    handover.save()
    _steps(handover, [(step, proposed_on + datetime.timedelta(days=2 * n)) for n, step in enumerate(steps)], today)
    return 1


def _ensure_waiting(rng: random.Random, today: datetime.date, candidates: list[Course]) -> int:
    """Every demo login finds something waiting: each demo provider with a login has an offer to answer and an
    offer of its own waiting on the other side, and the demo VHS one handover whose consent was revoked."""
    from courses.management.commands.seed_demo import DEMO_VHS_NAME, LERNHAUS_NAME

    created = 0
    providers = {p.name: p for p in Provider.objects.filter(name__in=[DEMO_VHS_NAME, LERNHAUS_NAME])}
    busy = set(Handover.objects.filter(status__in=Handover.OPEN_STATUSES).values_list("from_enrollment_id", flat=True))
    ending = list(
        Enrollment.objects.filter(
            status="enrolled", course__end_date__gte=today, course__end_date__lte=today + datetime.timedelta(days=56)
        )
        .exclude(course__course_type="SPRACHCAFE")
        .exclude(pk__in=busy)
        .select_related("participant", "participant__municipality", "course", "course__provider")
        .order_by("pk")
    )

    def offer(giving_side, receiving_side, *, revoke: bool = False) -> bool:
        for enrollment in ending:
            if enrollment.pk in busy or not giving_side(enrollment):
                continue
            targets = [c for c in candidates if receiving_side(c)]
            suggestions = _suggested(enrollment, targets, today, limit=1)
            if not suggestions:
                continue
            busy.add(enrollment.pk)
            course = suggestions[0].course
            proposed_on = today - datetime.timedelta(days=rng.randint(2, 5))
            level = enrollment.participant.level or enrollment.course.level_to
            _open_handover(rng, enrollment, course, S.OFFERED, proposed_on, level, today)
            if revoke:
                handover = Handover.objects.get(from_enrollment=enrollment, to_course=course)
                Consent.objects.filter(
                    participant=enrollment.participant, purpose="handover", recipient=course.provider
                ).update(revoked_on=today - datetime.timedelta(days=1))
                HandoverStep.objects.create(
                    handover=handover, status=HandoverStep.CONSENT_REVOKED, at=_at(today - datetime.timedelta(days=1))
                )
            return True
        return False

    for provider in providers.values():
        mine = Q(to_provider=provider, status=S.OFFERED)
        if not Handover.objects.filter(mine).exclude(from_provider=provider).exists():
            created += offer(
                lambda e, p=provider: e.course.provider_id != p.pk, lambda c, p=provider: c.provider_id == p.pk
            )
        outgoing = Q(from_provider=provider, status__in=[S.OFFERED, S.ACCEPTED]) & ~Q(to_provider=provider)
        if not Handover.objects.filter(outgoing).exists():
            created += offer(
                lambda e, p=provider: e.course.provider_id == p.pk, lambda c, p=provider: c.provider_id != p.pk
            )
    vhs = providers.get(DEMO_VHS_NAME)
    if vhs is not None:
        created += offer(lambda e: e.course.provider_id == vhs.pk, lambda c: c.provider_id != vhs.pk, revoke=True)
    return created
