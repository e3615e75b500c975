"""The demo district (seed_demo) and the benchmark volume (seed_scale)."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Membership, Municipality, PlaceReport, Provider, Venue
from diepholz_coord import access

# Organisations marked "real": true in shared/domain/diepholz-demo.json: no demo course may belong to them.
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

DEMO_LOGINS = {
    "koordination": access.Role.COORDINATOR,
    "kreis": access.Role.COUNTY_STAFF,
    "vhs": access.Role.PROVIDER_ADMIN,
    "vhs-kurs": access.Role.PROVIDER_STAFF,
    "lernhaus": access.Role.PROVIDER_ADMIN,
}


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(db, fast_hasher):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts():
    User = get_user_model()
    return {
        model.__name__: model.objects.count()
        for model in (Municipality, Provider, Venue, Course, PlaceReport, Membership, User, Group)
    }


def test_seed_demo_twice_gives_the_same_data(seeded):
    first = _counts()
    snapshot = list(Course.objects.order_by("pk").values_list("pk", "title", "status", "capacity", "free_places"))
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first
    assert list(Course.objects.order_by("pk").values_list("pk", "title", "status", "capacity", "free_places")) == (
        snapshot
    )
    assert first["Municipality"] == 15


def test_seed_demo_prints_counts_and_logins(seeded):
    assert "Courses:" in seeded
    for username in DEMO_LOGINS:
        assert username in seeded


def test_demo_district_is_spread_and_varied(seeded):
    assert Provider.objects.count() >= 8
    assert Venue.objects.values("municipality").distinct().count() >= 10
    assert Course.objects.count() >= 40
    assert set(Course.objects.values_list("status", flat=True)) == set(Course.Status.values)
    assert Course.objects.values("course_type").distinct().count() >= 10
    assert not Course.objects.filter(status=Course.Status.CANCELLED, cancel_reason="").exists()
    for course in Course.objects.all():
        assert course.min_size <= course.capacity
        assert course.start_date <= course.end_date
        assert course.weekdays and all(0 <= day <= 6 for day in course.weekdays)
        assert course.time_from < course.time_to
        if course.venue_id:
            assert course.venue.provider_id == course.provider_id
            assert course.municipality_id == course.venue.municipality_id


def test_demo_dates_and_report_ages(seeded):
    today = timezone.localdate()
    now = timezone.now()
    bookable = Course.objects.bookable()
    assert bookable.filter(start_date__gt=today, start_date__lte=today + datetime.timedelta(days=14)).exists()
    assert bookable.filter(end_date__lte=today + datetime.timedelta(days=28)).exists()
    assert Course.objects.filter(status=Course.Status.RUNNING, start_date__lte=today, end_date__gte=today).exists()
    assert Course.objects.filter(status=Course.Status.FINISHED, end_date__lt=today).exists()
    limit = now - datetime.timedelta(days=14)
    assert bookable.filter(places_reported_at__lt=limit).count() >= 3
    assert bookable.filter(places_reported_at__gte=limit).count() >= 10
    assert bookable.filter(places_reported_at__isnull=True).exists()
    assert not PlaceReport.objects.filter(reported_at__gt=now).exists()


def test_demo_providers_own_enough_bookable_courses(seeded):
    vhs = Provider.objects.get(name="Volkshochschule Hunte-Weser (Demo)")
    lernhaus = Provider.objects.get(name="Lernhaus Dümmer gGmbH")
    assert vhs.kind == Provider.Kind.VHS
    assert Course.objects.bookable().filter(provider=vhs).count() >= 6
    assert Course.objects.bookable().filter(provider=lernhaus, childcare=True).count() >= 3


def test_no_demo_course_belongs_to_a_real_organisation(seeded):
    assert not Provider.objects.filter(name__in=REAL_ORGANISATIONS).exists()
    assert not Course.objects.filter(provider__name__in=REAL_ORGANISATIONS).exists()


def test_free_places_equal_the_newest_report(seeded):
    newest = PlaceReport.objects.filter(course=OuterRef("pk")).order_by("-reported_at", "-pk")
    courses = Course.objects.annotate(
        newest_free=Subquery(newest.values("free_places")[:1]),
        newest_at=Subquery(newest.values("reported_at")[:1]),
    )
    with_reports = [c for c in courses if c.newest_at is not None]
    assert len(with_reports) >= 30
    for course in with_reports:
        assert (course.free_places, course.places_reported_at) == (course.newest_free, course.newest_at)
        assert course.free_places <= course.capacity
    for course in courses:
        if course.newest_at is None:
            assert course.free_places is None and course.places_reported_at is None


def test_demo_logins_work_with_their_roles(seeded, client):
    User = get_user_model()
    for username, role in DEMO_LOGINS.items():
        response = client.post(reverse("login"), {"username": username, "password": "diepholz"})
        assert response.status_code == 302 and "_auth_user_id" in client.session, username
        client.logout()
        assert access.role_of(User.objects.get(username=username)) == role
    coordinator = User.objects.get(username="koordination")
    assert coordinator.is_staff and coordinator.groups.filter(name=access.COORDINATOR_GROUP).exists()
    assert User.objects.get(username="kreis").groups.filter(name=access.COUNTY_STAFF_GROUP).exists()
    vhs = Provider.objects.get(name="Volkshochschule Hunte-Weser (Demo)")
    assert set(vhs.memberships.values_list("user__username", "role")) == {("vhs", "admin"), ("vhs-kurs", "staff")}
    lernhaus = Provider.objects.get(name="Lernhaus Dümmer gGmbH")
    assert set(lernhaus.memberships.values_list("user__username", "role")) == {("lernhaus", "admin")}


def test_seed_demo_resets_the_demo_password(seeded, client):
    User = get_user_model()
    user = User.objects.get(username="vhs")
    user.set_password("etwas-anderes-123")
    user.first_name = "Geändert"
    user.save()
    call_command("seed_demo", stdout=StringIO())
    client.post(reverse("login"), {"username": "vhs", "password": "diepholz"})
    assert "_auth_user_id" in client.session
    assert User.objects.get(username="vhs").first_name == "Geändert"


@pytest.mark.django_db
def test_seed_scale_adds_the_realistic_volume_once():
    call_command("seed_scale", factor=1, stdout=StringIO())
    assert Municipality.objects.count() == 15
    assert Provider.objects.filter(name__startswith="Demo-Träger ").count() == 25
    assert Course.objects.count() == 750
    assert PlaceReport.objects.count() >= 2 * 750 * 0.8
    assert set(Course.objects.values_list("status", flat=True)) == set(Course.Status.values)
    today = timezone.localdate()
    assert Course.objects.filter(start_date__lt=today - datetime.timedelta(days=4 * 365)).exists()
    assert Course.objects.filter(start_date__gt=today + datetime.timedelta(days=180)).exists()
    counts = _counts()
    call_command("seed_scale", factor=1, stdout=StringIO())
    assert _counts() == counts
