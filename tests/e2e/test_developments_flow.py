"""In an Aktionsplan meeting the coordinator records a department's assessment of a development and a measure;
the department's county-staff login sees the measure on its start page and can open it; the next agenda, published
through the confirmation page, lists it among the open action items.

Buttons are found by their form's action URL (the stable German URLs), labels by German-or-English patterns.
"""

import datetime
import re

import pytest
from django.utils import timezone

from developments.models import Assessment
from meetings.models import ActionItem, Body, Meeting, MeetingSeries

from .. import factories
from ..developments.helpers import jugend, make_development, soziales
from .conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings, tmp_path):
    """Publishing's PDF and invitations run at once in the live server's thread (no worker needed)."""
    from diepholz_coord.celery import app

    settings.MEDIA_ROOT = str(tmp_path / "media")
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _meeting(series, starts, status):
    return Meeting.objects.create(
        series=series,
        occurrence=timezone.localtime(starts).date(),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=90),
        location=series.location,
        status=status,
        agenda_due_on=timezone.localtime(starts).date() - datetime.timedelta(days=5),
    )


def test_assessment_and_measure_in_the_meeting_reach_the_department_and_the_next_agenda(world, new_page):
    coordinator, county = world.users.coordinator, world.users.county
    soziales().members.add(county)
    series = MeetingSeries.objects.create(
        body=Body.ACTION_PLAN,
        name="Aktionsplan Integration (intern)",
        first_month=datetime.date(2026, 1, 1),
        start_time=datetime.time(9),
        location="Kreishaus Diepholz, Besprechungsraum 3.12",
    )
    series.invited_users.add(coordinator, county)
    now = timezone.now()
    meeting = _meeting(series, now - datetime.timedelta(minutes=30), Meeting.Status.PUBLISHED)
    following = _meeting(series, now + datetime.timedelta(days=28), Meeting.Status.PLANNED)
    development = make_development(
        coordinator, title="Integrationskurse: geänderte Zulassung durch das BAMF", departments=[soziales(), jugend()]
    )
    url = f"/sitzungen/{meeting.pk}/"
    due = timezone.localdate() + datetime.timedelta(days=21)

    page = new_page()
    log_in(page, coordinator.username, factories.PASSWORD)
    page.goto(url)
    panel = page.locator("#developments-panel")
    assert development.title in panel.inner_text()
    # The department's assessment: from the panel to its page, the meeting chosen, back to the meeting.
    panel.locator('[data-panel-assessment="soziales"] a').click()
    page.wait_for_url(re.compile(rf"/entwicklungen/{development.pk}/bewertung/{soziales().pk}/"))
    assert page.locator('select[name="meeting"]').input_value() == str(meeting.pk)
    page.locator('input[name="verdict"][value="affected"]').check()
    page.locator('textarea[name="consequences"]').fill("Merkblatt für Leistungsberechtigte anpassen.")
    with page.expect_navigation():
        page.locator("form [type=submit]").filter(has_text=re.compile("Bewertung|assessment", re.I)).click()
    page.wait_for_url(re.compile(rf"{url}(#developments-panel)?$"))
    assessment = Assessment.objects.get(development=development, department=soziales())
    assert (assessment.verdict, assessment.meeting, assessment.assessed_by) == ("affected", meeting, coordinator)
    assert re.search(r"betroffen|affected", page.locator('[data-panel-assessment="soziales"]').inner_text(), re.I)

    # The measure, from the same panel: owned by the department, due in three weeks.
    form = page.locator(f'[data-measure-form="{development.pk}"]')
    form.locator('input[name="title"]').fill("Merkblatt zur digitalen Antragstellung anpassen")
    form.locator('select[name="department"]').select_option(str(soziales().pk))
    form.locator('input[name="due_on"]').fill(due.isoformat())
    with page.expect_navigation():
        form.locator("[type=submit]").click()
    measure = ActionItem.objects.get(development=development)
    assert (measure.owner_department, measure.meeting, measure.due_on) == (soziales(), meeting, due)
    assert "Merkblatt zur digitalen Antragstellung anpassen" in page.locator("#developments-panel").inner_text()
    screenshot(page, "aktionsplan-meeting-developments")

    # The department's county staff: the measure waits on the start page, with the meeting it came from.
    staff = new_page()
    log_in(staff, county.username, factories.PASSWORD)
    item = staff.locator(f'[data-action-item="{measure.pk}"]')
    assert "Merkblatt zur digitalen Antragstellung anpassen" in item.inner_text()
    assert due.strftime("%d.%m.%Y") in item.inner_text()
    assert "Fachdienst Soziales" in item.inner_text()
    # Jugend has not assessed yet, but the county login is not in Jugend: nothing asks it to.
    assert staff.locator("#my-open-assessments").count() == 0
    screenshot(staff, "county-home-measure")
    staff.goto(f"/entwicklungen/{development.pk}/")
    assert "Merkblatt zur digitalen Antragstellung anpassen" in staff.locator("#measures").inner_text()

    # The next meeting's agenda, published through the confirmation page, lists the measure as open.
    next_url = f"/sitzungen/{following.pk}/"
    page.goto(next_url)
    page.locator(f'a[href="{next_url}veroeffentlichen/"]').click()
    page.wait_for_url(f"**{next_url}veroeffentlichen/")
    assert re.search(r"\b2\b", page.locator("main").inner_text())  # two invitees get the mail
    with page.expect_navigation():
        page.locator(f'form[action="{next_url}veroeffentlichen/"] [type=submit]').click()
    following.refresh_from_db()
    assert following.status == Meeting.Status.PUBLISHED
    open_items = page.locator('[data-section="action_items"]')
    assert "Merkblatt zur digitalen Antragstellung anpassen" in open_items.inner_text()
    developments = page.locator('[data-section="developments"]')
    assert development.title in developments.inner_text()  # Jugend's assessment is still open
    assert "Fachdienst Jugend" in developments.inner_text()
    screenshot(page, "aktionsplan-next-agenda")
