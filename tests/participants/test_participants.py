import datetime

import pytest
from auditlog.models import LogEntry as AuditEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, PlaceReport, Provider
from participants import services
from participants.models import Consent, CourseWish, Enrollment, Participant

from .. import factories


def register_data(world, **overrides):
    data = {
        "provider": world.provider_a.pk,
        "first_name": "Yusuf",
        "last_name": "Rahimi",
        "birth_year": "1994",
        "gender": "m",
        "municipality": world.provider_a.municipality_id,
        "first_languages": "Dari, Paschtu",
        "literacy": "yes",
        "level": "2",
        "route": "claim",
        "times": ["morning"],
        "status": "active",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_staff_registers_participant(world, login):
    client = login(world.users.a_staff)
    response = client.post(reverse("participants:participant_create"), register_data(world))
    person = Participant.objects.get(last_name="Rahimi")
    assert response.status_code == 302 and response.url == person.get_absolute_url()
    assert person.provider == world.provider_a and person.code.startswith("TN-") and person.times == ["morning"]
    entry = AuditEntry.objects.get_for_object(person).get(action=AuditEntry.Action.CREATE)
    assert entry.actor == world.users.a_staff


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"birth_year": "1850"}, "Bitte ein Geburtsjahr zwischen 1900 und"),
        ({"last_name": ""}, "Dieses Feld ist zwingend erforderlich."),
        ({"birth_year": "1994", "birth_date": "1990-05-01"}, "Das Geburtsjahr passt nicht zum Geburtsdatum."),
        ({"municipality": "99999"}, "Bitte eine gültige Auswahl treffen."),
        ({"provider": "B"}, "Bitte eine gültige Auswahl treffen."),
    ],
)
def test_bad_participant_input(world, login, overrides, message):
    if overrides.get("provider") == "B":
        overrides["provider"] = world.provider_b.pk
        message = "Sie können Teilnehmende nur für Ihren eigenen Träger registrieren."
    count = Participant.objects.count()
    response = login(world.users.a_staff).post(
        reverse("participants:participant_create"), register_data(world, **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Participant.objects.count() == count


@pytest.mark.django_db
def test_duplicate_warning_does_not_reveal_other_providers_record(world, login):
    factories.ParticipantFactory(
        provider=world.provider_b, first_name="Yusuf", last_name="Rahimi", birth_year=1994, notes="geheime Notiz von B"
    )
    client = login(world.users.a_staff)
    response = client.post(reverse("participants:participant_create"), register_data(world, first_name="yusuf"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "bereits registriert" in html
    assert "von einem anderen Träger" in html
    assert "Träger B" not in html and "geheime Notiz" not in html
    assert Participant.objects.filter(last_name="Rahimi").count() == 1
    response = client.post(
        reverse("participants:participant_create"), register_data(world, first_name="yusuf", confirm_duplicate="on")
    )
    assert response.status_code == 302
    assert Participant.objects.filter(last_name="Rahimi").count() == 2


@pytest.mark.django_db
def test_consent_decides_what_the_other_provider_sees_and_revocation_is_immediate(world, login):
    person = world.participant_a
    client_b = login(world.users.b_admin)
    url = person.get_absolute_url()
    assert client_b.get(url).status_code == 404

    consent = services.consent_record(
        actor=world.users.a_admin,
        participant=person,
        data={"purpose": "handover", "recipient": world.provider_b, "given_on": timezone.localdate(), "form": "signed"},
    )
    html = client_b.get(url).content.decode()
    assert "Amira Haddad" in html and person.code in html

    services.consent_revoke(actor=world.users.a_admin, consent=consent)
    response = client_b.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert person.code in html and "Pseudonymisiertes Profil" in html
    assert "Amira" not in html and "Haddad" not in html
    assert person.first_languages not in html or not person.first_languages
    # Nor in B's participant list.
    assert "Haddad" not in client_b.get(reverse("participants:participant_list")).content.decode()
    # And B can change nothing.
    assert client_b.get(reverse("participants:participant_update", args=[person.pk])).status_code == 403


@pytest.mark.django_db
def test_expired_consent_counts_as_none(world, login):
    factories.ConsentFactory(
        participant=world.participant_a,
        recipient=world.provider_b,
        given_on=timezone.localdate() - datetime.timedelta(days=30),
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    html = login(world.users.b_admin).get(world.participant_a.get_absolute_url()).content.decode()
    assert "Haddad" not in html and world.participant_a.code in html


@pytest.mark.django_db
def test_no_direct_enrolment_into_another_providers_course(world, login):
    """Another provider decides who gets a place in its course: A's staff are sent to propose a handover, with or
    without a consent, and nothing is written into B's course."""
    person = factories.ParticipantFactory(provider=world.provider_a, last_name="Karimi")
    factories.report(world.course_b, 2)
    client = login(world.users.a_staff)
    url = reverse("participants:enrollment_create", args=[person.pk])
    page = client.get(url).content.decode()
    assert "Kurse anderer Träger" in page and "Kurs B" in page
    assert f"{reverse('transitions:handover_create')}?teilnehmende={person.pk}&amp;kurs={world.course_b.pk}" in page
    before = PlaceReport.objects.count()
    for consent in (False, True):
        if consent:
            factories.ConsentFactory(participant=person, recipient=world.provider_b)
        for action in ("enrol", "wait"):
            response = client.post(url, {"course": world.course_b.pk, "action": action})
            assert response.status_code == 400
        with pytest.raises(services.ValidationError, match="als Übergabe"):
            services.enrollment_enrol(actor=world.users.a_staff, participant=person, course=world.course_b)
    assert not Enrollment.objects.filter(participant=person).exists()
    assert PlaceReport.objects.count() == before


@pytest.mark.django_db
def test_the_courses_provider_enrols_a_handed_over_person_and_free_places_follow(world, login):
    person = factories.ParticipantFactory(provider=world.provider_a, last_name="Karimi")
    factories.report(world.course_b, 2)
    factories.ConsentFactory(participant=person, recipient=world.provider_b)
    client = login(world.users.b_admin)
    response = client.post(
        reverse("participants:enrollment_create", args=[person.pk]), {"course": world.course_b.pk, "action": "enrol"}
    )
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(participant=person, course=world.course_b)
    assert enrollment.status == "enrolled" and enrollment.enrolled_on == timezone.localdate()
    world.course_b.refresh_from_db()
    assert world.course_b.free_places == 1
    newest = PlaceReport.objects.filter(course=world.course_b).first()
    assert newest.free_places == 1 and newest.reported_by == world.users.b_admin
    assert newest.note == "Einschreibung (Teilnehmendenverwaltung)" and person.code not in newest.note

    client.post(reverse("participants:enrollment_withdraw", args=[enrollment.pk]))
    world.course_b.refresh_from_db()
    assert world.course_b.free_places == 2
    assert PlaceReport.objects.filter(course=world.course_b).count() == 3


@pytest.mark.django_db
def test_no_enrolment_beyond_free_places_or_capacity(world):
    course = factories.CourseFactory(provider=world.provider_a, capacity=2, min_size=1)
    people = [factories.ParticipantFactory(provider=world.provider_a) for _ in range(3)]
    for person in people[:2]:
        services.enrollment_enrol(actor=world.users.a_staff, participant=person, course=course)
    course.refresh_from_db()
    assert course.free_places == 0
    with pytest.raises(services.ValidationError, match="keinen freien Platz mehr"):
        services.enrollment_enrol(actor=world.users.a_staff, participant=people[2], course=course)
    # The waiting list has no limit.
    services.enrollment_add_to_waiting_list(actor=world.users.a_staff, participant=people[2], course=course)
    assert course.enrollments.filter(status="enrolled").count() == 2


@pytest.mark.django_db
def test_enrolment_fulfils_matching_wish_and_completion_updates_level(world):
    person = factories.ParticipantFactory(provider=world.provider_a, level=2)
    wish = CourseWish.objects.create(participant=person, level=2)
    enrollment = services.enrollment_enrol(actor=world.users.a_staff, participant=person, course=world.course_a)
    wish.refresh_from_db()
    assert wish.status == "fulfilled" and wish.fulfilled_by == enrollment
    services.enrollment_complete(
        actor=world.users.a_staff, enrollment=enrollment, level_reached=4, exam_result="dtz_b1"
    )
    person.refresh_from_db()
    assert person.level == 4


@pytest.mark.django_db
def test_detail_views_and_changes_are_audited_and_readable_by_the_coordinator(world, login):
    person = world.participant_a
    login(world.users.a_staff).get(person.get_absolute_url())
    services.participant_update(actor=world.users.a_admin, participant=person, data={"last_name": "Haddad-Neu"})
    accesses = AuditEntry.objects.get_for_object(person).filter(action=AuditEntry.Action.ACCESS)
    assert accesses.filter(actor=world.users.a_staff).count() == 1
    change = AuditEntry.objects.get_for_object(person).filter(action=AuditEntry.Action.UPDATE).latest("timestamp")
    assert change.changes_dict["last_name"] == ["Haddad", "Haddad-Neu"]
    response = login(world.users.coordinator).get(reverse("participants:participant_audit", args=[person.pk]))
    assert response.status_code == 302 and response["Location"] == f"{reverse('audit_log')}?person={person.code}"
    html = login(world.users.coordinator).get(response["Location"]).content.decode()
    assert "Haddad → Haddad-Neu" in html
    assert world.users.a_staff.get_full_name() in html  # who looked at the record


@pytest.mark.django_db
def test_demand_hides_small_numbers_from_county_staff(world, login):
    for i in range(4):
        person = factories.ParticipantFactory(provider=world.provider_a, municipality=world.provider_a.municipality)
        CourseWish.objects.create(participant=person, level=0 if i < 3 else 3)
    county = login(world.users.county).get(reverse("participants:demand")).content.decode()
    coordinator = login(world.users.coordinator).get(reverse("participants:demand")).content.decode()
    # world.wish_a is a second A1 wish in Syke; Alpha has 3 (shown), A2 has 1 (hidden for county staff).
    assert "&lt;3" in county and "<td>3</td>" in county
    assert "&lt;3" not in coordinator and "<td>1</td>" in coordinator
    assert "Amira" not in county


def _text_of(response) -> str:
    """A page's HTML, the text of a PDF (read back with pypdf) or of a spreadsheet, with all whitespace made
    single spaces (PDF lines break inside names)."""
    import io

    content = b"".join(response.streaming_content) if response.streaming else response.content

    if content.startswith(b"%PDF"):
        from pypdf import PdfReader

        if len(content) < 100:  # the access matrix's placeholder file, not a real PDF
            text = content.decode("latin-1")
        else:
            text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    elif content.startswith(b"PK"):  # an .xlsx workbook
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        text = "\n".join(
            " ".join(str(cell) for cell in row if cell is not None)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
        )
    else:
        text = content.decode("utf-8-sig")
    return " ".join(text.split())


def _names_found(names, text):
    """Participant names that occur in the text as whole words (so "Ali" is found, but not inside "Qualität")."""
    import re

    return [name for name in names if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]


@pytest.mark.django_db
def test_county_staff_sees_no_participant_names_anywhere(world, client, mailoutbox):
    """Render every page, PDF, export and e-mail county staff may get (the access matrix says which pages) and look
    for every participant's name, short ones included, as whole words."""
    from django.core.management import call_command

    from ..test_access_matrix import MATRIX, ROLES

    call_command("seed_demo", verbosity=0)
    names = set()
    for first, last in Participant.objects.values_list("first_name", "last_name"):
        names |= {part for part in f"{first} {last}".split() if len(part) >= 2}
    # Staff logins (random German names from the factories, the demo's staff) may share a name with a participant
    # ("Inna"): their own names on the pages (the greeting, "reported by") are no participant data.
    from django.contrib.auth import get_user_model

    for first, last in get_user_model().objects.values_list("first_name", "last_name"):
        names -= set(f"{first} {last}".split())
    assert any(len(name) <= 3 for name in names), "the demo has short names too; they must be checked"
    assert len(names) > 100
    client.force_login(world.users.county)
    urls = [
        reverse(name, args=args(world))
        for name, (method, args, expected) in MATRIX.items()
        if method == "get" and expected[ROLES.index("county")] == 200
    ]
    # And every course and provider page of the demo district, where participants are enrolled.
    urls += [course.get_absolute_url() for course in Course.objects.all()]
    urls += [reverse("courses:provider_detail", args=[pk]) for pk in Provider.objects.values_list("pk", flat=True)]
    urls += [reverse("courses:course_list") + "?status=", reverse("courses:course_list") + "?status=&page=2"]
    # The exports county staff may take, in both formats.
    for name in ("courses:course_export", "courses:overview_export"):
        urls += [reverse(name) + "?format=csv", reverse(name) + "?format=xlsx"]
    # Every demo meeting with its print view, and the agenda and minutes PDFs of the demo's meetings.
    from meetings import services as meeting_services
    from meetings.models import Meeting

    for meeting in Meeting.objects.all():
        urls += [meeting.get_absolute_url(), reverse("meetings:agenda_print", args=[meeting.pk])]
        if meeting.status != Meeting.Status.PLANNED:
            meeting_services.agenda_pdf_render(meeting_id=meeting.pk)
            urls.append(reverse("meetings:agenda_pdf", args=[meeting.pk]))
        if meeting.status == Meeting.Status.FINAL:
            meeting_services.minutes_pdf_render(meeting_id=meeting.pk)
            urls.append(reverse("meetings:minutes_pdf", args=[meeting.pk]))
    assert any(url.endswith("protokoll.pdf") for url in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}, so it was not checked"
        found = _names_found(names, _text_of(response))
        assert not found, f"{url} shows participant names to county staff: {found[:5]}"
    assert len(urls) > 50
    # The e-mails the demo's meetings sent to county staff (invitations with agendas, minutes), attachments too.
    county = get_user_model().objects.get(username="kreis")
    county_mails = [m for m in mailoutbox if county.email in (*m.to, *m.cc, *m.bcc)]
    # Agendas and minutes go to providers and county staff alike: none of them may carry a name.
    all_meeting_mails = [m for m in mailoutbox if m.attachments]
    for message in county_mails + all_meeting_mails:
        found = _names_found(names, " ".join(f"{message.subject} {message.body}".split()))
        for filename, content, _mimetype in message.attachments:
            if filename.endswith(".pdf"):
                import io

                from pypdf import PdfReader

                text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())
                found += _names_found(names, text)
        assert not found, f"the e-mail {message.subject!r} shows participant names: {found[:5]}"
    assert county_mails and all_meeting_mails, "no e-mails were checked"


@pytest.mark.django_db
def test_consent_form_validation(world, login):
    client = login(world.users.a_admin)
    url = reverse("participants:consent_create", args=[world.participant_a.pk])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"purpose": "handover", "given_on": tomorrow, "form": "signed"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Bitte nennen Sie den Träger" in html
    assert Consent.objects.filter(participant=world.participant_a).count() == 1


@pytest.mark.django_db
def test_participant_list_is_scoped(world, login):
    factories.ParticipantFactory(provider=world.provider_b, last_name="Nur-bei-B")
    html = login(world.users.a_staff).get(reverse("participants:participant_list")).content.decode()
    assert "Haddad" in html and "Nur-bei-B" not in html
    html = login(world.users.coordinator).get(reverse("participants:participant_list")).content.decode()
    assert "Haddad" in html and "Nur-bei-B" in html
    assert Course.objects.exists()


@pytest.mark.django_db
def test_course_page_lists_its_participants_and_enrols_from_its_waiting_list(world, login):
    """The course's provider sees its roster; names only where it may; one click enrols a waiting person."""
    own = factories.ParticipantFactory(provider=world.provider_a, last_name="Eigene-Person")
    foreign = factories.ParticipantFactory(provider=world.provider_b, last_name="Fremde-Person")
    factories.ConsentFactory(participant=foreign, recipient=world.provider_a)
    services.enrollment_add_to_waiting_list(actor=world.users.a_staff, participant=foreign, course=world.course_a)
    Consent.objects.filter(participant=foreign).update(revoked_on=timezone.localdate())
    services.enrollment_add_to_waiting_list(actor=world.users.a_staff, participant=own, course=world.course_a)
    client = login(world.users.a_staff)
    html = client.get(world.course_a.get_absolute_url()).content.decode()
    assert "Eigene-Person" in html and "Fremde-Person" not in html and foreign.code in html
    assert "Amira Haddad" in html  # world.enrollment_a
    response = client.post(
        reverse("participants:enrollment_create", args=[own.pk]), {"course": world.course_a.pk, "action": "enrol"}
    )
    assert response.status_code == 302
    assert Enrollment.objects.get(participant=own, course=world.course_a).status == "enrolled"
    county_client = Client()  # a browser of its own: no messages left over from the provider's session
    county_client.force_login(world.users.county)
    county = county_client.get(world.course_a.get_absolute_url()).content.decode()
    assert "Eigene-Person" not in county and own.code not in county


@pytest.mark.django_db
def test_capacity_and_free_places_respect_enrolled_people(world, login):
    from courses import services as course_services

    course = factories.CourseFactory(provider=world.provider_a, capacity=10, min_size=1)
    for _ in range(7):
        services.enrollment_enrol(
            actor=world.users.a_staff,
            participant=factories.ParticipantFactory(provider=world.provider_a),
            course=course,
        )
    with pytest.raises(services.ValidationError, match="7 Personen eingeschrieben"):
        course_services.course_update(actor=world.users.a_admin, course=course, data={"capacity": 5})
    reports = course.reports.count()
    with pytest.raises(services.ValidationError, match="höchstens 3 Plätze"):
        course_services.course_report_free_places(actor=world.users.a_staff, course=course, free_places=4)
    response = login(world.users.a_staff).post(
        reverse("courses:course_report_places", args=[course.pk]), {"free_places": 9}
    )
    assert response.status_code == 422
    assert "höchstens 3 Plätze frei" in response.content.decode()
    course.refresh_from_db()
    assert course.capacity == 10 and course.free_places == 3
    # The refused reports left nothing behind (the service checks after writing and rolls back).
    assert course.reports.count() == reports


@pytest.mark.django_db
def test_provider_with_consent_acts_only_on_its_own_courses(world, login):
    """B holds a consent for A's person: B may enrol them into B's course, but not touch A's places or wishes."""
    person = factories.ParticipantFactory(provider=world.provider_a, last_name="Mit-Einwilligung")
    factories.ConsentFactory(participant=person, recipient=world.provider_b)
    in_a = services.enrollment_enrol(actor=world.users.a_staff, participant=person, course=world.course_a)
    client = login(world.users.b_admin)
    assert client.post(reverse("participants:enrollment_withdraw", args=[in_a.pk])).status_code == 403
    assert client.get(reverse("participants:enrollment_complete", args=[in_a.pk])).status_code == 403
    assert client.get(reverse("participants:wish_create", args=[person.pk])).status_code == 403
    in_a.refresh_from_db()
    assert in_a.status == "enrolled"
    other_a_course = factories.CourseFactory(provider=world.provider_a, title="Noch ein A-Kurs")
    response = client.post(
        reverse("participants:enrollment_create", args=[person.pk]), {"course": other_a_course.pk, "action": "wait"}
    )
    assert response.status_code == 400  # not offered: A's courses are not B's to fill
    response = client.post(
        reverse("participants:enrollment_create", args=[person.pk]), {"course": world.course_b.pk, "action": "wait"}
    )
    assert response.status_code == 302
    assert Enrollment.objects.get(participant=person, course=world.course_b).status == "waiting"


@pytest.mark.django_db
def test_hidden_demand_numbers_cannot_be_worked_out_from_totals(world, login):
    from courses.models import Municipality

    CourseWish.objects.all().delete()
    syke = Municipality.objects.get(name="Syke")
    for level, n in ((0, 3), (2, 2)):  # Syke: 3 × Alpha (shown), 2 × A1 (hidden)
        for _ in range(n):
            CourseWish.objects.create(
                participant=factories.ParticipantFactory(provider=world.provider_a, municipality=syke), level=level
            )
    county = login(world.users.county).get(reverse("participants:demand")).content.decode()
    row = county[county.index(">Syke<") :]
    row = row[: row.index("</tr>")]
    # The 2 would follow from Syke's total (5) minus the 3, so the 3 is hidden too ("–"), and with it the Alpha
    # column's total (it is that 3); the row and district totals stay (diepholz_coord.small_numbers).
    assert "<td>3</td>" not in row and "&lt;3" in row and "<td>–</td>" in row
    assert "<strong>5</strong>" in row
    assert "<strong data-total-demand>5</strong>" in county
    footer = county[county.index("<tfoot") :]
    assert "<td>3</td>" not in footer and "<td>–</td>" in footer and "<td>&lt;3</td>" in footer
    coordinator = login(world.users.coordinator).get(reverse("participants:demand")).content.decode()
    assert "<strong data-total-demand>5</strong>" in coordinator


@pytest.mark.django_db
def test_erasing_an_enrolled_person_gives_the_place_back(world, login):
    from participants import gdpr

    factories.report(world.course_a, 3)
    person = factories.ParticipantFactory(provider=world.provider_a)
    services.enrollment_enrol(actor=world.users.a_staff, participant=person, course=world.course_a)
    world.course_a.refresh_from_db()
    assert world.course_a.free_places == 2
    gdpr.participant_erase(actor=world.users.a_admin, participant=person)
    world.course_a.refresh_from_db()
    assert world.course_a.free_places == 3
    assert not Enrollment.objects.filter(participant=person, status__in=["waiting", "enrolled"]).exists()


@pytest.mark.django_db
def test_duplicate_of_own_participant_links_to_the_record(world, login):
    client = login(world.users.a_staff)
    response = client.post(
        reverse("participants:participant_create"),
        register_data(world, first_name="Amira", last_name="Haddad", birth_year="1990"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert world.participant_a.get_absolute_url() in html and "anderen Träger" not in html


@pytest.mark.django_db
def test_audit_page_shows_wish_municipalities_and_labels(world, login, settings):
    services.wish_create(
        actor=world.users.a_staff,
        participant=world.participant_a,
        data={"level": 2, "municipalities": [world.provider_a.municipality]},
    )
    html = (
        login(world.users.coordinator)
        .get(reverse("participants:participant_audit", args=[world.participant_a.pk]), follow=True)
        .content.decode()
    )
    assert "Kurswunsch" in html and "Gemeinden: hinzugefügt Syke" in html


@pytest.mark.django_db
def test_a_full_own_course_can_still_take_the_person_on_its_waiting_list(world, login):
    full = factories.CourseFactory(provider=world.provider_a, title="Voller Kurs A", capacity=3, min_size=0)
    factories.report(full, 0)
    person = factories.ParticipantFactory(provider=world.provider_a)
    client = login(world.users.a_staff)
    url = reverse("participants:enrollment_create", args=[person.pk])
    assert "Voller Kurs A" in client.get(url).content.decode()
    response = client.post(url, {"course": full.pk, "action": "enrol"})
    assert response.status_code == 400 and "keinen freien Platz mehr" in response.content.decode()
    assert client.post(url, {"course": full.pk, "action": "wait"}).status_code == 302
    assert Enrollment.objects.get(participant=person, course=full).status == "waiting"
