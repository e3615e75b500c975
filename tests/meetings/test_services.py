"""Publishing, the sweep, invitations exactly once, action items on the provider home page, the iCal feed."""

import datetime
import re

import icalendar
import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diepholz_coord.celery import app as celery_app
from meetings import services
from meetings.models import ActionItem, Attendance, CalendarToken, Meeting
from tests import factories
from tests.meetings.factories import MeetingSeriesFactory
from tests.meetings.test_agenda import make_meeting


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def series(world):
    world.provider_a.email = "kurse@traeger-a.example"
    world.provider_a.save()
    world.users.county.email = "kreis@example.org"
    world.users.county.save()
    series = MeetingSeriesFactory(name="Trägerrunde Sprachkurse")
    series.invited_providers.set([world.provider_a])
    series.invited_users.set([world.users.county])
    return series


@pytest.mark.django_db
def test_publish_due_publishes_renders_and_invites_once(world, series, eager, django_capture_on_commit_callbacks):
    meeting = make_meeting(series, days_ahead=3)  # agenda due 4 days ago
    later = make_meeting(series, days_ahead=40)  # not due yet
    with django_capture_on_commit_callbacks(execute=True):
        assert services.agenda_publish_due() == 1
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PUBLISHED
    assert meeting.agenda_pdf_state == Meeting.FileState.READY and meeting.agenda_pdf
    assert Meeting.objects.get(pk=later.pk).status == Meeting.Status.PLANNED
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.bcc) == ["kreis@example.org", "kurse@traeger-a.example"]
    assert message.subject.startswith("Tagesordnung: Trägerrunde Sprachkurse am ")
    assert message.attachments[0][0].startswith("Tagesordnung-") and message.attachments[0][2] == "application/pdf"
    # Running everything again changes nothing and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.agenda_publish_due() == 0
        services.background_sweep(now=timezone.now() + datetime.timedelta(hours=1))
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_sweep_requeues_only_pdfs_pending_longer_than_the_grace(
    world, series, eager, django_capture_on_commit_callbacks
):
    meeting = make_meeting(series, days_ahead=20)
    Meeting.objects.filter(pk=meeting.pk).update(
        status=Meeting.Status.PUBLISHED, agenda_pdf_state="pending", agenda_pdf_requested_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.background_sweep()["requeued"] == 0
    assert Meeting.objects.get(pk=meeting.pk).agenda_pdf_state == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        result = services.background_sweep(now=timezone.now() + services.PENDING_GRACE + datetime.timedelta(minutes=1))
    assert result["requeued"] == 1
    meeting.refresh_from_db()
    assert meeting.agenda_pdf_state == "ready" and meeting.invitations_sent_at is not None
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_regenerate_shows_progress_then_the_new_file(world, series, client, eager, django_capture_on_commit_callbacks):
    meeting = make_meeting(series, days_ahead=3)
    services.agenda_publish(meeting=meeting)  # on_commit not run: the PDF stays pending
    client.force_login(world.users.coordinator)
    files = client.get(reverse("meetings:meeting_files", args=[meeting.pk])).content.decode()
    assert "wird erstellt" in files and 'hx-trigger="load delay:2s"' in files
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:agenda_regenerate", args=[meeting.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    files = client.get(reverse("meetings:meeting_files", args=[meeting.pk])).content.decode()
    assert 'data-file="agenda"' in files and "hx-trigger" not in files
    pdf = client.get(reverse("meetings:agenda_pdf", args=[meeting.pk]))
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # The download is in the audit trail, as the coordinator reads it.
    [download] = LogEntry.objects.filter(additional_data__what="agenda_pdf")
    assert download.actor == world.users.coordinator and download.object_pk == str(meeting.pk)
    trail = client.get(reverse("audit_log"), {"kind": "access"}).content.decode()
    assert f'data-entry="{download.pk}"' in trail and "Tagesordnung (PDF)" in trail


@pytest.mark.django_db
def test_provider_sees_and_closes_own_action_items_only(world, series, client):
    meeting = make_meeting(series, days_ahead=-2, status=Meeting.Status.FINAL)
    own = ActionItem.objects.create(meeting=meeting, title="Eigene Aufgabe A", owner_provider=world.provider_a)
    other = ActionItem.objects.create(meeting=meeting, title="Aufgabe von B", owner_provider=world.provider_b)
    client.force_login(world.users.a_staff)
    home = client.get(reverse("home")).content.decode()
    assert "Eigene Aufgabe A" in home and "Aufgabe von B" not in home
    assert client.post(reverse("meetings:action_item_done", args=[other.pk])).status_code == 404
    response = client.post(reverse("meetings:action_item_done", args=[own.pk]), {"next": "home"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == ActionItem.Status.DONE and own.done_by == world.users.a_staff
    assert "Eigene Aufgabe A" not in client.get(reverse("home")).content.decode()
    assert ActionItem.objects.get(pk=other.pk).status == ActionItem.Status.OPEN


@pytest.mark.django_db
def test_open_action_items_carry_over_until_done(world, series):
    from meetings import agenda

    first = make_meeting(series, days_ahead=-60, status=Meeting.Status.FINAL)
    item = ActionItem.objects.create(meeting=first, title="Raum klären", owner_provider=world.provider_a)
    second = make_meeting(series, days_ahead=-30)
    third = make_meeting(series, days_ahead=5)
    for meeting in (second, third):
        rows = agenda.build_snapshot(meeting)["sections"]["action_items"]["rows"]
        assert [r["title"] for r in rows] == ["Raum klären"]
    item.status = ActionItem.Status.DONE
    item.save()
    assert agenda.build_snapshot(third)["sections"]["action_items"]["rows"] == []


@pytest.mark.django_db
def test_ical_feed_lists_only_the_users_meetings(world, series, client):
    visible = make_meeting(series, days_ahead=10)
    other_series = MeetingSeriesFactory(name="Aktionsplan intern")
    hidden = make_meeting(other_series, days_ahead=12)
    token = services.calendar_token_create(user=world.users.a_staff)
    assert not CalendarToken.objects.filter(token_hash__contains=token).exists()  # only its hash is stored
    response = client.get(reverse("meetings:ical_feed", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == ["Trägerrunde Sprachkurse"]
    assert events[0].decoded("DTSTART") == visible.starts_at
    assert str(events[0]["UID"]) == f"meeting-{visible.pk}@diepholz-kurse"
    assert f"/sitzungen/{hidden.pk}/" not in response.content.decode()
    # B's admin is not invited: an empty calendar. A wrong or replaced token: 404.
    token_b = services.calendar_token_create(user=world.users.b_admin)
    assert not Calendar_events(client, token_b)
    assert client.get(reverse("meetings:ical_feed", args=["falsch"])).status_code == 404
    client.force_login(world.users.a_staff)
    response = client.post(reverse("meetings:calendar_reset"))
    client.logout()
    assert client.get(reverse("meetings:ical_feed", args=[token])).status_code == 404
    # The new address is in the answer to the button, and works.
    new = re.search(r'value="[^"]*/sitzungen/ical/([^"/]+)\.ics"', response.content.decode()).group(1)
    assert new != token and Calendar_events(client, new)


def Calendar_events(client, token):  # noqa: N802 - reads like a noun in the assertion
    response = client.get(reverse("meetings:ical_feed", args=[token]))
    assert response.status_code == 200
    return list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))


@pytest.mark.django_db
def test_bad_input_gets_a_german_message_and_saves_nothing(world, series, client):
    meeting = make_meeting(series, days_ahead=-1)
    client.force_login(world.users.coordinator)
    url = reverse("meetings:action_item_create", args=[meeting.pk])
    response = client.post(
        url, {"title": "x" * 301, "owner_provider": world.provider_a.pk, "due_on": "31.02.2026"}, follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "höchstens 300 Zeichen" in body and "gültiges Datum" in body
    assert not ActionItem.objects.exists()
    response = client.post(
        reverse("meetings:attendance_save", args=[meeting.pk]),
        {f"provider-{world.provider_a.pk}": "vielleicht"},
        follow=True,
    )
    assert "Unbekannte Angabe zur Anwesenheit." in response.content.decode()
    assert not meeting.attendance.exists()


@pytest.mark.django_db
def test_meeting_pages_query_counts_do_not_grow(world, series, client):
    from meetings import agenda, pdf

    client.force_login(world.users.coordinator)
    token = services.calendar_token_create(user=world.users.coordinator)

    def count(meeting):
        counts = []
        for url in (
            reverse("meetings:meeting_detail", args=[meeting.pk]),
            reverse("meetings:meeting_list"),
            reverse("meetings:agenda_print", args=[meeting.pk]),
            reverse("meetings:meeting_files", args=[meeting.pk]),
            reverse("meetings:ical_feed", args=[token]),
        ):
            with CaptureQueriesContext(connection) as context:
                assert client.get(url).status_code == 200
            counts.append(len(context))
        # The HTML the agenda and minutes PDFs are made from (WeasyPrint itself reads no data).
        for build in (pdf.agenda_html, pdf.minutes_html):
            with CaptureQueriesContext(connection) as context:
                build(Meeting.objects.select_related("series").get(pk=meeting.pk))
            counts.append(len(context))
        return counts

    small = make_meeting(series, days_ahead=2)
    services.agenda_publish(meeting=small)
    small_counts = count(small)
    for i in range(8):
        provider = factories.ProviderFactory(name=f"Träger {i}")
        series.invited_providers.add(provider)
        services.item_propose(meeting=small, actor=world.users.coordinator, title=f"Punkt {i}")
        ActionItem.objects.create(meeting=small, title=f"Aufgabe {i}", owner_provider=provider)
        make_meeting(series, days_ahead=10 + i)
    agenda.ensure_standing_items(small)
    services.attendance_save(
        meeting=small, actor=world.users.coordinator, statuses={("provider", world.provider_a.pk): "present"}
    )
    assert count(small) == small_counts


@pytest.mark.django_db
def test_coordinator_creates_a_series_in_the_browser_and_its_meetings_are_planned(world, client):
    client.force_login(world.users.coordinator)
    data = {
        "name": "Aktionsbündnis Integration",
        "body": "alliance",
        "week_of_month": "2",
        "weekday": "2",
        "interval_months": "3",
        "first_month": "2026-01-01",
        "start_time": "14:00",
        "duration_minutes": "150",
        "location": "Kreishaus Diepholz",
        "agenda_lead_days": "14",
        "default_sections": "Arbeitsabläufe und Zuständigkeiten\nVerschiedenes",
        "invited_providers": [world.provider_a.pk],
        "invited_users": [world.users.county.pk],
        "active": "on",
    }
    bad = client.post(reverse("meetings:series_create"), {**data, "weekday": "6", "interval_months": "0"})
    assert bad.status_code == 400 and "Es wurde nichts gespeichert" in bad.content.decode()
    response = client.post(reverse("meetings:series_create"), data, follow=True)
    assert response.status_code == 200
    meetings = list(Meeting.objects.filter(series__name="Aktionsbündnis Integration"))
    assert 1 <= len(meetings) <= 2  # every three months, within the next three months
    assert all(timezone.localtime(m.starts_at).weekday() == 2 for m in meetings)
    assert (
        "Sitzungen wurden geplant" in response.content.decode() or "Sitzung wurde geplant" in response.content.decode()
    )


@pytest.mark.django_db
def test_move_and_cancel_a_meeting(world, series, client):
    meeting = make_meeting(series, days_ahead=20)
    client.force_login(world.users.coordinator)
    url = reverse("meetings:meeting_edit", args=[meeting.pk])
    new_day = (timezone.localdate() + datetime.timedelta(days=27)).isoformat()
    past_day = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    form = {
        "day": past_day,
        "start": "09:00",
        "end": "11:00",
        "location": "Rathaus Syke",
        "moved_reason": "Raum belegt",
    }
    response = client.post(url, form)
    assert response.status_code == 400 and "Vergangenheit" in response.content.decode()
    response = client.post(url, {**form, "day": new_day, "end": "08:00"})
    assert response.status_code == 400
    assert client.post(url, {**form, "day": new_day}).status_code == 302
    meeting.refresh_from_db()
    assert timezone.localtime(meeting.starts_at).isoformat()[:16] == f"{new_day}T09:00"
    assert meeting.agenda_due_on == datetime.date.fromisoformat(new_day) - datetime.timedelta(days=7)
    assert meeting.location == "Rathaus Syke" and meeting.moved_reason == "Raum belegt"
    assert client.post(url, {**form, "day": new_day, "cancelled": "on"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    # A cancelled meeting is not published when its day comes, and the feed says it is cancelled.
    assert services.agenda_publish_due(today=meeting.agenda_due_on) == 0
    token = services.calendar_token_create(user=world.users.a_staff)
    assert b"STATUS:CANCELLED" in client.get(reverse("meetings:ical_feed", args=[token])).content


# --- Review findings: background work that must not mail wrongly, lose agendas or stop -------------------


@pytest.mark.django_db
def test_a_cancelled_meeting_sends_no_invitations(world, series, client, eager, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    meeting = make_meeting(series, days_ahead=3)
    services.agenda_publish(meeting=meeting)  # PDF pending, no mail yet
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    meeting.refresh_from_db()
    with pytest.raises(ValidationError):
        services.agenda_regenerate(meeting=meeting, actor=world.users.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_pdf_render(meeting_id=meeting.pk)
        services.background_sweep(now=timezone.now() + datetime.timedelta(hours=1))
    assert mail.outbox == []
    assert Meeting.objects.get(pk=meeting.pk).invitations_sent_at is None


@pytest.mark.django_db
def test_attendance_is_saved_all_or_nothing(world, series, monkeypatch):
    """Several records and the meeting's status are one transaction: when the database refuses the second record,
    the first is not kept and the meeting is not marked held. (The refusal is injected: valid input passes.)"""
    meeting = make_meeting(series, days_ahead=-1, status=Meeting.Status.PUBLISHED)
    statuses = {("provider", world.provider_a.pk): "present", ("user", world.users.county.pk): "excused"}
    real_write = Attendance.objects.update_or_create
    writes = []

    def second_write_refused(**kwargs):
        writes.append(kwargs)
        if len(writes) == 2:
            raise IntegrityError("refused by the database")
        return real_write(**kwargs)

    monkeypatch.setattr(Attendance.objects, "update_or_create", second_write_refused)
    with pytest.raises(IntegrityError):
        services.attendance_save(meeting=meeting, actor=world.users.coordinator, statuses=statuses)
    assert len(writes) == 2, "the first record was written before the second failed"
    assert not Attendance.objects.filter(meeting=meeting).exists()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PUBLISHED

    monkeypatch.undo()
    services.attendance_save(meeting=meeting, actor=world.users.coordinator, statuses=statuses)
    assert Attendance.objects.filter(meeting=meeting).count() == 2
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.HELD


@pytest.mark.django_db
def test_an_apology_before_the_meeting_does_not_stop_its_agenda(world, series):
    meeting = make_meeting(series, days_ahead=3)
    services.attendance_save(
        meeting=meeting, actor=world.users.coordinator, statuses={("provider", world.provider_a.pk): "excused"}
    )
    assert services.agenda_publish_due() == 1
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PUBLISHED


@pytest.mark.django_db
@pytest.mark.expected_error_log
def test_a_failing_pdf_is_given_up_after_three_attempts_and_the_sweep_goes_on(
    world, series, eager, django_capture_on_commit_callbacks, monkeypatch
):
    from meetings import pdf

    broken = make_meeting(series, days_ahead=3)
    fine = make_meeting(series, days_ahead=4)
    for meeting in (broken, fine):
        services.agenda_publish(meeting=meeting)
    real = pdf.agenda_pdf

    def agenda_pdf(meeting):
        if meeting.pk == broken.pk:
            raise ValueError("layout exploded")
        return real(meeting)

    monkeypatch.setattr(pdf, "agenda_pdf", agenda_pdf)
    for attempt in range(1, 4):
        if attempt < 3:
            with pytest.raises(ValueError):
                services.agenda_pdf_render(meeting_id=broken.pk)
        else:
            assert services.agenda_pdf_render(meeting_id=broken.pk) is False
    broken.refresh_from_db()
    assert broken.agenda_pdf_state == Meeting.FileState.FAILED and broken.agenda_pdf_attempts == 3
    # The fine meeting is rendered and mailed; the failed one is not retried for ever.
    later = timezone.now() + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.background_sweep(now=later)["requeued"] == 1
    assert Meeting.objects.get(pk=fine.pk).invitations_sent_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.background_sweep(now=later + datetime.timedelta(hours=1))["requeued"] == 0


@pytest.mark.django_db
def test_a_missing_pdf_file_is_rendered_again_and_other_meetings_are_still_mailed(
    world, series, eager, django_capture_on_commit_callbacks
):
    gone = make_meeting(series, days_ahead=3)
    other = make_meeting(series, days_ahead=4)
    with django_capture_on_commit_callbacks(execute=True):
        for meeting in (gone, other):
            services.agenda_publish(meeting=meeting)
    assert len(mail.outbox) == 2
    # Pretend the first mail never went out and the file was lost.
    gone.refresh_from_db()
    gone.agenda_pdf.storage.delete(gone.agenda_pdf.name)
    Meeting.objects.filter(pk=gone.pk).update(invitations_sent_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.background_sweep()
    gone.refresh_from_db()
    assert gone.agenda_pdf_state == Meeting.FileState.READY and gone.invitations_sent_at is not None
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_changing_the_rule_replans_untouched_meetings_and_inactive_series_publish_nothing(world, series, client):
    from meetings.planning import plan_series

    plan_series(series)
    moved = Meeting.objects.filter(series=series).order_by("starts_at").last()
    Meeting.objects.filter(pk=moved.pk).update(adjusted=True)
    client.force_login(world.users.coordinator)
    data = {
        "name": series.name, "body": series.body, "week_of_month": "2", "weekday": "2", "interval_months": "1",
        "first_month": "2026-01-01", "start_time": "10:00", "duration_minutes": "120", "location": series.location,
        "agenda_lead_days": "7", "default_sections": "", "invited_providers": [world.provider_a.pk], "active": "on",
    }  # fmt: skip
    assert client.post(reverse("meetings:series_update", args=[series.pk]), data).status_code == 302
    days = {
        timezone.localtime(m.starts_at).weekday() for m in Meeting.objects.filter(series=series).exclude(pk=moved.pk)
    }
    assert days == {2}  # all Wednesdays now, no Tuesday left over
    assert Meeting.objects.filter(pk=moved.pk).exists()  # changed by hand: kept
    data.pop("active")
    client.post(reverse("meetings:series_update", args=[series.pk]), data)
    assert services.agenda_publish_due(today=timezone.localdate() + datetime.timedelta(days=100)) == 0


@pytest.mark.django_db
def test_moving_a_published_meeting_tells_the_invitees_once(
    world, series, client, eager, django_capture_on_commit_callbacks
):
    meeting = make_meeting(series, days_ahead=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_publish(meeting=meeting)
    assert len(mail.outbox) == 1
    client.force_login(world.users.coordinator)
    new_day = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    form = {"day": new_day, "start": "14:00", "end": "16:00", "location": "Rathaus Syke", "moved_reason": ""}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("meetings:meeting_edit", args=[meeting.pk]), form).status_code == 302
    assert len(mail.outbox) == 2 and mail.outbox[1].subject.startswith("Verschoben: Trägerrunde Sprachkurse, jetzt am")
    assert "Rathaus Syke" in mail.outbox[1].body
    meeting.refresh_from_db()
    assert meeting.adjusted and not meeting.change_notice_pending
    assert meeting.agenda_pdf_state == Meeting.FileState.READY  # rendered again with the new date
    with django_capture_on_commit_callbacks(execute=True):
        services.background_sweep(now=timezone.now() + datetime.timedelta(hours=1))
    assert len(mail.outbox) == 2
    # Out-of-range dates are a form error, not a 500.
    bad = client.post(reverse("meetings:meeting_edit", args=[meeting.pk]), {**form, "day": "0001-01-01"})
    assert bad.status_code == 400 and "drei Jahre" in bad.content.decode()


@pytest.mark.django_db
def test_no_publishing_before_six_and_no_proposals_after_the_start(world, series):
    from django.core.exceptions import ValidationError

    meeting = make_meeting(series, days_ahead=3)
    night = timezone.localtime().replace(hour=0, minute=10)
    assert services.background_sweep(now=night)["published"] == 0
    assert services.background_sweep(now=night.replace(hour=6))["published"] == 1
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(minutes=5))
    meeting.refresh_from_db()
    with pytest.raises(ValidationError):
        services.item_propose(meeting=meeting, actor=world.users.a_staff, title="Zu spät")
    services.item_propose(meeting=meeting, actor=world.users.coordinator, title="Nachtrag der Koordination")


@pytest.mark.django_db
def test_an_action_item_owner_may_open_the_meeting_it_came_from(world, client):
    internal = MeetingSeriesFactory(name="Aktionsplan intern")  # provider B is not invited
    meeting = make_meeting(internal, days_ahead=-3, status=Meeting.Status.FINAL)
    ActionItem.objects.create(meeting=meeting, title="Zahlen liefern", owner_provider=world.provider_b)
    client.force_login(world.users.b_admin)
    assert client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).status_code == 200
    client.force_login(world.users.a_staff)
    assert client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).status_code == 404


@pytest.mark.django_db
def test_draft_minutes_stay_with_the_coordination_until_final(world, series, client):
    meeting = make_meeting(series, days_ahead=-1, status=Meeting.Status.PUBLISHED)
    item = meeting.items.create(title="Berichte", kind="default", section="default-1")
    services.minutes_save(item=item, actor=world.users.coordinator, notes="Entwurf: noch abstimmen", decisions="")
    url = reverse("meetings:meeting_detail", args=[meeting.pk])
    client.force_login(world.users.a_staff)
    assert "Entwurf: noch abstimmen" not in client.get(url).content.decode()
    client.force_login(world.users.coordinator)
    assert "Entwurf: noch abstimmen" in client.get(url).content.decode()
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.FINAL)
    client.force_login(world.users.a_staff)
    assert "Entwurf: noch abstimmen" in client.get(url).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("hour", "published"), [(5, 0), (6, 1), (23, 1)])
def test_the_sweep_publishes_due_agendas_only_from_the_publishing_hour(world, series, eager, hour, published):
    """Nobody gets an agenda at night: before AGENDA_PUBLISH_HOUR the sweep leaves due agendas for later."""
    meeting = make_meeting(series, days_ahead=5)
    Meeting.objects.filter(pk=meeting.pk).update(agenda_due_on=timezone.localdate())
    now = timezone.localtime().replace(hour=hour, minute=15, second=0, microsecond=0)
    assert services.background_sweep(now=now)["published"] == published


@pytest.mark.django_db
def test_two_overlapping_autosaves_of_the_same_item_do_not_fail(world, series, monkeypatch):
    """The page saves notes as they are typed: a second save that finds the first one's new entry only when it
    tries to create its own (the database's unique rule) saves into that entry instead of failing."""
    from django.db import IntegrityError

    from meetings.models import MinutesEntry

    meeting = make_meeting(series, days_ahead=-1, status=Meeting.Status.PUBLISHED)
    item = meeting.items.create(title="Berichte", kind="default", section="default-1")
    real = type(MinutesEntry.objects).update_or_create
    calls = []

    def racing(manager, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the other save commits its entry first
            MinutesEntry.objects.create(item=item, notes="erste Fassung", updated_by=world.users.coordinator)
            raise IntegrityError("UNIQUE constraint failed: meetings_minutesentry.item_id")
        return real(manager, *args, **kwargs)

    monkeypatch.setattr(type(MinutesEntry.objects), "update_or_create", racing)
    entry = services.minutes_save(item=item, actor=world.users.coordinator, notes="zweite Fassung", decisions="")
    assert len(calls) == 2
    assert MinutesEntry.objects.get(item=item).notes == "zweite Fassung" == entry.notes
