"""The register's pages through HTTP, per role: reading, searching, old versions, the diff, the forms, PDFs."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader

from register.models import Workflow, WorkflowStep, WorkflowVersion

from .helpers import actor, alliance_meeting, department, make_workflow, new_version, step

pytestmark = pytest.mark.django_db
READERS = ["coordinator", "county", "a_admin", "a_staff", "b_admin"]


def today():
    # The pages ask the clock; the data is placed relative to it.
    return timezone.localdate()


@pytest.fixture
def two_versions(world):
    coordinator = world.users.coordinator
    meeting = alliance_meeting(today() - datetime.timedelta(days=20))
    first = make_workflow(
        coordinator,
        title="Familie mit schulpflichtigen Kindern kommt an",
        today=today(),
        valid_from=today() - datetime.timedelta(days=200),
        steps=[
            step("Schule zuweisen", department("schule", "Fachdienst Schule")),
            step("Kita fragen", actor(), kind="actor"),
        ],
    )
    second = new_version(
        coordinator,
        first.workflow,
        today=today(),
        decided_in=meeting,
        decided_item=meeting.workflow_item,
        valid_from=today() - datetime.timedelta(days=10),
        change_note="Jugendhilfe früher beteiligt",
        steps=[
            step("Schule zuweisen", department("schule", "Fachdienst Schule")),
            step("Jugendhilfe einbinden", department()),
        ],
    )
    return first.workflow, meeting, second


@pytest.mark.parametrize("role", READERS)
def test_every_role_reads_the_detail_without_edit_buttons(world, client, two_versions, role):
    workflow, meeting, second = two_versions
    client.force_login(getattr(world.users, role))
    response = client.get(workflow.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-version-state="current"' in html and "Jugendhilfe einbinden" in html and "Kita fragen" not in html
    assert meeting.get_absolute_url() in html and "(Arbeitsabläufe und Zuständigkeiten)" in html
    assert "jugend@example.org · 05441 976-1300" in html  # the responsible's contact as the default
    edit = reverse("register:version_create", args=[workflow.pk])
    assert (edit in html) == (role == "coordinator")
    listing = client.get(reverse("register:workflow_list")).content.decode()
    assert workflow.get_absolute_url() in listing
    assert (reverse("register:workflow_create") in listing) == (role == "coordinator")
    # Every logged-in role has the link in the navigation.
    assert f'href="{reverse("register:workflow_list")}"' in listing


def test_an_old_version_is_marked_and_unknown_numbers_are_404(world, client, two_versions):
    workflow, _meeting, _second = two_versions
    client.force_login(world.users.a_staff)
    html = client.get(reverse("register:version_detail", args=[workflow.pk, 1])).content.decode()
    assert 'data-version-state="old"' in html and "Kita fragen" in html
    assert workflow.get_absolute_url() in html  # a way to the current version
    assert client.get(reverse("register:version_detail", args=[workflow.pk, 3])).status_code == 404
    assert client.get(reverse("register:workflow_detail", args=[workflow.pk + 100])).status_code == 404


def test_a_version_valid_later_is_announced(world, client, two_versions):
    workflow, _meeting, _second = two_versions
    new_version(world.users.coordinator, workflow, today=today(), valid_from=today() + datetime.timedelta(days=30))
    client.force_login(world.users.county)
    html = client.get(workflow.get_absolute_url()).content.decode()
    assert 'data-version-state="current"' in html and reverse("register:version_detail", args=[workflow.pk, 3]) in html
    html = client.get(reverse("register:version_detail", args=[workflow.pk, 3])).content.decode()
    assert 'data-version-state="upcoming"' in html


def test_search_page(world, client, two_versions):
    make_workflow(
        world.users.coordinator, title="Ein Kurs fällt kurzfristig aus", today=today(), trigger="Lehrkraft krank"
    )
    client.force_login(world.users.a_admin)
    url = reverse("register:workflow_list")
    html = client.get(url, {"q": "LEHRKRAFT"}).content.decode()
    assert "Ein Kurs fällt kurzfristig aus" in html and "Familie mit schulpflichtigen" not in html
    schule = department("schule", "Fachdienst Schule")
    html = client.get(url, {"zustaendig": f"department:{schule.pk}"}).content.decode()
    assert "Familie mit schulpflichtigen" in html and "Ein Kurs fällt" not in html
    assert f'value="department:{schule.pk}" selected' in html
    for bad in ("department:x", "user:1", "department:٣"):
        response = client.get(url, {"zustaendig": bad})
        assert response.status_code == 400
        assert _("Please choose a responsible from the list.") in response.content.decode()


def test_diff_page_and_bad_parameters(world, client, two_versions):
    workflow, _meeting, _second = two_versions
    client.force_login(world.users.b_admin)
    url = reverse("register:version_diff", args=[workflow.pk])
    html = client.get(url, {"von": "1", "bis": "2"}).content.decode()
    assert 'data-step-status="unchanged"' in html and 'data-step-status="added"' in html
    assert 'data-step-status="removed"' in html and "Jugendhilfe früher beteiligt" in html
    assert client.get(url).status_code == 200  # nothing chosen: the newest against the one before
    for params in ({"von": "1"}, {"von": "x", "bis": "2"}, {"von": "1", "bis": "9"}, {"von": "٣", "bis": "1"}):
        response = client.get(url, params)
        assert response.status_code == 400, params
        assert _("Please choose two existing versions to compare.") in response.content.decode()
    response = client.get(url, {"von": "2", "bis": "2"})
    assert response.status_code == 400 and _("Please choose two different versions.") in response.content.decode()
    single = make_workflow(world.users.coordinator, title="Nur eine", today=today()).workflow
    response = client.get(reverse("register:version_diff", args=[single.pk]))
    assert _("This workflow has only one version so far; there is nothing to compare.") in response.content.decode()


def formset_data(rows, *, initial=0, **fields):
    data = {"steps-TOTAL_FORMS": str(len(rows)), "steps-INITIAL_FORMS": str(initial), **fields}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"steps-{i}-{key}"] = value
    return data


def test_coordinator_creates_a_workflow_through_the_form(world, client):
    jugend, jobcenter = department(), actor()
    meeting = alliance_meeting(today() - datetime.timedelta(days=3))
    client.force_login(world.users.coordinator)
    url = reverse("register:workflow_create")
    page = client.get(url).content.decode()
    assert '<optgroup label="Fachdienste">' in page or f'<optgroup label="{_("Departments")}">' in page
    assert f'value="department:{jugend.pk}"' in page and f'value="provider:{world.provider_a.pk}"' in page
    data = formset_data(
        [
            {"title": "Zweiter Schritt", "responsible": f"actor:{jobcenter.pk}", "ORDER": "2", "contact": "Frau X"},
            {"title": "Erster Schritt", "responsible": f"department:{jugend.pk}", "ORDER": "1"},
            {"title": "Gestrichen", "responsible": f"department:{jugend.pk}", "ORDER": "3", "DELETE": "on"},
            {"title": "", "responsible": "", "ORDER": ""},  # an empty extra row
        ],
        title="Kinderbetreuung fehlt",
        trigger="Keine Betreuung",
        decided_in=str(meeting.pk),
        decided_item=str(meeting.workflow_item.pk),
        valid_from=today().isoformat(),
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    version = WorkflowVersion.objects.get()
    assert response.url == version.workflow.get_absolute_url()
    assert version.decided_in == meeting and version.review_by.year == today().year + 1
    assert [(s.title, s.responsible, s.contact) for s in version.steps.order_by("position")] == [
        ("Erster Schritt", jugend, "jugend@example.org · 05441 976-1300"),
        ("Zweiter Schritt", jobcenter, "Frau X"),
    ]


def test_bad_input_shows_the_form_and_saves_nothing(world, client):
    jugend = department()
    client.force_login(world.users.coordinator)
    url = reverse("register:workflow_create")
    cases = [
        formset_data([], title="X", trigger="t", valid_from=today().isoformat()),  # no step
        formset_data([{"title": "S", "responsible": "department:abc"}], title="X", trigger="t",
                     valid_from="2026-13-01"),
        formset_data([{"title": "S", "responsible": f"department:{jugend.pk + 99}"}], title="X", trigger="t",
                     valid_from=today().isoformat()),
        formset_data([{"title": "S", "responsible": f"department:{jugend.pk}"}], title="X", trigger="t",
                     valid_from=today().isoformat(), decided_in="999999"),
        {"steps-TOTAL_FORMS": "abc", "title": "X"},  # a broken management form
        {"steps-TOTAL_FORMS": "5000", "steps-INITIAL_FORMS": "0", "title": "X", "trigger": "t"},
    ]  # fmt: skip
    for data in cases:
        response = client.post(url, data)
        assert response.status_code == 400, data
    response = client.post(url, cases[0])
    assert _("A workflow needs at least one step. Please fill in the first row.") in response.content.decode()
    assert not Workflow.objects.exists() and not WorkflowStep.objects.exists()


def test_change_is_prefilled_and_saves_a_new_version(world, client, two_versions):
    workflow, meeting, second = two_versions
    client.force_login(world.users.coordinator)
    url = reverse("register:version_create", args=[workflow.pk])
    page = client.get(url).content.decode()
    assert 'value="Jugendhilfe einbinden"' in page and second.trigger in page
    steps = list(second.steps.order_by("position"))
    data = formset_data(
        [
            {"title": s.title, "responsible": s.responsible_key, "contact": s.contact, "ORDER": str(s.position)}
            for s in steps
        ]
        + [{"title": "Neuer Schritt", "responsible": f"provider:{world.provider_a.pk}", "ORDER": "0"}],
        initial=len(steps),
        trigger=second.trigger,
        valid_from=today().isoformat(),
        decided_in=str(meeting.pk),
        change_note="",
    )
    response = client.post(url, data)
    assert response.status_code == 400
    assert _("Please say what changed and why.") in response.content.decode()
    assert workflow.versions.count() == 2
    data["change_note"] = "Träger zuerst"
    response = client.post(url, data)
    assert response.status_code == 302
    third = workflow.versions.get(number=3)
    assert [s.title for s in third.steps.order_by("position")] == [
        "Neuer Schritt", "Schule zuweisen", "Jugendhilfe einbinden"
    ]  # fmt: skip
    assert [s.title for s in second.steps.order_by("position")] == ["Schule zuweisen", "Jugendhilfe einbinden"]


@pytest.mark.parametrize("role", ["county", "a_admin", "a_staff", "b_admin"])
def test_others_cannot_write(world, client, two_versions, role):
    workflow, _meeting, second = two_versions
    client.force_login(getattr(world.users, role))
    data = formset_data(
        [{"title": "X", "responsible": f"department:{department().pk}"}],
        title="Neu",
        trigger="t",
        valid_from=today().isoformat(),
        change_note="x",
    )
    assert client.post(reverse("register:workflow_create"), data).status_code == 403
    assert client.post(reverse("register:version_create", args=[workflow.pk]), data).status_code == 403
    assert Workflow.objects.count() == 1 and WorkflowVersion.objects.count() == 2


def test_anonymous_goes_to_login(client, two_versions):
    workflow, _meeting, _second = two_versions
    for url in (reverse("register:workflow_list"), workflow.get_absolute_url(), reverse("register:register_pdf")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_register_pdf(world, client, two_versions):
    from participants.models import Participant

    make_workflow(
        world.users.coordinator,
        title="Abbruch droht",
        today=today(),
        steps=[step("Gespräch führen", actor(), kind="actor")],
    )
    make_workflow(world.users.coordinator, title="Zuletzt im Alphabet", today=today())
    client.force_login(world.users.county)
    text, pages = pdf_text(client.get(reverse("register:register_pdf")))
    flat = " ".join(text.split())
    positions = [
        flat.index(t) for t in ("Abbruch droht", "Familie mit schulpflichtigen Kindern kommt an", "Zuletzt im Alphabet")
    ]
    assert positions == sorted(positions)
    assert "Jugendhilfe einbinden" in flat and "Gespräch führen" in flat and "Kita fragen" not in flat
    assert "Landkreis Diepholz" in flat and f"{_('Page')} 1 {_('of')} {pages}" in flat
    for person in Participant.objects.all():
        assert person.first_name not in flat and person.last_name not in flat


def test_version_pdf(world, client, two_versions):
    workflow, _meeting, _second = two_versions
    client.force_login(world.users.a_staff)
    text, _pages = pdf_text(client.get(reverse("register:version_pdf", args=[workflow.pk, 1])))
    flat = " ".join(text.split())
    assert "Kita fragen" in flat and "Jugendhilfe einbinden" not in flat
    assert _("Version %(n)s is not the current version of this workflow.") % {"n": 1} in flat
    assert f"{_('Page')} 1 {_('of')} 1" in flat
    assert client.get(reverse("register:version_pdf", args=[workflow.pk, 7])).status_code == 404


def count(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries), "\n".join(q["sql"] for q in context.captured_queries)


@pytest.mark.parametrize("page", ["list", "search", "detail", "old", "diff"])
def test_query_counts_do_not_grow(world, client, two_versions, page):
    workflow, meeting, _second = two_versions
    client.force_login(world.users.a_staff)
    urls = {
        "list": reverse("register:workflow_list"),
        "search": reverse("register:workflow_list") + "?q=schule",
        "detail": workflow.get_absolute_url(),
        "old": reverse("register:version_detail", args=[workflow.pk, 1]),
        "diff": reverse("register:version_diff", args=[workflow.pk]) + "?von=1&bis=2",
    }
    small, _sql = count(client, urls[page])
    coordinator = world.users.coordinator
    many_steps = [step(f"Schritt {n} Schule", department(f"d{n}", f"Fachdienst {n}")) for n in range(8)] + [
        step("Träger", world.provider_b, kind="provider"),
        step("Akteur", actor(f"Akteur {page}"), kind="actor"),
    ]
    for n in range(6):
        make_workflow(
            coordinator,
            title=f"Weiterer Ablauf {n}",
            today=today(),
            steps=many_steps,
            decided_in=meeting,
            valid_from=today(),
        )
    for _n in range(3):
        new_version(coordinator, workflow, today=today(), steps=many_steps, valid_from=today(), decided_in=meeting)
    urls["diff"] = reverse("register:version_diff", args=[workflow.pk]) + "?von=2&bis=5"
    large, sql = count(client, urls[page])
    assert small == large, f"{page}: {small} → {large} queries\n{sql}"
    assert large <= 12, sql
