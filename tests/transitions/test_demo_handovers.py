import pytest
from django.core.management import call_command

from participants.models import Consent
from transitions.models import Handover


@pytest.mark.django_db
def test_demo_has_handovers_in_every_status_and_keeps_the_rules():
    call_command("seed_demo", verbosity=0)
    count = Handover.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Handover.objects.count() == count
    assert set(Handover.objects.values_list("status", flat=True)) == set(Handover.Status.values)
    assert sum(h.is_overdue for h in Handover.objects.all()) >= 3
    for handover in Handover.objects.filter(status__in=["accepted", "started", "no_show"]).select_related(
        "participant", "to_provider"
    ):
        if handover.to_provider_id != handover.participant.provider_id:
            assert Consent.objects.filter(
                participant=handover.participant, purpose="handover", recipient=handover.to_provider
            ).exists(), handover
    for handover in Handover.objects.filter(status="started"):
        assert handover.started_enrollment.course_id == handover.to_course_id
    for handover in Handover.objects.exclude(status="proposed"):
        assert handover.to_course_id and handover.steps.count() >= 2
