"""Access matrix entries for meetings (format of MATRIX in test_access_matrix.py).

Roles: anonymous, coordinator, county, a_admin, a_staff, b_admin. The meeting's series invites provider A only:
provider B's admin is not invited and gets 404. County staff read and print everything but change nothing.
"""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

LOGIN = "login"


def meeting_a(world, *, final: bool = False):
    from meetings.models import ActionItem, AgendaItem, Body, Meeting, MeetingSeries

    series, _ = MeetingSeries.objects.get_or_create(
        name="Trägerrunde (Test)",
        defaults={
            "body": Body.PROVIDER_ROUND,
            "first_month": datetime.date(2026, 1, 1),
            "start_time": datetime.time(10),
            "location": "Kreishaus",
        },
    )
    series.invited_providers.add(world.provider_a)
    # Yesterday at 10:00 local time: past whatever the hour (at 22:30 "now minus a day" would end after midnight,
    # and the edit form's end time would lie before its start).
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    starts = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(10)))
    meeting = Meeting.objects.create(
        series=series,
        occurrence=starts.date() - datetime.timedelta(days=Meeting.objects.count()),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        location="Kreishaus",
        status=Meeting.Status.FINAL if final else Meeting.Status.PUBLISHED,
        agenda_due_on=starts.date() - datetime.timedelta(days=7),
        agenda_snapshot={"sections": {}},
    )
    meeting.agenda_pdf.save("t.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    meeting.minutes_pdf.save("p.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    meeting.save()
    item = AgendaItem.objects.create(
        meeting=meeting, title="Berichte", kind=AgendaItem.Kind.DEFAULT, section="default-1"
    )
    meeting.test_item = item
    meeting.test_action = ActionItem.objects.create(
        meeting=meeting, title="Plätze melden", owner_provider=world.provider_a
    )
    return meeting


def _token(world):
    from meetings.services import calendar_token_create

    return calendar_token_create(user=world.users.a_staff)


def _item(world):
    meeting = meeting_a(world)
    return [meeting.pk, meeting.test_item.pk]


# Resolved in this order: not invited → 404; invited (or county staff) without the right → 403.
COORDINATOR_ONLY_POST = [LOGIN, 302, 403, 403, 403, 404]
INVITED = [LOGIN, 200, 200, 200, 200, 404]

MATRIX = {
    "meetings:meeting_list": ("get", lambda w: [], [LOGIN, 200, 200, 200, 200, 200]),
    "meetings:meeting_detail": ("get", lambda w: [meeting_a(w).pk], INVITED),
    "meetings:agenda_print": ("get", lambda w: [meeting_a(w).pk], INVITED),
    "meetings:agenda_pdf": ("get", lambda w: [meeting_a(w).pk], INVITED),
    "meetings:minutes_pdf": ("get", lambda w: [meeting_a(w, final=True).pk], INVITED),
    "meetings:meeting_files": ("get", lambda w: [meeting_a(w).pk], INVITED),
    "meetings:meeting_publish": ("post", lambda w: [meeting_a(w).pk], COORDINATOR_ONLY_POST),
    "meetings:agenda_regenerate": ("post", lambda w: [meeting_a(w).pk], COORDINATOR_ONLY_POST),
    # County staff read and print but propose nothing; provider B is not invited.
    "meetings:item_propose": ("post", lambda w: [meeting_a(w).pk], [LOGIN, 302, 403, 302, 302, 404]),
    "meetings:item_delete": ("post", _item, COORDINATOR_ONLY_POST),
    "meetings:minutes_save": ("post", _item, COORDINATOR_ONLY_POST),
    "meetings:item_update": ("post", _item, COORDINATOR_ONLY_POST),
    "meetings:attendance_save": ("post", lambda w: [meeting_a(w).pk], COORDINATOR_ONLY_POST),
    "meetings:action_item_create": ("post", lambda w: [meeting_a(w).pk], COORDINATOR_ONLY_POST),
    "meetings:minutes_finalise": ("post", lambda w: [meeting_a(w).pk], COORDINATOR_ONLY_POST),
    # Provider A's action item: its staff and the coordinator mark it done; everyone else does not see it.
    "meetings:action_item_done": ("post", lambda w: [meeting_a(w).test_action.pk], [LOGIN, 302, 404, 302, 302, 404]),
    "meetings:meeting_edit": ("get", lambda w: [meeting_a(w).pk], [LOGIN, 200, 403, 403, 403, 404]),
    "meetings:series_create": ("get", lambda w: [], [LOGIN, 200, 403, 403, 403, 403]),
    "meetings:series_update": ("get", lambda w: [meeting_a(w).series_id], [LOGIN, 200, 403, 403, 403, 403]),
    "meetings:calendar": ("get", lambda w: [], [LOGIN, 200, 200, 200, 200, 200]),
    "meetings:calendar_reset": ("post", lambda w: [], [LOGIN, 200, 200, 200, 200, 200]),
    # The secret token is the credential (calendar programs cannot log in).
    "meetings:ical_feed": ("get", lambda w: [_token(w)], [200, 200, 200, 200, 200, 200]),
}

# Empty submissions: refused with a message, nothing stored.
POST_MATRIX = {
    "meetings:item_propose": [LOGIN, 302, 403, 302, 302, 404],
    "meetings:minutes_save": COORDINATOR_ONLY_POST,
    "meetings:attendance_save": COORDINATOR_ONLY_POST,
    "meetings:action_item_create": COORDINATOR_ONLY_POST,
    "meetings:meeting_edit": [LOGIN, 400, 403, 403, 403, 404],
    "meetings:series_create": [LOGIN, 400, 403, 403, 403, 403],
    "meetings:series_update": [LOGIN, 400, 403, 403, 403, 403],
}
