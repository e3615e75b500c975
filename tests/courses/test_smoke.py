import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_pages_render_for_roles(world, login):
    for user in vars(world.users).values():
        client = login(user)
        assert client.get(reverse("home")).status_code == 200
