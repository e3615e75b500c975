"""Password rules (issue 12, point 4): at least 12 characters, not a common password, and not made only of the
county's own words, seasons, months and numbers — `diepholz`, `Sommer2026`, `kurse123` were accepted before.
The rules apply wherever a password is chosen; the demo password is set directly by `seed_demo`."""

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses.models import Membership
from diepholz_coord.password_validation import is_only_local_words

# Weak passwords a probe tried against the county's logins, and more of the same kind.
WEAK = [
    "diepholz",
    "Sommer2026",
    "kurse123",
    "Diepholz2026!",
    "Sommer-Syke-2026",
    "Frühling 2026!!",
    "Fruehling2026!",
    "Landkreis-Diepholz",
    "Sulingen12345",
    "Integrationskurs1",
    "Dezember.2025!",
    "Passwort123456",
    "Willkommen2026",
    "123456789012",
    "qwertz123456",
]
# Long passphrases with a word of their own pass, even with a place name in them.
STRONG = ["Kursplanung-Sulingen-2026", "Tafel-Kreide-Heft-42", "Lesepaten-Abend-2026!", "gruene Moewe tanzt 7"]


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        password_validation.validate_password(password)


@pytest.mark.parametrize("password", STRONG)
def test_strong_passwords_pass(password):
    password_validation.validate_password(password)


@pytest.mark.parametrize(
    ("password", "local"),
    [("Sommer2026", True), ("Weyhe-Leeste!", True), ("Schwaförden99", True), ("Schwaforden99", True),
     ("Tafel-Kreide-Heft-42", False), ("Sommerfest-Rehden", False)],
)  # fmt: skip
def test_local_words_rule(password, local):
    assert is_only_local_words(password) is local


def test_twelve_characters_at_least():
    with pytest.raises(ValidationError) as error:
        password_validation.validate_password("Tafel-Heft1")  # 11
    assert [e.code for e in error.value.error_list] == ["password_too_short"]
    password_validation.validate_password("Tafel-Heft12")


@pytest.mark.django_db
def test_staff_account_form_refuses_a_local_password_in_german(world, login):
    password = "Sommer-Syke-2026"
    response = login(world.users.a_admin).post(
        reverse("courses:staff_create", args=[world.provider_a.pk]),
        {"username": "neue-kraft", "first_name": "Aylin", "last_name": "Demir", "email": "aylin@example.org",
         "role": "staff", "password1": password, "password2": password},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Dieses Passwort besteht nur aus Ortsnamen des Landkreises" in response.content.decode()
    assert not Membership.objects.filter(user__username="neue-kraft").exists()


@pytest.mark.django_db
def test_password_change_uses_the_rules(world, login):
    client = login(world.users.a_staff)
    response = client.post(
        reverse("password_change"),
        {"old_password": "test-passwort-123", "new_password1": "kurse1234567", "new_password2": "kurse1234567"},
    )
    assert response.status_code == 200  # the form again
    assert "Dieses Passwort besteht nur aus Ortsnamen des Landkreises" in response.content.decode()
