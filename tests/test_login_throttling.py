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


# --- behind the trusted proxy (django-ipware) ------------------------------------------------------------------

PROXY = "172.18.0.2"  # the TLS proxy's address as gunicorn sees it (REMOTE_ADDR)


def _settings_with(monkeypatch, **environment):
    """The settings module as production loads it with this environment (a fresh copy, not the test's)."""
    import importlib.util

    from django.conf import settings as django_settings

    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    path = django_settings.BASE_DIR / "diepholz_coord" / "settings.py"
    spec = importlib.util.spec_from_file_location("settings_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def behind_proxy(settings, monkeypatch):
    """The address settings of a deployment with SECURE_PROXY=true (docker-compose.yml)."""
    production = _settings_with(monkeypatch, SECURE_PROXY="true")
    names = [name for name in dir(production) if name.startswith(("AXES_IPWARE_", "IPWARE_"))]
    assert {"AXES_IPWARE_PROXY_COUNT", "AXES_IPWARE_META_PRECEDENCE_ORDER"} <= set(names)
    for name in names:
        setattr(settings, name, getattr(production, name))


def via_proxy(client, username, password, forwarded_for):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.mark.django_db
def test_behind_the_proxy_each_client_address_counts_separately(client, settings, behind_proxy):
    """An attacker failing for the coordinator's login locks only the attacker's own address; the coordinator,
    behind the same proxy, still logs in — also when the attacker forges the coordinator's address in front."""
    from axes.models import AccessAttempt

    factories.UserFactory(username="koordinator")
    attacker, coordinator = "203.0.113.5", "198.51.100.7"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert via_proxy(client, "koordinator", "falsch", attacker).status_code == 200
    # The proxy appends the address it sees: a forged entry stands before it and is ignored.
    assert via_proxy(client, "koordinator", "falsch", f"{coordinator}, {attacker}").status_code == 429
    assert via_proxy(client, "koordinator", factories.PASSWORD, attacker).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {attacker}
    response = via_proxy(client, "koordinator", factories.PASSWORD, coordinator)
    assert response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
def test_without_the_trusted_proxy_setting_the_header_is_ignored(client, settings, monkeypatch):
    """Without SECURE_PROXY nobody may choose the address the lockout counts: X-Forwarded-For is ignored."""
    production = _settings_with(monkeypatch, SECURE_PROXY="false")
    assert not hasattr(production, "AXES_IPWARE_META_PRECEDENCE_ORDER")
    assert not hasattr(settings, "AXES_IPWARE_PROXY_COUNT") or settings.AXES_IPWARE_PROXY_COUNT is None
    factories.UserFactory(username="koordinator")
    for n in range(settings.AXES_FAILURE_LIMIT):
        via_proxy(client, "koordinator", "falsch", f"203.0.113.{n}")
    # Another forged address does not help: the lock is on the connection's address.
    assert via_proxy(client, "koordinator", factories.PASSWORD, "198.51.100.7").status_code == 429
