"""Lists that grow with the district are capped: the overview shows the oldest stale reports and links to all of
them in the course list; the agenda lists as many and counts the rest; the start pages show totals only."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import selectors
from meetings import agenda
from participants.models import Enrollment
from tests import factories


def _stale_courses(world, count: int, *, today: datetime.date) -> list:
    """`count` bookable courses whose newest report is older than the stale limit, each a day older than the
    one before (course 0 the newest)."""
    courses = []
    for n in range(count):
        course = factories.CourseFactory(provider=world.provider_a if n % 2 else world.provider_b, title=f"Alt {n:03d}")
        at = timezone.make_aware(datetime.datetime.combine(today, datetime.time(9))) - datetime.timedelta(days=40 + n)
        factories.report(course, 5, at=at)
        courses.append(course)
    return courses


@pytest.mark.django_db
def test_the_overview_lists_the_oldest_stale_reports_and_links_to_all(world, login, settings):
    today = timezone.localdate()
    created = _stale_courses(world, selectors.STALE_SHOWN + 5, today=today)
    page = login(world.users.coordinator).get(reverse("courses:district_overview"))
    overview = page.context["overview"]
    # The two courses of the world fixture have never been reported: missing reports come first.
    assert overview.stale_count == len(created) + 2
    assert overview.stale_shown == selectors.STALE_SHOWN
    listed = {course.title for _provider, courses in overview.stale_by_provider for course in courses}
    assert len(listed) == selectors.STALE_SHOWN
    assert {"Kurs A", "Kurs B"} <= listed
    # The oldest reports are listed, the newest left out.
    newest = {course.title for course in created[: len(created) + 2 - selectors.STALE_SHOWN]}
    assert not listed & newest
    html = page.content.decode()
    assert f"{reverse('courses:course_list')}?report=stale" in html
    assert "data-stale-more" in html

    # The full list: every stale course, the up-to-date ones not.
    fresh = factories.CourseFactory(provider=world.provider_a, title="Frisch gemeldet")
    factories.report(fresh, 3)
    full = login(world.users.coordinator).get(reverse("courses:course_list") + "?report=stale")
    assert full.context["page"].paginator.count == len(created) + 2  # 47 fit on one page of 50
    titles = {course.title for course in full.context["page"].object_list}
    assert titles == {c.title for c in created} | {"Kurs A", "Kurs B"}


@pytest.mark.django_db
def test_a_short_stale_list_has_no_link(world, login):
    page = login(world.users.county).get(reverse("courses:district_overview"))
    assert page.context["overview"].stale_count == 2
    assert "data-stale-more" not in page.content.decode()


@pytest.mark.django_db
def test_the_agenda_lists_as_many_stale_reports_as_the_overview_and_counts_the_rest(world):
    _stale_courses(world, selectors.STALE_SHOWN + 3, today=timezone.localdate())
    section = agenda._stale_reports()
    assert len(section["rows"]) == selectors.STALE_SHOWN
    assert section["more"] == 5
    shown = [(course.provider.name, course.title) for course in selectors.stale_courses_shown()]
    assert [(row["provider"], row["course"]) for row in section["rows"]] == shown


@pytest.mark.django_db
def test_the_coordinators_home_shows_the_district_totals(world, login):
    _stale_courses(world, 3, today=timezone.localdate())
    page = login(world.users.coordinator).get(reverse("home"))
    totals = page.context["overview"]
    assert isinstance(totals, selectors.DistrictTotals)
    assert totals.stale_count == 5
    assert totals.total_courses == 5
    overview = selectors.district_overview(user=world.users.coordinator)
    assert (totals.total_free, totals.total_capacity, totals.courses_without_report) == (
        overview.total_free,
        overview.total_capacity,
        overview.courses_without_report,
    )


@pytest.mark.django_db
def test_the_provider_list_is_paged_with_each_pages_figures(world, login):
    for n in range(selectors.PROVIDERS_PER_PAGE + 5):
        factories.ProviderFactory(name=f"Träger {n:03d}")
    course = factories.CourseFactory(provider=world.provider_b)  # "Träger B": after "Träger 054" by name
    factories.report(course, 4)
    client = login(world.users.coordinator)
    first = client.get(reverse("courses:provider_list"))
    assert len(first.context["providers"]) == selectors.PROVIDERS_PER_PAGE
    assert first.context["page"].paginator.count == selectors.PROVIDERS_PER_PAGE + 7
    assert "page=2" in first.content.decode()
    second = client.get(reverse("courses:provider_list") + "?page=2")
    names = [p.name for p in second.context["providers"]]
    assert names[-2:] == ["Träger A", "Träger B"]
    b = second.context["providers"][-1]
    assert (b.bookable_courses, b.free_places) == (2, 4 + course_b_places(world))
    # A page beyond the last shows the last one, a page that is no number the first.
    assert client.get(reverse("courses:provider_list") + "?page=99").context["page"].number == 2
    assert client.get(reverse("courses:provider_list") + "?page=x").context["page"].number == 1


def course_b_places(world) -> int:
    """Free places of the world's course B (never reported: capacity minus enrolled)."""
    from courses.places import current_places

    return current_places(world.course_b.pk).available


@pytest.mark.django_db
def test_the_agendas_ending_courses_are_capped_and_counted(world):
    today = timezone.localdate()
    for n in range(agenda.CHANGE_ROWS + 2):
        course = factories.CourseFactory(
            provider=world.provider_a,
            start_date=today - datetime.timedelta(days=90),
            end_date=today + datetime.timedelta(days=1 + n % 20),
            status="running",
        )
        if n == 0:
            Enrollment.objects.create(
                participant=factories.ParticipantFactory(provider=world.provider_a), course=course, status="enrolled"
            )
    section = agenda._ending_courses(today)
    assert len(section["rows"]) == agenda.CHANGE_ROWS
    assert section["more"] == 2
    assert section["total_without"] == 1  # counted over every ending course, not only the listed ones
    html = agenda_html_of(section)
    assert "2 weitere bald endende Kurse" in html


def agenda_html_of(section) -> str:
    from django.template.loader import render_to_string
    from django.utils import translation

    item = type("Item", (), {"section": "ending_courses", "data": section})()
    with translation.override("de"):
        return render_to_string("meetings/_section_data.html", {"item": item, "charts": {}})


@pytest.mark.django_db
def test_the_overviews_totals_are_the_start_pages_totals(world):
    """The overview sums its totals from the matrix's grouped query; the start page asks for them alone. Both
    count the same courses the same way: reported and never reported, stale and fresh, full, finished (left out),
    with enrolled people and reserved places."""
    today = timezone.localdate()
    _stale_courses(world, 3, today=today)
    fresh = factories.CourseFactory(provider=world.provider_a, title="Frisch", capacity=12)
    factories.report(fresh, 4)
    full = factories.CourseFactory(
        provider=world.provider_b, title="Voll", capacity=6, min_size=2, level_from=5, level_to=5
    )
    factories.report(full, 0)
    factories.CourseFactory(provider=world.provider_a, status="finished", title="Vorbei")
    Enrollment.objects.create(
        participant=factories.ParticipantFactory(provider=world.provider_a), course=fresh, status="enrolled"
    )
    overview = selectors.district_overview(user=world.users.county, today=today)
    totals = selectors.district_totals(user=world.users.county, today=today)
    assert overview.total_courses == 7
    for name in vars(totals):
        assert getattr(overview, name) == getattr(totals, name), name
    assert (overview.total_free, overview.stale_count, overview.courses_without_report) != (0, 0, 0)
