"""The transition figures under the one small-number rule: the three breakdowns and the district's buckets are
one linked table (checked with the independent oracle of tests/test_small_numbers.py)."""

import pytest
from django.urls import reverse

from diepholz_coord.small_numbers import Reason
from transitions.metrics import transition_metrics

from ..test_small_numbers import assert_safe_and_minimal
from .test_metrics import TODAY, fixture  # noqa: F401 (the fixture)


class Stacked:
    """The figures the overview shows, in the oracle's shape."""

    def __init__(self, metrics):
        self.groups = [*metrics.by_provider, *metrics.by_municipality, *metrics.by_course_type]
        self.blocks = [len(metrics.by_provider), len(metrics.by_municipality), len(metrics.by_course_type)]
        self.matrix = [[b.count for b in group.buckets] for group in self.groups]
        self.cells = [[b.shown for b in group.buckets] for group in self.groups]
        self.row_totals = [group.shown_endings for group in self.groups]
        self.column_totals = [b.shown for b in metrics.district.buckets]
        self.total = metrics.district.shown_endings


def test_no_hidden_transition_figure_can_be_worked_out(fixture):  # noqa: F811
    metrics = transition_metrics(today=TODAY, suppress_small=True)
    shown = Stacked(metrics)
    assert [b.count for b in metrics.district.buckets] == [2, 1, 1, 1, 1, 4]
    assert_safe_and_minimal(shown.matrix, shown, blocks=shown.blocks)
    hidden = [bar for bar in metrics.chart.bars if bar.shown.hidden]
    assert hidden and all(bar.width == 2 for bar in hidden)  # a bar's length would tell the number
    for group in [metrics.district, *shown.groups]:
        parts = (group.within, group.decided - group.within)
        if any(0 < n < 3 for n in parts):
            assert group.shown_share is None
    assert metrics.district.shown_within.reason == Reason.PRIMARY or metrics.district.within >= 3


def test_the_coordinator_sees_every_transition_figure(fixture):  # noqa: F811
    metrics = transition_metrics(today=TODAY)
    shown = Stacked(metrics)
    assert not any(f.hidden for row in shown.cells for f in row)
    assert str(metrics.district.shown_endings) == str(metrics.district.endings) == "10"
    assert metrics.district.shown_share == metrics.district.within_percent


@pytest.mark.django_db
def test_county_staff_see_the_endings_total_when_that_is_safe(world, login):
    """Four endings in one course, one of them followed within 10 days: the 1 and the 3 without follow-up are
    hidden with each other, the four endings show."""
    import datetime

    from django.utils import timezone

    from participants.models import Enrollment
    from tests import factories

    today = timezone.localdate()
    done = factories.CourseFactory(
        provider=world.provider_a,
        start_date=today - datetime.timedelta(days=200),
        end_date=today - datetime.timedelta(days=40),
        status="finished",
    )
    people = [factories.ParticipantFactory(provider=world.provider_a) for _ in range(4)]
    for person in people:
        Enrollment.objects.create(participant=person, course=done, status="completed")
    later = factories.CourseFactory(
        provider=world.provider_a,
        start_date=done.end_date + datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=100),
        status="running",
    )
    Enrollment.objects.create(participant=people[0], course=later, status="enrolled", enrolled_on=later.start_date)
    html = login(world.users.county).get(reverse("courses:district_overview")).content.decode()
    section = html[html.index('id="transitions-heading"') :]
    cards = section[: section.index("<figure")]
    assert '<div class="fs-3 fw-bold">4</div>' in cards  # the endings: safe, so shown
    assert "&lt;3" in section
