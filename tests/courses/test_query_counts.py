"""Query budgets: lists and dashboards use a fixed number of queries whatever the size of the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Course

from ..factories import CourseFactory, MunicipalityFactory, ProviderFactory, VenueFactory, report


def grow(world, factor):
    """More of everything: providers, venues in more municipalities, courses of every status, reports."""
    statuses = list(Course.Status.values)
    for i in range(factor):
        municipality = MunicipalityFactory()
        for provider in (world.provider_a, ProviderFactory(municipality=municipality)):
            venue = VenueFactory(provider=provider, municipality=municipality)
            for j in range(3):
                course = CourseFactory(
                    provider=provider,
                    venue=venue,
                    status=statuses[(i + j) % len(statuses)],
                    level_from=(i + j) % 5,
                    level_to=5,
                    start_date=timezone.localdate() + datetime.timedelta(days=j * 7 - 7),
                )
                if j:
                    report(course, j, at=timezone.now() - datetime.timedelta(days=j * 10))


def queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), "\n".join(q["sql"] for q in context.captured_queries)


PAGES = [
    # session, user, groups and memberships are 4 of these; the rest is the page's own.
    # + open action items from meetings, the provider's handover queue, the next meetings
    ("home", "a_staff", 9),
    # + the handover counts and ending courses, the next meetings, open action items (count and first ten) and
    # the coordinator's own (owned by their department, their provider memberships or them: 2 queries), and the
    # number of open assessments in the developments log
    ("home", "coordinator", 15),
    ("courses:district_overview", "county", 9),  # 7 + transition metrics (enrollments, handover counts)
    ("courses:course_list", "coordinator", 8),
    ("courses:course_list", "a_admin", 9),
    # + the number of providers, one page of them and that page's figures (places rule)
    ("courses:provider_list", "coordinator", 6),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "budget"), PAGES)
def test_query_count_is_fixed_and_does_not_grow(world, client, name, role, budget):
    client.force_login(getattr(world.users, role))
    url = reverse(name)
    grow(world, 1)
    small, small_sql = queries(client, url)
    grow(world, 4)
    large, large_sql = queries(client, url)
    assert small == large, f"queries grew from {small} to {large}:\n{large_sql}"
    assert large <= budget, f"{large} queries, budget {budget}:\n{large_sql}"


@pytest.mark.django_db
def test_course_detail_query_count_does_not_grow_with_history(world, client):
    client.force_login(world.users.a_staff)
    url = world.course_a.get_absolute_url()
    report(world.course_a, 3, by=world.users.a_staff)
    small, _ = queries(client, url)
    for n in range(20):
        report(world.course_a, n % 10, by=world.users.a_admin)
    large, sql = queries(client, url)
    assert small == large, sql


DEMO_PAGES = [
    ("home", "vhs"),
    ("home", "koordination"),
    ("courses:district_overview", "kreis"),
    ("courses:course_list", "koordination"),
    ("courses:course_list", "vhs"),
    ("courses:provider_list", "koordination"),
]


@pytest.mark.django_db
def test_query_counts_stay_the_same_when_the_demo_district_is_multiplied(client, django_user_model):
    from django.core.management import call_command

    from bench import inprocess

    call_command("seed_demo", verbosity=0)
    before = {}
    for name, username in DEMO_PAGES:
        client.force_login(django_user_model.objects.get(username=username))
        before[(name, username)] = queries(client, reverse(name))[0]
    # Every page `make bench` measures (its list is the one source), the free-place POST and the references too.
    measured_before = inprocess.count_queries(inprocess.pages())
    call_command("seed_scale", factor=2, verbosity=0)
    # seed_scale adds other providers; multiply the demo VHS's own courses too, so its pages grow.
    vhs_courses = list(Course.objects.filter(provider__memberships__user__username="vhs"))
    for copy in range(4):
        for course in vhs_courses:
            course.pk = None
            course.title = f"{course.title} ({copy})"
            course.save()
    assert Course.objects.filter(provider__memberships__user__username="vhs").count() == 5 * len(vhs_courses)
    assert Course.objects.count() > 1000
    for name, username in DEMO_PAGES:
        client.force_login(django_user_model.objects.get(username=username))
        count, sql = queries(client, reverse(name))
        assert count == before[(name, username)], f"{name} as {username}: {before[(name, username)]} → {count}\n{sql}"
    measured_after = inprocess.count_queries(inprocess.pages())
    assert len(measured_before) >= 19
    assert measured_after == measured_before
