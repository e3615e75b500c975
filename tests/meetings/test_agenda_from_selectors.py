"""The agenda's figures are the pages' figures: for one hand-made district, the snapshot shows what the district
overview (/uebersicht/: free places, stale reports) and the demand page (/bedarf/, as county staff see it) show."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.domain import Level
from courses.models import Course
from meetings import agenda
from participants.models import CourseWish
from tests import factories
from tests.meetings.factories import MeetingSeriesFactory

from .test_agenda import make_meeting


@pytest.fixture
def district(world):
    today = timezone.localdate()
    weyhe = factories.MunicipalityFactory(name="Weyhe")
    syke, diepholz = world.course_a.municipality, world.course_b.municipality
    factories.report(world.course_a, 5)
    factories.report(world.course_b, 3, at=timezone.now() - datetime.timedelta(days=40))  # stale
    for provider, municipality, level, free, age in (
        (world.provider_a, weyhe, Level.A2, 7, 2),
        (world.provider_b, weyhe, Level.ALPHA, 4, 60),  # stale
        (world.provider_b, syke, Level.B1, 2, 1),
    ):
        course = factories.CourseFactory(
            provider=provider,
            municipality=municipality,
            level_from=level,
            level_to=level,
            start_date=today + datetime.timedelta(days=10),
            end_date=today + datetime.timedelta(days=120),
            status=Course.Status.OPEN,
        )
        factories.report(course, free, at=timezone.now() - datetime.timedelta(days=age))
    CourseWish.objects.all().delete()
    for municipality, level, n in (
        (syke, Level.ALPHA, 12),
        (syke, Level.A1, 1),  # small: hidden with a rectangle
        (syke, Level.A2, 6),
        (diepholz, Level.A1, 5),
        (diepholz, Level.A2, 9),
        (weyhe, Level.ALPHA, 4),
        (weyhe, Level.A1, 2),  # small
        (weyhe, Level.A2, 8),
    ):
        for _ in range(n):
            person = factories.ParticipantFactory(provider=world.provider_a, municipality=municipality)
            CourseWish.objects.create(participant=person, level=level)
    series = MeetingSeriesFactory(name="Trägerrunde")
    series.invited_providers.set([world.provider_a, world.provider_b])
    return world, make_meeting(series)


@pytest.mark.django_db
def test_the_agenda_shows_the_pages_figures(district, login):
    world, meeting = district
    snapshot = agenda.build_snapshot(meeting, today=timezone.localdate())["sections"]
    county = login(world.users.county)

    overview_page = county.get(reverse("courses:district_overview"))
    overview = overview_page.context["overview"]
    free = snapshot["free_places"]
    assert free["levels"] == [str(cell.level_label) for cell in overview.column_totals]
    assert free["rows"] == [
        {"municipality": row.municipality.name, "cells": [c.free for c in row.cells], "total": row.free}
        for row in overview.rows
    ]
    assert free["totals"] == [cell.free for cell in overview.column_totals]
    assert (free["total"], free["courses"]) == (overview.total_free, overview.total_courses) == (21, 5)

    stale = [(course.provider.name, course.title) for _p, courses in overview.stale_by_provider for course in courses]
    assert [(row["provider"], row["course"]) for row in snapshot["stale_reports"]["rows"]] == stale
    assert len(stale) == 2
    html = overview_page.content.decode()
    assert all(title in html for _provider, title in stale)

    demand_page = county.get(reverse("participants:demand"))
    demand = demand_page.context["demand"]
    wishes = snapshot["wishes"]
    assert wishes["levels"] == [str(label) for _level, label in demand["levels"]]
    assert wishes["rows"] == [
        {"municipality": row["municipality"].name, "cells": row["cells"], "total": row["total"]}
        for row in demand["rows"]
    ]
    assert (wishes["totals"], wishes["total"]) == (demand["totals"], demand["total"])
    assert wishes["total"] == "47"  # safe, so shown (as on the page)
    assert f"<strong data-total-demand>{wishes['total']}</strong>" in demand_page.content.decode()
    rows = {row["municipality"]: row["cells"] for row in wishes["rows"]}
    a1 = [value for value, _label in Level.choices].index(Level.A1)
    assert rows["Syke"][a1] == rows["Weyhe"][a1] == "<3"


@pytest.mark.django_db
def test_the_agenda_hides_small_numbers_whoever_builds_it(district, login):
    """The coordinator sees every figure on /bedarf/; the agenda (for providers and county staff) never does."""
    world, meeting = district
    wishes = agenda.build_snapshot(meeting, today=timezone.localdate())["sections"]["wishes"]
    coordinator = login(world.users.coordinator).get(reverse("participants:demand")).context["demand"]
    a1 = [value for value, _label in Level.choices].index(Level.A1)
    assert {row["municipality"].name: row["cells"][a1] for row in coordinator["rows"]}["Syke"] == "1"
    assert {row["municipality"]: row["cells"][a1] for row in wishes["rows"]}["Syke"] == "<3"
