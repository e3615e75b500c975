"""Participants in Django's admin: a read-only list by pseudonym code, without names or other personal fields."""

import pytest
from django.urls import reverse

from participants.admin import PERSONAL_FIELDS
from tests import factories


@pytest.fixture
def admin_client(client, world):
    user = factories.UserFactory(username="admin-test", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_changelist_shows_codes_not_names(admin_client, world):
    person = world.participant_a
    page = admin_client.get(reverse("admin:participants_participant_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert person.code in html
    assert person.first_name not in html and person.last_name not in html
    found = admin_client.get(reverse("admin:participants_participant_changelist") + f"?q={person.code}")
    assert person.code in found.content.decode()


@pytest.mark.django_db
def test_the_change_page_shows_no_personal_field_and_changes_nothing(admin_client, world):
    person = world.participant_a
    url = reverse("admin:participants_participant_change", args=[person.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert person.first_name not in html and person.last_name not in html
    for field in PERSONAL_FIELDS:
        assert f'name="{field}"' not in html
    # Read-only: a POST changes nothing, adding and deleting are refused.
    admin_client.post(url, {"status": "left", "level": "3"})
    person.refresh_from_db()
    assert person.status == "active"
    assert admin_client.get(reverse("admin:participants_participant_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:participants_participant_delete", args=[person.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    person.refresh_from_db()
