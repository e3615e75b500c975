"""The agenda builder and the agenda/minutes PDFs: sections, figures for known data, no names, escaping,
and a query count that does not grow with the district."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from courses import services as course_services
from courses.models import Course
from meetings import agenda, pdf, services
from meetings.models import ActionItem, AgendaItem, Attendance, Body, Meeting
from participants.models import CourseWish, Enrollment
from tests import factories
from tests.meetings.factories import MeetingSeriesFactory
from transitions import services as transition_services

# The German section titles as the round reads them (German is the agenda's language).
SECTION_TITLES = [
    "Offene Aufgaben aus früheren Sitzungen",
    "Freie Plätze nach Niveau und Gemeinde",
    "Bald endende Kurse und Anschlüsse",
    "Übergänge nach Stand",
    "Offene Kurswünsche nach Niveau und Gemeinde",
    "Veraltete Meldungen freier Plätze",
    "Neue und abgesagte Kurse",
]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def make_meeting(series, *, days_ahead=5, **kwargs):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days_ahead)
    return Meeting.objects.create(
        series=series,
        occurrence=starts.date(),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        location=series.location,
        agenda_due_on=starts.date() - datetime.timedelta(days=series.agenda_lead_days),
        **kwargs,
    )


@pytest.fixture
def district(world):
    """Known figures: free places, an ending course with one person without follow-up, wishes, a stale report,
    a cancelled course, an open action item from an earlier meeting."""
    today = timezone.localdate()
    factories.report(world.course_a, 5)  # Syke, A1
    factories.report(world.course_b, 3, at=timezone.now() - datetime.timedelta(days=30))  # Diepholz, A1, stale
    ending = factories.CourseFactory(
        provider=world.provider_a,
        venue=world.venue_a,
        title="Integrationskurs Syke Abend",
        start_date=today - datetime.timedelta(days=150),
        end_date=today + datetime.timedelta(days=20),
        status=Course.Status.RUNNING,
    )
    factories.report(ending, 0)
    people = [
        factories.ParticipantFactory(provider=world.provider_a, first_name="Yusuf", last_name="Rahimi"),
        factories.ParticipantFactory(provider=world.provider_a, first_name="Olena", last_name="Kovalenko"),
    ]
    enrollments = [Enrollment.objects.create(participant=p, course=ending, status="enrolled") for p in people]
    transition_services.handover_propose(
        actor=world.users.coordinator, participant=people[0], from_enrollment=enrollments[0], to_course=world.course_b
    )
    # Only people who agreed to be discussed in the coordination meeting appear by code on the agenda.
    factories.ConsentFactory(participant=people[0], recipient=None, purpose="meeting")
    for person in people + [
        factories.ParticipantFactory(provider=world.provider_b, municipality=world.course_b.municipality)
    ]:
        CourseWish.objects.create(participant=person, level=3, course_types=["IK_ALLG"])
    cancelled = factories.CourseFactory(provider=world.provider_b, title="Abgesagter Kurs Diepholz")
    course_services.course_cancel(actor=world.users.coordinator, course=cancelled, reason="zu wenige Anmeldungen")
    # Cancelled long ago and merely edited since: not "newly cancelled".
    old = factories.CourseFactory(
        provider=world.provider_b, title="Längst abgesagter Kurs", status=Course.Status.CANCELLED
    )
    Course.objects.filter(pk=old.pk).update(cancelled_at=timezone.now() - datetime.timedelta(days=200))
    series = MeetingSeriesFactory(name="Trägerrunde Sprachkurse", default_sections="Begrüßung\nVerschiedenes")
    series.invited_providers.set([world.provider_a, world.provider_b])
    earlier = make_meeting(series, days_ahead=-30, status=Meeting.Status.FINAL)
    ActionItem.objects.create(
        meeting=earlier, title="Kinderbetreuung in Weyhe klären", owner_provider=world.provider_a, due_on=today
    )
    ActionItem.objects.create(
        meeting=earlier, title="Erledigte Aufgabe", owner_provider=world.provider_b, status=ActionItem.Status.DONE
    )
    meeting = make_meeting(series)
    return world, meeting, people


@pytest.mark.django_db
def test_snapshot_has_the_right_figures(district):
    world, meeting, _people = district
    snap = agenda.build_snapshot(meeting)["sections"]
    assert list(snap) == [
        "last_minutes", "action_items", "free_places", "ending_courses", "handovers", "wishes", "stale_reports",
        "course_changes",
    ]  # fmt: skip
    assert [r["title"] for r in snap["action_items"]["rows"]] == ["Kinderbetreuung in Weyhe klären"]
    free = snap["free_places"]
    a1 = free["levels"].index("A1")
    rows = {r["municipality"]: r for r in free["rows"]}
    assert rows["Syke"]["cells"][a1] == 5 and rows["Diepholz"]["cells"][a1] == 3
    assert free["total"] == 8
    ending = {r["title"]: r for r in snap["ending_courses"]["rows"]}
    assert ending["Integrationskurs Syke Abend"]["enrolled"] == 2
    assert ending["Integrationskurs Syke Abend"]["without_follow_up"] == 1
    counts = {c["status"]: c["count"] for c in snap["handovers"]["counts"]}
    assert counts["proposed"] == 1 and sum(counts.values()) == 1
    wishes = {r["municipality"]: r for r in snap["wishes"]["rows"]}
    a2 = snap["wishes"]["levels"].index("A2")
    # Syke: Amira's A1 wish (1) and two A2 wishes → both shown as "<3"; Diepholz: one A2 wish → "<3".
    assert wishes["Syke"]["cells"][a2] == "<3" and wishes["Diepholz"]["cells"][a2] == "<3"
    assert wishes["Syke"]["total"] == "–"
    assert [r["course"] for r in snap["stale_reports"]["rows"]] == ["Kurs B"]
    changes = snap["course_changes"]
    assert [r["title"] for r in changes["cancelled"]] == ["Abgesagter Kurs Diepholz"]
    assert "Integrationskurs Syke Abend" in [r["title"] for r in changes["new"]]


@pytest.mark.django_db
def test_agenda_pdf_has_every_section_and_figure_and_no_names(district):
    world, meeting, people = district
    services.item_propose(
        meeting=meeting,
        actor=world.users.a_staff,
        title="<script>alert('x')</script> Kita & Kurs",
        description="<b>fett</b>",
    )
    services.agenda_publish(meeting=meeting)
    meeting.refresh_from_db()
    text = pdf_text(pdf.agenda_pdf(meeting))
    assert "Landkreis Diepholz" in text and "Trägerrunde Sprachkurse" in text and "Tagesordnung" in text
    assert meeting.location in text
    for title in SECTION_TITLES + ["Begrüßung", "Verschiedenes"]:
        assert title in text, title
    assert "Kinderbetreuung in Weyhe klären" in text
    assert "Integrationskurs Syke Abend" in text
    assert "Seite 1 von" in text
    assert "<script>alert('x')</script> Kita & Kurs" in text and "<b>fett</b>" in text
    for person in [world.participant_a, *people]:
        assert person.first_name not in text and person.last_name not in text
    assert people[0].code in text  # the open handover appears with its pseudonym code only
    # A handover of someone without a meeting consent is counted, not listed.
    transition_services.handover_propose(actor=world.users.coordinator, participant=people[1], to_course=world.course_b)
    meeting.refresh_from_db()
    snapshot = agenda.build_snapshot(meeting)["sections"]["handovers"]
    assert [row["code"] for row in snapshot["rows"]] == [people[0].code]
    assert {c["status"]: c["count"] for c in snapshot["counts"]}["proposed"] == 2


@pytest.mark.django_db
def test_meeting_page_shows_user_text_as_text(district, client):
    world, meeting, _people = district
    services.item_propose(meeting=meeting, actor=world.users.a_staff, title="<script>alert('x')</script>")
    client.force_login(world.users.county)
    for name in ("meetings:meeting_detail", "meetings:agenda_print"):
        body = client.get(reverse(name, args=[meeting.pk])).content.decode()
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
        assert "<script>alert('x')</script>" not in body
        assert "InvalidVarException" not in body


@pytest.mark.django_db
def test_minutes_pdf_has_attendance_notes_decisions_and_action_items(district):
    world, meeting, _people = district
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1), ends_at=timezone.now() + datetime.timedelta(hours=1)
    )
    meeting.refresh_from_db()
    services.agenda_publish(meeting=meeting)
    item = meeting.items.get(section="default-1")
    services.minutes_save(
        item=item, actor=world.users.coordinator, notes="Alle begrüßt.", decisions="Beschluss: <weiter>"
    )
    services.attendance_save(
        meeting=meeting,
        actor=world.users.coordinator,
        statuses={("provider", world.provider_a.pk): "present", ("provider", world.provider_b.pk): "excused"},
    )
    services.action_item_create(
        meeting=meeting,
        actor=world.users.coordinator,
        data={"title": "Plätze bis Freitag melden", "owner_provider": world.provider_b, "due_on": None, "item": item},
    )
    services.minutes_finalise(meeting=meeting, actor=world.users.coordinator)
    meeting.refresh_from_db()
    text = pdf_text(pdf.minutes_pdf(meeting))
    assert "Protokoll" in text and "Alle begrüßt." in text and "Beschluss: <weiter>" in text
    assert "Träger A" in text and "anwesend" in text and "entschuldigt" in text
    assert "Plätze bis Freitag melden" in text and "Träger B" in text
    assert "InvalidVarException" not in text  # items without minutes render nothing


def grow(world, n):
    today = timezone.localdate()
    series = MeetingSeriesFactory()
    old = make_meeting(series, days_ahead=-40 - n)
    for i in range(n):
        course = factories.CourseFactory(
            provider=world.provider_b,
            title=f"Wachstum {n}-{i}",
            start_date=today - datetime.timedelta(days=100),
            end_date=today + datetime.timedelta(days=10 + i),
            status=Course.Status.RUNNING,
        )
        factories.report(course, 2, at=timezone.now() - datetime.timedelta(days=40))
        person = factories.ParticipantFactory(provider=world.provider_b)
        factories.ConsentFactory(participant=person, recipient=None, purpose="meeting")
        enrollment = Enrollment.objects.create(participant=person, course=course, status="enrolled")
        transition_services.handover_propose(
            actor=world.users.coordinator, participant=person, from_enrollment=enrollment, to_course=world.course_a
        )
        CourseWish.objects.create(participant=person, level=i % 5, course_types=["IK_ALLG"])
        ActionItem.objects.create(meeting=old, title=f"Aufgabe {i}", owner_provider=world.provider_b)
        factories.CourseFactory(provider=world.provider_a, title=f"Abgesagt {n}-{i}", status=Course.Status.CANCELLED)


@pytest.mark.django_db
def test_agenda_builder_query_count_does_not_grow(district):
    world, meeting, _people = district
    grow(world, 1)
    with CaptureQueriesContext(connection) as small:
        agenda.build_snapshot(meeting)
    grow(world, 12)
    with CaptureQueriesContext(connection) as large:
        snapshot = agenda.build_snapshot(meeting)
    assert len(small) == len(large), "\n".join(q["sql"] for q in large.captured_queries)
    assert len(large) <= 14  # + the number of stale reports beyond the listed ones
    assert len(snapshot["sections"]["handovers"]["rows"]) == 14


@pytest.mark.django_db
def test_other_bodies_get_their_own_sections(world):
    series = MeetingSeriesFactory(
        name="Aktionsplan Integration", body=Body.ACTION_PLAN, default_sections="Fachdienst Jugend\nFachdienst Schule"
    )
    meeting = make_meeting(series)
    services.agenda_publish(meeting=meeting)
    titles = [item.title for item in agenda.agenda_items(meeting)]
    # Opening, figures, the series' standing items, any other business (no proposals: no placeholder item).
    assert titles == [
        "Begrüßung und Tagesordnung",
        "Genehmigung des Protokolls der letzten Sitzung",
        "Offene Aufgaben aus früheren Sitzungen",
        "Entwicklungen: neue, offene Bewertungen, überfällige Maßnahmen",
        "Fachdienst Jugend",
        "Fachdienst Schule",
        "Verschiedenes",
    ]
    assert set(meeting.items.values_list("kind", flat=True)) == {AgendaItem.Kind.GENERATED, AgendaItem.Kind.DEFAULT}


@pytest.mark.django_db
def test_attendance_only_for_invitees_and_minutes_locked_after_finalising(district):
    from django.core.exceptions import ValidationError

    world, meeting, _people = district
    stranger = factories.ProviderFactory(name="Nicht eingeladen")
    with pytest.raises(ValidationError):
        services.attendance_save(
            meeting=meeting, actor=world.users.coordinator, statuses={("provider", stranger.pk): "present"}
        )
    assert not Attendance.objects.exists()
    # Not yet begun: finalising is refused.
    services.attendance_save(
        meeting=meeting, actor=world.users.coordinator, statuses={("provider", world.provider_a.pk): "present"}
    )
    with pytest.raises(ValidationError):
        services.minutes_finalise(meeting=meeting, actor=world.users.coordinator)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    meeting.refresh_from_db()
    # Every invitee needs an attendance entry: provider B's is missing and named.
    with pytest.raises(ValidationError, match="Träger B"):
        services.minutes_finalise(meeting=meeting, actor=world.users.coordinator)
    services.attendance_save(
        meeting=meeting, actor=world.users.coordinator, statuses={("provider", world.provider_b.pk): "excused"}
    )
    services.minutes_finalise(meeting=meeting, actor=world.users.coordinator)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.FINAL and meeting.minutes_pdf_state == Meeting.FileState.PENDING
    item = AgendaItem.objects.create(meeting=meeting, title="Nachtrag")
    with pytest.raises(ValidationError, match="abgeschlossen"):
        services.minutes_save(item=item, actor=world.users.coordinator, notes="zu spät", decisions="")
    with pytest.raises(ValidationError):
        services.minutes_finalise(meeting=meeting, actor=world.users.coordinator)


@pytest.mark.django_db
def test_long_tables_repeat_their_header_on_every_page(district):
    world, meeting, _people = district
    stale = timezone.now() - datetime.timedelta(days=40)
    for i in range(90):
        course = factories.CourseFactory(provider=world.provider_b, title=f"Veralteter Kurs {i:03}")
        factories.report(course, 1, at=stale)
    services.agenda_publish(meeting=meeting)
    meeting.refresh_from_db()
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf.agenda_pdf(meeting))).pages]
    # Rows of the stale-reports table carry the date of the last report (new-course rows show their start).
    reported = timezone.localtime(stale).strftime("%d.%m.%Y")
    with_rows = [text for text in pages if reported in text]
    assert len(with_rows) >= 2
    assert all("Letzte Meldung" in text for text in with_rows)
    assert all(f"Seite {n} von {len(pages)}" in text for n, text in enumerate(pages, start=1))
