import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Course
from participants import services as participant_services
from participants.models import Enrollment
from transitions import services
from transitions.models import Handover

from .. import factories


def make_handovers(world, n):
    for _ in range(n):
        person = factories.ParticipantFactory(provider=world.provider_a)
        course = factories.CourseFactory(provider=world.provider_b)
        factories.ConsentFactory(participant=person, recipient=world.provider_b)
        handover = services.handover_propose(actor=world.users.a_admin, participant=person, to_course=course)
        services.handover_offer(actor=world.users.a_admin, handover=handover)


def queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), "\n".join(q["sql"] for q in context.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["coordinator", "a_admin", "b_admin"])
def test_board_query_count_does_not_grow(world, client, role):
    client.force_login(getattr(world.users, role))
    make_handovers(world, 2)
    small, _ = queries(client, reverse("transitions:handover_list"))
    make_handovers(world, 15)
    large, sql = queries(client, reverse("transitions:handover_list"))
    assert small == large, sql
    assert large <= 8, sql


@pytest.mark.django_db
def test_board_shows_columns_and_overdue_first(world, login):
    make_handovers(world, 2)
    overdue = Handover.objects.first()
    Handover.objects.filter(pk=overdue.pk).update(due_on="2020-01-01")
    html = login(world.users.coordinator).get(reverse("transitions:handover_list")).content.decode()
    offered = html[html.index('data-column="offered"') : html.index('data-column="accepted"')]
    assert offered.count("card mb-2") == 2
    assert offered.index("überfällig") < offered.index(overdue.participant.full_name) + 500
    first_card = offered[offered.index("card mb-2") :][:800]
    assert overdue.participant.full_name in first_card


@pytest.mark.django_db
def test_consent_first_offer_then_pseudonym_while_revoked(world, login):
    """No offer without a consent naming the receiver; a revoked consent makes the handover wait for one (the
    receiver sees the pseudonymised profile and cannot accept) until a new consent is recorded."""
    person = factories.ParticipantFactory(provider=world.provider_a, last_name="Übergabe-Test")
    course = factories.CourseFactory(provider=world.provider_b, title="Anschluss bei B")
    handover = services.handover_propose(actor=world.users.a_admin, participant=person, to_course=course)
    sender = login(world.users.a_admin)
    page = sender.get(handover.get_absolute_url()).content.decode()
    assert "Keine gültige Einwilligung zur Weitergabe an Träger B" in page
    assert f"/teilnehmende/{person.pk}/einwilligung/?empfaenger={world.provider_b.pk}&amp;weiter=" in page
    # Other courses could still be chosen, so the button stays, with what to do for the proposed one.
    assert "Für den vorgeschlagenen Kurs zuerst die Einwilligung erfassen" in page
    response = sender.post(reverse("transitions:handover_step", args=[handover.pk, "anbieten"]), follow=True)
    assert "daher kann das Angebot nicht gesendet werden" in response.content.decode()
    handover.refresh_from_db()
    assert handover.status == "proposed"

    consent = factories.ConsentFactory(participant=person, recipient=world.provider_b)
    sender.post(reverse("transitions:handover_step", args=[handover.pk, "anbieten"]))
    handover.refresh_from_db()
    assert handover.status == "offered"
    receiver = login(world.users.b_admin)
    assert "Übergabe-Test" in receiver.get(handover.get_absolute_url()).content.decode()

    participant_services.consent_revoke(actor=world.users.a_admin, consent=consent)
    html = receiver.get(handover.get_absolute_url()).content.decode()
    assert "Übergabe-Test" not in html and person.code in html and "wartet auf Einwilligung" in html
    response = receiver.post(reverse("transitions:handover_step", args=[handover.pk, "annehmen"]), follow=True)
    assert "keine gültige Einwilligung" in response.content.decode()
    handover.refresh_from_db()
    assert handover.status == "offered"
    factories.ConsentFactory(participant=person, recipient=world.provider_b)
    receiver.post(reverse("transitions:handover_step", args=[handover.pk, "annehmen"]))
    handover.refresh_from_db()
    assert handover.status == "accepted"


@pytest.mark.django_db
def test_ending_courses_count_people_without_follow_up(world, login):
    import datetime

    from django.utils import timezone

    ending = factories.CourseFactory(
        provider=world.provider_a,
        title="Endet bald",
        start_date=timezone.localdate() - datetime.timedelta(days=100),
        end_date=timezone.localdate() + datetime.timedelta(days=20),
        status="running",
    )
    people = [factories.ParticipantFactory(provider=world.provider_a) for _ in range(3)]
    enrollments = [Enrollment.objects.create(participant=p, course=ending, status="enrolled") for p in people]
    next_course = factories.CourseFactory(
        provider=world.provider_a, start_date=ending.end_date + datetime.timedelta(days=7)
    )
    services.handover_propose(
        actor=world.users.a_admin, participant=people[0], to_course=next_course, from_enrollment=enrollments[0]
    )
    html = login(world.users.a_staff).get(reverse("transitions:ending_course_list")).content.decode()
    row = html[html.index("Endet bald") :]
    row = row[: row.index("</tr>")]
    assert '<td class="text-end">3</td>' in row and ">2</td>" in row


@pytest.mark.django_db
def test_ending_course_horizon_is_configurable(world, login, settings):
    import datetime

    from django.utils import timezone

    factories.CourseFactory(
        provider=world.provider_a,
        title="Endet in zehn Wochen",
        start_date=timezone.localdate() - datetime.timedelta(days=30),
        end_date=timezone.localdate() + datetime.timedelta(weeks=10),
        status="running",
    )
    client = login(world.users.a_admin)
    assert "Endet in zehn Wochen" not in client.get(reverse("transitions:ending_course_list")).content.decode()
    settings.ENDING_COURSE_WEEKS = 12
    assert "Endet in zehn Wochen" in client.get(reverse("transitions:ending_course_list")).content.decode()


@pytest.mark.django_db
def test_participant_page_suggests_next_courses_and_proposes_in_one_click(world, login):
    import datetime

    from django.utils import timezone

    person = factories.ParticipantFactory(provider=world.provider_a, level=2, last_name="Vorschlag-Test")
    later = factories.CourseFactory(
        provider=world.provider_b,
        title="Integrationskurs später",
        course_type="IK_ALLG",
        level_from=2,
        level_to=4,
        start_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    factories.report(later, 5)
    client = login(world.users.a_staff)
    html = client.get(person.get_absolute_url()).content.decode()
    assert "Passende Anschlusskurse" in html and "Integrationskurs später" in html
    response = client.post(reverse("transitions:handover_create"), {"teilnehmende": person.pk, "kurs": later.pk})
    handover = Handover.objects.get(participant=person)
    assert response.status_code == 302 and response.url == handover.get_absolute_url()
    assert handover.to_course == later and handover.status == "proposed" and handover.from_provider == world.provider_a


@pytest.mark.django_db
def test_receiver_sees_no_checklist_details_or_proposals_without_consent(world, login):
    person = factories.ParticipantFactory(provider=world.provider_a, last_name="Checkliste-Test")
    course = factories.CourseFactory(provider=world.provider_b, title="Kurs bei B")
    handover = services.handover_propose(
        actor=world.users.a_admin, participant=person, to_course=course, note="Notiz-nur-für-A"
    )
    services.handover_update_checklist(
        actor=world.users.a_admin,
        handover=handover,
        data={
            "eligibility": "obligation",
            "eligibility_issuer": "Ausländerbehörde Diepholz",
            "certificates": "DTZ A2",
            "constraints": "alleinerziehend, arbeitet nachts",
        },
    )
    client = login(world.users.b_admin)
    # Only proposed: not B's business yet.
    assert client.get(handover.get_absolute_url()).status_code == 404
    assert "Checkliste-Test" not in client.get(reverse("transitions:handover_list")).content.decode()
    consent = factories.ConsentFactory(participant=person, recipient=world.provider_b)
    services.handover_offer(actor=world.users.a_admin, handover=handover)
    assert "Ausländerbehörde Diepholz" in client.get(handover.get_absolute_url()).content.decode()
    # The consent is revoked: from now on B sees whether items are there, not what they say.
    participant_services.consent_revoke(actor=world.users.a_admin, consent=consent)
    html = client.get(handover.get_absolute_url()).content.decode()
    for secret in ("Checkliste-Test", "Ausländerbehörde Diepholz", "DTZ A2", "alleinerziehend", "Notiz-nur-für-A"):
        assert secret not in html, secret
    assert client.get(reverse("transitions:handover_checklist", args=[handover.pk])).status_code == 403
    factories.ConsentFactory(participant=person, recipient=world.provider_b)
    html = client.get(handover.get_absolute_url()).content.decode()
    assert "Ausländerbehörde Diepholz" in html and "Checkliste-Test" in html


@pytest.mark.django_db
def test_only_sender_side_proposes_and_full_courses_are_refused(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    person = factories.ParticipantFactory(provider=world.provider_a)
    factories.ConsentFactory(participant=person, recipient=world.provider_b)
    course = factories.CourseFactory(provider=world.provider_b, capacity=5, min_size=1)
    with pytest.raises(PermissionDenied):
        services.handover_propose(actor=world.users.b_admin, participant=person, to_course=course)
    factories.report(course, 0)
    with pytest.raises(ValidationError, match="keinen freien Platz"):
        services.handover_propose(actor=world.users.a_admin, participant=person, to_course=course)
    assert not Handover.objects.filter(participant=person).exists()


@pytest.mark.django_db
def test_accept_refused_when_the_course_was_cancelled_meanwhile(world):
    from django.core.exceptions import ValidationError

    from courses.models import Course

    person = factories.ParticipantFactory(provider=world.provider_a)
    factories.ConsentFactory(participant=person, recipient=world.provider_b)
    course = factories.CourseFactory(provider=world.provider_b)
    handover = services.handover_propose(actor=world.users.a_admin, participant=person, to_course=course)
    services.handover_offer(actor=world.users.a_admin, handover=handover)
    Course.objects.filter(pk=course.pk).update(status="cancelled")
    with pytest.raises(ValidationError):
        services.handover_accept(actor=world.users.b_admin, handover=handover)
    handover.refresh_from_db()
    assert handover.status == "offered"


@pytest.mark.django_db
def test_proposal_from_the_participant_page_counts_as_follow_up(world):
    import datetime

    from django.utils import timezone

    from transitions import selectors

    ending = factories.CourseFactory(
        provider=world.provider_a,
        start_date=timezone.localdate() - datetime.timedelta(days=60),
        end_date=timezone.localdate() + datetime.timedelta(days=10),
        status="running",
    )
    person = factories.ParticipantFactory(provider=world.provider_a)
    enrollment = Enrollment.objects.create(participant=person, course=ending, status="enrolled")
    later = factories.CourseFactory(provider=world.provider_a, start_date=ending.end_date + datetime.timedelta(days=5))
    handover = services.handover_propose(actor=world.users.a_staff, participant=person, to_course=later)
    assert handover.from_enrollment == enrollment
    row = selectors.ending_courses(user=world.users.a_staff).get(pk=ending.pk)
    assert (row.enrolled, row.without_follow_up) == (1, 0)


@pytest.mark.django_db
def test_county_staff_see_no_small_numbers_in_the_transition_figures(world, login):
    import datetime
    import re

    from django.utils import timezone

    today = timezone.localdate()
    done = factories.CourseFactory(
        provider=world.provider_a,
        start_date=today - datetime.timedelta(days=200),
        end_date=today - datetime.timedelta(days=40),
        status="finished",
    )
    for _ in range(4):
        Enrollment.objects.create(
            participant=factories.ParticipantFactory(provider=world.provider_a), course=done, status="completed"
        )
    # One of the four went on 10 days later: a bucket of 1.
    first = Enrollment.objects.filter(course=done).first()
    later = factories.CourseFactory(
        provider=world.provider_a,
        start_date=done.end_date + datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=100),
        status="running",
    )
    Enrollment.objects.create(
        participant=first.participant, course=later, status="enrolled", enrolled_on=later.start_date
    )
    county = login(world.users.county).get(reverse("courses:district_overview")).content.decode()
    section = county[county.index('id="transitions-heading"') :]
    assert "&lt;3" in section
    assert not re.search(r"0–14 Tage 1\b", section)
    coordinator = login(world.users.coordinator).get(reverse("courses:district_overview")).content.decode()
    assert "0–14 Tage 1" in coordinator[coordinator.index('id="transitions-heading"') :]
    # The distribution per provider: Träger A's row has its one follow-up in the 0–14 days column.
    row = coordinator[coordinator.index('<th scope="row" class="fw-normal">Träger A</th>') :]
    row = row[: row.index("</tr>")]
    assert '<td class="text-end small">1</td>' in row
    county_row = section[section.index('<th scope="row" class="fw-normal">Träger A</th>') :]
    county_row = county_row[: county_row.index("</tr>")]
    assert (
        '<td class="text-end small">&lt;3</td>' in county_row and '<td class="text-end small">1</td>' not in county_row
    )


@pytest.mark.django_db
def test_handover_for_a_wanted_level_gets_its_course_when_offered(world, login):
    person = factories.ParticipantFactory(provider=world.provider_a)
    factories.ConsentFactory(participant=person, recipient=world.provider_b)
    handover = services.handover_propose(actor=world.users.a_admin, participant=person, wanted_level=2)
    assert handover.to_course is None
    client = login(world.users.a_admin)
    html = client.get(handover.get_absolute_url()).content.decode()
    assert f'<option value="{world.course_b.pk}">' in html
    response = client.post(
        reverse("transitions:handover_step", args=[handover.pk, "anbieten"]), {"kurs": "abc"}, follow=True
    )
    assert "kann nicht (mehr) gewählt werden" in response.content.decode()
    client.post(reverse("transitions:handover_step", args=[handover.pk, "anbieten"]), {"kurs": world.course_b.pk})
    handover.refresh_from_db()
    assert handover.status == "offered" and handover.to_course == world.course_b
    assert handover.to_provider == world.provider_b


@pytest.mark.django_db
def test_handover_mail_links_to_the_site(world, settings, django_capture_on_commit_callbacks):
    from django.core import mail

    settings.SITE_URL = "https://kurse.example.org"
    factories.ConsentFactory(participant=world.participant_a, recipient=world.provider_b)
    with django_capture_on_commit_callbacks(execute=True):
        handover = services.handover_propose(
            actor=world.users.a_admin, participant=world.participant_a, to_course=world.course_b
        )
        services.handover_offer(actor=world.users.a_admin, handover=handover)
    assert f"https://kurse.example.org/uebergaenge/{handover.pk}/" in mail.outbox[-1].body


@pytest.mark.django_db
def test_too_long_decline_reason_is_a_clear_message(world, login):
    factories.ConsentFactory(participant=world.participant_a, recipient=world.provider_b)
    handover = services.handover_propose(
        actor=world.users.a_admin, participant=world.participant_a, to_course=world.course_b
    )
    services.handover_offer(actor=world.users.a_admin, handover=handover)
    response = login(world.users.b_admin).post(
        reverse("transitions:handover_step", args=[handover.pk, "ablehnen"]), {"reason": "x" * 301}, follow=True
    )
    assert "Grund: Bitte sicherstellen, dass der Wert aus höchstens 300 Zeichen besteht." in response.content.decode()
    handover.refresh_from_db()
    assert handover.status == "offered"


@pytest.mark.django_db
def test_ending_course_page_does_not_suggest_a_course_already_proposed(world, login):
    import datetime

    from django.utils import timezone

    ending = factories.CourseFactory(
        provider=world.provider_a,
        course_type="LK_NIEDRIG",
        level_from=0,
        level_to=2,
        start_date=timezone.localdate() - datetime.timedelta(days=60),
        end_date=timezone.localdate() + datetime.timedelta(days=10),
        status="running",
    )
    person = factories.ParticipantFactory(provider=world.provider_a, level=2, route="claim")
    Enrollment.objects.create(participant=person, course=ending, status="enrolled")
    follow_up = factories.CourseFactory(
        provider=world.provider_a,
        title="Der einzige Anschluss",
        course_type="IK_ALLG",
        level_from=2,
        level_to=4,
        start_date=ending.end_date + datetime.timedelta(days=7),
    )
    client = login(world.users.a_admin)
    url = reverse("transitions:ending_course_detail", args=[ending.pk])
    page = client.get(url).content.decode()
    assert f'name="kurs" value="{follow_up.pk}"' in page
    services.handover_propose(actor=world.users.a_admin, participant=person, to_course=follow_up)
    page = client.get(url).content.decode()
    assert f'name="kurs" value="{follow_up.pk}"' not in page
    assert "Der einzige Anschluss</a>" in page and 'status-badge">vorgeschlagen</span>' in page


@pytest.mark.django_db
def test_participant_page_does_not_suggest_a_course_already_proposed(world, login):
    import datetime

    from django.utils import timezone

    from courses.domain import Level

    # At B1: the world's A1–B1 courses would be a step back, so only the two B2 courses are suggested.
    person = factories.ParticipantFactory(provider=world.provider_a, level=Level.B1, route="claim")
    proposed, other = (
        factories.CourseFactory(
            provider=world.provider_a,
            title=title,
            course_type="BSK_B2",
            level_from=Level.B2,
            level_to=Level.C1,
            start_date=timezone.localdate() + datetime.timedelta(days=days),
        )
        for title, days in [("Schon vorgeschlagen", 20), ("Noch frei", 40)]
    )
    client = login(world.users.a_staff)
    page = client.get(person.get_absolute_url()).content.decode()
    assert f'name="kurs" value="{proposed.pk}"' in page and f'name="kurs" value="{other.pk}"' in page
    handover = services.handover_propose(actor=world.users.a_admin, participant=person, to_course=proposed)
    page = client.get(person.get_absolute_url()).content.decode()
    assert f'name="kurs" value="{proposed.pk}"' not in page and f'name="kurs" value="{other.pk}"' in page
    # Once the handover is closed, the course may be suggested again.
    services.handover_withdraw(actor=world.users.a_admin, handover=handover)
    page = client.get(person.get_absolute_url()).content.decode()
    assert f'name="kurs" value="{proposed.pk}"' in page


@pytest.mark.django_db
def test_start_and_no_show_buttons_appear_only_once_the_course_has_begun(world, login):
    course = factories.CourseFactory(provider=world.provider_a, title="Späterer Kurs")
    handover = services.handover_propose(actor=world.users.a_admin, participant=world.participant_a, to_course=course)
    services.handover_offer(actor=world.users.a_admin, handover=handover)
    services.handover_accept(actor=world.users.a_admin, handover=handover)
    client = login(world.users.a_admin)
    url = reverse("transitions:handover_detail", args=[handover.pk])
    html = client.get(url).content.decode()
    assert "/schritt/begonnen/" not in html and "/schritt/nicht-erschienen/" not in html
    assert "/schritt/zurueckziehen/" in html
    Course.objects.filter(pk=course.pk).update(start_date=timezone.localdate())
    html = client.get(url).content.decode()
    assert "/schritt/begonnen/" in html and "/schritt/nicht-erschienen/" in html


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["arabic-indic", "²", "①", "1" * 5000, "abc", ""])
def test_propose_page_takes_ascii_primary_keys_only(world, login, value):
    """int() reads "٣" as 3: such a value names no person or course here (404), it is not taken for another one."""
    client = login(world.users.a_admin)
    pk = str(world.participant_a.pk)
    if value == "arabic-indic":  # the person's own key in Arabic-Indic digits, which int() would accept
        value = pk.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        assert int(value) == world.participant_a.pk
    assert client.get(reverse("transitions:handover_create"), {"teilnehmende": pk}).status_code == 200
    assert client.get(reverse("transitions:handover_create"), {"teilnehmende": value}).status_code == 404
    response = client.get(reverse("transitions:handover_create"), {"teilnehmende": pk, "kurs": value or "x"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_coordinators_queue_counts_what_the_ending_courses_list_shows(world, login):
    """The start page counts in the database; the ending-course list counts course by course: the same."""
    import datetime

    from django.utils import timezone

    from transitions import selectors as transition_selectors

    today = timezone.localdate()
    courses = []
    for n, (people, proposed) in enumerate([(3, 1), (2, 2), (4, 0), (0, 0)]):
        course = factories.CourseFactory(
            provider=world.provider_a if n % 2 else world.provider_b,
            start_date=today - datetime.timedelta(days=100),
            end_date=today + datetime.timedelta(days=10 + n),
            status="running",
        )
        next_course = factories.CourseFactory(
            provider=course.provider, start_date=course.end_date + datetime.timedelta(days=7)
        )
        for k in range(people):
            person = factories.ParticipantFactory(provider=course.provider)
            enrollment = Enrollment.objects.create(participant=person, course=course, status="enrolled")
            if k < proposed:
                services.handover_propose(
                    actor=world.users.coordinator, participant=person, to_course=next_course, from_enrollment=enrollment
                )
        # Completed and waiting people are no one's follow-up to find.
        Enrollment.objects.create(
            participant=factories.ParticipantFactory(provider=course.provider), course=course, status="waiting"
        )
        courses.append(course)
    listed = list(transition_selectors.ending_courses_all(today=today))
    queue = transition_selectors.coordinator_queue(today=today)
    assert queue["people_without_follow_up"] == sum(c.without_follow_up for c in listed) == 2 + 0 + 4
    assert queue["ending_courses"] == sum(1 for c in listed if c.without_follow_up) == 2
    page = login(world.users.coordinator).get(reverse("home"))
    assert page.context["queue"]["people_without_follow_up"] == 6
