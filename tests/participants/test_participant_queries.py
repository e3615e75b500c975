"""Query budgets of the participant list, the detail page and the demand view: fixed whatever the data size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import CourseWish, Enrollment

from .. import factories


def grow(world, n):
    for i in range(n):
        municipality = factories.MunicipalityFactory()
        person = factories.ParticipantFactory(provider=world.provider_a, municipality=municipality, level=i % 6)
        CourseWish.objects.create(participant=person, level=i % 6)
        other = factories.ParticipantFactory(provider=world.provider_b)
        CourseWish.objects.create(participant=other, level=(i + 1) % 6)
        Enrollment.objects.create(participant=person, course=world.course_a, status="waiting")
        factories.ConsentFactory(participant=other, recipient=world.provider_a)


def count(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), "\n".join(q["sql"] for q in context.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "role", "budget"),
    [
        # 9: the audit entry of the look and its people (diepholz_coord.audit.audit_access) are two INSERTs.
        # A provider's list reads the people handed over to it with consent first (one query more, so that
        # "own or consented" is an index lookup: participants.selectors.participants_with_full_view).
        ("participants:participant_list", "a_staff", 10),
        ("participants:participant_list", "coordinator", 9),
        ("participants:demand", "county", 5),
        ("participants:demand", "coordinator", 5),
    ],
)
def test_list_and_demand_query_counts_do_not_grow(world, client, name, role, budget):
    client.force_login(getattr(world.users, role))
    grow(world, 2)
    small, _ = count(client, reverse(name))
    grow(world, 12)
    large, sql = count(client, reverse(name))
    assert small == large, sql
    assert large <= budget, f"{large} queries, budget {budget}\n{sql}"


@pytest.mark.django_db
def test_detail_query_count_does_not_grow(world, client):
    client.force_login(world.users.a_staff)
    person = world.participant_a
    url = person.get_absolute_url()
    small, _ = count(client, url)
    for _ in range(10):
        course = factories.CourseFactory(provider=world.provider_b)
        Enrollment.objects.create(participant=person, course=course, status="waiting")
        wish = CourseWish.objects.create(participant=person, level=2)
        wish.municipalities.add(factories.MunicipalityFactory())
        factories.ConsentFactory(participant=person, recipient=world.provider_b)
    large, sql = count(client, url)
    assert small == large, sql
