import pytest
from django.core.management import call_command

from participants.models import Consent
from transitions.models import Handover, HandoverStep


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


@pytest.mark.django_db
def test_demo_history_most_people_move_on_within_a_few_weeks():
    import datetime

    from django.utils import timezone

    from transitions.metrics import transition_metrics

    call_command("seed_demo", verbosity=0)
    today = timezone.localdate()
    district = transition_metrics(today=today, since=today - datetime.timedelta(days=365)).district
    counts = {bucket.key: bucket.count for bucket in district.buckets}
    assert district.endings >= 40
    # Most have a next course, most of those within four weeks; a minority has none so far.
    assert district.with_follow_up >= 0.6 * district.endings, counts
    assert counts["0-14"] + counts["15-28"] >= 0.4 * district.endings, counts
    assert 0 < counts["none"] <= 0.4 * district.endings, counts
    assert district.median_days is not None and district.median_days <= 28
    # Moves are handovers: started once the next course has begun (pointing at the enrolment), else accepted.
    started = Handover.objects.filter(status="started").select_related("to_course", "started_enrollment__course")
    assert started.count() >= 0.4 * district.endings
    for handover in started:
        assert handover.to_course.start_date <= today
        assert handover.started_enrollment.course == handover.to_course
        assert handover.steps.get(status="started").at.date() >= handover.to_course.start_date
    for handover in Handover.objects.filter(status="no_show").select_related("to_course"):
        assert handover.to_course.start_date <= today
    for handover in Handover.objects.prefetch_related("steps"):
        dates = [step.at for step in handover.steps.all()]
        assert dates == sorted(dates) and dates[-1].date() <= today, handover
        # The last status change is the status (a revoked consent is recorded as an event, not a status).
        changes = [step.status for step in handover.steps.all() if step.status != HandoverStep.CONSENT_REVOKED]
        assert changes[-1] == handover.status, handover
    # Some, not all, open handovers are overdue.
    open_handovers = list(Handover.objects.filter(status__in=Handover.OPEN_STATUSES))
    assert 3 <= sum(h.is_overdue for h in open_handovers) < len(open_handovers)
