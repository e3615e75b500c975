import datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def reserve_places_of_accepted_handovers(apps, schema_editor):
    """Handovers accepted before places were held get their reservation: held until RESERVATION_DAYS_AFTER_START
    days after the course's start, or already turned into the enrolment where the receiver enrolled the person."""
    Handover = apps.get_model("transitions", "Handover")
    Enrollment = apps.get_model("participants", "Enrollment")
    PlaceReservation = apps.get_model("courses", "PlaceReservation")
    days = getattr(settings, "RESERVATION_DAYS_AFTER_START", 7)
    now = timezone.now()
    accepted = Handover.objects.filter(status="accepted", to_course__isnull=False, reservation__isnull=True)
    for handover in accepted.select_related("to_course"):
        course = handover.to_course
        enrolled = Enrollment.objects.filter(
            participant_id=handover.participant_id, course=course, status="enrolled"
        ).exists()
        handover.reservation = PlaceReservation.objects.create(
            course=course,
            held_until=course.start_date + datetime.timedelta(days=days),
            released_at=now if enrolled else None,
            release_reason="enrolled" if enrolled else "",
        )
        handover.save(update_fields=["reservation"])


class Migration(migrations.Migration):
    dependencies = [
        ("transitions", "0004_reservations_and_consent_events"),
        ("participants", "0002_target_groups"),
        ("courses", "0005_target_groups"),
    ]

    operations = [migrations.RunPython(reserve_places_of_accepted_handovers, migrations.RunPython.noop)]
