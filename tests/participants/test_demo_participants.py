"""Demo participants (seed_demo) and the benchmark volume (seed_scale): repeatable, consistent with course
capacities, consent before every handover, and never attached to a real organisation."""

import time
from collections import Counter
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from courses.domain import CourseType, Level
from courses.models import Course, PlaceReport, Provider
from participants.demo import PLACES_NOTE, align_free_places
from participants.models import Consent, CourseWish, Enrollment, Participant

from .. import factories

# Organisations marked "real": true in shared/domain/diepholz-demo.json: no demo person may belong to them.
REAL_ORGANISATIONS = [
    "VHS des Landkreises Diepholz (Kreisvolkshochschule)",
    "Diakonisches Werk Diepholz-Syke-Hoya",
    "Freiwilligen-Agentur Diepholz",
    "Syker Flüchtlingscafé (ev. Kirchengemeinde Syke)",
    "Flüchtlingscafé im ev. Gemeindehaus Weyhe",
    "Stuhrer Flüchtlings-Netz - Treffpunkt B5 (Brinkum)",
    "Mehrgenerationenhaus Barnstorf ('Wir spielen Deutsch', with VHS)",
    "Asylbegleiter Twistringen",
]
SOUTH = ["Schwaförden", "Siedenburg", "Kirchdorf", "Wagenfeld", "Rehden"]
CURRENT = [Course.Status.RUNNING, Course.Status.OPEN]


def _counts():
    counts = {model.__name__: model.objects.count() for model in (Participant, Enrollment, CourseWish, Consent)}
    counts["wish places"] = CourseWish.municipalities.through.objects.count()
    counts["PlaceReport"] = PlaceReport.objects.count()
    return counts


@pytest.fixture
def seeded(db):
    call_command("seed_demo", verbosity=0, stdout=StringIO())


def _enrolled_per_course():
    rows = Enrollment.objects.filter(status=Enrollment.Status.ENROLLED).values("course").annotate(n=Count("pk"))
    return {row["course"]: row["n"] for row in rows}


def test_seed_demo_twice_gives_the_same_participants(seeded):
    first = _counts()
    codes = set(Participant.objects.values_list("code", flat=True))
    call_command("seed_demo", verbosity=0, stdout=StringIO())
    assert _counts() == first
    assert set(Participant.objects.values_list("code", flat=True)) == codes
    assert first["Participant"] >= 250
    assert first["Enrollment"] >= first["Participant"]
    assert first["Consent"] >= 50


def test_courses_never_hold_more_than_their_capacity(seeded):
    enrolled = _enrolled_per_course()
    assert sum(enrolled.values()) >= 150
    for course in Course.objects.all():
        n = enrolled.get(course.pk, 0)
        assert n <= course.capacity, course.title
        if course.free_places is not None:
            assert course.free_places <= course.capacity - n, course.title
        if n:
            assert course.status in CURRENT, course.title
    # A correction of the free places is a normal report and the newest one.
    for report in PlaceReport.objects.filter(note="Demo: Einschreibungen").select_related("course"):
        assert report.course.places_reported_at >= report.reported_at
    assert not PlaceReport.objects.filter(reported_at__gt=timezone.now()).exists()


def test_enrolled_people_fit_their_course_and_sit_in_one_course_only(seeded):
    current = Enrollment.objects.filter(status=Enrollment.Status.ENROLLED).select_related("participant", "course")
    for enrollment in current.exclude(course__course_type=CourseType.SPRACHCAFE):
        person, course = enrollment.participant, enrollment.course
        assert person.level is not None and abs(person.level - course.level_from) <= 1, (person.code, course.title)
        if course.course_type == CourseType.IK_FRAUEN:
            assert person.gender == Participant.Gender.FEMALE
        if course.course_type == CourseType.IK_ALPHA:
            assert person.level <= Level.PRE_A1
    per_person = Counter(current.values_list("participant", flat=True))
    assert max(per_person.values()) == 1
    assert not Enrollment.objects.filter(status=Enrollment.Status.ENROLLED, course__status=Course.Status.FINISHED)


def test_every_handover_has_a_consent_given_before(seeded):
    today = timezone.localdate()
    crossing = [
        e
        for e in Enrollment.objects.select_related("participant", "course")
        if e.course.provider_id != e.participant.provider_id
    ]
    assert len(crossing) >= 20
    for enrollment in crossing:
        consents = Consent.objects.filter(
            participant=enrollment.participant,
            purpose=Consent.Purpose.HANDOVER,
            recipient_id=enrollment.course.provider_id,
            given_on__lte=enrollment.registered_on,
        )
        assert consents.exists(), (enrollment.participant.code, enrollment.course.title)
        if enrollment.status in (Enrollment.Status.WAITING, Enrollment.Status.ENROLLED):
            assert consents.valid(today).exists(), (enrollment.participant.code, enrollment.course.title)


def test_history_waiting_lists_and_dates(seeded):
    today = timezone.localdate()
    completed = Enrollment.objects.filter(status=Enrollment.Status.COMPLETED)
    assert completed.exists() and Enrollment.objects.filter(status=Enrollment.Status.DROPPED).exists()
    assert not completed.exclude(course__status=Course.Status.FINISHED).exists()
    dtz = Counter(
        completed.filter(exam_result__in=["dtz_b1", "certificate", "dtz_a2", "dtz_below"]).values_list(
            "exam_result", flat=True
        )
    )
    b1 = dtz["dtz_b1"] + dtz["certificate"]
    assert 0.3 <= b1 / sum(dtz.values()) <= 0.7, dtz
    assert dtz["dtz_a2"] and dtz["dtz_below"]
    full = Enrollment.objects.filter(
        status=Enrollment.Status.WAITING, course__free_places=0, course__status__in=CURRENT
    )
    assert full.exists()
    for e in Enrollment.objects.select_related("participant"):
        assert e.registered_on <= today
        if e.enrolled_on:
            assert e.registered_on <= e.enrolled_on <= today
        if e.ended_on:
            assert e.ended_on <= today and (e.enrolled_on is None or e.enrolled_on <= e.ended_on)
        assert e.participant.created_at.date() <= e.registered_on
        if e.status == Enrollment.Status.COMPLETED and e.level_reached is not None:
            assert e.participant.level >= e.level_reached or e.participant.level is None


def test_waiting_list_is_spread_and_concentrated_where_demand_is_unmet(seeded):
    today = timezone.localdate()
    open_wishes = CourseWish.objects.filter(status=CourseWish.Status.OPEN).select_related("participant")
    assert 60 <= open_wishes.count() <= 130
    assert open_wishes.values("participant__municipality").distinct().count() >= 5
    assert open_wishes.values("level").distinct().count() >= 4
    assert open_wishes.filter(level=Level.ALPHA).count() >= 8
    assert open_wishes.filter(childcare=True, participant__gender="f").count() >= 10
    south = open_wishes.filter(participant__municipality__name__in=SOUTH).count()
    assert south >= 12
    for wish in open_wishes.prefetch_related("municipalities"):
        assert wish.course_types and (wish.max_distance_km or wish.municipalities.all())
        assert today - wish.registered_on <= timezone.timedelta(days=200)
        assert wish.participant.status == Participant.Status.ACTIVE
    # People on the waiting list have no place in a course (a language café while waiting is fine).
    placed = Enrollment.objects.filter(status=Enrollment.Status.ENROLLED).exclude(
        course__course_type=CourseType.SPRACHCAFE
    )
    assert not open_wishes.filter(participant__in=placed.values("participant")).exists()
    fulfilled = CourseWish.objects.filter(status=CourseWish.Status.FULFILLED)
    assert fulfilled.exists() and not fulfilled.filter(fulfilled_by__isnull=True).exists()


def test_consents_profiles_and_providers(seeded):
    today = timezone.localdate()
    meeting = Consent.objects.filter(purpose=Consent.Purpose.MEETING)
    assert meeting.exists() and not meeting.filter(recipient__isnull=False).exists()
    handover = Consent.objects.filter(purpose=Consent.Purpose.HANDOVER)
    assert handover.filter(revoked_on__isnull=False).exists()
    assert handover.filter(expires_on__lt=today).exists()
    assert not Consent.objects.filter(given_on__gt=today).exists()

    people = Participant.objects.all()
    total = people.count()
    assert not people.filter(provider__name__in=REAL_ORGANISATIONS).exists()
    assert not Consent.objects.filter(recipient__name__in=REAL_ORGANISATIONS).exists()
    assert not Provider.objects.filter(name__in=REAL_ORGANISATIONS).exists()
    assert people.values("provider").distinct().count() >= 10
    assert people.values("municipality").distinct().count() == 15
    assert not people.exclude(birth_year__range=(1960, 2007)).exists()
    assert 0.05 <= people.filter(level=Level.ALPHA).count() / total <= 0.2
    assert 0.1 <= people.filter(needs_childcare=True).count() / total <= 0.3
    assert 0.45 <= people.exclude(residence_status="").count() / total <= 0.75
    assert people.filter(status=Participant.Status.ACTIVE).count() / total >= 0.9
    routes = Counter(people.values_list("route", flat=True))
    assert routes["claim"] + routes["obliged_abh"] + routes["obliged_jc"] >= total / 2
    assert routes["admission"] <= total * 0.12
    for person in people.filter(route="admission"):  # BAMF stopped § 44 (4) admissions on 9 Feb 2026
        assert person.created_at.date() < timezone.datetime(2026, 2, 9).date()
    # Alpha learners do not read the Latin script (yet).
    assert not people.filter(level=Level.ALPHA, literacy="yes").exists()


@pytest.mark.django_db
def test_free_places_above_capacity_minus_enrolled_are_corrected_once():
    course = factories.CourseFactory(capacity=6, min_size=3)
    earlier = timezone.now() - timezone.timedelta(days=20)
    factories.report(course, 5, at=earlier)
    for _ in range(3):
        person = factories.ParticipantFactory(provider=course.provider)
        Enrollment.objects.create(participant=person, course=course, status="enrolled", enrolled_on=earlier.date())
    assert align_free_places([course]) == 1
    course.refresh_from_db()
    newest = course.reports.first()
    assert (course.free_places, newest.free_places, newest.note) == (3, 3, PLACES_NOTE)
    assert course.places_reported_at == newest.reported_at > earlier  # after the old report, not "now"
    assert course.places_reported_at < timezone.now() - timezone.timedelta(days=1)
    assert align_free_places([course]) == 0


def test_demo_seeding_writes_no_audit_log_and_prints_counts(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Participants:" in out.getvalue() and "Course wishes:" in out.getvalue()
    assert not LogEntry.objects.filter(content_type__app_label="participants").exists()


@pytest.mark.django_db
def test_seed_scale_adds_participants_in_proportion():
    started = time.monotonic()
    call_command("seed_scale", factor=1, stdout=StringIO())
    seconds = time.monotonic() - started
    assert seconds < 30
    assert Participant.objects.count() == 3000
    assert Enrollment.objects.count() >= 2000
    assert CourseWish.objects.count() >= 300
    enrolled = _enrolled_per_course()
    for course in Course.objects.all():
        n = enrolled.get(course.pk, 0)
        assert n <= course.capacity
        if course.free_places is not None:
            assert course.free_places <= course.capacity - n
    # Benchmark people stay with their own provider's courses, so no handover consent is needed.
    assert not Enrollment.objects.exclude(course__provider=F("participant__provider")).exists()
    per_person = Counter(
        Enrollment.objects.filter(status=Enrollment.Status.ENROLLED).values_list("participant", flat=True)
    )
    assert max(per_person.values()) == 1
    assert not LogEntry.objects.filter(content_type__app_label="participants").exists()
    counts = _counts()
    call_command("seed_scale", factor=1, stdout=StringIO())
    assert _counts() == counts
