import pytest
from django.urls import reverse

from courses.models import Course, PlaceReport

from ..factories import CourseFactory, report


def _snapshot(course):
    course.refresh_from_db()
    return course.free_places, course.places_reported_at, PlaceReport.objects.filter(course=course).count()


@pytest.mark.django_db
def test_staff_reports_free_places_inline_with_htmx(world, login):
    client = login(world.users.a_staff)
    url = reverse("courses:course_report_places", args=[world.course_a.pk])
    response = client.post(url, {"free_places": 4, "note": "zwei Abmeldungen"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    # The partial is one table row, not a whole page.
    assert html.lstrip().startswith("<tr") and "<html" not in html
    assert "Gespeichert." in html
    world.course_a.refresh_from_db()
    assert world.course_a.free_places == 4
    newest = PlaceReport.objects.get(course=world.course_a)
    assert (newest.free_places, newest.reported_by, newest.note) == (
        4,
        world.users.a_staff,
        "zwei Abmeldungen",
    )


@pytest.mark.django_db
def test_report_without_javascript_redirects_back(world, login):
    client = login(world.users.a_admin)
    url = reverse("courses:course_report_places", args=[world.course_a.pk])
    response = client.post(url, {"free_places": 0, "next": reverse("home")})
    assert response.status_code == 302 and response.url == reverse("home")
    world.course_a.refresh_from_db()
    assert world.course_a.free_places == 0
    page = client.get(reverse("home")).content.decode()
    assert "0 freie Plätze für „Kurs A“ gemeldet." in page


@pytest.mark.django_db
def test_next_parameter_cannot_redirect_off_site(world, login):
    client = login(world.users.a_admin)
    url = reverse("courses:course_report_places", args=[world.course_a.pk])
    response = client.post(url, {"free_places": 1, "next": "https://evil.example/"})
    assert response.url == world.course_a.get_absolute_url()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "Die Zahl der freien Plätze kann nicht negativ sein."),
        ("21", "Der Kurs hat nur 20 Plätze; bitte höchstens 20 eintragen."),
        ("", "Bitte die Zahl der freien Plätze eintragen."),
        ("drei", "Bitte eine ganze Zahl eintragen."),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_bad_free_places_get_a_german_message_and_change_nothing(world, login, value, message, htmx):
    report(world.course_a, 5)
    before = _snapshot(world.course_a)
    client = login(world.users.a_staff)
    url = reverse("courses:course_report_places", args=[world.course_a.pk])
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(url, {"free_places": value}, headers=headers)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert _snapshot(world.course_a) == before


@pytest.mark.django_db
def test_messages_in_english_when_the_interface_is_english(world, login):
    client = login(world.users.a_staff)
    client.cookies["django_language"] = "en"
    url = reverse("courses:course_report_places", args=[world.course_a.pk])
    response = client.post(url, {"free_places": "-3"})
    assert "The number of free places cannot be negative." in response.content.decode()


@pytest.mark.django_db
def test_no_reports_for_cancelled_courses(world, login):
    Course.objects.filter(pk=world.course_a.pk).update(status=Course.Status.CANCELLED)
    client = login(world.users.a_staff)
    url = reverse("courses:course_report_places", args=[world.course_a.pk])
    response = client.post(url, {"free_places": 2})
    assert response.status_code == 422
    assert "abgesagten oder beendeten Kurs" in response.content.decode()
    assert not PlaceReport.objects.filter(course=world.course_a).exists()


@pytest.mark.django_db
def test_history_shows_every_report_newest_first(world, login):
    report(world.course_a, 7, by=world.users.a_staff, note="erste Meldung")
    client = login(world.users.a_staff)
    client.post(reverse("courses:course_report_places", args=[world.course_a.pk]), {"free_places": 3})
    html = client.get(world.course_a.get_absolute_url()).content.decode()
    history = html[html.index("Verlauf der Meldungen") :]
    assert history.index(">3<") < history.index(">7<")
    assert "erste Meldung" in history


@pytest.mark.django_db
def test_provider_home_lists_only_own_current_courses(world, login):
    finished = CourseFactory(provider=world.provider_a, title="Alter Kurs", status=Course.Status.FINISHED)
    html = login(world.users.a_staff).get(reverse("home")).content.decode()
    assert "Kurs A" in html
    assert "Kurs B" not in html
    assert finished.title not in html


@pytest.mark.django_db
def test_interface_is_german_whatever_the_browser_says(world, login):
    client = login(world.users.a_staff)
    html = client.get(reverse("home"), headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "Meine Kurse" in html and '<html lang="de">' in html
