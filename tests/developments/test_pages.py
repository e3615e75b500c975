"""The developments log through HTTP per role, its agenda section and meeting panel, PDFs, query counts."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from developments import selectors, services
from developments.models import Assessment
from meetings import agenda
from meetings.models import ActionItem

from .helpers import action_plan_meeting, jugend, make_development, soziales

pytestmark = pytest.mark.django_db


def now():
    return timezone.now()


def test_providers_read_only_developments_that_concern_courses_and_no_assessments(world, client):
    coordinator = world.users.coordinator
    courses = make_development(coordinator, title="Berufssprachkurse: neue Regel", concerns_courses=True)
    internal = make_development(coordinator, title="Kita-Gesetz intern")
    client.force_login(world.users.a_staff)
    listing = client.get(reverse("developments:development_list")).content.decode()
    assert "Berufssprachkurse: neue Regel" in listing and "Kita-Gesetz intern" not in listing
    detail = client.get(courses.get_absolute_url())
    assert detail.status_code == 200 and 'data-assessment="' not in detail.content.decode()
    assert client.get(internal.get_absolute_url()).status_code == 404
    client.force_login(world.users.county)
    page = client.get(courses.get_absolute_url()).content.decode()
    assert 'data-assessment="soziales"' in page and 'data-assessment="jugend"' in page


def test_search_and_filters(world, client):
    coordinator = world.users.coordinator
    make_development(
        coordinator, title="Förderrunde des Landes", level="land", source="Richtlinie", departments=[jugend()]
    )
    federal = make_development(coordinator, title="BAMF-Zulassung", level="federal", departments=[soziales()])
    client.force_login(world.users.county)
    url = reverse("developments:development_list")

    def titles(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return [d.title for d in response.context["page"].object_list]

    assert titles(q="bamf") == ["BAMF-Zulassung"]
    assert titles(ebene="land") == ["Förderrunde des Landes"]
    assert titles(fachdienst=jugend().pk) == ["Förderrunde des Landes"]
    services.assessment_save(
        actor=coordinator, assessment=federal.assessments.get(), verdict="not_affected", consequences=""
    )
    assert titles(offen="on") == ["Förderrunde des Landes"]
    assert client.get(url, {"fachdienst": "٣"}).status_code == 400
    assert client.get(url, {"ebene": "mars"}).status_code == 400


def test_the_assessment_form_explains_errors_and_saves_nothing(world, client):
    development = make_development(world.users.coordinator)
    soziales().members.add(world.users.county)
    client.force_login(world.users.county)
    url = reverse("developments:assessment_edit", args=[development.pk, soziales().pk])
    response = client.post(url, {"verdict": "affected", "consequences": ""})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["consequences"]
    assert development.assessments.get(department=soziales()).verdict == "pending"
    response = client.post(url, {"verdict": "affected", "consequences": "Merkblatt anpassen"})
    assert response.status_code == 302 and response["Location"] == development.get_absolute_url()
    assert development.assessments.get(department=soziales()).consequences == "Merkblatt anpassen"
    # Another department's assessment: readable development, no right to assess.
    assert client.get(reverse("developments:assessment_edit", args=[development.pk, jugend().pk])).status_code == 403


def test_agenda_lists_new_developments_open_assessments_and_overdue_measures(world):
    coordinator = world.users.coordinator
    today = timezone.localdate()
    previous = action_plan_meeting(now() - datetime.timedelta(days=30, hours=1))
    make_development(coordinator, title="Alt")
    development = make_development(coordinator, title="Neu seit der Sitzung")
    from developments.models import Development

    Development.objects.filter(title="Alt").update(created_at=now() - datetime.timedelta(days=40))
    services.assessment_save(
        actor=coordinator,
        assessment=development.assessments.get(department=jugend()),
        verdict="not_affected",
        consequences="",
    )
    measure = ActionItem.objects.create(
        meeting=previous,
        development=development,
        owner_department=soziales(),
        title="Merkblatt anpassen",
        due_on=today - datetime.timedelta(days=2),
    )
    data = selectors.developments_for_agenda(since=now() - datetime.timedelta(days=30), today=today)
    assert [row["title"] for row in data["new"]] == ["Neu seit der Sitzung"]
    assert [(row["title"], row["department"]) for row in data["open_assessments"]] == [
        ("Alt", "Fachdienst Jugend"),
        ("Alt", "Fachdienst Soziales"),
        ("Neu seit der Sitzung", "Fachdienst Soziales"),
    ]
    overdue = [(row["title"], row["owner"]) for row in data["overdue_measures"]]
    assert overdue == [(measure.title, "Fachdienst Soziales")]
    # The Aktionsplan agenda carries the section (and the measure among the open action items).
    meeting = action_plan_meeting(now() + datetime.timedelta(days=1), series=previous.series)
    snapshot = agenda.build_snapshot(meeting, today=today)
    assert [r["title"] for r in snapshot["sections"]["developments"]["new"]] == ["Neu seit der Sitzung"]
    assert [r["title"] for r in snapshot["sections"]["action_items"]["rows"]] == ["Merkblatt anpassen"]
    assert "developments" in agenda.default_layout("action_plan")
    assert "developments" not in agenda.default_layout("provider_round")


def test_the_meeting_panel_records_in_a_meeting_under_way(world, client):
    coordinator = world.users.coordinator
    development = make_development(coordinator)
    meeting = action_plan_meeting(now() - datetime.timedelta(minutes=20))
    meeting.series.invited_users.add(coordinator, world.users.county)
    client.force_login(coordinator)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert 'id="developments-panel"' in page and f'data-measure-form="{development.pk}"' in page
    assessment_url = reverse("developments:assessment_edit", args=[development.pk, soziales().pk])
    form = client.get(assessment_url, {"sitzung": meeting.pk, "next": meeting.get_absolute_url()})
    assert form.context["form"].initial["meeting"] == meeting.pk
    response = client.post(
        assessment_url,
        {"verdict": "affected", "consequences": "Merkblatt", "meeting": meeting.pk, "next": meeting.get_absolute_url()},
    )
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert Assessment.objects.get(development=development, department=soziales()).meeting == meeting
    response = client.post(
        reverse("developments:measure_create", args=[development.pk]),
        {"title": "Merkblatt anpassen", "department": soziales().pk, "meeting": meeting.pk, "due_on": "",
         "next": meeting.get_absolute_url()},
    )  # fmt: skip
    assert response.status_code == 302
    assert ActionItem.objects.get(development=development).owner_department == soziales()
    # A meeting of another body has no panel; a planned Aktionsplan meeting has it without forms.
    later = action_plan_meeting(now() + datetime.timedelta(days=20), series=meeting.series)
    page = client.get(later.get_absolute_url()).content.decode()
    assert 'id="developments-panel"' in page and "data-measure-form" not in page


def _pdf_text(response) -> str:
    """The PDF's text with line breaks and runs of spaces made single spaces (table cells wrap)."""
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_log_pdf_reads_back_with_page_numbers_and_no_assessments_for_providers(world, client):
    coordinator = world.users.coordinator
    make_development(coordinator, title="Berufssprachkurse: neue Regel", concerns_courses=True)
    make_development(coordinator, title="Kita-Gesetz intern")
    client.force_login(world.users.county)
    response = client.get(reverse("developments:log_pdf"))
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response)
    assert "Berufssprachkurse: neue Regel" in text and "Kita-Gesetz intern" in text
    assert "Fachdienst Soziales" in text and "Seite 1 von" in text
    assert text.index("Kita-Gesetz intern") < text.index("Berufssprachkurse")  # newest first
    client.force_login(world.users.a_staff)
    response = client.get(reverse("developments:log_pdf"))
    text = _pdf_text(response)
    assert "Berufssprachkurse: neue Regel" in text and "Kita-Gesetz intern" not in text
    assert "Fachdienst Soziales" not in text


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), "\n".join(q["sql"] for q in context.captured_queries)


def _grow(coordinator, n, meeting):
    for i in range(n):
        development = make_development(coordinator, title=f"Entwicklung {i} {meeting.pk}-{n}")
        services.assessment_save(
            actor=coordinator,
            assessment=development.assessments.get(department=jugend()),
            verdict="affected",
            consequences="x",
            meeting=meeting,
        )
        ActionItem.objects.create(
            meeting=meeting, development=development, owner_department=jugend(), title=f"Maßnahme {i}"
        )


@pytest.mark.parametrize("role", ["coordinator", "county", "a_staff"])
def test_query_counts_of_log_detail_and_meeting_page_do_not_grow(world, client, role):
    coordinator = world.users.coordinator
    meeting = action_plan_meeting(now() - datetime.timedelta(minutes=20))
    meeting.series.invited_users.add(coordinator, world.users.county)
    _grow(coordinator, 2, meeting)
    first = make_development(coordinator, title="Detail", concerns_courses=True)
    client.force_login(getattr(world.users, role))
    # The log's PDF too (WeasyPrint renders in the request; the queries are the reads before it).
    urls = [reverse("developments:development_list"), first.get_absolute_url(), reverse("developments:log_pdf")]
    if role != "a_staff":
        urls.append(meeting.get_absolute_url())
    if role == "coordinator":
        urls += [
            reverse("developments:assessment_edit", args=[first.pk, jugend().pk]),
            reverse("developments:measure_create", args=[first.pk]),
        ]
    small = {url: _queries(client, url)[0] for url in urls}
    _grow(coordinator, 8, meeting)
    for url in urls:
        large, sql = _queries(client, url)
        assert large == small[url], f"{url}: {small[url]} → {large}\n{sql}"


def test_aktionsplan_agenda_pdf_lists_the_log_in_order_with_page_numbers_and_no_names(world):
    from meetings import pdf as meeting_pdf
    from meetings import services as meeting_services

    coordinator = world.users.coordinator
    previous = action_plan_meeting(now() - datetime.timedelta(days=30))
    development = make_development(coordinator, title="Neue Förderrunde des Landes")
    ActionItem.objects.create(
        meeting=previous,
        development=development,
        owner_department=soziales(),
        title="Förderantrag vorbereiten",
        due_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    meeting = action_plan_meeting(now() + datetime.timedelta(days=3), series=previous.series)
    meeting_services.agenda_publish(meeting=meeting)
    meeting.refresh_from_db()
    reader = PdfReader(io.BytesIO(meeting_pdf.agenda_pdf(meeting)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    order = [
        "Begrüßung und Tagesordnung",
        "Offene Aufgaben aus früheren Sitzungen",
        "Entwicklungen: neue, offene Bewertungen, überfällige Maßnahmen",
        "Neu seit der letzten Tagesordnung",
        "Offene Bewertungen",
        "Überfällige Maßnahmen",
        "Verschiedenes",
    ]
    positions = [text.find(title) for title in order]
    assert -1 not in positions and positions == sorted(positions), list(zip(order, positions, strict=True))
    assert text.count("Förderantrag vorbereiten") == 2  # among the open action items and the overdue measures
    assert "Neue Förderrunde des Landes" in text and "Seite 1 von" in text
    for person in (world.participant_a,):
        assert person.first_name not in text and person.last_name not in text


def test_new_means_recorded_after_the_previous_agenda_was_published(world):
    coordinator = world.users.coordinator
    previous = action_plan_meeting(now() - datetime.timedelta(days=28))
    previous.agenda_published_at = previous.starts_at - datetime.timedelta(days=5)
    previous.save()
    between = make_development(coordinator, title="Zwischen Tagesordnung und Sitzung")
    before = make_development(coordinator, title="Vor der letzten Tagesordnung")
    from developments.models import Development

    Development.objects.filter(pk=between.pk).update(created_at=previous.starts_at - datetime.timedelta(days=2))
    Development.objects.filter(pk=before.pk).update(created_at=previous.starts_at - datetime.timedelta(days=6))
    meeting = action_plan_meeting(now() + datetime.timedelta(days=2), series=previous.series)
    snapshot = agenda.build_snapshot(meeting, today=timezone.localdate())
    new = [row["title"] for row in snapshot["sections"]["developments"]["new"]]
    assert new == ["Zwischen Tagesordnung und Sitzung"]


def test_a_final_meeting_shows_only_what_was_recorded_in_it(world, client):
    coordinator = world.users.coordinator
    meeting = action_plan_meeting(now() - datetime.timedelta(days=3))
    assessed = make_development(coordinator, title="In der Sitzung bewertet")
    services.assessment_save(
        actor=coordinator,
        assessment=assessed.assessments.get(department=soziales()),
        verdict="affected",
        consequences="Merkblatt",
        meeting=meeting,
    )
    make_development(coordinator, title="Später erfasst, noch offen")
    services.assessment_save(  # between meetings, after this one: not part of its record
        actor=coordinator,
        assessment=assessed.assessments.get(department=jugend()),
        verdict="not_affected",
        consequences="",
    )
    meeting.status = "final"
    meeting.save()
    client.force_login(coordinator)
    panel = client.get(meeting.get_absolute_url()).context["developments_panel"]
    assert panel["state"] == "closed" and not panel["may_record"]
    assert [d.title for d in panel["developments"]] == ["In der Sitzung bewertet"]
    assert [a.department.code for a in panel["developments"][0].assessments.all()] == ["soziales"]
    page = client.get(assessed.get_absolute_url()).content.decode()
    assert reverse("developments:assessment_edit", args=[assessed.pk, soziales().pk]) not in page  # locked
    assert reverse("developments:assessment_edit", args=[assessed.pk, jugend().pk]) in page  # not in a meeting


def test_owners_mark_a_measure_done_on_the_development_page(world, client):
    coordinator, county = world.users.coordinator, world.users.county
    soziales().members.add(county)
    development = make_development(coordinator)
    meeting = action_plan_meeting(now() - datetime.timedelta(minutes=10))
    measure = ActionItem.objects.create(
        meeting=meeting, development=development, owner_department=soziales(), title="Merkblatt"
    )
    jugend_measure = ActionItem.objects.create(
        meeting=meeting, development=development, owner_department=jugend(), title="Kitas"
    )
    client.force_login(county)
    page = client.get(development.get_absolute_url()).content.decode()
    done_url = reverse("meetings:action_item_done", args=[measure.pk])
    assert done_url in page and reverse("meetings:action_item_done", args=[jugend_measure.pk]) not in page
    response = client.post(done_url, {"next": "development", "done": "1"})
    assert response["Location"] == development.get_absolute_url() + "#measures"
    measure.refresh_from_db()
    assert measure.status == "done"


def test_detail_query_count_does_not_grow_with_the_departments_asked(world, client):
    from tests.register.helpers import department

    coordinator, county = world.users.coordinator, world.users.county
    soziales().members.add(county)
    few = make_development(coordinator, departments=[soziales()])
    many = make_development(
        coordinator,
        departments=[soziales(), jugend(), *(department(f"fd{i}", f"Fachdienst {i}") for i in range(6))],
    )
    client.force_login(county)
    assert _queries(client, few.get_absolute_url())[0] == _queries(client, many.get_absolute_url())[0]


def test_inviting_a_provider_to_the_aktionsplan_series_is_refused_with_a_message(world, client):
    from meetings.models import Body, MeetingSeries

    series = MeetingSeries.objects.create(
        body=Body.ACTION_PLAN,
        name="Aktionsplan Integration (intern)",
        first_month=datetime.date(2026, 1, 1),
        start_time=datetime.time(9),
        location="Kreishaus",
    )
    client.force_login(world.users.coordinator)
    url = reverse("meetings:series_update", args=[series.pk])
    data = {
        "name": series.name, "body": series.body, "week_of_month": 3, "weekday": 3, "interval_months": 1,
        "first_month": "2026-01-01", "start_time": "09:00", "duration_minutes": 90, "location": "Kreishaus",
        "agenda_lead_days": 5, "default_sections": "", "invited_providers": [world.provider_a.pk],
        "invited_users": [world.users.county.pk], "active": "on",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 400
    assert "invited_providers" in response.context["form"].errors
    series.refresh_from_db()
    assert not series.invited_providers.exists() and not series.invited_users.exists()
    del data["invited_providers"]
    assert client.post(url, data).status_code == 302
    assert list(series.invited_users.all()) == [world.users.county]
