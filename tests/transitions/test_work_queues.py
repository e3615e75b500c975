"""What waits for whom: a revoked consent is told to the giving side (mail, start page, case history); offers
reach the receiver's start page; the board says each card's status and the provider's part; the coordinator's
start page counts link to their lists; the mails say who acted, for whom; the start pages' query counts stay
constant as handovers pile up; and in the demo district every login finds something waiting for it."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from participants import services as participant_services
from transitions import services
from transitions.models import Handover, HandoverStep

from .. import factories


def offer(world, *, actor=None, course=None):
    person = factories.ParticipantFactory(provider=world.provider_a)
    course = course or factories.CourseFactory(provider=world.provider_b)
    consent = factories.ConsentFactory(participant=person, recipient=world.provider_b)
    actor = actor or world.users.a_admin
    handover = services.handover_propose(actor=actor, participant=person, to_course=course)
    return services.handover_offer(actor=actor, handover=handover), consent


@pytest.mark.django_db
def test_a_revoked_consent_is_told_to_the_giving_side(world, login, django_capture_on_commit_callbacks):
    world.provider_a.email = "traeger-a@example.org"
    world.provider_a.save()
    handover, consent = offer(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        participant_services.consent_revoke(actor=world.users.a_staff, consent=consent)
    # The case history records it, and the giving side gets a mail that says who, for whom, and what to do.
    step = handover.steps.get(status=HandoverStep.CONSENT_REVOKED)
    assert step.by == world.users.a_staff and step.mail_sent_at is not None
    (message,) = mail.outbox
    assert "traeger-a@example.org" in message.to and world.provider_b.email not in message.to
    assert (
        message.subject
        == f"Einwilligung widerrufen: Übergabe von {handover.participant.code} in „{handover.to_course}“ wartet"
    )
    assert "wartet auf eine neue Einwilligung" in message.body and handover.get_absolute_url() in message.body
    assert world.users.a_staff.get_full_name() in message.body
    # The giving side's start page lists it as waiting for a consent; the handover page says so too.
    home = login(world.users.a_admin).get(reverse("home")).content.decode()
    assert 'id="waiting-for-consent"' in home and handover.participant.code in home
    page = login(world.users.b_admin).get(handover.get_absolute_url()).content.decode()
    assert "wartet auf Einwilligung" in page
    # Revoking another consent of the person (or one to another provider) leaves this handover alone.
    other = factories.ConsentFactory(participant=handover.participant, recipient=factories.ProviderFactory())
    participant_services.consent_revoke(actor=world.users.a_staff, consent=other)
    assert handover.steps.filter(status=HandoverStep.CONSENT_REVOKED).count() == 1


@pytest.mark.django_db
def test_the_consent_form_is_prefilled_from_the_handover_and_goes_back_there(world, login):
    person = factories.ParticipantFactory(provider=world.provider_a)
    handover = services.handover_propose(actor=world.users.a_admin, participant=person, to_course=world.course_b)
    client = login(world.users.a_staff)
    page = client.get(handover.get_absolute_url()).content.decode()
    link = f"/teilnehmende/{person.pk}/einwilligung/?empfaenger={world.provider_b.pk}&amp;weiter="
    assert link in page
    url = reverse("participants:consent_create", args=[person.pk])
    form = client.get(url, {"empfaenger": world.provider_b.pk, "weiter": handover.get_absolute_url()})
    html = form.content.decode()
    assert f'<option value="{world.provider_b.pk}" selected>' in html
    assert f'name="weiter" value="{handover.get_absolute_url()}"' in html
    response = client.post(
        url,
        {
            "purpose": "handover",
            "recipient": world.provider_b.pk,
            "given_on": timezone.localdate().isoformat(),
            "form": "signed",
            "weiter": handover.get_absolute_url(),
        },
    )
    assert response.status_code == 302 and response.url == handover.get_absolute_url()
    # Somewhere else than this site: back to the person's page.
    response = client.post(
        url,
        {
            "purpose": "handover",
            "recipient": world.provider_b.pk,
            "given_on": timezone.localdate().isoformat(),
            "form": "signed",
            "weiter": "https://example.org/",
        },
    )
    assert response.url == person.get_absolute_url()


@pytest.mark.django_db
def test_offer_mail_says_who_acted_for_whom(world, django_capture_on_commit_callbacks):
    world.users.coordinator.first_name, world.users.coordinator.last_name = "Sabine", "Brinkmann"
    world.users.coordinator.save()
    with django_capture_on_commit_callbacks(execute=True):
        handover, _consent = offer(world, actor=world.users.coordinator)
    (message,) = mail.outbox
    assert "Sabine Brinkmann (Sprachkurskoordination des Landkreises) bietet Ihnen" in message.body
    assert f"bisher bei {world.provider_a.name}" in message.body
    assert "von Träger A" not in message.body  # the coordination made the offer, not provider A
    with django_capture_on_commit_callbacks(execute=True):
        services.handover_accept(actor=world.users.b_admin, handover=handover)
    answer = mail.outbox[-1]
    assert f"({world.provider_b.name})" in answer.body and "reserviert" in answer.body


@pytest.mark.django_db
def test_receivers_start_page_lists_offers_overdue_first(world, login):
    later, _ = offer(world)
    overdue, _ = offer(world)
    Handover.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=2))
    html = login(world.users.b_admin).get(reverse("home")).content.decode()
    section = html.split('id="incoming-offers"')[1].split("</section>")[0]
    assert section.index(overdue.participant.code) < section.index(later.participant.code)
    assert "überfällig" in section
    # The giving side sees them among its own handovers waiting on the other side.
    giving = login(world.users.a_staff).get(reverse("home")).content.decode()
    assert 'id="outgoing-waiting"' in giving and later.participant.code in giving


@pytest.mark.django_db
def test_the_board_shows_status_and_part_on_every_card(world, login):
    handover, _ = offer(world)
    # A person provider A registered, handed over between two other providers.
    third = factories.ProviderFactory(name="Träger C")
    course_c = factories.CourseFactory(provider=third, title="Kurs bei C")
    person = factories.ParticipantFactory(provider=world.provider_a, last_name="Zwischen-B-und-C")
    from participants.models import Enrollment

    enrollment = Enrollment.objects.create(participant=person, course=world.course_b, status="enrolled")
    factories.ConsentFactory(participant=person, recipient=third)
    between = services.handover_propose(
        actor=world.users.coordinator, participant=person, to_course=course_c, from_enrollment=enrollment
    )
    html = login(world.users.a_staff).get(reverse("transitions:handover_list")).content.decode()
    card = html.split(f'data-handover="{handover.pk}"')[1].split('data-handover="')[0]
    assert 'data-status="offered"' in card and 'data-part="giving"' in card and "Sie geben ab" in card
    other = html.split(f'data-handover="{between.pk}"')[1]
    assert 'data-part="registered"' in other and "von Ihnen angemeldet" in other
    received = login(world.users.b_admin).get(reverse("transitions:handover_list")).content.decode()
    assert 'data-part="receiving"' in received and "Ihnen angeboten" in received


@pytest.mark.django_db
def test_coordinators_start_page_is_a_work_queue(world, login):
    handover, _ = offer(world)
    Handover.objects.filter(pk=handover.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    HandoverStep.objects.filter(handover=handover, status="offered").update(
        at=timezone.now() - datetime.timedelta(days=9)
    )
    html = login(world.users.coordinator).get(reverse("home")).content.decode()
    for key, link in [
        ("overdue", "/uebergaenge/?due_within=0"),
        ("unanswered", "/uebergaenge/?unanswered=on"),
        ("ending", "/uebergaenge/endende-kurse/"),
        ("stale", "/uebersicht/#stale"),
        ("action-items", "#action-items"),
    ]:
        assert f'href="{link}" data-queue="{key}"' in html, key
    assert 'data-queue="overdue"><div class="card-body p-2">\n      <div class="fs-3 fw-bold">1<' in html
    # The links lead to lists that show exactly those.
    client = login(world.users.coordinator)
    overdue = client.get("/uebergaenge/", {"due_within": "0"}).content.decode()
    assert f'data-handover="{handover.pk}"' in overdue
    unanswered = client.get("/uebergaenge/", {"unanswered": "on"}).content.decode()
    assert f'data-handover="{handover.pk}"' in unanswered


def _count(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["a_staff", "b_admin", "coordinator"])
def test_start_page_queries_do_not_grow_with_handovers(world, role):
    client = Client()
    client.force_login(getattr(world.users, role))
    for _ in range(2):
        offer(world)
    small = _count(client, reverse("home"))
    for _ in range(8):
        handover, consent = offer(world)
        services.handover_accept(actor=world.users.b_admin, handover=handover)
    revoked, consent = offer(world)
    participant_services.consent_revoke(actor=world.users.a_admin, consent=consent)
    assert _count(client, reverse("home")) == small


@pytest.mark.django_db
def test_every_demo_login_finds_something_waiting():
    call_command("seed_demo", verbosity=0)
    client = Client()
    expectations = {
        "koordination": ['id="work-queue"', 'id="next-meetings"', 'data-queue="overdue"'],
        "kreis": ['id="next-meetings"'],
        "vhs": ['id="incoming-offers"', 'id="outgoing-waiting"', 'id="waiting-for-consent"', 'id="action-items"'],
        "vhs-kurs": ['id="incoming-offers"', 'id="outgoing-waiting"'],
        "lernhaus": ['id="incoming-offers"', 'id="outgoing-waiting"', 'id="action-items"'],
    }
    from django.contrib.auth import get_user_model

    for username, sections in expectations.items():
        client.force_login(get_user_model().objects.get(username=username))
        html = client.get(reverse("home")).content.decode()
        for section in sections:
            assert section in html, (username, section)


@pytest.mark.django_db
def test_a_side_without_the_full_view_sees_no_details_and_cannot_hand_on(world, login):
    """B runs the course A's person sits in, so B is the giving side of the handover; once the consent naming B
    is revoked, B sees neither the checklist's contents nor the notes, cannot change it and cannot offer."""
    from django.core.exceptions import PermissionDenied

    from participants.models import Enrollment

    person = factories.ParticipantFactory(provider=world.provider_a, last_name="Sitzt-bei-B")
    consent_b = factories.ConsentFactory(participant=person, recipient=world.provider_b)
    enrollment = Enrollment.objects.create(participant=person, course=world.course_b, status="enrolled")
    target = factories.CourseFactory(provider=world.provider_b, title="Anschluss bei B")
    handover = services.handover_propose(
        actor=world.users.b_admin, participant=person, to_course=target, from_enrollment=enrollment, note="Geheim"
    )
    services.handover_update_checklist(
        actor=world.users.b_admin, handover=handover, data={"certificates": "DTZ A2 vertraulich"}
    )
    participant_services.consent_revoke(actor=world.users.a_admin, consent=consent_b)
    client = login(world.users.b_admin)
    html = client.get(handover.get_absolute_url()).content.decode()
    assert "DTZ A2 vertraulich" not in html and "Geheim" not in html and "Sitzt-bei-B" not in html
    assert client.get(reverse("transitions:handover_checklist", args=[handover.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.handover_update_checklist(actor=world.users.b_admin, handover=handover, data={"certificates": "x"})
    with pytest.raises(PermissionDenied):
        services.handover_offer(actor=world.users.b_admin, handover=handover)


@pytest.mark.django_db
def test_an_offer_back_to_the_registering_provider_is_in_its_queue(world, login):
    """A registered the person, who sits in B's course; B offers them to a course of A: A answers it."""
    from participants.models import Enrollment

    person = factories.ParticipantFactory(provider=world.provider_a)
    factories.ConsentFactory(participant=person, recipient=world.provider_b)
    enrollment = Enrollment.objects.create(participant=person, course=world.course_b, status="enrolled")
    handover = services.handover_propose(
        actor=world.users.b_admin, participant=person, to_course=world.course_a, from_enrollment=enrollment
    )
    services.handover_offer(actor=world.users.b_admin, handover=handover)
    html = login(world.users.a_staff).get(reverse("home")).content.decode()
    assert (
        'id="incoming-offers"' in html and person.code in html.split('id="incoming-offers"')[1].split("</section>")[0]
    )
