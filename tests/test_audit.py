"""The audit log records looks at lists, rosters and exports (with how many people), logins and failed logins,
with the client's address taken from X-Forwarded-For only as far as trusted proxies wrote it."""

import pytest
from auditlog.models import LogEntry
from django.test import RequestFactory
from django.urls import reverse

from diepholz_coord.client_ip import client_ip

from . import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.9"),  # no proxy configured: the header is the client's own claim
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the proxy appended the real client; the first is made up
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "", "10.0.0.9"),  # not through the proxy
        (1, "not-an-address", "10.0.0.9"),
        (2, "198.51.100.4, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_forged_forwarded_for_does_not_reach_the_audit_log(world, client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    client.force_login(world.users.a_admin)
    client.get(world.participant_a.get_absolute_url(), HTTP_X_FORWARDED_FOR="6.6.6.6")
    entry = LogEntry.objects.get_for_object(world.participant_a).filter(action=LogEntry.Action.ACCESS).latest("pk")
    assert entry.remote_addr == "127.0.0.1" and entry.actor == world.users.a_admin


def _accesses(what):
    return list(LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__what=what).order_by("pk"))


def test_lists_rosters_and_exports_are_recorded_with_the_number_of_people(world, client):
    client.force_login(world.users.a_admin)
    client.get(reverse("participants:participant_list"))
    [listed] = _accesses("participant_list")
    assert listed.additional_data["count"] == 1 and listed.additional_data["people"] == [world.participant_a.pk]
    client.get(reverse("participants:participant_export"), {"format": "csv"})
    [exported] = _accesses("participant_export")
    assert (exported.additional_data["count"], exported.additional_data["format"]) == (1, "csv")
    client.get(world.course_a.get_absolute_url())
    [roster] = _accesses("course_roster")
    assert roster.object_pk == str(world.course_a.pk) and roster.additional_data["count"] == 1
    client.get(reverse("participants:course_roster_export", args=[world.course_a.pk]), {"format": "xlsx"})
    [roster_export] = _accesses("course_roster_export")
    assert roster_export.additional_data["format"] == "xlsx" and roster_export.actor == world.users.a_admin
    # County staff read courses without names: nothing to record.
    client.force_login(world.users.county)
    client.get(world.course_a.get_absolute_url())
    assert len(_accesses("course_roster")) == 1


def test_logins_and_failed_logins_are_recorded(client):
    user = factories.UserFactory(username="anmeldung")
    user.set_password("Ein-langes-Passwort-2026")
    user.save()
    client.post(reverse("login"), {"username": "anmeldung", "password": "falsch"}, REMOTE_ADDR="192.0.2.5")
    client.post(reverse("login"), {"username": "anmeldung", "password": "Ein-langes-Passwort-2026"})
    failed = _accesses("login_failed")
    assert [(e.object_repr, e.actor, e.remote_addr) for e in failed] == [("anmeldung", None, "192.0.2.5")]
    [login] = _accesses("login")
    assert login.actor == user and login.object_pk == str(user.pk)
