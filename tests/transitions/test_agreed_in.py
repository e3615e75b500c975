"""The meeting a handover was agreed in: recorded by the coordination on the handover page, shown to all sides."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from transitions import services

from .. import factories
from ..meetings.factories import MeetingSeriesFactory
from ..test_page_query_counts import assert_constant


def meeting(series, days, *, status=Meeting.Status.HELD):
    """A meeting of `series` starting at 10:00 `days` from today (negative: in the past)."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    return Meeting.objects.create(
        series=series,
        occurrence=day,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        location="Kreishaus Diepholz",
        agenda_due_on=day - datetime.timedelta(days=7),
        status=status,
    )


@pytest.fixture
def handover(world):
    factories.ConsentFactory(participant=world.participant_a, recipient=world.provider_b)
    handover = services.handover_propose(
        actor=world.users.a_admin, participant=world.participant_a, to_course=world.course_b
    )
    return services.handover_offer(actor=world.users.a_admin, handover=handover)


def options(html):
    form = html[html.index('id="agreed-in"') :]
    form = form[: form.index("</form>")]
    return [part.split('"', 1)[0] for part in form.split('<option value="')[1:]]


@pytest.mark.django_db
def test_coordinator_records_the_meeting_and_everyone_sees_it(world, login, handover):
    series = MeetingSeriesFactory(name="Trägerübergreifendes Abstimmungsgespräch")
    held = meeting(series, -6)
    client = login(world.users.coordinator)
    html = client.get(handover.get_absolute_url()).content.decode()
    assert str(held.pk) in options(html) and "data-agreed-in" not in html
    response = client.post(reverse("transitions:handover_agreed_in", args=[handover.pk]), {"agreed_in": held.pk})
    assert response.status_code == 302 and response.url == handover.get_absolute_url()
    handover.refresh_from_db()
    assert handover.agreed_in == held
    date = held.starts_at.strftime("%d.%m.%Y")
    for user in (world.users.coordinator, world.users.a_admin, world.users.a_staff, world.users.b_admin):
        html = login(user).get(handover.get_absolute_url()).content.decode()
        assert f"Trägerübergreifendes Abstimmungsgespräch – {date}</" in html, user
        assert ('id="agreed-in"' in html) == (user == world.users.coordinator), user
    # An empty choice removes it again.
    login(world.users.coordinator).post(reverse("transitions:handover_agreed_in", args=[handover.pk]), {})
    handover.refresh_from_db()
    assert handover.agreed_in is None


@pytest.mark.django_db
def test_choices_are_held_and_imminent_meetings_newest_first(world, login, handover):
    series = MeetingSeriesFactory()
    past = [meeting(series, -7 * week) for week in range(1, 27)]  # 26 held meetings, one a week
    soon = meeting(series, 3, status=Meeting.Status.PUBLISHED)
    later = meeting(series, 40, status=Meeting.Status.PLANNED)
    cancelled = meeting(series, -2, status=Meeting.Status.CANCELLED)
    client = login(world.users.coordinator)
    choices = options(client.get(handover.get_absolute_url()).content.decode())
    assert choices == ["", str(soon.pk), *(str(m.pk) for m in past[:23])]
    # The one recorded stays a choice when it has grown older than the list.
    services.handover_set_agreed_in(actor=world.users.coordinator, handover=handover, meeting=past[-1])
    choices = options(client.get(handover.get_absolute_url()).content.decode())
    assert choices[-1] == str(past[-1].pk) and len(choices) == 26
    # Neither a meeting far ahead nor a cancelled one can be chosen, also not by a crafted POST.
    for wrong in (later, cancelled):
        response = client.post(
            reverse("transitions:handover_agreed_in", args=[handover.pk]), {"agreed_in": wrong.pk}, follow=True
        )
        assert response.status_code == 200
        handover.refresh_from_db()
        assert handover.agreed_in == past[-1]


@pytest.mark.django_db
def test_providers_cannot_record_the_meeting(world, client, handover):
    held = meeting(MeetingSeriesFactory(), -1)
    url = reverse("transitions:handover_agreed_in", args=[handover.pk])
    for user in (world.users.a_admin, world.users.a_staff, world.users.b_admin):
        client.force_login(user)
        assert client.post(url, {"agreed_in": held.pk}).status_code == 403, user
        with pytest.raises(PermissionDenied):
            services.handover_set_agreed_in(actor=user, handover=handover, meeting=held)
    handover.refresh_from_db()
    assert handover.agreed_in is None


@pytest.mark.django_db
def test_handover_page_queries_with_the_meeting(world, client, handover):
    series = MeetingSeriesFactory()
    services.handover_set_agreed_in(actor=world.users.coordinator, handover=handover, meeting=meeting(series, -1))

    days = iter(range(2, 100))

    def grow():
        for _ in range(10):
            meeting(series, -next(days))

    client.force_login(world.users.coordinator)
    assert_constant(client, handover.get_absolute_url(), grow, budget=9)
    client.force_login(world.users.a_admin)
    assert_constant(client, handover.get_absolute_url(), grow, budget=8)
