"""Hostile input gets a form error or a 400, never a 500 and never another record (issue 12, point 1).

The four causes of a 500 a production-like probe found, each on PostgreSQL: a login name over 255 characters
(django-axes stores it with the failed attempt), a NUL byte in the calendar token and in an admin list filter
(PostgreSQL cannot compare text with NUL), and the handover offer's course value read with str.isdigit(). SQLite
stores and compares all of these without complaint, so the tests state what must happen instead of waiting
for the database to fail: a form error and no stored attempt, a 400, no course taken for a look-alike number.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Venue
from tests import factories
from transitions.models import Handover

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def arabic_indic(pk: int) -> str:
    """The primary key in Arabic-Indic digits, which int() reads as the same number."""
    value = str(pk).translate(ARABIC_INDIC)
    assert int(value) == pk
    return value


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_login_name_longer_than_any_account_is_a_form_error_and_no_failed_attempt(client, url):
    from axes.models import AccessAttempt

    response = client.post(url, {"username": "x" * 300, "password": "egal"})
    assert response.status_code == 200
    assert "höchstens 150 Zeichen" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    # An ordinary wrong name is still counted by the throttle.
    client.post(url, {"username": "x" * 150, "password": "egal"})
    assert AccessAttempt.objects.get().username == "x" * 150


NUL_REQUESTS = [
    ("get", "/sitzungen/ical/%00.ics", None),
    ("get", "/sitzungen/ical/abc%00def.ics", None),
    ("get", "/kurse/", {"q": "a\x00b"}),
    ("get", "/kurse/", {"x\x00": "1"}),
    ("get", "/accounts/login/", {"next": "/\x00"}),
    ("post", "/accounts/login/", {"username": "koordinator\x00", "password": "x"}),
    ("post", "/accounts/login/", {"username": "koordinator", "password": "\x00"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "data"), NUL_REQUESTS)
def test_a_nul_byte_in_path_query_or_form_is_refused_with_400(client, method, url, data):
    from axes.models import AccessAttempt

    response = getattr(client, method)(url, data)
    assert response.status_code == 400, (url, data)
    assert "Ungültige Anfrage" in response.content.decode() and "Bad request" in response.content.decode()
    assert not AccessAttempt.objects.exists()


VENUE = {"name": "Neuer Ort", "street": "Hauptstr. 1", "postcode": "28857", "town": "Syke"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra",
    [
        {"anmerkung": "\x00"},
        {"anmerkung\x00": "1"},
        {"anhang\x00": SimpleUploadedFile("plan.pdf", b"%PDF-1.4", content_type="application/pdf")},
    ],
    ids=["value", "name", "file-field-name"],
)
def test_a_nul_byte_anywhere_in_a_posted_form_is_refused_with_400(world, login, extra):
    """Even in a field the form does not know (Django's CharField refuses NUL in its own fields only)."""
    client = login(world.users.a_admin)
    url = reverse("courses:venue_create", args=[world.provider_a.pk])
    data = {**VENUE, "municipality": world.provider_a.municipality.pk}
    assert client.post(url, {**data, **extra}).status_code == 400
    assert not Venue.objects.filter(name="Neuer Ort").exists()
    assert client.post(url, data).status_code == 302


@pytest.mark.django_db
def test_a_nul_byte_in_a_cookie_is_refused_with_400(client):
    # A quoted cookie value may carry an octal escape, which Django's cookie parser turns into the byte itself.
    cookie = 'sessionid="\\000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"'
    assert client.get("/accounts/login/", HTTP_COOKIE=cookie).status_code == 400


@pytest.mark.django_db
def test_a_nul_byte_in_an_admin_list_filter_is_refused_with_400(client):
    admin = factories.UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/courses/course/", {"status": "open"}).status_code == 200
    assert client.get("/admin/courses/course/", {"status": "open\x00"}).status_code == 400
    assert client.get("/admin/courses/course/", {"q": "\x00"}).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["99999999999999999999", "-99999999999999999999", "20266"])
@pytest.mark.parametrize("part", ["year", "month", "day"])
def test_an_impossible_date_in_an_admin_date_hierarchy_is_refused_with_400(world, client, value, part):
    """Django's admin catches the ValueError of datetime(), not the OverflowError of a number beyond a C long."""
    admin = factories.UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/courses/course/", {"start_date__year": "2026"}).status_code == 200
    query = {"start_date__year": "2026", f"start_date__{part}": value}
    assert client.get("/admin/courses/course/", query).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["arabic-indic", "²", "①", "1" * 5000, "-1", " 1"])
def test_the_offer_takes_no_look_alike_number_for_a_course(world, login, value):
    """str.isdigit() accepts "²" and "①" (and int() then fails) and "٣" (read as 3): none of them names a course."""
    from tests.access_matrix_transitions import handover_a

    handover = handover_a(world)
    target = factories.CourseFactory(provider=world.provider_a, title="Ziel")
    if value == "arabic-indic":
        value = arabic_indic(target.pk)
    client = login(world.users.a_admin)
    url = reverse("transitions:handover_step", args=[handover.pk, "anbieten"])
    response = client.post(url, {"kurs": value}, follow=True)
    assert response.status_code == 200
    assert "Dieser Kurs kann nicht (mehr) gewählt werden" in response.content.decode()
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PROPOSED and handover.to_course != target


@pytest.mark.django_db
def test_a_form_takes_no_arabic_indic_digits_for_a_related_record(world, login):
    """Django's model choice fields read "٣" as 3; ours refuse it, in model forms and list filters alike."""
    client = login(world.users.a_admin)
    municipality = world.provider_a.municipality
    data = VENUE
    url = reverse("courses:venue_create", args=[world.provider_a.pk])
    response = client.post(url, {**data, "municipality": arabic_indic(municipality.pk)})
    assert response.status_code == 400 and "municipality" in response.context["form"].errors
    assert not Venue.objects.filter(name="Neuer Ort").exists()
    assert client.post(url, {**data, "municipality": municipality.pk}).status_code == 302

    response = client.get(reverse("courses:course_list"), {"provider": arabic_indic(world.provider_b.pk)})
    assert "provider" in response.context["filter"].form.errors
    response = client.get(reverse("transitions:handover_list"), {"provider": arabic_indic(world.provider_b.pk)})
    assert "provider" in response.context["form"].errors
