"""Demo handovers for seed_demo: every status, some overdue, so the board and the metrics look like a real month.

Idempotent: once the demo district has handovers, nothing is added. Written directly (not through the services)
so that past steps can carry past dates; the rules of the services still hold for every row written here
(consent before acceptance, a started handover points at a real enrolment, never beyond capacity).
"""

from __future__ import annotations

import datetime
import random

from auditlog.context import disable_auditlog
from django.db.models import Q
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


def seed_handovers(rng: random.Random | None = None, *, today: datetime.date | None = None) -> int:
    if Handover.objects.exists():
        return 0
    rng = rng or random.Random(2026)
    today = today or timezone.localdate()
    created = 0
    with disable_auditlog():
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
        plan = [
            S.PROPOSED,
            S.PROPOSED,
            S.OFFERED,
            S.OFFERED,
            S.OFFERED,
            S.ACCEPTED,
            S.ACCEPTED,
            S.DECLINED,
            S.WITHDRAWN,
            S.NO_SHOW,
        ]
        for index, enrollment in enumerate(ending):
            if index % 2:  # about half of the people in ending courses get a handover
                continue
            level = enrollment.participant.level or enrollment.course.level_to
            fitting = [
                c
                for c in upcoming
                if c.level_from >= min(level, enrollment.course.level_to) and c.start_date > enrollment.course.end_date
            ]
            status = plan[(index // 2) % len(plan)]
            proposed_on = today - datetime.timedelta(days=rng.randint(3, 30))
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
            handover = Handover.objects.create(
                participant=enrollment.participant,
                from_enrollment=enrollment,
                from_provider=enrollment.course.provider,
                to_course=course,
                to_provider=course.provider,
                wanted_level=course.level_from,
                wanted_course_type=course.course_type,
                status=status,
                # Some steps are overdue: proposed or offered more than a week ago without an answer.
                due_on=proposed_on + datetime.timedelta(days=7) if status in (S.PROPOSED, S.OFFERED) else None,
                decline_reason=rng.choice(DECLINE_REASONS) if status == S.DECLINED else "",
                placement_level=level,
                units_used=rng.choice([300, 400, 600, 700]) if course.course_type.startswith("IK") else None,
                eligibility="entitlement" if course.funder == "bamf" else "",
            )
            steps = [S.PROPOSED]
            if status in (S.OFFERED, S.ACCEPTED, S.DECLINED, S.NO_SHOW):
                steps.append(S.OFFERED)
            if status in (S.ACCEPTED, S.NO_SHOW):
                _consent(enrollment, course.provider, proposed_on)
                steps.append(S.ACCEPTED)
                handover.due_on = course.start_date if status == S.ACCEPTED else None
            if status in (S.DECLINED, S.WITHDRAWN, S.NO_SHOW):
                steps.append(status)
            handover.save()
            for offset, step in enumerate(steps):
                HandoverStep.objects.create(
                    handover=handover,
                    status=step,
                    at=_at(min(proposed_on + datetime.timedelta(days=2 * offset), today)),
                )
            created += 1
        # Started handovers: people who finished one course and sit in the next one now.
        for done in (
            Enrollment.objects.filter(status="completed", course__end_date__lt=today)
            .select_related("participant", "course__provider")
            .order_by("pk")
        ):
            now_in = (
                Enrollment.objects.filter(
                    Q(status="enrolled") | Q(status="completed"),
                    participant=done.participant,
                    course__start_date__gt=done.course.end_date,
                )
                .select_related("course__provider")
                .order_by("course__start_date")
                .first()
            )
            if now_in is None or Handover.objects.filter(started_enrollment=now_in).exists():
                continue
            handover = Handover.objects.create(
                participant=done.participant,
                from_enrollment=done,
                from_provider=done.course.provider,
                to_course=now_in.course,
                to_provider=now_in.course.provider,
                wanted_level=now_in.course.level_from,
                wanted_course_type=now_in.course.course_type,
                status=S.STARTED,
                started_enrollment=now_in,
            )
            start = now_in.enrolled_on or now_in.course.start_date
            _consent(done, now_in.course.provider, min(start, done.course.end_date))
            for offset, step in enumerate([S.PROPOSED, S.OFFERED, S.ACCEPTED, S.STARTED]):
                HandoverStep.objects.create(
                    handover=handover, status=step, at=_at(start - datetime.timedelta(days=3 * (3 - offset)))
                )
            created += 1
    return created
