"""Login throttling (django-axes): a username is locked for a while after repeated wrong passwords from one
address; other people at the same address can still log in; the lock lifts after the cool-off."""

import datetime

import pytest
from django.urls import reverse

from tests import factories


def attempt(client, username, password, ip="10.0.0.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_five_wrong_passwords_lock_that_login_from_that_address(client, settings):
    from axes.models import AccessAttempt

    user = factories.UserFactory(username="traeger-admin")
    colleague = factories.UserFactory(username="kollegin")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "traeger-admin", "falsch").status_code == 200
    locked = attempt(client, "traeger-admin", "falsch")
    assert locked.status_code == 429
    assert "Zu viele Fehlversuche" in locked.content.decode() and "15 Minuten" in locked.content.decode()
    # Even the right password waits now.
    assert attempt(client, "traeger-admin", factories.PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # A colleague at the same county address is not affected, nor the same login from elsewhere.
    assert attempt(client, "kollegin", factories.PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, "traeger-admin", factories.PASSWORD, ip="10.0.0.99").status_code == 302
    client.logout()
    # After the cool-off the lock lifts.
    AccessAttempt.objects.update(attempt_time=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert attempt(client, "traeger-admin", factories.PASSWORD).status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    assert colleague.pk != user.pk
