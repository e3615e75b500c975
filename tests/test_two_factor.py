"""Two-factor login (issue 12, point 4): the coordinator and provider admins set up an authenticator app after the
password and enter a code at every later login; recovery codes work once; until the code step is passed nothing
but that step and logout answers, the Django admin included. Switched off (demo, tests) the password is enough.

Codes are computed with django-otp's own TOTP from the device's key at a fixed time, and the server's clock for
code checks is set to that time: nothing here depends on the wall clock.
"""

import re
from binascii import unhexlify
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.contrib import admin
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from diepholz_coord import two_factor
from diepholz_coord.admin_site import TwoFactorAdminSite

from . import factories

NOW = 1_780_000_000  # 2026-05-28 20:26:40 UTC, a fixed moment
STEP = 30


@pytest.fixture
def clock(monkeypatch):
    """The time django-otp checks app codes against; tests move it on (a code is accepted once per time step)."""
    state = SimpleNamespace(now=NOW)
    monkeypatch.setattr("django_otp.plugins.otp_totp.models.time", SimpleNamespace(time=lambda: state.now))
    return state


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def app_code(key: str, at: float) -> str:
    totp = TOTP(unhexlify(key), step=STEP)
    totp.time = at
    return f"{totp.token():06d}"


def password_login(client, user, next_url=None):
    data = {"username": user.username, "password": factories.PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("login"), data)
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def with_app(user, clock) -> tuple[str, list[str]]:
    """Give `user` a confirmed app (through the setup service) and return its key and recovery codes."""
    key = "00112233445566778899aabbccddeeff00112233"
    device, codes = two_factor.totp_device_confirm(user=user, key=key, code=app_code(key, clock.now))
    clock.now += STEP  # the setup code is spent; the next login needs the next one
    return device.key, codes


def shown_codes(response) -> list[str]:
    return re.findall(r'<li class="list-group-item">([a-z2-7]{4}-[a-z2-7]{4})</li>', response.content.decode())


def assert_sent_to(response, name):
    assert response.status_code == 302, response.status_code
    assert response.url.startswith(reverse(name)), response.url


@pytest.mark.django_db
def test_coordinator_sets_up_the_app_after_the_password_then_gets_recovery_codes_once(world, client, required, clock):
    coordinator = world.users.coordinator
    password_login(client, coordinator, next_url="/kurse/")
    # Nothing but the setup answers: pages, htmx partials, the admin.
    for url in (reverse("home"), reverse("courses:course_list"), "/admin/", reverse("two_factor_verify")):
        assert_sent_to(client.get(url), "two_factor_setup")
    page = client.get(reverse("two_factor_setup") + "?next=/kurse/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "Zwei-Faktor-Anmeldung einrichten" in html
    # The navigation is hidden until the step is passed; logout stays.
    assert f'href="{reverse("courses:course_list")}"' not in html and 'id="nav"' not in html
    assert f'action="{reverse("logout")}"' in html
    key = client.session[two_factor.SETUP_KEY_SESSION_KEY]
    secret = two_factor.secret_for_typing(key)
    assert secret in html and re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{4}", secret)
    assert not TOTPDevice.objects.filter(user=coordinator).exists()  # nothing saved before the first code

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000", "next": "/kurse/"})
    assert wrong.status_code == 400
    assert "Dieser Code stimmt nicht" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=coordinator).exists()

    confirmed = client.post(reverse("two_factor_setup"), {"code": app_code(key, NOW), "next": "/kurse/"})
    assert_sent_to(confirmed, "two_factor_recovery_codes")
    device = TOTPDevice.objects.get(user=coordinator)
    assert device.confirmed and device.key == key
    assert _events(coordinator) == ["two_factor_setup"]
    shown = client.get(confirmed.url)
    codes = shown_codes(shown)
    assert len(codes) == 10 == StaticToken.objects.filter(device__user=coordinator).count()
    assert 'href="/kurse/"' in shown.content.decode()
    # Shown once: the next visit shows none of them.
    again = client.get(reverse("two_factor_recovery_codes")).content.decode()
    assert not any(code in again for code in codes)
    # This session is verified now.
    assert client.get(reverse("courses:course_list")).status_code == 200


@pytest.mark.django_db
def test_later_logins_ask_for_a_code_and_refuse_a_wrong_one_in_german(world, client, required, clock, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the right code right after a wrong one (throttling: next test)
    admin_a = world.users.a_admin
    key, _codes = with_app(admin_a, clock)
    password_login(client, admin_a, next_url=reverse("courses:course_list"))
    for url in (reverse("home"), reverse("courses:course_list"), reverse("password_change")):
        assert_sent_to(client.get(url), "two_factor_verify")
    # Somebody who knows only the password cannot set up an app of their own instead.
    assert_sent_to(client.get(reverse("two_factor_setup")), "two_factor_verify")
    own_app = {"code": app_code("ab" * 20, clock.now)}
    assert_sent_to(client.post(reverse("two_factor_setup"), own_app), "two_factor_verify")
    assert TOTPDevice.objects.filter(user=admin_a).count() == 1

    page = client.get(reverse("two_factor_verify"))
    assert page.status_code == 200 and "Code eingeben" in page.content.decode()
    wrong = client.post(reverse("two_factor_verify"), {"code": "123456"})
    assert wrong.status_code == 400
    assert "Dieser Code stimmt nicht. Geben Sie den aktuellen sechsstelligen Code" in wrong.content.decode()
    assert_sent_to(client.get(reverse("home")), "two_factor_verify")

    response = client.post(
        reverse("two_factor_verify"), {"code": app_code(key, clock.now), "next": reverse("courses:course_list")}
    )
    assert response.status_code == 302 and response.url == reverse("courses:course_list")
    assert client.get(reverse("home")).status_code == 200

    # The same code cannot be used a second time (another login within the same 30 seconds).
    client.post(reverse("logout"))
    password_login(client, admin_a)
    assert client.post(reverse("two_factor_verify"), {"code": app_code(key, clock.now)}).status_code == 400
    # Each code entered is in the audit trail, with the login it was for.
    assert _events(admin_a) == ["two_factor_code_failed", "two_factor_code", "two_factor_code_failed"]


@pytest.mark.django_db
def test_wrong_codes_in_a_row_make_the_user_wait(world, client, required, clock, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # the wait after a wrong code: far longer than this test runs
    key, _codes = with_app(world.users.coordinator, clock)
    password_login(client, world.users.coordinator)
    assert client.post(reverse("two_factor_verify"), {"code": "111111"}).status_code == 400
    refused = client.post(reverse("two_factor_verify"), {"code": app_code(key, clock.now)})
    assert refused.status_code == 400
    assert "Zu viele falsche Codes" in refused.content.decode()


@pytest.mark.django_db
def test_a_recovery_code_logs_in_once(world, client, required, clock):
    coordinator = world.users.coordinator
    _key, codes = with_app(coordinator, clock)
    printed = f"{codes[3][:4]}-{codes[3][4:]}".upper()  # as printed, typed in capitals
    password_login(client, coordinator)
    response = client.post(reverse("two_factor_verify"), {"code": printed})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert StaticToken.objects.filter(device__user=coordinator).count() == 9

    client.post(reverse("logout"))
    password_login(client, coordinator)
    used = client.post(reverse("two_factor_verify"), {"code": printed})
    assert used.status_code == 400 and "Dieser Code stimmt nicht" in used.content.decode()
    assert _events(coordinator) == ["two_factor_recovery_code", "two_factor_code_failed"]
    assert_sent_to(client.get(reverse("home")), "two_factor_verify")


@pytest.mark.django_db
def test_new_recovery_codes_replace_the_old_ones(world, client, required, clock):
    coordinator = world.users.coordinator
    key, old_codes = with_app(coordinator, clock)
    password_login(client, coordinator)
    client.post(reverse("two_factor_verify"), {"code": app_code(key, clock.now)})
    status = client.get(reverse("two_factor_setup")).content.decode()
    assert "Zwei-Faktor-Anmeldung ist für Ihr Konto eingeschaltet" in status
    renewed = client.post(reverse("two_factor_recovery_codes"))
    new_codes = [c.replace("-", "") for c in shown_codes(renewed)]
    assert len(new_codes) == 10
    assert set(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True)) == set(new_codes)
    assert not set(old_codes) & set(new_codes)
    assert _events(coordinator) == ["two_factor_code", "two_factor_recovery_codes"]


def _events(user) -> list[str]:
    """The two-factor events of the user in the audit trail, oldest first."""
    entries = LogEntry.objects.filter(
        actor=user, action=LogEntry.Action.ACCESS, additional_data__what__startswith="two_factor"
    )
    return [entry.additional_data["what"] for entry in entries.order_by("pk")]


@pytest.mark.django_db
def test_required_for_coordinator_and_provider_admins_optional_for_the_others(world, client, required):
    for user in (world.users.coordinator, world.users.a_admin, world.users.b_admin):
        client.force_login(user)
        assert_sent_to(client.get(reverse("home")), "two_factor_setup")
    for user in (world.users.county, world.users.a_staff):
        client.force_login(user)
        assert client.get(reverse("home")).status_code == 200
        # They may switch it on themselves.
        assert client.get(reverse("two_factor_setup")).status_code == 200


@pytest.mark.django_db
def test_switched_off_the_password_is_enough_but_a_chosen_app_still_asks(world, client, settings, clock):
    settings.TWO_FACTOR_REQUIRED = False
    password_login(client, world.users.coordinator)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("courses:course_list")).status_code == 200
    client.post(reverse("logout"))
    # Whoever set up an app enters its code, switch or not.
    with_app(world.users.a_staff, clock)
    password_login(client, world.users.a_staff)
    assert_sent_to(client.get(reverse("home")), "two_factor_verify")


@pytest.mark.django_db
def test_the_admin_is_behind_the_same_code_step(world, client, required, clock):
    assert isinstance(admin.site, TwoFactorAdminSite)
    staff = factories.UserFactory(username="technik", is_staff=True, is_superuser=True)
    key, _codes = with_app(staff, clock)
    password_login(client, staff)
    assert_sent_to(client.get("/admin/"), "two_factor_verify")
    assert_sent_to(client.get("/admin/auth/user/"), "two_factor_verify")
    # The admin's own login form is no way around it.
    client.post(reverse("logout"))
    client.post("/admin/login/", {"username": "technik", "password": factories.PASSWORD})
    assert_sent_to(client.get("/admin/"), "two_factor_verify")
    client.post(reverse("two_factor_verify"), {"code": app_code(key, clock.now)})
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_staff_accounts_need_the_app_for_the_admin(world, client, required):
    """is_staff without a coordinator or provider-admin role (an IT account) must set up the app too."""
    staff = factories.UserFactory(username="technik", is_staff=True)
    client.force_login(staff)
    assert_sent_to(client.get("/admin/"), "two_factor_setup")


@pytest.mark.django_db
def test_the_admin_site_refuses_an_unverified_session_by_itself(world, rf, required):
    staff = factories.UserFactory(username="technik", is_staff=True, is_superuser=True)
    request = rf.get("/admin/")
    request.user = staff
    request.session = {two_factor.HAS_DEVICE_SESSION_KEY: False}
    staff.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    staff.is_verified = lambda: True
    assert admin.site.has_permission(request)
