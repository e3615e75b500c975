import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from courses.models import Membership
from diepholz_coord import access


def account_data(**overrides):
    data = {
        "username": "neue-kraft",
        "first_name": "Aylin",
        "last_name": "Demir",
        "email": "aylin@example.org",
        "role": "staff",
        "password1": "Lesepaten-Abend-2026!",
        "password2": "Lesepaten-Abend-2026!",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_provider_admin_creates_staff_login_for_own_provider(world, login, client):
    response = login(world.users.a_admin).post(
        reverse("courses:staff_create", args=[world.provider_a.pk]), account_data()
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="neue-kraft")
    assert membership.provider == world.provider_a and membership.role == "staff"
    client.logout()
    client.post(reverse("login"), {"username": "neue-kraft", "password": "Lesepaten-Abend-2026!"})
    assert "_auth_user_id" in client.session
    user = get_user_model().objects.get(username="neue-kraft")
    assert access.provider_ids_for(user) == {world.provider_a.pk}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password2": "anders"}, "Die beiden Passwörter stimmen nicht überein."),
        ({"password1": "123", "password2": "123"}, "Dieses Passwort ist zu kurz."),
        ({"username": "Leer zeichen"}, "Im Benutzernamen nur Buchstaben, Ziffern und @ . + - _ verwenden."),
    ],
)
def test_bad_account_input(world, login, overrides, message):
    response = login(world.users.a_admin).post(
        reverse("courses:staff_create", args=[world.provider_a.pk]), account_data(**overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Membership.objects.filter(user__username=overrides.get("username", "neue-kraft")).exists()


@pytest.mark.django_db
def test_taken_username_is_refused(world, login):
    taken = world.users.b_admin.username.upper()
    response = login(world.users.a_admin).post(
        reverse("courses:staff_create", args=[world.provider_a.pk]), account_data(username=taken)
    )
    assert response.status_code == 400
    assert "Dieser Benutzername ist vergeben." in response.content.decode()


@pytest.mark.django_db
def test_removing_access_deactivates_login_without_provider(world, login):
    client = login(world.users.a_admin)
    url = reverse("courses:membership_remove", args=[world.provider_a.pk, world.membership_a_staff.pk])
    assert client.post(url).status_code == 302
    world.users.a_staff.refresh_from_db()
    assert not world.users.a_staff.is_active
    assert not Membership.objects.filter(pk=world.membership_a_staff.pk).exists()


@pytest.mark.django_db
def test_admin_cannot_remove_own_access(world, login):
    own = Membership.objects.get(user=world.users.a_admin)
    client = login(world.users.a_admin)
    response = client.post(reverse("courses:membership_remove", args=[world.provider_a.pk, own.pk]), follow=True)
    assert "Sie können Ihren eigenen Zugang nicht entfernen." in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()


@pytest.mark.django_db
def test_membership_of_other_provider_is_404_even_via_own_provider_url(world, login):
    client = login(world.users.a_admin)
    url = reverse("courses:membership_remove", args=[world.provider_a.pk, world.membership_b_admin.pk])
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=world.membership_b_admin.pk).exists()
