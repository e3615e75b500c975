"""The coordinator records attendance, adds an action item for a provider, finalises the minutes and downloads the
minutes PDF; the provider sees the action item on its home page and marks it done.

Buttons are found by their form's action URL (the stable German URLs), labels by German-or-English patterns:
the flow must not break when an interface string gets its translation.
"""

import datetime
import io
import re

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from meetings import services, tasks
from meetings.models import ActionItem, Attendance, Body, Meeting, MeetingSeries, MinutesEntry

from .. import factories
from .conftest import ARTIFACTS, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Typed into the browser as the action item's title: must come back as text, never as markup.
HOSTILE_TITLE = "<script>alert(1)</script>Plätze melden"


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings, tmp_path):
    """Celery tasks enqueued after commit run at once in the live server's thread (no worker, nothing left in
    the checkout's broker); their PDFs go to a temporary MEDIA_ROOT."""
    from diepholz_coord.celery import app

    settings.MEDIA_ROOT = str(tmp_path / "media")
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _published_meeting(world) -> Meeting:
    """A provider round that began yesterday at 10:00 with its agenda published: standing items, a snapshot of
    the live district and the agenda PDF (rendered at once, see above)."""
    series = MeetingSeries.objects.create(
        body=Body.PROVIDER_ROUND,
        name="Trägerübergreifendes Abstimmungsgespräch",
        first_month=datetime.date(2026, 1, 1),
        start_time=datetime.time(10),
        location="Kreishaus Diepholz, Raum 101",
        default_sections="Berichte aus den Trägern\nVerschiedenes",
    )
    series.invited_providers.add(world.provider_a, world.provider_b)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    starts = timezone.make_aware(datetime.datetime.combine(yesterday, series.start_time))
    meeting = Meeting.objects.create(
        series=series,
        occurrence=yesterday,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        location=series.location,
        agenda_due_on=yesterday - datetime.timedelta(days=7),
    )
    # The real publishing step: ensure_standing_items, build_snapshot, status "published", agenda PDF.
    assert services.agenda_publish(meeting=meeting)
    meeting.refresh_from_db()
    assert (meeting.status, meeting.agenda_pdf_state) == (Meeting.Status.PUBLISHED, Meeting.FileState.READY)
    return meeting


def _submit(page, action: str):
    """Click the submit button of the form posting to `action` and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(f'form[action="{action}"] [type=submit]').click()


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _squeezed(text: str) -> str:
    """Table cells wrap in the PDF; compare without whitespace."""
    return re.sub(r"\s+", "", text)


def test_coordinator_finalises_minutes_and_provider_closes_action_item(world, new_page):
    meeting = _published_meeting(world)
    url = f"/sitzungen/{meeting.pk}/"
    due = timezone.localdate() + datetime.timedelta(days=14)
    dialogs = []

    page = new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, world.users.coordinator.username, factories.PASSWORD)
    # The meeting was yesterday: the coordinator finds it among the past meetings.
    page.goto("/sitzungen/")
    past = page.locator("#id_past")
    past.check()
    with page.expect_navigation():
        page.locator("form", has=past).locator("[type=submit]").click()
    page.locator(f'a[href="{url}"]').first.click()
    page.wait_for_url(f"**{url}")
    assert page.locator("#agenda section").count() >= 3
    assert "Berichte aus den Trägern" in page.locator("#agenda").inner_text()

    # Attendance: provider A present, B excused.
    page.locator(f'select[name="provider-{world.provider_a.pk}"]').select_option("present")
    page.locator(f'select[name="provider-{world.provider_b.pk}"]').select_option("excused")
    _submit(page, f"{url}anwesenheit/")
    assert dict(Attendance.objects.filter(meeting=meeting).values_list("provider__name", "status")) == {
        "Träger A": "present",
        "Träger B": "excused",
    }
    assert page.locator(f'select[name="provider-{world.provider_a.pk}"]').input_value() == "present"

    # Notes on one standing item.
    reports = meeting.items.get(title="Berichte aus den Trägern")
    page.locator(f"#item-{reports.pk} textarea").first.fill("Träger A startet im März einen Alphakurs.")
    _submit(page, f"{url}punkte/{reports.pk}/protokoll/")

    # An action item for provider A, typed with markup in its title.
    form = page.locator("#action-form")
    form.locator('input[name="title"]').fill(HOSTILE_TITLE)
    form.locator('select[name="owner_provider"]').select_option(str(world.provider_a.pk))
    form.locator('input[name="due_on"]').fill(due.isoformat())
    form.locator('select[name="item"]').select_option(str(reports.pk))
    _submit(page, f"{url}aufgaben/neu/")
    action = ActionItem.objects.get(meeting=meeting)
    assert (action.title, action.owner_provider, action.due_on, action.item) == (
        HOSTILE_TITLE,
        world.provider_a,
        due,
        reports,
    )
    listed = page.locator(f'[data-action-item="{action.pk}"]')
    assert HOSTILE_TITLE in listed.inner_text()
    assert "Träger A" in listed.inner_text()
    assert due.strftime("%d.%m.%Y") in listed.inner_text()

    # Notes are also saved as they are typed (htmx), so nothing typed is lost by finalising.
    other = meeting.items.exclude(pk=reports.pk).filter(kind="default").first()
    page.locator(f"#item-{other.pk} textarea").last.fill("Beschlossen: Sammelmeldung bis Freitag.")
    page.locator(f"#item-{other.pk} .save-state").filter(has_text=re.compile("Gespeichert|Saved")).wait_for()
    assert MinutesEntry.objects.get(item=other).decisions == "Beschlossen: Sammelmeldung bis Freitag."

    # Finalise: the PDF is rendered (eagerly) and the link to it appears in the files box.
    finalise = page.locator(f'form[action="{url}abschliessen/"] [type=submit]')
    assert re.search(r"abschließen|finalise", finalise.inner_text(), re.IGNORECASE)
    page.locator(f'form[action="{url}abschliessen/"] input[name="confirm"]').check()
    _submit(page, f"{url}abschliessen/")
    link = page.locator('#files a[data-file="minutes"]')
    link.wait_for()
    assert page.locator('#files a[data-file="agenda"]').is_visible()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.FINAL
    assert meeting.minutes_pdf_state == Meeting.FileState.READY
    # Final minutes are locked: no more edit forms, the status badge says so.
    assert page.locator("#action-form").count() == 0
    assert page.locator(f'form[action="{url}anwesenheit/"]').count() == 0
    assert page.locator(f'form[action="{url}abschliessen/"]').count() == 0
    assert page.locator('[data-status="final"]').is_visible()
    assert HOSTILE_TITLE in page.locator(f'[data-action-item="{action.pk}"]').inner_text()
    screenshot(page, "meeting-minutes-final")

    # The link opens the PDF inline (Chromium's viewer, no download event): fetch it with the page's session.
    assert link.get_attribute("href") == f"{url}protokoll.pdf"
    response = page.context.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline; filename=")
    text = _pdf_text(response.body())
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "meeting-minutes.pdf").write_bytes(response.body())
    flat = _squeezed(text)
    assert _squeezed(HOSTILE_TITLE) in flat
    assert "<script>" in text
    assert "TrägerA" in flat
    assert _squeezed("Träger A startet im März einen Alphakurs.") in flat
    assert due.strftime("%d.%m.%Y") in text
    # The invitees got the minutes by e-mail (blind copies: providers do not see each other's addresses).
    minutes_mails = [m for m in mail.outbox if m.attachments and m.attachments[0][0].startswith("Protokoll-")]
    assert len(minutes_mails) == 1
    assert {world.provider_a.email, world.provider_b.email} <= set(minutes_mails[0].bcc)
    assert minutes_mails[0].attachments[0][1] == response.body()

    # Provider A's staff sees the item on the home page and marks it done.
    provider = new_page()
    provider.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(provider, world.users.a_staff.username, factories.PASSWORD)
    item = provider.locator(f'[data-action-item="{action.pk}"]')
    assert HOSTILE_TITLE in item.inner_text()
    assert due.strftime("%d.%m.%Y") in item.inner_text()
    assert item.get_by_role("link").get_attribute("href") == url
    screenshot(provider, "provider-home-action-item")
    done = item.locator("[type=submit]")
    assert re.search(r"erledigt|done", done.inner_text(), re.IGNORECASE)
    with provider.expect_navigation():
        done.click()
    assert provider.locator(f'[data-action-item="{action.pk}"]').count() == 0
    action.refresh_from_db()
    assert (action.status, action.done_by) == (ActionItem.Status.DONE, world.users.a_staff)

    # The coordinator's meeting page shows it done; no script ever ran.
    page.reload()
    assert page.locator(f'[data-action-item="{action.pk}"] s').inner_text() == HOSTILE_TITLE
    assert dialogs == []


def test_files_box_shows_the_minutes_pdf_once_the_worker_is_done(world, new_page):
    """A finalised meeting whose PDF is still pending (the worker has not run yet): the page polls and shows the
    link without a reload once the task has run."""
    meeting = _published_meeting(world)
    Attendance.objects.create(meeting=meeting, provider=world.provider_a, status=Attendance.Status.PRESENT)
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        status=Meeting.Status.FINAL,
        minutes_finalised_at=now,
        minutes_finalised_by=world.users.coordinator,
        minutes_pdf_state=Meeting.FileState.PENDING,
        minutes_pdf_requested_at=now,
    )

    page = new_page()
    log_in(page, world.users.coordinator.username, factories.PASSWORD)
    page.goto(f"/sitzungen/{meeting.pk}/")
    assert page.locator("#files [role=status]").count() == 1
    assert page.locator('#files a[data-file="minutes"]').count() == 0
    page.evaluate("window.__noReload = true")

    tasks.render_minutes_pdf.delay(meeting.pk)  # the worker's turn (eager: runs here and now)

    page.locator('#files a[data-file="minutes"]').wait_for()
    assert page.evaluate("window.__noReload") is True
    assert page.locator("#files [role=status]").count() == 0
    response = page.context.request.get(f"/sitzungen/{meeting.pk}/protokoll.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert "Träger A" in _pdf_text(response.body())
