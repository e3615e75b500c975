"""Agendas people recognise (order per series, time slots, one line for empty items, letterhead) and the meeting
page: preparation before the meeting, minutes after; publishing asks first; regenerating says what changed."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from meetings import agenda, pdf, services
from meetings.models import AgendaItem, Attendance, Body, Meeting
from tests import factories
from tests.meetings.factories import MeetingSeriesFactory
from tests.meetings.test_agenda import make_meeting


@pytest.fixture
def series(world):
    world.provider_a.email = "kurse@traeger-a.example"
    world.provider_a.save()
    world.users.county.email = "kreis@example.org"
    world.users.county.save()
    series = MeetingSeriesFactory(
        name="Trägerrunde Sprachkurse", default_sections="Berichte der Träger\nTermine der Kurse"
    )
    series.invited_providers.set([world.provider_a, world.provider_b])
    series.invited_users.set([world.users.county])
    return series


def _titles(meeting):
    return [item.title for item in agenda.agenda_items(meeting)]


@pytest.mark.django_db
def test_default_order_opening_figures_proposals_standing_items_any_other_business(world, series):
    meeting = make_meeting(series)
    services.item_propose(meeting=meeting, actor=world.users.a_admin, title="Neuer Abendkurs in Weyhe")
    services.agenda_publish(meeting=meeting)
    assert _titles(meeting) == [
        "Begrüßung und Tagesordnung",
        "Genehmigung des Protokolls der letzten Sitzung",
        "Offene Aufgaben aus früheren Sitzungen",
        "Freie Plätze nach Niveau und Gemeinde",
        "Bald endende Kurse und Anschlüsse",
        "Übergänge nach Stand",
        "Offene Kurswünsche nach Niveau und Gemeinde",
        "Veraltete Meldungen freier Plätze",
        "Neue und abgesagte Kurse",
        "Neuer Abendkurs in Weyhe",
        "Berichte der Träger",
        "Termine der Kurse",
        "Verschiedenes",
    ]
    # A proposal after publishing goes to the proposals' place, not to the end.
    services.item_propose(meeting=meeting, actor=world.users.a_admin, title="Zweiter Vorschlag")
    titles = _titles(meeting)
    assert titles.index("Zweiter Vorschlag") == titles.index("Neuer Abendkurs in Weyhe") + 1
    assert titles[-1] == "Verschiedenes"


@pytest.mark.django_db
def test_the_order_and_the_sections_are_set_per_series(world, series):
    series.agenda_layout = ["welcome", "standing", "proposed", "free_places", "other", "no-such-section"]
    series.save()
    meeting = make_meeting(series)
    services.item_propose(meeting=meeting, actor=world.users.a_admin, title="Vorschlag")
    services.agenda_publish(meeting=meeting)
    assert _titles(meeting) == [
        "Begrüßung und Tagesordnung",
        "Berichte der Träger",
        "Termine der Kurse",
        "Vorschlag",
        "Freie Plätze nach Niveau und Gemeinde",
        "Verschiedenes",
    ]
    meeting.refresh_from_db()
    assert list(meeting.agenda_snapshot["sections"]) == ["free_places"]


@pytest.mark.django_db
def test_series_form_sets_the_layout_in_the_browser(world, series, client):
    client.force_login(world.users.coordinator)
    url = reverse("meetings:series_update", args=[series.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["invited_providers"] = [world.provider_a.pk]
    data["invited_users"] = []
    for key in agenda.default_layout(Body.PROVIDER_ROUND):
        data[f"section_{key}"] = ""
    data.update({"section_welcome": "1", "section_other": "3", "section_free_places": "2"})
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    series.refresh_from_db()
    assert series.agenda_layout == ["welcome", "free_places", "other"]
    # The same position twice is refused with a message; nothing is saved.
    data.update({"section_welcome": "2"})
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Position" in response.content.decode()
    series.refresh_from_db()
    assert series.agenda_layout == ["welcome", "free_places", "other"]


@pytest.mark.django_db
def test_agenda_pdf_letterhead_slots_presenters_and_one_line_for_empty_items(world, series, settings):
    settings.LETTERHEAD = "Landkreis Diepholz · Der Landrat · Testweg 1"
    meeting = make_meeting(series)
    services.agenda_publish(meeting=meeting)
    reports = meeting.items.get(title="Berichte der Träger")
    services.item_update(
        item=reports, actor=world.users.coordinator, slot_start=datetime.time(10, 30),
        slot_end=datetime.time(10, 50), presenter="Sabine Brinkmann",
    )  # fmt: skip
    meeting.refresh_from_db()
    reader = PdfReader(io.BytesIO(pdf.agenda_pdf(meeting)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Landkreis Diepholz · Der Landrat · Testweg 1" in text
    assert "Trägerrunde Sprachkurse" in text and meeting.location in text
    assert "10:30–10:50 · Sabine Brinkmann" in text
    # The order is the agenda's, numbered.
    positions = [text.index(f"{n}. {title}") for n, title in enumerate(_titles(meeting), start=1)]
    assert positions == sorted(positions)
    assert "Keine offenen Aufgaben." in text
    assert f"Seite 1 von {len(reader.pages)}" in text
    html = pdf.agenda_html(meeting)
    # Items with nothing below are one line, not an empty heading.
    assert '<p class="item-line">11. Termine der Kurse' in html
    assert '<p class="item-line">12. Verschiedenes' in html and "<h2>12. Verschiedenes" not in html


@pytest.mark.django_db
def test_slot_must_end_after_it_starts_and_only_the_coordinator_sets_it(world, series, client):
    from django.core.exceptions import PermissionDenied, ValidationError

    meeting = make_meeting(series)
    services.agenda_publish(meeting=meeting)
    item = meeting.items.get(title="Berichte der Träger")
    with pytest.raises(ValidationError):
        services.item_update(
            item=item, actor=world.users.coordinator, slot_start=datetime.time(11), slot_end=datetime.time(10),
            presenter="",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.item_update(item=item, actor=world.users.a_admin, slot_start=None, slot_end=None, presenter="x")
    client.force_login(world.users.coordinator)
    url = reverse("meetings:item_update", args=[meeting.pk, item.pk])
    response = client.post(url, {"slot_start": "11:00", "slot_end": "10:00", "presenter": "Frau Stöver"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.slot_start, item.presenter) == (None, "")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Zeitfenster" in m for m in messages)
    client.post(url, {"slot_start": "10:00", "slot_end": "10:20", "presenter": "Frau Stöver"})
    item.refresh_from_db()
    assert (item.slot_start, item.slot_end, item.presenter) == (datetime.time(10), datetime.time(10, 20), "Frau Stöver")


@pytest.mark.django_db
def test_before_the_meeting_the_page_is_about_preparation_after_it_about_minutes(world, series, client):
    meeting = make_meeting(series, days_ahead=3)
    services.agenda_publish(meeting=meeting)
    client.force_login(world.users.coordinator)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert 'id="preparation"' in page
    assert 'id="attendance"' not in page and "Protokoll abschließen" not in page and 'id="action-form"' not in page
    assert "minutes-form" not in page
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1), ends_at=timezone.now() + datetime.timedelta(hours=1)
    )
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert 'id="preparation"' not in page
    assert 'id="attendance"' in page and "Protokoll abschließen" in page and 'id="action-form"' in page
    # Two invitees (providers A, B) and one person: nobody recorded yet, so finalising says what is missing.
    assert 'id="attendance-missing"' in page


@pytest.mark.django_db
def test_publishing_asks_first_and_names_how_many_get_the_mail(world, series, client):
    meeting = make_meeting(series)
    client.force_login(world.users.coordinator)
    url = reverse("meetings:meeting_publish", args=[meeting.pk])
    page = client.get(url)
    assert page.status_code == 200
    text = " ".join(page.content.decode().split())
    # Provider A's and provider B's addresses and the county person's: 3.
    assert world.provider_a.email and world.provider_b.email and world.users.county.email
    assert "an 3 Adressen" in text and "2 eingeladene Träger" in text and "1 eingeladene Person" in text
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    # A POST without the confirmation publishes nothing.
    assert client.post(url).status_code == 400
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PLANNED
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PUBLISHED


@pytest.mark.django_db
def test_regenerating_takes_the_figures_again_and_says_whether_they_changed(world, series, client):
    meeting = make_meeting(series)
    services.agenda_publish(meeting=meeting)
    client.force_login(world.users.coordinator)
    url = reverse("meetings:agenda_regenerate", args=[meeting.pk])
    response = client.post(url, follow=True)
    assert "Die Zahlen haben sich nicht geändert" in response.content.decode()
    assert 'id="snapshot-time"' in response.content.decode()
    factories.report(world.course_a, 7)
    response = client.post(url, follow=True)
    text = response.content.decode()
    assert "Neue Zahlen übernommen" in text and "Freie Plätze nach Niveau und Gemeinde" in text
    meeting.refresh_from_db()
    assert meeting.agenda_snapshot["sections"]["free_places"]["total"] >= 7


@pytest.mark.django_db
def test_finalising_needs_the_attendance_of_every_invitee(world, series):
    from django.core.exceptions import ValidationError

    meeting = make_meeting(series, days_ahead=-1)
    services.agenda_publish(meeting=meeting)
    services.attendance_save(
        meeting=meeting, actor=world.users.coordinator, statuses={("provider", world.provider_a.pk): "present"}
    )
    with pytest.raises(ValidationError) as error:
        services.minutes_finalise(meeting=meeting, actor=world.users.coordinator)
    assert "Träger B" in str(error.value) and world.users.county.get_full_name() in str(error.value)
    services.attendance_save(
        meeting=meeting,
        actor=world.users.coordinator,
        statuses={("provider", world.provider_b.pk): "absent", ("user", world.users.county.pk): "excused"},
    )
    services.minutes_finalise(meeting=meeting, actor=world.users.coordinator)
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.FINAL
    assert Attendance.objects.filter(meeting=meeting).count() == 3
    assert AgendaItem.objects.filter(meeting=meeting).exists()


@pytest.mark.django_db
def test_the_alliance_agenda_lists_changed_workflows_and_those_due_for_review(world):
    from register import services as register_services

    alliance = MeetingSeriesFactory(name="Aktionsbündnis Integration", body=Body.ALLIANCE)
    earlier = make_meeting(alliance, days_ahead=-60, status=Meeting.Status.FINAL)
    today = timezone.localdate()
    version = register_services.workflow_create(
        actor=world.users.coordinator,
        title="Ein Kurs fällt kurzfristig aus",
        version_data={
            "trigger": "Ein Träger sagt einen Kurs ab",
            "valid_from": timezone.localtime(earlier.starts_at).date(),
            "review_by": today + datetime.timedelta(days=10),
            "decided_in": earlier,
            "change_note": "Erste Fassung",
        },
        steps=[{"title": "Teilnehmende informieren", "department": None, "provider": world.provider_a, "actor": None}],
    )
    meeting = make_meeting(alliance)
    services.agenda_publish(meeting=meeting, today=today)
    meeting.refresh_from_db()
    data = meeting.agenda_snapshot["sections"]["workflows"]
    title = version.workflow.title
    assert [row["title"] for row in data["due_for_review"]] == [title]
    assert [row["title"] for row in data["changed"]] == [title]  # recorded today, after the last meeting
    titles = _titles(meeting)
    assert titles.index("Arbeitsabläufe und Zuständigkeiten: geändert und zur Überprüfung fällig") < titles.index(
        "Verschiedenes"
    )
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.agenda_pdf(meeting))).pages)
    assert "Ein Kurs fällt kurzfristig aus" in text and "Zur Überprüfung fällig" in text
