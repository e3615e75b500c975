"""Reads of handovers, scoped by the acting user.

The coordinator sees every handover; a provider sees those it sends (the sending provider, or the provider that
registered the person) and those it receives; anyone else gets 404. County staff see aggregates only (403).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Abs
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses import selectors as course_selectors
from courses.models import Course
from diepholz_coord import access
from diepholz_coord.access import Role
from diepholz_coord.forms import parse_pk
from participants import selectors as participant_selectors
from participants.models import Consent, Enrollment

from .matching import Person, suggest_follow_ups, suggest_for_course, target_group_exclusion
from .models import Handover, HandoverStep


def ending_horizon_days() -> int:
    return settings.ENDING_COURSE_WEEKS * 7


def with_consent_state(qs: QuerySet[Handover], today: datetime.date | None = None) -> QuerySet[Handover]:
    """Annotate ``consent_ok``: the handover stays with the person's own provider, or a valid consent names the
    receiving provider (False while no receiver is fixed). One query with the list."""
    valid = Consent.objects.valid(today).filter(
        participant=OuterRef("participant_id"), recipient=OuterRef("to_provider_id"), purpose=Consent.Purpose.HANDOVER
    )
    return qs.annotate(
        consent_ok=Case(
            When(to_provider__isnull=True, then=Value(False)),
            When(to_provider_id=F("participant__provider_id"), then=Value(True)),
            default=Exists(valid),
        )
    )


def handovers_visible_to(*, user) -> QuerySet[Handover]:
    qs = Handover.objects.select_related(
        "participant",
        "participant__municipality",
        "participant__provider",
        "from_provider",
        "to_provider",
        "to_course",
        "to_course__municipality",
        "responsible",
        "agreed_in__series",
        "reservation",
        "from_enrollment__course",
    )
    role = access.role_of(user)
    if role == Role.COORDINATOR:
        return qs
    if role not in access.PROVIDER_ROLES:
        return qs.none()
    ids = access.provider_ids_for(user)
    # The receiving side sees a handover once it has been offered to it (not while it is only being proposed).
    offered = Exists(HandoverStep.objects.filter(handover=OuterRef("pk"), status=Handover.Status.OFFERED))
    received = Q(to_provider_id__in=ids) & Q(offered)
    return qs.filter(Q(from_provider_id__in=ids) | Q(participant__provider_id__in=ids) | received)


def handover_get_for_user(*, user, pk: int) -> Handover:
    if access.role_of(user) == Role.COUNTY_STAFF:
        raise PermissionDenied
    try:
        return handovers_visible_to(user=user).get(pk=pk)
    except Handover.DoesNotExist:
        raise Http404 from None


def is_sender(user, handover: Handover) -> bool:
    ids = access.provider_ids_for(user)
    return access.is_coordinator(user) or handover.from_provider_id in ids or handover.participant.provider_id in ids


def part_of(user, handover: Handover) -> str:
    """The user's provider's part in a handover: "giving" (it sends the person), "receiving", "registered" (it
    registered the person, who moves between two other providers), or "" (the coordinator, who runs them all)."""
    ids = access.provider_ids_for(user)
    if handover.from_provider_id in ids:
        return "giving"
    if handover.to_provider_id is not None and handover.to_provider_id in ids:
        return "receiving"
    if handover.participant.provider_id in ids:
        return "registered"
    return ""


PART_LABELS = {
    "giving": gettext_lazy("you hand over"),
    "receiving": gettext_lazy("offered to you"),
    "registered": gettext_lazy("registered by you"),
}


def is_receiver(user, handover: Handover) -> bool:
    return access.is_coordinator(user) or (
        handover.to_provider_id is not None and handover.to_provider_id in access.provider_ids_for(user)
    )


def actor_label(user, handover: Handover) -> str:
    """Who acted, for whom, in words for the other side: "Name (Provider)" or "Name (county coordination)"."""
    if user is None:
        return str(_("the county coordination"))
    name = user.get_full_name() or user.username
    ids = access.provider_ids_for(user)
    for provider in (handover.from_provider, handover.participant.provider, handover.to_provider):
        if provider is not None and provider.pk in ids:
            return f"{name} ({provider.name})"
    if access.is_coordinator(user):
        coordination = _("county coordination")
        return f"{name} ({coordination})"
    return name


def open_handover_targets(*, participant_ids) -> set[tuple[int, int]]:
    """(participant id, course id) of every open handover (proposed, offered or accepted) of these people: a
    course already proposed for a person is not suggested to them again. One query."""
    return set(
        Handover.objects.filter(
            participant_id__in=participant_ids, status__in=Handover.OPEN_STATUSES, to_course__isnull=False
        ).values_list("participant_id", "to_course_id")
    )


def without_open_handovers(suggestions, *, participant_id: int, taken: set[tuple[int, int]]) -> list:
    """The suggestions for one person minus the courses already proposed for them (see open_handover_targets)."""
    return [s for s in suggestions if (participant_id, s.course.pk) not in taken]


# Meetings a handover can be recorded as agreed in: held ones and those of the next days, the newest first.
AGREED_IN_DAYS_AHEAD = 14
AGREED_IN_CHOICES = 24


def meetings_to_agree_in(*, current_id: int | None = None, now: datetime.datetime | None = None) -> QuerySet:
    """The AGREED_IN_CHOICES newest meetings that have begun or begin within AGREED_IN_DAYS_AHEAD days (not
    cancelled), and the one already recorded, with their series. Filterable (one query when evaluated)."""
    from meetings.models import Meeting

    now = now or timezone.now()
    recent = (
        Meeting.objects.exclude(status=Meeting.Status.CANCELLED)
        .filter(starts_at__lte=now + datetime.timedelta(days=AGREED_IN_DAYS_AHEAD))
        .order_by("-starts_at", "-pk")
        .values("pk")[:AGREED_IN_CHOICES]
    )
    return (
        Meeting.objects.filter(Q(pk__in=recent) | Q(pk=current_id))
        .select_related("series")
        .order_by("-starts_at", "-pk")
    )


def ending_courses(*, user, today: datetime.date | None = None, horizon_days: int | None = None):
    """Courses ending within the horizon, each with the number of enrolled people without a follow-up."""
    qs = ending_courses_all(today=today, horizon_days=horizon_days)
    if access.role_of(user) == Role.COORDINATOR:
        return qs
    if access.role_of(user) in access.PROVIDER_ROLES:
        return qs.filter(provider_id__in=access.provider_ids_for(user))
    raise PermissionDenied


def _courses_ending(today: datetime.date, horizon_days: int) -> QuerySet[Course]:
    """Running, open or planned courses ending between today and the horizon."""
    return Course.objects.filter(
        status__in=[Course.Status.RUNNING, Course.Status.OPEN, Course.Status.PLANNED],
        end_date__gte=today,
        end_date__lte=today + datetime.timedelta(days=horizon_days),
    )


def _without_follow_up(enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """The enrolled people among `enrollments` with no open or started handover from that enrollment."""
    open_handover = Handover.objects.filter(
        from_enrollment=OuterRef("pk"), status__in=[*Handover.OPEN_STATUSES, Handover.Status.STARTED]
    )
    return enrollments.filter(status=Enrollment.Status.ENROLLED).exclude(Exists(open_handover))


def ending_courses_all(*, today: datetime.date | None = None, horizon_days: int | None = None):
    """All providers' courses ending within the horizon (no names: also used by the meeting agenda)."""
    today = today or timezone.localdate()
    horizon_days = horizon_days if horizon_days is not None else ending_horizon_days()
    without_follow_up = _without_follow_up(Enrollment.objects.filter(course=OuterRef("pk")))
    return (
        _courses_ending(today, horizon_days)
        .select_related("provider", "municipality")
        .annotate(
            enrolled=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED), distinct=True),
            without_follow_up=Count(
                "enrollments",
                filter=Q(enrollments__in=without_follow_up.values("pk")),
                distinct=True,
            ),
        )
        .order_by("end_date", "title")
    )


# --- The handover board and the work queues ------------------------------------------------------------------

BOARD_COLUMNS = [Handover.Status.PROPOSED, Handover.Status.OFFERED, Handover.Status.ACCEPTED]
CLOSED_COLUMNS = [Handover.Status.STARTED, Handover.Status.DECLINED, Handover.Status.WITHDRAWN, Handover.Status.NO_SHOW]
RECENT_DAYS = 60  # closed handovers stay on the board this long
BOARD_LIMIT = 1000
# An offer is "unanswered" when the receiver has not answered it for more than this many days.
UNANSWERED_DAYS = 7


def _offered_before(moment: datetime.datetime) -> Exists:
    return Exists(HandoverStep.objects.filter(handover=OuterRef("pk"), status=Handover.Status.OFFERED, at__lt=moment))


def handover_board(*, user, filters: dict | None = None, today: datetime.date | None = None) -> list[Handover]:
    """Open handovers and those closed in the last RECENT_DAYS, overdue first, then by due date; each with
    ``consent_ok`` and the user's ``part`` in it. One query (plus the filters' own), whatever the size."""
    today = today or timezone.localdate()
    handovers = with_consent_state(handovers_visible_to(user=user), today)
    data = filters or {}
    if data.get("provider"):
        handovers = handovers.filter(Q(from_provider=data["provider"]) | Q(to_provider=data["provider"]))
    if data.get("municipality"):
        handovers = handovers.filter(participant__municipality=data["municipality"])
    if data.get("level") is not None:
        handovers = handovers.filter(wanted_level=data["level"])
    if data.get("status"):
        handovers = handovers.filter(status=data["status"])
    if data.get("due_within") is not None:
        handovers = handovers.filter(
            status__in=Handover.OPEN_STATUSES,
            due_on__lte=today + datetime.timedelta(days=data["due_within"] or -1),
        )
    if data.get("unanswered"):
        handovers = handovers.filter(status=Handover.Status.OFFERED).filter(_offered_before(_unanswered_since(today)))
    recent = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    found = list(
        handovers.filter(Q(status__in=Handover.OPEN_STATUSES) | Q(updated_at__gte=recent)).order_by(
            "due_on", "created_at", "pk"
        )[:BOARD_LIMIT]
    )
    found.sort(key=lambda h: (not h.overdue_on(today), h.due_on or datetime.date.max, h.pk))
    for handover in found:
        handover.part = part_of(user, handover)
        handover.part_label = PART_LABELS.get(handover.part, "")
    return found


def _unanswered_since(today: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=UNANSWERED_DAYS), datetime.time())
    )


def board_columns(handovers: list[Handover]) -> list[dict]:
    return [
        {
            "status": status,
            "label": Handover.Status(status).label,
            "items": [h for h in handovers if h.status == status],
        }
        for status in [*BOARD_COLUMNS, *CLOSED_COLUMNS]
    ]


def provider_queue(*, user, today: datetime.date | None = None, limit: int = 20) -> dict:
    """A provider's handover work: incoming offers waiting for its answer (overdue and oldest first), accepted
    people to receive (start or no-show), its outgoing handovers waiting on the other side, and those waiting
    for a consent. One query (a provider's open handovers are a few dozen at most)."""
    today = today or timezone.localdate()
    ids = access.provider_ids_for(user)
    handovers = list(
        with_consent_state(handovers_visible_to(user=user), today)
        .filter(status__in=Handover.OPEN_STATUSES)
        .order_by(F("due_on").asc(nulls_last=True), "created_at", "pk")
    )
    queue: dict[str, list[Handover]] = {"incoming": [], "to_receive": [], "outgoing": [], "consent": []}
    for handover in handovers:
        handover.part = part_of(user, handover)
        handover.part_label = PART_LABELS.get(handover.part, "")
        giving = handover.from_provider_id in ids or handover.participant.provider_id in ids
        receiving = handover.to_provider_id is not None and handover.to_provider_id in ids
        # The receiving side answers (also a person it registered, offered back to it by another provider).
        if receiving and handover.from_provider_id not in ids and handover.status != Handover.Status.PROPOSED:
            key = "incoming" if handover.status == Handover.Status.OFFERED else "to_receive"
            queue[key].append(handover)
        elif receiving and handover.status == Handover.Status.ACCEPTED:
            queue["to_receive"].append(handover)  # within the own provider: confirm the start
        elif giving:
            # Offered or accepted without a valid consent (revoked since), or proposed without one.
            if handover.to_provider_id is not None and not handover.consent_ok:
                queue["consent"].append(handover)
            elif not receiving and handover.status in (Handover.Status.OFFERED, Handover.Status.ACCEPTED):
                queue["outgoing"].append(handover)
    return {key: items[:limit] for key, items in queue.items()}


def coordinator_queue(*, today: datetime.date | None = None) -> dict:
    """The coordination's handover counts for its start page (two queries)."""
    today = today or timezone.localdate()
    counts = Handover.objects.aggregate(
        overdue=Count("pk", filter=Q(status__in=Handover.OPEN_STATUSES, due_on__lt=today)),
        unanswered=Count("pk", filter=Q(status=Handover.Status.OFFERED) & Q(_offered_before(_unanswered_since(today)))),
        open=Count("pk", filter=Q(status__in=Handover.OPEN_STATUSES)),
    )
    # The ending courses' people without a follow-up, counted in the database (the rule of ending_courses_all),
    # not course by course.
    without = _without_follow_up(
        Enrollment.objects.filter(course__in=_courses_ending(today, ending_horizon_days()))
    ).aggregate(people=Count("pk"), courses=Count("course_id", distinct=True))
    return {
        **counts,
        "unanswered_days": UNANSWERED_DAYS,
        "ending_courses": without["courses"],
        "people_without_follow_up": without["people"],
        "horizon_weeks": settings.ENDING_COURSE_WEEKS,
    }


# --- Pages of one course or person ----------------------------------------------------------------------------


def ending_course_get_for_user(*, user, pk: int) -> Course:
    """An ending course with its people: the course's own provider and the coordinator. Another provider's course
    is 404 here (its participants are that provider's data), county staff get 403."""
    if access.role_of(user) == Role.COUNTY_STAFF:
        raise PermissionDenied
    return course_selectors.course_get_for_own_provider(user=user, pk=pk)


def ending_course_rows(
    *, user, course: Course, today: datetime.date | None = None, admission_first: bool = False, per_person: int = 3
) -> list[dict]:
    """Everyone enrolled in the course: the name where the user may see it, the person's handovers, and the best
    follow-up courses (hard rules kept), without those already proposed. A fixed number of queries."""
    enrollments = list(
        Enrollment.objects.filter(course=course, status=Enrollment.Status.ENROLLED)
        .select_related("participant", "participant__municipality")
        .order_by("participant__last_name", "participant__first_name", "pk")
    )
    people = [e.participant_id for e in enrollments]
    named = set(
        participant_selectors.participants_with_full_view(user=user).filter(pk__in=people).values_list("pk", flat=True)
    )
    handovers: dict[int, list[Handover]] = {}
    for handover in (
        Handover.objects.filter(from_enrollment__in=enrollments).select_related("to_course").order_by("created_at")
    ):
        handovers.setdefault(handover.from_enrollment_id, []).append(handover)
    suggestions = suggest_for_course(course=course, today=today, limit=None, admission_first=admission_first)
    taken = open_handover_targets(participant_ids=people)
    rows = []
    for e in enrollments:
        found = without_open_handovers(
            suggestions.get(e.participant_id, []), participant_id=e.participant_id, taken=taken
        )
        fitting, admission_first_only = split_by_admission(found, per_section=per_person)
        rows.append(
            {
                "enrollment": e,
                "named": e.participant_id in named,
                "handovers": handovers.get(e.pk, []),
                "suggestions": fitting,
                "admission_first": admission_first_only,
            }
        )
    return rows


def split_by_admission(suggestions: list, *, per_section: int) -> tuple[list, list]:
    """The fitting suggestions and those only with an admission first (matching's ``needs``), best first."""
    return (
        [s for s in suggestions if not s.needs][:per_section],
        [s for s in suggestions if s.needs][:per_section],
    )


def person_suggestions(
    *, participant, admission_first: bool = False, per_section: int = 3, today: datetime.date | None = None
) -> tuple[list, list]:
    """The participant page's next courses: (fitting, only with an admission first), without the courses
    already proposed for the person. The caller has checked that the user may see the person in full."""
    taken = open_handover_targets(participant_ids=[participant.pk])
    found = without_open_handovers(
        suggest_follow_ups(participant=participant, limit=None, admission_first=admission_first, today=today),
        participant_id=participant.pk,
        taken=taken,
    )
    return split_by_admission(found, per_section=per_section)


def participant_handovers(*, user, participant) -> list[Handover]:
    """The person's handovers the user may see, open ones first, newest first (participant page). One query."""
    order = Case(When(status__in=Handover.OPEN_STATUSES, then=Value(0)), default=Value(1))
    return list(
        with_consent_state(handovers_visible_to(user=user).filter(participant=participant))
        .annotate(closed=order)
        .order_by("closed", "-created_at", "-pk")
    )


def offer_target_courses(*, handover: Handover, today: datetime.date | None = None, limit: int = 100) -> list[Course]:
    """Courses a proposed handover can be offered to: not started, with a place to give, meant for the person
    (target group), the wanted level first."""
    today = today or timezone.localdate()
    qs = Course.objects.bookable(today).filter(start_date__gt=today).with_room(today).select_related("provider")
    if handover.wanted_level is not None:
        qs = qs.order_by(Abs(F("level_from") - handover.wanted_level), "start_date", "pk")
    else:
        qs = qs.order_by("start_date", "pk")
    person = Person.of(handover.participant)
    return [c for c in qs[:limit] if target_group_exclusion(c, person) is None]


def offer_target_get(*, value: str, today: datetime.date | None = None) -> Course | None:
    """The course a posted form names as the offer's target, or None for anything that is not a current one
    (a stored primary key in ASCII digits only: "²", "①" or "٣" name no course)."""
    pk = parse_pk(value)
    if pk is None:
        return None
    return Course.objects.bookable(today).select_related("provider").filter(pk=pk).first()
